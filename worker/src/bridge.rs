//! The governed tool bridge. The sandbox server forwards a step program's tool call here with the attempt's
//! bridge token; the run machine decides (the step's bound tools, the budget), the platform runs the tool,
//! and the call is metered and logged. The sandbox itself has no network and makes no model call.

use crate::error::{ApiError, ApiResult};
use crate::run_object::{json_ok, RunObject};
use serde_json::{json, Value};
use worker::Response;
use writ_run::{Effect, Event};

pub async fn tool_call(obj: &RunObject, body: Value) -> ApiResult<Response> {
    let attempt_id = body["attempt_id"].as_str().unwrap_or_default().to_string();
    let token = body["token"].as_str().unwrap_or_default();
    let tool = body["tool"].as_str().unwrap_or_default().to_string();
    let (expected, call, state) = crate::run_exec::task_token(obj, &attempt_id)?;
    if expected != token || !(state == "running" || state == "dispatched") {
        return Err(ApiError::unauthorized(
            "the bridge token does not belong to a running attempt",
        ));
    }
    // A tenant's MCP tool: the version its import lists now goes to the machine, which decides against the
    // frozen one (`None` inside: no server lists the tool any more).
    let mcp = match writ_catalog::is_mcp_tool(&tool) {
        true => Some(crate::mcp_tools::current(obj.env(), &obj.meta()?.tenant, &tool).await?),
        false => None,
    };
    let external = mcp.as_ref().map(|found| writ_run::ExternalTool {
        current: found.as_ref().map(|(_, t)| t.hash),
    });
    // Unique and deterministic: the machine's seq of the event that will carry the request.
    let call_id = format!("c{}", obj.with_run(|r| r.seq)? + 1);
    let effects = obj.apply(Event::ToolCallRequested {
        attempt_id: attempt_id.clone(),
        call_id: call_id.clone(),
        tool: tool.clone(),
        cost_micros: 0,
        external,
    })?;
    let decision = effects.iter().find_map(|e| match e {
        Effect::ToolDecision {
            call_id: c,
            allowed,
            code,
            reason,
            // Every tool the bridge runs is built-in code (packs' tools and built-in evaluators), which is
            // what a `builtin_only` decision demands; a model-served evaluator must honour it.
            builtin_only: _,
            ..
        } if *c == call_id => Some((*allowed, code.map(|c| c.to_string()), reason.clone())),
        _ => None,
    });
    obj.pump(effects).await?;
    let Some((allowed, code, reason)) = decision else {
        return json_ok(
            &json!({"ok": false, "error": {"code": "no-decision", "message": "the run did not decide on this call"}}),
        );
    };
    let args = body.get("args").cloned().unwrap_or(Value::Null);
    if !allowed {
        let payload = json!({"ok": false, "error": {"code": code.unwrap_or_else(|| "refused".into()), "message": reason}});
        record(obj, &call.step, &tool, &args, &payload, false)?;
        return json_ok(&payload);
    }
    let result = match mcp.as_ref().and_then(Option::as_ref) {
        Some((server, t)) => crate::mcp_tools::call(obj.env(), server, t, &args).await,
        None => writ_packs::call_builtin(&tool, &args)
            .map_err(|e| (e.code().to_string(), e.to_string())),
    };
    let (ok, payload) = match &result {
        Ok(v) => (true, json!({"ok": true, "result": v})),
        Err((code, message)) => (
            false,
            json!({"ok": false, "error": {"code": code, "message": message}}),
        ),
    };
    record(obj, &call.step, &tool, &args, &payload, ok)?;
    if let (true, Ok(verdict)) = (tool == writ_packs::EVALUATOR_TOOL, &result) {
        // A proof record per judged item, beside the tool call: what was judged, on which bundle, by whom.
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        crate::outbox::append(
            obj,
            writ_ledger::LedgerEvent::EvaluatorVerdict {
                step: call.step.clone(),
                rubric: text(&args, "rubric"),
                item: text(&args, "item"),
                bundle_hash: writ_canon::hash_of(&args)
                    .map_err(|e| ApiError::internal(e.to_string()))?,
                verdict: text(verdict, "verdict"),
                judged_by: text(verdict, "judged_by"),
                result_hash: writ_canon::hash_of(verdict)
                    .map_err(|e| ApiError::internal(e.to_string()))?,
            },
        )?;
    }
    json_ok(&payload)
}

/// The ledger entry of one tool call, allowed or refused.
fn record(
    obj: &RunObject,
    step: &str,
    tool: &str,
    args: &Value,
    payload: &Value,
    ok: bool,
) -> ApiResult<()> {
    crate::outbox::append(
        obj,
        writ_ledger::LedgerEvent::ToolCall {
            step: Some(step.to_string()),
            tool: tool.to_string(),
            args_hash: writ_canon::hash_of(args)
                .unwrap_or_else(|_| writ_canon::ContentHash::of_bytes(b"")),
            result_hash: writ_canon::hash_of(payload)
                .unwrap_or_else(|_| writ_canon::ContentHash::of_bytes(b"")),
            ok,
            cost_usd: writ_ledger::UsdAmount::zero(),
        },
    )
}
