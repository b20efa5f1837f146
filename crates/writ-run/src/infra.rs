//! Waiting out the infrastructure, and waiting for people: time that is not the program's.
//!
//! An attempt fails only on what its program did. When the shell cannot get an answer from the sandbox at
//! all (unreachable, restarted mid-attempt, an answer that is not a receipt) it reports
//! `SandboxUnavailable`; the attempt keeps its id and its place and is re-issued after a backoff, without
//! counting against the step's retries.
//!
//! | from                 | event / condition                                          | to                       | effects |
//! |----------------------|------------------------------------------------------------|--------------------------|---------|
//! | attempt in flight    | `SandboxUnavailable`, failures ≤ `PATIENCE`                 | attempt waits backoff(n) | ledger `infrastructure_wait`; alarm at the retry time |
//! | attempt in flight    | `SandboxUnavailable`, failures > `PATIENCE`                 | attempt waits `PAUSED_RETRY_MS`; run → awaiting_infrastructure | ledger `infrastructure_wait` (paused) |
//! | attempt waiting      | its retry time reached (checked on every event)             | attempt in flight again  | `CallSandbox` / `DispatchShard` with the same id, a new timeout |
//! | awaiting_infrastructure | the waiting attempt answers (`SandboxReturned`)          | running                  | — |
//! | attempt not in flight | `SandboxUnavailable`                                      | —                        | `Refused` (R0011) |
//! | awaiting_approval    | a gate waits past the profile's `gate_expiry_seconds` (default 14 days) | expired (R0047) | `StopAttempt` for all in flight, ledger `gate_expired`, `RunFinished` |
//!
//! Budgets count working time: the run's wall clock stops while it is `awaiting_approval` or
//! `awaiting_infrastructure`, and a step's wall clock stops while the run is `awaiting_infrastructure`.
//! The backoff is exponential from `BASE_RETRY_MS`, capped at `MAX_RETRY_MS`, with the jitter the shell
//! drew (recorded in the event, so replay makes the same decision).

use crate::codes;
use crate::effect::Effect;
use crate::execute::Slot;
use crate::ledger::LedgerRecord;
use crate::run::{Out, Run, RunFailure, RunState};
use crate::step::StepState;
use serde::{Deserialize, Serialize};

/// Consecutive infrastructure failures of one attempt that are retried quickly before the run pauses.
pub const PATIENCE: u32 = 6;
/// The first backoff; it doubles per failure.
pub const BASE_RETRY_MS: u64 = 500;
/// The longest backoff while the run is still running.
pub const MAX_RETRY_MS: u64 = 8_000;
/// How often a paused run tries again.
pub const PAUSED_RETRY_MS: u64 = 30_000;
/// A gate waits this long unless the profile says otherwise.
pub const DEFAULT_GATE_EXPIRY_SECONDS: u64 = 14 * 24 * 3600;

/// An attempt waiting for the infrastructure to come back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfraWait {
    pub step: String,
    /// Consecutive `SandboxUnavailable` reports for this attempt.
    pub failures: u32,
    /// When the attempt is re-issued; `None` once it has been (it is in flight again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at_ms: Option<u64>,
    /// The last reason the shell gave.
    pub reason: String,
    pub since_ms: u64,
}

impl InfraWait {
    /// More failures than the quick retries allow: the run pauses until the sandbox answers.
    pub fn paused(&self) -> bool {
        self.failures > PATIENCE
    }
}

/// The delay before retry `failures` (1-based), with `jitter_permille` (0..=1000) of the delay added.
pub fn backoff_ms(failures: u32, jitter_permille: u16) -> u64 {
    let base = if failures > PATIENCE {
        PAUSED_RETRY_MS
    } else {
        let shift = failures.saturating_sub(1).min(16);
        BASE_RETRY_MS
            .saturating_mul(1u64 << shift)
            .min(MAX_RETRY_MS)
    };
    let jitter = u64::from(jitter_permille.min(1000));
    base.saturating_add(base.saturating_mul(jitter) / 2000)
}

impl Run {
    pub(crate) fn on_sandbox_unavailable(
        &mut self,
        attempt_id: &str,
        reason: String,
        jitter_permille: u16,
        now: u64,
        out: &mut Out,
    ) {
        let Some((i, slot)) = self.find_running(attempt_id) else {
            let reason = format!("no sandbox attempt `{attempt_id}` is running");
            self.refuse(out, codes::UNKNOWN_ATTEMPT, "sandbox_unavailable", reason);
            return;
        };
        let Some(step) = self.steps.get_mut(i) else {
            return;
        };
        let step_id = step.id.clone();
        // The attempt is not running while it waits: its timeout starts again when it is re-issued.
        let attempt = match slot {
            Slot::Current => step.current.as_mut(),
            Slot::Shard(k) => step
                .shards
                .as_mut()
                .and_then(|s| s.shards.get_mut(k))
                .map(|s| &mut s.attempt),
        };
        if let Some(a) = attempt {
            a.deadline_ms = None;
        }
        let wait = self
            .infra
            .entry(attempt_id.to_string())
            .or_insert_with(|| InfraWait {
                step: step_id.clone(),
                failures: 0,
                retry_at_ms: None,
                reason: String::new(),
                since_ms: now,
            });
        wait.failures = wait.failures.saturating_add(1);
        wait.reason = reason.clone();
        let delay = backoff_ms(wait.failures, jitter_permille);
        wait.retry_at_ms = Some(now.saturating_add(delay));
        let (failures, paused) = (wait.failures, wait.paused());
        out.ledger(LedgerRecord::InfrastructureWait {
            step: step_id,
            attempt_id: attempt_id.to_string(),
            failures,
            retry_in_ms: delay,
            paused,
            reason,
        });
    }

    /// Re-issues every waiting attempt whose retry time has come.
    pub(crate) fn retry_due_attempts(&mut self, now: u64, out: &mut Out) {
        let due: Vec<String> = self
            .infra
            .iter()
            .filter(|(_, w)| w.retry_at_ms.is_some_and(|t| t <= now))
            .map(|(id, _)| id.clone())
            .collect();
        for attempt_id in due {
            if let Some(w) = self.infra.get_mut(&attempt_id) {
                w.retry_at_ms = None;
            }
            let Some((i, slot)) = self.find_running(&attempt_id) else {
                self.infra.remove(&attempt_id);
                continue;
            };
            let deadline = self.attempt_deadline(i, now);
            let Some(step) = self.steps.get_mut(i) else {
                continue;
            };
            let shard = match slot {
                Slot::Current => {
                    if let Some(a) = step.current.as_mut() {
                        a.deadline_ms = deadline;
                    }
                    None
                }
                Slot::Shard(k) => match step.shards.as_mut().and_then(|s| s.shards.get_mut(k)) {
                    Some(s) => {
                        s.attempt.deadline_ms = deadline;
                        Some(s.range)
                    }
                    None => None,
                },
            };
            if let Some(call) = self.sandbox_call(i, &attempt_id, shard) {
                out.push(match shard {
                    Some(_) => Effect::DispatchShard(call),
                    None => Effect::CallSandbox(call),
                });
            }
        }
    }

    /// Drops the waits of attempts that are no longer in flight (answered, stopped, failed).
    pub(crate) fn forget_finished_waits(&mut self) {
        let ids: Vec<String> = self.infra.keys().cloned().collect();
        for id in ids {
            if self.find_running(&id).is_none() {
                self.infra.remove(&id);
            }
        }
    }

    /// The attempt answered: whatever it waited for is over.
    pub(crate) fn infrastructure_answered(&mut self, attempt_id: &str) {
        self.infra.remove(attempt_id);
    }

    pub(crate) fn infrastructure_paused(&self) -> bool {
        self.infra.values().any(InfraWait::paused)
    }

    /// The earliest retry time of a waiting attempt.
    pub(crate) fn next_retry(&self) -> Option<u64> {
        self.infra.values().filter_map(|w| w.retry_at_ms).min()
    }

    // ---- working time ------------------------------------------------------------------------------

    /// Whether the run is waiting for something other than its own work.
    pub fn is_waiting(&self) -> bool {
        matches!(
            self.state,
            RunState::AwaitingApproval | RunState::AwaitingInfrastructure
        )
    }

    /// All the time the run has spent waiting (for people or infrastructure) up to `now`.
    pub fn waited_ms(&self, now: u64) -> u64 {
        let current = self
            .waiting_since_ms
            .map_or(0, |since| now.saturating_sub(since));
        self.waited_ms.saturating_add(current)
    }

    /// The run's working time at `now`: wall time minus waiting.
    pub fn working_ms(&self, now: u64) -> u64 {
        now.saturating_sub(self.started_ms)
            .saturating_sub(self.waited_ms(now))
    }

    /// Opens or closes the current waiting period after the state settled.
    pub(crate) fn track_waiting(&mut self, now: u64) {
        match (self.is_waiting(), self.waiting_since_ms) {
            (true, None) => self.waiting_since_ms = Some(now),
            (false, Some(since)) => {
                self.waited_ms = self.waited_ms.saturating_add(now.saturating_sub(since));
                self.waiting_since_ms = None;
            }
            _ => {}
        }
    }

    // ---- gates -------------------------------------------------------------------------------------

    /// How long a gate waits before it expires, in ms (the profile's setting, else 14 days).
    pub fn gate_expiry_ms(&self) -> u64 {
        self.profile
            .gate_expiry_seconds
            .unwrap_or(DEFAULT_GATE_EXPIRY_SECONDS)
            .saturating_mul(1000)
    }

    /// When the oldest waiting gate expires.
    pub(crate) fn next_gate_expiry(&self) -> Option<u64> {
        let expiry = self.gate_expiry_ms();
        self.steps
            .iter()
            .filter(|s| s.state == StepState::AwaitingApproval)
            .filter_map(|s| s.gate_since_ms)
            .min()
            .map(|since| since.saturating_add(expiry))
    }

    /// A gate nobody decided in time ends the run `expired`.
    pub(crate) fn check_gate_expiry(&mut self, now: u64, out: &mut Out) {
        let expiry = self.gate_expiry_ms();
        let expired = self.steps.iter().find(|s| {
            s.state == StepState::AwaitingApproval
                && s.gate_since_ms
                    .is_some_and(|since| now.saturating_sub(since) >= expiry)
        });
        let Some(step) = expired else {
            return;
        };
        let step_id = step.id.clone();
        let waited = step
            .gate_since_ms
            .map_or(0, |since| now.saturating_sub(since));
        let reason = format!(
            "the gate of step `{step_id}` waited {} s, past its expiry of {} s, without a decision",
            waited / 1000,
            expiry / 1000
        );
        out.ledger(LedgerRecord::GateExpired {
            step: step_id,
            waited_ms: waited,
        });
        self.fail_run_as(
            RunFailure {
                code: codes::GATE_EXPIRED,
                reason,
                budget: None,
            },
            RunState::Expired,
            out,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_and_pauses_after_patience() {
        let plain: Vec<u64> = (1..=PATIENCE + 1).map(|n| backoff_ms(n, 0)).collect();
        assert_eq!(plain, [500, 1000, 2000, 4000, 8000, 8000, 30_000]);
        // Jitter adds at most half the delay.
        assert_eq!(backoff_ms(1, 1000), 750);
        assert_eq!(backoff_ms(1, u16::MAX), 750);
        assert_eq!(backoff_ms(u32::MAX, 0), PAUSED_RETRY_MS);
    }
}
