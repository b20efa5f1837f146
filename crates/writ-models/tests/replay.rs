//! Record and replay: the same request gets the same recorded answer; an unknown request is an error.

use serde_json::json;
use writ_models::provider::{build_call, ChatMessage, ChatRequest, ProviderCall};
use writ_models::replay::{RecordedResponse, Recording, ReplayError, Replayer};
use writ_plan::PhaseConfig;

fn call(prompt: &str) -> anyhow::Result<ProviderCall> {
    let cfg = PhaseConfig {
        provider: "openai-compatible".into(),
        model: "gpt-4.1".into(),
        params: Default::default(),
    };
    Ok(build_call(
        &cfg,
        &ChatRequest {
            system: "s".into(),
            messages: vec![ChatMessage::user(prompt)],
        },
    )?)
}

fn http(status: u16, body: &str) -> RecordedResponse {
    RecordedResponse::Http {
        status,
        headers: vec![],
        body: body.into(),
    }
}

#[test]
fn replays_what_was_recorded() -> anyhow::Result<()> {
    let mut rec = Recording::new();
    let plan = call("plan billing")?;
    let exec = call("write step code")?;
    let e1 = rec.record(&plan, http(429, "{}"))?;
    let e2 = rec.record(&plan, http(200, "{\"plan\":1}"))?;
    assert_eq!(e1.request_hash, e2.request_hash);
    rec.record(
        &exec,
        RecordedResponse::Binding {
            output: json!({"response": "x"}),
        },
    )?;
    assert_eq!(rec.len(), 3);

    // The recording survives serialisation (it is stored content-addressed).
    let stored: Recording = serde_json::from_str(&serde_json::to_string(&rec)?)?;
    let mut replayer = Replayer::new(stored);
    assert_eq!(replayer.answer(&plan)?, http(429, "{}"));
    assert_eq!(replayer.answer(&plan)?, http(200, "{\"plan\":1}"));
    // Past the recorded answers, the last one again.
    assert_eq!(replayer.answer(&plan)?, http(200, "{\"plan\":1}"));
    assert_eq!(
        replayer.answer(&call("write step code")?)?,
        RecordedResponse::Binding {
            output: json!({"response": "x"})
        }
    );

    // A changed prompt is a miss, never a live call.
    let changed = call("plan billing!")?;
    let err = replayer.answer(&changed);
    assert!(matches!(err, Err(ReplayError::Miss { .. })), "{err:?}");
    Ok(())
}

#[test]
fn request_hash_ignores_nothing_but_is_key_free() -> anyhow::Result<()> {
    let a = writ_models::replay::request_hash(&call("x")?)?;
    let b = writ_models::replay::request_hash(&call("x")?)?;
    let c = writ_models::replay::request_hash(&call("y")?)?;
    assert_eq!(a, b);
    assert_ne!(a, c);
    Ok(())
}
