//! Artifact bytes and their provenance, without I/O.
//!
//! The worker stores and moves artifacts; this crate knows what is inside them: CSV tables (row counts, slices
//! for the shards of a fan-out step, merging shard outputs back in order), JSON rows for the validation
//! ladder, and provenance records (`docs/sandbox-protocol.md`): which input rows a value of an artifact came
//! from, remapped when shards are merged.

mod provenance;
mod table;

pub use provenance::{merge_provenance, sources_for, Provenance, Source};
pub use table::{merge_tables, slice_rows, to_json_rows, Table};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArtifactError {
    #[error("not a CSV table: {0}")]
    Csv(String),
    #[error("shard {index} has header {found:?}, the first shard has {expected:?}")]
    HeaderMismatch {
        index: usize,
        expected: Vec<String>,
        found: Vec<String>,
    },
    #[error("provenance record is malformed: {0}")]
    Provenance(String),
    #[error("pointer `{0}` does not address a value of this artifact")]
    Pointer(String),
}
