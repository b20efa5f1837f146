//! The entries of the catalog, as read from `catalog/`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use writ_canon::ContentHash;
use writ_plan::{Budgets, ExecutionProfile, PlanCandidate};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArtifactKind {
    pub id: String,
    pub title: String,
    pub description: String,
    pub media_type: String,
    /// File extension with its dot; `/` for a directory; empty when any.
    pub extension: String,
    /// The content is UTF-8 text (so a `file.text` consumer takes it generically).
    pub text: bool,
    /// Kinds a consumer may ask for and receive this kind unchanged.
    #[serde(default)]
    pub acceptable_for: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// A step that fans out and produces this kind must bind, from steps that do not fan out, an input of each
    /// of these kinds: what every item needs to be coherent with the others (a site's pages: the navigation
    /// and the theme's asset manifest). The compiler checks it (E0046).
    #[serde(default)]
    pub fan_out_requires: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adapter {
    pub id: String,
    pub from: String,
    pub to: String,
    pub description: String,
}

/// A validator or rubric check a pack provides (implemented as code elsewhere; declared here by id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckDecl {
    pub id: String,
    pub description: String,
}

/// A domain pack or a workflow pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    pub id: String,
    pub title: String,
    pub description: String,
    pub keywords: Vec<String>,
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default)]
    pub tools: Vec<String>,
    /// Catalog schema ids of the pack's artifacts.
    #[serde(default)]
    pub schemas: Vec<String>,
    #[serde(default)]
    pub validators: Vec<CheckDecl>,
    #[serde(default)]
    pub rubric_checks: Vec<CheckDecl>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostClass {
    /// Deterministic, no external cost.
    Free,
    /// Counted against tool-call budgets.
    Metered,
    /// Calls a model: tokens and dollars.
    Model,
}

impl CostClass {
    pub fn as_str(self) -> &'static str {
        match self {
            CostClass::Free => "free",
            CostClass::Metered => "metered",
            CostClass::Model => "model",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyProfile {
    pub id: String,
    pub title: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub allowed_cost_classes: Vec<CostClass>,
    /// Tools denied whatever their cost class.
    #[serde(default)]
    pub denied_tools: Vec<String>,
    pub max_budgets: Budgets,
    /// Whether the deterministic ladder stages may correct outputs (with correction records).
    pub ladder_may_correct: bool,
    /// Whether the model-assisted ladder stages (rename, guarded JSON patch) may correct outputs.
    pub model_corrections: bool,
    /// A step that publishes artifacts must carry an approval gate.
    pub gate_before_publish: bool,
    /// A step that deploys must carry an approval gate.
    pub gate_before_deploy: bool,
    /// The auditor's provider and model must differ from the executor's.
    pub auditor_must_differ: bool,
    /// Every published artifact needs a full provenance record.
    pub provenance_required: bool,
}

impl PolicyProfile {
    pub fn allows_tool(&self, tool: &Tool) -> bool {
        self.allowed_cost_classes.contains(&tool.cost_class)
            && !self.denied_tools.iter().any(|t| t == &tool.id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillParam {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// A skill's TOML descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillDescriptor {
    pub id: String,
    pub version: String,
    pub title: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub language: String,
    /// Python module name the sandbox materialises the source as.
    pub module: String,
    /// Function to call.
    pub entry: String,
    #[serde(default)]
    pub params: Vec<SkillParam>,
    pub returns: String,
}

/// A versioned Python function: descriptor, source and the hash of the source file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skill {
    #[serde(flatten)]
    pub descriptor: SkillDescriptor,
    pub hash: ContentHash,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolDescriptor {
    pub id: String,
    pub title: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub cost_class: CostClass,
    pub input_schema: Value,
    pub output_schema: Value,
}

/// A platform capability called through the bridge. `hash` covers the whole descriptor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tool {
    pub id: String,
    pub title: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub cost_class: CostClass,
    pub input_schema: Value,
    pub output_schema: Value,
    pub hash: ContentHash,
}

/// A JSON Schema of an artifact; `$id` is its catalog id, `x-kind` the artifact kind it describes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchemaEntry {
    pub id: String,
    pub title: String,
    pub description: String,
    pub kind: String,
    /// Hash of the schema's canonical JSON.
    pub hash: ContentHash,
    pub schema: Value,
}

impl SchemaEntry {
    /// Field → its synonyms (`x-synonyms`), for the ladder's synonym stage.
    pub fn synonyms(&self) -> Vec<(String, Vec<String>)> {
        let Some(props) = self.schema.get("properties").and_then(Value::as_object) else {
            return Vec::new();
        };
        props
            .iter()
            .map(|(field, spec)| {
                let syn = spec
                    .get("x-synonyms")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                (field.clone(), syn)
            })
            .collect()
    }

    /// Ordered column names of a table schema (`x-columns`), if it has them.
    pub fn columns(&self) -> Option<Vec<String>> {
        let cols = self.schema.get("x-columns")?.as_array()?;
        Some(
            cols.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Template {
    pub id: String,
    pub hash: ContentHash,
    pub plan: PlanCandidate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    pub id: String,
    pub hash: ContentHash,
    pub profile: ExecutionProfile,
}

/// A pack's reference step program (`catalog/programs/<template>/<step>.py`), id `<template>/<step>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Program {
    pub id: String,
    pub hash: ContentHash,
    pub source: String,
}
