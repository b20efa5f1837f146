//! A step output needing corrections at stages 3, 4 and 5 is published corrected; the report lists exactly
//! those three records, and their patches, applied in order to the original, give the final value.

mod common;

use common::*;
use serde_json::json;
use writ_ladder::{patch, Outcome, Stage};

#[test]
fn corrections_at_3_4_5_replay_to_the_final_value() -> anyhow::Result<()> {
    // `hrs` (stage 3), a slash date and a numeric string (stage 4), a missing `status` (stage 5).
    let original = json!([
        {"entry_id": "TE-10001", "date": "2026/09/01", "hrs": 0.8},
        {"entry_id": "TE-10002", "date": "2026-09-02", "hours": "3.25", "status": "closed"}
    ]);
    let report = run(with_schema(entries_schema()), original.clone())?;

    assert!(report.publishable, "{report:#?}");
    assert!(!report.flagged);
    let stages: Vec<Stage> = report.corrections.iter().map(|r| r.stage).collect();
    assert_eq!(
        stages,
        [Stage::Synonyms, Stage::Structural, Stage::Defaults]
    );
    for stage in [Stage::Synonyms, Stage::Structural, Stage::Defaults] {
        assert_eq!(outcome(&report, stage), Outcome::Corrected, "{stage}");
    }
    assert_eq!(outcome(&report, Stage::Schema), Outcome::Pass);

    // What a writer of the corrected table needs: the one field renamed, by the rows it was renamed in.
    assert_eq!(
        report.renamed_fields(),
        [("hrs".to_string(), "hours".to_string())]
    );

    let mut replayed = original;
    for record in &report.corrections {
        replayed = patch::apply(&replayed, &record.patch)?;
    }
    assert_eq!(replayed, report.final_value);
    assert_eq!(
        report.final_value,
        json!([
            {"entry_id": "TE-10001", "date": "2026-09-01", "hours": 0.8, "status": "open"},
            {"entry_id": "TE-10002", "date": "2026-09-02", "hours": 3.25, "status": "closed"}
        ])
    );
    assert_eq!(report.final_hash, writ_canon::hash_of(&report.final_value)?);
    insta::assert_json_snapshot!("corrections_3_4_5", report);
    Ok(())
}

#[test]
fn the_report_round_trips_through_serde() -> anyhow::Result<()> {
    let report = run(
        with_schema(entries_schema()),
        json!({"entry_id": "TE-1", "date": "2026/09/01", "hrs": "2"}),
    )?;
    let text = serde_json::to_string(&report)?;
    let back: writ_ladder::LadderReport = serde_json::from_str(&text)?;
    assert_eq!(back, report);
    Ok(())
}

mod replay {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    fn cell() -> impl Strategy<Value = Value> {
        prop_oneof![
            "[0-9]{1,2}/[0-9]{1,2}/20[0-9]{2}".prop_map(Value::from),
            "20[0-9]{2}[/.][0-9]{1,2}[/.][0-9]{1,2}".prop_map(Value::from),
            "-?[0-9]{1,4}(\\.[0-9]{1,3})?".prop_map(Value::from),
            (-10_000i64..10_000).prop_map(|n| Value::from(n as f64 / 100.0)),
            " ?[a-z]{0,4} ?".prop_map(Value::from),
            Just(Value::Null),
        ]
    }

    fn row() -> impl Strategy<Value = Value> {
        let keys = prop::sample::select(vec![
            "entry_id",
            "Entry ID",
            "date",
            "hours",
            "hrs",
            "time_spent",
            "amount",
            "status",
            "code",
            "extra",
        ]);
        prop::collection::vec((keys, cell()), 0..6).prop_map(|kv| {
            Value::Object(
                kv.into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect::<Map<_, _>>(),
            )
        })
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            prop::collection::vec(row(), 0..5).prop_map(Value::from),
            row(),
            prop::collection::vec(row(), 0..3).prop_map(|rows| serde_json::json!({"data": rows})),
        ]
    }

    proptest! {
        /// Whatever the input, the climb ends without error, and the recorded patches replay exactly.
        #[test]
        fn recorded_patches_always_replay_to_the_final_value(original in value()) {
            let report = run(with_schema(entries_schema()), original.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut replayed = original;
            for record in &report.corrections {
                replayed = patch::apply(&replayed, &record.patch).map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
            prop_assert_eq!(replayed, report.final_value.clone());
            let rejected = report.stage_results.iter().any(|r| r.outcome == Outcome::Rejected);
            prop_assert_eq!(report.publishable, !rejected);
        }
    }
}
