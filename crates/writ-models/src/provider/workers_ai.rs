//! Workers AI through the Worker's binding: the shell calls `env.AI.run(model, input)` with the input built
//! here and hands back what it resolved to, or the message of what it threw.

use super::{estimate_tokens, BindingCall, ChatRequest, ModelReply, Params, ProviderError};
use super::{openai, StopReason};
use serde_json::{json, Map, Value};

pub const DEFAULT_BINDING: &str = "AI";

pub(super) fn build(model: &str, params: &Params, chat: &ChatRequest) -> BindingCall {
    let mut input = Map::new();
    input.insert("messages".into(), Value::Array(openai::messages(chat)));
    if let Some(n) = params.max_tokens {
        input.insert("max_tokens".into(), json!(n));
    }
    if let Some(t) = params.temperature {
        input.insert("temperature".into(), json!(t));
    }
    if let Some(p) = params.top_p {
        input.insert("top_p".into(), json!(p));
    }
    if let Some(s) = params.seed {
        input.insert("seed".into(), json!(s));
    }
    BindingCall {
        binding: params
            .binding
            .clone()
            .unwrap_or_else(|| DEFAULT_BINDING.to_string()),
        model: model.to_string(),
        input: Value::Object(input),
    }
}

/// `{ response, usage? }` from text-generation models; a `chat.completion` object from the
/// OpenAI-compatible ones. Without usage the counts are estimated from the text (input: the prompt is not
/// known here, so 0 — the caller may estimate it from the request).
pub(super) fn parse_output(output: &Value) -> Result<ModelReply, ProviderError> {
    if output.get("choices").is_some() {
        return openai::parse_completion(output, "workers-ai");
    }
    let text = match output.get("response") {
        Some(Value::String(s)) => s.clone(),
        // JSON mode returns the object itself.
        Some(v @ (Value::Object(_) | Value::Array(_))) => v.to_string(),
        Some(Value::Null) | None => {
            return Err(ProviderError::Malformed {
                pointer: "/response".into(),
                message: "no response text".into(),
            })
        }
        Some(_) => {
            return Err(ProviderError::Malformed {
                pointer: "/response".into(),
                message: "response is not text".into(),
            })
        }
    };
    let tokens_in = output
        .pointer("/usage/prompt_tokens")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let tokens_out = output
        .pointer("/usage/completion_tokens")
        .and_then(Value::as_u64)
        .unwrap_or_else(|| estimate_tokens(&text));
    Ok(ModelReply {
        text,
        tokens_in,
        tokens_out,
        stop: StopReason::Unknown,
        served_by: "workers-ai".into(),
        model: None,
    })
}

/// Workers AI errors read `"<code>: <message>"` (sometimes prefixed `AiError: `). Capacity and rate
/// errors are retryable; the rest are not.
pub(super) fn parse_error(message: &str) -> ProviderError {
    let message = super::redact(message.trim());
    let body = message
        .strip_prefix("AiError:")
        .or_else(|| message.strip_prefix("Error:"))
        .unwrap_or(&message)
        .trim();
    let code = body
        .split_once(':')
        .and_then(|(c, _)| c.trim().parse::<u32>().ok());
    let lower = body.to_ascii_lowercase();
    match code {
        Some(3040) => ProviderError::Overloaded {
            status: 503,
            retry_after_ms: None,
            message,
        },
        Some(3036) => ProviderError::RateLimited {
            status: 429,
            retry_after_ms: None,
            message,
        },
        Some(3007) => ProviderError::Timeout { message },
        _ if lower.contains("capacity") || lower.contains("overloaded") => {
            ProviderError::Overloaded {
                status: 503,
                retry_after_ms: None,
                message,
            }
        }
        _ if lower.contains("rate limit") || lower.contains("too many requests") => {
            ProviderError::RateLimited {
                status: 429,
                retry_after_ms: None,
                message,
            }
        }
        _ if lower.contains("timed out") || lower.contains("timeout") => {
            ProviderError::Timeout { message }
        }
        _ => ProviderError::Binding { code, message },
    }
}
