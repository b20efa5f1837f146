//! Repair mid-plan (upstream reused, not re-executed; downstream invalidated and rerun), retries,
//! timeouts, cancel and resume.

mod common;

use common::*;
use writ_run::codes;
use writ_run::testkit::{failed_receipt, test_hash, PlanBuilder, Shell, StepSpec};
use writ_run::{Effect, Event, Patch, RunState, StepState};

/// Validation rejects `transform` on its first attempt.
fn failing_transform() -> Shell {
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    let mut rejected = false;
    shell.on(move |effect, _| match effect {
        Effect::Validate {
            step, attempt_id, ..
        } if step.ends_with("-transform") && !rejected => {
            rejected = true;
            Some(vec![Event::Validated {
                attempt_id: attempt_id.clone(),
                publishable: false,
                report_hash: test_hash("rejected"),
                corrected: Default::default(),
            }])
        }
        _ => None,
    });
    shell.run_to_end();
    shell
}

#[test]
fn a_code_repair_mid_plan_reuses_upstream_work() {
    let mut shell = failing_transform();
    assert_eq!(shell.run.state(), RunState::AwaitingRepair);
    // The built-in profile has no model repairer: nobody is asked, a person repairs.
    assert_eq!(
        shell.count(|e| matches!(e, Effect::RequestRepair { .. })),
        0
    );
    let repair = shell
        .run
        .diagnosis()
        .first()
        .map(|(step, evidence)| (step.to_string(), (*evidence).clone()));
    let (step, evidence) = repair.expect("the diagnosis names the failed step");
    assert_eq!(step, shell.id_of("transform"));
    assert_eq!(evidence.code, codes::VALIDATION_REJECTED);
    assert_eq!(evidence.report_hash, Some(test_hash("rejected")));
    let load_artifact = shell
        .run
        .bindings
        .values()
        .find(|b| b.step.ends_with("-load"))
        .cloned();

    let effects = shell.feed(Event::RepairPatch {
        by: writ_run::testkit::person("bob"),
        step: step.clone(),
        patch: Patch::Code {
            code_hash: test_hash("patched transform"),
        },
    });
    assert!(refused_codes(&effects).is_empty());
    assert_eq!(shell.run.state(), RunState::Running);
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    assert_eq!(
        (
            shell.sandbox_calls("load"),
            shell.sandbox_calls("transform"),
            shell.sandbox_calls("report")
        ),
        (1, 2, 1)
    );
    // The rerun used the patched code and the very same upstream artifact.
    let last_transform_call = shell.emitted.iter().rev().find_map(|e| match e {
        Effect::CallSandbox(c) if c.step == step => Some(c.clone()),
        _ => None,
    });
    assert_eq!(
        last_transform_call.and_then(|c| c.code_hash),
        Some(test_hash("patched transform"))
    );
    assert_eq!(
        shell
            .run
            .bindings
            .values()
            .find(|b| b.step.ends_with("-load"))
            .cloned(),
        load_artifact
    );
    assert_eq!(
        shell.run.step(&step).map(|s| (s.generation, s.repairs)),
        Some((1, 1))
    );
}

#[test]
fn a_plan_repair_invalidates_and_reruns_downstream_of_the_change() {
    // report fails its audit; the compiler's new plan changes transform (upstream of report).
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    let mut failed = false;
    shell.on(move |effect, _| match effect {
        Effect::Audit {
            step, attempt_id, ..
        } if step.ends_with("-report") && !failed => {
            failed = true;
            Some(vec![Event::Audited {
                attempt_id: attempt_id.clone(),
                passed: false,
                proof_hash: test_hash("bad proof"),
            }])
        }
        _ => None,
    });
    shell.run_to_end();
    assert_eq!(shell.step_state("transform"), Some(StepState::Published));
    assert_eq!(shell.step_state("report"), Some(StepState::Failed));
    let old_transform = shell
        .run
        .bindings
        .values()
        .find(|b| b.step.ends_with("-transform"))
        .cloned();

    let new_plan = PlanBuilder::new("linear")
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
                .tool("billing.review_flags")
                .retries(2),
        )
        .step(
            StepSpec::code("report")
                .input("clean", "transform.clean")
                .publish("summary", "report.markdown", "summary.md"),
        )
        .build()
        .expect("builds");
    let effects = shell.feed(Event::RepairPatch {
        by: writ_run::testkit::person("bob"),
        step: shell.id_of("report"),
        patch: Patch::Plan {
            plan: Box::new(new_plan.clone()),
        },
    });
    assert!(refused_codes(&effects).is_empty(), "{effects:?}");
    // transform was published but its contract changed: invalidated, and (its input being bound) at once
    // waiting for its inputs again; load is untouched.
    let invalidated = effects.iter().find_map(|e| match e {
        Effect::AppendLedger {
            record: writ_run::LedgerRecord::Repair { invalidated, .. },
            ..
        } => Some(invalidated.clone()),
        _ => None,
    });
    assert_eq!(invalidated, Some(vec![shell.id_of("transform")]));
    assert_eq!(
        shell.step_state("transform"),
        Some(StepState::WaitingInputs)
    );
    assert_eq!(shell.step_state("load"), Some(StepState::Published));
    assert!(!shell
        .run
        .bindings
        .values()
        .any(|b| b.step.ends_with("-transform")));
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    assert_eq!(shell.run.plan, new_plan);
    assert_eq!(
        (
            shell.sandbox_calls("load"),
            shell.sandbox_calls("transform"),
            shell.sandbox_calls("report")
        ),
        (1, 2, 2)
    );
    let new_transform = shell
        .run
        .bindings
        .values()
        .find(|b| b.step.ends_with("-transform"))
        .cloned();
    assert_ne!(old_transform.map(|b| b.hash), new_transform.map(|b| b.hash));
    // The superseded version stays on record.
    assert_eq!(
        shell
            .run
            .published
            .iter()
            .filter(|a| a.step.ends_with("-transform"))
            .count(),
        2
    );
    assert_eq!(shell.replay().ok(), Some(shell.run.clone()));
}

#[test]
fn a_bad_repair_is_refused() {
    let mut shell = failing_transform();
    let transform = shell.id_of("transform");
    let mut tampered = linear();
    tampered.objective = "tampered".into();
    let mut other_profile = writ_run::testkit::builtin_profile();
    other_profile.description = "other".into();
    let reprofiled = PlanBuilder::new("linear")
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
        .profile(other_profile)
        .build()
        .expect("builds");
    let cases = [
        (
            shell.id_of("load"),
            Patch::Code {
                code_hash: test_hash("x"),
            },
            codes::REPAIR_NOT_APPLICABLE,
        ),
        (
            "ps-9-nope".to_string(),
            Patch::Code {
                code_hash: test_hash("x"),
            },
            codes::UNKNOWN_STEP,
        ),
        (
            transform.clone(),
            Patch::Input {
                slot: "nope".into(),
                artifact_hash: test_hash("x"),
            },
            codes::REPAIR_UNKNOWN_SLOT,
        ),
        (
            transform.clone(),
            Patch::Plan {
                plan: Box::new(tampered),
            },
            codes::REPAIR_PLAN_INVALID,
        ),
        (
            transform.clone(),
            Patch::Plan {
                plan: Box::new(reprofiled),
            },
            codes::REPAIR_PLAN_INVALID,
        ),
    ];
    for (step, patch, code) in cases {
        let effects = shell.feed(Event::RepairPatch {
            step,
            patch,
            by: writ_run::testkit::person("bob"),
        });
        assert_eq!(refused_codes(&effects), [code]);
        assert_eq!(shell.run.state(), RunState::AwaitingRepair);
    }
    // Someone without the `repair` scope, and a model the machine never asked, are refused too.
    let patch = Patch::Code {
        code_hash: test_hash("x"),
    };
    for (by, code) in [
        (
            writ_run::Repairer::Person {
                principal: "eve".into(),
                scopes: vec!["approve".into()],
            },
            codes::REPAIRER_LACKS_SCOPE,
        ),
        (
            writ_run::testkit::repair_model(),
            codes::REPAIR_NOT_REQUESTED,
        ),
    ] {
        let effects = shell.feed(Event::RepairPatch {
            step: transform.clone(),
            patch: patch.clone(),
            by,
        });
        assert_eq!(refused_codes(&effects), [code]);
        assert_eq!(shell.run.state(), RunState::AwaitingRepair);
    }
}

#[test]
fn repairs_are_bounded() {
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    shell.on(|effect, _| match effect {
        Effect::CallSandbox(c) if c.step.ends_with("-load") => Some(vec![Event::SandboxReturned {
            attempt_id: c.attempt_id.clone(),
            receipt: failed_receipt(),
        }]),
        _ => None,
    });
    shell.run_to_end();
    let load = shell.id_of("load");
    assert_eq!(shell.run.state(), RunState::AwaitingRepair);
    let max = writ_run::limits::MAX_REPAIRS_PER_STEP;
    for n in 0..=max {
        let effects = shell.feed(Event::RepairPatch {
            by: writ_run::testkit::person("bob"),
            step: load.clone(),
            patch: Patch::Code {
                code_hash: test_hash(&format!("try {n}")),
            },
        });
        shell.run_to_end();
        let refused = refused_codes(&effects);
        if n < max {
            assert!(refused.is_empty(), "repair {n}: {refused:?}");
        } else {
            // Out of repairs, the run failed rather than wait for one that would be refused.
            assert_eq!(refused, [codes::RUN_TERMINAL]);
        }
        let expect = if n + 1 < max {
            RunState::AwaitingRepair
        } else {
            RunState::Failed
        };
        assert_eq!(shell.run.state(), expect, "after repair {n}");
    }
}

#[test]
fn a_failed_attempt_is_retried_up_to_the_limit() {
    for (retries, fail_times, end) in [
        (2, 2, RunState::Succeeded),
        (2, 3, RunState::AwaitingRepair),
        (0, 1, RunState::AwaitingRepair),
    ] {
        let plan = PlanBuilder::new("retry")
            .input("rows", "table.csv")
            .step(
                StepSpec::code("flaky")
                    .input("rows", "run.rows")
                    .publish("o", "object.json", "o.json")
                    .retries(retries),
            )
            .build()
            .expect("builds");
        let mut shell = Shell::start(plan, "alice").expect("starts");
        let mut left = fail_times;
        shell.on(move |effect, _| match effect {
            Effect::CallSandbox(c) if left > 0 => {
                left -= 1;
                Some(vec![Event::SandboxReturned {
                    attempt_id: c.attempt_id.clone(),
                    receipt: failed_receipt(),
                }])
            }
            _ => None,
        });
        shell.run_to_end();
        assert_eq!(
            shell.run.state(),
            end,
            "retries {retries}, failures {fail_times}"
        );
        assert_eq!(
            shell.sandbox_calls("flaky") as u32,
            fail_times.min(retries + 1) + u32::from(end == RunState::Succeeded)
        );
    }
}

#[test]
fn an_attempt_past_its_timeout_is_stopped_and_retried() {
    let plan = PlanBuilder::new("timeout")
        .input("rows", "table.csv")
        .step(
            StepSpec::code("slow")
                .input("rows", "run.rows")
                .publish("o", "object.json", "o.json")
                .timeout_seconds(810)
                .retries(1),
        )
        .build()
        .expect("builds");
    let mut shell = Shell::start(plan, "alice").expect("starts");
    let first = run_until(&mut shell, |e| matches!(e, Effect::CallSandbox(_)));
    let Some(Effect::CallSandbox(first)) = first else {
        panic!("no call")
    };
    let at = shell.run.alarm_ms.expect("timeout alarm");
    let effects = shell.fire_alarm_at(at);
    assert!(effects.iter().any(
        |e| matches!(e, Effect::StopAttempt { attempt_id, .. } if *attempt_id == first.attempt_id)
    ));
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::CallSandbox(c) if c.attempt_id != first.attempt_id)));
    // The late answer of the stopped attempt is absorbed.
    let late = shell.feed(Event::SandboxReturned {
        attempt_id: first.attempt_id.clone(),
        receipt: failed_receipt(),
    });
    assert_eq!(refused_codes(&late), [codes::UNKNOWN_ATTEMPT]);
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
}

#[test]
fn cancel_stops_in_flight_work_and_absorbs_later_events() {
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    let Some(Effect::CallSandbox(call)) =
        run_until(&mut shell, |e| matches!(e, Effect::CallSandbox(_)))
    else {
        panic!("no call");
    };
    let effects = shell.feed(Event::Cancel {
        principal: Some("alice".into()),
        reason: "wrong file".into(),
    });
    assert!(effects.iter().any(
        |e| matches!(e, Effect::StopAttempt { attempt_id, .. } if *attempt_id == call.attempt_id)
    ));
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::RunFinished {
            state: RunState::Cancelled
        }
    )));
    assert_eq!(shell.run.state().as_str(), "cancelled");
    assert_eq!(shell.step_state("report"), Some(StepState::Skipped));
    let state = shell.run.clone();
    let late = shell.feed(Event::SandboxReturned {
        attempt_id: call.attempt_id,
        receipt: failed_receipt(),
    });
    assert_eq!(refused_codes(&late), [codes::RUN_TERMINAL]);
    assert_eq!(shell.run.steps, state.steps);
    assert_eq!(shell.run.refused_total, state.refused_total + 1);
}

#[test]
fn resume_after_a_crash_replays_and_reissues_in_flight_work() {
    let mut shell = Shell::start(fan_out(0), "alice").expect("starts");
    shell.item_counts.insert("map".into(), 30);
    if let Some(e) = run_until(&mut shell, |e| matches!(e, Effect::DispatchShard(_))) {
        shell.pending.push_front(e);
    }
    // Answer one shard, then "crash" with the other two in flight.
    let first = shell
        .pending
        .iter()
        .position(|e| matches!(e, Effect::DispatchShard(_)))
        .and_then(|k| shell.pending.remove(k));
    for event in first.map(|e| shell.answer(&e)).unwrap_or_default() {
        shell.feed(event);
    }
    let in_flight: Vec<String> = shell
        .pending
        .iter()
        .filter_map(|e| match e {
            Effect::DispatchShard(c) => Some(c.attempt_id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(in_flight.len(), 2);

    let mut restored = shell.replay().expect("replays");
    assert_eq!(restored, shell.run);
    let effects = restored.handle(Event::Resume, shell.now_ms + 5);
    let reissued: Vec<String> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::DispatchShard(c) => Some(c.attempt_id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(reissued, in_flight);

    // Continue on the restored machine, through the shell.
    shell.feed(Event::Resume);
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    // The duplicate answers for re-issued shards were absorbed, not double counted.
    assert_eq!(shell.count(|e| matches!(e, Effect::MergeShards { .. })), 1);
    assert_eq!(shell.replay().ok(), Some(shell.run.clone()));
}

#[test]
fn an_input_repair_rebinds_the_slot_and_reuses_upstream_work() {
    // `load` fails on the run's input every time until a person supplies a corrected file.
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    let corrected = test_hash("corrected rows");
    shell.on(move |effect, _| match effect {
        Effect::CallSandbox(c)
            if c.step.ends_with("-transform")
                && !c.inputs.iter().any(|i| i.artifact_hash == corrected) =>
        {
            Some(vec![Event::SandboxReturned {
                attempt_id: c.attempt_id.clone(),
                receipt: failed_receipt(),
            }])
        }
        _ => None,
    });
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::AwaitingRepair);
    let transform = shell.id_of("transform");
    let effects = shell.feed(Event::RepairPatch {
        step: transform.clone(),
        patch: Patch::Input {
            slot: "table".into(),
            artifact_hash: corrected,
        },
        by: writ_run::testkit::person("bob"),
    });
    assert!(refused_codes(&effects).is_empty(), "{effects:?}");
    assert_eq!(shell.run.state(), RunState::Running);
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    assert_eq!(shell.sandbox_calls("load"), 1, "upstream reused");
    let repaired = shell.emitted.iter().rev().find_map(|e| match e {
        Effect::CallSandbox(c) if c.step == transform => Some(c.inputs.clone()),
        _ => None,
    });
    assert_eq!(
        repaired.map(|i| i.iter().map(|i| i.artifact_hash).collect::<Vec<_>>()),
        Some(vec![corrected])
    );
    // The ledger names the patch and who made it.
    let record = shell.emitted.iter().find_map(|e| match e {
        Effect::AppendLedger {
            record: writ_run::LedgerRecord::Repair { patch, by, .. },
            ..
        } => Some((patch.clone(), by.clone())),
        _ => None,
    });
    assert_eq!(
        record,
        Some((
            format!("input table = {corrected}"),
            "person:bob".to_string()
        ))
    );
    assert_eq!(shell.replay().ok(), Some(shell.run.clone()));
}

#[test]
fn a_sealed_program_runs_the_code_every_step_ran_the_model_s_and_the_repair_s() {
    // The executor writes each step's code (no program in the contract); `transform`'s fails validation
    // once and a person patches it.
    let plan = PlanBuilder::new("model-written")
        .input("rows", "table.csv")
        .step(
            StepSpec::code("load")
                .without_program()
                .input("rows", "run.rows")
                .output("table", "table.json_rows"),
        )
        .step(
            StepSpec::code("transform")
                .without_program()
                .input("table", "load.table")
                .publish("clean", "table.json_rows", "clean.json"),
        )
        .build()
        .expect("builds");
    let mut shell = Shell::start(plan.clone(), "alice").expect("starts");
    // The shell's executor writes the code of a call that has none (as the worker's does).
    shell.on(|effect, _| match effect {
        Effect::CallSandbox(c) if c.code_hash.is_none() => Some(vec![Event::SandboxReturned {
            attempt_id: c.attempt_id.clone(),
            receipt: writ_run::testkit::ok_receipt(
                [(
                    if c.step.ends_with("-load") {
                        "table"
                    } else {
                        "clean"
                    }
                    .to_string(),
                    writ_run::OutputMeasure {
                        hash: test_hash(&c.attempt_id),
                        size: 1,
                        rows: None,
                    },
                )]
                .into(),
                Some(test_hash(&format!("model wrote {}", c.step))),
            ),
        }]),
        _ => None,
    });
    let mut rejected = false;
    shell.on(move |effect, _| match effect {
        Effect::Validate {
            step, attempt_id, ..
        } if step.ends_with("-transform") && !rejected => {
            rejected = true;
            Some(vec![Event::Validated {
                attempt_id: attempt_id.clone(),
                publishable: false,
                report_hash: test_hash("rejected"),
                corrected: Default::default(),
            }])
        }
        _ => None,
    });
    assert_eq!(
        shell.run.step_code().err().map(|e| e.contains("running")),
        Some(true),
        "only a succeeded run seals"
    );
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::AwaitingRepair);
    shell.feed(Event::RepairPatch {
        step: shell.id_of("transform"),
        patch: Patch::Code {
            code_hash: test_hash("patched"),
        },
        by: writ_run::testkit::person("bob"),
    });
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    let code = shell
        .run
        .step_code()
        .expect("every step has code on record");
    let expect: std::collections::BTreeMap<String, _> = [
        (
            shell.id_of("load"),
            test_hash(&format!("model wrote {}", shell.id_of("load"))),
        ),
        (shell.id_of("transform"), test_hash("patched")),
    ]
    .into();
    assert_eq!(code, expect);

    // The sealed program: every call carries the sealed code, so no executor is ever needed.
    let mut start = writ_run::testkit::start_event(&plan, "sealed", "alice");
    start.mode = writ_run::RunMode::Sealed {
        program_hash: test_hash("program"),
        code: code.clone(),
    };
    let mut sealed = Shell::start_with(plan, start).expect("starts");
    sealed.run_to_end();
    assert_eq!(sealed.run.state(), RunState::Succeeded);
    let ran: std::collections::BTreeMap<String, _> = sealed
        .emitted
        .iter()
        .filter_map(|e| match e {
            Effect::CallSandbox(c) => Some((c.step.clone(), c.code_hash)),
            _ => None,
        })
        .collect();
    assert_eq!(
        ran,
        code.into_iter()
            .map(|(s, h)| (s, Some(h)))
            .collect::<std::collections::BTreeMap<_, _>>()
    );
}

#[test]
fn the_machine_decides_when_the_executor_writes_the_code() {
    let plan = |executor_model: bool, program: bool| {
        let mut profile = writ_run::testkit::builtin_profile();
        if executor_model {
            profile.phases.executor.provider = "openai-compatible".into();
            profile.phases.executor.model = "gpt-4.1".into();
        }
        let step =
            StepSpec::code("load")
                .input("rows", "run.rows")
                .publish("o", "object.json", "o.json");
        PlanBuilder::new("who writes")
            .input("rows", "table.csv")
            .step(if program {
                step
            } else {
                step.without_program()
            })
            .profile(profile)
            .build()
            .expect("builds")
    };
    let first_call =
        |shell: &mut Shell| match run_until(shell, |e| matches!(e, Effect::CallSandbox(_))) {
            Some(Effect::CallSandbox(c)) => (c.code_hash.is_some(), c.executor_writes),
            other => panic!("no sandbox call: {other:?}"),
        };
    // (executor is a model, the contract has a program) → (code fixed, executor writes)
    for (model, program, expect) in [
        (true, false, (false, true)),
        (true, true, (true, false)),
        (false, true, (true, false)),
        (false, false, (false, false)),
    ] {
        let mut shell = Shell::start(plan(model, program), "alice").expect("starts");
        assert_eq!(
            first_call(&mut shell),
            expect,
            "model {model}, program {program}"
        );
    }
    // A sealed run never asks the executor, even with a model profile and no program.
    let p = plan(true, false);
    let mut start = writ_run::testkit::start_event(&p, "sealed", "alice");
    start.mode = writ_run::RunMode::Sealed {
        program_hash: test_hash("program"),
        code: Default::default(),
    };
    let mut shell = Shell::start_with(p, start).expect("starts");
    assert_eq!(first_call(&mut shell), (false, false));
}
