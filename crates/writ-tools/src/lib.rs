//! What every platform tool shares: typed access to a call's JSON arguments (each failure naming its JSON
//! pointer) and the errors a call can return, with the stable codes the bridge forwards to the step program.
//!
//! The tools themselves belong to the packs that declare them (`packs/<name>/src/tools/`) and are found by
//! name through the pack registry (`writ-packs`). A tool is a pure function of its JSON arguments, so the
//! worker can meter, log and replay it, and the same code runs natively and on wasm32. Rules never live in a
//! tool: it receives the rules it applies in its arguments.

pub mod args;
mod error;

pub use error::ToolError;
