//! The writ Worker: a thin shell over the pure core.
//!
//! It owns every effect the core asks for: HTTP, Durable Object storage, R2, the queue, the sandbox and the
//! ledger database. Nothing in here decides what a run does; that is `writ-run`'s job.

mod artifacts;
mod auth;
mod bridge;
mod clock;
mod docs;
mod error;
mod health;
mod http;
mod inputs;
mod ledger_db;
mod ledger_flush;
mod ledger_map;
mod mcp;
mod mcp_tools;
mod models;
mod outbox;
mod registry;
mod run_exec;
mod run_object;
mod run_store;
mod runs;
mod sandbox;
mod sandbox_container;
mod schedules;
mod session;
mod sse;
mod tokens;
mod trace;
mod validate;
mod viewer;

use error::{ApiError, ApiResult};
use serde_json::{json, Value};
use worker::*;

pub use registry::Registry;
pub use run_object::RunObject;
pub use sandbox_container::SandboxContainer;

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    // Every failure becomes problem+json here; nothing below answers with a bare runtime error.
    let resp = if req.path() == "/__tick" {
        local_tick(&req, &env).await
    } else {
        route(req, &env).await
    };
    let resp = resp.unwrap_or_else(|e| e.response());
    Ok(session::harden(resp))
}

/// The methods each route takes; a known path with another method is a 405 with `Allow`, an unknown one a 404.
fn allowed(segments: &[&str]) -> Option<&'static str> {
    Some(match segments {
        ["v1", "health"] | ["v1", "openapi.json"] | ["v1", "schemas"] | ["v1", "schemas", _] => {
            "GET"
        }
        ["v1", "bridge"] | ["v1", "inputs"] | ["v1", "plans", "compile"] => "POST",
        ["v1", "session"] => "GET, POST, DELETE",
        ["v1", "inputs", _] | ["v1", "ledger", "verify"] | ["v1", "programs"] => "GET",
        ["v1", "tokens"] | ["v1", "runs"] | ["v1", "schedules"] => "GET, POST",
        ["v1", "runs", _]
        | ["v1", "runs", _, "plan" | "log" | "events" | "artifacts" | "trace"] => "GET",
        ["v1", "runs", _, "records", _] | ["v1", "runs", _, "code", _] => "GET",
        ["v1", "runs", _, "timing" | "ledger"] => "GET",
        ["v1", "runs", _, "pages", _, rest @ ..] if !rest.is_empty() => "GET",
        ["v1", "runs", _, "artifacts", rest @ ..] if !rest.is_empty() => "GET",
        ["v1", "runs", _, "steps", _, "approve" | "reject" | "repair"]
        | ["v1", "runs", _, "cancel" | "seal" | "replay" | "profile"] => "POST",
        ["v1", "programs", _] => "GET",
        ["v1", "programs", _, "runs"] => "POST",
        ["v1", "schedules", _] => "DELETE",
        ["v1", "catalog", "mcp"] => "GET, POST",
        ["v1", "catalog", "mcp", _, "refresh"] => "POST",
        // MCP's streamable HTTP: one JSON answer per POST, no server-initiated stream (a GET is a 405).
        ["mcp"] => "POST",
        _ => return None,
    })
}

async fn route(req: Request, env: &Env) -> ApiResult<Response> {
    let path = req.path();
    let method = req.method();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let allow =
        allowed(&segments).ok_or_else(|| ApiError::not_found(format!("no route for {path}")))?;
    // The raw method: workers-rs reads any method it does not know (QUERY, PROPFIND …) as GET.
    let verb = req.inner().method().to_uppercase();
    if !allow.split(", ").any(|m| m == verb) {
        return Err(ApiError::method_not_allowed(
            allow,
            format!("{path} takes {allow}, not {verb}"),
        ));
    }
    // Unauthenticated: health, the published documents, and the bridge (which carries its own token).
    match segments.as_slice() {
        ["v1", "health"] => return Ok(health::handle(env).await?),
        ["v1", "openapi.json"] => return docs::openapi(),
        ["v1", "schemas"] => return docs::schema_index(),
        ["v1", "schemas", name] => return docs::schema(name),
        ["v1", "bridge"] => return bridge_entry(req, env).await,
        // Signing in carries its token in the body; signing out needs only the cookie it clears.
        ["v1", "session"] if method == Method::Post => return session::create(req, env).await,
        ["v1", "session"] if method == Method::Delete => return session::delete(&req, env).await,
        _ => {}
    }
    let who = auth::authenticate(&req, env).await?;
    if segments.as_slice() == ["mcp"] {
        return mcp::handle(req, env, &who).await;
    }
    dispatch(req, env, &who).await
}

/// The authenticated routes, for a request made by `who`: the REST API, and the MCP tools, which call it as
/// their caller.
pub(crate) async fn dispatch(
    req: Request,
    env: &Env,
    who: &auth::Principal,
) -> ApiResult<Response> {
    let path = req.path();
    let method = req.method();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, segments.get(1..).unwrap_or_default()) {
        (Method::Post, ["tokens"]) => tokens::create(req, env, who).await,
        (Method::Get, ["tokens"]) => tokens::list(env, who).await,
        (Method::Get, ["session"]) => session::show(who),
        (Method::Get, ["inputs", hash]) => viewer::input(&req, env, who, hash).await,
        (Method::Get, ["ledger", "verify"]) => viewer::ledger_verify(env, who).await,
        (Method::Get, ["programs"]) => viewer::programs(env, who).await,
        (Method::Post, ["inputs"]) => inputs::upload(req, env, who).await,
        (Method::Post, ["plans", "compile"]) => runs::compile_endpoint(req, env, who).await,
        (Method::Post, ["runs"]) => runs::create(req, env, who).await,
        (Method::Get, ["runs"]) => runs::list(env, who).await,
        (Method::Get, ["runs", id, "code", hash]) => viewer::run_code(env, who, id, hash).await,
        (Method::Get, ["runs", id, "timing"]) => viewer::run_timing(env, who, id).await,
        (Method::Get, ["runs", id, "ledger"]) => viewer::run_ledger(&req, env, who, id).await,
        (Method::Get, ["runs", id, "pages", artifact, path @ ..]) => {
            viewer::run_page(env, who, id, artifact, path).await
        }
        (_, ["runs", id, rest @ ..]) => {
            let id = id.to_string();
            let rest: Vec<&str> = rest.to_vec();
            runs::route(req, env, who, &id, &rest).await
        }
        (_, ["programs", id, rest @ ..]) => {
            let id = id.to_string();
            let rest: Vec<&str> = rest.to_vec();
            runs::program_route(req, env, who, &id, &rest).await
        }
        (Method::Post, ["schedules"]) => schedules::create(req, env, who).await,
        (Method::Get, ["schedules"]) => schedules::list(env, who).await,
        (Method::Delete, ["schedules", id]) => schedules::delete(env, who, id).await,
        (Method::Post, ["catalog", "mcp"]) => mcp_tools::add(req, env, who).await,
        (Method::Get, ["catalog", "mcp"]) => mcp_tools::list(env, who).await,
        (Method::Post, ["catalog", "mcp", name, "refresh"]) => {
            mcp_tools::refresh(env, who, name).await
        }
        _ => Err(ApiError::not_found(format!("no route for {path}"))),
    }
}

/// The sandbox's tool calls: `Authorization: Bearer <run>.<secret>` names the run; its object checks the rest.
async fn bridge_entry(mut req: Request, env: &Env) -> ApiResult<Response> {
    let token = req
        .headers()
        .get("authorization")
        .ok()
        .flatten()
        .and_then(|h| h.strip_prefix("Bearer ").map(str::to_string))
        .ok_or_else(|| ApiError::unauthorized("the bridge needs the attempt's bearer token"))?;
    let run_id = token.split('.').next().unwrap_or_default().to_string();
    if !run_id.starts_with("run_") {
        return Err(ApiError::unauthorized("malformed bridge token"));
    }
    let mut body: Value =
        http::parse_json(&http::body_bytes(&mut req, http::JSON_BODY_LIMIT).await?)?;
    body["token"] = json!(token);
    runs::call_run(env, &run_id, Method::Post, "/bridge", Some(body)).await
}

/// One queue message per shard attempt. A typed struct, not a JSON value: values cross into JavaScript as
/// Maps and would not come back out as objects.
#[derive(serde::Serialize, serde::Deserialize, Clone, Default)]
pub struct ShardMessage {
    #[serde(default)]
    pub probe: Option<bool>,
    #[serde(default)]
    pub run_id: String,
    #[serde(default)]
    pub attempt_id: String,
}

#[event(queue)]
async fn queue(batch: MessageBatch<ShardMessage>, env: Env, _ctx: Context) -> Result<()> {
    let messages = batch.messages()?;
    // Shards of one batch run concurrently; each reports to its run's object, which applies it once.
    let work = messages.iter().map(|m| shard(&env, m.body().clone()));
    let results = futures::future::join_all(work).await;
    for (m, r) in messages.iter().zip(results) {
        match r {
            Ok(()) => m.ack(),
            // Every sandbox slot taken is back-pressure, not a failure: the message goes back on the queue
            // as a fresh one, so waiting for a slot never uses up the delivery's retries (a message that ran
            // out of them would be dropped, and its shard would wait for the run's watchdog).
            Err(e) if e.slug == run_exec::SANDBOX_BUSY => {
                match requeue(&env, m.body().clone()).await {
                    Ok(()) => m.ack(),
                    Err(err) => {
                        console_error!("shard could not be requeued: {err}");
                        m.retry_with_options(
                            &QueueRetryOptionsBuilder::new()
                                .with_delay_seconds(1)
                                .build(),
                        );
                    }
                }
            }
            Err(e) => {
                console_error!("shard failed to report: {}", e.detail);
                m.retry_with_options(
                    &QueueRetryOptionsBuilder::new()
                        .with_delay_seconds(1)
                        .build(),
                );
            }
        }
    }
    Ok(())
}

async fn requeue(env: &Env, msg: ShardMessage) -> Result<()> {
    env.queue("SHARDS")?
        .send(MessageBuilder::new(msg).delay_seconds(1).build())
        .await
}

async fn shard(env: &Env, msg: ShardMessage) -> ApiResult<()> {
    if msg.probe.is_some() {
        return Ok(()); // health probes prove the queue delivers; they carry no work
    }
    let mut task = runs::call_run(
        env,
        &msg.run_id,
        Method::Get,
        &format!("/task?attempt={}", runs::enc(&msg.attempt_id)),
        None,
    )
    .await?;
    match task.status_code() {
        200 => {}
        410 | 404 => {
            // Finished or stopped meanwhile (a redelivery), or a run that no longer exists: nothing to do.
            console_log!(
                "shard {}: nothing to run ({})",
                msg.attempt_id,
                task.text().await.unwrap_or_default()
            );
            return Ok(());
        }
        code => {
            return Err(ApiError::upstream(format!(
                "run object answered {code} for the shard's task"
            )))
        }
    }
    let request: Value = task.json().await?;
    let report = match sandbox_container::dispatch(env, request).await {
        Ok(receipt) => json!({"attempt_id": msg.attempt_id, "receipt": receipt}),
        // Every slot busy: back-pressure; the message is retried rather than the shard failed.
        Err(e) if e.slug == run_exec::SANDBOX_BUSY => return Err(e),
        Err(e) => json!({"attempt_id": msg.attempt_id, "error": e.detail, "slug": e.slug}),
    };
    let resp = runs::call_run(
        env,
        &msg.run_id,
        Method::Post,
        "/shard-result",
        Some(report),
    )
    .await?;
    let mut resp = resp;
    if resp.status_code() != 200 {
        let body = resp.text().await.unwrap_or_default();
        return Err(ApiError::upstream(format!(
            "run object answered {} to the shard result: {body}",
            resp.status_code()
        )));
    }
    Ok(())
}

/// The cron trigger at a time the caller names (`/__tick?at=<unix ms>`), on a local stack only: wrangler's
/// `/__scheduled` always fires at the current time, and the schedule tests need to be at minute 7, then after
/// an outage. It runs exactly what the scheduled handler runs.
async fn local_tick(req: &Request, env: &Env) -> ApiResult<Response> {
    if !models::local(env) {
        return Err(ApiError::not_found("no route for /__tick"));
    }
    let at = http::query_param(req, "at")
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| ApiError::invalid_field("/at", "the trigger's time in Unix milliseconds"))?;
    let started = schedules::tick(env, at).await?;
    http::json(200, &json!({"at": at, "started": started}))
}

#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    // The trigger's own time (a test drives it with `/__scheduled?time=`), not the moment it ran.
    match schedules::tick(&env, event.schedule() as u64).await {
        Ok(started) if !started.is_empty() => console_log!("cron started {}", started.join(", ")),
        Ok(_) => {}
        Err(e) => console_error!("cron: {}", e.detail),
    }
}
