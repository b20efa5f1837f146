//! Bearer tokens: each carries a tenant and scopes; stored hashed (blake3) in the Registry.

use crate::error::{ApiError, ApiResult};
use crate::registry::{self, RegistryOp};
use serde::{Deserialize, Serialize};
use worker::{Env, Request};

pub const SCOPES: &[&str] = &["runs:read", "runs:write", "approve", "repair", "admin"];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Principal {
    /// Stable id of the token's holder: what "creator" and "approver" compare.
    pub id: String,
    pub tenant: String,
    pub name: String,
    pub scopes: Vec<String>,
}

impl Principal {
    pub fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope || s == "admin")
    }

    pub fn require(&self, scope: &str) -> ApiResult<()> {
        if self.has(scope) {
            Ok(())
        } else {
            Err(
                ApiError::forbidden(format!("this token lacks the `{scope}` scope"))
                    .with(serde_json::json!({"required_scope": scope})),
            )
        }
    }
}

pub fn hash_token(token: &str) -> String {
    blake3::hash(token.as_bytes()).to_hex().to_string()
}

pub async fn authenticate(req: &Request, env: &Env) -> ApiResult<Principal> {
    let Some(header) = req.headers().get("authorization").ok().flatten() else {
        // The viewer's session cookie stands in for the bearer token (see session.rs).
        return crate::session::principal(req, env).await?.ok_or_else(|| {
            ApiError::unauthorized(
                "send `Authorization: Bearer <token>`; `writ token create` makes one",
            )
        });
    };
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized("the Authorization header is not `Bearer <token>`")
        })?;
    principal_for_hash(env, &hash_token(token))
        .await?
        .ok_or_else(|| ApiError::unauthorized("unknown or revoked token"))
}

/// The holder of the token with this hash: the bootstrap administrator or a token of the Registry.
pub async fn principal_for_hash(env: &Env, hash: &str) -> ApiResult<Option<Principal>> {
    if let Some(p) = bootstrap_principal(env, hash) {
        return Ok(Some(p));
    }
    let found = registry::call(
        env,
        &RegistryOp::LookupToken {
            hash: hash.to_string(),
        },
    )
    .await?;
    Ok(serde_json::from_value::<Option<Principal>>(found)
        .ok()
        .flatten())
}

/// The deployment's own admin token (a Worker secret; `cargo xtask up` sets it locally), by its hash.
fn bootstrap_principal(env: &Env, hash: &str) -> Option<Principal> {
    let expected = env
        .secret("WRIT_BOOTSTRAP_TOKEN")
        .map(|s| s.to_string())
        .or_else(|_| env.var("WRIT_BOOTSTRAP_TOKEN").map(|v| v.to_string()))
        .ok()?;
    if expected.is_empty() || !constant_time_eq(hash_token(&expected).as_bytes(), hash.as_bytes()) {
        return None;
    }
    let tenant = env
        .var("WRIT_BOOTSTRAP_TENANT")
        .map(|v| v.to_string())
        .unwrap_or_else(|_| "local".into());
    Some(Principal {
        id: "bootstrap".into(),
        tenant,
        name: "admin".into(),
        scopes: vec!["admin".into()],
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn random_hex(bytes: usize) -> ApiResult<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf)
        .map_err(|e| ApiError::internal(format!("randomness unavailable: {e}")))?;
    Ok(hex::encode(buf))
}
