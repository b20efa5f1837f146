//! `site.pages_complete` (validator, on a bundle, against `page_manifest`): every page entry has its file
//! in the bundle, at its path.
//!
//! Why: a page that was not generated is a hole every link to it falls into; the site is published whole or
//! not at all. Failing example: a bundle without `saws/index.html` gives one `L1305` naming `/pages/2`.

use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use crate::codes;

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some((name, files)) = super::bundle(input, &mut out) else {
        return out;
    };
    let Some(entries) = super::page_entries(input, &mut out) else {
        return out;
    };
    for (i, e) in entries.iter().enumerate() {
        if !files.contains_key(e.path.as_str()) {
            out.push(diag::error(
                codes::PAGE_MISSING,
                input.pointer(name, ""),
                format!(
                    "/pages/{i} ({}, \"{}\") has no file in the bundle",
                    e.path, e.title
                ),
            ));
        }
    }
    out
}
