//! `site.verdicts_cover_pages` (validator, on the verdicts table, against `page_manifest`): one verdict row
//! per page entry, naming its path; no row for anything else.
//!
//! Why: a page without a verdict was never verified; a shard lost in a fan-out shows here first. Failing
//! example: 499 rows for 500 pages gives one `L1312` naming the page without a verdict.

use std::collections::BTreeMap;

use serde_json::Value;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use crate::codes;

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !super::concerns(input, "verdicts") {
        return out;
    }
    let name = input.artifact.name.as_str();
    let Some(rows) = input.slot(name).and_then(Value::as_array) else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "",
            format!("`{name}` is not a table of verdicts"),
        ));
        return out;
    };
    let Some(entries) = super::page_entries(input, &mut out) else {
        return out;
    };
    let mut rows_of: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        rows_of
            .entry(r.get("path").and_then(Value::as_str).unwrap_or(""))
            .or_default()
            .push(i);
    }
    for (i, e) in entries.iter().enumerate() {
        match rows_of.remove(e.path.as_str()) {
            Some(list) if list.len() == 1 => {}
            Some(list) => out.push(diag::error(
                codes::VERDICT_MISSING,
                input.pointer(name, &format!("/{}/path", list[1])),
                format!("{} (/pages/{i}) has {} verdicts", e.path, list.len()),
            )),
            None => out.push(diag::error(
                codes::VERDICT_MISSING,
                input.pointer(name, ""),
                format!("{} (/pages/{i}) has no verdict", e.path),
            )),
        }
    }
    for (path, list) in rows_of {
        for i in list {
            out.push(diag::error(
                codes::VERDICT_MISSING,
                input.pointer(name, &format!("/{i}/path")),
                format!("the verdict for \"{path}\" names no page of the manifest"),
            ));
        }
    }
    out
}
