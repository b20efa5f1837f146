//! Diagnostics shared by the compiler, the validation ladder and the schema serializer.
//!
//! A [`Diagnostic`] carries a stable [`Code`] (registered in a per-crate table, see [`registry`]), a JSON
//! pointer into the document it is about, and optionally a span in the text the user wrote; the
//! [`source_map`] finds that span from the pointer. [`render`] prints diagnostics the way rustc does,
//! as JSON, or as an RFC 9457 problem document.

pub mod code;
pub mod diagnostic;
pub mod pointer;
pub mod problem;
pub mod registry;
pub mod render;
pub mod source_map;

pub use code::{Area, Code, CodeParseError, Severity};
pub use diagnostic::{Diagnostic, Label, Span};
pub use problem::{Problem, PROBLEM_BASE};
pub use registry::{
    assert_registry_sound, check_registry, CodeInfo, CodeRange, RegistryProblem, RANGES,
};
pub use render::{render_json, render_text, to_problem};
pub use source_map::{line_col, locate, Located};
