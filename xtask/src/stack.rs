//! `cargo xtask up | down | status`: the local stack — Postgres, the sandbox server, `wrangler dev`.

use crate::paths::{
    app_database_url, hyperdrive_url, inspector_port, pg_gate_port, pg_port, root, sandbox_port,
    state, worker_port,
};
use crate::pg;
use crate::proc::{is_alive, read_pids, record_pid, run, stop_group, wait_for};
use anyhow::{bail, Context, Result};
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

pub struct Stack {
    pub api: String,
    pub token: String,
}

fn pid_file() -> PathBuf {
    state().join("pids")
}

fn logs() -> PathBuf {
    state().join("logs")
}

pub fn api_url() -> String {
    format!("http://127.0.0.1:{}", worker_port())
}

pub fn bin_dir() -> PathBuf {
    root().join("target").join("debug")
}

/// Start the stack unless it already runs; returns how to reach it.
pub fn up() -> Result<Stack> {
    fs::create_dir_all(logs())?;
    let token = admin_token()?;
    if running() {
        if health(&api_url()).is_ok() {
            println!(
                "up: the stack is already running at {} (nothing to do)",
                api_url()
            );
            return Ok(Stack {
                api: api_url(),
                token,
            });
        }
        eprintln!("up: a previous stack is half running; stopping it first");
        down()?;
    }
    let _ = fs::remove_file(pid_file());

    eprintln!("up: building the writ CLI and the sandbox server");
    run(Command::new("cargo")
        .args(["build", "--quiet", "-p", "writ-cli", "-p", "writ-sandbox"])
        .current_dir(root()))?;

    pg::ensure_cluster()?;
    if pg::postmaster_pid().is_none_or(|pid| !is_alive(pid as i32)) {
        let pid = pg::start()?;
        record_pid(&pid_file(), "postgres", pid)?;
    }
    pg::provision()?;
    run(Command::new(bin_dir().join("writ"))
        .args([
            "db",
            "migrate",
            "--database-url",
            &pg::superuser_url(crate::paths::PG_DB),
        ])
        .stdout(Stdio::null()))
    .context("applying migrations")?;

    start_sandbox(None, true)?;

    let gate = spawn_logged(
        "pg-gate",
        Command::new(std::env::current_exe()?).args([
            "pg-gate",
            &format!("127.0.0.1:{}", pg_gate_port()),
            &format!("127.0.0.1:{}", pg_port()),
        ]),
    )?;
    record_pid(&pid_file(), "pg-gate", gate)?;

    eprintln!("up: building the worker (wasm32)");
    run(Command::new("bash")
        .arg("worker/build.sh")
        .current_dir(root()))?;
    let report = start_wrangler(&token, false)?;
    write_env(&token)?;
    println!("up: the stack is running at {}", api_url());
    println!("{}", serde_json::to_string_pretty(&report)?);
    println!(
        "up: `. .writ/env` sets WRIT_API, WRIT_TOKEN and DATABASE_URL and puts `writ` on PATH"
    );
    Ok(Stack {
        api: api_url(),
        token,
    })
}

/// The user the sandbox runs as for `sandbox-mode unprivileged*` when the stack runs as root.
const NOBODY: u32 = 65534;

fn sandbox_command(as_uid: Option<u32>) -> Command {
    let mut cmd = Command::new(bin_dir().join("writ-sandbox"));
    if let Some(uid) = as_uid {
        // std drops the supplementary groups when root sets a uid.
        cmd.uid(uid).gid(uid);
    }
    cmd
}

/// Starts the stack's sandbox server (as `as_uid`, else this user) with exactly the `--allow-degraded`
/// its probe finds it needs, and records what the worker must tolerate: those layers when `tolerate`,
/// none otherwise (then the worker refuses to dispatch to it). Answers the missing layers.
fn start_sandbox(as_uid: Option<u32>, tolerate: bool) -> Result<String> {
    let uid_base = (61000 + 100 * u32::from(crate::paths::port_offset())).to_string();
    let work_root = state().join("sandbox");
    fs::create_dir_all(&work_root)?;
    let owner = as_uid.unwrap_or_else(|| unsafe { libc::geteuid() });
    std::os::unix::fs::chown(&work_root, Some(owner), Some(owner))?;
    let degraded = sandbox_missing_layers(as_uid, &uid_base)?;
    fs::write(
        degraded_file(),
        if tolerate { degraded.as_str() } else { "" },
    )?;
    let mut cmd = sandbox_command(as_uid);
    cmd.args([
        "--listen",
        &format!("127.0.0.1:{}", sandbox_port()),
        "--slots",
        "8",
        "--uid-base",
        &uid_base,
    ])
    .arg("--runtime")
    .arg(root().join("container/runtime"))
    .arg("--work-root")
    .arg(&work_root);
    if !degraded.is_empty() {
        eprintln!(
            "up: the sandbox cannot have the isolation layers {degraded} as this user; it runs without them and every receipt says so"
        );
        cmd.args(["--allow-degraded", &degraded]);
    }
    let pid = spawn_logged("sandbox", &mut cmd)?;
    replace_pid("sandbox", pid)?;
    wait_for("the sandbox", Duration::from_secs(60), || {
        if !is_alive(pid as i32) {
            bail!(
                "the sandbox server exited; see {}",
                logs().join("sandbox.log").display()
            );
        }
        let url = format!("http://127.0.0.1:{}/health", sandbox_port());
        ureq::get(&url)
            .timeout(Duration::from_secs(2))
            .call()
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("{e}"))
    })?;
    Ok(degraded)
}

/// `cargo xtask sandbox-mode full | unprivileged | unprivileged-tolerated`: restarts the stack's sandbox
/// with all the layers this user can give it, or (when the stack runs as root) as an unprivileged user,
/// then `wrangler dev` tolerating none or exactly the missing layers. For the isolation e2e test.
pub fn sandbox_mode(mode: &str) -> Result<()> {
    let unprivileged = (unsafe { libc::geteuid() } == 0).then_some(NOBODY);
    let (as_uid, tolerate) = match mode {
        "full" => (None, true),
        "unprivileged" => (unprivileged, false),
        "unprivileged-tolerated" => (unprivileged, true),
        other => bail!(
            "sandbox-mode: unknown mode `{other}` (full, unprivileged, unprivileged-tolerated)"
        ),
    };
    if let Some((_, pid)) = read_pids(&pid_file())
        .into_iter()
        .find(|(n, _)| n == "sandbox")
    {
        stop_group(pid, Duration::from_secs(5));
    }
    let missing = start_sandbox(as_uid, tolerate)?;
    restart_worker_with(!tolerate && !missing.is_empty())?;
    println!(
        "sandbox-mode {mode}: layers missing: {}; the worker tolerates: {}",
        if missing.is_empty() { "none" } else { &missing },
        if tolerate && !missing.is_empty() {
            &missing
        } else {
            "none"
        }
    );
    Ok(())
}

/// The isolation layers the sandbox server lacks as `as_uid` (`writ-sandbox --probe`), comma-separated,
/// empty when it has them all.
fn sandbox_missing_layers(as_uid: Option<u32>, uid_base: &str) -> Result<String> {
    let out = sandbox_command(as_uid)
        .args(["--probe", "--uid-base", uid_base])
        .arg("--runtime")
        .arg(root().join("container/runtime"))
        .arg("--work-root")
        .arg(state().join("sandbox"))
        .output()
        .context("running writ-sandbox --probe")?;
    if !out.status.success() {
        bail!(
            "writ-sandbox --probe failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let probed: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("writ-sandbox --probe printed no JSON")?;
    let missing: Vec<&str> = probed["missing"]
        .as_array()
        .context("writ-sandbox --probe: no `missing` list")?
        .iter()
        .filter_map(serde_json::Value::as_str)
        .collect();
    Ok(missing.join(","))
}

fn degraded_file() -> std::path::PathBuf {
    state().join("sandbox-degraded")
}

fn start_wrangler(token: &str, sandbox_refused: bool) -> Result<serde_json::Value> {
    // What the local sandbox lacks, the local worker tolerates: exactly that, nothing more.
    // A missing file tolerates nothing: the worker then refuses a degraded sandbox, failing closed.
    let degraded = fs::read_to_string(degraded_file()).unwrap_or_default();
    let allow_degraded: Vec<String> = match degraded.trim() {
        "" => vec![],
        list => vec![
            "--var".into(),
            format!("WRIT_ALLOW_DEGRADED_SANDBOX:{list}"),
        ],
    };
    let wrangler = spawn_logged(
        "wrangler",
        Command::new(root().join("node_modules/.bin/wrangler"))
            .args([
                "dev",
                "--local",
                "--ip",
                "127.0.0.1",
                "--port",
                &worker_port().to_string(),
            ])
            .args(["--inspector-port", &inspector_port().to_string()])
            .args(["--test-scheduled", "--show-interactive-dev-session=false"])
            .arg("--persist-to")
            .arg(state().join("wrangler"))
            .args(["--var", &format!("WRIT_BOOTSTRAP_TOKEN:{token}")])
            .args([
                "--var",
                &format!("SANDBOX_URL:http://127.0.0.1:{}", sandbox_port()),
            ])
            .args(["--var", &format!("WRIT_PUBLIC_URL:{}", api_url())])
            .args(allow_degraded.iter())
            .env("WRANGLER_SEND_METRICS", "false")
            .env(
                "CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_LEDGER_DB",
                hyperdrive_url(),
            )
            .current_dir(root()),
    )?;
    replace_pid("wrangler", wrangler)?;
    wait_for("the stack", Duration::from_secs(180), || {
        if !is_alive(wrangler as i32) {
            bail!(
                "wrangler dev exited; see {}",
                logs().join("wrangler.log").display()
            );
        }
        if !sandbox_refused {
            return health(&api_url());
        }
        // A sandbox this worker is told to refuse (`sandbox-mode unprivileged`) shows in /v1/health as
        // the refusal; every other component must be up.
        let resp = ureq::get(&format!("{}/v1/health", api_url()))
            .timeout(Duration::from_secs(10))
            .call();
        let body: serde_json::Value = match resp {
            Ok(r) => r.into_json()?,
            Err(ureq::Error::Status(_, r)) => r.into_json()?,
            Err(e) => bail!("{e}"),
        };
        let others_ok = body["components"]
            .as_object()
            .is_some_and(|c| c.iter().all(|(k, v)| k == "sandbox" || v == "ok"));
        if !others_ok {
            bail!("not healthy yet: {body}");
        }
        Ok(body)
    })
}

/// Kill the sandbox server (as a container restart would) and start it again; for the fault tests.
pub fn restart_sandbox() -> Result<()> {
    if let Some((_, pid)) = read_pids(&pid_file())
        .into_iter()
        .find(|(n, _)| n == "sandbox")
    {
        // SAFETY: signalling the process group `up` created for the sandbox server.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
        let _ = wait_for("the sandbox to exit", Duration::from_secs(10), || {
            if crate::proc::group_alive(pid) {
                bail!("still running")
            } else {
                Ok(())
            }
        });
    }
    start_sandbox(None, true)?;
    println!("restart-sandbox: sandbox server restarted");
    Ok(())
}

/// Record a service's pid, replacing an earlier one of the same name.
fn replace_pid(name: &str, pid: u32) -> Result<()> {
    let kept: Vec<(String, i32)> = read_pids(&pid_file())
        .into_iter()
        .filter(|(n, _)| n != name)
        .collect();
    let _ = fs::remove_file(pid_file());
    for (n, p) in kept {
        record_pid(&pid_file(), &n, p as u32)?;
    }
    record_pid(&pid_file(), name, pid)
}

/// Kill `wrangler dev` (as a crash would) and start it again on the same state; for resilience tests.
pub fn restart_worker() -> Result<()> {
    restart_worker_with(false)
}

/// `sandbox_refused`: the worker is expected to refuse the sandbox, so /v1/health cannot be all `ok`.
fn restart_worker_with(sandbox_refused: bool) -> Result<()> {
    let token = admin_token()?;
    if let Some((_, pid)) = read_pids(&pid_file())
        .into_iter()
        .find(|(n, _)| n == "wrangler")
    {
        // SAFETY: signalling the process group `up` created for wrangler.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
        let _ = wait_for("wrangler to exit", Duration::from_secs(10), || {
            if crate::proc::group_alive(pid) {
                bail!("still running")
            } else {
                Ok(())
            }
        });
    }
    start_wrangler(&token, sandbox_refused)?;
    println!("restart-worker: wrangler dev restarted");
    Ok(())
}

/// Stop or start the stack's Postgres alone; for the ledger outage test.
pub fn pg_stop() -> Result<()> {
    pg::stop()?;
    println!("pg-stop: postgres stopped");
    Ok(())
}

pub fn pg_start() -> Result<()> {
    let pid = pg::start()?;
    replace_pid("postgres", pid)?;
    println!("pg-start: postgres started (pid {pid})");
    Ok(())
}

/// Health, required to be all `ok`.
pub fn health(api: &str) -> Result<serde_json::Value> {
    let resp = ureq::get(&format!("{api}/v1/health"))
        .timeout(Duration::from_secs(10))
        .call();
    let body: serde_json::Value = match resp {
        Ok(r) => r.into_json()?,
        Err(ureq::Error::Status(_, r)) => r.into_json()?,
        Err(e) => bail!("{e}"),
    };
    if body["status"] != "ok" {
        bail!("not healthy yet: {body}");
    }
    Ok(body)
}

fn running() -> bool {
    let pids = read_pids(&pid_file());
    !pids.is_empty() && pids.iter().all(|(_, pid)| is_alive(*pid))
}

fn spawn_logged(name: &str, cmd: &mut Command) -> Result<u32> {
    let log = fs::File::create(logs().join(format!("{name}.log")))?;
    // Each service leads its own process group, so `down` can stop it with all of its children.
    let child = unsafe {
        cmd.stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .pre_exec(|| {
                libc::setsid();
                Ok(())
            })
            .spawn()
            .with_context(|| format!("starting {name}"))?
    };
    Ok(child.id())
}

fn admin_token() -> Result<String> {
    let file = state().join("token");
    if let Ok(t) = fs::read_to_string(&file) {
        if !t.trim().is_empty() {
            return Ok(t.trim().to_string());
        }
    }
    let mut bytes = [0u8; 24];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))?;
    let token: String = format!(
        "writ_local_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    fs::create_dir_all(state())?;
    fs::write(&file, &token)?;
    Ok(token)
}

fn write_env(token: &str) -> Result<()> {
    let text = format!(
        "# Written by `cargo xtask up`; source it: `. .writ/env`\n\
         export WRIT_API={api}\n\
         export WRIT_TOKEN={token}\n\
         export DATABASE_URL={db}\n\
         export WRIT_PG_SOCKET={sock}\n\
         export WRIT_PG_PORT={pg_port}\n\
         case \":$PATH:\" in *\":{bin}:\"*) ;; *) export PATH=\"{bin}:$PATH\" ;; esac\n",
        api = api_url(),
        db = app_database_url(),
        sock = pg::socket_dir().display(),
        bin = bin_dir().display(),
        pg_port = pg_port(),
    );
    fs::write(state().join("env"), text)?;
    Ok(())
}

pub fn down() -> Result<()> {
    let pids = read_pids(&pid_file());
    if pids.is_empty() && pg::postmaster_pid().is_none() {
        println!("down: the stack is not running");
        return Ok(());
    }
    for (name, pid) in pids.iter().rev() {
        if name == "postgres" {
            continue;
        }
        stop_group(*pid, Duration::from_secs(5));
        println!("down: stopped {name} (pid {pid})");
    }
    if pg::postmaster_pid().is_some() {
        pg::stop()?;
        println!("down: stopped postgres");
    }
    let _ = fs::remove_file(pid_file());
    Ok(())
}

pub fn status() -> Result<()> {
    for (name, pid) in read_pids(&pid_file()) {
        println!(
            "{name:10} pid {pid:7} {}",
            if is_alive(pid) { "running" } else { "gone" }
        );
    }
    match health(&api_url()) {
        Ok(h) => println!("{}", serde_json::to_string_pretty(&h)?),
        Err(e) => println!("health: {e:#}"),
    }
    Ok(())
}
