//! Stage 9: the output contract: kind, required fields, row grain (unique key columns) and the row count
//! against an input where the contract ties them.

use std::collections::HashMap;

use serde_json::Value;

use crate::config::Contract;
use crate::diag::{self, Diagnostic};
use crate::model::json_text;
use crate::patch::{child, index_child};
use crate::types::Artifact;

/// Kinds whose value is JSON rows: an array of objects.
pub fn is_row_kind(kind: &str) -> bool {
    kind.starts_with("table.")
        || kind.starts_with("dataset.")
        || kind == "evidence.json_rows"
        || kind == "citations.list"
}

pub fn check(contract: &Contract, artifact: &Artifact, value: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(kind) = &contract.kind {
        if *kind != artifact.kind {
            out.push(diag::error(
                diag::WRONG_KIND,
                "",
                format!(
                    "the artifact is `{}`, the contract declares `{kind}`",
                    artifact.kind
                ),
            ));
        }
    }
    let rows: Option<&Vec<Value>> = value.as_array();
    if is_row_kind(&artifact.kind) {
        match rows {
            None => out.push(diag::error(
                diag::NOT_ROWS,
                "",
                format!("a `{}` must be an array of rows", artifact.kind),
            )),
            Some(list) => {
                for (i, row) in list.iter().enumerate() {
                    if !row.is_object() {
                        out.push(diag::error(
                            diag::NOT_ROWS,
                            index_child("", i),
                            "a row must be an object",
                        ));
                    }
                }
            }
        }
    }
    let records: Vec<(String, &Value)> = match rows {
        Some(list) => list
            .iter()
            .enumerate()
            .map(|(i, r)| (index_child("", i), r))
            .collect(),
        None => vec![(String::new(), value)],
    };
    for (pointer, record) in &records {
        let Some(map) = record.as_object() else {
            continue;
        };
        for field in &contract.required_fields {
            if !map.contains_key(field) {
                out.push(diag::error(
                    diag::MISSING_FIELD,
                    child(pointer, field),
                    format!("required field `{field}` is missing"),
                ));
            }
        }
    }
    if !contract.unique_key.is_empty() {
        let mut seen: HashMap<String, String> = HashMap::new();
        for (pointer, record) in &records {
            let key: Vec<Value> = contract
                .unique_key
                .iter()
                .map(|k| record.get(k).cloned().unwrap_or(Value::Null))
                .collect();
            let key_text = json_text(&Value::from(key));
            if let Some(first) = seen.get(&key_text) {
                out.push(diag::error(
                    diag::GRAIN,
                    pointer.clone(),
                    format!(
                        "key ({}) = {key_text} repeats the row at {first:?}",
                        contract.unique_key.join(", ")
                    ),
                ));
            } else {
                seen.insert(key_text, pointer.clone());
            }
        }
    }
    if let Some(slot) = &contract.row_count_equals {
        let have = rows.map_or(1, Vec::len) as u64;
        match artifact.context.input_row_counts.get(slot) {
            Some(&want) if want == have => {}
            Some(&want) => out.push(diag::error(diag::ROW_COUNT,
                "",
                format!("{have} rows, but the contract says as many as input `{slot}`: {want}"),
            )),
            None => out.push(diag::error(diag::MISSING_ROW_COUNT,
                "",
                format!("the contract ties the row count to input `{slot}`, whose row count is not in the context"),
            )),
        }
    }
    out
}
