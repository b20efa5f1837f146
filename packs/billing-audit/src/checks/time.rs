//! `billing.daily_cap_order`: the daily cap (4.2) re-derived from the normalised entries, the exclusions and
//! the terms: hours cut down to whole increments first (4.1), only payable entries counted, per timekeeper
//! and day (across matters when the letter says so), the excess removed from the highest entry number down.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::common::{
    cell, code_list, concerns, decimal_cell, entry_order_key, index_by_id, term, terms,
};
use super::{num, rows};
use writ_canon::Decimal;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::patch::{child, index_child};
use writ_ladder::stages::domain::DomainInput;

const TIME_CHECKS: &str = "time_checks";

/// What the cap leaves of one entry.
#[derive(Clone, Copy)]
struct Hours {
    increment: Decimal,
    payable: Decimal,
    cut: Decimal,
}

struct Cap {
    step: Decimal,
    round_down: bool,
    hours: Decimal,
    across_matters: bool,
    highest_first: bool,
}

impl Cap {
    fn read(input: &DomainInput<'_>, terms: &Value, out: &mut Vec<Diagnostic>) -> Option<Cap> {
        let mut text = |pointer: &str| term(input, terms, pointer, out);
        let (step, rounding, hours, scope, order) = (
            text("/increment/increment"),
            text("/increment/rounding"),
            text("/daily_cap/hours"),
            text("/daily_cap/scope"),
            text("/daily_cap/remove_from"),
        );
        let (step, hours) = (Decimal::parse(&step?), Decimal::parse(&hours?));
        if !step.is_some_and(num::is_positive) || hours.is_none() {
            out.push(diag::error(
                diag::DOMAIN_INPUT,
                input.pointer("terms", "/increment/increment"),
                "the increment or the daily cap hours are not positive numbers",
            ));
        }
        Some(Cap {
            step: step?,
            round_down: rounding? == "down",
            hours: hours?,
            across_matters: scope? == "timekeeper_day_all_matters",
            highest_first: order? == "highest_entry_first",
        })
    }
}

/// Per entry id, the hours 4.1 and 4.2 leave payable; `None` when an entry's hours are not a number.
fn derive(
    cap: &Cap,
    entries: &[Value],
    excluded: &HashSet<String>,
) -> Option<BTreeMap<String, Hours>> {
    let mut ordered: Vec<&Value> = entries.iter().collect();
    ordered.sort_by_key(|e| entry_order_key(&cell(e, "entry_id")));
    let mut hours = BTreeMap::new();
    let mut days: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for entry in ordered {
        let id = cell(entry, "entry_id");
        let written = decimal_cell(entry, "hours")?;
        let increment = if cap.round_down {
            num::floor_to_step(written, cap.step)?
        } else {
            written
        };
        let payable = !excluded.contains(&id);
        if payable {
            let mut day = vec![cell(entry, "timekeeper_id"), cell(entry, "date")];
            if !cap.across_matters {
                day.push(cell(entry, "matter_id"));
            }
            days.entry(day).or_default().push(id.clone());
        }
        let payable = if payable { increment } else { Decimal::zero() };
        let cut = Decimal::zero();
        hours.insert(
            id,
            Hours {
                increment,
                payable,
                cut,
            },
        );
    }
    for ids in days.values_mut() {
        let mut excess = ids
            .iter()
            .filter_map(|id| hours.get(id))
            .try_fold(Decimal::zero(), |sum, h| sum.checked_add(h.payable))?
            .checked_sub(cap.hours)?;
        if cap.highest_first {
            ids.reverse();
        }
        for id in ids.iter() {
            let Some(h) = hours.get_mut(id) else { continue };
            if !num::is_positive(excess) {
                break;
            }
            let cut = num::min(excess, h.payable)?;
            if num::is_positive(cut) {
                h.payable = h.payable.checked_sub(cut)?;
                h.cut = cut;
                excess = excess.checked_sub(cut)?;
            }
        }
    }
    Some(hours)
}

pub fn daily_cap_order(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !concerns(input, &[TIME_CHECKS]) {
        return out;
    }
    let (Some(list), Some(entries), Some(exclusions), Some(terms)) = (
        rows(input, TIME_CHECKS, &mut out),
        rows(input, "entries", &mut out),
        rows(input, "exclusions", &mut out),
        terms(input, &mut out),
    ) else {
        return out;
    };
    let (Some(cap), Some(code)) = (
        Cap::read(input, terms, &mut out),
        term(input, terms, "/daily_cap/code", &mut out),
    ) else {
        return out;
    };
    let excluded: HashSet<String> = exclusions
        .iter()
        .filter(|r| !cell(r, "exclusion").is_empty())
        .map(|r| cell(r, "entry_id"))
        .collect();
    let Some(derived) = derive(&cap, entries, &excluded) else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            input.pointer("entries", ""),
            "an entry's hours are not a number (or overflow)",
        ));
        return out;
    };
    let entries = index_by_id(entries);
    for (i, row) in list.iter().enumerate() {
        let id = cell(row, "entry_id");
        let (Some(h), Some((_, entry))) = (derived.get(&id), entries.get(&id)) else {
            continue; // an unknown entry is `billing.entry_ids_known`'s finding
        };
        let findings = cell(row, "findings");
        let capped = code_list(&findings).contains(&code.as_str());
        let checks = [
            ("increment_hours", Some(h.increment)),
            ("payable_hours", Some(h.payable)),
            ("cap_cut", Some(h.cut)),
        ];
        let mut wrong: Vec<(&str, String)> = checks
            .into_iter()
            .filter(|(column, _)| row.get(*column).is_some() || *column != "increment_hours")
            .filter(|(column, want)| decimal_cell(row, column) != *want)
            .map(|(column, want)| (column, want.map(|w| w.to_string()).unwrap_or_default()))
            .collect();
        if capped != num::is_positive(h.cut) {
            let want = if capped { "no " } else { "a " };
            wrong.push(("findings", format!("{want}{code} finding")));
        }
        for (column, want) in wrong {
            out.push(diag::error(
                diag::DAILY_CAP_ORDER,
                input.pointer(TIME_CHECKS, &child(&index_child("", i), column)),
                format!(
                    "{id} ({} on {}): {column} is `{}`, the daily cap re-derived gives {want}",
                    cell(entry, "timekeeper_id"),
                    cell(entry, "date"),
                    cell(row, column)
                ),
            ));
        }
    }
    out
}
