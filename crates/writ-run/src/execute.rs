//! Step execution: inputs resolved → attempts (or shards) → merge → validation → audit → publish. The
//! transitions are the ones tabled in `step.rs` and `shard.rs`.

use crate::budget::Usage;
use crate::codes::{self, Code};
use crate::effect::{Effect, RepairEvidence, ShardOutputs};
use crate::event::{OutputMeasure, Receipt, ReceiptStatus};
use crate::ids;
use crate::ledger::LedgerRecord;
use crate::limits::MAX_SHARDS;
use crate::provenance::{Provenance, ReceiptDigest};
use crate::run::{Out, PublishedArtifact, Run};
use crate::shard::{plan_shards, shard_count, Shard, ShardSet, ShardState};
use crate::step::{Attempt, StepState};
use std::collections::BTreeMap;
use writ_canon::ContentHash;
use writ_plan::{StepContract, StepKind};

/// Where an in-flight sandbox attempt lives.
pub(crate) enum Slot {
    Current,
    Shard(usize),
}

fn evidence(code: Code, reason: impl Into<String>) -> RepairEvidence {
    RepairEvidence {
        code,
        reason: reason.into(),
        attempt_id: None,
        exit_code: None,
        report_hash: None,
        proof_hash: None,
        budget: None,
    }
}

/// Checks measured outputs against the contract: nothing undeclared, nothing required missing.
fn check_outputs(
    contract: &StepContract,
    outputs: &BTreeMap<String, OutputMeasure>,
) -> Result<(), (Code, String)> {
    if let Some(extra) = outputs
        .keys()
        .find(|slot| !contract.outputs.iter().any(|o| &o.slot == *slot))
    {
        return Err((
            codes::UNDECLARED_OUTPUT,
            format!("output `{extra}` is not declared by the contract"),
        ));
    }
    if let Some(missing) = contract
        .outputs
        .iter()
        .find(|o| o.required && !outputs.contains_key(&o.slot))
    {
        return Err((
            codes::MISSING_OUTPUT,
            format!("required output `{}` is absent", missing.slot),
        ));
    }
    Ok(())
}

impl Run {
    fn check_generation(
        &mut self,
        step_id: &str,
        generation: u32,
        kind: &str,
        out: &mut Out,
    ) -> Option<usize> {
        let Some(i) = self.index_of(step_id) else {
            self.refuse(
                out,
                codes::UNKNOWN_STEP,
                kind,
                format!("no step `{step_id}`"),
            );
            return None;
        };
        let step = self.steps.get(i)?;
        if step.generation != generation {
            let reason = format!(
                "step `{step_id}` is at generation {}, the event answers {generation}",
                step.generation
            );
            self.refuse(out, codes::GENERATION_MISMATCH, kind, reason);
            return None;
        }
        if step.state != StepState::WaitingInputs {
            let reason = format!("step `{step_id}` is {}", step.state.as_str());
            self.refuse(out, codes::WRONG_STEP_STATE, kind, reason);
            return None;
        }
        Some(i)
    }

    pub(crate) fn on_inputs_resolved(
        &mut self,
        step_id: &str,
        generation: u32,
        item_count: Option<u64>,
        now: u64,
        out: &mut Out,
    ) {
        let Some(i) = self.check_generation(step_id, generation, "inputs_resolved", out) else {
            return;
        };
        let Some(frozen) = self.frozen(i) else {
            return;
        };
        let waited = self.waited_ms(now);
        let Some(step) = self.steps.get_mut(i) else {
            return;
        };
        if step.started_ms.is_none() {
            step.started_ms = Some(now);
            step.waited_base_ms = waited;
        }
        step.state = StepState::Running;
        out.ledger(LedgerRecord::StepStarted {
            step: step.id.clone(),
            generation: step.generation,
        });
        let Some(fan_out) = frozen.contract.fan_out else {
            self.start_attempt(i, now, out);
            return;
        };
        let Some(items) = item_count else {
            let e = evidence(
                codes::MISSING_ITEM_COUNT,
                format!("no item count for fan-out input `{}`", fan_out.over),
            );
            self.fail_step(i, e, false, out);
            return;
        };
        let count = shard_count(items, fan_out.shard_size);
        if count > MAX_SHARDS {
            let e = evidence(
                codes::TOO_MANY_SHARDS,
                format!(
                    "{items} items in shards of {} make {count} shards (> {MAX_SHARDS})",
                    fan_out.shard_size
                ),
            );
            self.fail_step(i, e, true, out);
            return;
        }
        let deadline = self.attempt_deadline(i, now);
        let mut shards = Vec::new();
        for range in plan_shards(items, fan_out.shard_size) {
            let Some(step) = self.steps.get_mut(i) else {
                return;
            };
            step.attempts_started = step.attempts_started.saturating_add(1);
            let id = ids::shard_attempt_id(&self.id, &step.id, range.index, step.attempts_started);
            shards.push(Shard {
                range,
                state: ShardState::Running,
                attempt: Attempt {
                    id,
                    started_ms: now,
                    deadline_ms: deadline,
                    metered: Usage::default(),
                },
                failures: 0,
                outputs: BTreeMap::new(),
                receipt: None,
            });
        }
        let ranges: Vec<_> = shards
            .iter()
            .map(|s| (s.attempt.id.clone(), s.range))
            .collect();
        if let Some(step) = self.steps.get_mut(i) {
            step.shards = Some(ShardSet {
                item_count: items,
                shard_size: fan_out.shard_size,
                shards,
            });
        }
        for (id, range) in ranges {
            self.emit_attempt(i, &id, Some(range), out);
        }
    }

    pub(crate) fn on_inputs_missing(
        &mut self,
        step_id: &str,
        generation: u32,
        slots: Vec<String>,
        out: &mut Out,
    ) {
        let Some(i) = self.check_generation(step_id, generation, "inputs_missing", out) else {
            return;
        };
        let e = evidence(
            codes::MISSING_INPUT,
            format!("inputs not present in storage: {}", slots.join(", ")),
        );
        self.fail_step(i, e, true, out);
    }

    pub(crate) fn on_inputs_unreadable(
        &mut self,
        step_id: &str,
        generation: u32,
        slot: &str,
        reason: &str,
        out: &mut Out,
    ) {
        let Some(i) = self.check_generation(step_id, generation, "inputs_unreadable", out) else {
            return;
        };
        let e = evidence(
            codes::UNREADABLE_INPUT,
            format!("input `{slot}` cannot be read as its kind: {reason}"),
        );
        self.fail_step(i, e, true, out);
    }

    /// A new sandbox attempt of a non-fan-out step.
    fn start_attempt(&mut self, i: usize, now: u64, out: &mut Out) {
        let deadline = self.attempt_deadline(i, now);
        let Some(step) = self.steps.get_mut(i) else {
            return;
        };
        step.attempts_started = step.attempts_started.saturating_add(1);
        let id = ids::attempt_id(&self.id, &step.id, step.attempts_started);
        step.current = Some(Attempt {
            id: id.clone(),
            started_ms: now,
            deadline_ms: deadline,
            metered: Usage::default(),
        });
        self.emit_attempt(i, &id, None, out);
    }

    fn emit_attempt(
        &mut self,
        i: usize,
        id: &str,
        shard: Option<crate::effect::ShardRef>,
        out: &mut Out,
    ) {
        let Some(call) = self.sandbox_call(i, id, shard) else {
            return;
        };
        out.ledger(LedgerRecord::AttemptStarted {
            step: call.step.clone(),
            attempt_id: id.to_string(),
        });
        out.push(match shard {
            Some(_) => Effect::DispatchShard(call),
            None => Effect::CallSandbox(call),
        });
    }

    /// The step and place of a sandbox attempt that is running.
    pub(crate) fn find_running(&self, attempt_id: &str) -> Option<(usize, Slot)> {
        self.steps.iter().enumerate().find_map(|(i, step)| {
            if step.state != StepState::Running {
                return None;
            }
            if let Some(shards) = &step.shards {
                return shards
                    .shards
                    .iter()
                    .position(|s| s.state == ShardState::Running && s.attempt.id == attempt_id)
                    .map(|k| (i, Slot::Shard(k)));
            }
            step.current
                .as_ref()
                .filter(|a| a.id == attempt_id)
                .map(|_| (i, Slot::Current))
        })
    }

    pub(crate) fn attempt_metered_mut(&mut self, attempt_id: &str) -> Option<(usize, &mut Usage)> {
        let (i, slot) = self.find_running(attempt_id)?;
        let step = self.steps.get_mut(i)?;
        let attempt = match slot {
            Slot::Current => step.current.as_mut()?,
            Slot::Shard(k) => &mut step.shards.as_mut()?.shards.get_mut(k)?.attempt,
        };
        Some((i, &mut attempt.metered))
    }

    /// Step index of a running sandbox attempt (not a merge).
    pub(crate) fn step_of_running_attempt(&self, attempt_id: &str) -> Option<usize> {
        self.find_running(attempt_id).map(|(i, _)| i)
    }

    pub(crate) fn on_sandbox_returned(
        &mut self,
        attempt_id: &str,
        receipt: Receipt,
        now: u64,
        out: &mut Out,
    ) {
        let Some((i, slot)) = self.find_running(attempt_id) else {
            let reason = format!("no sandbox attempt `{attempt_id}` is running");
            self.refuse(out, codes::UNKNOWN_ATTEMPT, "sandbox_returned", reason);
            return;
        };
        self.infrastructure_answered(attempt_id);
        let Some(frozen) = self.frozen(i) else {
            return;
        };
        let digest = ReceiptDigest::of(attempt_id, &receipt);
        out.ledger(LedgerRecord::AttemptFinished {
            step: frozen.id.clone(),
            attempt_id: attempt_id.to_string(),
            status: receipt.status,
            duration_ms: receipt.duration_ms,
            receipt_hash: digest.receipt_hash,
            sandbox: receipt.sandbox.clone(),
        });
        // Spend the bridge metered in the sandbox but did not report call by call still counts.
        let measured = Usage {
            tokens: receipt
                .model_usage
                .tokens_in
                .saturating_add(receipt.model_usage.tokens_out),
            cost_micros: receipt.model_usage.cost_micros,
            tool_calls: receipt.tool_calls,
            model_calls: receipt.model_usage.calls,
        };
        if let Some((_, metered)) = self.attempt_metered_mut(attempt_id) {
            let extra = metered.excess_over(&measured);
            metered.add(&extra);
            self.usage.add(&extra);
            if let Some(step) = self.steps.get_mut(i) {
                step.usage.add(&extra);
            }
        }
        self.enforce_spend(Some(i), out);
        if self.state.is_terminal()
            || self.steps.get(i).map(|s| s.state) != Some(StepState::Running)
        {
            return;
        }
        let verdict = match receipt.status {
            ReceiptStatus::Ok => check_outputs(&frozen.contract, &receipt.outputs),
            ReceiptStatus::Timeout => {
                Err((codes::ATTEMPT_TIMED_OUT, "the attempt timed out".into()))
            }
            status => Err((
                codes::ATTEMPT_FAILED,
                format!(
                    "the attempt ended {status:?} (exit {:?}, stopped by {:?})",
                    receipt.exit_code, receipt.stopped_by
                ),
            )),
        };
        match (slot, verdict) {
            (Slot::Current, Ok(())) => {
                let Some(step) = self.steps.get_mut(i) else {
                    return;
                };
                step.outputs = receipt.outputs;
                step.receipts = vec![digest];
                step.state = StepState::Validating;
                if let Some(a) = step.current.as_mut() {
                    a.deadline_ms = None;
                }
                out.push(Effect::Validate {
                    step: step.id.clone(),
                    attempt_id: attempt_id.to_string(),
                    outputs: step.outputs.clone(),
                });
            }
            (Slot::Current, Err((code, reason))) => {
                self.attempt_failed(i, attempt_id, code, reason, receipt.exit_code, now, out)
            }
            (Slot::Shard(k), Ok(())) => {
                let Some(shards) = self.steps.get_mut(i).and_then(|s| s.shards.as_mut()) else {
                    return;
                };
                if let Some(shard) = shards.shards.get_mut(k) {
                    shard.state = ShardState::Done;
                    shard.outputs = receipt.outputs;
                    shard.receipt = Some(digest);
                }
                if shards.all_done() {
                    self.start_merge(i, now, out);
                }
            }
            (Slot::Shard(k), Err((code, reason))) => {
                self.shard_failed(i, k, code, reason, receipt.exit_code, now, out)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn attempt_failed(
        &mut self,
        i: usize,
        attempt_id: &str,
        code: Code,
        reason: String,
        exit_code: Option<i64>,
        now: u64,
        out: &mut Out,
    ) {
        let max_retries = self
            .plan
            .steps
            .get(i)
            .map_or(0, |s| s.contract.limits.max_retries);
        let Some(step) = self.steps.get_mut(i) else {
            return;
        };
        step.failures = step.failures.saturating_add(1);
        if step.failures <= max_retries {
            self.start_attempt(i, now, out);
            return;
        }
        let e = RepairEvidence {
            attempt_id: Some(attempt_id.to_string()),
            exit_code,
            ..evidence(
                codes::RETRIES_EXHAUSTED,
                format!("{} attempts failed; last: {code}: {reason}", step.failures),
            )
        };
        self.fail_step(i, e, true, out);
    }

    /// A shard failed: it alone is retried, or the step fails when its retries are spent.
    #[allow(clippy::too_many_arguments)]
    fn shard_failed(
        &mut self,
        i: usize,
        k: usize,
        code: Code,
        reason: String,
        exit_code: Option<i64>,
        now: u64,
        out: &mut Out,
    ) {
        let max_retries = self
            .plan
            .steps
            .get(i)
            .map_or(0, |s| s.contract.limits.max_retries);
        let deadline = self.attempt_deadline(i, now);
        let run_id = self.id.clone();
        let Some(step) = self.steps.get_mut(i) else {
            return;
        };
        let step_id = step.id.clone();
        let next_n = step.attempts_started.saturating_add(1);
        let Some(shard) = step.shards.as_mut().and_then(|s| s.shards.get_mut(k)) else {
            return;
        };
        let failed_id = shard.attempt.id.clone();
        shard.failures = shard.failures.saturating_add(1);
        if shard.failures <= max_retries {
            let range = shard.range;
            let id = ids::shard_attempt_id(&run_id, &step_id, range.index, next_n);
            shard.attempt = Attempt {
                id: id.clone(),
                started_ms: now,
                deadline_ms: deadline,
                metered: Usage::default(),
            };
            step.attempts_started = next_n;
            self.emit_attempt(i, &id, Some(range), out);
            return;
        }
        shard.state = ShardState::Failed;
        let failures = shard.failures;
        let index = shard.range.index;
        let e = RepairEvidence {
            attempt_id: Some(failed_id),
            exit_code,
            ..evidence(
                codes::RETRIES_EXHAUSTED,
                format!("shard {index} failed {failures} times; last: {code}: {reason}"),
            )
        };
        self.fail_step(i, e, true, out);
    }

    fn start_merge(&mut self, i: usize, now: u64, out: &mut Out) {
        let run_id = self.id.clone();
        let Some(step) = self.steps.get_mut(i) else {
            return;
        };
        step.merges_started = step.merges_started.saturating_add(1);
        let id = ids::merge_id(&run_id, &step.id, step.merges_started);
        step.current = Some(Attempt {
            id: id.clone(),
            started_ms: now,
            deadline_ms: None,
            metered: Usage::default(),
        });
        let shards = step
            .shards
            .as_ref()
            .map(|set| {
                set.shards
                    .iter()
                    .map(|s| ShardOutputs {
                        shard: s.range,
                        attempt_id: s.attempt.id.clone(),
                        outputs: s.outputs.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(Effect::MergeShards {
            step: step.id.clone(),
            attempt_id: id,
            shards,
        });
    }

    pub(crate) fn on_merge_failed(&mut self, attempt_id: &str, reason: &str, out: &mut Out) {
        let found = self.steps.iter().position(|s| {
            s.state == StepState::Running
                && s.shards.as_ref().is_some_and(|set| set.all_done())
                && s.current.as_ref().is_some_and(|a| a.id == attempt_id)
        });
        let Some(i) = found else {
            let reason = format!("no merge `{attempt_id}` is in progress");
            self.refuse(out, codes::UNKNOWN_ATTEMPT, "merge_failed", reason);
            return;
        };
        let e = RepairEvidence {
            attempt_id: Some(attempt_id.to_string()),
            ..evidence(codes::MERGE_FAILED, reason.to_string())
        };
        self.fail_step(i, e, true, out);
    }

    pub(crate) fn on_merged(
        &mut self,
        attempt_id: &str,
        outputs: BTreeMap<String, OutputMeasure>,
        out: &mut Out,
    ) {
        let found = self.steps.iter().position(|s| {
            s.state == StepState::Running
                && s.shards.as_ref().is_some_and(|set| set.all_done())
                && s.current.as_ref().is_some_and(|a| a.id == attempt_id)
        });
        let Some(i) = found else {
            let reason = format!("no merge `{attempt_id}` is in progress");
            self.refuse(out, codes::UNKNOWN_ATTEMPT, "merged", reason);
            return;
        };
        let Some(frozen) = self.frozen(i) else {
            return;
        };
        if let Err((code, reason)) = check_outputs(&frozen.contract, &outputs) {
            let e = RepairEvidence {
                attempt_id: Some(attempt_id.to_string()),
                ..evidence(code, format!("merged outputs: {reason}"))
            };
            self.fail_step(i, e, true, out);
            return;
        }
        let Some(step) = self.steps.get_mut(i) else {
            return;
        };
        step.outputs = outputs;
        step.receipts = step
            .shards
            .as_ref()
            .map(|set| {
                set.shards
                    .iter()
                    .filter_map(|s| s.receipt.clone())
                    .collect()
            })
            .unwrap_or_default();
        step.state = StepState::Validating;
        out.push(Effect::Validate {
            step: step.id.clone(),
            attempt_id: attempt_id.to_string(),
            outputs: step.outputs.clone(),
        });
    }

    /// The step in `state` whose current attempt (or merge) is `attempt_id`.
    fn find_current(&self, attempt_id: &str, state: StepState) -> Option<usize> {
        self.steps.iter().position(|s| {
            s.state == state && s.current.as_ref().is_some_and(|a| a.id == attempt_id)
        })
    }

    pub(crate) fn on_validated(
        &mut self,
        attempt_id: &str,
        publishable: bool,
        report_hash: ContentHash,
        corrected: BTreeMap<String, OutputMeasure>,
        out: &mut Out,
    ) {
        let Some(i) = self.find_current(attempt_id, StepState::Validating) else {
            let reason = format!("no attempt `{attempt_id}` is being validated");
            self.refuse(out, codes::UNKNOWN_ATTEMPT, "validated", reason);
            return;
        };
        // A correction replaces an output the step produced; it cannot add one.
        if let Some(slot) = corrected.keys().find(|slot| {
            self.steps
                .get(i)
                .is_none_or(|s| !s.outputs.contains_key(slot.as_str()))
        }) {
            let reason =
                format!("the ladder corrected `{slot}`, which the attempt did not produce");
            self.refuse(out, codes::UNKNOWN_CORRECTION, "validated", reason);
            return;
        }
        let rubric = self
            .plan
            .steps
            .get(i)
            .map(|s| s.contract.rubric.clone())
            .unwrap_or_default();
        let Some(step) = self.steps.get_mut(i) else {
            return;
        };
        out.ledger(LedgerRecord::Validation {
            step: step.id.clone(),
            attempt_id: attempt_id.to_string(),
            publishable,
            report_hash,
        });
        step.report_hash = Some(report_hash);
        if publishable {
            step.outputs.extend(corrected);
            step.state = StepState::Auditing;
            out.push(Effect::Audit {
                step: step.id.clone(),
                attempt_id: attempt_id.to_string(),
                outputs: step.outputs.clone(),
                rubric,
            });
        } else {
            let e = RepairEvidence {
                attempt_id: Some(attempt_id.to_string()),
                report_hash: Some(report_hash),
                ..evidence(
                    codes::VALIDATION_REJECTED,
                    "the validation ladder rejected the outputs",
                )
            };
            self.fail_step(i, e, true, out);
        }
    }

    pub(crate) fn on_audited(
        &mut self,
        attempt_id: &str,
        passed: bool,
        proof_hash: ContentHash,
        now: u64,
        out: &mut Out,
    ) {
        let Some(i) = self.find_current(attempt_id, StepState::Auditing) else {
            let reason = format!("no attempt `{attempt_id}` is being audited");
            self.refuse(out, codes::UNKNOWN_ATTEMPT, "audited", reason);
            return;
        };
        if let Some(step) = self.steps.get(i) {
            out.ledger(LedgerRecord::Audit {
                step: step.id.clone(),
                attempt_id: attempt_id.to_string(),
                passed,
                proof_hash,
            });
        }
        let failed = |code, reason: String| RepairEvidence {
            attempt_id: Some(attempt_id.to_string()),
            proof_hash: Some(proof_hash),
            ..evidence(code, reason)
        };
        if !passed {
            let e = failed(
                codes::AUDIT_FAILED,
                "the auditor judged the outputs as failing".into(),
            );
            self.fail_step(i, e, true, out);
            return;
        }
        match self.provenance_for(i, attempt_id, proof_hash) {
            Ok(records) => self.publish(i, records, now, out),
            Err((code, reason)) => self.fail_step(i, failed(code, reason), true, out),
        }
    }

    /// The code the outputs came from: a repair's patch, what the sandbox measured, the contract's
    /// program or inline code, or for a tool step the tool's descriptor.
    fn code_hash_of(&self, i: usize) -> Option<ContentHash> {
        let step = self.steps.get(i)?;
        let contract = &self.plan.steps.get(i)?.contract;
        step.code_override
            .or_else(|| step.receipts.iter().find_map(|r| r.code_hash))
            .or(contract.program.as_ref().map(|p| p.hash))
            .or(contract.code_hash)
            .or_else(|| match contract.kind {
                StepKind::Tool => contract.tools.first().map(|t| t.hash),
                StepKind::Code | StepKind::Hybrid => None,
            })
    }

    /// One complete provenance record per output, or why publishing must be refused. Checks everything
    /// before anything is published, so a step publishes all of its outputs or none.
    pub(crate) fn provenance_for(
        &self,
        i: usize,
        attempt_id: &str,
        proof_hash: ContentHash,
    ) -> Result<Vec<(Provenance, ContentHash)>, (Code, String)> {
        let incomplete =
            |what: &str| (codes::PROVENANCE_INCOMPLETE, format!("no {what} to record"));
        let frozen = self.plan.steps.get(i).ok_or_else(|| incomplete("step"))?;
        let step = self.steps.get(i).ok_or_else(|| incomplete("step"))?;
        let code_hash = self
            .code_hash_of(i)
            .ok_or_else(|| incomplete("code hash"))?;
        let report = step
            .report_hash
            .ok_or_else(|| incomplete("validation report"))?;
        if step.receipts.is_empty() || step.receipts.iter().any(|r| r.receipt_hash.is_none()) {
            return Err(incomplete("platform receipt"));
        }
        let mut records = Vec::new();
        for output in &frozen.contract.outputs {
            let Some(measure) = step.outputs.get(&output.slot) else {
                continue;
            };
            if let Some(bound) = self.bindings.get(&output.artifact_ref) {
                return Err((
                    codes::OUTPUT_ALREADY_BOUND,
                    format!(
                        "`{}` is bound to {} (generation {})",
                        output.artifact_ref, bound.hash, bound.generation
                    ),
                ));
            }
            let provenance = Provenance {
                run_id: self.id.clone(),
                plan_hash: self.plan.plan_hash,
                profile_hash: self.profile_hash,
                step: step.id.clone(),
                generation: step.generation,
                contract_hash: frozen.contract_hash,
                code_hash,
                attempt_id: attempt_id.to_string(),
                slot: output.slot.clone(),
                artifact_ref: output.artifact_ref.clone(),
                output: *measure,
                inputs: step.inputs.clone(),
                receipts: step.receipts.clone(),
                model_calls: step.usage.model_calls,
                tokens: step.usage.tokens,
                cost_micros: step.usage.cost_micros,
                tool_calls: step.usage.tool_calls,
                validation_report: report,
                audit_proof: proof_hash,
            };
            let hash = writ_canon::hash_of(&provenance)
                .map_err(|e| (codes::PROVENANCE_INCOMPLETE, e.to_string()))?;
            records.push((provenance, hash));
        }
        Ok(records)
    }

    /// Binds and publishes: per output the provenance ledger record first, then the artifact.
    fn publish(
        &mut self,
        i: usize,
        records: Vec<(Provenance, ContentHash)>,
        now: u64,
        out: &mut Out,
    ) {
        let names: BTreeMap<String, Option<String>> = self
            .plan
            .steps
            .get(i)
            .map(|s| {
                s.contract
                    .outputs
                    .iter()
                    .map(|o| (o.slot.clone(), o.name.clone()))
                    .collect()
            })
            .unwrap_or_default();
        for (provenance, provenance_hash) in records {
            let artifact = PublishedArtifact {
                artifact_ref: provenance.artifact_ref.clone(),
                step: provenance.step.clone(),
                slot: provenance.slot.clone(),
                generation: provenance.generation,
                hash: provenance.output.hash,
                provenance_hash,
                at_ms: now,
            };
            out.ledger(LedgerRecord::ProvenanceRecorded {
                provenance_hash,
                provenance: Box::new(provenance.clone()),
            });
            out.push(Effect::PublishArtifact {
                step: artifact.step.clone(),
                slot: artifact.slot.clone(),
                artifact_ref: artifact.artifact_ref.clone(),
                name: names.get(&artifact.slot).cloned().flatten(),
                hash: artifact.hash,
                generation: artifact.generation,
                provenance_hash,
                provenance: Box::new(provenance),
            });
            out.ledger(LedgerRecord::ArtifactPublished {
                step: artifact.step.clone(),
                slot: artifact.slot.clone(),
                hash: artifact.hash,
                provenance_hash,
            });
            self.bindings
                .insert(artifact.artifact_ref.clone(), artifact.clone());
            self.published.push(artifact);
        }
        let Some(step) = self.steps.get_mut(i) else {
            return;
        };
        step.state = StepState::Published;
        if let Some(a) = step.current.as_mut() {
            a.deadline_ms = None;
        }
        out.ledger(LedgerRecord::StepFinished {
            step: step.id.clone(),
            generation: step.generation,
            state: StepState::Published,
            code: None,
            usage: step.usage,
        });
    }

    /// Attempts of step `i` whose timeout has passed are stopped and count as failures.
    pub(crate) fn check_timeouts(&mut self, i: usize, now: u64, out: &mut Out) {
        let Some(step) = self.steps.get(i) else {
            return;
        };
        if step.state != StepState::Running {
            return;
        }
        let past = |a: &Attempt| a.deadline_ms.is_some_and(|d| d <= now);
        if step.shards.is_none() {
            if let Some(a) = step.current.as_ref().filter(|a| past(a)) {
                let id = a.id.clone();
                out.push(Effect::StopAttempt {
                    attempt_id: id.clone(),
                    reason: "timeout".into(),
                });
                let reason = "the attempt ran past its timeout".to_string();
                self.attempt_failed(i, &id, codes::ATTEMPT_TIMED_OUT, reason, None, now, out);
            }
            return;
        }
        let late: Vec<(usize, String)> = step
            .shards
            .as_ref()
            .map(|set| {
                set.shards
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.state == ShardState::Running && past(&s.attempt))
                    .map(|(k, s)| (k, s.attempt.id.clone()))
                    .collect()
            })
            .unwrap_or_default();
        for (k, id) in late {
            if self.steps.get(i).map(|s| s.state) != Some(StepState::Running) {
                return;
            }
            out.push(Effect::StopAttempt {
                attempt_id: id,
                reason: "timeout".into(),
            });
            let reason = "the shard ran past its timeout".to_string();
            self.shard_failed(i, k, codes::ATTEMPT_TIMED_OUT, reason, None, now, out);
        }
    }
}
