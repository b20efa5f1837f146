//! The ladder as a sans-IO state machine: `start` climbs the deterministic stages and stops at a model stage
//! that has a model configured (`Step::NeedsModel`); the shell makes the call and `resume`s with the reply.
//!
//! Semantics the ordering guarantees:
//! - A guard hit is a rejection and is never corrected. In block mode the climb stops there, so no later
//!   stage can "fix" it into publication. Guarded content is never sent to a model. After the correcting
//!   stages (3–8) the guard runs again on the corrected value, so no correction can bring guarded content in.
//! - Stage 2 (schema) checks the value as it arrives, provisionally: stages 3–8 may correct what it found.
//!   Its verdict is final once they have run (or the climb stops earlier): the value is checked again, and
//!   stage 2 is `Rejected` with the failures that remain, or `Pass` with the failures corrected listed in
//!   `resolved`. In block mode a final schema rejection stops the climb before conformance.
//! - A stage that rejects makes no correction (its fixes are discarded).

use serde_json::Value;

use crate::config::LadderConfig;
use crate::diag::{self, Diagnostic};
use crate::guard::{Guard, GuardBuildError};
use crate::model::{ModelReply, ModelRequest, PromptPart};
use crate::schema::SchemaCheck;
use crate::stages::{self, domain::Registry, Fixes};
use crate::types::{Artifact, LadderReport, Mode, Outcome, Stage, StageResult};

#[derive(Debug, thiserror::Error)]
pub enum LadderError {
    #[error(transparent)]
    Guard(#[from] GuardBuildError),
    #[error("the artifact cannot be hashed: {0}")]
    Canon(#[from] writ_canon::CanonError),
    #[error("no model reply is awaited (the ladder is not waiting on a model stage)")]
    NotWaiting,
    #[error("a reply for stage {got} arrived while the ladder waits on stage {expected}")]
    WrongStage { expected: Stage, got: Stage },
}

/// What the shell must do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    NeedsModel(ModelRequest),
    Done(Box<LadderReport>),
}

pub struct Ladder {
    config: LadderConfig,
    guard: Guard,
    checker: Box<dyn SchemaCheck>,
    registry: Registry,
    run: Option<Run>,
}

struct Run {
    artifact: Artifact,
    original_hash: writ_canon::ContentHash,
    value: Value,
    results: Vec<StageResult>,
    next: usize,
    pending: Option<Stage>,
    stopped_at: Option<Stage>,
    schema_first: Vec<Diagnostic>,
    finalized: bool,
}

impl Ladder {
    pub fn new(config: LadderConfig) -> Result<Ladder, LadderError> {
        Ok(Ladder {
            guard: Guard::new(&config.guard)?,
            config,
            checker: Box::new(crate::schema::WritSchemaCheck::default()),
            registry: Registry::empty(),
            run: None,
        })
    }

    /// Replaces the schema checker (`writ-schema`'s by default).
    pub fn with_schema_check(mut self, checker: Box<dyn SchemaCheck>) -> Self {
        self.checker = checker;
        self
    }

    /// Sets the domain validator registry (empty by default: the ladder knows no domain).
    pub fn with_registry(mut self, registry: Registry) -> Self {
        self.registry = registry;
        self
    }

    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// Begins a climb (discarding any climb in progress).
    pub fn start(&mut self, artifact: Artifact) -> Result<Step, LadderError> {
        let original_hash = writ_canon::hash_of(&artifact.value)?;
        let mut run = Run {
            value: artifact.value.clone(),
            artifact,
            original_hash,
            results: Vec::new(),
            next: 0,
            pending: None,
            stopped_at: None,
            schema_first: Vec::new(),
            finalized: false,
        };
        if self.config.mode == Mode::Off {
            run.results = Stage::ALL
                .iter()
                .map(|s| StageResult::skipped(*s, "validation is off for this phase"))
                .collect();
            run.next = Stage::ALL.len();
            run.finalized = true;
        }
        self.run = Some(run);
        self.drive()
    }

    /// Feeds the reply to the model stage the ladder is waiting on, and climbs on.
    pub fn resume(&mut self, reply: ModelReply) -> Result<Step, LadderError> {
        let run = self.run.as_mut().ok_or(LadderError::NotWaiting)?;
        let expected = run.pending.ok_or(LadderError::NotWaiting)?;
        if expected != reply.stage {
            return Err(LadderError::WrongStage {
                expected,
                got: reply.stage,
            });
        }
        run.pending = None;
        let schema = self.config.schema.clone().unwrap_or(Value::Null);
        match expected {
            Stage::ModelRename => {
                let mut candidate = run.value.clone();
                let fixes = stages::model_rename::apply_reply(&schema, &mut candidate, &reply.text);
                self.settle(Stage::ModelRename, fixes, candidate);
            }
            Stage::ModelPatch => {
                let mut candidate = run.value.clone();
                let fixes = stages::model_patch::apply_reply(
                    &schema,
                    &mut candidate,
                    &reply.text,
                    &self.config.patch_allowed_paths,
                    self.checker.as_ref(),
                    &self.guard,
                );
                self.settle(Stage::ModelPatch, fixes, candidate);
            }
            _ => {
                let diagnostics = stages::review::judge(&reply.text);
                self.record(Stage::ExpertReview, diagnostics);
            }
        }
        if let Some(run) = self.run.as_mut() {
            run.next += 1;
        }
        self.drive()
    }

    fn drive(&mut self) -> Result<Step, LadderError> {
        loop {
            let Some(run) = self.run.as_mut() else {
                return Err(LadderError::NotWaiting);
            };
            let Some(&stage) = Stage::ALL.get(run.next) else {
                self.finalize();
                return self.report().map(|r| Step::Done(Box::new(r)));
            };
            if stage == Stage::Conformance && !run.finalized {
                self.finalize();
            }
            if let Some(request) = self.climb(stage) {
                return Ok(Step::NeedsModel(request));
            }
            if let Some(run) = self.run.as_mut() {
                run.next += 1;
            }
        }
    }

    /// Runs one stage; a model stage that needs its model returns the request instead of a result.
    fn climb(&mut self, stage: Stage) -> Option<ModelRequest> {
        let run = self.run.as_mut()?;
        if let Some(stop) = run.stopped_at {
            run.results.push(StageResult::skipped(
                stage,
                format!("not reached: {stop} rejected in block mode"),
            ));
            return None;
        }
        let schema = match (&self.config.schema, stage) {
            (None, Stage::Guard | Stage::Conformance | Stage::Domain | Stage::ExpertReview) => {
                Value::Null
            }
            (None, _) => {
                run.results.push(StageResult::skipped(
                    stage,
                    "no schema declared for this artifact",
                ));
                return None;
            }
            (Some(s), _) => s.clone(),
        };
        match stage {
            Stage::Guard => {
                let hits = self.guard.scan(&run.value);
                self.record(stage, hits);
            }
            Stage::Schema => {
                run.schema_first = self.checker.check(&schema, &run.value);
                // Provisional until stages 3–8 have had their chance; see `finalize`.
                run.results.push(StageResult::new(stage, Outcome::Pass));
            }
            Stage::Synonyms | Stage::Structural | Stage::Defaults | Stage::Transforms => {
                let mut candidate = run.value.clone();
                let fixes = match stage {
                    Stage::Synonyms => stages::synonyms::run(&schema, &mut candidate),
                    Stage::Structural => stages::structural::run(&schema, &mut candidate),
                    Stage::Defaults => {
                        stages::defaults::run(&schema, &mut candidate, self.checker.as_ref())
                    }
                    _ => stages::transforms::run(&schema, &mut candidate),
                };
                self.settle(stage, fixes, candidate);
            }
            Stage::ModelRename => {
                let Some((extra, missing)) = stages::model_rename::unmatched(&schema, &run.value)
                else {
                    run.results.push(StageResult::new(stage, Outcome::Pass));
                    return None;
                };
                return self.ask(stage, || {
                    stages::model_rename::prompt(&schema, &extra, &missing)
                });
            }
            Stage::ModelPatch => {
                let failures = self.checker.check(&schema, &run.value);
                if failures.is_empty() {
                    run.results.push(StageResult::new(stage, Outcome::Pass));
                    return None;
                }
                let value = run.value.clone();
                let allowed = self.config.patch_allowed_paths.clone();
                return self.ask(stage, || {
                    stages::model_patch::prompt(&schema, &value, &failures, &allowed)
                });
            }
            Stage::Conformance => {
                let diagnostics =
                    stages::conformance::check(&self.config.contract, &run.artifact, &run.value);
                self.record(stage, diagnostics);
            }
            Stage::Domain => {
                if self.config.validators.is_empty() {
                    run.results
                        .push(StageResult::skipped(stage, "no domain validators declared"));
                    return None;
                }
                let diagnostics =
                    self.registry
                        .run(&self.config.validators, &run.artifact, &run.value);
                self.record(stage, diagnostics);
            }
            Stage::ExpertReview => {
                let rubric = self
                    .config
                    .rubric
                    .clone()
                    .unwrap_or_else(|| "(no rubric declared)".to_string());
                let value = run.value.clone();
                let context = run.artifact.context.clone();
                return self.ask(stage, || stages::review::prompt(&rubric, &value, &context));
            }
        }
        None
    }

    /// Asks for a model, or records why not: none configured, or the value holds guarded content (which is
    /// never sent to a model).
    fn ask(
        &mut self,
        stage: Stage,
        prompt: impl FnOnce() -> Vec<PromptPart>,
    ) -> Option<ModelRequest> {
        let run = self.run.as_mut()?;
        let Some(model) = self.config.models.for_stage(stage) else {
            run.results
                .push(StageResult::skipped(stage, "no model configured"));
            return None;
        };
        if !self.guard.scan(&run.value).is_empty() {
            run.results.push(StageResult::skipped(
                stage,
                "the value holds guarded content and is not sent to a model",
            ));
            return None;
        }
        run.pending = Some(stage);
        Some(ModelRequest {
            stage,
            model: model.to_string(),
            prompt_parts: prompt(),
        })
    }

    /// Records a checking stage: rejected on any error diagnostic.
    fn record(&mut self, stage: Stage, diagnostics: Vec<Diagnostic>) {
        let rejected = diagnostics.iter().any(Diagnostic::is_error);
        let mut result = StageResult::new(
            stage,
            if rejected {
                Outcome::Rejected
            } else {
                Outcome::Pass
            },
        );
        result.diagnostics = diagnostics;
        self.push(result);
    }

    /// Records a correcting stage: a rejection discards its fixes; otherwise its fixes become the value.
    fn settle(&mut self, stage: Stage, fixes: Fixes, candidate: Value) {
        let mut result = StageResult::new(stage, Outcome::Pass);
        if fixes.has_errors() {
            result.outcome = Outcome::Rejected;
        } else if let Some(record) = fixes.record(stage) {
            result.outcome = Outcome::Corrected;
            result.records.push(record);
            if let Some(run) = self.run.as_mut() {
                run.value = candidate;
            }
        }
        result.diagnostics = fixes.diagnostics;
        self.push(result);
    }

    fn push(&mut self, result: StageResult) {
        let stage = result.stage;
        let rejected = result.outcome == Outcome::Rejected;
        let Some(run) = self.run.as_mut() else {
            return;
        };
        run.results.push(result);
        if rejected && self.config.mode == Mode::Block && run.stopped_at.is_none() {
            run.stopped_at = Some(stage);
            if !run.finalized {
                self.finalize();
            }
        }
    }

    /// Closes the schema stage's provisional verdict and re-runs the guard over the corrected value.
    fn finalize(&mut self) {
        let block = self.config.mode == Mode::Block;
        let Some(run) = self.run.as_mut() else {
            return;
        };
        if run.finalized {
            return;
        }
        run.finalized = true;
        if let (Some(schema), Some(result)) = (
            &self.config.schema,
            run.results.iter_mut().find(|r| r.stage == Stage::Schema),
        ) {
            let remaining = self.checker.check(schema, &run.value);
            result.resolved = run
                .schema_first
                .iter()
                .filter(|d| !remaining.contains(d))
                .cloned()
                .collect();
            if remaining.iter().any(Diagnostic::is_error) {
                result.outcome = Outcome::Rejected;
                if block && run.stopped_at.is_none() {
                    run.stopped_at = Some(Stage::Schema);
                }
            }
            result.diagnostics = remaining;
        }
        let changed = run.value != run.artifact.value;
        if let (true, Some(result)) = (
            changed,
            run.results.iter_mut().find(|r| r.stage == Stage::Guard),
        ) {
            let hits = self.guard.scan(&run.value);
            if result.outcome == Outcome::Pass && !hits.is_empty() {
                result.outcome = Outcome::Rejected;
                result.diagnostics = hits;
                result.diagnostics.push(diag::error(
                    diag::GUARD_INTRODUCED,
                    "",
                    "the corrected value holds guarded content the original did not",
                ));
                if block && run.stopped_at.is_none() {
                    run.stopped_at = Some(Stage::Guard);
                }
            }
        }
    }

    fn report(&self) -> Result<LadderReport, LadderError> {
        let run = self.run.as_ref().ok_or(LadderError::NotWaiting)?;
        let rejected = run.results.iter().any(|r| r.outcome == Outcome::Rejected);
        Ok(LadderReport {
            mode: self.config.mode,
            original_hash: run.original_hash,
            final_hash: writ_canon::hash_of(&run.value)?,
            final_value: run.value.clone(),
            publishable: match self.config.mode {
                Mode::Block => !rejected,
                Mode::Report | Mode::Off => true,
            },
            flagged: rejected,
            corrections: run
                .results
                .iter()
                .flat_map(|r| r.records.iter().cloned())
                .collect(),
            stage_results: run.results.clone(),
        })
    }
}
