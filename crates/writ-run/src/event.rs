//! What the shell feeds the machine. Every event the shell hands to [`crate::Run::handle`] is appended to
//! the run's log first (as a [`crate::LogEntry`] with the time it was handled); the log is the truth and
//! [`crate::Run::replay`] rebuilds the state from it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use writ_canon::ContentHash;
use writ_plan::{ExecutionProfile, FrozenPlan, Phase};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Starts the run; always the first entry of a log.
    Start(StartRun),
    /// Answer to `ResolveInputs`: every input is present in storage; for a fan-out step, the number of
    /// items of its `over` input.
    InputsResolved {
        step: String,
        generation: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item_count: Option<u64>,
    },
    /// Answer to `ResolveInputs`: these bound inputs are not in storage (the step fails closed).
    InputsMissing {
        step: String,
        generation: u32,
        slots: Vec<String>,
    },
    /// Answer to `ResolveInputs`: the input `slot` is present but cannot be read as its kind, so its items
    /// cannot be counted (the step fails closed, naming the slot and the reason; never zero items).
    InputsUnreadable {
        step: String,
        generation: u32,
        slot: String,
        reason: String,
    },
    /// Answer to `MergeShards` when the shards' outputs cannot be merged as their kind (the step fails,
    /// naming the slot and why).
    MergeFailed { attempt_id: String, reason: String },
    /// The sandbox (or a queue consumer, for a shard) finished an attempt; the receipt is the platform's.
    SandboxReturned {
        attempt_id: String,
        receipt: Receipt,
    },
    /// The shell got no receipt for an attempt (the sandbox unreachable, restarted mid-attempt, an answer
    /// that is not a receipt): not the program's failure. `jitter_permille` (0..=1000) is the jitter the
    /// shell drew for the backoff, recorded so that replay decides the same.
    SandboxUnavailable {
        attempt_id: String,
        reason: String,
        #[serde(default)]
        jitter_permille: u16,
    },
    /// Answer to `MergeShards`: the merged outputs as the platform measured them.
    Merged {
        attempt_id: String,
        outputs: BTreeMap<String, OutputMeasure>,
    },
    /// Answer to `Validate`: the ladder's verdict, and the outputs it corrected (slot → the corrected
    /// artifact as the platform measured it), which replace the sandbox's: what is audited and published
    /// is the ladder's output.
    Validated {
        attempt_id: String,
        publishable: bool,
        report_hash: ContentHash,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        corrected: BTreeMap<String, OutputMeasure>,
    },
    /// Answer to `Audit`: the auditor's verdict and its proof record.
    Audited {
        attempt_id: String,
        passed: bool,
        proof_hash: ContentHash,
    },
    /// A person approves a gated step.
    Approve {
        step: String,
        principal: String,
        scopes: Vec<String>,
    },
    /// A person rejects a gated step.
    Reject {
        step: String,
        principal: String,
        scopes: Vec<String>,
        #[serde(default)]
        reason: String,
    },
    /// The tool bridge asks whether a call may go ahead; answered by a `ToolDecision` effect.
    ToolCallRequested {
        attempt_id: String,
        /// The bridge's id for the call, echoed in the decision.
        call_id: String,
        tool: String,
        /// What the call will cost, in micro-US-dollars, as the bridge prices it.
        #[serde(default)]
        cost_micros: u64,
        /// For a tool from outside the catalog (a tenant's MCP server's), its version as the bridge finds it
        /// now; the machine refuses the call unless it is the version the plan froze.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        external: Option<ExternalTool>,
    },
    /// A model call the platform made (executor, auditor, repairer …), metered by the platform.
    ModelCall {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        phase: Phase,
        model: String,
        tokens_in: u64,
        tokens_out: u64,
        /// Used when the profile has no price for `model`.
        #[serde(default)]
        cost_micros: u64,
    },
    /// Replace the execution profile; refused once a model call has happened (invariant 7).
    ChangeProfile { profile: Box<ExecutionProfile> },
    /// The alarm set by `SetAlarm` went off (deadlines are also checked on every event).
    AlarmFired,
    Cancel {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        principal: Option<String>,
        #[serde(default)]
        reason: String,
    },
    /// Resumes a failed step with a patch: the model repairer's answer to `RequestRepair`, or a person's
    /// repair of a run awaiting one.
    RepairPatch {
        step: String,
        patch: Patch,
        by: Repairer,
    },
    /// The model repairer has no patch for the step (no usable reply, or it gave up): the run waits for a
    /// person (`awaiting_repair`).
    RepairDeclined {
        step: String,
        generation: u32,
        reason: String,
    },
    /// The shell restarted (after replaying the log): re-issue the effects of all in-flight work.
    Resume,
}

impl Event {
    /// The event's `type` tag.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Start(_) => "start",
            Event::InputsResolved { .. } => "inputs_resolved",
            Event::InputsMissing { .. } => "inputs_missing",
            Event::InputsUnreadable { .. } => "inputs_unreadable",
            Event::MergeFailed { .. } => "merge_failed",
            Event::SandboxReturned { .. } => "sandbox_returned",
            Event::SandboxUnavailable { .. } => "sandbox_unavailable",
            Event::Merged { .. } => "merged",
            Event::Validated { .. } => "validated",
            Event::Audited { .. } => "audited",
            Event::Approve { .. } => "approve",
            Event::Reject { .. } => "reject",
            Event::ToolCallRequested { .. } => "tool_call_requested",
            Event::ModelCall { .. } => "model_call",
            Event::ChangeProfile { .. } => "change_profile",
            Event::AlarmFired => "alarm_fired",
            Event::Cancel { .. } => "cancel",
            Event::RepairPatch { .. } => "repair_patch",
            Event::RepairDeclined { .. } => "repair_declined",
            Event::Resume => "resume",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartRun {
    pub run_id: String,
    /// The principal who started the run (gates may not be approved by them unless the profile says so).
    pub creator: String,
    /// Run input name → content hash of the artifact the person supplied.
    pub inputs: BTreeMap<String, ContentHash>,
    #[serde(default)]
    pub mode: RunMode,
    /// The plan the run executes; checked against the plan handed to the machine.
    pub plan_hash: ContentHash,
}

/// A live run may call models; a sealed program may not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum RunMode {
    #[default]
    Live,
    Sealed {
        program_hash: ContentHash,
        /// Step id → the code the step ran when the program was sealed (after any repair; the code a model
        /// wrote included). It takes precedence over the contract's program, so the program runs exactly
        /// the code that was sealed and no model writes any.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        code: BTreeMap<String, ContentHash>,
    },
}

impl RunMode {
    pub fn is_sealed(&self) -> bool {
        matches!(self, RunMode::Sealed { .. })
    }
}

/// What the platform measured for one attempt (invariant 5). `claimed` is whatever the step's code or model
/// said about itself: it is kept for the record and never used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub status: ReceiptStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// What stopped the program when it did not exit by itself (`timeout`, `memory`, `output_size` …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<String>,
    pub duration_ms: u64,
    /// Output slot → the artifact the platform stored.
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputMeasure>,
    /// Hash of the program the sandbox ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_hash: Option<ContentHash>,
    /// Tool calls the bridge metered during the attempt.
    #[serde(default)]
    pub tool_calls: u64,
    /// Model use the bridge metered during the attempt.
    #[serde(default)]
    pub model_usage: ModelUsage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed: Option<serde_json::Value>,
    /// The container instance the attempt ran on and the isolation layers in force there (and missing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<writ_sandbox_policy::Placement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    Ok,
    Error,
    Timeout,
    Killed,
}

impl ReceiptStatus {
    /// The status of an attempt from the sandbox server's receipt (`status`, and `stopped_by` when the
    /// program did not exit by itself): only `succeeded` is ok; a kill by the wall timer is a timeout; any
    /// other kill is a kill; anything else, an unknown or missing status included, is an error (fail closed).
    pub fn from_sandbox(status: Option<&str>, stopped_by: Option<&str>) -> ReceiptStatus {
        match (status, stopped_by) {
            (Some("succeeded"), _) => ReceiptStatus::Ok,
            (Some("killed"), Some("wall_time")) => ReceiptStatus::Timeout,
            (Some("killed"), _) => ReceiptStatus::Killed,
            _ => ReceiptStatus::Error,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelUsage {
    pub calls: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_micros: u64,
}

/// An artifact as stored: content hash, bytes, rows when it is a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputMeasure {
    pub hash: ContentHash,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

/// A repair: new code for the failed step, a corrected artifact for one of its input slots, or a plan
/// recompiled by the compiler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "patch", rename_all = "snake_case")]
pub enum Patch {
    Code {
        code_hash: ContentHash,
    },
    /// The step reads `artifact_hash` in `slot` from now on (its other inputs stay bound as before).
    Input {
        slot: String,
        artifact_hash: ContentHash,
    },
    Plan {
        plan: Box<FrozenPlan>,
    },
}

impl Patch {
    /// What the patch does, for the ledger.
    pub fn describe(&self) -> String {
        match self {
            Patch::Code { code_hash } => format!("code {code_hash}"),
            Patch::Input {
                slot,
                artifact_hash,
            } => format!("input {slot} = {artifact_hash}"),
            Patch::Plan { plan } => format!("plan {}", plan.plan_hash),
        }
    }
}

/// Who sent a repair: the profile's repairer model, or an authorised person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Repairer {
    Model {
        model: String,
    },
    Person {
        principal: String,
        scopes: Vec<String>,
    },
}

impl Repairer {
    /// `model:<model>` or `person:<principal>`, as the ledger names the repairer.
    pub fn name(&self) -> String {
        match self {
            Repairer::Model { model } => format!("model:{model}"),
            Repairer::Person { principal, .. } => format!("person:{principal}"),
        }
    }
}

/// An external tool's current version, as the tool bridge found it when the call came in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalTool {
    /// The hash of the tool's schemas its server lists now; `None`: the server no longer lists the tool.
    pub current: Option<ContentHash>,
}

#[cfg(test)]
mod tests {
    use super::ReceiptStatus;

    #[test]
    fn sandbox_receipt_statuses_map_fail_closed() {
        let cases = [
            (Some("succeeded"), None, ReceiptStatus::Ok),
            (Some("succeeded"), Some("wall_time"), ReceiptStatus::Ok),
            (Some("killed"), Some("wall_time"), ReceiptStatus::Timeout),
            (Some("killed"), Some("memory"), ReceiptStatus::Killed),
            (Some("killed"), None, ReceiptStatus::Killed),
            (Some("failed"), None, ReceiptStatus::Error),
            (Some("SUCCEEDED"), None, ReceiptStatus::Error),
            (None, None, ReceiptStatus::Error),
        ];
        for (status, stopped_by, expect) in cases {
            assert_eq!(
                ReceiptStatus::from_sandbox(status, stopped_by),
                expect,
                "{status:?} {stopped_by:?}"
            );
        }
    }
}
