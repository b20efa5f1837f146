//! Round trip of a trivial program through the real server: POST /v1/execute → receipt.
//! `cargo bench -p writ-sandbox` prints the median and p90 over 30 runs (target: median under 150 ms).

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

const RUNS: usize = 30;
const WARMUP: usize = 3;

fn main() -> Result<()> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let work_root = std::env::temp_dir().join(format!("writ-sandbox-bench-{}", std::process::id()));
    let uid_base = 120_000 + (std::process::id() % 1000) * 8;
    let mut server = Command::new(env!("CARGO_BIN_EXE_writ-sandbox"))
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--uid-base",
            &uid_base.to_string(),
        ])
        .arg("--work-root")
        .arg(&work_root)
        .stderr(Stdio::null())
        .spawn()
        .context("starting writ-sandbox")?;
    let result = measure(port);
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&work_root);
    result
}

fn measure(port: u16) -> Result<()> {
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while ureq::get(&format!("{base}/health")).call().is_err() {
        if Instant::now() > deadline {
            bail!("server did not come up");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let health: Value = ureq::get(&format!("{base}/health")).call()?.into_json()?;
    let body = json!({"attempt_id": "bench", "program": "print('hello')", "inputs": {}, "tools": [], "bridge": null});
    let mut samples = Vec::with_capacity(RUNS);
    for i in 0..WARMUP + RUNS {
        let started = Instant::now();
        let receipt: Value = ureq::post(&format!("{base}/v1/execute"))
            .send_json(body.clone())?
            .into_json()?;
        let elapsed = started.elapsed();
        if receipt["status"] != "succeeded" {
            bail!("trivial program did not succeed: {receipt}");
        }
        if i >= WARMUP {
            samples.push(elapsed);
        }
    }
    samples.sort();
    let at = |q: f64| {
        samples
            .get(((samples.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("isolation: {}", health["isolation"]);
    println!(
        "roundtrip of a trivial program over {RUNS} runs: median {:.1} ms, p90 {:.1} ms, min {:.1} ms, max {:.1} ms",
        ms(at(0.5)),
        ms(at(0.9)),
        ms(at(0.0)),
        ms(at(1.0))
    );
    if at(0.5) > Duration::from_millis(150) {
        println!("WARNING: median over the 150 ms target");
    }
    Ok(())
}
