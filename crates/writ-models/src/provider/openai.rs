//! OpenAI-compatible chat completions: `POST <base>/chat/completions` with a bearer key. The base URL carries
//! the version prefix (`https://api.openai.com/v1`, Ollama `http://127.0.0.1:11434/v1`, vLLM
//! `http://127.0.0.1:8000/v1`, OpenRouter `https://openrouter.ai/api/v1`).

use super::error::redact;
use super::{count_at, json_body, ChatRequest, Params, ProviderError, StopReason};
use super::{BuildError, ModelReply};
use crate::http::{secret_placeholder, Header, HttpRequest, Method};
use serde_json::{json, Map, Value};

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
pub const DEFAULT_KEY_SECRET: &str = "OPENAI_API_KEY";

pub(super) fn build(
    model: &str,
    params: &Params,
    chat: &ChatRequest,
) -> Result<HttpRequest, BuildError> {
    let base = params.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
    let url = format!("{base}/chat/completions");
    let mut body = Map::new();
    body.insert("model".into(), json!(model));
    body.insert("messages".into(), Value::Array(messages(chat)));
    if let Some(t) = params.temperature {
        body.insert("temperature".into(), json!(t));
    }
    if let Some(p) = params.top_p {
        body.insert("top_p".into(), json!(p));
    }
    if let Some(n) = params.max_tokens {
        body.insert("max_tokens".into(), json!(n));
    }
    if !params.stop.is_empty() {
        body.insert("stop".into(), json!(params.stop));
    }
    if let Some(s) = params.seed {
        body.insert("seed".into(), json!(s));
    }
    if let Some(e) = &params.reasoning_effort {
        body.insert("reasoning_effort".into(), json!(e));
    }
    let mut headers = vec![Header {
        name: "content-type".into(),
        value: "application/json".into(),
    }];
    if !params.no_auth {
        let secret = params
            .api_key_secret
            .as_deref()
            .unwrap_or(DEFAULT_KEY_SECRET);
        headers.push(Header {
            name: "authorization".into(),
            value: format!("Bearer {}", secret_placeholder(secret)),
        });
    }
    Ok(HttpRequest {
        method: Method::Post,
        url,
        headers,
        body: Value::Object(body).to_string(),
    })
}

/// The system text as the first message, then the turns.
pub(super) fn messages(chat: &ChatRequest) -> Vec<Value> {
    let mut out = Vec::with_capacity(chat.messages.len() + 1);
    if !chat.system.is_empty() {
        out.push(json!({"role": "system", "content": chat.system}));
    }
    out.extend(
        chat.messages
            .iter()
            .map(|m| json!({"role": m.role.as_str(), "content": m.content})),
    );
    out
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
    if value.get("error").is_some() {
        return Err(error_of(500, headers, body));
    }
    parse_completion(&value, "openai-compatible")
}

/// A `chat.completion` object (also what some Workers AI models return).
pub(super) fn parse_completion(
    value: &Value,
    served_by: &str,
) -> Result<ModelReply, ProviderError> {
    let choice = value
        .pointer("/choices/0")
        .ok_or_else(|| malformed("/choices/0", "no choices"))?;
    let text = match choice.pointer("/message/content") {
        Some(Value::String(s)) => s.clone(),
        // A message with only tool calls or a refusal has null content.
        Some(Value::Null) | None => String::new(),
        Some(_) => {
            return Err(malformed(
                "/choices/0/message/content",
                "content is not a string",
            ))
        }
    };
    let refused = choice
        .pointer("/message/refusal")
        .and_then(Value::as_str)
        .is_some_and(|r| !r.is_empty());
    let stop = match choice.get("finish_reason").and_then(Value::as_str) {
        _ if refused => StopReason::Refusal,
        Some("stop") => StopReason::EndTurn,
        Some("length") => StopReason::MaxTokens,
        Some("content_filter") => StopReason::ContentFilter,
        Some("tool_calls" | "function_call") => StopReason::ToolUse,
        Some(other) => StopReason::Other(other.to_string()),
        None => StopReason::Unknown,
    };
    let tokens_in = count_at(value, "/usage/prompt_tokens")
        .ok_or_else(|| malformed("/usage/prompt_tokens", "missing or not a count"))?;
    let tokens_out = count_at(value, "/usage/completion_tokens")
        .ok_or_else(|| malformed("/usage/completion_tokens", "missing or not a count"))?;
    Ok(ModelReply {
        text,
        tokens_in,
        tokens_out,
        stop,
        served_by: served_by.to_string(),
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

/// `{"error":{"message","type","code"}}` (OpenAI, vLLM, OpenRouter) or `{"error":"…"}` (Ollama).
fn error_of(status: u16, headers: &[(String, String)], body: &str) -> ProviderError {
    let value: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let (kind, message) = match value.get("error") {
        Some(Value::String(m)) => (String::new(), m.clone()),
        Some(e) => (
            e.get("type")
                .or_else(|| e.get("code"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            e.get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        ),
        None => (String::new(), body.get(..200).unwrap_or(body).to_string()),
    };
    let message = redact(&message);
    let retry_after_ms = super::retry_after_ms(headers);
    match status {
        429 => ProviderError::RateLimited {
            status,
            retry_after_ms,
            message,
        },
        503 | 529 => ProviderError::Overloaded {
            status,
            retry_after_ms,
            message,
        },
        408 | 504 => ProviderError::Timeout { message },
        401 | 403 => ProviderError::Auth { status, message },
        500..=599 => ProviderError::Server { status, message },
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
