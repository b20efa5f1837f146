//! Output forms of diagnostics: rustc-style text, JSON, RFC 9457 problem+json.

mod json;
mod problem;
mod text;

pub use json::{diagnostic_json, render_json};
pub use problem::to_problem;
pub use text::render_text;

#[cfg(test)]
mod tests;
