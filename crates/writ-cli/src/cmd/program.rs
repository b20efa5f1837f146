//! Sealed programs and their schedules: `writ program run`, `writ schedule create | list | delete`,
//! and `writ upload` for files that schedules pick up by prefix.

use super::client::{print_json, Client};
use super::runs::{encode, upload_dir};
use anyhow::{Context, Result};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ProgramArgs {
    #[command(subcommand)]
    command: ProgramCommand,
}

#[derive(clap::Subcommand)]
enum ProgramCommand {
    /// Run a sealed program on new inputs (no model call); prints the run id alone.
    Run {
        program: String,
        #[arg(long)]
        inputs: PathBuf,
    },
    /// Show a sealed program.
    Show { program: String },
}

pub fn program(args: ProgramArgs) -> Result<ExitCode> {
    let client = Client::from_env()?;
    match args.command {
        ProgramCommand::Run { program, inputs } => {
            let inputs = upload_dir(&client, &inputs, None)?;
            let r = client.post(
                &format!("/v1/programs/{program}/runs"),
                &json!({"inputs": inputs}),
            )?;
            println!("{}", r["id"].as_str().unwrap_or_default());
        }
        ProgramCommand::Show { program } => {
            print_json(&client.get(&format!("/v1/programs/{program}"))?)?
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    command: ScheduleCommand,
}

#[derive(clap::Subcommand)]
enum ScheduleCommand {
    /// Run PROGRAM on a cron schedule over the newest upload batch under PREFIX; prints the schedule id.
    Create {
        program: String,
        #[arg(long)]
        cron: String,
        #[arg(long)]
        prefix: String,
    },
    List,
    Delete {
        id: String,
    },
}

pub fn schedule(args: ScheduleArgs) -> Result<ExitCode> {
    let client = Client::from_env()?;
    match args.command {
        ScheduleCommand::Create {
            program,
            cron,
            prefix,
        } => {
            let r = client.post(
                "/v1/schedules",
                &json!({"program_id": program, "cron": cron, "prefix": prefix}),
            )?;
            println!("{}", r["id"].as_str().unwrap_or_default());
        }
        ScheduleCommand::List => print_json(&client.get("/v1/schedules")?)?,
        ScheduleCommand::Delete { id } => {
            print_json(&client.delete(&format!("/v1/schedules/{id}"))?)?
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct UploadArgs {
    /// A file or a folder of files.
    path: PathBuf,
    /// The upload batch these files join (schedules read the newest batch under a prefix).
    #[arg(long)]
    prefix: Option<String>,
}

pub fn upload(args: UploadArgs) -> Result<ExitCode> {
    let client = Client::from_env()?;
    if args.path.is_dir() {
        print_json(&serde_json::Value::Object(upload_dir(
            &client,
            &args.path,
            args.prefix.as_deref(),
        )?))?;
    } else {
        let name = args
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .context("file name is not UTF-8")?;
        let bytes = std::fs::read(&args.path)?;
        let mut url = format!("/v1/inputs?name={}", encode(name));
        if let Some(p) = &args.prefix {
            url.push_str(&format!("&prefix={}", encode(p)));
        }
        print_json(&client.post_bytes(&url, &bytes)?)?;
    }
    Ok(ExitCode::SUCCESS)
}
