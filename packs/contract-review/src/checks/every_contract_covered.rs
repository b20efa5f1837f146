//! `contract.every_contract_covered` (rubric check; `deviations` or `exceptions` of the merge step): every
//! contract of the batch profile (param `profile`, default `batch_profile`) is accounted for clause by
//! clause — a readable contract has, for each of the thirteen clauses, a row in `clauses` (param `clauses`)
//! or an exception naming that clause; an unreadable file has a whole-file exception naming the file; no
//! table names a contract the batch does not have.
//!
//! Why: the bad-input rule — a contract whose clause cannot be located is reported, never dropped,
//! and an empty or non-UTF-8 file is a precise error naming the file.
//!
//! Failing example: the profile lists `VC-0007.txt` (readable), `clauses` has twelve of its clauses and
//! `exceptions` has no row for the thirteenth.

use std::collections::BTreeSet;

use serde_json::Value;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use super::common::{cell, clause_list, rows};

fn stem(file: &str) -> &str {
    file.rsplit_once('.').map_or(file, |(s, _)| s)
}

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let profile_slot = input.slot_param("profile", "batch_profile");
    let Some(profile) = input.slot(profile_slot) else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "",
            format!("`{profile_slot}` is not among the related artifacts"),
        ));
        return out;
    };
    let Some(Value::Array(docs)) = profile.get("documents") else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            input.pointer(profile_slot, "/documents"),
            "no documents",
        ));
        return out;
    };
    let clauses_slot = input.slot_param("clauses", "clauses");
    let exceptions_slot = input.slot_param("exceptions", "exceptions");
    let (Some(clauses), Some(exceptions)) = (
        rows(input, clauses_slot, &mut out),
        rows(input, exceptions_slot, &mut out),
    ) else {
        return out;
    };
    let located: BTreeSet<(String, String)> = clauses
        .iter()
        .filter_map(|r| Some((cell(r, "contract_id")?, cell(r, "clause")?)))
        .collect();
    let excepted: BTreeSet<(String, String)> = exceptions
        .iter()
        .filter_map(|r| {
            Some((
                cell(r, "contract_id")?,
                cell(r, "clause").unwrap_or_default(),
            ))
        })
        .collect();
    let mut known = BTreeSet::new();
    for (i, d) in docs.iter().enumerate() {
        let file = d.get("file").and_then(Value::as_str).unwrap_or("");
        let id = stem(file).to_string();
        known.insert(id.clone());
        let pointer = input.pointer(profile_slot, &format!("/documents/{i}"));
        if d.get("error").and_then(Value::as_str).is_some() {
            let named = exceptions.iter().any(|r| {
                cell(r, "contract_id").as_deref() == Some(id.as_str())
                    && cell(r, "clause").unwrap_or_default().is_empty()
                    && cell(r, "reason").is_some_and(|reason| reason.contains(file))
            });
            if !named {
                out.push(diag::error(
                    diag::ITEM_UNACCOUNTED,
                    pointer,
                    format!("`{file}` cannot be read but no exception names the file"),
                ));
            }
            continue;
        }
        if excepted.contains(&(id.clone(), String::new())) {
            continue;
        }
        for code in clause_list() {
            let key = (id.clone(), code.to_string());
            if !located.contains(&key) && !excepted.contains(&key) {
                out.push(diag::error(
                    diag::ITEM_UNACCOUNTED,
                    pointer.clone(),
                    format!("{id}: clause {code} is neither located nor reported as an exception"),
                ));
            }
        }
    }
    let slot = input.artifact.name.as_str();
    for (name, list) in [
        (slot, input.slot(slot)),
        (clauses_slot, Some(&Value::Null)),
        (exceptions_slot, None),
    ] {
        let list = match list {
            Some(Value::Array(l)) => l,
            Some(Value::Null) => clauses,
            _ => exceptions,
        };
        for (i, r) in list.iter().enumerate() {
            if let Some(id) = cell(r, "contract_id") {
                if !known.contains(&id) {
                    out.push(diag::error(
                        diag::ITEM_UNACCOUNTED,
                        input.pointer(name, &format!("/{i}/contract_id")),
                        format!("`{id}` is not a contract of the batch"),
                    ));
                }
            }
        }
    }
    out
}
