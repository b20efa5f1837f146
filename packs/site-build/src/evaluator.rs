//! The built-in evaluator of rubric `site.page_review`: the per-page verdict of `verify_pages`, as code.
//!
//! It judges one page on the evidence bundle the step assembled, reading everything item-specific from it:
//! - an item of `"type": "page_entry"`: the page's entry (path, kind, title, specs as `[{name, value}]`,
//!   related products and category products as `[{path, title}]`);
//! - `"type": "navigation"`: `items` (`[{title, path}]`), every entry the page's `<nav>` must link;
//! - `"type": "assets"`: `stylesheet`, the site path of the stylesheet the page must link;
//! - `"type": "page_html"`: the page as rendered (`html`);
//! - `"type": "site_files"`: `present`, the site paths (among those the page links) that are files of the
//!   site; a link to any other path is broken.
//!
//! It parses the HTML itself, resolves every link relative to the page, and returns
//! `{"verdict": "pass"|"fail", "reasons": [...], "criteria": [{"id", "label": "pass"|"fail", "evidence":
//! [indexes], "reasons": [...]}]}` where every reason names the evidence it comes from.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use writ_pack::ToolError;

use crate::site::{self, Context, Entry};

/// The rubric id this evaluator serves.
pub const RUBRIC: &str = "site.page_review";

/// Which evidence items each criterion reads (by the `type` of the item).
fn sources(id: &str) -> &'static [&'static str] {
    match id {
        "stylesheet_linked" => &["assets", "page_html"],
        "navigation_complete" => &["navigation", "page_html"],
        "links_resolve" => &["site_files", "page_html"],
        _ => &["page_entry", "page_html"],
    }
}

fn item<'a>(evidence: &'a [Value], kind: &str) -> Result<(usize, &'a Value), ToolError> {
    evidence
        .iter()
        .enumerate()
        .find(|(_, e)| e.get("type").and_then(Value::as_str) == Some(kind))
        .ok_or_else(|| ToolError::Invalid {
            pointer: "/evidence".into(),
            message: format!("the evidence has no item of type `{kind}`"),
        })
}

fn string<'a>(value: &'a Value, pointer: String, key: &str) -> Result<&'a str, ToolError> {
    match value.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(ToolError::WrongType {
            pointer: format!("{pointer}/{key}"),
            expected: "a string",
        }),
        None => Err(ToolError::MissingField {
            pointer: format!("{pointer}/{key}"),
        }),
    }
}

/// `evaluator.judge` for rubric `site.page_review`.
pub fn judge(args: &Value) -> Result<Value, ToolError> {
    let evidence = match args.get("evidence") {
        Some(Value::Array(list)) => list.as_slice(),
        Some(_) => {
            return Err(ToolError::WrongType {
                pointer: "/evidence".into(),
                expected: "an array of evidence items",
            })
        }
        None => {
            return Err(ToolError::MissingField {
                pointer: "/evidence".into(),
            })
        }
    };
    let (entry_at, entry_value) = item(evidence, "page_entry")?;
    let (nav_at, nav_value) = item(evidence, "navigation")?;
    let (assets_at, assets_value) = item(evidence, "assets")?;
    let (html_at, html_value) = item(evidence, "page_html")?;
    let (files_at, files_value) = item(evidence, "site_files")?;
    let entry = Entry::read(entry_value);
    if entry.path.is_empty() {
        return Err(ToolError::MissingField {
            pointer: format!("/evidence/{entry_at}/path"),
        });
    }
    let navigation = site::nav_items(nav_value).ok_or_else(|| ToolError::MissingField {
        pointer: format!("/evidence/{nav_at}/items"),
    })?;
    let stylesheet = string(assets_value, format!("/evidence/{assets_at}"), "stylesheet")?;
    let html = string(html_value, format!("/evidence/{html_at}"), "html")?;
    let present: BTreeSet<&str> = match files_value.get("present") {
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => {
            return Err(ToolError::MissingField {
                pointer: format!("/evidence/{files_at}/present"),
            })
        }
    };
    let exists = |path: &str| present.contains(path);
    let cx = Context {
        navigation: &navigation,
        stylesheet,
        exists: &exists,
    };
    let at = |kind: &str| match kind {
        "page_entry" => entry_at,
        "navigation" => nav_at,
        "assets" => assets_at,
        "site_files" => files_at,
        _ => html_at,
    };
    let mut reasons = Vec::new();
    let mut criteria = Vec::new();
    for criterion in site::review(&entry, html, &cx) {
        let cited: Vec<usize> = sources(criterion.id).iter().map(|k| at(k)).collect();
        let cite = cited
            .iter()
            .map(|i| format!("evidence {i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let label = if criterion.problems.is_empty() {
            "pass"
        } else {
            "fail"
        };
        for p in &criterion.problems {
            reasons.push(format!("{}: {p} ({cite})", criterion.id));
        }
        criteria.push(json!({
            "id": criterion.id,
            "label": label,
            "evidence": cited,
            "reasons": criterion.problems,
        }));
    }
    let verdict = if reasons.is_empty() { "pass" } else { "fail" };
    if reasons.is_empty() {
        reasons.push(format!(
            "{}: the stylesheet, all {} navigation entries, {} specs, {} related and {} category products are present and every link resolves (evidence {entry_at}, {nav_at}, {assets_at}, {html_at}, {files_at})",
            entry.path,
            navigation.len(),
            entry.specs.len(),
            entry.related.len(),
            entry.products.len()
        ));
    }
    Ok(json!({"verdict": verdict, "reasons": reasons, "criteria": criteria}))
}
