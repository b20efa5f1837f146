//! `cargo xtask setup`: install what is missing, each step skipped when already done.

use crate::paths::root;
use crate::proc::{output, run as run_cmd};
use anyhow::{bail, Context, Result};
use std::fs;
use std::path::PathBuf;
use std::process::Command;

const WORKER_BUILD_VERSION: &str = "0.8.7";

pub fn run() -> Result<()> {
    wasm_target()?;
    rustfmt()?;
    cargo_tool("worker-build", WORKER_BUILD_VERSION, true)?;
    cargo_tool("wasm-bindgen-cli", &locked_version("wasm-bindgen")?, false)?;
    npm_packages(&root())?;
    postgres()?;
    python_packages()?;
    viewer()?;
    chromium()?;
    Ok(())
}

/// rustfmt, for the formatting check `cargo xtask test` starts with.
fn rustfmt() -> Result<()> {
    let installed = output(Command::new("rustup").args(["component", "list", "--installed"]))
        .unwrap_or_default();
    if installed.lines().any(|l| l.trim().starts_with("rustfmt")) {
        return Ok(());
    }
    eprintln!("setup: adding the rustfmt component");
    run_cmd(Command::new("rustup").args(["component", "add", "rustfmt"]))
}

fn wasm_target() -> Result<()> {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    eprintln!("setup: adding the wasm32-unknown-unknown target");
    run_cmd(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// The version Cargo.lock pins for a package, so that the CLI and the crate always agree.
fn locked_version(package: &str) -> Result<String> {
    let lock = fs::read_to_string(root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock
        .find(&needle)
        .with_context(|| format!("{package} is not in Cargo.lock"))?
        + needle.len();
    let end = lock[start..].find('"').context("malformed Cargo.lock")? + start;
    Ok(lock[start..end].to_string())
}

fn cargo_tool(krate: &str, version: &str, locked: bool) -> Result<()> {
    let list = output(Command::new("cargo").args(["install", "--list"])).unwrap_or_default();
    if list
        .lines()
        .any(|l| l.starts_with(&format!("{krate} v{version}:")))
    {
        return Ok(());
    }
    eprintln!("setup: installing {krate} {version} (a few minutes, once)");
    let mut cmd = Command::new("cargo");
    cmd.args(["install", krate, "--version", version]);
    // wasm-bindgen-cli's lockfile pins a yanked crate; it must be installed without --locked.
    if locked {
        cmd.arg("--locked");
    }
    run_cmd(&mut cmd)
}

/// `npm ci` in `root` when its package-lock.json is newer than the last install.
fn npm_packages(root: &std::path::Path) -> Result<()> {
    let lock = root.join("package-lock.json");
    let marker = root.join("node_modules/.package-lock.json");
    let fresh = match (fs::metadata(&lock), fs::metadata(&marker)) {
        (Ok(l), Ok(m)) => m.modified()? >= l.modified()?,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    eprintln!("setup: installing npm packages from {}", lock.display());
    run_cmd(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(root),
    )?;
    // npm ci rewrites node_modules; touch the marker so a later check compares against this install.
    let now = fs::File::open(&marker)?;
    now.set_modified(std::time::SystemTime::now())?;
    Ok(())
}

pub fn pg_bin_dir() -> Option<PathBuf> {
    let base = PathBuf::from("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = fs::read_dir(&base)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    versions.sort();
    versions
        .into_iter()
        .rev()
        .map(|v| v.join("bin"))
        .find(|b| b.join("initdb").exists())
}

fn postgres() -> Result<()> {
    if pg_bin_dir().is_some() {
        return Ok(());
    }
    eprintln!("setup: installing PostgreSQL from Debian's packages");
    apt_install(&["postgresql"])?;
    if pg_bin_dir().is_none() {
        bail!("PostgreSQL installed but no initdb under /usr/lib/postgresql/*/bin");
    }
    Ok(())
}

/// Install Debian packages (as root, or through sudo).
fn apt_install(packages: &[&str]) -> Result<()> {
    let sudo = if unsafe { libc::geteuid() } == 0 {
        vec![]
    } else {
        vec!["sudo"]
    };
    let apt = |args: &[&str]| {
        let mut all: Vec<&str> = sudo.clone();
        all.push("apt-get");
        all.extend_from_slice(args);
        let mut cmd = Command::new(all[0]);
        cmd.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        run_cmd(&mut cmd)
    };
    apt(&["update"])?;
    let mut install = vec!["install", "-y", "--no-install-recommends"];
    install.extend_from_slice(packages);
    apt(&install)
}

/// Debian's Chromium, which the viewer's browser tests drive through playwright-core.
pub const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium() -> Result<()> {
    if std::path::Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    eprintln!("setup: installing Chromium from Debian's packages (for the viewer's browser tests)");
    apt_install(&["chromium"])?;
    if !std::path::Path::new(CHROMIUM).exists() {
        bail!("chromium installed but {CHROMIUM} is missing");
    }
    Ok(())
}

/// The run viewer (`viewer/`): its npm packages, then its build into `viewer/dist` (the Worker's static
/// assets), skipped when nothing under it is newer than the last build.
fn viewer() -> Result<()> {
    let dir = root().join("viewer");
    npm_packages(&dir)?;
    let built = dir.join("dist/index.html");
    let stamp = fs::metadata(&built).and_then(|m| m.modified()).ok();
    let sources = [
        "src",
        "public",
        "index.html",
        "vite.config.ts",
        "tsconfig.json",
        "package-lock.json",
    ];
    let stale = match stamp {
        None => true,
        Some(at) => sources
            .iter()
            .any(|s| newer_than(&dir.join(s), at).unwrap_or(true)),
    };
    if !stale {
        return Ok(());
    }
    eprintln!("setup: building the viewer (viewer/dist)");
    run_cmd(
        Command::new("npm")
            .args(["run", "--silent", "build"])
            .current_dir(&dir),
    )
}

/// Whether `path` (a file, or any file under a folder) was modified after `at`.
fn newer_than(path: &std::path::Path, at: std::time::SystemTime) -> Result<bool> {
    let meta = fs::metadata(path)?;
    if meta.is_dir() {
        for e in fs::read_dir(path)? {
            if newer_than(&e?.path(), at)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    Ok(meta.modified()? > at)
}

/// Python packages: what step programs may use (container/requirements.txt) and what the tests use
/// (tests/requirements.txt: the OpenAPI validator and schemathesis). Skipped when every pin is installed.
fn python_packages() -> Result<()> {
    for file in ["container/requirements.txt", "tests/requirements.txt"] {
        python_requirements(&root().join(file))?;
    }
    Ok(())
}

fn python_requirements(req: &std::path::Path) -> Result<()> {
    let Ok(text) = fs::read_to_string(req) else {
        return Ok(());
    };
    let pins: Vec<(&str, &str)> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter_map(|l| l.split_once("=="))
        .collect();
    if pins.is_empty()
        || pins
            .iter()
            .all(|(name, version)| installed_version(name).as_deref() == Some(*version))
    {
        return Ok(());
    }
    eprintln!("setup: installing Python packages from {}", req.display());
    run_cmd(
        Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(req),
    )
}

/// The installed version of a Python distribution, without starting pip (fast when nothing is missing).
fn installed_version(name: &str) -> Option<String> {
    let code = format!("import importlib.metadata as m; print(m.version({name:?}))");
    output(Command::new("python3").args(["-c", &code])).map(|s| s.trim().to_string())
}
