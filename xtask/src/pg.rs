//! The stack's own PostgreSQL cluster under `.writ/pg`, on its own port, loopback only.
//!
//! PostgreSQL refuses to run as root; when xtask runs as root the cluster belongs to the `postgres` system user
//! (created by Debian's package) and its commands run through `runuser`.

use crate::paths::{pg_port, state, PG_APP_PASSWORD, PG_APP_USER, PG_DB};
use crate::proc::{output, run};
use crate::setup::pg_bin_dir;
use anyhow::{bail, Context, Result};
use std::fs;
use std::path::PathBuf;
use std::process::Command;

pub fn data_dir() -> PathBuf {
    state().join("pg")
}

pub fn socket_dir() -> PathBuf {
    state().join("pgsock")
}

fn log_dir() -> PathBuf {
    state().join("pglog")
}

fn as_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

/// A command for a PostgreSQL binary, run as the cluster's owner.
fn pg_command(bin: &str) -> Result<Command> {
    let path = pg_bin_dir()
        .context("PostgreSQL is not installed (run cargo xtask setup)")?
        .join(bin);
    Ok(if as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    })
}

fn owned_dir(dir: &PathBuf) -> Result<()> {
    fs::create_dir_all(dir)?;
    if as_root() {
        run(Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir))?;
    }
    Ok(())
}

pub fn ensure_cluster() -> Result<()> {
    if data_dir().join("PG_VERSION").exists() {
        return Ok(());
    }
    eprintln!(
        "up: creating the PostgreSQL cluster in {}",
        data_dir().display()
    );
    owned_dir(&data_dir())?;
    run(pg_command("initdb")?
        .arg("-D")
        .arg(data_dir())
        .args([
            "--username=postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
        ])
        .args(["--locale=C", "--no-sync"])
        .stdout(std::process::Stdio::null()))
}

pub fn start() -> Result<u32> {
    owned_dir(&socket_dir())?;
    owned_dir(&log_dir())?;
    let opts = format!(
        "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
        pg_port(),
        socket_dir().display()
    );
    run(pg_command("pg_ctl")?
        .arg("-D")
        .arg(data_dir())
        .arg("-l")
        .arg(log_dir().join("postgres.log"))
        .args(["-w", "-t", "60", "-o", &opts, "start"])
        .stdout(std::process::Stdio::null()))?;
    postmaster_pid().context("PostgreSQL started but wrote no postmaster.pid")
}

pub fn postmaster_pid() -> Option<u32> {
    let text = fs::read_to_string(data_dir().join("postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

pub fn stop() -> Result<()> {
    if !data_dir().join("postmaster.pid").exists() {
        return Ok(());
    }
    run(pg_command("pg_ctl")?
        .arg("-D")
        .arg(data_dir())
        .args(["-m", "fast", "-w", "stop"])
        .stdout(std::process::Stdio::null()))
}

/// Superuser connection over the unix socket (local trust), for provisioning and migrations.
pub fn superuser_url(db: &str) -> String {
    format!(
        "postgresql://postgres@localhost/{db}?host={}&port={}",
        socket_dir().display(),
        pg_port()
    )
}

fn psql(db: &str, sql: &str) -> Result<String> {
    let mut cmd = Command::new("psql");
    cmd.args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h"])
        .arg(socket_dir())
        .args([
            "-p",
            &pg_port().to_string(),
            "-U",
            "postgres",
            "-d",
            db,
            "-c",
            sql,
        ]);
    match output(&mut cmd) {
        Some(out) => Ok(out),
        None => bail!("psql failed: {sql}"),
    }
}

/// The application's login role and database; the migrations grant the role exactly what it may do.
pub fn provision() -> Result<()> {
    let role_exists = psql(
        "postgres",
        &format!("SELECT 1 FROM pg_roles WHERE rolname = '{PG_APP_USER}'"),
    )?;
    if role_exists.trim().is_empty() {
        psql(
            "postgres",
            &format!("CREATE ROLE {PG_APP_USER} LOGIN PASSWORD '{PG_APP_PASSWORD}'"),
        )?;
    }
    let db_exists = psql(
        "postgres",
        &format!("SELECT 1 FROM pg_database WHERE datname = '{PG_DB}'"),
    )?;
    if db_exists.trim().is_empty() {
        psql("postgres", &format!("CREATE DATABASE {PG_DB}"))?;
    }
    Ok(())
}
