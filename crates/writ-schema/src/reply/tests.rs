use super::*;
use serde_json::json;

fn person() -> Value {
    json!({
        "type": "object",
        "required": ["name", "age"],
        "additionalProperties": false,
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "age": {"type": "integer", "minimum": 0},
            "active": {"type": "boolean"}
        }
    })
}

#[test]
fn table_of_tolerated_replies() {
    let expected = json!({"name": "Ada", "age": 36, "active": true});
    let replies = [
        "```json\n{\"name\": \"Ada\", \"age\": 36, \"active\": true}\n```",
        "Sure! Here it is:\n\n```JSON\n{\n  name: 'Ada', // her name\n  age: 36,\n  active: True,\n}\n```\nLet me know.",
        "\u{feff}{\"name\": \"Ada\", \"age\": 36, \"active\": true}",
        "The answer is {\"name\": \"Ada\", /* years */ \"age\": 36, \"active\": true,} as requested.",
        "I use {braces} in prose. {\"name\": \"Ada\", \"age\": 36, \"active\": true}",
        "```\n{\"name\": \"Ada\", \"age\": 36, \"active\": true}```",
        "```python\nprint(1)\n```\n```json\n{\"name\": \"Ada\", \"age\": 36, \"active\": true}\n```",
        "```json\nHere you go: {\"name\": \"Ada\", \"age\": 36, \"active\": true}\n```",
        "~~~json\n{\"name\": \"Ada\", \"age\": 36, \"active\": true}\n~~~",
        "```json\n{\"name\": \"Ada\", \"age\": 36, \"active\": true}",
    ];
    for reply in replies {
        let (value, diagnostics) = parse_reply(&person(), reply);
        assert_eq!(value.as_ref(), Some(&expected), "{reply:?}");
        assert!(diagnostics.is_empty(), "{reply:?}: {diagnostics:?}");
    }
}

#[test]
fn a_valid_candidate_beats_an_earlier_invalid_one() {
    let reply =
        "For example {\"name\": \"\", \"age\": -1}; the real one: {\"name\": \"Bo\", \"age\": 2}";
    let (value, diagnostics) = parse_reply(&person(), reply);
    assert_eq!(value, Some(json!({"name": "Bo", "age": 2})));
    assert!(diagnostics.is_empty());
}

fn rendered(reply: &str) -> String {
    let (value, diagnostics) = parse_reply(&person(), reply);
    format!(
        "value: {}\n\n{}",
        value.map_or("none".to_owned(), |v| v.to_string()),
        writ_diag::render_text(&diagnostics, "reply.md", reply)
    )
}

#[test]
fn invalid_value_is_returned_with_located_violations() {
    insta::assert_snapshot!(rendered(
        "Here:\n```json\n{\n  \"name\": \"\",\n  \"age\": \"forty\",\n  \"nickname\": \"A\"\n}\n```\n"
    ));
}

#[test]
fn syntax_error_is_located_in_the_reply() {
    insta::assert_snapshot!(rendered(
        "Here:\n```json\n{\n  \"name\": \"Ada\"\n  \"age\": 36\n}\n```\n"
    ));
}

#[test]
fn no_json_at_all() {
    insta::assert_snapshot!(rendered("I could not find the person."));
}

#[test]
fn scalar_roots_read_the_whole_reply() {
    let schema = json!({"type": "string", "format": "date"});
    assert_eq!(
        parse_reply(&schema, "  \"2024-02-29\"\n").0,
        Some(json!("2024-02-29"))
    );
    assert_eq!(
        parse_reply(&schema, "```json\n'2024-02-29'\n```").0,
        Some(json!("2024-02-29"))
    );
}

#[test]
fn a_bad_schema_gives_its_own_diagnostics() {
    let (value, diagnostics) =
        parse_reply(&json!({"type": "object", "patternProperties": {}}), "{}");
    assert_eq!(value, None);
    assert_eq!(
        diagnostics.first().map(|d| d.code),
        Some(codes::UNSUPPORTED_KEYWORD)
    );
}

proptest::proptest! {
    #[test]
    fn any_reply_is_safe(reply in "\\PC{0,120}") {
        let (_, diagnostics) = parse_reply(&person(), &reply);
        for d in diagnostics {
            if let Some(span) = d.span {
                proptest::prop_assert!(span.start <= span.end && span.end <= reply.len());
            }
        }
    }

    #[test]
    fn any_bytes_are_safe_for_the_fuzz_entry(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
        parse_reply_fuzz(&bytes);
    }
}
