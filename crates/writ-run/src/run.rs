//! The run lifecycle. [`TRANSITIONS`] is this table as data; `tests/transitions.rs` drives every row.
//!
//! | from               | event / condition                                         | to                | effects |
//! |--------------------|-----------------------------------------------------------|-------------------|---------|
//! | (none)             | `Start` (plan intact, plan hash matches)                  | running           | ledger `run_started`; ready steps start |
//! | running            | every step published                                      | succeeded         | `RunFinished` |
//! | running            | nothing in flight, a gated step waits                     | awaiting_approval | — |
//! | awaiting_approval  | a gate opens                                              | running           | `ResolveInputs` |
//! | awaiting_approval  | a gate waits past its expiry (`infra.rs`)                 | expired           | `RunFinished` |
//! | running            | an attempt got no answer more often than the quick retries allow (`infra.rs`) | awaiting_infrastructure | ledger `infrastructure_wait` |
//! | awaiting_infrastructure | the waiting attempt answers                          | running           | — |
//! | running            | a step failed, the model repairer was asked about it      | running           | `RequestRepair` |
//! | running            | a step failed repairably, nothing in flight, no model repair outstanding, repairs left, not sealed | awaiting_repair | — |
//! | running            | `RepairDeclined` by the model repairer, nothing in flight | awaiting_repair   | — |
//! | awaiting_repair    | `RepairPatch` (a person with scope `repair`: code, input or plan) | running   | the step restarts, downstream steps are invalidated |
//! | running            | `RepairPatch` from the model repairer it asked            | running           | the step restarts, downstream steps are invalidated |
//! | running, awaiting_approval | a step failed unrepairably (rejected gate, budget, out of repairs, sealed) and nothing is in flight | failed | `RunFinished` (unstarted steps → skipped) |
//! | running, awaiting  | a run budget crossed / a model call in a sealed run       | failed            | `StopAttempt` for all in flight, ledger `budget_stop`, `RunFinished` |
//! | running, awaiting  | `Cancel`                                                  | cancelled         | `StopAttempt` for all in flight, `RunFinished` |
//! | succeeded, failed, cancelled | `Resume`                                        | (same)            | `RunFinished` again |
//! | succeeded, failed, cancelled | anything else (a repair included)               | (same)            | `Refused` (R0008), recorded |
//! | any live           | `Resume`                                                  | (same)            | every in-flight effect re-issued with its original ids |
//!
//! Once a step has failed, no new step starts (fail closed); work already in flight finishes, then the run
//! waits for a repair (`awaiting_repair`, with the failure's evidence) or fails when none can help. Budgets count
//! working time: waiting at a gate or for the infrastructure does not (`infra.rs`). Time only moves forward: an event stamped earlier than the last one is handled at the last one's time.

use crate::budget::{BudgetExceeded, Caps, Usage};
use crate::codes::{self, Code};
use crate::effect::{CallLimits, Effect, RepairEvidence, ResolvedInput, SandboxCall, ShardRef};
use crate::event::{Event, RunMode, StartRun};
use crate::ids;
use crate::ledger::LedgerRecord;
use crate::limits::{MAX_MODEL_REPAIRS_PER_STEP, MAX_RECORDED_REFUSALS, MAX_REPAIRS_PER_STEP};
use crate::step::{Step, StepFailure, StepState};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use writ_canon::ContentHash;
use writ_plan::{ExecutionProfile, FrozenPlan, FrozenStep, RUN_SCOPE};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Running,
    AwaitingApproval,
    /// A step failed; a person may repair it (`RepairPatch`) or cancel the run.
    AwaitingRepair,
    /// An attempt got no answer from the sandbox more often than the quick retries allow; it is retried
    /// at a slow pace and the run resumes by itself when the sandbox answers.
    AwaitingInfrastructure,
    Succeeded,
    Failed,
    Cancelled,
    /// A gate was not decided before its expiry.
    Expired,
}

impl RunState {
    pub const ALL: [RunState; 8] = [
        RunState::Running,
        RunState::AwaitingApproval,
        RunState::AwaitingRepair,
        RunState::AwaitingInfrastructure,
        RunState::Succeeded,
        RunState::Failed,
        RunState::Cancelled,
        RunState::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::AwaitingApproval => "awaiting_approval",
            RunState::AwaitingRepair => "awaiting_repair",
            RunState::AwaitingInfrastructure => "awaiting_infrastructure",
            RunState::Succeeded => "succeeded",
            RunState::Failed => "failed",
            RunState::Cancelled => "cancelled",
            RunState::Expired => "expired",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RunState::Succeeded | RunState::Failed | RunState::Cancelled | RunState::Expired
        )
    }
}

/// One row of the run lifecycle table (the module's doc table, as data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// A stable name for the row, which tests name when they drive it.
    pub row: &'static str,
    pub from: &'static [&'static str],
    pub to: &'static str,
}

/// The run lifecycle table. `from` holds state names (`none` before `Start`); `to` one state name, or
/// `same` for the state the run was in.
pub const TRANSITIONS: &[Transition] = &[
    Transition {
        row: "start",
        from: &["none"],
        to: "running",
    },
    Transition {
        row: "all_published",
        from: &["running"],
        to: "succeeded",
    },
    Transition {
        row: "gate_waits",
        from: &["running"],
        to: "awaiting_approval",
    },
    Transition {
        row: "gate_opens",
        from: &["awaiting_approval"],
        to: "running",
    },
    Transition {
        row: "model_repair_requested",
        from: &["running"],
        to: "running",
    },
    Transition {
        row: "step_failed_repairable",
        from: &["running"],
        to: "awaiting_repair",
    },
    Transition {
        row: "model_repair_declined",
        from: &["running"],
        to: "awaiting_repair",
    },
    Transition {
        row: "person_repairs",
        from: &["awaiting_repair"],
        to: "running",
    },
    Transition {
        row: "model_repairs",
        from: &["running"],
        to: "running",
    },
    Transition {
        row: "gate_expires",
        from: &["awaiting_approval"],
        to: "expired",
    },
    Transition {
        row: "infrastructure_pauses",
        from: &["running"],
        to: "awaiting_infrastructure",
    },
    Transition {
        row: "infrastructure_returns",
        from: &["awaiting_infrastructure"],
        to: "running",
    },
    Transition {
        row: "step_failed_unrepairable",
        from: &["running", "awaiting_approval"],
        to: "failed",
    },
    Transition {
        row: "run_budget",
        from: &[
            "running",
            "awaiting_approval",
            "awaiting_repair",
            "awaiting_infrastructure",
        ],
        to: "failed",
    },
    Transition {
        row: "cancel",
        from: &[
            "running",
            "awaiting_approval",
            "awaiting_repair",
            "awaiting_infrastructure",
        ],
        to: "cancelled",
    },
    Transition {
        row: "resume_terminal",
        from: &["succeeded", "failed", "cancelled", "expired"],
        to: "same",
    },
    Transition {
        row: "terminal_refuses",
        from: &["succeeded", "failed", "cancelled", "expired"],
        to: "same",
    },
    Transition {
        row: "resume_live",
        from: &[
            "running",
            "awaiting_approval",
            "awaiting_repair",
            "awaiting_infrastructure",
        ],
        to: "same",
    },
];

/// An artifact bound to an output (current) or ever published (history).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedArtifact {
    pub artifact_ref: String,
    pub step: String,
    pub slot: String,
    pub generation: u32,
    pub hash: ContentHash,
    pub provenance_hash: ContentHash,
    pub at_ms: u64,
}

/// A failure of the run itself (not of one step): repair cannot reopen it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunFailure {
    pub code: Code,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetExceeded>,
}

/// An event the machine did not accept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    pub seq: u64,
    pub at_ms: u64,
    pub code: Code,
    pub event: String,
    pub reason: String,
}

/// Why a run cannot start.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StartError {
    #[error("the frozen plan's hashes do not match its content ({0} mismatches)")]
    PlanTampered(usize),
    #[error("the start event names plan {named}, but the plan is {actual}")]
    PlanHash {
        named: ContentHash,
        actual: ContentHash,
    },
    #[error("the frozen plan is not runnable: {0}")]
    PlanMalformed(String),
}

impl StartError {
    pub fn code(&self) -> Code {
        match self {
            StartError::PlanTampered(_) => codes::START_PLAN_TAMPERED,
            StartError::PlanHash { .. } => codes::START_PLAN_HASH,
            StartError::PlanMalformed(_) => codes::START_PLAN_MALFORMED,
        }
    }
}

/// The whole state of one run. Serializable so that the Durable Object may snapshot it; a snapshot and a
/// replay of the log compare equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub id: String,
    pub plan: FrozenPlan,
    pub mode: RunMode,
    pub creator: String,
    pub inputs: BTreeMap<String, ContentHash>,
    pub state: RunState,
    /// One per plan step, in plan order.
    pub steps: Vec<Step>,
    /// Artifact ref → the artifact currently bound to it. Bound once per generation (invariant 2).
    pub bindings: BTreeMap<String, PublishedArtifact>,
    /// Every artifact ever published, superseded versions included.
    pub published: Vec<PublishedArtifact>,
    pub profile: ExecutionProfile,
    pub profile_hash: ContentHash,
    /// From the profile frozen into the plan at start; a later profile change cannot widen it.
    pub allow_self_approval: bool,
    /// Set by the first model call; the profile cannot change afterwards (invariant 7).
    pub profile_frozen: bool,
    pub usage: Usage,
    pub started_ms: u64,
    /// Time spent waiting (for a person at a gate, for the infrastructure) in closed periods; budgets
    /// count working time only.
    #[serde(default)]
    pub waited_ms: u64,
    /// Since when the run has been waiting, while it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_since_ms: Option<u64>,
    /// Attempts waiting for the infrastructure, by attempt id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub infra: BTreeMap<String, crate::infra::InfraWait>,
    /// The latest time the machine has seen.
    pub clock_ms: u64,
    /// Events handled, `Start` included.
    pub seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<RunFailure>,
    pub refusals: Vec<Refusal>,
    pub refused_total: u64,
}

/// Collects the effects of one event; numbers ledger records for their idempotency keys.
pub(crate) struct Out {
    run_id: String,
    seq: u64,
    ledger_n: u32,
    pub effects: Vec<Effect>,
}

impl Out {
    pub(crate) fn new(run_id: &str, seq: u64) -> Out {
        Out {
            run_id: run_id.to_string(),
            seq,
            ledger_n: 0,
            effects: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    pub(crate) fn ledger(&mut self, record: LedgerRecord) {
        let key = ids::ledger_key(&self.run_id, self.seq, self.ledger_n);
        self.ledger_n = self.ledger_n.saturating_add(1);
        self.effects.push(Effect::AppendLedger { key, record });
    }
}

/// Checks what the machine relies on and `FrozenPlan::verify` does not: unique step ids, dependencies
/// on earlier steps only.
pub(crate) fn check_runnable(plan: &FrozenPlan) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for step in &plan.steps {
        for dep in &step.depends_on {
            if !seen.contains(dep.as_str()) {
                return Err(format!(
                    "step `{}` depends on `{dep}`, which is not an earlier step",
                    step.id
                ));
            }
        }
        if !seen.insert(step.id.as_str()) {
            return Err(format!("step id `{}` appears twice", step.id));
        }
    }
    Ok(())
}

impl Run {
    /// Starts a run: the first event of every log.
    pub fn start(
        plan: FrozenPlan,
        start: StartRun,
        now_ms: u64,
    ) -> Result<(Run, Vec<Effect>), StartError> {
        let mismatches = plan.verify();
        if !mismatches.is_empty() {
            return Err(StartError::PlanTampered(mismatches.len()));
        }
        if start.plan_hash != plan.plan_hash {
            return Err(StartError::PlanHash {
                named: start.plan_hash,
                actual: plan.plan_hash,
            });
        }
        check_runnable(&plan).map_err(StartError::PlanMalformed)?;
        let mut run = Run {
            id: start.run_id,
            steps: plan.steps.iter().map(|s| Step::new(&s.id)).collect(),
            profile: plan.profile.clone(),
            profile_hash: plan.profile_hash,
            allow_self_approval: plan.profile.allow_self_approval,
            plan,
            mode: start.mode,
            creator: start.creator,
            inputs: start.inputs,
            state: RunState::Running,
            bindings: BTreeMap::new(),
            published: Vec::new(),
            profile_frozen: false,
            usage: Usage::default(),
            started_ms: now_ms,
            waited_ms: 0,
            waiting_since_ms: None,
            infra: BTreeMap::new(),
            clock_ms: now_ms,
            seq: 1,
            alarm_ms: None,
            failure: None,
            refusals: Vec::new(),
            refused_total: 0,
        };
        let mut out = Out::new(&run.id, run.seq);
        out.ledger(LedgerRecord::RunStarted {
            plan_hash: run.plan.plan_hash,
            profile_hash: run.profile_hash,
            creator: run.creator.clone(),
            program_hash: match &run.mode {
                RunMode::Live => None,
                RunMode::Sealed { program_hash, .. } => Some(*program_hash),
            },
        });
        run.advance(now_ms, &mut out);
        Ok((run, out.effects))
    }

    /// Handles one event at `now_ms` (the time the shell logged it) and returns what to do next.
    pub fn handle(&mut self, event: Event, now_ms: u64) -> Vec<Effect> {
        let now = now_ms.max(self.clock_ms);
        self.clock_ms = now;
        self.seq = self.seq.saturating_add(1);
        let mut out = Out::new(&self.id, self.seq);
        if matches!(event, Event::Resume) {
            // Resume re-issues every attempt in flight, waiting ones too: their pending retries are moot.
            for wait in self.infra.values_mut() {
                wait.retry_at_ms = None;
            }
            self.resume(&mut out);
            return out.effects;
        }
        self.check_deadlines(now, &mut out);
        if self.state.is_terminal() {
            let reason = format!("the run is {}", self.state.as_str());
            self.refuse(&mut out, codes::RUN_TERMINAL, event.kind(), reason);
            return out.effects;
        }
        self.dispatch(event, now, &mut out);
        self.advance(now, &mut out);
        out.effects
    }

    fn dispatch(&mut self, event: Event, now: u64, out: &mut Out) {
        match event {
            Event::Start(_) => self.refuse(
                out,
                codes::DUPLICATE_START,
                "start",
                "the run has already started",
            ),
            Event::InputsResolved {
                step,
                generation,
                item_count,
            } => self.on_inputs_resolved(&step, generation, item_count, now, out),
            Event::InputsMissing {
                step,
                generation,
                slots,
            } => self.on_inputs_missing(&step, generation, slots, out),
            Event::InputsUnreadable {
                step,
                generation,
                slot,
                reason,
            } => self.on_inputs_unreadable(&step, generation, &slot, &reason, out),
            Event::SandboxReturned {
                attempt_id,
                receipt,
            } => self.on_sandbox_returned(&attempt_id, receipt, now, out),
            Event::SandboxUnavailable {
                attempt_id,
                reason,
                jitter_permille,
            } => self.on_sandbox_unavailable(&attempt_id, reason, jitter_permille, now, out),
            Event::Merged {
                attempt_id,
                outputs,
            } => self.on_merged(&attempt_id, outputs, out),
            Event::MergeFailed { attempt_id, reason } => {
                self.on_merge_failed(&attempt_id, &reason, out)
            }
            Event::Validated {
                attempt_id,
                publishable,
                report_hash,
                corrected,
            } => self.on_validated(&attempt_id, publishable, report_hash, corrected, out),
            Event::Audited {
                attempt_id,
                passed,
                proof_hash,
            } => self.on_audited(&attempt_id, passed, proof_hash, now, out),
            Event::Approve {
                step,
                principal,
                scopes,
            } => self.on_approve(&step, principal, &scopes, now, out),
            Event::Reject {
                step,
                principal,
                scopes,
                reason,
            } => self.on_reject(&step, principal, &scopes, reason, out),
            Event::ToolCallRequested {
                attempt_id,
                call_id,
                tool,
                cost_micros,
                external,
            } => self.on_tool_call(&attempt_id, call_id, tool, cost_micros, external, out),
            Event::ModelCall {
                step,
                phase,
                model,
                tokens_in,
                tokens_out,
                cost_micros,
            } => self.on_model_call(step, phase, model, tokens_in, tokens_out, cost_micros, out),
            Event::ChangeProfile { profile } => self.on_change_profile(*profile, out),
            // Deadlines were checked on entry; the alarm itself carries nothing else.
            Event::AlarmFired => {}
            Event::Cancel { principal, reason } => self.on_cancel(principal, reason, out),
            Event::RepairPatch { step, patch, by } => self.on_repair(&step, patch, by, out),
            Event::RepairDeclined {
                step,
                generation,
                reason,
            } => self.on_repair_declined(&step, generation, reason, out),
            Event::Resume => self.resume(out),
        }
    }

    // ---- queries ------------------------------------------------------------------------------------

    pub fn state(&self) -> RunState {
        self.state
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// Caps on the whole run: the plan's budgets tightened by the current profile's.
    pub fn run_caps(&self) -> Caps {
        Caps::from_budgets(&self.plan.budgets.tightest(&self.profile.budgets))
    }

    pub(crate) fn step_caps(&self, i: usize) -> Caps {
        self.plan
            .steps
            .get(i)
            .map(|s| Caps::from_budgets(&s.contract.limits.budget))
            .unwrap_or_default()
    }

    pub(crate) fn index_of(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }

    pub(crate) fn frozen(&self, i: usize) -> Option<FrozenStep> {
        self.plan.steps.get(i).cloned()
    }

    // ---- bookkeeping ------------------------------------------------------------------------------

    pub(crate) fn refuse(
        &mut self,
        out: &mut Out,
        code: Code,
        event: &str,
        reason: impl Into<String>,
    ) {
        let reason = reason.into();
        self.refused_total = self.refused_total.saturating_add(1);
        if self.refusals.len() < MAX_RECORDED_REFUSALS {
            self.refusals.push(Refusal {
                seq: self.seq,
                at_ms: self.clock_ms,
                code,
                event: event.to_string(),
                reason: reason.clone(),
            });
        }
        out.ledger(LedgerRecord::Refused {
            code,
            event: event.to_string(),
            reason: reason.clone(),
        });
        out.push(Effect::Refused {
            code,
            event: event.to_string(),
            reason,
        });
    }

    /// The artifact a contract input's producer ref points at, if bound.
    pub(crate) fn lookup(&self, producer_ref: &str) -> Option<ContentHash> {
        let run_prefix = format!("{RUN_SCOPE}:input:");
        match producer_ref.strip_prefix(&run_prefix) {
            Some(name) => self.inputs.get(name).copied(),
            None => self.bindings.get(producer_ref).map(|b| b.hash),
        }
    }

    /// Fails a step; asks the model repairer when the failure is repairable, the profile's repairer phase
    /// is a model and it has been asked fewer than `MAX_MODEL_REPAIRS_PER_STEP` times (otherwise the run
    /// will await a person's repair, or fail, once nothing is in flight: see `settle`).
    pub(crate) fn fail_step(
        &mut self,
        i: usize,
        evidence: RepairEvidence,
        repairable: bool,
        out: &mut Out,
    ) {
        let sealed = self.mode.is_sealed();
        let model_repairer = !self.profile.phases.repairer.is_builtin();
        let Some(step) = self.steps.get_mut(i) else {
            return;
        };
        for attempt_id in step.running_attempts() {
            out.push(Effect::StopAttempt {
                attempt_id,
                reason: evidence.reason.clone(),
            });
        }
        step.state = StepState::Failed;
        step.failure = Some(StepFailure {
            evidence: evidence.clone(),
            repairable,
        });
        out.ledger(LedgerRecord::StepFinished {
            step: step.id.clone(),
            generation: step.generation,
            state: StepState::Failed,
            code: Some(evidence.code),
            usage: step.usage,
        });
        step.repair_requested = repairable
            && !sealed
            && model_repairer
            && step.model_repairs < MAX_MODEL_REPAIRS_PER_STEP;
        if step.repair_requested {
            out.push(Effect::RequestRepair {
                step: step.id.clone(),
                generation: step.generation,
                evidence,
            });
        }
    }

    /// Whether a person may still repair every failed step: the run is live (not sealed), each failure is
    /// repairable and each step has repairs left.
    pub(crate) fn awaits_repair(&self) -> bool {
        !self.mode.is_sealed()
            && self
                .steps
                .iter()
                .filter(|s| s.state == StepState::Failed)
                .all(|s| {
                    s.failure.as_ref().is_some_and(|f| f.repairable)
                        && s.person_repairs() < MAX_REPAIRS_PER_STEP
                })
    }

    /// The failed steps and why, while the run awaits a repair (empty otherwise).
    pub fn diagnosis(&self) -> Vec<(&str, &RepairEvidence)> {
        if self.state != RunState::AwaitingRepair {
            return Vec::new();
        }
        self.steps
            .iter()
            .filter(|s| s.state == StepState::Failed)
            .filter_map(|s| s.failure.as_ref().map(|f| (s.id.as_str(), &f.evidence)))
            .collect()
    }

    /// Fails the run itself: everything in flight stops, nothing can reopen it.
    pub(crate) fn fail_run(&mut self, failure: RunFailure, out: &mut Out) {
        self.fail_run_as(failure, RunState::Failed, out);
    }

    /// Ends the run in `state` (failed or expired) for a reason of the run's own.
    pub(crate) fn fail_run_as(&mut self, failure: RunFailure, state: RunState, out: &mut Out) {
        if let Some(budget) = failure.budget {
            out.ledger(LedgerRecord::BudgetStop {
                step: None,
                exceeded: budget,
            });
        }
        self.stop_in_flight(&failure.reason, out);
        self.failure = Some(failure);
        self.finish(state, out);
    }

    /// Stops every active step (they fail with R0036, without a repair request).
    fn stop_in_flight(&mut self, reason: &str, out: &mut Out) {
        for step in &mut self.steps {
            if !step.state.is_active() {
                continue;
            }
            for attempt_id in step.running_attempts() {
                out.push(Effect::StopAttempt {
                    attempt_id,
                    reason: reason.to_string(),
                });
            }
            step.state = StepState::Failed;
            let evidence = RepairEvidence {
                code: codes::STOPPED_BY_RUN,
                reason: reason.to_string(),
                attempt_id: step.current.as_ref().map(|a| a.id.clone()),
                exit_code: None,
                report_hash: None,
                proof_hash: None,
                budget: None,
            };
            step.failure = Some(StepFailure {
                evidence,
                repairable: false,
            });
            out.ledger(LedgerRecord::StepFinished {
                step: step.id.clone(),
                generation: step.generation,
                state: StepState::Failed,
                code: Some(codes::STOPPED_BY_RUN),
                usage: step.usage,
            });
        }
    }

    fn finish(&mut self, state: RunState, out: &mut Out) {
        for step in &mut self.steps {
            if step.state.is_unstarted() {
                step.state = StepState::Skipped;
            }
        }
        self.state = state;
        self.alarm_ms = None;
        self.infra.clear();
        out.ledger(LedgerRecord::RunFinished {
            state,
            usage: self.usage,
        });
        out.push(Effect::RunFinished { state });
    }

    fn on_cancel(&mut self, principal: Option<String>, reason: String, out: &mut Out) {
        let who = principal.unwrap_or_else(|| "the platform".to_string());
        let reason = if reason.is_empty() {
            format!("cancelled by {who}")
        } else {
            format!("cancelled by {who}: {reason}")
        };
        self.stop_in_flight(&reason, out);
        self.finish(RunState::Cancelled, out);
    }

    // ---- progress -----------------------------------------------------------------------------------

    /// Starts every step whose dependencies are published, then settles the run state and the alarm.
    pub(crate) fn advance(&mut self, now: u64, out: &mut Out) {
        if self.state.is_terminal() {
            return;
        }
        for i in 0..self.steps.len() {
            if self.steps.iter().any(|s| s.state == StepState::Failed) {
                break;
            }
            let ready =
                self.steps.get(i).is_some_and(|s| {
                    matches!(s.state, StepState::Pending | StepState::Invalidated)
                }) && self.dependencies_published(i);
            if ready {
                self.make_ready(i, now, out);
            }
        }
        self.settle(out);
        self.forget_finished_waits();
        // A run that would be running but has an attempt past its quick retries waits for the infrastructure.
        if self.state == RunState::Running && self.infrastructure_paused() {
            self.state = RunState::AwaitingInfrastructure;
        }
        self.track_waiting(now);
        self.update_alarm(out);
    }

    fn dependencies_published(&self, i: usize) -> bool {
        let Some(frozen) = self.plan.steps.get(i) else {
            return false;
        };
        frozen.depends_on.iter().all(|dep| {
            self.step(dep)
                .is_some_and(|s| s.state == StepState::Published)
        })
    }

    /// Dependencies are published: bind every input (fail closed), then gate or resolve.
    fn make_ready(&mut self, i: usize, now: u64, out: &mut Out) {
        let Some(frozen) = self.frozen(i) else {
            return;
        };
        let mut inputs = Vec::new();
        let mut missing = Vec::new();
        let overrides = self
            .steps
            .get(i)
            .map(|s| s.input_overrides.clone())
            .unwrap_or_default();
        for input in &frozen.contract.inputs {
            // A person's input repair binds the slot to the corrected artifact instead of its producer.
            let bound = overrides
                .get(&input.slot)
                .copied()
                .or_else(|| self.lookup(&input.producer_ref));
            match bound {
                Some(artifact_hash) => inputs.push(ResolvedInput {
                    slot: input.slot.clone(),
                    artifact_hash,
                }),
                None if input.required => missing.push(input.slot.clone()),
                None => {}
            }
        }
        if !missing.is_empty() {
            let evidence = RepairEvidence {
                code: codes::MISSING_INPUT,
                reason: format!("required inputs not bound: {}", missing.join(", ")),
                attempt_id: None,
                exit_code: None,
                report_hash: None,
                proof_hash: None,
                budget: None,
            };
            self.fail_step(i, evidence, true, out);
            return;
        }
        let Some(step) = self.steps.get_mut(i) else {
            return;
        };
        step.inputs = inputs.clone();
        match (&frozen.contract.gate, &step.approval) {
            (Some(gate), None) => {
                step.state = StepState::AwaitingApproval;
                step.gate_since_ms = Some(now);
                out.push(Effect::AwaitApproval {
                    step: step.id.clone(),
                    gate: gate.clone(),
                    inputs,
                });
            }
            _ => self.enter_waiting_inputs(i, now, out),
        }
    }

    /// Asks the shell to confirm the bound inputs are stored (and count the fan-out items).
    pub(crate) fn enter_waiting_inputs(&mut self, i: usize, _now: u64, out: &mut Out) {
        let over = self
            .plan
            .steps
            .get(i)
            .and_then(|s| s.contract.fan_out.as_ref())
            .map(|f| f.over.clone());
        let Some(step) = self.steps.get_mut(i) else {
            return;
        };
        step.state = StepState::WaitingInputs;
        out.push(Effect::ResolveInputs {
            step: step.id.clone(),
            generation: step.generation,
            inputs: step.inputs.clone(),
            count_items_of: over,
        });
    }

    fn settle(&mut self, out: &mut Out) {
        let any_failed = self.steps.iter().any(|s| s.state == StepState::Failed);
        let any_active = self.steps.iter().any(|s| s.state.is_active());
        let any_gated = self
            .steps
            .iter()
            .any(|s| s.state == StepState::AwaitingApproval);
        let all_published = self.steps.iter().all(|s| s.state == StepState::Published);
        let model_repairing = self
            .steps
            .iter()
            .any(|s| s.state == StepState::Failed && s.repair_requested);
        if any_failed && !any_active && !model_repairing {
            if self.awaits_repair() {
                self.state = RunState::AwaitingRepair;
            } else {
                self.finish(RunState::Failed, out);
            }
        } else if all_published {
            self.finish(RunState::Succeeded, out);
        } else if !any_failed && !any_active && any_gated {
            self.state = RunState::AwaitingApproval;
        } else {
            self.state = RunState::Running;
        }
    }

    // ---- time ---------------------------------------------------------------------------------------

    /// The earliest deadline still ahead: the run's wall cap, each active step's wall cap, each
    /// attempt's timeout.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        if self.state.is_terminal() {
            return None;
        }
        let mut next: Option<u64> = None;
        let mut consider = |t: u64| next = Some(next.map_or(t, |n: u64| n.min(t)));
        // Waiting time does not count: while the run waits, its wall clock stands still.
        if let (Some(wall), false) = (self.run_caps().wall_ms, self.is_waiting()) {
            consider(
                self.started_ms
                    .saturating_add(self.waited_ms)
                    .saturating_add(wall),
            );
        }
        if let Some(t) = self.next_gate_expiry() {
            consider(t);
        }
        if let Some(t) = self.next_retry() {
            consider(t);
        }
        let paused = self.state == RunState::AwaitingInfrastructure;
        for (i, step) in self.steps.iter().enumerate() {
            if !step.state.is_active() {
                continue;
            }
            if let (Some(start), Some(wall), false) =
                (step.started_ms, self.step_caps(i).wall_ms, paused)
            {
                let waited_since = self.waited_ms.saturating_sub(step.waited_base_ms);
                consider(start.saturating_add(waited_since).saturating_add(wall));
            }
            if step.state != StepState::Running {
                continue;
            }
            if let Some(d) = step.current.as_ref().and_then(|a| a.deadline_ms) {
                consider(d);
            }
            if let Some(shards) = &step.shards {
                for d in shards.running().filter_map(|s| s.attempt.deadline_ms) {
                    consider(d);
                }
            }
        }
        next
    }

    fn update_alarm(&mut self, out: &mut Out) {
        let next = self.next_deadline();
        if next != self.alarm_ms {
            self.alarm_ms = next;
            if let Some(at_ms) = next {
                out.push(Effect::SetAlarm { at_ms });
            }
        }
    }

    /// Enforces every deadline reached at `now`: run wall cap, step wall caps, attempt timeouts.
    fn check_deadlines(&mut self, now: u64, out: &mut Out) {
        if self.state.is_terminal() {
            return;
        }
        self.check_gate_expiry(now, out);
        if self.state.is_terminal() {
            return;
        }
        let waited = self.waited_ms(now);
        if let Some(exceeded) = self
            .run_caps()
            .wall_crossed(self.started_ms.saturating_add(waited), now)
        {
            let failure = RunFailure {
                code: codes::BUDGET_EXCEEDED,
                reason: format!(
                    "run wall time {} ms ≥ cap {} ms",
                    exceeded.used, exceeded.limit
                ),
                budget: Some(exceeded),
            };
            self.fail_run(failure, out);
            return;
        }
        for i in 0..self.steps.len() {
            let Some(step) = self.steps.get(i) else {
                continue;
            };
            if !step.state.is_active() {
                continue;
            }
            let since = waited.saturating_sub(step.waited_base_ms);
            let crossed = step.started_ms.and_then(|start| {
                self.step_caps(i)
                    .wall_crossed(start.saturating_add(since), now)
            });
            if let Some(exceeded) = crossed {
                self.stop_step_for_budget(i, exceeded, out);
                continue;
            }
            self.check_timeouts(i, now, out);
        }
        self.retry_due_attempts(now, out);
    }

    /// A step crossed one of its own caps: it stops, with the reason recorded.
    pub(crate) fn stop_step_for_budget(
        &mut self,
        i: usize,
        exceeded: BudgetExceeded,
        out: &mut Out,
    ) {
        let Some(step) = self.steps.get(i) else {
            return;
        };
        if !step.state.is_active() {
            return;
        }
        out.ledger(LedgerRecord::BudgetStop {
            step: Some(step.id.clone()),
            exceeded,
        });
        let evidence = RepairEvidence {
            code: codes::BUDGET_EXCEEDED,
            reason: format!(
                "{} used {} > cap {}",
                exceeded.kind.as_str(),
                exceeded.used,
                exceeded.limit
            ),
            attempt_id: step.current.as_ref().map(|a| a.id.clone()),
            exit_code: None,
            report_hash: None,
            proof_hash: None,
            budget: Some(exceeded),
        };
        // Repairing a step that ran out of budget would spend more of it: the run fails instead.
        self.fail_step(i, evidence, false, out);
    }

    /// Checks the step's and the run's spend caps after `usage` changed; stops what crossed.
    pub(crate) fn enforce_spend(&mut self, i: Option<usize>, out: &mut Out) {
        if let Some(exceeded) = self.run_caps().crossed(&self.usage) {
            let failure = RunFailure {
                code: codes::BUDGET_EXCEEDED,
                reason: format!(
                    "run {} used {} > cap {}",
                    exceeded.kind.as_str(),
                    exceeded.used,
                    exceeded.limit
                ),
                budget: Some(exceeded),
            };
            self.fail_run(failure, out);
            return;
        }
        let Some(i) = i else {
            return;
        };
        let Some(step) = self.steps.get(i) else {
            return;
        };
        if let Some(exceeded) = self.step_caps(i).crossed(&step.usage) {
            self.stop_step_for_budget(i, exceeded, out);
        }
    }

    /// The sandbox call for one attempt of step `i`.
    pub(crate) fn sandbox_call(
        &self,
        i: usize,
        attempt_id: &str,
        shard: Option<ShardRef>,
    ) -> Option<SandboxCall> {
        let frozen = self.plan.steps.get(i)?;
        let step = self.steps.get(i)?;
        let contract = &frozen.contract;
        let remaining = self
            .step_caps(i)
            .remaining(&step.usage)
            .tightest(&self.run_caps().remaining(&self.usage));
        let code_hash = self
            .sealed_code(&step.id)
            .or(step.code_override)
            .or(contract.program.as_ref().map(|p| p.hash))
            .or(contract.code_hash);
        Some(SandboxCall {
            step: step.id.clone(),
            attempt_id: attempt_id.to_string(),
            shard,
            inputs: step.inputs.clone(),
            tools: contract.tools.iter().map(|t| t.id.clone()).collect(),
            code_hash,
            executor_writes: code_hash.is_none()
                && !self.mode.is_sealed()
                && !self.profile.phases.executor.is_builtin(),
            limits: CallLimits {
                timeout_seconds: contract.limits.timeout_seconds,
                remaining,
            },
        })
    }

    /// The code a sealed program fixed for a step.
    fn sealed_code(&self, step: &str) -> Option<ContentHash> {
        match &self.mode {
            RunMode::Sealed { code, .. } => code.get(step).copied(),
            RunMode::Live => None,
        }
    }

    /// What sealing a succeeded run fixes beside its plan: step id → the code the step ran in its
    /// published generation (a repair's patch, the contract's program, or the code a model wrote, as the
    /// platform's receipts recorded it). Fails for a run that has not succeeded or a step with no code on
    /// record, so that a sealed program never needs a model to write code.
    pub fn step_code(&self) -> Result<BTreeMap<String, ContentHash>, String> {
        if self.state != RunState::Succeeded {
            return Err(format!(
                "only a succeeded run can be sealed; this one is {}",
                self.state.as_str()
            ));
        }
        let mut code = BTreeMap::new();
        for step in &self.steps {
            let ran = step
                .receipts
                .iter()
                .rev()
                .filter(|r| r.status == crate::event::ReceiptStatus::Ok)
                .find_map(|r| r.code_hash);
            let Some(hash) = ran else {
                return Err(format!("step `{}` has no code on record", step.id));
            };
            code.insert(step.id.clone(), hash);
        }
        Ok(code)
    }

    /// Timeout deadline of an attempt started at `now` for step `i`.
    pub(crate) fn attempt_deadline(&self, i: usize, now: u64) -> Option<u64> {
        self.plan
            .steps
            .get(i)
            .and_then(|s| s.contract.limits.timeout_seconds)
            .map(|t| now.saturating_add(t.saturating_mul(1000)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_state_names_are_the_ones_the_cli_prints() {
        let names: Vec<&str> = RunState::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "running",
                "awaiting_approval",
                "awaiting_repair",
                "awaiting_infrastructure",
                "succeeded",
                "failed",
                "cancelled",
                "expired"
            ]
        );
        for s in RunState::ALL {
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::json!(s.as_str()))
            );
        }
    }
}
