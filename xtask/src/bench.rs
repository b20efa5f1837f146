//! `cargo xtask bench ledger [ENTRIES]`: batched ledger appends and verification against the stack's Postgres.
//!
//! `cargo xtask bench billing|contracts|resumes|site [N]`: wall time of a workload on the local stack, live
//! and sealed, median of N runs each (default 3), on its shared data. A run is timed from `writ run` (the
//! upload of its inputs included) to `succeeded`, the reviewer's approval of its gate included (given as
//! soon as the gate opens).

use crate::paths::root;
use crate::stack;
use anyhow::{bail, Context, Result};
use std::process::Command;
use std::time::{Duration, Instant};

/// The reference system's published wall time for this job.
const REFERENCE: Duration = Duration::from_secs(43 * 60);

pub fn run(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("ledger") => ledger(args.get(1).and_then(|n| n.parse().ok()).unwrap_or(50_000)),
        Some(job) => {
            let workflow = match job {
                "billing" => "billing-audit",
                "contracts" => "contract-review",
                "resumes" => "resume-screening",
                "site" => "site-build",
                other => bail!("no workload `{other}`: billing, contracts, resumes or site"),
            };
            workload(
                workflow,
                args.get(1).and_then(|n| n.parse().ok()).unwrap_or(3),
            )
        }
        None => {
            bail!("usage: cargo xtask bench billing|contracts|resumes|site [N] | ledger [ENTRIES]")
        }
    }
}

fn workload(workflow: &str, n: usize) -> Result<()> {
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
    let data = root().join("../shared/data").join(workflow);
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
                    let status: serde_json::Value =
                        serde_json::from_str(&writ(&s.token, &["status", run, "--json"])?)?;
                    for step in status["pending_approvals"].as_array().into_iter().flatten() {
                        writ(
                            &reviewer,
                            &["approve", run, "--step", step.as_str().unwrap_or_default()],
                        )?;
                    }
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
            &["run", "--workflow", workflow, "--inputs", &data],
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
    println!("\n{workflow}, built-in provider, local stack (median of {n}, min..max):");
    for (what, med, all) in [("live run:  ", l, &live), ("sealed run:", m, &sealed)] {
        let (a, b) = lo_hi(all);
        print!(
            "  {what} {:6.2} s  ({:.2}..{:.2})",
            med.as_secs_f64(),
            a.as_secs_f64(),
            b.as_secs_f64()
        );
        if workflow == "billing-audit" {
            print!(
                "   {:5.0}x faster than the reference's 43 min",
                REFERENCE.as_secs_f64() / med.as_secs_f64()
            );
        }
        println!();
    }
    Ok(())
}

fn lo_hi(v: &[Duration]) -> (Duration, Duration) {
    (
        v.iter().min().copied().unwrap_or_default(),
        v.iter().max().copied().unwrap_or_default(),
    )
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
