//! The plan candidate's shape, checked on the JSON value before deserialising it, so that every unknown
//! field, wrong type and missing field is reported at once (serde stops at the first).

use crate::codes;
use crate::suggest;
use serde_json::Value;
use writ_diag::pointer::{push_index, push_key};
use writ_diag::Diagnostic;

pub enum Shape {
    Str,
    Bool,
    /// A non-negative integer no larger than the bound.
    Uint(u64),
    Number,
    Enum(&'static [&'static str]),
    Array(&'static Shape),
    /// An object with arbitrary keys, each value of one shape.
    Map(&'static Shape),
    Object(&'static [Field]),
    /// A string, or an object of these fields (a step input).
    StrOr(&'static [Field]),
    /// A string, or any object (a schema by id or inline).
    StrOrAnyObject,
}

pub struct Field {
    pub name: &'static str,
    pub shape: &'static Shape,
    pub required: bool,
    /// `null` reads as absent (the field is an `Option`).
    pub nullable: bool,
}

const fn req(name: &'static str, shape: &'static Shape) -> Field {
    Field {
        name,
        shape,
        required: true,
        nullable: false,
    }
}
const fn opt(name: &'static str, shape: &'static Shape) -> Field {
    Field {
        name,
        shape,
        required: false,
        nullable: true,
    }
}
/// Optional but not an `Option`: absent means the default, `null` is a type error.
const fn dflt(name: &'static str, shape: &'static Shape) -> Field {
    Field {
        name,
        shape,
        required: false,
        nullable: false,
    }
}

static STR: Shape = Shape::Str;
static BOOL: Shape = Shape::Bool;
static U64: Shape = Shape::Uint(u64::MAX);
static U32: Shape = Shape::Uint(u32::MAX as u64);
static NUMBER: Shape = Shape::Number;
static STRS: Shape = Shape::Array(&STR);

static BUDGETS: Shape = Shape::Object(&[
    opt("tokens", &U64),
    opt("cost_usd", &NUMBER),
    opt("tool_calls", &U64),
    opt("wall_seconds", &U64),
]);
static RUN_INPUT: Shape = Shape::Object(&[
    req("name", &STR),
    req("kind", &STR),
    dflt("description", &STR),
    dflt("required", &BOOL),
]);
static INPUT_SPEC: Shape = Shape::StrOr(&[
    req("from", &STR),
    opt("kind", &STR),
    dflt("required", &BOOL),
]);
static INPUTS: Shape = Shape::Map(&INPUT_SPEC);
static SCHEMA_REF: Shape = Shape::StrOrAnyObject;
static OUTPUT: Shape = Shape::Object(&[
    req("slot", &STR),
    req("kind", &STR),
    opt("schema", &SCHEMA_REF),
    dflt("required", &BOOL),
    dflt("publish", &BOOL),
    opt("name", &STR),
]);
static OUTPUTS: Shape = Shape::Array(&OUTPUT);
static RUBRIC: Shape = Shape::Array(&Shape::Object(&[
    req("id", &STR),
    req("text", &STR),
    opt("check", &STR),
]));
static GATE_SCOPE: Shape = Shape::Enum(&["approve", "publish", "deploy"]);
static GATE: Shape = Shape::Object(&[req("reason", &STR), req("scope", &GATE_SCOPE)]);
static FAN_OUT: Shape = Shape::Object(&[
    req("over", &STR),
    req("shard_size", &U32),
    opt("items", &STR),
]);
static STEP_KIND: Shape = Shape::Enum(&["code", "tool", "hybrid"]);
static STEP: Shape = Shape::Object(&[
    req("id", &STR),
    req("intent", &STR),
    req("kind", &STEP_KIND),
    dflt("inputs", &INPUTS),
    req("outputs", &OUTPUTS),
    dflt("skills", &STRS),
    dflt("tools", &STRS),
    opt("program", &STR),
    opt("code", &STR),
    dflt("rubric", &RUBRIC),
    dflt("validators", &STRS),
    opt("gate", &GATE),
    opt("fan_out", &FAN_OUT),
    dflt("budget", &BUDGETS),
    opt("timeout_seconds", &U64),
    opt("max_retries", &U32),
]);

/// The whole plan candidate.
pub static CANDIDATE: Shape = Shape::Object(&[
    req("objective", &STR),
    opt("template", &STR),
    req("domain", &STR),
    req("workflow", &STR),
    req("policy", &STR),
    dflt("inputs", &Shape::Array(&RUN_INPUT)),
    req("steps", &Shape::Array(&STEP)),
    dflt("budgets", &BUDGETS),
    dflt("success_criteria", &STRS),
]);

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong_type(out: &mut Vec<Diagnostic>, pointer: &str, expected: &str, found: &Value) {
    out.push(
        Diagnostic::error(
            codes::WRONG_TYPE,
            format!("expected {expected}, found {}", type_name(found)),
        )
        .at(pointer)
        .with_primary_label(format!("this is {}", type_name(found))),
    );
}

/// Reports every way `value` departs from `shape`.
pub fn check(value: &Value, shape: &Shape, pointer: &str, out: &mut Vec<Diagnostic>) {
    match shape {
        Shape::Str => {
            if !value.is_string() {
                wrong_type(out, pointer, "a string", value);
            }
        }
        Shape::Bool => {
            if !value.is_boolean() {
                wrong_type(out, pointer, "a boolean", value);
            }
        }
        Shape::Uint(max) => match value.as_u64() {
            Some(n) if n <= *max => {}
            Some(_) => out.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    format!("number too large: at most {max}"),
                )
                .at(pointer)
                .with_primary_label("too large"),
            ),
            None => wrong_type(out, pointer, "a non-negative integer", value),
        },
        Shape::Number => {
            if !value.is_number() {
                wrong_type(out, pointer, "a number", value);
            }
        }
        Shape::Enum(names) => match value.as_str() {
            Some(s) if names.contains(&s) => {}
            Some(s) => {
                let mut d = Diagnostic::error(
                    codes::INVALID_VALUE,
                    format!("`{s}` is not one of {}", quoted(names)),
                )
                .at(pointer)
                .with_primary_label("not an allowed value");
                if let Some(help) = suggest::help(s, names.iter().copied()) {
                    d = d.with_help(help);
                }
                out.push(d);
            }
            None => wrong_type(out, pointer, &format!("one of {}", quoted(names)), value),
        },
        Shape::Array(item) => match value.as_array() {
            Some(items) => {
                for (i, v) in items.iter().enumerate() {
                    check(v, item, &push_index(pointer, i), out);
                }
            }
            None => wrong_type(out, pointer, "an array", value),
        },
        Shape::Map(item) => match value.as_object() {
            Some(map) => {
                for (k, v) in map {
                    check(v, item, &push_key(pointer, k), out);
                }
            }
            None => wrong_type(out, pointer, "an object", value),
        },
        Shape::Object(fields) => check_object(value, fields, pointer, "an object", out),
        Shape::StrOr(fields) => {
            if !value.is_string() {
                check_object(value, fields, pointer, "a string or an object", out);
            }
        }
        Shape::StrOrAnyObject => {
            if !value.is_string() && !value.is_object() {
                wrong_type(
                    out,
                    pointer,
                    "a schema id (string) or an inline schema (object)",
                    value,
                );
            }
        }
    }
}

fn check_object(
    value: &Value,
    fields: &[Field],
    pointer: &str,
    expected: &str,
    out: &mut Vec<Diagnostic>,
) {
    let Some(map) = value.as_object() else {
        wrong_type(out, pointer, expected, value);
        return;
    };
    let names = || fields.iter().map(|f| f.name);
    for (key, v) in map {
        let here = push_key(pointer, key);
        match fields.iter().find(|f| f.name == key) {
            Some(field) if field.nullable && v.is_null() => {}
            Some(field) => check(v, field.shape, &here, out),
            None => {
                let mut d =
                    Diagnostic::error(codes::UNKNOWN_FIELD, format!("unknown field `{key}`"))
                        .at(here)
                        .with_primary_label("not a field here");
                d = match suggest::closest(key, names()) {
                    Some(name) => d.with_help(format!("did you mean `{name}`?")),
                    None => d.with_help(format!("the fields here are {}", quoted_iter(names()))),
                };
                out.push(d);
            }
        }
    }
    for field in fields.iter().filter(|f| f.required) {
        if !map.contains_key(field.name) {
            out.push(
                Diagnostic::error(
                    codes::MISSING_FIELD,
                    format!("missing field `{}`", field.name),
                )
                .at(pointer)
                .with_primary_label(format!("`{}` is required here", field.name)),
            );
        }
    }
}

fn quoted(names: &[&str]) -> String {
    quoted_iter(names.iter().copied())
}

fn quoted_iter<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
