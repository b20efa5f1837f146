//! The three workloads beyond billing, end to end on the local stack: each runs from its shared data through
//! its approval gate, its export agrees with the pack's independent oracle, the ledger holds one evaluator
//! proof record per judged item; then the run is sealed and its program screens a held-out-like batch the
//! pack generates (other numbers, layouts, sizes), with zero model calls and the same acceptance.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Result};
use writ_e2e::*;

/// `python3 packs/<pack>/tests/e2e.py <args>`: fails with the script's message.
fn pack_script(pack: &str, args: &[&str]) -> Result<String> {
    let out = Command::new("python3")
        .arg(root().join(format!("packs/{pack}/tests/e2e.py")))
        .args(args)
        .output()?;
    if !out.status.success() {
        bail!(
            "{pack} e2e.py {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Ledger rows of `run` whose event is of `kind` (e.g. `evaluator_verdict`).
fn ledger_events(run: &str, kind: &str) -> Result<u64> {
    let out = Command::new("psql")
        .args(["-X", "-At", "-h", &env("WRIT_PG_SOCKET"), "-p", &env("WRIT_PG_PORT"), "-U", "postgres", "-d", "writ", "-c"])
        .arg(format!(
            "SELECT count(*) FROM ledger_entries WHERE run_id = '{}' AND event LIKE '%\"type\":\"{kind}\"%'",
            run.replace('\'', "")
        ))
        .output()?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
}

/// The ledger's `evaluator_verdict` events of `run` (their stored canonical JSON text).
fn verdict_events(run: &str) -> Result<Vec<String>> {
    let out = Command::new("psql")
        .args(["-X", "-At", "-h", &env("WRIT_PG_SOCKET"), "-p", &env("WRIT_PG_PORT"), "-U", "postgres", "-d", "writ", "-c"])
        .arg(format!(
            "SELECT event FROM ledger_entries WHERE run_id = '{}' AND event LIKE '%\"type\":\"evaluator_verdict\"%'",
            run.replace('\'', "")
        ))
        .output()?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect())
}

/// `writ trace RUN <artifact>:<pointer>` reaches the item's source lines through the code line, and the
/// governed evaluator's proof record for that item, which is an entry of the ledger.
fn trace_reaches_the_judgement(
    w: &Writ,
    run: &str,
    export: &Path,
    target: &str,
    id: &str,
) -> Result<()> {
    let (artifact, pointer) = target.split_once(':').unwrap_or((target, ""));
    let row = pointer
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("1");
    // The item the row is about, read from the exported table (1-based data row).
    let expected = Command::new("python3")
        .args(["-c", "import csv,sys; print(list(csv.DictReader(open(sys.argv[1])))[int(sys.argv[2])-1][sys.argv[3]])"])
        .arg(export.join(artifact))
        .args([row, id])
        .output()?;
    let expected = String::from_utf8_lossy(&expected.stdout).trim().to_string();
    let t: serde_json::Value = serde_json::from_str(&w.ok(&["trace", run, target, "--json"])?)?;
    let judgements = t["judgements"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        judgements.len(),
        1,
        "{target}: one judgement decided it: {t}"
    );
    assert_eq!(
        judgements[0]["item"],
        expected.as_str(),
        "{target}: the judgement of its own item: {t}"
    );
    assert!(
        t["sources"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|s| s["line"].as_u64().is_some()),
        "{target} reaches source lines: {t}"
    );
    assert!(
        t["chain"][0]["code"]["line"].as_u64().is_some(),
        "{target} names the code line that wrote it: {t}"
    );
    let proof = judgements[0]["proof"].as_str().unwrap_or_default();
    let in_ledger = verdict_events(run)?
        .iter()
        .any(|e| writ_canon::ContentHash::of_bytes(e.as_bytes()).to_string() == proof);
    assert!(
        in_ledger,
        "the proof record {proof} is an entry of the ledger"
    );
    println!("{}", w.ok(&["trace", run, target])?);
    Ok(())
}

/// Runs `workflow` (or `program`) on `inputs` to its gate, approves as a separate reviewer, exports.
fn run_through_gate(
    w: &Writ,
    reviewer: &str,
    start: &[&str],
    inputs: &Path,
    out: &Path,
) -> Result<String> {
    let mut args: Vec<&str> = start.to_vec();
    let inputs_text = inputs.to_string_lossy();
    args.extend(["--inputs", &inputs_text]);
    let run = w.ok(&args)?;
    let state = w.wait(&run)?;
    if state != "awaiting_approval" {
        bail!(
            "run {run} reached {state}, not its gate: {}",
            w.status(&run)?
        );
    }
    approve_and_finish(w, reviewer, &run)?;
    w.export(&run, out)?;
    Ok(run)
}

/// `pack` judges `items` items; `traced` (artifact:pointer, the id column naming the item), a value decided
/// by a judgement, when the pack's items are judged one by one.
fn workload(pack: &str, items: u64, traced: Option<(&str, &str)>) -> Result<()> {
    let admin = Writ::admin();
    let reviewer = reviewer(&format!("e2e-{pack}-reviewer"))?;
    let shared = root().join("..").join("shared/data").join(pack);
    let out = scratch(&format!("{pack}/shared"));
    let run = run_through_gate(
        &admin,
        &reviewer,
        &["run", "--workflow", pack],
        &shared,
        &out,
    )?;
    println!(
        "{}",
        pack_script(
            pack,
            &["check", &shared.to_string_lossy(), &out.to_string_lossy()]
        )?
    );
    eventually("the ledger outbox to drain", 90, || {
        Ok(admin.status(&run)?["shell"]["ledger_pending"] == 0)
    })?;
    let verdicts = ledger_events(&run, "evaluator_verdict")?;
    assert!(
        verdicts >= items,
        "{pack}: {verdicts} evaluator proof records for {items} items"
    );

    if let Some((target, id)) = traced {
        trace_reaches_the_judgement(&admin, &run, &out, target, id)?;
    }

    let program = admin.ok(&["seal", &run])?;
    let held = scratch(&format!("{pack}/held-out"));
    pack_script(pack, &["make", &held.to_string_lossy(), "7"])?;
    let out2 = scratch(&format!("{pack}/held-out-export"));
    let run2 = run_through_gate(
        &admin,
        &reviewer,
        &["program", "run", &program],
        &held,
        &out2,
    )?;
    println!(
        "{}",
        pack_script(
            pack,
            &["check", &held.to_string_lossy(), &out2.to_string_lossy()]
        )?
    );
    let status = admin.status(&run2)?;
    assert_eq!(status["mode"], "sealed");
    assert_eq!(
        status["usage"]["model_calls"].as_u64().unwrap_or(0),
        0,
        "a sealed program calls no model"
    );
    eventually("the ledger outbox to drain", 90, || {
        Ok(admin.status(&run2)?["shell"]["ledger_pending"] == 0)
    })?;
    assert_eq!(ledger_events(&run2, "model_call")?, 0);
    admin.ok(&["ledger", "verify"])?;
    Ok(())
}

#[test]
fn contract_review_end_to_end_and_sealed_on_another_batch() -> Result<()> {
    workload(
        "contract-review",
        200,
        Some(("deviations.csv:/1/excerpt", "contract_id")),
    )
}

#[test]
fn resume_screening_end_to_end_and_sealed_on_another_batch() -> Result<()> {
    workload(
        "resume-screening",
        1000,
        Some(("candidates.csv:/1/score", "candidate_id")),
    )
}

#[test]
fn site_build_end_to_end_and_sealed_on_another_manifest() -> Result<()> {
    workload("site-build", 500, None)
}

/// A batch of the first `n` shared contracts and the standard form, in a scratch folder.
fn contract_batch(name: &str, n: usize) -> Result<(std::path::PathBuf, Vec<String>)> {
    let shared = root().join("../shared/data/contract-review");
    let dir = scratch(name);
    std::fs::copy(shared.join("standard_msa.md"), dir.join("standard_msa.md"))?;
    std::fs::create_dir_all(dir.join("contracts"))?;
    let mut files: Vec<_> = std::fs::read_dir(shared.join("contracts"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let mut ids = Vec::new();
    for f in files.into_iter().take(n) {
        let name = f.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        std::fs::copy(&f, dir.join("contracts").join(&name))?;
        ids.push(
            f.file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string(),
        );
    }
    Ok((dir, ids))
}

/// `writ run` of the contract review on the `model-audited` profile, its auditor served from `url`.
fn model_judged_run<'a>(profile_override: &'a str, url: &'a str) -> [&'a str; 9] {
    [
        "run",
        "--workflow",
        "contract-review",
        "--profile",
        "model-audited",
        "--profile-override",
        profile_override,
        "--model-base-url",
        url,
    ]
}

#[test]
fn contract_review_judged_by_a_model_evaluator() -> Result<()> {
    // The governed evaluator is the auditor phase's model: here a stand-in over the OpenAI wire format that
    // judges each contract's evidence bundle with the pack's rubric. It rate-limits and fails first, then
    // answers once with no readable JSON (re-asked); the run is exact all the same.
    let admin = Writ::admin();
    let reviewer = reviewer("e2e-model-evaluator-reviewer")?;
    let judge = "openai-compatible judge-1";
    let profile = serde_json::json!({"phases": {"auditor": {"provider": "openai-compatible", "model": "judge-1", "params": {"timeout_ms": 2000}}}, "prices": {"judge-1": {"input_usd_per_mtok": 1.0, "output_usd_per_mtok": 4.0}}}).to_string();
    let server = ModelServer::start(
        env!("CARGO_BIN_EXE_writ-model-server"),
        &["--fail-first", "2", "--malformed-first", "1"],
    )?;
    let (batch, ids) = contract_batch("contract-review/model-judged", 12)?;
    let out = scratch("contract-review/model-judged-export");
    let start = model_judged_run(&profile, &server.url);
    let run = run_through_gate(&admin, &reviewer, &start, &batch, &out)?;
    println!(
        "{}",
        pack_script(
            "contract-review",
            &["check", &batch.to_string_lossy(), &out.to_string_lossy()]
        )?
    );
    let status = admin.status(&run)?;
    assert!(
        status["served_by"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("evaluator: {judge}")),
        "{status}"
    );
    assert!(
        status["usage"]["model_calls"].as_u64().unwrap_or(0) >= ids.len() as u64,
        "{status}"
    );
    eventually("the ledger outbox to drain", 90, || {
        Ok(admin.status(&run)?["shell"]["ledger_pending"] == 0)
    })?;
    let verdicts = verdict_events(&run)?;
    assert_eq!(verdicts.len(), ids.len(), "one proof record per contract");
    assert!(
        verdicts
            .iter()
            .all(|v| v.contains(&format!("\"judged_by\":\"{judge}\""))),
        "every verdict names the model that gave it: {verdicts:?}"
    );
    assert!(ledger_events(&run, "model_call")? >= ids.len() as u64);
    trace_reaches_the_judgement(
        &admin,
        &run,
        &out,
        "deviations.csv:/1/excerpt",
        "contract_id",
    )?;
    let t: serde_json::Value = serde_json::from_str(&admin.ok(&[
        "trace",
        &run,
        "deviations.csv:/1/excerpt",
        "--json",
    ])?)?;
    assert_eq!(t["judgements"][0]["judged_by"], judge, "{t}");
    admin.ok(&["ledger", "verify"])?;

    // A contract the model never answers about in time: its calls time out, are retried, and the item is
    // reported with the reason; the other contracts are judged, and the run reaches its gate.
    let (batch, ids) = contract_batch("contract-review/model-timeout", 3)?;
    let hang = ids[1].clone();
    let server = ModelServer::start(
        env!("CARGO_BIN_EXE_writ-model-server"),
        &["--hang-item", &hang],
    )?;
    let out = scratch("contract-review/model-timeout-export");
    let start = model_judged_run(&profile, &server.url);
    run_through_gate(&admin, &reviewer, &start, &batch, &out)?;
    let exceptions = std::fs::read_to_string(out.join("exceptions.csv"))?;
    let row = exceptions
        .lines()
        .find(|l| l.starts_with(&format!("{hang},")))
        .unwrap_or_default();
    assert!(
        row.contains("no verdict"),
        "{hang} is an exception with the reason: {exceptions}"
    );
    let deviations = std::fs::read_to_string(out.join("deviations.csv"))?;
    assert!(!deviations.contains(&format!("{hang},")), "{deviations}");
    assert!(
        ids.iter().filter(|i| **i != hang).all(|i| deviations.contains(&format!("{i},")) || exceptions.contains(&format!("{i},"))),
        "the other contracts are judged: {deviations}"
    );
    Ok(())
}

#[test]
fn a_column_the_ladder_renames_is_published_renamed_with_its_correction_recorded() -> Result<()> {
    // The step's code names a column `Contract ID`; the schema's is `contract_id`. Stage 3 renames it, and
    // the published bytes are the ladder's output, not the sandbox's.
    let admin = Writ::admin();
    let (batch, ids) = contract_batch("ladder/renamed", 3)?;
    std::fs::remove_file(batch.join("standard_msa.md"))?;
    let plan = root().join("tests/tests/fixtures/renamed-column.plan.json");
    let run = admin.ok(&[
        "run",
        "--plan",
        &plan.to_string_lossy(),
        "--inputs",
        &batch.to_string_lossy(),
    ])?;
    assert_eq!(admin.wait(&run)?, "succeeded", "{}", admin.status(&run)?);
    let out = scratch("ladder/renamed-export");
    admin.export(&run, &out)?;
    let table = std::fs::read_to_string(out.join("exceptions.csv"))?;
    assert!(
        table.starts_with("contract_id,file,clause,reason\n"),
        "{table}"
    );
    for id in &ids {
        assert!(table.contains(&format!("\n{id},{id}.txt,,")), "{table}");
    }
    let status = admin.status(&run)?;
    let corrections = &status["steps"][0]["corrections"];
    assert_eq!(corrections[0]["stage"], "synonyms", "{status}");
    assert!(
        corrections[0]["what"]
            .as_str()
            .unwrap_or_default()
            .contains("`Contract ID` to `contract_id`"),
        "{status}"
    );
    assert_eq!(
        status["steps"][0]["executed_by"], "the plan's own code",
        "{status}"
    );
    eventually("the ledger outbox to drain", 90, || {
        Ok(admin.status(&run)?["shell"]["ledger_pending"] == 0)
    })?;
    assert_eq!(
        ledger_events(&run, "correction")?,
        1,
        "one correction, in the ledger"
    );
    // The renamed cell still traces to the line it came from.
    let t: serde_json::Value = serde_json::from_str(&admin.ok(&[
        "trace",
        &run,
        "exceptions.csv:/1/contract_id",
        "--json",
    ])?)?;
    assert_eq!(t["value"], ids[0].as_str(), "{t}");
    assert_eq!(t["sources"][0]["line"], 1, "{t}");
    Ok(())
}
