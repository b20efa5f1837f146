//! Browser sessions for the run viewer: `POST /v1/session {token}` exchanges an API token for an HttpOnly,
//! `SameSite=Strict` cookie; the cookie then authenticates the same REST API as the token would, with the
//! same principal (tenant and scopes, looked up afresh on every request, so a revoked token ends its
//! sessions). `GET /v1/session` says who is signed in; `DELETE /v1/session` signs out.
//!
//! Only a hash of the session id is stored (in the Registry), never the token: the session row names the
//! token by its hash, as the tokens table does. Requests that change state and authenticate by cookie must
//! also carry `X-Writ-Viewer: 1` and come from the same origin (CSRF); a cross-site page can set neither.

use crate::auth::{hash_token, random_hex, Principal};
use crate::clock::{now_ms, now_rfc3339};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, read_json};
use crate::registry::{self, RegistryOp};
use serde::{Deserialize, Serialize};
use serde_json::{json as j, Value};
use worker::{Env, Method, Request, Response, SqlStorage, SqlStorageValue};

pub const COOKIE: &str = "writ_session";
/// The header a cookie-authenticated request that changes state must carry.
pub const CSRF_HEADER: &str = "x-writ-viewer";
/// A session lasts at most this long; sign-in may ask for less (`ttl_seconds`).
const MAX_TTL_SECONDS: u64 = 8 * 3600;

pub const SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS sessions (hash TEXT PRIMARY KEY, token_hash TEXT NOT NULL, \
  created_at TEXT NOT NULL, expires_ms INTEGER NOT NULL)";

/// The Registry's session rows (its `RegistryOp::Session`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "session", rename_all = "snake_case")]
pub enum SessionOp {
    Create {
        hash: String,
        token_hash: String,
        at: String,
        expires_ms: u64,
    },
    Lookup {
        hash: String,
    },
    End {
        hash: String,
    },
}

#[derive(Deserialize)]
struct Row {
    token_hash: String,
    expires_ms: i64,
}

/// Carried out inside the Registry object, on its SQLite storage.
pub fn apply(sql: &SqlStorage, op: SessionOp) -> worker::Result<Value> {
    Ok(match op {
        SessionOp::Create {
            hash,
            token_hash,
            at,
            expires_ms,
        } => {
            sql.exec(
                "INSERT INTO sessions (hash, token_hash, created_at, expires_ms) VALUES (?, ?, ?, ?)",
                Some(vec![
                    hash.into(),
                    token_hash.into(),
                    at.into(),
                    SqlStorageValue::Integer(expires_ms as i64),
                ]),
            )?;
            j!({"ok": true})
        }
        SessionOp::Lookup { hash } => sql
            .exec(
                "SELECT token_hash, expires_ms FROM sessions WHERE hash = ?",
                Some(vec![hash.into()]),
            )?
            .to_array::<Row>()?
            .into_iter()
            .next()
            .map(|r| j!({"token_hash": r.token_hash, "expires_ms": r.expires_ms}))
            .unwrap_or(Value::Null),
        SessionOp::End { hash } => {
            let cur = sql.exec(
                "DELETE FROM sessions WHERE hash = ?",
                Some(vec![hash.into()]),
            )?;
            j!({"ended": cur.rows_written() > 0})
        }
    })
}

async fn call(env: &Env, op: SessionOp) -> ApiResult<Value> {
    registry::call(env, &RegistryOp::Session(op)).await
}

fn cookie_value(req: &Request) -> Option<String> {
    let header = req.headers().get("cookie").ok().flatten()?;
    header.split(';').find_map(|part| {
        let (name, value) = part.trim().split_once('=')?;
        (name == COOKIE && !value.is_empty()).then(|| value.to_string())
    })
}

fn session_expired() -> ApiError {
    ApiError::new(
        401,
        "session-expired",
        "Session expired",
        "the session has expired; sign in again",
    )
}

fn session_ended() -> ApiError {
    ApiError::new(
        401,
        "session-ended",
        "Session ended",
        "the session was signed out or its token revoked; sign in again",
    )
}

/// The principal of the request's session cookie: `Ok(None)` without one. A request that changes state
/// must pass the CSRF checks.
pub async fn principal(req: &Request, env: &Env) -> ApiResult<Option<Principal>> {
    let Some(id) = cookie_value(req) else {
        return Ok(None);
    };
    let row = call(
        env,
        SessionOp::Lookup {
            hash: hash_token(&id),
        },
    )
    .await?;
    if row.is_null() {
        return Err(session_ended());
    }
    if row["expires_ms"].as_u64().is_none_or(|at| at <= now_ms()) {
        return Err(session_expired());
    }
    let token_hash = row["token_hash"].as_str().unwrap_or_default();
    let who = crate::auth::principal_for_hash(env, token_hash)
        .await?
        .ok_or_else(session_ended)?;
    if !matches!(req.method(), Method::Get | Method::Head) {
        same_origin(req)?;
    }
    Ok(Some(who))
}

/// CSRF: the custom header (a cross-site form cannot set it; a cross-site script would need a CORS preflight,
/// which the API never grants) and, when the browser says where the request came from, the same origin.
fn same_origin(req: &Request) -> ApiResult<()> {
    let header = |n: &str| req.headers().get(n).ok().flatten();
    if header(CSRF_HEADER).as_deref() != Some("1") {
        return Err(ApiError::forbidden(format!(
            "a request authenticated by the session cookie that changes state must carry `{CSRF_HEADER}: 1`"
        )));
    }
    if let Some(site) = header("sec-fetch-site") {
        if site != "same-origin" {
            return Err(ApiError::forbidden(format!(
                "cross-site request refused (sec-fetch-site: {site})"
            )));
        }
    }
    if let Some(origin) = header("origin") {
        let own = req
            .url()
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        if origin != own {
            return Err(ApiError::forbidden(format!(
                "cross-origin request refused (origin {origin})"
            )));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    token: String,
    /// A number, not `u64`: JSON Schema counts `6820.0` as an integer, and so does this API.
    #[serde(default)]
    ttl_seconds: Option<f64>,
}

fn describe(who: &Principal, expires_ms: Option<u64>) -> Value {
    j!({"principal": {"id": who.id, "name": who.name, "tenant": who.tenant, "scopes": who.scopes},
        "expires_ms": expires_ms})
}

/// `POST /v1/session {token, ttl_seconds?}` → 201 with the cookie set.
pub async fn create(mut req: Request, env: &Env) -> ApiResult<Response> {
    let secure = req.url().map(|u| u.scheme() == "https").unwrap_or(false);
    let body: SignIn = read_json(&mut req).await?;
    let ttl = match body.ttl_seconds {
        None => MAX_TTL_SECONDS,
        Some(t) if t.fract() == 0.0 && (1.0..=MAX_TTL_SECONDS as f64).contains(&t) => t as u64,
        Some(_) => {
            return Err(ApiError::invalid_field(
                "/ttl_seconds",
                format!("a whole number of seconds from 1 to {MAX_TTL_SECONDS}"),
            ))
        }
    };
    let token_hash = hash_token(body.token.trim());
    let who = crate::auth::principal_for_hash(env, &token_hash)
        .await?
        .ok_or_else(|| ApiError::unauthorized("unknown or revoked token").at("/token"))?;
    let id = random_hex(32)?;
    let expires_ms = now_ms() + ttl * 1000;
    call(
        env,
        SessionOp::Create {
            hash: hash_token(&id),
            token_hash,
            at: now_rfc3339(),
            expires_ms,
        },
    )
    .await?;
    // A browser-session cookie: the expiry is the server's to enforce, so an expired session is told as such.
    let cookie = format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    );
    let resp = json(201, &describe(&who, Some(expires_ms)))?;
    resp.headers().set("set-cookie", &cookie)?;
    resp.headers().set("cache-control", "no-store")?;
    Ok(resp)
}

/// `GET /v1/session`: who the request authenticates as (by cookie or bearer token).
pub fn show(who: &Principal) -> ApiResult<Response> {
    json(200, &describe(who, None))
}

/// `DELETE /v1/session`: end the cookie's session (the cookie is cleared either way).
pub async fn delete(req: &Request, env: &Env) -> ApiResult<Response> {
    if let Some(id) = cookie_value(req) {
        call(
            env,
            SessionOp::End {
                hash: hash_token(&id),
            },
        )
        .await?;
    }
    let resp = Response::empty()?.with_status(204);
    resp.headers().set(
        "set-cookie",
        &format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    )?;
    Ok(resp)
}

/// Headers on every API answer: no MIME sniffing, and a sandbox for any document the API serves: a site
/// artifact's page runs no script and submits no form (it keeps its origin only so that its stylesheets
/// load with the session; without scripts that origin can do nothing).
pub fn harden(resp: Response) -> Response {
    let headers = worker::Headers::new();
    for (k, v) in resp.headers().entries() {
        // `append`, not `set`: a response may carry several `set-cookie` headers.
        let _ = headers.append(&k, &v);
    }
    let _ = headers.set("x-content-type-options", "nosniff");
    let _ = headers.set("content-security-policy", "sandbox allow-same-origin");
    resp.with_headers(headers)
}
