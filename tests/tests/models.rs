//! Models in the running system (issue 9): runs whose profile names a real provider, with `writ-model-server`
//! standing in for the model over the real OpenAI and Anthropic wire formats. The planner drafts the plan and
//! the executor writes every step's code; every call is metered into the run and the ledger; a run replays
//! from its recording with no model at all; budgets stop a run at the cap; the profile freezes at the first
//! model call.

use anyhow::{bail, Result};
use serde_json::{json, Value};
use std::process::Command;
use writ_e2e::*;

const OBJECTIVE: &str = "Audit the billing entries against the engagement letter";

fn admin_token() -> String {
    env("WRIT_TOKEN")
}

/// `POST /v1/runs` with an objective only (the planner drafts the plan) and a model profile.
fn create(profile: &str, server: &ModelServer, extra: Value) -> Result<Value> {
    let mut body = json!({"objective": OBJECTIVE, "profile": profile, "model_base_url": server.url, "inputs": upload_inputs(&billing_data(), &admin_token())?});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let (status, _, run) = call(http("POST", "/v1/runs", Some(&admin_token())).send_json(body));
    if status != 201 {
        bail!("create: {status} {run}");
    }
    Ok(run)
}

fn id(run: &Value) -> String {
    run["id"].as_str().unwrap_or_default().to_string()
}

/// Artifact name → hash, every artifact (deliverables and intermediate).
fn artifact_hashes(run: &str) -> Result<Vec<(String, String)>> {
    let (status, _, list) = call(
        http(
            "GET",
            &format!("/v1/runs/{run}/artifacts?all=true"),
            Some(&admin_token()),
        )
        .call(),
    );
    if status != 200 {
        bail!("artifacts of {run}: {status} {list}");
    }
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

/// The run's ledger events of a type, straight from Postgres, once the outbox has flushed them.
fn ledger_events(run: &str, event_type: &str) -> Result<Vec<Value>> {
    let out = Command::new("psql")
        .args(["-X", "-At", "-h", &env("WRIT_PG_SOCKET"), "-p", &env("WRIT_PG_PORT"), "-U", "postgres", "-d", "writ", "-c"])
        .arg(format!(
            "SELECT event FROM ledger_entries WHERE run_id = '{}' AND event_type = '{}' ORDER BY seq",
            run.replace('\'', ""),
            event_type.replace('\'', "")
        ))
        .output()?;
    if !out.status.success() {
        bail!("psql: {}", String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Ok(serde_json::from_str(l)?))
        .collect()
}

fn flushed(run: &str) -> Result<()> {
    eventually("the ledger outbox to flush", 60, || {
        Ok(Writ::admin().status(run)?["shell"]["ledger_pending"] == 0)
    })
}

fn change_profile(run: &str, body: Value) -> (u16, Value) {
    let (status, _, out) = call(
        http(
            "POST",
            &format!("/v1/runs/{run}/profile"),
            Some(&admin_token()),
        )
        .send_json(body),
    );
    (status, out)
}

/// Planner and executor through the model; gate; reviewer; success; model calls metered in the run and the
/// ledger; the profile frozen (409) after the first call; a replay with the model gone gives the same bytes.
fn full_run(profile: &str, provider: &str) -> Result<()> {
    let admin = Writ::admin();
    let reviewer = reviewer(&format!("e2e-models-{profile}"))?;
    let server = ModelServer::start(env!("CARGO_BIN_EXE_writ-model-server"), &[])?;
    let run = id(&create(profile, &server, json!({}))?);
    let state = admin.wait(&run)?;
    let status = admin.status(&run)?;
    assert_eq!(state, "awaiting_approval", "{status}");
    let served = status["served_by"].as_str().unwrap_or_default();
    assert!(
        served.contains(&format!("planner: {provider}"))
            && served.contains(&format!("executor: {provider}")),
        "served_by: {served}"
    );
    assert!(
        status["usage"]["model_calls"].as_u64().unwrap_or(0) >= 2,
        "planner and executor calls are metered: {status}"
    );

    // The first model call froze the profile: an admin cannot change it any more.
    let (code, problem) = change_profile(&run, json!({"profile": "builtin"}));
    assert_eq!(code, 409, "{problem}");
    assert_eq!(problem["code"], "R0019", "{problem}");

    approve_and_finish(&admin, &reviewer, &run)?;
    let status = admin.status(&run)?;
    let calls = status["usage"]["model_calls"].as_u64().unwrap_or(0);
    let steps = status["steps"].as_array().map(Vec::len).unwrap_or(0) as u64;
    // The profile's auditor is a model too: one audit call per step with a rubric.
    let audited = status["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| {
            s["audited_by"]
                .as_str()
                .is_some_and(|a| a.starts_with("openai-compatible"))
        })
        .count() as u64;
    assert!(audited > 0, "{status}");
    // And the auditor's model is the governed evaluator: one call per entry the review step judged.
    let judged = status["usage"]["tool_calls"].as_u64().unwrap_or(0);
    assert!(judged > 0, "{status}");
    assert_eq!(
        calls,
        1 + steps + audited + judged,
        "one planner call, one executor call per step, one auditor call per audited step, one evaluator call per judged entry: {status}"
    );
    assert!(
        status["usage"]["tokens"].as_u64().unwrap_or(0) > 0
            && status["usage"]["cost_micros"].as_u64().unwrap_or(0) > 0,
        "{status}"
    );

    flushed(&run)?;
    let entries = ledger_events(&run, "model_call")?;
    assert_eq!(
        entries.len() as u64,
        calls,
        "a ledger model_call per call: {entries:?}"
    );
    // The planner and executor are the profile's provider; the auditor (and evaluator) may be another.
    let auditor = status["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|s| s["audited_by"].as_str().and_then(|a| a.split(' ').next()))
        .unwrap_or_default()
        .to_string();
    for e in &entries {
        assert!(
            e["provider"] == provider || e["provider"] == auditor.as_str(),
            "{e}"
        );
        assert!(
            e["tokens_in"].as_u64().unwrap_or(0) > 0 && e["tokens_out"].as_u64().unwrap_or(0) > 0,
            "{e}"
        );
        assert!(e["cost_usd"].as_str().is_some_and(|c| c != "0"), "{e}");
        assert!(
            e["request_hash"]
                .as_str()
                .is_some_and(|h| h.starts_with("b3:")),
            "{e}"
        );
        assert!(
            e["response_hash"]
                .as_str()
                .is_some_and(|h| h.starts_with("b3:")),
            "{e}"
        );
    }
    assert!(
        entries.iter().filter(|e| e["step"].is_string()).count() as u64 == calls - 1,
        "every call but the planner's names its step"
    );
    assert_eq!(ledger_events(&run, "profile_frozen")?.len(), 1);
    let original = artifact_hashes(&run)?;
    assert!(!original.is_empty());

    // Replay with the model gone: every answer comes from the recording.
    drop(server);
    let (code, _, replayed) = call(
        http(
            "POST",
            &format!("/v1/runs/{run}/replay"),
            Some(&admin_token()),
        )
        .call(),
    );
    assert_eq!(code, 201, "{replayed}");
    let replay = id(&replayed);
    assert!(
        replayed["served_by"]
            .as_str()
            .is_some_and(|s| s.starts_with(&format!("replay of {run}"))),
        "{replayed}"
    );
    assert_eq!(
        replayed["plan_hash"], status["plan_hash"],
        "the replayed planner drafted the same plan"
    );
    let state = admin.wait(&replay)?;
    if state == "awaiting_approval" {
        approve_and_finish(&admin, &reviewer, &replay)?;
    } else {
        bail!(
            "replay {replay} reached {state}: {}",
            admin.status(&replay)?
        );
    }
    assert_eq!(
        artifact_hashes(&replay)?
            .into_iter()
            .map(|(n, h)| (n, h))
            .collect::<Vec<_>>(),
        original,
        "a replay gives the same artifacts"
    );
    Ok(())
}

#[test]
fn openai_compatible_plans_and_executes_then_replays() -> Result<()> {
    full_run("openai-compatible", "openai-compatible")
}

#[test]
fn anthropic_plans_and_executes_then_replays() -> Result<()> {
    full_run("anthropic", "anthropic")
}

#[test]
fn a_token_budget_stops_the_run_at_the_cap() -> Result<()> {
    let admin = Writ::admin();
    let server = ModelServer::start(env!("CARGO_BIN_EXE_writ-model-server"), &[])?;
    // Enough for the planner and the first steps' code, not for the whole run.
    let run = id(&create(
        "openai-compatible",
        &server,
        json!({"profile_override": {"budgets": {"tokens": 20000}}}),
    )?);
    let state = admin.wait(&run)?;
    let status = admin.status(&run)?;
    assert_eq!(state, "failed", "{status}");
    let error = status["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("R0023") && error.contains("tokens") && error.contains("cap 20000"),
        "the reason is in the status: {error}"
    );
    assert!(
        status["usage"]["tokens"].as_u64().unwrap_or(0) > 20000,
        "{status}"
    );
    flushed(&run)?;
    let stops = ledger_events(&run, "budget_stop")?;
    assert_eq!(stops.len(), 1, "{stops:?}");
    assert_eq!(stops[0]["budget"], "tokens");
    assert_eq!(stops[0]["limit"], "20000");
    let finished = ledger_events(&run, "run_finished")?;
    assert_eq!(
        finished.first().map(|f| f["outcome"].clone()),
        Some(json!("budget_stopped")),
        "{finished:?}"
    );
    Ok(())
}

#[test]
fn the_profile_changes_before_the_first_model_call_only() -> Result<()> {
    let admin = Writ::admin();
    // The built-in provider makes no model call: the profile is not frozen and an admin may change it.
    let run = run_to_gate(&admin, &billing_data())?;
    let (code, out) = change_profile(
        &run,
        json!({"profile": "builtin", "profile_override": {"budgets": {"tokens": 0}}}),
    );
    assert_eq!(code, 200, "{out}");
    // Only admins change profiles.
    let reviewer = reviewer("e2e-models-profile")?;
    let (code, _, _) = call(
        http("POST", &format!("/v1/runs/{run}/profile"), Some(&reviewer))
            .send_json(json!({"profile": "builtin"})),
    );
    assert_eq!(code, 403);
    admin.ok(&["cancel", &run])?;
    Ok(())
}

#[test]
fn a_model_auditor_judges_every_step_and_a_planted_defect_stops_publication() -> Result<()> {
    // The auditor phase is a model (a stand-in over the OpenAI wire format) besides the rubric checks as code.
    let admin = Writ::admin();
    let reviewer = reviewer("e2e-model-auditor-reviewer")?;
    let profile = json!({
        "phases": {"auditor": {"provider": "openai-compatible", "model": "auditor-1"}},
        "prices": {"auditor-1": {"input_usd_per_mtok": 1.0, "output_usd_per_mtok": 4.0}}
    })
    .to_string();
    let data = billing_data();
    let start = |server: &ModelServer| -> Result<String> {
        admin.ok(&[
            "run",
            "--workflow",
            "billing-audit",
            "--profile",
            "model-audited",
            "--inputs",
            &data.to_string_lossy(),
            "--profile-override",
            &profile,
            "--model-base-url",
            &server.url,
        ])
    };
    let server = ModelServer::start(env!("CARGO_BIN_EXE_writ-model-server"), &[])?;
    let run = start(&server)?;
    assert_eq!(
        admin.wait(&run)?,
        "awaiting_approval",
        "{}",
        admin.status(&run)?
    );
    approve_and_finish(&admin, &reviewer, &run)?;
    let status = admin.status(&run)?;
    assert_eq!(status["state"], "succeeded", "{status}");
    let audited: Vec<&Value> = status["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| &s["audited_by"])
        .collect();
    assert!(
        audited.iter().all(|a| {
            let a = a.as_str().unwrap_or_default();
            a.starts_with("openai-compatible auditor-1") || a.starts_with("nobody")
        }),
        "{status}"
    );
    assert!(
        status["usage"]["model_calls"].as_u64().unwrap_or(0) > 0,
        "{status}"
    );
    // Each entry was judged by the model evaluator; a flagged entry of the findings traces to its judgement.
    let out = scratch("models/model-audited");
    admin.export(&run, &out)?;
    let flagged = Command::new("python3")
        .args([
            "-c",
            "import csv,sys; rows=list(csv.DictReader(open(sys.argv[1]))); \
             i=next(i for i,r in enumerate(rows) if r['flags']); print(i+1, rows[i]['entry_id'])",
        ])
        .arg(out.join("findings.csv"))
        .output()?;
    let flagged = String::from_utf8_lossy(&flagged.stdout).trim().to_string();
    let (row, entry) = flagged.split_once(' ').unwrap_or(("", ""));
    let t: Value = serde_json::from_str(&admin.ok(&[
        "trace",
        &run,
        &format!("findings.csv:/{row}/flags"),
        "--json",
    ])?)?;
    let judged = &t["judgements"][0];
    assert_eq!(judged["item"], entry, "{t}");
    assert_eq!(judged["judged_by"], "openai-compatible auditor-1", "{t}");
    assert_eq!(judged["rubric"], "billing.review_flags", "{t}");

    // Told to see a defect under `every_entry_once`: the steps judged by it are rejected and publish nothing.
    let server = ModelServer::start(
        env!("CARGO_BIN_EXE_writ-model-server"),
        &["--fail-criterion", "every_entry_once"],
    )?;
    let run = start(&server)?;
    // The profile's repairer is built in: the run waits for a person, naming the audit as the failing stage.
    assert_eq!(
        admin.wait(&run)?,
        "awaiting_repair",
        "{}",
        admin.status(&run)?
    );
    let status = admin.status(&run)?;
    assert_eq!(status["repair"][0]["code"], "R0032", "{status}");
    let error = status["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("the auditor judged the outputs as failing"),
        "the audit failed the step: {status}"
    );
    let failed = status["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["state"] == "failed")
        .count();
    assert_eq!(failed, 1, "{status}");
    let list: Value = serde_json::from_str(&admin.ok(&["artifacts", "list", &run])?)?;
    assert!(
        !list["artifacts"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|a| a["name"] == "findings.csv"),
        "nothing of the rejected step is published: {list}"
    );
    assert_eq!(admin.ok(&["cancel", &run])?, "cancelled");
    Ok(())
}
