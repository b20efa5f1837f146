//! `contract.report_traces` (rubric check; `report`): everything the report states as a deviation traces to
//! `deviations` (param `deviations`): each `**CLAUSE — CODE** (contract lines a–b)` under `### <contract>`
//! is a row of that contract with that clause, code and lines, followed by its standard text beside the
//! found text (a two-column table) and its deviating sentence equal to the row's excerpt; and the summary's
//! `Deviations: N.` equals the number of rows.
//!
//! Why: a report that names a deviation the table does not hold (or quotes another sentence) cannot be
//! traced to the contract's lines through the evaluator's proof record.
//!
//! Failing example: `### VC-0004` lists `**GOVERNING_LAW — GOVERNING_LAW** (contract lines 61–62)` while
//! deviations.csv has no GOVERNING_LAW row for VC-0004.

use std::collections::BTreeSet;

use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use super::common::{cell, rows, squash};
use super::report_lists_deviations::{deviation_line, sections};

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
    let deviations_slot = input.slot_param("deviations", "deviations");
    let Some(list) = rows(input, deviations_slot, &mut out) else {
        return out;
    };
    let mut rows_by_line: BTreeSet<(String, String)> = BTreeSet::new();
    let mut excerpts: BTreeSet<(String, String)> = BTreeSet::new();
    for r in list {
        let id = cell(r, "contract_id").unwrap_or_default();
        rows_by_line.insert((
            id.clone(),
            deviation_line(
                &cell(r, "clause").unwrap_or_default(),
                &cell(r, "deviation").unwrap_or_default(),
                &cell(r, "line_start").unwrap_or_default(),
                &cell(r, "line_end").unwrap_or_default(),
            ),
        ));
        excerpts.insert((
            id,
            squash(&cell(r, "excerpt").unwrap_or_default()).replace('|', "\\|"),
        ));
    }
    for (id, section) in sections(report) {
        let lines: Vec<&str> = section.lines().collect();
        for (k, line) in lines.iter().enumerate() {
            if line.starts_with("**") && line.contains("(contract lines ") {
                if !rows_by_line.contains(&(id.clone(), line.trim().to_string())) {
                    out.push(diag::error(
                        diag::REPORT_TRACE,
                        format!("/{id}"),
                        format!("{id}: the report's `{line}` is not a row of {deviations_slot}"),
                    ));
                }
                let rest = lines.get(k + 1..).unwrap_or(&[]);
                let beside = rest
                    .iter()
                    .take(4)
                    .any(|l| l.starts_with("| Standard") && l.contains("| Found"));
                if !beside {
                    out.push(diag::error(
                        diag::REPORT_TRACE,
                        format!("/{id}"),
                        format!("{id}: `{line}` has no standard text beside the found text"),
                    ));
                }
            }
            if let Some(quote) = line.strip_prefix("Deviating sentence: \"") {
                let quote = quote.strip_suffix('"').unwrap_or(quote);
                if !excerpts.contains(&(id.clone(), squash(quote))) {
                    out.push(diag::error(
                        diag::REPORT_TRACE,
                        format!("/{id}"),
                        format!(
                            "{id}: the quoted sentence is not the excerpt of any of its deviations"
                        ),
                    ));
                }
            }
        }
    }
    if let Some(n) = report
        .split("Deviations: ")
        .nth(1)
        .and_then(|s| s.split('.').next())
        .and_then(|s| s.trim().parse::<usize>().ok())
    {
        if n != list.len() {
            out.push(diag::error(
                diag::TOTALS,
                "",
                format!(
                    "the report counts {n} deviations, {deviations_slot} has {}",
                    list.len()
                ),
            ));
        }
    } else {
        out.push(diag::error(
            diag::REPORT_TRACE,
            "",
            "the report does not state `Deviations: N.`",
        ));
    }
    out
}
