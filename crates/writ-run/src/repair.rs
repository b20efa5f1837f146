//! Repair and resume.
//!
//! A `RepairPatch` restarts a failed step from a new generation: with new code (`Patch::Code`), a corrected
//! artifact in one input slot (`Patch::Input`), or under a plan the compiler recompiled (`Patch::Plan`). The
//! model repairer may answer only a `RequestRepair` the machine sent (or decline, `RepairDeclined`); a
//! person (scope `repair`) may repair a step while the run awaits one, `MAX_REPAIRS_PER_STEP` times. Every finished step upstream keeps its published artifacts
//! and is not run again; the patched step and every step downstream of a change are invalidated (their
//! bindings dropped, in-flight work stopped) and run again. A new plan must be intact, keep the run's
//! profile hash (invariant 7) and still contain the failed step.
//!
//! `Resume` re-issues the effects of every piece of work in flight, with their original ids.

use crate::codes;
use crate::effect::Effect;
use crate::event::{Patch, Repairer};
use crate::ledger::LedgerRecord;
use crate::limits::{MAX_MODEL_REPAIRS_PER_STEP, MAX_REPAIRS_PER_STEP, REPAIR_SCOPE};
use crate::run::{check_runnable, Out, Run};
use crate::shard::ShardState;
use crate::step::{Step, StepState};
use std::collections::BTreeSet;
use writ_plan::FrozenPlan;

impl Run {
    pub(crate) fn on_repair(&mut self, step_id: &str, patch: Patch, by: Repairer, out: &mut Out) {
        const KIND: &str = "repair_patch";
        if self.mode.is_sealed() {
            self.refuse(
                out,
                codes::REPAIR_SEALED,
                KIND,
                "sealed programs run as sealed",
            );
            return;
        }
        if let Some(f) = &self.failure {
            let reason = format!("the run itself failed ({}: {})", f.code, f.reason);
            self.refuse(out, codes::REPAIR_NOT_APPLICABLE, KIND, reason);
            return;
        }
        let Some(i) = self.index_of(step_id) else {
            self.refuse(
                out,
                codes::UNKNOWN_STEP,
                KIND,
                format!("no step `{step_id}`"),
            );
            return;
        };
        let Some(step) = self.steps.get(i) else {
            return;
        };
        if step.state != StepState::Failed {
            let reason = format!("step `{step_id}` is {}, not failed", step.state.as_str());
            self.refuse(out, codes::REPAIR_NOT_APPLICABLE, KIND, reason);
            return;
        }
        if !step.failure.as_ref().is_some_and(|f| f.repairable) {
            let reason = format!("step `{step_id}` failed in a way no repair can undo");
            self.refuse(out, codes::REPAIR_NOT_APPLICABLE, KIND, reason);
            return;
        }
        match &by {
            Repairer::Model { .. } if !step.repair_requested => {
                let reason = format!("the repairer was not asked about step `{step_id}`");
                self.refuse(out, codes::REPAIR_NOT_REQUESTED, KIND, reason);
                return;
            }
            Repairer::Model { .. } => {}
            Repairer::Person { principal, scopes } => {
                if !scopes.iter().any(|s| s == REPAIR_SCOPE) {
                    let reason = format!("`{principal}` lacks scope `{REPAIR_SCOPE}`");
                    self.refuse(out, codes::REPAIRER_LACKS_SCOPE, KIND, reason);
                    return;
                }
                if step.person_repairs() >= MAX_REPAIRS_PER_STEP {
                    let reason = format!(
                        "step `{step_id}` was repaired {} times",
                        step.person_repairs()
                    );
                    self.refuse(out, codes::REPAIR_LIMIT, KIND, reason);
                    return;
                }
            }
        }
        if let Patch::Input { slot, .. } = &patch {
            let known = self
                .plan
                .step(step_id)
                .is_some_and(|s| s.contract.inputs.iter().any(|input| &input.slot == slot));
            if !known {
                let reason = format!("step `{step_id}` has no input slot `{slot}`");
                self.refuse(out, codes::REPAIR_UNKNOWN_SLOT, KIND, reason);
                return;
            }
        }
        let patch_hash = match writ_canon::hash_of(&patch) {
            Ok(h) => h,
            Err(e) => {
                self.refuse(out, codes::REPAIR_PLAN_INVALID, KIND, e.to_string());
                return;
            }
        };
        let described = patch.describe();
        let changed = match patch {
            Patch::Code { code_hash } => {
                if let Some(step) = self.steps.get_mut(i) {
                    step.code_override = Some(code_hash);
                }
                BTreeSet::from([step_id.to_string()])
            }
            Patch::Input {
                slot,
                artifact_hash,
            } => {
                if let Some(step) = self.steps.get_mut(i) {
                    step.input_overrides.insert(slot, artifact_hash);
                }
                BTreeSet::from([step_id.to_string()])
            }
            Patch::Plan { plan } => match self.adopt_plan(step_id, *plan, out) {
                Ok(changed) => changed,
                Err(reason) => {
                    self.refuse(out, codes::REPAIR_PLAN_INVALID, KIND, reason);
                    return;
                }
            },
        };
        let invalidated = self.invalidate_downstream(step_id, &changed, out);
        if let Some(step) = self.steps.iter_mut().find(|s| s.id == step_id) {
            step.repairs = step.repairs.saturating_add(1);
            if matches!(by, Repairer::Model { .. }) {
                step.model_repairs = step.model_repairs.saturating_add(1);
            }
            step.reset(StepState::Pending);
        }
        out.ledger(LedgerRecord::Repair {
            step: step_id.to_string(),
            patch_hash,
            patch: described,
            by: by.name(),
            invalidated,
        });
        // `advance` restarts the step and `settle` moves the run back to running.
    }

    /// The model repairer has no patch: the failure stands and, once nothing is in flight, a person may
    /// repair it.
    pub(crate) fn on_repair_declined(
        &mut self,
        step_id: &str,
        generation: u32,
        reason: String,
        out: &mut Out,
    ) {
        const KIND: &str = "repair_declined";
        let Some(i) = self.index_of(step_id) else {
            self.refuse(
                out,
                codes::UNKNOWN_STEP,
                KIND,
                format!("no step `{step_id}`"),
            );
            return;
        };
        let Some(step) = self.steps.get_mut(i) else {
            return;
        };
        if step.generation != generation {
            let reason = format!(
                "step `{step_id}` is at generation {}, not {generation}",
                step.generation
            );
            self.refuse(out, codes::GENERATION_MISMATCH, KIND, reason);
            return;
        }
        if !(step.state == StepState::Failed && step.repair_requested) {
            let reason = format!("the repairer was not asked about step `{step_id}`");
            self.refuse(out, codes::REPAIR_NOT_REQUESTED, KIND, reason);
            return;
        }
        step.repair_requested = false;
        // Asking again would get the same answer: the model's turns for this step are over.
        step.model_repairs = MAX_MODEL_REPAIRS_PER_STEP.max(step.model_repairs);
        out.ledger(LedgerRecord::RepairDeclined {
            step: step_id.to_string(),
            reason,
        });
    }

    /// Swaps in a recompiled plan; returns the ids whose contracts changed (or are new).
    fn adopt_plan(
        &mut self,
        step_id: &str,
        plan: FrozenPlan,
        out: &mut Out,
    ) -> Result<BTreeSet<String>, String> {
        let mismatches = plan.verify();
        if !mismatches.is_empty() {
            return Err(format!("the plan has {} hash mismatches", mismatches.len()));
        }
        if plan.profile_hash != self.profile_hash {
            return Err(format!(
                "the plan's profile {} is not the run's profile {}",
                plan.profile_hash, self.profile_hash
            ));
        }
        check_runnable(&plan)?;
        if plan.step(step_id).is_none() {
            return Err(format!("the plan no longer has step `{step_id}`"));
        }
        let mut changed = BTreeSet::new();
        let mut steps = Vec::new();
        for frozen in &plan.steps {
            let old = self.plan.step(&frozen.id).map(|s| s.contract_hash);
            let carried = self.steps.iter().find(|s| s.id == frozen.id).cloned();
            match (old, carried) {
                (Some(hash), Some(mut step)) if hash == frozen.contract_hash => {
                    if frozen.id == step_id {
                        // The recompiled contract supersedes any earlier code patch.
                        step.code_override = None;
                    }
                    steps.push(step);
                }
                (_, carried) => {
                    changed.insert(frozen.id.clone());
                    let mut step = carried.unwrap_or_else(|| Step::new(&frozen.id));
                    step.code_override = None;
                    steps.push(step);
                }
            }
        }
        // Steps the new plan drops: stop their work and unbind their outputs.
        let kept: BTreeSet<&str> = plan.steps.iter().map(|s| s.id.as_str()).collect();
        for old in self.steps.iter().filter(|s| !kept.contains(s.id.as_str())) {
            for attempt_id in old.running_attempts() {
                out.push(Effect::StopAttempt {
                    attempt_id,
                    reason: "step removed by repair".into(),
                });
            }
            self.bindings.retain(|_, b| b.step != old.id);
        }
        changed.insert(step_id.to_string());
        self.plan = plan;
        self.steps = steps;
        Ok(changed)
    }

    /// Resets every changed step and every step downstream of one (except the repaired step, which the
    /// caller resets); returns the ids invalidated.
    fn invalidate_downstream(
        &mut self,
        repaired: &str,
        changed: &BTreeSet<String>,
        out: &mut Out,
    ) -> Vec<String> {
        let mut dirty: BTreeSet<String> = changed.clone();
        // Plan order is topological, so one pass closes the set.
        for frozen in &self.plan.steps {
            if frozen.depends_on.iter().any(|d| dirty.contains(d)) {
                dirty.insert(frozen.id.clone());
            }
        }
        let mut invalidated = Vec::new();
        for step in &mut self.steps {
            if !dirty.contains(&step.id) {
                continue;
            }
            self.bindings.retain(|_, b| b.step != step.id);
            if step.id == repaired {
                continue;
            }
            for attempt_id in step.running_attempts() {
                out.push(Effect::StopAttempt {
                    attempt_id,
                    reason: format!("invalidated by the repair of `{repaired}`"),
                });
            }
            if matches!(step.state, StepState::Pending) {
                continue;
            }
            step.reset(StepState::Invalidated);
            invalidated.push(step.id.clone());
        }
        invalidated
    }

    /// Re-issues the effects of all in-flight work after a restart, with their original ids.
    pub(crate) fn resume(&mut self, out: &mut Out) {
        if self.state.is_terminal() {
            out.push(Effect::RunFinished { state: self.state });
            return;
        }
        let sealed = self.mode.is_sealed();
        for i in 0..self.steps.len() {
            let Some(step) = self.steps.get(i) else {
                continue;
            };
            let over = self
                .plan
                .steps
                .get(i)
                .and_then(|s| s.contract.fan_out.as_ref())
                .map(|f| f.over.clone());
            let mut effects = Vec::new();
            match step.state {
                StepState::WaitingInputs => effects.push(Effect::ResolveInputs {
                    step: step.id.clone(),
                    generation: step.generation,
                    inputs: step.inputs.clone(),
                    count_items_of: over,
                }),
                StepState::AwaitingApproval => {
                    if let Some(gate) = self.plan.steps.get(i).and_then(|s| s.contract.gate.clone())
                    {
                        effects.push(Effect::AwaitApproval {
                            step: step.id.clone(),
                            gate,
                            inputs: step.inputs.clone(),
                        });
                    }
                }
                StepState::Running => match &step.shards {
                    None => {
                        if let Some(call) = step
                            .current
                            .as_ref()
                            .and_then(|a| self.sandbox_call(i, &a.id, None))
                        {
                            effects.push(Effect::CallSandbox(call));
                        }
                    }
                    Some(set) if set.all_done() => {
                        if let Some(a) = &step.current {
                            effects.push(Effect::MergeShards {
                                step: step.id.clone(),
                                attempt_id: a.id.clone(),
                                shards: set
                                    .shards
                                    .iter()
                                    .map(|s| crate::effect::ShardOutputs {
                                        shard: s.range,
                                        attempt_id: s.attempt.id.clone(),
                                        outputs: s.outputs.clone(),
                                    })
                                    .collect(),
                            });
                        }
                    }
                    Some(set) => {
                        for s in set.shards.iter().filter(|s| s.state == ShardState::Running) {
                            if let Some(call) = self.sandbox_call(i, &s.attempt.id, Some(s.range)) {
                                effects.push(Effect::DispatchShard(call));
                            }
                        }
                    }
                },
                StepState::Validating | StepState::Auditing => {
                    if let Some(a) = &step.current {
                        let rubric = self
                            .plan
                            .steps
                            .get(i)
                            .map(|s| s.contract.rubric.clone())
                            .unwrap_or_default();
                        effects.push(if step.state == StepState::Validating {
                            Effect::Validate {
                                step: step.id.clone(),
                                attempt_id: a.id.clone(),
                                outputs: step.outputs.clone(),
                            }
                        } else {
                            Effect::Audit {
                                step: step.id.clone(),
                                attempt_id: a.id.clone(),
                                outputs: step.outputs.clone(),
                                rubric,
                            }
                        });
                    }
                }
                StepState::Failed if step.repair_requested && !sealed => {
                    if let Some(f) = step.failure.as_ref() {
                        effects.push(Effect::RequestRepair {
                            step: step.id.clone(),
                            generation: step.generation,
                            evidence: f.evidence.clone(),
                        });
                    }
                }
                StepState::Failed
                | StepState::Pending
                | StepState::Published
                | StepState::Invalidated
                | StepState::Skipped => {}
            }
            out.effects.extend(effects);
        }
        if let Some(at_ms) = self.alarm_ms {
            out.push(Effect::SetAlarm { at_ms });
        }
    }
}
