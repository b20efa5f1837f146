//! Models in the running system: the planner and the executor asked over the providers' real wire formats,
//! every call metered into the run machine and the ledger, every exchange recorded for replay.
//!
//! writ-models decides everything (request and reply formats, re-asking, retry policy, accounting, replay);
//! this module carries it out with `worker::Fetch`:
//!
//! - **Creation** (`POST /v1/runs` with a model profile, a run-level override, or only an `objective`): the
//!   profile is resolved and frozen (catalog profile, then `profile_override`, then the model base URL), the
//!   planner conversation drafts the candidate (unless `workflow` or `plan` is given), the compiler freezes it.
//!   When the executor phase is a model, `program` is stripped from the candidate's code steps, so the frozen
//!   contract names no code and the machine leaves `SandboxCall::code_hash` unset: the code is written per step.
//! - **Execution** ([`ensure_code`], called before a sandbox attempt is stored): a call with no code gets it
//!   from the executor conversation (`ExecuteTask::from_plan`, with input samples); the code is stored in the
//!   run's `code` table under its blake3 hash and the call runs it (the receipt carries that hash, so
//!   provenance and sealing see it). One conversation per step and set of inputs; retries reuse its code.
//! - **Metering**: every call becomes `Event::ModelCall` (the machine freezes the profile on the first one and
//!   enforces budgets) and a full `LedgerEvent::ModelCall` (provider, model, tokens, exact cost, latency,
//!   request and response hashes), written in the place of the machine's own `model_call` record so that the
//!   ledger keeps the machine's order (`profile_frozen` before the first `model_call`).
//! - **Record and replay**: every exchange (retries included) is stored in the run's SQLite under its request
//!   hash; `POST /v1/runs/{id}/replay` starts a new run with the same request answered from the recording
//!   (`Replayer`; a miss fails the call, it never goes live).
//!
//! Keys: a request carries `{{secret:NAME}}` placeholders until the moment it is sent; the key comes from the
//! Worker secret (or var) `NAME`, on a local stack a dummy when none is set. Run-level overrides may not name
//! secrets, and may change the provider URL only on a local stack (a key must never follow a URL a caller chose).

use crate::auth::Principal;
use crate::clock::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::run_object::{json_ok, RunObject};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;
use worker::{Env, Fetch, Headers, Method, Request, RequestInit, Response};
use writ_canon::ContentHash;
use writ_catalog::Catalog;
use writ_ledger::{LedgerEvent, RunOutcome, UsdAmount};
use writ_models::accounting::{CallFacts, ModelCallRecord, Usd};
use writ_models::conversation::{Conversation, Next};
use writ_models::http::HttpRequest;
use writ_models::profile::{resolve, FrozenProfile, ProfileLayer, ProfileOverride};
use writ_models::provider::{
    build_call, parse_response, ModelReply, Params, ProviderCall, ProviderError, ProviderKind,
};
use writ_models::replay::{
    request_hash, response_hash, Exchange, RecordedResponse, Recording, Replayer,
};
use writ_models::retry::{Jitter, RetryDecision, RetryPolicy};
use writ_models::task::{ExecuteTask, JudgeTask, PlanTask, RepairTask, Task};
use writ_plan::{ExecutionProfile, Phase, PhaseConfig, PlanCandidate};
use writ_run::{Effect, Event, LedgerRecord, Receipt, ReceiptStatus, RunState, SandboxCall};

/// How long a provider may take to answer when the profile does not say (`timeout_ms`).
const DEFAULT_TIMEOUT_MS: u64 = 120_000;
/// The key sent on a local stack when no secret or var of the named key is configured.
const LOCAL_DUMMY_KEY: &str = "writ-local-dummy-key";
/// An input sample shown to the executor: this many lines, at most this many characters.
const SAMPLE_LINES: usize = 12;
const SAMPLE_CHARS: usize = 2_000;

const TABLES: &str = "
CREATE TABLE IF NOT EXISTS model_exchanges (n INTEGER PRIMARY KEY AUTOINCREMENT, request_hash TEXT NOT NULL, response TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS model_ledger (n INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL)
";

// ---- requests ---------------------------------------------------------------------------------------------

/// `POST /v1/runs` when models are involved: the fields of a plain run, plus the model ones.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelRun {
    #[serde(default)]
    workflow: Option<String>,
    #[serde(default)]
    plan: Option<Value>,
    #[serde(default)]
    objective: Option<String>,
    #[serde(default)]
    profile: Option<String>,
    /// A partial execution profile over the catalog's (budgets only tighten).
    #[serde(default)]
    profile_override: Option<ProfileOverride>,
    /// The providers' base URL for every HTTP phase (local stacks only), e.g. a `writ-model-server`.
    #[serde(default)]
    model_base_url: Option<String>,
    inputs: BTreeMap<String, crate::runs::InputArg>,
}

/// Whether `POST /v1/runs` is one for this module: a profile with a model planner or executor, a model
/// field, or an objective with neither `workflow` nor `plan` (the planner drafts it, the built-in one if
/// the profile names no model).
pub fn handles(body: &Value) -> bool {
    let Some(o) = body.as_object() else {
        return false;
    };
    if o.contains_key("profile_override") || o.contains_key("model_base_url") {
        return true;
    }
    if !o.contains_key("workflow")
        && !o.contains_key("plan")
        && o.get("objective").is_some_and(Value::is_string)
    {
        return true;
    }
    let id = o
        .get("profile")
        .and_then(Value::as_str)
        .unwrap_or(crate::runs::DEFAULT_PROFILE);
    Catalog::builtin()
        .profile(id)
        .is_some_and(|p| uses_models(&p.profile))
}

fn is_model(config: &PhaseConfig) -> bool {
    !config.is_builtin()
}

fn uses_models(p: &ExecutionProfile) -> bool {
    is_model(&p.phases.planner) || is_model(&p.phases.executor) || is_model(&p.phases.auditor)
}

pub(crate) fn local(env: &Env) -> bool {
    env.var("WRIT_ENV")
        .map(|v| v.to_string() == "local")
        .unwrap_or(false)
}

fn phase_mut(p: &mut ExecutionProfile, phase: Phase) -> &mut PhaseConfig {
    let ph = &mut p.phases;
    match phase {
        Phase::Router => &mut ph.router,
        Phase::Planner => &mut ph.planner,
        Phase::Binder => &mut ph.binder,
        Phase::Executor => &mut ph.executor,
        Phase::Auditor => &mut ph.auditor,
        Phase::Repairer => &mut ph.repairer,
    }
}

/// The catalog profile `id`, the run's override, then the base URL (the run's, else the Worker var
/// `WRIT_MODEL_BASE_URL`) on every HTTP phase; checked and hashed.
fn resolve_profile(
    env: &Env,
    id: &str,
    over: Option<&ProfileOverride>,
    base_url: Option<&str>,
    at: &str,
) -> ApiResult<FrozenProfile> {
    let base = Catalog::builtin()
        .profile(id)
        .map(|p| p.profile.clone())
        .ok_or_else(|| {
            ApiError::invalid_field(
                format!("{at}/profile"),
                format!("no execution profile `{id}` in the catalog"),
            )
        })?;
    let mut layers = Vec::new();
    if let Some(o) = over {
        for (phase, po) in &o.phases {
            let ptr = format!(
                "{at}/profile_override/phases/{}",
                serde_json::to_value(phase)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            );
            if po.params.contains_key("api_key_secret") {
                return Err(ApiError::invalid_field(
                    format!("{ptr}/params/api_key_secret"),
                    "a run may not choose which secret is sent; keys are configured in the profile",
                ));
            }
            if po.params.contains_key("base_url") && !local(env) {
                return Err(ApiError::invalid_field(
                    format!("{ptr}/params/base_url"),
                    "the provider URL can be overridden per run only on a local stack",
                ));
            }
        }
        layers.push(ProfileLayer::Partial(o.clone()));
    }
    let resolved = resolve(&base, &layers)
        .map_err(|e| ApiError::invalid_field(format!("{at}/profile_override"), e.to_string()))?;
    let var = env
        .var("WRIT_MODEL_BASE_URL")
        .map(|v| v.to_string())
        .ok()
        .filter(|s| !s.is_empty());
    let url = match (base_url, var) {
        (Some(u), _) => {
            if !local(env) {
                return Err(ApiError::invalid_field(
                    format!("{at}/model_base_url"),
                    "the provider URL can be overridden per run only on a local stack",
                ));
            }
            Some(u.to_string())
        }
        (None, v) => v,
    };
    let Some(url) = url else { return Ok(resolved) };
    let root = url.trim_end_matches('/');
    let v1 = if root.ends_with("/v1") {
        root.to_string()
    } else {
        format!("{root}/v1")
    };
    let mut profile = resolved.profile;
    for phase in Phase::ALL {
        let config = phase_mut(&mut profile, phase);
        if matches!(config.provider.as_str(), "anthropic" | "openai-compatible") {
            config.params.insert("base_url".into(), json!(v1));
        }
    }
    FrozenProfile::freeze(profile)
        .map_err(|e| ApiError::invalid_field(format!("{at}/model_base_url"), e.to_string()))
}

// ---- calling a model ----------------------------------------------------------------------------------

/// One metered call, as the run object turns it into `Event::ModelCall` and the ledger's `model_call`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CallDone {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    step: Option<String>,
    record: ModelCallRecord,
}

#[derive(Debug)]
struct Failure {
    /// The provider could not be reached or refused (502); otherwise the replies never made sense (422).
    upstream: bool,
    message: String,
}

impl Failure {
    fn upstream(message: impl Into<String>) -> Failure {
        Failure {
            upstream: true,
            message: message.into(),
        }
    }
    fn reply(message: impl Into<String>) -> Failure {
        Failure {
            upstream: false,
            message: message.into(),
        }
    }
    fn api(self, phase: &str) -> ApiError {
        if self.upstream {
            ApiError::new(
                502,
                "model-unavailable",
                "The model could not answer",
                format!("{phase}: {}", self.message),
            )
        } else {
            ApiError::new(
                422,
                "model-reply-rejected",
                "The model's replies were not usable",
                format!("{phase}: {}", self.message),
            )
        }
    }
}

/// Asks the profile's models: conversations, retries, metering, recording; replays when given a recording.
struct Caller<'a> {
    env: &'a Env,
    profile: ExecutionProfile,
    replay: Option<Replayer>,
    calls: Vec<CallDone>,
    exchanges: Vec<Exchange>,
}

impl<'a> Caller<'a> {
    fn new(env: &'a Env, profile: ExecutionProfile, replay: Option<Recording>) -> Caller<'a> {
        Caller {
            env,
            profile,
            replay: replay.map(Replayer::new),
            calls: Vec::new(),
            exchanges: Vec::new(),
        }
    }

    /// The phase's answer to `task`: the built-in provider in-process, or a conversation with the model.
    async fn converse(
        &mut self,
        phase: Phase,
        task: Task,
        step: Option<&str>,
    ) -> Result<Value, Failure> {
        let config = self.profile.phases.get(phase).clone();
        let kind =
            ProviderKind::parse(&config.provider).map_err(|e| Failure::reply(e.to_string()))?;
        if kind == ProviderKind::Builtin {
            return writ_models::builtin::answer(Catalog::builtin(), &task)
                .map(|a| a.value)
                .map_err(|e| Failure::reply(e.to_string()));
        }
        let mut conversation =
            Conversation::new(phase, task).map_err(|e| Failure::reply(e.to_string()))?;
        loop {
            match conversation.next() {
                Next::Ask(chat) => {
                    let call =
                        build_call(&config, &chat).map_err(|e| Failure::reply(e.to_string()))?;
                    let reply = self.ask(phase, kind, &config, &call, step).await?;
                    conversation.on_reply(&reply.text);
                }
                Next::Done(value) => return Ok(value),
                Next::Failed(diagnostics) => {
                    let text: Vec<String> = diagnostics
                        .iter()
                        .map(|d| format!("{} {}", d.code, d.message))
                        .collect();
                    return Err(Failure::reply(format!(
                        "no valid reply: {}",
                        text.join("; ")
                    )));
                }
            }
        }
    }

    /// One ask, retried per the policy; the reply is metered and every answer recorded.
    async fn ask(
        &mut self,
        phase: Phase,
        kind: ProviderKind,
        config: &PhaseConfig,
        call: &ProviderCall,
        step: Option<&str>,
    ) -> Result<ModelReply, Failure> {
        let ProviderCall::Http(http) = call else {
            return Err(Failure::upstream(format!(
                "provider `{}` is not reached over HTTP; the Worker does not call it yet",
                config.provider
            )));
        };
        let req_hash = request_hash(call).map_err(|e| Failure::reply(e.to_string()))?;
        let timeout = Params::read(kind, &config.params)
            .ok()
            .and_then(|p| p.timeout_ms)
            .unwrap_or(DEFAULT_TIMEOUT_MS);
        let policy = RetryPolicy::default();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let started = now_ms();
            let answer = match self.replay.as_mut() {
                Some(r) => Ok(r
                    .answer(call)
                    .map_err(|e| Failure::upstream(format!("replay: {e}")))?),
                None => send(self.env, http, timeout).await,
            };
            let latency_ms = now_ms().saturating_sub(started);
            let parsed = answer.and_then(|recorded| {
                self.exchanges.push(Exchange {
                    request_hash: req_hash,
                    response: recorded.clone(),
                });
                let resp_hash = response_hash(&recorded).map_err(|e| ProviderError::Malformed {
                    pointer: String::new(),
                    message: e.to_string(),
                })?;
                match &recorded {
                    RecordedResponse::Http {
                        status,
                        headers,
                        body,
                    } => parse_response(kind, *status, headers, body).map(|r| (r, resp_hash)),
                    _ => Err(ProviderError::NotHttp {
                        provider: kind.id().to_string(),
                    }),
                }
            });
            match parsed {
                Ok((reply, resp_hash)) => {
                    let facts = CallFacts {
                        phase,
                        provider: kind.id(),
                        model: &config.model,
                        tokens_in: reply.tokens_in,
                        tokens_out: reply.tokens_out,
                        latency_ms,
                        request_hash: req_hash,
                        response_hash: resp_hash,
                    };
                    let record =
                        ModelCallRecord::new(facts, &self.profile.prices).unwrap_or_else(|_| {
                            ModelCallRecord {
                                phase,
                                provider: kind.id().to_string(),
                                model: config.model.clone(),
                                tokens_in: reply.tokens_in,
                                tokens_out: reply.tokens_out,
                                cost_usd: Usd::ZERO,
                                latency_ms,
                                request_hash: req_hash,
                                response_hash: resp_hash,
                            }
                        });
                    self.calls.push(CallDone {
                        step: step.map(String::from),
                        record,
                    });
                    return Ok(reply);
                }
                Err(e) => {
                    let jitter = Jitter((js_sys::Math::random() * 1000.0) as u16);
                    match policy.decide(attempt, &e, jitter) {
                        RetryDecision::Retry { after_ms } => {
                            if self.replay.is_none() {
                                worker::Delay::from(Duration::from_millis(after_ms)).await;
                            }
                        }
                        RetryDecision::GiveUp { reason } => {
                            return Err(Failure::upstream(format!(
                                "{} {}: {e} (after {attempt} attempts; {reason:?})",
                                kind.id(),
                                config.model
                            )))
                        }
                    }
                }
            }
        }
    }
}

fn secret(env: &Env, name: &str) -> Option<String> {
    if let Ok(s) = env.secret(name) {
        return Some(s.to_string());
    }
    if let Ok(v) = env.var(name) {
        return Some(v.to_string());
    }
    local(env).then(|| LOCAL_DUMMY_KEY.to_string())
}

/// Sends a request (keys filled in only here) and keeps what the reply's meaning depends on.
async fn send(
    env: &Env,
    http: &HttpRequest,
    timeout_ms: u64,
) -> Result<RecordedResponse, ProviderError> {
    let filled = http
        .with_secrets(|name| secret(env, name))
        .map_err(|e| ProviderError::Auth {
            status: 0,
            message: e.to_string(),
        })?;
    let transport = |e: worker::Error| ProviderError::transport(e.to_string());
    let headers = Headers::new();
    for h in &filled.headers {
        headers.set(&h.name, &h.value).map_err(transport)?;
    }
    let mut init = RequestInit::new();
    match filled.method {
        writ_models::http::Method::Get => {
            init.with_method(Method::Get);
        }
        writ_models::http::Method::Post => {
            init.with_method(Method::Post);
            init.with_body(Some(filled.body.clone().into()));
        }
    }
    init.with_headers(headers);
    let request = Request::new_with_init(&filled.url, &init).map_err(transport)?;
    let fetch = Fetch::Request(request);
    let sending = fetch.send();
    let delay = worker::Delay::from(Duration::from_millis(timeout_ms));
    futures::pin_mut!(sending);
    futures::pin_mut!(delay);
    let mut resp = match futures::future::select(sending, delay).await {
        futures::future::Either::Left((Ok(r), _)) => r,
        futures::future::Either::Left((Err(e), _)) => return Err(transport(e)),
        futures::future::Either::Right(_) => {
            return Err(ProviderError::timeout(format!(
                "no answer within {timeout_ms} ms"
            )))
        }
    };
    let status = resp.status_code();
    let mut kept = Vec::new();
    for name in ["retry-after", "retry-after-ms"] {
        if let Ok(Some(v)) = resp.headers().get(name) {
            kept.push((name.to_string(), v));
        }
    }
    let body = resp.text().await.map_err(transport)?;
    Ok(RecordedResponse::Http {
        status,
        headers: kept,
        body,
    })
}

/// What status says served the run.
fn served_by(p: &ExecutionProfile, planner: &str, replay_of: Option<&str>) -> String {
    let phase = |c: &PhaseConfig| {
        if is_model(c) {
            format!("{} {}", c.provider, c.model)
        } else {
            format!("builtin {}", c.model)
        }
    };
    let text = format!(
        "planner: {planner}; executor: {}; auditor: {}; evaluator: {}",
        phase(&p.phases.executor),
        if is_model(&p.phases.auditor) {
            format!(
                "{} and rubric checks as code",
                judged_by(&p.phases.auditor, None)
            )
        } else {
            "builtin (rubric checks as code)".to_string()
        },
        judged_by(&p.phases.auditor, None)
    );
    match replay_of {
        Some(r) => format!("replay of {r}: recorded model answers, no model called; {text}"),
        None => text,
    }
}

// ---- creating a run ---------------------------------------------------------------------------------------

/// `POST /v1/runs` for a run with models (see [`handles`]).
pub async fn create(req: &Request, env: &Env, who: &Principal, raw: &[u8]) -> ApiResult<Response> {
    let body: Value = crate::http::parse_json(raw)?;
    let idem = req.headers().get("idempotency-key").ok().flatten();
    let origin = req
        .url()
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    let request_hash = ContentHash::of_bytes(raw).to_string();
    create_from(env, who, origin, idem, request_hash, body, None).await
}

async fn create_from(
    env: &Env,
    who: &Principal,
    origin: String,
    idempotency_key: Option<String>,
    request_hash: String,
    body: Value,
    replay: Option<(String, Recording)>,
) -> ApiResult<Response> {
    let run: ModelRun = crate::http::parse_json(
        &serde_json::to_vec(&body).map_err(|e| ApiError::internal(e.to_string()))?,
    )?;
    let catalog = Catalog::builtin();
    // Cheap checks first: nothing is spent on a model for a run whose inputs were never uploaded.
    let bucket = env.bucket("ARTIFACTS")?;
    for (name, arg) in &run.inputs {
        let hash = ContentHash::parse(arg.hash())
            .map_err(|e| ApiError::invalid_field(format!("/inputs/{name}"), e.to_string()))?;
        if bucket
            .head(crate::inputs::blob_key(&who.tenant, &hash.to_string()))
            .await?
            .is_none()
        {
            return Err(ApiError::invalid_field(
                format!("/inputs/{name}"),
                format!("no uploaded input {hash} (POST /v1/inputs first)"),
            ));
        }
    }
    let profile_id = run
        .profile
        .clone()
        .unwrap_or_else(|| crate::runs::DEFAULT_PROFILE.into());
    let frozen = resolve_profile(
        env,
        &profile_id,
        run.profile_override.as_ref(),
        run.model_base_url.as_deref(),
        "",
    )?;
    let profile = frozen.profile.clone();
    let replay_of = replay.as_ref().map(|(id, _)| id.clone());
    let recording = replay.as_ref().map(|(_, r)| r.clone());
    let mut caller = Caller::new(env, profile.clone(), replay.map(|(_, r)| r));
    let (mut candidate, planner) = match (&run.workflow, &run.plan) {
        (Some(w), None) => {
            let t = catalog.template(w).ok_or_else(|| {
                ApiError::invalid_field(
                    "/workflow",
                    format!("no workflow template `{w}` in the catalog"),
                )
            })?;
            (
                serde_json::to_value(&t.plan).map_err(|e| ApiError::internal(e.to_string()))?,
                format!("workflow template {w}"),
            )
        }
        (None, Some(p)) => (p.clone(), "plan given".to_string()),
        (None, None) => {
            let objective = run.objective.clone().ok_or_else(|| {
                ApiError::invalid_field("", "give `objective` (a planner drafts the plan), `workflow` (a catalog template id) or `plan` (a plan candidate)")
            })?;
            // Routing is discovery (the built-in router) whatever the profile names for it.
            let template = writ_models::builtin::route(catalog, &objective).template;
            let task = PlanTask::from_catalog(&objective, template.as_deref(), catalog);
            let value = caller
                .converse(Phase::Planner, Task::Plan(task), None)
                .await
                .map_err(|f| f.api("planner"))?;
            let c = &profile.phases.planner;
            let who = if is_model(c) {
                format!("{} {}", c.provider, c.model)
            } else {
                format!("builtin {}", c.model)
            };
            (value, who)
        }
        _ => return Err(ApiError::invalid_field(
            "",
            "give at most one of `workflow` (a catalog template id) or `plan` (a plan candidate)",
        )),
    };
    // A model executor writes every code step's program: the candidate names none, so neither does the contract.
    if is_model(&profile.phases.executor) {
        for step in candidate
            .get_mut("steps")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(s) = step.as_object_mut() {
                s.remove("program");
            }
        }
    }
    let plan = crate::runs::compile(&candidate, &profile)?;
    let code = crate::runs::plan_code(&plan, &candidate)?;
    if plan.profile_hash != frozen.hash {
        worker::console_log!(
            "models: the plan's profile hash {} differs from the frozen profile's {}",
            plan.profile_hash,
            frozen.hash
        );
    }
    let inputs = crate::runs::check_inputs(env, who, &plan, &run.inputs).await?;
    let typed: PlanCandidate = serde_json::from_value(candidate.clone()).map_err(|e| {
        ApiError::internal(format!("the compiled candidate does not read back: {e}"))
    })?;
    let served = served_by(&profile, &planner, replay_of.as_deref());
    let objective = run
        .objective
        .clone()
        .or_else(|| candidate["objective"].as_str().map(String::from));
    let models = json!({
        "candidate": typed,
        "calls": caller.calls,
        "exchanges": caller.exchanges,
        "request": body,
        "replay_of": replay_of,
        // A replayed run answers its executor calls from the same recording.
        "recording": recording,
    });
    crate::runs::start(
        env,
        who,
        plan,
        inputs,
        crate::runs::RunStart {
            duplicate_shard_delivery: false,
            workflow: run.workflow.clone(),
            objective,
            origin,
            idempotency_key,
            request_hash,
            program: None,
            code,
            step_code: BTreeMap::new(),
            served_by: Some(served),
            models: Some(models),
        },
    )
    .await
}

/// `POST /v1/runs/{id}/replay`: the run's request again, every model call answered from its recording.
pub async fn replay(req: Request, env: &Env, who: &Principal, run_id: &str) -> ApiResult<Response> {
    who.require("runs:write")?;
    let mut resp = crate::runs::call_run(env, run_id, Method::Get, "/models", None).await?;
    if resp.status_code() != 200 {
        return Ok(resp);
    }
    let exported: Value = resp.json().await?;
    if exported["request"].is_null() {
        return Err(ApiError::conflict(format!(
            "run {run_id} was not started with models; there is nothing to replay"
        )));
    }
    let recording: Recording = serde_json::from_value(exported["recording"].clone())
        .map_err(|e| ApiError::internal(format!("recording: {e}")))?;
    let origin = req
        .url()
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    let idem = req.headers().get("idempotency-key").ok().flatten();
    let request_hash = ContentHash::of_bytes(format!("replay:{run_id}").as_bytes()).to_string();
    create_from(
        env,
        who,
        origin,
        idem,
        request_hash,
        exported["request"].clone(),
        Some((run_id.to_string(), recording)),
    )
    .await
}

/// `POST /v1/runs/{id}/profile` (admin) `{profile, profile_override?, model_base_url?}`: replace the run's
/// execution profile; 409 once the run has made its first model call (the profile froze then).
pub async fn change_profile_route(
    mut req: Request,
    env: &Env,
    who: &Principal,
    run_id: &str,
) -> ApiResult<Response> {
    who.require("admin")?;
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        profile: String,
        #[serde(default)]
        profile_override: Option<ProfileOverride>,
        #[serde(default)]
        model_base_url: Option<String>,
    }
    let body: Body = crate::http::read_json(&mut req).await?;
    let frozen = resolve_profile(
        env,
        &body.profile,
        body.profile_override.as_ref(),
        body.model_base_url.as_deref(),
        "",
    )?;
    crate::runs::call_run(
        env,
        run_id,
        Method::Post,
        "/profile",
        Some(json!({"profile": frozen.profile})),
    )
    .await
}

// ---- inside the run object --------------------------------------------------------------------------------

fn tables(obj: &RunObject) {
    for stmt in TABLES.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        if let Err(e) = obj.store().exec(stmt, vec![]) {
            worker::console_error!("models schema: {e}");
        }
    }
}

#[derive(Deserialize)]
struct InitModels {
    candidate: Value,
    #[serde(default)]
    calls: Vec<CallDone>,
    #[serde(default)]
    exchanges: Vec<Exchange>,
    request: Value,
    #[serde(default)]
    replay_of: Option<String>,
    #[serde(default)]
    recording: Option<Recording>,
}

/// At `/init`: keep what the run's later calls need, record the planner's exchanges, meter its calls.
/// Returns the machine's effects of those calls (the first freezes the profile).
pub fn init(obj: &RunObject, models: Option<Value>) -> ApiResult<Vec<Effect>> {
    let Some(models) = models else {
        return Ok(vec![]);
    };
    tables(obj);
    let m: InitModels =
        serde_json::from_value(models).map_err(|e| ApiError::internal(format!("models: {e}")))?;
    let store = obj.store();
    store.put_meta(
        "models",
        &json!({"candidate": m.candidate, "request": m.request, "replay_of": m.replay_of}),
    )?;
    if let Some(r) = &m.recording {
        store.put_meta("models_replay", &r)?;
    }
    record(obj, &m.exchanges)?;
    let mut effects = Vec::new();
    for event in meter(obj, m.calls)? {
        effects.extend(obj.apply(event)?);
    }
    Ok(effects)
}

fn record(obj: &RunObject, exchanges: &[Exchange]) -> ApiResult<()> {
    for x in exchanges {
        let text =
            serde_json::to_string(&x.response).map_err(|e| ApiError::internal(e.to_string()))?;
        obj.store().exec(
            "INSERT INTO model_exchanges (request_hash, response) VALUES (?, ?)",
            vec![x.request_hash.to_string().into(), text.into()],
        )?;
    }
    Ok(())
}

/// Queues each call's full ledger entry (written when the machine records the call) and returns the
/// machine's events for them.
fn meter(obj: &RunObject, calls: Vec<CallDone>) -> ApiResult<Vec<Event>> {
    let mut events = Vec::new();
    for c in calls {
        let text = serde_json::to_string(&c).map_err(|e| ApiError::internal(e.to_string()))?;
        obj.store().exec(
            "INSERT INTO model_ledger (entry) VALUES (?)",
            vec![text.into()],
        )?;
        let r = c.record;
        events.push(Event::ModelCall {
            step: c.step,
            phase: r.phase,
            model: r.model,
            tokens_in: r.tokens_in,
            tokens_out: r.tokens_out,
            cost_micros: u64::try_from(r.cost_usd.pico.div_ceil(1_000_000)).unwrap_or(u64::MAX),
        });
    }
    Ok(events)
}

/// `GET /models` of a run object: the request it was created with and its recording.
pub fn export(obj: &RunObject) -> ApiResult<Value> {
    tables(obj);
    let meta: Option<Value> = obj.store().get_meta("models")?;
    #[derive(Deserialize)]
    struct X {
        request_hash: String,
        response: String,
    }
    let rows: Vec<X> = obj.store().rows(
        "SELECT request_hash, response FROM model_exchanges ORDER BY n",
        vec![],
    )?;
    let mut recording = Recording::new();
    for x in rows {
        let request_hash =
            ContentHash::parse(&x.request_hash).map_err(|e| ApiError::internal(e.to_string()))?;
        let response: RecordedResponse =
            serde_json::from_str(&x.response).map_err(|e| ApiError::internal(e.to_string()))?;
        recording.insert(Exchange {
            request_hash,
            response,
        });
    }
    let meta = meta.unwrap_or(Value::Null);
    Ok(
        json!({"request": meta["request"], "replay_of": meta["replay_of"], "exchanges": recording.len(), "recording": recording}),
    )
}

/// Who judges an item: the auditor phase's model, or the pack's rubric as code (`builtin:<rubric>`).
pub fn judged_by(auditor: &PhaseConfig, rubric: Option<&str>) -> String {
    match (is_model(auditor), rubric) {
        (true, _) => format!("{} {}", auditor.provider, auditor.model),
        (false, Some(r)) => format!("builtin:{r}"),
        (false, None) => "builtin (the pack's rubric as code)".to_string(),
    }
}

/// `evaluator.judge` served by the auditor phase's model: one conversation per item (re-asked while the
/// reply does not fit the verdict schema, retried on transport errors and timeouts), recorded for replay
/// and metered into the run, whose machine enforces the budgets. Returns the verdict, or why there is
/// none, and the machine's events for the calls made.
pub async fn judge(
    obj: &RunObject,
    step: &str,
    args: &Value,
) -> ApiResult<(Result<Value, String>, Vec<Event>)> {
    let task = match JudgeTask::from_args(step, args) {
        Ok(t) => t,
        Err(e) => return Ok((Err(e.to_string()), Vec::new())),
    };
    let by = obj.with_run(|r| judged_by(&r.profile.phases.auditor, Some(&task.rubric)))?;
    let (answer, events) = ask_auditor(obj, step, Task::Judge(task)).await?;
    let verdict = answer.map(|mut v| {
        v["judged_by"] = json!(by);
        v
    });
    Ok((verdict, events))
}

/// A step's audit by the auditor phase's model: one conversation (re-asked until the verdicts cover the
/// rubric), recorded and metered like every model call. Returns the verdicts, or why there are none.
pub async fn audit(
    obj: &RunObject,
    step: &str,
    task: writ_models::task::AuditTask,
) -> ApiResult<(Result<Value, String>, Vec<Event>)> {
    ask_auditor(obj, step, Task::Audit(task)).await
}

/// One conversation with the auditor phase's model about `step`: recorded for replay (or answered from the
/// run's recording) and metered; the answer, or why there is none, and the machine's events for the calls.
async fn ask_auditor(
    obj: &RunObject,
    step: &str,
    task: Task,
) -> ApiResult<(Result<Value, String>, Vec<Event>)> {
    tables(obj);
    let profile = obj.with_run(|r| r.profile.clone())?;
    let recording: Option<Recording> = obj.store().get_meta("models_replay")?;
    let mut caller = Caller::new(obj.env(), profile, recording);
    let answer = caller.converse(Phase::Auditor, task, Some(step)).await;
    record(obj, &caller.exchanges)?;
    let events = meter(obj, caller.calls)?;
    Ok((answer.map_err(|f| f.message), events))
}

/// Before a sandbox attempt is stored: a call with no code gets the executor's. Returns the call to store
/// (None when the attempt already failed: the returned events answer it) and the events to feed the machine.
pub async fn ensure_code(
    obj: &RunObject,
    mut call: SandboxCall,
) -> ApiResult<(Option<SandboxCall>, Vec<Event>)> {
    // Whether the executor writes the code is the machine's decision.
    if !call.executor_writes {
        return Ok((Some(call), vec![]));
    }
    let Some(models) = obj.store().get_meta::<Value>("models")? else {
        return Ok((Some(call), vec![]));
    };
    tables(obj);
    let (profile, slug) = obj.with_run(|r| {
        (
            r.profile.clone(),
            r.plan.step(&call.step).map(|s| s.contract.slug.clone()),
        )
    })?;
    let inputs: Vec<String> = call
        .inputs
        .iter()
        .map(|i| format!("{}={}", i.slot, i.artifact_hash))
        .collect();
    let cache = format!(
        "code_for:{}",
        ContentHash::of_bytes(format!("{}|{}", call.step, inputs.join(",")).as_bytes())
    );
    if let Some(hash) = obj.store().get_meta::<ContentHash>(&cache)? {
        call.code_hash = Some(hash);
        return Ok((Some(call), vec![]));
    }
    let candidate: PlanCandidate = serde_json::from_value(models["candidate"].clone())
        .map_err(|e| ApiError::internal(format!("candidate: {e}")))?;
    let samples = input_samples(obj, &call.inputs).await?;
    let recording: Option<Recording> = obj.store().get_meta("models_replay")?;
    let outcome = match ExecuteTask::from_plan(
        &candidate,
        slug.as_deref().unwrap_or(&call.step),
        Catalog::builtin(),
        &samples,
    ) {
        Ok(task) => {
            let mut caller = Caller::new(obj.env(), profile, recording);
            let answer = caller
                .converse(Phase::Executor, Task::Execute(task), Some(&call.step))
                .await;
            record(obj, &caller.exchanges)?;
            (answer, caller.calls)
        }
        Err(e) => (Err(Failure::reply(e.to_string())), Vec::new()),
    };
    let (answer, calls) = outcome;
    let mut events = meter(obj, calls)?;
    let code = answer.and_then(|v| {
        v["code"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| Failure::reply("the executor's reply has no code"))
    });
    match code {
        Ok(code) => {
            let hash = ContentHash::of_bytes(code.as_bytes());
            obj.store().exec(
                "INSERT OR IGNORE INTO code (hash, source) VALUES (?, ?)",
                vec![hash.to_string().into(), code.into()],
            )?;
            obj.store().put_meta(&cache, &hash)?;
            call.code_hash = Some(hash);
            Ok((Some(call), events))
        }
        Err(f) => {
            let why = format!("executor model for {}: {}", call.step, f.message);
            crate::outbox::append(obj, LedgerEvent::Note { text: why.clone() })?;
            events.push(Event::SandboxReturned {
                attempt_id: call.attempt_id.clone(),
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
            });
            Ok((None, events))
        }
    }
}

/// The first lines of each input, as the executor and the repairer are shown them.
async fn input_samples(
    obj: &RunObject,
    inputs: &[writ_run::ResolvedInput],
) -> ApiResult<BTreeMap<String, String>> {
    let mut samples = BTreeMap::new();
    for input in inputs {
        let bytes = crate::run_exec::read_blob(obj, &input.artifact_hash).await?;
        let text = String::from_utf8_lossy(&bytes);
        let mut sample: String = text
            .lines()
            .take(SAMPLE_LINES)
            .collect::<Vec<_>>()
            .join("\n");
        if sample.len() > SAMPLE_CHARS {
            let mut cut = SAMPLE_CHARS;
            while !sample.is_char_boundary(cut) {
                cut -= 1;
            }
            sample.truncate(cut);
        }
        samples.insert(input.slot.clone(), sample);
    }
    Ok(samples)
}

/// `RequestRepair`: the profile's repairer model is asked for new code for the failed step, with the
/// evidence (the step's contract and input samples, the code that failed, the failing stage, exit, stderr,
/// and the validation report or proof record). Returns the machine's events: the metered calls, then the
/// patch (`RepairPatch` by the model) or `RepairDeclined` with why there is none.
pub async fn repair(
    obj: &RunObject,
    step: &str,
    generation: u32,
    evidence: &writ_run::RepairEvidence,
) -> ApiResult<Vec<Event>> {
    tables(obj);
    let declined = |reason: String| Event::RepairDeclined {
        step: step.to_string(),
        generation,
        reason,
    };
    let Some(models) = obj.store().get_meta::<Value>("models")? else {
        return Ok(vec![declined(
            "the run was not planned through a model: the repairer has no candidate to work from"
                .into(),
        )]);
    };
    let (profile, slug, inputs) = obj.with_run(|r| {
        (
            r.profile.clone(),
            r.plan.step(step).map(|s| s.contract.slug.clone()),
            r.step(step).map(|s| s.inputs.clone()).unwrap_or_default(),
        )
    })?;
    let candidate: PlanCandidate = serde_json::from_value(models["candidate"].clone())
        .map_err(|e| ApiError::internal(format!("candidate: {e}")))?;
    let code = match evidence.attempt_id.as_deref() {
        Some(attempt) => crate::run_exec::attempt_code(obj, attempt)?,
        None => None,
    }
    .unwrap_or_default();
    let proof_record = [evidence.report_hash, evidence.proof_hash]
        .into_iter()
        .flatten()
        .find_map(|h| crate::validate::doc(obj, &h.to_string()).ok().flatten())
        .map(|v| v.to_string());
    let trace = writ_models::task::FailureTrace {
        code: evidence.code.to_string(),
        reason: evidence.reason.clone(),
        exit_code: evidence.exit_code,
        stderr: match evidence.attempt_id.as_deref() {
            Some(a) => crate::run_exec::attempt_stderr(obj, a)?,
            None => String::new(),
        },
        record: proof_record,
    };
    let samples = input_samples(obj, &inputs).await?;
    let task = match RepairTask::from_plan(
        &candidate,
        slug.as_deref().unwrap_or(step),
        Catalog::builtin(),
        &samples,
        &code,
        &trace,
    ) {
        Ok(t) => t,
        Err(e) => return Ok(vec![declined(e.to_string())]),
    };
    let model = profile.phases.repairer.model.clone();
    let recording: Option<Recording> = obj.store().get_meta("models_replay")?;
    let mut caller = Caller::new(obj.env(), profile, recording);
    let answer = caller
        .converse(Phase::Repairer, Task::Repair(task), Some(step))
        .await;
    record(obj, &caller.exchanges)?;
    let mut events = meter(obj, caller.calls)?;
    let patched = answer.and_then(|v| {
        v["code"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| Failure::reply("the repairer's reply has no code"))
    });
    match patched {
        Ok(source) if source.trim() == code.trim() => events.push(declined(
            "the repairer returned the code that failed".into(),
        )),
        Ok(source) => {
            let hash = ContentHash::of_bytes(source.as_bytes());
            obj.store().exec(
                "INSERT OR IGNORE INTO code (hash, source) VALUES (?, ?)",
                vec![hash.to_string().into(), source.into()],
            )?;
            events.push(Event::RepairPatch {
                step: step.to_string(),
                patch: writ_run::Patch::Code { code_hash: hash },
                by: writ_run::Repairer::Model { model },
            });
        }
        Err(f) => events.push(declined(format!("repairer model: {}", f.message))),
    }
    Ok(events)
}

/// The ledger event for a machine record, where this module has a fuller one than the generic mapping: the
/// queued full `model_call`, `budget_stop`, and a run stopped by a budget.
pub fn ledger_event(
    obj: &RunObject,
    key: &str,
    record: &LedgerRecord,
) -> ApiResult<Option<LedgerEvent>> {
    Ok(match record {
        LedgerRecord::ModelCall { .. } => {
            #[derive(Deserialize)]
            struct K {
                #[allow(dead_code)]
                key: String,
            }
            let seen: Vec<K> = obj.store().rows(
                "SELECT key FROM ledger_keys WHERE key = ?",
                vec![key.into()],
            )?;
            if !seen.is_empty() {
                return Ok(None); // already written; the outbox skips it
            }
            tables(obj);
            #[derive(Deserialize)]
            struct Q {
                n: i64,
                entry: String,
            }
            let next: Option<Q> = obj
                .store()
                .rows(
                    "SELECT n, entry FROM model_ledger ORDER BY n LIMIT 1",
                    vec![],
                )?
                .into_iter()
                .next();
            let Some(q) = next else { return Ok(None) };
            obj.store()
                .exec("DELETE FROM model_ledger WHERE n = ?", vec![q.n.into()])?;
            let c: CallDone =
                serde_json::from_str(&q.entry).map_err(|e| ApiError::internal(e.to_string()))?;
            let r = c.record;
            Some(LedgerEvent::ModelCall {
                step: c.step,
                provider: r.provider,
                model: r.model,
                tokens_in: r.tokens_in,
                tokens_out: r.tokens_out,
                cost_usd: usd(r.cost_usd),
                latency_ms: r.latency_ms,
                request_hash: r.request_hash,
                response_hash: r.response_hash,
            })
        }
        LedgerRecord::BudgetStop { step, exceeded } => Some(LedgerEvent::BudgetStop {
            budget: match step {
                Some(s) => format!("{} (step {s})", exceeded.kind.as_str()),
                None => exceeded.kind.as_str().to_string(),
            },
            limit: exceeded.limit.to_string(),
            spent: exceeded.used.to_string(),
        }),
        LedgerRecord::RunFinished {
            state: RunState::Failed,
            ..
        } => {
            let budget =
                obj.with_run(|r| r.failure.as_ref().is_some_and(|f| f.budget.is_some()))?;
            budget.then_some(LedgerEvent::RunFinished {
                outcome: RunOutcome::BudgetStopped,
            })
        }
        _ => None,
    })
}

/// An exact amount in the ledger's one spelling (no trailing zeros).
fn usd(amount: Usd) -> UsdAmount {
    let text = amount.to_string();
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    UsdAmount::parse(&text).unwrap_or_else(|_| UsdAmount::zero())
}

/// `POST /profile` of a run object: `Event::ChangeProfile`; 409 when the machine refuses it (frozen by the
/// first model call, or the run has ended), 422 when the profile cannot be hashed.
pub async fn change_profile(obj: &RunObject, body: Value) -> ApiResult<Response> {
    let profile: ExecutionProfile = serde_json::from_value(body["profile"].clone())
        .map_err(|e| ApiError::invalid_field("/profile", e.to_string()))?;
    let effects = obj.apply(Event::ChangeProfile {
        profile: Box::new(profile),
    })?;
    let refusal = effects.iter().find_map(|e| match e {
        Effect::Refused { code, reason, .. } => Some((*code, reason.clone())),
        _ => None,
    });
    obj.pump(effects).await?;
    if let Some((code, reason)) = refusal {
        let err = if code == writ_run::codes::PROFILE_INVALID {
            ApiError::invalid_field("/profile", reason)
        } else {
            ApiError::conflict(reason)
        };
        return Err(err.with(json!({"code": code.to_string()})));
    }
    json_ok(&obj.status()?)
}
