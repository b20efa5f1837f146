//! Nothing lost: a restart of `wrangler dev` mid-run, a duplicated queue delivery, a Postgres outage.
//! The tests run one after another (`--test-threads=1`) since they disturb the shared stack.

use serde_json::json;
use writ_e2e::*;

fn deliverable_hashes(w: &Writ, run: &str) -> anyhow::Result<Vec<(String, String)>> {
    let list: serde_json::Value = serde_json::from_str(&w.ok(&["artifacts", "list", run])?)?;
    let mut h: Vec<(String, String)> = list["artifacts"]
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

#[test]
fn resilience_scenarios() -> anyhow::Result<()> {
    let admin = Writ::admin();
    let reviewer = reviewer("e2e-resilience")?;

    // An undisturbed run: the reference hashes.
    let calm = run_to_gate(&admin, &billing_data())?;
    approve_and_finish(&admin, &reviewer, &calm)?;
    let reference = deliverable_hashes(&admin, &calm)?;

    // 1. wrangler dev killed and restarted mid-run: the run resumes from its log.
    let run = admin.ok(&[
        "run",
        "--workflow",
        "billing-audit",
        "--inputs",
        &billing_data().to_string_lossy(),
    ])?;
    eventually("the run to get going", 60, || {
        Ok(admin.status(&run)?["progress"]["done"]
            .as_u64()
            .unwrap_or(0)
            >= 2)
    })?;
    xtask("restart-worker")?;
    let state = admin.wait(&run)?;
    assert_eq!(state, "awaiting_approval", "{}", admin.status(&run)?);
    approve_and_finish(&admin, &reviewer, &run)?;
    assert_eq!(
        deliverable_hashes(&admin, &run)?,
        reference,
        "a restarted run ends with the same artifacts"
    );

    // 2. Every shard message delivered twice: each shard's result is applied once.
    let inputs: serde_json::Value =
        serde_json::from_str(&admin.ok(&["upload", &billing_data().to_string_lossy()])?)?;
    let (status, _, body) = call(
        http("POST", "/v1/runs", Some(&env("WRIT_TOKEN")))
            .set("x-writ-chaos", "duplicate-shard-delivery")
            .send_json(json!({"workflow": "billing-audit", "inputs": inputs})),
    );
    assert_eq!(status, 201, "{body}");
    let dup = body["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(admin.wait(&dup)?, "awaiting_approval");
    approve_and_finish(&admin, &reviewer, &dup)?;
    let st = admin.status(&dup)?;
    let shards = st["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["shards"].as_u64())
        .sum::<u64>();
    assert!(shards > 0);
    // Every duplicate is absorbed (a queue retry may add more), and the log applied one result per shard.
    // A copy that waited for a free sandbox slot may arrive after the run ended, so the count is awaited.
    let absorbed = |st: &serde_json::Value| {
        st["shell"]["duplicate_results_ignored"]
            .as_u64()
            .unwrap_or(0)
            + st["shell"]["late_redeliveries"].as_u64().unwrap_or(0)
    };
    let waited = eventually("every duplicate delivery to be absorbed", 60, || {
        Ok(absorbed(&admin.status(&dup)?) >= shards)
    });
    assert!(
        waited.is_ok(),
        "every duplicate delivery is absorbed: {}",
        admin.status(&dup)?["shell"]
    );
    let (s, _, events) = call(
        http(
            "GET",
            &format!("/v1/runs/{dup}/log"),
            Some(&env("WRIT_TOKEN")),
        )
        .call(),
    );
    assert_eq!(s, 200);
    let applied = events["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["event"]["type"] == "sandbox_returned")
        .filter(|e| {
            e["event"]["attempt_id"]
                .as_str()
                .unwrap_or("")
                .contains("/s")
        })
        .count() as u64;
    assert_eq!(
        applied, shards,
        "one applied result per shard, whatever the deliveries"
    );
    let log: serde_json::Value = serde_json::from_str(&admin.ok(&["status", &dup, "--json"])?)?;
    assert_eq!(log["state"], "succeeded");
    assert_eq!(
        deliverable_hashes(&admin, &dup)?,
        reference,
        "duplicates change nothing"
    );

    // 3. Postgres stopped mid-run: the run finishes, entries wait, and all arrive once when it returns.
    let run = admin.ok(&[
        "run",
        "--workflow",
        "billing-audit",
        "--inputs",
        &billing_data().to_string_lossy(),
    ])?;
    xtask("pg-stop")?;
    let result = (|| -> anyhow::Result<()> {
        assert_eq!(admin.wait(&run)?, "awaiting_approval");
        approve_and_finish(&admin, &reviewer, &run)?;
        let pending = admin.status(&run)?["shell"]["ledger_pending"]
            .as_u64()
            .unwrap_or(0);
        assert!(
            pending > 0,
            "with Postgres down the entries wait in the outbox"
        );
        let health: serde_json::Value = call(http("GET", "/v1/health", None).call()).2;
        assert_ne!(
            health["components"]["ledger_db"], "ok",
            "health reports the ledger database failing: {health}"
        );
        Ok(())
    })();
    xtask("pg-start")?;
    result?;
    eventually("the outbox to drain after the outage", 90, || {
        Ok(admin.status(&run)?["shell"]["ledger_pending"] == 0)
    })?;
    let recorded = admin.status(&run)?["shell"]["ledger_recorded"]
        .as_u64()
        .unwrap_or(0);
    assert_eq!(
        ledger_rows(&run)?,
        recorded,
        "every entry arrived exactly once"
    );
    admin.ok(&["ledger", "verify"])?;
    assert_eq!(deliverable_hashes(&admin, &run)?, reference);
    Ok(())
}

/// A small generator for the fault moments; the seed is printed so a failure can be replayed with
/// `WRIT_FAULT_SEED`.
struct Moments(u64);

impl Moments {
    fn from_env() -> Moments {
        let seed = std::env::var("WRIT_FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(7)
            });
        println!("fault moments: WRIT_FAULT_SEED={seed}");
        Moments(seed)
    }

    /// Milliseconds in `lo..hi`.
    fn next_ms(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lo + (self.0 >> 33) % (hi - lo).max(1)
    }
}

#[test]
fn the_sandbox_killed_three_times_mid_run_changes_nothing() -> anyhow::Result<()> {
    let admin = Writ::admin();
    let reviewer = reviewer("e2e-sandbox-kill")?;
    let calm = run_to_gate(&admin, &billing_data())?;
    approve_and_finish(&admin, &reviewer, &calm)?;
    let reference = deliverable_hashes(&admin, &calm)?;

    let mut moments = Moments::from_env();
    let run = admin.ok(&[
        "run",
        "--workflow",
        "billing-audit",
        "--inputs",
        &billing_data().to_string_lossy(),
    ])?;
    // Killed at random moments while the run works (a container restarted or moved), at least three times.
    let mut kills = 0;
    while kills < 3 {
        std::thread::sleep(std::time::Duration::from_millis(moments.next_ms(300, 2500)));
        let state = admin.status(&run)?["state"]
            .as_str()
            .unwrap_or("")
            .to_string();
        if kills > 0 && state != "running" && state != "awaiting_infrastructure" {
            break;
        }
        xtask("restart-sandbox")?;
        kills += 1;
    }
    let state = admin.wait(&run)?;
    let status = admin.status(&run)?;
    assert_eq!(state, "awaiting_approval", "{status}");
    approve_and_finish(&admin, &reviewer, &run)?;
    assert_eq!(
        deliverable_hashes(&admin, &run)?,
        reference,
        "a run whose sandbox was killed {kills} times ends with the undisturbed artifacts"
    );
    // The faults reached the run as infrastructure waits, never as failed attempts of a program.
    let (s, _, log) = call(
        http(
            "GET",
            &format!("/v1/runs/{run}/log"),
            Some(&env("WRIT_TOKEN")),
        )
        .call(),
    );
    assert_eq!(s, 200);
    let events: Vec<&serde_json::Value> = log["events"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["event"])
        .collect();
    let waits = events
        .iter()
        .filter(|e| e["type"] == "sandbox_unavailable")
        .count();
    let failed = events
        .iter()
        .filter(|e| e["type"] == "sandbox_returned" && e["receipt"]["status"] != "ok")
        .count();
    println!(
        "sandbox killed {kills} times: {waits} infrastructure waits, {failed} failed attempts"
    );
    assert_eq!(failed, 0, "no attempt blamed on its program");
    let recorded = admin.status(&run)?["shell"]["ledger_recorded"]
        .as_u64()
        .unwrap_or(0);
    eventually("the outbox to drain", 60, || {
        Ok(admin.status(&run)?["shell"]["ledger_pending"] == 0)
    })?;
    assert!(ledger_rows(&run)? >= recorded);
    admin.ok(&["ledger", "verify"])?;
    Ok(())
}

/// A billing run with this profile override, taken to its gate; (run id, seconds it took).
fn to_gate_with(admin: &Writ, profile_override: &str) -> anyhow::Result<(String, f64)> {
    let started = std::time::Instant::now();
    let run = admin.ok(&[
        "run",
        "--workflow",
        "billing-audit",
        "--profile-override",
        profile_override,
        "--inputs",
        &billing_data().to_string_lossy(),
    ])?;
    let state = admin.wait(&run)?;
    anyhow::ensure!(
        state == "awaiting_approval",
        "{run} is {state}: {}",
        admin.status(&run)?
    );
    Ok((run, started.elapsed().as_secs_f64()))
}

#[test]
fn waiting_for_a_person_is_not_working_time_and_a_gate_expires() -> anyhow::Result<()> {
    let admin = Writ::admin();
    let reviewer = reviewer("e2e-slow-reviewer")?;
    // A wall budget of 60 s: the run works far less than that, and the reviewer takes longer.
    let (run, took) = to_gate_with(&admin, r#"{"budgets": {"wall_seconds": 60}}"#)?;
    assert!(
        took < 55.0,
        "the run reached its gate in {took:.1} s, too close to its budget to test"
    );
    std::thread::sleep(std::time::Duration::from_secs_f64(62.0 - took));
    let status = admin.status(&run)?;
    assert_eq!(status["state"], "awaiting_approval", "{status}");
    assert!(status["waited_ms"].as_u64().unwrap_or(0) > 0, "{status}");
    assert!(
        status["gates"][0]["expires_at_ms"].as_u64().is_some(),
        "the gate says when it expires: {status}"
    );
    approve_and_finish(&admin, &reviewer, &run)?;

    // A gate nobody decides ends the run `expired`, with the reason, once its expiry has passed.
    let run = admin.ok(&[
        "run",
        "--workflow",
        "billing-audit",
        "--profile-override",
        r#"{"gate_expiry_seconds": 2}"#,
        "--inputs",
        &billing_data().to_string_lossy(),
    ])?;
    eventually("the gate to expire", 90, || {
        Ok(admin.status(&run)?["state"] == "expired")
    })?;
    let status = admin.status(&run)?;
    assert!(
        status["error"]
            .as_str()
            .is_some_and(|e| e.contains("R0047")),
        "{status}"
    );
    let (ok, _, err) =
        Writ::with(&reviewer).try_run(&["approve", &run, "--step", "ps-9-report"])?;
    assert!(!ok, "a late approval changes nothing: {err}");
    assert_eq!(admin.status(&run)?["state"], "expired");
    Ok(())
}
