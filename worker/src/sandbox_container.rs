//! The sandbox in production and the dispatch of one attempt to it.
//!
//! `SandboxContainer` is the Durable Object class `wrangler.toml`'s production environment binds as
//! `SANDBOX` and names in `[[containers]]`: each object owns one container instance (workers-rs 0.8's
//! `State::container()`), starts it on demand, waits for its `/health`, and forwards requests to it.
//! Which object (so which container) runs an attempt is `writ_sandbox_policy::instance_name`: a pool per
//! tenant, so two tenants never share a sandbox process.
//!
//! [`dispatch`] is the one way an attempt reaches a sandbox (directly from the run object, or from the
//! queue consumer for shards): it checks the sandbox's isolation layers on `/health` before sending
//! anything, refuses a degraded sandbox unless `WRIT_ALLOW_DEGRADED_SANDBOX` tolerates each missing
//! layer, and stamps the receipt with where it ran and under which layers.

use std::time::Duration;

use serde_json::Value;
use worker::{
    durable_object, ContainerStartupOptions, Delay, DurableObject, Env, Method, Request, Response,
    Result, State,
};
use writ_sandbox_policy::{Isolation, Layers, Placement};

use crate::error::{ApiError, ApiResult};

/// The port the image's server listens on (container/Dockerfile).
const PORT: u16 = 8080;
/// How long a fresh container may take to answer `/health` (image start plus the server's self-test).
const START_TIMEOUT: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(250);

/// The member of an execute request that carries the instance the run object chose; taken off before
/// the request reaches the sandbox.
pub const ROUTE_MEMBER: &str = "sandbox_instance";
pub const SANDBOX_DEGRADED: &str = "sandbox-degraded";
/// The instance name a local stack's receipts record: one sandbox process, reached by `SANDBOX_URL`.
pub const LOCAL_INSTANCE: &str = "local";

/// An idle container is stopped after this long (longer than any attempt may run: the wall cap is 600 s).
const SLEEP_AFTER_MS: i64 = 15 * 60 * 1000;

#[durable_object]
pub struct SandboxContainer {
    state: State,
    env: Env,
    /// The container answered `/health` since it was last started: requests that arrive while it starts
    /// (the object interleaves them at each await) wait for it too.
    ready: std::cell::Cell<bool>,
}

impl DurableObject for SandboxContainer {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            ready: std::cell::Cell::new(false),
        }
    }

    /// Idle for SLEEP_AFTER_MS (every request pushes the alarm back): the container is stopped; the next
    /// request starts a fresh one.
    async fn alarm(&self) -> Result<Response> {
        if let Some(container) = self.state.container() {
            if container.running() {
                container.destroy(Some("idle")).await?;
            }
        }
        self.ready.set(false);
        Response::ok("stopped")
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        self.state.storage().set_alarm(SLEEP_AFTER_MS).await?;
        let resp = self.forward(req).await;
        self.state.storage().set_alarm(SLEEP_AFTER_MS).await?;
        resp
    }
}

impl SandboxContainer {
    async fn forward(&self, req: Request) -> Result<Response> {
        let Some(container) = self.state.container() else {
            return Response::error(
                "this SandboxContainer has no container: the deployment's [[containers]] entry must name class SandboxContainer",
                500,
            );
        };
        if !container.running() {
            self.ready.set(false);
            let mut options = ContainerStartupOptions::new();
            // The server's tool bridge calls the worker's public origin; the steps themselves get no
            // network from the server's own layers (seccomp, and netns where the host allows it).
            options.enable_internet(true);
            // The same opt-in the worker honours: the server may lack exactly these layers.
            let allowed = self
                .env
                .var("WRIT_ALLOW_DEGRADED_SANDBOX")
                .map(|v| v.to_string())
                .unwrap_or_default();
            options.add_env("WRIT_SANDBOX_ALLOW_DEGRADED", &allowed);
            container.start(Some(options))?;
        }
        let port = container.get_tcp_port(PORT)?;
        if !self.ready.get() {
            let mut waited = Duration::ZERO;
            loop {
                match port.fetch("http://sandbox/health", None).await {
                    Ok(resp) if resp.status_code() == 200 => {
                        self.ready.set(true);
                        break;
                    }
                    _ if !container.running() => {
                        return Response::error(
                            "the sandbox container exited at start-up: the server refuses to start without its isolation layers unless WRIT_ALLOW_DEGRADED_SANDBOX names exactly the missing ones (see the container's logs)",
                            502,
                        );
                    }
                    _ if waited >= START_TIMEOUT => {
                        return Response::error(
                            format!(
                                "the sandbox container did not answer /health within {} s",
                                START_TIMEOUT.as_secs()
                            ),
                            504,
                        );
                    }
                    _ => {
                        Delay::from(POLL).await;
                        waited += POLL;
                    }
                }
            }
        }
        port.fetch_request(req).await
    }
}

/// The layers this deployment tolerates missing (`WRIT_ALLOW_DEGRADED_SANDBOX`, comma-separated).
pub fn tolerated(env: &Env) -> ApiResult<Layers> {
    let text = env
        .var("WRIT_ALLOW_DEGRADED_SANDBOX")
        .map(|v| v.to_string())
        .unwrap_or_default();
    writ_sandbox_policy::parse_layers(&text).map_err(|e| {
        ApiError::new(
            500,
            "bad-configuration",
            "The deployment's configuration is invalid",
            format!("WRIT_ALLOW_DEGRADED_SANDBOX: {e}"),
        )
    })
}

/// The instance an attempt of `tenant` runs on: `local` on a local stack, else one of the tenant's pool
/// (`WRIT_SANDBOX_POOL`, at most the container class's `max_instances`).
pub fn instance_for(env: &Env, tenant: &str, spread_key: &str, shard: u32) -> ApiResult<String> {
    if crate::sandbox::local_url(env).is_some() {
        return Ok(LOCAL_INSTANCE.to_string());
    }
    let bad = |e: writ_sandbox_policy::PolicyError| {
        ApiError::new(
            500,
            "bad-configuration",
            "The deployment's configuration is invalid",
            format!("WRIT_SANDBOX_POOL: {e}"),
        )
    };
    let configured = env.var("WRIT_SANDBOX_POOL").map(|v| v.to_string()).ok();
    let pool = writ_sandbox_policy::pool_size(configured.as_deref()).map_err(bad)?;
    writ_sandbox_policy::instance_name(tenant, spread_key, shard, pool).map_err(bad)
}

fn degraded(detail: String) -> ApiError {
    ApiError::new(503, SANDBOX_DEGRADED, "Sandbox degraded", detail)
}

/// The sandbox's isolation as `/health` reports it, admitted against the deployment's tolerance.
pub async fn admitted(env: &Env, instance: &str) -> ApiResult<Isolation> {
    let mut resp = crate::sandbox::fetch(env, instance, "/health", Method::Get, None).await?;
    let text = resp.text().await?;
    if resp.status_code() != 200 {
        return Err(ApiError::upstream(format!(
            "sandbox {instance} answered {} to /health: {text}",
            resp.status_code()
        )));
    }
    let health: Value = serde_json::from_str(&text)
        .map_err(|e| ApiError::upstream(format!("sandbox {instance} /health is not JSON: {e}")))?;
    let isolation = Isolation::from_report(&health)
        .map_err(|e| degraded(format!("sandbox {instance}: {e}")))?;
    writ_sandbox_policy::admit(&isolation, &tolerated(env)?)
        .map_err(|e| degraded(format!("sandbox {instance}: {e}")))?;
    Ok(isolation)
}

/// Runs one attempt: the request as `run_exec::sandbox_request` built it (with its instance), checked
/// against the sandbox's `/health` first; answers the receipt with `placement` added.
pub async fn dispatch(env: &Env, mut request: Value) -> ApiResult<Value> {
    let instance = request
        .as_object_mut()
        .and_then(|o| o.remove(ROUTE_MEMBER))
        .and_then(|v| v.as_str().map(String::from))
        .ok_or_else(|| {
            ApiError::internal(format!("the execute request names no `{ROUTE_MEMBER}`"))
        })?;
    admitted(env, &instance).await?;
    let mut resp = crate::sandbox::fetch(
        env,
        &instance,
        "/v1/execute",
        Method::Post,
        Some(request.to_string()),
    )
    .await?;
    let text = resp.text().await?;
    if resp.status_code() == 503 {
        return Err(ApiError::new(
            503,
            crate::run_exec::SANDBOX_BUSY,
            "Sandbox busy",
            text,
        ));
    }
    if resp.status_code() != 200 {
        return Err(ApiError::upstream(format!(
            "sandbox answered {}: {text}",
            resp.status_code()
        )));
    }
    let mut receipt: Value = serde_json::from_str(&text)
        .map_err(|e| ApiError::upstream(format!("sandbox receipt is not JSON: {e}")))?;
    // The receipt's own record is the truth for this attempt (the server may have restarted since
    // `/health`): admitted again, then recorded with the instance.
    let isolation = Isolation::from_report(&receipt)
        .map_err(|e| degraded(format!("sandbox {instance}: {e}")))?;
    writ_sandbox_policy::admit(&isolation, &tolerated(env)?)
        .map_err(|e| degraded(format!("sandbox {instance}: {e}")))?;
    receipt["placement"] = serde_json::to_value(Placement {
        instance,
        in_force: isolation.in_force,
        missing: isolation.missing,
    })
    .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(receipt)
}

/// The placement `dispatch` stamped on a receipt.
pub fn placement(receipt: &Value) -> std::result::Result<Placement, String> {
    serde_json::from_value(receipt["placement"].clone())
        .map_err(|e| format!("the receipt does not say where the attempt ran: {e}"))
}
