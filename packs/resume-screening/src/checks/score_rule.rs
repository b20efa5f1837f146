//! `resume.score_rule` (validator): every score follows the posting's scoring rule from the row's own
//! columns: ineligible → the rules' ineligible score; eligible → base + per-year points for the full years
//! above the threshold (capped) + the points of every true criterion column.
//!
//! Why: the score is what ranks candidates; it must be re-derivable from the published columns and the
//! posting alone, so a reader can check any row by hand.
//!
//! Failing example: base 50, 2 points a year above 5, Kubernetes 10; an eligible row with 6.0 years, only
//! `kubernetes` true and score 70 (the rule gives 50 + 2 + 10 = 62) → `L2103` at `/0/score`.

use writ_pack::{Diagnostic, DomainInput};

use super::{at, cell, codes, criterion_points, error, has_columns, int_at, rows, rules, tenths};

const CRITERIA: [&str; 5] = [
    "kubernetes",
    "distributed_systems",
    "open_source",
    "cs_degree",
    "led_team",
];

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !has_columns(
        input.value,
        &["candidate_id", "eligible", "score", "backend_years"],
    ) {
        return out;
    }
    let Some(rules) = rules(input) else {
        out.push(error(
            codes::INPUT,
            "",
            "the `rules` artifact is not related to this output",
        ));
        return out;
    };
    let (Some(base), Some(per_year), Some(above), Some(cap)) = (
        int_at(rules, "/score/base"),
        int_at(rules, "/score/experience/per_year"),
        int_at(rules, "/score/experience/above_years"),
        int_at(rules, "/score/experience/cap"),
    ) else {
        out.push(error(
            codes::INPUT,
            "rules:/score",
            "the rules lack the base, per-year, threshold or cap",
        ));
        return out;
    };
    let ineligible = int_at(rules, "/score/ineligible").unwrap_or(0);
    for (i, row) in rows(input.value).into_iter().flatten().enumerate() {
        let expected = if cell(row, "eligible") == "true" {
            let full_years = tenths(cell(row, "backend_years")).unwrap_or(0) / 10;
            let mut s = base + ((full_years - above).max(0) * per_year).min(cap);
            for c in CRITERIA {
                if cell(row, c) == "true" {
                    s += criterion_points(rules, c).unwrap_or(0);
                }
            }
            s
        } else {
            ineligible
        };
        let got: Option<i64> = cell(row, "score").parse().ok();
        if got != Some(expected) {
            out.push(error(
                codes::SCORE,
                at("", i, "score"),
                format!(
                    "{} scores `{}`; the posting's rule gives {expected} from its columns",
                    cell(row, "candidate_id"),
                    cell(row, "score")
                ),
            ));
        }
    }
    out
}
