//! `cargo bench -p writ-ledger`: sealing throughput and streaming verification of 1,000,000 entries.
//! Prints the median of several repetitions; no harness, so it runs anywhere the crate builds.

use std::time::{Duration, Instant};
use writ_canon::ContentHash;
use writ_ledger::{
    Chain, LedgerEvent, PendingEntry, StoredEntry, TenantHead, TenantVerifier, UsdAmount,
};

const RUNS: u64 = 16;

fn event(i: u64) -> LedgerEvent {
    let hash = ContentHash::of_bytes(&i.to_le_bytes());
    match i % 3 {
        0 => LedgerEvent::ModelCall {
            step: Some(format!("step-{}", i % 7)),
            provider: "anthropic".into(),
            model: "claude-sonnet".into(),
            tokens_in: 1000 + i % 500,
            tokens_out: 250,
            cost_usd: UsdAmount::parse("0.0042").unwrap_or_else(|_| UsdAmount::zero()),
            latency_ms: 900,
            request_hash: hash,
            response_hash: hash,
        },
        1 => LedgerEvent::ToolCall {
            step: Some(format!("step-{}", i % 7)),
            tool: "fetch_rows".into(),
            args_hash: hash,
            result_hash: hash,
            ok: true,
            cost_usd: UsdAmount::zero(),
        },
        _ => LedgerEvent::StepStarted {
            step: format!("step-{}", i % 7),
        },
    }
}

fn pending(i: u64) -> PendingEntry {
    PendingEntry {
        tenant: "bench-tenant".into(),
        run_id: format!("run-{:04}", i % RUNS),
        seq: i / RUNS,
        at: "2025-03-01T12:00:00.123Z".into(),
        event: event(i),
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// Seal `range` onto a fresh `chain`, returning the stored rows.
fn seal(chain: &mut Chain, range: std::ops::Range<u64>) -> Vec<StoredEntry> {
    for i in range {
        if chain.append(pending(i)).is_err() {
            panic!("bench entry {i} did not seal");
        }
    }
    let snapshot = chain.clone().finish();
    snapshot
        .entries
        .iter()
        .filter_map(|e| e.to_stored().ok())
        .collect()
}

fn bench_seal(batch: u64, reps: usize) {
    let samples: Vec<Duration> = (0..reps)
        .map(|_| {
            let batch_entries: Vec<PendingEntry> = (0..batch).map(pending).collect();
            let started = Instant::now();
            let sealed =
                writ_ledger::seal_batch(TenantHead::genesis("bench-tenant"), [], batch_entries);
            let took = started.elapsed();
            assert!(sealed.is_ok_and(|s| s.entries.len() as u64 == batch));
            took
        })
        .collect();
    let m = median(samples);
    println!(
        "seal batch of {batch}: median {:.1} ms, {:.0} entries/s",
        m.as_secs_f64() * 1e3,
        batch as f64 / m.as_secs_f64()
    );
}

fn bench_verify(total: u64, chunk: u64, reps: usize) {
    let samples: Vec<Duration> = (0..reps)
        .map(|_| {
            // Rows are produced chunk by chunk so memory stays bounded; only the verifier is timed.
            let mut chain = Chain::new(TenantHead::genesis("bench-tenant"), [])
                .unwrap_or_else(|e| panic!("{e}"));
            let mut verifier = TenantVerifier::new("bench-tenant");
            let mut timed = Duration::ZERO;
            let mut from = 0;
            while from < total {
                let to = (from + chunk).min(total);
                // A fresh builder per chunk keeps only that chunk's sealed entries in memory.
                let rows = seal(&mut chain, from..to);
                chain = Chain::new(chain.head().clone(), progress_after(to))
                    .unwrap_or_else(|e| panic!("{e}"));
                let started = Instant::now();
                for row in &rows {
                    if let Err(brk) = verifier.push(row) {
                        panic!("bench chain broke: {brk}");
                    }
                }
                timed += started.elapsed();
                from = to;
            }
            assert_eq!(
                verifier.finish(Some(chain.head())).map(|s| s.entries).ok(),
                Some(total)
            );
            timed
        })
        .collect();
    let m = median(samples);
    println!(
        "verify chain of {total}: median {:.2} s, {:.0} entries/s",
        m.as_secs_f64(),
        total as f64 / m.as_secs_f64()
    );
}

/// Each run's next seq once entries `0..n` are written.
fn progress_after(n: u64) -> Vec<writ_ledger::RunProgress> {
    (0..RUNS)
        .map(|r| writ_ledger::RunProgress {
            run_id: format!("run-{r:04}"),
            tenant: "bench-tenant".into(),
            next_seq: n / RUNS + u64::from(r < n % RUNS),
        })
        .collect()
}

fn main() {
    bench_seal(10_000, 7);
    bench_verify(1_000_000, 50_000, 3);
}
