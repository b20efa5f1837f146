//! What the ladder asks of a model and what it takes back. The shell makes the call (through the governed
//! bridge, metered and logged) and feeds the reply to [`crate::Ladder::resume`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::types::Stage;

/// Which model serves each model-assisted stage; `None` means the stage is skipped ("no model configured").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelStages {
    pub rename: Option<String>,
    pub patch: Option<String>,
    pub review: Option<String>,
}

impl ModelStages {
    pub fn for_stage(&self, stage: Stage) -> Option<&str> {
        match stage {
            Stage::ModelRename => self.rename.as_deref(),
            Stage::ModelPatch => self.patch.as_deref(),
            Stage::ExpertReview => self.review.as_deref(),
            _ => None,
        }
    }
}

/// One named part of the prompt (instructions, schema, value, rubric, evidence, …), in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptPart {
    pub name: String,
    pub text: String,
}

impl PromptPart {
    pub fn new(name: &str, text: impl Into<String>) -> Self {
        PromptPart {
            name: name.to_string(),
            text: text.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelRequest {
    pub stage: Stage,
    /// The model the profile configured for this stage.
    pub model: String,
    pub prompt_parts: Vec<PromptPart>,
}

/// The model's raw text. The ladder parses it; an unreadable reply is recorded, never trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelReply {
    pub stage: Stage,
    pub text: String,
}

/// Canonical JSON text for prompts, so the same value always yields the same prompt.
pub fn json_text(value: &Value) -> String {
    writ_canon::canonical_value(value).unwrap_or_else(|_| value.to_string())
}

/// Models often wrap JSON in a Markdown fence; take what is inside.
pub fn strip_fence(text: &str) -> &str {
    let t = text.trim();
    let Some(rest) = t.strip_prefix("```") else {
        return t;
    };
    let rest = rest.split_once('\n').map_or("", |(_, body)| body);
    rest.trim_end().strip_suffix("```").unwrap_or(rest).trim()
}
