//! `/v1/runs`, `/v1/programs`, `/v1/plans/compile`: compile, start and read runs; seal them into programs.
//! Every lookup is tenant-scoped: another tenant's run is a 404, exactly like a run that does not exist.

use crate::auth::{random_hex, Principal};
use crate::clock::now_rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, read_json};
use crate::registry::{self, RegistryOp};
use crate::run_exec::RunMeta;
use serde::Deserialize;
use serde_json::{json as j, Value};
use std::collections::BTreeMap;
use worker::{Env, Method, Request, RequestInit, Response, Stub};
use writ_catalog::Catalog;
use writ_plan::{ExecutionProfile, FrozenPlan};

pub const DEFAULT_PROFILE: &str = "builtin";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRun {
    #[serde(default)]
    workflow: Option<String>,
    #[serde(default)]
    plan: Option<Value>,
    #[serde(default)]
    objective: Option<String>,
    #[serde(default)]
    profile: Option<String>,
    inputs: BTreeMap<String, InputArg>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum InputArg {
    Hash(String),
    Full {
        hash: String,
        #[serde(default)]
        name: Option<String>,
    },
}

impl InputArg {
    pub(crate) fn hash(&self) -> &str {
        match self {
            InputArg::Hash(h) | InputArg::Full { hash: h, .. } => h,
        }
    }
    fn name(&self) -> Option<&str> {
        match self {
            InputArg::Hash(_) => None,
            InputArg::Full { name, .. } => name.as_deref(),
        }
    }
}

fn profile(id: &str) -> ApiResult<ExecutionProfile> {
    Catalog::builtin()
        .profile(id)
        .map(|p| p.profile.clone())
        .ok_or_else(|| {
            ApiError::invalid_field(
                "/profile",
                format!("no execution profile `{id}` in the catalog"),
            )
        })
}

/// Compile a candidate with the same compiler the CLI runs; diagnostics become a 422 problem.
pub fn compile(candidate: &Value, profile: &ExecutionProfile) -> ApiResult<FrozenPlan> {
    compile_with(candidate, &[], profile)
}

/// The tools the caller's tenant imported from its MCP servers, when the candidate names any (else none: no
/// registry round trip for the common case).
async fn tenant_tools(
    env: &Env,
    who: &Principal,
    candidate: &Value,
) -> ApiResult<Vec<writ_catalog::Tool>> {
    let names_mcp = candidate["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["tools"].as_array().into_iter().flatten())
        .any(|t| t.as_str().is_some_and(writ_catalog::is_mcp_tool));
    if names_mcp {
        crate::mcp_tools::imported(env, &who.tenant).await
    } else {
        Ok(Vec::new())
    }
}

/// [`compile`] with the tenant's imported MCP tools beside the catalog.
pub fn compile_with(
    candidate: &Value,
    imported: &[writ_catalog::Tool],
    profile: &ExecutionProfile,
) -> ApiResult<FrozenPlan> {
    let compiled =
        writ_compiler::compile_value_with(candidate, Catalog::builtin(), imported, profile);
    match compiled.frozen {
        Some(plan) if !compiled.has_errors() => Ok(plan),
        _ => {
            let problem =
                writ_diag::to_problem(422, crate::error::TYPE_BASE, &compiled.diagnostics);
            Err(ApiError::new(
                422,
                "plan-rejected",
                "The plan does not compile",
                "the compiler reported errors; see diagnostics",
            )
            .with(j!({"diagnostics": problem["diagnostics"]})))
        }
    }
}

/// `POST /v1/plans/compile {candidate, profile?}` → the frozen plan (canonical JSON) or the diagnostics.
pub async fn compile_endpoint(mut req: Request, env: &Env, who: &Principal) -> ApiResult<Response> {
    who.require("runs:read")?;
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        candidate: Value,
        #[serde(default)]
        profile: Option<String>,
    }
    let body: Body = read_json(&mut req).await?;
    let plan = compile_with(
        &body.candidate,
        &tenant_tools(env, who, &body.candidate).await?,
        &profile(body.profile.as_deref().unwrap_or(DEFAULT_PROFILE))?,
    )?;
    let text =
        writ_compiler::to_canonical_json(&plan).map_err(|e| ApiError::internal(e.to_string()))?;
    let headers = worker::Headers::new();
    headers.set("content-type", "application/json")?;
    Ok(Response::builder()
        .with_headers(headers)
        .fixed(text.into_bytes()))
}

fn origin(req: &Request) -> String {
    req.url()
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

pub fn stub(env: &Env, run_id: &str) -> ApiResult<Stub> {
    Ok(env
        .durable_object("RUNS")?
        .id_from_name(run_id)?
        .get_stub()?)
}

pub async fn call_run(
    env: &Env,
    run_id: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> ApiResult<Response> {
    let mut init = RequestInit::new();
    init.with_method(method);
    if let Some(b) = body {
        init.with_body(Some(b.to_string().into()));
    }
    let req = Request::new_with_init(&format!("http://run{path}"), &init)?;
    let resp = stub(env, run_id)?.fetch_with_request(req).await?;
    Ok(resp)
}

/// Forward a run object's answer, keeping problem+json errors as they are.
async fn relay(resp: Response) -> ApiResult<Response> {
    Ok(resp)
}

pub async fn create(mut req: Request, env: &Env, who: &Principal) -> ApiResult<Response> {
    who.require("runs:write")?;
    let idem = req.headers().get("idempotency-key").ok().flatten();
    let raw = crate::http::body_bytes(&mut req, crate::http::JSON_BODY_LIMIT).await?;
    let ctype = req
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default();
    if !ctype.to_ascii_lowercase().starts_with("application/json") {
        return Err(ApiError::unsupported_media_type(format!(
            "expected application/json, got {}",
            if ctype.is_empty() { "none" } else { &ctype }
        )));
    }
    if crate::models::handles(&serde_json::from_slice(&raw).unwrap_or(Value::Null)) {
        return crate::models::create(&req, env, who, &raw).await;
    }
    let body: CreateRun = crate::http::parse_json(&raw)?;
    let profile_id = body
        .profile
        .clone()
        .unwrap_or_else(|| DEFAULT_PROFILE.into());
    let profile = profile(&profile_id)?;
    let catalog = Catalog::builtin();
    let candidate = match (&body.workflow, &body.plan) {
        (Some(w), None) => serde_json::to_value(
            &catalog
                .template(w)
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        "/workflow",
                        format!("no workflow template `{w}` in the catalog"),
                    )
                })?
                .plan,
        )
        .map_err(|e| ApiError::internal(e.to_string()))?,
        (None, Some(p)) => p.clone(),
        _ => return Err(ApiError::invalid_field(
            "",
            "give exactly one of `workflow` (a catalog template id) or `plan` (a plan candidate)",
        )),
    };
    let plan = compile_with(
        &candidate,
        &tenant_tools(env, who, &candidate).await?,
        &profile,
    )?;
    let code = plan_code(&plan, &candidate)?;
    let inputs = check_inputs(env, who, &plan, &body.inputs).await?;
    let request_hash = writ_canon::ContentHash::of_bytes(&raw).to_string();
    let chaos = req
        .headers()
        .get("x-writ-chaos")
        .ok()
        .flatten()
        .unwrap_or_default();
    let local = env
        .var("WRIT_ENV")
        .map(|v| v.to_string() == "local")
        .unwrap_or(false);
    start(
        env,
        who,
        plan,
        inputs,
        RunStart {
            duplicate_shard_delivery: local
                && chaos
                    .split(',')
                    .any(|c| c.trim() == "duplicate-shard-delivery"),
            workflow: body.workflow.clone(),
            objective: body
                .objective
                .clone()
                .or_else(|| candidate["objective"].as_str().map(String::from)),
            origin: origin(&req),
            idempotency_key: idem,
            request_hash,
            program: None,
            code,
            step_code: BTreeMap::new(),
            served_by: None,
            models: None,
        },
    )
    .await
}

/// The code the frozen plan runs, by hash: each step's catalog program, or the code the candidate wrote
/// inline. Each source is checked against the hash the compiler froze; a step whose code cannot be found
/// is an error here, never a run that fails later for want of it. (A step whose code a model writes has
/// neither: it gets its code when it runs.)
pub(crate) fn plan_code(
    plan: &FrozenPlan,
    candidate: &Value,
) -> ApiResult<BTreeMap<String, String>> {
    let catalog = Catalog::builtin();
    let inline: BTreeMap<String, String> = candidate["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["code"].as_str())
        .map(|code| {
            (
                writ_canon::ContentHash::of_bytes(code.as_bytes()).to_string(),
                code.to_string(),
            )
        })
        .collect();
    let mut out = BTreeMap::new();
    for step in &plan.steps {
        let c = &step.contract;
        let (hash, source) = match (&c.program, c.code_hash) {
            (Some(p), _) => {
                let program = catalog.program(&p.id).ok_or_else(|| {
                    ApiError::internal(format!("{}: no catalog program `{}`", step.id, p.id))
                })?;
                (p.hash, program.source.clone())
            }
            (None, Some(h)) => {
                let source = inline.get(&h.to_string()).ok_or_else(|| {
                    ApiError::internal(format!(
                        "{}: the plan's code {h} is not in the candidate",
                        step.id
                    ))
                })?;
                (h, source.clone())
            }
            (None, None) => continue,
        };
        if writ_canon::ContentHash::of_bytes(source.as_bytes()) != hash {
            return Err(ApiError::internal(format!(
                "{}: the code does not match the hash the compiler froze",
                step.id
            )));
        }
        out.insert(hash.to_string(), source);
    }
    Ok(out)
}

pub(crate) async fn check_inputs(
    env: &Env,
    who: &Principal,
    plan: &FrozenPlan,
    given: &BTreeMap<String, InputArg>,
) -> ApiResult<BTreeMap<String, crate::run_object::InputRef>> {
    let bucket = env.bucket("ARTIFACTS")?;
    let mut out = BTreeMap::new();
    for name in given.keys() {
        if !plan.inputs.iter().any(|i| &i.name == name) {
            let known: Vec<&str> = plan.inputs.iter().map(|i| i.name.as_str()).collect();
            return Err(ApiError::invalid_field(
                format!("/inputs/{name}"),
                format!("the plan has no input `{name}`; it takes {known:?}"),
            ));
        }
    }
    for input in &plan.inputs {
        let Some(arg) = given.get(&input.name) else {
            if input.required {
                return Err(ApiError::invalid_field(
                    format!("/inputs/{}", input.name),
                    format!(
                        "the required input `{}` ({}) is missing",
                        input.name, input.kind
                    ),
                ));
            }
            continue;
        };
        let hash = writ_canon::ContentHash::parse(arg.hash()).map_err(|e| {
            ApiError::invalid_field(format!("/inputs/{}", input.name), e.to_string())
        })?;
        let obj = bucket
            .head(crate::inputs::blob_key(&who.tenant, &hash.to_string()))
            .await?;
        if obj.is_none() {
            return Err(ApiError::invalid_field(
                format!("/inputs/{}", input.name),
                format!("no uploaded input {hash} (POST /v1/inputs first)"),
            ));
        }
        if writ_artifact::is_bundle(&input.kind) {
            // A batch input is a manifest over uploaded files: it must read as one, and every file be there.
            let bytes = crate::inputs::read_blob(env, &who.tenant, &hash.to_string()).await?;
            let bundle = writ_artifact::Bundle::parse(&bytes).map_err(|e| {
                ApiError::invalid_field(
                    format!("/inputs/{}", input.name),
                    format!(
                        "`{}` is a `{}`, but {hash} is not a batch: {e} (upload a folder)",
                        input.name, input.kind
                    ),
                )
            })?;
            for f in &bundle.files {
                if bucket
                    .head(crate::inputs::blob_key(&who.tenant, &f.hash.to_string()))
                    .await?
                    .is_none()
                {
                    return Err(ApiError::invalid_field(
                        format!("/inputs/{}", input.name),
                        format!(
                            "the batch lists `{}` ({}), which was never uploaded",
                            f.path, f.hash
                        ),
                    ));
                }
            }
        }
        out.insert(
            input.name.clone(),
            crate::run_object::InputRef {
                hash,
                name: arg
                    .name()
                    .map(String::from)
                    .unwrap_or_else(|| input.name.clone()),
                kind: input.kind.clone(),
            },
        );
    }
    Ok(out)
}

pub struct RunStart {
    pub duplicate_shard_delivery: bool,
    pub workflow: Option<String>,
    pub objective: Option<String>,
    pub origin: String,
    pub idempotency_key: Option<String>,
    pub request_hash: String,
    pub program: Option<(String, writ_canon::ContentHash)>,
    pub code: BTreeMap<String, String>,
    /// A sealed program's step → the hash of the code it runs.
    pub step_code: BTreeMap<String, writ_canon::ContentHash>,
    /// What served the run, when models did (else derived from the plan's profile).
    pub served_by: Option<String>,
    /// The models module's part of the run object's `/init` (see `crate::models::init`).
    pub models: Option<Value>,
}

pub async fn start(
    env: &Env,
    who: &Principal,
    plan: FrozenPlan,
    inputs: BTreeMap<String, crate::run_object::InputRef>,
    s: RunStart,
) -> ApiResult<Response> {
    let run_id = format!("run_{}", random_hex(10)?);
    let registered = registry::call(
        env,
        &RegistryOp::RegisterRun {
            id: run_id.clone(),
            tenant: who.tenant.clone(),
            creator: who.id.clone(),
            workflow: s.workflow.clone(),
            at: now_rfc3339(),
            idempotency_key: s.idempotency_key.clone(),
            request_hash: s.request_hash.clone(),
        },
    )
    .await?;
    if registered["existing"] == true {
        if registered["same_request"] != true {
            return Err(ApiError::new(
                422,
                "idempotency-key-reused",
                "Idempotency key reused",
                "this Idempotency-Key was used for a different request",
            ));
        }
        let id = registered["id"].as_str().unwrap_or_default().to_string();
        let resp = call_run(env, &id, Method::Get, "/status", None).await?;
        return relay(resp).await;
    }
    let meta = RunMeta {
        run_id: run_id.clone(),
        tenant: who.tenant.clone(),
        creator: who.id.clone(),
        workflow: s.workflow,
        objective: s.objective,
        origin: s.origin,
        served_by: s.served_by.clone().unwrap_or_else(|| served_by(&plan)),
        program_id: s.program.as_ref().map(|(id, _)| id.clone()),
        duplicate_shard_delivery: s.duplicate_shard_delivery,
    };
    let body = j!({
        "meta": meta,
        "plan": plan,
        "inputs": inputs,
        "program_hash": s.program.as_ref().map(|(_, h)| h),
        "code": s.code,
        "step_code": s.step_code,
        "models": s.models,
    });
    let mut resp = call_run(env, &run_id, Method::Post, "/init", Some(body)).await?;
    let status = resp.status_code();
    let text = resp.text().await?;
    if status != 200 {
        return Ok(Response::builder()
            .with_status(status)
            .with_header("content-type", "application/problem+json")?
            .fixed(text.into_bytes()));
    }
    let value: Value =
        serde_json::from_str(&text).map_err(|e| ApiError::internal(e.to_string()))?;
    json(201, &value)
}

/// Which provider served the model phases: the built-in deterministic one unless the profile names another.
fn served_by(plan: &FrozenPlan) -> String {
    let p = &plan.profile.phases.executor.provider;
    if p.is_empty() || p == "builtin" {
        "builtin (deterministic; no model was called)".into()
    } else {
        p.clone()
    }
}

/// The run must belong to the caller's tenant; otherwise it does not exist for them.
pub async fn owned(env: &Env, who: &Principal, run_id: &str) -> ApiResult<Value> {
    let row = registry::call(
        env,
        &RegistryOp::GetRun {
            tenant: who.tenant.clone(),
            id: run_id.to_string(),
        },
    )
    .await?;
    if row.is_null() {
        return Err(ApiError::not_found(format!("no run {run_id}")));
    }
    Ok(row)
}

pub async fn route(
    req: Request,
    env: &Env,
    who: &Principal,
    run_id: &str,
    rest: &[&str],
) -> ApiResult<Response> {
    owned(env, who, run_id).await?;
    let method = req.method();
    let q = |n: &str| crate::http::query_param(&req, n).unwrap_or_default();
    match (method.clone(), rest) {
        (Method::Get, []) => {
            who.require("runs:read")?;
            relay(call_run(env, run_id, Method::Get, "/status", None).await?).await
        }
        (Method::Get, ["plan"]) => {
            who.require("runs:read")?;
            relay(call_run(env, run_id, Method::Get, "/plan", None).await?).await
        }
        (Method::Get, ["log"]) => {
            who.require("runs:read")?;
            relay(call_run(env, run_id, Method::Get, "/log", None).await?).await
        }
        (Method::Get, ["events"]) => {
            who.require("runs:read")?;
            crate::sse::stream(env.clone(), run_id.to_string())
        }
        (Method::Get, ["artifacts"]) => {
            who.require("runs:read")?;
            let path = if q("all") == "true" {
                "/artifacts?all=true"
            } else {
                "/artifacts"
            };
            relay(call_run(env, run_id, Method::Get, path, None).await?).await
        }
        (Method::Get, ["artifacts", name @ ..]) if !name.is_empty() => {
            who.require("runs:read")?;
            let (name, provenance) = match name.split_last() {
                Some((&"provenance", head)) if !head.is_empty() => (head.join("/"), true),
                _ => (name.join("/"), false),
            };
            if provenance {
                let path = format!("/provenance?name={}", enc(&name));
                return relay(call_run(env, run_id, Method::Get, &path, None).await?).await;
            }
            artifact_bytes(
                env,
                who,
                run_id,
                &name,
                crate::http::query_param(&req, "file"),
            )
            .await
        }
        (Method::Get, ["records", hash]) => {
            who.require("runs:read")?;
            relay(
                call_run(
                    env,
                    run_id,
                    Method::Get,
                    &format!("/doc?hash={}", enc(hash)),
                    None,
                )
                .await?,
            )
            .await
        }
        (Method::Get, ["trace"]) => {
            who.require("runs:read")?;
            let path = format!(
                "/trace?artifact={}&pointer={}",
                enc(&q("artifact")),
                enc(&q("pointer"))
            );
            relay(call_run(env, run_id, Method::Get, &path, None).await?).await
        }
        (Method::Post, ["steps", step, decision])
            if *decision == "approve" || *decision == "reject" =>
        {
            who.require("approve")?;
            let mut req = req;
            let raw = crate::http::body_bytes(&mut req, 1 << 16).await?;
            let body: Value = if raw.is_empty() {
                j!({})
            } else {
                crate::http::parse_json(&raw)?
            };
            let reason = body["reason"]
                .as_str()
                .or(body["comment"].as_str())
                .unwrap_or("")
                .to_string();
            // `admin` holds every scope; the machine sees them spelled out.
            let scopes: Vec<&str> = if who.has("admin") {
                crate::auth::SCOPES.to_vec()
            } else {
                who.scopes.iter().map(String::as_str).collect()
            };
            let fwd = j!({"step": step, "principal": who.id, "scopes": scopes, "reason": reason});
            relay(
                call_run(
                    env,
                    run_id,
                    Method::Post,
                    &format!("/{decision}"),
                    Some(fwd),
                )
                .await?,
            )
            .await
        }
        (Method::Post, ["steps", step, "repair"]) => {
            who.require("repair")?;
            let mut req = req;
            let raw = crate::http::body_bytes(&mut req, 4 << 20).await?;
            let mut body: Value = crate::http::parse_json(&raw)?;
            let Some(fields) = body.as_object() else {
                return Err(ApiError::invalid_field("", "the body is a JSON object"));
            };
            if let Some(k) = fields.keys().find(|k| *k != "program" && *k != "input") {
                return Err(ApiError::invalid_field(
                    format!("/{k}"),
                    "unknown field: a repair is `program` or `input`",
                ));
            }
            // `admin` holds every scope; the machine sees them spelled out.
            let scopes: Vec<&str> = if who.has("admin") {
                crate::auth::SCOPES.to_vec()
            } else {
                who.scopes.iter().map(String::as_str).collect()
            };
            body["step"] = j!(step);
            body["principal"] = j!(who.id);
            body["scopes"] = j!(scopes);
            relay(call_run(env, run_id, Method::Post, "/repair", Some(body)).await?).await
        }
        (Method::Post, ["cancel"]) => {
            who.require("runs:write")?;
            relay(
                call_run(
                    env,
                    run_id,
                    Method::Post,
                    "/cancel",
                    Some(j!({"principal": who.id, "reason": "cancelled by request"})),
                )
                .await?,
            )
            .await
        }
        (Method::Post, ["replay"]) => crate::models::replay(req, env, who, run_id).await,
        (Method::Post, ["profile"]) => {
            crate::models::change_profile_route(req, env, who, run_id).await
        }
        (Method::Post, ["seal"]) => {
            who.require("runs:write")?;
            seal(env, who, run_id).await
        }
        _ => Err(ApiError::not_found(format!(
            "no route {} /v1/runs/{run_id}/{}",
            method_name(&method),
            rest.join("/")
        ))),
    }
}

fn method_name(m: &Method) -> String {
    format!("{m:?}").to_uppercase()
}

pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(crate) async fn artifact_bytes(
    env: &Env,
    who: &Principal,
    run_id: &str,
    name: &str,
    file: Option<String>,
) -> ApiResult<Response> {
    let mut resp = call_run(env, run_id, Method::Get, "/artifacts?all=true", None).await?;
    let list: Value = resp.json().await?;
    let found = list["artifacts"]
        .as_array()
        .into_iter()
        .flatten()
        // A directory artifact is published as `site/`; its URL path segment drops the slash.
        .find(|a| a["name"] == name || a["name"].as_str() == Some(&format!("{name}/")))
        .ok_or_else(|| ApiError::not_found(format!("run {run_id} published no artifact {name}")))?;
    let mut hash = found["hash"].as_str().unwrap_or_default().to_string();
    let mut bytes = crate::inputs::read_blob(env, &who.tenant, &hash).await?;
    // `?file=PATH`: one file of a bundle artifact (a site's page), found through its manifest.
    if let Some(path) = file {
        let bundle = writ_artifact::Bundle::parse(&bytes).map_err(|_| {
            ApiError::invalid_field("/file", format!("{name} is not a bundle of files"))
        })?;
        let f = bundle
            .files
            .iter()
            .find(|f| f.path == path)
            .ok_or_else(|| ApiError::not_found(format!("{name} has no file {path}")))?;
        hash = f.hash.to_string();
        bytes = crate::inputs::read_blob(env, &who.tenant, &hash).await?;
        let headers = worker::Headers::new();
        headers.set("content-type", media_type(&path))?;
        headers.set("x-writ-hash", &hash)?;
        return Ok(Response::builder().with_headers(headers).fixed(bytes));
    }
    let hash = hash.as_str();
    let headers = worker::Headers::new();
    let ctype = if name.ends_with(".json") {
        "application/json"
    } else if name.ends_with(".csv") {
        "text/csv; charset=utf-8"
    } else if name.ends_with(".md") {
        "text/markdown; charset=utf-8"
    } else {
        "application/octet-stream"
    };
    headers.set("content-type", ctype)?;
    headers.set("x-writ-hash", hash)?;
    Ok(Response::builder().with_headers(headers).fixed(bytes))
}

/// The media type a file is served with, by its extension.
fn media_type(path: &str) -> &'static str {
    match path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("xml") => "application/xml",
        Some("json") => "application/json",
        Some("csv") => "text/csv; charset=utf-8",
        Some("md") => "text/markdown; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

async fn seal(env: &Env, who: &Principal, run_id: &str) -> ApiResult<Response> {
    let mut resp = call_run(env, run_id, Method::Post, "/seal", Some(j!({}))).await?;
    if resp.status_code() != 200 {
        return relay(resp).await;
    }
    let sealed: Value = resp.json().await?;
    let hash = sealed["program_hash"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let hex = hash.trim_start_matches("b3:");
    let id = format!("prog_{}", &hex[..16.min(hex.len())]);
    registry::call(
        env,
        &RegistryOp::PutProgram {
            id: id.clone(),
            tenant: who.tenant.clone(),
            run_id: run_id.to_string(),
            hash: hash.clone(),
            body: sealed["program"].to_string(),
            at: now_rfc3339(),
        },
    )
    .await?;
    json(201, &j!({"id": id, "program_hash": hash, "run_id": run_id}))
}

pub async fn program_route(
    mut req: Request,
    env: &Env,
    who: &Principal,
    program_id: &str,
    rest: &[&str],
) -> ApiResult<Response> {
    let row = registry::call(
        env,
        &RegistryOp::GetProgram {
            tenant: who.tenant.clone(),
            id: program_id.to_string(),
        },
    )
    .await?;
    if row.is_null() {
        return Err(ApiError::not_found(format!("no program {program_id}")));
    }
    let program: Value = serde_json::from_str(row["body"].as_str().unwrap_or("null"))
        .map_err(|e| ApiError::internal(e.to_string()))?;
    match (req.method(), rest) {
        (Method::Get, []) => {
            who.require("runs:read")?;
            json(
                200,
                &j!({"id": program_id, "program_hash": row["hash"], "run_id": row["run_id"], "created_at": row["created_at"],
                "plan_hash": program["plan"]["plan_hash"], "steps": program["plan"]["steps"].as_array().map(|s| s.len())}),
            )
        }
        (Method::Post, ["runs"]) => {
            who.require("runs:write")?;
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Body {
                inputs: BTreeMap<String, InputArg>,
            }
            let raw = crate::http::body_bytes(&mut req, crate::http::JSON_BODY_LIMIT).await?;
            let body: Body = crate::http::parse_json(&raw)?;
            let origin = origin(&req);
            let idem = req.headers().get("idempotency-key").ok().flatten();
            run_program(
                env,
                who,
                program_id,
                &row,
                &program,
                body.inputs,
                origin,
                idem,
                writ_canon::ContentHash::of_bytes(&raw).to_string(),
            )
            .await
        }
        _ => Err(ApiError::not_found("no such program route")),
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_program(
    env: &Env,
    who: &Principal,
    program_id: &str,
    row: &Value,
    program: &Value,
    inputs: BTreeMap<String, InputArg>,
    origin: String,
    idem: Option<String>,
    request_hash: String,
) -> ApiResult<Response> {
    let sealed: writ_run::SealedProgram = serde_json::from_value(program.clone())
        .map_err(|e| ApiError::internal(format!("sealed program: {e}")))?;
    sealed
        .check()
        .map_err(|e| ApiError::internal(format!("sealed program: {e}")))?;
    let writ_run::SealedProgram {
        plan,
        code,
        steps: step_code,
    } = sealed;
    let program_hash = writ_canon::ContentHash::parse(row["hash"].as_str().unwrap_or_default())
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let inputs = check_inputs(env, who, &plan, &inputs).await?;
    start(
        env,
        who,
        plan,
        inputs,
        RunStart {
            duplicate_shard_delivery: false,
            workflow: row["run_id"]
                .as_str()
                .map(|_| format!("program {program_id}")),
            objective: None,
            origin,
            idempotency_key: idem,
            request_hash,
            program: Some((program_id.to_string(), program_hash)),
            code,
            step_code,
            served_by: None,
            models: None,
        },
    )
    .await
}

/// Start a program run from a schedule (no request: the inputs are the newest upload batch of a prefix).
pub async fn run_program_for_schedule(
    env: &Env,
    tenant: &str,
    program_id: &str,
    files: &[Value],
    origin: &str,
) -> ApiResult<Response> {
    let who = Principal {
        id: "scheduler".into(),
        tenant: tenant.to_string(),
        name: "scheduler".into(),
        scopes: vec!["runs:write".into()],
    };
    let row = registry::call(
        env,
        &RegistryOp::GetProgram {
            tenant: tenant.to_string(),
            id: program_id.to_string(),
        },
    )
    .await?;
    if row.is_null() {
        return Err(ApiError::not_found(format!("no program {program_id}")));
    }
    let program: Value = serde_json::from_str(row["body"].as_str().unwrap_or("null"))
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let mut inputs = BTreeMap::new();
    for f in files {
        let name = f["name"].as_str().unwrap_or_default();
        let stem = name
            .rsplit_once('.')
            .map(|(s, _)| s)
            .unwrap_or(name)
            .rsplit('/')
            .next()
            .unwrap_or(name)
            .to_string();
        inputs.insert(
            stem,
            InputArg::Full {
                hash: f["hash"].as_str().unwrap_or_default().to_string(),
                name: Some(name.to_string()),
            },
        );
    }
    let request_hash = writ_canon::hash_of(&files)
        .map(|h| h.to_string())
        .unwrap_or_default();
    run_program(
        env,
        &who,
        program_id,
        &row,
        &program,
        inputs,
        origin.to_string(),
        None,
        request_hash,
    )
    .await
}

pub async fn list(env: &Env, who: &Principal) -> ApiResult<Response> {
    who.require("runs:read")?;
    let rows = registry::call(
        env,
        &RegistryOp::ListRuns {
            tenant: who.tenant.clone(),
            limit: 100,
        },
    )
    .await?;
    json(200, &j!({"runs": rows}))
}
