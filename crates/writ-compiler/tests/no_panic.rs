//! The compiler never panics: on arbitrary bytes, arbitrary JSON, and templates with a value replaced.

mod common;

use proptest::prelude::*;
use serde_json::Value;
use writ_compiler::{compile, compile_value};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-z_.]{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "run.rows",
            "total.summary",
            "table.csv",
            "code",
            "provenance",
            "ps-1-x",
            "run"
        ])
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "objective",
                    "domain",
                    "workflow",
                    "policy",
                    "inputs",
                    "steps",
                    "id",
                    "intent",
                    "kind",
                    "outputs",
                    "slot",
                    "from",
                    "fan_out",
                    "over",
                    "shard_size",
                    "publish",
                    "name",
                    "budgets",
                    "tokens",
                    "x",
                ]),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

/// Every pointer to a value inside `v`.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, x)| pointers(x, format!("{at}/{i}"), out)),
        Value::Object(map) => map.iter().for_each(|(k, x)| {
            pointers(
                x,
                format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                out,
            )
        }),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        let compiled = compile(&text, common::catalog(), &common::profile());
        prop_assert!(compiled.frozen.is_some() || compiled.has_errors());
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        let compiled = compile_value(&value, common::catalog(), &common::profile());
        prop_assert!(compiled.frozen.is_some() || compiled.has_errors());
        let text = value.to_string();
        let again = compile(&text, common::catalog(), &common::profile());
        prop_assert_eq!(compiled.codes(), again.codes());
    }

    #[test]
    fn a_template_with_one_value_replaced_never_panics(pick in any::<prop::sample::Index>(), replacement in json_value()) {
        let catalog = common::catalog();
        let t = catalog.template("billing-audit").expect("template");
        let mut value = serde_json::to_value(&t.plan).expect("json");
        let mut all = Vec::new();
        pointers(&value, String::new(), &mut all);
        let target = pick.get(&all).clone();
        if let Some(slot) = value.pointer_mut(&target) {
            *slot = replacement;
        }
        let compiled = compile_value(&value, catalog, &common::profile());
        // Whatever is wrong is reported, with a pointer into the candidate.
        prop_assert!(compiled.frozen.is_some() || compiled.has_errors());
        if let Some(plan) = &compiled.frozen {
            prop_assert!(plan.verify().is_empty());
        }
    }
}
