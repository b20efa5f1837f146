//! Isolation is asserted: a server missing layers refuses to start unless told exactly which it may lack,
//! and then `/health` and every receipt say which are missing. Run as root, the server is started under an
//! unprivileged uid to take its layers away; run unprivileged, it already lacks them.

mod common;

use std::time::Duration;

use anyhow::{bail, Context, Result};
use common::{missing_list, probe, Sandbox};
use serde_json::{json, Value};

/// The unprivileged user the server runs as when the test runs as root.
const NOBODY: u32 = 65534;

fn unprivileged() -> Option<u32> {
    // SAFETY: geteuid has no preconditions.
    (unsafe { libc::geteuid() } == 0).then_some(NOBODY)
}

fn scratch(name: &str) -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("writ-iso-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    if let Some(uid) = unprivileged() {
        std::os::unix::fs::chown(&dir, Some(uid), Some(uid))?;
    }
    Ok(dir)
}

/// Runs the server to completion (it must exit, not serve) and answers (exit code, stderr).
fn refused(extra: &[&str]) -> Result<(Option<i32>, String)> {
    let work_root = scratch("refused")?;
    let mut child = common::command(unprivileged())
        .args(["--listen", "127.0.0.1:0", "--uid-base", "190000"])
        .arg("--work-root")
        .arg(&work_root)
        .args(extra)
        .env("RUST_BACKTRACE", "0")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("the server kept running with {extra:?}: it should have refused to start");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().context("stderr")?, &mut stderr)?;
    let _ = std::fs::remove_dir_all(&work_root);
    Ok((status.code(), stderr))
}

fn names(v: &Value) -> Vec<&str> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

#[test]
fn a_server_without_its_layers_refuses_to_start() -> Result<()> {
    let probe_root = scratch("probe")?;
    let probed = probe(unprivileged(), &probe_root)?;
    let missing = missing_list(&probed).context("an unprivileged server lacks layers")?;
    assert!(names(&probed["missing"]).contains(&"netns"), "{probed}");

    let (code, stderr) = refused(&[])?;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "isolation layers missing: {missing} (netns needs CAP_SYS_ADMIN"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("`--allow-degraded {missing}`")),
        "{stderr}"
    );

    // Naming only some of the missing layers is not enough; naming one in force is refused too.
    let (code, stderr) = refused(&["--allow-degraded", "netns"])?;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("isolation layers missing: fs_jail"),
        "{stderr}"
    );
    let (code, stderr) = refused(&["--allow-degraded", &format!("{missing},rlimits")])?;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("--allow-degraded names rlimits but it is in force here"),
        "{stderr}"
    );
    let (code, stderr) = refused(&["--allow-degraded", "netns,chroot"])?;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("unknown isolation layer `chroot`"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&probe_root);
    Ok(())
}

#[test]
fn allowed_to_degrade_it_starts_and_every_receipt_says_what_is_missing() -> Result<()> {
    let probe_root = scratch("probe2")?;
    let probed = probe(unprivileged(), &probe_root)?;
    let missing = missing_list(&probed).context("an unprivileged server lacks layers")?;
    let sandbox = Sandbox::start_as(unprivileged(), &["--allow-degraded", &missing])?;
    let health = sandbox.health()?;
    assert_eq!(health["isolation"], probed, "{health}");
    for program in ["print('ok')", "raise SystemExit(3)"] {
        let receipt = sandbox.run(program, json!({}))?;
        assert_eq!(receipt["isolation"], probed, "{receipt}");
        assert_eq!(names(&receipt["isolation"]["missing"]).join(","), missing);
    }
    let _ = std::fs::remove_dir_all(&probe_root);
    Ok(())
}

#[test]
fn with_every_layer_receipts_say_none_is_missing() -> Result<()> {
    let probe_root = scratch("probe3")?;
    let probed = probe(None, &probe_root)?;
    let _ = std::fs::remove_dir_all(&probe_root);
    if missing_list(&probed).is_some() {
        // This host does not give the test's own user every layer (an unprivileged run): the
        // degraded case above is the one this host can check.
        eprintln!("skipped: this user lacks layers {probed}");
        return Ok(());
    }
    let sandbox = Sandbox::start_as(None, &[])?;
    let receipt = sandbox.run("print('ok')", json!({}))?;
    assert_eq!(
        receipt["isolation"],
        json!({"in_force": ["netns", "fs_jail", "uid_drop", "seccomp", "rlimits", "nproc"], "missing": []}),
        "{receipt}"
    );
    assert_eq!(sandbox.health()?["isolation"], receipt["isolation"]);
    Ok(())
}
