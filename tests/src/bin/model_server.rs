//! `writ-model-server`: a local HTTP server that plays a model deterministically over the real OpenAI
//! chat-completions (`POST /v1/chat/completions`) and Anthropic Messages (`POST /v1/messages`) wire
//! formats, for tests and the local stack.
//!
//! It reads the task header writ-models puts at the top of every prompt (`writ-task:`, `objective:`,
//! `template:`, `step:`) and answers as that phase would, from the catalog: the router with discovery's
//! template, the planner with the template's plan candidate, the executor and the repairer with the
//! step's reference program, the auditor with a verdict per rubric criterion, the evaluator with the pack's
//! built-in evaluator's judgement of the item's evidence bundle. Answers come inside prose and
//! a ```json fence so the tolerant reply parser is exercised. Usage is computed from text lengths.
//!
//! Flags: `--port N` (0 picks one; `listening on http://127.0.0.1:PORT` is printed first), `--fail-first N`
//! (the first N requests get 429 then 500, alternating), `--malformed-first N` (the next N get a reply with no
//! readable JSON), `--hang-item ITEM` (prompts about that item are never answered in time), `--fail-criterion
//! ID` (as auditor, fail that rubric criterion: a planted defect), `--break-step STEP` (as executor, write a
//! program for that step that always fails; as repairer, the reference program fixes it).

use anyhow::Context as _;
use serde_json::{json, Value};
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use writ_catalog::Catalog;
use writ_models::builtin;
use writ_models::provider::estimate_tokens;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Options {
    port: u16,
    fail_first: u64,
    malformed_first: u64,
    /// Prompts about this item (`item:` header) are never answered in time: the caller's timeout fires.
    hang_item: Option<String>,
    /// As auditor, fail this rubric criterion (a planted defect the stand-in is told to see).
    fail_criterion: Option<String>,
    /// As executor, write a program for this step that fails (the repairer's reply fixes it).
    break_step: Option<String>,
}

fn parse_args(args: &[String]) -> anyhow::Result<Options> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || -> anyhow::Result<&String> {
            it.next().with_context(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--port" => o.port = value()?.parse().context("--port")?,
            "--fail-first" => o.fail_first = value()?.parse().context("--fail-first")?,
            "--malformed-first" => o.malformed_first = value()?.parse().context("--malformed-first")?,
            "--hang-item" => o.hang_item = Some(value()?.clone()),
            "--fail-criterion" => o.fail_criterion = Some(value()?.clone()),
            "--break-step" => o.break_step = Some(value()?.clone()),
            other => anyhow::bail!(
                "unknown argument `{other}` (usage: writ-model-server [--port N] [--fail-first N] [--malformed-first N] [--hang-item ITEM] [--fail-criterion ID] [--break-step STEP])"
            ),
        }
    }
    Ok(o)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = parse_args(&args)?;
    let server = bind(options.port)?;
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .context("not an IP listener")?;
    println!("listening on http://127.0.0.1:{port}");
    std::io::stdout().flush()?;
    serve(Arc::new(server), Arc::new(Model::new(options)));
    Ok(())
}

fn bind(port: u16) -> anyhow::Result<tiny_http::Server> {
    tiny_http::Server::http(("127.0.0.1", port))
        .map_err(|e| anyhow::anyhow!("cannot listen on 127.0.0.1:{port}: {e}"))
}

/// Serves forever, a thread per request.
fn serve(server: Arc<tiny_http::Server>, model: Arc<Model>) {
    for request in server.incoming_requests() {
        let model = Arc::clone(&model);
        std::thread::spawn(move || handle(&model, request));
    }
}

/// The deterministic "model" and its request counter.
struct Model {
    options: Options,
    served: AtomicU64,
}

/// Which wire format a request speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    Anthropic,
    OpenAi,
}

/// An HTTP answer: status, extra headers, JSON body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Answer {
    fn error(wire: Wire, status: u16, kind: &str, message: &str) -> Answer {
        let body = match wire {
            Wire::Anthropic => {
                json!({"type": "error", "error": {"type": kind, "message": message}})
            }
            Wire::OpenAi => {
                json!({"error": {"message": message, "type": kind, "param": null, "code": null}})
            }
        };
        Answer {
            status,
            headers: Vec::new(),
            body,
        }
    }
}

fn handle(model: &Model, mut request: tiny_http::Request) {
    let mut body = String::new();
    let read = request.as_reader().read_to_string(&mut body);
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_ascii_lowercase(),
                h.value.as_str().to_string(),
            )
        })
        .collect();
    let answer = match read {
        Err(_) => Answer::error(
            Wire::OpenAi,
            400,
            "invalid_request_error",
            "the body is not UTF-8 text",
        ),
        Ok(_) => model.answer(request.method().as_str(), request.url(), &headers, &body),
    };
    let mut response =
        tiny_http::Response::from_string(answer.body.to_string()).with_status_code(answer.status);
    for (name, value) in
        std::iter::once(("content-type".to_string(), "application/json".to_string()))
            .chain(answer.headers)
    {
        if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(h);
        }
    }
    // A client that hung up is not the server's problem.
    let _ = request.respond(response);
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

impl Model {
    fn new(options: Options) -> Model {
        Model {
            options,
            served: AtomicU64::new(0),
        }
    }

    fn answer(&self, method: &str, url: &str, headers: &[(String, String)], body: &str) -> Answer {
        let path = url.split('?').next().unwrap_or(url);
        let wire = match path {
            "/v1/messages" => Wire::Anthropic,
            "/v1/chat/completions" => Wire::OpenAi,
            _ => {
                return Answer::error(
                    Wire::OpenAi,
                    404,
                    "not_found_error",
                    &format!("no route {path}"),
                )
            }
        };
        if method != "POST" {
            let mut a = Answer::error(wire, 405, "invalid_request_error", "only POST is allowed");
            a.headers.push(("allow".into(), "POST".into()));
            return a;
        }
        if let Err(a) = authorised(wire, headers) {
            return a;
        }
        let parsed: Value = match serde_json::from_str(body) {
            Ok(v) => v,
            Err(e) => {
                return Answer::error(
                    wire,
                    400,
                    "invalid_request_error",
                    &format!("the body is not JSON: {e}"),
                )
            }
        };
        let prompt = match validate(wire, &parsed) {
            Ok(p) => p,
            Err(message) => return Answer::error(wire, 400, "invalid_request_error", &message),
        };
        if let Some(item) = &self.options.hang_item {
            if field(&task_header(&prompt.first_user), "item") == Some(item.as_str()) {
                // Longer than any timeout a test sets; the thread then answers a caller long gone.
                std::thread::sleep(std::time::Duration::from_secs(120));
                return Answer::error(wire, 504, "timeout", "--hang-item");
            }
        }
        // Only well-formed requests count towards the scripted failures.
        let n = self.served.fetch_add(1, Ordering::SeqCst);
        if n < self.options.fail_first {
            return if n % 2 == 0 {
                let kind = match wire {
                    Wire::Anthropic => "rate_limit_error",
                    Wire::OpenAi => "rate_limit_exceeded",
                };
                let mut a = Answer::error(wire, 429, kind, "rate limited by --fail-first");
                a.headers.push(("retry-after".into(), "0".into()));
                a
            } else {
                let kind = match wire {
                    Wire::Anthropic => "api_error",
                    Wire::OpenAi => "server_error",
                };
                Answer::error(wire, 500, kind, "internal error by --fail-first")
            };
        }
        let text = if n < self.options.fail_first + self.options.malformed_first {
            "I have thought about it and the answer is {\"almost\": json,, oops".to_string()
        } else {
            reply_text(&prompt.first_user, &self.options)
        };
        let tokens_in = estimate_tokens(&prompt.all_text);
        let tokens_out = estimate_tokens(&text);
        let body = match wire {
            Wire::Anthropic => json!({
                "id": format!("msg_{n:08}"),
                "type": "message",
                "role": "assistant",
                "model": prompt.model,
                "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn",
                "stop_sequence": null,
                "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out}
            }),
            Wire::OpenAi => json!({
                "id": format!("chatcmpl-{n:08}"),
                "object": "chat.completion",
                "created": 0,
                "model": prompt.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": tokens_in, "completion_tokens": tokens_out, "total_tokens": tokens_in + tokens_out}
            }),
        };
        Answer {
            status: 200,
            headers: Vec::new(),
            body,
        }
    }
}

/// Anthropic requires `x-api-key` and `anthropic-version`; an OpenAI-compatible server (like Ollama) may
/// run without keys, but a present `authorization` must be a bearer token.
fn authorised(wire: Wire, headers: &[(String, String)]) -> Result<(), Answer> {
    match wire {
        Wire::Anthropic => {
            if header(headers, "x-api-key").is_none_or(|k| k.trim().is_empty()) {
                return Err(Answer::error(
                    wire,
                    401,
                    "authentication_error",
                    "x-api-key header is required",
                ));
            }
            if header(headers, "anthropic-version").is_none() {
                return Err(Answer::error(
                    wire,
                    400,
                    "invalid_request_error",
                    "anthropic-version header is required",
                ));
            }
        }
        Wire::OpenAi => {
            if let Some(auth) = header(headers, "authorization") {
                if auth
                    .strip_prefix("Bearer ")
                    .is_none_or(|k| k.trim().is_empty())
                {
                    return Err(Answer::error(
                        wire,
                        401,
                        "invalid_request_error",
                        "authorization must be `Bearer <key>`",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// What the model reads of a valid request.
struct Prompt {
    model: String,
    first_user: String,
    all_text: String,
}

fn content_text(content: &Value) -> Option<String> {
    match content {
        Value::String(s) => Some(s.clone()),
        Value::Array(blocks) => blocks
            .iter()
            .map(|b| {
                (b.get("type").and_then(Value::as_str) == Some("text"))
                    .then(|| b.get("text").and_then(Value::as_str).map(str::to_string))
                    .flatten()
            })
            .collect::<Option<Vec<_>>>()
            .map(|parts| parts.join("")),
        _ => None,
    }
}

fn validate(wire: Wire, body: &Value) -> Result<Prompt, String> {
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .filter(|m| !m.trim().is_empty())
        .ok_or("model: a non-empty string is required")?
        .to_string();
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty())
        .ok_or("messages: a non-empty array is required")?;
    let roles: &[&str] = match wire {
        Wire::Anthropic => {
            match body.get("max_tokens") {
                Some(v) if v.as_u64().is_some_and(|n| n > 0) => {}
                Some(_) => return Err("max_tokens: a positive integer is required".into()),
                None => return Err("max_tokens: Field required".into()),
            }
            if body
                .get("system")
                .is_some_and(|s| content_text(s).is_none())
            {
                return Err("system: must be a string or text blocks".into());
            }
            &["user", "assistant"]
        }
        Wire::OpenAi => &["system", "developer", "user", "assistant", "tool"],
    };
    let mut all_text = body
        .get("system")
        .and_then(content_text)
        .unwrap_or_default();
    let mut first_user = None;
    for (i, m) in messages.iter().enumerate() {
        let role = m
            .get("role")
            .and_then(Value::as_str)
            .filter(|r| roles.contains(r))
            .ok_or_else(|| format!("messages.{i}.role: must be one of {}", roles.join(", ")))?;
        let text = m
            .get("content")
            .and_then(content_text)
            .ok_or_else(|| format!("messages.{i}.content: must be a string or text blocks"))?;
        if wire == Wire::Anthropic && i == 0 && role != "user" {
            return Err("messages: the first message must use the user role".into());
        }
        if role == "user" && first_user.is_none() {
            first_user = Some(text.clone());
        }
        all_text.push_str(&text);
    }
    Ok(Prompt {
        model,
        first_user: first_user.ok_or("messages: no user message")?,
        all_text,
    })
}

/// The header lines of a writ prompt (`key: value` until the first blank line).
fn task_header(prompt: &str) -> Vec<(&str, &str)> {
    prompt
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_once(": "))
        .collect()
}

fn field<'a>(header: &[(&str, &'a str)], key: &str) -> Option<&'a str> {
    header.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// The rubric criterion ids an auditor prompt lists (`- \`id\`: text` under `## Rubric`).
fn rubric_ids(prompt: &str) -> Vec<String> {
    prompt
        .split("## Rubric\n")
        .nth(1)
        .unwrap_or("")
        .lines()
        .take_while(|l| l.starts_with("- `"))
        .filter_map(|l| {
            l.strip_prefix("- `")?
                .split_once('`')
                .map(|(id, _)| id.to_string())
        })
        .collect()
}

/// The evaluator judges the evidence bundle of one item as the pack's rubric says, by the pack's built-in
/// evaluator (so a planted defect in the evidence fails), and answers without `judged_by`: who judged is
/// the platform's to say, not the model's.
fn judge(header: &[(&str, &str)], prompt: &str) -> Result<Value, String> {
    let bundle = prompt
        .split("## Evidence bundle\n```json\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .ok_or("the prompt has no evidence bundle")?;
    let mut args: Value = serde_json::from_str(bundle).map_err(|e| e.to_string())?;
    args["rubric"] = json!(field(header, "rubric").ok_or("the prompt names no rubric")?);
    args["item"] = json!(field(header, "item").ok_or("the prompt names no item")?);
    let mut verdict =
        writ_packs::call_builtin("evaluator.judge", &args).map_err(|e| e.to_string())?;
    if let Some(map) = verdict.as_object_mut() {
        map.remove("judged_by");
    }
    Ok(verdict)
}

/// The program `--break-step` has the executor write: it reads nothing and stops with an error, so every
/// attempt fails and only a repair can fix the step.
fn broken_program(step: &str) -> String {
    format!(
        "import writ\n\n# writ-model-server --break-step {step}: a program that fails on purpose\nraise RuntimeError(\"column `hours_billed` not found (writ-model-server broke step {step})\")\n"
    )
}

/// What the model says: a sentence, the value in a ```json fence, a closing sentence.
fn reply_text(prompt: &str, options: &Options) -> String {
    let fail_criterion = options.fail_criterion.as_deref();
    let catalog = Catalog::builtin();
    let header = task_header(prompt);
    let objective = field(&header, "objective").unwrap_or("");
    let template = field(&header, "template")
        .map(str::to_string)
        .or_else(|| builtin::route(catalog, objective).template);
    let step = field(&header, "step").unwrap_or("");
    let program = |template: &Option<String>| {
        template
            .as_ref()
            .and_then(|t| catalog.program(&format!("{t}/{step}")))
            .map(|p| p.source.clone())
    };
    let value = match field(&header, "writ-task") {
        Some("router") => {
            let d = builtin::route(catalog, objective);
            json!({"in_scope": d.template.is_some(), "template": d.template, "confidence": d.confidence, "reason": d.reason})
        }
        Some("planner") => match template
            .as_deref()
            .map(|t| builtin::plan(catalog, objective, t))
        {
            Some(Ok(plan)) => serde_json::to_value(plan).unwrap_or(Value::Null),
            _ => return "I could not find a plan template for this objective.".into(),
        },
        Some("executor") if options.break_step.as_deref() == Some(step) => {
            json!({"code": broken_program(step)})
        }
        Some("executor") => match program(&template) {
            Some(code) => json!({"code": code}),
            None => return format!("I do not know how to write step `{step}`."),
        },
        Some("repairer") => match program(&template) {
            Some(code) => {
                json!({"diagnosis": "the step drifted from the pack's reference program", "code": code})
            }
            None => return format!("I do not know how to repair step `{step}`."),
        },
        Some("evaluator") => match judge(&header, prompt) {
            Ok(v) => v,
            Err(why) => return format!("I cannot judge this item: {why}"),
        },
        Some("auditor") => {
            json!({"verdicts": rubric_ids(prompt).iter().map(|id| if Some(id.as_str()) == fail_criterion {
            json!({"criterion": id, "verdict": "fail", "evidence": format!("writ-model-server was told to fail `{id}` (--fail-criterion)")})
        } else {
            json!({"criterion": id, "verdict": "pass", "evidence": "writ-model-server passes every criterion it is shown"})
        }).collect::<Vec<_>>()})
        }
        _ => return "I cannot tell which writ phase this prompt is for.".into(),
    };
    format!(
        "Here is my answer.\n\n```json\n{}\n```\n\nI followed the template given in the prompt.",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    //! The wire formats end to end: writ-models builds the request, this server answers over real HTTP,
    //! writ-models parses the answer and its conversation accepts (or re-asks).

    use super::*;
    use std::collections::BTreeMap;
    use std::io::Read as _;
    use std::net::TcpStream;
    use writ_models::conversation::{Conversation, Next};
    use writ_models::provider::{
        build_call, parse_response, ChatMessage, ChatRequest, ModelReply, ProviderCall,
        ProviderError, ProviderKind,
    };
    use writ_models::retry::{Jitter, RetryDecision, RetryPolicy};
    use writ_models::task::{ExecuteTask, PlanTask, Task};
    use writ_plan::{Phase, PhaseConfig, PlanCandidate};

    const OBJECTIVE: &str = "reconcile law firm time entries against engagement letter rates";

    /// A server on a free port, serving from a background thread for the rest of the test process.
    fn start(options: Options) -> anyhow::Result<u16> {
        let server = Arc::new(bind(0)?);
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .context("port")?;
        let model = Arc::new(Model::new(options));
        std::thread::spawn(move || serve(server, model));
        Ok(port)
    }

    /// One HTTP/1.1 exchange over a plain socket: (status, headers, body).
    fn send(
        port: u16,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> anyhow::Result<(u16, Vec<(String, String)>, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", port))?;
        let mut head = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
        for (n, v) in headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        stream.write_all(body.as_bytes())?;
        let mut raw = String::new();
        stream.read_to_string(&mut raw)?;
        let (head, body) = raw.split_once("\r\n\r\n").context("no header end")?;
        let mut lines = head.lines();
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .context("status line")?
            .parse()?;
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Ok((status, headers, body.to_string()))
    }

    fn config(provider: &str, model: &str, port: u16) -> PhaseConfig {
        let base = match provider {
            "anthropic" => format!("http://127.0.0.1:{port}"),
            _ => format!("http://127.0.0.1:{port}/v1"),
        };
        PhaseConfig {
            provider: provider.into(),
            model: model.into(),
            params: [("base_url".to_string(), json!(base))]
                .into_iter()
                .collect(),
        }
    }

    /// Sends a built call the way the worker would (filling the key placeholder) and parses the answer.
    fn call(
        port: u16,
        cfg: &PhaseConfig,
        chat: &ChatRequest,
    ) -> anyhow::Result<Result<ModelReply, ProviderError>> {
        let ProviderCall::Http(req) = build_call(cfg, chat)? else {
            anyhow::bail!("not an HTTP provider");
        };
        let req = req.with_secrets(|_| Some("test-key".into()))?;
        let path = req
            .url
            .splitn(4, '/')
            .nth(3)
            .map(|p| format!("/{p}"))
            .context("path")?;
        let headers: Vec<(&str, &str)> = req
            .headers
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_str()))
            .collect();
        let (status, resp_headers, body) = send(port, "POST", &path, &headers, &req.body)?;
        Ok(parse_response(
            ProviderKind::parse(&cfg.provider)?,
            status,
            &resp_headers,
            &body,
        ))
    }

    /// Runs a conversation to its end against the server.
    fn converse(port: u16, cfg: &PhaseConfig, task: Task) -> anyhow::Result<(Value, u32)> {
        let mut c = Conversation::new(task.phase(), task)?;
        loop {
            match c.next() {
                Next::Ask(chat) => {
                    let reply = call(port, cfg, &chat)?.map_err(|e| anyhow::anyhow!("{e}"))?;
                    assert!(reply.tokens_in > 0 && reply.tokens_out > 0);
                    assert!(
                        reply.text.starts_with("Here is my answer.") || reply.text.contains("oops")
                    );
                    c.on_reply(&reply.text);
                }
                Next::Done(v) => return Ok((v, c.asks())),
                Next::Failed(d) => anyhow::bail!("conversation failed: {d:?}"),
            }
        }
    }

    #[test]
    fn plans_over_both_wire_formats() -> anyhow::Result<()> {
        let port = start(Options::default())?;
        let catalog = Catalog::builtin();
        let mut expected = catalog
            .template("billing-audit")
            .context("template")?
            .plan
            .clone();
        expected.objective = OBJECTIVE.into();
        for cfg in [
            config("anthropic", "claude-sonnet-4-5", port),
            config("openai-compatible", "gpt-4.1", port),
        ] {
            let task = Task::Plan(PlanTask::from_catalog(OBJECTIVE, None, catalog));
            let (value, asks) = converse(port, &cfg, task)?;
            assert_eq!(
                serde_json::from_value::<PlanCandidate>(value)?,
                expected,
                "{}",
                cfg.provider
            );
            assert_eq!(asks, 1);
        }
        Ok(())
    }

    #[test]
    fn the_model_writes_every_step() -> anyhow::Result<()> {
        let port = start(Options::default())?;
        let catalog = Catalog::builtin();
        let plan = builtin::plan(catalog, OBJECTIVE, "billing-audit")?;
        let cfg = config("openai-compatible", "gpt-4.1", port);
        for step in &plan.steps {
            let task = Task::Execute(ExecuteTask::from_plan(
                &plan,
                &step.id,
                catalog,
                &BTreeMap::new(),
            )?);
            let (value, _) = converse(port, &cfg, task)?;
            let program = catalog
                .program(&format!("billing-audit/{}", step.id))
                .context("program")?;
            assert_eq!(value["code"], json!(program.source), "{}", step.id);
        }
        Ok(())
    }

    #[test]
    fn the_evaluator_judges_with_the_packs_rubric_over_the_wire() -> anyhow::Result<()> {
        let port = start(Options::default())?;
        // A bundle the built-in resume evaluator reads would be long; an unknown rubric shows the route:
        // the server answers with the pack's judgement, or says why it cannot.
        let task = Task::Judge(writ_models::task::JudgeTask::from_args(
            "screen",
            &json!({"rubric": "no-such.rubric", "item": "C-1", "evidence": []}),
        )?);
        let mut c = Conversation::new(task.phase(), task)?;
        let Next::Ask(chat) = c.next() else {
            anyhow::bail!("no request")
        };
        let reply = call(port, &config("openai-compatible", "judge-1", port), &chat)??;
        assert!(
            reply.text.contains("I cannot judge this item"),
            "{}",
            reply.text
        );
        assert!(reply.text.contains("no-such.rubric"), "{}", reply.text);
        Ok(())
    }

    #[test]
    fn malformed_replies_are_reasked() -> anyhow::Result<()> {
        let port = start(Options {
            malformed_first: 2,
            ..Options::default()
        })?;
        let catalog = Catalog::builtin();
        let plan = builtin::plan(catalog, OBJECTIVE, "billing-audit")?;
        let task = Task::Execute(ExecuteTask::from_plan(
            &plan,
            "report",
            catalog,
            &BTreeMap::new(),
        )?);
        let (value, asks) = converse(port, &config("anthropic", "claude-sonnet-4-5", port), task)?;
        assert_eq!(asks, 3);
        assert!(value["code"].as_str().is_some_and(|c| c.contains("writ")));
        Ok(())
    }

    #[test]
    fn scripted_failures_are_retried() -> anyhow::Result<()> {
        let port = start(Options {
            fail_first: 3,
            ..Options::default()
        })?;
        let chat = ChatRequest {
            system: String::new(),
            messages: vec![ChatMessage::user(
                "writ-task: router\nobjective: bake a cake\n\nRoute it.",
            )],
        };
        let policy = RetryPolicy::default();
        for cfg in [config("anthropic", "claude-sonnet-4-5", port)] {
            let mut seen = Vec::new();
            let mut attempt = 1;
            let reply = loop {
                match call(port, &cfg, &chat)? {
                    Ok(r) => break r,
                    Err(e) => {
                        seen.push(match &e {
                            ProviderError::RateLimited { retry_after_ms, .. } => {
                                format!("429 after {retry_after_ms:?}")
                            }
                            ProviderError::Server { status, .. } => status.to_string(),
                            other => format!("{other:?}"),
                        });
                        match policy.decide(attempt, &e, Jitter::NONE) {
                            RetryDecision::Retry { .. } => attempt += 1,
                            RetryDecision::GiveUp { reason } => {
                                anyhow::bail!("gave up: {reason:?}")
                            }
                        }
                    }
                }
            };
            assert_eq!(seen, vec!["429 after Some(0)", "500", "429 after Some(0)"]);
            assert_eq!(attempt, 4);
            assert!(reply.text.contains("\"in_scope\": false"), "{}", reply.text);
        }
        Ok(())
    }

    #[test]
    fn bad_requests_get_proper_errors() -> anyhow::Result<()> {
        let port = start(Options::default())?;
        let anthropic = [
            ("x-api-key", "k"),
            ("anthropic-version", "2023-06-01"),
            ("content-type", "application/json"),
        ];
        let msgs = json!([{"role": "user", "content": "hi"}]);
        let cases: Vec<(&str, &str, Vec<(&str, &str)>, String, u16, &str)> = vec![
            ("POST", "/v1/messages", anthropic.to_vec(), json!({"max_tokens": 10, "messages": msgs}).to_string(), 400, "model"),
            ("POST", "/v1/messages", anthropic.to_vec(), json!({"model": "m", "messages": msgs}).to_string(), 400, "max_tokens"),
            ("POST", "/v1/messages", anthropic.to_vec(), json!({"model": "m", "max_tokens": 10, "messages": []}).to_string(), 400, "messages"),
            ("POST", "/v1/messages", anthropic.to_vec(), json!({"model": "m", "max_tokens": 10, "messages": [{"role": "system", "content": "x"}]}).to_string(), 400, "role"),
            ("POST", "/v1/messages", anthropic.to_vec(), json!({"model": "m", "max_tokens": 10, "messages": [{"role": "assistant", "content": "x"}]}).to_string(), 400, "first message"),
            ("POST", "/v1/messages", vec![("anthropic-version", "2023-06-01")], json!({"model": "m", "max_tokens": 10, "messages": msgs}).to_string(), 401, "x-api-key"),
            ("POST", "/v1/messages", vec![("x-api-key", "k")], json!({"model": "m", "max_tokens": 10, "messages": msgs}).to_string(), 400, "anthropic-version"),
            ("POST", "/v1/messages", anthropic.to_vec(), "{not json".to_string(), 400, "not JSON"),
            ("POST", "/v1/chat/completions", vec![], json!({"model": "m"}).to_string(), 400, "messages"),
            ("POST", "/v1/chat/completions", vec![("authorization", "Basic x")], json!({"model": "m", "messages": msgs}).to_string(), 401, "Bearer"),
            ("POST", "/v1/chat/completions", vec![], json!({"model": "m", "messages": [{"role": "user", "content": 5}]}).to_string(), 400, "content"),
            ("GET", "/v1/chat/completions", vec![], String::new(), 405, "POST"),
            ("POST", "/v2/other", vec![], "{}".to_string(), 404, "no route"),
        ];
        for (method, path, headers, body, want_status, want_text) in cases {
            let (status, _, resp) = send(port, method, path, &headers, &body)?;
            assert_eq!(status, want_status, "{method} {path} {body}: {resp}");
            let v: Value = serde_json::from_str(&resp)?;
            let message = v
                .pointer("/error/message")
                .and_then(Value::as_str)
                .unwrap_or("");
            assert!(message.contains(want_text), "{message}");
            if path == "/v1/messages" {
                assert_eq!(v["type"], "error");
            }
        }
        // Through the parser, the errors classify as rejections, never retries.
        let (status, headers, body) = send(
            port,
            "POST",
            "/v1/messages",
            &anthropic,
            &json!({"model": "m", "messages": msgs}).to_string(),
        )?;
        assert!(matches!(
            parse_response(ProviderKind::Anthropic, status, &headers, &body),
            Err(ProviderError::Rejected { status: 400, .. })
        ));
        Ok(())
    }

    #[test]
    fn usage_follows_text_length() -> anyhow::Result<()> {
        let port = start(Options::default())?;
        let short = ChatRequest {
            system: String::new(),
            messages: vec![ChatMessage::user("writ-task: nothing\n\nhi")],
        };
        let long = ChatRequest {
            system: "x".repeat(4000),
            messages: short.messages.clone(),
        };
        let cfg = config("openai-compatible", "m", port);
        let a = call(port, &cfg, &short)?.map_err(|e| anyhow::anyhow!("{e}"))?;
        let b = call(port, &cfg, &long)?.map_err(|e| anyhow::anyhow!("{e}"))?;
        assert_eq!(b.tokens_in - a.tokens_in, 1000);
        assert_eq!(a.tokens_out, estimate_tokens(&a.text));
        Ok(())
    }

    #[test]
    fn arguments() {
        let args = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            parse_args(&args("--port 0 --fail-first 2 --malformed-first 1")).ok(),
            Some(Options {
                port: 0,
                fail_first: 2,
                malformed_first: 1,
                hang_item: None,
                fail_criterion: None,
                break_step: None,
            })
        );
        assert_eq!(
            parse_args(&args("--break-step normalize_entries"))
                .ok()
                .and_then(|o| o.break_step),
            Some("normalize_entries".to_string())
        );
        assert_eq!(
            parse_args(&args("--hang-item VC-0003"))
                .ok()
                .and_then(|o| o.hang_item),
            Some("VC-0003".to_string())
        );
        assert!(parse_args(&args("--port")).is_err());
        assert!(parse_args(&args("--verbose")).is_err());
        assert!(parse_args(&args("--port x")).is_err());
    }

    #[test]
    fn auditor_verdicts_cover_the_rubric() -> anyhow::Result<()> {
        let port = start(Options::default())?;
        let catalog = Catalog::builtin();
        let plan = builtin::plan(catalog, OBJECTIVE, "billing-audit")?;
        let step = plan
            .steps
            .iter()
            .find(|s| s.id == "payable")
            .context("payable")?;
        let task = Task::Audit(writ_models::task::AuditTask::of(step, Default::default()));
        let (value, _) = converse(port, &config("openai-compatible", "o4-mini", port), task)?;
        let ids: Vec<&str> = value["verdicts"]
            .as_array()
            .context("verdicts")?
            .iter()
            .filter_map(|v| v["criterion"].as_str())
            .collect();
        assert_eq!(ids, vec!["every_entry_once", "totals_reconcile"]);
        let _ = Phase::Auditor;
        Ok(())
    }
}
