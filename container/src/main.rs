//! `writ-sandbox`: the sandbox server. Runs each attempt of a step program in an isolated Python process
//! and answers with the platform's receipt. See docs/sandbox-protocol.md and container/README.md.

mod api;
mod bridge;
mod isolation;
mod limits;
mod outputs;
mod problem;
mod reaper;
mod runner;
mod seccomp;
mod server;
mod spawn;
mod tail;
mod validate;
mod verdict;
mod workdir;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::isolation::Isolation;
use crate::runner::{Config, Runner};

const USAGE: &str =
    "usage: writ-sandbox [--listen ADDR:PORT] [--runtime DIR] [--work-root DIR] [--python PATH]
                    [--uid-base UID] [--slots N] [--max-body-mb N] [--keep-work]
                    [--allow-degraded LAYERS] [--probe]
  --listen     default 127.0.0.1:8080 (loopback only unless told otherwise)
  --runtime    default $WRIT_SANDBOX_RUNTIME, else the workspace's container/runtime
  --work-root  default a fresh directory under the system temp dir
  --python     default $WRIT_SANDBOX_PYTHON, else /usr/bin/python3
  --uid-base   first of the per-slot uids steps run as when the server is root (default 61000)
  --slots      attempts that may run at once (default 4)
  --allow-degraded  the isolation layers this server may run without, comma-separated, exactly those the
               host lacks (netns, fs_jail, uid_drop, seccomp, rlimits, nproc); without it, a missing layer
               stops the server at start-up (also read from $WRIT_SANDBOX_ALLOW_DEGRADED)
  --probe      print the layers this host gives the server as JSON ({\"in_force\", \"missing\"}) and exit";

struct Args {
    listen: String,
    runtime: Option<PathBuf>,
    work_root: Option<PathBuf>,
    python: Option<PathBuf>,
    uid_base: u32,
    slots: usize,
    max_body_mb: u64,
    keep_work: bool,
    allow_degraded: writ_sandbox_policy::Layers,
    probe: bool,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        listen: "127.0.0.1:8080".into(),
        runtime: None,
        work_root: None,
        python: None,
        uid_base: 61000,
        slots: 4,
        max_body_mb: 64,
        keep_work: false,
        allow_degraded: Default::default(),
        probe: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .with_context(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--listen" => args.listen = value()?,
            "--runtime" => args.runtime = Some(value()?.into()),
            "--work-root" => args.work_root = Some(value()?.into()),
            "--python" => args.python = Some(value()?.into()),
            "--uid-base" => args.uid_base = value()?.parse().context("--uid-base")?,
            "--slots" => args.slots = value()?.parse().context("--slots")?,
            "--max-body-mb" => args.max_body_mb = value()?.parse().context("--max-body-mb")?,
            "--keep-work" => args.keep_work = true,
            "--allow-degraded" => {
                args.allow_degraded = writ_sandbox_policy::parse_layers(&value()?)
                    .map_err(|e| anyhow::anyhow!("--allow-degraded: {e}"))?
            }
            "--probe" => args.probe = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    // The container image's entrypoint cannot take flags from the Durable Object that starts it: the
    // same allowance arrives as an environment variable (the flag wins).
    if args.allow_degraded.is_empty() {
        if let Some(text) = std::env::var_os("WRIT_SANDBOX_ALLOW_DEGRADED") {
            args.allow_degraded = writ_sandbox_policy::parse_layers(&text.to_string_lossy())
                .map_err(|e| anyhow::anyhow!("WRIT_SANDBOX_ALLOW_DEGRADED: {e}"))?;
        }
    }
    if args.slots == 0 || args.slots > 256 {
        bail!("--slots must be 1..=256");
    }
    Ok(args)
}

/// Flag, then env var, then the workspace this binary was built from, then a `container/runtime` beside
/// any ancestor of the binary.
fn find_runtime(flag: Option<PathBuf>) -> Result<PathBuf> {
    let mut candidates: Vec<PathBuf> = flag.into_iter().collect();
    if let Some(env) = std::env::var_os("WRIT_SANDBOX_RUNTIME") {
        candidates.push(env.into());
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime"));
    if let Ok(exe) = std::env::current_exe() {
        candidates.extend(exe.ancestors().map(|a| a.join("container/runtime")));
    }
    candidates
        .into_iter()
        .find(|c| c.join("writ_boot.py").is_file())
        .and_then(|c| c.canonicalize().ok())
        .context("no runtime directory with writ_boot.py (use --runtime or WRIT_SANDBOX_RUNTIME)")
}

fn python_version(python: &Path) -> Result<String> {
    let out = std::process::Command::new(python)
        .args([
            "-I",
            "-c",
            "import platform; print(platform.python_version())",
        ])
        .env_clear()
        .output()
        .with_context(|| format!("running {}", python.display()))?;
    if !out.status.success() {
        bail!(
            "{} does not run: {}",
            python.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Runs a trivial attempt; a layer the host advertises but that breaks Python is switched off rather than
/// failing every attempt.
fn self_test(runner: &Runner) -> Result<(), String> {
    let request: api::ExecuteRequest = serde_json::from_value(
        serde_json::json!({"attempt_id": "self-test", "program": "print('ok')"}),
    )
    .map_err(|e| e.to_string())?;
    let attempt = validate::check(request).map_err(|p| p.to_string())?;
    let receipt = runner.execute(attempt).map_err(|p| p.to_string())?;
    if receipt.status == api::Status::Succeeded && receipt.stdout_tail.trim() == "ok" {
        Ok(())
    } else {
        Err(format!("{:?}: {}", receipt.status, receipt.stderr_tail))
    }
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let runtime = find_runtime(args.runtime)?;
    let python = args
        .python
        .or_else(|| std::env::var_os("WRIT_SANDBOX_PYTHON").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/usr/bin/python3"));
    let version = python_version(&python)?;
    let work_root = match args.work_root {
        Some(dir) => dir,
        None => std::env::temp_dir().join(format!("writ-sandbox-{}", std::process::id())),
    };
    std::fs::create_dir_all(&work_root)
        .with_context(|| format!("creating {}", work_root.display()))?;
    std::fs::set_permissions(&work_root, std::fs::Permissions::from_mode(0o711))?;
    let work_root = work_root.canonicalize()?;

    // Probes use std's Command, so they run before the reaper takes over waiting for children.
    let probed = isolation::probe(&python, args.uid_base);
    if probed.uid_drop {
        if let Some((pid, uid)) = isolation::uid_range_user(args.uid_base, args.slots as u32) {
            bail!("uid {uid} (slot range from --uid-base {}) is in use by pid {pid}: another sandbox server? pick another --uid-base", args.uid_base);
        }
    }
    reaper::start().context("starting the reaper")?;
    // As a container's PID 1 the server gets SIGTERM when the instance stops, and PID 1 ignores signals it
    // has no handler for: exit at once (every step dies with the server through PDEATHSIG).
    extern "C" fn on_term(_: libc::c_int) {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(0) }
    }
    // SAFETY: installing a handler that only calls _exit.
    unsafe {
        libc::signal(
            libc::SIGTERM,
            on_term as extern "C" fn(libc::c_int) as libc::sighandler_t,
        )
    };

    let candidates = [
        probed,
        Isolation {
            fs_jail: false,
            ..probed
        },
        Isolation {
            fs_jail: false,
            uid_drop: false,
            nproc: false,
            ..probed
        },
    ];
    let mut chosen = None;
    for isolation in candidates {
        let runner = Runner::new(Config {
            python: python.clone(),
            python_version: version.clone(),
            runtime: runtime.clone(),
            work_root: work_root.clone(),
            uid_base: args.uid_base,
            slots: args.slots,
            keep_work: args.keep_work,
            isolation,
        });
        match self_test(&runner) {
            Ok(()) => {
                chosen = Some(runner);
                break;
            }
            Err(e) => eprintln!("writ-sandbox: self-test failed with {isolation:?}: {e}"),
        }
    }
    let runner = chosen.context("no isolation setting lets a trivial program run")?;
    let in_force = runner.config.isolation.layers();
    if args.probe {
        println!(
            "{}",
            serde_json::to_string(&writ_sandbox_policy::Isolation::of(in_force))?
        );
        return Ok(());
    }
    // Isolation is asserted, not hoped for: a layer the host refuses stops the server unless the operator
    // named it (and only it) in --allow-degraded; receipts and /health then say what is missing.
    let isolation = writ_sandbox_policy::startup(&in_force, &args.allow_degraded)
        .map_err(|e| anyhow::anyhow!("{e}"))?;

    let http = tiny_http::Server::http(&args.listen)
        .map_err(|e| anyhow::anyhow!("binding {}: {e}", args.listen))?;
    eprintln!(
        "writ-sandbox: listening on {} (python {version}, runtime {}, work root {}, isolation in force {}, missing {})",
        args.listen,
        runtime.display(),
        work_root.display(),
        writ_sandbox_policy::list(&isolation.in_force),
        writ_sandbox_policy::list(&isolation.missing),
    );
    let workers = args.slots + 2;
    server::serve(
        http,
        server::Server {
            runner,
            max_body: args.max_body_mb * 1024 * 1024,
        },
        workers,
    );
    Ok(())
}
