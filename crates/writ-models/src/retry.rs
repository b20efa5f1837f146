//! When to try a failed call again: a pure policy. Exponential backoff from `base_delay_ms`, doubled per
//! attempt, capped at `max_delay_ms`, with "equal jitter" (half the delay fixed, half scaled by the jitter
//! the shell draws); a server's `retry-after` is honoured when it is longer, up to `max_retry_after_ms`.

use crate::provider::ProviderError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay_ms: u64,
    pub max_delay_ms: u64,
    /// A server asking to wait longer than this is given up on.
    pub max_retry_after_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay_ms: 500,
            max_delay_ms: 30_000,
            max_retry_after_ms: 120_000,
        }
    }
}

/// The shell's random draw, in thousandths (0..=1000; larger values count as 1000). Drawn outside so that
/// the policy stays deterministic and testable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jitter(pub u16);

impl Jitter {
    pub const NONE: Jitter = Jitter(0);
    pub const FULL: Jitter = Jitter(1000);
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum RetryDecision {
    Retry { after_ms: u64 },
    GiveUp { reason: GiveUpReason },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GiveUpReason {
    /// The error will not go away by asking again (bad request, auth, malformed answer).
    NotRetryable,
    /// `max_attempts` reached.
    AttemptsExhausted,
    /// The server asked to wait longer than the policy allows.
    RetryAfterTooLong { retry_after_ms: u64 },
}

/// Whether an error may go away on its own.
pub fn is_retryable(error: &ProviderError) -> bool {
    matches!(
        error,
        ProviderError::RateLimited { .. }
            | ProviderError::Overloaded { .. }
            | ProviderError::Server { .. }
            | ProviderError::Timeout { .. }
            | ProviderError::Transport { .. }
    )
}

impl RetryPolicy {
    /// After attempt `attempt` (1-based) failed with `error`: retry after how long, or give up.
    pub fn decide(&self, attempt: u32, error: &ProviderError, jitter: Jitter) -> RetryDecision {
        if !is_retryable(error) {
            return RetryDecision::GiveUp {
                reason: GiveUpReason::NotRetryable,
            };
        }
        if attempt >= self.max_attempts {
            return RetryDecision::GiveUp {
                reason: GiveUpReason::AttemptsExhausted,
            };
        }
        let backoff = self.backoff_ms(attempt, jitter);
        let asked = match error {
            ProviderError::RateLimited { retry_after_ms, .. }
            | ProviderError::Overloaded { retry_after_ms, .. } => *retry_after_ms,
            _ => None,
        };
        match asked {
            Some(ms) if ms > self.max_retry_after_ms => RetryDecision::GiveUp {
                reason: GiveUpReason::RetryAfterTooLong { retry_after_ms: ms },
            },
            Some(ms) => RetryDecision::Retry {
                after_ms: ms.max(backoff),
            },
            None => RetryDecision::Retry { after_ms: backoff },
        }
    }

    /// `min(cap, base · 2^(attempt−1))`, then half of it fixed and half scaled by the jitter.
    pub fn backoff_ms(&self, attempt: u32, jitter: Jitter) -> u64 {
        let exponent = attempt.saturating_sub(1).min(63);
        let raw = self
            .base_delay_ms
            .saturating_mul(1u64.checked_shl(exponent).unwrap_or(u64::MAX));
        let delay = raw.min(self.max_delay_ms);
        let j = u64::from(jitter.0.min(1000));
        let half = delay / 2;
        half + (delay - half) * j / 1000
    }
}
