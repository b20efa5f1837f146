//! Repair from the point of failure (issue 16), against the local stack.
//!
//! - Built-in profile: a time entry whose hours are not a number breaks `normalize_entries`; the run waits in
//!   `awaiting_repair` with the diagnosis; a person repairs it with a corrected input, or with a patched
//!   program; the run resumes at that step and succeeds with the steps before it run once, and its findings
//!   are the letter's.
//! - Model profile: the stand-in model writes a failing program for `normalize_entries`; the model repairer's
//!   patch fixes it; the run succeeds with the steps before it run once. Sealed, it re-runs on another month
//!   with zero model calls.

use anyhow::{bail, Result};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use writ_e2e::*;

const BROKEN_STEP: &str = "normalize_entries";
/// The steps that finish before `normalize_entries` fails (its upstream in the billing template).
const UPSTREAM: [&str; 2] = ["profile_inputs", "extract_terms"];

/// The billing month with one time entry's hours written `3.0h`: not a number, so `normalize_entries` stops.
fn broken_month() -> Result<PathBuf> {
    let dir = scratch("repair/broken");
    let src = billing_data();
    for f in std::fs::read_dir(&src)? {
        let f = f?.path();
        if let Some(name) = f.file_name() {
            std::fs::copy(&f, dir.join(name))?;
        }
    }
    let text = std::fs::read_to_string(src.join("time_entries.csv"))?;
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let mut cells: Vec<String> = line.splitn(10, ',').map(String::from).collect();
        if i == 2 {
            if cells.len() < 10 || cells[6] != "3.0" {
                bail!("the billing data changed: row 2 is {line}");
            }
            cells[6] = "3.0h".into();
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    std::fs::write(dir.join("time_entries.csv"), out)?;
    Ok(dir)
}

/// Sandbox attempts that returned, per step slug, counted from the run's event log (`GET /v1/runs/{id}/log`).
fn attempts_per_step(run: &str) -> Result<BTreeMap<String, u64>> {
    let (status, _, log) = call(
        http(
            "GET",
            &format!("/v1/runs/{run}/log"),
            Some(&env("WRIT_TOKEN")),
        )
        .call(),
    );
    if status != 200 {
        bail!("log of {run}: {status} {log}");
    }
    let mut n = BTreeMap::new();
    for e in log["events"].as_array().into_iter().flatten() {
        if e["event"]["type"] != "sandbox_returned" {
            continue;
        }
        // `<run>/<step id>/a<n>` (a shard: `<run>/<step id>/s<k>/a<n>`); a step id is `ps-<n>-<slug>`.
        let step = e["event"]["attempt_id"]
            .as_str()
            .and_then(|a| a.split('/').nth(1))
            .unwrap_or_default();
        let slug = step.splitn(3, '-').nth(2).unwrap_or(step).to_string();
        *n.entry(slug).or_insert(0) += 1;
    }
    Ok(n)
}

fn assert_upstream_ran_once(run: &str) -> Result<BTreeMap<String, u64>> {
    let n = attempts_per_step(run)?;
    for step in UPSTREAM {
        assert_eq!(
            n.get(step),
            Some(&1),
            "{step} ran once, reused after the repair: {n:?}"
        );
    }
    Ok(n)
}

/// The run's ledger `repair` entries (once the outbox has flushed).
fn repair_entries(run: &str) -> Result<Vec<Value>> {
    eventually("the ledger outbox to drain", 60, || {
        Ok(Writ::admin().status(run)?["shell"]["ledger_pending"] == 0)
    })?;
    psql(&format!(
        "SELECT event FROM ledger_entries WHERE run_id = '{}' AND event_type = 'repair' ORDER BY seq",
        run.replace('\'', "")
    ))?
    .lines()
    .filter(|l| !l.trim().is_empty())
    .map(|l| Ok(serde_json::from_str(l)?))
    .collect()
}

/// Starts a built-in billing run on the broken month and waits until it awaits repair; checks the diagnosis.
fn run_to_repair(admin: &Writ) -> Result<String> {
    let broken = broken_month()?;
    let run = admin.ok(&[
        "run",
        "--workflow",
        "billing-audit",
        "--inputs",
        &broken.to_string_lossy(),
    ])?;
    let state = admin.wait(&run)?;
    let status = admin.status(&run)?;
    assert_eq!(state, "awaiting_repair", "{status}");
    let diagnosis = status["repair"].as_array().cloned().unwrap_or_default();
    assert_eq!(diagnosis.len(), 1, "{status}");
    let d = &diagnosis[0];
    assert!(
        d["step"].as_str().is_some_and(|s| s.ends_with(BROKEN_STEP)),
        "{d}"
    );
    assert_eq!(
        d["code"], "R0030",
        "the step failed on every attempt its retries allow: {d}"
    );
    assert!(
        d["stderr"]
            .as_str()
            .is_some_and(|e| e.contains("3.0h") && e.contains("not a number")),
        "the diagnosis shows the program's stderr: {d}"
    );
    // Nothing after the broken step started; the steps before it are done.
    let n = attempts_per_step(&run)?;
    assert_eq!(
        n.get(BROKEN_STEP),
        Some(&3),
        "one attempt and two retries: {n:?}"
    );
    assert!(!n.contains_key("payable"), "{n:?}");
    Ok(run)
}

/// After the repair: the gate, the reviewer, success; findings as the letter implies for the corrected month.
fn finish_and_check(admin: &Writ, run: &str, who: &str) -> Result<()> {
    let reviewer = reviewer(&format!("e2e-repair-reviewer-{who}"))?;
    let state = admin.wait(run)?;
    assert_eq!(state, "awaiting_approval", "{}", admin.status(run)?);
    approve_and_finish(admin, &reviewer, run)?;
    let n = assert_upstream_ran_once(run)?;
    assert_eq!(
        n.get(BROKEN_STEP),
        Some(&4),
        "three failed attempts, one after the repair: {n:?}"
    );
    let out = scratch(&format!("repair/{who}/out"));
    admin.export(run, &out)?;
    let expect = scratch(&format!("repair/{who}/oracle"));
    oracle(&billing_data(), &expect)?;
    assert_same_file(&out.join("findings.csv"), &expect.join("findings.csv"));
    assert_eq!(
        json_file(&out.join("summary.json")),
        json_file(&expect.join("summary.json"))
    );
    Ok(())
}

fn repairer(name: &str) -> Result<Writ> {
    Ok(Writ::with(&Writ::admin().ok(&[
        "token",
        "create",
        "--name",
        name,
        "--scopes",
        "runs:read,runs:write,repair",
    ])?))
}

#[test]
fn a_person_repairs_a_broken_input_and_the_run_resumes_from_that_step() -> Result<()> {
    let admin = Writ::admin();
    let run = run_to_repair(&admin)?;
    let fixed = scratch("repair/input/fixed").join("time_entries.csv");
    std::fs::copy(billing_data().join("time_entries.csv"), &fixed)?;
    let input = format!("time_entries={}", fixed.display());

    // Without the `repair` scope: refused, and the run still waits.
    let approver = Writ::with(&reviewer("e2e-repair-approver")?);
    let (ok, _, err) = approver.try_run(&[
        "repair",
        &run,
        "--step",
        BROKEN_STEP,
        "--program",
        &root()
            .join("packs/billing-audit/programs/normalize_entries.py")
            .to_string_lossy(),
    ])?;
    assert!(
        !ok && err.contains("`repair` scope"),
        "an approver may not repair: {err}"
    );
    // A slot the step does not read: R0045.
    let person = repairer("e2e-repair-person")?;
    let wrong = format!("letter={}", fixed.display());
    let (ok, _, err) =
        person.try_run(&["repair", &run, "--step", BROKEN_STEP, "--input", &wrong])?;
    assert!(!ok && err.contains("R0045"), "{err}");
    assert_eq!(admin.status(&run)?["state"], "awaiting_repair");

    let state = person.ok(&["repair", &run, "--step", BROKEN_STEP, "--input", &input])?;
    assert_eq!(state, "running");
    finish_and_check(&admin, &run, "input")?;
    let entries = repair_entries(&run)?;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0]["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("input time_entries = b3:") && r.contains("by person:")),
        "the ledger names the patch and who made it: {}",
        entries[0]
    );
    Ok(())
}

#[test]
fn a_person_repairs_the_program_and_the_run_resumes_from_that_step() -> Result<()> {
    let admin = Writ::admin();
    let run = run_to_repair(&admin)?;
    // The reference program, taught to read `3.0h` as 3.0 hours.
    let reference =
        std::fs::read_to_string(root().join("packs/billing-audit/programs/normalize_entries.py"))?;
    let from = r#"Decimal(value.strip().replace(",", "")"#;
    assert!(reference.contains(from), "the reference program changed");
    let patched = reference.replacen(
        from,
        r#"Decimal(value.strip().rstrip("h").replace(",", "")"#,
        1,
    );
    let file = scratch("repair/program").join("normalize_entries.py");
    std::fs::write(&file, &patched)?;
    let person = repairer("e2e-repair-programmer")?;
    let state = person.ok(&[
        "repair",
        &run,
        "--step",
        BROKEN_STEP,
        "--program",
        &file.to_string_lossy(),
    ])?;
    assert_eq!(state, "running");
    finish_and_check(&admin, &run, "program")?;
    let entries = repair_entries(&run)?;
    let hash = writ_canon::ContentHash::of_bytes(patched.as_bytes()).to_string();
    assert!(
        entries.len() == 1
            && entries[0]["reason"]
                .as_str()
                .is_some_and(|r| r.starts_with(&format!("code {hash} by person:"))),
        "{entries:?}"
    );
    // A run that is not awaiting repair refuses one.
    let (ok, _, err) = person.try_run(&[
        "repair",
        &run,
        "--step",
        BROKEN_STEP,
        "--program",
        &file.to_string_lossy(),
    ])?;
    assert!(!ok && err.contains("R0008"), "{err}");
    Ok(())
}

fn model_call_rows(run: &str) -> Result<u64> {
    Ok(psql(&format!(
        "SELECT count(*) FROM ledger_entries WHERE run_id = '{}' AND event_type = 'model_call'",
        run.replace('\'', "")
    ))?
    .trim()
    .parse()?)
}

fn model_run(server: &ModelServer, inputs: &Path) -> Result<String> {
    let body = json!({
        "objective": "Audit the billing entries against the engagement letter",
        "profile": "openai-compatible",
        "model_base_url": server.url,
        "inputs": upload_inputs(inputs, &env("WRIT_TOKEN"))?,
    });
    let (status, _, run) = call(http("POST", "/v1/runs", Some(&env("WRIT_TOKEN"))).send_json(body));
    if status != 201 {
        bail!("create: {status} {run}");
    }
    Ok(run["id"].as_str().unwrap_or_default().to_string())
}

#[test]
fn the_model_repairer_fixes_a_failing_program_and_the_sealed_run_needs_no_model() -> Result<()> {
    let admin = Writ::admin();
    let reviewer = reviewer("e2e-repair-model-reviewer")?;
    let server = ModelServer::start(
        env!("CARGO_BIN_EXE_writ-model-server"),
        &["--break-step", BROKEN_STEP],
    )?;
    let run = model_run(&server, &billing_data())?;
    let state = admin.wait(&run)?;
    let status = admin.status(&run)?;
    assert_eq!(
        state, "awaiting_approval",
        "the repair happened without a person: {status}"
    );
    approve_and_finish(&admin, &reviewer, &run)?;
    let n = assert_upstream_ran_once(&run)?;
    assert_eq!(
        n.get(BROKEN_STEP),
        Some(&4),
        "three attempts of the broken program, one of the repaired: {n:?}"
    );
    let entries = repair_entries(&run)?;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0]["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("code b3:") && r.contains("by model:gpt-4.1")),
        "{}",
        entries[0]
    );
    // The repairer's call is metered like every model call, and named by its step.
    let repairs = psql(&format!(
        "SELECT count(*) FROM ledger_entries WHERE run_id = '{run}' AND event_type = 'model_call' AND event LIKE '%{BROKEN_STEP}%' AND event LIKE '%gpt-4.1%'"
    ))?;
    assert!(
        repairs.trim().parse::<u64>()? >= 2,
        "the executor's and the repairer's calls: {repairs}"
    );
    let out = scratch("repair/model/out");
    admin.export(&run, &out)?;
    let expect = scratch("repair/model/oracle");
    oracle(&billing_data(), &expect)?;
    assert_same_file(&out.join("findings.csv"), &expect.join("findings.csv"));

    // Sealed with the repaired code of every step, it re-runs on another month with no model at all.
    drop(server);
    let program = admin.ok(&["seal", &run])?;
    let month = scratch("repair/model/month");
    shifted_month(61, &month)?;
    let run2 = admin.ok(&[
        "program",
        "run",
        &program,
        "--inputs",
        &month.to_string_lossy(),
    ])?;
    let state = admin.wait(&run2)?;
    if state == "awaiting_approval" {
        approve_and_finish(&admin, &reviewer, &run2)?;
    } else {
        bail!("the sealed run reached {state}: {}", admin.status(&run2)?);
    }
    let status = admin.status(&run2)?;
    assert_eq!(status["mode"], "sealed");
    assert_eq!(status["usage"]["model_calls"].as_u64(), Some(0), "{status}");
    eventually("the ledger outbox to drain", 60, || {
        Ok(admin.status(&run2)?["shell"]["ledger_pending"] == 0)
    })?;
    assert_eq!(
        model_call_rows(&run2)?,
        0,
        "no model-call row for the sealed run"
    );
    let out = scratch("repair/model/sealed");
    admin.export(&run2, &out)?;
    let expect = scratch("repair/model/sealed-oracle");
    oracle(&month, &expect)?;
    assert_same_file(&out.join("findings.csv"), &expect.join("findings.csv"));
    Ok(())
}
