//! The retry policy, table-driven, and its bounds as properties.

use proptest::prelude::*;
use writ_models::provider::ProviderError;
use writ_models::retry::{GiveUpReason, Jitter, RetryDecision, RetryPolicy};

fn rate(after: Option<u64>) -> ProviderError {
    ProviderError::RateLimited {
        status: 429,
        retry_after_ms: after,
        message: String::new(),
    }
}

fn server(status: u16) -> ProviderError {
    ProviderError::Server {
        status,
        message: String::new(),
    }
}

#[test]
fn decisions() {
    let p = RetryPolicy {
        max_attempts: 4,
        base_delay_ms: 1000,
        max_delay_ms: 5000,
        max_retry_after_ms: 60_000,
    };
    let retry = |after_ms| RetryDecision::Retry { after_ms };
    let give_up = |reason| RetryDecision::GiveUp { reason };
    let cases: Vec<(u32, ProviderError, Jitter, RetryDecision)> = vec![
        (1, server(500), Jitter::FULL, retry(1000)),
        (1, server(500), Jitter::NONE, retry(500)),
        (2, server(502), Jitter::FULL, retry(2000)),
        (3, server(503), Jitter::FULL, retry(4000)),
        (3, server(503), Jitter(500), retry(3000)),
        // The cap.
        (3, ProviderError::timeout("t"), Jitter::FULL, retry(4000)),
        (
            4,
            server(500),
            Jitter::FULL,
            give_up(GiveUpReason::AttemptsExhausted),
        ),
        (
            1,
            ProviderError::transport("reset"),
            Jitter::FULL,
            retry(1000),
        ),
        // retry-after wins when longer, backoff when the server asks for less.
        (1, rate(Some(7000)), Jitter::FULL, retry(7000)),
        (2, rate(Some(10)), Jitter::FULL, retry(2000)),
        (1, rate(None), Jitter::FULL, retry(1000)),
        (
            1,
            rate(Some(600_000)),
            Jitter::FULL,
            give_up(GiveUpReason::RetryAfterTooLong {
                retry_after_ms: 600_000,
            }),
        ),
        (
            1,
            ProviderError::Overloaded {
                status: 529,
                retry_after_ms: None,
                message: String::new(),
            },
            Jitter::FULL,
            retry(1000),
        ),
        (
            1,
            ProviderError::Auth {
                status: 401,
                message: String::new(),
            },
            Jitter::FULL,
            give_up(GiveUpReason::NotRetryable),
        ),
        (
            1,
            ProviderError::Rejected {
                status: 400,
                kind: "x".into(),
                message: String::new(),
            },
            Jitter::FULL,
            give_up(GiveUpReason::NotRetryable),
        ),
        (
            1,
            ProviderError::Malformed {
                pointer: String::new(),
                message: String::new(),
            },
            Jitter::FULL,
            give_up(GiveUpReason::NotRetryable),
        ),
    ];
    for (attempt, error, jitter, want) in cases {
        assert_eq!(
            p.decide(attempt, &error, jitter),
            want,
            "attempt {attempt}: {error:?}"
        );
    }
    // With the cap at 5 s: attempt 4 of a longer policy waits 5 s, not 8.
    let long = RetryPolicy {
        max_attempts: 100,
        ..p
    };
    assert_eq!(long.decide(4, &server(500), Jitter::FULL), retry(5000));
    assert_eq!(long.decide(63, &server(500), Jitter::FULL), retry(5000));
}

proptest! {
    #[test]
    fn delays_are_bounded_and_attempts_finite(
        attempt in 1u32..200, jitter in 0u16..=2000, base in 1u64..10_000, cap in 1u64..100_000,
        max_attempts in 1u32..20, after in proptest::option::of(0u64..200_000),
    ) {
        let p = RetryPolicy { max_attempts, base_delay_ms: base, max_delay_ms: cap, max_retry_after_ms: 120_000 };
        match p.decide(attempt, &rate(after), Jitter(jitter)) {
            RetryDecision::Retry { after_ms } => {
                prop_assert!(attempt < max_attempts);
                prop_assert!(after_ms <= cap.max(after.unwrap_or(0)));
                prop_assert!(after_ms >= after.unwrap_or(0));
            }
            RetryDecision::GiveUp { .. } => prop_assert!(attempt >= max_attempts || after.unwrap_or(0) > 120_000),
        }
    }

    #[test]
    fn backoff_never_decreases(attempt in 1u32..100, jitter in 0u16..=1000) {
        let p = RetryPolicy::default();
        prop_assert!(p.backoff_ms(attempt + 1, Jitter(jitter)) >= p.backoff_ms(attempt, Jitter(jitter)));
    }
}
