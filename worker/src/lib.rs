//! The writ Worker: a thin shell over the pure core.
//!
//! It owns every effect the core asks for: HTTP, Durable Object storage, R2, the queue, the sandbox and the
//! ledger database. Nothing in here decides what a run does; that is `writ-run`'s job.

mod auth;
mod clock;
mod error;
mod health;
mod http;
mod inputs;
mod ledger_db;
mod registry;
mod run_object;
mod sandbox;
mod tokens;

use error::{ApiError, ApiResult};
use worker::*;

pub use registry::Registry;
pub use run_object::RunObject;

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    // Every failure becomes problem+json here; nothing below answers with a bare runtime error.
    Ok(route(req, &env).await.unwrap_or_else(|e| e.response()))
}

async fn route(req: Request, env: &Env) -> ApiResult<Response> {
    let path = req.path();
    let method = req.method();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    // Unauthenticated: health and the published documents.
    match (&method, segments.as_slice()) {
        (Method::Get, ["v1", "health"]) => return Ok(health::handle(env).await?),
        (_, ["v1", "health"]) => return Err(ApiError::method_not_allowed("GET only")),
        _ => {}
    }
    if segments.first() != Some(&"v1") {
        return Err(ApiError::not_found(format!("no route for {path}")));
    }
    let who = auth::authenticate(&req, env).await?;
    match (method, &segments[1..]) {
        (Method::Post, ["tokens"]) => tokens::create(req, env, &who).await,
        (Method::Get, ["tokens"]) => tokens::list(env, &who).await,
        (Method::Post, ["inputs"]) => inputs::upload(req, env, &who).await,
        (_, ["tokens"]) | (_, ["inputs"]) => Err(ApiError::method_not_allowed(format!("{path} does not take this method"))),
        _ => Err(ApiError::not_found(format!("no route for {path}"))),
    }
}

#[event(queue)]
async fn queue(batch: MessageBatch<serde_json::Value>, _env: Env, _ctx: Context) -> Result<()> {
    for message in batch.messages()? {
        // Health probes only prove the queue accepts messages; they carry no work.
        if message.body().get("probe").is_some() {
            message.ack();
        }
    }
    Ok(())
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, _env: Env, _ctx: ScheduleContext) {}
