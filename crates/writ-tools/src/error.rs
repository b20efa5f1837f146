//! Errors a tool call can return; each has a stable code the bridge forwards to the step program.

/// Why a tool refused a call. `pointer` is a JSON pointer into the call's `args`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolError {
    #[error("unknown tool `{name}`")]
    UnknownTool { name: String },
    #[error("missing field at `{pointer}`")]
    MissingField { pointer: String },
    #[error("field at `{pointer}` must be {expected}")]
    WrongType {
        pointer: String,
        expected: &'static str,
    },
    #[error("field at `{pointer}` is not a decimal number: `{value}`")]
    BadNumber { pointer: String, value: String },
    /// Arguments of the right types that still cannot be used (e.g. an evidence bundle missing an item).
    #[error("field at `{pointer}`: {message}")]
    Invalid { pointer: String, message: String },
    /// The tool ran and could not answer (a model-served evaluator that gave no valid verdict in time).
    #[error("{0}")]
    Failed(String),
}

impl ToolError {
    /// The stable diagnostic code of this error, as the bridge reports it.
    pub fn code(&self) -> &'static str {
        match self {
            ToolError::UnknownTool { .. } => "tool.unknown",
            ToolError::MissingField { .. } => "tool.args.missing",
            ToolError::WrongType { .. } => "tool.args.type",
            ToolError::BadNumber { .. } => "tool.args.number",
            ToolError::Invalid { .. } => "tool.args.invalid",
            ToolError::Failed(_) => "tool.failed",
        }
    }

    /// The JSON pointer into the arguments this error is about, if any.
    pub fn pointer(&self) -> Option<&str> {
        match self {
            ToolError::UnknownTool { .. } | ToolError::Failed(_) => None,
            ToolError::MissingField { pointer }
            | ToolError::WrongType { pointer, .. }
            | ToolError::BadNumber { pointer, .. }
            | ToolError::Invalid { pointer, .. } => Some(pointer),
        }
    }
}
