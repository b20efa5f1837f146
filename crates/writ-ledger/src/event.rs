//! The typed events a ledger entry records.
//!
//! Hashes are `ContentHash` (serialized `b3:<hex>`); money is a decimal string (`UsdAmount`), never a float,
//! so that a cost hashes the same everywhere and sums exactly.

use serde::{Deserialize, Serialize};
use writ_canon::ContentHash;

/// Every event that matters for audit. Serialized with `"type": "<snake_case variant>"` inline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LedgerEvent {
    PlanCompiled {
        candidate_hash: ContentHash,
        plan_hash: ContentHash,
    },
    ProfileFrozen {
        profile_hash: ContentHash,
    },
    RunStarted {
        plan_hash: ContentHash,
        profile_hash: ContentHash,
        /// Set when the run executes a sealed program rather than a freshly compiled plan.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        program_hash: Option<ContentHash>,
    },
    RunFinished {
        outcome: RunOutcome,
    },
    StepStarted {
        step: String,
    },
    StepFinished {
        step: String,
        outcome: StepOutcome,
    },
    AttemptStarted {
        step: String,
        attempt: u32,
    },
    AttemptFinished {
        step: String,
        attempt: u32,
        receipt: ReceiptSummary,
    },
    ModelCall {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        provider: String,
        model: String,
        tokens_in: u64,
        tokens_out: u64,
        cost_usd: UsdAmount,
        latency_ms: u64,
        request_hash: ContentHash,
        response_hash: ContentHash,
    },
    ToolCall {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        tool: String,
        args_hash: ContentHash,
        result_hash: ContentHash,
        ok: bool,
        cost_usd: UsdAmount,
    },
    ValidationStage {
        step: String,
        stage: String,
        outcome: StageOutcome,
        details_hash: ContentHash,
    },
    /// One correction the validation ladder made to a step output before it was published: the stage,
    /// what changed and why, and the output's hash before and after (the published bytes are the after).
    Correction {
        step: String,
        slot: String,
        stage: String,
        what: String,
        why: String,
        before_hash: ContentHash,
        after_hash: ContentHash,
    },
    ArtifactPublished {
        hash: ContentHash,
        kind: String,
        name: String,
        provenance_hash: ContentHash,
    },
    /// One governed evaluator judgement (`evaluator.judge`, called per item from inside a step): the item,
    /// the rubric, the evidence bundle's hash, the verdict and who judged (a model, or `builtin:<rubric>`).
    EvaluatorVerdict {
        step: String,
        rubric: String,
        item: String,
        bundle_hash: ContentHash,
        verdict: String,
        judged_by: String,
        result_hash: ContentHash,
    },
    ProofRecord {
        step: String,
        verdicts: Vec<CriterionVerdict>,
    },
    Approval {
        step: String,
        principal: String,
    },
    Rejection {
        step: String,
        principal: String,
    },
    Repair {
        step: String,
        reason: String,
        patch_hash: ContentHash,
    },
    RunSealed {
        program_id: String,
        program_hash: ContentHash,
    },
    BudgetStop {
        /// Which budget ran out, e.g. `cost_usd`, `model_calls`, `wall_ms`.
        budget: String,
        limit: String,
        spent: String,
    },
    Note {
        text: String,
    },
}

impl LedgerEvent {
    /// The `type` tag, as stored in the `event_type` column.
    pub fn kind(&self) -> &'static str {
        match self {
            LedgerEvent::PlanCompiled { .. } => "plan_compiled",
            LedgerEvent::ProfileFrozen { .. } => "profile_frozen",
            LedgerEvent::RunStarted { .. } => "run_started",
            LedgerEvent::RunFinished { .. } => "run_finished",
            LedgerEvent::StepStarted { .. } => "step_started",
            LedgerEvent::StepFinished { .. } => "step_finished",
            LedgerEvent::AttemptStarted { .. } => "attempt_started",
            LedgerEvent::AttemptFinished { .. } => "attempt_finished",
            LedgerEvent::ModelCall { .. } => "model_call",
            LedgerEvent::ToolCall { .. } => "tool_call",
            LedgerEvent::ValidationStage { .. } => "validation_stage",
            LedgerEvent::Correction { .. } => "correction",
            LedgerEvent::ArtifactPublished { .. } => "artifact_published",
            LedgerEvent::ProofRecord { .. } => "proof_record",
            LedgerEvent::EvaluatorVerdict { .. } => "evaluator_verdict",
            LedgerEvent::Approval { .. } => "approval",
            LedgerEvent::Rejection { .. } => "rejection",
            LedgerEvent::Repair { .. } => "repair",
            LedgerEvent::RunSealed { .. } => "run_sealed",
            LedgerEvent::BudgetStop { .. } => "budget_stop",
            LedgerEvent::Note { .. } => "note",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    Succeeded,
    Failed,
    Cancelled,
    BudgetStopped,
    /// A gate was not decided before its expiry.
    Expired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    Succeeded,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageOutcome {
    Pass,
    Corrected,
    Rejected,
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    Inconclusive,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionVerdict {
    pub criterion: String,
    pub verdict: Verdict,
}

/// What the platform measured for one attempt (the full receipt lives in R2 under `receipt_hash`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptSummary {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    pub wall_ms: u64,
    pub cpu_ms: u64,
    pub output_bytes: u64,
    pub receipt_hash: ContentHash,
    /// The container instance and the isolation layers in force (and missing) for the attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<writ_sandbox_policy::Placement>,
}

/// A non-negative US dollar amount as a plain decimal string (`"0"`, `"0.0042"`); no sign, no exponent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct UsdAmount(String);

impl UsdAmount {
    pub fn parse(text: &str) -> Result<Self, crate::LedgerError> {
        let bad = || crate::LedgerError::BadAmount(text.to_string());
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (text, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || frac.is_some_and(|f| !all_digits(f)) {
            return Err(bad());
        }
        // One spelling per amount keeps hashes stable: no leading zeros ("007") and no trailing zeros ("1.50").
        if whole.len() > 1 && whole.starts_with('0') {
            return Err(bad());
        }
        if frac.is_some_and(|f| f.ends_with('0')) {
            return Err(bad());
        }
        Ok(UsdAmount(text.to_string()))
    }

    pub fn zero() -> Self {
        UsdAmount("0".to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for UsdAmount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        UsdAmount::parse(&s).map_err(serde::de::Error::custom)
    }
}
