//! The built-in auditor: the step's rubric checks written as code, run through writ-ladder's domain registry
//! over the evidence bundle. A criterion without a check, or whose check nobody registered, fails with the
//! reason: a check that cannot run is not a check that passed.

use crate::task::AuditTask;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use writ_ladder::{Artifact, Context, Registry, ValidatorRef};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    Pass,
    Fail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub criterion: String,
    /// The rubric check that decided it, if the criterion names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    pub verdict: VerdictKind,
    pub evidence: String,
}

/// The auditor's record for a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofRecord {
    pub step: String,
    pub served_by: String,
    pub verdicts: Vec<Verdict>,
    /// Every verdict is a pass.
    pub passed: bool,
}

/// Diagnostics quoted in a failing verdict's evidence, at most.
const MAX_QUOTED: usize = 5;

pub fn audit(task: &AuditTask) -> ProofRecord {
    let registry = writ_packs::registry();
    let verdicts: Vec<Verdict> = task
        .rubric
        .iter()
        .map(|criterion| {
            let Some(check) = &criterion.check else {
                return Verdict {
                    criterion: criterion.id.clone(),
                    check: None,
                    verdict: VerdictKind::Fail,
                    evidence: "the criterion names no rubric check, and the built-in auditor judges only by code".into(),
                };
            };
            run_check(&registry, check, task).map_or_else(
                |evidence| Verdict {
                    criterion: criterion.id.clone(),
                    check: Some(check.clone()),
                    verdict: VerdictKind::Fail,
                    evidence,
                },
                |evidence| Verdict {
                    criterion: criterion.id.clone(),
                    check: Some(check.clone()),
                    verdict: VerdictKind::Pass,
                    evidence,
                },
            )
        })
        .collect();
    ProofRecord {
        step: task.step_id.clone(),
        served_by: super::SERVED_BY.to_string(),
        passed: verdicts.iter().all(|v| v.verdict == VerdictKind::Pass),
        verdicts,
    }
}

/// Ok(evidence of the pass) or Err(evidence of the failure).
fn run_check(registry: &Registry, check: &str, task: &AuditTask) -> Result<String, String> {
    if !registry.ids().contains(&check) {
        return Err(format!(
            "rubric check `{check}` is not implemented as code: no such check is registered"
        ));
    }
    let ev = &task.evidence;
    // The step's first output is the artifact; every other output and every input is related evidence.
    let Some((name, value)) = ev.outputs.iter().next() else {
        return Err("the evidence holds no output of the step".into());
    };
    let mut context = Context::default();
    for (slot, v) in ev.inputs.iter().chain(ev.outputs.iter()) {
        if slot != name {
            context.related.insert(slot.clone(), v.clone());
        }
        if let Value::Array(rows) = v {
            context
                .input_row_counts
                .insert(slot.clone(), rows.len() as u64);
        }
    }
    let artifact = Artifact {
        name: name.clone(),
        kind: kind_of(value).to_string(),
        value: value.clone(),
        context,
    };
    let diagnostics = registry.run(&[ValidatorRef::new(check)], &artifact, value);
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            format!(
                "{} at `{}`: {}",
                d.code,
                d.pointer.as_deref().unwrap_or(""),
                d.message
            )
        })
        .collect();
    if errors.is_empty() {
        let slots: Vec<&str> = ev
            .inputs
            .keys()
            .chain(ev.outputs.keys())
            .map(String::as_str)
            .collect();
        Ok(format!(
            "rubric check `{check}` passed over {}",
            slots.join(", ")
        ))
    } else {
        let more = errors.len().saturating_sub(MAX_QUOTED);
        let mut text = format!("rubric check `{check}` failed: ");
        text.push_str(
            &errors
                .iter()
                .take(MAX_QUOTED)
                .cloned()
                .collect::<Vec<_>>()
                .join("; "),
        );
        if more > 0 {
            text.push_str(&format!("; and {more} more"));
        }
        Err(text)
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "table.csv",
        Value::String(_) => "report.markdown",
        _ => "object.json",
    }
}
