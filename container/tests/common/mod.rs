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

impl Sandbox {
    pub fn start(extra: &[&str]) -> Result<Sandbox> {
        let port = free_port()?;
        // Servers running at once need disjoint slot uids: each sweeps its own uids after every attempt.
        static STARTED: AtomicU32 = AtomicU32::new(0);
        let uid_base = 100_000
            + (std::process::id() % 1000) * 64
            + STARTED.fetch_add(1, Ordering::Relaxed) * 8;
        let work_root =
            std::env::temp_dir().join(format!("writ-sandbox-test-{}-{port}", std::process::id()));
        let child = Command::new(env!("CARGO_BIN_EXE_writ-sandbox"))
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
