//! The model-assisted stages through the sans-IO protocol: rename (7), guarded patch (8), review (11).

mod common;

use common::*;
use serde_json::json;
use writ_ladder::{
    Ladder, LadderConfig, LadderError, ModelReply, ModelStages, Outcome, Stage, Step,
};

fn models(rename: bool, patch: bool, review: bool) -> ModelStages {
    let m = |on: bool| on.then(|| "test-model".to_string());
    ModelStages {
        rename: m(rename),
        patch: m(patch),
        review: m(review),
    }
}

fn config(rename: bool, patch: bool, review: bool) -> LadderConfig {
    LadderConfig {
        models: models(rename, patch, review),
        rubric: Some("every entry once".into()),
        ..with_schema(entries_schema())
    }
}

/// `spent` is no synonym the schema knows: only a model can map it.
fn unmatched() -> serde_json::Value {
    json!([{"entry_id": "TE-1", "date": "2026-09-01", "spent": 1.5, "status": "open"}])
}

#[test]
fn rename_table() -> anyhow::Result<()> {
    let ok = json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": 1.5, "status": "open"}]);
    // (name, value, model configured, reply, stage 7 outcome, publishable)
    let cases = vec![
        (
            "nothing unmatched",
            ok.clone(),
            true,
            None,
            Outcome::Pass,
            true,
        ),
        (
            "no model",
            unmatched(),
            false,
            None,
            Outcome::Skipped {
                reason: "no model configured".into(),
            },
            false,
        ),
        (
            "mapped",
            unmatched(),
            true,
            Some(r#"{"spent": "hours"}"#),
            Outcome::Corrected,
            true,
        ),
        (
            "fenced reply",
            unmatched(),
            true,
            Some("```json\n{\"spent\": \"hours\"}\n```"),
            Outcome::Corrected,
            true,
        ),
        // Outside the schema: refused (a warning), the value stays, and the schema's final verdict rejects.
        (
            "invented target",
            unmatched(),
            true,
            Some(r#"{"spent": "duration"}"#),
            Outcome::Pass,
            false,
        ),
        (
            "unreadable",
            unmatched(),
            true,
            Some("I think spent means hours"),
            Outcome::Pass,
            false,
        ),
    ];
    for (name, value, model, reply, want, publishable) in cases {
        let replies: Vec<(Stage, &str)> = reply
            .map(|r| vec![(Stage::ModelRename, r)])
            .unwrap_or_default();
        let (report, requests) = climb(
            config(model, false, false),
            artifact("out", "table.csv", value),
            &replies,
        )?;
        assert_eq!(outcome(&report, Stage::ModelRename), want, "{name}");
        assert_eq!(report.publishable, publishable, "{name}: {report:#?}");
        assert_eq!(requests.len(), usize::from(reply.is_some()), "{name}");
        if want == Outcome::Corrected {
            assert_eq!(report.final_value, ok, "{name}");
        }
        if !publishable {
            assert_eq!(outcome(&report, Stage::Schema), Outcome::Rejected, "{name}");
        }
    }
    Ok(())
}

#[test]
fn the_rename_request_names_the_unmatched_fields() -> anyhow::Result<()> {
    let mut ladder = Ladder::new(config(true, false, false))?;
    let Step::NeedsModel(request) = ladder.start(artifact("out", "table.csv", unmatched()))? else {
        anyhow::bail!("expected a model request");
    };
    assert_eq!(request.stage, Stage::ModelRename);
    assert_eq!(request.model, "test-model");
    let names: Vec<&str> = request
        .prompt_parts
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "instructions",
            "schema",
            "unmatched_fields",
            "missing_properties"
        ]
    );
    assert_eq!(request.prompt_parts[2].text, r#"["spent"]"#);
    // Optional properties absent from the record are candidates too.
    assert_eq!(request.prompt_parts[3].text, r#"["hours","amount","code"]"#);
    Ok(())
}

#[test]
fn patch_table() -> anyhow::Result<()> {
    let bad = json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": "one and a half", "status": "open"}]);
    let fix = r#"[{"op": "replace", "path": "/0/hours", "value": 1.5}]"#;
    let cases = vec![
        (
            "valid value: no call",
            json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": 1, "status": "open"}]),
            None,
            Outcome::Pass,
            true,
        ),
        (
            "fixing patch",
            bad.clone(),
            Some(fix),
            Outcome::Corrected,
            true,
        ),
        (
            "patch that does not validate",
            bad.clone(),
            Some(r#"[{"op": "replace", "path": "/0/hours", "value": "1.5h"}]"#),
            Outcome::Pass,
            false,
        ),
        (
            "patch outside the schema",
            bad.clone(),
            Some(
                r#"[{"op": "add", "path": "/0/secret_field", "value": 1}, {"op": "replace", "path": "/0/hours", "value": 1.5}]"#,
            ),
            Outcome::Pass,
            false,
        ),
        (
            "whole-document replace",
            bad.clone(),
            Some(r#"[{"op": "replace", "path": "", "value": []}]"#),
            Outcome::Pass,
            false,
        ),
        (
            "patch bringing in a secret",
            bad.clone(),
            Some(
                r#"[{"op": "replace", "path": "/0/hours", "value": 1.5}, {"op": "replace", "path": "/0/status", "value": "AKIAIOSFODNN7EXAMPLE"}]"#,
            ),
            Outcome::Pass,
            false,
        ),
        (
            "patch that does not apply",
            bad.clone(),
            Some(r#"[{"op": "replace", "path": "/7/hours", "value": 1.5}]"#),
            Outcome::Pass,
            false,
        ),
        (
            "not a patch",
            bad,
            Some("replace hours with 1.5"),
            Outcome::Pass,
            false,
        ),
    ];
    for (name, value, reply, want, publishable) in cases {
        let replies: Vec<(Stage, &str)> = reply
            .map(|r| vec![(Stage::ModelPatch, r)])
            .unwrap_or_default();
        let (report, requests) = climb(
            config(false, true, false),
            artifact("out", "table.csv", value),
            &replies,
        )?;
        assert_eq!(outcome(&report, Stage::ModelPatch), want, "{name}");
        assert_eq!(report.publishable, publishable, "{name}");
        assert_eq!(requests.len(), usize::from(reply.is_some()), "{name}");
        if !publishable {
            assert!(
                codes(&report, Stage::ModelPatch).contains(&"L0019".to_string()),
                "{name}"
            );
        }
    }
    Ok(())
}

#[test]
fn patch_respects_the_contracts_allowed_paths() -> anyhow::Result<()> {
    let bad = json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": "x", "status": "open"}]);
    let reply = r#"[{"op": "replace", "path": "/0/hours", "value": 2}]"#;
    for (allowed, publishable) in [
        (vec!["/*/hours".to_string()], true),
        (vec!["/*/status".to_string()], false),
    ] {
        let config = LadderConfig {
            patch_allowed_paths: allowed.clone(),
            ..config(false, true, false)
        };
        let (report, _) = climb(
            config,
            artifact("out", "table.csv", bad.clone()),
            &[(Stage::ModelPatch, reply)],
        )?;
        assert_eq!(report.publishable, publishable, "{allowed:?}");
    }
    Ok(())
}

#[test]
fn review_table() -> anyhow::Result<()> {
    let ok = json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": 1, "status": "open"}]);
    let cases = vec![
        (
            "pass",
            r#"{"verdict": "pass", "findings": []}"#,
            Outcome::Pass,
            true,
        ),
        (
            "pass with a remark",
            r#"{"verdict": "pass", "findings": [{"pointer": "/0", "message": "terse"}]}"#,
            Outcome::Pass,
            true,
        ),
        (
            "fail",
            r#"{"verdict": "fail", "findings": [{"pointer": "/0/hours", "message": "not in the evidence"}]}"#,
            Outcome::Rejected,
            false,
        ),
        (
            "fail without findings",
            r#"{"verdict": "fail"}"#,
            Outcome::Rejected,
            false,
        ),
        ("unreadable", "looks fine to me", Outcome::Rejected, false),
    ];
    for (name, reply, want, publishable) in cases {
        let (report, requests) = climb(
            config(false, false, true),
            artifact("out", "table.csv", ok.clone()),
            &[(Stage::ExpertReview, reply)],
        )?;
        assert_eq!(outcome(&report, Stage::ExpertReview), want, "{name}");
        assert_eq!(report.publishable, publishable, "{name}");
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].prompt_parts[1].text, "every entry once");
    }
    Ok(())
}

#[test]
fn resume_refuses_a_reply_nobody_asked_for() -> anyhow::Result<()> {
    let mut ladder = Ladder::new(config(false, false, true))?;
    assert!(matches!(
        ladder.resume(ModelReply {
            stage: Stage::ExpertReview,
            text: "{}".into()
        }),
        Err(LadderError::NotWaiting)
    ));
    let step = ladder.start(artifact(
        "out",
        "table.csv",
        json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": 1}]),
    ))?;
    assert!(matches!(step, Step::NeedsModel(ref r) if r.stage == Stage::ExpertReview));
    let wrong = ladder.resume(ModelReply {
        stage: Stage::ModelPatch,
        text: "[]".into(),
    });
    assert!(matches!(
        wrong,
        Err(LadderError::WrongStage {
            expected: Stage::ExpertReview,
            got: Stage::ModelPatch
        })
    ));
    // The right reply still completes the climb.
    let done = ladder.resume(ModelReply {
        stage: Stage::ExpertReview,
        text: r#"{"verdict": "pass"}"#.into(),
    })?;
    assert!(matches!(done, Step::Done(ref r) if r.publishable));
    Ok(())
}
