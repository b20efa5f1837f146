//! The Anthropic Messages API: `POST /v1/messages` with `x-api-key` and `anthropic-version: 2023-06-01`.

use super::error::redact;
use super::{count_at, json_body, ChatRequest, Params, ProviderError, StopReason};
use super::{BuildError, ModelReply};
use crate::http::{secret_placeholder, Header, HttpRequest, Method};
use serde_json::{json, Map, Value};

pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
pub const API_VERSION: &str = "2023-06-01";
pub const DEFAULT_KEY_SECRET: &str = "ANTHROPIC_API_KEY";
/// The Messages API requires `max_tokens`; this is used when the profile sets none.
pub const DEFAULT_MAX_TOKENS: u64 = 8192;

pub(super) fn build(
    model: &str,
    params: &Params,
    chat: &ChatRequest,
) -> Result<HttpRequest, BuildError> {
    let base = params.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
    let url = if base.ends_with("/v1") {
        format!("{base}/messages")
    } else {
        format!("{base}/v1/messages")
    };
    let mut body = Map::new();
    body.insert("model".into(), json!(model));
    body.insert(
        "max_tokens".into(),
        json!(params.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS)),
    );
    if !chat.system.is_empty() {
        body.insert("system".into(), json!(chat.system));
    }
    let messages: Vec<Value> = chat
        .messages
        .iter()
        .map(|m| json!({"role": m.role.as_str(), "content": m.content}))
        .collect();
    body.insert("messages".into(), Value::Array(messages));
    if let Some(t) = params.temperature {
        body.insert("temperature".into(), json!(t));
    }
    if let Some(p) = params.top_p {
        body.insert("top_p".into(), json!(p));
    }
    if !params.stop.is_empty() {
        body.insert("stop_sequences".into(), json!(params.stop));
    }
    let secret = params
        .api_key_secret
        .as_deref()
        .unwrap_or(DEFAULT_KEY_SECRET);
    Ok(HttpRequest {
        method: Method::Post,
        url,
        headers: vec![
            header("content-type", "application/json"),
            header("anthropic-version", API_VERSION),
            header("x-api-key", &secret_placeholder(secret)),
        ],
        body: Value::Object(body).to_string(),
    })
}

fn header(name: &str, value: &str) -> Header {
    Header {
        name: name.to_string(),
        value: value.to_string(),
    }
}

pub(super) fn parse(
    status: u16,
    headers: &[(String, String)],
    body: &str,
) -> Result<ModelReply, ProviderError> {
    if !(200..300).contains(&status) {
        return Err(error_of(status, headers, body));
    }
    let value = json_body(body)?;
    if value.get("type").and_then(Value::as_str) == Some("error") {
        // An error delivered with a 2xx status (seen through some proxies): classify it by its type.
        return Err(error_of(500, headers, body));
    }
    let blocks = value
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("/content", "no content blocks"))?;
    // Text blocks are the answer; thinking and tool blocks are not.
    let text: String = blocks
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join("");
    let tokens_in = count_at(&value, "/usage/input_tokens")
        .ok_or_else(|| malformed("/usage/input_tokens", "missing or not a count"))?;
    let tokens_out = count_at(&value, "/usage/output_tokens")
        .ok_or_else(|| malformed("/usage/output_tokens", "missing or not a count"))?;
    // Cached prompt tokens are still input tokens of the call.
    let cached = count_at(&value, "/usage/cache_creation_input_tokens").unwrap_or(0)
        + count_at(&value, "/usage/cache_read_input_tokens").unwrap_or(0);
    let stop = match value.get("stop_reason").and_then(Value::as_str) {
        Some("end_turn") => StopReason::EndTurn,
        Some("max_tokens") => StopReason::MaxTokens,
        Some("stop_sequence") => StopReason::StopSequence,
        Some("tool_use") => StopReason::ToolUse,
        Some("refusal") => StopReason::Refusal,
        Some(other) => StopReason::Other(other.to_string()),
        None => StopReason::Unknown,
    };
    Ok(ModelReply {
        text,
        tokens_in: tokens_in.saturating_add(cached),
        tokens_out,
        stop,
        served_by: "anthropic".into(),
        model: value
            .get("model")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

fn malformed(pointer: &str, message: &str) -> ProviderError {
    ProviderError::Malformed {
        pointer: pointer.to_string(),
        message: message.to_string(),
    }
}

/// `{"type":"error","error":{"type":"rate_limit_error","message":"…"}}` with its status.
fn error_of(status: u16, headers: &[(String, String)], body: &str) -> ProviderError {
    let value: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let kind = value
        .pointer("/error/type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let message = redact(
        value
            .pointer("/error/message")
            .and_then(Value::as_str)
            .unwrap_or_else(|| body.get(..200).unwrap_or(body)),
    );
    let retry_after_ms = super::retry_after_ms(headers);
    match (status, kind.as_str()) {
        (429, _) | (_, "rate_limit_error") => ProviderError::RateLimited {
            status,
            retry_after_ms,
            message,
        },
        (529, _) | (_, "overloaded_error") => ProviderError::Overloaded {
            status,
            retry_after_ms,
            message,
        },
        (408, _) | (504, _) | (_, "timeout_error") => ProviderError::Timeout { message },
        (401 | 403, _) | (_, "authentication_error" | "permission_error") => {
            ProviderError::Auth { status, message }
        }
        (500..=599, _) | (_, "api_error") => ProviderError::Server { status, message },
        _ => ProviderError::Rejected {
            status,
            kind: if kind.is_empty() {
                "unknown".into()
            } else {
                kind
            },
            message,
        },
    }
}
