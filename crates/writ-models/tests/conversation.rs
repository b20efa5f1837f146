//! The re-asking conversation: invalid reply → re-ask with the diagnostics → valid reply → done.

use std::collections::BTreeMap;
use writ_catalog::Catalog;
use writ_models::builtin;
use writ_models::conversation::{Conversation, Next};
use writ_models::provider::Role;
use writ_models::task::{AuditTask, Evidence, ExecuteTask, JudgeTask, RouteTask, Task};
use writ_plan::Phase;

const OBJECTIVE: &str = "reconcile law firm time entries against engagement letter rates";

fn execute_task() -> anyhow::Result<Task> {
    let catalog = Catalog::builtin();
    let plan = builtin::plan(catalog, OBJECTIVE, "billing-audit")?;
    let samples: BTreeMap<String, String> = [(
        "time_entries".to_string(),
        "entry_id,date,hours,rate,description\nTE-1,2025-03-03,1.5,450.00,\"Draft motion, review\"\nTE-2,2025-03-04,0.3,450,Call".to_string(),
    )]
    .into();
    Ok(Task::Execute(ExecuteTask::from_plan(
        &plan,
        "normalize_entries",
        catalog,
        &samples,
    )?))
}

fn asked(next: Next) -> anyhow::Result<writ_models::provider::ChatRequest> {
    match next {
        Next::Ask(r) => Ok(r),
        other => anyhow::bail!("expected an ask, got {other:?}"),
    }
}

#[test]
fn reasks_with_diagnostics_then_accepts() -> anyhow::Result<()> {
    let mut c = Conversation::new(Phase::Executor, execute_task()?)?;
    let first = asked(c.next())?;
    assert_eq!(first.messages.len(), 1);
    // Asking again before a reply is the same ask, not a new one.
    assert_eq!(asked(c.next())?, first);
    assert_eq!(c.asks(), 1);

    c.on_reply("Sure!\n```json\n{\"program\": \"print(1)\"}\n```");
    let second = asked(c.next())?;
    assert_eq!(second.messages.len(), 3);
    assert_eq!(second.messages[1].role, Role::Assistant);
    let reask = &second.messages[2].content;
    assert!(reask.contains("S0005") && reask.contains("code"), "{reask}");
    assert!(reask.contains("S0006"), "{reask}");

    // Valid JSON, but the program never emits its output slot: re-asked again.
    c.on_reply("```json\n{\"code\": \"import writ\\nprint(1)\"}\n```");
    let third = asked(c.next())?;
    let reask = &third.messages[4].content;
    assert!(
        reask.contains("R1002") && reask.contains("`entries`"),
        "{reask}"
    );
    assert_eq!(c.rejected().len(), 2);

    c.on_reply("Here is the program:\n```json\n{\"code\": \"import writ\\nwrit.emit(\\\"entries\\\", [])\\n\"}\n```\nDone.");
    match c.next() {
        Next::Done(v) => assert_eq!(v["code"], "import writ\nwrit.emit(\"entries\", [])\n"),
        other => anyhow::bail!("expected done, got {other:?}"),
    }
    assert_eq!(c.asks(), 3);
    Ok(())
}

#[test]
fn gives_up_after_max_asks() -> anyhow::Result<()> {
    let mut c = Conversation::new(Phase::Executor, execute_task()?)?.with_max_asks(2);
    asked(c.next())?;
    c.on_reply("no json here");
    asked(c.next())?;
    c.on_reply("{ still not");
    match c.next() {
        Next::Failed(d) => {
            let codes: Vec<String> = d.iter().map(|d| d.code.to_string()).collect();
            assert_eq!(codes.last().map(String::as_str), Some("R1004"), "{codes:?}");
        }
        other => anyhow::bail!("expected failure, got {other:?}"),
    }
    // Over means over.
    c.on_reply("```json\n{\"code\": \"writ.emit('entries', [])\"}\n```");
    assert!(matches!(c.next(), Next::Failed(_)));
    Ok(())
}

#[test]
fn wrong_phase_is_refused() -> anyhow::Result<()> {
    assert!(Conversation::new(Phase::Planner, execute_task()?).is_err());
    Ok(())
}

#[test]
fn auditor_must_cover_the_rubric() -> anyhow::Result<()> {
    let catalog = Catalog::builtin();
    let plan = builtin::plan(catalog, OBJECTIVE, "billing-audit")?;
    let step = plan
        .steps
        .iter()
        .find(|s| s.id == "exclusions")
        .ok_or_else(|| anyhow::anyhow!("step"))?;
    let mut c = Conversation::new(
        Phase::Auditor,
        Task::Audit(AuditTask::of(step, Evidence::default())),
    )?;
    asked(c.next())?;
    c.on_reply(
        r#"{"verdicts": [{"criterion": "precedence", "verdict": "pass", "evidence": "ok"}]}"#,
    );
    let r = asked(c.next())?;
    assert!(
        r.messages[2]
            .content
            .contains("`every_entry_once` has no verdict"),
        "{}",
        r.messages[2].content
    );
    c.on_reply(r#"{"verdicts": [{"criterion": "precedence", "verdict": "pass", "evidence": "ok"}, {"criterion": "every_entry_once", "verdict": "fail", "evidence": "TE-3 twice"}]}"#);
    assert!(matches!(c.next(), Next::Done(_)));
    Ok(())
}

#[test]
fn builtin_answers_pass_their_own_conversation() -> anyhow::Result<()> {
    let catalog = Catalog::builtin();
    let route = Task::Route(RouteTask::from_catalog(OBJECTIVE, catalog));
    let plan = Task::Plan(writ_models::task::PlanTask::from_catalog(
        OBJECTIVE,
        Some("billing-audit"),
        catalog,
    ));
    for task in [route, plan, execute_task()?] {
        let answer = builtin::answer(catalog, &task)?;
        let mut c = Conversation::new(task.phase(), task)?;
        asked(c.next())?;
        c.on_reply(&answer.reply.text);
        match c.next() {
            Next::Done(v) => assert_eq!(v, answer.value),
            other => anyhow::bail!("{other:?}"),
        }
    }
    Ok(())
}

#[test]
fn prompts() -> anyhow::Result<()> {
    let mut c = Conversation::new(Phase::Executor, execute_task()?)?;
    let r = asked(c.next())?;
    let text = &r.messages[0].content;
    assert!(
        text.starts_with("writ-task: executor\nobjective: reconcile law firm"),
        "{text}"
    );
    assert!(text.contains("template: billing-audit\nstep: normalize_entries\n"));
    assert!(text.contains("inferred columns: entry_id: string, date: date, hours: decimal, rate: decimal, description: string"), "{text}");
    assert!(
        text.contains("writ.table(slot) -> Table"),
        "the runtime API summary is in the prompt"
    );
    assert!(
        text.contains("`dates.parse_date`"),
        "bound skills are listed"
    );
    insta::assert_snapshot!("executor_prompt", text);
    Ok(())
}

fn judge_task() -> anyhow::Result<Task> {
    let args = serde_json::json!({
        "rubric": "contract-review.deviations",
        "item": "VC-0007",
        "question": "Which clauses deviate from the standard form?",
        "evidence": [{"clause": "TERM", "standard": {"text": "twelve (12) months"}, "found": {"text": "six (6) months", "line_start": 17, "line_end": 19}}]
    });
    Ok(Task::Judge(JudgeTask::from_args("ps-3-review", &args)?))
}

#[test]
fn the_evaluator_judges_one_item_and_is_reasked_until_its_verdict_fits() -> anyhow::Result<()> {
    let mut c = Conversation::new(Phase::Auditor, judge_task()?)?;
    let r = asked(c.next())?;
    let text = r.messages[0].content.clone();
    assert!(
        text.starts_with("writ-task: evaluator\nobjective: Which clauses deviate from the standard form?\nstep: ps-3-review\nrubric: contract-review.deviations\nitem: VC-0007\n\n"),
        "{text}"
    );
    assert!(
        text.contains("\"line_start\":17"),
        "the whole bundle is shown: {text}"
    );
    insta::assert_snapshot!("evaluator_prompt", text);
    // No reasons: re-asked with the pointer of what is missing.
    c.on_reply("```json\n{\"verdict\": \"deviates\"}\n```");
    let again = asked(c.next())?;
    let last = again
        .messages
        .last()
        .map(|m| m.content.clone())
        .unwrap_or_default();
    assert!(last.contains("reasons"), "{last}");
    c.on_reply("```json\n{\"verdict\": \"deviates\", \"reasons\": [\"evidence 0: six months, not twelve\"], \"criteria\": [{\"clause\": \"TERM\", \"deviation\": \"TERM_LENGTH\", \"evidence\": 0}]}\n```");
    match c.next() {
        Next::Done(v) => assert_eq!(v["verdict"], "deviates"),
        other => anyhow::bail!("expected a verdict, got {other:?}"),
    }
    Ok(())
}

#[test]
fn evaluator_arguments_are_checked() {
    for (args, why) in [
        (serde_json::json!({"item": "x", "evidence": []}), "rubric"),
        (serde_json::json!({"rubric": "r", "evidence": []}), "item"),
        (serde_json::json!({"rubric": "r", "item": "x"}), "evidence"),
        (
            serde_json::json!({"rubric": "r", "item": "x", "evidence": [], "criteria": [1]}),
            "criteria",
        ),
    ] {
        let err = JudgeTask::from_args("s", &args)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains(why), "{args}: {err}");
    }
}
