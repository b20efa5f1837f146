//! fork + exec of a step process by hand: std's `Command` reaps its own failed children, which would race
//! with the central reaper, and it cannot order the isolation steps the way they must be ordered.

use std::ffi::CString;
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::isolation::ChildPlan;

/// A pipe whose two ends are numbered 10 or higher and close on exec: the child's own dup2 onto 0–4 can
/// then never clobber one of them.
pub fn pipe_high() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: fds is a two-element array as pipe2 requires; the new fds are owned below.
    unsafe {
        if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
            return Err(io::Error::last_os_error());
        }
        let (r, w) = (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]));
        Ok((raise(&r)?, raise(&w)?))
    }
}

fn raise(fd: &OwnedFd) -> io::Result<OwnedFd> {
    // SAFETY: duplicating a valid fd; the result is owned.
    let high = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 10) };
    if high < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(unsafe { OwnedFd::from_raw_fd(high) })
}

pub struct Spawned {
    pub pid: libc::pid_t,
    pub stdout: File,
    pub stderr: File,
    /// Delivers the exit status once the central reaper has collected it.
    pub exited: std::sync::mpsc::Receiver<crate::reaper::Exit>,
}

pub struct Exec {
    pub program: CString,
    pub argv: Vec<CString>,
    pub envp: Vec<CString>,
    pub cwd: CString,
}

fn null_terminated(items: &[CString]) -> Vec<*const libc::c_char> {
    items
        .iter()
        .map(|s| s.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

pub fn spawn(exec: &Exec, plan: &ChildPlan) -> io::Result<Spawned> {
    let (out_r, out_w) = pipe_high()?;
    let (err_r, err_w) = pipe_high()?;
    let (status_r, status_w) = pipe_high()?;
    let argv = null_terminated(&exec.argv);
    let envp = null_terminated(&exec.envp);
    let dev_null = c"/dev/null";

    // SAFETY: between fork and exec the child makes only async-signal-safe calls on memory prepared above.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        unsafe {
            let fail = |errno: libc::c_int| -> ! {
                let bytes = errno.to_ne_bytes();
                libc::write(
                    status_w.as_raw_fd(),
                    bytes.as_ptr() as *const libc::c_void,
                    bytes.len(),
                );
                libc::_exit(127)
            };
            let null = libc::open(dev_null.as_ptr(), libc::O_RDONLY);
            if null < 0
                || libc::dup2(null, 0) < 0
                || libc::dup2(out_w.as_raw_fd(), 1) < 0
                || libc::dup2(err_w.as_raw_fd(), 2) < 0
                || libc::chdir(exec.cwd.as_ptr()) != 0
            {
                fail(*libc::__errno_location());
            }
            if let Err(e) = plan.apply() {
                fail(e.raw_os_error().unwrap_or(libc::EINVAL));
            }
            libc::execve(exec.program.as_ptr(), argv.as_ptr(), envp.as_ptr());
            fail(*libc::__errno_location());
        }
    }
    let exited = crate::reaper::watch(pid);
    drop((out_w, err_w, status_w));
    let mut status = File::from(status_r);
    let mut errno = [0u8; 4];
    let mut got = 0;
    while got < errno.len() {
        match status.read(&mut errno[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    if got == 0 {
        // The status pipe closed on exec: the step is running.
        return Ok(Spawned {
            pid,
            stdout: File::from(out_r),
            stderr: File::from(err_r),
            exited,
        });
    }
    let _ = exited.recv_timeout(std::time::Duration::from_secs(5));
    Err(io::Error::from_raw_os_error(i32::from_ne_bytes(errno)))
}
