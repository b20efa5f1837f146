//! `contract.report_lists_deviations` (validator; `report`): every deviation of `deviations` (param
//! `deviations`) appears in the report under its contract's heading (`### VC-0001`) as
//! `**CLAUSE — CODE** (contract lines a–b)`, and every exception's contract appears with its reason.
//!
//! Why: the report is what the approver reads at the gate; a deviation in the table but not in the report
//! is approved unseen.
//!
//! Failing example: deviations hold `VC-0001,TERM,AUTO_RENEWAL,17,20,...` and the report's `### VC-0001`
//! section lists only `**PRICE — PRICE_INCREASE** (contract lines 27–28)`.

use std::collections::BTreeMap;

use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use super::common::{cell, rows, rows_if_present, squash};

/// The report's sections by contract id (`### <id>` up to the next `### ` or `## `).
pub fn sections(report: &str) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in report.lines() {
        if let Some(id) = line.strip_prefix("### ") {
            current = Some(id.trim().to_string());
            out.entry(id.trim().to_string()).or_default();
            continue;
        }
        if line.starts_with("## ") || line.starts_with("# ") {
            current = None;
            continue;
        }
        if let Some(id) = &current {
            if let Some(s) = out.get_mut(id) {
                s.push_str(line);
                s.push('\n');
            }
        }
    }
    out
}

/// The line a deviation has in the report.
pub fn deviation_line(clause: &str, code: &str, a: &str, b: &str) -> String {
    format!("**{clause} — {code}** (contract lines {a}–{b})")
}

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(report) = input.value.as_str() else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "",
            "the report is not Markdown text",
        ));
        return out;
    };
    let by_contract = sections(report);
    let deviations_slot = input.slot_param("deviations", "deviations");
    let Some(list) = rows(input, deviations_slot, &mut out) else {
        return out;
    };
    for (i, r) in list.iter().enumerate() {
        let id = cell(r, "contract_id").unwrap_or_default();
        let line = deviation_line(
            &cell(r, "clause").unwrap_or_default(),
            &cell(r, "deviation").unwrap_or_default(),
            &cell(r, "line_start").unwrap_or_default(),
            &cell(r, "line_end").unwrap_or_default(),
        );
        if !by_contract.get(&id).is_some_and(|s| s.contains(&line)) {
            out.push(diag::error(
                diag::REPORT_TRACE,
                input.pointer(deviations_slot, &format!("/{i}")),
                format!("{id}: `{line}` is not in the report's section for the contract"),
            ));
        }
    }
    let exceptions_slot = input.slot_param("exceptions", "exceptions");
    if let Some(list) = rows_if_present(input, exceptions_slot) {
        let flat = squash(report);
        for (i, r) in list.iter().enumerate() {
            let id = cell(r, "contract_id").unwrap_or_default();
            let reason = squash(&cell(r, "reason").unwrap_or_default()).replace('|', "\\|");
            if !by_contract.contains_key(&id) || !flat.contains(&reason) {
                out.push(diag::error(
                    diag::REPORT_TRACE,
                    input.pointer(exceptions_slot, &format!("/{i}")),
                    format!("{id}: the exception `{reason}` is not reported for the contract"),
                ));
            }
        }
    }
    out
}
