//! `writ artifacts list RUN` and `writ artifacts export RUN DIR`: the published artifacts, by their names.

use super::client::{print_json, Client};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// List a run's published artifacts with their hashes.
    List { run: String },
    /// Write every published artifact into DIR under its name; verifies each hash on the way.
    Export {
        run: String,
        dir: PathBuf,
        /// Also write each artifact's provenance record beside it (`NAME.provenance.json`).
        #[arg(long)]
        provenance: bool,
    },
}

pub fn run(args: Args) -> Result<ExitCode> {
    let client = Client::from_env()?;
    match args.command {
        Command::List { run } => print_json(&client.get(&format!("/v1/runs/{run}/artifacts"))?)?,
        Command::Export {
            run,
            dir,
            provenance,
        } => {
            let list = client.get(&format!("/v1/runs/{run}/artifacts"))?;
            let artifacts = list["artifacts"].as_array().cloned().unwrap_or_default();
            if artifacts.is_empty() {
                bail!("run {run} has published no artifacts yet");
            }
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            for a in artifacts {
                let name = a["name"].as_str().context("artifact without a name")?;
                if name.contains("..") || name.starts_with('/') {
                    bail!("refusing artifact name {name}");
                }
                let url_name = name.trim_end_matches('/');
                let bytes = client.get_bytes(&format!("/v1/runs/{run}/artifacts/{url_name}"))?;
                let got = writ_canon::ContentHash::of_bytes(&bytes).to_string();
                if Some(got.as_str()) != a["hash"].as_str() {
                    bail!(
                        "{name}: downloaded bytes hash to {got}, the run published {}",
                        a["hash"]
                    );
                }
                let path = dir.join(name);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                if writ_artifact::is_bundle(a["kind"].as_str().unwrap_or("")) {
                    // A bundle (a site, a batch) is exported as the folder it lists, every file checked.
                    let bundle = writ_artifact::Bundle::parse(&bytes)
                        .with_context(|| format!("{name}: the manifest"))?;
                    for f in &bundle.files {
                        let data = client.get_bytes(&format!(
                            "/v1/runs/{run}/artifacts/{url_name}?file={}",
                            super::runs::encode(&f.path)
                        ))?;
                        if writ_canon::ContentHash::of_bytes(&data) != f.hash {
                            bail!(
                                "{name}/{}: downloaded bytes do not hash to {}",
                                f.path,
                                f.hash
                            );
                        }
                        let target = path.join(&f.path);
                        if let Some(parent) = target.parent() {
                            std::fs::create_dir_all(parent)?;
                        }
                        std::fs::write(&target, &data)?;
                    }
                    std::fs::write(dir.join(format!("{url_name}.manifest.json")), &bytes)?;
                } else {
                    std::fs::write(&path, &bytes)?;
                }
                if provenance {
                    let prov = client
                        .get_bytes(&format!("/v1/runs/{run}/artifacts/{url_name}/provenance"))?;
                    std::fs::write(dir.join(format!("{url_name}.provenance.json")), prov)?;
                }
                println!("{}  {}", a["hash"].as_str().unwrap_or(""), path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
