//! `workflow.totals_reconcile`: a total in a summary equals the exact sum of a column of a table.
//!
//! Why: a summary computed separately from its rows can drift from them (a filter applied twice, a rounding
//! done per row in one place and on the total in the other); the published total must be the rows' sum.
//!
//! Params: `rows` (slot of the table), `column` (decimal column), `summary` (slot of the JSON summary),
//! `total` (JSON pointer of the total in the summary). Amounts are exact decimals, never floats.
//!
//! Failing example: rows `[{"amount":"1.10"},{"amount":"2.20"}]`, summary `{"total":"3.40"}` → `L0028` at
//! `summary:/total` ("3.40, but the rows' amount sums to 3.30").

use serde_json::Value;
use writ_canon::Decimal;

use super::{cell, param, rows};
use crate::diag::{self, Diagnostic};
use crate::stages::domain::DomainInput;

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let (Some(rows_slot), Some(column), Some(summary_slot), Some(total)) = (
        param(input, "rows", &mut out),
        param(input, "column", &mut out),
        param(input, "summary", &mut out),
        param(input, "total", &mut out),
    ) else {
        return out;
    };
    let Some(table) = rows(input, rows_slot, &mut out) else {
        return out;
    };
    let mut sum = Some(Decimal::zero());
    for (i, row) in table.iter().enumerate() {
        match cell(row, column).as_deref().and_then(Decimal::parse) {
            Some(amount) => sum = sum.and_then(|s| s.checked_add(amount)),
            None => {
                out.push(diag::error(
                    diag::NOT_AMOUNT,
                    input.pointer(rows_slot, &format!("/{i}/{column}")),
                    format!("row {} has no decimal `{column}`", i + 1),
                ));
                return out;
            }
        }
    }
    let stated = input
        .slot(summary_slot)
        .and_then(|s| s.pointer(total))
        .and_then(|v| match v {
            Value::String(s) => Decimal::parse(s),
            Value::Number(n) => Decimal::parse(&n.to_string()),
            _ => None,
        });
    match (stated, sum) {
        (Some(stated), Some(sum)) if stated == sum => {}
        (Some(stated), Some(sum)) => out.push(diag::error(
            diag::TOTALS,
            input.pointer(summary_slot, total),
            format!("{stated}, but the rows' `{column}` sums to {sum}"),
        )),
        (None, _) => out.push(diag::error(
            diag::DOMAIN_INPUT,
            input.pointer(summary_slot, total),
            format!("`{summary_slot}` has no decimal total at `{total}`"),
        )),
        (_, None) => out.push(diag::error(
            diag::TOTALS,
            input.pointer(rows_slot, ""),
            format!("the rows' `{column}` overflow an exact sum"),
        )),
    }
    out
}
