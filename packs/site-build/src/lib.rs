//! The site-build pack's code: its validators and rubric checks (`checks`, one per file), the built-in
//! evaluator of rubric `site.page_review` (`evaluator`), and what they share (`site`: artifacts, URL
//! resolution, the review of one page; `html`: a small HTML scanner). Its declarations, template, schemas
//! and reference programs are the data files of this folder; see README.md.

pub mod checks;
pub mod codes;
pub mod evaluator;
pub mod html;
pub mod site;

pub use checks::CHECKS;
use writ_pack::PackCode;

/// What this pack implements, by the ids its declarations use.
pub const PACK: PackCode = PackCode {
    name: "site-build",
    checks: CHECKS,
    tools: &[],
    evaluators: &[(evaluator::RUBRIC, evaluator::judge)],
};
