//! The site-build pack's validators and rubric checks, one per file. Each reads the artifact under check and
//! the related artifacts it needs by slot (a parameter of the same name overrides the default slot).
//!
//! A `web.bundle.static` artifact reaches a check as a JSON object `{site path: file text}` (or
//! `{"files": {...}}`); a JSON artifact as its value; a table as JSON rows.

use std::collections::BTreeMap;

use serde_json::Value;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;
use writ_pack::Check;

use crate::site;

mod entries_resolved;
mod links_resolve;
mod navigation_complete;
mod navigation_everywhere;
mod page_content;
mod pages_complete;
mod paths_unique;
mod related_exist;
mod site_whole;
mod sitemap_complete;
mod stylesheet_theme;
mod verdicts_cover_pages;
mod verdicts_pass;

/// Every site-build validator and rubric check, by registered id.
pub const CHECKS: &[(&str, Check)] = &[
    ("site.paths_unique", paths_unique::check),
    ("site.related_exist", related_exist::check),
    ("site.entries_resolved", entries_resolved::check),
    ("site.stylesheet_theme", stylesheet_theme::check),
    ("site.navigation_complete", navigation_complete::check),
    ("site.page_content", page_content::check),
    ("site.pages_complete", pages_complete::check),
    ("site.links_resolve", links_resolve::check),
    ("site.navigation_everywhere", navigation_everywhere::check),
    ("site.sitemap_complete", sitemap_complete::check),
    ("site.verdicts_cover_pages", verdicts_cover_pages::check),
    ("site.verdicts_pass", verdicts_pass::check),
    ("site.site_whole", site_whole::check),
];

/// The related artifact (or the artifact itself) of slot `name` (overridable by the parameter `name`).
fn slot<'a>(
    input: &DomainInput<'a>,
    name: &'a str,
    out: &mut Vec<Diagnostic>,
) -> Option<&'a Value> {
    let slot = input.slot_param(name, name);
    let found = input.slot(slot);
    if found.is_none() {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "",
            format!("`{slot}` is not among the artifact and its related artifacts"),
        ));
    }
    found
}

/// Whether the artifact under check is the one a check is about: the slot `name` (or the slot its parameter
/// of that name gives). The ladder runs a step's checks on each of its outputs; a check passes the others.
fn concerns(input: &DomainInput<'_>, name: &str) -> bool {
    input.artifact.name == input.slot_param(name, name)
}

/// The bundle under check: the artifact itself when it is a `web.bundle.static` (a check about bundles passes
/// the step's other outputs), or the slot named by the parameter `bundle`.
fn bundle<'a>(
    input: &DomainInput<'a>,
    out: &mut Vec<Diagnostic>,
) -> Option<(&'a str, BTreeMap<&'a str, &'a str>)> {
    if input.params.get("bundle").is_none() && input.artifact.kind != "web.bundle.static" {
        return None;
    }
    let name = input.slot_param("bundle", input.artifact.name.as_str());
    let value = input.slot(name);
    match value.and_then(site::bundle) {
        Some(files) => Some((name, files)),
        None => {
            out.push(diag::error(
                diag::DOMAIN_INPUT,
                input.pointer(name, ""),
                format!("`{name}` is not a site bundle (an object of path -> text)"),
            ));
            None
        }
    }
}

/// The page entries of the page manifest (slot `page_manifest`).
fn page_entries(input: &DomainInput<'_>, out: &mut Vec<Diagnostic>) -> Option<Vec<site::Entry>> {
    let value = slot(input, "page_manifest", out)?;
    let found = site::entries(value);
    if found.is_none() {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            input.pointer(input.slot_param("page_manifest", "page_manifest"), "/pages"),
            "the page manifest has no `pages` array",
        ));
    }
    found
}

/// Whether `path` is an HTML page of a bundle.
fn is_html(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".html") || lower.ends_with(".htm")
}
