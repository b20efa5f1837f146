//! Shared fixtures: the embedded catalog and its default execution profile.
#![allow(dead_code)]

use writ_catalog::{Catalog, DEFAULT_PROFILE};
use writ_plan::ExecutionProfile;

pub fn catalog() -> &'static Catalog {
    Catalog::builtin()
}

pub fn profile() -> ExecutionProfile {
    catalog()
        .profile(DEFAULT_PROFILE)
        .map(|p| p.profile.clone())
        .expect("the catalog has the default profile")
}

/// A small valid candidate: one run input, two steps, one published artifact.
pub const VALID: &str = r#"{
  "objective": "Sum the rows of a table.",
  "domain": "data-merge-transform",
  "workflow": "normalize-transform",
  "policy": "provenance",
  "inputs": [{"name": "rows", "kind": "table.csv"}],
  "steps": [
    {"id": "clean", "intent": "Clean the rows.", "kind": "code",
     "inputs": {"rows": "run.rows"},
     "outputs": [{"slot": "clean", "kind": "table.csv"}]},
    {"id": "total", "intent": "Sum the rows.", "kind": "code",
     "inputs": {"rows": {"from": "clean.clean", "kind": "table.json_rows"}},
     "outputs": [{"slot": "summary", "kind": "object.json", "publish": true, "name": "summary.json"}]}
  ]
}"#;
