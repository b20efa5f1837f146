use super::*;
use proptest::prelude::*;
use serde_json::json;

#[test]
fn tolerated_forms() {
    let cases: &[(&str, Value)] = &[
        ("\u{feff}{\"a\": 1}", json!({"a": 1})),
        (
            "{a: 1, b_2: 'x', $c: \"y\",}",
            json!({"a": 1, "b_2": "x", "$c": "y"}),
        ),
        ("[1, 2, 3,]", json!([1, 2, 3])),
        (
            "// lead\n{ /* inner */ \"a\": [True, False, None] } // tail",
            json!({"a": [true, false, null]}),
        ),
        ("'it\\'s'", json!("it's")),
        ("\"line\nbreak\"", json!("line\nbreak")),
        ("\"\\u00e9\\ud83d\\ude00\\n\"", json!("é😀\n")),
        ("+5", json!(5)),
        ("-1.5e3", json!(-1500.0)),
        ("18446744073709551615", json!(18446744073709551615u64)),
        ("{\"a\": 1, \"a\": 2}", json!({"a": 2})),
        ("{\"clé\": 'ü'}", json!({"clé": "ü"})),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_relaxed(text).as_ref(), Ok(expected), "{text:?}");
    }
}

#[test]
fn errors_say_where_and_what() {
    let cases: &[(&str, usize, &str, &str)] = &[
        (
            "{\"a\": 1 \"b\": 2}",
            8,
            "",
            "expected `,` or `}` after a member, found `\"`",
        ),
        (
            "{\"a\" 1}",
            5,
            "/a",
            "expected `:` after the key `a`, found `1`",
        ),
        (
            "[1, NaN]",
            4,
            "/1",
            "expected a value, found the bare word `NaN` (strings need quotes)",
        ),
        ("{\"a\": \"open", 6, "/a", "this string has no closing \""),
        (
            "[1, 2",
            5,
            "",
            "expected `,` or `]` after an item, found the end of the text",
        ),
        ("1 2", 2, "", "expected the end of the value, found `2`"),
        (
            "{\"a\": {\"b\": [1, 1e999]}}",
            16,
            "/a/b/1",
            "`1e999` is not a number",
        ),
        (
            "\"\\x\"",
            1,
            "",
            "`\\x` is not an escape (use \\\\ for a backslash)",
        ),
        ("", 0, "", "expected a value, found the end of the text"),
    ];
    for (text, offset, pointer, message) in cases {
        let err = parse_relaxed(text).err();
        let got = err
            .as_ref()
            .map(|e| (e.offset, e.pointer.as_str(), e.message.as_str()));
        assert_eq!(got, Some((*offset, *pointer, *message)), "{text:?}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let text = "[".repeat(100_000);
    let err = parse_relaxed(&text).err().map(|e| e.message);
    assert_eq!(err.as_deref(), Some("values nest deeper than 128 levels"));
}

proptest! {
    #[test]
    fn never_panics(text in "\\PC{0,80}") {
        let _ = parse_relaxed(&text);
    }

    #[test]
    fn never_panics_on_json_ish_soup(parts in prop::collection::vec(prop_oneof![
        Just("{"), Just("}"), Just("["), Just("]"), Just("\""), Just("'"), Just(","), Just(":"), Just("\\"),
        Just("\\u"), Just("d83d"), Just("/*"), Just("*/"), Just("//"), Just("\n"), Just("1"), Just("-"), Just("e"),
        Just("True"), Just("a"), Just("é"),
    ], 0..40)) {
        let text: String = parts.concat();
        if let Err(err) = parse_relaxed(&text) {
            prop_assert!(err.offset <= text.len());
        }
    }

    #[test]
    fn printed_json_reads_back_exactly(value in crate::test_support::arb_json(), pretty in any::<bool>()) {
        let text = if pretty { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) };
        let text = text.map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(parse_relaxed(&text), Ok(value));
    }
}
