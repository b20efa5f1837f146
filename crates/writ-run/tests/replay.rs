//! The log is the truth: replay reproduces the state, divergences are errors with their own codes, and
//! random event sequences never break an invariant.

mod common;

use common::*;
use proptest::prelude::*;
use std::collections::BTreeSet;
use writ_canon::hash_of;
use writ_plan::{Budgets, FrozenPlan, Phase};
use writ_run::codes;
use writ_run::testkit::{failed_receipt, test_hash, PlanBuilder, Shell, StepSpec};
use writ_run::{Effect, Event, LogEntry, Patch, ReplayDivergence, Run, RunState, StepState};

#[test]
fn replay_divergences_have_their_own_codes() {
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    shell.run_to_end();
    let plan = shell.plan.clone();
    let mut other = linear();
    other.objective = "other".into();
    let other = PlanBuilder::new("other")
        .input("rows", "table.csv")
        .step(
            StepSpec::code("x")
                .input("rows", "run.rows")
                .output("o", "object.json"),
        )
        .build()
        .expect("builds");
    let mut tampered_effects = shell.log.clone();
    if let Some(entry) = tampered_effects.get_mut(3) {
        entry.effects_hash = Some(test_hash("not what the machine emits"));
    }
    let no_start: Vec<LogEntry> = shell.log.iter().skip(1).cloned().collect();
    let cases: Vec<(FrozenPlan, Vec<LogEntry>, writ_run::Code)> = vec![
        (plan.clone(), vec![], codes::REPLAY_EMPTY_LOG),
        (plan.clone(), no_start, codes::REPLAY_NO_START),
        (other, shell.log.clone(), codes::REPLAY_PLAN_MISMATCH),
        (
            plan.clone(),
            tampered_effects,
            codes::REPLAY_EFFECTS_DIVERGED,
        ),
    ];
    for (plan, log, code) in cases {
        let err = Run::replay(plan, &log).err();
        assert_eq!(
            err.as_ref().map(ReplayDivergence::code),
            Some(code),
            "{err:?}"
        );
    }
    assert_eq!(Run::replay(plan, &shell.log).ok(), Some(shell.run.clone()));
}

#[test]
fn a_tampered_plan_does_not_start() {
    let mut plan = linear();
    let start = writ_run::testkit::start_event(&plan, "r", "alice");
    plan.steps[0].contract.intent = "something else".into();
    let err = Run::start(plan, start, 0).err();
    assert_eq!(err.map(|e| e.code()), Some(codes::START_PLAN_TAMPERED));
}

#[test]
fn the_state_round_trips_through_json() {
    let mut shell = Shell::start(fan_out(1), "alice").expect("starts");
    shell.item_counts.insert("map".into(), 12);
    for _ in 0..12 {
        shell.step_once();
    }
    let json = serde_json::to_string(&shell.run).expect("serializes");
    let back: Run = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, shell.run);
    let log_json = serde_json::to_string(&shell.log).expect("log serializes");
    let log: Vec<LogEntry> = serde_json::from_str(&log_json).expect("log deserializes");
    assert_eq!(log, shell.log);
}

#[test]
fn the_effects_of_a_simple_run_are_stable() {
    let mut shell = Shell::start(gated(false), "alice").expect("starts");
    shell.run_to_end();
    let kinds: Vec<String> = shell
        .emitted
        .iter()
        .map(|e| match e {
            Effect::AppendLedger { record, .. } => format!(
                "ledger:{}",
                serde_json::to_value(record)
                    .ok()
                    .and_then(|v| v.get("record").and_then(|r| r.as_str()).map(str::to_string))
                    .unwrap_or_default()
            ),
            other => other.kind().to_string(),
        })
        .collect();
    insta::assert_json_snapshot!("gated_run_effect_kinds", kinds);
    let last = shell
        .emitted
        .iter()
        .rev()
        .find(|e| matches!(e, Effect::PublishArtifact { .. }));
    insta::assert_json_snapshot!("gated_run_last_publish", last);
}

// ---- property: random event sequences ---------------------------------------------------------

fn plans() -> Vec<FrozenPlan> {
    let budgeted = PlanBuilder::new("budgeted")
        .input("rows", "table.csv")
        .step(
            StepSpec::code("a")
                .input("rows", "run.rows")
                .output("t", "table.json_rows")
                .tool("billing.review_flags")
                .retries(1)
                .timeout_seconds(30)
                .budget(Budgets {
                    tokens: Some(500),
                    tool_calls: Some(3),
                    ..Default::default()
                }),
        )
        .step(
            StepSpec::code("b")
                .input("t", "a.t")
                .output("u", "table.json_rows")
                .gate("check"),
        )
        .step(
            StepSpec::code("c")
                .input("t", "a.t")
                .publish("v", "object.json", "v.json"),
        )
        .step(
            StepSpec::code("d")
                .input("u", "b.u")
                .input("v", "c.v")
                .publish("w", "report.markdown", "w.md"),
        )
        .budgets(Budgets {
            tokens: Some(2000),
            wall_seconds: Some(3600),
            ..Default::default()
        })
        .build()
        .expect("builds");
    vec![linear(), gated(false), fan_out(1), budgeted]
}

/// A bad answer to an effect, chosen by `pick`.
fn bad_answer(effect: &Effect, run: &Run, pick: u8) -> Vec<Event> {
    match effect {
        Effect::CallSandbox(c) | Effect::DispatchShard(c) => vec![Event::SandboxReturned {
            attempt_id: c.attempt_id.clone(),
            receipt: failed_receipt(),
        }],
        Effect::Validate { attempt_id, .. } => vec![Event::Validated {
            attempt_id: attempt_id.clone(),
            publishable: false,
            report_hash: test_hash("bad"),
            corrected: Default::default(),
        }],
        Effect::Audit { attempt_id, .. } => vec![Event::Audited {
            attempt_id: attempt_id.clone(),
            passed: false,
            proof_hash: test_hash("bad"),
        }],
        Effect::AwaitApproval { step, .. } => match pick % 3 {
            0 => vec![Event::Approve {
                step: step.clone(),
                principal: run.creator.clone(),
                scopes: vec!["approve".into()],
            }],
            1 => vec![Event::Approve {
                step: step.clone(),
                principal: "mallory".into(),
                scopes: vec![],
            }],
            _ => vec![Event::Reject {
                step: step.clone(),
                principal: "bob".into(),
                scopes: vec!["approve".into()],
                reason: "no".into(),
            }],
        },
        Effect::ResolveInputs {
            step, generation, ..
        } => vec![Event::InputsMissing {
            step: step.clone(),
            generation: *generation,
            slots: vec!["x".into()],
        }],
        _ => vec![],
    }
}

/// Noise: events a confused or hostile shell might send at any time.
fn noise(shell: &Shell, pick: u8, arg: u8) -> Event {
    let steps: Vec<String> = shell.run.steps.iter().map(|s| s.id.clone()).collect();
    let step = steps
        .get(usize::from(arg) % steps.len().max(1))
        .cloned()
        .unwrap_or_default();
    let attempt = format!("{}/{}/a{}", shell.run.id, step, arg % 4);
    match pick % 9 {
        0 => Event::ToolCallRequested {
            attempt_id: attempt,
            call_id: format!("n{arg}"),
            tool: if arg < 128 {
                "billing.review_flags".into()
            } else {
                "net.fetch".into()
            },
            cost_micros: u64::from(arg),
            external: None,
        },
        1 => Event::ModelCall {
            step: Some(step),
            phase: Phase::Executor,
            model: "builtin".into(),
            tokens_in: u64::from(arg) * 3,
            tokens_out: 1,
            cost_micros: 0,
        },
        2 => {
            let mut p = writ_run::testkit::builtin_profile();
            p.description = format!("v{arg}");
            p.allow_self_approval = true;
            Event::ChangeProfile {
                profile: Box::new(p),
            }
        }
        3 => Event::RepairPatch {
            by: writ_run::testkit::person("bob"),
            step,
            patch: Patch::Code {
                code_hash: test_hash(&format!("fix {arg}")),
            },
        },
        4 => Event::Resume,
        5 => Event::AlarmFired,
        6 => Event::Approve {
            step,
            principal: shell.run.creator.clone(),
            scopes: vec!["approve".into()],
        },
        7 => Event::Cancel {
            principal: None,
            reason: String::new(),
        },
        _ => Event::SandboxReturned {
            attempt_id: attempt,
            receipt: failed_receipt(),
        },
    }
}

/// Everything that must hold after every event, given the effects it produced.
fn check_invariants(
    run: &Run,
    event: &Event,
    effects: &[Effect],
    before: &Run,
    publishes: &mut BTreeSet<(String, u32)>,
) -> Result<(), TestCaseError> {
    for (k, effect) in effects.iter().enumerate() {
        match effect {
            // 2 + 3: one publish per output and generation, each right after its provenance record.
            Effect::PublishArtifact {
                artifact_ref,
                generation,
                provenance,
                provenance_hash,
                ..
            } => {
                prop_assert!(
                    publishes.insert((artifact_ref.clone(), *generation)),
                    "second publish of {artifact_ref}"
                );
                prop_assert_eq!(hash_of(provenance.as_ref()).ok(), Some(*provenance_hash));
                let prev = k.checked_sub(1).and_then(|j| effects.get(j));
                let recorded = matches!(prev, Some(Effect::AppendLedger { record: writ_run::LedgerRecord::ProvenanceRecorded { provenance_hash: p, .. }, .. }) if p == provenance_hash);
                prop_assert!(recorded);
            }
            // 1 + 4 + 8: a call carries every required input and only contracted inputs and bound tools;
            // a gated step runs only after an approval by someone other than the creator.
            Effect::CallSandbox(call) | Effect::DispatchShard(call) => {
                let frozen = run
                    .plan
                    .step(&call.step)
                    .ok_or_else(|| TestCaseError::fail("unknown step"))?;
                for input in &frozen.contract.inputs {
                    let given = call.inputs.iter().any(|i| i.slot == input.slot);
                    prop_assert!(given || !input.required, "missing {}", input.slot);
                }
                prop_assert!(call.inputs.iter().all(|i| frozen
                    .contract
                    .inputs
                    .iter()
                    .any(|c| c.slot == i.slot)));
                let bound: Vec<&str> = frozen
                    .contract
                    .tools
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect();
                prop_assert!(call.tools.iter().all(|t| bound.contains(&t.as_str())));
                if frozen.contract.gate.is_some() {
                    let step = run
                        .step(&call.step)
                        .ok_or_else(|| TestCaseError::fail("no step"))?;
                    let approver = step.approval.as_ref().map(|a| a.principal.clone());
                    prop_assert!(approver.is_some_and(|p| p != run.creator));
                }
            }
            // 4 + 6: an allowed tool is bound to the step.
            Effect::ToolDecision { allowed: true, .. } => {
                let Event::ToolCallRequested {
                    tool, attempt_id, ..
                } = event
                else {
                    return Err(TestCaseError::fail("a decision without a request"));
                };
                let step = attempt_id.split('/').nth(1).unwrap_or_default();
                let frozen = run
                    .plan
                    .step(step)
                    .ok_or_else(|| TestCaseError::fail("unknown step"))?;
                prop_assert!(frozen.contract.tools.iter().any(|t| &t.id == tool));
            }
            _ => {}
        }
    }
    // 7: the profile is frozen after the first model call.
    if before.profile_frozen {
        prop_assert_eq!(before.profile_hash, run.profile_hash);
    }
    // Terminal states absorb: only a repair reopens a failed run.
    if before.state.is_terminal() {
        let reopened =
            before.state == RunState::Failed && matches!(event, Event::RepairPatch { .. });
        if !reopened {
            prop_assert_eq!(before.state, run.state);
            prop_assert_eq!(&before.steps, &run.steps);
        }
    }
    // Every published step has its outputs bound.
    for (frozen, step) in run.plan.steps.iter().zip(&run.steps) {
        if step.state == StepState::Published {
            for o in frozen.contract.outputs.iter().filter(|o| o.required) {
                prop_assert!(run.bindings.contains_key(&o.artifact_ref));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn random_event_sequences_keep_every_invariant_and_replay_exactly(
        plan_pick in 0usize..4,
        moves in proptest::collection::vec((0u8..16, any::<u8>(), any::<u8>()), 1..120),
    ) {
        let plan = plans().swap_remove(plan_pick);
        let mut shell = Shell::start(plan, "alice").expect("starts");
        shell.item_counts.insert("map".into(), 23);
        let mut publishes = BTreeSet::new();
        for (op, a, b) in moves {
            let events: Vec<Event> = match op {
                0..=8 => {
                    if shell.pending.is_empty() { continue; }
                    let k = usize::from(a) % shell.pending.len();
                    let Some(effect) = shell.pending.remove(k) else { continue };
                    shell.answer(&effect)
                }
                9..=11 => {
                    if shell.pending.is_empty() { continue; }
                    let k = usize::from(a) % shell.pending.len();
                    let Some(effect) = shell.pending.remove(k) else { continue };
                    bad_answer(&effect, &shell.run, b)
                }
                12 => shell.log.last().map(|e| vec![e.event.clone()]).unwrap_or_default(),
                13 => { shell.now_ms += u64::from(a) * 1000; vec![Event::AlarmFired] }
                _ if op == 15 && a > 20 => continue,
                _ => vec![noise(&shell, a, b)],
            };
            for event in events {
                let before = shell.run.clone();
                let effects = shell.feed(event.clone());
                check_invariants(&shell.run, &event, &effects, &before, &mut publishes)?;
            }
        }
        let replayed = shell.replay();
        prop_assert_eq!(replayed.as_ref().ok(), Some(&shell.run), "{:?}", replayed.as_ref().err());
        let json = serde_json::to_string(&shell.run).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back: Run = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, shell.run.clone());
    }

    #[test]
    fn a_perfect_shell_always_succeeds(plan_pick in 0usize..4, items in 0u64..200) {
        let plan = plans().swap_remove(plan_pick);
        let mut shell = Shell::start(plan, "alice").expect("starts");
        shell.item_counts.insert("map".into(), items);
        shell.run_to_end();
        prop_assert_eq!(shell.run.state(), RunState::Succeeded);
        prop_assert!(shell.run.refusals.is_empty());
        for step in &shell.run.steps {
            prop_assert_eq!(step.state, StepState::Published);
        }
        prop_assert_eq!(shell.replay().ok(), Some(shell.run.clone()));
    }
}
