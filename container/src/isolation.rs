//! What happens between fork and exec of a step process: namespaces, the filesystem jail, the bridge fds,
//! rlimits, the unprivileged uid, the seccomp filter. Everything the child does is prepared by the parent,
//! so the child only makes async-signal-safe syscalls.

use std::ffi::CString;
use std::io;
use std::os::fd::RawFd;
use std::path::Path;

use serde::Serialize;

use crate::limits::Limits;

/// Which layers this host lets us use; probed once at start-up and reported by `/health`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Isolation {
    /// A private, empty network namespace per attempt.
    pub netns: bool,
    /// A private mount namespace with a chroot that shows only /usr, /etc, the runtime and the attempt.
    pub fs_jail: bool,
    /// The step runs under a per-slot unprivileged uid, not the server's.
    pub uid_drop: bool,
    /// Socket creation other than AF_UNIX is refused by seccomp-bpf.
    pub seccomp: bool,
    /// RLIMIT_CPU/AS/NOFILE/FSIZE/CORE are always set.
    pub rlimits: bool,
    /// RLIMIT_NPROC only counts something when the uid is the attempt's own.
    pub nproc: bool,
}

impl Isolation {
    /// The layers in force, by their shared names.
    pub fn layers(&self) -> writ_sandbox_policy::Layers {
        use writ_sandbox_policy::Layer;
        [
            (Layer::Netns, self.netns),
            (Layer::FsJail, self.fs_jail),
            (Layer::UidDrop, self.uid_drop),
            (Layer::Seccomp, self.seccomp),
            (Layer::Rlimits, self.rlimits),
            (Layer::Nproc, self.nproc),
        ]
        .into_iter()
        .filter_map(|(layer, on)| on.then_some(layer))
        .collect()
    }
}

/// A mount the child makes inside its own mount namespace.
struct Mount {
    source: CString,
    target: CString,
    fstype: Option<CString>,
    flags: libc::c_ulong,
    data: Option<CString>,
    /// Bind mounts ignore MS_RDONLY on the first call; a remount applies it.
    remount_flags: Option<libc::c_ulong>,
}

pub struct Jail {
    root: CString,
    cwd: CString,
    mounts: Vec<Mount>,
}

pub const JAIL_WORK: &str = "/writ/work";
pub const JAIL_RUNTIME: &str = "/writ/runtime";
const DEV_FILES: [&str; 4] = ["null", "zero", "random", "urandom"];
/// Top-level entries a merged-/usr Debian keeps as symlinks into /usr.
const USR_LINKS: [&str; 4] = ["bin", "lib", "lib64", "sbin"];

fn cstr(path: &Path) -> io::Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
}

impl Jail {
    /// Builds the mount points under `jail_dir` (on the host, empty) and the mounts the child will make.
    pub fn prepare(jail_dir: &Path, work: &Path, runtime: &Path) -> io::Result<Jail> {
        let mut mounts = Vec::new();
        let ro = libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY | libc::MS_NOSUID;
        let mut bind =
            |src: &Path, rel: &str, remount: Option<libc::c_ulong>, dir: bool| -> io::Result<()> {
                let target = jail_dir.join(rel);
                if dir {
                    std::fs::create_dir_all(&target)?;
                } else {
                    if let Some(parent) = target.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    std::fs::File::create(&target)?;
                }
                mounts.push(Mount {
                    source: cstr(src)?,
                    target: cstr(&target)?,
                    fstype: None,
                    flags: libc::MS_BIND | libc::MS_REC,
                    data: None,
                    remount_flags: remount,
                });
                Ok(())
            };
        bind(Path::new("/usr"), "usr", Some(ro | libc::MS_NODEV), true)?;
        bind(Path::new("/etc"), "etc", Some(ro | libc::MS_NODEV), true)?;
        for name in USR_LINKS {
            let host = Path::new("/").join(name);
            match std::fs::symlink_metadata(&host) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    std::os::unix::fs::symlink(std::fs::read_link(&host)?, jail_dir.join(name))?;
                }
                Ok(meta) if meta.is_dir() => bind(&host, name, Some(ro | libc::MS_NODEV), true)?,
                _ => {}
            }
        }
        for name in DEV_FILES {
            // Device nodes: read-only and nosuid, but not nodev, or they stop being devices.
            bind(
                &Path::new("/dev").join(name),
                &format!("dev/{name}"),
                Some(ro),
                false,
            )?;
        }
        bind(runtime, "writ/runtime", Some(ro | libc::MS_NODEV), true)?;
        bind(work, "writ/work", None, true)?;
        let tmp = jail_dir.join("tmp");
        std::fs::create_dir_all(&tmp)?;
        mounts.push(Mount {
            source: CString::new("tmpfs")
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?,
            target: cstr(&tmp)?,
            fstype: Some(
                CString::new("tmpfs")
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?,
            ),
            flags: libc::MS_NOSUID | libc::MS_NODEV,
            data: Some(
                CString::new("size=16m,mode=1777")
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?,
            ),
            remount_flags: None,
        });
        Ok(Jail {
            root: cstr(jail_dir)?,
            cwd: CString::new(JAIL_WORK)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?,
            mounts,
        })
    }

    /// Host-side cleanup: the mounts lived only in the child's namespace, so what remains are empty mount
    /// points. Removal is deliberately non-recursive: a mount that somehow leaked to the host makes it fail
    /// instead of deleting the host's /usr through it.
    pub fn remove_skeleton(jail_dir: &Path) -> io::Result<()> {
        for name in DEV_FILES {
            let _ = std::fs::remove_file(jail_dir.join("dev").join(name));
        }
        for name in USR_LINKS {
            let path = jail_dir.join(name);
            match std::fs::symlink_metadata(&path) {
                Ok(m) if m.file_type().is_symlink() => std::fs::remove_file(&path)?,
                Ok(_) => std::fs::remove_dir(&path)?,
                Err(_) => {}
            }
        }
        for rel in [
            "dev",
            "usr",
            "etc",
            "tmp",
            "writ/runtime",
            "writ/work",
            "writ",
        ] {
            let path = jail_dir.join(rel);
            if path.exists() {
                std::fs::remove_dir(&path)?;
            }
        }
        std::fs::remove_dir(jail_dir)
    }
}

/// Everything the child does before exec, prepared in the parent.
pub struct ChildPlan {
    pub new_net: bool,
    pub jail: Option<Jail>,
    pub bridge_out: RawFd,
    pub bridge_in: RawFd,
    pub rlimits: Vec<(libc::__rlimit_resource_t, libc::rlim_t, libc::rlim_t)>,
    pub ids: Option<(libc::uid_t, libc::gid_t)>,
    pub seccomp: Option<Vec<libc::sock_filter>>,
}

pub fn rlimits_for(
    limits: &Limits,
    nproc: bool,
) -> Vec<(libc::__rlimit_resource_t, libc::rlim_t, libc::rlim_t)> {
    const MB: u64 = 1024 * 1024;
    let mut out = vec![
        // The soft limit raises SIGXCPU (evidence of a CPU stop); the hard one, a second later, is SIGKILL.
        (libc::RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 1),
        (
            libc::RLIMIT_AS,
            limits.memory_mb * MB,
            limits.memory_mb * MB,
        ),
        (libc::RLIMIT_NOFILE, limits.open_files, limits.open_files),
        (
            libc::RLIMIT_FSIZE,
            limits.file_size_mb * MB,
            limits.file_size_mb * MB,
        ),
        (libc::RLIMIT_CORE, 0, 0),
    ];
    if nproc {
        out.push((libc::RLIMIT_NPROC, limits.processes, limits.processes));
    }
    out
}

fn check(rc: libc::c_int) -> io::Result<()> {
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn opt_ptr(value: &Option<CString>) -> *const libc::c_char {
    value.as_ref().map_or(std::ptr::null(), |v| v.as_ptr())
}

impl ChildPlan {
    /// Runs in the forked child. Order matters: namespaces and mounts need root, so they come before the
    /// uid drop; the hard rlimits come before it too, so the step can never raise them again; seccomp last.
    ///
    /// # Safety
    /// Only between fork and exec.
    pub unsafe fn apply(&self) -> io::Result<()> {
        if libc::setsid() < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut flags = 0;
        if self.new_net {
            flags |= libc::CLONE_NEWNET;
        }
        if self.jail.is_some() {
            flags |= libc::CLONE_NEWNS;
        }
        if flags != 0 {
            check(libc::unshare(flags))?;
        }
        if let Some(jail) = &self.jail {
            let root = c"/";
            check(libc::mount(
                std::ptr::null(),
                root.as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ))?;
            for m in &jail.mounts {
                check(libc::mount(
                    m.source.as_ptr(),
                    m.target.as_ptr(),
                    opt_ptr(&m.fstype),
                    m.flags,
                    opt_ptr(&m.data) as *const libc::c_void,
                ))?;
                if let Some(remount) = m.remount_flags {
                    check(libc::mount(
                        std::ptr::null(),
                        m.target.as_ptr(),
                        std::ptr::null(),
                        remount,
                        std::ptr::null(),
                    ))?;
                }
            }
            check(libc::chroot(jail.root.as_ptr()))?;
            check(libc::chdir(jail.cwd.as_ptr()))?;
        }
        if libc::dup2(self.bridge_out, 3) < 0 || libc::dup2(self.bridge_in, 4) < 0 {
            return Err(io::Error::last_os_error());
        }
        // Nothing else of the server's may cross exec, whatever flags it was opened with.
        libc::syscall(
            libc::SYS_close_range,
            5 as libc::c_uint,
            libc::c_uint::MAX,
            4 as libc::c_uint,
        );
        for &(resource, soft, hard) in &self.rlimits {
            check(libc::setrlimit(
                resource,
                &libc::rlimit {
                    rlim_cur: soft,
                    rlim_max: hard,
                },
            ))?;
        }
        if let Some((uid, gid)) = self.ids {
            check(libc::setgroups(0, std::ptr::null()))?;
            check(libc::setgid(gid))?;
            check(libc::setuid(uid))?;
        }
        // Set after the uid change, which clears it; the step dies with the server.
        libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        );
        if let Some(program) = &self.seccomp {
            crate::seccomp::install(program)?;
        }
        Ok(())
    }
}

/// Runs a tiny Python under one isolation measure to learn whether this host allows it.
pub fn probe_feature(
    python: &Path,
    setup: impl Fn() -> io::Result<()> + Send + Sync + 'static,
) -> bool {
    use std::os::unix::process::CommandExt;
    let mut command = std::process::Command::new(python);
    command
        .args(["-I", "-c", "pass"])
        .env_clear()
        .stdin(std::process::Stdio::null());
    command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // SAFETY: the closure only makes raw syscalls.
    unsafe { command.pre_exec(setup) };
    matches!(command.status(), Ok(s) if s.success())
}

pub fn probe(python: &Path, uid: libc::uid_t) -> Isolation {
    let netns = probe_feature(python, || unsafe {
        check(libc::unshare(libc::CLONE_NEWNET))
    });
    let fs_jail = probe_feature(python, || unsafe {
        check(libc::unshare(libc::CLONE_NEWNS))?;
        check(libc::mount(
            std::ptr::null(),
            c"/".as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        ))
    });
    let uid_drop = probe_feature(python, move || unsafe {
        check(libc::setgroups(0, std::ptr::null()))?;
        check(libc::setgid(uid))?;
        check(libc::setuid(uid))
    });
    let seccomp = probe_feature(python, || unsafe {
        crate::seccomp::install(&crate::seccomp::filter())
    });
    Isolation {
        netns,
        fs_jail,
        uid_drop,
        seccomp,
        rlimits: true,
        nproc: uid_drop,
    }
}

/// Kills every process of `uid`, including those that left the attempt's process group or session.
/// Forks a helper that becomes `uid` and signals everything it may signal (kill(-1)), until nothing is left.
pub fn sweep_uid(uid: libc::uid_t) {
    // SAFETY: the child only calls setuid, kill and _exit, all async-signal-safe.
    unsafe {
        let pid = libc::fork();
        if pid == 0 {
            if libc::setuid(uid) != 0 {
                libc::_exit(1);
            }
            let mut rounds = 0;
            while rounds < 200 && libc::kill(-1, libc::SIGKILL) == 0 {
                rounds += 1;
            }
            libc::_exit(0);
        }
        if pid > 0 {
            crate::reaper::wait_for(pid, std::time::Duration::from_secs(5));
        }
    }
}

/// A process already running under one of the slot uids: another server (or a leftover) owns the range,
/// and the sweep after each attempt would kill its processes.
pub fn uid_range_user(first: u32, count: u32) -> Option<(String, u32)> {
    let entries = std::fs::read_dir("/proc").ok()?;
    for entry in entries.flatten() {
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let real_uid = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|uid| uid.parse::<u32>().ok());
        if let Some(uid) = real_uid.filter(|uid| (first..first.saturating_add(count)).contains(uid))
        {
            return Some((entry.file_name().to_string_lossy().into_owned(), uid));
        }
    }
    None
}
