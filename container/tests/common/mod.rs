//! Starts the real `writ-sandbox` binary on a free loopback port and stops it on drop.

#![allow(dead_code)]

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

pub const FAKE_SECRET: &str = "writ-test-secret-0d9f1c";

pub struct Sandbox {
    child: Child,
    pub port: u16,
    pub base: String,
    pub work_root: PathBuf,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.work_root);
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The server binary under test: this build's, or `WRIT_SANDBOX_BIN` (the image's own server, when the
/// suites run inside the image: container/verify-image.sh).
pub fn server_bin() -> PathBuf {
    std::env::var_os("WRIT_SANDBOX_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_writ-sandbox")))
}

/// The command for the server binary, run as `uid` (and its gid, no groups) when one is given.
pub fn command(as_uid: Option<u32>) -> Command {
    let mut command = Command::new(server_bin());
    if let Some(uid) = as_uid {
        use std::os::unix::process::CommandExt;
        // SAFETY: only raw syscalls between fork and exec.
        unsafe {
            command.pre_exec(move || {
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(uid) != 0
                    || libc::setuid(uid) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    command
}

/// Servers running at once need disjoint slot uids: each sweeps its own uids after every attempt.
fn next_uid_base() -> u32 {
    static STARTED: AtomicU32 = AtomicU32::new(0);
    100_000 + (std::process::id() % 1000) * 64 + STARTED.fetch_add(1, Ordering::Relaxed) * 8
}

/// What `--probe` reports for a server run as `as_uid`: the layers in force and those missing.
pub fn probe(as_uid: Option<u32>, work_root: &std::path::Path) -> Result<Value> {
    let out = command(as_uid)
        .args(["--probe", "--uid-base", &next_uid_base().to_string()])
        .arg("--work-root")
        .arg(work_root)
        .output()
        .context("running writ-sandbox --probe")?;
    if !out.status.success() {
        bail!("--probe failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// The `--allow-degraded` value naming exactly what a probe found missing (None when nothing is).
pub fn missing_list(probed: &Value) -> Option<String> {
    let missing: Vec<&str> = probed["missing"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    (!missing.is_empty()).then(|| missing.join(","))
}

impl Sandbox {
    /// Starts the server as this process's user. Tests exercise the layers this host gives: the harness
    /// opts in to exactly the missing ones, as `cargo xtask up` does.
    pub fn start(extra: &[&str]) -> Result<Sandbox> {
        static PROBES: AtomicU32 = AtomicU32::new(0);
        let probe_root = std::env::temp_dir().join(format!(
            "writ-sandbox-probe-{}-{}",
            std::process::id(),
            PROBES.fetch_add(1, Ordering::Relaxed)
        ));
        let probed = probe(None, &probe_root)?;
        let _ = std::fs::remove_dir_all(&probe_root);
        let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        if let Some(missing) = missing_list(&probed) {
            args.extend(["--allow-degraded".to_string(), missing]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Sandbox::start_as(None, &args)
    }

    /// Starts the server as `as_uid` (None: this process's user) with exactly `extra`.
    pub fn start_as(as_uid: Option<u32>, extra: &[&str]) -> Result<Sandbox> {
        let port = free_port()?;
        let uid_base = next_uid_base();
        let work_root =
            std::env::temp_dir().join(format!("writ-sandbox-test-{}-{port}", std::process::id()));
        if let Some(uid) = as_uid {
            std::fs::create_dir_all(&work_root)?;
            std::os::unix::fs::chown(&work_root, Some(uid), Some(uid))?;
        }
        let child = command(as_uid)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--work-root")
            .arg(&work_root)
            .args(["--uid-base", &uid_base.to_string(), "--slots", "4"])
            .args(extra)
            .env("SECRET_TOKEN", FAKE_SECRET)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting writ-sandbox")?;
        let sandbox = Sandbox {
            child,
            port,
            base: format!("http://127.0.0.1:{port}"),
            work_root,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if sandbox.health().is_ok() {
                return Ok(sandbox);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("writ-sandbox did not answer /health within 20 s")
    }

    pub fn health(&self) -> Result<Value> {
        let r = ureq::get(&format!("{}/health", self.base))
            .timeout(Duration::from_secs(5))
            .call()?;
        Ok(r.into_json()?)
    }

    /// POSTs a raw body; answers (status, content type, JSON body) for success and refusal alike.
    pub fn post_raw(&self, body: &[u8]) -> Result<(u16, String, Value)> {
        let response = ureq::post(&format!("{}/v1/execute", self.base))
            .set("Content-Type", "application/json")
            .timeout(Duration::from_secs(120))
            .send_bytes(body);
        let response = match response {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => return Err(e.into()),
        };
        let status = response.status();
        let content_type = response.header("Content-Type").unwrap_or("").to_string();
        let mut text = String::new();
        response.into_reader().read_to_string(&mut text)?;
        let value = serde_json::from_str(&text).with_context(|| format!("not JSON: {text}"))?;
        Ok((status, content_type, value))
    }

    pub fn execute(&self, request: &Value) -> Result<(u16, Value)> {
        let (status, _, body) = self.post_raw(request.to_string().as_bytes())?;
        Ok((status, body))
    }

    /// Runs `program` with `limits` and expects a receipt (HTTP 200).
    pub fn run(&self, program: &str, limits: Value) -> Result<Value> {
        let (status, body) = self.execute(&json!({
            "attempt_id": "test", "program": program, "inputs": {}, "skills": [], "tools": [],
            "bridge": null, "limits": limits,
        }))?;
        if status != 200 {
            bail!("expected a receipt, got {status}: {body}");
        }
        Ok(body)
    }
}

impl Sandbox {
    /// Runs a full request and expects a receipt (HTTP 200).
    pub fn run_request(&self, request: &Value) -> Result<Value> {
        let (status, body) = self.execute(request)?;
        if status != 200 {
            bail!("expected a receipt, got {status}: {body}");
        }
        Ok(body)
    }
}

pub fn b3(bytes: &[u8]) -> String {
    format!("b3:{}", blake3::hash(bytes).to_hex())
}
