use proptest::prelude::*;
use writ_plan::*;

const MINIMAL: &str = r#"{
  "objective": "sum rows",
  "domain": "data-merge-transform",
  "workflow": "normalize-transform",
  "policy": "strict",
  "inputs": [{"name": "rows", "kind": "table.csv"}],
  "steps": [
    {"id": "load", "intent": "Load rows.", "kind": "code",
     "inputs": {"rows": "run.rows"},
     "outputs": [{"slot": "out", "kind": "table.csv", "schema": "billing.findings"}]},
    {"id": "sum", "intent": "Sum rows.", "kind": "hybrid",
     "inputs": {"rows": {"from": "load.out", "kind": "table.json_rows"}},
     "outputs": [{"slot": "total", "kind": "object.json", "schema": {"type": "object"}, "publish": true, "name": "total.json"}],
     "gate": {"reason": "look first", "scope": "approve"},
     "fan_out": {"over": "rows", "shard_size": 10}}
  ]
}"#;

#[test]
fn a_minimal_candidate_parses_with_defaults() {
    let plan = PlanCandidate::from_json(MINIMAL).unwrap();
    assert!(plan.inputs[0].required);
    let load = &plan.steps[0];
    assert_eq!(
        load.inputs["rows"].binding().unwrap(),
        Binding::Run {
            input: "rows".into()
        }
    );
    assert!(load.outputs[0].required && !load.outputs[0].publish);
    assert_eq!(
        load.outputs[0].schema,
        Some(SchemaRef::Id("billing.findings".into()))
    );
    let sum = &plan.steps[1];
    assert_eq!(sum.inputs["rows"].expected_kind(), Some("table.json_rows"));
    assert_eq!(
        sum.inputs["rows"].binding().unwrap(),
        Binding::Step {
            step: "load".into(),
            slot: "out".into()
        }
    );
    assert!(matches!(sum.outputs[0].schema, Some(SchemaRef::Inline(_))));
    assert_eq!(sum.gate.as_ref().map(|g| g.scope), Some(GateScope::Approve));
}

#[test]
fn bad_documents_point_at_the_problem() {
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "typo in a step field",
            MINIMAL.replace("\"intent\": \"Load", "\"intnet\": \"Load"),
            CODE_SHAPE,
            "/steps/0/intnet",
        ),
        (
            "unknown step kind",
            MINIMAL.replace("\"hybrid\"", "\"magic\""),
            CODE_SHAPE,
            "/steps/1/kind",
        ),
        (
            "unknown gate scope",
            MINIMAL.replace("\"approve\"", "\"maybe\""),
            CODE_SHAPE,
            "/steps/1/gate/scope",
        ),
        (
            "negative shard size",
            MINIMAL.replace("\"shard_size\": 10", "\"shard_size\": -1"),
            CODE_SHAPE,
            "/steps/1/fan_out/shard_size",
        ),
        (
            "missing policy",
            MINIMAL.replace("\"policy\": \"strict\",", ""),
            CODE_SHAPE,
            "",
        ),
        (
            "truncated",
            MINIMAL[..40].to_string(),
            CODE_JSON_SYNTAX,
            "/domain",
        ),
        (
            "trailing garbage",
            format!("{MINIMAL} x"),
            CODE_JSON_SYNTAX,
            "",
        ),
    ];
    for (name, text, code, pointer) in cases {
        let err = PlanCandidate::from_json(&text).expect_err(name);
        assert_eq!(
            (err.code, err.pointer.as_str()),
            (code, pointer),
            "case {name}: {err}"
        );
    }
}

#[test]
fn error_messages_render_stably() {
    let err =
        PlanCandidate::from_json(&MINIMAL.replace("\"intent\": \"Load", "\"intnet\": \"Load"))
            .unwrap_err();
    insta::assert_snapshot!("unknown_field", err.to_string());
}

#[test]
fn bindings_parse_or_say_why_not() {
    let cases = [
        (
            "run.time_entries",
            Ok(Binding::Run {
                input: "time_entries".into(),
            }),
        ),
        (
            "extract_terms.terms",
            Ok(Binding::Step {
                step: "extract_terms".into(),
                slot: "terms".into(),
            }),
        ),
        ("run", Err(())),
        ("run.", Err(())),
        (".x", Err(())),
        ("a.b.c", Err(())),
        ("Step.out", Err(())),
        ("s.1x", Err(())),
    ];
    for (text, expected) in cases {
        let got = Binding::parse(text).map_err(|_| ());
        assert_eq!(got, expected, "{text}");
    }
}

#[test]
fn slugs() {
    for (s, ok) in [
        ("a", true),
        ("a_1", true),
        ("review_flags", true),
        ("", false),
        ("1a", false),
        ("a-b", false),
        ("A", false),
    ] {
        assert_eq!(is_slug(s), ok, "{s}");
    }
}

#[test]
fn profiles_parse_from_toml() {
    let text = r#"
id = "t"
policy = "strict"
[phases.router]
provider = "builtin"
model = "builtin"
[phases.planner]
provider = "builtin"
model = "builtin"
[phases.binder]
provider = "builtin"
model = "builtin"
[phases.executor]
provider = "anthropic"
model = "claude-x"
params = { temperature = 0.0 }
[phases.auditor]
provider = "openai-compatible"
model = "gpt-y"
[phases.repairer]
provider = "builtin"
model = "builtin"
[prices.claude-x]
input_usd_per_mtok = 3.0
output_usd_per_mtok = 15.0
[validation]
step_output = "report"
"#;
    let p = ExecutionProfile::from_toml(text).unwrap();
    assert_eq!(p.validation.step_output, ValidationMode::Report);
    assert_eq!(p.validation.final_output, ValidationMode::Block);
    assert!(!p.allow_self_approval);
    assert!(!p.phases.auditor.same_model_as(&p.phases.executor));
    assert_eq!(p.prices["claude-x"].cost_usd(1_000_000, 100_000), 4.5);
    let err = ExecutionProfile::from_toml(&text.replace("policy =", "polcy =")).unwrap_err();
    assert_eq!((err.code, err.line), (CODE_TOML, Some(3)));
}

proptest! {
    #[test]
    fn bindings_round_trip(scope in "[a-z][a-z0-9_]{0,12}", name in "[a-z][a-z0-9_]{0,12}") {
        let text = format!("{scope}.{name}");
        let parsed = Binding::parse(&text).unwrap();
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn binding_parse_never_panics(text in "\\PC{0,30}") {
        let _ = Binding::parse(&text);
    }
}
