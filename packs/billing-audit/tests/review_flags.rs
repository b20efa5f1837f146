//! Table-driven cases for `billing.review_flags`: flags per section 7.1/7.2 and precise argument errors.

use serde_json::{json, Value};
use writ_tools::ToolError;

fn call(tool: &str, args: &Value) -> Result<Value, ToolError> {
    match writ_pack_billing_audit::PACK.tool(tool) {
        Some(f) => f(args),
        None => Err(ToolError::UnknownTool { name: tool.into() }),
    }
}

fn rules() -> Value {
    json!({"separator": ";", "hours_threshold": "1.0", "min_words": 4,
           "generic_phrases": ["attention to file", "work on matter", "review documents", "various tasks", "follow up"]})
}

fn args(description: &str, hours: Value) -> Value {
    json!({"entry_id": "TE-1", "description": description, "hours": hours, "rules": rules()})
}

#[test]
fn flags_follow_the_rules_passed_in() {
    let cases: &[(&str, Value, &[&str])] = &[
        (
            "Draft motion to compel production of documents",
            json!("2.0"),
            &[],
        ),
        (
            "Draft motion to compel; Call with client about it",
            json!("1.1"),
            &["BLOCK_BILLING"],
        ),
        (
            "Draft motion to compel; Call with client about it",
            json!("1.0"),
            &[],
        ),
        (
            "Draft motion to compel; Call with client about it",
            json!(1.5),
            &["BLOCK_BILLING"],
        ),
        ("Draft the motion; draft the motion", json!("3.0"), &[]),
        ("Draft the long motion today;", json!("3.0"), &[]),
        ("Follow up", json!("0.2"), &["VAGUE"]),
        ("Review documents.", json!("0.2"), &["VAGUE"]),
        ("Attention  to FILE", json!("0.2"), &["VAGUE"]),
        ("Call with client", json!("0.2"), &["VAGUE"]),
        ("Call with the client", json!("0.2"), &[]),
        (
            "Research; Emails",
            json!("2.0"),
            &["BLOCK_BILLING", "VAGUE"],
        ),
        ("Review documents for the production set", json!("0.5"), &[]),
    ];
    for (description, hours, expected) in cases {
        let result = call("billing.review_flags", &args(description, hours.clone()));
        assert_eq!(
            result,
            Ok(json!({ "flags": expected })),
            "{description:?} {hours}"
        );
    }
}

#[test]
fn phrases_and_thresholds_come_from_the_args() {
    let mut a = args("Attention to file", json!("0.5"));
    a["rules"]["generic_phrases"] = json!([]);
    a["rules"]["min_words"] = json!(3);
    assert_eq!(call("billing.review_flags", &a), Ok(json!({"flags": []})));
    let mut b = args(
        "Draft motion to compel; Call with client about it",
        json!("0.6"),
    );
    b["rules"]["hours_threshold"] = json!("0.5");
    assert_eq!(
        call("billing.review_flags", &b),
        Ok(json!({"flags": ["BLOCK_BILLING"]}))
    );
    let mut c = args(
        "Draft motion to compel | Call with client about it",
        json!("3"),
    );
    c["rules"]["separator"] = json!("|");
    assert_eq!(
        call("billing.review_flags", &c),
        Ok(json!({"flags": ["BLOCK_BILLING"]}))
    );
}

#[test]
fn bad_args_name_the_pointer() {
    let missing = |path: &[&str]| {
        let mut a = args("Draft motion to compel", json!("1.0"));
        let (last, parents) = path.split_last().map(|(l, p)| (*l, p)).unwrap_or(("", &[]));
        let mut target = &mut a;
        for key in parents {
            target = &mut target[*key];
        }
        target.as_object_mut().map(|o| o.remove(last));
        a
    };
    let cases: Vec<(Value, ToolError)> = vec![
        (
            missing(&["entry_id"]),
            ToolError::MissingField {
                pointer: "/entry_id".into(),
            },
        ),
        (
            missing(&["hours"]),
            ToolError::MissingField {
                pointer: "/hours".into(),
            },
        ),
        (
            missing(&["rules"]),
            ToolError::MissingField {
                pointer: "/rules".into(),
            },
        ),
        (
            missing(&["rules", "separator"]),
            ToolError::MissingField {
                pointer: "/rules/separator".into(),
            },
        ),
        (
            missing(&["rules", "generic_phrases"]),
            ToolError::MissingField {
                pointer: "/rules/generic_phrases".into(),
            },
        ),
        (
            args("x", json!("1,5")),
            ToolError::BadNumber {
                pointer: "/hours".into(),
                value: "1,5".into(),
            },
        ),
        (
            args("x", json!(true)),
            ToolError::WrongType {
                pointer: "/hours".into(),
                expected: "a decimal number or a decimal string",
            },
        ),
        (
            json!([1]),
            ToolError::WrongType {
                pointer: "".into(),
                expected: "an object",
            },
        ),
        (
            {
                let mut a = args("x", json!("1"));
                a["rules"]["generic_phrases"] = json!(["a", 2]);
                a
            },
            ToolError::WrongType {
                pointer: "/rules/generic_phrases/1".into(),
                expected: "a string",
            },
        ),
        (
            {
                let mut a = args("x", json!("1"));
                a["rules"]["min_words"] = json!(-1);
                a
            },
            ToolError::WrongType {
                pointer: "/rules/min_words".into(),
                expected: "a non-negative integer",
            },
        ),
        (
            {
                let mut a = args("x", json!("1"));
                a["rules"]["separator"] = json!("");
                a
            },
            ToolError::WrongType {
                pointer: "/rules/separator".into(),
                expected: "a non-empty string",
            },
        ),
    ];
    for (a, expected) in cases {
        let got = call("billing.review_flags", &a);
        assert_eq!(got, Err(expected.clone()), "{a}");
        assert_eq!(
            got.err().and_then(|e| e.pointer().map(String::from)),
            expected.pointer().map(String::from)
        );
    }
}

#[test]
fn unknown_tools_are_refused() {
    let err = call("billing.nope", &json!({}));
    assert_eq!(
        err,
        Err(ToolError::UnknownTool {
            name: "billing.nope".into()
        })
    );
    assert_eq!(err.err().map(|e| e.code()), Some("tool.unknown"));
}

/// The built-in evaluator of rubric `billing.review_flags`: the same section 7, as a verdict on one entry
/// with a criterion per flag; its evidence errors point inside the bundle.
#[test]
fn the_evaluator_judges_one_entry_with_a_criterion_per_flag() {
    let Some(judge) = writ_pack_billing_audit::PACK.evaluator("billing.review_flags") else {
        panic!("the pack registers its evaluator");
    };
    let bundle = |description: &str, hours: &str| json!({"rubric": "billing.review_flags", "item": "TE-1", "evidence": args(description, json!(hours))});
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "Draft motion to compel production of documents",
            "2.0",
            "clear",
            &[],
        ),
        (
            "Draft motion; call client; revise brief",
            "3.0",
            "flagged",
            &["BLOCK_BILLING"],
        ),
        ("Work on matter", "0.5", "flagged", &["VAGUE"]),
    ];
    for (description, hours, verdict, flags) in cases {
        let v = judge(&bundle(description, hours)).expect("judged");
        assert_eq!(v["verdict"], *verdict, "{description}");
        let got: Vec<&str> = v["criteria"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["flag"].as_str())
            .collect();
        assert_eq!(got, *flags, "{description}");
        assert!(
            !v["reasons"].as_array().map(Vec::is_empty).unwrap_or(true),
            "{v}"
        );
    }
    let missing = judge(
        &json!({"rubric": "billing.review_flags", "item": "TE-1", "evidence": {"entry_id": "TE-1", "hours": "1", "rules": rules()}}),
    );
    assert!(
        matches!(missing, Err(ToolError::MissingField { ref pointer }) if pointer == "/evidence/description"),
        "{missing:?}"
    );
    assert!(
        judge(&json!({"rubric": "billing.review_flags", "item": "TE-1", "evidence": []})).is_err()
    );
}
