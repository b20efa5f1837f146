//! `contract.standard_complete` (validator, `standard_clauses`): the standard form is segmented into every
//! clause of the review (the README's thirteen codes), each exactly once, with a heading, a body line range
//! (`1 <= line_start <= line_end`) and non-empty text.
//!
//! Why: the standard is the yardstick of every comparison; a clause missing from it would make every
//! contract's clause of that name unjudgeable, silently.
//!
//! Failing example: `{"clauses": [{"clause": "TERM", ...}, {"clause": "TERM", ...}]}` without `PAYMENT` —
//! `TERM` twice and twelve codes missing.

use std::collections::BTreeMap;

use serde_json::Value;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use super::common::clause_list;

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
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, c) in clauses.iter().enumerate() {
        let code = c.get("clause").and_then(Value::as_str).unwrap_or("");
        if let Some(first) = seen.insert(code, i) {
            out.push(diag::error(
                diag::GRAIN,
                format!("/clauses/{i}/clause"),
                format!("clause `{code}` appears twice (also at /clauses/{first})"),
            ));
        }
        if !clause_list().any(|k| k == code) {
            out.push(diag::error(
                diag::CODE_LIST,
                format!("/clauses/{i}/clause"),
                format!("`{code}` is not a clause code of the review"),
            ));
        }
        let start = c.get("line_start").and_then(Value::as_u64).unwrap_or(0);
        let end = c.get("line_end").and_then(Value::as_u64).unwrap_or(0);
        if start == 0 || end < start {
            out.push(diag::error(
                diag::RULE_UNCITED,
                format!("/clauses/{i}"),
                format!("clause `{code}` has no valid body lines ({start}-{end})"),
            ));
        }
        for field in ["heading", "text"] {
            if c.get(field)
                .and_then(Value::as_str)
                .is_none_or(|s| s.trim().is_empty())
            {
                out.push(diag::error(
                    diag::MISSING_FIELD,
                    format!("/clauses/{i}/{field}"),
                    format!("clause `{code}` has no {field}"),
                ));
            }
        }
    }
    for code in clause_list() {
        if !seen.contains_key(code) {
            out.push(diag::error(
                diag::RULE_MISSING,
                "/clauses",
                format!("the standard's clause `{code}` was not segmented"),
            ));
        }
    }
    out
}
