//! `contract.clause_codes` (validator; `deviations`, `clauses`, `exceptions` and their shard forms): every
//! `clause` is one of the README's thirteen clause codes (an exception may leave it empty: the whole file),
//! and every `deviation` is a code the README's list gives that clause (`LATE_FEES` belongs to `PAYMENT`).
//!
//! Why: the published columns are compared mechanically; a code outside the vocabulary, or on the wrong
//! clause, is a finding nobody can match.
//!
//! Failing example: `{"contract_id": "VC-0001", "clause": "TERM", "deviation": "LATE_FEES", ...}`.

use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use super::common::{at, cell, clause_list, codes_of, rows};

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let slot = input.artifact.name.as_str();
    let Some(list) = rows(input, slot, &mut out) else {
        return out;
    };
    let whole_file_allowed = slot.contains("exception");
    for (i, row) in list.iter().enumerate() {
        let clause = cell(row, "clause").unwrap_or_default();
        if clause.is_empty() && whole_file_allowed {
            continue;
        }
        if !clause_list().any(|c| c == clause) {
            out.push(diag::error(
                diag::CODE_LIST,
                at(input, slot, i, "clause"),
                format!(
                    "`{clause}` is not a clause code ({})",
                    clause_list().collect::<Vec<_>>().join(", ")
                ),
            ));
            continue;
        }
        if let Some(code) = cell(row, "deviation") {
            if !codes_of(&clause).contains(&code.as_str()) {
                out.push(diag::error(
                    diag::CODE_LIST,
                    at(input, slot, i, "deviation"),
                    format!(
                        "`{code}` is not a deviation of clause {clause} ({})",
                        codes_of(&clause).join(", ")
                    ),
                ));
            }
        }
    }
    out
}
