//! The contract-review pack's code: its checks (one per file under `checks/`) and the built-in evaluator of
//! the deviation rubric (`evaluator`). Its declarations, template, schemas and reference programs are the data
//! files of this folder; see README.md.

pub mod checks;
pub mod evaluator;

use writ_pack::PackCode;

/// What this pack implements, by the ids its declarations use.
pub const PACK: PackCode = PackCode {
    name: "contract-review",
    checks: checks::CHECKS,
    tools: &[],
    evaluators: &[(evaluator::RUBRIC, evaluator::judge)],
};
