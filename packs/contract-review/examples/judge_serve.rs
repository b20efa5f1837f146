//! A test stand-in for `writ tool serve` restricted to this pack's built-in evaluator: JSON lines
//! `{"tool": "evaluator.judge", "args": {...}}` in, `{"ok": true, "result": ...}` or
//! `{"ok": false, "error": {"code", "message"}}` out. Used by tests/ when `WRIT_BIN` has no `tool serve`.

use std::io::{BufRead, Write};

use serde_json::{json, Value};

fn answer(line: &str) -> Value {
    let request: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            return json!({"ok": false, "error": {"code": "serve.json", "message": e.to_string()}})
        }
    };
    let tool = request.get("tool").and_then(Value::as_str).unwrap_or("");
    let args = request.get("args").cloned().unwrap_or(Value::Null);
    let rubric = args.get("rubric").and_then(Value::as_str).unwrap_or("");
    let judge = writ_pack_contract_review::PACK.evaluator(rubric);
    match (tool, judge) {
        ("evaluator.judge", Some(judge)) => match judge(&args) {
            Ok(mut v) => {
                if let Value::Object(m) = &mut v {
                    m.insert("judged_by".into(), json!(format!("builtin:{rubric}")));
                }
                json!({"ok": true, "result": v})
            }
            Err(e) => json!({"ok": false, "error": {"code": e.code(), "message": e.to_string()}}),
        },
        _ => {
            json!({"ok": false, "error": {"code": "tool.unknown", "message": format!("unknown tool `{tool}` / rubric `{rubric}`")}})
        }
    }
}

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        if writeln!(out, "{}", answer(&line))
            .and_then(|_| out.flush())
            .is_err()
        {
            break;
        }
    }
}
