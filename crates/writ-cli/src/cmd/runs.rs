//! Runs over the API: `writ run`, `status`, `wait`, `watch`, `approve`, `reject`, `repair`, `cancel`, `seal`.

use super::client::{print_json, Client};
use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

pub const TERMINAL: &[&str] = &["succeeded", "failed", "cancelled", "expired"];
/// States in which a run waits for a person: `wait` and `watch` return on them as on the terminal ones.
pub const WAITING: &[&str] = &["awaiting_approval", "awaiting_repair"];

#[derive(clap::Args)]
pub struct RunArgs {
    /// A workflow template id from the catalog, e.g. `contract-review`.
    #[arg(long, conflicts_with = "plan")]
    workflow: Option<String>,
    /// A plan candidate (JSON) instead of a catalog template.
    #[arg(long)]
    plan: Option<PathBuf>,
    /// A folder whose files are the run's inputs, each named by its file stem; each subfolder is one batch
    /// input (one item per file, e.g. `contracts/` with 200 files) named by the subfolder.
    #[arg(long)]
    inputs: PathBuf,
    /// The execution profile (catalog id); the tenant default when omitted.
    #[arg(long)]
    profile: Option<String>,
    /// What the run is for, in a sentence.
    #[arg(long)]
    objective: Option<String>,
    /// A partial execution profile over the named one (JSON), e.g.
    /// `{"phases": {"auditor": {"provider": "openai-compatible", "model": "judge-1"}}}`; budgets only tighten.
    #[arg(long, value_name = "JSON")]
    profile_override: Option<String>,
    /// The providers' base URL for every model phase (local stacks only), e.g. a `writ-model-server`.
    #[arg(long, value_name = "URL")]
    model_base_url: Option<String>,
    /// Make a retried `writ run` start at most one run.
    #[arg(long)]
    idempotency_key: Option<String>,
}

/// Upload every file of a folder, and every subfolder as one batch; returns input name → content hash: a
/// file's stem for a file, the subfolder's name for a batch (whose hash is its bundle manifest's).
pub fn upload_dir(client: &Client, dir: &Path, prefix: Option<&str>) -> Result<Map<String, Value>> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !is_hidden(p) && (p.is_file() || p.is_dir()))
        .collect();
    entries.sort();
    if entries.is_empty() {
        bail!("{} holds no files", dir.display());
    }
    let mut inputs = Map::new();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .context("file name is not UTF-8")?
            .to_string();
        if path.is_dir() {
            let hash = upload_batch(client, &path, prefix)?;
            inputs.insert(name.clone(), json!({"hash": hash, "name": name}));
            continue;
        }
        let stem = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or(&name)
            .to_string();
        let hash = upload_file(client, &path, &name, prefix)?;
        inputs.insert(stem, json!({"hash": hash, "name": name}));
    }
    Ok(inputs)
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

/// Upload one file, read and sent on its own; the server's content hash must be the file's.
fn upload_file(client: &Client, path: &Path, name: &str, prefix: Option<&str>) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let mut url = format!("/v1/inputs?name={}", encode(name));
    if let Some(p) = prefix {
        url.push_str(&format!("&prefix={}", encode(p)));
    }
    let up = client.post_bytes(&url, &bytes)?;
    let local = writ_canon::ContentHash::of_bytes(&bytes).to_string();
    if up["hash"].as_str() != Some(local.as_str()) {
        bail!(
            "{}: the server stored {} but the file hashes to {local}",
            path.display(),
            up["hash"]
        );
    }
    Ok(local)
}

/// Upload every file under `dir` (content-addressed, one at a time), then the batch's manifest over them;
/// returns the manifest's hash, the batch input's hash.
fn upload_batch(client: &Client, dir: &Path, prefix: Option<&str>) -> Result<String> {
    let mut paths = Vec::new();
    collect_files(dir, dir, &mut paths)?;
    paths.sort();
    if paths.is_empty() {
        bail!("the batch folder {} holds no files", dir.display());
    }
    let total = paths.len();
    let mut files = Vec::with_capacity(total);
    for (i, (rel, path)) in paths.iter().enumerate() {
        let hash = upload_file(client, path, rel.rsplit('/').next().unwrap_or(rel), None)?;
        let size = std::fs::metadata(path)?.len();
        files.push(writ_artifact::BundleFile {
            path: rel.clone(),
            hash: writ_canon::ContentHash::parse(&hash)?,
            size,
        });
        if (i + 1) % 100 == 0 || i + 1 == total {
            eprintln!("uploaded {}/{total} files of {}", i + 1, dir.display());
        }
    }
    let manifest = writ_artifact::Bundle::new(files)
        .and_then(|b| b.to_bytes())
        .with_context(|| format!("the batch {}", dir.display()))?;
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .context("folder name is not UTF-8")?;
    upload_file_bytes(client, &manifest, name, prefix)
}

fn upload_file_bytes(
    client: &Client,
    bytes: &[u8],
    name: &str,
    prefix: Option<&str>,
) -> Result<String> {
    let mut url = format!("/v1/inputs?name={}", encode(name));
    if let Some(p) = prefix {
        url.push_str(&format!("&prefix={}", encode(p)));
    }
    let up = client.post_bytes(&url, bytes)?;
    up["hash"]
        .as_str()
        .map(String::from)
        .context("the server answered no hash")
}

/// Every non-hidden file under `dir`, as (path relative to `root` with `/`, absolute path).
fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if is_hidden(&path) {
            continue;
        }
        if path.is_dir() {
            collect_files(root, &path, out)?;
        } else if path.is_file() {
            let rel = path
                .strip_prefix(root)?
                .components()
                .map(|c| c.as_os_str().to_str().context("path is not UTF-8"))
                .collect::<Result<Vec<_>>>()?
                .join("/");
            out.push((rel, path));
        }
    }
    Ok(())
}

pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    let client = Client::from_env()?;
    let inputs = upload_dir(&client, &args.inputs, None)?;
    let mut body = json!({"inputs": inputs});
    if let Some(w) = args.workflow {
        body["workflow"] = json!(w);
    }
    if let Some(p) = args.plan {
        let text =
            std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
        body["plan"] =
            serde_json::from_str(&text).with_context(|| format!("{} is not JSON", p.display()))?;
    }
    if let Some(p) = args.profile {
        body["profile"] = json!(p);
    }
    if let Some(o) = args.objective {
        body["objective"] = json!(o);
    }
    if let Some(o) = args.profile_override {
        body["profile_override"] =
            serde_json::from_str(&o).context("--profile-override is not JSON")?;
    }
    if let Some(u) = args.model_base_url {
        body["model_base_url"] = json!(u);
    }
    let created = match &args.idempotency_key {
        Some(k) => client.post_with("/v1/runs", &body, &[("idempotency-key", k)])?,
        None => client.post("/v1/runs", &body)?,
    };
    println!("{}", created["id"].as_str().unwrap_or_default());
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct StatusArgs {
    run: String,
    #[arg(long)]
    json: bool,
}

pub fn status(args: StatusArgs) -> Result<ExitCode> {
    let client = Client::from_env()?;
    let run = client.get(&format!("/v1/runs/{}", args.run))?;
    if args.json {
        print_json(&run)?;
    } else {
        print_human(&run);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_human(run: &Value) {
    println!(
        "run {}  {}",
        run["id"].as_str().unwrap_or("?"),
        run["state"].as_str().unwrap_or("?")
    );
    if let Some(served) = run["served_by"].as_str() {
        println!("served by: {served}");
    }
    for step in run["steps"].as_array().into_iter().flatten() {
        println!(
            "  {:28} {}",
            step["id"].as_str().unwrap_or("?"),
            step["state"].as_str().unwrap_or("?")
        );
    }
    if let Some(p) = run["pending_approvals"]
        .as_array()
        .filter(|p| !p.is_empty())
    {
        println!(
            "awaiting approval: {}",
            p.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for d in run["repair"].as_array().into_iter().flatten() {
        println!(
            "awaiting repair: {} failed: {} {}",
            d["step"].as_str().unwrap_or("?"),
            d["code"].as_str().unwrap_or("?"),
            d["reason"].as_str().unwrap_or("")
        );
        if let Some(stderr) = d["stderr"].as_str().filter(|s| !s.trim().is_empty()) {
            println!(
                "  stderr: {}",
                stderr.trim_end().replace('\n', "\n          ")
            );
        }
        println!(
            "  repair: writ repair {} --step {} --program FILE | --input SLOT=PATH   (or writ cancel)",
            run["id"].as_str().unwrap_or("RUN"),
            d["step"].as_str().unwrap_or("STEP")
        );
    }
    if let Some(e) = run["error"].as_str() {
        println!("error: {e}");
    }
}

#[derive(clap::Args)]
pub struct WaitArgs {
    run: String,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
}

/// Returns when the run finishes, fails, or waits for a person (approval, repair); exit 1 if it failed or
/// was cancelled.
pub fn wait(args: WaitArgs) -> Result<ExitCode> {
    let client = Client::from_env()?;
    let deadline = Instant::now() + Duration::from_secs(args.timeout);
    loop {
        // A status read that fails on the way (the run object busy validating a large step, a restart) is
        // retried until the deadline, not taken for the run's end; an answer of the API (404) ends the wait.
        let run = match client.get(&format!("/v1/runs/{}", args.run)) {
            Ok(run) => run,
            Err(e) if is_transport(&e) && Instant::now() < deadline => {
                eprintln!("wait: {e:#}; retrying");
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
            Err(e) => return Err(e),
        };
        let state = run["state"].as_str().unwrap_or("").to_string();
        if TERMINAL.contains(&state.as_str()) || WAITING.contains(&state.as_str()) {
            println!("{state}");
            return Ok(
                if state == "failed" || state == "cancelled" || state == "expired" {
                    ExitCode::FAILURE
                } else {
                    ExitCode::SUCCESS
                },
            );
        }
        if Instant::now() >= deadline {
            bail!("run {} still {state} after {}s", args.run, args.timeout);
        }
        if state == "awaiting_infrastructure" {
            // Not an end: the run resumes by itself when the sandbox answers; say why it is slow.
            eprintln!("wait: {}", run["message"].as_str().unwrap_or(&state));
            std::thread::sleep(Duration::from_secs(2));
            continue;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// An error of the connection (unreachable, timed out), as opposed to an answer of the API.
fn is_transport(e: &anyhow::Error) -> bool {
    e.downcast_ref::<super::client::Unreachable>().is_some()
}

#[derive(clap::Args)]
pub struct WatchArgs {
    run: String,
}

/// A live progress bar over the run's event stream.
pub fn watch(args: WatchArgs) -> Result<ExitCode> {
    let client = Client::from_env()?;
    let mut last_state = String::new();
    client.events(&format!("/v1/runs/{}/events", args.run), |_, ev| {
        let done = ev["progress"]["done"].as_u64().unwrap_or(0);
        let total = ev["progress"]["total"].as_u64().unwrap_or(0).max(1);
        let state = ev["state"].as_str().unwrap_or("").to_string();
        let width = 30;
        let filled = (done * width / total) as usize;
        eprint!(
            "\r[{}{}] {done}/{total} steps  {:18} {}",
            "#".repeat(filled),
            ".".repeat(width as usize - filled),
            state,
            ev["message"].as_str().unwrap_or("")
        );
        let _ = std::io::stderr().flush();
        last_state = state.clone();
        !(TERMINAL.contains(&state.as_str()) || WAITING.contains(&state.as_str()))
    })?;
    eprintln!();
    println!("{last_state}");
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct ApproveArgs {
    run: String,
    #[arg(long)]
    step: String,
    #[arg(long)]
    comment: Option<String>,
}

pub fn approve(args: ApproveArgs) -> Result<ExitCode> {
    let client = Client::from_env()?;
    let r = client.post(
        &format!("/v1/runs/{}/steps/{}/approve", args.run, args.step),
        &json!({"comment": args.comment}),
    )?;
    println!("{}", r["state"].as_str().unwrap_or("approved"));
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct RejectArgs {
    run: String,
    #[arg(long)]
    step: String,
    #[arg(long)]
    reason: String,
}

pub fn reject(args: RejectArgs) -> Result<ExitCode> {
    let client = Client::from_env()?;
    let r = client.post(
        &format!("/v1/runs/{}/steps/{}/reject", args.run, args.step),
        &json!({"reason": args.reason}),
    )?;
    println!("{}", r["state"].as_str().unwrap_or("rejected"));
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("patch").required(true).args(["program", "input"])))]
pub struct RepairArgs {
    run: String,
    /// The failed step (its id or slug).
    #[arg(long)]
    step: String,
    /// A patched program: the step's whole new code (Python).
    #[arg(long)]
    program: Option<std::path::PathBuf>,
    /// A corrected input: `SLOT=PATH`, the step's input slot and the file to read in its place.
    #[arg(long)]
    input: Option<String>,
}

/// `writ repair`: a person's repair of a run awaiting one; prints the run's state afterwards.
pub fn repair(args: RepairArgs) -> Result<ExitCode> {
    let client = Client::from_env()?;
    let body = match (&args.program, &args.input) {
        (Some(path), None) => {
            let source = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            json!({"program": source})
        }
        (None, Some(spec)) => {
            let Some((slot, path)) = spec.split_once('=') else {
                bail!("--input takes SLOT=PATH, not `{spec}`");
            };
            let path = Path::new(path);
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .with_context(|| format!("{} has no file name", path.display()))?;
            let hash = upload_file(&client, path, name, None)?;
            json!({"input": {"slot": slot, "hash": hash, "name": name}})
        }
        _ => bail!("give exactly one of --program FILE or --input SLOT=PATH"),
    };
    let r = client.post(
        &format!("/v1/runs/{}/steps/{}/repair", args.run, encode(&args.step)),
        &body,
    )?;
    println!("{}", r["state"].as_str().unwrap_or("repaired"));
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct RunIdArgs {
    run: String,
}

pub fn cancel(args: RunIdArgs) -> Result<ExitCode> {
    let client = Client::from_env()?;
    let r = client.post(&format!("/v1/runs/{}/cancel", args.run), &json!({}))?;
    println!("{}", r["state"].as_str().unwrap_or("cancelled"));
    Ok(ExitCode::SUCCESS)
}

/// Seal a finished run into a program; prints the program id alone.
pub fn seal(args: RunIdArgs) -> Result<ExitCode> {
    let client = Client::from_env()?;
    let r = client.post(&format!("/v1/runs/{}/seal", args.run), &json!({}))?;
    println!("{}", r["id"].as_str().unwrap_or_default());
    Ok(ExitCode::SUCCESS)
}
