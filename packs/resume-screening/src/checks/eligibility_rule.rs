//! `resume.eligibility_rule` (validator): every row's `eligible` agrees with the posting's requirements as
//! the rules state them: backend_years at least the minimum, and every other requirement's column true.
//!
//! Why: eligibility decides who is ranked at all; a row marked eligible with 3.0 years, or ineligible with
//! every requirement met, is a screening error whatever the evaluator said.
//!
//! Failing example: rules `min_years` "5.0"; a row with `backend_years` 4.9 and `eligible` true → `L2102`
//! at `/0/eligible`. A row of an unreadable resume is only required to be ineligible.

use serde_json::Value;
use writ_pack::{Diagnostic, DomainInput};

use super::{at, cell, codes, error, has_columns, rows, rules, tenths};

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !has_columns(input.value, &["candidate_id", "eligible", "backend_years"]) {
        return out;
    }
    let Some(rules) = rules(input) else {
        out.push(error(
            codes::INPUT,
            "",
            "the `rules` artifact is not related to this output",
        ));
        return out;
    };
    let Some(min) = rules
        .pointer("/experience/min_years")
        .and_then(Value::as_str)
        .and_then(tenths)
    else {
        out.push(error(
            codes::INPUT,
            "rules:/experience/min_years",
            "no minimum years in the rules",
        ));
        return out;
    };
    let required: Vec<String> = rules
        .pointer("/requirements")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("id").and_then(Value::as_str))
        .filter(|id| *id != "backend_years")
        .map(str::to_string)
        .collect();
    for (i, row) in rows(input.value).into_iter().flatten().enumerate() {
        let unreadable = row.get("status").and_then(Value::as_str) == Some("unreadable");
        let years = tenths(cell(row, "backend_years")).unwrap_or(0);
        let mut unmet: Vec<String> = Vec::new();
        if years < min {
            unmet.push(format!(
                "backend_years {} < {}",
                cell(row, "backend_years"),
                min as f64 / 10.0
            ));
        }
        for id in &required {
            if cell(row, id) != "true" {
                unmet.push(format!("{id} is not true"));
            }
        }
        let should = unmet.is_empty() && !unreadable;
        let is = cell(row, "eligible") == "true";
        // A readable resume with no date it can parse is ineligible even if its columns look complete.
        let no_dates = cell(row, "reason").contains("no dates it can parse");
        if is && !should {
            out.push(error(
                codes::ELIGIBILITY,
                at("", i, "eligible"),
                format!(
                    "{} is marked eligible but {}",
                    cell(row, "candidate_id"),
                    if unreadable {
                        "its resume is unreadable".to_string()
                    } else {
                        unmet.join(", ")
                    }
                ),
            ));
        } else if !is && should && !no_dates {
            out.push(error(
                codes::ELIGIBILITY,
                at("", i, "eligible"),
                format!(
                    "{} meets every requirement but is marked ineligible",
                    cell(row, "candidate_id")
                ),
            ));
        }
    }
    out
}
