//! Per-attempt resource limits: the defaults a request gets when it names none, and the caps it cannot exceed.

use serde::Serialize;

use crate::api::RequestedLimits;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    pub cpu_seconds: u64,
    pub memory_mb: u64,
    pub processes: u64,
    pub open_files: u64,
    pub file_size_mb: u64,
    pub output_mb: u64,
    pub wall_seconds: u64,
}

pub const DEFAULTS: Limits = Limits {
    cpu_seconds: 30,
    memory_mb: 512,
    processes: 16,
    open_files: 64,
    file_size_mb: 64,
    output_mb: 64,
    wall_seconds: 60,
};

pub const CAPS: Limits = Limits {
    cpu_seconds: 300,
    memory_mb: 4096,
    processes: 64,
    open_files: 1024,
    file_size_mb: 1024,
    output_mb: 256,
    wall_seconds: 600,
};

/// The smallest limits that still let CPython start; below them every attempt would fail for no reason of its own.
pub const FLOORS: Limits = Limits {
    cpu_seconds: 1,
    memory_mb: 64,
    processes: 1,
    open_files: 16,
    file_size_mb: 1,
    output_mb: 1,
    wall_seconds: 1,
};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("limits/{field} = {value} is outside [{floor}, {cap}]")]
pub struct LimitError {
    pub field: &'static str,
    pub value: u64,
    pub floor: u64,
    pub cap: u64,
}

impl Limits {
    /// Fills in defaults and refuses (rather than silently clamps) a value outside the allowed range,
    /// so the worker learns that what it asked for is not what would have run.
    pub fn resolve(requested: &RequestedLimits) -> Result<Limits, LimitError> {
        let pick = |field: &'static str,
                    asked: Option<u64>,
                    default: u64,
                    floor: u64,
                    cap: u64|
         -> Result<u64, LimitError> {
            let value = asked.unwrap_or(default);
            if value < floor || value > cap {
                return Err(LimitError {
                    field,
                    value,
                    floor,
                    cap,
                });
            }
            Ok(value)
        };
        let (d, f, c, r) = (DEFAULTS, FLOORS, CAPS, requested);
        Ok(Limits {
            cpu_seconds: pick(
                "cpu_seconds",
                r.cpu_seconds,
                d.cpu_seconds,
                f.cpu_seconds,
                c.cpu_seconds,
            )?,
            memory_mb: pick(
                "memory_mb",
                r.memory_mb,
                d.memory_mb,
                f.memory_mb,
                c.memory_mb,
            )?,
            processes: pick(
                "processes",
                r.processes,
                d.processes,
                f.processes,
                c.processes,
            )?,
            open_files: pick(
                "open_files",
                r.open_files,
                d.open_files,
                f.open_files,
                c.open_files,
            )?,
            file_size_mb: pick(
                "file_size_mb",
                r.file_size_mb,
                d.file_size_mb,
                f.file_size_mb,
                c.file_size_mb,
            )?,
            output_mb: pick(
                "output_mb",
                r.output_mb,
                d.output_mb,
                f.output_mb,
                c.output_mb,
            )?,
            wall_seconds: pick(
                "wall_seconds",
                r.wall_seconds,
                d.wall_seconds,
                f.wall_seconds,
                c.wall_seconds,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_table() {
        let cases: Vec<(RequestedLimits, Result<u64, &str>)> = vec![
            (RequestedLimits::default(), Ok(DEFAULTS.cpu_seconds)),
            (
                RequestedLimits {
                    cpu_seconds: Some(5),
                    ..Default::default()
                },
                Ok(5),
            ),
            (
                RequestedLimits {
                    cpu_seconds: Some(301),
                    ..Default::default()
                },
                Err("cpu_seconds"),
            ),
            (
                RequestedLimits {
                    cpu_seconds: Some(0),
                    ..Default::default()
                },
                Err("cpu_seconds"),
            ),
            (
                RequestedLimits {
                    memory_mb: Some(8),
                    ..Default::default()
                },
                Err("memory_mb"),
            ),
            (
                RequestedLimits {
                    wall_seconds: Some(601),
                    ..Default::default()
                },
                Err("wall_seconds"),
            ),
        ];
        for (asked, expected) in cases {
            let got = Limits::resolve(&asked)
                .map(|l| l.cpu_seconds)
                .map_err(|e| e.field);
            assert_eq!(got, expected, "{asked:?}");
        }
    }
}
