//! `POST /v1/inputs?name=FILE[&prefix=P]`: upload one input file, content-addressed in R2 under its blake3
//! hash (per tenant). With a prefix it also joins that prefix's upload batch, which schedules read.

use crate::auth::Principal;
use crate::clock::now_rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::http::{body_bytes, json, query_param, UPLOAD_LIMIT};
use crate::registry::{self, RegistryOp};
use serde_json::json as j;
use worker::{Env, Request, Response};

pub fn blob_key(tenant: &str, hash: &str) -> String {
    format!("t/{tenant}/blobs/{hash}")
}

pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c))
        && !name.contains("..")
}

pub async fn upload(mut req: Request, env: &Env, who: &Principal) -> ApiResult<Response> {
    who.require("runs:write")?;
    let name = query_param(&req, "name")
        .ok_or_else(|| ApiError::bad_request("the `name` query parameter is required"))?;
    if !valid_name(&name) {
        return Err(ApiError::bad_request(format!(
            "`{name}` is not a valid file name"
        )));
    }
    let prefix = query_param(&req, "prefix");
    if let Some(p) = &prefix {
        if !valid_name(p) {
            return Err(ApiError::bad_request(format!(
                "`{p}` is not a valid prefix"
            )));
        }
    }
    let bytes = body_bytes(&mut req, UPLOAD_LIMIT).await?;
    let hash = writ_canon::ContentHash::of_bytes(&bytes).to_string();
    let size = bytes.len() as u64;
    let bucket = env.bucket("ARTIFACTS")?;
    let key = blob_key(&who.tenant, &hash);
    if bucket.head(&key).await?.is_none() {
        bucket.put(&key, bytes).execute().await?;
    }
    if let Some(prefix) = &prefix {
        registry::call(
            env,
            &RegistryOp::PutUpload {
                tenant: who.tenant.clone(),
                prefix: prefix.clone(),
                name: name.clone(),
                hash: hash.clone(),
                size,
                at: now_rfc3339(),
            },
        )
        .await?;
    }
    json(
        201,
        &j!({"hash": hash, "name": name, "size": size, "prefix": prefix}),
    )
}

/// Read a stored blob of the tenant.
pub async fn read_blob(env: &Env, tenant: &str, hash: &str) -> ApiResult<Vec<u8>> {
    let bucket = env.bucket("ARTIFACTS")?;
    let obj = bucket
        .get(blob_key(tenant, hash))
        .execute()
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no input {hash}")))?;
    let body = obj
        .body()
        .ok_or_else(|| ApiError::internal("blob without a body"))?;
    Ok(body.bytes().await?)
}
