//! What several billing checks share: which slots they concern, the code vocabulary of the published
//! tables, entry order, the entry table an output is checked against, and reading the extracted terms.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::{cell_text, rows};
use writ_canon::Decimal;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

/// The `findings` column's vocabulary (README: billing-audit).
pub const FINDING_CODES: [&str; 9] = [
    "DUPLICATE",
    "CLOSED_MATTER",
    "UNAPPROVED_TIMEKEEPER",
    "NON_BILLABLE",
    "RATE",
    "TRAVEL_RATE",
    "INCREMENT",
    "DAILY_CAP",
    "ARITHMETIC",
];

/// The `flags` column's vocabulary.
pub const FLAG_CODES: [&str; 2] = ["BLOCK_BILLING", "VAGUE"];

/// The pipeline's per-entry tables, by output slot: one row per time entry each.
pub const ENTRY_TABLES: [&str; 6] = [
    "entries",
    "exclusions",
    "rate_checks",
    "time_checks",
    "flags",
    "findings",
];

/// Whether the artifact under check is one of `slots`; a check passes the slots it does not concern.
pub fn concerns(input: &DomainInput<'_>, slots: &[&str]) -> bool {
    slots.contains(&input.artifact.name.as_str())
}

/// A cell as text; absent or not text-like reads as empty.
pub fn cell(row: &Value, column: &str) -> String {
    row.get(column).and_then(cell_text).unwrap_or_default()
}

pub fn decimal_cell(row: &Value, column: &str) -> Option<Decimal> {
    Decimal::parse(&cell(row, column))
}

/// A `;`-separated code list, blanks dropped.
pub fn code_list(text: &str) -> Vec<&str> {
    text.split(';')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// Entry order: by the entry number (the id's digits, compared as a number of any length), then by id.
pub fn entry_order_key(id: &str) -> (usize, String, String) {
    let digits: String = id.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_start_matches('0').to_string();
    (digits.len(), digits, id.to_string())
}

/// The entry table an output is checked against: the raw `time_entries` when the step has them, else the
/// normalised `entries` (unless those are the artifact itself).
pub fn entry_source<'a>(
    input: &DomainInput<'a>,
    out: &mut Vec<Diagnostic>,
) -> Option<(&'static str, &'a Vec<Value>)> {
    let related = &input.artifact.context.related;
    let slot = if related.contains_key("time_entries") {
        "time_entries"
    } else if input.artifact.name != "entries" && related.contains_key("entries") {
        "entries"
    } else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "",
            "neither `time_entries` nor `entries` is among the related artifacts",
        ));
        return None;
    };
    rows(input, slot, out).map(|list| (slot, list))
}

/// Rows by their `entry_id`, with their index.
pub fn index_by_id(list: &[Value]) -> HashMap<String, (usize, &Value)> {
    list.iter()
        .enumerate()
        .map(|(i, row)| (cell(row, "entry_id"), (i, row)))
        .collect()
}

/// The related `terms` object, or a diagnostic saying it is missing.
pub fn terms<'a>(input: &DomainInput<'a>, out: &mut Vec<Diagnostic>) -> Option<&'a Value> {
    match input.slot("terms") {
        Some(t @ Value::Object(_)) => Some(t),
        _ => {
            out.push(diag::error(
                diag::DOMAIN_INPUT,
                "",
                "`terms` (the extracted billing rules) is not among the related artifacts",
            ));
            None
        }
    }
}

/// A scalar of the terms as text, or a diagnostic naming the missing term.
pub fn term(
    input: &DomainInput<'_>,
    terms: &Value,
    pointer: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<String> {
    let found = terms.pointer(pointer).and_then(|v| match v {
        Value::Bool(b) => Some(b.to_string()),
        other => cell_text(other),
    });
    if found.is_none() {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            input.pointer("terms", pointer),
            format!("the terms have no `{pointer}`"),
        ));
    }
    found
}

/// A list of strings of the terms, or a diagnostic naming the missing term.
pub fn term_list(
    input: &DomainInput<'_>,
    terms: &Value,
    pointer: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<Vec<String>> {
    let found = terms
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(cell_text).collect::<Vec<_>>());
    if found.is_none() {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            input.pointer("terms", pointer),
            format!("the terms have no list `{pointer}`"),
        ));
    }
    found
}

/// The letter section of each finding and flag code, from the rules of the terms that carry a `code`.
pub fn section_by_code(terms: &Value) -> BTreeMap<String, String> {
    terms
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(_, rule)| {
            let code = rule.get("code").and_then(cell_text)?;
            let section = rule.get("section").and_then(cell_text)?;
            Some((code, section))
        })
        .collect()
}
