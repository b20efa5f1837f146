//! Ledger records: what the shell turns into ledger entries (writ-ledger's typed events). Every decision the
//! machine makes that matters for audit has one, including refusals.

use crate::budget::{BudgetExceeded, Usage};
use crate::event::ReceiptStatus;
use crate::provenance::Provenance;
use crate::run::RunState;
use crate::step::StepState;
use serde::{Deserialize, Serialize};
use writ_canon::ContentHash;
use writ_diag::Code;
use writ_plan::Phase;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum LedgerRecord {
    RunStarted {
        plan_hash: ContentHash,
        profile_hash: ContentHash,
        creator: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        program_hash: Option<ContentHash>,
    },
    ProfileChanged {
        profile_hash: ContentHash,
    },
    /// Emitted once, with the first model call: the profile hash every later call runs under.
    ProfileFrozen {
        profile_hash: ContentHash,
    },
    StepStarted {
        step: String,
        generation: u32,
    },
    AttemptStarted {
        step: String,
        attempt_id: String,
    },
    AttemptFinished {
        step: String,
        attempt_id: String,
        status: ReceiptStatus,
        duration_ms: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        receipt_hash: Option<ContentHash>,
        /// Where the attempt ran and under which isolation layers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sandbox: Option<writ_sandbox_policy::Placement>,
    },
    Validation {
        step: String,
        attempt_id: String,
        publishable: bool,
        report_hash: ContentHash,
    },
    Audit {
        step: String,
        attempt_id: String,
        passed: bool,
        proof_hash: ContentHash,
    },
    ProvenanceRecorded {
        provenance_hash: ContentHash,
        provenance: Box<Provenance>,
    },
    ArtifactPublished {
        step: String,
        slot: String,
        hash: ContentHash,
        provenance_hash: ContentHash,
    },
    Approval {
        step: String,
        principal: String,
    },
    Rejection {
        step: String,
        principal: String,
        reason: String,
    },
    ToolCall {
        step: String,
        attempt_id: String,
        tool: String,
        allowed: bool,
        cost_micros: u64,
    },
    ModelCall {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        phase: Phase,
        model: String,
        tokens_in: u64,
        tokens_out: u64,
        cost_micros: u64,
    },
    BudgetStop {
        /// The step stopped, or `None` for the run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        exceeded: BudgetExceeded,
    },
    StepFinished {
        step: String,
        generation: u32,
        state: StepState,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<Code>,
        usage: Usage,
    },
    Repair {
        step: String,
        patch_hash: ContentHash,
        /// `Patch::describe`: the code hash, the input slot and artifact, or the plan hash.
        patch: String,
        /// `Repairer::name`: who made the patch.
        by: String,
        invalidated: Vec<String>,
    },
    /// An attempt got no receipt from the sandbox; it is re-issued after `retry_in_ms` (`paused`: the run
    /// waits for the infrastructure).
    InfrastructureWait {
        step: String,
        attempt_id: String,
        failures: u32,
        retry_in_ms: u64,
        paused: bool,
        reason: String,
    },
    /// A gate waited past its expiry; the run ends `expired`.
    GateExpired {
        step: String,
        waited_ms: u64,
    },
    /// The model repairer had no patch for the step; a person may repair it.
    RepairDeclined {
        step: String,
        reason: String,
    },
    Refused {
        code: Code,
        event: String,
        reason: String,
    },
    RunFinished {
        state: RunState,
        usage: Usage,
    },
}
