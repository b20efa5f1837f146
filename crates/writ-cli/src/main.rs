//! `writ`: the command line over the pure core and the worker's REST API.
//!
//! Each command group lives in `cmd/<group>.rs`; this file only declares the grammar and dispatches.

mod cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "writ", version, about = "Compile objectives into governed programs; run, verify and trace them.")]
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
    // Command groups are added here, one variant per group, each implemented in cmd/<group>.rs.
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Hash(args) => cmd::hash::run(args),
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
