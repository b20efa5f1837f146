//! Every row of the run lifecycle table (`writ_run::TRANSITIONS`) is exercised: scenarios drive runs, each
//! log is replayed event by event, every state change is classified into the row it belongs to and checked
//! against that row's `from` and `to`, and the rows seen must be all the rows.

mod common;

use common::*;
use std::collections::BTreeSet;
use writ_plan::Budgets;
use writ_run::testkit::{
    failed_receipt, model_repairer_profile, person, repair_model, start_event, test_hash,
    PlanBuilder, Shell, StepSpec,
};
use writ_run::{Effect, Event, Patch, Repairer, Run, RunMode, RunState, TRANSITIONS};

/// The row of the table an event's handling belongs to, if it is one (most events change nothing).
fn classify(
    before: RunState,
    event: &Event,
    after: RunState,
    effects: &[Effect],
    run: &Run,
) -> Option<&'static str> {
    let refused = effects.iter().any(|e| matches!(e, Effect::Refused { .. }));
    if matches!(event, Event::Resume) {
        return Some(if before.is_terminal() {
            "resume_terminal"
        } else {
            "resume_live"
        });
    }
    if before.is_terminal() {
        return Some("terminal_refuses");
    }
    if before != after {
        return Some(match (before, after) {
            (_, RunState::Succeeded) => "all_published",
            (_, RunState::Expired) => "gate_expires",
            (RunState::Running, RunState::AwaitingInfrastructure) => "infrastructure_pauses",
            (RunState::AwaitingInfrastructure, RunState::Running) => "infrastructure_returns",
            (RunState::Running, RunState::AwaitingApproval) => "gate_waits",
            (RunState::AwaitingApproval, RunState::Running) => "gate_opens",
            (_, RunState::Cancelled) => "cancel",
            (_, RunState::Failed) if run.failure.is_some() => "run_budget",
            (_, RunState::Failed) => "step_failed_unrepairable",
            (_, RunState::AwaitingRepair) if matches!(event, Event::RepairDeclined { .. }) => {
                "model_repair_declined"
            }
            (_, RunState::AwaitingRepair) => "step_failed_repairable",
            (RunState::AwaitingRepair, RunState::Running)
                if matches!(event, Event::RepairPatch { .. }) =>
            {
                "person_repairs"
            }
            _ => "unclassified",
        });
    }
    if let Event::RepairPatch {
        by: Repairer::Model { .. },
        ..
    } = event
    {
        if !refused {
            return Some("model_repairs");
        }
    }
    if effects
        .iter()
        .any(|e| matches!(e, Effect::RequestRepair { .. }))
    {
        return Some("model_repair_requested");
    }
    None
}

/// Replays the shell's log, collecting the rows it exercised; checks each against the table.
fn rows_of(shell: &Shell, seen: &mut BTreeSet<&'static str>) {
    let Some((first, rest)) = shell.log.split_first() else {
        panic!("empty log")
    };
    let Event::Start(start) = &first.event else {
        panic!("the log starts with {:?}", first.event)
    };
    let (mut run, _) = Run::start(shell.plan.clone(), start.clone(), first.at_ms).expect("starts");
    seen.insert("start");
    for entry in rest {
        let before = run.state();
        let effects = run.handle(entry.event.clone(), entry.at_ms);
        let after = run.state();
        let Some(row) = classify(before, &entry.event, after, &effects, &run) else {
            continue;
        };
        let t = TRANSITIONS
            .iter()
            .find(|t| t.row == row)
            .unwrap_or_else(|| {
                panic!(
                    "{before:?} -{}-> {after:?} is in no row of the table",
                    entry.event.kind()
                )
            });
        assert!(t.from.contains(&before.as_str()), "{row}: from {before:?}");
        let to = if t.to == "same" {
            before.as_str()
        } else {
            t.to
        };
        assert_eq!(after.as_str(), to, "{row}");
        seen.insert(row);
    }
}

/// Validation rejects `transform` every time (`times` = u32::MAX) or the first `times` times.
fn rejecting_transform(shell: &mut Shell, mut times: u32) {
    shell.on(move |effect, _| match effect {
        Effect::Validate {
            step, attempt_id, ..
        } if step.ends_with("-transform") && times > 0 => {
            times -= 1;
            Some(vec![Event::Validated {
                attempt_id: attempt_id.clone(),
                publishable: false,
                report_hash: test_hash("rejected"),
                corrected: Default::default(),
            }])
        }
        _ => None,
    });
}

fn linear_with(profile: writ_plan::ExecutionProfile) -> writ_plan::FrozenPlan {
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
                .output("clean", "table.json_rows"),
        )
        .step(
            StepSpec::code("report")
                .input("clean", "transform.clean")
                .publish("summary", "report.markdown", "summary.md"),
        )
        .profile(profile)
        .build()
        .expect("builds")
}

#[test]
fn every_row_of_the_run_table_is_exercised() {
    let mut seen = BTreeSet::new();

    // A clean run, with a restart of the shell in the middle.
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    run_until(&mut shell, |e| matches!(e, Effect::CallSandbox(_)));
    shell.feed(Event::Resume);
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    // Events after the end are refused; a restart re-announces the end.
    shell.feed(Event::Cancel {
        principal: None,
        reason: String::new(),
    });
    shell.feed(Event::Resume);
    rows_of(&shell, &mut seen);

    // A gate waits, opens; a rejected gate fails the step beyond repair.
    let mut shell = Shell::start(gated(false), "alice").expect("starts");
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    rows_of(&shell, &mut seen);
    let mut shell = Shell::start(gated(false), "alice").expect("starts");
    run_until(&mut shell, |e| matches!(e, Effect::AwaitApproval { .. }));
    shell.pending.clear();
    shell.feed(Event::Reject {
        step: shell.id_of("deploy"),
        principal: "reviewer".into(),
        scopes: vec!["approve".into()],
        reason: "no".into(),
    });
    assert_eq!(shell.run.state(), RunState::Failed);
    rows_of(&shell, &mut seen);

    // Built-in profile: the step fails, the run awaits a person's repair, which resumes it.
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    rejecting_transform(&mut shell, 1);
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::AwaitingRepair);
    shell.feed(Event::RepairPatch {
        step: shell.id_of("transform"),
        patch: Patch::Code {
            code_hash: test_hash("fixed"),
        },
        by: person("bob"),
    });
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    rows_of(&shell, &mut seen);

    // A model repairer: asked, it patches, the run succeeds without ever awaiting a person.
    let mut shell = Shell::start(linear_with(model_repairer_profile()), "alice").expect("starts");
    rejecting_transform(&mut shell, 1);
    shell.on(|effect, _| match effect {
        Effect::RequestRepair { step, .. } => Some(vec![Event::RepairPatch {
            step: step.clone(),
            patch: Patch::Code {
                code_hash: test_hash("model fix"),
            },
            by: repair_model(),
        }]),
        _ => None,
    });
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    rows_of(&shell, &mut seen);

    // A model repairer that declines: the run awaits a person, who cancels it.
    let mut shell = Shell::start(linear_with(model_repairer_profile()), "alice").expect("starts");
    rejecting_transform(&mut shell, u32::MAX);
    shell.on(|effect, _| match effect {
        Effect::RequestRepair {
            step, generation, ..
        } => Some(vec![Event::RepairDeclined {
            step: step.clone(),
            generation: *generation,
            reason: "no idea".into(),
        }]),
        _ => None,
    });
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::AwaitingRepair);
    shell.feed(Event::Cancel {
        principal: Some("alice".into()),
        reason: "giving up".into(),
    });
    assert_eq!(shell.run.state(), RunState::Cancelled);
    rows_of(&shell, &mut seen);

    // A sealed program's failed step is not repaired: the run fails.
    let plan = linear();
    let mut start = start_event(&plan, "sealed", "alice");
    start.mode = RunMode::Sealed {
        program_hash: test_hash("program"),
        code: Default::default(),
    };
    let mut shell = Shell::start_with(plan, start).expect("starts");
    rejecting_transform(&mut shell, u32::MAX);
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Failed);
    assert!(shell.run.failure.is_none(), "a step failure, not the run's");
    rows_of(&shell, &mut seen);

    // The run's wall cap passes while it awaits a repair.
    let plan = PlanBuilder::new("capped")
        .input("rows", "table.csv")
        .step(StepSpec::code("load").input("rows", "run.rows").publish(
            "o",
            "object.json",
            "o.json",
        ))
        .budgets(Budgets {
            wall_seconds: Some(60),
            ..Budgets::default()
        })
        .build()
        .expect("builds");
    let mut shell = Shell::start(plan, "alice").expect("starts");
    shell.on(|effect, _| match effect {
        Effect::CallSandbox(c) => Some(vec![Event::SandboxReturned {
            attempt_id: c.attempt_id.clone(),
            receipt: failed_receipt(),
        }]),
        _ => None,
    });
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::AwaitingRepair);
    shell.fire_alarm_at(1_000 + 61_000);
    shell.feed(Event::AlarmFired);
    assert_eq!(shell.run.state(), RunState::Failed);
    rows_of(&shell, &mut seen);

    // A gate nobody decides expires the run.
    let mut shell = Shell::start(gated(false), "alice").expect("starts");
    run_until(&mut shell, |e| matches!(e, Effect::AwaitApproval { .. })).expect("gate");
    shell.fire_alarm_at(shell.now_ms + 15 * 24 * 3_600_000);
    assert_eq!(shell.run.state(), RunState::Expired);
    rows_of(&shell, &mut seen);

    // The sandbox gives no answer past the quick retries, then comes back.
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    let first = run_until(&mut shell, |e| matches!(e, Effect::CallSandbox(_))).expect("a call");
    let Effect::CallSandbox(call) = &first else {
        panic!("{first:?}")
    };
    for _ in 0..=writ_run::infra::PATIENCE {
        shell.feed(Event::SandboxUnavailable {
            attempt_id: call.attempt_id.clone(),
            reason: "unreachable".into(),
            jitter_permille: 0,
        });
        let at = shell.run.alarm_ms.expect("a retry");
        shell.fire_alarm_at(at);
        shell
            .pending
            .retain(|e| !matches!(e, Effect::CallSandbox(_)));
    }
    assert_eq!(shell.run.state(), RunState::AwaitingInfrastructure);
    for e in shell.answer(&first) {
        shell.feed(e);
    }
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    rows_of(&shell, &mut seen);

    let all: BTreeSet<&str> = TRANSITIONS.iter().map(|t| t.row).collect();
    let missing: Vec<&&str> = all.difference(&seen).collect();
    assert!(missing.is_empty(), "rows never exercised: {missing:?}");
    assert!(!seen.contains("unclassified"), "{seen:?}");
}

#[test]
fn the_table_as_data_is_the_documented_table() {
    // Every documented `to` state appears in the data, and every data row's states are real state names.
    let names: BTreeSet<&str> = RunState::ALL.iter().map(|s| s.as_str()).collect();
    for t in TRANSITIONS {
        for f in t.from {
            assert!(*f == "none" || names.contains(f), "{}: {f}", t.row);
        }
        assert!(
            t.to == "same" || names.contains(t.to),
            "{}: {}",
            t.row,
            t.to
        );
    }
    let source = include_str!("../src/run.rs");
    for state in RunState::ALL {
        assert!(
            source.contains(&format!("| {}", state.as_str()))
                || source.contains(&format!(", {}", state.as_str())),
            "the doc table never names {}",
            state.as_str()
        );
    }
}
