//! A small JSON Schema checker (the subset packs use: type, enum, const, required, properties,
//! additionalProperties, items, min/max items, length and value bounds, pattern, format `date`, allOf, anyOf),
//! standing in until `writ-schema` is wired in through [`SchemaCheck`].

use serde_json::Value;

use crate::diag::{self, Diagnostic};
use crate::patch::{child, index_child};
use crate::schema::{self, SchemaCheck};

#[derive(Debug, Clone, Copy, Default)]
pub struct MinimalSchemaCheck;

impl SchemaCheck for MinimalSchemaCheck {
    fn check(&self, schema: &Value, value: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        check_node(schema, schema, value, "", &mut out, 0);
        out
    }
}

const MAX_DEPTH: usize = 128;

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "integer" => value.as_f64().is_some_and(|n| n.fract() == 0.0),
        "number" => value.is_number(),
        other => type_name(value) == other,
    }
}

fn fail(out: &mut Vec<Diagnostic>, pointer: &str, message: String) {
    out.push(diag::error(diag::SCHEMA_VIOLATION, pointer, message));
}

fn check_node(
    root: &Value,
    schema: &Value,
    value: &Value,
    pointer: &str,
    out: &mut Vec<Diagnostic>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        out.push(diag::error(
            diag::SCHEMA_UNSUPPORTED,
            pointer,
            "schema nesting is too deep to check",
        ));
        return;
    }
    let schema = schema::resolve(root, schema);
    if schema == &Value::Bool(false) {
        fail(out, pointer, "no value is allowed here".into());
        return;
    }
    let types = schema::types(schema);
    if !types.is_empty() && !types.iter().any(|t| has_type(value, t)) {
        fail(
            out,
            pointer,
            format!(
                "expected {}, found {}",
                types.join(" or "),
                type_name(value)
            ),
        );
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            fail(
                out,
                pointer,
                format!("{value} is not one of the allowed values"),
            );
        }
    }
    if let Some(constant) = schema.get("const") {
        if constant != value {
            fail(out, pointer, format!("expected the constant {constant}"));
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for sub in all {
            check_node(root, sub, value, pointer, out, depth + 1);
        }
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        let ok = any.iter().any(|sub| {
            let mut scratch = Vec::new();
            check_node(root, sub, value, pointer, &mut scratch, depth + 1);
            scratch.is_empty()
        });
        if !ok {
            fail(
                out,
                pointer,
                "matches none of the anyOf alternatives".into(),
            );
        }
    }
    match value {
        Value::Object(map) => {
            for key in schema::required(schema) {
                if !map.contains_key(key) {
                    fail(
                        out,
                        &child(pointer, key),
                        format!("required field `{key}` is missing"),
                    );
                }
            }
            let props = schema::properties(schema);
            for (key, child_value) in map {
                let at = child(pointer, key);
                match props.and_then(|p| p.get(key)) {
                    Some(child_schema) => {
                        check_node(root, child_schema, child_value, &at, out, depth + 1)
                    }
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            fail(out, &at, format!("field `{key}` is not in the schema"))
                        }
                        Some(extra @ Value::Object(_)) => {
                            check_node(root, extra, child_value, &at, out, depth + 1)
                        }
                        _ => {}
                    },
                }
            }
        }
        Value::Array(list) => {
            let len = list.len() as u64;
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64) {
                if len < min {
                    fail(
                        out,
                        pointer,
                        format!("{len} items, at least {min} expected"),
                    );
                }
            }
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64) {
                if len > max {
                    fail(out, pointer, format!("{len} items, at most {max} expected"));
                }
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in list.iter().enumerate() {
                    check_node(
                        root,
                        item_schema,
                        item,
                        &index_child(pointer, i),
                        out,
                        depth + 1,
                    );
                }
            }
        }
        Value::String(text) => {
            let chars = text.chars().count() as u64;
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
                if chars < min {
                    fail(out, pointer, format!("shorter than {min} characters"));
                }
            }
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
                if chars > max {
                    fail(out, pointer, format!("longer than {max} characters"));
                }
            }
            if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
                match crate::schema::compiled(pattern) {
                    Ok(re) if re.is_match(text) => {}
                    Ok(_) => fail(
                        out,
                        pointer,
                        format!("{text:?} does not match the pattern `{pattern}`"),
                    ),
                    Err(_) => out.push(diag::error(
                        diag::SCHEMA_UNSUPPORTED,
                        pointer,
                        format!("the pattern `{pattern}` cannot be compiled"),
                    )),
                }
            }
            if schema.get("format").and_then(Value::as_str) == Some("date")
                && crate::dates::parse_iso(text).is_none()
            {
                fail(
                    out,
                    pointer,
                    format!("{text:?} is not an ISO date (YYYY-MM-DD)"),
                );
            }
        }
        Value::Number(n) => {
            if let Some(x) = n.as_f64() {
                if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
                    if x < min {
                        fail(out, pointer, format!("{x} is below the minimum {min}"));
                    }
                }
                if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
                    if x > max {
                        fail(out, pointer, format!("{x} is above the maximum {max}"));
                    }
                }
            }
        }
        _ => {}
    }
}
