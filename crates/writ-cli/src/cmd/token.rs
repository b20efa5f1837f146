//! `writ token create --name N --scopes a,b` (admin): prints the new token alone, for `$(...)`.

use super::client::{print_json, Client};
use anyhow::Result;
use serde_json::json;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Mint a token for your tenant; prints the token alone.
    Create {
        #[arg(long)]
        name: String,
        /// Comma-separated: runs:read, runs:write, approve, admin.
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
        /// Print the whole record as JSON instead of the token alone.
        #[arg(long)]
        json: bool,
    },
    /// List your tenant's tokens (never their secrets).
    List,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let client = Client::from_env()?;
    match args.command {
        Command::Create {
            name,
            scopes,
            json: as_json,
        } => {
            let created = client.post("/v1/tokens", &json!({"name": name, "scopes": scopes}))?;
            if as_json {
                print_json(&created)?;
            } else {
                println!("{}", created["token"].as_str().unwrap_or_default());
            }
        }
        Command::List => print_json(&client.get("/v1/tokens")?)?,
    }
    Ok(ExitCode::SUCCESS)
}
