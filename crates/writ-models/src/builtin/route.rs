//! Routing by discovery: the objective is searched over the catalog's plan templates; the best template
//! wins if it scores at least [`MIN_ROUTE_SCORE`].

use serde::{Deserialize, Serialize};
use writ_catalog::{Catalog, EntryKind, SearchOptions};

/// Below this BM25 score no template is taken to fit (the objective is out of scope).
pub const MIN_ROUTE_SCORE: f64 = 3.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteDecision {
    pub template: Option<String>,
    /// The winner's share of the two best scores, rounded to two places (1.0 when it is alone).
    pub confidence: f64,
    pub reason: String,
    pub served_by: String,
}

pub fn route(catalog: &Catalog, objective: &str) -> RouteDecision {
    let hits = catalog.search(
        objective,
        &SearchOptions {
            kind: Some(EntryKind::Template),
            limit: 2,
        },
    );
    let served_by = super::SERVED_BY.to_string();
    let Some(best) = hits.first().filter(|h| h.score >= MIN_ROUTE_SCORE) else {
        return RouteDecision {
            template: None,
            confidence: 0.0,
            reason: format!(
                "no plan template scores {MIN_ROUTE_SCORE} or more for the objective in catalog discovery"
            ),
            served_by,
        };
    };
    let second = hits.get(1).map_or(0.0, |h| h.score);
    let confidence = (best.score / (best.score + second) * 100.0).round() / 100.0;
    let terms: Vec<&str> = best
        .matches
        .iter()
        .take(5)
        .map(|m| m.term.as_str())
        .collect();
    RouteDecision {
        template: Some(best.id.clone()),
        confidence,
        reason: format!(
            "catalog discovery ranks template `{}` first (score {:.2}; matched {})",
            best.id,
            best.score,
            terms.join(", ")
        ),
        served_by,
    }
}
