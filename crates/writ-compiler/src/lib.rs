//! The writ plan compiler. Deterministic and pure: the same candidate, catalog and profile always give the
//! same frozen plan, byte for byte, natively and on wasm32.
//!
//! Five passes, each returning its output and its diagnostics, none stopping at the first problem:
//! 1. [`normalize`]: parse and normalise (JSON → [`PlanCandidate`], shape problems at their pointers);
//! 2. [`resolve`]: every reference against the [`Catalog`];
//! 3. [`bind`]: every input to a producer, adapters inserted, the graph checked (fail closed);
//! 4. [`policy`]: tools, budgets, gates, auditor independence, fan-out;
//! 5. [`freeze`]: step ids, contracts, manifest and hashes via [`FrozenPlan::seal`].
//!
//! Passes 2–4 run whenever pass 1 produced a candidate, so one compile reports every problem; pass 5 runs
//! only when nothing before it reported an error.

pub mod bind;
pub mod codes;
pub mod freeze;
mod graph;
pub mod normalize;
pub mod policy;
mod ptr;
pub mod resolve;
mod shape;
pub mod suggest;

use serde_json::Value;
use writ_catalog::Catalog;
use writ_diag::Diagnostic;
use writ_plan::{ExecutionProfile, FrozenPlan, PlanCandidate};

pub use codes::REGISTRY;

/// What a compile produced: the frozen plan when there was no error, and every diagnostic (warnings too).
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub frozen: Option<FrozenPlan>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The distinct codes of the diagnostics, in order of first appearance.
    pub fn codes(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for d in &self.diagnostics {
            let code = d.code.to_string();
            if !out.contains(&code) {
                out.push(code);
            }
        }
        out
    }
}

/// Compiles a plan candidate written as JSON text. Diagnostics carry spans (line and column) in `candidate_json`.
pub fn compile(candidate_json: &str, catalog: &Catalog, profile: &ExecutionProfile) -> Compiled {
    let value = match normalize::parse_text(candidate_json) {
        Ok(v) => v,
        Err(d) => {
            return Compiled {
                frozen: None,
                diagnostics: vec![d],
            }
        }
    };
    let mut compiled = compile_value(&value, catalog, profile);
    compiled.diagnostics = compiled
        .diagnostics
        .into_iter()
        .map(|d| underline_key(d, candidate_json).locate_in(candidate_json))
        .collect();
    compiled
}

/// An unknown field is about its name, not its value: underline the key.
fn underline_key(mut d: Diagnostic, text: &str) -> Diagnostic {
    if d.code != codes::UNKNOWN_FIELD || d.span.is_some() {
        return d;
    }
    let key = d
        .pointer
        .as_deref()
        .and_then(|p| writ_diag::locate(text, p))
        .and_then(|l| l.key);
    if let Some(span) = key {
        d.span = Some(span);
        for label in d.labels.iter_mut().filter(|l| l.pointer == d.pointer) {
            label.span = Some(span);
        }
    }
    d
}

/// Compiles an already parsed candidate. It goes through the same checks as text (by way of its JSON value),
/// so a candidate built in code cannot skip one; diagnostics have pointers but no spans.
pub fn compile_candidate(
    candidate: &PlanCandidate,
    catalog: &Catalog,
    profile: &ExecutionProfile,
) -> Compiled {
    match serde_json::to_value(candidate) {
        Ok(value) => compile_value(&value, catalog, profile),
        Err(e) => Compiled {
            frozen: None,
            diagnostics: vec![Diagnostic::error(
                codes::INVALID_VALUE,
                format!("the candidate cannot be written as JSON: {e}"),
            )
            .at("")],
        },
    }
}

/// Compiles a candidate given as a JSON value.
pub fn compile_value(value: &Value, catalog: &Catalog, profile: &ExecutionProfile) -> Compiled {
    compile_value_with(value, catalog, &[], profile)
}

/// [`compile_value`] for a tenant: the tools it imported from its MCP servers (`mcp.<server>.<tool>`, see
/// [`writ_catalog::mcp_tool`]) are bound like the catalog's, their schema hashes frozen into the contracts.
pub fn compile_value_with(
    value: &Value,
    catalog: &Catalog,
    imported: &[writ_catalog::Tool],
    profile: &ExecutionProfile,
) -> Compiled {
    let (normalized, mut diagnostics) = normalize::normalize(value);
    let Some(normalized) = normalized else {
        return Compiled {
            frozen: None,
            diagnostics,
        };
    };
    let (resolution, d) = resolve::resolve_with(&normalized, catalog, imported, profile);
    diagnostics.extend(d);
    let (bound, d) = bind::bind(&normalized, catalog);
    diagnostics.extend(d);
    diagnostics.extend(policy::check(
        &normalized,
        &resolution,
        &bound,
        catalog,
        profile,
    ));
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Compiled {
            frozen: None,
            diagnostics,
        };
    }
    let (frozen, d) = freeze::freeze(&normalized, &resolution, &bound, profile);
    diagnostics.extend(d);
    Compiled {
        frozen,
        diagnostics,
    }
}

/// The frozen plan as canonical JSON: the bytes `writ compile` writes and the API returns.
pub fn to_canonical_json(plan: &FrozenPlan) -> Result<String, writ_canon::CanonError> {
    writ_canon::to_canonical_string(plan)
}
