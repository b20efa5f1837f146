//! Artifact bytes and their provenance, without I/O.
//!
//! The worker stores and moves artifacts; this crate knows what is inside them, by kind ([`kind`]): the items
//! of a fan-out input (a table's rows, a batch's files, a JSON array's elements), their count, a shard's
//! slice, the merge of shard outputs back in order, and the value the validation ladder reads; bundles
//! ([`Bundle`]: multi-file artifacts as a manifest over content-addressed files); and provenance records
//! (`docs/sandbox-protocol.md`): which input rows a value of an artifact came from, remapped when shards are
//! merged.

mod bundle;
pub mod kind;
mod provenance;
mod table;

pub use bundle::{check_path, Bundle, BundleFile, BUNDLE_FORMAT};
pub use kind::{
    count_items, is_bundle, is_json, items_of, merge_items, read_for_validation, slice_items,
    write_corrected, Items,
};
pub use provenance::{merge_provenance, sources_for, Provenance, Source};
pub use table::Table;

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
    #[error("bundle: {0}")]
    Bundle(String),
    #[error("not JSON as its kind requires: {0}")]
    Json(String),
    #[error("{0}")]
    Kind(String),
}
