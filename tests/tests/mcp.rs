//! writ as an MCP server (issue 23): the official Python SDK's client (`tests/mcp_client.py`) connects to
//! `/mcp`, lists the tools, checks a plan candidate and a defective one (its diagnostic codes come back as
//! structured content), starts a billing run on uploaded inputs, and, once a person has approved the gate
//! (no MCP tool can), reads the run's status, an artifact and a trace. The transport's own rules (auth, 405,
//! notifications, scopes) are checked over raw HTTP.

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use writ_e2e::*;

/// `python3 tests/mcp_client.py PHASE` with `request` on stdin; its JSON report.
fn client(phase: &str, request: &Value) -> Result<Value> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let mut child = Command::new(&python)
        .arg(root().join("tests/mcp_client.py"))
        .arg(phase)
        .env("WRIT_API", env("WRIT_API"))
        .env("WRIT_TOKEN", env("WRIT_TOKEN"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {python} tests/mcp_client.py"))?;
    child
        .stdin
        .take()
        .context("stdin")?
        .write_all(request.to_string().as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "mcp_client.py {phase} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// One JSON-RPC message to `/mcp`: (status, body).
fn rpc(token: Option<&str>, message: Value) -> (u16, Value) {
    let (status, _, body) = call(http("POST", "/mcp", token).send_json(message));
    (status, body)
}

#[test]
fn the_official_client_checks_a_plan_starts_a_run_and_reads_what_it_published() -> Result<()> {
    let candidate: Value = serde_json::from_str(&std::fs::read_to_string(
        root().join("packs/billing-audit/template.json"),
    )?)?;
    // Two defects: an input no run supplies, and a tool the catalog does not have.
    let mut defective = candidate.clone();
    defective["steps"][0]["inputs"]["time_entries"] = json!("run.no_such_input");
    defective["steps"][0]["tools"] = json!(["no.such_tool"]);
    let inputs = upload_inputs(&billing_data(), &env("WRIT_TOKEN"))?;

    let started = client(
        "start",
        &json!({"candidate": candidate, "defective": defective, "inputs": inputs}),
    )?;
    assert_eq!(started["protocol_version"], "2025-11-25");
    assert_eq!(started["server"], "writ");
    assert_eq!(started["first_workflow"], "billing-audit");
    assert_eq!(started["good"]["ok"], true);
    assert!(started["good"]["plan_hash"]
        .as_str()
        .is_some_and(|h| h.starts_with("b3:")));
    assert_eq!(started["bad"]["ok"], false);
    // E0018: the unknown tool; E0027: the undeclared run input; E0031 (a warning): what follows from it.
    assert_eq!(started["bad"]["codes"], json!(["E0018", "E0027", "E0031"]));
    assert_eq!(started["wrong_arguments"]["is_error"], true);
    assert_eq!(started["wrong_arguments"]["codes"], json!(["S0004"]));

    // A person approves the gate, outside MCP.
    let run = started["run"].as_str().context("run id")?.to_string();
    let w = Writ::admin();
    assert_eq!(w.wait(&run)?, "awaiting_approval");
    approve_and_finish(&w, &reviewer("mcp-reviewer")?, &run)?;

    let read = client("read", &json!({"run": run}))?;
    assert_eq!(read["state"], "succeeded");
    assert_eq!(read["pending_approvals"], json!([]));
    assert_eq!(read["traced_value"], read["total_payable"]);
    assert!(read["traced_sources"].as_u64().unwrap_or(0) > 0, "{read}");
    assert_eq!(
        read["missing_artifact"],
        json!({"is_error": true, "status": 404})
    );
    // The same artifact as the REST API serves.
    let rest = http(
        "GET",
        &format!("/v1/runs/{run}/artifacts/summary.json"),
        Some(&env("WRIT_TOKEN")),
    )
    .call()?;
    assert_eq!(
        rest.header("x-writ-hash"),
        read["summary_hash"].as_str(),
        "{read}"
    );
    Ok(())
}

#[test]
fn the_transport_authenticates_and_keeps_scopes() -> Result<()> {
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "0"}}});
    // No token: the REST API's 401.
    let (status, _) = rpc(None, init.clone());
    assert_eq!(status, 401);
    let admin = env("WRIT_TOKEN");
    let (status, body) = rpc(Some(&admin), init);
    assert_eq!(status, 200);
    assert_eq!(body["result"]["protocolVersion"], "2025-11-25");
    // A notification is accepted with no body; GET (no server stream) is a 405.
    let (status, _) = rpc(
        Some(&admin),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    );
    assert_eq!(status, 202);
    let (status, _, _) = call(http("GET", "/mcp", Some(&admin)).call());
    assert_eq!(status, 405);
    // Unknown methods and tools are JSON-RPC errors.
    let (_, body) = rpc(
        Some(&admin),
        json!({"jsonrpc": "2.0", "id": 2, "method": "resources/list"}),
    );
    assert_eq!(body["error"]["code"], -32601);
    let (_, body) = rpc(
        Some(&admin),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "approve", "arguments": {}}}),
    );
    assert_eq!(body["error"]["code"], -32602);
    // A reviewer's token reads but cannot start a run: the REST scopes hold for the tools too.
    let reviewer = reviewer("mcp-scopes")?;
    let (_, body) = rpc(
        Some(&reviewer),
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
            "params": {"name": "start_run", "arguments": {"workflow": "billing-audit", "inputs": {}}}}),
    );
    assert_eq!(body["result"]["isError"], true, "{body}");
    assert_eq!(body["result"]["structuredContent"]["status"], 403);
    Ok(())
}
