use crate::codes::*;
use crate::validate;
use serde_json::{json, Value};
use writ_diag::Code;

fn found(schema: Value, value: Value) -> Vec<(Code, String)> {
    validate(&schema, &value)
        .into_iter()
        .map(|d| (d.code, d.pointer.unwrap_or_default()))
        .collect()
}

fn at(code: Code, pointer: &str) -> (Code, String) {
    (code, pointer.to_owned())
}

#[test]
fn table_of_violations() {
    type Case = (Value, Value, Vec<(Code, String)>);
    let cases: Vec<Case> = vec![
        (json!({"type": "integer"}), json!(3), vec![]),
        (json!({"type": "integer"}), json!(3.0), vec![]),
        (
            json!({"type": "integer"}),
            json!(3.5),
            vec![at(TYPE_MISMATCH, "")],
        ),
        (json!({"type": ["string", "null"]}), json!(null), vec![]),
        (
            json!({"type": ["string", "null"]}),
            json!(1),
            vec![at(TYPE_MISMATCH, "")],
        ),
        (json!({"enum": ["a", 1]}), json!(1.0), vec![]),
        (
            json!({"enum": ["a", 1]}),
            json!("b"),
            vec![at(NOT_IN_ENUM, "")],
        ),
        (json!({"const": {"k": [1]}}), json!({"k": [1]}), vec![]),
        (
            json!({"const": {"k": [1]}}),
            json!({"k": [2]}),
            vec![at(CONST_MISMATCH, "")],
        ),
        (
            json!({"minimum": 0, "maximum": 10}),
            json!(-1),
            vec![at(NUMBER_OUT_OF_RANGE, "")],
        ),
        (
            json!({"exclusiveMinimum": 0, "exclusiveMaximum": 1}),
            json!(1),
            vec![at(NUMBER_OUT_OF_RANGE, "")],
        ),
        (
            json!({"minLength": 2, "maxLength": 3}),
            json!("é"),
            vec![at(LENGTH_OUT_OF_RANGE, "")],
        ),
        (
            json!({"minLength": 2, "maxLength": 3}),
            json!("éüö"),
            vec![],
        ),
        (json!({"pattern": "^[A-Z]{3}$"}), json!("EUR"), vec![]),
        (
            json!({"pattern": "^[A-Z]{3}$"}),
            json!("eur"),
            vec![at(PATTERN_MISMATCH, "")],
        ),
        (
            json!({"format": "date"}),
            json!("2024-02-30"),
            vec![at(FORMAT_MISMATCH, "")],
        ),
        (
            json!({"format": "date-time"}),
            json!("2024-02-01T10:00:00Z"),
            vec![],
        ),
        (
            json!({"minItems": 1, "items": {"type": "string"}}),
            json!([]),
            vec![at(ITEM_COUNT_OUT_OF_RANGE, "")],
        ),
        (
            json!({"items": {"type": "string"}}),
            json!(["a", 1, "b", null]),
            vec![at(TYPE_MISMATCH, "/1"), at(TYPE_MISMATCH, "/3")],
        ),
        (
            json!({"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "string"}}, "additionalProperties": false}),
            json!({"a": 1, "c/d": true}),
            vec![
                at(MISSING_REQUIRED, ""),
                at(TYPE_MISMATCH, "/a"),
                at(PROPERTY_NOT_ALLOWED, "/c~1d"),
            ],
        ),
        (
            json!({"additionalProperties": {"type": "number"}}),
            json!({"x": 1, "y": "2"}),
            vec![at(TYPE_MISMATCH, "/y")],
        ),
        (
            json!({"anyOf": [{"type": "string"}, {"type": "integer"}]}),
            json!(true),
            vec![at(NO_ALTERNATIVE_MATCHES, "")],
        ),
        (
            json!({"oneOf": [{"type": "number"}, {"type": "integer"}]}),
            json!(2),
            vec![at(SEVERAL_ALTERNATIVES_MATCH, "")],
        ),
        (
            json!({"oneOf": [{"type": "number"}, {"type": "integer"}]}),
            json!(2.5),
            vec![],
        ),
        (
            json!({"allOf": [{"minimum": 1}, {"maximum": 0}]}),
            json!(0.5),
            vec![at(NUMBER_OUT_OF_RANGE, ""), at(NUMBER_OUT_OF_RANGE, "")],
        ),
        (
            json!({"$defs": {"pos": {"type": "integer", "minimum": 1}}, "properties": {"n": {"$ref": "#/$defs/pos"}}}),
            json!({"n": 0}),
            vec![at(NUMBER_OUT_OF_RANGE, "/n")],
        ),
        (
            json!({"type": "object", "properties": {"next": {"$ref": "#"}, "v": {"type": "integer"}}}),
            json!({"next": {"next": {"v": "x"}}}),
            vec![at(TYPE_MISMATCH, "/next/next/v")],
        ),
        (
            json!({"propertyNames": {"enum": ["A", "B"]}, "x-kind": "object.json", "x-columns": ["A"]}),
            json!({"A": 1, "C": 2}),
            vec![at(NOT_IN_ENUM, "/C")],
        ),
        (
            json!({"properties": {"x": false}}),
            json!({"x": 1}),
            vec![at(NOTHING_ALLOWED, "/x")],
        ),
        (
            json!({"$defs": {"loop": {"$ref": "#/$defs/loop"}}, "$ref": "#/$defs/loop"}),
            json!(1),
            vec![at(TOO_DEEP, "")],
        ),
        (
            json!({"description": "d", "title": "t", "default": 1, "examples": [1], "x-synonyms": ["n"], "$comment": "c"}),
            json!("any"),
            vec![],
        ),
    ];
    for (schema, value, expected) in cases {
        assert_eq!(
            found(schema.clone(), value.clone()),
            expected,
            "{schema} / {value}"
        );
    }
}

#[test]
fn table_of_schema_errors() {
    let cases: Vec<(Value, Vec<(Code, String)>)> = vec![
        (
            json!({"patternProperties": {}}),
            vec![at(UNSUPPORTED_KEYWORD, "/patternProperties")],
        ),
        (
            json!({"definitions": {}}),
            vec![at(UNSUPPORTED_KEYWORD, "/definitions")],
        ),
        (
            json!({"format": "email"}),
            vec![at(UNSUPPORTED_KEYWORD, "/format")],
        ),
        (
            json!({"items": [{}]}),
            vec![at(UNSUPPORTED_KEYWORD, "/items")],
        ),
        (
            json!({"$ref": "other.json#/x"}),
            vec![at(UNSUPPORTED_KEYWORD, "/$ref")],
        ),
        (
            json!({"properties": {"a": {"$defs": {}}}}),
            vec![at(UNSUPPORTED_KEYWORD, "/properties/a/$defs")],
        ),
        (
            json!({"type": "text"}),
            vec![at(MALFORMED_KEYWORD, "/type")],
        ),
        (
            json!({"type": ["string", 3]}),
            vec![at(MALFORMED_KEYWORD, "/type/1")],
        ),
        (
            json!({"required": "a"}),
            vec![at(MALFORMED_KEYWORD, "/required")],
        ),
        (
            json!({"pattern": "("}),
            vec![at(MALFORMED_KEYWORD, "/pattern")],
        ),
        (json!({"x-kind": 3}), vec![at(MALFORMED_KEYWORD, "/x-kind")]),
        (
            json!({"minLength": -1}),
            vec![at(MALFORMED_KEYWORD, "/minLength")],
        ),
        (json!({"enum": []}), vec![at(MALFORMED_KEYWORD, "/enum")]),
        (json!({"oneOf": {}}), vec![at(MALFORMED_KEYWORD, "/oneOf")]),
        (json!(3), vec![at(MALFORMED_KEYWORD, "")]),
        (
            json!({"$ref": "#/$defs/missing"}),
            vec![at(UNRESOLVED_REF, "/$ref")],
        ),
        (
            json!({"properties": {"a": {"typ": "string", "minimum": "1"}}}),
            vec![
                at(UNSUPPORTED_KEYWORD, "/properties/a/typ"),
                at(MALFORMED_KEYWORD, "/properties/a/minimum"),
            ],
        ),
    ];
    for (schema, expected) in cases {
        assert_eq!(found(schema.clone(), json!(null)), expected, "{schema}");
    }
}

#[test]
fn messages_say_expected_and_found() {
    let schema = json!({
        "type": "object",
        "required": ["id", "amount", "currency"],
        "additionalProperties": false,
        "properties": {
            "id": {"type": "string", "pattern": "^INV-[0-9]+$"},
            "amount": {"type": "number", "minimum": 0},
            "currency": {"enum": ["EUR", "USD"]},
            "due": {"type": "string", "format": "date"},
            "lines": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["sku"], "properties": {"sku": {"type": "string"}}}},
            "amount_total": {"type": "number", "x-synonyms": ["total"]},
            "payer": {"anyOf": [{"type": "string"}, {"type": "object", "required": ["name"]}]}
        }
    });
    let value = json!({
        "id": "inv-7", "amount": -3, "currency": "GBP", "due": "31/01/2025",
        "lines": [{"qty": 1}], "total": 3, "payer": {"nom": "x"}
    });
    let lines: Vec<String> = validate(&schema, &value)
        .iter()
        .map(|d| {
            let mut line = format!(
                "{} {} {}",
                d.code,
                d.pointer.as_deref().unwrap_or("-"),
                d.message
            );
            for extra in d.help.iter().chain(&d.notes) {
                line.push_str(&format!("\n    {extra}"));
            }
            line
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}
