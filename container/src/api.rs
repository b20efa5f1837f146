//! Wire types of `POST /v1/execute`: the request the worker sends and the receipt the server answers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub struct ExecuteRequest {
    pub attempt_id: String,
    pub program: String,
    #[serde(default)]
    pub inputs: BTreeMap<String, InputSlot>,
    #[serde(default)]
    pub skills: Vec<Skill>,
    #[serde(default)]
    pub tools: Vec<String>,
    #[serde(default)]
    pub bridge: Option<Bridge>,
    #[serde(default)]
    pub limits: RequestedLimits,
}

#[derive(Debug, Deserialize)]
pub struct InputSlot {
    pub kind: String,
    pub hash: String,
    #[serde(default)]
    pub files: Vec<InputFile>,
}

#[derive(Debug, Deserialize)]
pub struct InputFile {
    pub name: String,
    #[serde(default)]
    pub content_b64: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    pub hash: String,
}

#[derive(Debug, Deserialize)]
pub struct Skill {
    pub id: String,
    pub module: String,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Bridge {
    pub url: String,
    pub token: String,
}

/// Limits as asked; a missing one takes the server's default, none may exceed the server's cap.
#[derive(Debug, Default, Deserialize)]
pub struct RequestedLimits {
    pub cpu_seconds: Option<u64>,
    pub memory_mb: Option<u64>,
    pub processes: Option<u64>,
    pub open_files: Option<u64>,
    pub file_size_mb: Option<u64>,
    pub output_mb: Option<u64>,
    pub wall_seconds: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Succeeded,
    Failed,
    Killed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoppedBy {
    WallTime,
    CpuTime,
    Memory,
    Processes,
    FileSize,
    OutputSize,
    OpenFiles,
    Error,
}

#[derive(Debug, Serialize)]
pub struct Receipt {
    pub attempt_id: String,
    pub status: Status,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub stopped_by: Option<StoppedBy>,
    pub duration_ms: u64,
    pub stdout_tail: String,
    pub stderr_tail: String,
    pub outputs: BTreeMap<String, OutputSlot>,
    pub tool_calls: Vec<ToolCall>,
    /// The limits in force for this attempt (defaults filled in), so the receipt is self-describing.
    pub limits: crate::limits::Limits,
    /// The isolation layers in force for this attempt and those the server runs without.
    pub isolation: writ_sandbox_policy::Isolation,
}

#[derive(Debug, Serialize)]
pub struct OutputSlot {
    pub kind: String,
    pub files: Vec<OutputFile>,
    pub provenance: Option<Value>,
}

#[derive(Debug, Serialize)]
pub struct OutputFile {
    pub name: String,
    pub size: u64,
    pub hash: String,
    pub content_b64: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ToolCall {
    pub seq: u64,
    pub tool: String,
    pub args_hash: Option<String>,
    pub ok: bool,
    pub duration_ms: u64,
    pub error: Option<String>,
}
