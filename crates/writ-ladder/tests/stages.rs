//! One table per deterministic stage: passing, correctable (where the stage corrects) and rejected inputs.

mod common;

use common::*;
use serde_json::{json, Value};
use writ_ladder::{Contract, GuardPolicy, LadderConfig, Outcome, Stage};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    Pass,
    Corrected,
    Rejected,
}

fn kind(outcome: &Outcome) -> Option<Want> {
    match outcome {
        Outcome::Pass => Some(Want::Pass),
        Outcome::Corrected => Some(Want::Corrected),
        Outcome::Rejected => Some(Want::Rejected),
        Outcome::Skipped { .. } => None,
    }
}

struct Case {
    name: &'static str,
    value: Value,
    want: Want,
    /// The final value, when the case checks it.
    result: Option<Value>,
    /// A diagnostic code the stage must report.
    code: Option<&'static str>,
}

fn case(name: &'static str, value: Value, want: Want) -> Case {
    Case {
        name,
        value,
        want,
        result: None,
        code: None,
    }
}

impl Case {
    fn gives(mut self, result: Value) -> Self {
        self.result = Some(result);
        self
    }
    fn code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }
}

fn check_table(stage: Stage, config: LadderConfig, cases: Vec<Case>) -> anyhow::Result<()> {
    for c in cases {
        let report = run(config.clone(), c.value.clone())?;
        let got = kind(&outcome(&report, stage));
        assert_eq!(
            got,
            Some(c.want),
            "{stage} / {}: {:#?}",
            c.name,
            report.result(stage)
        );
        if let Some(result) = &c.result {
            assert_eq!(&report.final_value, result, "{stage} / {}", c.name);
        }
        if let Some(code) = c.code {
            assert!(
                codes(&report, stage).iter().any(|k| k == code),
                "{stage} / {}: want {code}, got {:?}",
                c.name,
                codes(&report, stage)
            );
        }
        // Whatever the stage did, a block-mode rejection anywhere means no publication.
        let rejected = report
            .stage_results
            .iter()
            .any(|r| r.outcome == Outcome::Rejected);
        assert_eq!(report.publishable, !rejected, "{stage} / {}", c.name);
    }
    Ok(())
}

#[test]
fn guard_table() -> anyhow::Result<()> {
    use Want::*;
    let cases = vec![
        case(
            "clean",
            json!({"note": "Draft motion", "id": "TE-10001", "date": "2026-09-01", "amount": "384.00", "n": 753}),
            Pass,
        ),
        case(
            "api key",
            json!({"note": "key sk-ant-REDACTEDabcdefghijklmnopqrstu"}),
            Rejected,
        )
        .code("L0001"),
        case("aws", json!({"k": "AKIAIOSFODNN7EXAMPLE"}), Rejected).code("L0001"),
        case(
            "github",
            json!({"k": "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"}),
            Rejected,
        )
        .code("L0001"),
        case(
            "pem",
            json!({"k": "-----BEGIN RSA PRIVATE KEY-----\nMIIE..."}),
            Rejected,
        )
        .code("L0001"),
        case(
            "bearer",
            json!({"h": "Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345"}),
            Rejected,
        )
        .code("L0001"),
        case(
            "secret in a key",
            json!({"AKIAIOSFODNN7EXAMPLE": 1}),
            Rejected,
        )
        .code("L0001"),
        case("email", json!([{"who": "jane.doe@example.com"}]), Rejected).code("L0002"),
        case("phone", json!({"tel": "call (415) 555-0132"}), Rejected).code("L0003"),
        case("e164 phone", json!({"tel": "+442071838750"}), Rejected).code("L0003"),
        case("card", json!({"c": "4111 1111 1111 1111"}), Rejected).code("L0004"),
        case(
            "card as a number",
            json!({"c": 4111111111111111u64}),
            Rejected,
        )
        .code("L0004"),
        case(
            "card failing luhn",
            json!({"c": "4111 1111 1111 1112"}),
            Pass,
        ),
        case("ssn", json!({"s": "123-45-6789"}), Rejected).code("L0005"),
        case(
            "ssn area 666 is never issued",
            json!({"s": "666-45-6789"}),
            Pass,
        ),
        case(
            "ssn area 9xx is never issued",
            json!({"s": "912-45-6789"}),
            Pass,
        ),
        case("ssn group 00", json!({"s": "123-00-6789"}), Pass),
        case(
            "iban",
            json!({"acct": "GB82 WEST 1234 5698 7654 32"}),
            Rejected,
        )
        .code("L0006"),
        case(
            "iban with a bad check",
            json!({"acct": "GB82WEST12345698765433"}),
            Pass,
        ),
    ];
    check_table(Stage::Guard, LadderConfig::default(), cases)?;

    // What the contract allows passes; secrets are never allowable.
    let allowing = LadderConfig {
        guard: GuardPolicy {
            allow_emails: true,
            allow_phones: true,
            allow_card_numbers: true,
            allow_national_ids: true,
            allow_ibans: true,
        },
        ..LadderConfig::default()
    };
    let cases = vec![
        case(
            "allowed email",
            json!({"who": "jane.doe@example.com"}),
            Pass,
        ),
        case("allowed ssn", json!({"s": "123-45-6789"}), Pass),
        case(
            "secret still refused",
            json!({"k": "AKIAIOSFODNN7EXAMPLE"}),
            Rejected,
        )
        .code("L0001"),
    ];
    check_table(Stage::Guard, allowing, cases)
}

#[test]
fn guard_messages_do_not_repeat_the_secret() -> anyhow::Result<()> {
    let report = run(
        LadderConfig::default(),
        json!({"k": "AKIAIOSFODNN7EXAMPLE"}),
    )?;
    let text = serde_json::to_string(&report.stage_results)?;
    assert!(!text.contains("AKIAIOSFODNN7EXAMPLE"), "{text}");
    Ok(())
}

#[test]
fn schema_table() -> anyhow::Result<()> {
    use Want::*;
    let row = |v: Value| json!([v]);
    let cases = vec![
        case(
            "valid",
            row(json!({"entry_id": "TE-1", "date": "2026-09-01", "hours": 1.5, "status": "open"})),
            Pass,
        ),
        // Invalid on arrival, corrected by stage 3: stage 2 passes, listing what was resolved.
        case(
            "corrected later",
            row(json!({"entry_id": "TE-1", "date": "2026-09-01", "hrs": 1.5, "status": "open"})),
            Pass,
        ),
        case(
            "not correctable",
            row(json!({"entry_id": "TE-1", "date": "2026-09-01", "hours": "many"})),
            Rejected,
        )
        .code("S0004"),
        case(
            "unknown field",
            row(json!({"entry_id": "TE-1", "date": "2026-09-01", "hours": 1, "colour": "red"})),
            Rejected,
        )
        .code("S0006"),
    ];
    check_table(Stage::Schema, with_schema(entries_schema()), cases)?;

    let report = run(
        with_schema(entries_schema()),
        row(json!({"entry_id": "TE-1", "date": "2026-09-01", "hrs": 1.5})),
    )?;
    let schema = report
        .result(Stage::Schema)
        .ok_or_else(|| anyhow::anyhow!("no schema result"))?;
    assert!(schema.diagnostics.is_empty());
    assert_eq!(
        schema.resolved.len(),
        2,
        "missing `hours` and unknown `hrs`: {:#?}",
        schema.resolved
    );
    Ok(())
}

#[test]
fn synonyms_table() -> anyhow::Result<()> {
    use Want::*;
    let cases = vec![
        case(
            "canonical names",
            json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": 1}]),
            Pass,
        ),
        case(
            "declared synonym",
            json!([{"entry_id": "TE-1", "date": "2026-09-01", "hrs": 1}]),
            Corrected,
        )
        .gives(json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": 1, "status": "open"}])),
        case(
            "case and separators",
            json!([{"Entry ID": "TE-1", "Date": "2026-09-01", "hours": 1}]),
            Corrected,
        )
        .gives(json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": 1, "status": "open"}])),
        case(
            "alias repeating the field",
            json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": 1, "hrs": 1}]),
            Corrected,
        )
        .gives(json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": 1, "status": "open"}])),
        case(
            "alias contradicting the field",
            json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": 1, "hrs": 2}]),
            Rejected,
        )
        .code("L0010"),
    ];
    check_table(Stage::Synonyms, with_schema(entries_schema()), cases)
}

#[test]
fn structural_table() -> anyhow::Result<()> {
    use Want::*;
    let ok = json!({"entry_id": "TE-1", "date": "2026-09-01", "hours": 1.5, "status": "open"});
    let cases = vec![
        case("already right", json!([ok.clone()]), Pass),
        case("envelope", json!({"data": [ok.clone()]}), Corrected).gives(json!([ok.clone()])),
        case("lone object", ok.clone(), Corrected).gives(json!([ok.clone()])),
        case("numeric string", json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": " 1.5", "status": "open"}]), Corrected)
            .gives(json!([ok.clone()])),
        case("money number", json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": 1.5, "status": "open", "amount": 12.5}]), Corrected)
            .gives(json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": 1.5, "status": "open", "amount": "12.50"}])),
        case("year-first date", json!([{"entry_id": "TE-1", "date": "2026/09/01", "hours": 1.5, "status": "open"}]), Corrected)
            .gives(json!([ok.clone()])),
        case(
            "month-first decided by its column",
            json!([
                {"entry_id": "TE-1", "date": "09/01/2026", "hours": 1.5, "status": "open"},
                {"entry_id": "TE-2", "date": "09/13/2026", "hours": 1.5, "status": "open"}
            ]),
            Corrected,
        )
        .gives(json!([ok.clone(), {"entry_id": "TE-2", "date": "2026-09-13", "hours": 1.5, "status": "open"}])),
        case(
            "day-first decided by its column",
            json!([
                {"entry_id": "TE-1", "date": "01.09.2026", "hours": 1.5, "status": "open"},
                {"entry_id": "TE-2", "date": "13.09.2026", "hours": 1.5, "status": "open"}
            ]),
            Corrected,
        )
        .gives(json!([ok.clone(), {"entry_id": "TE-2", "date": "2026-09-13", "hours": 1.5, "status": "open"}])),
        case("same day and month", json!([{"entry_id": "TE-1", "date": "07/07/2026", "hours": 1, "status": "open"}]), Corrected),
        case("ambiguous date", json!([{"entry_id": "TE-1", "date": "09/01/2026", "hours": 1.5}]), Rejected).code("L0011"),
        case(
            "mixed column",
            json!([
                {"entry_id": "TE-1", "date": "13/01/2026", "hours": 1},
                {"entry_id": "TE-2", "date": "01/13/2026", "hours": 1}
            ]),
            Rejected,
        )
        .code("L0012"),
        case("no such day", json!([{"entry_id": "TE-1", "date": "2026/02/30", "hours": 1}]), Rejected).code("L0013"),
        case("non-numeric string stays for the schema", json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": "1,5"}]), Pass),
    ];
    check_table(Stage::Structural, with_schema(entries_schema()), cases)?;

    // A declared order decides what the column alone cannot.
    let mut schema = entries_schema();
    schema["items"]["properties"]["date"]["x-date-order"] = json!("dmy");
    let cases = vec![case(
        "declared dmy",
        json!([{"entry_id": "TE-1", "date": "01/09/2026", "hours": 1.5, "status": "open"}]),
        Corrected,
    )
    .gives(json!([ok]))];
    check_table(Stage::Structural, with_schema(schema), cases)
}

#[test]
fn defaults_table() -> anyhow::Result<()> {
    use Want::*;
    let cases = vec![
        case(
            "present",
            json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": 1, "status": "closed"}]),
            Pass,
        ),
        case(
            "missing optional",
            json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": 1}]),
            Corrected,
        )
        .gives(json!([{"entry_id": "TE-1", "date": "2026-09-01", "hours": 1, "status": "open"}])),
        // A required field is never defaulted, even when it declares one.
        case(
            "missing required",
            json!([{"date": "2026-09-01", "hours": 1, "status": "open"}]),
            Pass,
        ),
    ];
    let mut schema = entries_schema();
    schema["items"]["properties"]["entry_id"]["default"] = json!("TE-0");
    check_table(Stage::Defaults, with_schema(schema), cases)?;

    let bad = json!({"type": "object", "properties": {"n": {"type": "string", "default": 5}}});
    check_table(
        Stage::Defaults,
        with_schema(bad),
        vec![case("default failing its schema", json!({}), Rejected).code("L0014")],
    )
}

#[test]
fn transforms_table() -> anyhow::Result<()> {
    use Want::*;
    let base = |extra: Value| {
        let mut row =
            json!({"entry_id": "TE-1", "date": "2026-09-01", "hours": 1, "status": "open"});
        if let (Some(row), Some(extra)) = (row.as_object_mut(), extra.as_object()) {
            row.extend(extra.clone());
        }
        json!([row])
    };
    let cases = vec![
        case(
            "normal already",
            base(json!({"amount": "12.35", "code": "AB"})),
            Pass,
        ),
        case(
            "money2 half-up",
            base(json!({"amount": "12.345"})),
            Corrected,
        )
        .gives(base(json!({"amount": "12.35"}))),
        case(
            "money2 from a number",
            base(json!({"amount": 2.675})),
            Corrected,
        )
        .gives(base(json!({"amount": "2.68"}))),
        case("money2 pads", base(json!({"amount": "7"})), Corrected)
            .gives(base(json!({"amount": "7.00"}))),
        case(
            "trim then upper",
            base(json!({"code": "  l210 "})),
            Corrected,
        )
        .gives(base(json!({"code": "L210"}))),
        case("empty cell left alone", base(json!({"amount": ""})), Pass),
        case("not an amount", base(json!({"amount": "twelve"})), Rejected).code("L0016"),
    ];
    check_table(Stage::Transforms, with_schema(entries_schema()), cases)?;

    let unknown = json!({"type": "object", "properties": {"n": {"type": "string", "x-transform": "titlecase"}}});
    check_table(
        Stage::Transforms,
        with_schema(unknown),
        vec![case("unknown transform", json!({"n": "x"}), Rejected).code("L0015")],
    )
}

#[test]
fn conformance_table() -> anyhow::Result<()> {
    let contract = Contract {
        kind: Some("table.csv".into()),
        required_fields: vec!["entry_id".into()],
        unique_key: vec!["entry_id".into()],
        row_count_equals: Some("time_entries".into()),
    };
    let config = LadderConfig {
        contract,
        ..LadderConfig::default()
    };
    let table = |kind: &str, value: Value, rows: Option<u64>| {
        let mut a = artifact("findings", kind, value);
        if let Some(n) = rows {
            a.context.input_row_counts.insert("time_entries".into(), n);
        }
        a
    };
    let two = json!([{"entry_id": "TE-1"}, {"entry_id": "TE-2"}]);
    let cases: Vec<(&str, writ_ladder::Artifact, Option<&str>)> = vec![
        ("conforms", table("table.csv", two.clone(), Some(2)), None),
        (
            "wrong kind",
            table("object.json", two.clone(), Some(2)),
            Some("L0020"),
        ),
        (
            "missing field",
            table(
                "table.csv",
                json!([{"entry_id": "TE-1"}, {"id": "TE-2"}]),
                Some(2),
            ),
            Some("L0021"),
        ),
        (
            "grain",
            table(
                "table.csv",
                json!([{"entry_id": "TE-1"}, {"entry_id": "TE-1"}]),
                Some(2),
            ),
            Some("L0022"),
        ),
        (
            "row count",
            table("table.csv", two.clone(), Some(3)),
            Some("L0023"),
        ),
        (
            "not rows",
            table("table.csv", json!({"entry_id": "TE-1"}), Some(1)),
            Some("L0024"),
        ),
        (
            "no input count",
            table("table.csv", two, None),
            Some("L0025"),
        ),
    ];
    for (name, artifact, code) in cases {
        let report = climb(config.clone(), artifact, &[])?.0;
        let want = if code.is_some() {
            Outcome::Rejected
        } else {
            Outcome::Pass
        };
        assert_eq!(outcome(&report, Stage::Conformance), want, "{name}");
        if let Some(code) = code {
            assert!(
                codes(&report, Stage::Conformance).iter().any(|c| c == code),
                "{name}: {:?}",
                codes(&report, Stage::Conformance)
            );
        }
        assert_eq!(report.publishable, code.is_none(), "{name}");
    }
    Ok(())
}
