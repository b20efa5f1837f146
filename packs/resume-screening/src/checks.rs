//! The pack's domain validators and rubric checks, one per file under `checks/`.

use writ_pack::Check;

/// Every check this pack implements, by the id `pack.toml` declares.
pub const CHECKS: &[(&str, Check)] = &[];
