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
            builtin_only,
            ..
        } if *c == call_id => Some((
            *allowed,
            code.map(|c| c.to_string()),
            reason.clone(),
            *builtin_only,
        )),
        _ => None,
    });
    obj.pump(effects).await?;
    let Some((allowed, code, reason, builtin_only)) = decision else {
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
    // An evaluator call names its rubric and item (and brings evidence) whoever serves it: the proof record
    // is about that item, never an unnamed one.
    if tool == writ_packs::EVALUATOR_TOOL {
        if let Err(e) = writ_models::task::JudgeTask::from_args(&call.step, &args) {
            let payload = json!({"ok": false, "error": {"code": "tool.args.invalid", "message": e.to_string()}});
            record(obj, &call.step, &tool, &args, &payload, false)?;
            return json_ok(&payload);
        }
    }
    // Who serves the call: a tenant's MCP server; for the evaluator, as the machine decided, the auditor
    // phase's model or the pack's code; otherwise the pack's code.
    let mut result = match mcp.as_ref().and_then(Option::as_ref) {
        Some((server, t)) => crate::mcp_tools::call(obj.env(), server, t, &args).await,
        None if tool == writ_packs::EVALUATOR_TOOL && !builtin_only => {
            let (verdict, events) = crate::models::judge(obj, &call.step, &args).await?;
            for event in events {
                let effects = obj.apply(event)?;
                obj.pump(effects).await?;
            }
            verdict.map_err(|why| {
                let e =
                    writ_packs::ToolError::Failed(format!("the evaluator gave no verdict: {why}"));
                (e.code().to_string(), e.to_string())
            })
        }
        None => writ_packs::call_builtin(&tool, &args)
            .map_err(|e| (e.code().to_string(), e.to_string())),
    };
    if tool == writ_packs::EVALUATOR_TOOL {
        // An answer without a verdict is no judgement: the call fails, and no proof is written for it.
        if let Ok(v) = &result {
            if v.get("verdict")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                result = Err((
                    "tool.failed".to_string(),
                    format!("the evaluator's answer has no verdict: {v}"),
                ));
            }
        }
        // The proof record of the judged item goes to the ledger, and its hash back with the verdict, so
        // the rows the verdict decides cite it and a trace reaches it.
        if let Ok(verdict) = &mut result {
            let proof = proof_record(obj, &call.step, &args, verdict)?;
            verdict["proof"] = json!(proof.to_string());
        }
    }
    let (ok, payload) = match &result {
        Ok(v) => (true, json!({"ok": true, "result": v})),
        Err((code, message)) => (
            false,
            json!({"ok": false, "error": {"code": code, "message": message}}),
        ),
    };
    record(obj, &call.step, &tool, &args, &payload, ok)?;
    json_ok(&payload)
}

/// A proof record per judged item: what was judged (the evidence bundle's hash), against which rubric, the
/// verdict and who gave it. Appended to the ledger; kept with the run (with the whole verdict, reasons
/// included) under the content hash of the ledger entry's event, which is the record's identity.
fn proof_record(
    obj: &RunObject,
    step: &str,
    args: &Value,
    verdict: &Value,
) -> ApiResult<writ_canon::ContentHash> {
    // Checked before the call (rubric, item) and after it (verdict); `judged_by` is set by whoever served it.
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let hash = |v: &Value| writ_canon::hash_of(v).map_err(|e| ApiError::internal(e.to_string()));
    let event = writ_ledger::LedgerEvent::EvaluatorVerdict {
        step: step.to_string(),
        rubric: text(args, "rubric"),
        item: text(args, "item"),
        bundle_hash: hash(args)?,
        verdict: text(verdict, "verdict"),
        judged_by: text(verdict, "judged_by"),
        result_hash: hash(verdict)?,
    };
    let entry = serde_json::to_value(&event).map_err(|e| ApiError::internal(e.to_string()))?;
    let id = hash(&entry)?;
    crate::validate::store_doc_as(obj, &id, &json!({"entry": entry, "result": verdict}))?;
    crate::outbox::append(obj, event)?;
    Ok(id)
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
            args_hash: writ_canon::hash_of(args).map_err(|e| ApiError::internal(e.to_string()))?,
            result_hash: writ_canon::hash_of(payload)
                .map_err(|e| ApiError::internal(e.to_string()))?,
            ok,
            cost_usd: writ_ledger::UsdAmount::zero(),
        },
    )
}
