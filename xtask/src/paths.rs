//! Where things live: the repository root, the git-ignored `.writ/` state folder, the stack's ports.

use std::path::{Path, PathBuf};

pub const WORKER_PORT: u16 = 8917;
pub const SANDBOX_PORT: u16 = 8918;
pub const PG_PORT: u16 = 54917;
/// The gate in front of Postgres that wrangler's local Hyperdrive connects to (see pg_gate.rs).
pub const PG_GATE_PORT: u16 = 54916;
pub const PG_DB: &str = "writ";
pub const PG_APP_USER: &str = "writ_app";
pub const PG_APP_PASSWORD: &str = "writ";

pub fn root() -> PathBuf {
    // xtask lives at <root>/xtask; CARGO_MANIFEST_DIR is fixed at build time, which is what we want.
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

pub fn state() -> PathBuf {
    root().join(".writ")
}


pub fn app_database_url() -> String {
    format!("postgresql://{PG_APP_USER}:{PG_APP_PASSWORD}@127.0.0.1:{PG_PORT}/{PG_DB}")
}

/// What Hyperdrive uses locally: the same database, through the gate, without TLS.
pub fn hyperdrive_url() -> String {
    format!("postgresql://{PG_APP_USER}:{PG_APP_PASSWORD}@127.0.0.1:{PG_GATE_PORT}/{PG_DB}?sslmode=disable")
}
