//! Where things live: the repository root, the git-ignored `.writ/` state folder, the stack's ports.

use std::path::{Path, PathBuf};

/// The stack's ports, all moved by `WRIT_PORT_OFFSET` (default 0) so that a second checkout (a fresh clone
/// running CI beside a developer's stack) can run its own stack at the same time.
pub fn port_offset() -> u16 {
    std::env::var("WRIT_PORT_OFFSET")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
pub fn worker_port() -> u16 {
    8917 + port_offset()
}
pub fn sandbox_port() -> u16 {
    8918 + port_offset()
}
pub fn inspector_port() -> u16 {
    9229 + port_offset()
}
pub fn pg_port() -> u16 {
    54917 + port_offset()
}
/// The gate in front of Postgres that wrangler's local Hyperdrive connects to (see pg_gate.rs).
pub fn pg_gate_port() -> u16 {
    54916 + port_offset()
}
pub const PG_DB: &str = "writ";
pub const PG_APP_USER: &str = "writ_app";
pub const PG_APP_PASSWORD: &str = "writ";

pub fn root() -> PathBuf {
    // xtask lives at <root>/xtask; CARGO_MANIFEST_DIR is fixed at build time, which is what we want.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

pub fn state() -> PathBuf {
    root().join(".writ")
}

pub fn app_database_url() -> String {
    format!(
        "postgresql://{PG_APP_USER}:{PG_APP_PASSWORD}@127.0.0.1:{}/{PG_DB}",
        pg_port()
    )
}

/// What Hyperdrive uses locally: the same database, through the gate, without TLS.
pub fn hyperdrive_url() -> String {
    format!(
        "postgresql://{PG_APP_USER}:{PG_APP_PASSWORD}@127.0.0.1:{}/{PG_DB}?sslmode=disable",
        pg_gate_port()
    )
}
