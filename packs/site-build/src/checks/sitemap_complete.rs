//! `site.sitemap_complete` (validator, on a whole site bundle, against `site_info` and `page_manifest`):
//! `sitemap.xml` exists and its `<loc>`s are exactly `<base_url><path>` for every page of the manifest (the
//! base URL with a trailing `/`; percent-encoding aside), each once.
//!
//! Why: the sitemap is how the published site is found under its base URL; a page missing from it is a page
//! search engines do not see. Failing example: a sitemap of 499 URLs gives one `L1311` naming the page left
//! out.

use std::collections::BTreeMap;

use serde_json::Value;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use crate::codes;
use crate::html::decode;
use crate::site::percent_decode;

/// Every `<loc>` of a sitemap, entities decoded, trimmed.
pub fn locs(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<loc>") {
        rest = &rest[start + 5..];
        let Some(end) = rest.find("</loc>") else {
            break;
        };
        out.push(decode(rest[..end].trim()));
        rest = &rest[end + 6..];
    }
    out
}

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some((name, files)) = super::bundle(input, &mut out) else {
        return out;
    };
    let Some(info) = super::slot(input, "site_info", &mut out) else {
        return out;
    };
    let Some(entries) = super::page_entries(input, &mut out) else {
        return out;
    };
    let Some(base) = info.get("base_url").and_then(Value::as_str) else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "",
            "the site info has no base_url",
        ));
        return out;
    };
    let base = base.trim();
    let base = if base.ends_with('/') {
        base.to_string()
    } else {
        format!("{base}/")
    };
    let at = input.pointer(name, "/sitemap.xml");
    let Some(xml) = files.get("sitemap.xml") else {
        out.push(diag::error(
            codes::SITEMAP_INCOMPLETE,
            input.pointer(name, ""),
            "the site has no sitemap.xml",
        ));
        return out;
    };
    let mut listed: BTreeMap<String, usize> = BTreeMap::new();
    for loc in locs(xml) {
        *listed.entry(percent_decode(&loc)).or_default() += 1;
    }
    for (i, e) in entries.iter().enumerate() {
        let want = percent_decode(&format!("{base}{}", e.path));
        match listed.remove(&want) {
            Some(1) => {}
            Some(n) => out.push(diag::error(
                codes::SITEMAP_INCOMPLETE,
                at.clone(),
                format!("{want} (/pages/{i}) is listed {n} times"),
            )),
            None => out.push(diag::error(
                codes::SITEMAP_INCOMPLETE,
                at.clone(),
                format!("{want} (/pages/{i}, \"{}\") is not in sitemap.xml", e.title),
            )),
        }
    }
    for extra in listed.keys() {
        out.push(diag::error(
            codes::SITEMAP_INCOMPLETE,
            at.clone(),
            format!("sitemap.xml lists {extra}, which is no page of the manifest under {base}"),
        ));
    }
    out
}
