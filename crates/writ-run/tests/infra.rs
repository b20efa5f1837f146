//! Time that is not the program's: a sandbox that does not answer, a gate that waits. Every row of the
//! table in `infra.rs` is exercised here.

mod common;

use common::*;
use writ_plan::Budgets;
use writ_run::infra::{backoff_ms, PATIENCE, PAUSED_RETRY_MS};
use writ_run::testkit::{builtin_profile, PlanBuilder, Shell, StepSpec};
use writ_run::{codes, Effect, Event, LedgerRecord, RunState, StepState};

fn unavailable(attempt_id: &str) -> Event {
    Event::SandboxUnavailable {
        attempt_id: attempt_id.into(),
        reason: "sandbox unreachable: Network connection lost".into(),
        jitter_permille: 0,
    }
}

fn call_id(e: &Effect) -> Option<String> {
    match e {
        Effect::CallSandbox(c) | Effect::DispatchShard(c) => Some(c.attempt_id.clone()),
        _ => None,
    }
}

/// A plan with a run wall cap of 60 s and a step without retries.
fn capped(gate: bool) -> writ_plan::FrozenPlan {
    let mut deploy = StepSpec::code("deploy")
        .input("table", "load.table")
        .publish("site", "web.bundle.static", "site.zip");
    if gate {
        deploy = deploy.gate("deploys to production");
    }
    PlanBuilder::new("capped")
        .input("rows", "table.csv")
        .step(
            StepSpec::code("load")
                .input("rows", "run.rows")
                .output("table", "table.json_rows")
                .retries(0),
        )
        .step(deploy)
        .budgets(Budgets {
            wall_seconds: Some(60),
            ..Budgets::default()
        })
        .build()
        .expect("plan builds")
}

#[test]
fn an_unreachable_sandbox_is_waited_out_without_spending_a_retry() {
    let mut shell = Shell::start(capped(false), "alice").expect("starts");
    let load = shell.id_of("load");
    let first = run_until(&mut shell, is_call_for(&load)).expect("load is called");
    let attempt = call_id(&first).expect("an attempt id");
    for n in 1..=3u32 {
        let effects = shell.feed(unavailable(&attempt));
        assert!(refused_codes(&effects).is_empty(), "{effects:?}");
        // Not re-issued before its backoff, and the alarm is set for it.
        assert!(!effects.iter().any(|e| call_id(e).is_some()), "{effects:?}");
        let retry_at = shell.now_ms + backoff_ms(n, 0);
        assert_eq!(shell.run.alarm_ms, Some(retry_at));
        assert_eq!(shell.run.state(), RunState::Running);
        let early = shell.fire_alarm_at(retry_at - 100);
        assert!(!early.iter().any(|e| call_id(e).is_some()));
        let due = shell.fire_alarm_at(retry_at);
        let again: Vec<String> = due.iter().filter_map(call_id).collect();
        assert_eq!(again, [attempt.clone()], "the same attempt, re-issued");
        shell.pending.retain(|e| call_id(e).is_none());
    }
    // The sandbox answers: the run goes on as if nothing happened, no retry spent.
    let answer = shell.answer(&first);
    for e in answer {
        shell.feed(e);
    }
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    assert_eq!(shell.run.step(&load).map(|s| s.failures), Some(0));
    let waits = ledger_records(&shell)
        .into_iter()
        .filter(|r| matches!(r, LedgerRecord::InfrastructureWait { paused: false, .. }))
        .count();
    assert_eq!(waits, 3);
    assert_eq!(shell.replay().ok(), Some(shell.run.clone()));
}

#[test]
fn a_long_outage_pauses_the_run_and_it_resumes_by_itself_without_its_wall_budget_running_out() {
    let mut shell = Shell::start(capped(false), "alice").expect("starts");
    let load = shell.id_of("load");
    let first = run_until(&mut shell, is_call_for(&load)).expect("load is called");
    let attempt = call_id(&first).expect("an attempt id");
    // Quick retries, then the pause: ten minutes of outage against a 60 s wall budget.
    let mut failures = 0;
    while shell.now_ms < 1000 + 600_000 {
        shell.feed(unavailable(&attempt));
        failures += 1;
        let at = shell.run.alarm_ms.expect("an alarm for the retry");
        shell.fire_alarm_at(at);
        shell.pending.retain(|e| call_id(e).is_none());
    }
    assert!(failures > PATIENCE as usize);
    assert_eq!(shell.run.state(), RunState::AwaitingInfrastructure);
    let wait = shell.run.infra.get(&attempt).expect("the attempt waits");
    assert!(wait.paused());
    assert!(wait.reason.contains("Network connection lost"));
    let paused = ledger_records(&shell)
        .into_iter()
        .filter(|r| matches!(r, LedgerRecord::InfrastructureWait { paused: true, retry_in_ms, .. } if *retry_in_ms == PAUSED_RETRY_MS))
        .count();
    assert!(paused > 0);
    // The sandbox is back: the waiting attempt answers and the run finishes, budget intact.
    for e in shell.answer(&first) {
        shell.feed(e);
    }
    assert_eq!(shell.run.state(), RunState::Running);
    shell.run_to_end();
    assert_eq!(
        shell.run.state(),
        RunState::Succeeded,
        "{:?}",
        shell.run.failure
    );
    assert!(shell.run.infra.is_empty());
    assert_eq!(shell.replay().ok(), Some(shell.run.clone()));
}

#[test]
fn a_report_for_an_attempt_not_in_flight_is_refused() {
    let mut shell = Shell::start(capped(false), "alice").expect("starts");
    let effects = shell.feed(unavailable("run-1/nope/a1"));
    assert_eq!(refused_codes(&effects), [codes::UNKNOWN_ATTEMPT]);
}

#[test]
fn only_the_unreachable_shard_is_sent_again() {
    let mut shell = Shell::start(fan_out(0), "alice").expect("starts");
    shell.item_counts.insert("map".into(), 30);
    let map = shell.id_of("map");
    let shard = run_until(
        &mut shell,
        |e| matches!(e, Effect::DispatchShard(c) if c.step == map),
    )
    .expect("a shard");
    let attempt = call_id(&shard).expect("id");
    shell.feed(unavailable(&attempt));
    let at = shell.run.alarm_ms.expect("alarm");
    let due = shell.fire_alarm_at(at);
    let again: Vec<String> = due.iter().filter_map(call_id).collect();
    assert_eq!(again, [attempt]);
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    assert_eq!(shell.replay().ok(), Some(shell.run.clone()));
}

#[test]
fn a_gate_approved_after_the_wall_budget_would_have_passed_completes_the_run() {
    let mut shell = Shell::start(capped(true), "alice").expect("starts");
    run_until(&mut shell, |e| matches!(e, Effect::AwaitApproval { .. })).expect("gate");
    assert_eq!(shell.run.state(), RunState::AwaitingApproval);
    // The reviewer comes back after an hour: the 60 s budget counts working time only.
    shell.fire_alarm_at(shell.now_ms + 3_600_000);
    assert_eq!(shell.run.state(), RunState::AwaitingApproval);
    shell.feed(Event::Approve {
        step: shell.id_of("deploy"),
        principal: "bob".into(),
        scopes: vec!["approve".into()],
    });
    shell.run_to_end();
    assert_eq!(
        shell.run.state(),
        RunState::Succeeded,
        "{:?}",
        shell.run.failure
    );
    assert!(shell.run.waited_ms >= 3_600_000);
    assert_eq!(shell.replay().ok(), Some(shell.run.clone()));
}

#[test]
fn working_time_still_counts_against_the_wall_budget() {
    let mut shell = Shell::start(capped(false), "alice").expect("starts");
    let load = shell.id_of("load");
    run_until(&mut shell, is_call_for(&load)).expect("load is called");
    // The program itself runs for a minute: that is working time.
    shell.fire_alarm_at(1000 + 60_000);
    assert_eq!(shell.run.state(), RunState::Failed);
    assert_eq!(
        shell.run.failure.as_ref().map(|f| f.code),
        Some(codes::BUDGET_EXCEEDED)
    );
}

#[test]
fn a_gate_nobody_decides_expires_the_run() {
    let mut profile = builtin_profile();
    profile.gate_expiry_seconds = Some(3600);
    let plan = PlanBuilder::new("expiring")
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
        .profile(profile)
        .build()
        .expect("plan builds");
    let mut shell = Shell::start(plan, "alice").expect("starts");
    run_until(&mut shell, |e| matches!(e, Effect::AwaitApproval { .. })).expect("gate");
    let since = shell
        .run
        .step(&shell.id_of("deploy"))
        .and_then(|s| s.gate_since_ms)
        .expect("the gate's wait is recorded");
    assert_eq!(shell.run.alarm_ms, Some(since + 3_600_000));
    shell.fire_alarm_at(since + 3_599_000);
    assert_eq!(shell.run.state(), RunState::AwaitingApproval);
    let effects = shell.fire_alarm_at(since + 3_600_000);
    assert_eq!(shell.run.state(), RunState::Expired);
    assert!(shell.run.state().is_terminal());
    assert_eq!(
        shell.run.failure.as_ref().map(|f| f.code),
        Some(codes::GATE_EXPIRED)
    );
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::RunFinished {
            state: RunState::Expired
        }
    )));
    assert!(ledger_records(&shell)
        .iter()
        .any(|r| matches!(r, LedgerRecord::GateExpired { .. })));
    assert_eq!(shell.step_state("deploy"), Some(StepState::Skipped));
    // A late approval is refused: the run has ended.
    let late = shell.feed(Event::Approve {
        step: shell.id_of("deploy"),
        principal: "bob".into(),
        scopes: vec!["approve".into()],
    });
    assert_eq!(refused_codes(&late), [codes::RUN_TERMINAL]);
    assert_eq!(shell.replay().ok(), Some(shell.run.clone()));
}

#[test]
fn the_default_gate_expiry_is_fourteen_days() {
    let mut shell = Shell::start(gated(false), "alice").expect("starts");
    run_until(&mut shell, |e| matches!(e, Effect::AwaitApproval { .. })).expect("gate");
    shell.fire_alarm_at(shell.now_ms + 13 * 24 * 3_600_000);
    assert_eq!(shell.run.state(), RunState::AwaitingApproval);
    shell.fire_alarm_at(shell.now_ms + 24 * 3_600_000);
    assert_eq!(shell.run.state(), RunState::Expired);
}

#[test]
fn a_restart_re_issues_a_waiting_attempt_once() {
    let mut shell = Shell::start(capped(false), "alice").expect("starts");
    let load = shell.id_of("load");
    let first = run_until(&mut shell, is_call_for(&load)).expect("load is called");
    let attempt = call_id(&first).expect("an attempt id");
    shell.feed(unavailable(&attempt));
    let retry_at = shell.run.alarm_ms.expect("a retry is due later");
    let resumed = shell.feed(Event::Resume);
    let again: Vec<String> = resumed.iter().filter_map(call_id).collect();
    assert_eq!(again, [attempt.clone()]);
    let later = shell.fire_alarm_at(retry_at);
    assert!(!later.iter().any(|e| call_id(e).is_some()), "{later:?}");
    assert_eq!(shell.replay().ok(), Some(shell.run.clone()));
}
