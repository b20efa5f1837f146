//! `writ tool`: the platform tools and built-in evaluators of every pack, offline — what the bridge runs for
//! a step under the built-in profile, without the stack. `serve` answers one JSON request per line (the
//! packs' program tests answer their harness's bridge calls through it).

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::Context;
use serde_json::{json, Value};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Every platform tool name the packs implement.
    List,
    /// Run one tool: `writ tool call NAME '{"arg": ...}'` (or `-` to read the arguments on stdin).
    Call { name: String, args: String },
    /// Read `{"tool": NAME, "args": {...}}` per line on stdin; answer `{"ok": true, "result": ...}` or
    /// `{"ok": false, "error": {"code", "message", "pointer"}}` per line on stdout.
    Serve,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::List => {
            for name in writ_packs::tool_names() {
                println!("{name}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Call { name, args } => {
            let text = if args == "-" {
                std::io::read_to_string(std::io::stdin())
                    .context("reading the arguments on stdin")?
            } else {
                args
            };
            let args: Value = serde_json::from_str(&text).context("the arguments are not JSON")?;
            let answer = answer(&name, &args);
            println!("{}", serde_json::to_string_pretty(&answer)?);
            Ok(if answer["ok"] == json!(true) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Serve => {
            let stdin = std::io::stdin();
            let mut out = std::io::stdout().lock();
            for line in stdin.lock().lines() {
                let line = line.context("reading a request")?;
                if line.trim().is_empty() {
                    continue;
                }
                let answer = match serde_json::from_str::<Value>(&line) {
                    Ok(request) => match request.get("tool").and_then(Value::as_str) {
                        Some(name) => answer(name, request.get("args").unwrap_or(&Value::Null)),
                        None => refusal("tool.request", "the request has no string `tool`", None),
                    },
                    Err(e) => refusal(
                        "tool.request",
                        &format!("the request is not JSON: {e}"),
                        None,
                    ),
                };
                writeln!(out, "{answer}")?;
                out.flush()?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn answer(name: &str, args: &Value) -> Value {
    match writ_packs::call_builtin(name, args) {
        Ok(result) => json!({"ok": true, "result": result}),
        Err(e) => refusal(e.code(), &e.to_string(), e.pointer()),
    }
}

fn refusal(code: &str, message: &str, pointer: Option<&str>) -> Value {
    json!({"ok": false, "error": {"code": code, "message": message, "pointer": pointer}})
}
