//! The built-in provider on the billing-audit template.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use writ_catalog::Catalog;
use writ_models::builtin::{self, VerdictKind, SERVED_BY};
use writ_models::task::{AuditTask, Evidence, ExecuteTask, PlanTask, RepairTask, RouteTask, Task};
use writ_plan::{PlanCandidate, RubricCriterion};

const OBJECTIVE: &str = "reconcile law firm time entries against engagement letter rates";

fn template() -> anyhow::Result<PlanCandidate> {
    Ok(Catalog::builtin()
        .template("billing-audit")
        .ok_or_else(|| anyhow::anyhow!("no billing-audit template"))?
        .plan
        .clone())
}

#[test]
fn routes_by_discovery() {
    let catalog = Catalog::builtin();
    let cases = [
        (OBJECTIVE, Some("billing-audit")),
        (
            "audit our outside counsel invoices for block billing and fee cap overages",
            Some("billing-audit"),
        ),
        (
            "screen these resumes and rank the candidates",
            Some("resume-screening"),
        ),
        (
            "review this contract's clauses for deviations from our playbook",
            Some("contract-review"),
        ),
        ("bake a chocolate cake", None),
        ("", None),
    ];
    for (objective, want) in cases {
        let d = builtin::route(catalog, objective);
        assert_eq!(d.template.as_deref(), want, "{objective}: {}", d.reason);
        assert_eq!(d.served_by, SERVED_BY);
        assert!((0.0..=1.0).contains(&d.confidence));
    }
}

#[test]
fn plans_from_the_template() -> anyhow::Result<()> {
    let catalog = Catalog::builtin();
    let plan = builtin::plan(catalog, OBJECTIVE, "billing-audit")?;
    let mut expected = template()?;
    expected.objective = OBJECTIVE.to_string();
    assert_eq!(plan, expected);
    assert_eq!(plan.steps.len(), 9);
    assert!(builtin::plan(catalog, OBJECTIVE, "nope").is_err());

    // Through `answer`, with no template picked: it routes first.
    let task = Task::Plan(PlanTask::from_catalog(OBJECTIVE, None, catalog));
    let answer = builtin::answer(catalog, &task)?;
    assert_eq!(answer.served_by, "builtin");
    assert_eq!((answer.reply.tokens_in, answer.reply.tokens_out), (0, 0));
    assert_eq!(
        serde_json::from_value::<PlanCandidate>(answer.value)?,
        expected
    );
    Ok(())
}

#[test]
fn every_step_has_its_reference_program() -> anyhow::Result<()> {
    let catalog = Catalog::builtin();
    let plan = builtin::plan(catalog, OBJECTIVE, "billing-audit")?;
    for step in &plan.steps {
        let task = ExecuteTask::from_plan(&plan, &step.id, catalog, &BTreeMap::new())?;
        let code = builtin::execute(catalog, &task)?;
        let program = catalog
            .program(&format!("billing-audit/{}", step.id))
            .ok_or_else(|| anyhow::anyhow!("no program for {}", step.id))?;
        assert_eq!(code, program.source, "{}", step.id);
        let answer = builtin::answer(catalog, &Task::Execute(task))?;
        assert_eq!(answer.value, json!({"code": program.source}));
        assert_eq!(answer.reply.served_by, "builtin");
    }
    Ok(())
}

#[test]
fn repair_restores_the_reference_program() -> anyhow::Result<()> {
    let catalog = Catalog::builtin();
    let plan = builtin::plan(catalog, OBJECTIVE, "billing-audit")?;
    let exec = ExecuteTask::from_plan(&plan, "extract_terms", catalog, &BTreeMap::new())?;
    let reference = builtin::execute(catalog, &exec)?;
    let task = |code: &str| RepairTask {
        objective: OBJECTIVE.into(),
        template: Some("billing-audit".into()),
        step: exec.step.clone(),
        code: code.into(),
        failure: "Traceback: KeyError".into(),
    };
    let fixed = builtin::repair(catalog, &task("import writ\nraise KeyError"))?;
    assert_eq!(fixed.get("code"), Some(&Value::String(reference.clone())));
    assert!(builtin::repair(catalog, &task(&reference)).is_err());
    Ok(())
}

fn criterion(id: &str, check: Option<&str>) -> RubricCriterion {
    RubricCriterion {
        id: id.into(),
        text: format!("{id} holds"),
        check: check.map(str::to_string),
    }
}

#[test]
fn audits_with_rubric_checks_as_code() {
    let entries = json!([{"entry_id": "TE-1"}, {"entry_id": "TE-2"}]);
    let good = json!([
        {"entry_id": "TE-1", "findings": "", "flags": "", "billed_amount": "10.00", "payable_amount": "10.00", "delta": "0.00"},
        {"entry_id": "TE-2", "findings": "", "flags": "", "billed_amount": "5.00", "payable_amount": "5.00", "delta": "0.00"}
    ]);
    let missing = json!([
        {"entry_id": "TE-1", "findings": "", "flags": "", "billed_amount": "10.00", "payable_amount": "10.00", "delta": "0.00"}
    ]);
    let task = |findings: Value| AuditTask {
        step_id: "payable".into(),
        intent: "compute payable".into(),
        rubric: vec![
            criterion("every_entry_once", Some("billing.every_entry_once")),
            criterion("made_up", Some("billing.no_such_check")),
            criterion("prose_only", None),
        ],
        evidence: Evidence {
            inputs: [("time_entries".to_string(), entries.clone())].into(),
            outputs: [("findings".to_string(), findings)].into(),
        },
    };
    let proof = builtin::audit(&task(good));
    assert_eq!(proof.served_by, "builtin");
    let kinds: Vec<VerdictKind> = proof.verdicts.iter().map(|v| v.verdict).collect();
    assert_eq!(
        kinds,
        vec![VerdictKind::Pass, VerdictKind::Fail, VerdictKind::Fail]
    );
    assert!(!proof.passed);
    // Unknown checks fail with a reason, never silently.
    assert!(
        proof.verdicts[1]
            .evidence
            .contains("not implemented as code"),
        "{}",
        proof.verdicts[1].evidence
    );
    assert!(proof.verdicts[2].evidence.contains("names no rubric check"));

    let proof = builtin::audit(&task(missing));
    assert_eq!(proof.verdicts[0].verdict, VerdictKind::Fail);
    assert!(
        proof.verdicts[0].evidence.contains("TE-2"),
        "{}",
        proof.verdicts[0].evidence
    );
    insta::assert_json_snapshot!("audit_missing_entry", proof);
}

#[test]
fn router_task_through_answer() -> anyhow::Result<()> {
    let catalog = Catalog::builtin();
    let task = Task::Route(RouteTask::from_catalog(OBJECTIVE, catalog));
    let answer = builtin::answer(catalog, &task)?;
    assert_eq!(answer.value.get("template"), Some(&json!("billing-audit")));
    assert_eq!(answer.value.get("in_scope"), Some(&json!(true)));
    assert!(answer.reply.text.starts_with("```json\n"));
    Ok(())
}

#[test]
fn a_repair_task_carries_the_contract_the_samples_the_code_and_the_trace() -> anyhow::Result<()> {
    use writ_models::task::FailureTrace;
    let catalog = Catalog::builtin();
    let plan = builtin::plan(catalog, OBJECTIVE, "billing-audit")?;
    let samples = BTreeMap::from([("letter".to_string(), "# Engagement letter".to_string())]);
    let trace = FailureTrace {
        code: "R0030".into(),
        reason: "the step failed on every attempt".into(),
        exit_code: Some(1),
        stderr: "Traceback: KeyError 'rates'".into(),
        record: None,
    };
    let task = RepairTask::from_plan(
        &plan,
        "extract_terms",
        catalog,
        &samples,
        "raise KeyError",
        &trace,
    )?;
    assert_eq!(task.step.id, "extract_terms");
    assert_eq!(task.code, "raise KeyError");
    assert_eq!(
        task.failure,
        "failed: R0030 the step failed on every attempt\nexit code: 1\nstderr:\nTraceback: KeyError 'rates'"
    );
    let prompt = serde_json::to_string(&task)?;
    assert!(
        prompt.contains("# Engagement letter"),
        "the samples reach the brief"
    );
    assert!(RepairTask::from_plan(&plan, "nope", catalog, &samples, "", &trace).is_err());
    Ok(())
}
