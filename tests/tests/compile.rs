//! The worker runs the same compiler as the CLI: the same candidate gives the same frozen plan bytes.

use serde_json::Value;
use writ_e2e::*;

#[test]
fn worker_and_cli_freeze_identical_bytes() -> anyhow::Result<()> {
    let dir = scratch("compile");
    let template = root().join("packs/billing-audit/template.json");
    let cli_out = dir.join("cli.json");
    Writ::admin().ok(&[
        "compile",
        &template.to_string_lossy(),
        "-o",
        &cli_out.to_string_lossy(),
    ])?;
    let candidate: Value = serde_json::from_str(&std::fs::read_to_string(&template)?)?;
    let resp = http("POST", "/v1/plans/compile", Some(&env("WRIT_TOKEN")))
        .send_json(serde_json::json!({"candidate": candidate}))?;
    assert_eq!(resp.status(), 200);
    let worker_bytes = resp.into_string()?;
    let cli_bytes = std::fs::read_to_string(&cli_out)?;
    assert_eq!(
        worker_bytes.trim_end(),
        cli_bytes.trim_end(),
        "the worker (wasm32) and the CLI (native) must freeze the same bytes"
    );
    // And the frozen plan verifies.
    Writ::admin().ok(&["verify", &cli_out.to_string_lossy()])?;
    Ok(())
}
