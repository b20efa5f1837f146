//! A busy week: twenty billing runs started at once by two tenants, beside a contract review of 200
//! contracts. Every run reaches its gate and ends with the undisturbed run's hashes, progress is fair across
//! tenants, the ledger is complete, and the memory of `wrangler dev` and the sandbox stays bounded. The
//! throughput and the slowest run are printed.

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use writ_e2e::*;

const RUNS_PER_TENANT: usize = 10;
/// What `wrangler dev` (with workerd) and the sandbox server may hold at the peak, together.
const MEMORY_BOUND_MIB: u64 = 6 * 1024;

/// Resident memory (MiB) of every process in the process group `up` recorded under `name`.
fn group_rss_mib(name: &str) -> u64 {
    let pids = std::fs::read_to_string(root().join(".writ/pids")).unwrap_or_default();
    let Some(group) = pids.lines().find_map(|l| {
        let (n, pid) = l.split_once(' ')?;
        (n == name)
            .then(|| pid.trim().parse::<i64>().ok())
            .flatten()
    }) else {
        return 0;
    };
    let mut kib = 0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // Fields after the command's closing parenthesis: state, ppid, pgrp …
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let pgrp: Option<i64> = rest.split_whitespace().nth(2).and_then(|p| p.parse().ok());
        if pgrp != Some(group) {
            continue;
        }
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        kib += status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or(0);
    }
    kib / 1024
}

fn hashes(token: &str, run: &str) -> anyhow::Result<Vec<(String, String)>> {
    let (s, _, body) = call(http("GET", &format!("/v1/runs/{run}/artifacts"), Some(token)).call());
    anyhow::ensure!(s == 200, "{body}");
    let mut h: Vec<(String, String)> = body["artifacts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            (
                a["name"].as_str().unwrap_or("").to_string(),
                a["hash"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    h.sort();
    Ok(h)
}

fn state(token: &str, run: &str) -> Value {
    call(http("GET", &format!("/v1/runs/{run}"), Some(token)).call()).2
}

#[test]
fn twenty_billing_runs_at_once_beside_a_contract_review() -> anyhow::Result<()> {
    let admin = Writ::admin();
    let reviewer = reviewer("e2e-load-reviewer")?;
    let calm = run_to_gate(&admin, &billing_data())?;
    approve_and_finish(&admin, &reviewer, &calm)?;
    let reference = hashes(&env("WRIT_TOKEN"), &calm)?;

    // A second tenant with its own writer and reviewer.
    let mut tokens = vec![env("WRIT_TOKEN")];
    let mut reviewers = vec![reviewer.clone()];
    for (name, scopes) in [
        ("e2e-load-other", json!(["runs:read", "runs:write"])),
        ("e2e-load-other-reviewer", json!(["runs:read", "approve"])),
    ] {
        let (s, _, b) = call(
            http("POST", "/v1/tokens", Some(&env("WRIT_TOKEN")))
                .send_json(json!({"name": name, "scopes": scopes, "tenant": "load-other"})),
        );
        anyhow::ensure!(s == 201, "{b}");
        let token = b["token"].as_str().unwrap_or_default().to_string();
        if name.ends_with("reviewer") {
            reviewers.push(token);
        } else {
            tokens.push(token);
        }
    }
    let inputs: Vec<Value> = tokens
        .iter()
        .map(|t| upload_inputs(&billing_data(), t))
        .collect::<anyhow::Result<_>>()?;

    // The contract review first, then twenty billing runs at once, alternating tenants.
    let contracts = root().join("../shared/data/contract-review");
    let contract_run = admin.ok(&[
        "run",
        "--workflow",
        "contract-review",
        "--inputs",
        &contracts.to_string_lossy(),
    ])?;
    let started = Instant::now();
    let mut runs: Vec<(usize, String)> = Vec::new();
    for k in 0..2 * RUNS_PER_TENANT {
        let t = k % 2;
        let (s, _, b) = call(
            http("POST", "/v1/runs", Some(&tokens[t]))
                .send_json(json!({"workflow": "billing-audit", "inputs": inputs[t]})),
        );
        anyhow::ensure!(s == 201, "run {k}: {s} {b}");
        runs.push((t, b["id"].as_str().unwrap_or_default().to_string()));
    }

    // Follow them all to the gate; note when each gets there, the fairness between tenants, the memory.
    let mut at_gate: Vec<Option<Duration>> = vec![None; runs.len()];
    let mut peak = (0u64, 0u64);
    let mut worst_gap = 0usize;
    while at_gate.iter().any(Option::is_none) {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "not every run reached its gate in 10 minutes"
        );
        let mut done_per_tenant = [0usize; 2];
        for (k, (t, run)) in runs.iter().enumerate() {
            let st = state(&tokens[*t], run);
            let s = st["state"].as_str().unwrap_or("");
            anyhow::ensure!(
                matches!(
                    s,
                    "running" | "awaiting_approval" | "awaiting_infrastructure"
                ),
                "run {run} is {s}: {st}"
            );
            done_per_tenant[*t] += st["progress"]["done"].as_u64().unwrap_or(0) as usize;
            if s == "awaiting_approval" && at_gate[k].is_none() {
                at_gate[k] = Some(started.elapsed());
            }
        }
        worst_gap = worst_gap.max(done_per_tenant[0].abs_diff(done_per_tenant[1]));
        peak = (
            peak.0.max(group_rss_mib("wrangler")),
            peak.1.max(group_rss_mib("sandbox")),
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let all_at_gate = started.elapsed();
    let slowest = at_gate.iter().flatten().max().copied().unwrap_or_default();
    let fastest = at_gate.iter().flatten().min().copied().unwrap_or_default();

    for (t, run) in &runs {
        approve_and_finish(&Writ::with(&tokens[*t]), &reviewers[*t], run)?;
        assert_eq!(
            hashes(&tokens[*t], run)?,
            reference,
            "run {run} ends with the undisturbed run's artifacts"
        );
    }
    // Identical bytes: each run answers the trace of its own total from its own records.
    let trace = |token: &str, run: &str| {
        call(
            http(
                "GET",
                &format!("/v1/runs/{run}/trace?artifact=summary.json&pointer=/total_payable"),
                Some(token),
            )
            .call(),
        )
    };
    let ((sa, _, a), (sb, _, b)) = (trace(&tokens[0], &runs[0].1), trace(&tokens[1], &runs[1].1));
    assert_eq!((sa, sb), (200, 200), "{a}\n{b}");
    assert_eq!(a["hash"], b["hash"], "{a}\n{b}");
    assert_eq!(a["sources"], b["sources"], "the same source rows");
    let contract_state = admin.wait(&contract_run)?;
    assert!(
        matches!(contract_state.as_str(), "awaiting_approval" | "succeeded"),
        "the contract review beside them: {}",
        admin.status(&contract_run)?
    );
    if contract_state == "awaiting_approval" {
        approve_and_finish(&admin, &reviewer, &contract_run)?;
    }

    // The ledger is complete: every entry of every run arrived, once, and the chains verify.
    for (t, run) in &runs {
        let w = Writ::with(&tokens[*t]);
        eventually("the outbox to drain", 120, || {
            Ok(w.status(run)?["shell"]["ledger_pending"] == 0)
        })?;
        let recorded = w.status(run)?["shell"]["ledger_recorded"]
            .as_u64()
            .unwrap_or(0);
        assert_eq!(ledger_rows(run)?, recorded, "every entry of {run} once");
    }
    admin.ok(&["ledger", "verify"])?;

    println!(
        "load: {} billing runs (2 tenants) + 1 contract review: all at the gate in {:.1} s \
         ({:.2} runs/s); fastest {:.1} s, slowest {:.1} s; largest gap in steps done between tenants {worst_gap}; \
         peak memory: wrangler dev {} MiB, sandbox {} MiB",
        runs.len(),
        all_at_gate.as_secs_f64(),
        runs.len() as f64 / all_at_gate.as_secs_f64(),
        fastest.as_secs_f64(),
        slowest.as_secs_f64(),
        peak.0,
        peak.1,
    );
    assert!(
        peak.0 + peak.1 < MEMORY_BOUND_MIB,
        "memory bounded: wrangler dev {} MiB + sandbox {} MiB",
        peak.0,
        peak.1
    );
    // Fair: neither tenant's ten runs get ahead of the other's by more than a run's worth of steps.
    let steps_per_run = state(&tokens[0], &runs[0].1)["progress"]["total"]
        .as_u64()
        .unwrap_or(9) as usize;
    assert!(
        worst_gap <= steps_per_run * RUNS_PER_TENANT / 2,
        "progress across tenants stayed fair (largest gap {worst_gap} steps)"
    );
    Ok(())
}
