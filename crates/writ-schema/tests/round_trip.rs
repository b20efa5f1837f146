//! Schema → generated valid value → template → a reply a model might write → parse_reply gives the value back
//! exactly; a truncated reply gives diagnostics instead.

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use serde_json::{json, Map, Value};
use writ_schema::{Format, JsonType, Node, Schema};

fn schemas() -> Vec<Value> {
    vec![
        json!({
            "type": "object",
            "required": ["name", "age", "role"],
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 20},
                "age": {"type": "integer", "minimum": 0, "maximum": 150},
                "role": {"enum": ["admin", "user", "guest"]},
                "born": {"type": "string", "format": "date"},
                "seen": {"type": "string", "format": "date-time"},
                "score": {"type": "number"},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 4},
                "address": {"type": "object", "required": ["city"], "properties": {
                    "city": {"type": "string"}, "zip": {"type": ["string", "null"]}
                }}
            }
        }),
        json!({
            "type": "object",
            "required": ["lines"],
            "$defs": {"line": {"type": "object", "required": ["sku", "qty"], "additionalProperties": false, "properties": {
                "sku": {"type": "string"}, "qty": {"type": "integer", "exclusiveMinimum": 0}, "note": {"anyOf": [{"type": "string"}, {"type": "null"}]}
            }}},
            "properties": {
                "lines": {"type": "array", "minItems": 1, "maxItems": 5, "items": {"$ref": "#/$defs/line"}},
                "paid": {"type": "boolean"},
                "meta": {"type": "object", "additionalProperties": {"type": "integer"}}
            }
        }),
        json!({"type": "array", "items": {"type": "object", "required": ["k"], "properties": {"k": {"type": "string"}, "v": {"type": "number"}}}, "maxItems": 6}),
        json!({
            "$defs": {"node": {"type": "object", "required": ["label"], "properties": {
                "label": {"type": "string"},
                "children": {"type": "array", "maxItems": 3, "items": {"$ref": "#/$defs/node"}}
            }}},
            "$ref": "#/$defs/node",
            "type": "object"
        }),
        json!({"type": "string", "format": "date"}),
        json!({"type": ["integer", "null"], "minimum": -5, "maximum": 5}),
    ]
}

/// Text that stresses the reader but cannot end a code fence.
fn text(min: usize, max: usize) -> BoxedStrategy<String> {
    prop::collection::vec(
        prop_oneof![
            6 => prop::char::range('a', 'z'),
            1 => Just('"'), 1 => Just('\''), 1 => Just('\\'), 1 => Just('\n'), 1 => Just(' '),
            1 => Just('é'), 1 => Just('😀'), 1 => Just('{'), 1 => Just(']'), 1 => Just('/'), 1 => Just('*'),
        ],
        min..=max,
    )
    .prop_map(|chars| chars.into_iter().collect())
    .boxed()
}

fn date() -> BoxedStrategy<String> {
    (1900u32..2100, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
        .boxed()
}

/// Valid values for `node`. Optional properties and array items stop after `depth` levels of `$ref`.
fn valid(schema: &Schema, node: &Node, depth: u32) -> BoxedStrategy<Value> {
    if let Some(values) = &node.enumeration {
        return prop::sample::select(values.clone()).boxed();
    }
    if let Some(reference) = &node.reference {
        return match schema.resolve(reference) {
            Some(target) => valid(schema, target, depth + 1),
            None => Just(Value::Null).boxed(),
        };
    }
    if !node.any_of.is_empty() {
        let branches: Vec<BoxedStrategy<Value>> = node
            .any_of
            .iter()
            .map(|b| valid(schema, b, depth))
            .collect();
        return prop::strategy::Union::new(branches).boxed();
    }
    let types = if node.types.is_empty() {
        vec![JsonType::Object]
    } else {
        node.types.clone()
    };
    let per_type: Vec<BoxedStrategy<Value>> = types
        .iter()
        .map(|t| of_type(schema, node, *t, depth))
        .collect();
    prop::strategy::Union::new(per_type).boxed()
}

fn of_type(schema: &Schema, node: &Node, t: JsonType, depth: u32) -> BoxedStrategy<Value> {
    match t {
        JsonType::Null => Just(Value::Null).boxed(),
        JsonType::Boolean => any::<bool>().prop_map(Value::Bool).boxed(),
        JsonType::Integer => {
            let low = node
                .minimum
                .map(|m| m as i64)
                .or(node.exclusive_minimum.map(|m| m as i64 + 1))
                .unwrap_or(i64::MIN / 2);
            let high = node.maximum.map(|m| m as i64).unwrap_or(i64::MAX / 2);
            (low..=high).prop_map(Value::from).boxed()
        }
        JsonType::Number => any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number))
            .boxed(),
        JsonType::String => match node.format {
            Some(Format::Date) => date().prop_map(Value::String).boxed(),
            Some(Format::DateTime) => (date(), 0u32..24, 0u32..60)
                .prop_map(|(d, h, m)| Value::String(format!("{d}T{h:02}:{m:02}:00Z")))
                .boxed(),
            None => {
                let min = node.min_length.unwrap_or(0) as usize;
                let max = node.max_length.map_or(12, |m| m as usize);
                text(min, max).prop_map(Value::String).boxed()
            }
        },
        JsonType::Array => {
            let min = node.min_items.unwrap_or(0) as usize;
            let max = if depth > 2 {
                min
            } else {
                node.max_items.map_or(4, |m| m as usize)
            };
            if max == 0 {
                // Built lazily: a recursive schema's items would otherwise expand forever.
                return Just(Value::Array(Vec::new())).boxed();
            }
            let item = node
                .items
                .as_deref()
                .map_or(Just(Value::Null).boxed(), |items| {
                    valid(schema, items, depth)
                });
            prop::collection::vec(item, min..=max)
                .prop_map(Value::Array)
                .boxed()
        }
        JsonType::Object => {
            let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
            for (name, child) in &node.properties {
                let required = node.required.contains(name);
                if !required && depth > 2 {
                    continue;
                }
                let name = name.clone();
                let value = valid(schema, child, depth).prop_map(move |v| Some((name.clone(), v)));
                if required {
                    fields.push(value.boxed());
                } else {
                    fields.push(prop_oneof![Just(None), value].boxed());
                }
            }
            let extra = match &node.additional {
                writ_schema::Additional::Schema(values) if depth <= 2 => {
                    prop::collection::vec((text(1, 6), valid(schema, values, depth)), 0..3).boxed()
                }
                _ => Just(Vec::new()).boxed(),
            };
            let declared: Vec<String> = node.properties.iter().map(|(n, _)| n.clone()).collect();
            (fields, extra)
                .prop_map(move |(fields, extra)| {
                    let mut map = Map::new();
                    for (k, v) in extra.into_iter().filter(|(k, _)| !declared.contains(k)) {
                        map.insert(k, v);
                    }
                    for (k, v) in fields.into_iter().flatten() {
                        map.insert(k, v);
                    }
                    Value::Object(map)
                })
                .boxed()
        }
    }
}

/// How the model wrote its JSON.
#[derive(Debug, Clone, Copy)]
struct Style {
    pretty: bool,
    trailing_commas: bool,
    comments: bool,
    bare_keys: bool,
    single_quotes: bool,
    python_literals: bool,
}

fn style() -> impl Strategy<Value = Style> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(pretty, trailing_commas, comments, bare_keys, single_quotes, python_literals)| {
                Style {
                    pretty,
                    trailing_commas,
                    comments,
                    bare_keys,
                    single_quotes,
                    python_literals,
                }
            },
        )
}

fn quote(text: &str, style: Style) -> String {
    let json = Value::from(text).to_string();
    if !style.single_quotes {
        return json;
    }
    // Re-quote: the body keeps JSON's escapes except that `"` is plain and `'` is escaped.
    let body = json.get(1..json.len() - 1).unwrap_or("");
    format!("'{}'", body.replace("\\\"", "\"").replace('\'', "\\'"))
}

fn write(value: &Value, style: Style, indent: usize, out: &mut String) {
    let (nl, pad, inner) = if style.pretty {
        (
            "\n".to_owned(),
            "  ".repeat(indent),
            "  ".repeat(indent + 1),
        )
    } else {
        (String::new(), String::new(), String::new())
    };
    match value {
        Value::Null => out.push_str(if style.python_literals {
            "None"
        } else {
            "null"
        }),
        Value::Bool(b) => out.push_str(match (b, style.python_literals) {
            (true, true) => "True",
            (false, true) => "False",
            (true, false) => "true",
            (false, false) => "false",
        }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&quote(s, style)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(&nl);
                out.push_str(&inner);
                write(item, style, indent + 1, out);
                if i + 1 < items.len() || style.trailing_commas {
                    out.push(',');
                }
            }
            if !items.is_empty() {
                out.push_str(&nl);
                out.push_str(&pad);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                out.push_str(&nl);
                out.push_str(&inner);
                if style.comments {
                    out.push_str("/* field */ ");
                }
                let bare = style.bare_keys
                    && !key.is_empty()
                    && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if bare {
                    out.push_str(key);
                } else {
                    out.push_str(&quote(key, style));
                }
                out.push_str(": ");
                write(item, style, indent + 1, out);
                if i + 1 < map.len() || style.trailing_commas {
                    out.push(',');
                }
                if style.comments && style.pretty {
                    out.push_str(" // ok");
                }
            }
            if !map.is_empty() {
                out.push_str(&nl);
                out.push_str(&pad);
            }
            out.push('}');
        }
    }
}

const PROSE_BEFORE: &[&str] = &[
    "",
    "Here is the filled template:\n\n",
    "Sure. I read the invoice carefully.\n",
];
const PROSE_AFTER: &[&str] = &["", "\n\nLet me know if anything is missing.", "\nDone."];
const FENCES: &[(&str, &str)] = &[
    ("```json\n", "\n```"),
    ("```\n", "\n```"),
    ("~~~json\n", "\n~~~"),
    ("", ""),
];

fn compiled(index: usize) -> Result<Schema, TestCaseError> {
    let schema = schemas().get(index).cloned().unwrap_or(Value::Null);
    Schema::compile(&schema)
        .map_err(|d| TestCaseError::fail(format!("{schema} does not compile: {d:?}")))
}

fn case() -> impl Strategy<Value = (usize, Value, Style, usize, usize, usize)> {
    (0..schemas().len()).prop_flat_map(|index| {
        let value = match Schema::compile(schemas().get(index).unwrap_or(&Value::Null)) {
            Ok(schema) => valid(&schema, &schema.root, 0),
            Err(_) => Just(Value::Null).boxed(),
        };
        (
            Just(index),
            value,
            style(),
            0..PROSE_BEFORE.len(),
            0..FENCES.len(),
            0..PROSE_AFTER.len(),
        )
    })
}

fn reply_for(
    value: &Value,
    style: Style,
    before: usize,
    fence: usize,
    after: usize,
    scalar_root: bool,
) -> String {
    let mut json = String::new();
    write(value, style, 0, &mut json);
    let (open, close) = FENCES.get(fence).copied().unwrap_or(("", ""));
    // Unfenced, the reader looks for the first bracket (prose has none) or, for a scalar, the whole reply.
    let (before, after) = if open.is_empty() && scalar_root {
        ("", "")
    } else {
        (
            PROSE_BEFORE.get(before).copied().unwrap_or(""),
            PROSE_AFTER.get(after).copied().unwrap_or(""),
        )
    };
    format!("{before}{open}{json}{close}{after}")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn filled_replies_read_back_exactly((index, value, style, before, fence, after) in case()) {
        let schema = compiled(index)?;
        prop_assert_eq!(schema.validate(&value), vec![], "generated value {} is invalid", value);
        let template = schema.template();
        prop_assert!(template.text.ends_with("```\n"));
        let scalar_root = !matches!(value, Value::Object(_) | Value::Array(_));
        let reply = reply_for(&value, style, before, fence, after, scalar_root);
        let (parsed, diagnostics) = schema.parse_reply(&reply);
        prop_assert_eq!(diagnostics, vec![], "reply:\n{}", reply);
        prop_assert_eq!(parsed, Some(value), "reply:\n{}", reply);
    }

    #[test]
    fn truncated_replies_give_located_errors((index, value, style, before, fence, after) in case(), cut in any::<prop::sample::Index>()) {
        let schema = compiled(index)?;
        prop_assume!(matches!(value, Value::Object(_) | Value::Array(_)));
        let mut json = String::new();
        write(&value, style, 0, &mut json);
        // Cut strictly inside the value, on a character boundary, so its closing bracket is gone.
        let boundaries: Vec<usize> = json.char_indices().map(|(i, _)| i).filter(|i| *i > 0).collect();
        prop_assume!(!boundaries.is_empty());
        let at = boundaries.get(cut.index(boundaries.len())).copied().unwrap_or(1);
        let truncated = json.get(..at).unwrap_or("");
        let (open, _) = FENCES.get(fence).copied().unwrap_or(("", ""));
        let before = PROSE_BEFORE.get(before).copied().unwrap_or("");
        let _ = after; // prose after a cut-off value would be read as part of it
        let reply = format!("{before}{open}{truncated}");
        let (parsed, diagnostics) = schema.parse_reply(&reply);
        prop_assert!(parsed != Some(value.clone()), "reply:\n{}", reply);
        prop_assert!(diagnostics.iter().any(|d| d.is_error()), "reply:\n{}", reply);
        for d in &diagnostics {
            if let Some(span) = d.span {
                prop_assert!(span.end <= reply.len());
            }
        }
    }
}
