//! MCP tools in the catalog, governed: a tenant registers an MCP server (`/v1/catalog/mcp`, `writ catalog mcp
//! add|list|refresh`), its tools are imported as catalog tools `mcp.<server>.<tool>` versioned by the hash of
//! their schemas (`writ_catalog::mcp_tool`), the compiler binds them beside the catalog's, and a step calls them
//! only through the tool bridge, where the run machine decides (bound, budget, version) and this module makes
//! the call: MCP's streamable HTTP, a deadline on every request, retried once on a transport failure, the
//! result validated against the tool's output schema.
//!
//! Credentials: a server's bearer token is a Worker secret whose *name* (`MCP_…`) is registered; the value is
//! read at call time and never stored, logged, or put into a plan.

use crate::auth::Principal;
use crate::clock::now_rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, read_json};
use crate::registry::{self, RegistryOp};
use serde::{Deserialize, Serialize};
use serde_json::{json as j, Value};
use std::time::Duration;
use worker::{Env, Fetch, Headers, Method, Request, RequestInit, Response};
use writ_catalog::Tool;

/// The protocol revision writ speaks as a client.
const PROTOCOL_VERSION: &str = "2025-11-25";
/// One HTTP request to an MCP server: the sandbox's bridge call waits at most 30 s for the whole call.
const REQUEST_TIMEOUT_MS: u64 = 8_000;
/// A whole tool call, retries included.
const CALL_DEADLINE_MS: f64 = 20_000.0;
/// Attempts of a call that failed in transport (down, slow, garbled); a tool's own error is not retried.
const ATTEMPTS: u32 = 2;

/// A registered server, as the Registry keeps it: no secret, only the secret's name.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Server {
    pub name: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_secret: Option<String>,
    /// The server's `tools/list` entries as imported.
    pub tools: Vec<Value>,
    pub imported_at: String,
}

impl Server {
    fn catalog_tools(&self) -> Result<Vec<Tool>, String> {
        self.tools
            .iter()
            .map(|t| writ_catalog::mcp_tool(&self.name, t))
            .collect()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddServer {
    name: String,
    url: String,
    #[serde(default)]
    token_secret: Option<String>,
}

/// `POST /v1/catalog/mcp {name, url, token_secret?}`: register a server and import its tools.
pub async fn add(mut req: Request, env: &Env, who: &Principal) -> ApiResult<Response> {
    who.require("admin")?;
    let body: AddServer = read_json(&mut req).await?;
    if !writ_catalog::valid_mcp_name(&body.name) {
        return Err(ApiError::invalid_field(
            "/name",
            "a server name is 1–64 letters, digits, `_` or `-`",
        ));
    }
    if !(body.url.starts_with("http://") || body.url.starts_with("https://")) {
        return Err(ApiError::invalid_field("/url", "an http(s) URL"));
    }
    if let Some(s) = &body.token_secret {
        // Only secrets meant for MCP servers: a registration must not send the deployment's own keys out.
        if !s.starts_with("MCP_") {
            return Err(ApiError::invalid_field(
                "/token_secret",
                "the name of a Worker secret starting with `MCP_`",
            ));
        }
    }
    let server = Server {
        name: body.name,
        url: body.url,
        token_secret: body.token_secret,
        tools: Vec::new(),
        imported_at: String::new(),
    };
    import(env, who, server).await
}

/// `POST /v1/catalog/mcp/{name}/refresh`: import the server's current tools (new schema hashes).
pub async fn refresh(env: &Env, who: &Principal, name: &str) -> ApiResult<Response> {
    who.require("admin")?;
    let server = servers(env, &who.tenant)
        .await?
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| ApiError::not_found(format!("no MCP server {name}")))?;
    import(env, who, server).await
}

/// `GET /v1/catalog/mcp`: the tenant's servers and their tools with ids and versions.
pub async fn list(env: &Env, who: &Principal) -> ApiResult<Response> {
    who.require("runs:read")?;
    let mut out = Vec::new();
    for s in servers(env, &who.tenant).await? {
        out.push(describe(&s)?);
    }
    json(200, &j!({ "servers": out }))
}

fn describe(s: &Server) -> ApiResult<Value> {
    let tools = s.catalog_tools().map_err(ApiError::internal)?;
    Ok(j!({
        "name": s.name, "url": s.url, "token_secret": s.token_secret, "imported_at": s.imported_at,
        "tools": tools.iter().map(|t| j!({"id": t.id, "hash": t.hash, "description": t.description,
            "input_schema": t.input_schema, "output_schema": t.output_schema})).collect::<Vec<_>>(),
    }))
}

async fn import(env: &Env, who: &Principal, mut server: Server) -> ApiResult<Response> {
    let deadline = js_sys::Date::now() + CALL_DEADLINE_MS;
    let mut session = Session::open(env, &server, deadline)
        .await
        .map_err(|e| ApiError::upstream(format!("MCP server {}: {e}", server.name)))?;
    let listed = session
        .request("tools/list", j!({}))
        .await
        .map_err(|e| ApiError::upstream(format!("MCP server {}: {e}", server.name)))?;
    server.tools = listed["tools"].as_array().cloned().unwrap_or_default();
    server
        .catalog_tools()
        .map_err(|e| ApiError::upstream(format!("MCP server {}: {e}", server.name)))?;
    server.imported_at = now_rfc3339();
    registry::call(
        env,
        &RegistryOp::PutMcpServer {
            tenant: who.tenant.clone(),
            name: server.name.clone(),
            body: serde_json::to_string(&server).map_err(|e| ApiError::internal(e.to_string()))?,
            at: server.imported_at.clone(),
        },
    )
    .await?;
    json(201, &describe(&server)?)
}

async fn servers(env: &Env, tenant: &str) -> ApiResult<Vec<Server>> {
    let rows = registry::call(
        env,
        &RegistryOp::ListMcpServers {
            tenant: tenant.to_string(),
        },
    )
    .await?;
    rows.as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            serde_json::from_str(r["body"].as_str().unwrap_or_default())
                .map_err(|e| ApiError::internal(format!("a stored MCP server: {e}")))
        })
        .collect()
}

/// Every tool the tenant imported, for the compiler.
pub async fn imported(env: &Env, tenant: &str) -> ApiResult<Vec<Tool>> {
    let mut out = Vec::new();
    for s in servers(env, tenant).await? {
        out.extend(s.catalog_tools().map_err(ApiError::internal)?);
    }
    Ok(out)
}

/// The tool `mcp.<server>.<tool>` as the tenant's import lists it now, with its server; `None` if no longer.
pub async fn current(env: &Env, tenant: &str, id: &str) -> ApiResult<Option<(Server, Tool)>> {
    for s in servers(env, tenant).await? {
        for t in s.catalog_tools().map_err(ApiError::internal)? {
            if t.id == id {
                return Ok(Some((s, t)));
            }
        }
    }
    Ok(None)
}

/// One governed call, after the run machine allowed it: `Ok(result)` (the structured content, valid against
/// the output schema) or `Err((code, reason))`.
pub async fn call(
    env: &Env,
    server: &Server,
    tool: &Tool,
    args: &Value,
) -> Result<Value, (String, String)> {
    let name = tool.id.rsplit('.').next().unwrap_or_default().to_string();
    let deadline = js_sys::Date::now() + CALL_DEADLINE_MS;
    let mut last = String::new();
    for attempt in 1..=ATTEMPTS {
        if js_sys::Date::now() >= deadline {
            break;
        }
        let result = async {
            let mut s = Session::open(env, server, deadline).await?;
            s.request("tools/call", j!({"name": name, "arguments": args}))
                .await
        }
        .await;
        match result {
            Ok(r) => return check_result(tool, &r),
            Err(e) => last = format!("attempt {attempt}: {e}"),
        }
    }
    Err((
        "mcp.unavailable".into(),
        format!("MCP server `{}` failed: {last}", server.name),
    ))
}

/// A tool result: an error the tool reported, or structured content its output schema accepts.
fn check_result(tool: &Tool, result: &Value) -> Result<Value, (String, String)> {
    let text = || {
        result["content"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    if result["isError"] == true {
        return Err(("mcp.tool_error".into(), text()));
    }
    let value = match result.get("structuredContent") {
        Some(v) => v.clone(),
        None => Value::String(text()),
    };
    if !tool.output_schema.is_null() {
        let violations = writ_schema::validate(&tool.output_schema, &value);
        if !violations.is_empty() {
            let said: Vec<String> = violations
                .iter()
                .map(|d| format!("{} at {}", d.message, d.pointer.as_deref().unwrap_or("")))
                .collect();
            return Err((
                "mcp.schema_violation".into(),
                format!(
                    "the result of {} violates its output schema: {}",
                    tool.id,
                    said.join("; ")
                ),
            ));
        }
    }
    Ok(value)
}

/// A client session with one server: `initialize`, then requests, each under the deadline.
struct Session<'a> {
    env: &'a Env,
    server: &'a Server,
    deadline: f64,
    session_id: Option<String>,
    next_id: u64,
}

impl<'a> Session<'a> {
    async fn open(env: &'a Env, server: &'a Server, deadline: f64) -> Result<Session<'a>, String> {
        let mut s = Session {
            env,
            server,
            deadline,
            session_id: None,
            next_id: 0,
        };
        let init = s
            .request(
                "initialize",
                j!({"protocolVersion": PROTOCOL_VERSION, "capabilities": {},
                    "clientInfo": {"name": "writ", "version": env!("CARGO_PKG_VERSION")}}),
            )
            .await?;
        if init["protocolVersion"].as_str().is_none() {
            return Err("its initialize answer names no protocol version".into());
        }
        s.post(&j!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await?;
        Ok(s)
    }

    async fn request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let answer = self
            .post(&j!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await?
            .ok_or_else(|| format!("no answer to {method}"))?;
        if let Some(e) = answer.get("error") {
            return Err(format!(
                "{method}: error {}: {}",
                e["code"],
                e["message"].as_str().unwrap_or_default()
            ));
        }
        answer
            .get("result")
            .cloned()
            .ok_or_else(|| format!("{method}: an answer without a result"))
    }

    /// One POST; the JSON-RPC response it carries (JSON, or the one in an SSE stream), if any.
    async fn post(&mut self, message: &Value) -> Result<Option<Value>, String> {
        let left = self.deadline - js_sys::Date::now();
        if left <= 0.0 {
            return Err("out of time".into());
        }
        let timeout = (left as u64).min(REQUEST_TIMEOUT_MS);
        let headers = Headers::new();
        let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| e.to_string());
        set("content-type", "application/json")?;
        set("accept", "application/json, text/event-stream")?;
        if message
            .get("id")
            .is_some_and(|_| message["method"] != "initialize")
        {
            set("mcp-protocol-version", PROTOCOL_VERSION)?;
        }
        if let Some(sid) = &self.session_id {
            set("mcp-session-id", sid)?;
        }
        if let Some(secret) = &self.server.token_secret {
            let token = self
                .env
                .secret(secret)
                .map(|s| s.to_string())
                .map_err(|_| format!("the Worker secret {secret} is not set"))?;
            set("authorization", &format!("Bearer {token}"))?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(message.to_string().into()));
        let req = Request::new_with_init(&self.server.url, &init).map_err(|e| e.to_string())?;
        let exchange = async {
            let mut resp = Fetch::Request(req)
                .send()
                .await
                .map_err(|e| format!("unreachable: {e}"))?;
            let status = resp.status_code();
            let ctype = resp
                .headers()
                .get("content-type")
                .ok()
                .flatten()
                .unwrap_or_default();
            let sid = resp.headers().get("mcp-session-id").ok().flatten();
            let text = resp.text().await.map_err(|e| e.to_string())?;
            Ok::<_, String>((status, ctype, sid, text))
        };
        let delay = worker::Delay::from(Duration::from_millis(timeout));
        futures::pin_mut!(exchange);
        let (status, ctype, sid, text) = match futures::future::select(exchange, delay).await {
            futures::future::Either::Left((r, _)) => r?,
            futures::future::Either::Right(_) => {
                return Err(format!("no answer within {timeout} ms"))
            }
        };
        if sid.is_some() {
            self.session_id = sid;
        }
        if status == 202 {
            return Ok(None);
        }
        if !(200..300).contains(&status) {
            return Err(format!("HTTP {status}: {}", snippet(&text)));
        }
        let want = message.get("id");
        if ctype.starts_with("text/event-stream") {
            // The response to our request is one of the stream's `data:` messages.
            for line in text.lines() {
                if let Some(data) = line.strip_prefix("data:") {
                    if let Ok(v) = serde_json::from_str::<Value>(data.trim()) {
                        if v.get("id") == want {
                            return Ok(Some(v));
                        }
                    }
                }
            }
            return Err("the event stream carried no answer".into());
        }
        if text.trim().is_empty() {
            return Ok(None);
        }
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| format!("not JSON ({e}): {}", snippet(&text)))
    }
}

fn snippet(text: &str) -> String {
    text.chars().take(200).collect()
}
