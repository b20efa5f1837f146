//! Generators shared by the crate's property tests.

use proptest::prelude::*;
use serde_json::Value;

/// Strings with the characters that stress a JSON reader: quotes, backslashes, line breaks, non-ASCII.
pub(crate) fn arb_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::char::range('a', 'z'),
            1 => Just('"'),
            1 => Just('\''),
            1 => Just('\\'),
            1 => Just('\n'),
            1 => Just(' '),
            1 => Just('é'),
            1 => Just('😀'),
            1 => Just('{'),
            1 => Just('/'),
            1 => Just('\u{1}'),
        ],
        0..12,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

pub(crate) fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        arb_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((arb_text(), inner), 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
