//! Short human descriptions of values and types for messages ("expected integer, found string \"forty\"").

use crate::schema::JsonType;
use serde_json::Value;

const MAX_SHOWN: usize = 40;

/// The value's JSON text, cut to a readable length.
pub(crate) fn short_json(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= MAX_SHOWN {
        text
    } else {
        let cut: String = text.chars().take(MAX_SHOWN).collect();
        format!("{cut}…")
    }
}

/// `string "forty"`, `integer 3`, `object`, `array of 2 items`, `null`.
pub(crate) fn found(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) if JsonType::Integer.matches(value) => format!("integer {n}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(_) => format!("string {}", short_json(value)),
        Value::Array(items) => format!(
            "array of {} item{}",
            items.len(),
            if items.len() == 1 { "" } else { "s" }
        ),
        Value::Object(_) => "object".to_owned(),
    }
}

/// `integer`, `string or null`, `object, array or null`.
pub(crate) fn type_list(types: &[JsonType]) -> String {
    let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
    match names.split_last() {
        None => "any value".to_owned(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// `"a", "b" or "c"`.
pub(crate) fn value_list(values: &[Value]) -> String {
    let shown: Vec<String> = values.iter().map(short_json).collect();
    match shown.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// Numbers compare by value (`1` equals `1.0`), everything else structurally.
pub(crate) fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(x), Some(y), _, _) => x == y,
                (_, _, Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// Writes a number bound without a needless `.0`.
pub(crate) fn bound(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{}", number as i64)
    } else {
        format!("{number}")
    }
}

/// `1 character`, `3 characters`.
pub(crate) fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
