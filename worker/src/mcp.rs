//! `/mcp`: writ as an MCP server (Model Context Protocol 2025-11-25, streamable HTTP transport), so that an
//! agent can hand work to writ: find a workflow, check a plan, start a run on uploaded inputs, follow it, read
//! and trace what it published.
//!
//! Each POST carries one JSON-RPC message and is answered with one JSON response (no session, no SSE stream;
//! a GET is a 405, which the transport allows). The caller is authenticated like every REST call (bearer
//! token, tenant, scopes), and every tool is the REST route that already does the work, dispatched in-process
//! as the same principal: one implementation, the same scope checks and tenant scoping. No tool approves,
//! rejects, cancels or repairs a run: those decisions stay with people.

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::http::{body_bytes, JSON_BODY_LIMIT};
use crate::runs::enc;
use serde_json::{json, Value};
use worker::{Env, Headers, Method, Request, RequestInit, Response};

/// Protocol revisions this server speaks through the `initialize` handshake, newest first.
pub const PROTOCOL_VERSIONS: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26"];

/// What an artifact read returns as text at most, unless the caller asks for less.
const READ_LIMIT: usize = 256 << 10;

const INSTRUCTIONS: &str = "writ compiles a plan before it runs and verifies every output after. Find a \
workflow (find_workflows), check a plan candidate (check_plan: diagnostics come back as structured content), \
start a run on inputs uploaded with POST /v1/inputs (start_run), follow it (run_status), read what it published \
(list_artifacts, read_artifact) and trace any value back to the input rows it came from (trace_value). No tool \
approves or rejects a gate, cancels or repairs a run: those stay with people, through the REST API or the \
`writ` CLI, by an authorised reviewer other than the run's creator.";

// JSON-RPC 2.0 error codes.
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;

/// One tool: its name, description, input and output schemas (JSON Schema 2020-12), and hints.
struct Tool {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    input: Value,
    output: Value,
    read_only: bool,
}

fn run_arg() -> Value {
    json!({"type": "string", "description": "the run id (`run_…`) start_run returned"})
}

fn tools() -> Vec<Tool> {
    vec![
        Tool {
            name: "find_workflows",
            title: "Find workflows",
            description: "Search writ's catalog for workflows (plan templates) that fit a job, ranked, with the \
                inputs each one takes (name, kind, required). Read-only.",
            input: json!({"type": "object", "properties": {
                "query": {"type": "string", "minLength": 1, "description": "what the job is, in words"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 50}
            }, "required": ["query"], "additionalProperties": false}),
            output: json!({"type": "object", "properties": {"workflows": {"type": "array"}}, "required": ["workflows"]}),
            read_only: true,
        },
        Tool {
            name: "check_plan",
            title: "Check a plan candidate",
            description: "Compile a plan candidate against the catalog without running it. Returns `ok`, and \
                either the frozen plan's hash and steps or the compiler's diagnostics (stable codes such as \
                E0001, JSON pointers, help) as structured content. Read-only.",
            input: json!({"type": "object", "properties": {
                "candidate": {"type": "object", "description": "a plan candidate (see /v1/schemas)"},
                "profile": {"type": "string", "description": "execution profile id; default `builtin`"}
            }, "required": ["candidate"], "additionalProperties": false}),
            output: json!({"type": "object", "properties": {
                "ok": {"type": "boolean"}, "plan_hash": {"type": "string"}, "steps": {"type": "array"},
                "codes": {"type": "array", "items": {"type": "string"}}, "diagnostics": {"type": "array"}
            }, "required": ["ok", "codes", "diagnostics"]}),
            read_only: true,
        },
        Tool {
            name: "start_run",
            title: "Start a run",
            description: "Start a run of a catalog workflow (or of a plan candidate) on inputs already uploaded \
                with POST /v1/inputs, by content hash. The plan is compiled first; a plan that does not compile \
                starts nothing. Returns the run's status. Approval gates in the plan wait for a person: this \
                tool cannot approve them.",
            input: json!({"type": "object", "properties": {
                "workflow": {"type": "string", "description": "a workflow id from find_workflows"},
                "plan": {"type": "object", "description": "a plan candidate, instead of a workflow"},
                "inputs": {"type": "object", "description": "input name → uploaded hash (`b3:…`) or {hash, name}",
                    "additionalProperties": {"anyOf": [
                        {"type": "string"},
                        {"type": "object", "properties": {"hash": {"type": "string"}, "name": {"type": "string"}},
                         "required": ["hash"], "additionalProperties": false}
                    ]}},
                "profile": {"type": "string"},
                "idempotency_key": {"type": "string", "description": "the same key returns the same run"}
            }, "required": ["inputs"], "additionalProperties": false}),
            output: json!({"type": "object", "properties": {"id": {"type": "string"}, "state": {"type": "string"}},
                "required": ["id", "state"]}),
            read_only: false,
        },
        Tool {
            name: "run_status",
            title: "Run status",
            description: "A run's state, its steps, progress, usage and the steps awaiting approval \
                (`pending_approvals`). Approving or rejecting them is for an authorised person, not for this \
                or any MCP tool. Read-only.",
            input: json!({"type": "object", "properties": {"run": run_arg()}, "required": ["run"],
                "additionalProperties": false}),
            output: json!({"type": "object", "properties": {"id": {"type": "string"}, "state": {"type": "string"},
                "pending_approvals": {"type": "array"}}, "required": ["id", "state", "pending_approvals"]}),
            read_only: true,
        },
        Tool {
            name: "list_artifacts",
            title: "List published artifacts",
            description: "The artifacts a run published (name, kind, hash, size); with `all`, its intermediate \
                artifacts too. Read-only.",
            input: json!({"type": "object", "properties": {"run": run_arg(), "all": {"type": "boolean"}},
                "required": ["run"], "additionalProperties": false}),
            output: json!({"type": "object", "properties": {"artifacts": {"type": "array"}},
                "required": ["artifacts"]}),
            read_only: true,
        },
        Tool {
            name: "read_artifact",
            title: "Read a published artifact",
            description: "The content of one published artifact (or, with `file`, one file of a bundle such as \
                a site), as text, with its content hash. Read-only.",
            input: json!({"type": "object", "properties": {
                "run": run_arg(),
                "name": {"type": "string", "minLength": 1, "description": "the artifact's name, e.g. summary.json"},
                "file": {"type": "string", "description": "a file path inside a bundle artifact"},
                "max_bytes": {"type": "integer", "minimum": 1, "maximum": READ_LIMIT}
            }, "required": ["run", "name"], "additionalProperties": false}),
            output: json!({"type": "object", "properties": {
                "name": {"type": "string"}, "hash": {"type": "string"}, "media_type": {"type": "string"},
                "size": {"type": "integer"}, "text": {"type": ["string", "null"]}, "truncated": {"type": "boolean"}
            }, "required": ["name", "hash", "size", "truncated"]}),
            read_only: true,
        },
        Tool {
            name: "trace_value",
            title: "Trace a value",
            description: "Trace one value of a published artifact (a JSON pointer such as /total_payable, or \
                /ROW/COLUMN in a table) back through every step and the code that computed it to the uploaded \
                rows it came from. Read-only.",
            input: json!({"type": "object", "properties": {
                "run": run_arg(),
                "artifact": {"type": "string", "minLength": 1},
                "pointer": {"type": "string", "description": "a JSON pointer into the artifact"}
            }, "required": ["run", "artifact", "pointer"], "additionalProperties": false}),
            output: json!({"type": "object", "properties": {"value": {}, "chain": {"type": "array"},
                "sources": {"type": "array"}}, "required": ["chain", "sources"]}),
            read_only: true,
        },
    ]
}

fn tool_list() -> Value {
    let tools: Vec<Value> = tools()
        .into_iter()
        .map(|t| {
            json!({
                "name": t.name, "title": t.title, "description": t.description,
                "inputSchema": t.input, "outputSchema": t.output,
                "annotations": {"readOnlyHint": t.read_only, "destructiveHint": false, "openWorldHint": false},
            })
        })
        .collect();
    json!({ "tools": tools })
}

/// `POST /mcp` (authenticated by the router): one JSON-RPC message in, one JSON response out.
pub async fn handle(mut req: Request, env: &Env, who: &Principal) -> ApiResult<Response> {
    check_origin(&req)?;
    if let Some(v) = req.headers().get("mcp-protocol-version").ok().flatten() {
        if !PROTOCOL_VERSIONS.contains(&v.as_str()) {
            return rpc_response(
                400,
                error(Value::Null, INVALID_REQUEST, format!("unsupported MCP-Protocol-Version {v}; this server speaks {PROTOCOL_VERSIONS:?}")),
            );
        }
    }
    let bytes = body_bytes(&mut req, JSON_BODY_LIMIT).await?;
    let message: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            return rpc_response(
                400,
                error(Value::Null, PARSE_ERROR, format!("not JSON: {e}")),
            )
        }
    };
    let Some(obj) = message.as_object() else {
        return rpc_response(
            400,
            error(
                Value::Null,
                INVALID_REQUEST,
                "one JSON-RPC message per POST (batches are not part of the 2025-11-25 transport)",
            ),
        );
    };
    // Notifications and responses to us need no answer: 202 with no body.
    let (Some(id), Some(method)) = (obj.get("id"), obj.get("method").and_then(Value::as_str))
    else {
        return Ok(Response::empty()?.with_status(202));
    };
    let id = id.clone();
    let params = obj.get("params").cloned().unwrap_or(json!({}));
    let ctx = Ctx {
        env,
        who,
        origin: req
            .url()
            .map(|u| u.origin().ascii_serialization())
            .map_err(|e| ApiError::internal(e.to_string()))?,
    };
    let answer = match method {
        "initialize" => Ok(initialize(&params)),
        "ping" => Ok(json!({})),
        "tools/list" => Ok(tool_list()),
        "tools/call" => call_tool(&ctx, &params).await,
        other => Err((
            METHOD_NOT_FOUND,
            format!("method `{other}` is not served here; this server has tools only"),
        )),
    };
    rpc_response(
        200,
        match answer {
            Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
            Err((code, message)) => error(id, code, message),
        },
    )
}

/// A browser page on another origin must not drive the API with a user's token (DNS rebinding); agents send
/// no `Origin`.
fn check_origin(req: &Request) -> ApiResult<()> {
    let Some(origin) = req.headers().get("origin").ok().flatten() else {
        return Ok(());
    };
    let own = req
        .url()
        .map(|u| u.origin().ascii_serialization())
        .map_err(|e| ApiError::internal(e.to_string()))?;
    if origin == own {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "requests to /mcp from the origin {origin} are refused"
        )))
    }
}

fn initialize(params: &Value) -> Value {
    // The client's version when we speak it, else our newest (the client then decides whether to go on).
    let asked = params["protocolVersion"].as_str().unwrap_or_default();
    let version = PROTOCOL_VERSIONS
        .iter()
        .find(|v| **v == asked)
        .unwrap_or(&PROTOCOL_VERSIONS[0]);
    json!({
        "protocolVersion": version,
        "capabilities": {"tools": {"listChanged": false}},
        "serverInfo": {"name": "writ", "title": "writ", "version": env!("CARGO_PKG_VERSION")},
        "instructions": INSTRUCTIONS,
    })
}

fn error(id: Value, code: i64, message: impl Into<String>) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message.into()}})
}

fn rpc_response(status: u16, body: Value) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    Ok(Response::builder()
        .with_status(status)
        .with_headers(headers)
        .fixed(body.to_string().into_bytes()))
}

struct Ctx<'a> {
    env: &'a Env,
    who: &'a Principal,
    origin: String,
}

/// A REST route's answer, as the tool sees it.
struct Answer {
    status: u16,
    bytes: Vec<u8>,
    headers: Headers,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }
}

impl Ctx<'_> {
    /// The REST route at `path`, dispatched in-process as the caller.
    async fn rest(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        extra: &[(&str, &str)],
    ) -> ApiResult<Answer> {
        let headers = Headers::new();
        headers.set("content-type", "application/json")?;
        for (k, v) in extra {
            headers.set(k, v)?;
        }
        let mut init = RequestInit::new();
        init.with_method(method).with_headers(headers);
        if let Some(b) = body {
            init.with_body(Some(b.to_string().into()));
        }
        let req = Request::new_with_init(&format!("{}{path}", self.origin), &init)?;
        let mut resp = crate::dispatch(req, self.env, self.who)
            .await
            .unwrap_or_else(|e| e.response());
        Ok(Answer {
            status: resp.status_code(),
            headers: resp.headers().clone(),
            bytes: resp.bytes().await?,
        })
    }
}

type RpcResult = Result<Value, (i64, String)>;

async fn call_tool(ctx: &Ctx<'_>, params: &Value) -> RpcResult {
    let name = params["name"].as_str().unwrap_or_default();
    let Some(tool) = tools().into_iter().find(|t| t.name == name) else {
        return Err((INVALID_PARAMS, format!("unknown tool `{name}`")));
    };
    let args = params.get("arguments").cloned().unwrap_or(json!({}));
    // Arguments that do not fit the schema are a tool error the model can read and correct.
    let violations = writ_schema::validate(&tool.input, &args);
    if !violations.is_empty() {
        let problem = writ_diag::to_problem(422, crate::error::TYPE_BASE, &violations);
        return Ok(tool_error(&json!({
            "type": format!("{}invalid-arguments", crate::error::TYPE_BASE),
            "title": "The arguments do not fit the tool's input schema",
            "status": 422,
            "detail": format!("{name}: the arguments do not fit its input schema"),
            "diagnostics": problem["diagnostics"],
        })));
    }
    let outcome = match name {
        "find_workflows" => Ok(find_workflows(&args)),
        "check_plan" => check_plan(ctx, &args).await,
        "start_run" => start_run(ctx, &args).await,
        "run_status" => get_json(ctx, &format!("/v1/runs/{}", run(&args))).await,
        "list_artifacts" => {
            let all = if args["all"] == true { "?all=true" } else { "" };
            get_json(ctx, &format!("/v1/runs/{}/artifacts{all}", run(&args))).await
        }
        "read_artifact" => read_artifact(ctx, &args).await,
        "trace_value" => {
            let path = format!(
                "/v1/runs/{}/trace?artifact={}&pointer={}",
                run(&args),
                enc(args["artifact"].as_str().unwrap_or_default()),
                enc(args["pointer"].as_str().unwrap_or_default())
            );
            get_json(ctx, &path).await
        }
        _ => return Err((INVALID_PARAMS, format!("unknown tool `{name}`"))),
    };
    Ok(match outcome {
        Ok(Ok(v)) => tool_ok(v),
        Ok(Err(problem)) => tool_error(&problem),
        Err(e) => tool_error(&e.body()),
    })
}

fn run(args: &Value) -> String {
    enc(args["run"].as_str().unwrap_or_default())
}

/// A tool's outcome: its structured content, or the problem the route reported.
type Outcome = ApiResult<Result<Value, Value>>;

fn tool_ok(structured: Value) -> Value {
    json!({
        "content": [{"type": "text", "text": structured.to_string()}],
        "structuredContent": structured,
        "isError": false,
    })
}

fn tool_error(problem: &Value) -> Value {
    let text = format!(
        "{}: {}",
        problem["title"].as_str().unwrap_or("error"),
        problem["detail"].as_str().unwrap_or_default()
    );
    json!({
        "content": [{"type": "text", "text": text}],
        "structuredContent": problem,
        "isError": true,
    })
}

fn answer_json(a: Answer) -> Result<Value, Value> {
    if a.status < 400 {
        Ok(a.json())
    } else {
        Err(a.json())
    }
}

async fn get_json(ctx: &Ctx<'_>, path: &str) -> Outcome {
    Ok(answer_json(ctx.rest(Method::Get, path, None, &[]).await?))
}

fn find_workflows(args: &Value) -> Result<Value, Value> {
    let catalog = writ_catalog::Catalog::builtin();
    let limit = args["limit"].as_u64().unwrap_or(10) as usize;
    let hits = catalog.search(
        args["query"].as_str().unwrap_or_default(),
        &writ_catalog::SearchOptions {
            kind: Some(writ_catalog::EntryKind::Template),
            limit,
        },
    );
    let workflows: Vec<Value> = hits
        .into_iter()
        .filter_map(|h| {
            let t = catalog.template(&h.id)?;
            Some(json!({
                "id": h.id, "title": h.title, "score": h.score,
                "objective": t.plan.objective,
                "inputs": t.plan.inputs,
            }))
        })
        .collect();
    Ok(json!({ "workflows": workflows }))
}

/// `POST /v1/plans/compile`: a frozen plan is `ok`; the compiler's rejection is the diagnostics, not a failure.
async fn check_plan(ctx: &Ctx<'_>, args: &Value) -> Outcome {
    let mut body = json!({"candidate": args["candidate"]});
    if let Some(p) = args.get("profile") {
        body["profile"] = p.clone();
    }
    let a = ctx
        .rest(Method::Post, "/v1/plans/compile", Some(&body), &[])
        .await?;
    let v = a.json();
    Ok(match a.status {
        200 => {
            let steps: Vec<Value> = v["steps"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| json!({"id": s["id"], "slug": s["contract"]["slug"]}))
                .collect();
            Ok(
                json!({"ok": true, "plan_hash": v["plan_hash"], "steps": steps, "codes": [], "diagnostics": []}),
            )
        }
        422 if v["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("plan-rejected")) =>
        {
            let diagnostics = v["diagnostics"].clone();
            let mut codes: Vec<String> = diagnostics
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d["code"].as_str().map(String::from))
                .collect();
            codes.sort();
            codes.dedup();
            Ok(json!({"ok": false, "codes": codes, "diagnostics": diagnostics}))
        }
        _ => Err(v),
    })
}

async fn start_run(ctx: &Ctx<'_>, args: &Value) -> Outcome {
    let mut body = json!({"inputs": args["inputs"]});
    for key in ["workflow", "plan", "profile"] {
        if let Some(v) = args.get(key) {
            body[key] = v.clone();
        }
    }
    let key = args["idempotency_key"].as_str();
    let headers: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
    Ok(answer_json(
        ctx.rest(Method::Post, "/v1/runs", Some(&body), &headers)
            .await?,
    ))
}

async fn read_artifact(ctx: &Ctx<'_>, args: &Value) -> Outcome {
    let name = args["name"].as_str().unwrap_or_default();
    let segments: Vec<String> = name.trim_end_matches('/').split('/').map(enc).collect();
    let mut path = format!("/v1/runs/{}/artifacts/{}", run(args), segments.join("/"));
    if let Some(f) = args["file"].as_str() {
        path.push_str(&format!("?file={}", enc(f)));
    }
    let a = ctx.rest(Method::Get, &path, None, &[]).await?;
    if a.status >= 400 {
        return Ok(Err(a.json()));
    }
    let limit = args["max_bytes"]
        .as_u64()
        .map(|n| n as usize)
        .unwrap_or(READ_LIMIT);
    let header = |k: &str| a.headers.get(k).ok().flatten().unwrap_or_default();
    let size = a.bytes.len();
    let shown = &a.bytes[..size.min(limit)];
    // A cut may fall inside a UTF-8 sequence: keep the valid prefix; binary content has no text.
    let text = match std::str::from_utf8(shown) {
        Ok(t) => Some(t.to_string()),
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&shown[..e.valid_up_to()])
            .ok()
            .map(String::from),
        Err(_) => None,
    };
    Ok(Ok(json!({
        "name": name, "file": args["file"], "hash": header("x-writ-hash"),
        "media_type": header("content-type"), "size": size, "text": text, "truncated": size > limit,
    })))
}
