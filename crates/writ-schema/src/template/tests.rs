use crate::{template, Schema};
use serde_json::{json, Value};

fn invoice() -> Value {
    json!({
        "title": "Invoice",
        "description": "One invoice as printed on the document.",
        "type": "object",
        "required": ["number", "issued", "lines", "currency"],
        "additionalProperties": false,
        "$defs": {
            "money": {"type": "number", "minimum": 0, "description": "Amount in the invoice currency."},
            "line": {
                "type": "object",
                "required": ["sku", "quantity", "unit_price"],
                "properties": {
                    "sku": {"type": "string", "minLength": 3, "maxLength": 12},
                    "quantity": {"type": "integer", "exclusiveMinimum": 0},
                    "unit_price": {"$ref": "#/$defs/money"}
                }
            }
        },
        "properties": {
            "number": {"type": "string", "description": "The invoice number, e.g. INV-0042.", "x-synonyms": ["invoice_no"]},
            "issued": {"type": "string", "format": "date"},
            "currency": {"enum": ["EUR", "USD", "GBP"], "default": "EUR"},
            "lines": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/line"}},
            "total": {"$ref": "#/$defs/money"},
            "paid": {"type": ["boolean", "null"]},
            "payer": {"anyOf": [{"type": "string"}, {"type": "object", "properties": {"name": {"type": "string"}}}]}
        }
    })
}

fn tree() -> Value {
    json!({
        "$defs": {"node": {"type": "object", "required": ["label"], "properties": {
            "label": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}
        }}},
        "$ref": "#/$defs/node"
    })
}

#[test]
fn invoice_template() {
    let t = template(&invoice());
    insta::assert_snapshot!(t.map(|t| t.text).unwrap_or_else(|d| format!("{d:?}")));
}

#[test]
fn recursive_template() {
    insta::assert_snapshot!(template(&tree())
        .map(|t| t.text)
        .unwrap_or_else(|d| format!("{d:?}")));
}

#[test]
fn scalar_and_array_roots() {
    let scalar = template(
        &json!({"type": "string", "format": "date-time", "description": "When it happened."}),
    );
    let list = template(
        &json!({"type": "array", "maxItems": 2, "items": {"type": "object", "properties": {"id": {"type": "integer"}}}}),
    );
    let text = [scalar, list]
        .into_iter()
        .map(|t| t.map(|t| t.text).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n---\n");
    insta::assert_snapshot!(text);
}

#[test]
fn examples_are_valid_and_end_the_text() {
    let schemas = [
        invoice(),
        tree(),
        json!({"type": "integer", "exclusiveMinimum": 5, "maximum": 7}),
        json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}),
        json!({"type": "string", "minLength": 8, "maxLength": 9}),
        json!({"type": "string", "maxLength": 2}),
        json!({"allOf": [{"type": "object", "properties": {"a": {"type": "integer"}}}, {"properties": {"b": {"const": 2}}}]}),
        json!({"type": "array", "minItems": 2, "items": {"type": "string", "format": "date"}}),
        json!({"oneOf": [{"type": "null"}, {"type": "integer", "minimum": 3}]}),
    ];
    for schema in schemas {
        let compiled = Schema::compile(&schema);
        let Ok(compiled) = compiled else {
            panic!("{schema} did not compile: {compiled:?}")
        };
        let t = compiled.template();
        assert_eq!(
            compiled.validate(&t.example),
            vec![],
            "example {} of {schema}",
            t.example
        );
        let pretty = serde_json::to_string_pretty(&t.example).unwrap_or_default();
        assert!(
            t.text.ends_with(&format!("```json\n{pretty}\n```\n")),
            "{}",
            t.text
        );
        // The template read back as a reply yields its own example.
        assert_eq!(
            compiled.parse_reply(&t.text).0,
            Some(t.example.clone()),
            "{schema}"
        );
    }
}
