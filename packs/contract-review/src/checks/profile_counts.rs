//! `contract.profile_counts` (validator, `batch_profile`): the batch profile adds up — `files` equals the
//! number of `documents`, `readable` equals `files` minus the `unreadable` list, every unreadable file has a
//! reason and is a document with that error, and documents are listed once each, sorted by file name.
//!
//! Why: the profile is what says how many contracts the run must account for; a profile that loses a file
//! lets a contract disappear without a trace.
//!
//! Failing example: `{"files": 3, "readable": 3, "unreadable": [{"file": "VC-0009.txt", "reason": "VC-0009.txt
//! is empty"}], "documents": [... three ...]}` — `readable` should be 2.

use serde_json::Value;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let v = input.value;
    let docs = match v.get("documents") {
        Some(Value::Array(d)) => d,
        _ => {
            out.push(diag::error(
                diag::DOMAIN_INPUT,
                "/documents",
                "the profile has no `documents` list",
            ));
            return out;
        }
    };
    let unreadable = match v.get("unreadable") {
        Some(Value::Array(u)) => u.as_slice(),
        _ => {
            out.push(diag::error(
                diag::DOMAIN_INPUT,
                "/unreadable",
                "the profile has no `unreadable` list",
            ));
            &[]
        }
    };
    let files = v.get("files").and_then(Value::as_u64);
    if files != Some(docs.len() as u64) {
        out.push(diag::error(
            diag::PROFILE_COUNTS,
            "/files",
            format!(
                "`files` is {files:?} but {} documents are profiled",
                docs.len()
            ),
        ));
    }
    let readable = v.get("readable").and_then(Value::as_u64);
    let expected = (docs.len() as u64).saturating_sub(unreadable.len() as u64);
    if readable != Some(expected) {
        out.push(diag::error(
            diag::PROFILE_COUNTS,
            "/readable",
            format!(
                "`readable` is {readable:?}, expected {expected} ({} documents, {} unreadable)",
                docs.len(),
                unreadable.len()
            ),
        ));
    }
    let names: Vec<&str> = docs
        .iter()
        .map(|d| d.get("file").and_then(Value::as_str).unwrap_or(""))
        .collect();
    for (i, w) in names.windows(2).enumerate() {
        if let [a, b] = w {
            if a >= b {
                out.push(diag::error(
                    diag::PROFILE_COUNTS,
                    format!("/documents/{}/file", i + 1),
                    format!(
                        "documents are not sorted by file name without repeats (`{a}` then `{b}`)"
                    ),
                ));
            }
        }
    }
    for (i, u) in unreadable.iter().enumerate() {
        let file = u.get("file").and_then(Value::as_str).unwrap_or("");
        let reason = u.get("reason").and_then(Value::as_str).unwrap_or("");
        if file.is_empty() || reason.is_empty() {
            out.push(diag::error(
                diag::PROFILE_INCOMPLETE,
                format!("/unreadable/{i}"),
                "an unreadable file without its name or reason",
            ));
            continue;
        }
        let doc = docs
            .iter()
            .find(|d| d.get("file").and_then(Value::as_str) == Some(file));
        if doc
            .and_then(|d| d.get("error"))
            .and_then(Value::as_str)
            .is_none()
        {
            out.push(diag::error(
                diag::PROFILE_COUNTS,
                format!("/unreadable/{i}/file"),
                format!("`{file}` is listed unreadable but its document has no error"),
            ));
        }
    }
    out
}
