//! `writ`: the command line over the pure core and the worker's REST API.
//!
//! Each command group lives in `cmd/<group>.rs`; this file only declares the grammar and dispatches.

mod cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "writ",
    version,
    about = "Compile objectives into governed programs; run, verify and trace them."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the canonical JSON and content hash of a JSON file.
    Hash(cmd::hash::Args),
    /// The ledger database: apply migrations.
    Db(cmd::db::Args),
    /// The audit ledger: verify the hash chains, append demo entries.
    Ledger(cmd::ledger::Args),
    /// The catalog: list, show and search artifact kinds, packs, policies, skills, tools, templates.
    Catalog(cmd::catalog::Args),
    /// API tokens of your tenant (admin).
    Token(cmd::token::Args),
    /// Start a run of a workflow on a folder of inputs; prints the run id alone.
    Run(cmd::runs::RunArgs),
    /// A run's state, steps and pending approvals.
    Status(cmd::runs::StatusArgs),
    /// Block until the run finishes, fails or waits for a person (approval, repair); prints the state.
    Wait(cmd::runs::WaitArgs),
    /// A live progress bar over the run's event stream.
    Watch(cmd::runs::WatchArgs),
    /// Approve a gated step (needs the `approve` scope; not the run's creator).
    Approve(cmd::runs::ApproveArgs),
    /// Reject a gated step.
    Reject(cmd::runs::RejectArgs),
    /// Repair a failed step of a run awaiting repair: a patched program or a corrected input (needs the
    /// `repair` scope). The run resumes at that step; finished upstream steps are reused.
    Repair(cmd::runs::RepairArgs),
    /// Cancel a run.
    Cancel(cmd::runs::RunIdArgs),
    /// Seal a succeeded run into a program; prints the program id alone.
    Seal(cmd::runs::RunIdArgs),
    /// Published artifacts: list, export.
    Artifacts(cmd::artifacts::Args),
    /// Sealed programs: run on new inputs, show.
    Program(cmd::program::ProgramArgs),
    /// Schedules of sealed programs.
    Schedule(cmd::program::ScheduleArgs),
    /// Upload a file or folder (optionally into a prefix batch that schedules read).
    Upload(cmd::program::UploadArgs),
    /// The chain behind a value of a published artifact, down to the source rows.
    Trace(cmd::trace::Args),
    /// Platform tools and built-in evaluators, offline: list, call one, serve JSON lines.
    Tool(cmd::tool::Args),
    /// Schemas: the template a model fills in, reading a reply back, checking the catalog's schemas.
    Schema(cmd::schema::Args),
    /// Check a plan candidate: every diagnostic, exit 1 on errors.
    Check(cmd::compile::CheckArgs),
    /// Compile a plan candidate into a frozen plan (canonical JSON).
    Compile(cmd::compile::CompileArgs),
    /// Recompute every hash of a frozen plan; name each step that no longer matches.
    Verify(cmd::compile::VerifyArgs),
    // Command groups are added here, one variant per group, each implemented in cmd/<group>.rs.
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Hash(args) => cmd::hash::run(args),
        Command::Check(args) => cmd::compile::check(args),
        Command::Compile(args) => cmd::compile::compile(args),
        Command::Verify(args) => cmd::compile::verify(args),
        Command::Token(args) => cmd::token::run(args),
        Command::Run(args) => cmd::runs::run(args),
        Command::Status(args) => cmd::runs::status(args),
        Command::Wait(args) => cmd::runs::wait(args),
        Command::Watch(args) => cmd::runs::watch(args),
        Command::Approve(args) => cmd::runs::approve(args),
        Command::Reject(args) => cmd::runs::reject(args),
        Command::Repair(args) => cmd::runs::repair(args),
        Command::Cancel(args) => cmd::runs::cancel(args),
        Command::Seal(args) => cmd::runs::seal(args),
        Command::Artifacts(args) => cmd::artifacts::run(args),
        Command::Program(args) => cmd::program::program(args),
        Command::Schedule(args) => cmd::program::schedule(args),
        Command::Upload(args) => cmd::program::upload(args),
        Command::Trace(args) => cmd::trace::run(args),
        Command::Catalog(args) => cmd::catalog::run(args),
        Command::Schema(args) => cmd::schema::run(args),
        Command::Tool(args) => cmd::tool::run(args),
        Command::Db(args) => cmd::db::run(args),
        Command::Ledger(args) => cmd::ledger::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
