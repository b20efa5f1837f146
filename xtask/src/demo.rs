//! `cargo xtask demo`: the canonical run, as a newcomer should first see writ.
//!
//! Brings the stack up, uploads `../shared/data/billing-audit`, runs the audit with the built-in provider,
//! approves the report gate as a separate reviewer (not the run's creator), exports the artifacts, and prints
//! the summary and the trace of the total payable amount. It drives the `writ` CLI, exactly as a user would.

use crate::paths::{root, state};
use crate::stack;
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

pub fn run() -> Result<()> {
    let s = stack::up()?;
    let data = root().join("../shared/data/billing-audit");
    if !data.join("time_entries.csv").exists() {
        bail!(
            "the billing-audit workload is missing: expected {}",
            data.display()
        );
    }
    let writ = Writ {
        bin: stack::bin_dir().join("writ"),
        api: s.api.clone(),
        token: s.token.clone(),
    };
    let t0 = Instant::now();

    println!("\n== 1. A reviewer principal for the approval gate");
    let reviewer = writ.out(&[
        "token",
        "create",
        "--name",
        "demo-reviewer",
        "--scopes",
        "runs:read,approve",
    ])?;
    println!("   minted a token for `demo-reviewer` (scopes runs:read, approve); the run's creator is the local admin");

    println!(
        "\n== 2. Upload {} and start the billing audit (built-in provider)",
        data.display()
    );
    let run = writ.out(&[
        "run",
        "--workflow",
        "billing-audit",
        "--inputs",
        &data.to_string_lossy(),
    ])?;
    println!("   run {run}");

    println!("\n== 3. Executing: compile, sandboxed steps, validation ladder, audit");
    writ.watch(&run)?;
    let status = writ.json(&["status", &run, "--json"])?;
    let pending: Vec<String> = status["pending_approvals"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    if status["state"] != "awaiting_approval" || pending.is_empty() {
        bail!(
            "expected the run to wait for approval, it is {}: {}",
            status["state"],
            status["error"]
        );
    }

    println!("\n== 4. Approval gate on {}", pending.join(", "));
    for step in &pending {
        println!("   approving {step} as demo-reviewer (a separate principal; the creator may not approve its own run)");
        writ.with_token(&reviewer)
            .out(&["approve", &run, "--step", step])?;
    }
    writ.watch(&run)?;
    let status = writ.json(&["status", &run, "--json"])?;
    if status["state"] != "succeeded" {
        bail!("the run ended {}: {}", status["state"], status["error"]);
    }
    let elapsed = t0.elapsed();

    let out = state().join("demo").join(&run);
    println!("\n== 5. Artifacts, exported to {}", out.display());
    writ.pass(&["artifacts", "export", &run, &out.to_string_lossy()])?;

    println!("\n== 6. summary.json");
    print!(
        "{}",
        std::fs::read_to_string(out.join("summary.json")).context("reading summary.json")?
    );

    println!("\n== 7. Where the total payable comes from: `writ trace {run} summary.json:/total_payable`");
    let trace = writ.out(&["trace", &run, "summary.json:/total_payable"])?;
    print_trace_excerpt(&trace);

    println!("\n== 8. The ledger");
    writ.pass(&["ledger", "verify"])?;

    println!(
        "\nDone in {:.1}s (start to succeeded: {:.1}s). The run is at {}/v1/runs/{run}",
        t0.elapsed().as_secs_f64(),
        elapsed.as_secs_f64(),
        s.api
    );

    println!(
        "Inspect it: . .writ/env && writ status {run}   |   cargo xtask down stops the stack."
    );
    println!(
        "\nSee it in the viewer: {}/runs/{run}\n(sign in with the local admin token, in .writ/token)",
        s.api
    );
    Ok(())
}

/// The trace lists every source row; the demo shows its head and tail.
fn print_trace_excerpt(trace: &str) {
    let lines: Vec<&str> = trace.lines().collect();
    if lines.len() <= 40 {
        println!("{trace}");
        return;
    }
    for l in &lines[..30] {
        println!("{l}");
    }
    println!(
        "      … {} more lines (the full trace names every source row) …",
        lines.len() - 35
    );
    for l in &lines[lines.len() - 5..] {
        println!("{l}");
    }
}

struct Writ {
    bin: PathBuf,
    api: String,
    token: String,
}

impl Writ {
    fn with_token(&self, token: &str) -> Writ {
        Writ {
            bin: self.bin.clone(),
            api: self.api.clone(),
            token: token.to_string(),
        }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.bin);
        c.args(args)
            .env("WRIT_API", &self.api)
            .env("WRIT_TOKEN", &self.token)
            .env("DATABASE_URL", crate::paths::app_database_url());
        c
    }

    /// Run and return stdout, trimmed.
    fn out(&self, args: &[&str]) -> Result<String> {
        let o = self
            .cmd(args)
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("running writ {}", args.join(" ")))?;
        if !o.status.success() {
            bail!("writ {} failed ({})", args.join(" "), o.status);
        }
        Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
    }

    fn json(&self, args: &[&str]) -> Result<serde_json::Value> {
        Ok(serde_json::from_str(&self.out(args)?)?)
    }

    /// Run with the output shown as it comes.
    fn pass(&self, args: &[&str]) -> Result<()> {
        crate::proc::run(&mut self.cmd(args))
    }

    fn watch(&self, run: &str) -> Result<()> {
        self.pass(&["watch", run])
    }
}
