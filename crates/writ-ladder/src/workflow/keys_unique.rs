//! `workflow.keys_unique`: no two rows of the result share a key.
//!
//! Why: a merge of shards that overlap, or a join that fans out, duplicates rows; downstream totals then
//! count them twice.
//!
//! Params: `key` (column, `+`-joined for several).
//!
//! Failing example: `[{"id":"A"},{"id":"A"}]` with key `id` → `L0022` at `/1` ("rows 1 and 2 share the
//! key `A`").

use std::collections::BTreeMap;

use super::{key_of, param, rows};
use crate::diag::{self, Diagnostic};
use crate::stages::domain::DomainInput;

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(key) = param(input, "key", &mut out) else {
        return out;
    };
    let Some(result) = rows(input, input.artifact.name.as_str(), &mut out) else {
        return out;
    };
    let mut first: BTreeMap<String, usize> = BTreeMap::new();
    for (i, row) in result.iter().enumerate() {
        let Some(k) = key_of(row, key) else {
            out.push(diag::error(
                diag::DOMAIN_INPUT,
                format!("/{i}"),
                format!("row {} has no `{key}`", i + 1),
            ));
            continue;
        };
        if let Some(at) = first.get(&k) {
            out.push(diag::error(
                diag::GRAIN,
                format!("/{i}"),
                format!(
                    "rows {} and {} share the key `{}`",
                    at + 1,
                    i + 1,
                    k.replace('\u{1f}', "+")
                ),
            ));
        } else {
            first.insert(k, i);
        }
    }
    out
}
