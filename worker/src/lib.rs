//! The writ Worker: a thin shell over the pure core.
//!
//! It owns every effect the core asks for: HTTP, Durable Object storage, R2, the queue, the sandbox and the
//! ledger database. Nothing in here decides what a run does; that is `writ-run`'s job.

mod health;
mod ledger_db;
mod problem;
mod registry;
mod run_object;
mod sandbox;

use worker::*;

pub use registry::Registry;
pub use run_object::RunObject;

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    let result = match (req.method(), path.as_str()) {
        (Method::Get, "/v1/health") => health::handle(&env).await,
        (_, "/v1/health") => Ok(problem::method_not_allowed(&req)),
        _ => Ok(problem::not_found(&path)),
    };
    // An internal failure still answers with problem+json, never a bare 500 from the runtime.
    Ok(result.unwrap_or_else(|err| problem::internal(&err.to_string())))
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
