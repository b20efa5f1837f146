//! Prompts per phase and the JSON Schema of the reply each phase expects. Every prompt opens with a small
//! header (`writ-task: <phase>`, `objective:`, `template:`, `step:`) that names the task plainly, for
//! people reading a trace and for test doubles that play a model; then the instructions and context; then
//! the writ-schema template of the expected reply.

use crate::provider::{ChatMessage, ChatRequest};
use crate::task::{
    AuditTask, ExecuteTask, JudgeTask, PlanTask, RepairTask, RouteTask, StepBrief, Task,
};
use serde_json::{json, Value};
use std::fmt::Write as _;

/// The step runtime's own summary of its API: the module docstring of `container/runtime/writ/__init__.py`,
/// embedded at build time so the prompt cannot drift from the runtime.
const RUNTIME_SOURCE: &str = include_str!("../../../container/runtime/writ/__init__.py");

/// Evidence values are cut to this many characters in a prompt (the builtin auditor sees everything).
pub const MAX_EVIDENCE_CHARS: usize = 12_000;
/// Rows of a table shown as evidence.
pub const MAX_EVIDENCE_ROWS: usize = 40;

pub fn runtime_api_summary() -> &'static str {
    RUNTIME_SOURCE
        .split("\"\"\"")
        .nth(1)
        .map(str::trim)
        .unwrap_or("")
}

/// The first message of a task's conversation.
pub fn render(task: &Task) -> Result<ChatRequest, Vec<writ_diag::Diagnostic>> {
    let schema = reply_schema(task);
    let template = writ_schema::template(&schema)?;
    let (system, body) = match task {
        Task::Route(t) => (SYSTEM_ROUTER, route(t)),
        Task::Plan(t) => (SYSTEM_PLANNER, plan(t)),
        Task::Execute(t) => (SYSTEM_EXECUTOR, execute(t)),
        Task::Audit(t) => (SYSTEM_AUDITOR, audit(t)),
        Task::Judge(t) => (SYSTEM_EVALUATOR, judge(t)),
        Task::Repair(t) => (SYSTEM_REPAIRER, repair(t)),
    };
    let mut user = body;
    let _ = write!(user, "\n## Your reply\n{}", template.text);
    Ok(ChatRequest {
        system: system.to_string(),
        messages: vec![ChatMessage::user(user)],
    })
}

const SYSTEM_ROUTER: &str = "You are the router of writ, a compiler and governed runtime for autonomous work. \
You classify an objective: which catalog plan template fits it, or that none does. You never invent a template.";
const SYSTEM_PLANNER: &str = "You are the planner of writ. You draft a plan candidate for an objective: steps, \
their inputs and outputs, success criteria and gates. A deterministic compiler checks every reference against \
the catalog: use only ids listed in the prompt. Nothing you write runs before the compiler accepts it.";
const SYSTEM_EXECUTOR: &str = "You are the executor of writ. You write the Python program of one step. It runs \
in a sandbox with no network, only its contracted inputs and the bound skills and tools; it reads inputs by \
slot and emits every output slot with the `writ` runtime. Standard library and `writ` only.";
const SYSTEM_AUDITOR: &str = "You are the auditor of writ. You judge a step's outputs against its rubric using \
only the evidence given: for every criterion a verdict, pass or fail, with the evidence that decides it. When \
the evidence does not show a criterion is met, the verdict is fail.";
const SYSTEM_EVALUATOR: &str = "You are the evaluator of writ. A step program asks you to judge one item \
(a contract, a candidate, a page) against a rubric, from the evidence bundle it assembled: source excerpts with \
their locations, derived values, the rules. Judge only from the evidence; every reason cites the evidence it \
rests on (by index or location). You decide; you do not write code or change the evidence.";
const SYSTEM_REPAIRER: &str = "You are the repairer of writ. A step's program failed. From the failure trace you \
diagnose the cause and write the corrected program of that step; the step's contract (inputs, outputs) does not \
change.";

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn header(phase: &str, objective: &str, template: Option<&str>, step: Option<&str>) -> String {
    let mut h = format!("writ-task: {phase}\nobjective: {}\n", one_line(objective));
    if let Some(t) = template {
        let _ = writeln!(h, "template: {t}");
    }
    if let Some(s) = step {
        let _ = writeln!(h, "step: {s}");
    }
    h.push('\n');
    h
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

fn route(t: &RouteTask) -> String {
    let mut s = header("router", &t.objective, None, None);
    s.push_str("## Objective\n");
    let _ = writeln!(s, "{}\n", t.objective);
    s.push_str("## Plan templates of the catalog\n");
    for c in &t.templates {
        let _ = writeln!(
            s,
            "- `{}` (domain `{}`, workflow `{}`): {}",
            c.id,
            c.domain,
            c.workflow,
            one_line(&c.summary)
        );
    }
    s.push_str("\nPick the template whose purpose is the objective's; if none is, say the objective is out of scope.\n");
    s
}

fn plan(t: &PlanTask) -> String {
    let mut s = header("planner", &t.objective, t.template.as_deref(), None);
    s.push_str("## Objective\n");
    let _ = writeln!(s, "{}\n", t.objective);
    s.push_str("## What discovery found in the catalog (only these ids may be used)\n");
    for (kind, id, title) in &t.discovered {
        let _ = writeln!(s, "- {kind} `{id}`: {title}");
    }
    if let Some(example) = &t.example {
        s.push_str("\n## The router's template, as a worked example to adapt\n```json\n");
        s.push_str(&pretty(
            &serde_json::to_value(example).unwrap_or(Value::Null),
        ));
        s.push_str("\n```\n");
    }
    s.push_str("\nRules: step ids are slugs; every input is `run.<input>` or `<step>.<slot>`; every output has a kind \
and, for data, a catalog schema id; every step has rubric criteria with `check` ids where the pack provides \
them; a step that publishes or deploys carries a gate when the policy says so.\n");
    s
}

fn step_section(s: &mut String, step: &StepBrief) {
    let _ = writeln!(
        s,
        "## Step `{}` ({:?})\n{}\n",
        step.id, step.kind, step.intent
    );
    s.push_str("### Inputs (read by slot)\n");
    for i in &step.inputs {
        let _ = writeln!(s, "- `{}` from `{}`, kind `{}`", i.slot, i.from, i.kind);
        if !i.inferred.is_empty() {
            let cols: Vec<String> = i
                .inferred
                .iter()
                .map(|(n, t)| format!("{n}: {t}"))
                .collect();
            let _ = writeln!(s, "  inferred columns: {}", cols.join(", "));
        }
        if let Some(schema) = &i.schema {
            let _ = writeln!(s, "  schema: `{}`", one_line(&schema.to_string()));
        }
        if let Some(sample) = &i.sample {
            let _ = writeln!(s, "  sample:\n```\n{}\n```", sample.trim_end());
        }
    }
    s.push_str("### Outputs (emit every one by slot)\n");
    for o in &step.outputs {
        let _ = writeln!(
            s,
            "- `{}`, kind `{}`{}",
            o.slot,
            o.kind,
            o.schema_id
                .as_deref()
                .map(|id| format!(", schema `{id}`"))
                .unwrap_or_default()
        );
        if let Some(schema) = &o.schema {
            let _ = writeln!(s, "  schema: `{}`", one_line(&schema.to_string()));
        }
    }
    if !step.rubric.is_empty() {
        s.push_str("### Rubric (the auditor checks)\n");
        for r in &step.rubric {
            let _ = writeln!(s, "- `{}`: {}", r.id, r.text);
        }
    }
    if !step.validators.is_empty() {
        let _ = writeln!(s, "### Domain validators\n{}", step.validators.join(", "));
    }
}

fn execute(t: &ExecuteTask) -> String {
    let mut s = header(
        "executor",
        &t.objective,
        t.template.as_deref(),
        Some(&t.step.id),
    );
    step_section(&mut s, &t.step);
    if !t.skills.is_empty() {
        s.push_str("### Bound skills (import by module)\n");
        for k in &t.skills {
            let _ = writeln!(
                s,
                "- `{}`: `from {} import {}`; `{}`: {}",
                k.id, k.module, k.entry, k.signature, k.description
            );
        }
    }
    if !t.tools.is_empty() {
        s.push_str("### Bound tools (`writ.call_tool(id, args)`)\n");
        for k in &t.tools {
            let _ = writeln!(
                s,
                "- `{}`: {} Arguments: `{}`",
                k.id,
                k.description,
                one_line(&k.input_schema.to_string())
            );
        }
    }
    let _ = writeln!(
        s,
        "\n## The `writ` runtime\n```\n{}\n```",
        runtime_api_summary()
    );
    if let Some(prev) = &t.previous {
        let _ = writeln!(
            s,
            "\n## Your previous attempt failed\n```python\n{}\n```\nFailure:\n```\n{}\n```",
            prev.code.trim_end(),
            prev.failure.trim_end()
        );
    }
    s.push_str("\nPut the whole program in `code`.\n");
    s
}

/// A value cut for a prompt: tables to their first rows, long text to its head, with a note of what was cut.
pub fn evidence_text(value: &Value) -> String {
    let shown = match value {
        Value::Array(rows) if rows.len() > MAX_EVIDENCE_ROWS => {
            let head: Vec<Value> = rows.iter().take(MAX_EVIDENCE_ROWS).cloned().collect();
            format!(
                "{}\n… {} more rows ({} in all)",
                Value::Array(head),
                rows.len() - MAX_EVIDENCE_ROWS,
                rows.len()
            )
        }
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    if shown.chars().count() > MAX_EVIDENCE_CHARS {
        let head: String = shown.chars().take(MAX_EVIDENCE_CHARS).collect();
        format!("{head}\n… (cut at {MAX_EVIDENCE_CHARS} characters)")
    } else {
        shown
    }
}

fn audit(t: &AuditTask) -> String {
    let mut s = header("auditor", &t.intent, None, Some(&t.step_id));
    let _ = writeln!(s, "## Step `{}`\n{}\n", t.step_id, t.intent);
    s.push_str("## Rubric\n");
    for r in &t.rubric {
        let _ = writeln!(s, "- `{}`: {}", r.id, r.text);
    }
    s.push_str("\n## Source evidence (the step's inputs)\n");
    for (slot, v) in &t.evidence.inputs {
        let _ = writeln!(s, "### `{slot}`\n```\n{}\n```", evidence_text(v));
    }
    s.push_str("\n## Derived evidence (the step's outputs)\n");
    for (slot, v) in &t.evidence.outputs {
        let _ = writeln!(s, "### `{slot}`\n```\n{}\n```", evidence_text(v));
    }
    s.push_str("\nGive one verdict per rubric criterion, in rubric order.\n");
    s
}

fn judge(t: &JudgeTask) -> String {
    let question = if t.question.is_empty() {
        format!("Judge `{}` against the rubric `{}`.", t.item, t.rubric)
    } else {
        t.question.clone()
    };
    let mut s = header("evaluator", &question, None, Some(&t.step_id));
    // The rubric and the item are header lines too: people reading a trace, and test doubles, find them.
    s.insert_str(
        s.len() - 1,
        &format!(
            "rubric: {}\nitem: {}\n",
            one_line(&t.rubric),
            one_line(&t.item)
        ),
    );
    let _ = writeln!(s, "## Question\n{question}\n");
    if !t.criteria.is_empty() {
        s.push_str("## Criteria\n");
        for c in &t.criteria {
            let _ = writeln!(s, "- {c}");
        }
        s.push('\n');
    }
    // The whole bundle, unabridged: it is one item's evidence, and the verdict must rest on all of it.
    let bundle = json!({"question": t.question, "criteria": t.criteria, "evidence": t.evidence});
    let _ = writeln!(
        s,
        "## Evidence bundle\n```json\n{}\n```\n",
        serde_json::to_string(&bundle).unwrap_or_else(|_| bundle.to_string())
    );
    s.push_str(
        "Give the verdict, the reasons (each citing the evidence), and, when the rubric judges parts of \
         the item separately, one entry per part under `criteria`.\n",
    );
    s
}

fn repair(t: &RepairTask) -> String {
    let mut s = header(
        "repairer",
        &t.objective,
        t.template.as_deref(),
        Some(&t.step.id),
    );
    step_section(&mut s, &t.step);
    let _ = writeln!(
        s,
        "\n## The program that failed\n```python\n{}\n```\n## Failure trace\n```\n{}\n```",
        t.code.trim_end(),
        t.failure.trim_end()
    );
    let _ = writeln!(
        s,
        "\n## The `writ` runtime\n```\n{}\n```",
        runtime_api_summary()
    );
    s
}

/// The JSON Schema of the reply a task expects.
pub fn reply_schema(task: &Task) -> Value {
    match task {
        Task::Route(t) => {
            let mut ids: Vec<Value> = t.templates.iter().map(|c| json!(c.id)).collect();
            ids.push(Value::Null);
            json!({
                "type": "object",
                "required": ["in_scope", "template", "confidence", "reason"],
                "additionalProperties": false,
                "properties": {
                    "in_scope": {"type": "boolean", "description": "Whether a catalog template fits the objective."},
                    "template": {"type": ["string", "null"], "enum": ids, "description": "The template id, or null when out of scope."},
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                    "reason": {"type": "string", "minLength": 1, "description": "One sentence: why."}
                }
            })
        }
        Task::Plan(_) => {
            let mut schema = writ_plan::schema::plan_candidate_schema();
            strip_numeric_formats(&mut schema);
            schema
        }
        Task::Execute(_) => json!({
            "type": "object",
            "required": ["code"],
            "additionalProperties": false,
            "properties": {
                "code": {"type": "string", "minLength": 1, "description": "The whole Python program of the step."}
            }
        }),
        Task::Audit(t) => {
            let ids: Vec<Value> = t.rubric.iter().map(|r| json!(r.id)).collect();
            json!({
                "type": "object",
                "required": ["verdicts"],
                "additionalProperties": false,
                "properties": {
                    "verdicts": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["criterion", "verdict", "evidence"],
                            "additionalProperties": false,
                            "properties": {
                                "criterion": {"type": "string", "enum": ids, "description": "A rubric criterion id."},
                                "verdict": {"type": "string", "enum": ["pass", "fail"]},
                                "evidence": {"type": "string", "minLength": 1, "description": "What in the evidence decides it."}
                            }
                        }
                    }
                }
            })
        }
        Task::Judge(_) => json!({
            "type": "object",
            "required": ["verdict", "reasons"],
            "properties": {
                "verdict": {"type": "string", "minLength": 1, "description": "The verdict on the item, as the rubric names them."},
                "reasons": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}, "description": "Why, each citing the evidence."},
                "criteria": {"type": "array", "items": {"type": "object"}, "description": "Per part or criterion of the item, as the rubric asks."},
                "confidence": {"type": "number", "minimum": 0, "maximum": 1}
            }
        }),
        Task::Repair(_) => json!({
            "type": "object",
            "required": ["diagnosis", "code"],
            "additionalProperties": false,
            "properties": {
                "diagnosis": {"type": "string", "minLength": 1, "description": "The cause of the failure."},
                "code": {"type": "string", "minLength": 1, "description": "The whole corrected Python program."}
            }
        }),
    }
}

/// schemars marks integer and number fields with `format` (`uint64`, `double`, …), which writ-schema's
/// subset rejects rather than ignores; the type and bounds already say what matters, so those go.
fn strip_numeric_formats(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let numeric = match map.get("type") {
                Some(Value::String(t)) => t == "integer" || t == "number",
                Some(Value::Array(ts)) => ts
                    .iter()
                    .any(|t| t.as_str().is_some_and(|t| t == "integer" || t == "number")),
                _ => false,
            };
            if numeric {
                map.remove("format");
            }
            for v in map.values_mut() {
                strip_numeric_formats(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_numeric_formats),
        _ => {}
    }
}
