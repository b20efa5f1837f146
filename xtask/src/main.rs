//! `cargo xtask <command>`: the developer commands behind the README's two commands.
//!
//! Every command but `down` runs `setup` first, which installs only what is missing and is fast when nothing is.

mod bench;
mod demo;
mod paths;
mod pg;
mod pg_gate;
mod proc;
mod setup;
mod stack;
mod test;

use anyhow::{bail, Result};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  setup   install whatever is missing (wasm32 target, worker-build, wasm-bindgen-cli, npm packages, PostgreSQL,
          Python packages, the viewer's build, Chromium)
  up      start the local stack (Postgres, sandbox server, wrangler dev) and write .writ/env
  down    stop exactly the processes `up` started
  status  show whether the stack is running
  restart-worker | restart-sandbox | pg-stop | pg-start   fault injection for the resilience tests
  test    the test command: unit tests, wasm32 build, deploy dry run, end-to-end and browser tests against the stack
  demo    the demo command: bring the stack up and run the canonical job
  bench billing [N]   wall time of the canonical run and of its sealed re-run (median of N)
  bench ledger [N]    batched ledger appends and chain verification against the stack's Postgres";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    let command = args.first().map(String::as_str).unwrap_or("help");
    let rest = args.get(1..).unwrap_or_default();
    match command {
        "setup" => setup::run(),
        "up" => {
            setup::run()?;
            stack::up().map(|_| ())
        }
        "down" => stack::down(),
        "status" => stack::status(),
        // For resilience tests: crash and restart wrangler dev; stop and start Postgres alone.
        "restart-worker" => stack::restart_worker(),
        "restart-sandbox" => stack::restart_sandbox(),
        "pg-stop" => stack::pg_stop(),
        "pg-start" => stack::pg_start(),
        "test" => {
            setup::run()?;
            test::run(rest)
        }
        "bench" => {
            setup::run()?;
            bench::run(rest)
        }
        "demo" => {
            setup::run()?;
            demo::run()
        }
        // Internal: started by `up` as a process of the stack.
        "pg-gate" => match rest {
            [listen, upstream] => pg_gate::run(listen, upstream),
            _ => bail!("usage: cargo xtask pg-gate LISTEN UPSTREAM"),
        },
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}
