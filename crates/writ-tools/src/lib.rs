//! Platform tools: the capabilities a step program reaches only through the governed bridge.
//!
//! Each tool is a pure function of its JSON arguments, so the worker can meter, log and replay it, and the
//! same code runs natively and on wasm32. Rules never live here: a tool receives the rules it applies (as
//! extracted from the engagement terms) in its arguments.

mod args;
mod decimal;
mod error;
mod review_flags;

pub use error::ToolError;

use serde_json::Value;

/// Every tool this crate implements, by its catalog name.
pub const TOOL_NAMES: &[&str] = &[review_flags::NAME];

/// Run `tool` on `args`. Unknown tools and malformed arguments are errors, never panics.
pub fn call(tool: &str, args: &Value) -> Result<Value, ToolError> {
    match tool {
        review_flags::NAME => review_flags::call(args),
        other => Err(ToolError::UnknownTool {
            name: other.to_string(),
        }),
    }
}
