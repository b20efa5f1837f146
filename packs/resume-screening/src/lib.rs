//! The resume-screening pack's code. See this folder's README.md.
//!
//! - [`evaluator`]: the built-in evaluator of rubric `resume-screening.candidate` (the posting's rules as
//!   code, read from the evidence bundle).
//! - [`checks`]: the domain validators and rubric checks, one per file.

pub mod checks;
pub mod evaluator;
pub mod text;

use writ_pack::PackCode;

/// What this pack implements, by the ids its declarations use.
pub const PACK: PackCode = PackCode {
    name: "resume-screening",
    checks: checks::CHECKS,
    tools: &[],
    evaluators: &[(evaluator::RUBRIC, evaluator::judge)],
};
