//! What the machine asks the shell to do. The shell carries effects out in order and feeds results back as
//! events. Effects that start external work carry the id the answer must echo, so re-issuing one (on
//! `Resume`) is idempotent for a shell that deduplicates on that id.

use crate::budget::{BudgetExceeded, Caps};
use crate::event::OutputMeasure;
use crate::ledger::LedgerRecord;
use crate::provenance::Provenance;
use crate::run::RunState;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use writ_canon::ContentHash;
use writ_diag::Code;
use writ_plan::{Gate, RubricCriterion};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Effect {
    /// Check that every bound input is in storage and, for a fan-out step, count the items of
    /// `count_items_of`; answer `InputsResolved` or `InputsMissing`.
    ResolveInputs {
        step: String,
        generation: u32,
        inputs: Vec<ResolvedInput>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        count_items_of: Option<String>,
    },
    /// Ask an authorised person to approve the gated step; answer `Approve` or `Reject`.
    AwaitApproval {
        step: String,
        gate: Gate,
        inputs: Vec<ResolvedInput>,
    },
    /// Run one attempt in the sandbox; answer `SandboxReturned`.
    CallSandbox(SandboxCall),
    /// Enqueue one shard attempt; the queue consumer runs it and answers `SandboxReturned`.
    DispatchShard(SandboxCall),
    /// Kill an attempt that is still running (budget, timeout, cancel, invalidation). No answer expected;
    /// a late `SandboxReturned` for it is absorbed.
    StopAttempt { attempt_id: String, reason: String },
    /// Merge the shard outputs of a fan-out step; answer `Merged`.
    MergeShards {
        step: String,
        attempt_id: String,
        shards: Vec<ShardOutputs>,
    },
    /// Run the validation ladder; answer `Validated`.
    Validate {
        step: String,
        attempt_id: String,
        outputs: BTreeMap<String, OutputMeasure>,
    },
    /// Run the auditor; answer `Audited`.
    Audit {
        step: String,
        attempt_id: String,
        outputs: BTreeMap<String, OutputMeasure>,
        rubric: Vec<RubricCriterion>,
    },
    /// Bind the artifact as published. Always preceded, in the same batch, by the ledger record of its
    /// provenance (`provenance_recorded` with the same hash): the shell writes that first (invariant 3).
    PublishArtifact {
        step: String,
        slot: String,
        artifact_ref: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        hash: ContentHash,
        generation: u32,
        provenance_hash: ContentHash,
        provenance: Box<Provenance>,
    },
    /// The answer to `ToolCallRequested`.
    ToolDecision {
        attempt_id: String,
        call_id: String,
        allowed: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<Code>,
        #[serde(default)]
        reason: String,
        /// The call must be served by built-in code, never a model: the governed evaluator of a sealed run
        /// (which makes no model call) or of a profile whose auditor phase is built in is the pack's
        /// built-in evaluator. When false, `evaluator.judge` is served by the auditor phase's model.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        builtin_only: bool,
    },
    /// Write a ledger entry (through the outbox, deduplicated on `key`).
    AppendLedger { key: String, record: LedgerRecord },
    /// Wake the machine with `AlarmFired` at this time (replaces any earlier alarm).
    SetAlarm { at_ms: u64 },
    /// The step failed; a repairer may answer `RepairPatch`.
    RequestRepair {
        step: String,
        generation: u32,
        evidence: RepairEvidence,
    },
    /// The event was not accepted; the state records it.
    Refused {
        code: Code,
        event: String,
        reason: String,
    },
    /// The run reached a terminal state (re-issued on `Resume`).
    RunFinished { state: RunState },
}

impl Effect {
    /// The effect's `type` tag.
    pub fn kind(&self) -> &'static str {
        match self {
            Effect::ResolveInputs { .. } => "resolve_inputs",
            Effect::AwaitApproval { .. } => "await_approval",
            Effect::CallSandbox(_) => "call_sandbox",
            Effect::DispatchShard(_) => "dispatch_shard",
            Effect::StopAttempt { .. } => "stop_attempt",
            Effect::MergeShards { .. } => "merge_shards",
            Effect::Validate { .. } => "validate",
            Effect::Audit { .. } => "audit",
            Effect::PublishArtifact { .. } => "publish_artifact",
            Effect::ToolDecision { .. } => "tool_decision",
            Effect::AppendLedger { .. } => "append_ledger",
            Effect::SetAlarm { .. } => "set_alarm",
            Effect::RequestRepair { .. } => "request_repair",
            Effect::Refused { .. } => "refused",
            Effect::RunFinished { .. } => "run_finished",
        }
    }
}

/// A step input bound to an artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedInput {
    pub slot: String,
    pub artifact_hash: ContentHash,
}

/// Items `[start, end)` of the `over` input, as shard `index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardRef {
    pub index: u32,
    pub start: u64,
    pub end: u64,
}

/// Everything the sandbox needs for one attempt: only the contracted inputs and the bound tools
/// (invariant 4); the sandbox enforces CPU, memory, process and output limits itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxCall {
    pub step: String,
    pub attempt_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardRef>,
    pub inputs: Vec<ResolvedInput>,
    pub tools: Vec<String>,
    /// The code to run: a repair's patch, else the contract's program or inline code (absent when the
    /// executor writes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_hash: Option<ContentHash>,
    /// No code is fixed for the step (no program, no plan code, no repair's, not sealed) and the profile's
    /// executor is a model: the shell has it write the code before the attempt runs.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub executor_writes: bool,
    pub limits: CallLimits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallLimits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    /// What the step may still spend (the tighter of the step's and the run's remaining budget).
    pub remaining: Caps,
}

/// One finished shard, for the merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardOutputs {
    pub shard: ShardRef,
    pub attempt_id: String,
    pub outputs: BTreeMap<String, OutputMeasure>,
}

/// Why a step failed, for the repairer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepairEvidence {
    pub code: Code,
    pub reason: String,
    /// The attempt (or merge) the failure is about, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_hash: Option<ContentHash>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof_hash: Option<ContentHash>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetExceeded>,
}
