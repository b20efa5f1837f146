//! The step lifecycle.
//!
//! | from               | event / condition                                   | to                 | effects |
//! |--------------------|-----------------------------------------------------|--------------------|---------|
//! | pending, invalidated | every dependency published, no failure in the run, a required input unbound | failed (R0013) | repair (below) |
//! | pending, invalidated | … all required inputs bound, gate not yet approved  | awaiting_approval  | `AwaitApproval` |
//! | pending, invalidated | … all required inputs bound, no gate                | waiting_inputs     | `ResolveInputs` |
//! | awaiting_approval  | `Approve` by a principal with scope `approve`, not the creator (unless the frozen profile allows self-approval) | waiting_inputs | `ResolveInputs` |
//! | awaiting_approval  | `Approve` by anyone else                            | awaiting_approval  | `Refused` (R0020 / R0021) |
//! | awaiting_approval  | `Reject` by an authorised principal                 | failed (R0022)     | — (a person said no: no repair) |
//! | waiting_inputs     | `InputsResolved` (matching generation)              | running            | `CallSandbox`, or one `DispatchShard` per shard |
//! | waiting_inputs     | `InputsMissing`                                     | failed (R0013)     | repair (below) |
//! | waiting_inputs     | `InputsUnreadable` (an input not readable as its kind) | failed (R0039)  | repair (below) |
//! | running            | `SandboxReturned` ok, outputs as declared           | validating         | `Validate` (fan-out: when the last shard is done, `MergeShards` first) |
//! | running            | `SandboxReturned` not ok / outputs off contract / timeout, retries left | running | `CallSandbox` (the failed shard only) |
//! | running            | … no retries left                                   | failed (R0030)     | repair (below) |
//! | running            | `Merged` (fan-out)                                  | validating         | `Validate` |
//! | running            | `MergeFailed` (fan-out outputs clash as their kind) | failed (R0040)     | repair (below) |
//! | validating         | `Validated` publishable / not                       | auditing / failed (R0031) | `Audit` / repair (below) |
//! | auditing           | `Audited` passed, provenance complete, outputs unbound | published       | per output: ledger `provenance_recorded`, then `PublishArtifact` |
//! | auditing           | `Audited` failed / provenance incomplete / bound    | failed (R0032 / R0015 / R0014) | repair (below) |
//! | active             | a step budget crossed                               | failed (R0023)     | `StopAttempt`, ledger `budget_stop` |
//! | failed             | `RepairPatch` naming it (code, input or plan)       | pending (next generation) | downstream steps → invalidated |
//! | failed (repairable, the repairer phase a model, model repairs left) | — (on failing)     | failed, repair requested | `RequestRepair` |
//! | failed, repair requested | `RepairDeclined`                              | failed             | — (a person repairs it) |
//! | any not finished   | `Cancel`, or the run fails                          | skipped (never started) / failed (R0036, in flight) | `StopAttempt` |
//!
//! `published` and `skipped` are final for a generation; only a repair upstream (→ `invalidated`) or of the
//! step itself moves a step again. Events for an attempt that is not in flight are refused (R0011).

use crate::budget::Usage;
use crate::effect::{RepairEvidence, ResolvedInput};
use crate::event::OutputMeasure;
use crate::provenance::ReceiptDigest;
use crate::shard::ShardSet;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use writ_canon::ContentHash;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Pending,
    WaitingInputs,
    AwaitingApproval,
    Running,
    Validating,
    Auditing,
    Published,
    Failed,
    Invalidated,
    Skipped,
}

impl StepState {
    pub const ALL: [StepState; 10] = [
        StepState::Pending,
        StepState::WaitingInputs,
        StepState::AwaitingApproval,
        StepState::Running,
        StepState::Validating,
        StepState::Auditing,
        StepState::Published,
        StepState::Failed,
        StepState::Invalidated,
        StepState::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Pending => "pending",
            StepState::WaitingInputs => "waiting_inputs",
            StepState::AwaitingApproval => "awaiting_approval",
            StepState::Running => "running",
            StepState::Validating => "validating",
            StepState::Auditing => "auditing",
            StepState::Published => "published",
            StepState::Failed => "failed",
            StepState::Invalidated => "invalidated",
            StepState::Skipped => "skipped",
        }
    }

    /// External work is under way for the step (the shell owes the machine an answer).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            StepState::WaitingInputs
                | StepState::Running
                | StepState::Validating
                | StepState::Auditing
        )
    }

    /// Not started in this generation.
    pub fn is_unstarted(self) -> bool {
        matches!(
            self,
            StepState::Pending | StepState::Invalidated | StepState::AwaitingApproval
        )
    }
}

/// One sandbox attempt or merge in flight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub id: String,
    pub started_ms: u64,
    /// Timeout deadline, when the contract sets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_ms: Option<u64>,
    /// What the bridge metered for this attempt through events, to reconcile with its receipt.
    #[serde(default)]
    pub metered: Usage,
}

/// Why a step failed; the evidence goes to the repairer when `repairable`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepFailure {
    pub evidence: RepairEvidence,
    pub repairable: bool,
}

/// Who opened the gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRecord {
    pub principal: String,
    pub at_ms: u64,
}

/// A step's runtime state. `generation` counts repairs and invalidations: every answer must match it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub id: String,
    pub state: StepState,
    pub generation: u32,
    /// Sandbox attempts ever started (shards included): the source of attempt ids.
    pub attempts_started: u32,
    /// Merges ever started.
    pub merges_started: u32,
    /// Failed attempts in this generation (non-fan-out steps; shards count their own).
    pub failures: u32,
    /// The attempt or merge in flight (non-fan-out: the sandbox attempt; fan-out: the merge), kept through
    /// validation and audit because their answers echo its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Attempt>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shards: Option<ShardSet>,
    pub inputs: Vec<ResolvedInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalRecord>,
    pub usage: Usage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_ms: Option<u64>,
    /// The run's waiting time when the step started: the step's wall clock does not count what the run
    /// waited for afterwards.
    #[serde(default)]
    pub waited_base_ms: u64,
    /// Since when its gate has waited for a decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate_since_ms: Option<u64>,
    /// Outputs of the attempt (or merge) climbing the ladder.
    pub outputs: BTreeMap<String, OutputMeasure>,
    pub receipts: Vec<ReceiptDigest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_hash: Option<ContentHash>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<StepFailure>,
    /// Code set by a repair; replaces the contract's program.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_override: Option<ContentHash>,
    /// Input slot → the artifact a repair bound in place of the contract's producer.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub input_overrides: BTreeMap<String, ContentHash>,
    /// Repairs applied to the step (a person's and the model's).
    pub repairs: u32,
    /// Of those, the model repairer's; it is asked at most `MAX_MODEL_REPAIRS_PER_STEP` times.
    #[serde(default)]
    pub model_repairs: u32,
    /// The machine asked the model repairer about this failure and awaits its patch or refusal.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub repair_requested: bool,
}

impl Step {
    pub fn new(id: &str) -> Step {
        Step {
            id: id.to_string(),
            state: StepState::Pending,
            generation: 0,
            attempts_started: 0,
            merges_started: 0,
            failures: 0,
            current: None,
            shards: None,
            inputs: Vec::new(),
            approval: None,
            usage: Usage::default(),
            started_ms: None,
            waited_base_ms: 0,
            gate_since_ms: None,
            outputs: BTreeMap::new(),
            receipts: Vec::new(),
            report_hash: None,
            failure: None,
            code_override: None,
            input_overrides: BTreeMap::new(),
            repairs: 0,
            model_repairs: 0,
            repair_requested: false,
        }
    }

    /// Back to the start of a new generation: everything of the old one is dropped except the counters
    /// that keep ids unique and repairs bounded, and the repairs' code and inputs.
    pub fn reset(&mut self, state: StepState) {
        let kept = Step {
            id: std::mem::take(&mut self.id),
            state,
            generation: self.generation.saturating_add(1),
            attempts_started: self.attempts_started,
            merges_started: self.merges_started,
            code_override: self.code_override,
            input_overrides: std::mem::take(&mut self.input_overrides),
            repairs: self.repairs,
            model_repairs: self.model_repairs,
            ..Step::new("")
        };
        *self = kept;
    }

    /// Repairs a person made (every repair but the model repairer's).
    pub fn person_repairs(&self) -> u32 {
        self.repairs.saturating_sub(self.model_repairs)
    }

    /// Ids of every sandbox attempt or merge still running.
    pub fn running_attempts(&self) -> Vec<String> {
        let mut ids = Vec::new();
        if self.state == StepState::Running {
            if let Some(a) = &self.current {
                ids.push(a.id.clone());
            }
            if let Some(shards) = &self.shards {
                ids.extend(shards.running().map(|s| s.attempt.id.clone()));
            }
        }
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_names_are_the_documented_ones() {
        let names: Vec<&str> = StepState::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "pending",
                "waiting_inputs",
                "awaiting_approval",
                "running",
                "validating",
                "auditing",
                "published",
                "failed",
                "invalidated",
                "skipped"
            ]
        );
        for s in StepState::ALL {
            let json = serde_json::to_value(s).ok();
            assert_eq!(json, Some(serde_json::json!(s.as_str())));
        }
    }

    #[test]
    fn reset_keeps_counters_and_bumps_generation() {
        let mut step = Step::new("ps-1-a");
        step.attempts_started = 4;
        step.repairs = 1;
        step.failures = 2;
        step.state = StepState::Failed;
        step.reset(StepState::Pending);
        assert_eq!(step.id, "ps-1-a");
        assert_eq!(
            (
                step.generation,
                step.attempts_started,
                step.repairs,
                step.failures
            ),
            (1, 4, 1, 0)
        );
        assert_eq!(step.state, StepState::Pending);
    }
}
