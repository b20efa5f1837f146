//! The billing-audit pack's code: its validators and rubric checks (`checks`), its platform tool
//! `billing.review_flags` (`tools`) and the built-in evaluator of rubric `billing.review_flags` (`evaluator`:
//! the same section 7, as the governed evaluator's verdict on one entry). Its declarations, template, schemas and reference programs are the data
//! files of this folder; see README.md.

mod checks;
mod evaluator;
mod tools;

pub use checks::CHECKS;
use writ_pack::PackCode;

/// What this pack implements, by the ids its declarations use.
pub const PACK: PackCode = PackCode {
    name: "billing-audit",
    checks: CHECKS,
    tools: &[(tools::review_flags::NAME, tools::review_flags::call)],
    evaluators: &[(evaluator::RUBRIC, evaluator::judge)],
};
