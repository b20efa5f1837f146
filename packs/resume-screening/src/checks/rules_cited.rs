//! `resume.rules_cited` (rubric check on `rules`): every rule extracted from the posting cites
//! the posting line it comes from, and every requirement and criterion the screening needs is present.
//!
//! Why: a score is explainable only if each of its rules can be read at its line of the posting; a rule
//! extracted without a line, or a criterion silently missing, would score candidates by an unstated rule.
//!
//! Failing example: rules whose `kubernetes` criterion has no `line` → `L2104` at `/score/criteria/0/line`;
//! rules without a `led_team` criterion → `L2104` at `/score/criteria`.

use serde_json::Value;
use writ_pack::{Diagnostic, DomainInput};

use super::{codes, error};

const REQUIREMENTS: [&str; 4] = ["backend_years", "rust_or_go", "postgresql", "authorized"];
const CRITERIA: [&str; 5] = [
    "kubernetes",
    "distributed_systems",
    "open_source",
    "cs_degree",
    "led_team",
];

fn line_ok(v: Option<&Value>) -> bool {
    v.and_then(Value::as_i64).is_some_and(|n| n >= 1)
}

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let r = input.value;
    if r.get("requirements").is_none() && r.get("score").is_none() {
        return out;
    }
    if !line_ok(r.pointer("/experience/line")) {
        out.push(error(
            codes::RULE_UNCITED,
            "/experience/line",
            "the experience rule cites no posting line",
        ));
    }
    for (pointer, what) in [
        ("/experience/min_years", "minimum years"),
        ("/experience/present", "month of \"Present\""),
        ("/experience/title_terms", "backend titles"),
        ("/score/base", "base score"),
        ("/score/experience/per_year", "points per year"),
    ] {
        if r.pointer(pointer).is_none() {
            out.push(error(
                codes::RULE_UNCITED,
                pointer,
                format!("the {what} was not extracted"),
            ));
        }
    }
    if !line_ok(r.pointer("/score/base_line")) {
        out.push(error(
            codes::RULE_UNCITED,
            "/score/base_line",
            "the base score cites no posting line",
        ));
    }
    if !line_ok(r.pointer("/score/experience/line")) {
        out.push(error(
            codes::RULE_UNCITED,
            "/score/experience/line",
            "the per-year points cite no posting line",
        ));
    }
    for (list, ids) in [
        ("/requirements", &REQUIREMENTS[..]),
        ("/score/criteria", &CRITERIA[..]),
    ] {
        let items = r
            .pointer(list)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for id in ids {
            match items
                .iter()
                .position(|x| x.get("id").and_then(Value::as_str) == Some(id))
            {
                Some(i) if !line_ok(items[i].get("line")) => out.push(error(
                    codes::RULE_UNCITED,
                    format!("{list}/{i}/line"),
                    format!("`{id}` cites no posting line"),
                )),
                Some(_) => {}
                None => out.push(error(
                    codes::RULE_UNCITED,
                    list,
                    format!("the posting's `{id}` rule was not extracted"),
                )),
            }
        }
    }
    out
}
