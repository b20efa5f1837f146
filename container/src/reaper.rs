//! The one place that reaps child processes. The server is a child subreaper, so processes a step orphaned
//! come back to it and are reaped here too; otherwise their zombies would count against the slot uid's
//! RLIMIT_NPROC forever (PID 1 of a container often reaps nothing).

use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

#[derive(Clone, Copy)]
pub struct Exit {
    pub status: libc::c_int,
    pub rusage: libc::rusage,
}

impl Exit {
    pub fn exit_code(&self) -> Option<i32> {
        libc::WIFEXITED(self.status).then(|| libc::WEXITSTATUS(self.status))
    }

    pub fn signal(&self) -> Option<i32> {
        libc::WIFSIGNALED(self.status).then(|| libc::WTERMSIG(self.status))
    }

    pub fn cpu_ms(&self) -> u64 {
        let ms =
            |t: libc::timeval| (t.tv_sec.max(0) as u64) * 1000 + (t.tv_usec.max(0) as u64) / 1000;
        ms(self.rusage.ru_utime) + ms(self.rusage.ru_stime)
    }
}

#[derive(Default)]
struct State {
    waiting: HashMap<libc::pid_t, SyncSender<Exit>>,
    /// Exits nobody was waiting for yet (a child can die before its spawner registers it). Bounded, because
    /// orphans are never claimed.
    unclaimed: HashMap<libc::pid_t, Exit>,
    unclaimed_order: VecDeque<libc::pid_t>,
}

const UNCLAIMED_KEEP: usize = 4096;

struct Reaper {
    state: Mutex<State>,
    wake: Condvar,
}

fn reaper() -> &'static Reaper {
    static REAPER: OnceLock<Reaper> = OnceLock::new();
    REAPER.get_or_init(|| Reaper {
        state: Mutex::new(State::default()),
        wake: Condvar::new(),
    })
}

/// Starts reaping. After this, nothing else in the process may wait for children (std's `Command` included).
pub fn start() -> std::io::Result<()> {
    // SAFETY: plain prctl on our own process.
    unsafe {
        libc::prctl(
            libc::PR_SET_CHILD_SUBREAPER,
            1 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        )
    };
    std::thread::Builder::new()
        .name("reaper".into())
        .spawn(run)?;
    Ok(())
}

fn run() {
    let r = reaper();
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: zeroed rusage is a valid value; wait4 fills it.
        let mut rusage: libc::rusage = unsafe { std::mem::zeroed() };
        let pid = unsafe { libc::wait4(-1, &mut status, 0, &mut rusage) };
        if pid > 0 {
            let exit = Exit { status, rusage };
            let mut state = r.state.lock().unwrap_or_else(|e| e.into_inner());
            match state.waiting.remove(&pid) {
                Some(tx) => {
                    let _ = tx.send(exit);
                }
                None => {
                    state.unclaimed.insert(pid, exit);
                    state.unclaimed_order.push_back(pid);
                    while state.unclaimed_order.len() > UNCLAIMED_KEEP {
                        if let Some(old) = state.unclaimed_order.pop_front() {
                            state.unclaimed.remove(&old);
                        }
                    }
                }
            }
            continue;
        }
        if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        // No children: sleep until a spawn says there is one (or poll, for orphans re-parented to us).
        let state = r.state.lock().unwrap_or_else(|e| e.into_inner());
        let _ = r.wake.wait_timeout(state, Duration::from_millis(50));
    }
}

/// Registers interest in `pid`'s exit; call right after fork.
pub fn watch(pid: libc::pid_t) -> Receiver<Exit> {
    let r = reaper();
    let (tx, rx) = sync_channel(1);
    let mut state = r.state.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(exit) = state.unclaimed.remove(&pid) {
        state.unclaimed_order.retain(|p| *p != pid);
        let _ = tx.send(exit);
    } else {
        state.waiting.insert(pid, tx);
    }
    r.wake.notify_all();
    rx
}

pub fn wait_for(pid: libc::pid_t, timeout: Duration) -> Option<Exit> {
    watch(pid).recv_timeout(timeout).ok()
}
