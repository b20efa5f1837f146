//! The escape suite: real attacks, as real Python programs, against the real server binary.
//!
//! "Contained" means: the attack's goal was not reached (the program prints `ESCAPED` if it was), the
//! receipt names why the attempt stopped, and the server still serves afterwards. For attacks that only
//! *try* (open a socket, read a file), the natural stop is the refusal raised inside the program, which
//! the receipt reports as `stopped_by: "error"` with the refusal in `stderr_tail`. Spawning a shell is not
//! itself an escape: the shell inherits the same uid, namespaces, rlimits and seccomp filter, so the
//! attack is whether the shell can do anything the program could not.

mod common;

use std::time::Duration;

use anyhow::Result;
use common::{b3, Sandbox, FAKE_SECRET};
use serde_json::{json, Value};

struct Attack {
    name: &'static str,
    program: String,
    limits: Value,
    /// Acceptable `stopped_by` values: why this attack must end.
    stopped_by: &'static [&'static str],
}

fn attacks(sandbox: &Sandbox) -> Vec<Attack> {
    let port = sandbox.port.to_string();
    let work_root = sandbox.work_root.display().to_string();
    let bin = common::server_bin().display().to_string();
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src/main.rs").to_string();
    let fill = |p: &str| {
        p.replace("{PORT}", &port)
            .replace("{WORK_ROOT}", &work_root)
            .replace("{BIN}", &bin)
            .replace("{SRC}", &src)
            // Split so that the program text itself never contains the secret.
            .replace("{SECRET_A}", &FAKE_SECRET[..8])
            .replace("{SECRET_B}", &FAKE_SECRET[8..])
    };
    let attack = |name, program: &str, limits: Value, stopped_by| Attack {
        name,
        program: fill(program),
        limits,
        stopped_by,
    };
    let err: &'static [&'static str] = &["error"];
    vec![
        attack(
            "tcp to the server's own loopback port",
            r##"
import socket
socket.create_connection(("127.0.0.1", {PORT}), timeout=2)
print("ESCAPED: connected to 127.0.0.1:{PORT}")
"##,
            json!({}),
            err,
        ),
        attack(
            "route to a public address (UDP connect: asks for a route, sends nothing)",
            r##"
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("192.0.2.1", 9))
print("ESCAPED: a route to a public address exists")
"##,
            json!({}),
            err,
        ),
        attack(
            "tcp over IPv6 loopback",
            r##"
import socket
socket.create_connection(("::1", {PORT}), timeout=2)
print("ESCAPED: connected to [::1]:{PORT}")
"##,
            json!({}),
            err,
        ),
        attack(
            "socket(2) through ctypes",
            r##"
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
for family in (2, 10, 16, 17):  # AF_INET, AF_INET6, AF_NETLINK, AF_PACKET
    fd = libc.socket(family, 2, 0)
    if fd >= 0:
        print("ESCAPED: socket() of family", family, "gave fd", fd)
raise OSError(ctypes.get_errno(), "socket() refused")
"##,
            json!({}),
            err,
        ),
        attack(
            "setrlimit upward through ctypes",
            r##"
import ctypes, resource
libc = ctypes.CDLL(None, use_errno=True)
class RLimit(ctypes.Structure):
    _fields_ = [("cur", ctypes.c_ulong), ("max", ctypes.c_ulong)]
unlimited = RLimit(ctypes.c_ulong(-1).value, ctypes.c_ulong(-1).value)
for res in (resource.RLIMIT_CPU, resource.RLIMIT_AS, resource.RLIMIT_NPROC, resource.RLIMIT_FSIZE, resource.RLIMIT_NOFILE):
    if libc.setrlimit(res, ctypes.byref(unlimited)) == 0:
        print("ESCAPED: raised rlimit", res)
raise OSError(ctypes.get_errno(), "raising a limit refused")
"##,
            json!({}),
            err,
        ),
        attack(
            "become root (setuid(0) through ctypes)",
            r##"
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
if libc.setuid(0) == 0 or libc.setgid(0) == 0:
    print("ESCAPED: became root")
raise OSError(ctypes.get_errno(), "setuid(0) refused")
"##,
            json!({}),
            err,
        ),
        attack(
            "read /etc/shadow",
            r##"
data = open("/etc/shadow").read()
print("ESCAPED: read /etc/shadow,", len(data), "bytes")
"##,
            json!({}),
            err,
        ),
        attack(
            "read the server's source tree",
            r##"
data = open("{SRC}").read()
print("ESCAPED: read the server's source,", len(data), "bytes")
"##,
            json!({}),
            err,
        ),
        attack(
            "list the server binary's directory",
            r##"
import os
print("ESCAPED: listed", os.listdir(os.path.dirname("{BIN}")))
"##,
            json!({}),
            err,
        ),
        attack(
            "list root's home",
            r##"
import os
print("ESCAPED: listed /root:", os.listdir("/root"))
"##,
            json!({}),
            err,
        ),
        attack(
            "read the environment and the server's /proc environ",
            r##"
import os
needle = "{SECRET_A}" + "{SECRET_B}"
if any(needle in v for v in os.environ.values()):
    print("ESCAPED: the secret is in os.environ")
for pid in ("1", str(os.getppid())):
    try:
        if needle.encode() in open(f"/proc/{pid}/environ", "rb").read():
            print("ESCAPED: the secret is in /proc/" + pid + "/environ")
    except OSError:
        pass
raise SystemExit("the environment holds only " + ",".join(sorted(os.environ)))
"##,
            json!({}),
            err,
        ),
        attack(
            "kill the server",
            r##"
import os, signal
os.kill(os.getppid(), signal.SIGKILL)
print("ESCAPED: signalled the server")
"##,
            json!({}),
            err,
        ),
        attack(
            "overwrite the shared runtime",
            r##"
import os
open(os.path.join(os.environ["WRIT_RUNTIME"], "writ_boot.py"), "a").write("# pwned\n")
print("ESCAPED: wrote into the runtime")
"##,
            json!({}),
            err,
        ),
        attack(
            "write outside out/",
            r##"
open("program.py", "a").write("# pwned\n")
print("ESCAPED: rewrote its own program")
"##,
            json!({}),
            err,
        ),
        attack(
            "spawn a shell and retry from there",
            r##"
import os, subprocess, sys
shadow = subprocess.run(["/bin/sh", "-c", "cat /etc/shadow"], capture_output=True)
net = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', {PORT}), timeout=2)"], capture_output=True)
ulimit = os.system("ulimit -t unlimited 2>/dev/null")
if shadow.returncode == 0: print("ESCAPED: the shell read /etc/shadow")
if net.returncode == 0: print("ESCAPED: a child process reached the network")
if ulimit == 0: print("ESCAPED: the shell raised the CPU limit")
raise SystemExit("the shell ran under the same walls")
"##,
            json!({}),
            err,
        ),
        attack(
            "fork bomb",
            r##"
import os
while True:
    os.fork()
"##,
            json!({"processes": 8, "cpu_seconds": 5, "wall_seconds": 20}),
            &["processes"],
        ),
        attack(
            "unbounded allocation",
            r##"
hoard = []
while True:
    hoard.append(bytearray(16 * 1024 * 1024))
"##,
            json!({"memory_mb": 256}),
            &["memory"],
        ),
        attack(
            "infinite loop",
            r##"
while True:
    pass
"##,
            json!({"cpu_seconds": 2, "wall_seconds": 20}),
            &["cpu_time"],
        ),
        attack(
            "sleep forever",
            r##"
import time
time.sleep(3600)
"##,
            json!({"wall_seconds": 2}),
            &["wall_time"],
        ),
        attack(
            "huge file",
            r##"
import os
os.makedirs("out/big", exist_ok=True)
with open("out/big/big.bin", "wb") as f:
    while True:
        f.write(b"x" * (1 << 20))
"##,
            json!({"file_size_mb": 4}),
            &["file_size"],
        ),
        attack(
            "a daemon that outlives the attempt",
            r##"
import os, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(60)", "writ-daemon-marker"])
    os._exit(0)
time.sleep(0.5)
raise SystemExit("parent leaves, a daemon stays behind")
"##,
            json!({}),
            err,
        ),
    ]
}

/// Processes anywhere on the host whose command line carries `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    entries
        .flatten()
        .filter_map(|e| {
            std::fs::read(e.path().join("cmdline"))
                .ok()
                .map(|c| (e.file_name(), c))
        })
        .filter(|(_, c)| String::from_utf8_lossy(c).contains(marker))
        .map(|(pid, _)| pid.to_string_lossy().into_owned())
        .collect()
}

fn judge(sandbox: &Sandbox, attack: &Attack, receipt: &Value) -> Result<String, String> {
    let stdout = receipt["stdout_tail"].as_str().unwrap_or("");
    let stderr = receipt["stderr_tail"].as_str().unwrap_or("");
    let stopped_by = receipt["stopped_by"].as_str().unwrap_or("null");
    if stdout.contains("ESCAPED") {
        return Err(format!("escaped: {}", stdout.trim()));
    }
    if receipt["status"] == "succeeded" || !attack.stopped_by.contains(&stopped_by) {
        return Err(format!(
            "stopped_by {stopped_by}, wanted {:?}; stderr: {stderr}",
            attack.stopped_by
        ));
    }
    if sandbox.health().is_err() {
        return Err("the server stopped answering".into());
    }
    let leftovers = processes_with("writ-daemon-marker");
    if !leftovers.is_empty() {
        return Err(format!("processes outlived the attempt: {leftovers:?}"));
    }
    let last = stderr.trim().lines().last().unwrap_or("").to_string();
    Ok(format!(
        "{} / {stopped_by}: {last}",
        receipt["status"].as_str().unwrap_or("?")
    ))
}

#[test]
fn escape_suite() -> Result<()> {
    let sandbox = Sandbox::start(&[])?;
    let attacks = attacks(&sandbox);
    let mut contained = 0;
    let mut failures = Vec::new();
    for attack in &attacks {
        let receipt = sandbox.run(&attack.program, attack.limits.clone())?;
        match judge(&sandbox, attack, &receipt) {
            Ok(why) => {
                contained += 1;
                println!("contained  {:<60} {why}", attack.name);
            }
            Err(why) => {
                println!("ESCAPED    {:<60} {why}", attack.name);
                failures.push(attack.name);
            }
        }
    }
    println!("{} attacks, {contained} contained", attacks.len());
    assert!(failures.is_empty(), "not contained: {failures:?}");
    Ok(())
}

/// One attempt hunts for another's files while that other attempt is running.
#[test]
fn attempts_cannot_see_each_other() -> Result<()> {
    let sandbox = std::sync::Arc::new(Sandbox::start(&[])?);
    let secret = "VICTIM-SECRET-7f3a";
    let victim = {
        let sandbox = sandbox.clone();
        let request = json!({
            "attempt_id": "victim", "program": "import time; time.sleep(4)",
            "inputs": {"private": {"kind": "text", "hash": b3(secret.as_bytes()),
                "files": [{"name": "private.txt", "text": secret, "hash": b3(secret.as_bytes())}]}},
        });
        std::thread::spawn(move || sandbox.execute(&request))
    };
    std::thread::sleep(Duration::from_millis(1500));
    let hunt = format!(
        r##"
import glob, os
needle = "VICTIM-" + "SECRET-7f3a"
hits = []
for root in ["{}", "/writ", "/tmp"]:
    for path in glob.glob(root + "/**", recursive=True):
        try:
            if os.path.isfile(path) and needle in open(path, errors="ignore").read():
                hits.append(path)
        except OSError:
            pass
if hits:
    print("ESCAPED: read another attempt's input", hits)
raise SystemExit("no other attempt's files were reachable")
"##,
        sandbox.work_root.display()
    );
    let receipt = sandbox.run(&hunt, json!({}))?;
    let (status, victim_receipt) = victim
        .join()
        .map_err(|_| anyhow::anyhow!("victim thread panicked"))??;
    assert_eq!(status, 200, "{victim_receipt}");
    assert_eq!(victim_receipt["status"], "succeeded", "{victim_receipt}");
    let stdout = receipt["stdout_tail"].as_str().unwrap_or("");
    assert!(!stdout.contains("ESCAPED"), "{stdout}");
    assert_eq!(receipt["stopped_by"], "error", "{receipt}");
    Ok(())
}
