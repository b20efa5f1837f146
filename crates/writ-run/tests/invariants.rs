//! One scenario per runtime invariant (DESIGN.md), each trying to break it.

mod common;

use common::*;
use std::collections::BTreeMap;
use writ_canon::hash_of;
use writ_run::codes;
use writ_run::testkit::{ok_receipt, start_event, test_hash, PlanBuilder, Shell, StepSpec};
use writ_run::{
    Effect, Event, ExternalTool, LedgerRecord, OutputMeasure, Patch, RunMode, RunState, StepState,
};

// 1. Fail closed -----------------------------------------------------------------------------------

#[test]
fn a_step_with_a_missing_run_input_never_starts() {
    let plan = linear();
    let mut start = start_event(&plan, "r", "alice");
    start.inputs.clear();
    let mut shell = Shell::start_with(plan, start).expect("starts");
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::AwaitingRepair);
    assert_eq!(shell.count(|e| matches!(e, Effect::CallSandbox(_))), 0);
    assert_eq!(
        shell.count(|e| matches!(e, Effect::ResolveInputs { .. })),
        0
    );
    let load = shell.run.step(&shell.id_of("load")).expect("load");
    assert_eq!(load.state, StepState::Failed);
    assert_eq!(
        load.failure.as_ref().map(|f| f.evidence.code),
        Some(codes::MISSING_INPUT)
    );
    // Downstream steps never started either: they wait for the repair.
    assert_eq!(shell.step_state("report"), Some(StepState::Pending));
}

#[test]
fn a_step_whose_inputs_are_not_in_storage_never_starts() {
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    shell.on(|effect, _| match effect {
        Effect::ResolveInputs {
            step, generation, ..
        } if step.ends_with("-transform") => Some(vec![Event::InputsMissing {
            step: step.clone(),
            generation: *generation,
            slots: vec!["table".into()],
        }]),
        _ => None,
    });
    shell.run_to_end();
    assert_eq!(shell.sandbox_calls("load"), 1);
    assert_eq!(shell.sandbox_calls("transform"), 0);
    assert_eq!(shell.run.state(), RunState::AwaitingRepair);
    assert_eq!(
        shell
            .run
            .diagnosis()
            .iter()
            .filter(|(_, evidence)| evidence.code == codes::MISSING_INPUT)
            .count(),
        1
    );
}

#[test]
fn a_step_whose_input_cannot_be_read_as_its_kind_fails_naming_the_slot_never_with_zero_items() {
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    shell.on(|effect, _| match effect {
        Effect::ResolveInputs {
            step, generation, ..
        } if step.ends_with("-transform") => Some(vec![Event::InputsUnreadable {
            step: step.clone(),
            generation: *generation,
            slot: "table".into(),
            reason: "data row 3 has 2 cells, the header has 4".into(),
        }]),
        _ => None,
    });
    shell.run_to_end();
    assert_eq!(shell.sandbox_calls("transform"), 0);
    assert_eq!(shell.run.state(), RunState::AwaitingRepair);
    let failure = shell
        .run
        .step(&shell.id_of("transform"))
        .and_then(|s| s.failure.clone())
        .expect("the step failed");
    assert_eq!(failure.evidence.code, codes::UNREADABLE_INPUT);
    assert!(
        failure.evidence.reason.contains("`table`"),
        "{}",
        failure.evidence.reason
    );
    assert!(
        failure.evidence.reason.contains("data row 3"),
        "{}",
        failure.evidence.reason
    );
}

#[test]
fn a_required_output_absent_from_the_receipt_binds_nothing_downstream() {
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    shell.on(|effect, _| match effect {
        Effect::CallSandbox(call) if call.step.ends_with("-load") => {
            Some(vec![Event::SandboxReturned {
                attempt_id: call.attempt_id.clone(),
                receipt: ok_receipt(BTreeMap::new(), call.code_hash),
            }])
        }
        _ => None,
    });
    shell.run_to_end();
    assert_eq!(shell.sandbox_calls("transform"), 0);
    assert!(shell.run.bindings.is_empty());
    let load = shell.run.step(&shell.id_of("load")).expect("load");
    assert_eq!(load.state, StepState::Failed);
}

#[test]
fn an_optional_input_that_is_absent_does_not_block() {
    let plan = PlanBuilder::new("optional")
        .input("rows", "table.csv")
        .step(
            StepSpec::code("load")
                .input("rows", "run.rows")
                .output("table", "table.json_rows")
                .optional_output("notes", "object.json"),
        )
        .step(
            StepSpec::code("use")
                .input("table", "load.table")
                .optional_input("notes", "load.notes")
                .publish("out", "object.json", "out.json"),
        )
        .build()
        .expect("builds");
    let mut shell = Shell::start(plan, "alice").expect("starts");
    shell.on(|effect, run| match effect {
        Effect::CallSandbox(call) if call.step.ends_with("-load") => {
            let table = run
                .plan
                .step(&call.step)?
                .contract
                .outputs
                .first()?
                .slot
                .clone();
            let measure = OutputMeasure {
                hash: test_hash("table"),
                size: 1,
                rows: None,
            };
            Some(vec![Event::SandboxReturned {
                attempt_id: call.attempt_id.clone(),
                receipt: ok_receipt(BTreeMap::from([(table, measure)]), call.code_hash),
            }])
        }
        _ => None,
    });
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    let call = shell.emitted.iter().find_map(|e| match e {
        Effect::CallSandbox(c) if c.step.ends_with("-use") => Some(c.clone()),
        _ => None,
    });
    let slots: Vec<String> = call
        .map(|c| c.inputs.into_iter().map(|i| i.slot).collect())
        .unwrap_or_default();
    assert_eq!(slots, ["table"]);
}

// 2. Immutable outputs -----------------------------------------------------------------------------

#[test]
fn a_second_publish_to_a_bound_output_is_refused() {
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    let audit = run_until(
        &mut shell,
        |e| matches!(e, Effect::Audit { step, .. } if step.ends_with("-load")),
    )
    .expect("load reaches audit");
    let Effect::Audit {
        attempt_id, step, ..
    } = audit
    else {
        unreachable!("matched above");
    };
    // A corrupted snapshot where the output is already bound: the machine must not publish over it.
    let table_ref = shell.run.plan.step(&step).expect("step").contract.outputs[0]
        .artifact_ref
        .clone();
    let mut tampered = shell.run.clone();
    let prior = writ_run::PublishedArtifact {
        artifact_ref: table_ref.clone(),
        step: step.clone(),
        slot: "table".into(),
        generation: 0,
        hash: test_hash("someone else's table"),
        provenance_hash: test_hash("p"),
        at_ms: 0,
    };
    tampered.bindings.insert(table_ref.clone(), prior.clone());
    let effects = tampered.handle(
        Event::Audited {
            attempt_id: attempt_id.clone(),
            passed: true,
            proof_hash: test_hash("proof"),
        },
        10_000,
    );
    assert!(!effects
        .iter()
        .any(|e| matches!(e, Effect::PublishArtifact { .. })));
    assert_eq!(tampered.bindings.get(&table_ref), Some(&prior));
    assert_eq!(
        tampered
            .step(&step)
            .and_then(|s| s.failure.as_ref())
            .map(|f| f.evidence.code),
        Some(codes::OUTPUT_ALREADY_BOUND)
    );

    // On the real run: the audit publishes once; a replayed audit answer publishes nothing.
    let proof = Event::Audited {
        attempt_id,
        passed: true,
        proof_hash: test_hash("proof"),
    };
    let first = shell.feed(proof.clone());
    let second = shell.feed(proof);
    let publishes = |effects: &[Effect]| {
        effects
            .iter()
            .filter(|e| matches!(e, Effect::PublishArtifact { .. }))
            .count()
    };
    assert_eq!((publishes(&first), publishes(&second)), (1, 0));
    assert_eq!(refused_codes(&second), [codes::UNKNOWN_ATTEMPT]);
}

#[test]
fn a_rerun_after_repair_publishes_a_new_version_and_keeps_the_old() {
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    let mut failed_once = false;
    shell.on(move |effect, _| match effect {
        Effect::Audit {
            step, attempt_id, ..
        } if step.ends_with("-report") && !failed_once => {
            failed_once = true;
            Some(vec![Event::Audited {
                attempt_id: attempt_id.clone(),
                passed: false,
                proof_hash: test_hash("bad"),
            }])
        }
        _ => None,
    });
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::AwaitingRepair);
    let upstream = shell.id_of("transform");
    shell.feed(Event::RepairPatch {
        by: writ_run::testkit::person("bob"),
        step: shell.id_of("report"),
        patch: Patch::Code {
            code_hash: test_hash("fixed report"),
        },
    });
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    // Every publish ever made is still listed; none was overwritten.
    let mut seen = std::collections::BTreeSet::new();
    for a in &shell.run.published {
        assert!(seen.insert((a.artifact_ref.clone(), a.generation)), "{a:?}");
    }
    let report = shell.id_of("report");
    assert_eq!(
        shell
            .run
            .published
            .iter()
            .filter(|a| a.step == report)
            .count(),
        1
    );
    assert_eq!(
        shell
            .run
            .published
            .iter()
            .filter(|a| a.step == upstream)
            .count(),
        1
    );
}

// 3. Provenance before publish ---------------------------------------------------------------------

#[test]
fn publish_without_a_provenance_record_is_refused() {
    // No program in the contract and a receipt that does not say what code ran: no code hash to record.
    let plan = PlanBuilder::new("no code")
        .input("rows", "table.csv")
        .step(
            StepSpec::code("write")
                .without_program()
                .input("rows", "run.rows")
                .publish("out", "object.json", "out.json"),
        )
        .build()
        .expect("builds");
    let mut shell = Shell::start(plan, "alice").expect("starts");
    shell.run_to_end();
    assert_eq!(
        shell.count(|e| matches!(e, Effect::PublishArtifact { .. })),
        0
    );
    assert!(shell.run.bindings.is_empty());
    assert_eq!(shell.run.state(), RunState::AwaitingRepair);
    assert_eq!(
        shell
            .run
            .diagnosis()
            .iter()
            .filter(|(_, evidence)| evidence.code == codes::PROVENANCE_INCOMPLETE)
            .count(),
        1
    );
}

#[test]
fn every_publish_follows_its_provenance_record_in_the_same_batch() {
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    let mut publishes = 0;
    for (k, effect) in shell.emitted.iter().enumerate() {
        let Effect::PublishArtifact {
            provenance,
            provenance_hash,
            hash,
            ..
        } = effect
        else {
            continue;
        };
        publishes += 1;
        assert_eq!(hash_of(provenance.as_ref()).ok(), Some(*provenance_hash));
        assert_eq!(provenance.output.hash, *hash);
        assert!(!provenance.receipts.is_empty() && !provenance.inputs.is_empty());
        let before = k.checked_sub(1).and_then(|j| shell.emitted.get(j));
        assert!(
            matches!(before, Some(Effect::AppendLedger { record: LedgerRecord::ProvenanceRecorded { provenance_hash: p, .. }, .. }) if p == provenance_hash),
            "publish not preceded by its provenance: {before:?}"
        );
    }
    assert_eq!(publishes, 3);
}

// 4. Capability-bounded sandbox --------------------------------------------------------------------

#[test]
fn a_tool_outside_the_bound_set_is_refused() {
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    let call = run_until(
        &mut shell,
        |e| matches!(e, Effect::CallSandbox(c) if c.step.ends_with("-transform")),
    )
    .expect("transform is called");
    let Effect::CallSandbox(call) = call else {
        unreachable!("matched above");
    };
    // Only the contracted inputs and the bound tools reach the sandbox.
    assert_eq!(call.tools, ["billing.review_flags"]);
    assert_eq!(
        call.inputs
            .iter()
            .map(|i| i.slot.as_str())
            .collect::<Vec<_>>(),
        ["table"]
    );
    let ask = |tool: &str, n: u32| Event::ToolCallRequested {
        attempt_id: call.attempt_id.clone(),
        call_id: format!("c{n}"),
        tool: tool.into(),
        cost_micros: 0,
        external: None,
    };
    let cases = [
        ("net.fetch", false, Some(codes::TOOL_NOT_BOUND)),
        ("model.chat", false, Some(codes::TOOL_NOT_BOUND)),
        ("billing.review_flags", true, None),
    ];
    for (n, (tool, allowed, code)) in cases.into_iter().enumerate() {
        let effects = shell.feed(ask(tool, n as u32));
        let decision = effects.iter().find_map(|e| match e {
            Effect::ToolDecision { allowed, code, .. } => Some((*allowed, *code)),
            _ => None,
        });
        assert_eq!(decision, Some((allowed, code)), "{tool}");
    }
    // Only the allowed call is metered; every request is in the ledger.
    let transform = shell.run.step(&call.step).expect("step");
    assert_eq!(transform.usage.tool_calls, 1);
    let tool_records = ledger_records(&shell)
        .into_iter()
        .filter(|r| matches!(r, LedgerRecord::ToolCall { .. }))
        .count();
    assert_eq!(tool_records, 3);
}

/// A tool from a tenant's MCP server runs only at the version (schema hash) the plan froze: changed, or no
/// longer listed, the machine refuses it with R0043 and says what changed; the shell only reports the version.
#[test]
fn an_external_tool_runs_only_at_the_version_the_plan_froze() {
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    let Some(Effect::CallSandbox(call)) = run_until(
        &mut shell,
        |e| matches!(e, Effect::CallSandbox(c) if c.step.ends_with("-transform")),
    ) else {
        panic!("transform is called");
    };
    let frozen = shell
        .run
        .plan
        .steps
        .iter()
        .flat_map(|s| &s.contract.tools)
        .find(|t| t.id == "billing.review_flags")
        .expect("bound")
        .hash;
    let changed = test_hash("changed schemas");
    let cases = [
        (
            Some(changed),
            false,
            Some(codes::TOOL_CHANGED),
            "changed since the plan was compiled",
        ),
        (None, false, Some(codes::TOOL_CHANGED), "no longer listed"),
        (Some(frozen), true, None, ""),
    ];
    for (n, (current, allowed, code, says)) in cases.into_iter().enumerate() {
        let effects = shell.feed(Event::ToolCallRequested {
            attempt_id: call.attempt_id.clone(),
            call_id: format!("x{n}"),
            tool: "billing.review_flags".into(),
            cost_micros: 0,
            external: Some(ExternalTool { current }),
        });
        let decision = effects.iter().find_map(|e| match e {
            Effect::ToolDecision {
                allowed,
                code,
                reason,
                ..
            } => Some((*allowed, *code, reason.clone())),
            _ => None,
        });
        let (a, c, reason) = decision.expect("a decision");
        assert_eq!((a, c), (allowed, code), "{reason}");
        assert!(reason.contains(says), "{reason}");
    }
    // Refused calls are not metered; each request is in the ledger.
    let step = shell.run.step(&call.step).expect("step");
    assert_eq!(step.usage.tool_calls, 1);
}

#[test]
fn a_tool_call_for_an_attempt_that_is_not_running_is_refused() {
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    let effects = shell.feed(Event::ToolCallRequested {
        attempt_id: "run-1/ps-2-transform/a9".into(),
        call_id: "c".into(),
        tool: "billing.review_flags".into(),
        cost_micros: 0,
        external: None,
    });
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::ToolDecision { allowed: false, .. })));
    assert!(!effects
        .iter()
        .any(|e| matches!(e, Effect::ToolDecision { allowed: true, .. })));
}

// 5. Receipts are the platform's -------------------------------------------------------------------

#[test]
fn published_hashes_are_the_measured_ones_not_the_claimed_ones() {
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    shell.on(|effect, run| match effect {
        Effect::CallSandbox(call) if call.step.ends_with("-report") => {
            let slot = run
                .plan
                .step(&call.step)?
                .contract
                .outputs
                .first()?
                .slot
                .clone();
            let measured = OutputMeasure {
                hash: test_hash("measured"),
                size: 10,
                rows: Some(3),
            };
            let mut receipt = ok_receipt(BTreeMap::from([(slot, measured)]), call.code_hash);
            receipt.claimed = Some(serde_json::json!({
                "outputs": {"summary": {"hash": test_hash("claimed").to_string(), "rows": 9999}},
                "tokens": 0
            }));
            Some(vec![Event::SandboxReturned {
                attempt_id: call.attempt_id.clone(),
                receipt,
            }])
        }
        _ => None,
    });
    shell.run_to_end();
    let published: Vec<_> = shell
        .run
        .published
        .iter()
        .filter(|a| a.step.ends_with("-report"))
        .map(|a| a.hash)
        .collect();
    assert_eq!(published, [test_hash("measured")]);
}

#[test]
fn only_a_running_attempt_can_return_a_receipt() {
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    let forged = Event::SandboxReturned {
        attempt_id: "run-1/ps-3-report/a1".into(),
        receipt: ok_receipt(BTreeMap::new(), None),
    };
    let effects = shell.feed(forged);
    assert_eq!(refused_codes(&effects), [codes::UNKNOWN_ATTEMPT]);
    assert_eq!(shell.step_state("report"), Some(StepState::Pending));
}

#[test]
fn spend_the_bridge_measured_counts_even_when_not_reported_call_by_call() {
    let plan = PlanBuilder::new("metered")
        .input("rows", "table.csv")
        .step(
            StepSpec::code("judge")
                .input("rows", "run.rows")
                .publish("out", "object.json", "out.json")
                .budget(writ_plan::Budgets {
                    tool_calls: Some(3),
                    ..Default::default()
                }),
        )
        .build()
        .expect("builds");
    let mut shell = Shell::start(plan, "alice").expect("starts");
    shell.on(|effect, run| match effect {
        Effect::CallSandbox(call) => {
            let slot = run
                .plan
                .step(&call.step)?
                .contract
                .outputs
                .first()?
                .slot
                .clone();
            let m = OutputMeasure {
                hash: test_hash("o"),
                size: 1,
                rows: None,
            };
            let mut receipt = ok_receipt(BTreeMap::from([(slot, m)]), call.code_hash);
            receipt.tool_calls = 7;
            Some(vec![Event::SandboxReturned {
                attempt_id: call.attempt_id.clone(),
                receipt,
            }])
        }
        _ => None,
    });
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Failed);
    assert_eq!(shell.run.usage.tool_calls, 7);
    assert_eq!(
        shell.count(|e| matches!(e, Effect::PublishArtifact { .. })),
        0
    );
}

// 6. Governed bridge, sealed programs --------------------------------------------------------------

#[test]
fn a_model_call_in_a_sealed_run_fails_the_run() {
    let plan = linear();
    let mut start = start_event(&plan, "sealed", "cron");
    start.mode = RunMode::Sealed {
        program_hash: test_hash("program"),
        code: Default::default(),
    };
    let mut shell = Shell::start_with(plan, start).expect("starts");
    run_until(&mut shell, |e| matches!(e, Effect::Validate { .. })).expect("load validates");
    let effects = shell.feed(Event::ModelCall {
        step: Some(shell.id_of("load")),
        phase: writ_plan::Phase::Auditor,
        model: "claude".into(),
        tokens_in: 10,
        tokens_out: 10,
        cost_micros: 1,
    });
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::RunFinished {
            state: RunState::Failed
        }
    )));
    assert_eq!(
        shell.run.failure.as_ref().map(|f| f.code),
        Some(codes::SEALED_MODEL_CALL)
    );
    // And it stays failed: a repair cannot reopen a run that has ended.
    let effects = shell.feed(Event::RepairPatch {
        by: writ_run::testkit::person("bob"),
        step: shell.id_of("load"),
        patch: Patch::Code {
            code_hash: test_hash("x"),
        },
    });
    assert_eq!(refused_codes(&effects), [codes::RUN_TERMINAL]);
    assert_eq!(shell.run.state(), RunState::Failed);
}

#[test]
fn a_sealed_run_without_model_calls_succeeds_and_model_tools_are_denied() {
    let plan = PlanBuilder::new("sealed tools")
        .input("rows", "table.csv")
        .step(
            StepSpec::code("judge")
                .input("rows", "run.rows")
                .publish("out", "object.json", "out.json")
                .tool_of_class("llm.judge", "model")
                .tool_of_class("evaluator.judge", "model")
                .tool("billing.review_flags"),
        )
        .build()
        .expect("builds");
    let mut start = start_event(&plan, "sealed", "cron");
    start.mode = RunMode::Sealed {
        program_hash: test_hash("program"),
        code: Default::default(),
    };
    let mut shell = Shell::start_with(plan, start).expect("starts");
    let Some(Effect::CallSandbox(call)) =
        run_until(&mut shell, |e| matches!(e, Effect::CallSandbox(_)))
    else {
        panic!("no sandbox call");
    };
    // The governed evaluator stays callable, served by built-in code only; any other model tool is denied.
    for (tool, allowed, builtin) in [
        ("llm.judge", false, false),
        ("evaluator.judge", true, true),
        ("billing.review_flags", true, false),
    ] {
        let effects = shell.feed(Event::ToolCallRequested {
            attempt_id: call.attempt_id.clone(),
            call_id: tool.into(),
            tool: tool.into(),
            cost_micros: 0,
            external: None,
        });
        assert!(
            effects.iter().any(
                |e| matches!(e, Effect::ToolDecision { allowed: a, builtin_only: b, .. }
                if *a == allowed && *b == builtin)
            ),
            "{tool}"
        );
    }
    shell.pending.push_back(Effect::CallSandbox(call));
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
}

#[test]
fn the_evaluator_is_the_auditor_phase_never_the_executor() {
    let model = |provider: &str, model: &str| writ_plan::PhaseConfig {
        provider: provider.into(),
        model: model.into(),
        params: Default::default(),
    };
    // (executor, auditor) → the evaluator call is allowed?, served by built-in code?, refusal code.
    let cases = [
        (
            model("builtin", "builtin-programs"),
            model("builtin", "builtin-rubric-checks"),
            true,
            true,
            None,
        ),
        (
            model("builtin", "builtin-programs"),
            model("openai-compatible", "judge-1"),
            true,
            false,
            None,
        ),
        (
            model("anthropic", "claude"),
            model("openai-compatible", "judge-1"),
            true,
            false,
            None,
        ),
        (
            model("anthropic", "claude"),
            model("builtin", "builtin-rubric-checks"),
            true,
            true,
            None,
        ),
        (
            model("anthropic", "claude"),
            model("anthropic", "claude"),
            false,
            false,
            Some(codes::EVALUATOR_IS_EXECUTOR),
        ),
    ];
    for (executor, auditor, allowed, builtin, code) in cases {
        let mut profile = writ_run::testkit::builtin_profile();
        profile.phases.executor = executor.clone();
        profile.phases.auditor = auditor.clone();
        let plan = PlanBuilder::new("evaluator routing")
            .input("rows", "table.csv")
            .profile(profile)
            .step(
                StepSpec::code("judge")
                    .input("rows", "run.rows")
                    .publish("out", "object.json", "out.json")
                    .tool_of_class("evaluator.judge", "model"),
            )
            .build()
            .expect("builds");
        let mut shell = Shell::start(plan, "alice").expect("starts");
        let Some(Effect::CallSandbox(call)) =
            run_until(&mut shell, |e| matches!(e, Effect::CallSandbox(_)))
        else {
            panic!("no sandbox call");
        };
        let effects = shell.feed(Event::ToolCallRequested {
            attempt_id: call.attempt_id.clone(),
            call_id: "c1".into(),
            tool: "evaluator.judge".into(),
            cost_micros: 0,
            external: None,
        });
        let decision = effects.iter().find_map(|e| match e {
            Effect::ToolDecision {
                allowed,
                builtin_only,
                code,
                ..
            } => Some((*allowed, *builtin_only, *code)),
            _ => None,
        });
        assert_eq!(
            decision,
            Some((allowed, builtin, code)),
            "executor {executor:?}, auditor {auditor:?}"
        );
    }
}

// 7. Frozen profiles -------------------------------------------------------------------------------

#[test]
fn the_profile_cannot_change_after_the_first_model_call() {
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    let mut changed = writ_run::testkit::builtin_profile();
    changed.description = "cheaper".into();
    let effects = shell.feed(Event::ChangeProfile {
        profile: Box::new(changed.clone()),
    });
    assert!(refused_codes(&effects).is_empty());
    let before_call = shell.run.profile_hash;
    assert_eq!(hash_of(&changed).ok(), Some(before_call));

    let effects = shell.feed(Event::ModelCall {
        step: None,
        phase: writ_plan::Phase::Executor,
        model: "builtin".into(),
        tokens_in: 1,
        tokens_out: 1,
        cost_micros: 0,
    });
    assert!(effects.iter().any(|e| matches!(e, Effect::AppendLedger { record: LedgerRecord::ProfileFrozen { profile_hash }, .. } if *profile_hash == before_call)));

    changed.description = "sneaky".into();
    let effects = shell.feed(Event::ChangeProfile {
        profile: Box::new(changed),
    });
    assert_eq!(refused_codes(&effects), [codes::PROFILE_FROZEN]);
    assert_eq!(shell.run.profile_hash, before_call);
}

// 8. Structural approval gates: see tests/gates.rs --------------------------------------------------

#[test]
fn nothing_but_an_approval_opens_a_gate() {
    let mut shell = Shell::start(gated(false), "alice").expect("starts");
    run_until(&mut shell, |e| matches!(e, Effect::AwaitApproval { .. })).expect("gate reached");
    let deploy = shell.id_of("deploy");
    let attempts = [
        Event::InputsResolved {
            step: deploy.clone(),
            generation: 0,
            item_count: None,
        },
        Event::SandboxReturned {
            attempt_id: format!("run-1/{deploy}/a1"),
            receipt: ok_receipt(BTreeMap::new(), None),
        },
        Event::Validated {
            attempt_id: format!("run-1/{deploy}/a1"),
            publishable: true,
            report_hash: test_hash("r"),
            corrected: Default::default(),
        },
        Event::Audited {
            attempt_id: format!("run-1/{deploy}/a1"),
            passed: true,
            proof_hash: test_hash("p"),
        },
        Event::Resume,
        Event::AlarmFired,
    ];
    for event in attempts {
        let kind = event.kind();
        shell.feed(event);
        assert_eq!(
            shell.step_state("deploy"),
            Some(StepState::AwaitingApproval),
            "{kind}"
        );
    }
    assert_eq!(shell.run.state(), RunState::AwaitingApproval);
    assert_eq!(shell.sandbox_calls("deploy"), 0);
}

// Ladder corrections -------------------------------------------------------------------------------

#[test]
fn the_ladders_corrected_output_is_what_is_audited_and_published() {
    let plan = PlanBuilder::new("corrected")
        .input("rows", "table.csv")
        .step(StepSpec::code("report").input("rows", "run.rows").publish(
            "summary",
            "report.markdown",
            "summary.md",
        ))
        .build()
        .expect("builds");
    let fixed = OutputMeasure {
        hash: test_hash("corrected summary"),
        size: 7,
        rows: None,
    };
    for (slot, accepted) in [("summary", true), ("invented", false)] {
        let mut shell = Shell::start(plan.clone(), "alice").expect("starts");
        let Some(Effect::Validate { attempt_id, .. }) =
            run_until(&mut shell, |e| matches!(e, Effect::Validate { .. }))
        else {
            panic!("no validation");
        };
        let effects = shell.feed(Event::Validated {
            attempt_id,
            publishable: true,
            report_hash: test_hash("report"),
            corrected: [(slot.to_string(), fixed.clone())].into_iter().collect(),
        });
        if !accepted {
            // A correction of an output the attempt never produced is refused; nothing moves on.
            assert_eq!(refused_codes(&effects), [codes::UNKNOWN_CORRECTION]);
            continue;
        }
        let audited = effects.iter().find_map(|e| match e {
            Effect::Audit { outputs, .. } => outputs.get("summary").map(|m| m.hash),
            _ => None,
        });
        assert_eq!(
            audited,
            Some(fixed.hash),
            "the auditor judges the corrected bytes"
        );
        let Some(Effect::PublishArtifact { hash, .. }) =
            run_until(&mut shell, |e| matches!(e, Effect::PublishArtifact { .. }))
        else {
            panic!("nothing published");
        };
        assert_eq!(
            hash, fixed.hash,
            "the published bytes are the ladder's output"
        );
    }
}
