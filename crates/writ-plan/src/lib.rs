//! The plan language of writ.
//!
//! - [`PlanCandidate`]: what a planner writes (JSON). Untrusted; unknown fields are errors.
//! - [`FrozenPlan`], [`FrozenStep`], [`StepContract`]: what the compiler emits; every hash is recomputable
//!   from content with [`FrozenPlan::verify`].
//! - [`ExecutionProfile`]: provider and model per phase, budgets, prices, validation modes (TOML).
//!
//! Pure: no I/O. JSON Schemas of all three documents come from [`schema`].

mod budget;
mod candidate;
mod frozen;
mod ids;
mod parse;
mod profile;
pub mod schema;

pub use budget::Budgets;
pub use candidate::{
    DetailedInput, FanOut, Gate, GateScope, InputSpec, OutputDecl, PlanCandidate, RubricCriterion,
    RunInput, SchemaRef, StepCandidate, StepKind,
};
pub use frozen::{
    ArtifactEntry, BindRank, ContractInput, ContractOutput, FrozenPlan, FrozenStep, HashMismatch,
    HashSubject, Limits, PlanParts, ResolvedProgram, ResolvedSkill, ResolvedTool, StepContract,
};
pub use ids::{
    artifact_ref, check_slug, frozen_step_id, is_slug, run_input_ref, Binding, IdError,
    RefDirection, RUN_SCOPE,
};
pub use parse::{from_json, ParseError, CODE_JSON_SYNTAX, CODE_SHAPE, CODE_TOML};
pub use profile::{
    ExecutionProfile, ModelPrice, Phase, PhaseConfig, Phases, ValidationMode, ValidationModes,
};
pub use writ_canon::{CanonError, ContentHash};
