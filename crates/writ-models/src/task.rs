//! What a phase's model is asked to do, independent of the wording of the prompt.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use writ_catalog::{Catalog, EntryKind, SearchOptions};
use writ_plan::{Phase, PlanCandidate, RubricCriterion, StepCandidate, StepKind};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum Task {
    Route(RouteTask),
    Plan(PlanTask),
    Execute(ExecuteTask),
    Audit(AuditTask),
    Judge(JudgeTask),
    Repair(RepairTask),
}

impl Task {
    pub fn phase(&self) -> Phase {
        match self {
            Task::Route(_) => Phase::Router,
            Task::Plan(_) => Phase::Planner,
            Task::Execute(_) => Phase::Executor,
            // The governed evaluator is the auditor judging one item: the same independent intelligence.
            Task::Audit(_) | Task::Judge(_) => Phase::Auditor,
            Task::Repair(_) => Phase::Repairer,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateChoice {
    pub id: String,
    pub domain: String,
    pub workflow: String,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteTask {
    pub objective: String,
    /// The plan templates the router may pick from.
    pub templates: Vec<TemplateChoice>,
}

impl RouteTask {
    pub fn from_catalog(objective: &str, catalog: &Catalog) -> RouteTask {
        let templates = catalog
            .list(Some(EntryKind::Template))
            .into_iter()
            .filter_map(|e| catalog.template(e.id()))
            .map(|t| TemplateChoice {
                id: t.id.clone(),
                domain: t.plan.domain.clone(),
                workflow: t.plan.workflow.clone(),
                summary: t.plan.objective.clone(),
            })
            .collect();
        RouteTask {
            objective: objective.to_string(),
            templates,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanTask {
    pub objective: String,
    /// The router's pick, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The picked template's plan, as a worked example the planner may adapt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<PlanCandidate>,
    /// What discovery found for the objective: (kind, id, title), best first. Nothing else may be used.
    pub discovered: Vec<(String, String, String)>,
}

/// Discovery hits shown to the planner.
const PLAN_DISCOVERY_LIMIT: usize = 40;

impl PlanTask {
    pub fn from_catalog(objective: &str, template: Option<&str>, catalog: &Catalog) -> PlanTask {
        let discovered = catalog
            .search(
                objective,
                &SearchOptions {
                    kind: None,
                    limit: PLAN_DISCOVERY_LIMIT,
                },
            )
            .into_iter()
            .filter(|h| h.kind != EntryKind::Program)
            .map(|h| (h.kind.to_string(), h.id, h.title))
            .collect();
        PlanTask {
            objective: objective.to_string(),
            template: template.map(str::to_string),
            example: template
                .and_then(|t| catalog.template(t))
                .map(|t| t.plan.clone()),
            discovered,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputBrief {
    pub slot: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputBrief {
    pub slot: String,
    /// Where it comes from (`run.time_entries`, `extract_terms.terms`).
    pub from: String,
    pub kind: String,
    /// The producer's declared schema, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
    /// A sample of the content (first lines or rows), given by the shell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<String>,
    /// Columns and types inferred from a CSV sample.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inferred: Vec<(String, String)>,
}

/// The step as its executor sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepBrief {
    pub id: String,
    pub intent: String,
    pub kind: StepKind,
    pub inputs: Vec<InputBrief>,
    pub outputs: Vec<OutputBrief>,
    pub rubric: Vec<RubricCriterion>,
    pub validators: Vec<String>,
    /// The pack's reference program id, if the plan names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillBrief {
    pub id: String,
    pub module: String,
    pub entry: String,
    pub signature: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolBrief {
    pub id: String,
    pub description: String,
    pub input_schema: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousAttempt {
    pub code: String,
    /// What went wrong: exit status, stderr tail, ladder diagnostics.
    pub failure: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecuteTask {
    pub objective: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    pub step: StepBrief,
    pub skills: Vec<SkillBrief>,
    pub tools: Vec<ToolBrief>,
    /// The previous attempt inside this step, when iterating on an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<PreviousAttempt>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    #[error("the plan has no step `{0}`")]
    NoSuchStep(String),
    #[error("evaluator.judge: {0}")]
    Args(String),
}

impl ExecuteTask {
    /// The executor's task for `step_id` of a plan candidate, with the catalog's schemas, skills and tools.
    /// `samples`: input slot → the first lines of its content (CSV samples get inferred column types).
    pub fn from_plan(
        plan: &PlanCandidate,
        step_id: &str,
        catalog: &Catalog,
        samples: &BTreeMap<String, String>,
    ) -> Result<ExecuteTask, TaskError> {
        let step = plan
            .steps
            .iter()
            .find(|s| s.id == step_id)
            .ok_or_else(|| TaskError::NoSuchStep(step_id.to_string()))?;
        let brief = StepBrief::of(plan, step, catalog, samples);
        let skills = step
            .skills
            .iter()
            .filter_map(|id| catalog.skill(id))
            .map(|s| {
                let d = &s.descriptor;
                let params: Vec<String> = d
                    .params
                    .iter()
                    .map(|p| match &p.default {
                        Some(def) => format!("{}: {} = {}", p.name, p.ty, def),
                        None => format!("{}: {}", p.name, p.ty),
                    })
                    .collect();
                SkillBrief {
                    id: d.id.clone(),
                    module: d.module.clone(),
                    entry: d.entry.clone(),
                    signature: format!("{}({}) -> {}", d.entry, params.join(", "), d.returns),
                    description: d.description.clone(),
                }
            })
            .collect();
        let tools = step
            .tools
            .iter()
            .filter_map(|id| catalog.tool(id))
            .map(|t| ToolBrief {
                id: t.id.clone(),
                description: t.description.clone(),
                input_schema: t.input_schema.clone(),
            })
            .collect();
        Ok(ExecuteTask {
            objective: plan.objective.clone(),
            template: plan.template.clone(),
            step: brief,
            skills,
            tools,
            previous: None,
        })
    }
}

impl StepBrief {
    pub fn of(
        plan: &PlanCandidate,
        step: &StepCandidate,
        catalog: &Catalog,
        samples: &BTreeMap<String, String>,
    ) -> StepBrief {
        let inputs = step
            .inputs
            .iter()
            .map(|(slot, spec)| {
                let from = spec.from_text().to_string();
                let (kind, schema) = producer_of(plan, &from, catalog);
                let sample = samples.get(slot).cloned();
                let inferred = sample
                    .as_deref()
                    .filter(|_| kind.starts_with("table."))
                    .map(infer_csv_columns)
                    .unwrap_or_default();
                InputBrief {
                    slot: slot.clone(),
                    from,
                    kind: spec.expected_kind().map(str::to_string).unwrap_or(kind),
                    schema,
                    sample,
                    inferred,
                }
            })
            .collect();
        let outputs = step
            .outputs
            .iter()
            .map(|o| {
                let (schema_id, schema) = match &o.schema {
                    Some(writ_plan::SchemaRef::Id(id)) => (
                        Some(id.clone()),
                        catalog.schema(id).map(|s| s.schema.clone()),
                    ),
                    Some(writ_plan::SchemaRef::Inline(map)) => {
                        (None, Some(Value::Object(map.clone())))
                    }
                    None => (None, None),
                };
                OutputBrief {
                    slot: o.slot.clone(),
                    kind: o.kind.clone(),
                    schema_id,
                    schema,
                }
            })
            .collect();
        StepBrief {
            id: step.id.clone(),
            intent: step.intent.clone(),
            kind: step.kind,
            inputs,
            outputs,
            rubric: step.rubric.clone(),
            validators: step.validators.clone(),
            program: step.program.clone(),
        }
    }
}

/// The kind and schema of what `from` (`run.<input>` or `<step>.<slot>`) names.
fn producer_of(plan: &PlanCandidate, from: &str, catalog: &Catalog) -> (String, Option<Value>) {
    let (scope, name) = from.split_once('.').unwrap_or(("", from));
    if scope == "run" {
        let kind = plan
            .inputs
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.kind.clone())
            .unwrap_or_default();
        return (kind, None);
    }
    let Some(out) = plan
        .steps
        .iter()
        .find(|s| s.id == scope)
        .and_then(|s| s.outputs.iter().find(|o| o.slot == name))
    else {
        return (String::new(), None);
    };
    let schema = match &out.schema {
        Some(writ_plan::SchemaRef::Id(id)) => catalog.schema(id).map(|s| s.schema.clone()),
        Some(writ_plan::SchemaRef::Inline(map)) => Some(Value::Object(map.clone())),
        None => None,
    };
    (out.kind.clone(), schema)
}

/// Column names and a type per column from a CSV sample (header and rows): `integer`, `decimal`, `date`
/// (YYYY-MM-DD), `boolean`, `string`, or `empty` when every sampled cell is blank. Simple comma splitting
/// with double-quote handling; good enough for a prompt, not a parser of record.
pub fn infer_csv_columns(sample: &str) -> Vec<(String, String)> {
    let mut lines = sample.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let names = split_csv_line(header);
    let rows: Vec<Vec<String>> = lines.map(split_csv_line).collect();
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let cells: Vec<&str> = rows
                .iter()
                .filter_map(|r| r.get(i).map(|c| c.trim()))
                .filter(|c| !c.is_empty())
                .collect();
            let ty = if cells.is_empty() {
                "empty"
            } else if cells.iter().all(|c| is_integer(c)) {
                "integer"
            } else if cells.iter().all(|c| is_decimal(c)) {
                "decimal"
            } else if cells.iter().all(|c| is_iso_date(c)) {
                "date"
            } else if cells
                .iter()
                .all(|c| matches!(c.to_ascii_lowercase().as_str(), "true" | "false"))
            {
                "boolean"
            } else {
                "string"
            };
            (name.trim().to_string(), ty.to_string())
        })
        .collect()
}

fn split_csv_line(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    out.push(cell);
    out
}

fn is_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

fn is_decimal(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    match body.split_once('.') {
        Some((i, f)) => {
            !(i.is_empty() && f.is_empty())
                && i.chars().all(|c| c.is_ascii_digit())
                && f.chars().all(|c| c.is_ascii_digit())
        }
        None => is_integer(body),
    }
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// What the auditor judges: source evidence (inputs) and derived evidence (outputs), tables as JSON rows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    #[serde(default)]
    pub inputs: BTreeMap<String, Value>,
    #[serde(default)]
    pub outputs: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditTask {
    pub step_id: String,
    pub intent: String,
    pub rubric: Vec<RubricCriterion>,
    pub evidence: Evidence,
}

impl AuditTask {
    pub fn of(step: &StepCandidate, evidence: Evidence) -> AuditTask {
        AuditTask {
            step_id: step.id.clone(),
            intent: step.intent.clone(),
            rubric: step.rubric.clone(),
            evidence,
        }
    }
}

/// What the evaluator judges: one item (a contract, a candidate, a page) against a pack's rubric, from the
/// evidence bundle the step program assembled. The same arguments `evaluator.judge` takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeTask {
    pub step_id: String,
    pub rubric: String,
    pub item: String,
    #[serde(default)]
    pub question: String,
    pub evidence: Value,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<String>,
}

impl JudgeTask {
    /// The task of an `evaluator.judge` call (arguments already checked against the tool's input schema).
    pub fn from_args(step_id: &str, args: &Value) -> Result<JudgeTask, TaskError> {
        let text = |k: &str| args.get(k).and_then(Value::as_str).map(str::to_string);
        let rubric = text("rubric")
            .ok_or_else(|| TaskError::Args("`rubric` (a string) is required".into()))?;
        let item =
            text("item").ok_or_else(|| TaskError::Args("`item` (a string) is required".into()))?;
        let evidence = args
            .get("evidence")
            .cloned()
            .ok_or_else(|| TaskError::Args("`evidence` is required".into()))?;
        let criteria = match args.get("criteria") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(c)) => c
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| TaskError::Args("`criteria` must be strings".into()))?,
            Some(_) => {
                return Err(TaskError::Args(
                    "`criteria` must be an array of strings".into(),
                ))
            }
        };
        Ok(JudgeTask {
            step_id: step_id.to_string(),
            rubric,
            item,
            question: text("question").unwrap_or_default(),
            evidence,
            criteria,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepairTask {
    pub objective: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    pub step: StepBrief,
    /// The code that failed.
    pub code: String,
    /// The trace of the failure: exit status, stderr tail, ladder and audit diagnostics.
    pub failure: String,
}

/// What the repairer is shown about a failure: the failing stage (the machine's code and reason), the
/// attempt's exit and stderr, and the validation report or proof record when the ladder or the auditor
/// rejected the outputs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureTrace {
    pub code: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stderr: String,
    /// The validation report or proof record, as JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
}

impl FailureTrace {
    /// The trace as the prompt shows it.
    pub fn render(&self) -> String {
        let mut s = format!("failed: {} {}", self.code, self.reason);
        if let Some(c) = self.exit_code {
            s.push_str(&format!("\nexit code: {c}"));
        }
        if !self.stderr.trim().is_empty() {
            s.push_str(&format!("\nstderr:\n{}", self.stderr.trim_end()));
        }
        if let Some(r) = &self.record {
            s.push_str(&format!("\nrecord:\n{}", r.trim_end()));
        }
        s
    }
}

impl RepairTask {
    /// The repairer's task for a failed step of `plan`: the step's brief (its contract, with samples of its
    /// inputs), the code that failed and the failure's trace.
    pub fn from_plan(
        plan: &PlanCandidate,
        step_id: &str,
        catalog: &Catalog,
        samples: &BTreeMap<String, String>,
        code: &str,
        failure: &FailureTrace,
    ) -> Result<RepairTask, TaskError> {
        let step = plan
            .steps
            .iter()
            .find(|s| s.id == step_id)
            .ok_or_else(|| TaskError::NoSuchStep(step_id.to_string()))?;
        Ok(RepairTask {
            objective: plan.objective.clone(),
            template: plan.template.clone(),
            step: StepBrief::of(plan, step, catalog, samples),
            code: code.to_string(),
            failure: failure.render(),
        })
    }
}
