//! Sealing: a passing run becomes a program that runs on new inputs with no model call, gives the
//! letter's answers for that month, and the same bytes when run twice.

use writ_e2e::*;

#[test]
fn sealed_program_reruns_on_a_new_month_without_models() -> anyhow::Result<()> {
    let admin = Writ::admin();
    let reviewer = reviewer("e2e-sealer")?;
    let run = run_to_gate(&admin, &billing_data())?;
    approve_and_finish(&admin, &reviewer, &run)?;
    let program = admin.ok(&["seal", &run])?;
    assert!(
        program.starts_with("prog_"),
        "seal prints the program id alone: {program}"
    );

    let month = scratch("sealed/month");
    shifted_month(61, &month)?;
    let mut hashes = Vec::new();
    for i in 0..2 {
        let run2 = admin.ok(&[
            "program",
            "run",
            &program,
            "--inputs",
            &month.to_string_lossy(),
        ])?;
        let st = admin.wait(&run2)?;
        if st == "awaiting_approval" {
            approve_and_finish(&admin, &reviewer, &run2)?;
        } else {
            assert_eq!(st, "succeeded");
        }
        let status = admin.status(&run2)?;
        assert_eq!(status["mode"], "sealed");
        assert_eq!(
            status["usage"]["model_calls"].as_u64().unwrap_or(0),
            0,
            "a sealed program makes no model call"
        );
        let out = scratch(&format!("sealed/run{i}"));
        admin.export(&run2, &out)?;
        let list: serde_json::Value =
            serde_json::from_str(&admin.ok(&["artifacts", "list", &run2])?)?;
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
        hashes.push(h);
        if i == 0 {
            let expect = scratch("sealed/oracle");
            oracle(&month, &expect)?;
            assert_same_file(&out.join("findings.csv"), &expect.join("findings.csv"));
            assert_same_file(
                &out.join("matter_months.csv"),
                &expect.join("matter_months.csv"),
            );
            assert_eq!(
                json_file(&out.join("summary.json")),
                json_file(&expect.join("summary.json"))
            );
        }
        eventually("the ledger outbox to drain", 60, || {
            Ok(admin.status(&run2)?["shell"]["ledger_pending"] == 0)
        })?;
        assert_eq!(
            model_call_rows(&run2)?,
            0,
            "the ledger shows no model call for a sealed run"
        );
    }
    assert_eq!(
        hashes[0], hashes[1],
        "the same inputs give the same artifact hashes"
    );
    assert_eq!(
        hashes[0].len(),
        4,
        "findings, matter_months, summary, report"
    );
    Ok(())
}

fn model_call_rows(run: &str) -> anyhow::Result<u64> {
    let out = std::process::Command::new("psql")
        .args(["-X", "-At", "-h", &env("WRIT_PG_SOCKET"), "-p", &env("WRIT_PG_PORT"), "-U", "postgres", "-d", "writ", "-c"])
        .arg(format!("SELECT count(*) FROM ledger_entries WHERE run_id = '{run}' AND event LIKE '%\"type\":\"model_call\"%'"))
        .output()?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
}
