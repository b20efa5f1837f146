use crate::{render_json, render_text, to_problem, Area, Code, Diagnostic};

const PLAN: &str = r#"{
  "objective": "Audit the invoices",
  "steps": [
    { "id": "load", "skill": "csv.read" },
	{ "id": "sum", "skill": "ledger.totl", "after": ["lod"] }
  ]
}
"#;

fn sample() -> Vec<Diagnostic> {
    vec![
        Diagnostic::error(Code::new(Area::Plan, 3), "unknown skill `ledger.totl`")
            .at("/steps/1/skill")
            .with_primary_label("not in the catalog")
            .with_label("/steps/0/skill", "this one resolved")
            .with_help("did you mean `ledger.total`?"),
        Diagnostic::error(
            Code::new(Area::Plan, 4),
            "step `sum` depends on a step that does not exist",
        )
        .at("/steps/1/after/0")
        .with_primary_label("no step `lod`")
        .with_note("step ids are case-sensitive"),
        Diagnostic::warning(Code::new(Area::Plan, 9), "the plan has no success criteria")
            .at("")
            .with_help("add `success` with at least one check\nfor example a row count"),
        Diagnostic::error(Code::new(Area::Plan, 5), "budget missing")
            .at("/budget")
            .with_label("/limits", "expected here"),
        Diagnostic::remark(Code::new(Area::Runtime, 1), "no location at all"),
    ]
}

#[test]
fn text_rendering() {
    insta::assert_snapshot!(render_text(&sample(), "plan.json", PLAN));
}

#[test]
fn text_rendering_of_multiline_span_and_far_labels() {
    let source = "{\n  \"a\": {\n    \"x\": 1\n  },\n  \"b\": 2,\n  \"c\": 3\n}";
    let d = Diagnostic::error(Code::new(Area::Schema, 7), "object is not allowed here")
        .at("/a")
        .with_label("/c", "because of this");
    insta::assert_snapshot!(render_text(&[d], "doc.json", source));
}

#[test]
fn json_rendering_has_a_stable_shape_and_reads_back() {
    let diags: Vec<Diagnostic> = sample().into_iter().map(|d| d.locate_in(PLAN)).collect();
    let json = render_json(&diags);
    insta::assert_json_snapshot!(json);
    let back: Result<Vec<Diagnostic>, _> = serde_json::from_value(json);
    assert_eq!(back.ok(), Some(diags));
}

#[test]
fn problem_json() {
    let diags = sample();
    insta::assert_json_snapshot!(to_problem(422, "https://writ.dev/problems/", &diags[..2]));
    let empty = to_problem(400, "https://writ.dev/problems", &[]);
    assert_eq!(empty["type"], "about:blank");
    assert_eq!(empty["detail"], "Bad Request");
    let warning_only = to_problem(422, "x", &diags[2..3]);
    assert_eq!(warning_only["type"], "x/E0009");
}
