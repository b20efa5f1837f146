//! The validation ladder: eleven stages between a step's output and its publication.
//!
//! 1 guard · 2 schema · 3 synonyms · 4 structural fixes · 5 defaults · 6 business transforms · 7 model-assisted
//! rename · 8 model-assisted guarded JSON patch · 9 contract conformance · 10 domain validators · 11 expert
//! review. Each stage passes, corrects (with a [`CorrectionRecord`] holding an RFC 6902 patch) or rejects
//! (with [`Diagnostic`]s, codes `L0101`…, see [`diag::REGISTRY`]). The crate is sans-IO: see [`Ladder`] for
//! the driving protocol and the ordering semantics (guard never corrected into publication; schema verdict
//! final only after the correcting stages).

pub mod config;
pub mod dates;
pub mod diag;
pub mod guard;
pub mod ladder;
pub mod model;
pub mod patch;
pub mod schema;
pub mod stages;
pub mod types;
pub mod workflow;

pub use config::{Contract, LadderConfig, ValidatorRef};
pub use diag::{Diagnostic, Severity};
pub use guard::{Guard, GuardPolicy};
pub use ladder::{Ladder, LadderError, Step};
pub use model::{ModelReply, ModelRequest, ModelStages, PromptPart};
pub use patch::PatchOp;
pub use schema::{SchemaCheck, WritSchemaCheck};
pub use stages::domain::{DomainInput, DomainValidator, Registry};
pub use types::{
    Artifact, Context, CorrectionRecord, LadderReport, Mode, Outcome, Stage, StageResult,
};
