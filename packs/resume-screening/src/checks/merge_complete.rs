//! `resume.merge_complete` (rubric check on ranking.csv against candidates.csv): the global merge of the
//! batch rankings equals a ranking of all candidates: exactly the eligible candidates, each once, with its
//! candidates.csv score, in the order a single sort of all of them gives.
//!
//! Why: shards are ranked separately and merged; a shard lost, merged twice or merged out of order would
//! publish a ranking that no sort of the whole pool gives.
//!
//! Failing example: candidates C-00001 (eligible, 70) and C-00002 (eligible, 80), ranking lists only
//! C-00001 → `L2107` at `""` naming C-00002.

use serde_json::Value;
use writ_pack::{Diagnostic, DomainInput};

use super::{cell, codes, error, has_columns, rows, rules};

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !has_columns(input.value, &["rank", "candidate_id", "score"])
        && rows(input.value).is_none_or(|r| !r.is_empty())
    {
        return out;
    }
    let ranking = rows(input.value).cloned().unwrap_or_default();
    let slot = input.slot_param("candidates", "candidates");
    let Some(candidates) = input.slot(slot).and_then(rows) else {
        out.push(error(
            codes::INPUT,
            "",
            "candidates.csv is not related to the ranking",
        ));
        return out;
    };
    let (desc, ties_asc) = match rules(input) {
        Some(r) => (
            r.pointer("/ranking/order").and_then(Value::as_str) != Some("score_asc"),
            r.pointer("/ranking/ties").and_then(Value::as_str) != Some("candidate_id_desc"),
        ),
        None => (true, true),
    };
    let mut expected: Vec<(i64, String)> = candidates
        .iter()
        .filter(|c| cell(c, "eligible") == "true")
        .map(|c| {
            (
                cell(c, "score").parse().unwrap_or(0),
                cell(c, "candidate_id").to_string(),
            )
        })
        .collect();
    expected.sort_by(|a, b| {
        let by_score = if desc { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) };
        by_score.then_with(|| {
            if ties_asc {
                a.1.cmp(&b.1)
            } else {
                b.1.cmp(&a.1)
            }
        })
    });
    let got: Vec<(i64, String)> = ranking
        .iter()
        .map(|r| {
            (
                cell(r, "score").parse().unwrap_or(-1),
                cell(r, "candidate_id").to_string(),
            )
        })
        .collect();
    let ranked: std::collections::BTreeSet<&String> = got.iter().map(|(_, id)| id).collect();
    let missing: Vec<&str> = expected
        .iter()
        .filter(|(_, id)| !ranked.contains(id))
        .map(|(_, id)| id.as_str())
        .collect();
    if !missing.is_empty() {
        out.push(error(
            codes::MERGE,
            "",
            format!(
                "{} eligible candidate(s) missing from the ranking: {}",
                missing.len(),
                missing
                    .iter()
                    .take(10)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    for (i, (pair_got, pair_want)) in got.iter().zip(expected.iter()).enumerate() {
        if pair_got != pair_want {
            out.push(error(
                codes::MERGE,
                format!("/{i}/candidate_id"),
                format!(
                    "rank {} is {} ({}); a ranking of all candidates has {} ({}) there",
                    i + 1,
                    pair_got.1,
                    pair_got.0,
                    pair_want.1,
                    pair_want.0
                ),
            ));
            break;
        }
    }
    if got.len() > expected.len() {
        out.push(error(
            codes::MERGE,
            format!("/{}/candidate_id", expected.len()),
            format!(
                "the ranking has {} rows but only {} candidates are eligible",
                got.len(),
                expected.len()
            ),
        ));
    }
    out
}
