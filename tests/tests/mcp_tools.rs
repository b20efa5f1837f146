//! MCP tools in the catalog, governed (issue 23): a local MCP server on the official Python SDK
//! (`tests/mcp_server.py`, two tools) is registered with `writ catalog mcp add`; a plan binding
//! `mcp.<server>.add` runs and its step calls the tool through the bridge, each call in the ledger; the
//! imported but unbound `echo` is refused; a server that stops mid-run fails the call with a reason, not a
//! hang; a tool whose schemas changed is refused at compile time with E0047 naming both versions.

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use writ_e2e::*;

/// `tests/mcp_server.py` on a free port of 127.0.0.1, killed on drop (if it has not stopped by itself).
struct McpServer {
    child: Child,
    port: u16,
}

impl McpServer {
    fn start(extra: &[&str], port: Option<u16>) -> Result<McpServer> {
        let port = match port {
            Some(p) => p,
            None => TcpListener::bind("127.0.0.1:0")?.local_addr()?.port(),
        };
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        let child = Command::new(python)
            .arg(root().join("tests/mcp_server.py"))
            .args(["--port", &port.to_string()])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting tests/mcp_server.py")?;
        let mut server = McpServer { child, port };
        let t0 = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if t0.elapsed() > Duration::from_secs(30) || server.child.try_wait()?.is_some() {
                bail!("the MCP server did not start on port {port}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for McpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A one-step plan whose hybrid step adds up the `amount` column with `<server>.add`, one call per row, and
/// tries the unbound `<server>.echo`; it reports what it got, and the first failure, instead of raising.
fn candidate(server: &str, tool_ref: &str) -> Value {
    let code = format!(
        r#"import writ

total = 0.0
calls = 0
failed = None
for r in writ.table("rows"):
    try:
        total = writ.call_tool("mcp.{server}.add", {{"a": total, "b": float(r["amount"])}})["sum"]
        calls += 1
    except writ.ToolError as e:
        failed = {{"code": e.code, "message": e.message}}
        break
try:
    writ.call_tool("mcp.{server}.echo", {{"text": "not bound"}})
    refused = None
except writ.ToolError as e:
    refused = {{"code": e.code, "message": e.message}}
# Floats are not exact enough to publish; the total goes out as its decimal text.
writ.emit("summary", {{"total": str(total), "calls": calls, "failed": failed, "refused": refused}})
"#
    );
    json!({
        "objective": "Add up the amounts with a tool from an MCP server.",
        "domain": "data-merge-transform",
        "workflow": "normalize-transform",
        "policy": "provenance",
        "inputs": [{"name": "rows", "kind": "table.csv"}],
        "steps": [{
            "id": "total", "intent": "Add up the amounts with the calculator tool.", "kind": "hybrid",
            "inputs": {"rows": "run.rows"},
            "outputs": [{"slot": "summary", "kind": "object.json", "publish": true, "name": "summary.json"}],
            "tools": [tool_ref],
            "code": code,
            "max_retries": 0
        }]
    })
}

fn rows_input() -> Result<Value> {
    let dir = scratch("mcp-tools-input");
    std::fs::write(dir.join("rows.csv"), "id,amount\n1,1.5\n2,2.25\n3,4\n")?;
    upload_inputs(&dir, &env("WRIT_TOKEN"))
}

/// Runs the plan to its end; (state, summary.json or Null, status).
fn run(plan: &Value, inputs: &Value) -> Result<(String, Value, Value)> {
    run_at("/v1/runs", &json!({"plan": plan, "inputs": inputs}))
}

/// Starts a run with a POST to `path` and follows it to its end.
fn run_at(path: &str, request: &Value) -> Result<(String, Value, Value)> {
    let (status, _, body) =
        call(http("POST", path, Some(&env("WRIT_TOKEN"))).send_json(request.clone()));
    if status != 201 {
        bail!("POST {path}: {status} {body}");
    }
    let id = body["id"].as_str().context("run id")?.to_string();
    let w = Writ::admin();
    let state = w.wait(&id)?;
    let (_, _, summary) = call(
        http(
            "GET",
            &format!("/v1/runs/{id}/artifacts/summary.json"),
            Some(&env("WRIT_TOKEN")),
        )
        .call(),
    );
    let mut st = w.status(&id)?;
    st["id"] = json!(id);
    Ok((state, summary, st))
}

/// (tool, ok) of each `tool_call` ledger entry of a run, in order.
fn ledger_tool_calls(run: &str) -> Result<Vec<(String, bool)>> {
    let out = psql(&format!(
        "SELECT (event::jsonb)->>'tool', (event::jsonb)->>'ok' FROM ledger_entries \
         WHERE run_id = '{}' AND event_type = 'tool_call' ORDER BY seq",
        run.replace('\'', "")
    ))?;
    Ok(out
        .lines()
        .filter_map(|l| l.split_once('|'))
        .map(|(t, ok)| (t.to_string(), ok == "true"))
        .collect())
}

fn mcp_add(name: &str, url: &str) -> Result<Value> {
    Ok(serde_json::from_str(
        &Writ::admin().ok(&["catalog", "mcp", "add", name, url])?,
    )?)
}

#[test]
fn a_step_calls_a_bound_mcp_tool_through_the_bridge_and_nothing_else() -> Result<()> {
    let mut server = McpServer::start(&[], None)?;
    let imported = mcp_add("calc", &server.url())?;
    let ids: Vec<&str> = imported["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["id"].as_str())
        .collect();
    assert_eq!(ids, ["mcp.calc.add", "mcp.calc.echo"]);
    let add_hash = imported["tools"][0]["hash"]
        .as_str()
        .context("hash")?
        .to_string();
    let listed: Value = serde_json::from_str(&Writ::admin().ok(&["catalog", "mcp", "list"])?)?;
    assert!(listed["servers"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|s| s["name"] == "calc" && s["tools"][0]["hash"] == add_hash.as_str()));

    let inputs = rows_input()?;
    let (state, summary, status) = run(&candidate("calc", "mcp.calc.add"), &inputs)?;
    assert_eq!(state, "succeeded", "{status}");
    assert_eq!(summary["total"], "7.75", "{summary}");
    assert_eq!(summary["calls"], 3);
    assert_eq!(summary["failed"], Value::Null);
    // Imported, but not bound to the step: refused before it leaves the sandbox, which is given only the
    // step's bound tools (the run machine refuses it too, R0016, if it ever got that far).
    assert_eq!(summary["refused"]["code"], "tool-not-allowed", "{summary}");
    // Every call is in the ledger (flushed from the run's outbox shortly after), with its result hash.
    let run_id = status["id"].as_str().unwrap_or_default();
    let mut calls = Vec::new();
    eventually("the run's tool calls in the ledger", 30, || {
        calls = ledger_tool_calls(run_id)?;
        Ok(calls.len() >= 3)
    })?;
    assert_eq!(calls, vec![("mcp.calc.add".to_string(), true); 3]);

    // The server changes `add`'s schemas; refreshed, the tool has a new version, and a plan pinned at the
    // old one does not compile.
    let port = server.port;
    server.stop();
    let server = McpServer::start(&["--v2"], Some(port))?;
    let refreshed: Value =
        serde_json::from_str(&Writ::admin().ok(&["catalog", "mcp", "refresh", "calc"])?)?;
    let new_hash = refreshed["tools"][0]["hash"].as_str().context("hash")?;
    assert_ne!(new_hash, add_hash);
    assert_eq!(refreshed["tools"][1]["hash"], imported["tools"][1]["hash"]);
    // A program sealed from the first run froze `add` at its first version: the run machine refuses the call
    // (R0043), naming both versions.
    let (_, _, sealed) = call(
        http(
            "POST",
            &format!("/v1/runs/{run_id}/seal"),
            Some(&env("WRIT_TOKEN")),
        )
        .send_json(json!({})),
    );
    let program = sealed["id"].as_str().context("program id")?;
    let (state, summary, status) = run_at(
        &format!("/v1/programs/{program}/runs"),
        &json!({"inputs": inputs}),
    )?;
    assert_eq!(state, "succeeded", "{status}");
    assert_eq!(summary["calls"], 0, "{summary}");
    assert_eq!(summary["failed"]["code"], "R0043", "{summary}");
    let reason = summary["failed"]["message"].as_str().unwrap_or_default();
    assert!(
        reason.contains(&add_hash) && reason.contains(new_hash),
        "{reason}"
    );

    let pinned = candidate("calc", &format!("mcp.calc.add@{add_hash}"));
    let (status, _, body) = call(
        http("POST", "/v1/plans/compile", Some(&env("WRIT_TOKEN")))
            .send_json(json!({"candidate": pinned})),
    );
    assert_eq!(status, 422, "{body}");
    let d = &body["diagnostics"][0];
    assert_eq!(d["code"], "E0047", "{body}");
    let message = d["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&add_hash) && message.contains(new_hash),
        "{message}"
    );
    drop(server);
    Ok(())
}

#[test]
fn a_server_that_stops_mid_run_fails_the_call_with_a_reason_not_a_hang() -> Result<()> {
    // It answers one tool call, then stops by itself.
    let server = McpServer::start(&["--stop-after", "1"], None)?;
    mcp_add("flaky", &server.url())?;
    let t0 = Instant::now();
    let (state, summary, status) = run(&candidate("flaky", "mcp.flaky.add"), &rows_input()?)?;
    assert_eq!(state, "succeeded", "{status}");
    assert_eq!(summary["calls"], 1, "{summary}");
    assert_eq!(summary["failed"]["code"], "mcp.unavailable", "{summary}");
    let reason = summary["failed"]["message"].as_str().unwrap_or_default();
    assert!(reason.contains("MCP server `flaky` failed"), "{reason}");
    assert!(
        t0.elapsed() < Duration::from_secs(90),
        "took {:?}",
        t0.elapsed()
    );
    let run_id = status["id"].as_str().unwrap_or_default();
    let mut calls = Vec::new();
    eventually("the run's tool calls in the ledger", 30, || {
        calls = ledger_tool_calls(run_id)?;
        Ok(calls.len() >= 2)
    })?;
    let add = |ok| ("mcp.flaky.add".to_string(), ok);
    assert_eq!(calls, [add(true), add(false)]);
    Ok(())
}
