//! Request building and response parsing for the three wire formats, including their error bodies.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use writ_models::provider::{
    build_call, parse_binding_error, parse_binding_output, parse_response, BuildError, ChatMessage,
    ChatRequest, ModelReply, ProviderCall, ProviderError, ProviderKind, StopReason,
};
use writ_plan::PhaseConfig;

/// (status, headers, body, expected parse).
type WireCase = (
    u16,
    Vec<(String, String)>,
    String,
    Result<ModelReply, ProviderError>,
);

fn config(provider: &str, model: &str, params: Value) -> PhaseConfig {
    let params: BTreeMap<String, Value> = serde_json::from_value(params).unwrap_or_default();
    PhaseConfig {
        provider: provider.into(),
        model: model.into(),
        params,
    }
}

fn chat() -> ChatRequest {
    ChatRequest {
        system: "You are the planner.".into(),
        messages: vec![
            ChatMessage::user("Plan it."),
            ChatMessage::assistant("{bad"),
            ChatMessage::user("Again, as JSON."),
        ],
    }
}

#[test]
fn built_requests() -> anyhow::Result<()> {
    let cases = [
        (
            "anthropic-defaults",
            config("anthropic", "claude-sonnet-4-5", json!({})),
        ),
        (
            "anthropic-params",
            config(
                "anthropic",
                "claude-sonnet-4-5",
                json!({"temperature": 0.0, "max_tokens": 1000, "stop": "END", "api_key_secret": "TEAM_ANTHROPIC_KEY", "base_url": "https://gateway.example/anthropic/v1"}),
            ),
        ),
        (
            "openai",
            config(
                "openai-compatible",
                "gpt-4.1",
                json!({"temperature": 0.0, "base_url": "https://api.openai.com/v1"}),
            ),
        ),
        (
            "ollama-no-auth",
            config(
                "openai-compatible",
                "llama3.1:8b",
                json!({"base_url": "http://127.0.0.1:11434/v1/", "auth": "none", "seed": 7}),
            ),
        ),
        (
            "openrouter",
            config(
                "openai-compatible",
                "anthropic/claude-sonnet-4.5",
                json!({"base_url": "https://openrouter.ai/api/v1", "api_key_secret": "OPENROUTER_API_KEY", "max_tokens": 4000}),
            ),
        ),
        (
            "workers-ai",
            config(
                "workers-ai",
                "@cf/meta/llama-3.1-8b-instruct",
                json!({"max_tokens": 2048, "temperature": 0.2}),
            ),
        ),
        ("builtin", config("builtin", "builtin-templates", json!({}))),
    ];
    for (name, cfg) in cases {
        let call = build_call(&cfg, &chat())?;
        // Keys are placeholders, never values.
        let text = serde_json::to_string(&call)?;
        assert!(!text.contains("sk-"), "{name}");
        let mut shown = serde_json::to_value(&call)?;
        // The body is JSON text; show it parsed so the snapshot reads.
        if let Some(body) = shown.get_mut("body") {
            let parsed: Value = serde_json::from_str(body.as_str().unwrap_or("null"))?;
            *body = parsed;
        }
        insta::assert_json_snapshot!(name, shown);
    }
    Ok(())
}

#[test]
fn bad_configurations() {
    let cases: Vec<(PhaseConfig, BuildError)> = vec![
        (
            config("gemini", "g", json!({})),
            BuildError::UnknownProvider("gemini".into()),
        ),
        (
            config("anthropic", " ", json!({})),
            BuildError::MissingModel,
        ),
        (
            config("anthropic", "m", json!({"api_key": "sk-ant-abcdefghijkl"})),
            BuildError::KeyInProfile {
                name: "api_key".into(),
            },
        ),
        (
            config(
                "openai-compatible",
                "m",
                json!({"api_key_secret": "sk-live-abcdefghijkl"}),
            ),
            BuildError::KeyInProfile {
                name: "api_key_secret".into(),
            },
        ),
        (
            config("anthropic", "m", json!({"temprature": 0.1})),
            BuildError::UnknownParam {
                provider: "anthropic".into(),
                name: "temprature".into(),
            },
        ),
        (
            config("anthropic", "m", json!({"seed": 1})),
            BuildError::UnknownParam {
                provider: "anthropic".into(),
                name: "seed".into(),
            },
        ),
        (
            config("openai-compatible", "m", json!({"temperature": 3})),
            BuildError::BadParam {
                name: "temperature".into(),
                message: "a number from 0 to 2".into(),
            },
        ),
        (
            config("openai-compatible", "m", json!({"base_url": "ftp://x"})),
            BuildError::BadParam {
                name: "base_url".into(),
                message: "an http:// or https:// URL".into(),
            },
        ),
        (
            config(
                "openai-compatible",
                "m",
                json!({"base_url": "https://user:pw@x"}),
            ),
            BuildError::BadParam {
                name: "base_url".into(),
                message: "a URL without credentials".into(),
            },
        ),
    ];
    for (cfg, want) in cases {
        assert_eq!(build_call(&cfg, &chat()), Err(want), "{cfg:?}");
    }
    let empty = ChatRequest {
        system: String::new(),
        messages: vec![],
    };
    assert_eq!(
        build_call(&config("anthropic", "m", json!({})), &empty),
        Err(BuildError::NoMessages)
    );
}

#[test]
fn secrets_are_filled_by_the_shell_only() -> anyhow::Result<()> {
    let ProviderCall::Http(req) = build_call(&config("anthropic", "m", json!({})), &chat())? else {
        anyhow::bail!("anthropic is HTTP");
    };
    assert_eq!(req.secret_names(), vec!["ANTHROPIC_API_KEY".to_string()]);
    let filled = req.with_secrets(|n| (n == "ANTHROPIC_API_KEY").then(|| "k-123".to_string()))?;
    assert_eq!(filled.header("x-api-key"), Some("k-123"));
    assert!(req.with_secrets(|_| None).is_err());
    Ok(())
}

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn reply(
    text: &str,
    i: u64,
    o: u64,
    stop: StopReason,
    by: &str,
    model: Option<&str>,
) -> ModelReply {
    ModelReply {
        text: text.into(),
        tokens_in: i,
        tokens_out: o,
        stop,
        served_by: by.into(),
        model: model.map(str::to_string),
    }
}

#[test]
fn anthropic_responses() {
    let ok = json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [{"type": "thinking", "thinking": "hmm"}, {"type": "text", "text": "Here:"}, {"type": "text", "text": " {}"}],
        "stop_reason": "end_turn", "usage": {"input_tokens": 120, "output_tokens": 30, "cache_read_input_tokens": 5}});
    let cases: Vec<WireCase> = vec![
        (200, vec![], ok.to_string(), Ok(reply("Here: {}", 125, 30, StopReason::EndTurn, "anthropic", Some("claude-sonnet-4-5")))),
        (200, vec![], json!({"content": [{"type": "text", "text": "cut"}], "stop_reason": "max_tokens", "usage": {"input_tokens": 1, "output_tokens": 2}}).to_string(),
            Ok(reply("cut", 1, 2, StopReason::MaxTokens, "anthropic", None))),
        (200, vec![], json!({"content": [], "stop_reason": "refusal", "usage": {"input_tokens": 1, "output_tokens": 0}}).to_string(),
            Ok(reply("", 1, 0, StopReason::Refusal, "anthropic", None))),
        (200, vec![], json!({"content": [{"type": "text", "text": "x"}], "usage": {"input_tokens": 1}}).to_string(),
            Err(ProviderError::Malformed { pointer: "/usage/output_tokens".into(), message: "missing or not a count".into() })),
        (200, vec![], "<html>".into(), Err(ProviderError::Malformed { pointer: String::new(), message: "response body is not JSON: expected value at line 1 column 1".into() })),
        (429, h(&[("retry-after", "7")]), json!({"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}).to_string(),
            Err(ProviderError::RateLimited { status: 429, retry_after_ms: Some(7000), message: "slow down".into() })),
        (529, vec![], json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}).to_string(),
            Err(ProviderError::Overloaded { status: 529, retry_after_ms: None, message: "Overloaded".into() })),
        (500, vec![], json!({"type": "error", "error": {"type": "api_error", "message": "boom"}}).to_string(),
            Err(ProviderError::Server { status: 500, message: "boom".into() })),
        (401, vec![], json!({"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key sk-ant-api03-SECRETSECRET"}}).to_string(),
            Err(ProviderError::Auth { status: 401, message: "invalid x-api-key [redacted]".into() })),
        (400, vec![], json!({"type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: required"}}).to_string(),
            Err(ProviderError::Rejected { status: 400, kind: "invalid_request_error".into(), message: "max_tokens: required".into() })),
        (413, vec![], json!({"type": "error", "error": {"type": "request_too_large", "message": "too big"}}).to_string(),
            Err(ProviderError::Rejected { status: 413, kind: "request_too_large".into(), message: "too big".into() })),
        (502, vec![], "Bad gateway".into(), Err(ProviderError::Server { status: 502, message: "Bad gateway".into() })),
    ];
    for (status, headers, body, want) in cases {
        assert_eq!(
            parse_response(ProviderKind::Anthropic, status, &headers, &body),
            want,
            "{status} {body}"
        );
    }
}

#[test]
fn openai_compatible_responses() {
    let ok = json!({"id": "c1", "object": "chat.completion", "model": "gpt-4.1",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14}});
    let cases: Vec<WireCase> = vec![
        (200, vec![], ok.to_string(), Ok(reply("hello", 11, 3, StopReason::EndTurn, "openai-compatible", Some("gpt-4.1")))),
        (200, vec![], json!({"choices": [{"message": {"content": "x"}, "finish_reason": "length"}], "usage": {"prompt_tokens": 1, "completion_tokens": 9}}).to_string(),
            Ok(reply("x", 1, 9, StopReason::MaxTokens, "openai-compatible", None))),
        (200, vec![], json!({"choices": [{"message": {"content": null, "refusal": "no"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 1, "completion_tokens": 1}}).to_string(),
            Ok(reply("", 1, 1, StopReason::Refusal, "openai-compatible", None))),
        (200, vec![], json!({"choices": [{"message": {"content": ""}, "finish_reason": "content_filter"}], "usage": {"prompt_tokens": 1, "completion_tokens": 0}}).to_string(),
            Ok(reply("", 1, 0, StopReason::ContentFilter, "openai-compatible", None))),
        (200, vec![], json!({"choices": [], "usage": {}}).to_string(),
            Err(ProviderError::Malformed { pointer: "/choices/0".into(), message: "no choices".into() })),
        (200, vec![], json!({"choices": [{"message": {"content": "x"}}]}).to_string(),
            Err(ProviderError::Malformed { pointer: "/usage/prompt_tokens".into(), message: "missing or not a count".into() })),
        (429, h(&[("Retry-After-Ms", "250")]), json!({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}).to_string(),
            Err(ProviderError::RateLimited { status: 429, retry_after_ms: Some(250), message: "Rate limit reached".into() })),
        (503, vec![], json!({"error": {"message": "busy", "type": "server_error"}}).to_string(),
            Err(ProviderError::Overloaded { status: 503, retry_after_ms: None, message: "busy".into() })),
        (401, vec![], json!({"error": {"message": "Incorrect API key provided: sk-proj-abcdefghijklmnop", "type": "invalid_request_error", "code": "invalid_api_key"}}).to_string(),
            Err(ProviderError::Auth { status: 401, message: "Incorrect API key provided: [redacted]".into() })),
        (404, vec![], json!({"error": "model 'llama9' not found"}).to_string(),
            Err(ProviderError::Rejected { status: 404, kind: "unknown".into(), message: "model 'llama9' not found".into() })),
        (400, vec![], json!({"error": {"message": "bad", "type": "invalid_request_error", "param": "messages"}}).to_string(),
            Err(ProviderError::Rejected { status: 400, kind: "invalid_request_error".into(), message: "bad".into() })),
        (504, vec![], "gateway timeout".into(), Err(ProviderError::Timeout { message: "gateway timeout".into() })),
    ];
    for (status, headers, body, want) in cases {
        assert_eq!(
            parse_response(ProviderKind::OpenaiCompatible, status, &headers, &body),
            want,
            "{status} {body}"
        );
    }
    assert_eq!(
        parse_response(ProviderKind::WorkersAi, 200, &[], "{}"),
        Err(ProviderError::NotHttp {
            provider: "workers-ai".into()
        })
    );
}

#[test]
fn workers_ai_outputs_and_errors() {
    let cases: Vec<(Value, Result<ModelReply, ProviderError>)> = vec![
        (
            json!({"response": "hi", "usage": {"prompt_tokens": 8, "completion_tokens": 2, "total_tokens": 10}}),
            Ok(reply("hi", 8, 2, StopReason::Unknown, "workers-ai", None)),
        ),
        // No usage: the output is estimated at four characters a token.
        (
            json!({"response": "abcdefghi"}),
            Ok(reply(
                "abcdefghi",
                0,
                3,
                StopReason::Unknown,
                "workers-ai",
                None,
            )),
        ),
        (
            json!({"response": {"code": "x"}, "usage": {"prompt_tokens": 1, "completion_tokens": 1}}),
            Ok(reply(
                "{\"code\":\"x\"}",
                1,
                1,
                StopReason::Unknown,
                "workers-ai",
                None,
            )),
        ),
        (
            json!({"choices": [{"message": {"content": "oss"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 3, "completion_tokens": 4}}),
            Ok(reply("oss", 3, 4, StopReason::EndTurn, "workers-ai", None)),
        ),
        (
            json!({"result": "?"}),
            Err(ProviderError::Malformed {
                pointer: "/response".into(),
                message: "no response text".into(),
            }),
        ),
        (
            json!({"response": 5}),
            Err(ProviderError::Malformed {
                pointer: "/response".into(),
                message: "response is not text".into(),
            }),
        ),
    ];
    for (output, want) in cases {
        assert_eq!(parse_binding_output(&output), want, "{output}");
    }
    let errors = [
        (
            "AiError: 3040: Capacity temporarily exceeded, please try again.",
            "overloaded",
        ),
        (
            "3036: Account limited: you have used up your daily free allocation",
            "rate_limited",
        ),
        ("AiError: 3007: Request timeout", "timeout"),
        ("5007: No such model @cf/x", "binding"),
        ("Too many requests", "rate_limited"),
        ("something odd", "binding"),
    ];
    for (message, want) in errors {
        let got = serde_json::to_value(parse_binding_error(message)).unwrap_or(Value::Null);
        assert_eq!(
            got.get("error").and_then(Value::as_str),
            Some(want),
            "{message}"
        );
    }
    assert_eq!(
        parse_binding_error("5007: No such model"),
        ProviderError::Binding {
            code: Some(5007),
            message: "5007: No such model".into()
        }
    );
}
