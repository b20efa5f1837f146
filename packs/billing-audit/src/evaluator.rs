//! The built-in evaluator of rubric `billing.review_flags`: section 7 of the engagement letter as code,
//! judging one time entry. The governed evaluator (`evaluator.judge`) routes here when the profile's
//! auditor phase is built in or the run is sealed; a model auditor answers the same question otherwise.
//!
//! Evidence: `{"entry_id", "description", "hours", "rules": {...}}` (the rules the letter states, as
//! `extract_terms` read them). Verdict: `flagged` or `clear`; one criterion per flag (`{"flag", "rule",
//! "reason"}`), reasons citing the rule and the evidence.

use serde_json::{json, Value};
use writ_tools::args::{self, Field};
use writ_tools::ToolError;

use crate::tools::review_flags::{self, BLOCK_BILLING, VAGUE};

pub const RUBRIC: &str = "billing.review_flags";

pub fn judge(args: &Value) -> Result<Value, ToolError> {
    let (pointer, evidence) = args::member(args, "", "evidence")?;
    if !evidence.is_object() {
        return Err(ToolError::WrongType {
            pointer,
            expected: "an object: the entry and the letter's rules",
        });
    }
    let found = review_flags::call(evidence).map_err(|e| match e {
        // Errors name pointers inside the evidence bundle.
        ToolError::MissingField { pointer: p } => ToolError::MissingField {
            pointer: format!("{pointer}{p}"),
        },
        other => other,
    })?;
    let (p, description) = args::member(evidence, &pointer, "description")?;
    let description = args::string(Field {
        pointer: &p,
        value: description,
    })?;
    // Hours as the entry states them, without JSON quotes around a string.
    let hours = match &evidence["hours"] {
        Value::String(h) => h.clone(),
        other => other.to_string(),
    };
    let criteria: Vec<Value> = found["flags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|flag| {
            let (rule, reason) = match flag {
                BLOCK_BILLING => (
                    "7.1",
                    format!("`{description}` bills several distinct tasks in one entry of {hours} hours, over the letter's threshold"),
                ),
                VAGUE => (
                    "7.2",
                    format!("`{description}` is too short or too generic to show the work done"),
                ),
                other => ("7", format!("flag {other}")),
            };
            json!({"flag": flag, "rule": rule, "reason": reason})
        })
        .collect();
    let reasons: Vec<Value> = if criteria.is_empty() {
        vec![json!(format!(
            "`{description}`: neither block billing (7.1) nor a vague description (7.2)"
        ))]
    } else {
        criteria
            .iter()
            .map(|c| {
                json!(format!(
                    "{}: {}",
                    c["rule"].as_str().unwrap_or("7"),
                    c["reason"].as_str().unwrap_or("")
                ))
            })
            .collect()
    };
    Ok(json!({
        "verdict": if criteria.is_empty() { "clear" } else { "flagged" },
        "reasons": reasons,
        "criteria": criteria,
    }))
}
