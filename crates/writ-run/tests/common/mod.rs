//! Plans and helpers shared by the scenario and property tests.
#![allow(dead_code)]

use writ_plan::FrozenPlan;
use writ_run::testkit::{PlanBuilder, Shell, StepSpec};
use writ_run::{Code, Effect, LedgerRecord};

/// load → transform → report (published), linear.
pub fn linear() -> FrozenPlan {
    PlanBuilder::new("linear")
        .input("rows", "table.csv")
        .step(
            StepSpec::code("load")
                .input("rows", "run.rows")
                .output("table", "table.json_rows"),
        )
        .step(
            StepSpec::code("transform")
                .input("table", "load.table")
                .output("clean", "table.json_rows")
                .tool("billing.review_flags"),
        )
        .step(
            StepSpec::code("report")
                .input("clean", "transform.clean")
                .publish("summary", "report.markdown", "summary.md"),
        )
        .build()
        .expect("linear plan builds")
}

/// load → deploy (gated).
pub fn gated(allow_self_approval: bool) -> FrozenPlan {
    PlanBuilder::new("gated")
        .input("rows", "table.csv")
        .step(
            StepSpec::code("load")
                .input("rows", "run.rows")
                .output("table", "table.json_rows"),
        )
        .step(
            StepSpec::code("deploy")
                .input("table", "load.table")
                .publish("site", "web.bundle.static", "site.zip")
                .gate("deploys to production"),
        )
        .allow_self_approval(allow_self_approval)
        .build()
        .expect("gated plan builds")
}

/// load → per-item map (fan-out, shards of 10, 2 retries) → summarise.
pub fn fan_out(retries: u32) -> FrozenPlan {
    PlanBuilder::new("fan-out")
        .input("rows", "table.csv")
        .step(
            StepSpec::code("load")
                .input("rows", "run.rows")
                .output("items", "table.json_rows"),
        )
        .step(
            StepSpec::code("map")
                .input("items", "load.items")
                .output("judged", "table.json_rows")
                .fan_out("items", 10)
                .retries(retries),
        )
        .step(
            StepSpec::code("summarise")
                .input("judged", "map.judged")
                .publish("summary", "report.markdown", "summary.md"),
        )
        .build()
        .expect("fan-out plan builds")
}

pub fn refused_codes(effects: &[Effect]) -> Vec<Code> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Refused { code, .. } => Some(*code),
            _ => None,
        })
        .collect()
}

pub fn ledger_records(shell: &Shell) -> Vec<LedgerRecord> {
    shell
        .emitted
        .iter()
        .filter_map(|e| match e {
            Effect::AppendLedger { record, .. } => Some(record.clone()),
            _ => None,
        })
        .collect()
}

/// Pops the first pending effect matching `pred`, leaving the others in order.
pub fn take_pending(shell: &mut Shell, pred: impl Fn(&Effect) -> bool) -> Option<Effect> {
    let k = shell.pending.iter().position(pred)?;
    shell.pending.remove(k)
}

/// Answers pending effects perfectly until one matching `pred` is next; returns it unanswered.
pub fn run_until(shell: &mut Shell, pred: impl Fn(&Effect) -> bool) -> Option<Effect> {
    for _ in 0..10_000 {
        if let Some(e) = take_pending(shell, &pred) {
            return Some(e);
        }
        if !shell.step_once() {
            return None;
        }
    }
    None
}

pub fn is_call_for(step_id: &str) -> impl Fn(&Effect) -> bool + '_ {
    move |e| matches!(e, Effect::CallSandbox(c) if c.step == step_id)
}
