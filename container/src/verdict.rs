//! Why an attempt stopped, decided from the platform's evidence: the wait status, the wall timer, the CPU
//! time the kernel accounted, the output measurement, and the interpreter's last words on stderr.

use crate::api::{Status, StoppedBy};

#[derive(Debug, Default)]
pub struct Evidence<'a> {
    pub timed_out: bool,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub cpu_ms: u64,
    pub cpu_limit_s: u64,
    pub stderr_tail: &'a str,
    /// Set when the server refused the outputs (over the cap, unreadable), with the reason.
    pub output_refused: Option<StoppedBy>,
}

/// stderr markers of a resource limit hit inside Python (which ignores SIGXFSZ and turns ENOMEM, EMFILE,
/// EAGAIN-on-fork into exceptions). The one appearing last wins: it is closest to the fatal error.
const MARKERS: [(&str, StoppedBy); 8] = [
    ("MemoryError", StoppedBy::Memory),
    ("[Errno 12] Cannot allocate memory", StoppedBy::Memory),
    ("[Errno 27] File too large", StoppedBy::FileSize),
    ("[Errno 24] Too many open files", StoppedBy::OpenFiles),
    (
        "BlockingIOError: [Errno 11] Resource temporarily unavailable",
        StoppedBy::Processes,
    ),
    ("can't start new thread", StoppedBy::Processes),
    (
        "[Errno 11] Resource temporarily unavailable",
        StoppedBy::Processes,
    ),
    (
        "fork: retry: Resource temporarily unavailable",
        StoppedBy::Processes,
    ),
];

fn from_stderr(stderr: &str) -> Option<StoppedBy> {
    MARKERS
        .iter()
        .filter_map(|(marker, by)| stderr.rfind(marker).map(|at| (at, *by)))
        .max_by_key(|(at, _)| *at)
        .map(|(_, by)| by)
}

pub fn decide(e: &Evidence) -> (Status, Option<StoppedBy>) {
    let cpu_spent = e.cpu_ms + 50 >= e.cpu_limit_s * 1000;
    if e.timed_out {
        return (Status::Killed, Some(StoppedBy::WallTime));
    }
    if let Some(signal) = e.signal {
        let by = match signal {
            libc::SIGXCPU => StoppedBy::CpuTime,
            libc::SIGKILL if cpu_spent => StoppedBy::CpuTime,
            libc::SIGXFSZ => StoppedBy::FileSize,
            _ => from_stderr(e.stderr_tail).unwrap_or(StoppedBy::Error),
        };
        return (Status::Killed, Some(by));
    }
    match e.exit_code {
        Some(0) if e.output_refused.is_some() => (Status::Failed, e.output_refused),
        Some(0) => (Status::Succeeded, None),
        _ if cpu_spent => (Status::Failed, Some(StoppedBy::CpuTime)),
        _ => (
            Status::Failed,
            Some(from_stderr(e.stderr_tail).unwrap_or(StoppedBy::Error)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::type_complexity)]
    fn decide_table() {
        let base = || Evidence {
            cpu_limit_s: 5,
            exit_code: Some(1),
            ..Default::default()
        };
        let cases: Vec<(&str, Evidence, (Status, Option<StoppedBy>))> = vec![
            (
                "clean exit",
                Evidence {
                    exit_code: Some(0),
                    ..base()
                },
                (Status::Succeeded, None),
            ),
            (
                "wall",
                Evidence {
                    timed_out: true,
                    exit_code: None,
                    signal: Some(9),
                    ..base()
                },
                (Status::Killed, Some(StoppedBy::WallTime)),
            ),
            (
                "sigxcpu",
                Evidence {
                    exit_code: None,
                    signal: Some(libc::SIGXCPU),
                    ..base()
                },
                (Status::Killed, Some(StoppedBy::CpuTime)),
            ),
            (
                "hard cpu kill",
                Evidence {
                    exit_code: None,
                    signal: Some(9),
                    cpu_ms: 6000,
                    ..base()
                },
                (Status::Killed, Some(StoppedBy::CpuTime)),
            ),
            (
                "other kill",
                Evidence {
                    exit_code: None,
                    signal: Some(9),
                    ..base()
                },
                (Status::Killed, Some(StoppedBy::Error)),
            ),
            (
                "sigxfsz",
                Evidence {
                    exit_code: None,
                    signal: Some(libc::SIGXFSZ),
                    ..base()
                },
                (Status::Killed, Some(StoppedBy::FileSize)),
            ),
            (
                "memory",
                Evidence {
                    stderr_tail: "Traceback\nMemoryError\n",
                    ..base()
                },
                (Status::Failed, Some(StoppedBy::Memory)),
            ),
            (
                "fsize",
                Evidence {
                    stderr_tail: "OSError: [Errno 27] File too large",
                    ..base()
                },
                (Status::Failed, Some(StoppedBy::FileSize)),
            ),
            (
                "nofile",
                Evidence {
                    stderr_tail: "OSError: [Errno 24] Too many open files: 'x'",
                    ..base()
                },
                (Status::Failed, Some(StoppedBy::OpenFiles)),
            ),
            (
                "fork",
                Evidence {
                    stderr_tail: "BlockingIOError: [Errno 11] Resource temporarily unavailable",
                    ..base()
                },
                (Status::Failed, Some(StoppedBy::Processes)),
            ),
            (
                "last marker wins",
                Evidence {
                    stderr_tail: "MemoryError\n...\nOSError: [Errno 24] Too many open files",
                    ..base()
                },
                (Status::Failed, Some(StoppedBy::OpenFiles)),
            ),
            (
                "plain error",
                Evidence {
                    stderr_tail: "ValueError: nope",
                    ..base()
                },
                (Status::Failed, Some(StoppedBy::Error)),
            ),
            (
                "output cap",
                Evidence {
                    exit_code: Some(0),
                    output_refused: Some(StoppedBy::OutputSize),
                    ..base()
                },
                (Status::Failed, Some(StoppedBy::OutputSize)),
            ),
        ];
        for (name, evidence, expected) in cases {
            assert_eq!(decide(&evidence), expected, "{name}");
        }
    }
}
