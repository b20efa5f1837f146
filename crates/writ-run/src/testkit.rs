//! Test support, for this crate and for the worker's and end-to-end tests: [`PlanBuilder`] freezes small
//! plans without the catalog, [`Shell`] plays a perfect shell (every effect answered with success, every
//! event logged) with hooks to answer some effects differently.

use crate::effect::Effect;
use crate::event::{Event, OutputMeasure, Receipt, ReceiptStatus, RunMode, StartRun};
use crate::replay::{LogEntry, ReplayDivergence};
use crate::run::{Run, StartError};
use std::collections::{BTreeMap, VecDeque};
use writ_canon::{hash_of, CanonError, ContentHash};
use writ_plan::{
    artifact_ref, frozen_step_id, run_input_ref, ArtifactEntry, BindRank, Binding, Budgets,
    ContractInput, ContractOutput, ExecutionProfile, FanOut, FrozenPlan, FrozenStep, Gate,
    GateScope, Limits, PhaseConfig, Phases, PlanParts, RefDirection, ResolvedProgram, ResolvedTool,
    RubricCriterion, RunInput, StepContract, StepKind, ValidationModes,
};

/// A content hash for test data, from a label.
pub fn test_hash(label: &str) -> ContentHash {
    ContentHash::of_bytes(label.as_bytes())
}

/// The built-in profile: every phase served by the deterministic provider, no budgets, no self-approval.
pub fn builtin_profile() -> ExecutionProfile {
    let builtin = PhaseConfig {
        provider: "builtin".into(),
        model: "builtin".into(),
        params: BTreeMap::new(),
    };
    ExecutionProfile {
        id: "builtin".into(),
        description: "test profile".into(),
        phases: Phases {
            router: builtin.clone(),
            planner: builtin.clone(),
            binder: builtin.clone(),
            executor: builtin.clone(),
            auditor: builtin.clone(),
            repairer: builtin,
        },
        budgets: Budgets::default(),
        prices: BTreeMap::new(),
        validation: ValidationModes::default(),
        policy: "strict".into(),
        allow_self_approval: false,
        gate_expiry_seconds: None,
    }
}

/// The built-in profile with a model as its repairer phase: failed steps go to the model repairer first.
pub fn model_repairer_profile() -> ExecutionProfile {
    let mut profile = builtin_profile();
    profile.id = "model-repairer".into();
    profile.phases.repairer = PhaseConfig {
        provider: "openai-compatible".into(),
        model: "repair-model".into(),
        params: BTreeMap::new(),
    };
    profile
}

/// A person with the `repair` scope.
pub fn person(principal: &str) -> crate::event::Repairer {
    crate::event::Repairer::Person {
        principal: principal.into(),
        scopes: vec![crate::limits::REPAIR_SCOPE.into()],
    }
}

/// The model repairer of [`model_repairer_profile`].
pub fn repair_model() -> crate::event::Repairer {
    crate::event::Repairer::Model {
        model: "repair-model".into(),
    }
}

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum BuildError {
    #[error("step `{step}`: `{binding}` is not a binding")]
    BadBinding { step: String, binding: String },
    #[error("step `{step}` reads run input `{input}`, which the plan does not declare")]
    UnknownInput { step: String, input: String },
    #[error("step `{step}` reads from `{from}`, which is not an earlier step")]
    UnknownStep { step: String, from: String },
    #[error("step `{step}` reads `{from}.{slot}`, which that step does not output")]
    UnknownSlot {
        step: String,
        from: String,
        slot: String,
    },
    #[error(transparent)]
    Canon(#[from] CanonError),
}

#[derive(Debug, Clone, PartialEq)]
struct OutputSpec {
    slot: String,
    kind: String,
    required: bool,
    name: Option<String>,
}

/// One step of a test plan, by its candidate slug.
#[derive(Debug, Clone, PartialEq)]
pub struct StepSpec {
    slug: String,
    kind: StepKind,
    inputs: Vec<(String, String, bool)>,
    outputs: Vec<OutputSpec>,
    tools: Vec<(String, String)>,
    program: bool,
    rubric: Vec<RubricCriterion>,
    gate: Option<Gate>,
    fan_out: Option<FanOut>,
    limits: Limits,
}

impl StepSpec {
    /// A code step running the reference program `test/<slug>`.
    pub fn code(slug: &str) -> StepSpec {
        StepSpec {
            slug: slug.to_string(),
            kind: StepKind::Code,
            inputs: Vec::new(),
            outputs: Vec::new(),
            tools: Vec::new(),
            program: true,
            rubric: Vec::new(),
            gate: None,
            fan_out: None,
            limits: Limits::default(),
        }
    }

    /// No program in the contract: the code is whatever the executor writes.
    pub fn without_program(mut self) -> StepSpec {
        self.program = false;
        self
    }

    pub fn kind(mut self, kind: StepKind) -> StepSpec {
        self.kind = kind;
        self
    }

    /// A required input bound as `run.<input>` or `<slug>.<slot>`.
    pub fn input(mut self, slot: &str, binding: &str) -> StepSpec {
        self.inputs.push((slot.into(), binding.into(), true));
        self
    }

    pub fn optional_input(mut self, slot: &str, binding: &str) -> StepSpec {
        self.inputs.push((slot.into(), binding.into(), false));
        self
    }

    pub fn output(mut self, slot: &str, kind: &str) -> StepSpec {
        self.outputs.push(OutputSpec {
            slot: slot.into(),
            kind: kind.into(),
            required: true,
            name: None,
        });
        self
    }

    pub fn optional_output(mut self, slot: &str, kind: &str) -> StepSpec {
        self.outputs.push(OutputSpec {
            slot: slot.into(),
            kind: kind.into(),
            required: false,
            name: None,
        });
        self
    }

    /// A required output published as the run artifact `name`.
    pub fn publish(mut self, slot: &str, kind: &str, name: &str) -> StepSpec {
        self.outputs.push(OutputSpec {
            slot: slot.into(),
            kind: kind.into(),
            required: true,
            name: Some(name.into()),
        });
        self
    }

    /// A bound tool of cost class `metered`.
    pub fn tool(self, id: &str) -> StepSpec {
        self.tool_of_class(id, "metered")
    }

    pub fn tool_of_class(mut self, id: &str, cost_class: &str) -> StepSpec {
        self.tools.push((id.into(), cost_class.into()));
        self
    }

    pub fn gate(mut self, reason: &str) -> StepSpec {
        self.gate = Some(Gate {
            reason: reason.into(),
            scope: GateScope::Approve,
        });
        self
    }

    pub fn fan_out(mut self, over: &str, shard_size: u32) -> StepSpec {
        self.fan_out = Some(FanOut {
            over: over.into(),
            shard_size,
            items: None,
        });
        self
    }

    pub fn budget(mut self, budget: Budgets) -> StepSpec {
        self.limits.budget = budget;
        self
    }

    pub fn timeout_seconds(mut self, seconds: u64) -> StepSpec {
        self.limits.timeout_seconds = Some(seconds);
        self
    }

    pub fn retries(mut self, max_retries: u32) -> StepSpec {
        self.limits.max_retries = max_retries;
        self
    }

    pub fn rubric(mut self, id: &str, text: &str) -> StepSpec {
        self.rubric.push(RubricCriterion {
            id: id.into(),
            text: text.into(),
            check: None,
        });
        self
    }
}

/// Freezes a plan from [`StepSpec`]s, in the order given (which must be topological).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanBuilder {
    objective: String,
    inputs: Vec<RunInput>,
    steps: Vec<StepSpec>,
    budgets: Budgets,
    profile: ExecutionProfile,
}

impl PlanBuilder {
    pub fn new(objective: &str) -> PlanBuilder {
        PlanBuilder {
            objective: objective.into(),
            inputs: Vec::new(),
            steps: Vec::new(),
            budgets: Budgets::default(),
            profile: builtin_profile(),
        }
    }

    pub fn input(mut self, name: &str, kind: &str) -> PlanBuilder {
        self.inputs.push(RunInput {
            name: name.into(),
            kind: kind.into(),
            description: String::new(),
            required: true,
        });
        self
    }

    pub fn step(mut self, step: StepSpec) -> PlanBuilder {
        self.steps.push(step);
        self
    }

    /// Run-wide budgets.
    pub fn budgets(mut self, budgets: Budgets) -> PlanBuilder {
        self.budgets = budgets;
        self
    }

    pub fn profile(mut self, profile: ExecutionProfile) -> PlanBuilder {
        self.profile = profile;
        self
    }

    pub fn allow_self_approval(mut self, allow: bool) -> PlanBuilder {
        self.profile.allow_self_approval = allow;
        self
    }

    pub fn build(self) -> Result<FrozenPlan, BuildError> {
        let mut frozen: Vec<FrozenStep> = Vec::new();
        let mut artifacts = BTreeMap::new();
        for (k, spec) in self.steps.iter().enumerate() {
            let index = k + 1;
            let id = frozen_step_id(index, &spec.slug);
            let mut depends_on: Vec<String> = Vec::new();
            let mut inputs = Vec::new();
            for (slot, binding, required) in &spec.inputs {
                let parsed = Binding::parse(binding).map_err(|_| BuildError::BadBinding {
                    step: spec.slug.clone(),
                    binding: binding.clone(),
                })?;
                let (producer_ref, kind) = match &parsed {
                    Binding::Run { input } => {
                        let decl =
                            self.inputs
                                .iter()
                                .find(|i| &i.name == input)
                                .ok_or_else(|| BuildError::UnknownInput {
                                    step: spec.slug.clone(),
                                    input: input.clone(),
                                })?;
                        (run_input_ref(input), decl.kind.clone())
                    }
                    Binding::Step {
                        step,
                        slot: from_slot,
                    } => {
                        let producer = frozen
                            .iter()
                            .find(|f| &f.contract.slug == step)
                            .ok_or_else(|| BuildError::UnknownStep {
                                step: spec.slug.clone(),
                                from: step.clone(),
                            })?;
                        let out = producer
                            .contract
                            .outputs
                            .iter()
                            .find(|o| &o.slot == from_slot)
                            .ok_or_else(|| BuildError::UnknownSlot {
                                step: spec.slug.clone(),
                                from: step.clone(),
                                slot: from_slot.clone(),
                            })?;
                        if !depends_on.contains(&producer.id) {
                            depends_on.push(producer.id.clone());
                        }
                        (out.artifact_ref.clone(), out.kind.clone())
                    }
                };
                inputs.push(ContractInput {
                    slot: slot.clone(),
                    binding: binding.clone(),
                    producer_ref,
                    kind,
                    expects: None,
                    rank: BindRank::Exact,
                    required: *required,
                });
            }
            let outputs: Vec<ContractOutput> = spec
                .outputs
                .iter()
                .enumerate()
                .map(|(n, o)| ContractOutput {
                    slot: o.slot.clone(),
                    artifact_ref: artifact_ref(&id, RefDirection::Output, n, &o.slot),
                    kind: o.kind.clone(),
                    schema_id: None,
                    schema_hash: None,
                    required: o.required,
                    publish: o.name.is_some(),
                    name: o.name.clone(),
                })
                .collect();
            for o in &outputs {
                if let Some(name) = &o.name {
                    artifacts.insert(
                        name.clone(),
                        ArtifactEntry {
                            step: id.clone(),
                            slot: o.slot.clone(),
                            kind: o.kind.clone(),
                            artifact_ref: o.artifact_ref.clone(),
                        },
                    );
                }
            }
            let tools = spec
                .tools
                .iter()
                .map(|(tool, class)| {
                    Ok(ResolvedTool {
                        id: tool.clone(),
                        cost_class: class.clone(),
                        hash: hash_of(&("tool", tool))?,
                    })
                })
                .collect::<Result<Vec<_>, CanonError>>()?;
            let program = spec.program.then(|| ResolvedProgram {
                id: format!("test/{}", spec.slug),
                hash: test_hash(&format!("program:{}", spec.slug)),
            });
            let contract = StepContract {
                slug: spec.slug.clone(),
                intent: format!("test step {}", spec.slug),
                kind: spec.kind,
                inputs,
                outputs,
                skills: Vec::new(),
                tools,
                program,
                code_hash: None,
                rubric: spec.rubric.clone(),
                validators: Vec::new(),
                gate: spec.gate.clone(),
                fan_out: spec.fan_out.clone(),
                limits: spec.limits.clone(),
            };
            frozen.push(FrozenStep::new(
                index,
                spec.slug.clone(),
                depends_on,
                contract,
            )?);
        }
        Ok(FrozenPlan::seal(PlanParts {
            objective: self.objective,
            template: None,
            domain: "test".into(),
            workflow: "test".into(),
            policy: self.profile.policy.clone(),
            inputs: self.inputs,
            steps: frozen,
            artifacts,
            budgets: self.budgets,
            success_criteria: Vec::new(),
            profile: self.profile,
        })?)
    }
}

/// A start event for `plan` by `creator`, with every declared run input supplied.
pub fn start_event(plan: &FrozenPlan, run_id: &str, creator: &str) -> StartRun {
    StartRun {
        run_id: run_id.into(),
        creator: creator.into(),
        inputs: plan
            .inputs
            .iter()
            .map(|i| (i.name.clone(), test_hash(&format!("input:{}", i.name))))
            .collect(),
        mode: RunMode::Live,
        plan_hash: plan.plan_hash,
    }
}

/// Answers an effect differently from the perfect shell: `Some(events)` replaces the perfect answer.
pub type Hook = Box<dyn FnMut(&Effect, &Run) -> Option<Vec<Event>>>;

/// Upper bound on effects a [`Shell::run_to_end`] handles, so a livelock in a test fails instead of hanging.
pub const MAX_SHELL_EFFECTS: usize = 100_000;

/// A perfect shell: logs every event (with its effects hash), answers every effect with success.
pub struct Shell {
    /// The plan the run started with (what `replay` needs).
    pub plan: FrozenPlan,
    pub run: Run,
    pub log: Vec<LogEntry>,
    pub now_ms: u64,
    /// Added to the clock before each event.
    pub tick_ms: u64,
    /// Effects not yet answered, oldest first.
    pub pending: VecDeque<Effect>,
    /// Every effect the machine has emitted.
    pub emitted: Vec<Effect>,
    /// Who answers `AwaitApproval`.
    pub approver: String,
    /// Fan-out item counts by step slug (default 1).
    pub item_counts: BTreeMap<String, u64>,
    hooks: Vec<Hook>,
}

impl Shell {
    /// Starts `plan` as run `run-1` by `creator`, every run input supplied, at time 1000.
    pub fn start(plan: FrozenPlan, creator: &str) -> Result<Shell, StartError> {
        let start = start_event(&plan, "run-1", creator);
        Shell::start_with(plan, start)
    }

    pub fn start_with(plan: FrozenPlan, start: StartRun) -> Result<Shell, StartError> {
        let now_ms = 1000;
        let (run, effects) = Run::start(plan.clone(), start.clone(), now_ms)?;
        let log = vec![LogEntry::with_effects(
            now_ms,
            Event::Start(start),
            &effects,
        )];
        Ok(Shell {
            plan,
            run,
            log,
            now_ms,
            tick_ms: 10,
            pending: effects.iter().cloned().collect(),
            emitted: effects,
            approver: "reviewer".into(),
            item_counts: BTreeMap::new(),
            hooks: Vec::new(),
        })
    }

    /// Adds a hook consulted (newest first) before the perfect answer.
    pub fn on(&mut self, hook: impl FnMut(&Effect, &Run) -> Option<Vec<Event>> + 'static) {
        self.hooks.push(Box::new(hook));
    }

    /// Logs and handles one event; its effects join `pending`.
    pub fn feed(&mut self, event: Event) -> Vec<Effect> {
        self.now_ms = self.now_ms.saturating_add(self.tick_ms);
        let effects = self.run.handle(event.clone(), self.now_ms);
        self.log
            .push(LogEntry::with_effects(self.now_ms, event, &effects));
        self.pending.extend(effects.iter().cloned());
        self.emitted.extend(effects.iter().cloned());
        effects
    }

    /// Moves the clock to `at_ms` and fires the alarm.
    pub fn fire_alarm_at(&mut self, at_ms: u64) -> Vec<Effect> {
        self.now_ms = at_ms.saturating_sub(self.tick_ms).max(self.now_ms);
        self.feed(Event::AlarmFired)
    }

    /// The perfect answer to an effect.
    pub fn answer(&self, effect: &Effect) -> Vec<Event> {
        let declared = |step: &str| -> Vec<String> {
            self.run
                .plan
                .step(step)
                .map(|s| s.contract.outputs.iter().map(|o| o.slot.clone()).collect())
                .unwrap_or_default()
        };
        let outputs = |step: &str, tag: &str, id: &str| -> BTreeMap<String, OutputMeasure> {
            declared(step)
                .into_iter()
                .map(|slot| {
                    let hash = test_hash(&format!("{tag}:{id}:{slot}"));
                    let measure = OutputMeasure {
                        hash,
                        size: 1,
                        rows: Some(1),
                    };
                    (slot, measure)
                })
                .collect()
        };
        match effect {
            Effect::ResolveInputs {
                step,
                generation,
                count_items_of,
                ..
            } => {
                let slug = self
                    .run
                    .plan
                    .step(step)
                    .map(|s| s.contract.slug.clone())
                    .unwrap_or_default();
                vec![Event::InputsResolved {
                    step: step.clone(),
                    generation: *generation,
                    item_count: count_items_of
                        .as_ref()
                        .map(|_| self.item_counts.get(&slug).copied().unwrap_or(1)),
                }]
            }
            Effect::AwaitApproval { step, .. } => vec![Event::Approve {
                step: step.clone(),
                principal: self.approver.clone(),
                scopes: vec![crate::limits::APPROVE_SCOPE.into()],
            }],
            Effect::CallSandbox(call) | Effect::DispatchShard(call) => {
                vec![Event::SandboxReturned {
                    attempt_id: call.attempt_id.clone(),
                    receipt: ok_receipt(
                        outputs(&call.step, "out", &call.attempt_id),
                        call.code_hash,
                    ),
                }]
            }
            Effect::MergeShards {
                step, attempt_id, ..
            } => vec![Event::Merged {
                attempt_id: attempt_id.clone(),
                outputs: outputs(step, "merged", attempt_id),
            }],
            Effect::Validate { attempt_id, .. } => vec![Event::Validated {
                attempt_id: attempt_id.clone(),
                publishable: true,
                report_hash: test_hash(&format!("report:{attempt_id}")),
                corrected: Default::default(),
            }],
            Effect::Audit { attempt_id, .. } => vec![Event::Audited {
                attempt_id: attempt_id.clone(),
                passed: true,
                proof_hash: test_hash(&format!("proof:{attempt_id}")),
            }],
            Effect::StopAttempt { .. }
            | Effect::PublishArtifact { .. }
            | Effect::ToolDecision { .. }
            | Effect::AppendLedger { .. }
            | Effect::SetAlarm { .. }
            | Effect::RequestRepair { .. }
            | Effect::Refused { .. }
            | Effect::RunFinished { .. } => Vec::new(),
        }
    }

    /// Answers the oldest pending effect; false when none is left.
    pub fn step_once(&mut self) -> bool {
        let Some(effect) = self.pending.pop_front() else {
            return false;
        };
        let mut events = None;
        for hook in self.hooks.iter_mut().rev() {
            if let Some(e) = hook(&effect, &self.run) {
                events = Some(e);
                break;
            }
        }
        let events = events.unwrap_or_else(|| self.answer(&effect));
        for event in events {
            self.feed(event);
        }
        true
    }

    /// Answers effects until none is pending (or [`MAX_SHELL_EFFECTS`] were handled).
    pub fn run_to_end(&mut self) {
        for _ in 0..MAX_SHELL_EFFECTS {
            if !self.step_once() {
                return;
            }
        }
    }

    /// Emitted effects matching `pred`.
    pub fn count(&self, pred: impl Fn(&Effect) -> bool) -> usize {
        self.emitted.iter().filter(|e| pred(e)).count()
    }

    /// Sandbox calls (direct or through the queue) ever emitted for the step with this slug.
    pub fn sandbox_calls(&self, slug: &str) -> usize {
        self.count(|e| match e {
            Effect::CallSandbox(c) | Effect::DispatchShard(c) => {
                self.run
                    .plan
                    .step(&c.step)
                    .map(|s| s.contract.slug.as_str())
                    == Some(slug)
                    || c.step.ends_with(&format!("-{slug}"))
            }
            _ => false,
        })
    }

    /// The frozen id of the step with this slug.
    pub fn id_of(&self, slug: &str) -> String {
        self.run
            .plan
            .step_by_slug(slug)
            .map(|s| s.id.clone())
            .unwrap_or_default()
    }

    /// The state of the step with this slug.
    pub fn step_state(&self, slug: &str) -> Option<crate::step::StepState> {
        self.run.step(&self.id_of(slug)).map(|s| s.state)
    }

    pub fn replay(&self) -> Result<Run, ReplayDivergence> {
        Run::replay(self.plan.clone(), &self.log)
    }
}

/// A successful receipt with these outputs.
pub fn ok_receipt(
    outputs: BTreeMap<String, OutputMeasure>,
    code_hash: Option<ContentHash>,
) -> Receipt {
    Receipt {
        status: ReceiptStatus::Ok,
        exit_code: Some(0),
        stopped_by: None,
        duration_ms: 5,
        outputs,
        code_hash,
        tool_calls: 0,
        model_usage: Default::default(),
        claimed: None,
        sandbox: None,
    }
}

/// A failed receipt (exit 1, no outputs).
pub fn failed_receipt() -> Receipt {
    Receipt {
        status: ReceiptStatus::Error,
        exit_code: Some(1),
        ..ok_receipt(BTreeMap::new(), None)
    }
}
