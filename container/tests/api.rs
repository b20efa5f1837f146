//! The HTTP contract: receipts for good requests, problem+json for bad ones, the protocol's directory
//! layout as the step sees it, outputs measured by the server, and the tool bridge end to end.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use common::{b3, Sandbox};
use serde_json::{json, Value};

#[test]
fn bad_requests_get_problem_json_and_nothing_runs() -> Result<()> {
    let sandbox = Sandbox::start(&["--max-body-mb", "1"])?;
    let text = "a,b\n1,2\n";
    let marker = sandbox.work_root.join("ran");
    let program = format!("open({:?}, 'w')", marker.display().to_string());
    let big = "x".repeat(2 * 1024 * 1024);
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("not json", b"{nope".to_vec(), 400, "malformed-json"),
        ("missing program", json!({"attempt_id": "a"}).to_string().into_bytes(), 422, "invalid-request"),
        (
            "hash mismatch",
            json!({"attempt_id": "a", "program": program, "inputs": {"t": {"kind": "table.csv", "hash": b3(b"other"),
                "files": [{"name": "t.csv", "text": text, "hash": b3(b"other")}]}}})
            .to_string()
            .into_bytes(),
            422,
            "input-hash-mismatch",
        ),
        (
            "path traversal",
            json!({"attempt_id": "a", "program": program, "inputs": {"t": {"kind": "k", "hash": b3(text.as_bytes()),
                "files": [{"name": "../../x", "text": text, "hash": b3(text.as_bytes())}]}}})
            .to_string()
            .into_bytes(),
            422,
            "invalid-request",
        ),
        ("too large", json!({"attempt_id": "a", "program": big}).to_string().into_bytes(), 413, "body-too-large"),
    ];
    for (name, body, status, slug) in cases {
        let (got_status, content_type, problem) = sandbox.post_raw(&body)?;
        assert_eq!(got_status, status, "{name}: {problem}");
        assert_eq!(content_type, "application/problem+json", "{name}");
        assert_eq!(
            problem["type"],
            format!("https://writ.dev/problems/{slug}"),
            "{name}"
        );
        assert_eq!(problem["status"], status, "{name}");
    }
    assert!(
        !marker.exists(),
        "a refused request must not run its program"
    );
    let response = ureq::get(&format!("{}/nowhere", sandbox.base)).call();
    assert!(matches!(response, Err(ureq::Error::Status(404, _))));
    Ok(())
}

#[test]
fn the_step_sees_the_protocol_layout_and_outputs_are_measured() -> Result<()> {
    let sandbox = Sandbox::start(&[])?;
    let csv = "client,hours\nacme,3\nglobex,\"4\n(split)\"\n";
    let program = r#"
import json, os, sys
import helper
manifest = json.load(open("inputs.json"))
entries = manifest["entries"]["files"][0]
data = open(entries["path"]).read()
os.makedirs("out/findings", exist_ok=True)
open("out/findings/findings.csv", "w").write(data + "initech,5\n")
json.dump({"slot": "findings", "kind": "table.csv", "rows": [[{"input": "entries", "file": "entries.csv", "row": 1}]]},
          open("out/findings.provenance.json", "w"))
json.dump({"findings": {"kind": "table.csv", "files": ["findings.csv"]}}, open("out/emitted.json", "w"))
from text.find_lines import find_lines
print(helper.answer(), find_lines("a", "a"), os.environ["WRIT_BRIDGE_OUT"], os.environ["WRIT_BRIDGE_IN"], sorted(os.listdir(".")))
"#;
    let receipt = sandbox.run_request(&json!({
        "attempt_id": "layout", "program": program,
        "inputs": {"entries": {"kind": "table.csv", "hash": b3(csv.as_bytes()),
            "files": [{"name": "entries.csv", "text": csv, "hash": b3(csv.as_bytes())}]}},
        "skills": [{"id": "skill.helper@1", "module": "helper", "source": "def answer():\n    return 42\n"},
                   {"id": "text.find_lines", "module": "text.find_lines",
                    "source": "def find_lines(document, needle):\n    return [(1, 1)]\n"}],
    }))?;
    assert_eq!(receipt["status"], "succeeded", "{receipt:#}");
    assert_eq!(
        receipt["stdout_tail"],
        "42 [(1, 1)] 3 4 ['inputs', 'inputs.json', 'out', 'program.py', 'skills']\n"
    );
    let slot = &receipt["outputs"]["findings"];
    assert_eq!(slot["kind"], "table.csv");
    assert_eq!(slot["provenance"]["slot"], "findings");
    let file = &slot["files"][0];
    let expected = format!("{csv}initech,5\n");
    assert_eq!(file["name"], "findings.csv");
    assert_eq!(file["rows"], 3, "a quoted newline does not start a row");
    assert_eq!(file["size"], expected.len());
    assert_eq!(file["hash"], b3(expected.as_bytes()));
    Ok(())
}

/// A fake worker bridge endpoint on a loopback port: records what it was sent, answers per tool.
/// (Authorization header, JSON body) of each request the fake bridge received.
type Seen = Arc<Mutex<Vec<(String, Value)>>>;

fn fake_bridge() -> Result<(String, Seen)> {
    let server = tiny_http::Server::http("127.0.0.1:0").map_err(|e| anyhow::anyhow!("{e}"))?;
    let port = server.server_addr().to_ip().map(|a| a.port()).unwrap_or(0);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for mut request in server.incoming_requests() {
            let auth = request
                .headers()
                .iter()
                .find(|h| h.field.equiv("Authorization"))
                .map(|h| h.value.to_string())
                .unwrap_or_default();
            let mut body = String::new();
            let _ = request.as_reader().read_to_string(&mut body);
            let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let answer = match body["tool"].as_str() {
                Some("math.double") => {
                    json!({"ok": true, "result": {"value": body["args"]["n"].as_i64().unwrap_or(0) * 2}})
                }
                _ => {
                    json!({"ok": false, "error": {"code": "budget-exhausted", "message": "no budget"}})
                }
            };
            if let Ok(mut seen) = record.lock() {
                seen.push((auth, body));
            }
            let _ = request.respond(tiny_http::Response::from_string(answer.to_string()));
        }
    });
    Ok((format!("http://127.0.0.1:{port}/bridge"), seen))
}

#[test]
#[allow(clippy::type_complexity)]
fn the_tool_bridge_relays_allowed_calls_and_journals_every_call() -> Result<()> {
    let sandbox = Sandbox::start(&[])?;
    let (url, seen) = fake_bridge()?;
    let program = r#"
import json, os
out, inp = int(os.environ["WRIT_BRIDGE_OUT"]), int(os.environ["WRIT_BRIDGE_IN"])
reader = os.fdopen(inp, "r")
def call(i, tool, args):
    os.write(out, (json.dumps({"id": i, "tool": tool, "args": args}) + "\n").encode())
    return json.loads(reader.readline())
print(json.dumps([call(1, "math.double", {"n": 21}), call(2, "net.fetch", {"url": "x"}), call(3, "billing.flag", {})]))
"#;
    let receipt = sandbox.run_request(&json!({
        "attempt_id": "bridge-1", "program": program, "tools": ["math.double", "billing.flag"],
        "bridge": {"url": url, "token": "tok-123"},
    }))?;
    assert_eq!(receipt["status"], "succeeded", "{receipt:#}");
    let answers: Value = serde_json::from_str(receipt["stdout_tail"].as_str().unwrap_or(""))?;
    assert_eq!(
        answers[0],
        json!({"id": 1, "ok": true, "result": {"value": 42}})
    );
    assert_eq!(answers[1]["error"]["code"], "tool-not-allowed");
    assert_eq!(answers[2]["error"]["code"], "budget-exhausted");

    let journal: Vec<(u64, String, bool, Value)> = receipt["tool_calls"]
        .as_array()
        .map(|calls| {
            calls
                .iter()
                .map(|c| {
                    (
                        c["seq"].as_u64().unwrap_or(0),
                        c["tool"].as_str().unwrap_or("").to_string(),
                        c["ok"] == true,
                        c["error"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        journal,
        vec![
            (1, "math.double".to_string(), true, Value::Null),
            (2, "net.fetch".to_string(), false, json!("tool-not-allowed")),
            (
                3,
                "billing.flag".to_string(),
                false,
                json!("budget-exhausted")
            ),
        ]
    );
    let args_hash = writ_canon::hash_of(&json!({"n": 21}))?.to_string();
    assert_eq!(receipt["tool_calls"][0]["args_hash"], args_hash);

    let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
    let forwarded: BTreeMap<String, (String, Value)> = seen
        .into_iter()
        .map(|(auth, body)| {
            (
                body["tool"].as_str().unwrap_or("").to_string(),
                (auth, body),
            )
        })
        .collect();
    assert!(
        !forwarded.contains_key("net.fetch"),
        "a refused tool never reaches the worker"
    );
    let (auth, body) = forwarded.get("math.double").cloned().unwrap_or_default();
    assert_eq!(auth, "Bearer tok-123");
    assert_eq!(
        body,
        json!({"attempt_id": "bridge-1", "tool": "math.double", "args": {"n": 21}})
    );
    Ok(())
}

#[test]
fn without_a_bridge_every_call_is_refused() -> Result<()> {
    let sandbox = Sandbox::start(&[])?;
    let program = r#"
import os
os.write(3, b'{"id": 7, "tool": "math.double", "args": {}}\n')
print(os.fdopen(4).readline().strip())
"#;
    let receipt = sandbox.run_request(
        &json!({"attempt_id": "nb", "program": program, "tools": ["math.double"], "bridge": null}),
    )?;
    let answer: Value = serde_json::from_str(receipt["stdout_tail"].as_str().unwrap_or(""))?;
    assert_eq!(answer["id"], 7);
    assert_eq!(answer["ok"], false);
    assert_eq!(answer["error"]["code"], "tool-not-allowed");
    assert_eq!(receipt["tool_calls"][0]["ok"], false);
    Ok(())
}
