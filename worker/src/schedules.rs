//! Schedules of sealed programs and the cron handler that starts them: once per due time (claimed in the
//! Registry), over the newest upload batch under the schedule's prefix. The trigger fires every minute; at
//! each tick `writ_cron::Cron::catch_up` decides which due times since the schedule's last one run now
//! (every missed one after an outage, oldest first, bounded per tick), and each fire is recorded.

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
    let cron = Cron::parse(&body.cron).map_err(|e| ApiError::invalid_field("/cron", e))?;
    let now = now_ms();
    if cron.next_after(now).is_none() {
        return Err(ApiError::invalid_field(
            "/cron",
            format!(
                "`{}` is never due (no matching minute in the next {} days)",
                body.cron,
                writ_cron::LOOKAHEAD_DAYS
            ),
        ));
    }
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
            since_ms: now / 60_000 * 60_000,
        },
    )
    .await?;
    json(
        201,
        &j!({"id": id, "next_due": cron.next_after(now).map(rfc3339)}),
    )
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
    let now = now_ms();
    let mut out = Vec::new();
    for mut row in rows.as_array().cloned().unwrap_or_default() {
        let next = Cron::parse(row["cron"].as_str().unwrap_or_default())
            .ok()
            .and_then(|c| c.next_after(now));
        row["next_due"] = j!(next.map(rfc3339));
        row["last_due"] = j!(row["last_due"].as_f64().map(|ms| rfc3339(ms as u64)));
        let fires = registry::call(
            env,
            &RegistryOp::ListFires {
                tenant: who.tenant.clone(),
                id: row["id"].as_str().unwrap_or_default().to_string(),
            },
        )
        .await?;
        row["fires"] = j!(fires
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| j!({
                "due": f["due"].as_f64().map(|ms| rfc3339(ms as u64)),
                "outcome": f["outcome"],
                "run_id": f["run_id"],
                "at": f["at"],
            }))
            .collect::<Vec<_>>());
        out.push(row);
    }
    json(200, &j!({"schedules": out}))
}

/// Unix milliseconds as RFC 3339 UTC.
fn rfc3339(ms: u64) -> String {
    String::from(js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64)).to_iso_string())
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

/// Due times run per schedule at one tick; the rest of a long catch-up runs at the next ticks.
const CATCH_UP_PER_TICK: usize = 10;
/// Due times older than this when the trigger comes back are recorded as missed, never run.
const CATCH_UP_WINDOW_MS: u64 = 7 * 86_400_000;

/// The scheduled handler at the trigger's time `now` (ms): every schedule runs each due time since its last
/// one exactly once (claimed in the Registry), and records what became of it.
pub async fn tick(env: &Env, now: u64) -> ApiResult<Vec<String>> {
    let schedules = registry::call(env, &RegistryOp::ListSchedules { tenant: None }).await?;
    let origin = env
        .var("WRIT_PUBLIC_URL")
        .map(|v| v.to_string())
        .unwrap_or_else(|_| "http://127.0.0.1:8917".into());
    let mut started = Vec::new();
    for s in schedules.as_array().into_iter().flatten() {
        let id = s["id"].as_str().unwrap_or_default().to_string();
        let cron = match Cron::parse(s["cron"].as_str().unwrap_or_default()) {
            Ok(c) => c,
            Err(e) => {
                worker::console_error!("schedule {id}: its cron no longer parses: {e}");
                continue;
            }
        };
        // A schedule from before marks were kept counts from the minute before this tick.
        let last = s["last_due"]
            .as_f64()
            .map_or((now / 60_000 * 60_000).saturating_sub(1), |ms| ms as u64);
        let plan = cron.catch_up(last, now, CATCH_UP_PER_TICK, CATCH_UP_WINDOW_MS);
        for due in &plan.expired {
            if claim(env, &id, *due).await? {
                record(
                    env,
                    &id,
                    *due,
                    "missed: older than the 7-day catch-up window",
                    None,
                )
                .await?;
            }
        }
        for due in plan.run {
            if !claim(env, &id, due).await? {
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
                record(
                    env,
                    &id,
                    due,
                    "skipped: no uploads under the prefix yet",
                    None,
                )
                .await?;
                continue;
            }
            let result = crate::runs::run_program_for_schedule(
                env,
                tenant,
                s["program_id"].as_str().unwrap_or_default(),
                &files,
                &origin,
            )
            .await;
            let mut resp = match result {
                Ok(r) => r,
                Err(e) => {
                    record(
                        env,
                        &id,
                        due,
                        &format!("failed to start: {}", e.detail),
                        None,
                    )
                    .await?;
                    continue;
                }
            };
            let body: serde_json::Value = resp.json().await.unwrap_or_default();
            let run_id = body["id"].as_str().map(String::from);
            let outcome = match (&run_id, due / 60_000 < now / 60_000) {
                (Some(_), true) => "started (caught up after a missed tick)".to_string(),
                (Some(_), false) => "started".to_string(),
                (None, _) => format!("failed to start: {body}"),
            };
            record(env, &id, due, &outcome, run_id.clone()).await?;
            started.extend(run_id);
        }
    }
    Ok(started)
}

async fn claim(env: &Env, id: &str, due: u64) -> ApiResult<bool> {
    let r = registry::call(
        env,
        &RegistryOp::ClaimDue {
            id: id.to_string(),
            due: due.to_string(),
        },
    )
    .await?;
    Ok(r["claimed"] == true)
}

async fn record(
    env: &Env,
    id: &str,
    due_ms: u64,
    outcome: &str,
    run_id: Option<String>,
) -> ApiResult<()> {
    registry::call(
        env,
        &RegistryOp::RecordFire {
            id: id.to_string(),
            due_ms,
            outcome: outcome.to_string(),
            run_id,
            at: now_rfc3339(),
        },
    )
    .await?;
    Ok(())
}
