//! Entry identity across the per-entry tables: ids known (`billing.entry_ids_known`) and every entry once,
//! in entry_id order (`billing.every_entry_once`).

use std::collections::HashSet;

use serde_json::Value;

use super::common::{cell, concerns, entry_order_key, entry_source, ENTRY_TABLES};
use super::{entries_once_between, rows};
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::patch::{child, index_child};
use writ_ladder::stages::domain::DomainInput;

/// Columns that name another entry (an exclusion's `duplicate_of`), checked like `entry_id`.
const REFERENCE_COLUMNS: [&str; 2] = ["entry_id", "duplicate_of"];

/// A table output whose rows carry entry ids: a per-entry table, or any table with an `entry_id` column.
fn carries_entry_ids(input: &DomainInput<'_>) -> bool {
    concerns(input, &ENTRY_TABLES)
        || input
            .value
            .as_array()
            .is_some_and(|list| list.iter().any(|row| row.get("entry_id").is_some()))
}

pub fn entry_ids_known(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !carries_entry_ids(input) {
        return out;
    }
    let slot = input.artifact.name.as_str();
    let (Some(list), Some((_, source))) =
        (rows(input, slot, &mut out), entry_source(input, &mut out))
    else {
        return out;
    };
    let known: HashSet<String> = source.iter().map(|row| cell(row, "entry_id")).collect();
    for (i, row) in list.iter().enumerate() {
        for column in REFERENCE_COLUMNS {
            let id = cell(row, column);
            let required = column == "entry_id";
            if (id.is_empty() && required) || (!id.is_empty() && !known.contains(&id)) {
                out.push(diag::error(
                    diag::ENTRY_UNKNOWN,
                    input.pointer(slot, &child(&index_child("", i), column)),
                    if id.is_empty() {
                        "a row without an entry_id".to_string()
                    } else {
                        format!("{column} {id} is not among the time entries")
                    },
                ));
            }
        }
    }
    out
}

pub fn every_entry_once(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !concerns(input, &ENTRY_TABLES) {
        return out;
    }
    let slot = input.artifact.name.as_str();
    let Some((source_slot, _)) = entry_source(input, &mut out) else {
        return out;
    };
    entries_once_between(input, slot, source_slot, "entry_id", &mut out);
    check_order(input, slot, input.value, &mut out);
    out
}

/// Each row's entry comes after the previous row's; reports the first row out of order only, since one
/// misplaced row would otherwise flag every row after it.
fn check_order(input: &DomainInput<'_>, slot: &str, value: &Value, out: &mut Vec<Diagnostic>) {
    let Some(list) = value.as_array() else {
        return;
    };
    let keys: Vec<_> = list
        .iter()
        .map(|row| entry_order_key(&cell(row, "entry_id")))
        .collect();
    for (i, pair) in keys.windows(2).enumerate() {
        if let [before, after] = pair {
            if before >= after {
                out.push(diag::error(
                    diag::ENTRY_ORDER,
                    input.pointer(slot, &child(&index_child("", i + 1), "entry_id")),
                    if before == after {
                        format!("entry {} repeats the row before it", after.2)
                    } else {
                        format!("entry {} comes after {}", after.2, before.2)
                    },
                ));
                return;
            }
        }
    }
}
