//! `resume.every_resume_once` (rubric check on candidates.csv): one row per resume, each resume exactly
//! once, ordered by candidate id.
//!
//! Why: an unreadable resume must stay a row (marked ineligible), never vanish; a shard merged twice must not
//! count a candidate twice. The resumes are the related `screened` table (every shard's rows) or, when the
//! platform relates the batch input, `resumes` (file names or `{"name"}` objects).
//!
//! Failing example: candidates.csv with C-00002 before C-00001 → `L2105` at `/1/candidate_id`; a resume
//! C-00003.txt with no row → `L2105` at `""`.

use std::collections::BTreeSet;

use serde_json::Value;
use writ_pack::{Diagnostic, DomainInput};

use super::{cell, codes, error, has_columns, rows};

fn expected_ids(input: &DomainInput<'_>) -> Option<BTreeSet<String>> {
    let resumes = input.slot(input.slot_param("resumes", "resumes"));
    if let Some(Value::Array(list)) = resumes {
        let ids: BTreeSet<String> = list
            .iter()
            .filter_map(|x| x.as_str().or_else(|| x.get("name").and_then(Value::as_str)))
            .map(|n| n.rsplit_once('.').map_or(n, |(stem, _)| stem).to_string())
            .collect();
        if !ids.is_empty() {
            return Some(ids);
        }
    }
    let screened = input.slot(input.slot_param("screened", "screened"))?;
    Some(
        rows(screened)?
            .iter()
            .map(|r| cell(r, "candidate_id").to_string())
            .collect(),
    )
}

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !has_columns(input.value, &["candidate_id", "eligible"]) {
        return out;
    }
    let rows = rows(input.value).cloned().unwrap_or_default();
    let mut seen = BTreeSet::new();
    let mut previous: Option<&str> = None;
    for (i, row) in rows.iter().enumerate() {
        let id = cell(row, "candidate_id");
        if !seen.insert(id.to_string()) {
            out.push(error(
                codes::RESUME_ONCE,
                format!("/{i}/candidate_id"),
                format!("{id} appears twice"),
            ));
        }
        if previous.is_some_and(|p| p >= id) {
            out.push(error(
                codes::RESUME_ONCE,
                format!("/{i}/candidate_id"),
                format!(
                    "{id} comes after {}: rows must be ordered by candidate id",
                    previous.unwrap_or_default()
                ),
            ));
        }
        previous = Some(id);
    }
    if let Some(expected) = expected_ids(input) {
        let missing: Vec<&String> = expected.difference(&seen).collect();
        let extra: Vec<&String> = seen.difference(&expected).collect();
        if !missing.is_empty() {
            out.push(error(
                codes::RESUME_ONCE,
                "",
                format!(
                    "{} resume(s) have no row: {}",
                    missing.len(),
                    missing
                        .iter()
                        .take(10)
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if !extra.is_empty() {
            out.push(error(
                codes::RESUME_ONCE,
                "",
                format!(
                    "{} row(s) name no resume: {}",
                    extra.len(),
                    extra
                        .iter()
                        .take(10)
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    out
}
