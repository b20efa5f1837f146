//! The input profile: every table input profiled with its columns (`billing.profile_covers_inputs`) and
//! its true row and blank counts (`billing.inputs_profiled`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::common::{cell, concerns};
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::patch::child;
use writ_ladder::stages::domain::DomainInput;

const PROFILE: &str = "input_profile";

/// The step's table inputs: their row counts from the context and their rows when related.
fn table_inputs<'a>(
    input: &DomainInput<'a>,
) -> BTreeMap<&'a str, (Option<u64>, Option<&'a Vec<Value>>)> {
    let context = &input.artifact.context;
    let mut tables: BTreeMap<&str, (Option<u64>, Option<&Vec<Value>>)> = BTreeMap::new();
    for (slot, count) in &context.input_row_counts {
        tables.entry(slot.as_str()).or_default().0 = Some(*count);
    }
    for (slot, value) in &context.related {
        if let Value::Array(list) = value {
            tables.entry(slot.as_str()).or_default().1 = Some(list);
        }
    }
    tables
}

fn profiled_columns(profile: &Value) -> Option<Vec<&Value>> {
    Some(profile.get("columns")?.as_array()?.iter().collect())
}

pub fn profile_covers_inputs(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !concerns(input, &[PROFILE]) {
        return out;
    }
    let tables = table_inputs(input);
    if tables.is_empty() {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "",
            "the context names no table input to compare the profile with",
        ));
    }
    for (slot, (_, list)) in tables {
        let at = child("", slot);
        let Some(profile) = input.value.get(slot) else {
            out.push(diag::error(
                diag::PROFILE_INCOMPLETE,
                at,
                format!("table input `{slot}` is not profiled"),
            ));
            continue;
        };
        if profile.get("rows").and_then(Value::as_u64).is_none() {
            out.push(diag::error(
                diag::PROFILE_INCOMPLETE,
                child(&at, "rows"),
                format!("the profile of `{slot}` has no row count"),
            ));
        }
        let Some(columns) = profiled_columns(profile) else {
            out.push(diag::error(
                diag::PROFILE_INCOMPLETE,
                child(&at, "columns"),
                format!("the profile of `{slot}` lists no columns"),
            ));
            continue;
        };
        let named: BTreeSet<String> = columns.iter().map(|c| cell(c, "name")).collect();
        let actual: BTreeSet<&str> = list
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .flat_map(|row| row.keys().map(String::as_str))
            .collect();
        for column in actual.into_iter().filter(|c| !named.contains(*c)) {
            out.push(diag::error(
                diag::PROFILE_INCOMPLETE,
                child(&at, "columns"),
                format!("the profile of `{slot}` lacks its column `{column}`"),
            ));
        }
    }
    out
}

pub fn inputs_profiled(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !concerns(input, &[PROFILE]) {
        return out;
    }
    for (slot, (count, list)) in table_inputs(input) {
        let at = child("", slot);
        let Some(profile) = input.value.get(slot) else {
            out.push(diag::error(
                diag::PROFILE_INCOMPLETE,
                at,
                format!("table input `{slot}` is not profiled"),
            ));
            continue;
        };
        let declared = profile.get("rows").and_then(Value::as_u64);
        let truths = [
            (count, "the context's row count"),
            (list.map(|l| l.len() as u64), "the rows of the input"),
        ];
        for (truth, what) in truths {
            if let Some(truth) = truth.filter(|t| declared != Some(*t)) {
                out.push(diag::error(
                    diag::PROFILE_COUNTS,
                    child(&at, "rows"),
                    format!(
                        "`{slot}`: {} rows profiled, {what} gives {truth}",
                        declared.map_or("no".to_string(), |d| d.to_string())
                    ),
                ));
            }
        }
        let (Some(list), Some(columns)) = (list, profiled_columns(profile)) else {
            continue;
        };
        for (i, column) in columns.iter().enumerate() {
            let Some(nulls) = column.get("nulls").and_then(Value::as_u64) else {
                continue;
            };
            let name = cell(column, "name");
            let blanks = list
                .iter()
                .filter(|row| cell(row, &name).trim().is_empty())
                .count() as u64;
            if blanks != nulls {
                out.push(diag::error(
                    diag::PROFILE_COUNTS,
                    format!("{}/{i}/nulls", child(&at, "columns")),
                    format!("`{slot}.{name}`: {nulls} blanks profiled, the input has {blanks}"),
                ));
            }
        }
    }
    out
}
