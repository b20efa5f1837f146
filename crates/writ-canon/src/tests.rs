use super::*;
use proptest::prelude::*;
use serde_json::json;

#[test]
fn keys_are_sorted_and_whitespace_dropped() {
    let v = json!({"b": 1, "a": [true, null, "x"], "é": {"z": 0, "y": 1}});
    assert_eq!(
        canonical_value(&v).unwrap(),
        r#"{"a":[true,null,"x"],"b":1,"é":{"y":1,"z":0}}"#
    );
}

#[test]
fn numbers_follow_ecmascript_forms() {
    let cases: &[(f64, &str)] = &[
        (1.5, "1.5"),
        (100.0, "100"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (0.000001, "0.000001"),
        (0.0000001, "1e-7"),
        (-2.25, "-2.25"),
        (123456.789, "123456.789"),
        (-0.0, "0"),
    ];
    for (f, want) in cases {
        let n = serde_json::Number::from_f64(*f).unwrap();
        let mut out = String::new();
        write_number(&n, &mut out).unwrap();
        assert_eq!(&out, want, "for {f}");
    }
}

#[test]
fn strings_escape_minimally() {
    let v = json!("a\"b\\c\nd\u{1}é");
    assert_eq!(canonical_value(&v).unwrap(), "\"a\\\"b\\\\c\\nd\\u0001é\"");
}

#[test]
fn hash_display_round_trips() {
    let h = hash_of(&json!({"x": 1})).unwrap();
    let shown = h.to_string();
    assert!(shown.starts_with("b3:") && shown.len() == 67);
    assert_eq!(ContentHash::parse(&shown).unwrap(), h);
    assert!(ContentHash::parse("b3:xyz").is_err());
    assert!(ContentHash::parse(&shown.to_uppercase()).is_err());
}

#[test]
fn known_hash_is_stable() {
    // Pinned so that a change of encoding, which would silently re-key every stored artifact, fails here.
    let h = hash_of(&json!({"b": [1, 2.5, "x"], "a": null})).unwrap();
    assert_eq!(
        canonical_value(&json!({"b": [1, 2.5, "x"], "a": null})).unwrap(),
        r#"{"a":null,"b":[1,2.5,"x"]}"#
    );
    assert_eq!(h, ContentHash::of_bytes(br#"{"a":null,"b":[1,2.5,"x"]}"#));
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        (-1e12f64..1e12).prop_map(|f| json!(f)),
        "[a-zA-Z0-9 \\\\\"é\u{1}]{0,8}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-zé]{0,4}", inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn canonical_text_parses_back_to_the_same_value(v in arb_json()) {
        let text = canonical_value(&v).unwrap();
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(canonical_value(&back).unwrap(), text);
    }
}

proptest! {
    #[test]
    fn direct_serializer_equals_the_value_path(v in arb_json()) {
        let via_value = canonical_value(&v).unwrap();
        prop_assert_eq!(to_canonical_string(&v).unwrap(), via_value);
    }
}

#[derive(serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Tagged {
    Unit,
    Fields {
        b: u8,
        a: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
    },
    Newtype(Vec<f64>),
}

#[derive(serde::Serialize)]
enum External {
    Tuple(u8, String),
    Struct { z: bool, y: f32 },
    Newtype(std::collections::BTreeMap<u32, &'static str>),
}

#[test]
fn structs_enums_and_maps_match_serde_json() {
    let values: Vec<Box<dyn erased::Ser>> = vec![
        Box::new(Tagged::Unit),
        Box::new(Tagged::Fields {
            b: 7,
            a: None,
            skipped: None,
        }),
        Box::new(vec![
            External::Tuple(1, "x".into()),
            External::Struct { z: true, y: 1.5 },
        ]),
        Box::new(External::Newtype(
            [(10, "ten"), (2, "two")].into_iter().collect(),
        )),
        Box::new((f64::NAN, 'c', b"ab".to_vec(), ())),
    ];
    for v in values {
        let value = serde_json::to_value(v.as_ser()).unwrap();
        assert_eq!(v.canonical(), canonical_value(&value).unwrap());
    }
}

/// A tiny object-safe wrapper so the table can hold values of different types.
mod erased {
    pub trait Ser {
        fn canonical(&self) -> String;
        fn as_ser(&self) -> &dyn erased_helper::Dyn;
    }
    pub mod erased_helper {
        pub trait Dyn {
            fn to_json(&self) -> serde_json::Value;
        }
        impl serde::Serialize for dyn Dyn + '_ {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.to_json().serialize(s)
            }
        }
        impl<T: serde::Serialize> Dyn for T {
            fn to_json(&self) -> serde_json::Value {
                serde_json::to_value(self).unwrap()
            }
        }
    }
    impl<T: serde::Serialize> Ser for T {
        fn canonical(&self) -> String {
            crate::to_canonical_string(self).unwrap()
        }
        fn as_ser(&self) -> &dyn erased_helper::Dyn {
            self
        }
    }
}
