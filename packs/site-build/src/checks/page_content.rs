//! `site.page_content` (rubric check, on the rendered pages, against `page_manifest`, `navigation` and
//! `asset_manifest`): every page of the bundle that has an entry links the stylesheet, carries every
//! navigation entry in a `<nav>`, shows its title as `<h1>` and every spec of its entry with its value in a
//! table row, links every related product and, for a category, every product; and every link it holds leads
//! to a page of the bundle or a file of the asset manifest.
//!
//! Why: the same review the evaluator gives each page, as a deterministic gate on the artifact. Failing
//! example: a product page whose table lacks `voltage_v` gives one `L1308` at that page's file.

use writ_ladder::diag::Diagnostic;
use writ_ladder::stages::domain::DomainInput;

use crate::site::{self, Context};

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some((name, files)) = super::bundle(input, &mut out) else {
        return out;
    };
    let Some(entries) = super::page_entries(input, &mut out) else {
        return out;
    };
    let (Some(nav), Some(assets)) = (
        super::slot(input, "navigation", &mut out),
        super::slot(input, "asset_manifest", &mut out),
    ) else {
        return out;
    };
    let (Some(navigation), Some(stylesheet)) = (site::nav_items(nav), site::stylesheet(assets))
    else {
        out.push(writ_ladder::diag::error(
            writ_ladder::diag::DOMAIN_INPUT,
            "",
            "the navigation has no items or the asset manifest no stylesheet",
        ));
        return out;
    };
    let asset_paths: Vec<&str> = assets
        .get("files")
        .and_then(serde_json::Value::as_array)
        .map(|l| l.iter().filter_map(|f| f.get("path")?.as_str()).collect())
        .unwrap_or_default();
    let exists = |p: &str| files.contains_key(p) || asset_paths.contains(&p);
    let cx = Context {
        navigation: &navigation,
        stylesheet: &stylesheet,
        exists: &exists,
    };
    for entry in &entries {
        if let Some(html) = files.get(entry.path.as_str()) {
            super::site_whole::report(input, name, entry, html, &cx, &mut out);
        }
    }
    out
}
