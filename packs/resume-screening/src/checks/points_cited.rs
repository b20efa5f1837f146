//! `resume.points_cited` (rubric check on the proof cards, with candidates.csv or the screened rows when related): every point of
//! every score is backed by a cited resume line, the points add up to the card's score, and the card agrees
//! with candidates.csv.
//!
//! Why: the posting requires every score to be explainable from the resume; a point without a line (beyond
//! the posting's starting points) is a point nobody can check.
//!
//! Failing example: a card with `{"criterion": "kubernetes", "points": 10, "resume_lines": []}` →
//! `L2108` at `/C-00001/points/1`; a card scoring 75 whose points add up to 70 → `L2108` at `/C-00001/score`.

use std::collections::BTreeMap;

use serde_json::Value;
use writ_pack::{Diagnostic, DomainInput};

use super::{cards, cell, codes, error, rows, BOOLEAN_COLUMNS};

fn is_cards(v: &Value) -> bool {
    !cards(v).is_empty() && cards(v).iter().all(|(_, c)| c.get("points").is_some())
}

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let (value, prefix) = if is_cards(input.value) {
        (input.value, String::new())
    } else {
        let slot = input.slot_param("cards", "cards");
        match input.slot(slot) {
            Some(v) if is_cards(v) => (v, input.pointer(slot, "")),
            _ => return out,
        }
    };
    // candidates.csv, or in the screening step itself the shard's `screened` rows (the same columns)
    let candidates: BTreeMap<String, &Value> = input
        .slot(input.slot_param("candidates", "candidates"))
        .or_else(|| input.slot(input.slot_param("screened", "screened")))
        .and_then(rows)
        .into_iter()
        .flatten()
        .map(|r| (cell(r, "candidate_id").to_string(), r))
        .collect();
    for (id, card) in cards(value) {
        let base = format!("{prefix}/{id}");
        let mut total = 0i64;
        for (i, p) in card
            .get("points")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let points = p.get("points").and_then(Value::as_i64).unwrap_or(0);
            total += points;
            let criterion = p
                .get("criterion")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if criterion == "base" || points == 0 {
                continue;
            }
            let lines = p
                .get("resume_lines")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let cited = !lines.is_empty()
                && lines.iter().all(|l| {
                    l.get("line")
                        .and_then(Value::as_i64)
                        .is_some_and(|n| n >= 1)
                        && l.get("text")
                            .and_then(Value::as_str)
                            .is_some_and(|t| !t.trim().is_empty())
                });
            if !cited {
                out.push(error(
                    codes::POINT_UNCITED,
                    format!("{base}/points/{i}"),
                    format!("{id}: {points} points for `{criterion}` cite no resume line"),
                ));
            }
            if p.get("rule_line").and_then(Value::as_i64).is_none() {
                out.push(error(
                    codes::POINT_UNCITED,
                    format!("{base}/points/{i}/rule_line"),
                    format!("{id}: the points for `{criterion}` cite no posting line"),
                ));
            }
        }
        let score = card.get("score").and_then(Value::as_i64).unwrap_or(0);
        let eligible = card
            .get("eligible")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if eligible && total != score {
            out.push(error(
                codes::POINT_UNCITED,
                format!("{base}/score"),
                format!("{id}: the card scores {score} but its points add up to {total}"),
            ));
        }
        if let Some(row) = candidates.get(&id) {
            if cell(row, "score").parse::<i64>().ok() != Some(score) {
                out.push(error(
                    codes::POINT_UNCITED,
                    format!("{base}/score"),
                    format!(
                        "{id}: the card scores {score}, candidates.csv {}",
                        cell(row, "score")
                    ),
                ));
            }
            for col in BOOLEAN_COLUMNS {
                let on_card = if col == "eligible" {
                    Some(eligible)
                } else {
                    card.pointer(&format!("/fields/{col}"))
                        .and_then(Value::as_bool)
                };
                if on_card.is_some_and(|b| (cell(row, col) == "true") != b) {
                    out.push(error(
                        codes::POINT_UNCITED,
                        format!("{base}/fields/{col}"),
                        format!("{id}: `{col}` differs between the card and candidates.csv"),
                    ));
                }
            }
        }
    }
    out
}
