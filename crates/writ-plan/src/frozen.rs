//! The frozen plan: what the compiler emits and the run machine executes. Every step's behaviour is in its
//! contract; the contract hash, profile hash and plan hash are blake3 over canonical JSON (writ-canon), so
//! that anyone can recompute them from the content and see whether anything changed.

use crate::budget::Budgets;
use crate::candidate::{FanOut, Gate, RubricCriterion, RunInput, StepKind};
use crate::ids::frozen_step_id;
use crate::profile::ExecutionProfile;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use writ_canon::{hash_of, CanonError, ContentHash};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FrozenPlan {
    pub objective: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    pub domain: String,
    pub workflow: String,
    pub policy: String,
    pub inputs: Vec<RunInput>,
    /// In topological order; `steps[i].index == i + 1`.
    pub steps: Vec<FrozenStep>,
    /// Published file name → where it comes from.
    pub artifacts: BTreeMap<String, ArtifactEntry>,
    /// Frozen step id → the frozen ids it depends on.
    pub dependencies: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "Budgets::is_empty")]
    pub budgets: Budgets,
    #[serde(default)]
    pub success_criteria: Vec<String>,
    pub profile: ExecutionProfile,
    #[schemars(with = "String")]
    pub profile_hash: ContentHash,
    #[schemars(with = "String")]
    pub plan_hash: ContentHash,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FrozenStep {
    /// `ps-<n>-<slug>`.
    pub id: String,
    /// 1-based topological index.
    pub index: usize,
    /// Human label (the candidate's intent).
    pub label: String,
    /// Frozen ids of the steps this one reads from.
    pub depends_on: Vec<String>,
    pub contract: StepContract,
    #[schemars(with = "String")]
    pub contract_hash: ContentHash,
}

/// Everything that defines a step's behaviour. Two steps with equal contracts behave the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepContract {
    /// The candidate's step id.
    pub slug: String,
    pub intent: String,
    pub kind: StepKind,
    pub inputs: Vec<ContractInput>,
    pub outputs: Vec<ContractOutput>,
    pub skills: Vec<ResolvedSkill>,
    pub tools: Vec<ResolvedTool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<ResolvedProgram>,
    /// Hash of inline code the candidate carried, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub code_hash: Option<ContentHash>,
    pub rubric: Vec<RubricCriterion>,
    pub validators: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<Gate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fan_out: Option<FanOut>,
    pub limits: Limits,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractInput {
    pub slot: String,
    /// The binding as the candidate wrote it.
    pub binding: String,
    /// `<step>:output:<k>:<slot>` for a step output, `run:input:<name>` for a run input.
    pub producer_ref: String,
    /// Kind the producer makes.
    pub kind: String,
    /// Kind the step expects, when it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expects: Option<String>,
    /// How the handoff was bound.
    pub rank: BindRank,
    pub required: bool,
}

/// How a consumer input binds to a producer output, best first. `Incompatible` is a compile error and never
/// appears in a frozen plan.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(tag = "rank", content = "adapter", rename_all = "snake_case")]
pub enum BindRank {
    Exact,
    Acceptable,
    /// Bound through the named adapter, which the compiler inserts.
    Adapter(String),
    Generic,
    Incompatible,
}

impl BindRank {
    pub fn name(&self) -> &'static str {
        match self {
            BindRank::Exact => "exact",
            BindRank::Acceptable => "acceptable",
            BindRank::Adapter(_) => "adapter",
            BindRank::Generic => "generic",
            BindRank::Incompatible => "incompatible",
        }
    }

    pub fn is_bindable(&self) -> bool {
        !matches!(self, BindRank::Incompatible)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractOutput {
    pub slot: String,
    /// `<step>:output:<k>:<slot>`.
    #[serde(rename = "ref")]
    pub artifact_ref: String,
    pub kind: String,
    /// Catalog schema id, when the schema came from the catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_id: Option<String>,
    /// Hash of the schema's canonical JSON; absent when the output has no schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub schema_hash: Option<ContentHash>,
    pub required: bool,
    pub publish: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolvedSkill {
    pub id: String,
    pub version: String,
    #[schemars(with = "String")]
    pub hash: ContentHash,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolvedTool {
    pub id: String,
    /// `free`, `metered` or `model`.
    pub cost_class: String,
    /// Hash of the tool's catalog descriptor (its input/output schema and cost class).
    #[schemars(with = "String")]
    pub hash: ContentHash,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolvedProgram {
    pub id: String,
    #[schemars(with = "String")]
    pub hash: ContentHash,
}

/// The step's caps after the profile, policy and plan budgets have been applied.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    pub max_retries: u32,
    #[serde(default, skip_serializing_if = "Budgets::is_empty")]
    pub budget: Budgets,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArtifactEntry {
    /// Frozen id of the producing step.
    pub step: String,
    pub slot: String,
    pub kind: String,
    /// `<step>:output:<k>:<slot>`.
    #[serde(rename = "ref")]
    pub artifact_ref: String,
}

/// What a hash covers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "subject", content = "id", rename_all = "snake_case")]
pub enum HashSubject {
    /// A step's contract hash (by frozen step id).
    Step(String),
    Profile,
    Plan,
}

/// A recorded hash that no longer matches its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashMismatch {
    pub subject: HashSubject,
    pub recorded: ContentHash,
    /// `None` when the content can no longer be hashed at all (e.g. a non-finite number).
    pub computed: Option<ContentHash>,
}

/// What the plan hash covers, in this order. Step order, ids, labels and dependencies are inside so that
/// reordering or rewiring steps changes the plan hash even when every contract is unchanged.
#[derive(Serialize)]
struct PlanHashInput<'a> {
    objective: &'a str,
    template: &'a Option<String>,
    domain: &'a str,
    workflow: &'a str,
    policy: &'a str,
    inputs: &'a [RunInput],
    steps: Vec<StepHashEntry<'a>>,
    artifacts: &'a BTreeMap<String, ArtifactEntry>,
    dependencies: &'a BTreeMap<String, Vec<String>>,
    budgets: &'a Budgets,
    success_criteria: &'a [String],
    profile_hash: &'a ContentHash,
}

#[derive(Serialize)]
struct StepHashEntry<'a> {
    id: &'a str,
    index: usize,
    label: &'a str,
    depends_on: &'a [String],
    contract_hash: &'a ContentHash,
}

impl StepContract {
    pub fn hash(&self) -> Result<ContentHash, CanonError> {
        hash_of(self)
    }
}

impl FrozenStep {
    /// Builds a step, deriving its id from index and slug and its hash from its contract.
    pub fn new(
        index: usize,
        label: String,
        depends_on: Vec<String>,
        contract: StepContract,
    ) -> Result<FrozenStep, CanonError> {
        let contract_hash = contract.hash()?;
        Ok(FrozenStep {
            id: frozen_step_id(index, &contract.slug),
            index,
            label,
            depends_on,
            contract,
            contract_hash,
        })
    }
}

/// The parts of a frozen plan the compiler decides; `FrozenPlan::seal` derives the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanParts {
    pub objective: String,
    pub template: Option<String>,
    pub domain: String,
    pub workflow: String,
    pub policy: String,
    pub inputs: Vec<RunInput>,
    pub steps: Vec<FrozenStep>,
    pub artifacts: BTreeMap<String, ArtifactEntry>,
    pub budgets: Budgets,
    pub success_criteria: Vec<String>,
    pub profile: ExecutionProfile,
}

impl FrozenPlan {
    /// Freezes: derives the dependency map from the steps, hashes the profile, then the plan.
    pub fn seal(parts: PlanParts) -> Result<FrozenPlan, CanonError> {
        let dependencies = parts
            .steps
            .iter()
            .map(|s| (s.id.clone(), s.depends_on.clone()))
            .collect();
        let profile_hash = hash_of(&parts.profile)?;
        let mut plan = FrozenPlan {
            objective: parts.objective,
            template: parts.template,
            domain: parts.domain,
            workflow: parts.workflow,
            policy: parts.policy,
            inputs: parts.inputs,
            steps: parts.steps,
            artifacts: parts.artifacts,
            dependencies,
            budgets: parts.budgets,
            success_criteria: parts.success_criteria,
            profile: parts.profile,
            profile_hash,
            // Placeholder until computed just below; the plan hash never covers itself.
            plan_hash: ContentHash::from_bytes([0; 32]),
        };
        plan.plan_hash = plan.compute_plan_hash()?;
        Ok(plan)
    }

    /// The plan hash from the recorded step contract hashes and profile hash (as stored, not recomputed).
    pub fn compute_plan_hash(&self) -> Result<ContentHash, CanonError> {
        let input = PlanHashInput {
            objective: &self.objective,
            template: &self.template,
            domain: &self.domain,
            workflow: &self.workflow,
            policy: &self.policy,
            inputs: &self.inputs,
            steps: self
                .steps
                .iter()
                .map(|s| StepHashEntry {
                    id: &s.id,
                    index: s.index,
                    label: &s.label,
                    depends_on: &s.depends_on,
                    contract_hash: &s.contract_hash,
                })
                .collect(),
            artifacts: &self.artifacts,
            dependencies: &self.dependencies,
            budgets: &self.budgets,
            success_criteria: &self.success_criteria,
            profile_hash: &self.profile_hash,
        };
        hash_of(&input)
    }

    /// Recomputes every hash from content: each step's contract hash, the profile hash, the plan hash.
    /// Empty means the plan is intact. A step whose id no longer matches `ps-<index>-<slug>` is reported
    /// as a mismatch of that step too, since its identity is part of what was frozen.
    pub fn verify(&self) -> Vec<HashMismatch> {
        let mut out = Vec::new();
        for step in &self.steps {
            let computed = step.contract.hash().ok();
            let id_ok = step.id == frozen_step_id(step.index, &step.contract.slug);
            if computed != Some(step.contract_hash) || !id_ok {
                out.push(HashMismatch {
                    subject: HashSubject::Step(step.id.clone()),
                    recorded: step.contract_hash,
                    computed,
                });
            }
        }
        let profile = hash_of(&self.profile).ok();
        if profile != Some(self.profile_hash) {
            out.push(HashMismatch {
                subject: HashSubject::Profile,
                recorded: self.profile_hash,
                computed: profile,
            });
        }
        let plan = self.compute_plan_hash().ok();
        if plan != Some(self.plan_hash) {
            out.push(HashMismatch {
                subject: HashSubject::Plan,
                recorded: self.plan_hash,
                computed: plan,
            });
        }
        out
    }

    pub fn step(&self, id: &str) -> Option<&FrozenStep> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// The step whose candidate id (slug) is `slug`.
    pub fn step_by_slug(&self, slug: &str) -> Option<&FrozenStep> {
        self.steps.iter().find(|s| s.contract.slug == slug)
    }
}
