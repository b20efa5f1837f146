//! The event log and its replay. The shell appends a [`LogEntry`] for every event it hands the machine;
//! [`Run::replay`] feeds the same entries to a fresh machine and gets the same state back. When an entry
//! carries the hash of the effects the machine emitted when it was recorded, replay checks that the machine
//! still emits the same ones: a different machine version cannot silently reinterpret a log.

use crate::codes::{self, Code};
use crate::effect::Effect;
use crate::event::Event;
use crate::run::{Run, StartError};
use serde::{Deserialize, Serialize};
use writ_canon::ContentHash;
use writ_plan::FrozenPlan;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    /// The `now_ms` the event was handled at.
    pub at_ms: u64,
    pub event: Event,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effects_hash: Option<ContentHash>,
}

impl LogEntry {
    pub fn new(at_ms: u64, event: Event) -> LogEntry {
        LogEntry {
            at_ms,
            event,
            effects_hash: None,
        }
    }

    /// An entry that also pins the effects handling it produced.
    pub fn with_effects(at_ms: u64, event: Event, effects: &[Effect]) -> LogEntry {
        LogEntry {
            at_ms,
            event,
            effects_hash: effects_hash(effects),
        }
    }
}

/// blake3 over the canonical JSON of the effects (`None` if they cannot be hashed, which no effect the
/// machine builds can cause: they hold no floats).
pub fn effects_hash(effects: &[Effect]) -> Option<ContentHash> {
    writ_canon::hash_of(effects).ok()
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReplayDivergence {
    #[error("the event log is empty")]
    EmptyLog,
    #[error("the log begins with `{found}`, not `start`")]
    NoStart { found: String },
    #[error("the log was recorded for plan {log}, not {plan}")]
    PlanMismatch { log: ContentHash, plan: ContentHash },
    #[error("the start event is rejected: {0}")]
    StartRejected(StartError),
    #[error("entry {index}: recorded effects {recorded}, replay produced {replayed:?}")]
    EffectsDiverged {
        index: usize,
        recorded: ContentHash,
        replayed: Option<ContentHash>,
    },
}

impl ReplayDivergence {
    pub fn code(&self) -> Code {
        match self {
            ReplayDivergence::EmptyLog => codes::REPLAY_EMPTY_LOG,
            ReplayDivergence::NoStart { .. } => codes::REPLAY_NO_START,
            ReplayDivergence::PlanMismatch { .. } => codes::REPLAY_PLAN_MISMATCH,
            ReplayDivergence::StartRejected(e) => e.code(),
            ReplayDivergence::EffectsDiverged { .. } => codes::REPLAY_EFFECTS_DIVERGED,
        }
    }
}

fn check(index: usize, entry: &LogEntry, effects: &[Effect]) -> Result<(), ReplayDivergence> {
    let Some(recorded) = entry.effects_hash else {
        return Ok(());
    };
    let replayed = effects_hash(effects);
    if replayed == Some(recorded) {
        Ok(())
    } else {
        Err(ReplayDivergence::EffectsDiverged {
            index,
            recorded,
            replayed,
        })
    }
}

impl Run {
    /// Rebuilds a run from its log. `plan` is the plan the run started with (repairs that replaced it are
    /// in the log).
    pub fn replay(plan: FrozenPlan, log: &[LogEntry]) -> Result<Run, ReplayDivergence> {
        let (first, rest) = log.split_first().ok_or(ReplayDivergence::EmptyLog)?;
        let Event::Start(start) = &first.event else {
            return Err(ReplayDivergence::NoStart {
                found: first.event.kind().to_string(),
            });
        };
        if start.plan_hash != plan.plan_hash {
            return Err(ReplayDivergence::PlanMismatch {
                log: start.plan_hash,
                plan: plan.plan_hash,
            });
        }
        let (mut run, effects) = Run::start(plan, start.clone(), first.at_ms)
            .map_err(ReplayDivergence::StartRejected)?;
        check(0, first, &effects)?;
        for (k, entry) in rest.iter().enumerate() {
            let effects = run.handle(entry.event.clone(), entry.at_ms);
            check(k.saturating_add(1), entry, &effects)?;
        }
        Ok(run)
    }
}
