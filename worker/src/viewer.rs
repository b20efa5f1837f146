//! What the run viewer needs beyond the runs API: an uploaded input's bytes (a trace ends at its rows and
//! lines), and the tenant's ledger chain verified (the same pure verifier `writ ledger verify` runs).

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::http::json;
use crate::ledger_db::{describe, with_client, DbError};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::json as j;
use worker::{Env, Request, Response, SqlStorage};
use writ_ledger::{sql, StoredEntry, TenantHead, TenantVerifier};

/// `GET /v1/inputs/{hash}[?file=PATH]`: an upload of the caller's tenant, or one file of an uploaded batch.
pub async fn input(req: &Request, env: &Env, who: &Principal, hash: &str) -> ApiResult<Response> {
    who.require("runs:read")?;
    let parsed = writ_canon::ContentHash::parse(hash)
        .map_err(|e| ApiError::not_found(format!("no input {hash}: {e}")))?;
    let mut hash = parsed.to_string();
    let mut bytes = crate::inputs::read_blob(env, &who.tenant, &hash).await?;
    // A trace names a source's file: a path inside an uploaded batch, or the name of a plain upload (whose
    // bytes are the file itself).
    if let Some(path) = crate::http::query_param(req, "file") {
        if let Ok(bundle) = writ_artifact::Bundle::parse(&bytes) {
            let f = bundle
                .files
                .iter()
                .find(|f| f.path == path)
                .ok_or_else(|| ApiError::not_found(format!("input {hash} has no file {path}")))?;
            hash = f.hash.to_string();
            bytes = crate::inputs::read_blob(env, &who.tenant, &hash).await?;
        }
    }
    let headers = worker::Headers::new();
    headers.set("content-type", "application/octet-stream")?;
    headers.set("x-writ-hash", &hash)?;
    Ok(Response::builder().with_headers(headers).fixed(bytes))
}

/// `GET /v1/ledger/verify`: the caller's tenant chain recomputed from its rows, in one read-only snapshot.
pub async fn ledger_verify(env: &Env, who: &Principal) -> ApiResult<Response> {
    who.require("runs:read")?;
    let tenant = who.tenant.clone();
    let outcome = with_client(env, move |client| async move {
        let result = verify_tenant(&client, &tenant).await;
        let _ = client.simple_query("COMMIT").await;
        (client, result)
    })
    .await
    .map_err(|e| ApiError::upstream(e.to_string()))?;
    json(200, &outcome)
}

async fn verify_tenant(
    client: &tokio_postgres::Client,
    tenant: &str,
) -> Result<serde_json::Value, DbError> {
    let q = |e: tokio_postgres::Error| DbError::Query(describe(&e));
    client
        .simple_query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(q)?;
    let head = match client
        .query_opt(sql::SELECT_HEAD, &[&tenant])
        .await
        .map_err(q)?
    {
        Some(row) => Some(
            TenantHead::from_row(tenant, row.get(0), row.get::<_, String>(1).as_str())
                .map_err(|e| DbError::Query(e.to_string()))?,
        ),
        None => None,
    };
    let rows = client
        .query_raw(sql::SELECT_CHAIN, [tenant])
        .await
        .map_err(q)?;
    let mut rows = std::pin::pin!(rows);
    let mut verifier = TenantVerifier::new(tenant);
    while let Some(row) = rows.next().await {
        let row = row.map_err(q)?;
        let entry = StoredEntry {
            tenant: row.get(0),
            chain_pos: row.get(1),
            run_id: row.get(2),
            seq: row.get(3),
            at: row.get(4),
            event: row.get(5),
            prev_hash: row.get(6),
            entry_hash: row.get(7),
        };
        if let Err(brk) = verifier.push(&entry) {
            return Ok(j!({"status": "broken", "tenant": tenant, "break": brk}));
        }
    }
    Ok(match verifier.finish(head.as_ref()) {
        Ok(summary) => j!({"status": "ok", "tenant": tenant, "entries": summary.entries,
            "runs": summary.runs, "head_hash": summary.head_hash}),
        Err(brk) => j!({"status": "broken", "tenant": tenant, "break": brk}),
    })
}

/// The Registry reads the viewer adds (its `RegistryOp::Viewer`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "viewer", rename_all = "snake_case")]
pub enum ViewerOp {
    ListPrograms { tenant: String },
}

/// Carried out inside the Registry object, on its SQLite storage.
pub fn apply(sql: &SqlStorage, op: ViewerOp) -> worker::Result<serde_json::Value> {
    match op {
        ViewerOp::ListPrograms { tenant } => Ok(serde_json::Value::Array(
            sql.exec(
                "SELECT id, run_id, hash, created_at FROM programs WHERE tenant = ? ORDER BY created_at DESC LIMIT 200",
                Some(vec![tenant.into()]),
            )?
            .to_array()?,
        )),
    }
}

/// `GET /v1/programs`: the tenant's sealed programs, newest first.
pub async fn programs(env: &Env, who: &Principal) -> ApiResult<Response> {
    who.require("runs:read")?;
    let rows = crate::registry::call(
        env,
        &crate::registry::RegistryOp::Viewer(ViewerOp::ListPrograms {
            tenant: who.tenant.clone(),
        }),
    )
    .await?;
    json(200, &j!({"programs": rows}))
}

/// `GET /v1/runs/{id}/code/{hash}`: a program the run may execute (catalog, sealed or model-written code), by
/// its content hash, as text.
pub async fn run_code(env: &Env, who: &Principal, run_id: &str, hash: &str) -> ApiResult<Response> {
    crate::runs::owned(env, who, run_id).await?;
    who.require("runs:read")?;
    crate::runs::call_run(
        env,
        run_id,
        worker::Method::Get,
        &format!("/code?hash={}", crate::runs::enc(hash)),
        None,
    )
    .await
}

/// The run object's side of [`run_code`].
pub fn code_source(obj: &crate::run_object::RunObject, hash: &str) -> ApiResult<Response> {
    #[derive(Deserialize)]
    struct Code {
        source: String,
    }
    let source = obj
        .store()
        .rows::<Code>("SELECT source FROM code WHERE hash = ?", vec![hash.into()])?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found(format!("the run has no code {hash}")))?
        .source;
    let headers = worker::Headers::new();
    headers.set("content-type", "text/plain; charset=utf-8")?;
    Ok(Response::builder()
        .with_headers(headers)
        .fixed(source.into_bytes()))
}

/// `GET /v1/runs/{id}/timing`: when the run's first and latest events were handled (Unix ms), for the
/// viewer's run list (a run's duration without reading its whole log).
pub async fn run_timing(env: &Env, who: &Principal, run_id: &str) -> ApiResult<Response> {
    crate::runs::owned(env, who, run_id).await?;
    who.require("runs:read")?;
    crate::runs::call_run(env, run_id, worker::Method::Get, "/timing", None).await
}

/// The run object's side of [`run_timing`].
pub fn timing(obj: &crate::run_object::RunObject) -> ApiResult<Response> {
    #[derive(Deserialize, Serialize)]
    struct Timing {
        started_ms: Option<i64>,
        last_event_ms: Option<i64>,
    }
    let t = obj
        .store()
        .rows::<Timing>(
            "SELECT (SELECT json_extract(entry, '$.at_ms') FROM log ORDER BY seq LIMIT 1) AS started_ms, \
             (SELECT json_extract(entry, '$.at_ms') FROM log ORDER BY seq DESC LIMIT 1) AS last_event_ms",
            vec![],
        )?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("the timing query returned no row"))?;
    json(200, &t)
}

/// `GET /v1/runs/{id}/pages/{artifact}/{path…}`: one file of a bundle artifact (a site's page, its stylesheet)
/// at a path of its own, so that the page's relative links and assets resolve inside the viewer's frame.
pub async fn run_page(
    env: &Env,
    who: &Principal,
    run_id: &str,
    artifact: &str,
    path: &[&str],
) -> ApiResult<Response> {
    crate::runs::owned(env, who, run_id).await?;
    who.require("runs:read")?;
    crate::runs::artifact_bytes(env, who, run_id, artifact, Some(path.join("/")))
        .await
        .map_err(|e| {
            // An artifact that is not a bundle has no pages: for this path it is not there at all.
            if e.status == 422 {
                ApiError::not_found(format!(
                    "{artifact} is not a bundle of files: it has no pages"
                ))
            } else {
                e
            }
        })
}

/// `GET /v1/runs/{id}/ledger[?type=T]`: the run's ledger entries as written to Postgres (the evaluator's
/// verdicts, proof records, tool calls …), each with its entry hash.
pub async fn run_ledger(
    req: &Request,
    env: &Env,
    who: &Principal,
    run_id: &str,
) -> ApiResult<Response> {
    crate::runs::owned(env, who, run_id).await?;
    who.require("runs:read")?;
    let kind = crate::http::query_param(req, "type").filter(|t| !t.is_empty());
    let (tenant, run) = (who.tenant.clone(), run_id.to_string());
    let entries = with_client(env, move |client| async move {
        let result = client
            .query(sql::SELECT_RUN_ENTRIES, &[&tenant, &run, &kind])
            .await
            .map_err(|e| DbError::Query(describe(&e)))
            .and_then(|rows| {
                rows.iter()
                    .map(|row| {
                        let event: String = row.get(2);
                        let event: serde_json::Value =
                            serde_json::from_str(&event).map_err(|e| {
                                DbError::Query(format!("a stored event is not JSON: {e}"))
                            })?;
                        Ok(
                            j!({"seq": row.get::<_, i64>(0), "at": row.get::<_, String>(1),
                            "event": event, "entry_hash": row.get::<_, String>(3)}),
                        )
                    })
                    .collect::<Result<Vec<_>, DbError>>()
            });
        (client, result)
    })
    .await
    .map_err(|e| ApiError::upstream(e.to_string()))?;
    json(200, &j!({"entries": entries}))
}
