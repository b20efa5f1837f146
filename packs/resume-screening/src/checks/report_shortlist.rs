//! `resume.report_shortlist` (rubric check on report.md against ranking.csv): the report's shortlist is the
//! top of the ranking (25, or all when fewer are eligible) in rank order with the ranked scores, and every
//! point row of every shortlisted candidate names the resume line it comes from.
//!
//! Why: the report is what is approved and published; a shortlist that differs from the ranking, or a point
//! shown without its line, cannot be checked by the person approving it.
//!
//! Failing example: a report whose first heading is `### 1. C-00002: 80 points` while ranking.csv starts
//! with C-00001 → `L2109`; a point row `| 10 | kubernetes | job_posting.md line 20 | |` → `L2109`.

use writ_pack::{Diagnostic, DomainInput};

use super::{cell, codes, error, rows};

/// The shortlist size the README asks for.
const SHORTLIST: usize = 25;

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(report) = input.value.as_str() else {
        return out;
    };
    if !report.contains("## Shortlist") {
        return out;
    }
    let Some(ranking) = input
        .slot(input.slot_param("ranking", "ranking"))
        .and_then(rows)
    else {
        out.push(error(
            codes::INPUT,
            "",
            "ranking.csv is not related to the report",
        ));
        return out;
    };
    let headings: Vec<(String, String)> = report
        .lines()
        .filter_map(|l| l.strip_prefix("### "))
        .filter_map(|h| {
            let (_, rest) = h.split_once(". ")?;
            let (id, rest) = rest.split_once(": ")?;
            let score = rest.split_whitespace().next()?;
            Some((id.to_string(), score.to_string()))
        })
        .collect();
    let want: Vec<(String, String)> = ranking
        .iter()
        .take(SHORTLIST)
        .map(|r| {
            (
                cell(r, "candidate_id").to_string(),
                cell(r, "score").to_string(),
            )
        })
        .collect();
    if headings != want {
        let at = headings
            .iter()
            .zip(want.iter())
            .position(|(a, b)| a != b)
            .unwrap_or(headings.len().min(want.len()));
        out.push(error(codes::SHORTLIST, "", format!(
            "the shortlist differs from the top {} of ranking.csv at position {} (report {:?}, ranking {:?})",
            want.len(), at + 1, headings.get(at), want.get(at))));
    }
    let mut in_shortlist = false;
    for (n, line) in report.lines().enumerate() {
        if line.starts_with("## ") {
            in_shortlist = line.starts_with("## Shortlist");
        }
        if !in_shortlist
            || !line.starts_with("| ")
            || line.starts_with("| points")
            || line.contains("total")
        {
            continue;
        }
        let cells: Vec<&str> = line.split(" | ").collect();
        let is_base = cells.get(1).is_some_and(|c| c.trim() == "base");
        let points = cells
            .first()
            .map(|c| c.trim_start_matches("| ").trim())
            .unwrap_or_default();
        if points.parse::<i64>().is_err() || is_base || points == "0" {
            continue;
        }
        let resume = cells.get(3).copied().unwrap_or_default();
        if !resume.contains(" line ") {
            out.push(
                error(
                    codes::SHORTLIST,
                    "",
                    format!(
                        "report line {}: a point row names no resume line: {line}",
                        n + 1
                    ),
                )
                .with_help("every point of a shortlisted score cites `<file> line <n>: <text>`"),
            );
        }
    }
    out
}
