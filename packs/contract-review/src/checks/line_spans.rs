//! `contract.line_spans` (validator; `deviations`, `clauses` and their shard forms; other outputs pass):
//! `line_start` and `line_end` are 1-based line numbers with `line_start <= line_end`; a deviation's span is
//! exactly the body span of the same contract's clause in `clauses` (param `clauses`, default `clauses`), when
//! that table is among the related artifacts.
//!
//! Why: the acceptance compares line ranges exactly; a deviation pointing at other lines than its clause's
//! body traces to the wrong text.
//!
//! Failing example: a deviation `VC-0001,TERM,AUTO_RENEWAL,16,20,...` while the TERM clause of VC-0001 spans
//! lines 17-20 (16 is its heading).

use std::collections::BTreeMap;

use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use super::common::{at, cell, concerns, line_number, rows, rows_if_present};

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let slot = input.artifact.name.as_str();
    if !concerns(input, &["deviation", "clauses"]) {
        return out;
    }
    let Some(list) = rows(input, slot, &mut out) else {
        return out;
    };
    let clauses_slot = input.slot_param("clauses", "clauses");
    let spans: BTreeMap<(String, String), (String, String)> = if clauses_slot != slot {
        rows_if_present(input, clauses_slot)
            .map(|rs| {
                rs.iter()
                    .filter_map(|r| {
                        Some((
                            (cell(r, "contract_id")?, cell(r, "clause")?),
                            (cell(r, "line_start")?, cell(r, "line_end")?),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    } else {
        BTreeMap::new()
    };
    for (i, row) in list.iter().enumerate() {
        let (Some(a), Some(b)) = (cell(row, "line_start"), cell(row, "line_end")) else {
            out.push(diag::error(
                diag::MISSING_FIELD,
                at(input, slot, i, "line_start"),
                "a row without its line span",
            ));
            continue;
        };
        match (line_number(&a), line_number(&b)) {
            (Some(x), Some(y)) if x <= y => {}
            _ => {
                out.push(diag::error(
                    diag::RULE_UNCITED,
                    at(input, slot, i, "line_start"),
                    format!("`{a}`-`{b}` is not a 1-based line range"),
                ));
                continue;
            }
        }
        let key = (
            cell(row, "contract_id").unwrap_or_default(),
            cell(row, "clause").unwrap_or_default(),
        );
        if let Some((sa, sb)) = spans.get(&key) {
            if (sa.as_str(), sb.as_str()) != (a.as_str(), b.as_str()) {
                out.push(diag::error(
                    diag::RULE_UNCITED,
                    at(input, slot, i, "line_start"),
                    format!(
                        "{} {}: lines {a}-{b}, but the clause body spans lines {sa}-{sb}",
                        key.0, key.1
                    ),
                ));
            }
        }
    }
    out
}
