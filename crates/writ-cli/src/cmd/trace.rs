//! `writ trace RUN ARTIFACT[:POINTER]`: the chain that produced a value — step, code line, input rows,
//! upload, proof record — each with its hash.

use super::client::{print_json, Client};
use super::runs::encode;
use anyhow::Result;
use serde_json::Value;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    run: String,
    /// `summary.json:/total_payable`, `findings.csv:/17/payable_amount`, or just an artifact name.
    target: String,
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let client = Client::from_env()?;
    let (artifact, pointer) = match args.target.split_once(':') {
        Some((a, p)) => (a.to_string(), p.to_string()),
        None => (args.target.clone(), String::new()),
    };
    let trace = client.get(&format!(
        "/v1/runs/{}/trace?artifact={}&pointer={}",
        args.run,
        encode(&artifact),
        encode(&pointer)
    ))?;
    if args.json {
        print_json(&trace)?;
    } else {
        render(&trace);
    }
    Ok(ExitCode::SUCCESS)
}

fn render(t: &Value) {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}{} = {}",
        t["artifact"].as_str().unwrap_or(""),
        t["pointer"]
            .as_str()
            .filter(|p| !p.is_empty())
            .map(|p| format!(":{p}"))
            .unwrap_or_default(),
        t["value"]
    );
    for hop in t["chain"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "  <- {} {} ({})",
            hop["step"].as_str().unwrap_or("?"),
            hop["artifact"].as_str().unwrap_or(""),
            hop["hash"].as_str().unwrap_or("")
        );
        if let Some(code) = hop["code"].as_object() {
            let _ = writeln!(
                out,
                "     code: {} line {} ({})",
                code.get("file").and_then(Value::as_str).unwrap_or("?"),
                code.get("line").unwrap_or(&Value::Null),
                code.get("hash").and_then(Value::as_str).unwrap_or("")
            );
        }
    }
    if let Some(proof) = t["proof"].as_object() {
        let _ = writeln!(
            out,
            "  judged by the auditor: {} (proof {})",
            proof.get("verdict").unwrap_or(&Value::Null),
            proof.get("hash").and_then(Value::as_str).unwrap_or("")
        );
    }
    // A total traces to every item judged on the way: a summary, then the items with a finding first.
    const SHOWN: usize = 5;
    let quiet = |j: &Value| matches!(j["verdict"].as_str(), Some("clear" | "pass" | "eligible"));
    let mut judgements: Vec<&Value> = t["judgements"].as_array().into_iter().flatten().collect();
    judgements.sort_by_key(|j| (quiet(j), j["item"].as_str().unwrap_or("").to_string()));
    if judgements.len() > SHOWN {
        let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
        for j in &judgements {
            *counts
                .entry(j["verdict"].as_str().unwrap_or("?"))
                .or_default() += 1;
        }
        let counts: Vec<String> = counts.iter().map(|(v, n)| format!("{n} {v}")).collect();
        let _ = writeln!(
            out,
            "  {} items judged by the governed evaluator ({}); the first {SHOWN}, findings first (--json for all):",
            judgements.len(),
            counts.join(", ")
        );
    }
    for j in judgements.into_iter().take(SHOWN) {
        let _ = writeln!(
            out,
            "  judged in {} by the evaluator {}: {} is {} under {} (proof {})",
            j["step"].as_str().unwrap_or("?"),
            j["judged_by"].as_str().unwrap_or("?"),
            j["item"].as_str().unwrap_or("?"),
            j["verdict"].as_str().unwrap_or("?"),
            j["rubric"].as_str().unwrap_or("?"),
            j["proof"].as_str().unwrap_or("")
        );
        for reason in j["reasons"].as_array().into_iter().flatten().take(5) {
            let _ = writeln!(out, "     - {}", reason.as_str().unwrap_or(""));
        }
    }
    let sources = t["sources"].as_array().cloned().unwrap_or_default();
    let mut by_file: std::collections::BTreeMap<(String, String), Vec<&Value>> = Default::default();
    for s in &sources {
        by_file
            .entry((
                s["file"].as_str().unwrap_or("?").to_string(),
                s["upload"].as_str().unwrap_or("").to_string(),
            ))
            .or_default()
            .push(s);
    }
    let _ = writeln!(
        out,
        "  from {} source rows in {} uploaded files:",
        sources.len(),
        by_file.len()
    );
    // The file that contributes most rows first: for a total, the rows it sums.
    let mut by_file: Vec<_> = by_file.into_iter().collect();
    by_file.sort_by_key(|(_, rows)| std::cmp::Reverse(rows.len()));
    for ((file, upload), rows) in by_file {
        let _ = writeln!(out, "    {file} ({upload}): {} rows", rows.len());
        for s in rows {
            let at = s["row"]
                .as_u64()
                .map(|r| format!("row {r}"))
                .or_else(|| s["line"].as_u64().map(|l| format!("line {l}")))
                .or_else(|| s["pointer"].as_str().map(String::from))
                .unwrap_or_default();
            let _ = writeln!(out, "      {at:9} {}", s["key"].as_str().unwrap_or(""));
        }
    }
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes());
}
