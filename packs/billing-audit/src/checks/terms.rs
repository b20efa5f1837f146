//! The extracted terms against the letter: every rule and reference cites a section the letter has
//! (`billing.terms_cite_sections`); every rule cites its section and a line inside it, and every rule of
//! sections 2 to 8 was extracted (`billing.rules_cited`).

use std::collections::BTreeSet;

use regex::Regex;
use serde_json::Value;

use super::cell_text;
use super::common::concerns;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::patch::child;
use writ_ladder::stages::domain::DomainInput;

const TERMS: &str = "terms";

/// The letter's numbered sections: where each starts, by 1-based line.
pub struct Letter {
    /// `(line, section)`: headings (`## 3. Rates` → `3`) and numbered clauses (`3.1 …`), in line order.
    starts: Vec<(usize, String)>,
}

impl Letter {
    pub fn parse(text: &str) -> Letter {
        // Both patterns are literals known to compile; a failure would only skip parsing.
        let clause = Regex::new(r"^(\d+(?:\.\d+)+)\.?\s").ok();
        let heading = Regex::new(r"^#+\s*(\d+)\.?\s").ok();
        let mut starts = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            let found = [&clause, &heading]
                .into_iter()
                .flatten()
                .find_map(|re| re.captures(line)?.get(1).map(|m| m.as_str().to_string()));
            if let Some(section) = found {
                starts.push((i + 1, section));
            }
        }
        Letter { starts }
    }

    pub fn has(&self, section: &str) -> bool {
        self.starts.iter().any(|(_, s)| s == section)
    }

    /// The innermost section `line` belongs to.
    pub fn section_at(&self, line: usize) -> Option<&str> {
        self.starts
            .iter()
            .take_while(|(start, _)| *start <= line)
            .last()
            .map(|(_, s)| s.as_str())
    }

    /// The numbered clauses (`N.M`) of top-level sections `first..=last`.
    pub fn clauses(&self, first: u32, last: u32) -> Vec<&str> {
        self.starts
            .iter()
            .map(|(_, s)| s.as_str())
            .filter(|s| {
                s.split_once('.')
                    .and_then(|(top, _)| top.parse::<u32>().ok())
                    .is_some_and(|top| (first..=last).contains(&top))
            })
            .collect()
    }
}

/// The related letter, parsed, or a diagnostic saying it is missing.
pub fn letter(input: &DomainInput<'_>, out: &mut Vec<Diagnostic>) -> Option<Letter> {
    let slot = input.slot_param("letter", "letter");
    match input.slot(slot).and_then(Value::as_str) {
        Some(text) => Some(Letter::parse(text)),
        None => {
            out.push(diag::error(
                diag::DOMAIN_INPUT,
                "",
                format!(
                    "the engagement letter (`{slot}`, as text) is not among the related artifacts"
                ),
            ));
            None
        }
    }
}

/// The rules of the terms: every top-level object but the `source` record.
fn rules(terms: &Value) -> Vec<(&str, &Value)> {
    terms
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, rule)| key.as_str() != "source" && rule.is_object())
        .map(|(key, rule)| (key.as_str(), rule))
        .collect()
}

/// The sections a rule refers to besides its own: `*_sections` lists and `*_section` values.
fn references(rule: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (key, value) in rule.as_object().into_iter().flatten() {
        if key.ends_with("_sections") {
            for (i, s) in value.as_array().into_iter().flatten().enumerate() {
                found.extend(cell_text(s).map(|s| (format!("{}/{i}", child("", key)), s)));
            }
        } else if key.ends_with("_section") {
            found.extend(cell_text(value).map(|s| (child("", key), s)));
        }
    }
    found
}

pub fn terms_cite_sections(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !concerns(input, &[TERMS]) {
        return out;
    }
    let Some(letter) = letter(input, &mut out) else {
        return out;
    };
    for (key, rule) in rules(input.value) {
        let at = child("", key);
        let own = rule
            .get("section")
            .and_then(cell_text)
            .map(|s| (child(&at, "section"), s));
        if own.is_none() {
            out.push(diag::error(
                diag::RULE_UNCITED,
                child(&at, "section"),
                format!("rule `{key}` cites no section"),
            ));
        }
        let cited = own.into_iter().chain(
            references(rule)
                .into_iter()
                .map(|(p, s)| (format!("{at}{p}"), s)),
        );
        for (pointer, section) in cited {
            if !letter.has(&section) {
                out.push(diag::error(
                    diag::SECTION_UNKNOWN,
                    pointer,
                    format!("rule `{key}` cites section {section}, which the letter does not have"),
                ));
            }
        }
    }
    out
}

pub fn rules_cited(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !concerns(input, &[TERMS]) {
        return out;
    }
    let Some(letter) = letter(input, &mut out) else {
        return out;
    };
    let mut covered = BTreeSet::new();
    for (key, rule) in rules(input.value) {
        let at = child("", key);
        let section = rule.get("section").and_then(cell_text);
        let line = rule
            .get("line")
            .and_then(|l| l.as_u64().or_else(|| l.as_str()?.parse().ok()));
        let (Some(section), Some(line)) = (section, line) else {
            out.push(diag::error(
                diag::RULE_UNCITED,
                at,
                format!("rule `{key}` does not cite both its section and its line"),
            ));
            continue;
        };
        if !letter.has(&section) {
            out.push(diag::error(
                diag::SECTION_UNKNOWN,
                child(&at, "section"),
                format!("rule `{key}` cites section {section}, which the letter does not have"),
            ));
            continue;
        }
        let within = usize::try_from(line)
            .ok()
            .and_then(|l| letter.section_at(l));
        if within != Some(section.as_str()) {
            out.push(diag::error(
                diag::RULE_UNCITED,
                child(&at, "line"),
                format!(
                    "rule `{key}` cites line {line}, which lies in section {}, not {section}",
                    within.unwrap_or("none")
                ),
            ));
        }
        covered.insert(section);
    }
    for clause in letter.clauses(2, 8) {
        if !covered.contains(clause) {
            out.push(diag::error(
                diag::RULE_MISSING,
                "",
                format!("no extracted rule cites section {clause} of the letter"),
            ));
        }
    }
    out
}
