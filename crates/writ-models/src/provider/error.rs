//! What can go wrong building a request or reading an answer.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("unknown provider `{0}` (known: builtin, anthropic, openai-compatible, workers-ai)")]
    UnknownProvider(String),
    #[error("the phase names no model")]
    MissingModel,
    #[error("the prompt has no messages")]
    NoMessages,
    #[error("parameter `{name}` is not one the {provider} provider takes")]
    UnknownParam { provider: String, name: String },
    #[error("parameter `{name}`: {message}")]
    BadParam { name: String, message: String },
    #[error("parameter `{name}` looks like a key: keys live in Worker secrets, named by `api_key_secret`")]
    KeyInProfile { name: String },
}

/// A failed call, classified so that the retry policy can decide. Messages are redacted of anything shaped
/// like a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ProviderError {
    #[error("rate limited (HTTP {status}): {message}")]
    RateLimited {
        status: u16,
        retry_after_ms: Option<u64>,
        message: String,
    },
    #[error("provider overloaded (HTTP {status}): {message}")]
    Overloaded {
        status: u16,
        retry_after_ms: Option<u64>,
        message: String,
    },
    #[error("provider error (HTTP {status}): {message}")]
    Server { status: u16, message: String },
    #[error("timed out: {message}")]
    Timeout { message: String },
    #[error("transport error: {message}")]
    Transport { message: String },
    #[error("not authorised (HTTP {status}): {message}")]
    Auth { status: u16, message: String },
    #[error("request rejected (HTTP {status}, {kind}): {message}")]
    Rejected {
        status: u16,
        kind: String,
        message: String,
    },
    #[error("Workers AI error{}: {message}", code.map(|c| format!(" {c}")).unwrap_or_default())]
    Binding { code: Option<u32>, message: String },
    #[error("malformed response at `{pointer}`: {message}")]
    Malformed { pointer: String, message: String },
    #[error("provider `{provider}` is not reached over HTTP")]
    NotHttp { provider: String },
}

impl ProviderError {
    /// The shell timed out waiting.
    pub fn timeout(message: impl Into<String>) -> ProviderError {
        ProviderError::Timeout {
            message: redact(&message.into()),
        }
    }

    /// The shell could not reach the provider (DNS, connection refused, TLS, reset).
    pub fn transport(message: impl Into<String>) -> ProviderError {
        ProviderError::Transport {
            message: redact(&message.into()),
        }
    }
}

/// Replaces anything shaped like an API key (`sk-…`, `sk-ant-…`, `Bearer …`) with `[redacted]`, so that an
/// echoed key never reaches a log or the ledger.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = ["sk-", "Bearer "]
            .iter()
            .filter_map(|p| rest.find(p).map(|i| (i, p.len())))
            .min();
        let Some((start, prefix_len)) = next else {
            out.push_str(rest);
            return out;
        };
        let after = rest.get(start + prefix_len..).unwrap_or("");
        let tail = after
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == '.'))
            .map_or(after.len(), |(i, _)| i);
        out.push_str(rest.get(..start).unwrap_or(""));
        if tail >= 8 {
            out.push_str("[redacted]");
        } else {
            out.push_str(rest.get(start..start + prefix_len + tail).unwrap_or(""));
        }
        rest = after.get(tail..).unwrap_or("");
    }
}
