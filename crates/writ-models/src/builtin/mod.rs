//! The built-in deterministic provider: the default when no model is configured, and the test double. It
//! says what it is: every answer carries `served_by: "builtin"`, zero tokens and zero cost.
//!
//! - router: discovery (writ-catalog search over the objective) → a plan template id;
//! - planner: the workflow pack's template (its plan candidate, with the person's objective);
//! - executor: the pack's reference program of the step;
//! - auditor: the step's rubric checks as code, through writ-ladder's registry → a [`ProofRecord`];
//! - repairer: the reference program again, when the failing code is not already it.

mod audit;
mod route;

pub use audit::{audit, ProofRecord, Verdict, VerdictKind};
pub use route::{route, RouteDecision, MIN_ROUTE_SCORE};

use crate::provider::{ModelReply, StopReason};
use crate::task::{ExecuteTask, RepairTask, StepBrief, Task};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use writ_catalog::Catalog;
use writ_plan::PlanCandidate;

/// What the built-in provider calls itself.
pub const SERVED_BY: &str = "builtin";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuiltinError {
    #[error("no plan template of the catalog matches the objective")]
    NoTemplate,
    #[error("the catalog has no template `{0}`")]
    UnknownTemplate(String),
    #[error("no reference program for step `{step}` (looked for `{program}`)")]
    NoProgram { step: String, program: String },
    #[error("the failing code is already the reference program of `{0}`: the built-in repairer has nothing better")]
    NothingToRepair(String),
    #[error("the built-in evaluator of rubric `{0}` is the pack's rubric as code; the tool bridge calls it, not the model layer")]
    PackEvaluator(String),
}

/// The planner: the template's plan candidate, with the person's objective in place of the template's.
pub fn plan(
    catalog: &Catalog,
    objective: &str,
    template: &str,
) -> Result<PlanCandidate, BuiltinError> {
    let t = catalog
        .template(template)
        .ok_or_else(|| BuiltinError::UnknownTemplate(template.to_string()))?;
    let mut plan = t.plan.clone();
    plan.objective = objective.to_string();
    plan.template = Some(t.id.clone());
    Ok(plan)
}

/// The catalog program id of a step: the one the plan names, else `<template>/<step>`.
pub fn program_id(template: Option<&str>, step: &StepBrief) -> Option<String> {
    step.program
        .clone()
        .or_else(|| template.map(|t| format!("{t}/{}", step.id)))
}

/// The executor: the pack's reference program of the step.
pub fn execute(catalog: &Catalog, task: &ExecuteTask) -> Result<String, BuiltinError> {
    reference_program(catalog, task.template.as_deref(), &task.step)
}

fn reference_program(
    catalog: &Catalog,
    template: Option<&str>,
    step: &StepBrief,
) -> Result<String, BuiltinError> {
    let id = program_id(template, step).unwrap_or_default();
    catalog
        .program(&id)
        .map(|p| p.source.clone())
        .ok_or_else(|| BuiltinError::NoProgram {
            step: step.id.clone(),
            program: id,
        })
}

/// The repairer: back to the reference program, unless that is what failed.
pub fn repair(catalog: &Catalog, task: &RepairTask) -> Result<Value, BuiltinError> {
    let code = reference_program(catalog, task.template.as_deref(), &task.step)?;
    if code.trim() == task.code.trim() {
        return Err(BuiltinError::NothingToRepair(task.step.id.clone()));
    }
    Ok(json!({
        "diagnosis": "the step's code differs from the pack's reference program; the built-in repairer restores it",
        "code": code,
    }))
}

/// A built-in answer: the value a model would have replied, and the reply itself (fenced JSON, zero tokens).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuiltinAnswer {
    pub served_by: String,
    pub value: Value,
    pub reply: ModelReply,
}

/// Answers any task the way the phase's model would, so the same conversation and records serve both.
pub fn answer(catalog: &Catalog, task: &Task) -> Result<BuiltinAnswer, BuiltinError> {
    let value = match task {
        Task::Route(t) => {
            let decision = route(catalog, &t.objective);
            json!({
                "in_scope": decision.template.is_some(),
                "template": decision.template,
                "confidence": decision.confidence,
                "reason": decision.reason,
            })
        }
        Task::Plan(t) => {
            let template = match &t.template {
                Some(id) => id.clone(),
                None => route(catalog, &t.objective)
                    .template
                    .ok_or(BuiltinError::NoTemplate)?,
            };
            serde_json::to_value(plan(catalog, &t.objective, &template)?).unwrap_or(Value::Null)
        }
        Task::Execute(t) => json!({ "code": execute(catalog, t)? }),
        Task::Audit(t) => {
            let proof = audit(t);
            json!({ "verdicts": proof.verdicts.iter().map(|v| json!({
                "criterion": v.criterion,
                "verdict": v.verdict,
                "evidence": v.evidence,
            })).collect::<Vec<_>>() })
        }
        Task::Judge(t) => return Err(BuiltinError::PackEvaluator(t.rubric.clone())),
        Task::Repair(t) => repair(catalog, t)?,
    };
    let text = format!(
        "```json\n{}\n```\n",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    );
    Ok(BuiltinAnswer {
        served_by: SERVED_BY.to_string(),
        reply: ModelReply {
            text,
            tokens_in: 0,
            tokens_out: 0,
            stop: StopReason::EndTurn,
            served_by: SERVED_BY.to_string(),
            model: Some(model_of(task).to_string()),
        },
        value,
    })
}

/// The built-in "model" ids, as the builtin profile names them.
pub fn model_of(task: &Task) -> &'static str {
    match task {
        Task::Route(_) => "builtin-router",
        Task::Plan(_) => "builtin-templates",
        Task::Execute(_) => "builtin-programs",
        Task::Audit(_) | Task::Judge(_) => "builtin-rubric-checks",
        Task::Repair(_) => "builtin-repair",
    }
}
