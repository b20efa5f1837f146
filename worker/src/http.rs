//! Request and response plumbing shared by every route: bodies with limits, strict JSON, JSON answers.

use crate::error::{ApiError, ApiResult};
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Request, Response};

/// Default cap on JSON bodies; uploads have their own, larger cap.
pub const JSON_BODY_LIMIT: usize = 1 << 20;
pub const UPLOAD_LIMIT: usize = 32 << 20;

pub async fn body_bytes(req: &mut Request, limit: usize) -> ApiResult<Vec<u8>> {
    if let Ok(Some(len)) = req.headers().get("content-length") {
        if len.parse::<usize>().map(|n| n > limit).unwrap_or(false) {
            return Err(ApiError::too_large(limit));
        }
    }
    let bytes = req
        .bytes()
        .await
        .map_err(|e| ApiError::bad_request(format!("reading the body: {e}")))?;
    if bytes.len() > limit {
        return Err(ApiError::too_large(limit));
    }
    Ok(bytes)
}

/// A JSON body: `application/json`, within the limit, every field known (types deny unknown fields).
pub async fn read_json<T: DeserializeOwned>(req: &mut Request) -> ApiResult<T> {
    let ctype = req
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default();
    let media = ctype
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if media != "application/json" && !media.ends_with("+json") {
        return Err(ApiError::unsupported_media_type(format!(
            "expected content-type application/json, got {}",
            if ctype.is_empty() {
                "none".to_string()
            } else {
                ctype
            }
        )));
    }
    let bytes = body_bytes(req, JSON_BODY_LIMIT).await?;
    parse_json(&bytes)
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    // Syntax first, so that malformed JSON and a wrong shape get different problem types.
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::malformed_json(format!("the body is not JSON: {e}")))?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let pointer = to_pointer(&e.path().to_string());
        ApiError::invalid_field(pointer, e.inner().to_string())
    })
}

/// serde_path_to_error prints `a.b[2].c`; problem+json carries a JSON pointer.
fn to_pointer(path: &str) -> String {
    if path == "." || path.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(idx) = rest.find('[') {
            let (name, tail) = rest.split_at(idx);
            if !name.is_empty() {
                out.push('/');
                out.push_str(&name.replace('~', "~0").replace('/', "~1"));
            }
            rest = tail;
            for seg in rest.split('[').filter(|s| !s.is_empty()) {
                out.push('/');
                out.push_str(seg.trim_end_matches(']'));
            }
        } else if !rest.is_empty() {
            out.push('/');
            out.push_str(&rest.replace('~', "~0").replace('/', "~1"));
        }
    }
    out
}

pub fn json<T: Serialize>(status: u16, value: &T) -> ApiResult<Response> {
    Ok(Response::from_json(value)
        .map_err(ApiError::from)?
        .with_status(status))
}

pub fn query_param(req: &Request, name: &str) -> Option<String> {
    let url = req.url().ok()?;
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
