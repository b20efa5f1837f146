//! Runs one checked attempt end to end: directory, spawn under isolation, bridge, wall timer, cleanup of
//! every process the attempt made, measurement of its outputs, the receipt.

use std::ffi::CString;
use std::fs::File;
use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::api::{Receipt, StoppedBy};
use crate::bridge::{self, BridgeContext, Journal};
use crate::isolation::{self, ChildPlan, Isolation, Jail};
use crate::outputs::{self, OutputError};
use crate::problem::{Problem, SandboxProblem};
use crate::spawn::{self, Exec};
use crate::tail::Tail;
use crate::validate::Attempt;
use crate::verdict::{self, Evidence};
use crate::workdir::{self, Owner};

const MB: u64 = 1024 * 1024;
/// How long the drain threads may take after every process of the attempt is gone.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

pub struct Config {
    pub python: PathBuf,
    pub python_version: String,
    pub runtime: PathBuf,
    pub work_root: PathBuf,
    pub uid_base: u32,
    pub slots: usize,
    pub keep_work: bool,
    pub isolation: Isolation,
}

pub struct Runner {
    pub config: Config,
    busy: Mutex<Vec<bool>>,
    seq: AtomicU64,
}

struct Slot<'a> {
    runner: &'a Runner,
    index: usize,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut busy = self.runner.busy.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(b) = busy.get_mut(self.index) {
            *b = false;
        }
    }
}

fn internal(what: &str) -> impl Fn(std::io::Error) -> Problem + '_ {
    move |e| Problem::internal(format!("{what}: {e}"))
}

fn cstring(bytes: &[u8]) -> Result<CString, Problem> {
    CString::new(bytes).map_err(|_| Problem::internal("a path or variable contains a NUL byte"))
}

fn drain(mut from: File, into: Arc<Mutex<Tail>>, done: std::sync::mpsc::Sender<()>) {
    let mut buf = [0u8; 8192];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if let (Ok(mut tail), Some(chunk)) = (into.lock(), buf.get(..n)) {
                    tail.push(chunk);
                }
            }
        }
    }
    let _ = done.send(());
}

impl Runner {
    pub fn new(config: Config) -> Runner {
        let busy = Mutex::new(vec![false; config.slots.max(1)]);
        Runner {
            config,
            busy,
            seq: AtomicU64::new(0),
        }
    }

    fn acquire(&self) -> Result<Slot<'_>, Problem> {
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        let index = busy.iter().position(|b| !*b).ok_or_else(|| {
            Problem::new(
                503,
                "sandbox-busy",
                "Every sandbox slot is running an attempt",
                "retry later",
            )
        })?;
        if let Some(b) = busy.get_mut(index) {
            *b = true;
        }
        Ok(Slot {
            runner: self,
            index,
        })
    }

    pub fn execute(&self, attempt: Attempt) -> Result<Receipt, Problem> {
        let slot = self.acquire()?;
        let uid = self
            .config
            .isolation
            .uid_drop
            .then(|| self.config.uid_base + slot.index as u32);
        let owner = Owner {
            ids: uid.map(|u| (u, u)),
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "a{}-{}-{nanos:x}",
            std::process::id(),
            self.seq.fetch_add(1, Ordering::Relaxed)
        );
        let dir = workdir::create(&self.config.work_root, &name, &attempt, owner)
            .map_err(internal("laying out the attempt"))?;
        let jail_dir = dir.root.join("jail");
        let result = self.run_in(&dir.work, &jail_dir, &attempt, uid);
        if !self.config.keep_work {
            if jail_dir.exists() {
                if let Err(e) = Jail::remove_skeleton(&jail_dir) {
                    eprintln!("writ-sandbox: leaving {} behind: {e}", jail_dir.display());
                }
            }
            let _ = workdir::remove_work(&dir.work);
            let _ = std::fs::remove_dir(&dir.root);
        }
        drop(slot);
        result
    }

    fn run_in(
        &self,
        work: &Path,
        jail_dir: &Path,
        attempt: &Attempt,
        uid: Option<u32>,
    ) -> Result<Receipt, Problem> {
        let cfg = &self.config;
        let limits = attempt.limits;
        let jail = if cfg.isolation.fs_jail {
            Some(
                Jail::prepare(jail_dir, work, &cfg.runtime)
                    .map_err(internal("preparing the jail"))?,
            )
        } else {
            None
        };
        let (seen_work, seen_runtime) = match jail {
            Some(_) => (
                PathBuf::from(isolation::JAIL_WORK),
                PathBuf::from(isolation::JAIL_RUNTIME),
            ),
            None => (work.to_path_buf(), cfg.runtime.clone()),
        };
        let env = [
            ("WRIT_WORK", seen_work.as_os_str().as_bytes()),
            ("WRIT_RUNTIME", seen_runtime.as_os_str().as_bytes()),
            ("WRIT_BRIDGE_OUT", b"3".as_slice()),
            ("WRIT_BRIDGE_IN", b"4".as_slice()),
            ("PATH", b"/usr/bin:/bin".as_slice()),
            ("LANG", b"C.UTF-8".as_slice()),
            ("PYTHONHASHSEED", b"0".as_slice()),
        ];
        let exec = Exec {
            program: cstring(cfg.python.as_os_str().as_bytes())?,
            argv: vec![
                cstring(cfg.python.as_os_str().as_bytes())?,
                cstring(b"-I")?,
                cstring(b"-B")?,
                cstring(seen_runtime.join("writ_boot.py").as_os_str().as_bytes())?,
            ],
            envp: env
                .iter()
                .map(|(k, v)| cstring(&[k.as_bytes(), b"=", v].concat()))
                .collect::<Result<_, _>>()?,
            cwd: cstring(work.as_os_str().as_bytes())?,
        };

        let (requests_r, requests_w) = spawn::pipe_high().map_err(internal("bridge pipe"))?;
        let (answers_r, answers_w) = spawn::pipe_high().map_err(internal("bridge pipe"))?;
        let plan = ChildPlan {
            new_net: cfg.isolation.netns,
            jail,
            bridge_out: requests_w.as_raw_fd(),
            bridge_in: answers_r.as_raw_fd(),
            rlimits: isolation::rlimits_for(&limits, cfg.isolation.nproc),
            ids: uid.map(|u| (u, u)),
            seccomp: cfg.isolation.seccomp.then(crate::seccomp::filter),
        };

        let started = Instant::now();
        let child = spawn::spawn(&exec, &plan).map_err(internal("starting the step process"))?;
        // The child's ends live on in the child only, so EOF means every holder is gone.
        drop((requests_w, answers_r));

        let (done_tx, done_rx) = channel();
        let stdout = Arc::new(Mutex::new(Tail::default()));
        let stderr = Arc::new(Mutex::new(Tail::default()));
        let journal: Journal = Arc::new(Mutex::new(Vec::new()));
        {
            let (tail, tx) = (stdout.clone(), done_tx.clone());
            let out = child.stdout;
            std::thread::spawn(move || drain(out, tail, tx));
            let (tail, tx) = (stderr.clone(), done_tx.clone());
            let err = child.stderr;
            std::thread::spawn(move || drain(err, tail, tx));
            let ctx = BridgeContext {
                attempt_id: attempt.attempt_id.clone(),
                tools: attempt.tools.clone(),
                bridge: attempt.bridge.clone(),
                // One governed call may be a model judging an item, retried within the platform's policy:
                // it may take as long as the attempt may; the attempt's wall limit still ends everything.
                timeout: Duration::from_secs(limits.wall_seconds),
            };
            let (journal, tx) = (journal.clone(), done_tx);
            let (requests, answers) = (File::from(requests_r), File::from(answers_w));
            std::thread::spawn(move || {
                bridge::serve(requests, answers, ctx, journal);
                let _ = tx.send(());
            });
        }

        let pgid = child.pid;
        let (exit, timed_out) = match child
            .exited
            .recv_timeout(Duration::from_secs(limits.wall_seconds))
        {
            Ok(exit) => (Some(exit), false),
            Err(RecvTimeoutError::Timeout) => {
                // SAFETY: signalling the attempt's own process group.
                unsafe { libc::kill(-pgid, libc::SIGKILL) };
                (
                    child.exited.recv_timeout(Duration::from_secs(10)).ok(),
                    true,
                )
            }
            Err(RecvTimeoutError::Disconnected) => (None, false),
        };
        let duration_ms = started.elapsed().as_millis() as u64;
        // Whatever the step left running dies now: its group, and with a slot uid everything of that uid.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        if let Some(uid) = uid {
            isolation::sweep_uid(uid);
        }
        let deadline = Instant::now() + DRAIN_GRACE;
        for _ in 0..3 {
            if done_rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .is_err()
            {
                break;
            }
        }

        let (outputs, refused) =
            match outputs::collect(&work.join("out"), limits.output_mb * MB, uid) {
                Ok(outputs) => (outputs, None),
                Err(OutputError::OverCap { .. } | OutputError::TooManyEntries) => {
                    (Default::default(), Some(StoppedBy::OutputSize))
                }
                Err(OutputError::Io(_)) => (Default::default(), Some(StoppedBy::Error)),
            };
        let stdout_tail = stdout.lock().map(|t| t.text()).unwrap_or_default();
        let stderr_tail = stderr.lock().map(|t| t.text()).unwrap_or_default();
        let evidence = Evidence {
            timed_out,
            exit_code: exit.and_then(|e| e.exit_code()),
            signal: exit.and_then(|e| e.signal()),
            cpu_ms: exit.map(|e| e.cpu_ms()).unwrap_or(0),
            cpu_limit_s: limits.cpu_seconds,
            stderr_tail: &stderr_tail,
            output_refused: refused,
        };
        let (status, stopped_by) = verdict::decide(&evidence);
        let tool_calls = journal.lock().map(|j| j.clone()).unwrap_or_default();
        Ok(Receipt {
            attempt_id: attempt.attempt_id.clone(),
            status,
            exit_code: evidence.exit_code,
            signal: evidence.signal,
            stopped_by,
            duration_ms,
            stdout_tail,
            stderr_tail: stderr_tail.clone(),
            outputs,
            tool_calls,
            limits,
            isolation: writ_sandbox_policy::Isolation::of(cfg.isolation.layers()),
        })
    }
}
