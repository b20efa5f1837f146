#![allow(dead_code)]

use serde_json::{json, Value};
use writ_ladder::{
    Artifact, Context, Ladder, LadderConfig, LadderReport, ModelReply, ModelRequest, Outcome,
    Registry, Stage, Step,
};

/// Drives a climb to the end, answering each model request from `replies` (by stage); returns the report
/// and the requests made.
pub fn climb(
    config: LadderConfig,
    artifact: Artifact,
    replies: &[(Stage, &str)],
) -> anyhow::Result<(LadderReport, Vec<ModelRequest>)> {
    climb_with(Registry::empty(), config, artifact, replies)
}

/// [`climb`] with the domain validators of `registry` (a pack's checks).
pub fn climb_with(
    registry: Registry,
    config: LadderConfig,
    artifact: Artifact,
    replies: &[(Stage, &str)],
) -> anyhow::Result<(LadderReport, Vec<ModelRequest>)> {
    let mut ladder = Ladder::new(config)?.with_registry(registry);
    let mut step = ladder.start(artifact)?;
    let mut requests = Vec::new();
    loop {
        match step {
            Step::Done(report) => return Ok((*report, requests)),
            Step::NeedsModel(request) => {
                let text = replies
                    .iter()
                    .find(|(s, _)| *s == request.stage)
                    .map(|(_, t)| t.to_string())
                    .ok_or_else(|| anyhow::anyhow!("no reply scripted for {}", request.stage))?;
                let stage = request.stage;
                requests.push(request);
                step = ladder.resume(ModelReply { stage, text })?;
            }
        }
    }
}

pub fn run(config: LadderConfig, value: Value) -> anyhow::Result<LadderReport> {
    Ok(climb(config, artifact("out", "object.json", value), &[])?.0)
}

pub fn artifact(name: &str, kind: &str, value: Value) -> Artifact {
    Artifact {
        name: name.into(),
        kind: kind.into(),
        value,
        context: Context::default(),
    }
}

pub fn with_schema(schema: Value) -> LadderConfig {
    LadderConfig {
        schema: Some(schema),
        ..LadderConfig::default()
    }
}

pub fn outcome(report: &LadderReport, stage: Stage) -> Outcome {
    report
        .result(stage)
        .map(|r| r.outcome.clone())
        .unwrap_or(Outcome::Skipped {
            reason: "absent".into(),
        })
}

pub fn codes(report: &LadderReport, stage: Stage) -> Vec<String> {
    report
        .result(stage)
        .map(|r| r.diagnostics.iter().map(|d| d.code.to_string()).collect())
        .unwrap_or_default()
}

/// A row schema for time entries, as a pack would declare it.
pub fn entries_schema() -> Value {
    json!({
        "type": "array",
        "items": {
            "type": "object",
            "required": ["entry_id", "date", "hours"],
            "additionalProperties": false,
            "properties": {
                "entry_id": {"type": "string"},
                "date": {"type": "string", "format": "date"},
                "hours": {"type": "number", "x-synonyms": ["hrs", "time_spent"]},
                "amount": {"type": "string", "pattern": "^-?\\d+\\.\\d{2}$", "x-transform": "money2"},
                "status": {"type": "string", "default": "open"},
                "code": {"type": "string", "x-transform": ["trim", "upper"]}
            }
        }
    })
}
