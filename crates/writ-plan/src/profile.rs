//! Execution profiles: which provider and model serve each phase, budgets, prices and validation modes.
//! Written as TOML in the catalog (or by a tenant), frozen and hashed into the plan before the first model call.

use crate::budget::Budgets;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecutionProfile {
    /// Profile id, e.g. `builtin`.
    pub id: String,
    #[serde(default)]
    pub description: String,
    pub phases: Phases,
    #[serde(default, skip_serializing_if = "Budgets::is_empty")]
    pub budgets: Budgets,
    /// Model id → price per million tokens.
    #[serde(default)]
    pub prices: BTreeMap<String, ModelPrice>,
    #[serde(default)]
    pub validation: ValidationModes,
    /// Policy profile id.
    pub policy: String,
    /// Whether the person who started a run may approve its gates.
    #[serde(default)]
    pub allow_self_approval: bool,
    /// How long a gate waits for a decision before the run ends `expired` (default: 14 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate_expiry_seconds: Option<u64>,
}

/// One provider/model per phase of the pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Phases {
    pub router: PhaseConfig,
    pub planner: PhaseConfig,
    pub binder: PhaseConfig,
    pub executor: PhaseConfig,
    pub auditor: PhaseConfig,
    pub repairer: PhaseConfig,
}

/// Names of the phases, in pipeline order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Router,
    Planner,
    Binder,
    Executor,
    Auditor,
    Repairer,
}

impl Phase {
    pub const ALL: [Phase; 6] = [
        Phase::Router,
        Phase::Planner,
        Phase::Binder,
        Phase::Executor,
        Phase::Auditor,
        Phase::Repairer,
    ];
}

impl Phases {
    pub fn get(&self, phase: Phase) -> &PhaseConfig {
        match phase {
            Phase::Router => &self.router,
            Phase::Planner => &self.planner,
            Phase::Binder => &self.binder,
            Phase::Executor => &self.executor,
            Phase::Auditor => &self.auditor,
            Phase::Repairer => &self.repairer,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhaseConfig {
    /// Provider id: `builtin`, `anthropic`, `openai-compatible`, `workers-ai`.
    pub provider: String,
    pub model: String,
    /// Provider parameters (temperature, max_tokens, base_url, ...).
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
}

impl PhaseConfig {
    /// Same provider and model: used to check that the auditor is not the executor.
    pub fn same_model_as(&self, other: &PhaseConfig) -> bool {
        self.provider == other.provider && self.model == other.model
    }

    /// Served by the built-in deterministic provider (the packs' code), not a model.
    pub fn is_builtin(&self) -> bool {
        self.provider == "builtin"
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    pub input_usd_per_mtok: f64,
    pub output_usd_per_mtok: f64,
}

impl ModelPrice {
    /// Cost in USD of one call.
    pub fn cost_usd(&self, input_tokens: u64, output_tokens: u64) -> f64 {
        (input_tokens as f64 * self.input_usd_per_mtok
            + output_tokens as f64 * self.output_usd_per_mtok)
            / 1e6
    }
}

/// What a validation failure does in a phase.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ValidationMode {
    /// A failure stops the run (fail closed).
    #[default]
    Block,
    /// A failure is recorded; the run goes on.
    Report,
    /// No validation.
    Off,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidationModes {
    #[serde(default)]
    pub plan_candidate: ValidationMode,
    #[serde(default)]
    pub compiled_plan: ValidationMode,
    #[serde(default)]
    pub step_input: ValidationMode,
    #[serde(default)]
    pub step_output: ValidationMode,
    #[serde(default)]
    pub final_output: ValidationMode,
}
