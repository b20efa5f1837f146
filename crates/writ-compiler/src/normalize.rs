//! Pass 1: parse and normalise. JSON text (or value) → [`PlanCandidate`], every shape problem reported with
//! its pointer; then identifier checks and normalisation: trimmed text, sorted and deduplicated sets,
//! explicit defaults.

use crate::codes;
use crate::ptr;
use crate::shape;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use writ_diag::Diagnostic;
use writ_plan::{is_slug, Binding, PlanCandidate, StepCandidate, RUN_SCOPE};

/// Retries a step gets when the candidate does not say.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

/// A normalised candidate, with where each sorted set entry was written (for pointers into the original).
#[derive(Debug, Clone)]
pub struct Normalized {
    pub candidate: PlanCandidate,
    pub origins: Vec<StepOrigins>,
}

/// Original positions of a step's set entries (first occurrence), before sorting.
#[derive(Debug, Clone, Default)]
pub struct StepOrigins {
    pub skills: BTreeMap<String, usize>,
    pub tools: BTreeMap<String, usize>,
    pub validators: BTreeMap<String, usize>,
}

impl Normalized {
    pub fn origin(&self, step: usize, field: &str, id: &str) -> String {
        let index = self.origins.get(step).and_then(|o| match field {
            "skills" => o.skills.get(id),
            "tools" => o.tools.get(id),
            _ => o.validators.get(id),
        });
        match index {
            Some(i) => format!("{}/{field}/{i}", ptr::step(step)),
            None => format!("{}/{field}", ptr::step(step)),
        }
    }
}

/// Text → JSON value; a syntax error is the only diagnostic.
pub fn parse_text(text: &str) -> Result<Value, Diagnostic> {
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        let message = match message.rfind(" at line ") {
            Some(i) => message.get(..i).unwrap_or(&message).to_string(),
            None => message,
        };
        let offset = offset_of(text, e.line(), e.column());
        Diagnostic::error(codes::JSON_SYNTAX, format!("the candidate is not valid JSON: {message}"))
            .with_span(writ_diag::Span::in_source(text, offset, offset.saturating_add(1)))
            .with_primary_label("here")
            .with_help("a plan candidate is one JSON object; see the plan candidate schema (`writ schema plan-candidate`)")
    })
}

/// Byte offset of serde_json's 1-based line and column (column counts bytes; 0 means before the line).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    line_start
        .saturating_add(column.saturating_sub(1))
        .min(text.len())
}

/// Pass 1 over a JSON value.
pub fn normalize(value: &Value) -> (Option<Normalized>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    shape::check(value, &shape::CANDIDATE, "", &mut diags);
    if !diags.is_empty() {
        return (None, diags);
    }
    // Deserialise from a borrow: cloning the value would double the cost of this pass.
    let candidate: PlanCandidate = match serde::Deserialize::deserialize(value) {
        Ok(c) => c,
        Err(e) => {
            // The shape table mirrors writ-plan's types; reaching here means they drifted apart.
            diags.push(
                Diagnostic::error(
                    codes::WRONG_TYPE,
                    format!("the candidate does not read as a plan: {e}"),
                )
                .at(""),
            );
            return (None, diags);
        }
    };
    check_ids(&candidate, &mut diags);
    let normalized = normalize_candidate(candidate, &mut diags);
    (Some(normalized), diags)
}

fn not_a_slug(pointer: String, what: &str, text: &str) -> Diagnostic {
    Diagnostic::error(codes::NOT_A_SLUG, format!("{what} `{text}` is not a slug"))
        .at(pointer)
        .with_primary_label("not a slug")
        .with_help("a slug is a lower-case letter followed by lower-case letters, digits or `_`, e.g. `load_rows`")
}

fn invalid(pointer: String, message: String, label: &str) -> Diagnostic {
    Diagnostic::error(codes::INVALID_VALUE, message)
        .at(pointer)
        .with_primary_label(label)
}

fn check_ids(c: &PlanCandidate, diags: &mut Vec<Diagnostic>) {
    if c.objective.trim().is_empty() {
        diags.push(invalid(
            "/objective".into(),
            "the objective is empty".into(),
            "say what the plan is for",
        ));
    }
    if c.steps.is_empty() {
        diags.push(
            Diagnostic::error(codes::NO_STEPS, "the plan has no steps")
                .at("/steps")
                .with_primary_label("empty")
                .with_help("a plan needs at least one step that produces something"),
        );
    }
    for (i, input) in c.inputs.iter().enumerate() {
        if !is_slug(&input.name) {
            diags.push(not_a_slug(
                format!("/inputs/{i}/name"),
                "run input name",
                &input.name,
            ));
        }
    }
    check_budget_values(&c.budgets, "/budgets", diags);
    for (i, step) in c.steps.iter().enumerate() {
        check_step(i, step, diags);
    }
}

fn check_budget_values(b: &writ_plan::Budgets, pointer: &str, diags: &mut Vec<Diagnostic>) {
    if let Some(cost) = b.cost_usd {
        if !cost.is_finite() || cost < 0.0 {
            diags.push(invalid(
                format!("{pointer}/cost_usd"),
                format!("a cost cap must be a non-negative number, found {cost}"),
                "negative",
            ));
        }
    }
}

fn check_step(i: usize, step: &StepCandidate, diags: &mut Vec<Diagnostic>) {
    let at = ptr::step(i);
    if step.id == RUN_SCOPE {
        diags.push(
            Diagnostic::error(codes::RESERVED_STEP_ID, "`run` cannot be a step id")
                .at(format!("{at}/id"))
                .with_primary_label("reserved")
                .with_help("bindings use `run.<input>` for the run's inputs; rename the step"),
        );
    } else if !is_slug(&step.id) {
        diags.push(not_a_slug(format!("{at}/id"), "step id", &step.id));
    }
    if step.intent.trim().is_empty() {
        diags.push(invalid(
            format!("{at}/intent"),
            "the step's intent is empty".into(),
            "say what the step does",
        ));
    }
    for (slot, spec) in &step.inputs {
        let here = ptr::input(i, slot);
        if !is_slug(slot) {
            diags.push(not_a_slug(here.clone(), "input slot", slot));
        }
        if Binding::parse(spec.from_text()).is_err() {
            let pointer = match spec {
                writ_plan::InputSpec::Binding(_) => here,
                writ_plan::InputSpec::Detailed(_) => format!("{here}/from"),
            };
            diags.push(
                Diagnostic::error(codes::MALFORMED_BINDING, format!("`{}` is not a binding", spec.from_text()))
                    .at(pointer)
                    .with_primary_label("expected `run.<input>` or `<step_id>.<output_slot>`")
                    .with_help("bind a run input as `run.<name>` or another step's output as `<step_id>.<slot>`"),
            );
        }
    }
    for (k, out) in step.outputs.iter().enumerate() {
        let here = format!("{at}/outputs/{k}");
        if !is_slug(&out.slot) {
            diags.push(not_a_slug(format!("{here}/slot"), "output slot", &out.slot));
        }
        match (&out.name, out.publish) {
            (None, true) => diags.push(
                Diagnostic::error(
                    codes::PUBLISH_WITHOUT_NAME,
                    format!("output `{}` is published but has no file name", out.slot),
                )
                .at(here)
                .with_primary_label("`publish` is true here")
                .with_help("add `\"name\": \"<file name>\"`, e.g. `findings.csv`"),
            ),
            (Some(name), _) if !is_file_name(name) => diags.push(
                invalid(
                    format!("{here}/name"),
                    format!("`{name}` is not a plain file name"),
                    "a published name is one path segment",
                )
                .with_help(
                    "use a name such as `findings.csv`: no `/`, `\\`, `..` or control characters",
                ),
            ),
            _ => {}
        }
    }
    for (k, r) in step.rubric.iter().enumerate() {
        if !is_slug(&r.id) {
            diags.push(not_a_slug(
                format!("{at}/rubric/{k}/id"),
                "rubric criterion id",
                &r.id,
            ));
        }
    }
    if let Some(f) = &step.fan_out {
        if f.shard_size == 0 {
            diags.push(invalid(
                format!("{at}/fan_out/shard_size"),
                "a shard holds at least one item".into(),
                "zero",
            ));
        }
    }
    if step.program.is_some() && step.code.is_some() {
        diags.push(
            Diagnostic::error(
                codes::PROGRAM_AND_CODE,
                format!(
                    "step `{}` has both a catalog program and inline code",
                    step.id
                ),
            )
            .at(format!("{at}/code"))
            .with_primary_label("inline code")
            .with_label(format!("{at}/program"), "catalog program")
            .with_help("keep one: the program the step runs must be unambiguous"),
        );
    }
    check_budget_values(&step.budget, &format!("{at}/budget"), diags);
    for field in ["skills", "tools", "validators"] {
        let list = match field {
            "skills" => &step.skills,
            "tools" => &step.tools,
            _ => &step.validators,
        };
        let mut seen = BTreeSet::new();
        for (k, id) in list.iter().enumerate() {
            if !seen.insert(id.trim()) {
                diags.push(
                    Diagnostic::warning(
                        codes::DUPLICATE_ENTRY,
                        format!("`{id}` is listed twice in `{field}`"),
                    )
                    .at(format!("{at}/{field}/{k}"))
                    .with_primary_label("listed again here")
                    .with_help("the compiler keeps one; remove the repeat"),
                );
            }
        }
    }
}

/// One path segment; a trailing `/` names a directory artifact (e.g. a static site bundle, `site/`).
fn is_file_name(name: &str) -> bool {
    let name = name.strip_suffix('/').unwrap_or(name);
    !name.is_empty()
        && name != "."
        && name != ".."
        && name.len() <= 255
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control())
}

fn normalize_candidate(mut c: PlanCandidate, _diags: &mut [Diagnostic]) -> Normalized {
    c.objective = c.objective.trim().to_string();
    c.template = c.template.map(|t| t.trim().to_string());
    for input in &mut c.inputs {
        input.description = input.description.trim().to_string();
    }
    c.success_criteria = c
        .success_criteria
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let mut origins = Vec::with_capacity(c.steps.len());
    for step in &mut c.steps {
        step.intent = step.intent.trim().to_string();
        for r in &mut step.rubric {
            r.text = r.text.trim().to_string();
        }
        if let Some(g) = &mut step.gate {
            g.reason = g.reason.trim().to_string();
        }
        if step.max_retries.is_none() {
            step.max_retries = Some(DEFAULT_MAX_RETRIES);
        }
        origins.push(StepOrigins {
            skills: sort_set(&mut step.skills),
            tools: sort_set(&mut step.tools),
            validators: sort_set(&mut step.validators),
        });
    }
    Normalized {
        candidate: c,
        origins,
    }
}

/// Trims, sorts and deduplicates; returns each entry's first original position.
fn sort_set(list: &mut Vec<String>) -> BTreeMap<String, usize> {
    let mut origin = BTreeMap::new();
    for (i, id) in list.iter().enumerate() {
        origin.entry(id.trim().to_string()).or_insert(i);
    }
    *list = origin.keys().cloned().collect();
    origin
}
