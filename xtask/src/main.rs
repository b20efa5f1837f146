//! `cargo xtask <command>`: the developer commands behind the README's two commands.
//!
//! Every command but `down` runs `setup` first, which installs only what is missing and is fast when nothing is.

mod bench;
mod demo;
mod doctor;
mod paths;
mod pg;
mod pg_gate;
mod proc;
mod setup;
mod stack;
mod test;

use anyhow::{bail, Result};
use std::process::ExitCode;

pub const USAGE: &str = "usage: cargo xtask <command>

commands:
  setup   install whatever is missing (wasm32 target, worker-build, wasm-bindgen-cli, npm packages, PostgreSQL,
          Python packages, the viewer's build, Chromium)
  up      start the local stack (Postgres, sandbox server, wrangler dev) and write .writ/env
  down    stop exactly the processes `up` started
  status  show whether the stack is running
  restart-worker | restart-sandbox | pg-stop | pg-start   fault injection for the resilience tests
  sandbox-mode full|unprivileged|unprivileged-tolerated   restart the sandbox (and the worker) for the
          isolation test: every layer, or as an unprivileged user with the worker refusing or tolerating it
  test    the test command: unit tests, wasm32 build, deploy dry run, end-to-end and browser tests against the stack
  doctor [--env NAME]   check that a deployment's configuration declares every binding the worker uses and
          no placeholder is left (each missing piece is reported with what to fill in); `doctor --guide`
          checks the README's deploy guide against wrangler's, writ's and xtask's --help
  deploy [FLAGS]   `doctor --env production`, then `wrangler deploy --env production [FLAGS]`; stops while
          anything is missing
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
        "sandbox-mode" => match rest {
            [mode] => stack::sandbox_mode(mode),
            _ => bail!("usage: cargo xtask sandbox-mode full|unprivileged|unprivileged-tolerated"),
        },
        "test" => {
            setup::run()?;
            test::run(rest)
        }
        "bench" => {
            setup::run()?;
            bench::run(rest)
        }
        "doctor" => doctor::doctor(rest),
        "deploy" => doctor::deploy(rest),
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
