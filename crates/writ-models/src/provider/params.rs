//! The provider parameters a profile may set per phase, read strictly: a typo is an error, not a silently
//! ignored setting, and nothing shaped like a key is accepted.

use super::{BuildError, ProviderKind};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    pub temperature: Option<f64>,
    pub max_tokens: Option<u64>,
    pub top_p: Option<f64>,
    pub stop: Vec<String>,
    pub seed: Option<i64>,
    /// Endpoint base, e.g. `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1` (Ollama).
    pub base_url: Option<String>,
    /// Name of the Worker secret holding the key.
    pub api_key_secret: Option<String>,
    /// `auth = "none"`: no key at all (a local Ollama or vLLM).
    pub no_auth: bool,
    pub reasoning_effort: Option<String>,
    /// For the shell: how long to wait for an answer.
    pub timeout_ms: Option<u64>,
    /// Workers AI binding name (default `AI`).
    pub binding: Option<String>,
}

fn allowed(kind: ProviderKind) -> &'static [&'static str] {
    match kind {
        ProviderKind::Builtin => &[],
        ProviderKind::Anthropic => &[
            "temperature",
            "max_tokens",
            "top_p",
            "stop",
            "base_url",
            "api_key_secret",
            "timeout_ms",
        ],
        ProviderKind::OpenaiCompatible => &[
            "temperature",
            "max_tokens",
            "top_p",
            "stop",
            "seed",
            "base_url",
            "api_key_secret",
            "auth",
            "reasoning_effort",
            "timeout_ms",
        ],
        ProviderKind::WorkersAi => &[
            "temperature",
            "max_tokens",
            "top_p",
            "seed",
            "binding",
            "timeout_ms",
        ],
    }
}

/// A parameter name or value that would put a key into a profile.
fn looks_like_key(name: &str, value: &Value) -> bool {
    let n = name.to_ascii_lowercase();
    let named = (n.contains("key") && n != "api_key_secret")
        || n.contains("password")
        || n == "authorization"
        || n == "token"
        || n == "secret";
    let valued = value
        .as_str()
        .is_some_and(|s| s.starts_with("sk-") || s.starts_with("Bearer "));
    named || valued
}

impl Params {
    pub fn read(kind: ProviderKind, raw: &BTreeMap<String, Value>) -> Result<Params, BuildError> {
        let mut p = Params::default();
        for (name, value) in raw {
            if looks_like_key(name, value) {
                return Err(BuildError::KeyInProfile { name: name.clone() });
            }
            if !allowed(kind).contains(&name.as_str()) {
                return Err(BuildError::UnknownParam {
                    provider: kind.id().to_string(),
                    name: name.clone(),
                });
            }
            let bad = |message: &str| BuildError::BadParam {
                name: name.clone(),
                message: message.to_string(),
            };
            match name.as_str() {
                "temperature" => {
                    p.temperature = Some(
                        value
                            .as_f64()
                            .filter(|t| (0.0..=2.0).contains(t))
                            .ok_or_else(|| bad("a number from 0 to 2"))?,
                    )
                }
                "top_p" => {
                    p.top_p = Some(
                        value
                            .as_f64()
                            .filter(|t| (0.0..=1.0).contains(t))
                            .ok_or_else(|| bad("a number from 0 to 1"))?,
                    )
                }
                "max_tokens" => {
                    p.max_tokens = Some(
                        value
                            .as_u64()
                            .filter(|n| *n > 0)
                            .ok_or_else(|| bad("a positive integer"))?,
                    )
                }
                "timeout_ms" => {
                    p.timeout_ms = Some(
                        value
                            .as_u64()
                            .filter(|n| *n > 0)
                            .ok_or_else(|| bad("a positive integer"))?,
                    )
                }
                "seed" => p.seed = Some(value.as_i64().ok_or_else(|| bad("an integer"))?),
                "stop" => {
                    p.stop = match value {
                        Value::String(s) => vec![s.clone()],
                        Value::Array(items) => items
                            .iter()
                            .map(|i| i.as_str().map(str::to_string))
                            .collect::<Option<Vec<_>>>()
                            .ok_or_else(|| bad("a string or a list of strings"))?,
                        _ => return Err(bad("a string or a list of strings")),
                    }
                }
                "base_url" => {
                    let url = value.as_str().ok_or_else(|| bad("a URL"))?;
                    if !(url.starts_with("https://") || url.starts_with("http://")) {
                        return Err(bad("an http:// or https:// URL"));
                    }
                    if url.contains('@') {
                        return Err(bad("a URL without credentials"));
                    }
                    p.base_url = Some(url.trim_end_matches('/').to_string());
                }
                "api_key_secret" => {
                    let s = value
                        .as_str()
                        .filter(|s| is_secret_name(s))
                        .ok_or_else(|| {
                            bad("the name of a Worker secret (A-Z, 0-9, _), never the key itself")
                        })?;
                    p.api_key_secret = Some(s.to_string());
                }
                "auth" => match value.as_str() {
                    Some("none") => p.no_auth = true,
                    Some("bearer") => p.no_auth = false,
                    _ => return Err(bad("`bearer` or `none`")),
                },
                "reasoning_effort" => match value.as_str() {
                    Some(e @ ("minimal" | "low" | "medium" | "high")) => {
                        p.reasoning_effort = Some(e.to_string())
                    }
                    _ => return Err(bad("`minimal`, `low`, `medium` or `high`")),
                },
                "binding" => {
                    p.binding = Some(
                        value
                            .as_str()
                            .filter(|s| is_secret_name(s))
                            .ok_or_else(|| bad("a binding name"))?
                            .to_string(),
                    )
                }
                _ => {}
            }
        }
        Ok(p)
    }
}

fn is_secret_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}
