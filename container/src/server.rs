//! HTTP front: `GET /health`, `POST /v1/execute`; every refusal is problem+json.

use std::io::Read;
use std::sync::Arc;

use serde_json::{json, Value};
use tiny_http::{Header, Method, Request, Response};

use crate::api::ExecuteRequest;
use crate::limits::{CAPS, DEFAULTS};
use crate::problem::{Problem, SandboxProblem};
use crate::runner::Runner;

pub struct Server {
    pub runner: Runner,
    pub max_body: u64,
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn respond(request: Request, status: u16, content_type: &str, body: &Value) {
    let mut response = Response::from_string(body.to_string()).with_status_code(status);
    if let Some(h) = header("Content-Type", content_type) {
        response = response.with_header(h);
    }
    let _ = request.respond(response);
}

fn respond_problem(request: Request, problem: &Problem) {
    respond(
        request,
        problem.status,
        "application/problem+json",
        &problem.to_json(),
    );
}

impl Server {
    pub fn health(&self) -> Value {
        let cfg = &self.runner.config;
        json!({
            "status": "ok",
            "python": cfg.python_version,
            "isolation": writ_sandbox_policy::Isolation::of(cfg.isolation.layers()),
            "limits": {"defaults": DEFAULTS, "caps": CAPS},
        })
    }

    fn read_body(&self, request: &mut Request) -> Result<Vec<u8>, Problem> {
        let too_large = || {
            Problem::new(
                413,
                "body-too-large",
                "The request body is over the server's limit",
                format!("at most {} bytes", self.max_body),
            )
        };
        if request
            .body_length()
            .is_some_and(|n| n as u64 > self.max_body)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        request
            .as_reader()
            .take(self.max_body + 1)
            .read_to_end(&mut body)
            .map_err(|e| {
                Problem::new(
                    400,
                    "unreadable-body",
                    "The request body could not be read",
                    e.to_string(),
                )
            })?;
        if body.len() as u64 > self.max_body {
            return Err(too_large());
        }
        Ok(body)
    }

    fn execute(&self, request: &mut Request) -> Result<Value, Problem> {
        let body = self.read_body(request)?;
        let parsed: ExecuteRequest =
            serde_json::from_slice(&body).map_err(|e| match e.classify() {
                serde_json::error::Category::Data => Problem::invalid(e.to_string()),
                _ => Problem::new(
                    400,
                    "malformed-json",
                    "The request body is not JSON",
                    e.to_string(),
                ),
            })?;
        let attempt = crate::validate::check(parsed)?;
        let id = attempt.attempt_id.clone();
        let receipt = self.runner.execute(attempt)?;
        eprintln!(
            "writ-sandbox: attempt {id}: {:?} stopped_by={:?} in {} ms",
            receipt.status, receipt.stopped_by, receipt.duration_ms
        );
        serde_json::to_value(&receipt).map_err(|e| Problem::internal(e.to_string()))
    }

    pub fn handle(&self, mut request: Request) {
        let path = request.url().split('?').next().unwrap_or("").to_string();
        match (request.method(), path.as_str()) {
            (Method::Get, "/health") => {
                let body = self.health();
                respond(request, 200, "application/json", &body);
            }
            (Method::Post, "/v1/execute") => match self.execute(&mut request) {
                Ok(receipt) => respond(request, 200, "application/json", &receipt),
                Err(problem) => respond_problem(request, &problem),
            },
            (_, "/health" | "/v1/execute") => respond_problem(
                request,
                &Problem::new(
                    405,
                    "method-not-allowed",
                    "Method not allowed",
                    path.clone(),
                ),
            ),
            _ => respond_problem(
                request,
                &Problem::new(404, "not-found", "No such endpoint", path.clone()),
            ),
        }
    }
}

/// Serves forever on `workers` threads; each request is handled on the thread that received it.
pub fn serve(http: tiny_http::Server, server: Server, workers: usize) {
    let http = Arc::new(http);
    let server = Arc::new(server);
    let handles: Vec<_> = (0..workers.max(1))
        .map(|_| {
            let (http, server) = (http.clone(), server.clone());
            std::thread::spawn(move || loop {
                match http.recv() {
                    Ok(request) => server.handle(request),
                    Err(e) => eprintln!("writ-sandbox: accept failed: {e}"),
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
}
