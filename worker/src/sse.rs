//! `GET /v1/runs/{id}/events`: Server-Sent Events of the run's progress, read from the run object's feed,
//! until the run finishes, fails, is cancelled or waits for approval.

use crate::error::ApiResult;
use crate::runs::call_run;
use futures::stream;
use serde_json::Value;
use std::time::Duration;
use worker::{Delay, Env, Method, Response};

const POLL: Duration = Duration::from_millis(250);
/// A stream ends by itself after this long; clients reconnect (`writ watch` does).
const MAX_POLLS: u32 = 4 * 60 * 10;

pub fn stream(env: Env, run_id: String) -> ApiResult<Response> {
    let state = (env, run_id, 0i64, 0u32, false);
    let events = stream::unfold(state, |(env, run_id, after, polls, done)| async move {
        if done || polls > MAX_POLLS {
            return None;
        }
        if polls > 0 {
            Delay::from(POLL).await;
        }
        let mut chunk = String::new();
        let mut last = after;
        let mut finished = false;
        if let Ok(mut resp) = call_run(
            &env,
            &run_id,
            Method::Get,
            &format!("/feed?after={after}"),
            None,
        )
        .await
        {
            if let Ok(v) = resp.json::<Value>().await {
                let events = v["events"].as_array().cloned().unwrap_or_default();
                // A new watcher starts from the run's present state, not from its history.
                let skip = if polls == 0 {
                    events.len().saturating_sub(1)
                } else {
                    0
                };
                for e in events.iter().skip(skip) {
                    last = e["seq"].as_i64().unwrap_or(last);
                    let body = &e["body"];
                    let state = body["state"].as_str().unwrap_or("");
                    finished |= matches!(
                        state,
                        "succeeded"
                            | "failed"
                            | "cancelled"
                            | "expired"
                            | "awaiting_approval"
                            | "awaiting_repair"
                    );
                    chunk.push_str(&format!("id: {last}\nevent: progress\ndata: {body}\n\n"));
                }
            }
        }
        if chunk.is_empty() {
            chunk.push_str(": keep-alive\n\n");
        }
        Some((
            Ok::<Vec<u8>, worker::Error>(chunk.into_bytes()),
            (env, run_id, last, polls + 1, finished),
        ))
    });
    let headers = worker::Headers::new();
    headers.set("content-type", "text/event-stream")?;
    headers.set("cache-control", "no-cache")?;
    Ok(Response::from_stream(events)?.with_headers(headers))
}
