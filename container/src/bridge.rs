//! The server's end of the tool bridge: line-delimited JSON requests from the step on one pipe, answers on
//! the other. A tool outside the attempt's list is refused here, before anything leaves the sandbox; an
//! allowed one is forwarded to the worker's bridge endpoint. Every call lands in the journal.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::api::{Bridge, ToolCall};

const MAX_LINE: u64 = 1024 * 1024;
const MAX_CALLS: u64 = 10_000;
const MAX_ANSWER: u64 = 16 * 1024 * 1024;

pub struct BridgeContext {
    pub attempt_id: String,
    pub tools: BTreeSet<String>,
    pub bridge: Option<Bridge>,
    pub timeout: Duration,
}

pub type Journal = Arc<Mutex<Vec<ToolCall>>>;

fn failure(code: &str, message: impl Into<String>) -> Result<Value, (String, String)> {
    Err((code.to_string(), message.into()))
}

/// Forwards one allowed call and normalises the worker's answer to `Ok(result)` or `Err((code, message))`.
fn forward(
    ctx: &BridgeContext,
    bridge: &Bridge,
    tool: &str,
    args: &Value,
) -> Result<Value, (String, String)> {
    // One agent for the server's life: its pool keeps connections to the worker alive across calls
    // (an attempt may make hundreds), instead of a new TCP connection per call.
    static AGENT: std::sync::OnceLock<ureq::Agent> = std::sync::OnceLock::new();
    let agent = AGENT.get_or_init(|| {
        ureq::AgentBuilder::new()
            .max_idle_connections_per_host(16)
            .build()
    });
    let body = json!({"attempt_id": ctx.attempt_id, "tool": tool, "args": args});
    let response = agent
        .post(&bridge.url)
        .timeout(ctx.timeout)
        .set("Authorization", &format!("Bearer {}", bridge.token))
        .send_json(body);
    let (status, response) = match response {
        Ok(r) => (r.status(), r),
        Err(ureq::Error::Status(code, r)) => (code, r),
        Err(e) => return failure("bridge-unreachable", e.to_string()),
    };
    let mut text = Vec::new();
    if let Err(e) = response
        .into_reader()
        .take(MAX_ANSWER)
        .read_to_end(&mut text)
    {
        return failure("bridge-unreachable", e.to_string());
    }
    let answer: Value = serde_json::from_slice(&text).unwrap_or(Value::Null);
    if !(200..300).contains(&status) {
        // A problem+json from the worker: keep its type's last segment as the code.
        let code = answer
            .get("type")
            .and_then(Value::as_str)
            .and_then(|t| t.rsplit('/').next())
            .map(str::to_owned);
        let message = answer
            .get("detail")
            .or(answer.get("title"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        return Err((
            code.unwrap_or_else(|| format!("bridge-http-{status}")),
            message,
        ));
    }
    match answer.get("ok").and_then(Value::as_bool) {
        Some(true) => Ok(answer.get("result").cloned().unwrap_or(Value::Null)),
        Some(false) => {
            let error = answer.get("error");
            let code = error
                .and_then(|e| e.get("code"))
                .and_then(Value::as_str)
                .unwrap_or("tool-failed");
            let message = error
                .and_then(|e| e.get("message"))
                .and_then(Value::as_str)
                .unwrap_or("");
            failure(code, message)
        }
        None if answer.is_null() => failure("bridge-bad-answer", "the bridge answered no JSON"),
        None => Ok(answer),
    }
}

fn decide(
    ctx: &BridgeContext,
    request: &Value,
) -> (String, Option<String>, Result<Value, (String, String)>) {
    let tool = request
        .get("tool")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let args = request.get("args").cloned().unwrap_or_else(|| json!({}));
    let args_hash = writ_canon::hash_of(&args).ok().map(|h| h.to_string());
    if tool.is_empty() {
        return (
            tool,
            args_hash,
            failure("bad-request", "a request needs a string `tool`"),
        );
    }
    if !ctx.tools.contains(&tool) {
        return (
            tool.clone(),
            args_hash,
            failure(
                "tool-not-allowed",
                format!("{tool} is not bound to this step"),
            ),
        );
    }
    let outcome = match &ctx.bridge {
        None => failure("tool-not-allowed", "this attempt has no tool bridge"),
        Some(bridge) => forward(ctx, bridge, &tool, &args),
    };
    (tool, args_hash, outcome)
}

/// Serves the bridge until the step closes its end (or misbehaves past recovery).
pub fn serve(requests: File, mut answers: File, ctx: BridgeContext, journal: Journal) {
    let mut reader = BufReader::new(requests);
    let mut seq = 0u64;
    loop {
        let mut line = Vec::new();
        match (&mut reader)
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut line)
        {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        seq += 1;
        let started = Instant::now();
        let oversized = line.len() as u64 > MAX_LINE;
        let request: Value = if oversized {
            Value::Null
        } else {
            serde_json::from_slice(&line).unwrap_or(Value::Null)
        };
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let (tool, args_hash, outcome) = if oversized {
            (
                String::new(),
                None,
                failure(
                    "request-too-large",
                    format!("a bridge request is at most {MAX_LINE} bytes"),
                ),
            )
        } else if seq > MAX_CALLS {
            (
                String::new(),
                None,
                failure(
                    "too-many-calls",
                    format!("at most {MAX_CALLS} calls per attempt"),
                ),
            )
        } else if !request.is_object() {
            (
                String::new(),
                None,
                failure("bad-request", "a request is one JSON object per line"),
            )
        } else {
            decide(&ctx, &request)
        };
        let answer = match &outcome {
            Ok(result) => json!({"id": id, "ok": true, "result": result}),
            Err((code, message)) => {
                json!({"id": id, "ok": false, "error": {"code": code, "message": message}})
            }
        };
        if let Ok(mut j) = journal.lock() {
            j.push(ToolCall {
                seq,
                tool,
                args_hash,
                ok: outcome.is_ok(),
                duration_ms: started.elapsed().as_millis() as u64,
                error: outcome.err().map(|(code, _)| code),
            });
        }
        let mut bytes = answer.to_string().into_bytes();
        bytes.push(b'\n');
        // An oversized line cannot be resynchronised: answer it, then stop listening.
        if answers.write_all(&bytes).is_err() || oversized {
            return;
        }
    }
}
