//! `POST /v1/tokens` (admin): mint a token for the caller's tenant; the plaintext is shown once.

use crate::auth::{hash_token, random_hex, Principal, SCOPES};
use crate::clock::now_rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, read_json};
use crate::registry::{self, RegistryOp};
use serde::Deserialize;
use serde_json::json as j;
use worker::{Env, Request, Response};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateToken {
    name: String,
    scopes: Vec<String>,
    /// Another tenant: only the deployment's bootstrap administrator may mint tokens across tenants.
    #[serde(default)]
    tenant: Option<String>,
}

pub async fn create(mut req: Request, env: &Env, who: &Principal) -> ApiResult<Response> {
    who.require("admin")?;
    let body: CreateToken = read_json(&mut req).await?;
    if body.name.trim().is_empty() || body.name.len() > 100 {
        return Err(ApiError::invalid_field(
            "/name",
            "a name of 1 to 100 characters is required",
        ));
    }
    if body.scopes.is_empty() {
        return Err(ApiError::invalid_field(
            "/scopes",
            format!("at least one scope of {SCOPES:?}"),
        ));
    }
    for (i, s) in body.scopes.iter().enumerate() {
        if !SCOPES.contains(&s.as_str()) {
            return Err(ApiError::invalid_field(
                format!("/scopes/{i}"),
                format!("unknown scope `{s}`; scopes are {SCOPES:?}"),
            ));
        }
    }
    let tenant = match &body.tenant {
        None => who.tenant.clone(),
        Some(t) if who.id == "bootstrap" => {
            if t.is_empty()
                || t.len() > 64
                || !t
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(ApiError::invalid_field(
                    "/tenant",
                    "a tenant id of 1 to 64 letters, digits, `-` or `_`",
                ));
            }
            t.clone()
        }
        Some(_) => {
            return Err(ApiError::forbidden(
                "only the bootstrap administrator mints tokens for other tenants",
            )
            .at("/tenant"))
        }
    };
    let token = format!("writ_{}", random_hex(24)?);
    let id = format!("tok_{}", random_hex(8)?);
    registry::call(
        env,
        &RegistryOp::CreateToken {
            id: id.clone(),
            tenant: tenant.clone(),
            name: body.name.clone(),
            scopes: body.scopes.clone(),
            hash: hash_token(&token),
            at: now_rfc3339(),
        },
    )
    .await?;
    json(
        201,
        &j!({"id": id, "token": token, "tenant": tenant, "name": body.name, "scopes": body.scopes}),
    )
}

pub async fn list(env: &Env, who: &Principal) -> ApiResult<Response> {
    who.require("admin")?;
    let rows = registry::call(
        env,
        &RegistryOp::ListTokens {
            tenant: who.tenant.clone(),
        },
    )
    .await?;
    json(200, &j!({"tokens": rows}))
}
