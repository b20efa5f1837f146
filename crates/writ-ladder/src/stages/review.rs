//! Stage 11: the auditor model judges the output against the step's rubric and evidence. The reply is
//! `{"verdict": "pass" | "fail", "findings": [{"pointer": "...", "message": "..."}]}`. A reply that cannot
//! be read is a rejection: an unreadable verdict is not a pass.

use serde::Deserialize;
use serde_json::Value;

use crate::diag::{self, Diagnostic};
use crate::model::{json_text, strip_fence, PromptPart};
use crate::types::Context;

pub fn prompt(rubric: &str, value: &Value, context: &Context) -> Vec<PromptPart> {
    let evidence = serde_json::to_value(&context.related).unwrap_or(Value::Null);
    vec![
        PromptPart::new(
            "instructions",
            "Judge the step output against the rubric, using the evidence. Reply with only JSON: \
             {\"verdict\": \"pass\" or \"fail\", \"findings\": [{\"pointer\": JSON pointer into the output, \
             \"message\": what is wrong}]}.",
        ),
        PromptPart::new("rubric", rubric),
        PromptPart::new("output", json_text(value)),
        PromptPart::new("evidence", json_text(&evidence)),
        PromptPart::new("input_row_counts", json_text(&serde_json::to_value(&context.input_row_counts).unwrap_or(Value::Null))),
    ]
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Verdict {
    Pass,
    Fail,
}

#[derive(Deserialize)]
struct Finding {
    #[serde(default)]
    pointer: String,
    message: String,
}

#[derive(Deserialize)]
struct Reply {
    verdict: Verdict,
    #[serde(default)]
    findings: Vec<Finding>,
}

/// Error diagnostics when the reviewer fails the output or cannot be read; warnings for findings on a pass.
pub fn judge(reply: &str) -> Vec<Diagnostic> {
    let parsed: Reply = match serde_json::from_str(strip_fence(reply)) {
        Ok(r) => r,
        Err(e) => {
            return vec![diag::error(
                diag::REVIEW_UNREADABLE,
                "",
                format!("the reviewer's reply is not a verdict: {e}"),
            )]
        }
    };
    let fail = matches!(parsed.verdict, Verdict::Fail);
    let mut out: Vec<Diagnostic> = parsed
        .findings
        .into_iter()
        .map(|f| {
            if fail {
                diag::error(diag::REVIEW_FAILED, f.pointer, f.message)
            } else {
                diag::warning(diag::REVIEW_FAILED, f.pointer, f.message)
            }
        })
        .collect();
    if fail && out.is_empty() {
        out.push(diag::error(
            diag::REVIEW_FAILED,
            "",
            "the reviewer failed the output without findings",
        ));
    }
    out
}
