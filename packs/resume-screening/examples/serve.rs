//! A STAND-IN for `writ tool serve` until the CLI has it: JSON lines `{"tool", "args"}` on stdin, answers
//! `{"ok": true, "result"}` / `{"ok": false, "error": {"code", "message"}}`, serving this pack's evaluator.
use std::io::{BufRead, Write};

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let answer = match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(req) => {
                let args = req.get("args").cloned().unwrap_or_default();
                let rubric = args
                    .get("rubric")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string();
                match writ_pack_resume_screening::PACK
                    .evaluators
                    .iter()
                    .find(|(id, _)| *id == rubric)
                {
                    Some((_, f)) => match f(&args) {
                        Ok(r) => serde_json::json!({"ok": true, "result": r}),
                        Err(e) => {
                            serde_json::json!({"ok": false, "error": {"code": e.code(), "message": e.to_string()}})
                        }
                    },
                    None => {
                        serde_json::json!({"ok": false, "error": {"code": "tool.unknown", "message": rubric}})
                    }
                }
            }
            Err(e) => {
                serde_json::json!({"ok": false, "error": {"code": "bad.json", "message": e.to_string()}})
            }
        };
        let _ = writeln!(out, "{answer}");
        let _ = out.flush();
    }
}
