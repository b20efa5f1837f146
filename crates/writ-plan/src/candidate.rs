//! The plan candidate: what a planner (a model or a catalog template) writes. Nothing in it is trusted until
//! the compiler has resolved it; unknown fields are rejected so that typos surface as errors.

use crate::budget::Budgets;
use crate::ids::{Binding, IdError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanCandidate {
    /// What the person asked for, in their words.
    pub objective: String,
    /// The catalog template this candidate came from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// Domain pack id.
    pub domain: String,
    /// Workflow pack id.
    pub workflow: String,
    /// Policy profile id.
    pub policy: String,
    /// The run's inputs: files or values the person supplies.
    #[serde(default)]
    pub inputs: Vec<RunInput>,
    pub steps: Vec<StepCandidate>,
    #[serde(default, skip_serializing_if = "Budgets::is_empty")]
    pub budgets: Budgets,
    #[serde(default)]
    pub success_criteria: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunInput {
    /// Slug; steps bind it as `run.<name>`.
    pub name: String,
    /// Artifact kind id.
    pub kind: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "yes")]
    pub required: bool,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// A program runs in the sandbox.
    Code,
    /// A platform tool is called; no program.
    Tool,
    /// A program that calls governed tools through the bridge.
    Hybrid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepCandidate {
    /// Slug `[a-z][a-z0-9_]*`, unique in the plan.
    pub id: String,
    /// One sentence: what the step does.
    pub intent: String,
    pub kind: StepKind,
    /// Input slot → where it comes from.
    #[serde(default)]
    pub inputs: BTreeMap<String, InputSpec>,
    pub outputs: Vec<OutputDecl>,
    /// Catalog skill ids.
    #[serde(default)]
    pub skills: Vec<String>,
    /// Catalog tool ids.
    #[serde(default)]
    pub tools: Vec<String>,
    /// Catalog program id: the pack's reference program, used by the built-in provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// Inline Python written by a model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default)]
    pub rubric: Vec<RubricCriterion>,
    /// Domain validator ids.
    #[serde(default)]
    pub validators: Vec<String>,
    /// Human approval required before the step starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<Gate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fan_out: Option<FanOut>,
    #[serde(default, skip_serializing_if = "Budgets::is_empty")]
    pub budget: Budgets,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
}

/// A step input: a binding string (`run.<input>` or `<step_id>.<slot>`), or the same with the kind the step
/// expects (so the binder can rank the handoff) and whether the input is required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum InputSpec {
    Binding(String),
    Detailed(DetailedInput),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DetailedInput {
    /// `run.<input>` or `<step_id>.<slot>`.
    pub from: String,
    /// Artifact kind the step expects; absent means "whatever the producer makes".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default = "yes")]
    pub required: bool,
}

impl InputSpec {
    /// The binding text as written.
    pub fn from_text(&self) -> &str {
        match self {
            InputSpec::Binding(s) => s,
            InputSpec::Detailed(d) => &d.from,
        }
    }

    pub fn binding(&self) -> Result<Binding, IdError> {
        Binding::parse(self.from_text())
    }

    pub fn expected_kind(&self) -> Option<&str> {
        match self {
            InputSpec::Binding(_) => None,
            InputSpec::Detailed(d) => d.kind.as_deref(),
        }
    }

    pub fn required(&self) -> bool {
        match self {
            InputSpec::Binding(_) => true,
            InputSpec::Detailed(d) => d.required,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputDecl {
    /// Slug, unique within the step.
    pub slot: String,
    /// Artifact kind id.
    pub kind: String,
    /// Catalog schema id or an inline JSON Schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaRef>,
    #[serde(default = "yes")]
    pub required: bool,
    /// Whether this output is a published artifact of the run.
    #[serde(default)]
    pub publish: bool,
    /// Published file name (e.g. `findings.csv`); required when `publish` is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A schema by catalog id, or inline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SchemaRef {
    Id(String),
    Inline(serde_json::Map<String, serde_json::Value>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RubricCriterion {
    /// Slug-like id, unique within the step.
    pub id: String,
    /// What a judge checks, in one sentence.
    pub text: String,
    /// Id of a rubric check written as code (used by sealed and offline audits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// Why a person must approve.
    pub reason: String,
    pub scope: GateScope,
}

/// What the approval covers.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum GateScope {
    /// Approve the step to start.
    Approve,
    /// Approve publishing the step's artifacts.
    Publish,
    /// Approve a deployment.
    Deploy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FanOut {
    /// The input slot whose items are sharded.
    pub over: String,
    /// Items per shard (at least 1).
    pub shard_size: u32,
    /// For a JSON input: the JSON pointer of the array whose elements are the items (e.g. `/pages`); the
    /// other kinds have their own items (a table's rows, a batch's files) and take none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<String>,
}

fn yes() -> bool {
    true
}
