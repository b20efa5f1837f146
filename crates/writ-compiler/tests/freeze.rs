//! Freezing: deterministic bytes, stable ids and order, and hashes that move only where content moved.

mod common;

use serde_json::{json, Value};
use writ_compiler::{compile, compile_value, to_canonical_json};

fn template(id: &str) -> Value {
    let t = common::catalog().template(id).expect("template");
    serde_json::to_value(&t.plan).expect("json")
}

fn frozen(value: &Value) -> writ_plan::FrozenPlan {
    let compiled = compile_value(value, common::catalog(), &common::profile());
    assert!(!compiled.has_errors(), "{:#?}", compiled.diagnostics);
    compiled.frozen.expect("frozen")
}

#[test]
fn compiling_twice_gives_the_same_bytes() {
    let a = compile(common::VALID, common::catalog(), &common::profile())
        .frozen
        .expect("a");
    let b = compile(common::VALID, common::catalog(), &common::profile())
        .frozen
        .expect("b");
    assert_eq!(to_canonical_json(&a).ok(), to_canonical_json(&b).ok());
    // Whitespace and key order in the candidate do not matter either.
    let value: Value = serde_json::from_str(common::VALID).expect("json");
    let compact = serde_json::to_string(&value).expect("text");
    let c = compile(&compact, common::catalog(), &common::profile())
        .frozen
        .expect("c");
    assert_eq!(to_canonical_json(&a).ok(), to_canonical_json(&c).ok());
}

#[test]
fn ids_follow_a_stable_topological_order_with_ties_in_candidate_order() {
    let plan = frozen(&template("billing-audit"));
    let ids: Vec<&str> = plan.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "ps-1-profile_inputs",
            "ps-2-extract_terms",
            "ps-3-normalize_entries",
            "ps-4-exclusions",
            "ps-5-rate_checks",
            "ps-6-time_checks",
            "ps-7-review_flags",
            "ps-8-payable",
            "ps-9-report"
        ]
    );
    // Reversing the candidate's steps cannot break dependencies; only ties may move.
    let mut reversed = template("billing-audit");
    if let Some(steps) = reversed["steps"].as_array_mut() {
        steps.reverse();
    }
    let plan2 = frozen(&reversed);
    for step in &plan2.steps {
        for dep in &step.depends_on {
            let dep_index = plan2.step(dep).map(|s| s.index).unwrap_or(usize::MAX);
            assert!(dep_index < step.index, "{} depends on later {dep}", step.id);
        }
    }
    assert!(plan.verify().is_empty());
    assert_eq!(plan.dependencies.len(), plan.steps.len());
}

/// Changing one step's contract changes that step's hash and the plan hash, and no other step's.
#[test]
fn one_contract_edit_moves_one_step_hash_and_the_plan_hash() {
    let base = template("billing-audit");
    let before = frozen(&base);
    let edits: Vec<(&str, Box<dyn Fn(&mut Value)>)> = vec![
        (
            "intent",
            Box::new(|s: &mut Value| s["intent"] = json!("Another intent.")),
        ),
        (
            "timeout",
            Box::new(|s: &mut Value| s["timeout_seconds"] = json!(77)),
        ),
        (
            "rubric",
            Box::new(|s: &mut Value| s["rubric"] = json!([{"id": "x", "text": "Another check."}])),
        ),
        (
            "retries",
            Box::new(|s: &mut Value| s["max_retries"] = json!(5)),
        ),
    ];
    let n = base["steps"].as_array().map(Vec::len).unwrap_or(0);
    for target in 0..n {
        for (what, edit) in &edits {
            let mut changed = base.clone();
            edit(&mut changed["steps"][target]);
            let after = frozen(&changed);
            let slug = base["steps"][target]["id"].as_str().unwrap_or_default();
            assert_ne!(before.plan_hash, after.plan_hash, "{what} on {slug}");
            for (x, y) in before.steps.iter().zip(&after.steps) {
                assert_eq!(x.id, y.id);
                if x.contract.slug == slug {
                    assert_ne!(x.contract_hash, y.contract_hash, "{what} on {slug}");
                } else {
                    assert_eq!(
                        x.contract_hash, y.contract_hash,
                        "{what} on {slug} moved {}",
                        x.id
                    );
                }
            }
        }
    }
}

#[test]
fn contracts_reference_producers_by_ref() {
    let plan = frozen(&template("billing-audit"));
    let normalize = plan.step_by_slug("normalize_entries").expect("step");
    let terms = normalize
        .contract
        .inputs
        .iter()
        .find(|i| i.slot == "terms")
        .expect("terms");
    assert_eq!(terms.producer_ref, "ps-2-extract_terms:output:0:terms");
    let rows = normalize
        .contract
        .inputs
        .iter()
        .find(|i| i.slot == "time_entries")
        .expect("rows");
    assert_eq!(rows.producer_ref, "run:input:time_entries");
    assert!(plan
        .artifacts
        .values()
        .all(|a| plan.step(&a.step).is_some()));
}

#[test]
fn an_adapter_step_is_inserted_once_per_producer_output() {
    let candidate = json!({
        "objective": "Two consumers of one converted table.",
        "domain": "data-merge-transform",
        "workflow": "normalize-transform",
        "policy": "provenance",
        "inputs": [{"name": "rows", "kind": "table.csv"}],
        "steps": [
            {"id": "a", "intent": "A.", "kind": "code", "inputs": {"x": {"from": "run.rows", "kind": "table.json_rows"}},
             "outputs": [{"slot": "out", "kind": "object.json", "publish": true, "name": "a.json"}]},
            {"id": "b", "intent": "B.", "kind": "code", "inputs": {"x": {"from": "run.rows", "kind": "table.json_rows"}},
             "outputs": [{"slot": "out", "kind": "object.json", "publish": true, "name": "b.json"}]}
        ]
    });
    let plan = frozen(&candidate);
    let ids: Vec<&str> = plan.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        ["ps-1-adapt_run_rows_to_table_json_rows", "ps-2-a", "ps-3-b"]
    );
    assert_eq!(
        plan.dependencies["ps-3-b"],
        ["ps-1-adapt_run_rows_to_table_json_rows"]
    );
}
