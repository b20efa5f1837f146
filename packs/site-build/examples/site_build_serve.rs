//! STAND-IN for `writ tool serve` while the `writ` binary at hand predates this pack's evaluator: answers
//! `{"tool": "evaluator.judge", "args": {...}}` lines with this pack's built-in evaluators only, in the same
//! answer format. The Python tests use it only when `writ tool serve` does not know `site.page_review`.
//! Delete once the CLI is rebuilt with this pack.

use std::io::{BufRead, Write};

use serde_json::{json, Value};

fn main() -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let request: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        let args = request.get("args").cloned().unwrap_or(Value::Null);
        let rubric = args
            .get("rubric")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let answer = match (
            request.get("tool").and_then(Value::as_str),
            writ_pack_site_build::PACK.evaluator(&rubric),
        ) {
            (Some("evaluator.judge"), Some(judge)) => match judge(&args) {
                Ok(mut verdict) => {
                    if let Value::Object(map) = &mut verdict {
                        map.insert(
                            "judged_by".into(),
                            Value::String(format!("builtin:{rubric}")),
                        );
                    }
                    json!({"ok": true, "result": verdict})
                }
                Err(e) => {
                    json!({"ok": false, "error": {"code": e.code(), "message": e.to_string(), "pointer": e.pointer()}})
                }
            },
            _ => {
                json!({"ok": false, "error": {"code": "tool.unknown", "message": "stand-in serves evaluator.judge for this pack only", "pointer": null}})
            }
        };
        writeln!(out, "{answer}")?;
        out.flush()?;
    }
    Ok(())
}
