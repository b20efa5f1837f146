//! Event encoding: tags, round trips through the stored canonical text, money as exact decimals.

mod common;

use common::*;
use proptest::prelude::*;
use writ_ledger::*;

#[test]
fn every_kind_round_trips_through_its_canonical_text() {
    for i in 0..19 {
        let event = sample_event(i);
        let text = writ_canon::to_canonical_string(&event).unwrap();
        let back: LedgerEvent = serde_json::from_str(&text).unwrap();
        assert_eq!(back, event);
        assert_eq!(writ_canon::to_canonical_string(&back).unwrap(), text);
        let tag = serde_json::from_str::<serde_json::Value>(&text).unwrap()["type"]
            .as_str()
            .map(str::to_string);
        assert_eq!(tag.as_deref(), Some(event.kind()));
    }
}

#[test]
fn event_tags_and_shapes() {
    let shown: Vec<String> = (0..19)
        .map(|i| writ_canon::to_canonical_string(&sample_event(i)).unwrap())
        .collect();
    insta::assert_snapshot!("event_shapes", shown.join("\n"));
}

#[test]
fn usd_amounts_have_one_spelling() {
    let cases: &[(&str, bool)] = &[
        ("0", true),
        ("0.0042", true),
        ("12.5", true),
        ("1500", true),
        ("", false),
        ("-1", false),
        ("+1", false),
        ("1.50", false),
        ("007", false),
        ("1.", false),
        (".5", false),
        ("1e-3", false),
        ("0.1 ", false),
    ];
    for (text, ok) in cases {
        assert_eq!(UsdAmount::parse(text).is_ok(), *ok, "{text:?}");
    }
    let float_cost = r#"{"type":"tool_call","tool":"t","args_hash":"b3:0000000000000000000000000000000000000000000000000000000000000000","result_hash":"b3:0000000000000000000000000000000000000000000000000000000000000000","ok":true,"cost_usd":0.5}"#;
    assert!(serde_json::from_str::<LedgerEvent>(float_cost).is_err());
    assert!(serde_json::from_str::<LedgerEvent>(r#"{"type":"no_such_event"}"#).is_err());
}

proptest! {
    #[test]
    fn notes_with_any_text_round_trip(text in any::<String>()) {
        let event = LedgerEvent::Note { text };
        let canonical = writ_canon::to_canonical_string(&event).unwrap();
        let back: LedgerEvent = serde_json::from_str(&canonical).unwrap();
        prop_assert_eq!(back, event);
    }
}
