//! What the contract-review checks share: reading table rows and cells, the clause and deviation vocabulary
//! of the data README (through the evaluator's table, the one place it is written), and whitespace
//! normalisation for comparing excerpts with clause text.

use serde_json::Value;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::patch::{child, index_child};
use writ_ladder::stages::domain::DomainInput;

pub use crate::evaluator::{codes_of, CLAUSE_CODES};

/// The rows of table `slot` (the artifact itself or a related artifact), or a diagnostic saying why not.
pub fn rows<'a>(
    input: &DomainInput<'a>,
    slot: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<&'a Vec<Value>> {
    match input.slot(slot) {
        Some(Value::Array(list)) => Some(list),
        Some(_) => {
            out.push(diag::error(
                diag::DOMAIN_INPUT,
                input.pointer(slot, ""),
                format!("`{slot}` is not an array of rows"),
            ));
            None
        }
        None => {
            out.push(diag::error(
                diag::DOMAIN_INPUT,
                "",
                format!("`{slot}` is not among the artifact and its related artifacts"),
            ));
            None
        }
    }
}

/// Rows of `slot` when it is present; `None` (no diagnostic) when the context does not hold it.
pub fn rows_if_present<'a>(input: &DomainInput<'a>, slot: &str) -> Option<&'a Vec<Value>> {
    match input.slot(slot) {
        Some(Value::Array(list)) => Some(list),
        _ => None,
    }
}

/// A cell as text (strings as they are, numbers printed).
pub fn cell(row: &Value, column: &str) -> Option<String> {
    match row.get(column)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The pointer of `column` in row `i` of `slot`.
pub fn at(input: &DomainInput<'_>, slot: &str, i: usize, column: &str) -> String {
    input.pointer(slot, &child(&index_child("", i), column))
}

/// A positive 1-based line number.
pub fn line_number(text: &str) -> Option<u64> {
    text.trim().parse::<u64>().ok().filter(|n| *n >= 1)
}

/// Whitespace collapsed to single spaces, trimmed.
pub fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a table check concerns the artifact under check: the ladder runs a step's checks on each of its
/// outputs, and a check passes the outputs it is not about (e.g. line spans on the exceptions table).
pub fn concerns(input: &DomainInput<'_>, about: &[&str]) -> bool {
    let slot = input.artifact.name.as_str();
    about.iter().any(|a| slot.contains(a))
}

/// Every clause code of the README, in the standard's order.
pub fn clause_list() -> impl Iterator<Item = &'static str> {
    CLAUSE_CODES.iter().map(|(c, _)| *c)
}
