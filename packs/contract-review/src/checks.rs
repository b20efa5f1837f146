//! The contract-review pack's validators and rubric checks, one per file.

use writ_pack::Check;

/// Every contract-review check, by registered id.
pub const CHECKS: &[(&str, Check)] = &[];
