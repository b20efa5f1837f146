//! `GET /v1/health`: the status of every component the worker can reach, each `ok` or an error message.

use crate::{ledger_db, sandbox};
use serde_json::{json, Map, Value};
use worker::{Env, Response, Result};

pub async fn handle(env: &Env) -> Result<Response> {
    let mut components = Map::new();
    components.insert("durable_objects".into(), status(durable_objects(env).await));
    components.insert("r2".into(), status(r2(env).await));
    components.insert("queue".into(), status(queue(env).await));
    components.insert("sandbox".into(), status(sandbox_health(env).await));
    components.insert(
        "ledger_db".into(),
        status(ledger_db::ping(env).await.map_err(|e| e.to_string())),
    );
    let all_ok = components.values().all(|v| v == "ok");
    let body = json!({
        "status": if all_ok { "ok" } else { "degraded" },
        "components": components,
        "version": env!("CARGO_PKG_VERSION"),
    });
    Ok(Response::from_json(&body)?.with_status(if all_ok { 200 } else { 503 }))
}

fn status(r: std::result::Result<(), String>) -> Value {
    match r {
        Ok(()) => Value::from("ok"),
        Err(e) => Value::from(e),
    }
}

async fn durable_objects(env: &Env) -> std::result::Result<(), String> {
    let ns = env.durable_object("REGISTRY").map_err(|e| e.to_string())?;
    let stub = ns
        .id_from_name("global")
        .and_then(|id| id.get_stub())
        .map_err(|e| e.to_string())?;
    let mut resp = stub
        .fetch_with_str("http://registry/ping")
        .await
        .map_err(|e| e.to_string())?;
    match resp.status_code() {
        200 => Ok(()),
        code => Err(format!(
            "registry answered {code}: {}",
            resp.text().await.unwrap_or_default()
        )),
    }
}

async fn r2(env: &Env) -> std::result::Result<(), String> {
    let bucket = env.bucket("ARTIFACTS").map_err(|e| e.to_string())?;
    bucket
        .put("health/probe", "ok".to_string())
        .execute()
        .await
        .map_err(|e| e.to_string())?;
    let object = bucket
        .get("health/probe")
        .execute()
        .await
        .map_err(|e| e.to_string())?;
    let object = object.ok_or("probe object missing after write")?;
    let body = object.body().ok_or("probe object has no body")?;
    let text = body.text().await.map_err(|e| e.to_string())?;
    if text == "ok" {
        Ok(())
    } else {
        Err(format!("probe read back {text:?}"))
    }
}

async fn queue(env: &Env) -> std::result::Result<(), String> {
    let q = env.queue("SHARDS").map_err(|e| e.to_string())?;
    q.send(crate::ShardMessage {
        probe: Some(true),
        ..Default::default()
    })
    .await
    .map_err(|e| e.to_string())
}

async fn sandbox_health(env: &Env) -> std::result::Result<(), String> {
    // Up, and with the isolation layers this deployment requires (or tolerates missing).
    crate::sandbox_container::admitted(env, sandbox::HEALTH_INSTANCE)
        .await
        .map(|_| ())
        .map_err(|e| e.detail.clone())
}
