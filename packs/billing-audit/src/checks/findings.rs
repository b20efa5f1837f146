//! The published tables' formats: code lists (`billing.findings_codes`), two-place amounts
//! (`billing.amounts_two_places`) and `delta = billed_amount - payable_amount` (`billing.delta_consistent`).

use serde_json::Value;

use super::common::{concerns, decimal_cell, FINDING_CODES, FLAG_CODES};
use super::rows;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::patch::{child, index_child};
use writ_ladder::stages::domain::DomainInput;

/// The code columns each output carries, with their vocabularies.
fn code_columns(slot: &str) -> &'static [(&'static str, &'static [&'static str])] {
    match slot {
        "findings" => &[("findings", &FINDING_CODES), ("flags", &FLAG_CODES)],
        "flags" => &[("flags", &FLAG_CODES)],
        _ => &[],
    }
}

/// Why a code list is malformed, if it is: each item a known code, no blanks or padding, sorted, unique.
fn code_list_problem(text: &str, known: &[&str]) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    let items: Vec<&str> = text.split(';').collect();
    if let Some(bad) = items.iter().find(|c| !known.contains(c)) {
        return Some(format!("`{bad}` is not one of {}", known.join(", ")));
    }
    if items.windows(2).any(|w| w.first() >= w.last()) {
        return Some(format!("`{text}` is not sorted without repeats"));
    }
    None
}

pub fn findings_codes(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let slot = input.artifact.name.as_str();
    let columns = code_columns(slot);
    if columns.is_empty() {
        return out;
    }
    let Some(list) = rows(input, slot, &mut out) else {
        return out;
    };
    for (i, row) in list.iter().enumerate() {
        for (column, known) in columns {
            let at = input.pointer(slot, &child(&index_child("", i), column));
            match row.get(*column) {
                Some(Value::String(text)) => {
                    if let Some(problem) = code_list_problem(text, known) {
                        out.push(diag::error(diag::CODE_LIST, at, problem));
                    }
                }
                _ => out.push(diag::error(
                    diag::CODE_LIST,
                    at,
                    format!("`{column}` is missing or not text"),
                )),
            }
        }
    }
    out
}

/// The amount fields of each published output; `cap` may be blank (a matter without a monthly cap).
fn amount_fields(slot: &str) -> &'static [&'static str] {
    match slot {
        "findings" => &["billed_amount", "payable_amount", "delta"],
        "matter_months" => &["payable_before_cap", "cap", "overage"],
        "summary" => &[
            "total_billed",
            "total_payable_before_caps",
            "total_cap_overage",
            "total_payable",
        ],
        _ => &[],
    }
}

fn two_places(value: Option<&Value>, may_be_blank: bool) -> bool {
    let Some(Value::String(text)) = value else {
        return false;
    };
    if text.is_empty() {
        return may_be_blank;
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    match digits.split_once('.') {
        Some((int, frac)) => {
            !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.len() == 2
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

pub fn amounts_two_places(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let slot = input.artifact.name.as_str();
    let fields = amount_fields(slot);
    if fields.is_empty() {
        return out;
    }
    let objects: Vec<(String, &Value)> = match input.value {
        Value::Array(list) => list
            .iter()
            .enumerate()
            .map(|(i, row)| (index_child("", i), row))
            .collect(),
        object => vec![(String::new(), object)],
    };
    for (at, object) in objects {
        for field in fields {
            if !two_places(object.get(*field), *field == "cap") {
                out.push(diag::error(
                    diag::AMOUNT_FORMAT,
                    input.pointer(slot, &child(&at, field)),
                    format!(
                        "`{field}` is {}, not a decimal string with exactly two places",
                        object
                            .get(*field)
                            .map_or("missing".to_string(), Value::to_string)
                    ),
                ));
            }
        }
    }
    out
}

pub fn delta_consistent(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !concerns(input, &["findings"]) {
        return out;
    }
    let Some(list) = rows(input, "findings", &mut out) else {
        return out;
    };
    for (i, row) in list.iter().enumerate() {
        let at = input.pointer("findings", &child(&index_child("", i), "delta"));
        let expected = match (
            decimal_cell(row, "billed_amount"),
            decimal_cell(row, "payable_amount"),
        ) {
            (Some(billed), Some(payable)) => billed.checked_sub(payable),
            _ => None,
        };
        match (expected, decimal_cell(row, "delta")) {
            (Some(e), Some(d)) if e == d => {}
            (Some(e), d) => out.push(diag::error(
                diag::DELTA,
                at,
                format!(
                    "delta is {}, billed_amount - payable_amount is {e}",
                    d.map_or("not an amount".to_string(), |d| d.to_string())
                ),
            )),
            (None, _) => out.push(diag::error(
                diag::DELTA,
                at,
                "billed_amount or payable_amount is not an amount",
            )),
        }
    }
    out
}
