//! The JSON Schema subset the catalog uses, in both directions between writ and a model:
//! [`template`] turns a schema into text a model can fill in, [`parse_reply`] reads the filled-in value back
//! out of whatever the model wrote, and [`validate`] checks a value, reporting every violation as a
//! [`writ_diag::Diagnostic`] with a JSON pointer.

pub mod codes;
mod describe;
mod example;
mod format;
pub mod relaxed;
mod reply;
mod schema;
mod template;
mod validate;

pub use example::example;
pub use relaxed::parse_relaxed;
pub use reply::{parse_reply, parse_reply_fuzz};
pub use schema::{Additional, Format, JsonType, Node, Reference, Schema};
pub use template::{template, Template};
pub use validate::validate;

#[cfg(test)]
mod test_support;
