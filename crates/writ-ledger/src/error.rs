//! Errors from sealing entries. Each has a stable code (`LedgerError::code`) for logs and problem+json.

use writ_canon::CanonError;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error(transparent)]
    Canon(#[from] CanonError),
    #[error("`{0}` is not a USD amount: expected a plain non-negative decimal such as `0.0042`")]
    BadAmount(String),
    #[error("`{0}` is not an RFC 3339 timestamp such as `2025-01-31T12:00:00Z`")]
    BadTimestamp(String),
    #[error("{what} `{value}` is invalid: {reason}")]
    BadId {
        what: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("{what} {value} does not fit a Postgres bigint")]
    OutOfRange { what: &'static str, value: u64 },
    #[error("entry (run {run_id}, seq {seq}) belongs to tenant `{found}`, not to the chain of `{expected}`")]
    WrongTenant {
        expected: String,
        found: String,
        run_id: String,
        seq: u64,
    },
    #[error(
        "run {run_id} already belongs to tenant `{owner}`; tenant `{tenant}` cannot append to it"
    )]
    RunOfOtherTenant {
        run_id: String,
        owner: String,
        tenant: String,
    },
    #[error(
        "run {run_id} expects seq {expected} next, got {found}: entries are missing from the batch"
    )]
    SeqGap {
        run_id: String,
        expected: u64,
        found: u64,
    },
    #[error("stored head of tenant `{tenant}` is invalid: {reason}")]
    BadHead { tenant: String, reason: String },
}

impl LedgerError {
    pub fn code(&self) -> &'static str {
        match self {
            LedgerError::Canon(_) => "ledger.canon",
            LedgerError::BadAmount(_) => "ledger.bad_amount",
            LedgerError::BadTimestamp(_) => "ledger.bad_timestamp",
            LedgerError::BadId { .. } => "ledger.bad_id",
            LedgerError::OutOfRange { .. } => "ledger.out_of_range",
            LedgerError::WrongTenant { .. } => "ledger.wrong_tenant",
            LedgerError::RunOfOtherTenant { .. } => "ledger.run_of_other_tenant",
            LedgerError::SeqGap { .. } => "ledger.seq_gap",
            LedgerError::BadHead { .. } => "ledger.bad_head",
        }
    }
}
