//! Helpers shared by the end-to-end tests. They drive the stack that `cargo xtask up` started, through the
//! `writ` CLI (as users and the held-out checks do) and the REST API; `cargo xtask test` sets `WRIT_API`,
//! `WRIT_TOKEN`, `DATABASE_URL` and `WRIT_BIN`. Run outside it, they fail and say how to run them.

use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the end-to-end tests with `cargo xtask test`")
    })
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

pub fn billing_data() -> PathBuf {
    root().join("../shared/data/billing-audit")
}

/// The `writ` CLI with a given token.
pub struct Writ {
    pub token: String,
}

impl Writ {
    pub fn admin() -> Writ {
        Writ {
            token: env("WRIT_TOKEN"),
        }
    }

    pub fn with(token: &str) -> Writ {
        Writ {
            token: token.to_string(),
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(Path::new(&env("WRIT_BIN")).join("writ"));
        c.args(args)
            .env("WRIT_API", env("WRIT_API"))
            .env("WRIT_TOKEN", &self.token);
        if let Ok(db) = std::env::var("DATABASE_URL") {
            c.env("DATABASE_URL", db);
        }
        c
    }

    /// stdout of a successful command, trimmed.
    pub fn ok(&self, args: &[&str]) -> Result<String> {
        let o = self
            .command(args)
            .output()
            .with_context(|| format!("running writ {args:?}"))?;
        if !o.status.success() {
            bail!(
                "writ {args:?} failed ({}): {}{}",
                o.status,
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
    }

    /// (success, stdout, stderr), for commands expected to fail.
    pub fn try_run(&self, args: &[&str]) -> Result<(bool, String, String)> {
        let o = self.command(args).output()?;
        Ok((
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        ))
    }

    pub fn status(&self, run: &str) -> Result<Value> {
        Ok(serde_json::from_str(&self.ok(&["status", run, "--json"])?)?)
    }

    /// `writ wait` until the run is terminal or waits for approval; returns the state.
    pub fn wait(&self, run: &str) -> Result<String> {
        let (_, out, _) = self.try_run(&["wait", run, "--timeout", "300"])?;
        Ok(out.trim().to_string())
    }

    pub fn export(&self, run: &str, dir: &Path) -> Result<()> {
        let _ = std::fs::remove_dir_all(dir);
        self.ok(&["artifacts", "export", run, &dir.to_string_lossy()])
            .map(|_| ())
    }
}

/// The REST API directly, for what the CLI does not expose (malformed requests, raw status codes).
pub fn http(method: &str, path: &str, token: Option<&str>) -> ureq::Request {
    let mut r = ureq::request(method, &format!("{}{}", env("WRIT_API"), path))
        .timeout(Duration::from_secs(60));
    if let Some(t) = token {
        r = r.set("authorization", &format!("Bearer {t}"));
    }
    r
}

/// (status, body as JSON or Null) whatever the status.
pub fn call(result: Result<ureq::Response, ureq::Error>) -> (u16, String, Value) {
    match result {
        Ok(r) => {
            let status = r.status();
            let ctype = r.content_type().to_string();
            let text = r.into_string().unwrap_or_default();
            (
                status,
                ctype,
                serde_json::from_str(&text).unwrap_or(Value::Null),
            )
        }
        Err(ureq::Error::Status(status, r)) => {
            let ctype = r.content_type().to_string();
            let text = r.into_string().unwrap_or_default();
            (
                status,
                ctype,
                serde_json::from_str(&text).unwrap_or(Value::Null),
            )
        }
        Err(e) => (0, String::new(), Value::String(e.to_string())),
    }
}

/// A scratch folder under target/, fresh for each call.
pub fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target").join("e2e").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The billing pack's independent oracle (`packs/billing-audit/tests/oracle.py`) writes the artifacts the letter
/// implies for a folder of inputs; the tests compare the run's exports with them.
pub fn oracle(inputs: &Path, out: &Path) -> Result<()> {
    let status = Command::new("python3")
        .arg(root().join("packs/billing-audit/tests/oracle_export.py"))
        .arg(inputs)
        .arg(out)
        .status()
        .context("running the billing oracle")?;
    if !status.success() {
        bail!("the billing oracle failed");
    }
    Ok(())
}

pub fn assert_same_file(a: &Path, b: &Path) {
    let x = std::fs::read(a).unwrap_or_else(|e| panic!("{}: {e}", a.display()));
    let y = std::fs::read(b).unwrap_or_else(|e| panic!("{}: {e}", b.display()));
    if x != y {
        let xs = String::from_utf8_lossy(&x);
        let ys = String::from_utf8_lossy(&y);
        let diff: Vec<String> = xs
            .lines()
            .zip(ys.lines())
            .enumerate()
            .filter(|(_, (l, r))| l != r)
            .take(5)
            .map(|(i, (l, r))| format!("line {}: run {l:?} / oracle {r:?}", i + 1))
            .collect();
        panic!(
            "{} differs from {}:\n{}",
            a.display(),
            b.display(),
            diff.join("\n")
        );
    }
}

pub fn json_file(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .expect("JSON")
}

/// Start a billing run and take it to the gate; returns the run id.
pub fn run_to_gate(w: &Writ, inputs: &Path) -> Result<String> {
    let run = w.ok(&[
        "run",
        "--workflow",
        "billing-audit",
        "--inputs",
        &inputs.to_string_lossy(),
    ])?;
    let state = w.wait(&run)?;
    if state != "awaiting_approval" {
        bail!(
            "run {run} reached {state}, not awaiting_approval: {}",
            w.status(&run)?
        );
    }
    Ok(run)
}

/// A reviewer who may approve (a separate principal from the admin who starts runs).
pub fn reviewer(name: &str) -> Result<String> {
    Writ::admin().ok(&[
        "token",
        "create",
        "--name",
        name,
        "--scopes",
        "runs:read,approve",
    ])
}

pub fn approve_and_finish(w: &Writ, reviewer: &str, run: &str) -> Result<()> {
    let st = w.status(run)?;
    for step in st["pending_approvals"].as_array().into_iter().flatten() {
        Writ::with(reviewer).ok(&["approve", run, "--step", step.as_str().unwrap_or_default()])?;
    }
    let state = w.wait(run)?;
    if state != "succeeded" {
        bail!("run {run} ended {state}: {}", w.status(run)?);
    }
    Ok(())
}

/// Another month of entries, derived from the visible one: every date moves forward by `days` (the rate in
/// force, the closing dates and the caps all apply differently), everything else is the same files and columns.
pub fn shifted_month(days: i64, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out)?;
    let src = billing_data();
    for f in [
        "engagement_letter.md",
        "matters.csv",
        "staffing.csv",
        "timekeepers.csv",
    ] {
        std::fs::copy(src.join(f), out.join(f))?;
    }
    let text = std::fs::read_to_string(src.join("time_entries.csv"))?;
    let mut lines = text.lines();
    let mut outtext = String::new();
    outtext.push_str(lines.next().unwrap_or_default());
    outtext.push('\n');
    for line in lines {
        let mut cells: Vec<String> = line.splitn(3, ',').map(String::from).collect();
        if cells.len() == 3 {
            cells[1] = shift_date(&cells[1], days)?;
        }
        outtext.push_str(&cells.join(","));
        outtext.push('\n');
    }
    std::fs::write(out.join("time_entries.csv"), outtext)?;
    Ok(())
}

fn shift_date(date: &str, days: i64) -> Result<String> {
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts[..] else {
        bail!("bad date {date}")
    };
    let n = writ_cron::days_from_civil(y.parse()?, m.parse()?, d.parse()?) + days;
    let (y, m, d) = writ_cron::civil_from_days(n);
    Ok(format!("{y:04}-{m:02}-{d:02}"))
}

/// Poll until `f` holds, or fail after `secs`.
pub fn eventually(what: &str, secs: u64, mut f: impl FnMut() -> Result<bool>) -> Result<()> {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        if f()? {
            return Ok(());
        }
        if Instant::now() > end {
            bail!("timed out waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// `cargo xtask <cmd>` through the already-built xtask binary (fault injection for resilience tests).
pub fn xtask(cmd: &str) -> Result<()> {
    xtask_with(&[cmd])
}

/// `cargo xtask <args…>` through the already-built xtask binary.
pub fn xtask_with(args: &[&str]) -> Result<()> {
    let status = Command::new(root().join("target/debug/xtask"))
        .args(args)
        .status()
        .context("running xtask")?;
    if !status.success() {
        bail!("xtask {} failed", args.join(" "));
    }
    Ok(())
}

/// Rows of the ledger for a run, straight from Postgres.
pub fn ledger_rows(run: &str) -> Result<u64> {
    Ok(psql(&format!(
        "SELECT count(*) FROM ledger_entries WHERE run_id = '{}'",
        run.replace('\'', "")
    ))?
    .trim()
    .parse()?)
}

/// One query against the ledger database (psql over the stack's socket, as the superuser): its rows, one a
/// line, columns separated by `|`.
pub fn psql(sql: &str) -> Result<String> {
    let out = Command::new("psql")
        .args([
            "-X",
            "-At",
            "-h",
            &env("WRIT_PG_SOCKET"),
            "-p",
            &env("WRIT_PG_PORT"),
            "-U",
            "postgres",
            "-d",
            "writ",
            "-c",
        ])
        .arg(sql)
        .output()?;
    if !out.status.success() {
        bail!("psql: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Uploads each file of `dir` through `POST /v1/inputs` (as a token's holder); the `inputs` object of a
/// create request: each file under its stem, with its hash and name.
pub fn upload_inputs(dir: &Path, token: &str) -> Result<Value> {
    let mut inputs = serde_json::Map::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for f in files {
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let stem = name
            .rsplit_once('.')
            .map(|(s, _)| s.to_string())
            .unwrap_or_else(|| name.clone());
        let (status, _, body) = call(
            http("POST", &format!("/v1/inputs?name={name}"), Some(token))
                .send_bytes(&std::fs::read(&f)?),
        );
        if status != 201 {
            bail!("upload {name}: {status} {body}");
        }
        inputs.insert(
            stem,
            serde_json::json!({"hash": body["hash"], "name": name}),
        );
    }
    Ok(Value::Object(inputs))
}

/// `writ-model-server --port 0 <args>` (the binary `env!("CARGO_BIN_EXE_writ-model-server")` names in a
/// test), playing a model over the real wire formats; killed on drop.
pub struct ModelServer {
    child: std::process::Child,
    pub url: String,
}

impl ModelServer {
    pub fn start(bin: &str, args: &[&str]) -> Result<ModelServer> {
        use std::io::BufRead as _;
        let mut child = Command::new(bin)
            .args(["--port", "0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .context("starting writ-model-server")?;
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().context("stdout")?).read_line(&mut line)?;
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .context("writ-model-server did not say where it listens")?
            .to_string();
        Ok(ModelServer { child, url })
    }
}

impl Drop for ModelServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
