//! `contract.standard_terms` (rubric check, `standard_clauses`): every standard clause states its substance
//! as structured terms that come from its own text — its sentences, joined, are its text; `terms` holds
//! `quantities` and `places` lists; every quantity of a sentence is among the clause's quantities and every
//! clause quantity comes from one of its sentences.
//!
//! Why: the evaluator compares the contract's terms with these; a term that is not in the text (or a text
//! whose terms were lost) would turn equivalent wording into a deviation or hide a real one.
//!
//! Failing example: a `PAYMENT` clause with text "... within thirty (30) days of receipt." and terms
//! `{"quantities": ["60 day"], "places": []}` — `60 day` is in no sentence.

use std::collections::BTreeSet;

use serde_json::Value;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use super::common::squash;

fn list(v: Option<&Value>) -> Option<BTreeSet<String>> {
    match v? {
        Value::Array(items) => items
            .iter()
            .map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(Value::Array(clauses)) = input.value.get("clauses") else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "/clauses",
            "the standard has no `clauses` list",
        ));
        return out;
    };
    for (i, c) in clauses.iter().enumerate() {
        let code = c.get("clause").and_then(Value::as_str).unwrap_or("?");
        let text = c.get("text").and_then(Value::as_str).unwrap_or("");
        let sentences = match c.get("sentences") {
            Some(Value::Array(s)) if !s.is_empty() => s,
            _ => {
                out.push(diag::error(
                    diag::RULE_UNCITED,
                    format!("/clauses/{i}/sentences"),
                    format!("clause `{code}` has no sentences"),
                ));
                continue;
            }
        };
        let joined = squash(
            &sentences
                .iter()
                .map(|s| s.get("text").and_then(Value::as_str).unwrap_or(""))
                .collect::<Vec<_>>()
                .join(" "),
        );
        if joined != squash(text) {
            out.push(diag::error(
                diag::RULE_UNCITED,
                format!("/clauses/{i}/sentences"),
                format!("clause `{code}`: its sentences, joined, are not its text"),
            ));
        }
        let terms = c.get("terms");
        let (Some(quantities), Some(_places)) = (
            list(terms.and_then(|t| t.get("quantities"))),
            list(terms.and_then(|t| t.get("places"))),
        ) else {
            out.push(diag::error(
                diag::MISSING_FIELD,
                format!("/clauses/{i}/terms"),
                format!("clause `{code}` has no `quantities` and `places` terms"),
            ));
            continue;
        };
        let mut from_sentences = BTreeSet::new();
        for (k, s) in sentences.iter().enumerate() {
            let q = list(s.get("terms").and_then(|t| t.get("quantities"))).unwrap_or_default();
            for x in &q {
                if !quantities.contains(x) {
                    out.push(diag::error(
                        diag::RULE_UNCITED,
                        format!("/clauses/{i}/sentences/{k}/terms/quantities"),
                        format!("clause `{code}`: sentence quantity `{x}` is not among the clause's terms"),
                    ));
                }
            }
            from_sentences.extend(q);
        }
        for x in quantities.difference(&from_sentences) {
            out.push(diag::error(
                diag::RULE_UNCITED,
                format!("/clauses/{i}/terms/quantities"),
                format!("clause `{code}`: quantity `{x}` comes from none of its sentences"),
            ));
        }
    }
    out
}
