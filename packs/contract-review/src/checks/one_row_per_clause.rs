//! `contract.one_row_per_clause` (validator; `deviations`, `clauses`; other outputs pass): at most one row per
//! contract and clause — the README's "one row per deviating clause".
//!
//! Why: two rows for one clause double-count it in any F1 and let two codes contradict each other.
//!
//! Failing example: `VC-0002,PAYMENT,PAYMENT_TERMS,...` and `VC-0002,PAYMENT,LATE_FEES,...`.

use std::collections::BTreeMap;

use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use super::common::{at, cell, concerns, rows};

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let slot = input.artifact.name.as_str();
    if !concerns(input, &["deviation", "clauses"]) {
        return out;
    }
    let Some(list) = rows(input, slot, &mut out) else {
        return out;
    };
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (i, row) in list.iter().enumerate() {
        let key = (
            cell(row, "contract_id").unwrap_or_default(),
            cell(row, "clause").unwrap_or_default(),
        );
        if let Some(first) = seen.get(&key) {
            out.push(diag::error(
                diag::GRAIN,
                at(input, slot, i, "clause"),
                format!("{} {} has a row already (row {})", key.0, key.1, first + 1),
            ));
        } else {
            seen.insert(key, i);
        }
    }
    out
}
