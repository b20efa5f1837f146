//! `contract.excerpt_in_span` (rubric check; `deviations`, `clause_deviations`; other outputs pass): every
//! excerpt is a whole sentence found verbatim (whitespace aside) in the body of its contract's clause, as
//! `clauses` (param `clauses`, default `clauses`) records it for those lines.
//!
//! Why: the excerpt is the evidence a reader checks first; an excerpt that is not in the cited lines (the
//! standard's wording, a paraphrase, another clause) makes the finding untraceable.
//!
//! Failing example: `VC-0002,PAYMENT,PAYMENT_TERMS,21,22,"Client shall pay each undisputed invoice within
//! thirty (30) days of receipt."` while the clause says "sixty (60) days".

use std::collections::BTreeMap;

use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use super::common::{at, cell, concerns, rows, squash};

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let slot = input.artifact.name.as_str();
    if !concerns(input, &["deviation"]) {
        return out;
    }
    let Some(list) = rows(input, slot, &mut out) else {
        return out;
    };
    let clauses_slot = input.slot_param("clauses", "clauses");
    let Some(clauses) = rows(input, clauses_slot, &mut out) else {
        return out;
    };
    let text: BTreeMap<(String, String), String> = clauses
        .iter()
        .filter_map(|r| {
            Some((
                (cell(r, "contract_id")?, cell(r, "clause")?),
                squash(&cell(r, "text")?),
            ))
        })
        .collect();
    for (i, row) in list.iter().enumerate() {
        let key = (
            cell(row, "contract_id").unwrap_or_default(),
            cell(row, "clause").unwrap_or_default(),
        );
        let excerpt = squash(&cell(row, "excerpt").unwrap_or_default());
        let pointer = at(input, slot, i, "excerpt");
        if excerpt.is_empty() {
            out.push(diag::error(
                diag::MISSING_FIELD,
                pointer,
                format!("{} {}: no excerpt", key.0, key.1),
            ));
            continue;
        }
        match text.get(&key) {
            None => out.push(diag::error(
                diag::ITEM_UNACCOUNTED,
                pointer,
                format!(
                    "{} {}: no clause body was located for this deviation",
                    key.0, key.1
                ),
            )),
            Some(body) if !body.contains(&excerpt) => out.push(diag::error(
                diag::RULE_UNCITED,
                pointer,
                format!(
                    "{} {}: the excerpt is not in the clause's lines",
                    key.0, key.1
                ),
            )),
            Some(_) => {}
        }
    }
    out
}
