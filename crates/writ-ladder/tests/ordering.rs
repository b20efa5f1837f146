//! Ordering and modes: a guard hit is never corrected into publication; report and off modes.

mod common;

use common::*;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use writ_ladder::{LadderConfig, Mode, ModelStages, Outcome, Stage};

const SECRETS: &[&str] = &[
    "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123",
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB",
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "Bearer eyJhbGciOiJIUzI1NiJ9abcdefghijkl",
];

#[test]
fn a_guard_hit_stops_the_climb_even_where_later_stages_could_fix_it() -> anyhow::Result<()> {
    // The secret sits in a field stage 3 would rename and stage 6 would transform; a model is configured
    // for every model stage. None of that runs: the climb stops at the guard, no model is asked.
    let config = LadderConfig {
        models: ModelStages {
            rename: Some("m".into()),
            patch: Some("m".into()),
            review: Some("m".into()),
        },
        ..with_schema(entries_schema())
    };
    let value = json!([{"entry_id": "TE-1", "date": "2026/09/01", "hrs": 1, "code": " AKIAIOSFODNN7EXAMPLE "}]);
    let (report, requests) = climb(config, artifact("out", "table.csv", value.clone()), &[])?;
    assert!(requests.is_empty());
    assert!(!report.publishable);
    assert_eq!(outcome(&report, Stage::Guard), Outcome::Rejected);
    assert!(report.corrections.is_empty());
    assert_eq!(report.final_value, value);
    for r in report.stage_results.iter().skip(1) {
        assert!(matches!(r.outcome, Outcome::Skipped { .. }), "{r:?}");
    }
    Ok(())
}

#[test]
fn a_correction_that_brings_in_guarded_content_is_rejected() -> anyhow::Result<()> {
    // A pack default that is an e-mail address: the original is clean, the corrected value is not.
    let schema = json!({"type": "object", "properties": {"contact": {"type": "string", "default": "ops@example.com"}}});
    let report = run(with_schema(schema), json!({}))?;
    assert_eq!(outcome(&report, Stage::Guard), Outcome::Rejected);
    assert!(codes(&report, Stage::Guard).contains(&"L0007".to_string()));
    assert!(!report.publishable);
    Ok(())
}

#[test]
fn report_mode_publishes_flagged_and_never_sends_guarded_content_to_a_model() -> anyhow::Result<()>
{
    let config = LadderConfig {
        mode: Mode::Report,
        models: ModelStages {
            review: Some("auditor".into()),
            ..ModelStages::default()
        },
        ..with_schema(entries_schema())
    };
    let value =
        json!([{"entry_id": "TE-1", "date": "2026/09/01", "hours": 1, "code": "jane@example.com"}]);
    let (report, requests) = climb(config, artifact("out", "table.csv", value), &[])?;
    assert!(requests.is_empty());
    assert!(report.publishable && report.flagged);
    assert_eq!(outcome(&report, Stage::Guard), Outcome::Rejected);
    // The climb went on: the date was still corrected.
    assert_eq!(outcome(&report, Stage::Structural), Outcome::Corrected);
    assert!(
        matches!(outcome(&report, Stage::ExpertReview), Outcome::Skipped { reason } if reason.contains("guarded"))
    );
    Ok(())
}

#[test]
fn off_mode_skips_every_stage() -> anyhow::Result<()> {
    let config = LadderConfig {
        mode: Mode::Off,
        ..with_schema(entries_schema())
    };
    let report = run(config, json!({"k": "AKIAIOSFODNN7EXAMPLE"}))?;
    assert!(report.publishable && !report.flagged);
    assert_eq!(report.stage_results.len(), 11);
    assert!(report
        .stage_results
        .iter()
        .all(|r| matches!(r.outcome, Outcome::Skipped { .. })));
    Ok(())
}

#[test]
fn every_stage_is_recorded_once_in_order() -> anyhow::Result<()> {
    let report = run(
        with_schema(entries_schema()),
        json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": 1}]),
    )?;
    let stages: Vec<Stage> = report.stage_results.iter().map(|r| r.stage).collect();
    assert_eq!(stages, Stage::ALL);
    assert!(matches!(outcome(&report, Stage::ModelPatch), Outcome::Pass));
    assert!(
        matches!(outcome(&report, Stage::ExpertReview), Outcome::Skipped { reason } if reason == "no model configured")
    );
    Ok(())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        "[a-z0-9 ./-]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Puts `secret` somewhere in `value`: as or inside a string leaf, or in a new field of an object.
fn plant(value: &mut Value, secret: &str, path: &[usize], surround: bool) {
    let text = if surround {
        format!("see {secret} here")
    } else {
        secret.to_string()
    };
    match value {
        Value::Array(items) if !items.is_empty() => {
            let i = path.first().copied().unwrap_or(0) % items.len();
            plant(
                &mut items[i],
                secret,
                path.get(1..).unwrap_or(&[]),
                surround,
            );
        }
        Value::Object(map) if !map.is_empty() && path.first().is_some_and(|p| p % 3 != 0) => {
            let i = path.first().copied().unwrap_or(0) % map.len();
            if let Some((_, v)) = map.iter_mut().nth(i) {
                plant(v, secret, path.get(1..).unwrap_or(&[]), surround);
            }
        }
        Value::Object(map) => {
            map.insert("planted".into(), Value::from(text));
        }
        other => *other = Value::from(text),
    }
}

proptest! {
    #[test]
    fn a_secret_anywhere_is_never_publishable_in_block_mode(
        mut value in json_value(),
        which in 0..SECRETS.len(),
        path in prop::collection::vec(any::<usize>(), 0..5),
        surround in any::<bool>(),
        with_schema_too in any::<bool>(),
    ) {
        plant(&mut value, SECRETS[which], &path, surround);
        let config = if with_schema_too { with_schema(entries_schema()) } else { LadderConfig::default() };
        let report = run(config, value).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(!report.publishable);
        prop_assert_eq!(outcome(&report, Stage::Guard), Outcome::Rejected);
    }
}
