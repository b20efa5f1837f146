//! Reaching the sandbox server: by URL locally (`SANDBOX_URL`), through the `SandboxContainer` Durable
//! Object that owns the named container instance in production (see `sandbox_container`).

use worker::{Env, Fetch, Method, Request, RequestInit, Response, Result};

/// The instance the worker's own health probe starts; no tenant's code ever runs on it.
pub const HEALTH_INSTANCE: &str = "health";

/// The sandbox server's URL when it runs as a local process; `None` in production.
pub fn local_url(env: &Env) -> Option<String> {
    env.var("SANDBOX_URL")
        .map(|v| v.to_string())
        .ok()
        .filter(|url| !url.is_empty())
}

pub async fn fetch(
    env: &Env,
    instance: &str,
    path: &str,
    method: Method,
    body: Option<String>,
) -> Result<Response> {
    let mut init = RequestInit::new();
    init.with_method(method);
    if let Some(body) = body {
        let headers = worker::Headers::new();
        headers.set("content-type", "application/json")?;
        init.with_headers(headers);
        init.with_body(Some(body.into()));
    }
    if let Some(base) = local_url(env) {
        let req =
            Request::new_with_init(&format!("{}{}", base.trim_end_matches('/'), path), &init)?;
        return Fetch::Request(req).send().await;
    }
    // Production: the container instance `instance`, owned by the SandboxContainer object of that name.
    let ns = env.durable_object("SANDBOX")?;
    let stub = ns.id_from_name(instance)?.get_stub()?;
    let req = Request::new_with_init(&format!("http://sandbox{path}"), &init)?;
    stub.fetch_with_request(req).await
}
