//! `billing.rates_by_date`: every rate check re-derived from the terms' rate table (3.1, the role's rate in
//! force on the entry's date), travel at the letter's percentage rounded half-up to the cent (3.2), and the
//! RATE / TRAVEL_RATE finding exactly when the rate charged differs from the applicable one (3.3).

use serde_json::Value;

use super::common::{cell, concerns, decimal_cell, index_by_id, term, terms};
use super::{num, rows};
use writ_canon::Decimal;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::patch::{child, index_child};
use writ_ladder::stages::domain::DomainInput;

const RATE_CHECKS: &str = "rate_checks";

/// One row of the letter's rate table: a role's rate from one date to another (open ends are absent).
struct Period {
    role: String,
    from: Option<String>,
    to: Option<String>,
    rate: Decimal,
}

fn periods(input: &DomainInput<'_>, terms: &Value, out: &mut Vec<Diagnostic>) -> Vec<Period> {
    let Some(table) = terms.pointer("/rates/table").and_then(Value::as_array) else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            input.pointer("terms", "/rates/table"),
            "the terms have no rate table",
        ));
        return Vec::new();
    };
    let bound = |row: &Value, key: &str| Some(cell(row, key)).filter(|d| !d.is_empty());
    table
        .iter()
        .enumerate()
        .filter_map(|(i, row)| match decimal_cell(row, "rate") {
            Some(rate) => Some(Period {
                role: cell(row, "role").trim().to_lowercase(),
                from: bound(row, "from"),
                to: bound(row, "to"),
                rate,
            }),
            None => {
                out.push(diag::error(
                    diag::DOMAIN_INPUT,
                    input.pointer("terms", &format!("/rates/table/{i}/rate")),
                    "a rate of the rate table is not an amount",
                ));
                None
            }
        })
        .collect()
}

/// The 3.1 rate of `role` in force on `day` (ISO dates compare as text).
fn base_rate(periods: &[Period], role: &str, day: &str) -> Option<Decimal> {
    let role = role.trim().to_lowercase();
    periods
        .iter()
        .find(|p| {
            p.role == role
                && p.from.as_deref().is_none_or(|f| f <= day)
                && p.to.as_deref().is_none_or(|t| day <= t)
        })
        .map(|p| p.rate)
}

/// Amounts compare by value; a blank compares equal only to a blank.
fn same(expected: Option<Decimal>, cell_text: &str) -> bool {
    match (expected, Decimal::parse(cell_text)) {
        (Some(e), Some(c)) => e == c,
        (None, None) => cell_text.trim().is_empty(),
        _ => false,
    }
}

fn show(value: Option<Decimal>) -> String {
    value.map_or("blank".to_string(), |d| d.to_string())
}

pub fn rates_by_date(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !concerns(input, &[RATE_CHECKS]) {
        return out;
    }
    let (Some(list), Some(entries), Some(terms)) = (
        rows(input, RATE_CHECKS, &mut out),
        rows(input, "entries", &mut out),
        terms(input, &mut out),
    ) else {
        return out;
    };
    let periods = periods(input, terms, &mut out);
    let (activity, percent, travel_code, rate_code) = (
        term(input, terms, "/travel/activity", &mut out),
        term(input, terms, "/travel/percent", &mut out),
        term(input, terms, "/travel/code", &mut out),
        term(input, terms, "/rate_mismatch/code", &mut out),
    );
    let (Some(activity), Some(percent), Some(travel_code), Some(rate_code)) =
        (activity, percent, travel_code, rate_code)
    else {
        return out;
    };
    let Some(share) = Decimal::parse(&percent)
        .zip(Decimal::parse("0.01"))
        .and_then(|(p, c)| num::mul(p, c))
    else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            input.pointer("terms", "/travel/percent"),
            "the travel percentage is not a number",
        ));
        return out;
    };
    let entries = index_by_id(entries);
    for (i, row) in list.iter().enumerate() {
        let at = |column: &str| input.pointer(RATE_CHECKS, &child(&index_child("", i), column));
        let id = cell(row, "entry_id");
        let Some((_, entry)) = entries.get(&id) else {
            continue; // an unknown entry is `billing.entry_ids_known`'s finding
        };
        let is_travel = cell(entry, "activity") == activity;
        let base = base_rate(&periods, &cell(entry, "role"), &cell(entry, "date"));
        let applicable = if is_travel {
            base.and_then(|b| num::mul(b, share))
                .and_then(|r| r.round_half_up(2))
        } else {
            base.and_then(|b| b.round_half_up(2))
        };
        let mut mismatches = Vec::new();
        if row.get("base_rate").is_some() && !same(base, &cell(row, "base_rate")) {
            mismatches.push(("base_rate", show(base)));
        }
        if !same(applicable, &cell(row, "applicable_rate")) {
            mismatches.push(("applicable_rate", show(applicable)));
        }
        let finding = match (applicable, decimal_cell(entry, "rate")) {
            (Some(a), Some(charged)) if a != charged => {
                if is_travel {
                    travel_code.as_str()
                } else {
                    rate_code.as_str()
                }
            }
            _ => "",
        };
        if cell(row, "finding") != finding {
            mismatches.push(("finding", format!("`{finding}`")));
        }
        for (column, want) in mismatches {
            out.push(diag::error(
                diag::RATE_APPLICABLE,
                at(column),
                format!(
                    "{id} ({}, {}, {}): {column} is `{}`, the letter gives {want}",
                    cell(entry, "role"),
                    cell(entry, "date"),
                    cell(entry, "activity"),
                    cell(row, column)
                ),
            ));
        }
    }
    out
}
