//! Carrying out the run machine's effects with the real primitives, and the run's read models.

use crate::clock::{now_ms, now_rfc3339};
use crate::error::{ApiError, ApiResult};
use crate::inputs::blob_key;
use crate::run_object::{json_ok, RunObject};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use worker::Response;
use writ_canon::ContentHash;
use writ_run::{Effect, Event, OutputMeasure, Receipt, ReceiptStatus, Run, SandboxCall, StepState};

/// What the registry and the API know about a run, fixed at its start.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunMeta {
    pub run_id: String,
    pub tenant: String,
    pub creator: String,
    #[serde(default)]
    pub workflow: Option<String>,
    #[serde(default)]
    pub objective: Option<String>,
    /// The worker's own origin, for the sandbox's tool bridge.
    pub origin: String,
    /// Which provider served the model phases ("builtin" when no model is configured).
    pub served_by: String,
    #[serde(default)]
    pub program_id: Option<String>,
    /// Local fault injection (`x-writ-chaos: duplicate-shard-delivery`, honoured only when WRIT_ENV=local):
    /// every shard message is sent twice, to prove a shard's result is applied once.
    #[serde(default)]
    pub duplicate_shard_delivery: bool,
}

/// Carry out one effect; returns the events it answers with at once.
pub async fn carry_out(obj: &RunObject, effect: Effect, wake: &mut bool) -> ApiResult<Vec<Event>> {
    let store = obj.store();
    Ok(match effect {
        // The bridge writes every tool call's full entry (arguments and result hashes) itself.
        Effect::AppendLedger {
            record: writ_run::LedgerRecord::ToolCall { .. },
            ..
        } => vec![],
        Effect::AppendLedger { key, record } => {
            let event = match crate::models::ledger_event(obj, &key, &record)? {
                Some(event) => event,
                None => obj.with_run(|r| crate::ledger_map::to_event(&record, &r.plan))?,
            };
            crate::outbox::append_keyed(obj, &key, event)?;
            vec![]
        }
        Effect::SetAlarm { at_ms } => {
            // The machine's timer (deadlines, retry delays) shares the object's one alarm with the work loop.
            obj.want_alarm_at(at_ms);
            vec![]
        }
        Effect::ResolveInputs {
            step,
            generation,
            inputs,
            count_items_of,
        } => {
            let meta = obj.meta()?;
            let bucket = obj.env().bucket("ARTIFACTS")?;
            let shape = crate::artifacts::step_shape(obj, &step)?;
            let mut missing = Vec::new();
            let mut item_count = None;
            let mut unreadable = None;
            for input in &inputs {
                let key = blob_key(&meta.tenant, &input.artifact_hash.to_string());
                if bucket.head(&key).await?.is_none() {
                    missing.push(input.slot.clone());
                } else if count_items_of.as_deref() == Some(input.slot.as_str()) {
                    let bytes = read_blob(obj, &input.artifact_hash).await?;
                    let kind = shape
                        .kinds
                        .get(&input.slot)
                        .map(String::as_str)
                        .unwrap_or("");
                    match writ_artifact::count_items(kind, shape.items.as_deref(), &bytes) {
                        Ok(n) => item_count = Some(n),
                        Err(e) => {
                            unreadable = Some((input.slot.clone(), format!("a `{kind}`: {e}")))
                        }
                    }
                }
            }
            if !missing.is_empty() {
                vec![Event::InputsMissing {
                    step,
                    generation,
                    slots: missing,
                }]
            } else if let Some((slot, reason)) = unreadable {
                vec![Event::InputsUnreadable {
                    step,
                    generation,
                    slot,
                    reason,
                }]
            } else {
                vec![Event::InputsResolved {
                    step,
                    generation,
                    item_count,
                }]
            }
        }
        Effect::AwaitApproval { .. } => vec![],
        Effect::CallSandbox(call) => {
            // A step whose code a model writes gets it first (None: the attempt failed; the events say so).
            let (call, events) = crate::models::ensure_code(obj, call).await?;
            if let Some(call) = call {
                put_task(obj, &call, false)?;
                *wake = true;
            }
            events
        }
        Effect::DispatchShard(call) => {
            // A shard whose code a model writes gets it first (None: the attempt failed; the events say so).
            let (call, events) = crate::models::ensure_code(obj, call).await?;
            let Some(call) = call else { return Ok(events) };
            put_task(obj, &call, true)?;
            let meta = obj.meta()?;
            let copies = if meta.duplicate_shard_delivery { 2 } else { 1 };
            for _ in 0..copies {
                // Sent together at the end of the pump, so a step's shards arrive in one consumer batch
                // and run side by side instead of in waves.
                obj.queue_shard(crate::ShardMessage {
                    probe: None,
                    run_id: meta.run_id.clone(),
                    attempt_id: call.attempt_id.clone(),
                });
            }
            *wake = true; // the watchdog re-sends a shard whose answer does not come back
            events
        }
        Effect::StopAttempt { attempt_id, .. } => {
            store.exec(
                "UPDATE tasks SET state = 'stopped' WHERE attempt_id = ?",
                vec![attempt_id.into()],
            )?;
            vec![]
        }
        Effect::MergeShards {
            step,
            attempt_id,
            shards,
        } => vec![merge_shards(obj, &step, &attempt_id, &shards).await?],
        Effect::Validate {
            step,
            attempt_id,
            outputs,
        } => {
            vec![crate::validate::validate(obj, &step, &attempt_id, &outputs).await?]
        }
        Effect::Audit {
            step,
            attempt_id,
            outputs,
            rubric,
        } => crate::validate::audit(obj, &step, &attempt_id, &outputs, &rubric).await?,
        Effect::PublishArtifact {
            step,
            slot,
            name,
            hash,
            provenance_hash,
            provenance,
            ..
        } => {
            let kind = obj
                .with_run(|r| {
                    r.plan.step(&step).and_then(|s| {
                        s.contract
                            .outputs
                            .iter()
                            .find(|o| o.slot == slot)
                            .map(|o| o.kind.clone())
                    })
                })?
                .unwrap_or_default();
            // Deliverables carry the name the plan publishes them under; intermediate artifacts are listed
            // by `<step>/<slot>` and are not exported as deliverables.
            let deliverable = name.is_some();
            let name = name.unwrap_or_else(|| format!("{step}/{slot}"));
            // The run-level record and the row-level sources live beside the artifact, under its hash.
            let rows =
                crate::artifacts::output_provenance(obj, &hash.to_string(), &step, &slot).await?;
            let record = json!({
                "record": provenance,
                "record_hash": provenance_hash,
                "sources": rows,
            });
            let meta = obj.meta()?;
            obj.env()
                .bucket("ARTIFACTS")?
                .put(
                    format!("t/{}/provenance/{}", meta.tenant, hash),
                    record.to_string(),
                )
                .execute()
                .await?;
            store.exec(
                "INSERT OR REPLACE INTO artifacts (name, step, slot, hash, kind, provenance_hash, deliverable) VALUES (?, ?, ?, ?, ?, ?, ?)",
                vec![name.into(), step.into(), slot.into(), hash.to_string().into(), kind.into(), provenance_hash.to_string().into(), (deliverable as i64).into()],
            )?;
            vec![]
        }
        Effect::ToolDecision { .. } => vec![], // answered inline by the bridge call that asked
        // The machine asks only when the profile's repairer phase is a model.
        Effect::RequestRepair {
            step,
            generation,
            evidence,
        } => crate::models::repair(obj, &step, generation, &evidence).await?,
        Effect::Refused {
            code,
            event,
            reason,
        } => {
            console_log(&format!("refused {event}: {code} {reason}"));
            vec![]
        }
        Effect::RunFinished { .. } => {
            *wake = true; // flush the ledger promptly
            vec![]
        }
    })
}

fn console_log(s: &str) {
    worker::console_log!("{s}");
}

#[derive(Deserialize)]
struct TaskRow {
    attempt_id: String,
    call: String,
    via_queue: i64,
    state: String,
    dispatched_ms: f64,
    token: String,
}

fn put_task(obj: &RunObject, call: &SandboxCall, via_queue: bool) -> ApiResult<()> {
    let token = format!("{}.{}", obj.meta()?.run_id, crate::auth::random_hex(16)?);
    let text = serde_json::to_string(call).map_err(|e| ApiError::internal(e.to_string()))?;
    obj.store().exec(
        "INSERT OR REPLACE INTO tasks (attempt_id, call, via_queue, state, dispatched_ms, token) VALUES (?, ?, ?, ?, ?, ?)",
        vec![
            call.attempt_id.clone().into(),
            text.into(),
            (via_queue as i64).into(),
            if via_queue { "dispatched" } else { "pending" }.into(),
            (now_ms() as f64).into(),
            token.into(),
        ],
    )?;
    Ok(())
}

fn task(obj: &RunObject, attempt_id: &str) -> ApiResult<(TaskRow, SandboxCall)> {
    let row = obj
        .store()
        .rows::<TaskRow>("SELECT attempt_id, call, via_queue, state, dispatched_ms, token FROM tasks WHERE attempt_id = ?", vec![attempt_id.into()])?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found(format!("no attempt {attempt_id}")))?;
    let call: SandboxCall =
        serde_json::from_str(&row.call).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok((row, call))
}

pub fn task_token(obj: &RunObject, attempt_id: &str) -> ApiResult<(String, SandboxCall, String)> {
    let (row, call) = task(obj, attempt_id)?;
    Ok((row.token, call, row.state))
}

pub fn has_pending_work(obj: &RunObject) -> ApiResult<bool> {
    #[derive(Deserialize)]
    struct N {
        n: i64,
    }
    let rows: Vec<N> = obj.store().rows(
        "SELECT count(*) AS n FROM tasks WHERE state IN ('pending', 'running', 'dispatched')",
        vec![],
    )?;
    Ok(rows.first().map(|r| r.n > 0).unwrap_or(false))
}

pub fn outbox_len(obj: &RunObject) -> ApiResult<u64> {
    crate::outbox::len(obj)
}

/// Run every sandbox call that is due (concurrently), and re-send shards whose answer is overdue.
pub async fn run_due_work(obj: &RunObject) -> ApiResult<Vec<Event>> {
    let store = obj.store();
    let rows: Vec<TaskRow> = store.rows(
        "SELECT attempt_id, call, via_queue, state, dispatched_ms, token FROM tasks WHERE state IN ('pending', 'dispatched')",
        vec![],
    )?;
    let mut direct = Vec::new();
    for row in rows {
        if row.via_queue == 1 {
            if now_ms() as f64 - row.dispatched_ms > SHARD_REDELIVERY_MS {
                let meta = obj.meta()?;
                obj.env()
                    .queue("SHARDS")?
                    .send(crate::ShardMessage {
                        probe: None,
                        run_id: meta.run_id,
                        attempt_id: row.attempt_id.clone(),
                    })
                    .await?;
                store.exec(
                    "UPDATE tasks SET dispatched_ms = ? WHERE attempt_id = ?",
                    vec![(now_ms() as f64).into(), row.attempt_id.clone().into()],
                )?;
            }
            continue;
        }
        store.exec(
            "UPDATE tasks SET state = 'running' WHERE attempt_id = ?",
            vec![row.attempt_id.clone().into()],
        )?;
        direct.push(row.attempt_id);
    }
    let results = futures::future::join_all(direct.iter().map(|id| execute(obj, id))).await;
    let mut events = Vec::new();
    for (id, result) in direct.iter().zip(results) {
        let event = match result {
            Ok(receipt) => receipt_event(obj, id, &receipt).await?,
            // Every slot busy is back-pressure, not a failure of the attempt: it waits for the next round.
            Err(e) if e.slug == SANDBOX_BUSY => {
                store.exec(
                    "UPDATE tasks SET state = 'pending' WHERE attempt_id = ?",
                    vec![id.clone().into()],
                )?;
                continue;
            }
            // The deployment refuses this sandbox (degraded, misconfigured): waiting would not mend it.
            Err(e) if refuses(&e.slug) => failed_event(id, &e.detail),
            // No receipt at all (unreachable, restarted mid-attempt, not a receipt): the machine waits it
            // out; the program did nothing wrong.
            Err(e) => {
                store.exec(
                    "UPDATE tasks SET state = 'waiting' WHERE attempt_id = ?",
                    vec![id.clone().into()],
                )?;
                events.push(unavailable_event(id, &e.detail));
                continue;
            }
        };
        store.exec(
            "UPDATE tasks SET state = 'done' WHERE attempt_id = ?",
            vec![id.clone().into()],
        )?;
        events.push(event);
    }
    Ok(events)
}

/// A shard whose answer has not come back in this long is sent to the queue again (idempotent on its id).
const SHARD_REDELIVERY_MS: f64 = 120_000.0;

/// The sandbox gave no receipt for an attempt; the backoff's jitter is drawn here and recorded in the event.
fn unavailable_event(attempt_id: &str, why: &str) -> Event {
    Event::SandboxUnavailable {
        attempt_id: attempt_id.to_string(),
        reason: why.to_string(),
        jitter_permille: (js_sys::Math::random() * 1000.0) as u16,
    }
}

fn failed_event(attempt_id: &str, why: &str) -> Event {
    Event::SandboxReturned {
        attempt_id: attempt_id.to_string(),
        receipt: Receipt {
            status: ReceiptStatus::Error,
            exit_code: None,
            stopped_by: Some(format!("platform: {why}")),
            duration_ms: 0,
            outputs: BTreeMap::new(),
            code_hash: None,
            tool_calls: 0,
            model_usage: Default::default(),
            claimed: None,
            sandbox: None,
        },
    }
}

pub const SANDBOX_BUSY: &str = "sandbox-busy";

/// A sandbox the deployment refuses (degraded without leave, a configuration error) fails the attempt at
/// once, naming the refusal: unlike an outage, waiting would not mend it.
pub fn refuses(slug: &str) -> bool {
    slug == crate::sandbox_container::SANDBOX_DEGRADED || slug == "bad-configuration"
}

async fn execute(obj: &RunObject, attempt_id: &str) -> ApiResult<Value> {
    let body = sandbox_request(obj, attempt_id).await?;
    crate::sandbox_container::dispatch(obj.env(), body).await
}

/// The sandbox's execute request for an attempt: the program, only the contracted inputs (the fan-out
/// slot sliced to the shard), the bound tools, the limits, the bridge.
pub async fn sandbox_request(obj: &RunObject, attempt_id: &str) -> ApiResult<Value> {
    let (row, call) = task(obj, attempt_id)?;
    if row.state == "done" || row.state == "stopped" {
        // A queue redelivery after the shard's result was applied: counted, and nothing runs.
        let n: u64 = obj.store().get_meta("late_redeliveries")?.unwrap_or(0);
        obj.store().put_meta("late_redeliveries", &(n + 1))?;
        return Err(ApiError::new(
            410,
            "attempt-finished",
            "Attempt finished",
            format!("{attempt_id} is {}", row.state),
        ));
    }
    let meta = obj.meta()?;
    let store = obj.store();
    let code_hash = call
        .code_hash
        .ok_or_else(|| ApiError::internal(format!("{attempt_id} has no code to run")))?;
    #[derive(Deserialize)]
    struct Code {
        source: String,
    }
    let program = store
        .rows::<Code>(
            "SELECT source FROM code WHERE hash = ?",
            vec![code_hash.to_string().into()],
        )?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal(format!("code {code_hash} is not stored with the run")))?
        .source;
    let shape = crate::artifacts::step_shape(obj, &call.step)?;
    let mut inputs = serde_json::Map::new();
    for input in &call.inputs {
        let (name, stored_kind) = store
            .blob(&input.artifact_hash.to_string())?
            .unwrap_or_else(|| (input.slot.clone(), String::new()));
        let kind = shape.kinds.get(&input.slot).cloned().unwrap_or(stored_kind);
        let shard = match (&call.shard, &shape.over) {
            (Some(shard), Some(over)) if over == &input.slot => {
                Some((shard.start as usize, shard.end as usize))
            }
            _ => None,
        };
        // A one-file artifact's hash is its file's; a bundle's is its manifest's (a shard's, when sliced).
        let (slot_hash, files) = crate::artifacts::input_files(
            obj,
            &kind,
            shape.items.as_deref(),
            &input.artifact_hash,
            &name,
            shard,
        )
        .await?;
        let files: Vec<Value> = files
            .into_iter()
            .map(|f| {
                let hash = ContentHash::of_bytes(&f.bytes).to_string();
                match String::from_utf8(f.bytes) {
                    Ok(text) => json!({"name": f.name, "text": text, "hash": hash}),
                    Err(e) => json!({"name": f.name, "content_b64": base64::engine::general_purpose::STANDARD.encode(e.into_bytes()), "hash": hash}),
                }
            })
            .collect();
        inputs.insert(
            input.slot.clone(),
            json!({"kind": kind, "hash": slot_hash.to_string(), "files": files}),
        );
    }
    // The step's bound skills, as compiled: the catalog's source under the hash the plan froze.
    let bound = obj.with_run(|r| {
        r.plan
            .step(&call.step)
            .map(|s| s.contract.skills.clone())
            .unwrap_or_default()
    })?;
    let mut skills = Vec::with_capacity(bound.len());
    for s in bound {
        let entry = writ_catalog::Catalog::builtin()
            .skill(&s.id)
            .filter(|e| e.hash == s.hash)
            .ok_or_else(|| {
                ApiError::internal(format!(
                    "skill {} {} of the frozen plan is not in this deployment's catalog",
                    s.id, s.hash
                ))
            })?;
        skills.push(json!({"id": s.id, "module": entry.descriptor.module, "source": entry.source}));
    }
    let mut limits = json!({});
    if let Some(t) = call.limits.timeout_seconds {
        limits["wall_seconds"] = json!(t);
    }
    // The tenant's pool, spread by run and step plus the shard: never another tenant's sandbox.
    let instance = crate::sandbox_container::instance_for(
        obj.env(),
        &meta.tenant,
        &format!("{}/{}", meta.run_id, call.step),
        call.shard.as_ref().map(|s| s.index).unwrap_or(0),
    )?;
    Ok(json!({
        crate::sandbox_container::ROUTE_MEMBER: instance,
        "attempt_id": attempt_id,
        "program": program,
        "inputs": inputs,
        "skills": skills,
        "tools": call.tools,
        "bridge": {"url": format!("{}/v1/bridge", meta.origin), "token": row.token},
        "limits": limits,
    }))
}

/// Store what the sandbox produced (re-hashing every byte: receipts are the platform's) and turn its
/// receipt into the machine's event.
pub async fn receipt_event(obj: &RunObject, attempt_id: &str, receipt: &Value) -> ApiResult<Event> {
    let placement = match crate::sandbox_container::placement(receipt) {
        Ok(p) => p,
        Err(why) => return Ok(failed_event(attempt_id, &why)),
    };
    let store = obj.store();
    let (_, call) = task(obj, attempt_id)?;
    let mut outputs = BTreeMap::new();
    let declared = obj.with_run(|r| {
        r.plan
            .step(&call.step)
            .map(|s| {
                s.contract
                    .outputs
                    .iter()
                    .map(|o| (o.slot.clone(), o.kind.clone()))
                    .collect::<BTreeMap<_, _>>()
            })
            .unwrap_or_default()
    })?;
    for (slot, out) in receipt["outputs"].as_object().into_iter().flatten() {
        let listed = out["files"].as_array().cloned().unwrap_or_default();
        if listed.is_empty() {
            continue;
        }
        // Every byte is re-hashed here: the sandbox's hashes are claims, the platform's are receipts.
        let mut files = Vec::with_capacity(listed.len());
        for file in &listed {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(file["content_b64"].as_str().unwrap_or_default())
                .map_err(|e| ApiError::upstream(format!("output {slot} is not base64: {e}")))?;
            if file["hash"].as_str() != Some(ContentHash::of_bytes(&bytes).to_string().as_str()) {
                return Ok(failed_event(
                    attempt_id,
                    &format!("output {slot}: the sandbox's hash does not match the bytes"),
                ));
            }
            files.push(crate::artifacts::FileBytes {
                name: file["name"].as_str().unwrap_or(slot).to_string(),
                bytes,
            });
        }
        let kind = declared
            .get(slot)
            .cloned()
            .unwrap_or_else(|| out["kind"].as_str().unwrap_or("").to_string());
        let (bytes, name, rows) = if writ_artifact::is_bundle(&kind) {
            match crate::artifacts::put_bundle(obj, files).await? {
                Ok(manifest) => (manifest, slot.clone(), None),
                Err(why) => {
                    return Ok(failed_event(
                        attempt_id,
                        &format!("output {slot} ({kind}): {why}"),
                    ))
                }
            }
        } else if files.len() == 1 {
            let f = files.remove(0);
            let rows = listed[0]["rows"].as_u64();
            (f.bytes, f.name, rows)
        } else {
            let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
            return Ok(failed_event(
                attempt_id,
                &format!(
                    "output {slot} is a `{kind}`, one file, but the step wrote {}: {names:?}",
                    files.len()
                ),
            ));
        };
        let hash = crate::artifacts::put_blob(obj, &bytes).await?;
        store.put_blob(&hash.to_string(), &name, &kind)?;
        let provenance = (!out["provenance"].is_null()).then_some(&out["provenance"]);
        crate::artifacts::put_output(obj, &hash, &call.step, slot, attempt_id, provenance).await?;
        outputs.insert(
            slot.clone(),
            OutputMeasure {
                hash,
                size: bytes.len() as u64,
                rows,
            },
        );
    }
    let status =
        ReceiptStatus::from_sandbox(receipt["status"].as_str(), receipt["stopped_by"].as_str());
    if status != ReceiptStatus::Ok {
        // Kept for the repair's diagnosis (status, and the evidence the repairer is shown).
        store.put_meta(
            &format!("stderr:{attempt_id}"),
            &tail(receipt["stderr_tail"].as_str().unwrap_or(""), STDERR_KEPT),
        )?;
        crate::outbox::append(
            obj,
            writ_ledger::LedgerEvent::Note {
                text: format!(
                    "attempt {attempt_id} ended {:?} (stopped by {}): {}",
                    status,
                    receipt["stopped_by"].as_str().unwrap_or("-"),
                    tail(receipt["stderr_tail"].as_str().unwrap_or(""), 600)
                ),
            },
        )?;
    }
    Ok(Event::SandboxReturned {
        attempt_id: attempt_id.to_string(),
        receipt: Receipt {
            status,
            exit_code: receipt["exit_code"].as_i64(),
            stopped_by: receipt["stopped_by"].as_str().map(String::from),
            duration_ms: receipt["duration_ms"].as_u64().unwrap_or(0),
            outputs,
            code_hash: call.code_hash,
            tool_calls: receipt["tool_calls"]
                .as_array()
                .map(|a| a.len() as u64)
                .unwrap_or(0),
            model_usage: Default::default(),
            claimed: None,
            sandbox: Some(placement),
        },
    })
}

/// The tail of a failed attempt's stderr kept for its diagnosis.
const STDERR_KEPT: usize = 4_000;

/// The stderr tail of a failed attempt (empty when it had none or succeeded).
pub fn attempt_stderr(obj: &RunObject, attempt_id: &str) -> ApiResult<String> {
    Ok(obj
        .store()
        .get_meta::<String>(&format!("stderr:{attempt_id}"))?
        .unwrap_or_default())
}

/// The source of the code an attempt ran, when the attempt and its code are on record.
pub fn attempt_code(obj: &RunObject, attempt_id: &str) -> ApiResult<Option<String>> {
    let Ok((_, call)) = task(obj, attempt_id) else {
        return Ok(None);
    };
    let Some(hash) = call.code_hash else {
        return Ok(None);
    };
    #[derive(Deserialize)]
    struct Code {
        source: String,
    }
    Ok(obj
        .store()
        .rows::<Code>(
            "SELECT source FROM code WHERE hash = ?",
            vec![hash.to_string().into()],
        )?
        .into_iter()
        .next()
        .map(|c| c.source))
}

fn tail(s: &str, n: usize) -> &str {
    let start = s.len().saturating_sub(n);
    let mut i = start;
    while !s.is_char_boundary(i) {
        i += 1;
    }
    &s[i..]
}

/// A queue consumer reports a shard's receipt; applied once per attempt whatever the redeliveries.
pub async fn shard_result(obj: &RunObject, body: Value) -> ApiResult<Response> {
    let attempt_id = body["attempt_id"]
        .as_str()
        .ok_or_else(|| ApiError::invalid_field("/attempt_id", "required"))?
        .to_string();
    let (_, _, state) = task_token(obj, &attempt_id)?;
    if state == "done" || state == "stopped" {
        let n: u64 = obj
            .store()
            .get_meta("duplicate_results_ignored")?
            .unwrap_or(0);
        obj.store()
            .put_meta("duplicate_results_ignored", &(n + 1))?;
        return json_ok(&json!({"applied": false}));
    }
    // A consumer that got no receipt reports why; the attempt waits for the machine to send it again,
    // unless the deployment refuses the sandbox outright.
    let refused = body
        .get("slug")
        .and_then(Value::as_str)
        .is_some_and(refuses);
    let event = match body.get("error").and_then(Value::as_str) {
        Some(err) if refused => {
            obj.store().exec(
                "UPDATE tasks SET state = 'done' WHERE attempt_id = ?",
                vec![attempt_id.clone().into()],
            )?;
            failed_event(&attempt_id, err)
        }
        Some(err) => {
            obj.store().exec(
                "UPDATE tasks SET state = 'waiting' WHERE attempt_id = ?",
                vec![attempt_id.clone().into()],
            )?;
            unavailable_event(&attempt_id, err)
        }
        None => {
            obj.store().exec(
                "UPDATE tasks SET state = 'done' WHERE attempt_id = ?",
                vec![attempt_id.clone().into()],
            )?;
            receipt_event(obj, &attempt_id, &body["receipt"]).await?
        }
    };
    let effects = obj.apply(event)?;
    obj.pump(effects).await?;
    json_ok(&json!({"applied": true}))
}

async fn merge_shards(
    obj: &RunObject,
    step: &str,
    attempt_id: &str,
    shards: &[writ_run::ShardOutputs],
) -> ApiResult<Event> {
    let store = obj.store();
    let shape = crate::artifacts::step_shape(obj, step)?;
    let over = shape.over.clone().unwrap_or_default();
    let output_kinds: BTreeMap<String, String> = obj.with_run(|r| {
        r.plan
            .step(step)
            .map(|s| {
                s.contract
                    .outputs
                    .iter()
                    .map(|o| (o.slot.clone(), o.kind.clone()))
                    .collect()
            })
            .unwrap_or_default()
    })?;
    let slots: Vec<String> = shards
        .first()
        .map(|s| s.outputs.keys().cloned().collect())
        .unwrap_or_default();
    let mut outputs = BTreeMap::new();
    for slot in slots {
        let kind = output_kinds.get(&slot).cloned().unwrap_or_default();
        let mut parts = Vec::new();
        let mut provs = Vec::new();
        let mut offsets = Vec::new();
        let mut name = slot.clone();
        for shard in shards {
            let m = shard.outputs.get(&slot).ok_or_else(|| {
                ApiError::internal(format!("shard {} lacks {slot}", shard.shard.index))
            })?;
            parts.push(read_blob(obj, &m.hash).await?);
            if let Some((n, _)) = store.blob(&m.hash.to_string())? {
                name = n;
            }
            // A shard that recorded no provenance merges as none; one that cannot be read is an error,
            // never an empty record that would make the merged artifact's values untraceable.
            let prov =
                match crate::artifacts::output_provenance(obj, &m.hash.to_string(), step, &slot)
                    .await?
                {
                    None => writ_artifact::Provenance::default(),
                    Some(v) => writ_artifact::Provenance::parse(&v).map_err(|e| {
                        ApiError::internal(format!(
                            "provenance of shard {} `{slot}`: {e}",
                            shard.shard.index
                        ))
                    })?,
                };
            provs.push(prov);
            offsets.push(shard.shard.start);
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        // Shard outputs that cannot be merged as their kind fail the attempt, naming the slot and why.
        let merged = match writ_artifact::merge_items(&kind, None, &refs) {
            Ok(m) => m,
            Err(e) => {
                return Ok(Event::MergeFailed {
                    attempt_id: attempt_id.to_string(),
                    reason: format!("the shards' `{slot}` ({kind}): {e}"),
                })
            }
        };
        // The merged output's items are numbered across shards: each shard's value pointers move by the
        // items the shards before it produced (a bundle's files are named, not numbered).
        let out_offsets = match writ_artifact::items_of(&kind) {
            writ_artifact::Items::Rows { .. } | writ_artifact::Items::JsonArray { .. } => {
                let mut at = 0;
                let mut offsets = Vec::with_capacity(refs.len());
                for part in &refs {
                    offsets.push(at);
                    at += writ_artifact::count_items(&kind, None, part)
                        .map_err(|e| ApiError::internal(format!("`{slot}` items: {e}")))?;
                }
                Some(offsets)
            }
            writ_artifact::Items::Files | writ_artifact::Items::None => None,
        };
        let prov = writ_artifact::merge_provenance(
            &provs,
            &offsets,
            &over,
            shape.items.as_deref(),
            out_offsets.as_deref(),
        );
        let rows = writ_artifact::count_items(&kind, None, &merged)
            .ok()
            .filter(|_| {
                matches!(
                    writ_artifact::items_of(&kind),
                    writ_artifact::Items::Rows { .. }
                )
            });
        let hash = crate::artifacts::put_blob(obj, &merged).await?;
        store.put_blob(&hash.to_string(), &name, &kind)?;
        let merged_prov = serde_json::to_value(&prov)
            .map_err(|e| ApiError::internal(format!("provenance of {slot}: {e}")))?;
        crate::artifacts::put_output(obj, &hash, step, &slot, attempt_id, Some(&merged_prov))
            .await?;
        outputs.insert(
            slot,
            OutputMeasure {
                hash,
                size: merged.len() as u64,
                rows,
            },
        );
    }
    Ok(Event::Merged {
        attempt_id: attempt_id.to_string(),
        outputs,
    })
}

pub async fn read_blob(obj: &RunObject, hash: &ContentHash) -> ApiResult<Vec<u8>> {
    let meta = obj.meta()?;
    crate::inputs::read_blob(obj.env(), &meta.tenant, &hash.to_string()).await
}

pub async fn flush_ledger(obj: &RunObject) {
    if let Err(e) = crate::outbox::flush(obj).await {
        // Postgres may be down: entries wait in the outbox and the alarm retries.
        worker::console_log!("ledger flush deferred: {}", e.detail);
    }
}

pub async fn decide_gate(obj: &RunObject, approve: bool, body: Value) -> ApiResult<Response> {
    let step_arg = body["step"].as_str().unwrap_or_default().to_string();
    let step = obj
        .with_run(|r| {
            r.plan
                .steps
                .iter()
                .find(|s| s.id == step_arg || s.contract.slug == step_arg)
                .map(|s| s.id.clone())
        })?
        .ok_or_else(|| ApiError::not_found(format!("the run has no step {step_arg}")))?;
    let principal = body["principal"].as_str().unwrap_or_default().to_string();
    let scopes: Vec<String> = serde_json::from_value(body["scopes"].clone()).unwrap_or_default();
    let event = if approve {
        Event::Approve {
            step: step.clone(),
            principal,
            scopes,
        }
    } else {
        Event::Reject {
            step: step.clone(),
            principal,
            scopes,
            reason: body["reason"].as_str().unwrap_or_default().to_string(),
        }
    };
    let effects = obj.apply(event)?;
    let refusal = effects.iter().find_map(|e| match e {
        Effect::Refused { code, reason, .. } => Some((code.to_string(), reason.clone())),
        _ => None,
    });
    obj.pump(effects).await?;
    if let Some((code, reason)) = refusal {
        // A decision on a run that has ended conflicts with its state; anything else is a refusal of the principal.
        let err = if code == writ_run::codes::RUN_TERMINAL.to_string() {
            ApiError::conflict(reason)
        } else {
            ApiError::forbidden(reason)
        };
        return Err(err.with(json!({"code": code, "step": step})));
    }
    json_ok(&obj.status()?)
}

/// A person's repair of a failed step (`POST /v1/runs/{id}/steps/{step}/repair`, forwarded with the
/// principal and its scopes): a patched program (`program`: the whole Python source, stored with the run
/// under its hash) or a corrected input (`input`: `{slot, hash, name}` of an upload). The machine decides
/// (scope, state, slot, bounds); its refusal is the answer: 403 for the scope, 422 for an unknown slot, 409
/// otherwise.
pub async fn repair_step(obj: &RunObject, body: Value) -> ApiResult<Response> {
    let step_arg = body["step"].as_str().unwrap_or_default().to_string();
    let (step, slot_kinds) = obj
        .with_run(|r| {
            r.plan
                .steps
                .iter()
                .find(|s| s.id == step_arg || s.contract.slug == step_arg)
                .map(|s| {
                    let kinds: BTreeMap<String, String> = s
                        .contract
                        .inputs
                        .iter()
                        .map(|i| (i.slot.clone(), i.kind.clone()))
                        .collect();
                    (s.id.clone(), kinds)
                })
        })?
        .ok_or_else(|| ApiError::not_found(format!("the run has no step {step_arg}")))?;
    let patch = match (
        body["program"].as_str(),
        body.get("input").filter(|v| !v.is_null()),
    ) {
        (Some(source), None) => {
            if source.trim().is_empty() {
                return Err(ApiError::invalid_field("/program", "the program is empty"));
            }
            let hash = ContentHash::of_bytes(source.as_bytes());
            obj.store().exec(
                "INSERT OR IGNORE INTO code (hash, source) VALUES (?, ?)",
                vec![hash.to_string().into(), source.into()],
            )?;
            writ_run::Patch::Code { code_hash: hash }
        }
        (None, Some(input)) => {
            let slot = input["slot"]
                .as_str()
                .ok_or_else(|| ApiError::invalid_field("/input/slot", "required"))?
                .to_string();
            let hash = ContentHash::parse(input["hash"].as_str().unwrap_or_default())
                .map_err(|e| ApiError::invalid_field("/input/hash", e.to_string()))?;
            let meta = obj.meta()?;
            let stored = obj
                .env()
                .bucket("ARTIFACTS")?
                .head(blob_key(&meta.tenant, &hash.to_string()))
                .await?;
            if stored.is_none() {
                return Err(ApiError::invalid_field(
                    "/input/hash",
                    format!("no uploaded input {hash} (POST /v1/inputs first)"),
                ));
            }
            // The sandbox reads the slot under its contracted kind and the uploaded file's name; an unknown
            // slot is the machine's to refuse.
            if let Some(kind) = slot_kinds.get(&slot) {
                let name = input["name"].as_str().unwrap_or(&slot).to_string();
                obj.store().put_blob(&hash.to_string(), &name, kind)?;
            }
            writ_run::Patch::Input {
                slot,
                artifact_hash: hash,
            }
        }
        _ => return Err(ApiError::invalid_field(
            "/program",
            "give exactly one of `program` (the step's whole new code) or `input` ({slot, hash})",
        )),
    };
    let scopes: Vec<String> = serde_json::from_value(body["scopes"].clone()).unwrap_or_default();
    let event = Event::RepairPatch {
        step: step.clone(),
        patch,
        by: writ_run::Repairer::Person {
            principal: body["principal"].as_str().unwrap_or_default().to_string(),
            scopes,
        },
    };
    let effects = obj.apply(event)?;
    let refusal = effects.iter().find_map(|e| match e {
        Effect::Refused { code, reason, .. } => Some((*code, reason.clone())),
        _ => None,
    });
    obj.pump(effects).await?;
    if let Some((code, reason)) = refusal {
        let err = if code == writ_run::codes::REPAIRER_LACKS_SCOPE {
            ApiError::forbidden(reason)
        } else if code == writ_run::codes::REPAIR_UNKNOWN_SLOT {
            ApiError::invalid_field("/input/slot", reason)
        } else {
            ApiError::conflict(reason)
        };
        return Err(err.with(json!({"code": code.to_string(), "step": step})));
    }
    json_ok(&obj.status()?)
}

/// What the shell itself counts: the ledger outbox, duplicate deliveries it absorbed.
pub fn shell_json(obj: &RunObject) -> ApiResult<Value> {
    Ok(json!({
        "ledger_recorded": crate::outbox::recorded(obj)?,
        "ledger_pending": crate::outbox::len(obj)?,
        "duplicate_results_ignored": obj.store().get_meta::<u64>("duplicate_results_ignored")?.unwrap_or(0),
        "late_redeliveries": obj.store().get_meta::<u64>("late_redeliveries")?.unwrap_or(0),
        "events": obj.store().log_len()?,
        "last_interruption": obj.store().get_meta::<Value>("last_interruption")?,
    }))
}

pub fn status_json(run: &Run, meta: &RunMeta) -> Value {
    let steps: Vec<Value> = run
        .plan
        .steps
        .iter()
        .map(|fs| {
            let st = run.step(&fs.id);
            let c = &fs.contract;
            let phases = &run.profile.phases;
            // Who did what for this step, as the frozen plan and profile say it is served.
            let executed_by = match (&c.program, c.code_hash) {
                (Some(p), _) => format!("builtin: the pack's reference program `{}`", p.id),
                (None, Some(_)) => "the plan's own code".to_string(),
                (None, None) => format!("{} {}", phases.executor.provider, phases.executor.model),
            };
            let evaluated_by = c
                .tools
                .iter()
                .any(|t| t.id == writ_packs::EVALUATOR_TOOL)
                .then(|| {
                    if run.mode.is_sealed() {
                        "builtin (the pack's rubric as code: a sealed run calls no model)"
                            .to_string()
                    } else {
                        crate::models::judged_by(&phases.auditor, None)
                    }
                });
            json!({
                "id": fs.id,
                "slug": c.slug,
                "state": st.map(|s| s.state.as_str()).unwrap_or("pending"),
                "attempts": st.map(|s| s.attempts_started).unwrap_or(0),
                "gate": c.gate,
                "shards": st.and_then(|s| s.shards.as_ref()).map(|s| s.shards.len()),
                "executed_by": executed_by,
                "audited_by": if c.rubric.is_empty() {
                    "nobody: the step has no rubric".to_string()
                } else if phases.auditor.is_builtin() || run.mode.is_sealed() {
                    "builtin: the pack's rubric checks as code".to_string()
                } else {
                    format!("{} {} and the pack's rubric checks as code", phases.auditor.provider, phases.auditor.model)
                },
                "evaluated_by": evaluated_by,
            })
        })
        .collect();
    let done = run
        .steps
        .iter()
        .filter(|s| s.state == StepState::Published)
        .count();
    let pending: Vec<&str> = run
        .steps
        .iter()
        .filter(|s| s.state == StepState::AwaitingApproval)
        .map(|s| s.id.as_str())
        .collect();
    let running: Vec<&str> = run
        .steps
        .iter()
        .filter(|s| s.state.is_active())
        .map(|s| s.id.as_str())
        .collect();
    // What the run waits for that is not its own work, and since when (budgets do not count it).
    let waiting_for_infrastructure: Vec<Value> = run
        .infra
        .iter()
        .map(|(attempt, w)| {
            json!({
                "step": w.step,
                "attempt_id": attempt,
                "failures": w.failures,
                "since_ms": w.since_ms,
                "retry_at_ms": w.retry_at_ms,
                "paused": w.paused(),
                "reason": w.reason,
            })
        })
        .collect();
    let gates: Vec<Value> = run
        .steps
        .iter()
        .filter(|s| s.state == StepState::AwaitingApproval)
        .filter_map(|s| {
            s.gate_since_ms.map(|since| {
                json!({
                    "step": s.id,
                    "waiting_since_ms": since,
                    "expires_at_ms": since.saturating_add(run.gate_expiry_ms()),
                })
            })
        })
        .collect();
    let diagnosis: Vec<Value> = run
        .diagnosis()
        .into_iter()
        .map(|(step, e)| {
            json!({
                "step": step,
                "code": e.code.to_string(),
                "reason": e.reason,
                "attempt_id": e.attempt_id,
                "exit_code": e.exit_code,
                "report_hash": e.report_hash,
                "proof_hash": e.proof_hash,
            })
        })
        .collect();
    let message = if let Some(w) = run.infra.values().find(|w| w.paused()) {
        format!(
            "awaiting infrastructure: step {} got no answer from the sandbox {} times ({}); retrying",
            w.step, w.failures, w.reason
        )
    } else if !diagnosis.is_empty() {
        let steps: Vec<&str> = diagnosis
            .iter()
            .filter_map(|d| d["step"].as_str())
            .collect();
        format!(
            "awaiting repair: {} (writ repair RUN --step STEP --program FILE | --input SLOT=PATH, or cancel)",
            steps.join(", ")
        )
    } else if !pending.is_empty() {
        format!("awaiting approval: {}", pending.join(", "))
    } else if !running.is_empty() {
        running.join(", ")
    } else {
        String::new()
    };
    json!({
        "id": run.id,
        "state": run.state.as_str(),
        "workflow": meta.workflow,
        "objective": meta.objective,
        "creator": run.creator,
        "served_by": meta.served_by,
        "mode": if run.mode.is_sealed() { "sealed" } else { "live" },
        "program_id": meta.program_id,
        "plan_hash": run.plan.plan_hash,
        "profile_hash": run.profile_hash,
        "steps": steps,
        "pending_approvals": pending,
        "repair": diagnosis,
        "progress": {"done": done, "total": run.steps.len()},
        "message": message,
        "usage": run.usage,
        "error": run.failure.as_ref().map(|f| format!("{}: {}", f.code, f.reason))
            .or_else(|| run.steps.iter().find_map(|s| s.failure.as_ref().map(|f| format!("{}: {}", s.id, f.evidence.reason)))),
        "refusals": run.refusals.iter().rev().take(20).collect::<Vec<_>>(),
        "started_ms": run.started_ms,
        // Read now, not at the machine's last event: a run at a gate has no events while it waits.
        "waited_ms": run.waited_ms(now_ms().max(run.clock_ms)),
        "working_ms": run.working_ms(now_ms().max(run.clock_ms)),
        "gates": gates,
        "waiting_for_infrastructure": waiting_for_infrastructure,
    })
}

/// The run's deliverables (what the plan publishes by name), and with `all` its intermediate artifacts too.
pub fn artifacts_json(obj: &RunObject, all: bool) -> ApiResult<Value> {
    #[derive(Deserialize, Serialize)]
    struct A {
        name: String,
        step: String,
        slot: String,
        hash: String,
        kind: String,
        provenance_hash: String,
    }
    let q = if all {
        "SELECT name, step, slot, hash, kind, provenance_hash FROM artifacts ORDER BY deliverable DESC, name"
    } else {
        "SELECT name, step, slot, hash, kind, provenance_hash FROM artifacts WHERE deliverable = 1 ORDER BY name"
    };
    let rows: Vec<A> = obj.store().rows(q, vec![])?;
    Ok(json!({"artifacts": rows}))
}

pub async fn provenance_json(obj: &RunObject, name: &str) -> ApiResult<Value> {
    let meta = obj.meta()?;
    let hash = artifact_hash(obj, name)?;
    let obj_r2 = obj
        .env()
        .bucket("ARTIFACTS")?
        .get(format!("t/{}/provenance/{}", meta.tenant, hash))
        .execute()
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no provenance for {name}")))?;
    let text = obj_r2
        .body()
        .ok_or_else(|| ApiError::internal("empty provenance"))?
        .text()
        .await?;
    serde_json::from_str(&text).map_err(|e| ApiError::internal(e.to_string()))
}

pub fn artifact_hash(obj: &RunObject, name: &str) -> ApiResult<String> {
    #[derive(Deserialize)]
    struct H {
        hash: String,
    }
    obj.store()
        .rows::<H>(
            // A directory artifact (`site/`) is also found by its name without the slash.
            "SELECT hash FROM artifacts WHERE name = ? OR name = ? ORDER BY name LIMIT 1",
            vec![name.into(), format!("{name}/").into()],
        )?
        .into_iter()
        .next()
        .map(|h| h.hash)
        .ok_or_else(|| ApiError::not_found(format!("the run published no artifact named {name}")))
}

/// A succeeded run as a program: its frozen plan, the code every step ran (a model's and a repair's
/// included) and their sources, under one hash (`writ_run::SealedProgram` decides what is sealed).
pub fn seal(obj: &RunObject) -> ApiResult<Value> {
    #[derive(Deserialize, Serialize)]
    struct C {
        hash: String,
        source: String,
    }
    let code: Vec<C> = obj
        .store()
        .rows("SELECT hash, source FROM code ORDER BY hash", vec![])?;
    let sources: BTreeMap<String, String> = code.into_iter().map(|c| (c.hash, c.source)).collect();
    let program = obj
        .with_run(|r| writ_run::SealedProgram::of(r, &sources))?
        .map_err(|e| match e {
            writ_run::SealError::NotSealable(why) => ApiError::conflict(why),
            other => ApiError::internal(other.to_string()),
        })?;
    let hash = program
        .hash()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    crate::outbox::append(
        obj,
        writ_ledger::LedgerEvent::RunSealed {
            program_id: format!("prog_{}", &hash.hex()[..16]),
            program_hash: hash,
        },
    )?;
    Ok(json!({"program_hash": hash, "program": program, "sealed_at": now_rfc3339()}))
}
