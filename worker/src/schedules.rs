//! Schedules of sealed programs and the cron handler that starts them: once per due time (claimed in the
//! Registry), over the newest upload batch under the schedule's prefix.

use crate::auth::{random_hex, Principal};
use crate::clock::{now_ms, now_rfc3339};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, read_json};
use crate::registry::{self, RegistryOp};
use serde::Deserialize;
use serde_json::json as j;
use worker::{Env, Request, Response};
use writ_cron::Cron;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateSchedule {
    program_id: String,
    cron: String,
    prefix: String,
}

pub async fn create(mut req: Request, env: &Env, who: &Principal) -> ApiResult<Response> {
    who.require("runs:write")?;
    let body: CreateSchedule = read_json(&mut req).await?;
    Cron::parse(&body.cron).map_err(|e| ApiError::invalid_field("/cron", e))?;
    if !crate::inputs::valid_name(&body.prefix) {
        return Err(ApiError::invalid_field(
            "/prefix",
            "a prefix of letters, digits, `._-/`",
        ));
    }
    let program = registry::call(
        env,
        &RegistryOp::GetProgram {
            tenant: who.tenant.clone(),
            id: body.program_id.clone(),
        },
    )
    .await?;
    if program.is_null() {
        return Err(ApiError::invalid_field(
            "/program_id",
            format!("no program {}", body.program_id),
        ));
    }
    let id = format!("sch_{}", random_hex(8)?);
    registry::call(
        env,
        &RegistryOp::PutSchedule {
            id: id.clone(),
            tenant: who.tenant.clone(),
            program_id: body.program_id,
            cron: body.cron,
            prefix: body.prefix,
            at: now_rfc3339(),
        },
    )
    .await?;
    json(201, &j!({"id": id}))
}

pub async fn list(env: &Env, who: &Principal) -> ApiResult<Response> {
    who.require("runs:read")?;
    let rows = registry::call(
        env,
        &RegistryOp::ListSchedules {
            tenant: Some(who.tenant.clone()),
        },
    )
    .await?;
    json(200, &j!({"schedules": rows}))
}

pub async fn delete(env: &Env, who: &Principal, id: &str) -> ApiResult<Response> {
    who.require("runs:write")?;
    let r = registry::call(
        env,
        &RegistryOp::DeleteSchedule {
            tenant: who.tenant.clone(),
            id: id.to_string(),
        },
    )
    .await?;
    if r["deleted"] != true {
        return Err(ApiError::not_found(format!("no schedule {id}")));
    }
    json(200, &j!({"deleted": id}))
}

/// The scheduled handler: start every schedule whose cron matches the current minute, once per minute.
pub async fn tick(env: &Env) -> ApiResult<Vec<String>> {
    let minute_ms = now_ms() / 60_000 * 60_000;
    let due_key = minute_ms.to_string();
    let schedules = registry::call(env, &RegistryOp::ListSchedules { tenant: None }).await?;
    let origin = env
        .var("WRIT_PUBLIC_URL")
        .map(|v| v.to_string())
        .unwrap_or_else(|_| "http://127.0.0.1:8917".into());
    let mut started = Vec::new();
    for s in schedules.as_array().into_iter().flatten() {
        let Ok(cron) = Cron::parse(s["cron"].as_str().unwrap_or_default()) else {
            continue;
        };
        if !cron.matches_ms(minute_ms) {
            continue;
        }
        let id = s["id"].as_str().unwrap_or_default().to_string();
        let claim = registry::call(
            env,
            &RegistryOp::ClaimDue {
                id: id.clone(),
                due: due_key.clone(),
            },
        )
        .await?;
        if claim["claimed"] != true {
            continue;
        }
        let tenant = s["tenant"].as_str().unwrap_or_default();
        let batch = registry::call(
            env,
            &RegistryOp::LatestUploads {
                tenant: tenant.to_string(),
                prefix: s["prefix"].as_str().unwrap_or_default().to_string(),
            },
        )
        .await?;
        let files = batch["files"].as_array().cloned().unwrap_or_default();
        if files.is_empty() {
            worker::console_log!("schedule {id}: no uploads under its prefix yet");
            continue;
        }
        let mut resp = crate::runs::run_program_for_schedule(
            env,
            tenant,
            s["program_id"].as_str().unwrap_or_default(),
            &files,
            &origin,
        )
        .await?;
        if let Ok(v) = resp.json::<serde_json::Value>().await {
            started.push(v["id"].as_str().unwrap_or_default().to_string());
        }
    }
    Ok(started)
}
