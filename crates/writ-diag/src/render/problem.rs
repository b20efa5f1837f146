//! RFC 9457 problem details carrying diagnostics.

use crate::diagnostic::Diagnostic;
use crate::render::json::render_json;
use serde_json::{json, Value};

/// A problem document for an HTTP response with `status`. Its `type` is `{type_base}/{code}` of the first
/// error (or first diagnostic), its `detail` that diagnostic's message, and the extension member
/// `diagnostics` lists all of them as [`render_json`] does.
pub fn to_problem(status: u16, type_base: &str, diagnostics: &[Diagnostic]) -> Value {
    let lead = diagnostics
        .iter()
        .find(|d| d.is_error())
        .or_else(|| diagnostics.first());
    let problem_type = match lead {
        Some(d) => format!("{}/{}", type_base.trim_end_matches('/'), d.code),
        None => "about:blank".to_owned(),
    };
    let detail = match (lead, diagnostics.len()) {
        (None, _) => reason(status).to_owned(),
        (Some(d), 1) => d.message.clone(),
        (Some(d), n) => format!("{} (and {} more)", d.message, n - 1),
    };
    json!({
        "type": problem_type,
        "title": reason(status),
        "status": status,
        "detail": detail,
        "diagnostics": render_json(diagnostics),
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ if (400..500).contains(&status) => "Client Error",
        _ if (500..600).contains(&status) => "Server Error",
        _ => "Error",
    }
}
