//! Generic workflow checks: written once, declared by the catalog's workflow packs and used by every
//! workload pack whose template names them. Each works on tables as the ladder sees them (arrays of row
//! objects) and takes the slots and columns it compares as parameters, so no check knows a domain.
//! One check per file below; [`CHECKS`] lists them by id.

mod every_item_accounted;
mod keys_unique;
mod rows_preserved;
mod totals_reconcile;

use serde_json::Value;

use crate::diag::{self, Diagnostic};
use crate::stages::domain::DomainInput;

/// A check as the registry holds it.
pub type Check = fn(&DomainInput<'_>) -> Vec<Diagnostic>;

/// Every generic workflow check, by id.
pub const CHECKS: &[(&str, Check)] = &[
    ("workflow.every_item_accounted", every_item_accounted::check),
    ("workflow.keys_unique", keys_unique::check),
    ("workflow.rows_preserved", rows_preserved::check),
    ("workflow.totals_reconcile", totals_reconcile::check),
];

/// The rows of `slot` (the artifact itself or a related artifact), or a diagnostic saying why not.
fn rows<'a>(input: &DomainInput<'a>, slot: &str, out: &mut Vec<Diagnostic>) -> Option<&'a [Value]> {
    match input.slot(slot) {
        Some(Value::Array(rows)) => Some(rows),
        Some(_) => {
            out.push(diag::error(
                diag::DOMAIN_INPUT,
                input.pointer(slot, ""),
                format!("`{slot}` is not a table (an array of rows)"),
            ));
            None
        }
        None => {
            out.push(diag::error(
                diag::DOMAIN_INPUT,
                "",
                format!("`{slot}` is neither the artifact nor one of its related artifacts"),
            ));
            None
        }
    }
}

/// A required string parameter, or a diagnostic naming it.
fn param<'a>(input: &DomainInput<'a>, name: &str, out: &mut Vec<Diagnostic>) -> Option<&'a str> {
    let found = input.params.get(name).and_then(Value::as_str);
    if found.is_none() {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "",
            format!("the check needs the parameter `{name}` (a string)"),
        ));
    }
    found
}

/// The text of a cell: strings as they are, numbers and booleans as JSON writes them; `None` when absent.
fn cell(row: &Value, column: &str) -> Option<String> {
    match row.get(column)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The key of a row over one or more `+`-joined columns (`contract_id+clause`).
fn key_of(row: &Value, columns: &str) -> Option<String> {
    let parts: Option<Vec<String>> = columns.split('+').map(|c| cell(row, c.trim())).collect();
    parts.map(|p| p.join("\u{1f}"))
}

#[cfg(test)]
mod tests;
