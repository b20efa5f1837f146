//! Governance: approval gates (invariant 8), the tool bridge (invariants 4 and 6), model calls and the
//! frozen profile (invariant 7), sealed runs.

use crate::budget::{cost_micros_of, BudgetExceeded, BudgetKind, Usage};
use crate::codes::{self, Code};
use crate::effect::{Effect, RepairEvidence};
use crate::event::ExternalTool;
use crate::ledger::LedgerRecord;
use crate::limits::{APPROVE_SCOPE, EVALUATOR_TOOL, MODEL_COST_CLASS};
use crate::run::{Out, Run, RunFailure};
use crate::step::{ApprovalRecord, StepState};
use writ_plan::{ExecutionProfile, Phase};

impl Run {
    /// Who may open or close a gate: scope `approve`; for opening, not the creator unless the profile frozen
    /// into the plan allows self-approval.
    fn gate_authority(
        &mut self,
        step_id: &str,
        principal: &str,
        scopes: &[String],
        opening: bool,
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
        let state = self.steps.get(i)?.state;
        if state != StepState::AwaitingApproval {
            let reason = format!(
                "step `{step_id}` is {}, not awaiting approval",
                state.as_str()
            );
            self.refuse(out, codes::WRONG_STEP_STATE, kind, reason);
            return None;
        }
        if !scopes.iter().any(|s| s == APPROVE_SCOPE) {
            let reason = format!("`{principal}` lacks scope `{APPROVE_SCOPE}`");
            self.refuse(out, codes::APPROVER_LACKS_SCOPE, kind, reason);
            return None;
        }
        if opening && principal == self.creator && !self.allow_self_approval {
            let reason = format!("`{principal}` started the run and may not approve its gates");
            self.refuse(out, codes::APPROVER_IS_CREATOR, kind, reason);
            return None;
        }
        Some(i)
    }

    pub(crate) fn on_approve(
        &mut self,
        step_id: &str,
        principal: String,
        scopes: &[String],
        now: u64,
        out: &mut Out,
    ) {
        let Some(i) = self.gate_authority(step_id, &principal, scopes, true, "approve", out) else {
            return;
        };
        out.ledger(LedgerRecord::Approval {
            step: step_id.to_string(),
            principal: principal.clone(),
        });
        if let Some(step) = self.steps.get_mut(i) {
            step.approval = Some(ApprovalRecord {
                principal,
                at_ms: now,
            });
        }
        self.enter_waiting_inputs(i, now, out);
    }

    pub(crate) fn on_reject(
        &mut self,
        step_id: &str,
        principal: String,
        scopes: &[String],
        reason: String,
        out: &mut Out,
    ) {
        let Some(i) = self.gate_authority(step_id, &principal, scopes, false, "reject", out) else {
            return;
        };
        out.ledger(LedgerRecord::Rejection {
            step: step_id.to_string(),
            principal: principal.clone(),
            reason: reason.clone(),
        });
        let evidence = RepairEvidence {
            code: codes::GATE_REJECTED,
            reason: format!("rejected by {principal}: {reason}"),
            attempt_id: None,
            exit_code: None,
            report_hash: None,
            proof_hash: None,
            budget: None,
        };
        // A person said no: that is not something a repairer should work around.
        self.fail_step(i, evidence, false, out);
    }

    fn deny(
        &mut self,
        out: &mut Out,
        attempt_id: &str,
        call_id: String,
        code: Code,
        reason: String,
    ) {
        out.push(Effect::ToolDecision {
            attempt_id: attempt_id.to_string(),
            call_id,
            allowed: false,
            code: Some(code),
            reason,
            builtin_only: false,
        });
    }

    pub(crate) fn on_tool_call(
        &mut self,
        attempt_id: &str,
        call_id: String,
        tool: String,
        cost_micros: u64,
        external: Option<ExternalTool>,
        out: &mut Out,
    ) {
        let Some(i) = self.step_of_running_attempt(attempt_id) else {
            let reason = format!("no sandbox attempt `{attempt_id}` is running");
            self.refuse(
                out,
                codes::UNKNOWN_ATTEMPT,
                "tool_call_requested",
                reason.clone(),
            );
            self.deny(out, attempt_id, call_id, codes::UNKNOWN_ATTEMPT, reason);
            return;
        };
        let step_id = self.steps.get(i).map(|s| s.id.clone()).unwrap_or_default();
        let bound = self
            .plan
            .steps
            .get(i)
            .and_then(|s| s.contract.tools.iter().find(|t| t.id == tool))
            .cloned();
        let record = |allowed| LedgerRecord::ToolCall {
            step: step_id.clone(),
            attempt_id: attempt_id.to_string(),
            tool: tool.clone(),
            allowed,
            cost_micros,
        };
        let Some(bound) = bound else {
            out.ledger(record(false));
            let reason = format!("tool `{tool}` is not bound to step `{step_id}`");
            self.deny(out, attempt_id, call_id, codes::TOOL_NOT_BOUND, reason);
            return;
        };
        // An external tool runs only at the version the plan froze (the hash of its schemas).
        if let Some(ext) = external.filter(|e| e.current != Some(bound.hash)) {
            out.ledger(record(false));
            let reason = match ext.current {
                Some(now) => format!(
                    "tool `{tool}` changed since the plan was compiled: the plan froze its schemas at {}, its server now lists {now}",
                    bound.hash
                ),
                None => format!(
                    "tool `{tool}` is no longer listed by its server (the plan froze it at {})",
                    bound.hash
                ),
            };
            self.deny(out, attempt_id, call_id, codes::TOOL_CHANGED, reason);
            return;
        }
        let sealed_model = self.mode.is_sealed() && bound.cost_class == MODEL_COST_CLASS;
        if sealed_model && tool != EVALUATOR_TOOL {
            out.ledger(record(false));
            let reason = format!("tool `{tool}` calls a model, and the run is sealed");
            self.deny(out, attempt_id, call_id, codes::SEALED_MODEL_CALL, reason);
            return;
        }
        // The governed evaluator is the auditor judging one item: served by the auditor phase's model, or
        // by the pack's rubric as code when that phase is built in or the run is sealed. Never by the
        // executor's own model, checked again on every call (the profile can change before it freezes).
        let auditor = &self.profile.phases.auditor;
        let evaluator = tool == EVALUATOR_TOOL;
        if evaluator
            && !sealed_model
            && !auditor.is_builtin()
            && auditor.same_model_as(&self.profile.phases.executor)
        {
            out.ledger(record(false));
            let reason = format!(
                "the evaluator would be the executor's own model (`{}` / `{}`): an item is never judged by the intelligence that produced it",
                auditor.provider, auditor.model
            );
            self.deny(
                out,
                attempt_id,
                call_id,
                codes::EVALUATOR_IS_EXECUTOR,
                reason,
            );
            return;
        }
        let builtin_only = sealed_model || (evaluator && auditor.is_builtin());
        let call = Usage {
            tool_calls: 1,
            cost_micros,
            ..Usage::default()
        };
        let mut step_after = self.steps.get(i).map(|s| s.usage).unwrap_or_default();
        step_after.add(&call);
        let mut run_after = self.usage;
        run_after.add(&call);
        let step_cross = self.step_caps(i).crossed(&step_after);
        let run_cross = self.run_caps().crossed(&run_after);
        if step_cross.is_some() || run_cross.is_some() {
            out.ledger(record(false));
            let exceeded = run_cross.or(step_cross);
            let reason = exceeded.map_or_else(String::new, |b| describe(&b));
            self.deny(
                out,
                attempt_id,
                call_id,
                codes::BUDGET_EXCEEDED,
                reason.clone(),
            );
            // Crossing a hard cap stops the step (or the run), with the reason recorded.
            match (run_cross, step_cross) {
                (Some(b), _) => self.fail_run(
                    RunFailure {
                        code: codes::BUDGET_EXCEEDED,
                        reason: format!("run {reason}"),
                        budget: Some(b),
                    },
                    out,
                ),
                (None, Some(b)) => self.stop_step_for_budget(i, b, out),
                (None, None) => {}
            }
            return;
        }
        out.ledger(record(true));
        self.usage = run_after;
        if let Some(step) = self.steps.get_mut(i) {
            step.usage = step_after;
        }
        if let Some((_, metered)) = self.attempt_metered_mut(attempt_id) {
            metered.add(&call);
        }
        out.push(Effect::ToolDecision {
            attempt_id: attempt_id.to_string(),
            call_id,
            allowed: true,
            code: None,
            reason: String::new(),
            builtin_only,
        });
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn on_model_call(
        &mut self,
        step_id: Option<String>,
        phase: Phase,
        model: String,
        tokens_in: u64,
        tokens_out: u64,
        cost_micros: u64,
        out: &mut Out,
    ) {
        let cost = self
            .profile
            .prices
            .get(&model)
            .map_or(cost_micros, |price| {
                cost_micros_of(price, tokens_in, tokens_out)
            });
        let call = Usage {
            tokens: tokens_in.saturating_add(tokens_out),
            cost_micros: cost,
            tool_calls: 0,
            model_calls: 1,
        };
        if !self.profile_frozen && !self.mode.is_sealed() {
            self.profile_frozen = true;
            out.ledger(LedgerRecord::ProfileFrozen {
                profile_hash: self.profile_hash,
            });
        }
        out.ledger(LedgerRecord::ModelCall {
            step: step_id.clone(),
            phase,
            model,
            tokens_in,
            tokens_out,
            cost_micros: cost,
        });
        self.usage.add(&call);
        if self.mode.is_sealed() {
            let failure = RunFailure {
                code: codes::SEALED_MODEL_CALL,
                reason: format!("a {phase:?} model call in a sealed run"),
                budget: None,
            };
            self.fail_run(failure, out);
            return;
        }
        let i = step_id.as_deref().and_then(|id| self.index_of(id));
        if let Some(step) = i.and_then(|i| self.steps.get_mut(i)) {
            step.usage.add(&call);
            if step.state == StepState::Running && step.shards.is_none() {
                if let Some(a) = step.current.as_mut() {
                    a.metered.add(&call);
                }
            }
        }
        self.enforce_spend(i, out);
    }

    pub(crate) fn on_change_profile(&mut self, profile: ExecutionProfile, out: &mut Out) {
        if self.profile_frozen {
            let reason = format!(
                "profile {} was frozen by the first model call",
                self.profile_hash
            );
            self.refuse(out, codes::PROFILE_FROZEN, "change_profile", reason);
            return;
        }
        match writ_canon::hash_of(&profile) {
            Ok(hash) => {
                self.profile = profile;
                self.profile_hash = hash;
                out.ledger(LedgerRecord::ProfileChanged { profile_hash: hash });
            }
            Err(e) => self.refuse(out, codes::PROFILE_INVALID, "change_profile", e.to_string()),
        }
    }
}

fn describe(b: &BudgetExceeded) -> String {
    let unit = match b.kind {
        BudgetKind::Tokens => "tokens",
        BudgetKind::Cost => "micro-USD",
        BudgetKind::ToolCalls => "tool calls",
        BudgetKind::Wall => "ms",
    };
    format!(
        "{} would use {} {unit} > cap {}",
        b.kind.as_str(),
        b.used,
        b.limit
    )
}
