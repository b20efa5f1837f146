//! `cargo xtask bench ledger [ENTRIES]`: batched ledger appends and verification against the stack's Postgres.
//!
//! `cargo xtask bench billing [N]`: wall time of the canonical billing audit on the local stack, live and
//! sealed, median of N runs each (default 3). A run is timed from `writ run` to `succeeded`, the reviewer's
//! approval of the report gate included (it is given as soon as the gate opens).

use crate::paths::root;
use crate::stack;
use anyhow::{bail, Context, Result};
use std::process::Command;
use std::time::{Duration, Instant};

/// The reference system's published wall time for this job.
const REFERENCE: Duration = Duration::from_secs(43 * 60);

pub fn run(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("billing") => billing(args.get(1).and_then(|n| n.parse().ok()).unwrap_or(3)),
        Some("ledger") => ledger(args.get(1).and_then(|n| n.parse().ok()).unwrap_or(50_000)),
        _ => bail!("usage: cargo xtask bench billing [N] | ledger [ENTRIES]"),
    }
}

fn billing(n: usize) -> Result<()> {
    let s = stack::up()?;
    let writ = |token: &str, args: &[&str]| -> Result<String> {
        let o = Command::new(stack::bin_dir().join("writ"))
            .args(args)
            .env("WRIT_API", &s.api)
            .env("WRIT_TOKEN", token)
            .output()
            .with_context(|| format!("writ {args:?}"))?;
        if !o.status.success() {
            bail!("writ {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        }
        Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let data = root().join("../shared/data/billing-audit");
    let data = data.to_string_lossy();
    let reviewer = writ(
        &s.token,
        &[
            "token",
            "create",
            "--name",
            "bench-reviewer",
            "--scopes",
            "runs:read,approve",
        ],
    )?;
    let finish = |run: &str| -> Result<()> {
        loop {
            let state = writ(&s.token, &["wait", run])?;
            match state.as_str() {
                "awaiting_approval" => {
                    writ(&reviewer, &["approve", run, "--step", "ps-9-report"])?;
                }
                "succeeded" => return Ok(()),
                other => bail!("run {run} ended {other}"),
            }
        }
    };

    let mut live = Vec::new();
    let mut last = String::new();
    for i in 0..n {
        let t = Instant::now();
        let run = writ(
            &s.token,
            &["run", "--workflow", "billing-audit", "--inputs", &data],
        )?;
        finish(&run)?;
        live.push(t.elapsed());
        println!(
            "live   #{}: {:6.2} s  ({run})",
            i + 1,
            t.elapsed().as_secs_f64()
        );
        last = run;
    }
    let program = writ(&s.token, &["seal", &last])?;
    let mut sealed = Vec::new();
    for i in 0..n {
        let t = Instant::now();
        let run = writ(&s.token, &["program", "run", &program, "--inputs", &data])?;
        finish(&run)?;
        sealed.push(t.elapsed());
        println!(
            "sealed #{}: {:6.2} s  ({run})",
            i + 1,
            t.elapsed().as_secs_f64()
        );
    }
    let (l, m) = (median(&mut live), median(&mut sealed));
    println!("\nbilling audit, 753 entries, built-in provider, local stack (median of {n}):");
    println!(
        "  live run:    {:6.2} s   target < 20 s   {:5.0}x faster than the reference's 43 min",
        l.as_secs_f64(),
        REFERENCE.as_secs_f64() / l.as_secs_f64()
    );
    println!(
        "  sealed run:  {:6.2} s   target <  5 s   {:5.0}x faster than the reference's 43 min",
        m.as_secs_f64(),
        REFERENCE.as_secs_f64() / m.as_secs_f64()
    );
    Ok(())
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// Batched appends through the real flush protocol into the stack's Postgres, then a full verification.
fn ledger(n: u64) -> Result<()> {
    stack::up()?;
    let tenant = format!("bench-{}", std::process::id());
    let writ = |args: &[&str]| -> Result<Duration> {
        let t = Instant::now();
        let o = Command::new(stack::bin_dir().join("writ"))
            .args(args)
            .env("DATABASE_URL", crate::paths::app_database_url())
            .output()
            .with_context(|| format!("writ {args:?}"))?;
        if !o.status.success() {
            bail!("writ {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        }
        Ok(t.elapsed())
    };
    let append = writ(&[
        "ledger",
        "append-demo",
        "--tenant",
        &tenant,
        "--run",
        &format!("{tenant}-run"),
        "--count",
        &n.to_string(),
    ])?;
    let verify = writ(&["ledger", "verify", "--tenant", &tenant])?;
    println!("ledger, local Postgres, {n} entries in one tenant chain:");
    println!(
        "  batched append: {:6.2} s   {:8.0} entries/s   target >= 5,000/s",
        append.as_secs_f64(),
        n as f64 / append.as_secs_f64()
    );
    println!(
        "  verify:         {:6.2} s   {:8.0} entries/s",
        verify.as_secs_f64(),
        n as f64 / verify.as_secs_f64()
    );
    Ok(())
}
