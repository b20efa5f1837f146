//! `resume.booleans` (validator): every boolean column of candidates.csv (and of the screened shard table)
//! holds `true` or `false`, and `backend_years` has exactly one decimal.
//!
//! Why: the README fixes the booleans as `true`/`false`; `yes`, `True` or `1` would be read differently by
//! whoever checks the file, and a year count like `7.42` or `7` breaks the one-decimal contract.
//!
//! Failing example: a row `C-00001,2.7,yes,true,...` → `L2101` at `/0/rust_or_go`.

use serde_json::Value;
use writ_pack::{Diagnostic, DomainInput};

use super::{at, codes, error, has_columns, rows, tenths, BOOLEAN_COLUMNS};

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !has_columns(input.value, &["candidate_id", "eligible"]) {
        return out;
    }
    for (i, row) in rows(input.value).into_iter().flatten().enumerate() {
        for col in BOOLEAN_COLUMNS {
            match row.get(col).and_then(Value::as_str) {
                Some("true") | Some("false") => {}
                Some(other) => out.push(error(
                    codes::NOT_BOOLEAN,
                    at("", i, col),
                    format!("`{col}` is `{other}`, not `true` or `false`"),
                )),
                None => out.push(error(
                    codes::NOT_BOOLEAN,
                    at("", i, col),
                    format!("`{col}` is missing"),
                )),
            }
        }
        if let Some(years) = row.get("backend_years").and_then(Value::as_str) {
            if tenths(years).is_none() {
                out.push(error(
                    codes::NOT_BOOLEAN,
                    at("", i, "backend_years"),
                    format!("backend_years `{years}` does not have exactly one decimal"),
                ));
            }
        }
    }
    out
}
