//! Table-driven: each generic check on a sound artifact (no diagnostic) and on planted defects (the code
//! expected at the pointer expected).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::CHECKS;
use crate::config::ValidatorRef;
use crate::stages::domain::Registry;
use crate::types::{Artifact, Context};

fn artifact(value: Value, related: &[(&str, Value)]) -> Artifact {
    Artifact {
        name: "result".into(),
        kind: "table.csv".into(),
        value,
        context: Context {
            input_row_counts: BTreeMap::new(),
            related: related
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        },
    }
}

fn run(id: &str, params: Value, a: &Artifact) -> Vec<(String, String)> {
    let mut registry = Registry::empty();
    for (name, check) in CHECKS {
        registry.register(name, Box::new(*check));
    }
    let r = ValidatorRef {
        id: id.into(),
        params,
    };
    registry
        .run(&[r], a, &a.value)
        .into_iter()
        .map(|d| (d.code.to_string(), d.pointer.unwrap_or_default()))
        .collect()
}

#[test]
fn planted_defects_are_caught_and_sound_artifacts_pass() {
    let items = json!([{"id": "A"}, {"id": "B"}]);
    let files = json!(["A.txt", "B.txt"]);
    let cases: Vec<(&str, Value, Artifact, Vec<(&str, &str)>)> = vec![
        (
            "workflow.every_item_accounted",
            json!({"items": "items", "key": "id"}),
            artifact(
                json!([{"id": "A"}, {"id": "B"}, {"id": "B"}]),
                &[("items", items.clone())],
            ),
            vec![],
        ),
        (
            "workflow.every_item_accounted",
            json!({"items": "items", "key": "id"}),
            artifact(json!([{"id": "A"}]), &[("items", items.clone())]),
            vec![("L0048", "items:/1")],
        ),
        (
            "workflow.every_item_accounted",
            json!({"items": "items", "key": "id"}),
            artifact(
                json!([{"id": "A"}, {"id": "B"}, {"id": "Z"}]),
                &[("items", items.clone())],
            ),
            vec![("L0048", "/2")],
        ),
        (
            "workflow.every_item_accounted",
            json!({"items": "files", "key": "id"}),
            artifact(json!([{"id": "B"}]), &[("files", files)]),
            vec![("L0048", "files:/0")],
        ),
        (
            "workflow.every_item_accounted",
            json!({"key": "id"}),
            artifact(json!([]), &[]),
            vec![("L0029", "")],
        ),
        (
            "workflow.keys_unique",
            json!({"key": "id+c"}),
            artifact(json!([{"id": "A", "c": "1"}, {"id": "A", "c": "2"}]), &[]),
            vec![],
        ),
        (
            "workflow.keys_unique",
            json!({"key": "id+c"}),
            artifact(json!([{"id": "A", "c": "1"}, {"id": "A", "c": "1"}]), &[]),
            vec![("L0022", "/1")],
        ),
        (
            "workflow.rows_preserved",
            json!({"input": "items"}),
            artifact(json!([{}, {}]), &[("items", items.clone())]),
            vec![],
        ),
        (
            "workflow.rows_preserved",
            json!({"input": "items"}),
            artifact(json!([{}]), &[("items", items)]),
            vec![("L0023", "")],
        ),
        (
            "workflow.totals_reconcile",
            json!({"rows": "result", "column": "amount", "summary": "summary", "total": "/total"}),
            artifact(
                json!([{"amount": "1.10"}, {"amount": "2.20"}]),
                &[("summary", json!({"total": "3.30"}))],
            ),
            vec![],
        ),
        (
            "workflow.totals_reconcile",
            json!({"rows": "result", "column": "amount", "summary": "summary", "total": "/total"}),
            artifact(
                json!([{"amount": "1.10"}, {"amount": "2.20"}]),
                &[("summary", json!({"total": "3.40"}))],
            ),
            vec![("L0028", "summary:/total")],
        ),
        (
            "workflow.totals_reconcile",
            json!({"rows": "result", "column": "amount", "summary": "summary", "total": "/total"}),
            artifact(
                json!([{"amount": "x"}]),
                &[("summary", json!({"total": "0"}))],
            ),
            vec![("L0016", "/0/amount")],
        ),
    ];
    let mut exercised = std::collections::BTreeSet::new();
    for (id, params, a, want) in cases {
        exercised.insert(id);
        let got = run(id, params.clone(), &a);
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(c, p)| (c.to_string(), p.to_string()))
            .collect();
        assert_eq!(got, want, "{id} {params}");
    }
    let all: std::collections::BTreeSet<&str> = CHECKS.iter().map(|(id, _)| *id).collect();
    assert_eq!(exercised, all, "every generic check has cases");
}
