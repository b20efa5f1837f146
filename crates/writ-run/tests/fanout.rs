//! Fan-out: shards complete independently, a failed shard is retried alone, the step merges when every
//! shard is done.

mod common;

use common::*;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use writ_run::codes;
use writ_run::testkit::{failed_receipt, Shell};
use writ_run::{Effect, Event, RunState, StepState};

fn dispatched_shards(shell: &Shell) -> Vec<(u32, String)> {
    shell
        .emitted
        .iter()
        .filter_map(|e| match e {
            Effect::DispatchShard(call) => call.shard.map(|s| (s.index, call.attempt_id.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn items_are_sharded_and_merged() {
    let mut shell = Shell::start(fan_out(0), "alice").expect("starts");
    shell.item_counts.insert("map".into(), 25);
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    let ranges: Vec<(u64, u64)> = shell
        .emitted
        .iter()
        .filter_map(|e| match e {
            Effect::DispatchShard(c) => c.shard.map(|s| (s.start, s.end)),
            _ => None,
        })
        .collect();
    assert_eq!(ranges, [(0, 10), (10, 20), (20, 25)]);
    let merges: Vec<usize> = shell
        .emitted
        .iter()
        .filter_map(|e| match e {
            Effect::MergeShards { shards, .. } => Some(shards.len()),
            _ => None,
        })
        .collect();
    assert_eq!(merges, [3]);
    // Fan-out shards go through the queue, never straight to the sandbox.
    assert_eq!(
        shell.count(|e| matches!(e, Effect::CallSandbox(c) if c.step.ends_with("-map"))),
        0
    );
}

#[test]
fn a_failed_shard_is_retried_alone() {
    let mut shell = Shell::start(fan_out(2), "alice").expect("starts");
    shell.item_counts.insert("map".into(), 30);
    let failures = Rc::new(RefCell::new(0));
    let seen = failures.clone();
    shell.on(move |effect, _| match effect {
        // Shard 1 fails on its first two attempts; shards complete in whatever order the queue runs them.
        Effect::DispatchShard(call)
            if call.shard.map(|s| s.index) == Some(1) && *seen.borrow() < 2 =>
        {
            *seen.borrow_mut() += 1;
            Some(vec![Event::SandboxReturned {
                attempt_id: call.attempt_id.clone(),
                receipt: failed_receipt(),
            }])
        }
        _ => None,
    });
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
    let dispatched = dispatched_shards(&shell);
    let per_shard = |k: u32| dispatched.iter().filter(|(i, _)| *i == k).count();
    assert_eq!((per_shard(0), per_shard(1), per_shard(2)), (1, 3, 1));
    // Every attempt id is distinct.
    let ids: std::collections::BTreeSet<_> = dispatched.iter().map(|(_, id)| id).collect();
    assert_eq!(ids.len(), dispatched.len());
    assert_eq!(*failures.borrow(), 2);
}

#[test]
fn a_shard_out_of_retries_fails_the_step_and_asks_for_repair() {
    let mut shell = Shell::start(fan_out(1), "alice").expect("starts");
    shell.item_counts.insert("map".into(), 20);
    shell.on(|effect, _| match effect {
        Effect::DispatchShard(call) if call.shard.map(|s| s.index) == Some(0) => {
            Some(vec![Event::SandboxReturned {
                attempt_id: call.attempt_id.clone(),
                receipt: failed_receipt(),
            }])
        }
        _ => None,
    });
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::AwaitingRepair);
    assert_eq!(shell.step_state("map"), Some(StepState::Failed));
    assert_eq!(shell.count(|e| matches!(e, Effect::MergeShards { .. })), 0);
    assert_eq!(
        shell
            .run
            .diagnosis()
            .iter()
            .filter(|(_, evidence)| evidence.code == codes::RETRIES_EXHAUSTED)
            .count(),
        1
    );
    assert_eq!(shell.sandbox_calls("summarise"), 0);
}

#[test]
fn shards_complete_in_any_order() {
    let mut shell = Shell::start(fan_out(0), "alice").expect("starts");
    shell.item_counts.insert("map".into(), 40);
    if let Some(e) = run_until(&mut shell, |e| matches!(e, Effect::DispatchShard(_))) {
        shell.pending.push_front(e);
    }
    let mut shards: Vec<Effect> = shell
        .pending
        .iter()
        .filter(|e| matches!(e, Effect::DispatchShard(_)))
        .cloned()
        .collect();
    shell
        .pending
        .retain(|e| !matches!(e, Effect::DispatchShard(_)));
    assert_eq!(shards.len(), 4);
    shards.reverse();
    for shard in shards {
        let answer = shell.answer(&shard);
        for event in answer {
            shell.feed(event);
        }
        // No merge before the last shard is in.
        let done = shell
            .run
            .step(&shell.id_of("map"))
            .and_then(|s| s.shards.as_ref())
            .map(|set| set.all_done());
        assert_eq!(
            shell.count(|e| matches!(e, Effect::MergeShards { .. })) == 1,
            done == Some(true)
        );
    }
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::Succeeded);
}

#[test]
fn a_fan_out_without_an_item_count_or_with_too_many_shards_fails() {
    for (count, code) in [
        (None, codes::MISSING_ITEM_COUNT),
        (Some(10_000_001), codes::TOO_MANY_SHARDS),
    ] {
        let mut shell = Shell::start(fan_out(0), "alice").expect("starts");
        let Some(Effect::ResolveInputs {
            step, generation, ..
        }) = run_until(
            &mut shell,
            |e| matches!(e, Effect::ResolveInputs { step, .. } if step.ends_with("-map")),
        )
        else {
            panic!("map never resolves inputs");
        };
        shell.feed(Event::InputsResolved {
            step,
            generation,
            item_count: count,
        });
        shell.run_to_end();
        let failure = shell
            .run
            .step(&shell.id_of("map"))
            .and_then(|s| s.failure.clone());
        assert_eq!(failure.map(|f| f.evidence.code), Some(code));
        assert_eq!(shell.count(|e| matches!(e, Effect::DispatchShard(_))), 0);
    }
}

#[test]
fn merged_outputs_must_match_the_contract() {
    let mut shell = Shell::start(fan_out(0), "alice").expect("starts");
    shell.on(|effect, _| match effect {
        Effect::MergeShards { attempt_id, .. } => Some(vec![Event::Merged {
            attempt_id: attempt_id.clone(),
            outputs: BTreeMap::new(),
        }]),
        _ => None,
    });
    shell.run_to_end();
    let failure = shell
        .run
        .step(&shell.id_of("map"))
        .and_then(|s| s.failure.clone());
    assert_eq!(
        failure.map(|f| f.evidence.code),
        Some(codes::MISSING_OUTPUT)
    );
}

#[test]
fn shard_outputs_that_cannot_be_merged_fail_the_step_naming_why() {
    let mut shell = Shell::start(fan_out(0), "alice").expect("starts");
    shell.item_counts.insert("map".into(), 25);
    shell.on(|effect, _| match effect {
        Effect::MergeShards { attempt_id, .. } => Some(vec![Event::MergeFailed {
            attempt_id: attempt_id.clone(),
            reason: "the shards' `site` (web.bundle.static): the path `index.html` appears twice"
                .into(),
        }]),
        _ => None,
    });
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::AwaitingRepair);
    assert_eq!(shell.step_state("map"), Some(StepState::Failed));
    assert_eq!(
        shell
            .run
            .diagnosis()
            .iter()
            .filter(|(_, evidence)| evidence.code == codes::MERGE_FAILED
                && evidence.reason.contains("index.html"))
            .count(),
        1
    );
}
