//! `cargo xtask test`: the project's test command, what `.ci/run` calls.
//!
//! The formatting check and the native tests first (fast feedback), then the pure crates for wasm32, the
//! Python tests (the runtime and every pack), the deploy dry run, and last, against a running stack, the
//! end-to-end tests and the run viewer's tests in a real browser.

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
    phase("formatting", || {
        run_cmd(
            Command::new("cargo")
                .args(["fmt", "--all", "--check"])
                .current_dir(root()),
        )
    })?;
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
    phase(
        "python tests: the runtime and every pack's programs",
        python_tests,
    )?;
    phase("deploy dry run", || {
        run_cmd(
            Command::new(root().join("node_modules/.bin/wrangler"))
                .args(["deploy", "--dry-run", "--outdir", "dist"])
                .env("WRANGLER_SEND_METRICS", "false")
                .current_dir(root()),
        )
    })?;
    phase(
        "production deploy dry run and configuration check",
        production_dry_run,
    )?;
    phase(
        "the sandbox image run, and attacked from inside (container/verify-image.sh)",
        || {
            // SAFETY: geteuid has no preconditions.
            if unsafe { libc::geteuid() } != 0 {
                println!("skipped: running the image needs root (podman, debootstrap)");
                return Ok(());
            }
            run_cmd(
                Command::new("bash")
                    .arg(root().join("container/verify-image.sh"))
                    .current_dir(root()),
            )
        },
    )?;
    if !quick {
        with_stack(|s| {
            phase("end-to-end tests against the local stack", || e2e(s))?;
            phase("the run viewer in a real browser (Chromium)", || {
                viewer_tests(s)
            })
        })?;
    }
    println!("test: all passed in {:.0?}", t0.elapsed());
    Ok(())
}

/// `wrangler deploy --dry-run --env production` bundles the production worker (its containers entry
/// included), and the doctor shows the production configuration declares every binding the code uses;
/// what it may still miss are the operator's own values (the Hyperdrive id, the public URL), which
/// `cargo xtask deploy` refuses to deploy without.
fn production_dry_run() -> Result<()> {
    let mut wrangler = Command::new(root().join("node_modules/.bin/wrangler"));
    // The production environment's container is built by the dry run: with Docker where an engine runs,
    // else with podman over Debian-made base images (container/podman-docker.sh), installed if missing.
    let docker_runs = Command::new("docker")
        .arg("info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !docker_runs {
        let have = |bin: &str| {
            Command::new("sh")
                .args(["-c", &format!("command -v {bin}")])
                .stdout(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if !(have("podman") && have("runc") && have("debootstrap")) {
            run_cmd(Command::new("apt-get").args([
                "install",
                "-y",
                "-q",
                "podman",
                "runc",
                "debootstrap",
            ]))
            .map_err(|e| {
                anyhow::anyhow!("no Docker engine runs and podman could not be installed: {e}")
            })?;
        }
        wrangler.env(
            "WRANGLER_DOCKER_BIN",
            root().join("container/podman-docker.sh"),
        );
    }
    run_cmd(
        wrangler
            .args([
                "deploy",
                "--dry-run",
                "--env",
                "production",
                "--outdir",
                "dist-production",
            ])
            .env("WRANGLER_SEND_METRICS", "false")
            .current_dir(root()),
    )?;
    run_cmd(
        Command::new("cargo")
            .args(["test", "-q", "-p", "xtask", "doctor::"])
            .current_dir(root()),
    )?;
    crate::doctor::check_guide().map(|_| ())
}

fn phase(name: &str, f: impl FnOnce() -> Result<()>) -> Result<()> {
    println!("\n=== {name} ===");
    let t = Instant::now();
    f().with_context(|| format!("phase `{name}` failed"))?;
    println!("=== {name}: ok in {:.1?} ===", t.elapsed());
    Ok(())
}

/// The step runtime's tests, then each pack's program tests (`packs/<name>/tests/test_*.py`), which answer
/// their tools through `writ tool serve` (the debug `writ`, built first).
fn python_tests() -> Result<()> {
    run_cmd(
        Command::new("cargo")
            .args(["build", "--quiet", "-p", "writ-cli"])
            .current_dir(root()),
    )?;
    let writ = root().join("target/debug/writ");
    let mut suites = vec![root().join("container/runtime/tests")];
    let mut packs: Vec<_> = fs::read_dir(root().join("packs"))?
        .filter_map(|e| e.ok().map(|e| e.path().join("tests")))
        .filter(|t| {
            fs::read_dir(t).is_ok_and(|d| {
                d.filter_map(|e| e.ok()).any(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    n.starts_with("test_") && n.ends_with(".py")
                })
            })
        })
        .collect();
    packs.sort();
    suites.extend(packs);
    for tests in suites {
        println!("python: {}", tests.display());
        run_cmd(
            Command::new("python3")
                .args(["-m", "unittest", "discover", "-s"])
                .arg(&tests)
                .env("WRIT_BIN", &writ),
        )?;
    }
    Ok(())
}

/// The crate names of `dir`'s immediate subfolders that are crates.
fn crates_in(dir: &std::path::Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for e in fs::read_dir(dir)?.filter_map(|e| e.ok()) {
        let manifest = e.path().join("Cargo.toml");
        if let Ok(text) = fs::read_to_string(&manifest) {
            let name = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("name = "))
                .map(|n| n.trim_matches('"').to_string())
                .with_context(|| format!("{} names no package", manifest.display()))?;
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// Every pure crate (all of `crates/` but the CLI, the pack registry and every pack) must build for the
/// worker's target.
fn wasm_build() -> Result<()> {
    let mut cmd = Command::new("cargo");
    cmd.args(["build", "--quiet", "--target", "wasm32-unknown-unknown"])
        .current_dir(root());
    let mut names: Vec<String> = crates_in(&root().join("crates"))?
        .into_iter()
        .filter(|n| n != "writ-cli")
        .collect();
    names.push("writ-packs".into());
    names.extend(crates_in(&root().join("packs"))?);
    for n in &names {
        cmd.args(["-p", n]);
    }
    println!("building for wasm32: {}", names.join(", "));
    run_cmd(&mut cmd)
}

/// Run `f` against the local stack: a stack the developer started is left running, one started here stopped.
fn with_stack(f: impl FnOnce(&stack::Stack) -> Result<()>) -> Result<()> {
    let was_running = stack::health(&stack::api_url()).is_ok();
    let s = stack::up()?;
    let result = f(&s);
    if !was_running {
        stack::down()?;
    }
    result
}

fn e2e(s: &stack::Stack) -> Result<()> {
    run_cmd(
        Command::new("cargo")
            .args(["test", "-p", "writ-e2e", "--", "--test-threads=1"])
            .env("WRIT_API", &s.api)
            .env("WRIT_TOKEN", &s.token)
            .env("DATABASE_URL", app_database_url())
            .env("WRIT_BIN", stack::bin_dir())
            .env("WRIT_PG_SOCKET", crate::pg::socket_dir())
            .env("WRIT_PG_PORT", crate::paths::pg_port().to_string())
            .current_dir(root()),
    )
}

/// The viewer's browser tests (`viewer/tests/`): Node's test runner driving Debian's Chromium through
/// playwright-core; screenshots go to `target/viewer-screens/`.
fn viewer_tests(s: &stack::Stack) -> Result<()> {
    let screens = root().join("target/viewer-screens");
    // This run's screenshots only.
    if screens.exists() {
        fs::remove_dir_all(&screens)?;
    }
    fs::create_dir_all(&screens)?;
    run_cmd(
        Command::new("node")
            .args(["--test", "--test-reporter=spec", "tests/"])
            .env("WRIT_API", &s.api)
            .env("WRIT_TOKEN", &s.token)
            .env("WRIT_CHROMIUM", crate::setup::CHROMIUM)
            .env("WRIT_SCREENS", &screens)
            .env("WRIT_DATA", root().join("../shared/data/billing-audit"))
            .current_dir(root().join("viewer")),
    )
}
