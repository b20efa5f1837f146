//! Isolation is asserted end to end: the worker checks the sandbox's layers on `/health` before it
//! dispatches, refuses a degraded sandbox unless the deployment tolerates exactly what is missing, and the
//! receipt of every attempt (in the ledger) records the instance and the layers in force and missing.
//! The stack's sandbox is restarted as an unprivileged user for this (`cargo xtask sandbox-mode`), and put
//! back with every layer at the end, whatever the outcome.

use anyhow::Result;
use serde_json::Value;
use writ_e2e::*;

struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        if let Err(e) = xtask_with(&["sandbox-mode", "full"]) {
            eprintln!("could not restore the sandbox: {e}");
        }
    }
}

/// The `sandbox` member of every attempt_finished receipt of a run, from the ledger.
fn attempt_placements(run: &str) -> Result<Vec<Value>> {
    let rows = psql(&format!(
        "SELECT event FROM ledger_entries WHERE run_id = '{run}' AND event_type = 'attempt_finished' ORDER BY seq"
    ))?;
    rows.lines()
        .filter(|l| !l.is_empty())
        .map(|l| Ok(serde_json::from_str::<Value>(l)?["receipt"]["sandbox"].clone()))
        .collect()
}

#[test]
fn the_worker_refuses_a_degraded_sandbox_unless_the_deployment_tolerates_it() -> Result<()> {
    let _restore = Restore;
    let admin = Writ::admin();

    // 1. The sandbox lacks layers and the worker tolerates none: nothing is dispatched, and the run
    //    says why.
    xtask_with(&["sandbox-mode", "unprivileged"])?;
    let (status, _, health) = call(http("GET", "/v1/health", None).call());
    assert_eq!(status, 503, "{health}");
    let refusal = health["components"]["sandbox"].as_str().unwrap_or_default();
    assert!(
        refusal.contains("the sandbox runs without isolation layers")
            && refusal.contains("refusing to dispatch"),
        "{health}"
    );
    let run = admin.ok(&[
        "run",
        "--workflow",
        "billing-audit",
        "--inputs",
        &billing_data().to_string_lossy(),
    ])?;
    // The step cannot run anywhere: it fails on every attempt and the run stops for a person (repair or
    // cancel), naming the refusal; nothing ran.
    let state = admin.wait(&run)?;
    let st = admin.status(&run)?;
    assert_eq!(state, "awaiting_repair", "{st}");
    assert!(
        st.to_string().contains("refusing to dispatch"),
        "the run names the refusal: {st}"
    );
    admin.ok(&["cancel", &run])?;
    let placements = attempt_placements(&run)?;
    assert!(
        placements.iter().all(Value::is_null),
        "no attempt ran anywhere: {placements:?}"
    );

    // 2. The deployment tolerates exactly the missing layers: the run goes through, and every attempt's
    //    receipt in the ledger says where it ran and which layers were missing.
    xtask_with(&["sandbox-mode", "unprivileged-tolerated"])?;
    let run = run_to_gate(&admin, &billing_data())?;
    // The ledger is written behind the run (the outbox flushes in batches).
    eventually("the run's attempts in the ledger", 60, || {
        Ok(!attempt_placements(&run)?.is_empty())
    })?;
    let placements = attempt_placements(&run)?;
    for p in &placements {
        assert_eq!(p["instance"], "local", "{p}");
        let missing: Vec<&str> = p["missing"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            missing.contains(&"netns") && missing.contains(&"uid_drop"),
            "{p}"
        );
        assert!(
            p["in_force"]
                .as_array()
                .is_some_and(|a| a.contains(&"seccomp".into())),
            "{p}"
        );
    }

    // 3. Every layer back: receipts say none is missing.
    xtask_with(&["sandbox-mode", "full"])?;
    let run = run_to_gate(&admin, &billing_data())?;
    eventually("the run's attempts in the ledger", 60, || {
        Ok(!attempt_placements(&run)?.is_empty())
    })?;
    for p in attempt_placements(&run)? {
        assert_eq!(p["missing"], serde_json::json!([]), "{p}");
        assert_eq!(p["instance"], "local", "{p}");
    }
    Ok(())
}
