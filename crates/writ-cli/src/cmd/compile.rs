//! `writ check`, `writ compile`, `writ verify`: the compiler over files. The bytes written are the
//! compiler's canonical JSON, the same the worker returns for `POST /v1/plans/compile`.

use anyhow::{bail, Context};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use writ_catalog::{Catalog, DEFAULT_PROFILE};
use writ_compiler::Compiled;
use writ_plan::{ExecutionProfile, FrozenPlan, HashSubject};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// A plan candidate (JSON).
    plan: PathBuf,
    /// Execution profile id from the catalog.
    #[arg(long, default_value = DEFAULT_PROFILE)]
    profile: String,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(clap::Args)]
pub struct CompileArgs {
    /// A plan candidate (JSON).
    plan: PathBuf,
    /// Execution profile id from the catalog.
    #[arg(long, default_value = DEFAULT_PROFILE)]
    profile: String,
    /// Where to write the frozen plan (canonical JSON); stdout when absent.
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// A frozen plan (JSON) written by `writ compile`.
    frozen: PathBuf,
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn profile(catalog: &Catalog, id: &str) -> anyhow::Result<ExecutionProfile> {
    match catalog.profile(id) {
        Some(p) => Ok(p.profile.clone()),
        None => {
            let known: Vec<&str> = catalog
                .list(Some(writ_catalog::EntryKind::Profile))
                .iter()
                .map(|e| e.id())
                .collect();
            bail!(
                "no execution profile `{id}` in the catalog (known: {})",
                known.join(", ")
            )
        }
    }
}

fn compile_file(plan: &Path, profile_id: &str) -> anyhow::Result<(String, Compiled)> {
    let text = read(plan)?;
    let catalog = Catalog::builtin();
    let profile = profile(catalog, profile_id)?;
    let compiled = writ_compiler::compile(&text, catalog, &profile);
    Ok((text, compiled))
}

fn report(
    compiled: &Compiled,
    plan: &Path,
    text: &str,
    format: Format,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    match format {
        Format::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&writ_diag::render_json(&compiled.diagnostics))?
        )?,
        Format::Text if compiled.diagnostics.is_empty() => {}
        Format::Text => {
            let name = plan.display().to_string();
            writeln!(
                out,
                "{}",
                writ_diag::render_text(&compiled.diagnostics, &name, text)
            )?;
        }
    }
    Ok(())
}

fn summary(compiled: &Compiled) -> String {
    let errors = compiled.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = compiled.diagnostics.len() - errors;
    format!("{errors} error(s), {warnings} warning(s)")
}

pub fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let (text, compiled) = compile_file(&args.plan, &args.profile)?;
    report(
        &compiled,
        &args.plan,
        &text,
        args.format,
        &mut std::io::stdout(),
    )?;
    if args.format == Format::Text {
        eprintln!("{}: {}", args.plan.display(), summary(&compiled));
    }
    Ok(if compiled.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn compile(args: CompileArgs) -> anyhow::Result<ExitCode> {
    let (text, compiled) = compile_file(&args.plan, &args.profile)?;
    // Diagnostics go to stderr so that stdout carries only the frozen plan.
    report(
        &compiled,
        &args.plan,
        &text,
        args.format,
        &mut std::io::stderr(),
    )?;
    let Some(plan) = compiled.frozen.as_ref().filter(|_| !compiled.has_errors()) else {
        eprintln!(
            "{}: {}; nothing frozen",
            args.plan.display(),
            summary(&compiled)
        );
        return Ok(ExitCode::from(1));
    };
    let bytes = writ_compiler::to_canonical_json(plan)?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "{} steps, plan hash {} → {}",
                plan.steps.len(),
                plan.plan_hash,
                path.display()
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes.as_bytes())?;
            stdout.write_all(b"\n")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let text = read(&args.frozen)?;
    let plan = match FrozenPlan::from_json(&text) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{}: not a frozen plan: {e}", args.frozen.display());
            return Ok(ExitCode::from(1));
        }
    };
    let mismatches = plan.verify();
    if mismatches.is_empty() {
        println!(
            "ok: {} steps, profile {}, plan {}",
            plan.steps.len(),
            plan.profile_hash,
            plan.plan_hash
        );
        return Ok(ExitCode::SUCCESS);
    }
    for m in &mismatches {
        let subject = match &m.subject {
            HashSubject::Step(id) => format!("step {id}"),
            HashSubject::Profile => "profile".to_string(),
            HashSubject::Plan => "plan".to_string(),
        };
        let computed = m
            .computed
            .map(|h| h.to_string())
            .unwrap_or_else(|| "(cannot be hashed)".into());
        println!(
            "mismatch: {subject}: recorded {}, computed {computed}",
            m.recorded
        );
    }
    Ok(ExitCode::from(1))
}
