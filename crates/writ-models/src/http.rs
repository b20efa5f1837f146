//! The HTTP request a provider asks the shell to send. Keys are never in it: a header carries a placeholder
//! `{{secret:NAME}}` that the shell fills from a Worker secret right before sending.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Lower-case header name.
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    /// In the order they were added; names are lower case.
    pub headers: Vec<Header>,
    /// JSON text.
    pub body: String,
}

/// A secret the shell must supply for a request (e.g. `ANTHROPIC_API_KEY`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("secret `{name}` is not configured")]
pub struct MissingSecret {
    pub name: String,
}

const OPEN: &str = "{{secret:";
const CLOSE: &str = "}}";

/// The placeholder for the secret `name`.
pub fn secret_placeholder(name: &str) -> String {
    format!("{OPEN}{name}{CLOSE}")
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// Names of the secrets the header placeholders refer to, in order, without repeats.
    pub fn secret_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for h in &self.headers {
            let mut rest = h.value.as_str();
            while let Some((name, after)) = next_placeholder(rest) {
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_string());
                }
                rest = after;
            }
        }
        names
    }

    /// The request with every header placeholder replaced by `lookup(name)`: what the shell sends (and never
    /// logs or records). A secret `lookup` does not know is an error, never an empty header.
    pub fn with_secrets(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<HttpRequest, MissingSecret> {
        let mut out = self.clone();
        for h in &mut out.headers {
            let mut filled = String::new();
            let mut rest = h.value.as_str();
            while let Some(start) = rest.find(OPEN) {
                let Some((name, after)) = next_placeholder(rest) else {
                    break;
                };
                filled.push_str(rest.get(..start).unwrap_or(""));
                let secret = lookup(name).ok_or_else(|| MissingSecret {
                    name: name.to_string(),
                })?;
                filled.push_str(&secret);
                rest = after;
            }
            filled.push_str(rest);
            h.value = filled;
        }
        Ok(out)
    }
}

/// The first `{{secret:NAME}}` in `text`: its name and the text after it.
fn next_placeholder(text: &str) -> Option<(&str, &str)> {
    let start = text.find(OPEN)? + OPEN.len();
    let rest = text.get(start..)?;
    let end = rest.find(CLOSE)?;
    Some((rest.get(..end)?, rest.get(end + CLOSE.len()..)?))
}

/// Response headers as the shell received them; names compared case-insensitively.
pub fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
