//! One scenario per budget kind, per step and per run: crossing a hard cap stops with the reason recorded.

mod common;

use common::*;
use writ_plan::{Budgets, ModelPrice, Phase};
use writ_run::codes;
use writ_run::testkit::{PlanBuilder, Shell, StepSpec};
use writ_run::{BudgetExceeded, BudgetKind, Effect, Event, LedgerRecord, RunState, StepState};

fn one_step(step_budget: Budgets, run_budget: Budgets) -> writ_plan::FrozenPlan {
    let mut profile = writ_run::testkit::builtin_profile();
    profile.prices.insert(
        "priced".into(),
        ModelPrice {
            input_usd_per_mtok: 1.0,
            output_usd_per_mtok: 2.0,
        },
    );
    PlanBuilder::new("budgets")
        .input("rows", "table.csv")
        .step(
            StepSpec::code("work")
                .input("rows", "run.rows")
                .publish("out", "object.json", "out.json")
                .tool("billing.review_flags")
                .budget(step_budget),
        )
        .budgets(run_budget)
        .profile(profile)
        .build()
        .expect("builds")
}

/// Runs until the sandbox call of `work` and returns it (left unanswered).
fn in_flight_call(shell: &mut Shell) -> writ_run::SandboxCall {
    match run_until(shell, |e| matches!(e, Effect::CallSandbox(_))) {
        Some(Effect::CallSandbox(call)) => call,
        other => panic!("expected a sandbox call, got {other:?}"),
    }
}

fn in_flight(shell: &mut Shell) -> String {
    in_flight_call(shell).attempt_id
}

fn model_call(shell: &Shell, model: &str, tokens_in: u64, tokens_out: u64) -> Event {
    Event::ModelCall {
        step: Some(shell.id_of("work")),
        phase: Phase::Executor,
        model: model.into(),
        tokens_in,
        tokens_out,
        cost_micros: 0,
    }
}

fn tool_call(attempt_id: &str, n: u32, cost_micros: u64) -> Event {
    Event::ToolCallRequested {
        attempt_id: attempt_id.into(),
        call_id: format!("c{n}"),
        tool: "billing.review_flags".into(),
        cost_micros,
        external: None,
    }
}

fn budget_stops(shell: &Shell) -> Vec<(bool, BudgetExceeded)> {
    ledger_records(shell)
        .into_iter()
        .filter_map(|r| match r {
            LedgerRecord::BudgetStop { step, exceeded } => Some((step.is_some(), exceeded)),
            _ => None,
        })
        .collect()
}

#[test]
fn each_step_budget_kind_stops_the_step_with_its_reason() {
    let cap = |f: fn(&mut Budgets)| {
        let mut b = Budgets::default();
        f(&mut b);
        b
    };
    type Drive = fn(&mut Shell, &str);
    let cases: [(&str, Budgets, Drive, BudgetExceeded); 4] = [
        (
            "tokens",
            cap(|b| b.tokens = Some(100)),
            |s, _| {
                let e = model_call(s, "builtin", 60, 50);
                s.feed(e);
            },
            BudgetExceeded {
                kind: BudgetKind::Tokens,
                limit: 100,
                used: 110,
            },
        ),
        (
            "cost (priced by the profile: 1 $/Mtok in, 2 $/Mtok out)",
            cap(|b| b.cost_usd = Some(0.001)),
            |s, _| {
                let e = model_call(s, "priced", 500, 300);
                s.feed(e);
            },
            BudgetExceeded {
                kind: BudgetKind::Cost,
                limit: 1000,
                used: 1100,
            },
        ),
        (
            "tool calls",
            cap(|b| b.tool_calls = Some(2)),
            |s, attempt| {
                for n in 0..3 {
                    s.feed(tool_call(attempt, n, 0));
                }
            },
            BudgetExceeded {
                kind: BudgetKind::ToolCalls,
                limit: 2,
                used: 3,
            },
        ),
        (
            "wall time",
            cap(|b| b.wall_seconds = Some(60)),
            |s, _| {
                let at = s.run.alarm_ms.expect("an alarm is set for the wall cap");
                s.fire_alarm_at(at);
            },
            BudgetExceeded {
                kind: BudgetKind::Wall,
                limit: 60_000,
                used: 60_000,
            },
        ),
    ];
    for (name, budget, drive, want) in cases {
        let mut shell =
            Shell::start(one_step(budget, Budgets::default()), "alice").expect("starts");
        let attempt = in_flight(&mut shell);
        drive(&mut shell, &attempt);
        let work = shell.run.step(&shell.id_of("work")).expect("work").clone();
        assert_eq!(work.state, StepState::Failed, "{name}");
        let evidence = work.failure.map(|f| f.evidence);
        assert_eq!(
            evidence.as_ref().map(|e| e.code),
            Some(codes::BUDGET_EXCEEDED),
            "{name}"
        );
        assert_eq!(evidence.and_then(|e| e.budget), Some(want), "{name}");
        assert_eq!(budget_stops(&shell), [(true, want)], "{name}");
        assert!(
            shell.count(
                |e| matches!(e, Effect::StopAttempt { attempt_id, .. } if *attempt_id == attempt)
            ) == 1,
            "{name}: the attempt is stopped"
        );
        assert_eq!(shell.run.state(), RunState::Failed, "{name}");
        assert_eq!(
            shell.count(|e| matches!(e, Effect::RequestRepair { .. })),
            0,
            "{name}"
        );
    }
}

#[test]
fn each_run_budget_kind_fails_the_run_with_its_reason() {
    let cap = |f: fn(&mut Budgets)| {
        let mut b = Budgets::default();
        f(&mut b);
        b
    };
    type Drive = fn(&mut Shell, &str);
    let cases: [(&str, Budgets, Drive, BudgetKind); 4] = [
        (
            "tokens",
            cap(|b| b.tokens = Some(10)),
            |s, _| {
                let e = model_call(s, "builtin", 6, 6);
                s.feed(e);
            },
            BudgetKind::Tokens,
        ),
        (
            "cost",
            cap(|b| b.cost_usd = Some(0.000_5)),
            |s, a| {
                s.feed(tool_call(a, 0, 600));
            },
            BudgetKind::Cost,
        ),
        (
            "tool calls",
            cap(|b| b.tool_calls = Some(1)),
            |s, a| {
                s.feed(tool_call(a, 0, 0));
                s.feed(tool_call(a, 1, 0));
            },
            BudgetKind::ToolCalls,
        ),
        (
            "wall time",
            cap(|b| b.wall_seconds = Some(5)),
            |s, _| {
                let at = s.run.alarm_ms.expect("alarm set");
                s.fire_alarm_at(at);
            },
            BudgetKind::Wall,
        ),
    ];
    for (name, budget, drive, kind) in cases {
        let mut shell =
            Shell::start(one_step(Budgets::default(), budget), "alice").expect("starts");
        let attempt = in_flight(&mut shell);
        drive(&mut shell, &attempt);
        assert_eq!(shell.run.state(), RunState::Failed, "{name}");
        let failure = shell.run.failure.clone().expect("a run-level failure");
        assert_eq!(failure.code, codes::BUDGET_EXCEEDED, "{name}");
        assert_eq!(failure.budget.map(|b| b.kind), Some(kind), "{name}");
        assert!(
            budget_stops(&shell)
                .iter()
                .any(|(step, b)| !step && b.kind == kind),
            "{name}"
        );
        assert_eq!(
            shell.count(|e| matches!(e, Effect::StopAttempt { .. })),
            1,
            "{name}"
        );
        // A run that ran out of budget is over: a repair is refused like any other event.
        let effects = shell.feed(Event::RepairPatch {
            by: writ_run::testkit::person("bob"),
            step: shell.id_of("work"),
            patch: writ_run::Patch::Code {
                code_hash: writ_run::testkit::test_hash("x"),
            },
        });
        assert_eq!(refused_codes(&effects), [codes::RUN_TERMINAL], "{name}");
    }
}

#[test]
fn spend_under_the_caps_is_metered_and_the_run_succeeds() {
    let budget = Budgets {
        tokens: Some(1000),
        cost_usd: Some(1.0),
        tool_calls: Some(5),
        wall_seconds: Some(3600),
    };
    let mut shell = Shell::start(one_step(budget.clone(), budget), "alice").expect("starts");
    let call = in_flight_call(&mut shell);
    let e = model_call(&shell, "priced", 100, 100);
    shell.feed(e);
    shell.feed(tool_call(&call.attempt_id, 0, 10));
    shell.pending.push_front(Effect::CallSandbox(call));
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    let usage = shell.run.usage;
    assert_eq!(
        (
            usage.tokens,
            usage.cost_micros,
            usage.tool_calls,
            usage.model_calls
        ),
        (200, 310, 1, 1)
    );
}
