//! `resume.ranking_order` (rubric check on ranking.csv, and on a shard's batch ranking): ranks are 1..n in
//! order, scores never increase, and equal scores are ordered by candidate id ascending (the posting's
//! order, as the rules state it). A batch ranking (column `batch`) is checked batch by batch.
//!
//! Why: the ranking is the deliverable a recruiter reads top-down; a tie broken the wrong way or a gap in the
//! ranks changes who makes the shortlist.
//!
//! Failing example: `1,C-00002,80` then `2,C-00001,80` → `L2106` at `/1/candidate_id`.

use serde_json::Value;
use writ_pack::{Diagnostic, DomainInput};

use super::{cell, codes, error, rows, rules};

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(list) = rows(input.value) else {
        return out;
    };
    let rank_col = if list.first().is_some_and(|r| r.get("batch_rank").is_some()) {
        "batch_rank"
    } else if list
        .first()
        .is_some_and(|r| r.get("rank").is_some() && r.get("eligible").is_none())
    {
        "rank"
    } else {
        return out;
    };
    let (desc, ties_asc) = match rules(input) {
        Some(r) => (
            r.pointer("/ranking/order").and_then(Value::as_str) != Some("score_asc"),
            r.pointer("/ranking/ties").and_then(Value::as_str) != Some("candidate_id_desc"),
        ),
        None => (true, true),
    };
    let mut expected_rank = 0i64;
    let mut batch = None;
    let mut previous: Option<(i64, String)> = None;
    for (i, row) in list.iter().enumerate() {
        let this_batch = row.get("batch").and_then(Value::as_str);
        if this_batch != batch {
            batch = this_batch;
            expected_rank = 0;
            previous = None;
        }
        expected_rank += 1;
        if cell(row, rank_col).parse::<i64>().ok() != Some(expected_rank) {
            out.push(error(
                codes::RANKING_ORDER,
                format!("/{i}/{rank_col}"),
                format!(
                    "rank `{}` where {expected_rank} was due",
                    cell(row, rank_col)
                ),
            ));
        }
        let Ok(score) = cell(row, "score").parse::<i64>() else {
            out.push(error(
                codes::RANKING_ORDER,
                format!("/{i}/score"),
                "the score is not an integer",
            ));
            continue;
        };
        let id = cell(row, "candidate_id").to_string();
        if let Some((ps, pid)) = &previous {
            let score_wrong = if desc { score > *ps } else { score < *ps };
            let tie_wrong = score == *ps && (if ties_asc { id <= *pid } else { id >= *pid });
            if score_wrong {
                out.push(error(
                    codes::RANKING_ORDER,
                    format!("/{i}/score"),
                    format!("{id} scores {score} after {pid} with {ps}"),
                ));
            } else if tie_wrong {
                out.push(error(
                    codes::RANKING_ORDER,
                    format!("/{i}/candidate_id"),
                    format!(
                        "{id} is tied with {pid} at {score}; ties go by candidate id {}",
                        if ties_asc { "ascending" } else { "descending" }
                    ),
                ));
            }
        }
        previous = Some((score, id));
    }
    out
}
