//! `cargo xtask test`: the project's test command, what `.ci/run` calls.
//!
//! Native tests first (fast feedback), then the pure crates for wasm32, the Python runtime's own tests, the
//! deploy dry run, and last the end-to-end tests against a running stack.

use crate::paths::{app_database_url, root};
use crate::proc::run as run_cmd;
use crate::stack;
use anyhow::{Context, Result};
use std::fs;
use std::process::Command;
use std::time::Instant;

pub fn run(args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--no-e2e");
    let t0 = Instant::now();
    phase("native tests", || {
        run_cmd(Command::new("cargo").args([
            "test",
            "--workspace",
            "--exclude",
            "writ-worker",
            "--exclude",
            "writ-e2e",
        ]))
    })?;
    phase("pure crates for wasm32", wasm_build)?;
    phase("python runtime tests", || {
        let tests = root().join("container/runtime/tests");
        if !tests.exists() {
            return Ok(());
        }
        run_cmd(
            Command::new("python3")
                .args(["-m", "unittest", "discover", "-s"])
                .arg(&tests),
        )
    })?;
    phase("deploy dry run", || {
        run_cmd(
            Command::new(root().join("node_modules/.bin/wrangler"))
                .args(["deploy", "--dry-run", "--outdir", "dist"])
                .env("WRANGLER_SEND_METRICS", "false")
                .current_dir(root()),
        )
    })?;
    if !quick {
        phase("end-to-end tests against the local stack", e2e)?;
    }
    println!("test: all passed in {:.0?}", t0.elapsed());
    Ok(())
}

fn phase(name: &str, f: impl FnOnce() -> Result<()>) -> Result<()> {
    println!("\n=== {name} ===");
    let t = Instant::now();
    f().with_context(|| format!("phase `{name}` failed"))?;
    println!("=== {name}: ok in {:.1?} ===", t.elapsed());
    Ok(())
}

/// Every pure crate (all of `crates/` but the CLI) must build for the worker's target.
fn wasm_build() -> Result<()> {
    let mut cmd = Command::new("cargo");
    cmd.args(["build", "--quiet", "--target", "wasm32-unknown-unknown"])
        .current_dir(root());
    let mut names: Vec<String> = fs::read_dir(root().join("crates"))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").exists())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n != "writ-cli")
        .collect();
    names.sort();
    for n in &names {
        cmd.args(["-p", n]);
    }
    println!("building for wasm32: {}", names.join(", "));
    run_cmd(&mut cmd)
}

fn e2e() -> Result<()> {
    let was_running = stack::health(&stack::api_url()).is_ok();
    let s = stack::up()?;
    let result = run_cmd(
        Command::new("cargo")
            .args(["test", "-p", "writ-e2e", "--", "--test-threads=1"])
            .env("WRIT_API", &s.api)
            .env("WRIT_TOKEN", &s.token)
            .env("DATABASE_URL", app_database_url())
            .env("WRIT_BIN", stack::bin_dir())
            .env("WRIT_PG_SOCKET", crate::pg::socket_dir())
            .env("WRIT_PG_PORT", crate::paths::pg_port().to_string())
            .current_dir(root()),
    );
    // Leave a stack the developer started running; stop the one this command started.
    if !was_running {
        stack::down()?;
    }
    result
}
