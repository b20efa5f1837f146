//! `site.entries_resolved` (rubric check, on the page manifest against the site manifest, slot `manifest`):
//! the page manifest has one entry per manifest page, in order, with the same path, kind and title, every
//! spec with its value, the same related products (with their titles), and, for a category page, exactly
//! the manifest's products of that category (by `category`) in manifest order.
//!
//! Why: pages are generated from their entries alone; an entry that dropped a spec or a product makes a page
//! that cannot be right, however well it is rendered. Failing example: the `drills` category entry listing
//! 23 of its 24 products gives one `L1302` at `/pages/1/products` naming the missing product.

use std::collections::BTreeMap;

use serde_json::Value;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use crate::codes;
use crate::site::Entry;

fn category(page: &Value) -> Option<String> {
    match page.get("category") {
        Some(Value::String(c)) if !c.trim().is_empty() => Some(c.trim().to_string()),
        _ => page
            .get("path")
            .and_then(Value::as_str)
            .and_then(|p| p.split_once('/'))
            .map(|(dir, _)| dir.to_string()),
    }
}

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !super::concerns(input, "page_manifest") {
        return out;
    }
    let Some(entries) = super::page_entries(input, &mut out) else {
        return out;
    };
    let Some(manifest) = super::slot(input, "manifest", &mut out) else {
        return out;
    };
    let slot = input.slot_param("page_manifest", "page_manifest");
    let Some(pages) = manifest.get("pages").and_then(Value::as_array) else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "",
            "the site manifest has no `pages` array",
        ));
        return out;
    };
    if pages.len() != entries.len() {
        out.push(diag::error(
            codes::ENTRY_UNRESOLVED,
            input.pointer(slot, "/pages"),
            format!(
                "{} entries for {} manifest pages",
                entries.len(),
                pages.len()
            ),
        ));
    }
    let title_of: BTreeMap<&str, &str> = pages
        .iter()
        .filter_map(|p| {
            Some((
                p.get("path")?.as_str()?,
                p.get("title")?.as_str().unwrap_or(""),
            ))
        })
        .collect();
    let mut products: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for p in pages {
        if p.get("kind").and_then(Value::as_str) == Some("product") {
            if let (Some(c), Some(path)) = (category(p), p.get("path").and_then(Value::as_str)) {
                products.entry(c).or_default().push(path);
            }
        }
    }
    for (i, (page, e)) in pages.iter().zip(&entries).enumerate() {
        let want = Entry::read(page);
        let at = |what: &str| input.pointer(slot, &format!("/pages/{i}{what}"));
        let mut differ = |what: &str, message: String| {
            out.push(diag::error(
                codes::ENTRY_UNRESOLVED,
                at(what),
                format!("/pages/{i} ({}): {message}", want.path),
            ))
        };
        if e.path != want.path
            || e.title != want.title
            || (!want.kind.is_empty() && e.kind != want.kind)
        {
            differ(
                "",
                format!(
                    "the entry is {} \"{}\" ({}), the manifest page {} \"{}\" ({})",
                    e.path, e.title, e.kind, want.path, want.title, want.kind
                ),
            );
        }
        if e.specs != want.specs {
            differ(
                "/specs",
                format!("specs {:?}, the manifest says {:?}", e.specs, want.specs),
            );
        }
        let related: Vec<(&str, &str)> = e
            .related
            .iter()
            .map(|t| (t.path.as_str(), t.title.as_str()))
            .collect();
        let want_related: Vec<(&str, &str)> = want
            .related
            .iter()
            .map(|t| {
                (
                    t.path.as_str(),
                    title_of.get(t.path.as_str()).copied().unwrap_or(""),
                )
            })
            .collect();
        if related != want_related {
            differ(
                "/related",
                format!("related {related:?}, the manifest gives {want_related:?}"),
            );
        }
        if page.get("kind").and_then(Value::as_str) == Some("category") {
            let want_products: Vec<&str> = category(page)
                .and_then(|c| products.get(&c).cloned())
                .unwrap_or_default();
            let got: Vec<&str> = e.products.iter().map(|t| t.path.as_str()).collect();
            if got != want_products {
                let missing: Vec<&&str> =
                    want_products.iter().filter(|p| !got.contains(p)).collect();
                differ(
                    "/products",
                    format!(
                        "{} products listed, the category has {} (missing: {missing:?})",
                        got.len(),
                        want_products.len()
                    ),
                );
            }
        }
    }
    out
}
