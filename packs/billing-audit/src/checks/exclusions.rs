//! `billing.precedence`: each entry's exclusion is the first, by the precedence of section 8 (from the
//! terms), of the exclusion grounds that apply to it, re-derived from the normalised entries: duplicate
//! (5.2), closed matter (2.2), unapproved timekeeper (2.1), non-billable task (5.1).

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::common::{
    cell, code_list, concerns, entry_order_key, section_by_code, term, term_list, terms,
};
use super::rows;
use writ_canon::Decimal;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::patch::{child, index_child};
use writ_ladder::stages::domain::DomainInput;

const EXCLUSIONS: &str = "exclusions";
const NUMERIC_FIELDS: [&str; 3] = ["hours", "rate", "amount"];

/// The rules the exclusions apply, read from the terms.
struct Rules {
    precedence: Vec<String>,
    duplicate: String,
    closed: String,
    unapproved: String,
    non_billable: String,
    duplicate_fields: Vec<String>,
    task_codes: Vec<String>,
    inclusive: bool,
    open_end: bool,
}

impl Rules {
    fn read(input: &DomainInput<'_>, terms: &Value, out: &mut Vec<Diagnostic>) -> Option<Rules> {
        let mut text = |pointer: &str| term(input, terms, pointer, out);
        let (duplicate, closed, unapproved, non_billable, inclusive, open_end) = (
            text("/duplicates/code"),
            text("/closed_matter/code"),
            text("/staffing/code"),
            text("/non_billable/code"),
            text("/staffing/inclusive"),
            text("/staffing/empty_to_means_open"),
        );
        let mut list = |pointer: &str| term_list(input, terms, pointer, out);
        let (precedence, duplicate_fields, task_codes) = (
            list("/payable/precedence"),
            list("/duplicates/fields"),
            list("/non_billable/task_codes"),
        );
        Some(Rules {
            precedence: precedence?,
            duplicate: duplicate?,
            closed: closed?,
            unapproved: unapproved?,
            non_billable: non_billable?,
            duplicate_fields: duplicate_fields?,
            task_codes: task_codes?,
            inclusive: inclusive? == "true",
            open_end: open_end? == "true",
        })
    }

    fn rank(&self, code: &str) -> usize {
        self.precedence
            .iter()
            .position(|c| c == code)
            .unwrap_or(usize::MAX)
    }

    fn approved(&self, entry: &Value) -> bool {
        let day = cell(entry, "date");
        cell(entry, "approved_windows")
            .split(';')
            .filter(|w| !w.is_empty())
            .any(|window| {
                let (start, end) = window.split_once("..").unwrap_or((window, ""));
                let after_start = if self.inclusive {
                    start <= day.as_str()
                } else {
                    start < day.as_str()
                };
                let before_end = if end.is_empty() {
                    self.open_end
                } else if self.inclusive {
                    day.as_str() <= end
                } else {
                    day.as_str() < end
                };
                !start.is_empty() && after_start && before_end
            })
    }

    /// What makes two entries the same under 5.2; numbers compare by value (`1.0` repeats `1`).
    fn duplicate_key(&self, entry: &Value) -> Vec<String> {
        self.duplicate_fields
            .iter()
            .map(|field| {
                let text = cell(entry, field);
                match Decimal::parse(&text) {
                    Some(d) if NUMERIC_FIELDS.contains(&field.as_str()) => {
                        let t = d.to_string();
                        if t.contains('.') {
                            t.trim_end_matches('0').trim_end_matches('.').to_string()
                        } else {
                            t
                        }
                    }
                    _ => text,
                }
            })
            .collect()
    }
}

/// Per entry id: the grounds that apply, in precedence order, and the entry a duplicate repeats.
fn derive(rules: &Rules, entries: &[Value]) -> HashMap<String, (Vec<String>, Option<String>)> {
    let mut ordered: Vec<&Value> = entries.iter().collect();
    ordered.sort_by_key(|e| entry_order_key(&cell(e, "entry_id")));
    let mut first_seen: BTreeMap<Vec<String>, String> = BTreeMap::new();
    let mut derived = HashMap::new();
    for entry in ordered {
        let id = cell(entry, "entry_id");
        let mut reasons = Vec::new();
        let earlier = first_seen
            .entry(rules.duplicate_key(entry))
            .or_insert_with(|| id.clone())
            .clone();
        if earlier != id {
            reasons.push(rules.duplicate.clone());
        }
        let closed = cell(entry, "matter_closed");
        if !closed.is_empty() && cell(entry, "date") > closed {
            reasons.push(rules.closed.clone());
        }
        if !rules.approved(entry) {
            reasons.push(rules.unapproved.clone());
        }
        if rules.task_codes.contains(&cell(entry, "task_code")) {
            reasons.push(rules.non_billable.clone());
        }
        reasons.sort_by_key(|r| rules.rank(r));
        let duplicate_of = (earlier != id).then_some(earlier);
        derived.insert(id, (reasons, duplicate_of));
    }
    derived
}

pub fn precedence(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !concerns(input, &[EXCLUSIONS]) {
        return out;
    }
    let (Some(list), Some(entries), Some(terms)) = (
        rows(input, EXCLUSIONS, &mut out),
        rows(input, "entries", &mut out),
        terms(input, &mut out),
    ) else {
        return out;
    };
    let Some(rules) = Rules::read(input, terms, &mut out) else {
        return out;
    };
    let sections = section_by_code(terms);
    let derived = derive(&rules, entries);
    for (i, row) in list.iter().enumerate() {
        let at = |column: &str| input.pointer(EXCLUSIONS, &child(&index_child("", i), column));
        let id = cell(row, "entry_id");
        let Some((reasons, duplicate_of)) = derived.get(&id) else {
            continue; // an unknown entry is `billing.entry_ids_known`'s finding
        };
        let recorded = cell(row, "exclusion");
        let listed = cell(row, "reasons");
        let listed = code_list(&listed);
        let first_listed = listed.iter().copied().min_by_key(|r| rules.rank(r));
        if !recorded.is_empty() && first_listed.is_some_and(|f| *f != recorded) {
            out.push(diag::error(
                diag::PRECEDENCE,
                at("exclusion"),
                format!(
                    "{id} records {recorded}, but {} comes first by the precedence of section 8",
                    first_listed.unwrap_or_default()
                ),
            ));
            continue;
        }
        let expected = reasons.first().map_or("", String::as_str);
        if recorded != expected {
            out.push(diag::error(
                diag::PRECEDENCE,
                at("exclusion"),
                format!(
                    "{id} records `{recorded}`, the grounds that apply ({}) give `{expected}`",
                    reasons.join(", ")
                ),
            ));
            continue;
        }
        if row.get("reasons").is_some() && listed != *reasons {
            out.push(diag::error(
                diag::PRECEDENCE,
                at("reasons"),
                format!(
                    "{id} lists `{}`, the grounds that apply in precedence order are `{}`",
                    listed.join(";"),
                    reasons.join(";")
                ),
            ));
        }
        let section = sections.get(expected).map_or("", String::as_str);
        if row.get("section").is_some() && cell(row, "section") != section {
            out.push(diag::error(
                diag::PRECEDENCE,
                at("section"),
                format!("{id}: `{expected}` comes from section `{section}`"),
            ));
        }
        let duplicate_of = duplicate_of.as_deref().unwrap_or("");
        if row.get("duplicate_of").is_some() && cell(row, "duplicate_of") != duplicate_of {
            out.push(diag::error(
                diag::PRECEDENCE,
                at("duplicate_of"),
                format!("{id} repeats `{duplicate_of}`"),
            ));
        }
    }
    out
}
