use super::*;
use proptest::prelude::*;
use serde_json::Value;

fn text_at(source: &str, pointer: &str) -> Option<String> {
    let found = locate(source, pointer)?;
    source
        .get(found.value.start..found.value.end)
        .map(str::to_owned)
}

#[test]
fn table_of_locations() {
    let source = "\u{feff}{\n  \"a\": [1, {\"b\": 'x'}, 3,],\n  // note\n  c: True, /* c2 */ \"a/b\": null,\n  \"é\": -1.5e3\n}";
    let cases: &[(&str, Option<&str>)] = &[
        ("", Some(source.trim_start_matches('\u{feff}'))),
        ("/a", Some("[1, {\"b\": 'x'}, 3,]")),
        ("/a/0", Some("1")),
        ("/a/1/b", Some("'x'")),
        ("/a/2", Some("3")),
        ("/a/3", None),
        ("/a/01", None),
        ("/c", Some("True")),
        ("/a~1b", Some("null")),
        ("/é", Some("-1.5e3")),
        ("/missing", None),
        ("/c/0", None),
        ("no-slash", None),
    ];
    for (pointer, expected) in cases {
        assert_eq!(
            text_at(source, pointer).as_deref(),
            *expected,
            "{pointer:?}"
        );
    }
}

#[test]
fn key_span_and_line_col() {
    let source = "{\n  \"name\": \"ada\",\n  \"age\":  36\n}";
    let found = locate(source, "/age");
    let found = found.map(|f| {
        (
            f.value.line,
            f.value.column,
            f.key.map(|k| (k.line, k.column)),
        )
    });
    assert_eq!(found, Some((3, 11, Some((3, 3)))));
}

#[test]
fn last_duplicate_key_wins() {
    assert_eq!(text_at(r#"{"a": 1, "a": 2}"#, "/a").as_deref(), Some("2"));
}

#[test]
fn escaped_keys_match_their_decoded_form() {
    assert_eq!(
        text_at(r#"{"a\"b": 1, "\u00e9\ud83d\ude00": 2}"#, "/a\"b").as_deref(),
        Some("1")
    );
    assert_eq!(
        text_at(r#"{"a\"b": 1, "\u00e9\ud83d\ude00": 2}"#, "/é😀").as_deref(),
        Some("2")
    );
}

#[test]
fn line_col_counts_characters() {
    let source = "ab\nçd\r\nef";
    assert_eq!(line_col(source, 0), (1, 1));
    assert_eq!(line_col(source, 3), (2, 1));
    assert_eq!(line_col(source, 5), (2, 2)); // after the two-byte ç
    assert_eq!(line_col(source, 4), (2, 1)); // inside ç: clamped back
    assert_eq!(line_col(source, 8), (3, 1));
    assert_eq!(line_col(source, 9), (3, 2));
    assert_eq!(line_col(source, 999), (3, 3));
}

#[test]
fn deep_nesting_does_not_overflow() {
    let source = "[".repeat(200_000);
    assert_eq!(text_at(&source, "/0/0/0/1"), None);
    assert!(locate(&source, "").is_some());
}

fn every_pointer(value: &Value, here: String, out: &mut Vec<(String, Value)>) {
    out.push((here.clone(), value.clone()));
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                every_pointer(child, crate::pointer::push_key(&here, key), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                every_pointer(child, crate::pointer::push_index(&here, i), out);
            }
        }
        _ => {}
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(".{0,6}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn any_text_and_pointer_is_safe(source in "\\PC{0,64}", pointer in "(/[a-z0-9~]{0,3}){0,4}") {
        if let Some(found) = locate(&source, &pointer) {
            prop_assert!(found.value.start <= found.value.end && found.value.end <= source.len());
            prop_assert!(source.get(found.value.start..found.value.end).is_some());
        }
    }

    #[test]
    fn any_bytes_are_safe(bytes in prop::collection::vec(prop_oneof![Just(b'{'), Just(b'['), Just(b'"'), Just(b'\''), Just(b'/'), Just(b'*'), Just(b':'), Just(b','), Just(b'}'), Just(b']'), Just(b'\\'), Just(b'a'), Just(b' ')], 0..64)) {
        let source = String::from_utf8_lossy(&bytes).into_owned();
        for pointer in ["", "/a", "/0", "/a/0", "/0/a"] {
            let _ = locate(&source, pointer);
        }
    }

    #[test]
    fn every_pointer_of_printed_json_finds_its_value(value in arb_json(), pretty in any::<bool>()) {
        let source = if pretty { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) };
        let source = source.map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut pointers = Vec::new();
        every_pointer(&value, String::new(), &mut pointers);
        for (pointer, expected) in pointers {
            let text = text_at(&source, &pointer);
            // Compared after one trip through text: serde_json's float parsing is not exact.
            let reparse = |t: &str| serde_json::from_str::<Value>(t).ok();
            let expected = serde_json::to_string(&expected).ok().and_then(|t| reparse(&t));
            let parsed = text.as_deref().and_then(reparse);
            prop_assert_eq!(parsed, expected, "pointer {:?} in {}", pointer, source);
        }
    }
}
