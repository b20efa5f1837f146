//! Running commands, and the pid file of the processes `up` started.

use anyhow::{bail, Context, Result};
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Run a command, inheriting output; fail with the command line if it fails.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    let status = cmd.status().with_context(|| format!("starting {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

/// Run a command quietly and return its stdout; None if it could not run or failed.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn is_alive(pid: i32) -> bool {
    // SAFETY: kill with signal 0 only checks for existence and permission.
    pid > 0 && unsafe { libc::kill(pid, 0) } == 0 && !is_zombie(pid)
}

fn is_zombie(pid: i32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// Send SIGTERM to a process group, then SIGKILL if it has not gone after a grace period.
pub fn stop_group(pgid: i32, grace: Duration) {
    if pgid <= 1 {
        return;
    }
    // SAFETY: signalling a process group we created (setsid at spawn).
    unsafe { libc::kill(-pgid, libc::SIGTERM) };
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if !group_alive(pgid) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    unsafe { libc::kill(-pgid, libc::SIGKILL) };
}

pub fn group_alive(pgid: i32) -> bool {
    // SAFETY: signal 0 to a process group: existence check only.
    unsafe { libc::kill(-pgid, 0) == 0 }
}

/// Append `name pid` to the pid file.
pub fn record_pid(file: &Path, name: &str, pid: u32) -> Result<()> {
    use std::io::Write;
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)?;
    writeln!(f, "{name} {pid}")?;
    Ok(())
}

pub fn read_pids(file: &Path) -> Vec<(String, i32)> {
    fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (name, pid) = l.split_once(' ')?;
            Some((name.to_string(), pid.trim().parse().ok()?))
        })
        .collect()
}

/// Wait until `check` returns Ok, or fail with its last error after `timeout`.
pub fn wait_for<T>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Result<T>,
) -> Result<T> {
    let deadline = Instant::now() + timeout;
    loop {
        match check() {
            Ok(v) => return Ok(v),
            Err(e) if Instant::now() >= deadline => {
                bail!("{what} did not come up within {timeout:?}: {e:#}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(250)),
        }
    }
}
