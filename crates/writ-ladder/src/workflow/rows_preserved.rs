//! `workflow.rows_preserved`: the result has exactly as many rows as the input it transforms.
//!
//! Why: a row-wise transform (normalise, enrich, classify) must neither lose nor invent rows; a count that
//! differs means something was dropped or duplicated on the way.
//!
//! Params: `input` (slot of the input table).
//!
//! Failing example: input of 3 rows, result of 2 → `L0023` ("2 rows, but `input` has 3").

use super::{param, rows};
use crate::diag::{self, Diagnostic};
use crate::stages::domain::DomainInput;

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(source) = param(input, "input", &mut out) else {
        return out;
    };
    let (Some(source_rows), Some(result)) = (
        rows(input, source, &mut out),
        rows(input, input.artifact.name.as_str(), &mut out),
    ) else {
        return out;
    };
    if source_rows.len() != result.len() {
        out.push(diag::error(
            diag::ROW_COUNT,
            "",
            format!(
                "{} rows, but `{source}` has {}",
                result.len(),
                source_rows.len()
            ),
        ));
    }
    out
}
