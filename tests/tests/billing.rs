//! The canonical run through the stack: the billing audit with the built-in provider, its approval gate,
//! its artifacts checked against the independent oracle, the trace of the total, the ledger.

use writ_e2e::*;

#[test]
fn billing_audit_end_to_end() -> anyhow::Result<()> {
    let admin = Writ::admin();
    let run = run_to_gate(&admin, &billing_data())?;
    let status = admin.status(&run)?;
    assert_eq!(status["state"], "awaiting_approval");
    assert_eq!(
        status["pending_approvals"],
        serde_json::json!(["ps-9-report"])
    );
    assert!(
        status["served_by"]
            .as_str()
            .unwrap_or("")
            .starts_with("builtin"),
        "the run says the built-in provider served it"
    );

    // The gate: a token without `approve` is refused; the creator is refused; a separate reviewer opens it.
    let reader = admin.ok(&[
        "token",
        "create",
        "--name",
        "reader",
        "--scopes",
        "runs:read",
    ])?;
    let (ok, _, err) = Writ::with(&reader).try_run(&["approve", &run, "--step", "ps-9-report"])?;
    assert!(
        !ok && err.contains("403"),
        "a token without the approve scope must be refused: {err}"
    );
    let (ok, _, err) = admin.try_run(&["approve", &run, "--step", "ps-9-report"])?;
    assert!(
        !ok && err.contains("403"),
        "the run's creator must not approve its own run: {err}"
    );
    assert_eq!(
        admin.status(&run)?["state"],
        "awaiting_approval",
        "refused approvals leave the gate closed"
    );
    let reviewer = reviewer("e2e-reviewer")?;
    approve_and_finish(&admin, &reviewer, &run)?;

    // The artifacts agree exactly with the letter's rules (the oracle).
    let out = scratch("billing/run");
    let expect = scratch("billing/oracle");
    admin.export(&run, &out)?;
    oracle(&billing_data(), &expect)?;
    assert_same_file(&out.join("findings.csv"), &expect.join("findings.csv"));
    assert_same_file(
        &out.join("matter_months.csv"),
        &expect.join("matter_months.csv"),
    );
    assert_eq!(
        json_file(&out.join("summary.json")),
        json_file(&expect.join("summary.json"))
    );
    let report = std::fs::read_to_string(out.join("report.md"))?;
    assert!(
        report.contains("trace:summary.json:/total_payable"),
        "the report links its figures to their traces"
    );

    // The total payable traces back to every time entry it sums.
    let trace: serde_json::Value = serde_json::from_str(&admin.ok(&[
        "trace",
        &run,
        "summary.json:/total_payable",
        "--json",
    ])?)?;
    let entries: std::collections::BTreeSet<String> = trace["sources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["file"] == "time_entries.csv")
        .filter_map(|s| s["key"].as_str().map(String::from))
        .collect();
    assert_eq!(
        entries.len(),
        753,
        "the trace names every entry the total sums"
    );
    assert!(entries.contains("TE-10001") && entries.contains("TE-10753"));
    assert_eq!(
        trace["value"],
        json_file(&out.join("summary.json"))["total_payable"]
    );

    // The ledger: every event of the run arrives, and the chain verifies.
    eventually("the ledger outbox to drain", 60, || {
        Ok(admin.status(&run)?["shell"]["ledger_pending"] == 0)
    })?;
    let recorded = admin.status(&run)?["shell"]["ledger_recorded"]
        .as_u64()
        .unwrap_or(0);
    assert!(recorded > 100, "the run recorded its events ({recorded})");
    assert_eq!(
        ledger_rows(&run)?,
        recorded,
        "every recorded entry is in Postgres exactly once"
    );
    admin.ok(&["ledger", "verify"])?;
    Ok(())
}
