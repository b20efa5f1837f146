//! The pack's domain validators and rubric checks, one per file under `checks/`, and the diagnostic codes
//! they issue.
//!
//! Tables arrive as JSON rows (arrays of objects with string cells); related artifacts by slot name
//! (`rules`, `candidates`, `screened`, `ranking`, `cards`). A check whose artifact is not the one it is about
//! returns no diagnostics, so that a check listed on several steps only speaks where it applies.

use serde_json::Value;
use writ_diag::{Area, Code, Diagnostic};
use writ_pack::{Check, DomainInput};

mod booleans;
mod eligibility_rule;
mod every_resume_once;
mod merge_complete;
mod points_cited;
mod ranking_order;
mod report_shortlist;
mod rules_cited;
mod score_rule;

/// Every check this pack implements, by the id `pack.toml` declares.
pub const CHECKS: &[(&str, Check)] = &[
    ("resume.booleans", booleans::check),
    ("resume.eligibility_rule", eligibility_rule::check),
    ("resume.score_rule", score_rule::check),
    ("resume.rules_cited", rules_cited::check),
    ("resume.every_resume_once", every_resume_once::check),
    ("resume.ranking_order", ranking_order::check),
    ("resume.merge_complete", merge_complete::check),
    ("resume.points_cited", points_cited::check),
    ("resume.report_shortlist", report_shortlist::check),
];

/// The codes of this pack: `L2101`… (the range 2100–2199 of the ladder area, to be claimed for
/// `writ-pack-resume-screening` in `writ_diag::RANGES`).
pub mod codes {
    use super::{Area, Code};
    pub const NOT_BOOLEAN: Code = Code::new(Area::Ladder, 2101);
    pub const ELIGIBILITY: Code = Code::new(Area::Ladder, 2102);
    pub const SCORE: Code = Code::new(Area::Ladder, 2103);
    pub const RULE_UNCITED: Code = Code::new(Area::Ladder, 2104);
    pub const RESUME_ONCE: Code = Code::new(Area::Ladder, 2105);
    pub const RANKING_ORDER: Code = Code::new(Area::Ladder, 2106);
    pub const MERGE: Code = Code::new(Area::Ladder, 2107);
    pub const POINT_UNCITED: Code = Code::new(Area::Ladder, 2108);
    pub const SHORTLIST: Code = Code::new(Area::Ladder, 2109);
    pub const INPUT: Code = Code::new(Area::Ladder, 2110);
}

pub(crate) const BOOLEAN_COLUMNS: [&str; 9] = [
    "rust_or_go",
    "postgresql",
    "authorized",
    "kubernetes",
    "distributed_systems",
    "open_source",
    "cs_degree",
    "led_team",
    "eligible",
];

pub(crate) fn error(
    code: Code,
    pointer: impl Into<String>,
    message: impl Into<String>,
) -> Diagnostic {
    Diagnostic::error(code, message).at(pointer)
}

/// The rows of a table artifact, or None when the value is not an array of objects.
pub(crate) fn rows(v: &Value) -> Option<&Vec<Value>> {
    v.as_array()
        .filter(|rows| rows.iter().all(Value::is_object))
}

pub(crate) fn cell<'a>(row: &'a Value, col: &str) -> &'a str {
    row.get(col).and_then(Value::as_str).unwrap_or_default()
}

/// Whether the artifact is a table with the given columns on its first row.
pub(crate) fn has_columns(v: &Value, cols: &[&str]) -> bool {
    rows(v)
        .and_then(|r| r.first())
        .is_some_and(|first| cols.iter().all(|c| first.get(*c).is_some()))
}

/// `/<row index>/<column>` under `prefix`.
pub(crate) fn at(prefix: &str, row: usize, col: &str) -> String {
    format!("{prefix}/{row}/{col}")
}

/// The posting's rules (the `rules` related artifact, or the artifact itself when it is the rules).
pub(crate) fn rules<'a>(input: &DomainInput<'a>) -> Option<&'a Value> {
    if input.value.get("score").is_some() && input.value.get("experience").is_some() {
        return Some(input.value);
    }
    let slot = input.slot_param("rules", "rules");
    input.slot(slot)
}

/// A number of the rules, as an integer (numbers may arrive as JSON numbers or strings).
pub(crate) fn int_at(v: &Value, pointer: &str) -> Option<i64> {
    let x = v.pointer(pointer)?;
    x.as_i64()
        .or_else(|| x.as_str().and_then(|s| s.trim().parse().ok()))
}

/// `text` (e.g. `7.4`) in tenths.
pub(crate) fn tenths(text: &str) -> Option<i64> {
    let (a, b) = text.trim().split_once('.')?;
    if b.len() != 1 || a.is_empty() || !a.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(a.parse::<i64>().ok()? * 10 + b.parse::<i64>().ok()?)
}

/// The points a criterion of the rules is worth, by id.
pub(crate) fn criterion_points(rules: &Value, id: &str) -> Option<i64> {
    rules
        .pointer("/score/criteria")?
        .as_array()?
        .iter()
        .find(|c| c.get("id").and_then(Value::as_str) == Some(id))
        .and_then(|c| c.get("points"))
        .and_then(|p| {
            p.as_i64()
                .or_else(|| p.as_str().and_then(|s| s.parse().ok()))
        })
}

/// The proof cards: an array of cards, an object of cards by candidate or file name, or a directory
/// artifact as `{"files": {name: card or JSON text}}`.
pub(crate) fn cards(v: &Value) -> Vec<(String, Value)> {
    let parse = |x: &Value| match x {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
        other => other.clone(),
    };
    match v {
        Value::Array(list) => list
            .iter()
            .map(parse)
            .map(|c| (cell(&c, "candidate_id").to_string(), c))
            .collect(),
        Value::Object(map) => {
            let inner = map.get("files").and_then(Value::as_object).unwrap_or(map);
            inner
                .iter()
                .map(|(k, x)| {
                    let c = parse(x);
                    let id = match cell(&c, "candidate_id") {
                        "" => k.trim_end_matches(".json").to_string(),
                        id => id.to_string(),
                    };
                    (id, c)
                })
                .filter(|(_, c)| c.is_object())
                .collect()
        }
        _ => Vec::new(),
    }
}
