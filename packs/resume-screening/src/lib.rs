//! The resume-screening pack's code. See this folder's README.md.

use writ_pack::PackCode;

/// What this pack implements, by the ids its declarations use.
pub const PACK: PackCode = PackCode {
    name: "resume-screening",
    checks: &[],
    tools: &[],
    evaluators: &[],
};
