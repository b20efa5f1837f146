//! Every failure the API reports: an RFC 9457 problem with a stable `type` slug, never a bare 500.

use serde_json::Value;
use worker::Response;

use writ_diag::Problem;
pub use writ_diag::PROBLEM_BASE as TYPE_BASE;

#[derive(Debug, Clone)]
pub struct ApiError {
    /// The problem+json body: [`writ_diag::Problem`], the one problem type of writ's HTTP surfaces.
    pub problem: Problem,
    /// The `Allow` header of a 405.
    pub allow: Option<&'static str>,
}

impl std::ops::Deref for ApiError {
    type Target = Problem;
    fn deref(&self) -> &Problem {
        &self.problem
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(
        status: u16,
        slug: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        ApiError {
            problem: Problem::new(status, slug, title, detail),
            allow: None,
        }
    }
    pub fn at(mut self, pointer: impl Into<String>) -> Self {
        self.problem = self.problem.at(pointer);
        self
    }
    pub fn with(mut self, extra: Value) -> Self {
        self.problem = self.problem.with(extra);
        self
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(400, "bad-request", "Bad request", detail)
    }
    pub fn malformed_json(detail: impl Into<String>) -> Self {
        Self::new(400, "malformed-json", "Malformed JSON", detail)
    }
    pub fn invalid_field(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(422, "invalid-request", "Invalid request", detail).at(pointer)
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(
            401,
            "unauthorized",
            "Missing or invalid bearer token",
            detail,
        )
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(403, "forbidden", "Forbidden", detail)
    }
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, "not-found", "Not found", detail)
    }
    pub fn method_not_allowed(allow: &'static str, detail: impl Into<String>) -> Self {
        let mut e = Self::new(405, "method-not-allowed", "Method not allowed", detail);
        e.allow = Some(allow);
        e
    }
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(409, "conflict", "Conflict", detail)
    }
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            413,
            "payload-too-large",
            "Payload too large",
            format!("the body exceeds the limit of {limit} bytes"),
        )
    }
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            detail,
        )
    }
    pub fn upstream(detail: impl Into<String>) -> Self {
        Self::new(502, "upstream-failure", "A dependency failed", detail)
    }
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(500, "internal", "Internal error", detail)
    }

    pub fn body(&self) -> Value {
        self.problem.to_json()
    }

    pub fn response(&self) -> Response {
        let text = self.body().to_string();
        let headers = worker::Headers::new();
        let _ = headers.set("content-type", "application/problem+json");
        if let Some(allow) = self.allow {
            let _ = headers.set("allow", allow);
        }
        Response::builder()
            .with_status(self.status)
            .with_headers(headers)
            .fixed(text.into_bytes())
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        ApiError::internal(e.to_string())
    }
}
