//! The RunObject Durable Object: one per run. It holds the run machine (`writ-run`) and its event log in
//! SQLite, and carries out the machine's effects: R2 reads and writes, sandbox calls (directly for a step,
//! through the queue for the shards of a fan-out step), the validation ladder, the audit, the ledger outbox.
//!
//! The log is the truth: a fresh instance (after a restart of `wrangler dev`, an eviction, a crash) replays
//! it into the machine and sends `Resume`, which re-issues whatever was in flight; every external answer
//! echoes an attempt id, so a late or duplicated answer is absorbed by the machine.

use crate::clock::{now_ms, now_rfc3339};
use crate::run_exec::{self, RunMeta};
use crate::run_store::Store;
use serde::Deserialize;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::VecDeque;
use worker::*;
use writ_plan::FrozenPlan;
use writ_run::{Effect, Event, LogEntry, Run, StartRun};

#[durable_object]
pub struct RunObject {
    state: State,
    env: Env,
    live: RefCell<Option<Run>>,
    /// The run's metadata never changes after `/init`; read from SQLite once.
    meta: RefCell<Option<RunMeta>>,
    /// What the progress feed last showed, to append only changes.
    last_progress: RefCell<Option<(String, usize, String)>>,
    /// The ledger outbox's next seq (see `outbox::next_seq`).
    ledger_seq: std::cell::Cell<Option<u64>>,
    /// Shard messages produced by this pump, sent as one batch when it ends.
    shards_out: RefCell<Vec<crate::ShardMessage>>,
    /// The earliest time the machine asked to be woken (`SetAlarm`) during this pump.
    alarm_at: std::cell::Cell<Option<u64>>,
    /// A pump failed part-way (its remaining effects were not carried out): the next alarm sends `Resume`,
    /// which re-issues whatever is in flight, so nothing the machine asked for is lost.
    needs_resume: std::cell::Cell<bool>,
    /// Consecutive failed alarms, for their backoff.
    failures: std::cell::Cell<u32>,
}

impl DurableObject for RunObject {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            live: RefCell::new(None),
            meta: RefCell::new(None),
            last_progress: RefCell::new(None),
            ledger_seq: std::cell::Cell::new(None),
            shards_out: RefCell::new(Vec::new()),
            alarm_at: std::cell::Cell::new(None),
            needs_resume: std::cell::Cell::new(false),
            failures: std::cell::Cell::new(0),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        // A shard's result is marked applied before its effects run: if they fail part-way, the consumer's
        // redelivery is absorbed as a duplicate, so the object itself must resume what was left.
        let resumes = req.path() == "/shard-result";
        match self.route(req).await {
            Ok(resp) => Ok(resp),
            Err(e) => {
                if resumes && e.status >= 500 {
                    self.interrupted(&e.detail).await;
                }
                Ok(e.response())
            }
        }
    }

    async fn alarm(&self) -> Result<Response> {
        match self.on_alarm().await {
            Ok(()) => self.failures.set(0),
            Err(e) => self.interrupted(&e.detail).await,
        }
        Response::ok("alarm")
    }
}

use crate::error::{ApiError, ApiResult};

#[derive(Deserialize)]
struct InitBody {
    meta: RunMeta,
    plan: FrozenPlan,
    /// run input name → {hash, name, kind}
    inputs: std::collections::BTreeMap<String, InputRef>,
    #[serde(default)]
    program_hash: Option<writ_canon::ContentHash>,
    /// A sealed program's step → the hash of the code it runs.
    #[serde(default)]
    step_code: std::collections::BTreeMap<String, writ_canon::ContentHash>,
    /// Code sources the run may execute, by content hash (catalog programs, sealed code).
    #[serde(default)]
    code: std::collections::BTreeMap<String, String>,
    /// Model runs: the candidate, the planner's metered calls and exchanges (`crate::models::init`).
    #[serde(default)]
    models: Option<Value>,
}

#[derive(Deserialize, serde::Serialize, Clone)]
pub struct InputRef {
    pub hash: writ_canon::ContentHash,
    pub name: String,
    pub kind: String,
}

impl RunObject {
    pub fn store(&self) -> Store {
        Store::new(self.state.storage().sql())
    }

    /// The ledger outbox's next seq, when known in memory (see `outbox::next_seq`).
    pub fn ledger_seq(&self) -> Option<u64> {
        self.ledger_seq.get()
    }

    pub fn want_alarm_at(&self, at_ms: u64) {
        let earliest = self.alarm_at.get().map_or(at_ms, |a| a.min(at_ms));
        self.alarm_at.set(Some(earliest));
    }

    pub fn queue_shard(&self, m: crate::ShardMessage) {
        self.shards_out.borrow_mut().push(m);
    }

    pub fn set_ledger_seq(&self, n: u64) {
        self.ledger_seq.set(Some(n));
    }

    pub fn env(&self) -> &Env {
        &self.env
    }

    pub fn meta(&self) -> ApiResult<RunMeta> {
        if let Some(m) = self.meta.borrow().as_ref() {
            return Ok(m.clone());
        }
        let m: RunMeta = self
            .store()
            .get_meta("meta")?
            .ok_or_else(|| ApiError::not_found("no such run"))?;
        *self.meta.borrow_mut() = Some(m.clone());
        Ok(m)
    }

    /// Load the machine from the log when this instance has not yet; a fresh instance of a run that is
    /// still going sends `Resume` so in-flight work is re-issued.
    async fn ensure_loaded(&self) -> ApiResult<()> {
        if self.live.borrow().is_some() {
            return Ok(());
        }
        let store = self.store();
        let Some(plan) = store.get_meta::<FrozenPlan>("plan")? else {
            return Err(ApiError::not_found("no such run"));
        };
        let log: Vec<LogEntry> = store.log()?;
        let run = Run::replay(plan, &log).map_err(|e| {
            ApiError::internal(format!("the run's log does not replay ({}): {e}", e.code()))
        })?;
        let active = !run.state.is_terminal();
        *self.live.borrow_mut() = Some(run);
        if active {
            let effects = self.apply(Event::Resume)?;
            self.pump(effects).await?;
        }
        Ok(())
    }

    /// Log the event (the truth), hand it to the machine, return its effects.
    pub fn apply(&self, event: Event) -> ApiResult<Vec<Effect>> {
        let now = now_ms();
        let mut guard = self.live.borrow_mut();
        let run = guard
            .as_mut()
            .ok_or_else(|| ApiError::internal("run not loaded"))?;
        let effects = run.handle(event.clone(), now);
        let mut entry = LogEntry::new(now, event);
        entry.effects_hash = writ_run::effects_hash(&effects);
        self.store().append_log(&entry)?;
        Ok(effects)
    }

    pub fn with_run<T>(&self, f: impl FnOnce(&Run) -> T) -> ApiResult<T> {
        let guard = self.live.borrow();
        guard
            .as_ref()
            .map(f)
            .ok_or_else(|| ApiError::internal("run not loaded"))
    }

    /// Carry out effects until none are left; effects that answer at once feed their events straight back.
    pub async fn pump(&self, effects: Vec<Effect>) -> ApiResult<()> {
        let mut queue: VecDeque<Effect> = effects.into();
        let mut wake = false;
        while let Some(effect) = queue.pop_front() {
            let follow = run_exec::carry_out(self, effect, &mut wake).await?;
            for event in follow {
                queue.extend(self.apply(event)?);
            }
        }
        let shards: Vec<crate::ShardMessage> = std::mem::take(&mut *self.shards_out.borrow_mut());
        if !shards.is_empty() {
            self.env.queue("SHARDS")?.send_batch(shards).await?;
        }
        self.publish_progress()?;
        let wanted = self.alarm_at.take();
        if wake {
            self.state.storage().set_alarm(0).await?;
        } else if let Some(at) = wanted {
            // Keep an earlier alarm if one is already set.
            let current = self.state.storage().get_alarm().await?;
            if current.is_none_or(|c| c as u64 > at) {
                self.state
                    .storage()
                    .set_alarm(at.saturating_sub(now_ms()) as i64)
                    .await?;
            }
        }
        Ok(())
    }

    /// Append to the progress feed when something a watcher sees has changed (tool calls alone do not).
    fn publish_progress(&self) -> ApiResult<()> {
        // A cheap fingerprint first: most pumps (tool calls) change nothing a watcher sees.
        let print = self.with_run(|r| {
            let active: Vec<&str> = r
                .steps
                .iter()
                .filter(|s| s.state.is_active())
                .map(|s| s.state.as_str())
                .collect();
            (
                r.state.as_str().to_string(),
                r.steps
                    .iter()
                    .filter(|s| s.state == writ_run::StepState::Published)
                    .count(),
                active.join(","),
            )
        })?;
        if self.last_progress.borrow().as_ref() == Some(&print) {
            return Ok(());
        }
        *self.last_progress.borrow_mut() = Some(print);
        let status = self.status()?;
        let body = json!({
            "state": status["state"],
            "progress": status["progress"],
            "message": status["message"],
        });
        let last: Option<Value> = self.store().get_meta("feed_last")?;
        if last.as_ref() != Some(&body) {
            self.store().feed(&body)?;
            self.store().put_meta("feed_last", &body)?;
        }
        Ok(())
    }

    pub fn status(&self) -> ApiResult<Value> {
        let meta = self.meta()?;
        let mut status = self.with_run(|run| run_exec::status_json(run, &meta))?;
        status["shell"] = run_exec::shell_json(self)?;
        // A repair's diagnosis shows what the failing attempt wrote to stderr.
        for d in status["repair"].as_array_mut().into_iter().flatten() {
            if let Some(attempt) = d["attempt_id"].as_str().map(String::from) {
                d["stderr"] = json!(run_exec::attempt_stderr(self, &attempt)?);
            }
        }
        // The ladder's corrections of each step's outputs, from its validation report.
        let reports = self.with_run(|run| {
            run.steps
                .iter()
                .map(|s| s.report_hash.map(|h| h.to_string()))
                .collect::<Vec<_>>()
        })?;
        for (step, report) in status["steps"]
            .as_array_mut()
            .into_iter()
            .flatten()
            .zip(reports)
        {
            let Some(hash) = report else { continue };
            let Some(doc) = crate::validate::doc(self, &hash)? else {
                return Err(ApiError::internal(format!(
                    "the validation report {hash} is not stored"
                )));
            };
            let corrections: Vec<Value> = doc["reports"]
                .as_object()
                .into_iter()
                .flatten()
                .flat_map(|(slot, r)| {
                    r["corrections"].as_array().into_iter().flatten().map(move |c| {
                        json!({"slot": slot, "stage": c["stage"], "what": c["what"], "why": c["why"]})
                    })
                })
                .collect();
            step["corrections"] = json!(corrections);
        }
        Ok(status)
    }

    /// Something failed on the way (storage, R2, a queue): the run resumes at the next alarm, backing off.
    async fn interrupted(&self, why: &str) {
        console_error!("run object: {why}; resuming at the next alarm");
        self.needs_resume.set(true);
        let n = self.failures.get().saturating_add(1);
        self.failures.set(n);
        let _ = self.store().put_meta(
            "last_interruption",
            &json!({"at": now_rfc3339(), "why": why, "in_a_row": n}),
        );
        let delay = 1000u64.saturating_mul(1 << n.min(6)).min(60_000);
        let _ = self.state.storage().set_alarm(delay as i64).await;
    }

    async fn on_alarm(&self) -> ApiResult<()> {
        self.ensure_loaded().await?;
        if self.needs_resume.replace(false) {
            let active = self.with_run(|r| !r.state.is_terminal())?;
            if active {
                let effects = self.apply(Event::Resume)?;
                self.pump(effects).await?;
            }
        }
        let events = run_exec::run_due_work(self).await?;
        for event in events {
            let effects = self.apply(event)?;
            self.pump(effects).await?;
        }
        // The machine's own timer (deadlines, retries) rides on the same alarm.
        let due = self.with_run(|r| r.alarm_ms.map(|at| at <= now_ms()).unwrap_or(false))?;
        if due {
            let effects = self.apply(Event::AlarmFired)?;
            self.pump(effects).await?;
        }
        run_exec::flush_ledger(self).await;
        let pending = run_exec::has_pending_work(self)? || run_exec::outbox_len(self)? > 0;
        let machine_alarm = self.with_run(|r| r.alarm_ms)?;
        let next = match (pending, machine_alarm) {
            (true, Some(at)) => Some(at.min(now_ms() + PENDING_POLL_MS)),
            (true, None) => Some(now_ms() + PENDING_POLL_MS),
            (false, Some(at)) => Some(at),
            (false, None) => None,
        };
        if let Some(at) = next {
            self.state
                .storage()
                .set_alarm(at.saturating_sub(now_ms()) as i64)
                .await?;
        }
        Ok(())
    }

    async fn route(&self, mut req: Request) -> ApiResult<Response> {
        let path = req.path();
        let method = req.method();
        if path == "/init" && method == Method::Post {
            let body: InitBody =
                crate::http::parse_json(&crate::http::body_bytes(&mut req, 16 << 20).await?)?;
            return self.init(body).await;
        }
        self.ensure_loaded().await?;
        let q = |name: &str| crate::http::query_param(&req, name).unwrap_or_default();
        match (method, path.as_str()) {
            (Method::Get, "/status") => json_ok(&self.status()?),
            (Method::Get, "/plan") => {
                let plan: FrozenPlan = self
                    .store()
                    .get_meta("plan")?
                    .ok_or_else(|| ApiError::not_found("no plan"))?;
                json_ok(&plan)
            }
            (Method::Get, "/feed") => {
                let after: i64 = q("after").parse().unwrap_or(0);
                json_ok(
                    &json!({"events": self.store().feed_since(after)?.into_iter().map(|(s, b)| json!({"seq": s, "body": b})).collect::<Vec<_>>()}),
                )
            }
            (Method::Get, "/log") => {
                let log: Vec<Value> = self.store().log()?;
                json_ok(&json!({"events": log}))
            }
            (Method::Post, "/approve") | (Method::Post, "/reject") => {
                let body: Value =
                    crate::http::parse_json(&crate::http::body_bytes(&mut req, 1 << 16).await?)?;
                run_exec::decide_gate(self, path == "/approve", body).await
            }
            (Method::Post, "/repair") => {
                let body: Value =
                    crate::http::parse_json(&crate::http::body_bytes(&mut req, 4 << 20).await?)?;
                run_exec::repair_step(self, body).await
            }
            (Method::Post, "/cancel") => {
                let body: Value =
                    crate::http::parse_json(&crate::http::body_bytes(&mut req, 1 << 16).await?)?;
                let effects = self.apply(Event::Cancel {
                    principal: body["principal"].as_str().map(String::from),
                    reason: body["reason"].as_str().unwrap_or("cancelled").to_string(),
                })?;
                self.pump(effects).await?;
                json_ok(&self.status()?)
            }
            (Method::Get, "/artifacts") => {
                json_ok(&run_exec::artifacts_json(self, q("all") == "true")?)
            }
            (Method::Get, "/doc") => match crate::validate::doc(self, &q("hash"))? {
                Some(doc) => json_ok(&doc),
                None => Err(ApiError::not_found(
                    "no validation report or proof record with that hash in this run",
                )),
            },
            (Method::Get, "/code") => crate::viewer::code_source(self, &q("hash")),
            (Method::Get, "/timing") => crate::viewer::timing(self),
            (Method::Get, "/provenance") => {
                json_ok(&run_exec::provenance_json(self, &q("name")).await?)
            }
            (Method::Get, "/trace") => {
                json_ok(&crate::trace::trace(self, &q("artifact"), &q("pointer")).await?)
            }
            (Method::Get, "/task") => {
                json_ok(&run_exec::sandbox_request(self, &q("attempt")).await?)
            }
            (Method::Post, "/shard-result") => {
                let body: Value =
                    crate::http::parse_json(&crate::http::body_bytes(&mut req, 64 << 20).await?)?;
                run_exec::shard_result(self, body).await
            }
            (Method::Post, "/bridge") => {
                let body: Value =
                    crate::http::parse_json(&crate::http::body_bytes(&mut req, 1 << 20).await?)?;
                crate::bridge::tool_call(self, body).await
            }
            (Method::Post, "/seal") => json_ok(&run_exec::seal(self)?),
            (Method::Get, "/models") => json_ok(&crate::models::export(self)?),
            (Method::Post, "/profile") => {
                let body: Value =
                    crate::http::parse_json(&crate::http::body_bytes(&mut req, 1 << 20).await?)?;
                crate::models::change_profile(self, body).await
            }
            (Method::Post, "/flush") => {
                run_exec::flush_ledger(self).await;
                json_ok(&json!({"outbox": run_exec::outbox_len(self)?}))
            }
            _ => Err(ApiError::not_found(format!(
                "run object has no route {path}"
            ))),
        }
    }

    async fn init(&self, body: InitBody) -> ApiResult<Response> {
        let store = self.store();
        if store.get_meta::<RunMeta>("meta")?.is_some() {
            self.ensure_loaded().await?;
            return json_ok(&self.status()?);
        }
        store.put_meta("meta", &body.meta)?;
        store.put_meta("plan", &body.plan)?;
        for (hash, source) in &body.code {
            store.exec(
                "INSERT OR IGNORE INTO code (hash, source) VALUES (?, ?)",
                vec![hash.clone().into(), source.clone().into()],
            )?;
        }
        let mut inputs = std::collections::BTreeMap::new();
        for (name, input) in &body.inputs {
            store.put_blob(&input.hash.to_string(), &input.name, &input.kind)?;
            inputs.insert(name.clone(), input.hash);
        }
        let mode = match body.program_hash {
            Some(program_hash) => writ_run::RunMode::Sealed {
                program_hash,
                code: body.step_code,
            },
            None => writ_run::RunMode::Live,
        };
        let start = StartRun {
            run_id: body.meta.run_id.clone(),
            creator: body.meta.creator.clone(),
            inputs,
            mode,
            plan_hash: body.plan.plan_hash,
        };
        let now = now_ms();
        let (run, effects) = Run::start(body.plan, start.clone(), now)
            .map_err(|e| ApiError::invalid_field("/plan", format!("the run cannot start: {e}")))?;
        let mut entry = LogEntry::new(now, Event::Start(start));
        entry.effects_hash = writ_run::effects_hash(&effects);
        store.append_log(&entry)?;
        store.put_meta("created_at", &now_rfc3339())?;
        *self.live.borrow_mut() = Some(run);
        let mut effects = effects;
        effects.extend(crate::models::init(self, body.models)?);
        self.pump(effects).await?;
        json_ok(&self.status()?)
    }
}

/// While sandbox work is waiting (busy slots, queued shards, an unflushed outbox), the alarm comes back this often.
const PENDING_POLL_MS: u64 = 250;

pub fn json_ok<T: serde::Serialize>(v: &T) -> ApiResult<Response> {
    crate::http::json(200, v)
}
