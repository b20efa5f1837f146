//! From the run machine's ledger records to the ledger's typed events. Records the ledger has no field-for-
//! field event for are kept whole, as a note holding their canonical JSON, so nothing is dropped.

use writ_canon::ContentHash;
use writ_ledger::{LedgerEvent, ReceiptSummary, RunOutcome, StageOutcome, StepOutcome, UsdAmount};
use writ_plan::FrozenPlan;
use writ_run::{LedgerRecord, ReceiptStatus, RunState, StepState};

pub fn to_event(record: &LedgerRecord, plan: &FrozenPlan) -> LedgerEvent {
    match record {
        LedgerRecord::RunStarted {
            plan_hash,
            profile_hash,
            program_hash,
            ..
        } => LedgerEvent::RunStarted {
            plan_hash: *plan_hash,
            profile_hash: *profile_hash,
            program_hash: *program_hash,
        },
        LedgerRecord::ProfileFrozen { profile_hash } => LedgerEvent::ProfileFrozen {
            profile_hash: *profile_hash,
        },
        LedgerRecord::StepStarted { step, .. } => LedgerEvent::StepStarted { step: step.clone() },
        LedgerRecord::AttemptStarted { step, attempt_id } => LedgerEvent::AttemptStarted {
            step: step.clone(),
            attempt: attempt_number(attempt_id),
        },
        LedgerRecord::AttemptFinished {
            step,
            attempt_id,
            status,
            duration_ms,
            receipt_hash,
            sandbox,
        } => LedgerEvent::AttemptFinished {
            step: step.clone(),
            attempt: attempt_number(attempt_id),
            receipt: ReceiptSummary {
                ok: *status == ReceiptStatus::Ok,
                exit_code: None,
                wall_ms: *duration_ms,
                cpu_ms: 0,
                output_bytes: 0,
                receipt_hash: receipt_hash
                    .unwrap_or_else(|| ContentHash::of_bytes(attempt_id.as_bytes())),
                sandbox: sandbox.clone(),
            },
        },
        LedgerRecord::Validation {
            step,
            publishable,
            report_hash,
            ..
        } => LedgerEvent::ValidationStage {
            step: step.clone(),
            stage: "ladder".into(),
            outcome: if *publishable {
                StageOutcome::Pass
            } else {
                StageOutcome::Rejected
            },
            details_hash: *report_hash,
        },
        LedgerRecord::ArtifactPublished {
            step,
            slot,
            hash,
            provenance_hash,
        } => {
            let (kind, name) = plan
                .step(step)
                .and_then(|s| s.contract.outputs.iter().find(|o| &o.slot == slot))
                .map(|o| {
                    (
                        o.kind.clone(),
                        o.name.clone().unwrap_or_else(|| o.slot.clone()),
                    )
                })
                .unwrap_or_else(|| ("unknown".into(), slot.clone()));
            LedgerEvent::ArtifactPublished {
                hash: *hash,
                kind,
                name,
                provenance_hash: *provenance_hash,
            }
        }
        LedgerRecord::Approval { step, principal } => LedgerEvent::Approval {
            step: step.clone(),
            principal: principal.clone(),
        },
        LedgerRecord::Rejection {
            step, principal, ..
        } => LedgerEvent::Rejection {
            step: step.clone(),
            principal: principal.clone(),
        },
        LedgerRecord::ToolCall {
            step,
            tool,
            allowed,
            cost_micros,
            attempt_id,
        } => LedgerEvent::ToolCall {
            step: Some(step.clone()),
            tool: tool.clone(),
            args_hash: ContentHash::of_bytes(attempt_id.as_bytes()),
            result_hash: ContentHash::of_bytes(if *allowed { b"allowed" } else { b"refused" }),
            ok: *allowed,
            cost_usd: micros_to_usd(*cost_micros),
        },
        LedgerRecord::ModelCall {
            step,
            phase,
            model,
            tokens_in,
            tokens_out,
            cost_micros,
        } => LedgerEvent::ModelCall {
            step: step.clone(),
            provider: format!("{phase:?}").to_lowercase(),
            model: model.clone(),
            tokens_in: *tokens_in,
            tokens_out: *tokens_out,
            cost_usd: micros_to_usd(*cost_micros),
            latency_ms: 0,
            request_hash: ContentHash::of_bytes(model.as_bytes()),
            response_hash: ContentHash::of_bytes(model.as_bytes()),
        },
        LedgerRecord::StepFinished { step, state, .. } => LedgerEvent::StepFinished {
            step: step.clone(),
            outcome: match state {
                StepState::Published => StepOutcome::Succeeded,
                StepState::Skipped | StepState::Invalidated => StepOutcome::Skipped,
                _ => StepOutcome::Failed,
            },
        },
        LedgerRecord::Repair {
            step,
            patch_hash,
            patch,
            by,
            invalidated,
        } => LedgerEvent::Repair {
            step: step.clone(),
            reason: if invalidated.is_empty() {
                format!("{patch} by {by}")
            } else {
                format!("{patch} by {by}; invalidated {}", invalidated.join(", "))
            },
            patch_hash: *patch_hash,
        },
        LedgerRecord::RepairDeclined { step, reason } => LedgerEvent::Note {
            text: format!("the repairer declined to repair {step}: {reason}"),
        },
        LedgerRecord::RunFinished { state, .. } => LedgerEvent::RunFinished {
            outcome: match state {
                RunState::Succeeded => RunOutcome::Succeeded,
                RunState::Cancelled => RunOutcome::Cancelled,
                RunState::Expired => RunOutcome::Expired,
                _ => RunOutcome::Failed,
            },
        },
        other => LedgerEvent::Note {
            text: writ_canon::to_canonical_string(other).unwrap_or_else(|e| e.to_string()),
        },
    }
}

/// `run/ps-3-x/a2` → 2.
fn attempt_number(attempt_id: &str) -> u32 {
    attempt_id
        .rsplit('/')
        .next()
        .and_then(|a| {
            a.trim_start_matches(|c: char| !c.is_ascii_digit())
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

pub fn micros_to_usd(micros: u64) -> UsdAmount {
    UsdAmount::parse(&format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000))
        .unwrap_or_else(|_| UsdAmount::zero())
}
