//! RFC 9457 problem+json responses with a stable `type` per error.

use serde_json::json;
use worker::{Request, Response};

pub const TYPE_BASE: &str = "https://writ.dev/problems/";

pub fn respond(status: u16, slug: &str, title: &str, detail: &str) -> Response {
    let body = json!({
        "type": format!("{TYPE_BASE}{slug}"),
        "title": title,
        "status": status,
        "detail": detail,
    });
    let mut resp = Response::from_json(&body)
        .unwrap_or_else(|_| Response::ok("problem").unwrap_or_else(|_| Response::empty().expect("empty response")));
    let _ = resp.headers_mut().set("content-type", "application/problem+json");
    resp.with_status(status)
}

pub fn not_found(path: &str) -> Response {
    respond(404, "not-found", "Not found", &format!("no route for {path}"))
}

pub fn method_not_allowed(req: &Request) -> Response {
    respond(405, "method-not-allowed", "Method not allowed", &format!("{:?} is not allowed on {}", req.method(), req.path()))
}

pub fn internal(detail: &str) -> Response {
    respond(500, "internal", "Internal error", detail)
}
