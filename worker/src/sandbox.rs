//! Reaching the sandbox server: by URL locally (`SANDBOX_URL`), through the container binding in production.

use worker::{Env, Fetch, Method, Request, RequestInit, Response, Result};

pub async fn fetch(
    env: &Env,
    path: &str,
    method: Method,
    body: Option<String>,
) -> Result<Response> {
    let base = env
        .var("SANDBOX_URL")
        .map(|v| v.to_string())
        .unwrap_or_default();
    let mut init = RequestInit::new();
    init.with_method(method);
    if let Some(body) = body {
        let headers = worker::Headers::new();
        headers.set("content-type", "application/json")?;
        init.with_headers(headers);
        init.with_body(Some(body.into()));
    }
    if !base.is_empty() {
        let req =
            Request::new_with_init(&format!("{}{}", base.trim_end_matches('/'), path), &init)?;
        return Fetch::Request(req).send().await;
    }
    // Production: one container instance behind the SANDBOX Durable Object namespace.
    let ns = env.durable_object("SANDBOX")?;
    let stub = ns.id_from_name("sandbox")?.get_stub()?;
    let req = Request::new_with_init(&format!("http://sandbox{path}"), &init)?;
    stub.fetch_with_request(req).await
}
