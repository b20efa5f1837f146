//! `billing.flags_scope`: review flags (section 7) only on entries not excluded in full, and none that
//! contradicts 7.1 or 7.2: block billing needs the separator in the description and more than the hours
//! threshold; a description that is one of the generic phrases must be flagged vague.

use std::collections::HashSet;

use serde_json::Value;

use super::common::{cell, code_list, concerns, decimal_cell, index_by_id, term, term_list, terms};
use super::{num, rows};
use writ_canon::Decimal;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::patch::{child, index_child};
use writ_ladder::stages::domain::DomainInput;

struct FlagRules {
    block: String,
    vague: String,
    separator: String,
    threshold: Decimal,
    phrases: Vec<String>,
    exclusion_codes: Vec<String>,
}

impl FlagRules {
    fn read(
        input: &DomainInput<'_>,
        terms: &Value,
        out: &mut Vec<Diagnostic>,
    ) -> Option<FlagRules> {
        let mut text = |pointer: &str| term(input, terms, pointer, out);
        let (block, vague, separator, threshold) = (
            text("/block_billing/code"),
            text("/vague/code"),
            text("/block_billing/separator"),
            text("/block_billing/hours_threshold"),
        );
        let mut list = |pointer: &str| term_list(input, terms, pointer, out);
        let (phrases, exclusion_codes) =
            (list("/vague/generic_phrases"), list("/payable/precedence"));
        let threshold = Decimal::parse(&threshold?);
        if threshold.is_none() {
            out.push(diag::error(
                diag::DOMAIN_INPUT,
                input.pointer("terms", "/block_billing/hours_threshold"),
                "the block-billing hours threshold is not a number",
            ));
        }
        Some(FlagRules {
            block: block?,
            vague: vague?,
            separator: separator?,
            threshold: threshold?,
            phrases: phrases?.iter().map(|p| squash(p)).collect(),
            exclusion_codes: exclusion_codes?,
        })
    }
}

/// Lower case, single spaces, no trailing full stop: how a description is compared with a phrase.
fn squash(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .join(" ")
        .to_lowercase()
        .trim_end_matches('.')
        .trim()
        .to_string()
}

pub fn flags_scope(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !concerns(input, &["flags", "findings"]) {
        return out;
    }
    let slot = input.artifact.name.as_str();
    let (Some(list), Some(entries), Some(terms)) = (
        rows(input, slot, &mut out),
        rows(input, "entries", &mut out),
        terms(input, &mut out),
    ) else {
        return out;
    };
    let Some(rules) = FlagRules::read(input, terms, &mut out) else {
        return out;
    };
    // The flags step judges exclusion by the exclusions table; findings by their own exclusion codes.
    let excluded: HashSet<String> = if slot == "flags" {
        let Some(exclusions) = rows(input, "exclusions", &mut out) else {
            return out;
        };
        exclusions
            .iter()
            .filter(|r| !cell(r, "exclusion").is_empty())
            .map(|r| cell(r, "entry_id"))
            .collect()
    } else {
        list.iter()
            .filter(|r| {
                code_list(&cell(r, "findings"))
                    .iter()
                    .any(|c| rules.exclusion_codes.iter().any(|x| x == c))
            })
            .map(|r| cell(r, "entry_id"))
            .collect()
    };
    let entries = index_by_id(entries);
    for (i, row) in list.iter().enumerate() {
        let at = input.pointer(slot, &child(&index_child("", i), "flags"));
        let id = cell(row, "entry_id");
        let text = cell(row, "flags");
        let flags = code_list(&text);
        if excluded.contains(&id) {
            if !flags.is_empty() {
                out.push(diag::error(
                    diag::FLAG_SCOPE,
                    at,
                    format!("{id} is excluded in full, yet flagged `{text}`"),
                ));
            }
            continue;
        }
        let Some((_, entry)) = entries.get(&id) else {
            continue; // an unknown entry is `billing.entry_ids_known`'s finding
        };
        let description = cell(entry, "description");
        let over = decimal_cell(entry, "hours")
            .and_then(|h| h.checked_sub(rules.threshold))
            .is_some_and(num::is_positive);
        let mut problems = Vec::new();
        if flags.contains(&rules.block.as_str())
            && !(over && description.contains(rules.separator.as_str()))
        {
            problems.push(format!(
                "{} needs more than {} hours and tasks separated by `{}`",
                rules.block, rules.threshold, rules.separator
            ));
        }
        if !flags.contains(&rules.vague.as_str()) && rules.phrases.contains(&squash(&description)) {
            problems.push(format!(
                "the description `{description}` is a generic phrase, so {} applies",
                rules.vague
            ));
        }
        for problem in problems {
            out.push(diag::error(
                diag::FLAG_SCOPE,
                at.clone(),
                format!("{id} flagged `{text}`: {problem}"),
            ));
        }
    }
    out
}
