//! Providers: building the request for a phase's model and parsing what comes back. Sans-IO: the shell sends
//! the [`ProviderCall`] (an HTTP request, or a Workers AI binding call) and hands the raw answer back.

mod anthropic;
mod error;
mod openai;
mod params;
mod workers_ai;

pub use error::{redact, BuildError, ProviderError};
pub use params::Params;

use crate::http::HttpRequest;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use writ_plan::PhaseConfig;

/// Which wire format a phase's provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    /// The built-in deterministic provider: no wire at all.
    Builtin,
    /// Anthropic Messages API.
    Anthropic,
    /// Any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, OpenRouter).
    OpenaiCompatible,
    /// Workers AI through the Worker's `AI` binding.
    WorkersAi,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 4] = [
        ProviderKind::Builtin,
        ProviderKind::Anthropic,
        ProviderKind::OpenaiCompatible,
        ProviderKind::WorkersAi,
    ];

    /// The id profiles use.
    pub fn id(self) -> &'static str {
        match self {
            ProviderKind::Builtin => "builtin",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::OpenaiCompatible => "openai-compatible",
            ProviderKind::WorkersAi => "workers-ai",
        }
    }

    pub fn parse(id: &str) -> Result<ProviderKind, BuildError> {
        ProviderKind::ALL
            .into_iter()
            .find(|k| k.id() == id)
            .ok_or_else(|| BuildError::UnknownProvider(id.to_string()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    pub fn user(content: impl Into<String>) -> ChatMessage {
        ChatMessage {
            role: Role::User,
            content: content.into(),
        }
    }
    pub fn assistant(content: impl Into<String>) -> ChatMessage {
        ChatMessage {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// A prompt, independent of any provider: a system text and the turns so far (the last one the user's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatRequest {
    pub system: String,
    pub messages: Vec<ChatMessage>,
}

/// A Workers AI call: the shell runs `env[binding].run(model, input)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BindingCall {
    pub binding: String,
    pub model: String,
    pub input: Value,
}

/// What the shell must do to get a reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "via", rename_all = "snake_case")]
pub enum ProviderCall {
    Http(HttpRequest),
    Binding(BindingCall),
    /// Served in-process by [`crate::builtin`]; nothing to send.
    Builtin {
        model: String,
    },
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The model finished its answer.
    EndTurn,
    /// Cut off by the output token limit.
    MaxTokens,
    StopSequence,
    ToolUse,
    /// The provider withheld or filtered the answer.
    ContentFilter,
    Refusal,
    /// Anything else the provider said, verbatim.
    Other(String),
    /// The provider did not say.
    Unknown,
}

/// A parsed model reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelReply {
    pub text: String,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub stop: StopReason,
    /// The provider that served it (`anthropic`, `openai-compatible`, `workers-ai`, `builtin`).
    pub served_by: String,
    /// The model the provider says answered, when it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// The call for one prompt to the phase's configured provider and model.
pub fn build_call(config: &PhaseConfig, chat: &ChatRequest) -> Result<ProviderCall, BuildError> {
    let kind = ProviderKind::parse(&config.provider)?;
    if config.model.trim().is_empty() {
        return Err(BuildError::MissingModel);
    }
    if chat.messages.is_empty() {
        return Err(BuildError::NoMessages);
    }
    let params = Params::read(kind, &config.params)?;
    match kind {
        ProviderKind::Builtin => Ok(ProviderCall::Builtin {
            model: config.model.clone(),
        }),
        ProviderKind::Anthropic => {
            anthropic::build(&config.model, &params, chat).map(ProviderCall::Http)
        }
        ProviderKind::OpenaiCompatible => {
            openai::build(&config.model, &params, chat).map(ProviderCall::Http)
        }
        ProviderKind::WorkersAi => Ok(ProviderCall::Binding(workers_ai::build(
            &config.model,
            &params,
            chat,
        ))),
    }
}

/// An HTTP provider's answer: status, headers (name, value) and body as received.
pub fn parse_response(
    kind: ProviderKind,
    status: u16,
    headers: &[(String, String)],
    body: &str,
) -> Result<ModelReply, ProviderError> {
    match kind {
        ProviderKind::Anthropic => anthropic::parse(status, headers, body),
        ProviderKind::OpenaiCompatible => openai::parse(status, headers, body),
        ProviderKind::WorkersAi | ProviderKind::Builtin => Err(ProviderError::NotHttp {
            provider: kind.id().to_string(),
        }),
    }
}

/// What `env.AI.run` resolved to.
pub fn parse_binding_output(output: &Value) -> Result<ModelReply, ProviderError> {
    workers_ai::parse_output(output)
}

/// What `env.AI.run` threw (its message).
pub fn parse_binding_error(message: &str) -> ProviderError {
    workers_ai::parse_error(message)
}

/// Text estimate when a provider reports no usage: about four characters a token, rounded up.
pub fn estimate_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

/// The `retry-after` (seconds, possibly fractional) or `retry-after-ms` header, in milliseconds. An HTTP date
/// cannot be read without a clock, so it counts as absent (the backoff applies).
pub fn retry_after_ms(headers: &[(String, String)]) -> Option<u64> {
    if let Some(ms) = crate::http::find_header(headers, "retry-after-ms") {
        if let Ok(v) = ms.trim().parse::<f64>() {
            if v.is_finite() && v >= 0.0 {
                return Some(v.ceil() as u64);
            }
        }
    }
    let secs = crate::http::find_header(headers, "retry-after")?
        .trim()
        .parse::<f64>()
        .ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).ceil() as u64)
}

/// The JSON body of a response, or a `Malformed` error saying why not.
fn json_body(body: &str) -> Result<Value, ProviderError> {
    serde_json::from_str(body).map_err(|e| ProviderError::Malformed {
        pointer: String::new(),
        message: format!("response body is not JSON: {e}"),
    })
}

/// A required non-negative integer at `pointer`.
fn count_at(value: &Value, pointer: &str) -> Option<u64> {
    value.pointer(pointer).and_then(Value::as_u64)
}
