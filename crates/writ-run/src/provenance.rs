//! The provenance record an artifact must have before it is published (invariant 3).

use crate::effect::ResolvedInput;
use crate::event::{OutputMeasure, Receipt, ReceiptStatus};
use serde::{Deserialize, Serialize};
use writ_canon::ContentHash;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub run_id: String,
    pub plan_hash: ContentHash,
    pub profile_hash: ContentHash,
    pub step: String,
    pub generation: u32,
    pub contract_hash: ContentHash,
    pub code_hash: ContentHash,
    /// The attempt (or merge) whose outputs are published.
    pub attempt_id: String,
    pub slot: String,
    pub artifact_ref: String,
    pub output: OutputMeasure,
    pub inputs: Vec<ResolvedInput>,
    /// Every receipt the outputs come from (one, or one per shard).
    pub receipts: Vec<ReceiptDigest>,
    pub model_calls: u64,
    pub tokens: u64,
    pub cost_micros: u64,
    pub tool_calls: u64,
    pub validation_report: ContentHash,
    pub audit_proof: ContentHash,
}

/// What provenance keeps of a receipt: the measured facts and the hash of the whole receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptDigest {
    pub attempt_id: String,
    pub status: ReceiptStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_hash: Option<ContentHash>,
    /// `None` only when the receipt cannot be hashed (a receipt that cannot be hashed cannot be cited,
    /// so provenance built on it is incomplete).
    pub receipt_hash: Option<ContentHash>,
}

impl ReceiptDigest {
    pub fn of(attempt_id: &str, receipt: &Receipt) -> ReceiptDigest {
        ReceiptDigest {
            attempt_id: attempt_id.to_string(),
            status: receipt.status,
            exit_code: receipt.exit_code,
            duration_ms: receipt.duration_ms,
            code_hash: receipt.code_hash,
            receipt_hash: writ_canon::hash_of(receipt).ok(),
        }
    }
}
