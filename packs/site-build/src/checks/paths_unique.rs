//! `site.paths_unique` (validator, on the page manifest): every page has its own path, and every path can
//! be a file of a static site folder (relative, no empty, `.` or `..` segment, no `\`, `?` or `#`, not the
//! site's `sitemap.xml`).
//!
//! Why: two pages with one path would overwrite each other in `site/` — one page silently lost, and every
//! link to it showing the other. Failing example: `/pages/3` and `/pages/9` both at `drills/index.html`
//! gives one `L1300` at `/pages/9/path` naming `/pages/3`.

use std::collections::BTreeMap;

use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use crate::codes;

/// Why `path` cannot be a file of a site folder.
pub fn path_problem(path: &str) -> Option<&'static str> {
    if path.trim().is_empty() {
        return Some("is empty");
    }
    if path.starts_with('/') || path.contains("://") {
        return Some("is not relative");
    }
    if path.contains(['\\', '?', '#']) {
        return Some("holds '\\', '?' or '#'");
    }
    if path
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Some("has an empty, '.' or '..' segment");
    }
    if path == "sitemap.xml" {
        return Some("is the site's sitemap.xml");
    }
    None
}

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !super::concerns(input, "page_manifest") {
        return out;
    }
    let Some(entries) = super::page_entries(input, &mut out) else {
        return out;
    };
    let slot = input.slot_param("page_manifest", "page_manifest");
    let mut first: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        let at = input.pointer(slot, &format!("/pages/{i}/path"));
        if let Some(why) = path_problem(&e.path) {
            out.push(diag::error(
                codes::PATH_CONFLICT,
                at,
                format!("the path \"{}\" of /pages/{i} {why}", e.path),
            ));
            continue;
        }
        match first.get(e.path.as_str()) {
            Some(&j) => out.push(diag::error(
                codes::PATH_CONFLICT,
                at,
                format!(
                    "/pages/{j} (\"{}\") and /pages/{i} (\"{}\") share the path {}",
                    entries[j].title, e.title, e.path
                ),
            )),
            None => {
                first.insert(&e.path, i);
            }
        }
    }
    out
}
