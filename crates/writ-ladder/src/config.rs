//! What a ladder is configured with: the mode for this phase, the guard policy, the artifact's schema, its
//! contract, the domain validators and the models for the model-assisted stages.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::guard::GuardPolicy;
use crate::model::ModelStages;
use crate::types::Mode;

/// The output contract stage 9 checks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Contract {
    /// The artifact kind the contract declares (e.g. `table.csv`); unchecked when absent.
    pub kind: Option<String>,
    /// Fields every row (or the object) must carry.
    pub required_fields: Vec<String>,
    /// The row grain: no two rows may share these columns' values.
    pub unique_key: Vec<String>,
    /// The row count must equal this input slot's row count (from the artifact's context).
    pub row_count_equals: Option<String>,
}

/// A pack-defined domain validator, by registered id, with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorRef {
    pub id: String,
    #[serde(default)]
    pub params: Value,
}

impl ValidatorRef {
    pub fn new(id: &str) -> Self {
        ValidatorRef {
            id: id.to_string(),
            params: Value::Null,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LadderConfig {
    /// The execution profile's mode for the phase being validated (step output, final output, …).
    pub mode: Mode,
    pub guard: GuardPolicy,
    /// The artifact's declared JSON Schema; stages 2–8 are skipped without one.
    pub schema: Option<Value>,
    pub contract: Contract,
    pub validators: Vec<ValidatorRef>,
    pub models: ModelStages,
    /// JSON pointer patterns (`*` = any one token) a model patch may touch; empty = what the schema declares.
    pub patch_allowed_paths: Vec<String>,
    /// The step's rubric for the expert review.
    pub rubric: Option<String>,
}
