//! The billing-audit pack's validators and rubric checks.
//!
//! - `billing.totals_reconcile`: per findings row `delta = billed_amount − payable_amount`; the summary's
//!   `entries`, `total_billed`, `total_payable_before_caps` (also the sum of `matter_months.payable_before_cap`),
//!   `total_cap_overage` (the sum of `matter_months.overage`), `total_payable = total_payable_before_caps −
//!   total_cap_overage`, and `findings_by_code` (counts of codes and flags) all equal what the rows give.
//!   Params: `summary`, `findings`, `matter_months` (slots, defaulting to those names).
//!
//! The rest of the pack's validators and its rubric checks (the built-in auditor runs rubric checks through
//! this same registry) live in the submodules, one concern each; [`CHECKS`] lists every id writ ships.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use writ_canon::Decimal;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::patch::{child, index_child};
use writ_ladder::stages::domain::DomainInput;

mod common;
mod entries;
mod exclusions;
mod findings;
mod flags;
mod num;
mod profile;
mod rates;
mod report;
mod terms;
mod time;

use writ_pack::Check;

/// Every billing-audit validator and rubric check, by registered id.
pub const CHECKS: &[(&str, Check)] = &[
    ("billing.totals_reconcile", totals_reconcile),
    (
        "billing.profile_covers_inputs",
        profile::profile_covers_inputs,
    ),
    ("billing.inputs_profiled", profile::inputs_profiled),
    ("billing.terms_cite_sections", terms::terms_cite_sections),
    ("billing.rules_cited", terms::rules_cited),
    ("billing.entry_ids_known", entries::entry_ids_known),
    ("billing.every_entry_once", entries::every_entry_once),
    ("billing.findings_codes", findings::findings_codes),
    ("billing.amounts_two_places", findings::amounts_two_places),
    ("billing.delta_consistent", findings::delta_consistent),
    ("billing.precedence", exclusions::precedence),
    ("billing.rates_by_date", rates::rates_by_date),
    ("billing.daily_cap_order", time::daily_cap_order),
    ("billing.flags_scope", flags::flags_scope),
    (
        "billing.report_cites_sections",
        report::report_cites_sections,
    ),
    ("billing.report_traces", report::report_traces),
];

fn rows<'a>(
    input: &DomainInput<'a>,
    slot: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<&'a Vec<Value>> {
    match input.slot(slot) {
        Some(Value::Array(list)) => Some(list),
        Some(_) => {
            out.push(diag::error(
                diag::DOMAIN_INPUT,
                input.pointer(slot, ""),
                format!("`{slot}` is not an array of rows"),
            ));
            None
        }
        None => {
            out.push(diag::error(
                diag::DOMAIN_INPUT,
                "",
                format!("`{slot}` is not among the artifact and its related artifacts"),
            ));
            None
        }
    }
}

fn cell_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Every id of `entries_slot` appears exactly once in `findings_slot`, which holds no other ids.
fn entries_once_between(
    input: &DomainInput<'_>,
    findings_slot: &str,
    entries_slot: &str,
    key: &str,
    out: &mut Vec<Diagnostic>,
) {
    let (Some(findings), Some(entries)) = (
        rows(input, findings_slot, out),
        rows(input, entries_slot, out),
    ) else {
        return;
    };
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for (i, entry) in entries.iter().enumerate() {
        match entry.get(key).and_then(cell_text) {
            Some(id) => {
                expected.entry(id).or_insert(0);
            }
            None => out.push(diag::error(
                diag::DOMAIN_INPUT,
                input.pointer(entries_slot, &index_child("", i)),
                format!("input entry without `{key}`"),
            )),
        }
    }
    for (i, row) in findings.iter().enumerate() {
        let at = input.pointer(findings_slot, &child(&index_child("", i), key));
        let Some(id) = row.get(key).and_then(cell_text) else {
            out.push(diag::error(
                diag::ENTRIES_ONCE,
                at,
                format!("finding without `{key}`"),
            ));
            continue;
        };
        match expected.get_mut(&id) {
            Some(seen) => {
                *seen += 1;
                if *seen == 2 {
                    out.push(diag::error(
                        diag::ENTRIES_ONCE,
                        at,
                        format!("entry {id} appears more than once"),
                    ));
                }
            }
            None => out.push(diag::error(
                diag::ENTRIES_ONCE,
                at,
                format!("entry {id} is not an input entry"),
            )),
        }
    }
    for (id, seen) in expected {
        if seen == 0 {
            out.push(diag::error(
                diag::ENTRIES_ONCE,
                input.pointer(findings_slot, ""),
                format!("input entry {id} is missing from `{findings_slot}`"),
            ));
        }
    }
}

/// Sums one column; a cell that is not an amount is reported and counted as zero.
fn column_sum(
    input: &DomainInput<'_>,
    slot: &str,
    list: &[Value],
    column: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<Decimal> {
    let mut sum = Decimal::zero();
    for (i, row) in list.iter().enumerate() {
        match amount(row.get(column)) {
            Some(d) => sum = sum.checked_add(d)?,
            None => out.push(diag::error(
                diag::DOMAIN_INPUT,
                input.pointer(slot, &child(&index_child("", i), column)),
                format!("`{column}` is not an amount"),
            )),
        }
    }
    Some(sum)
}

fn amount(value: Option<&Value>) -> Option<Decimal> {
    value.and_then(cell_text).and_then(|t| Decimal::parse(&t))
}

fn expect_equal(
    input: &DomainInput<'_>,
    slot: &str,
    pointer: &str,
    declared: Option<&Value>,
    computed: Option<Decimal>,
    what: &str,
    out: &mut Vec<Diagnostic>,
) {
    let at = input.pointer(slot, pointer);
    let Some(computed) = computed else {
        out.push(diag::error(
            diag::TOTALS,
            at,
            format!("{what} could not be computed (overflow)"),
        ));
        return;
    };
    match amount(declared) {
        Some(d) if d == computed => {}
        Some(d) => out.push(diag::error(
            diag::TOTALS,
            at,
            format!("{d} declared, but {what} gives {computed}"),
        )),
        None => out.push(diag::error(
            diag::TOTALS,
            at,
            format!("missing or not a number; {what} gives {computed}"),
        )),
    }
}

pub fn totals_reconcile(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let summary_slot = input.slot_param("summary", "summary");
    let findings_slot = input.slot_param("findings", "findings");
    let months_slot = input.slot_param("matter_months", "matter_months");
    let findings = rows(input, findings_slot, &mut out);
    let months = rows(input, months_slot, &mut out);
    let Some(summary) = input.slot(summary_slot) else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "",
            format!("`{summary_slot}` is not among the artifact and its related artifacts"),
        ));
        return out;
    };
    let (Some(findings), Some(months)) = (findings, months) else {
        return out;
    };

    for (i, row) in findings.iter().enumerate() {
        let (Some(billed), Some(payable)) = (
            amount(row.get("billed_amount")),
            amount(row.get("payable_amount")),
        ) else {
            out.push(diag::error(
                diag::DOMAIN_INPUT,
                input.pointer(findings_slot, &index_child("", i)),
                "billed_amount or payable_amount is not an amount",
            ));
            continue;
        };
        let pointer = child(&index_child("", i), "delta");
        expect_equal(
            input,
            findings_slot,
            &pointer,
            row.get("delta"),
            billed.checked_sub(payable),
            "billed_amount − payable_amount",
            &mut out,
        );
    }

    let entries = Decimal::parse(&findings.len().to_string());
    expect_equal(
        input,
        summary_slot,
        "/entries",
        summary.get("entries"),
        entries,
        "the findings row count",
        &mut out,
    );
    let billed = column_sum(input, findings_slot, findings, "billed_amount", &mut out);
    expect_equal(
        input,
        summary_slot,
        "/total_billed",
        summary.get("total_billed"),
        billed,
        "the sum of findings.billed_amount",
        &mut out,
    );
    let payable = column_sum(input, findings_slot, findings, "payable_amount", &mut out);
    expect_equal(
        input,
        summary_slot,
        "/total_payable_before_caps",
        summary.get("total_payable_before_caps"),
        payable,
        "the sum of findings.payable_amount",
        &mut out,
    );
    let months_payable = column_sum(input, months_slot, months, "payable_before_cap", &mut out);
    expect_equal(
        input,
        summary_slot,
        "/total_payable_before_caps",
        summary.get("total_payable_before_caps"),
        months_payable,
        "the sum of matter_months.payable_before_cap",
        &mut out,
    );
    let overage = column_sum(input, months_slot, months, "overage", &mut out);
    expect_equal(
        input,
        summary_slot,
        "/total_cap_overage",
        summary.get("total_cap_overage"),
        overage,
        "the sum of matter_months.overage",
        &mut out,
    );
    let net = match (
        amount(summary.get("total_payable_before_caps")),
        amount(summary.get("total_cap_overage")),
    ) {
        (Some(b), Some(o)) => b.checked_sub(o),
        _ => None,
    };
    if net.is_some() {
        expect_equal(
            input,
            summary_slot,
            "/total_payable",
            summary.get("total_payable"),
            net,
            "total_payable_before_caps − total_cap_overage",
            &mut out,
        );
    }
    check_code_counts(input, summary_slot, summary, findings, &mut out);
    out
}

fn check_code_counts(
    input: &DomainInput<'_>,
    summary_slot: &str,
    summary: &Value,
    findings: &[Value],
    out: &mut Vec<Diagnostic>,
) {
    let mut counted: BTreeMap<String, u64> = BTreeMap::new();
    for row in findings {
        for column in ["findings", "flags"] {
            let text = row.get(column).and_then(Value::as_str).unwrap_or_default();
            for code in text.split(';').map(str::trim).filter(|c| !c.is_empty()) {
                *counted.entry(code.to_string()).or_default() += 1;
            }
        }
    }
    let Some(declared) = summary.get("findings_by_code").and_then(Value::as_object) else {
        out.push(diag::error(
            diag::TOTALS,
            input.pointer(summary_slot, "/findings_by_code"),
            "findings_by_code is missing",
        ));
        return;
    };
    let declared: HashMap<&str, Option<u64>> = declared
        .iter()
        .map(|(k, v)| {
            (
                k.as_str(),
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok())),
            )
        })
        .collect();
    let mut codes: Vec<&str> = counted
        .keys()
        .map(String::as_str)
        .chain(declared.keys().copied())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    for code in codes {
        let have = counted.get(code).copied().unwrap_or(0);
        let said = declared.get(code).copied().unwrap_or(Some(0));
        if said != Some(have) {
            out.push(diag::error(
                diag::TOTALS,
                input.pointer(summary_slot, &child("/findings_by_code", code)),
                format!(
                    "{code}: {} declared, the findings hold {have}",
                    said.map_or("a non-count".to_string(), |n| n.to_string())
                ),
            ));
        }
    }
}
