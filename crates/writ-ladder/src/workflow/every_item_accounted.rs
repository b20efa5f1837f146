//! `workflow.every_item_accounted`: every item of the input set appears in the result, and the result names
//! no item outside it.
//!
//! Why: a fan-out that drops a shard, or a step that silently skips unreadable items, produces a result that
//! looks complete; counting keys against the input catches it before publication.
//!
//! Params: `items` (slot of the input set), `key` (column of the result, `+`-joined for several),
//! `items_key` (column of the input rows, default `key`). An input set that is an array of strings (the file
//! names of a batch) is keyed by each name without its extension.
//!
//! Failing example: items `[{"id":"A"},{"id":"B"}]`, result `[{"id":"A"}]` → `L0048` at `items:/1`
//! ("item `B` of `items` is not in the result").

use std::collections::BTreeSet;

use serde_json::Value;

use super::{key_of, param, rows};
use crate::diag::{self, Diagnostic};
use crate::stages::domain::DomainInput;

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let (Some(items_slot), Some(key)) = (
        param(input, "items", &mut out),
        param(input, "key", &mut out),
    ) else {
        return out;
    };
    let items_key = input
        .params
        .get("items_key")
        .and_then(Value::as_str)
        .unwrap_or(key);
    let Some(items) = rows(input, items_slot, &mut out) else {
        return out;
    };
    let Some(result) = rows(input, input.artifact.name.as_str(), &mut out) else {
        return out;
    };
    let mut expected = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let k = match item {
            Value::String(name) => Some(
                name.rsplit_once('.')
                    .map_or(name.as_str(), |(s, _)| s)
                    .to_string(),
            ),
            row => key_of(row, items_key),
        };
        match k {
            Some(k) => expected.push((i, k)),
            None => out.push(diag::error(
                diag::DOMAIN_INPUT,
                input.pointer(items_slot, &format!("/{i}")),
                format!("item {i} of `{items_slot}` has no `{items_key}`"),
            )),
        }
    }
    let mut seen = BTreeSet::new();
    for (i, row) in result.iter().enumerate() {
        match key_of(row, key) {
            Some(k) => {
                seen.insert(k);
            }
            None => out.push(diag::error(
                diag::DOMAIN_INPUT,
                format!("/{i}"),
                format!("row {} of the result has no `{key}`", i + 1),
            )),
        }
    }
    let known: BTreeSet<&str> = expected.iter().map(|(_, k)| k.as_str()).collect();
    for (i, k) in &expected {
        if !seen.contains(k) {
            out.push(diag::error(
                diag::ITEM_UNACCOUNTED,
                input.pointer(items_slot, &format!("/{i}")),
                format!("item `{k}` of `{items_slot}` is not in the result"),
            ));
        }
    }
    for (i, row) in result.iter().enumerate() {
        if let Some(k) = key_of(row, key) {
            if !known.contains(k.as_str()) {
                out.push(diag::error(
                    diag::ITEM_UNACCOUNTED,
                    format!("/{i}"),
                    format!(
                        "row {} names `{k}`, which is not an item of `{items_slot}`",
                        i + 1
                    ),
                ));
            }
        }
    }
    out
}
