//! JSON Schemas of the plan language, generated from the types so that they cannot drift.

use crate::candidate::PlanCandidate;
use crate::frozen::FrozenPlan;
use crate::profile::ExecutionProfile;
use schemars::JsonSchema;
use serde_json::Value;

fn schema_for<T: JsonSchema>(id: &str) -> Value {
    let mut schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>();
    schema.insert("$id".into(), Value::String(id.to_string()));
    schema.to_value()
}

/// (file name under `schemas/`, schema) for every published schema of the plan language.
pub fn all_schemas() -> Vec<(&'static str, Value)> {
    vec![
        ("plan-candidate.schema.json", plan_candidate_schema()),
        ("frozen-plan.schema.json", frozen_plan_schema()),
        ("execution-profile.schema.json", execution_profile_schema()),
    ]
}

pub fn plan_candidate_schema() -> Value {
    schema_for::<PlanCandidate>("https://writ.dev/schemas/plan-candidate.schema.json")
}

pub fn frozen_plan_schema() -> Value {
    schema_for::<FrozenPlan>("https://writ.dev/schemas/frozen-plan.schema.json")
}

pub fn execution_profile_schema() -> Value {
    schema_for::<ExecutionProfile>("https://writ.dev/schemas/execution-profile.schema.json")
}
