//! Typed access to a tool's JSON arguments; every failure names the JSON pointer of the offending field.

use crate::ToolError;
use serde_json::Value;
use writ_canon::Decimal;

/// A JSON value together with the pointer it was reached by, so errors can say where they are.
#[derive(Clone, Copy)]
pub struct Field<'p, 'v> {
    pub pointer: &'p str,
    pub value: &'v Value,
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The member `key` of the object at `parent` (pointer `parent_pointer`).
pub fn member<'a>(
    parent: &'a Value,
    parent_pointer: &str,
    key: &str,
) -> Result<(String, &'a Value), ToolError> {
    let pointer = format!("{parent_pointer}/{}", escape(key));
    let object = parent.as_object().ok_or_else(|| ToolError::WrongType {
        pointer: if parent_pointer.is_empty() {
            String::new()
        } else {
            parent_pointer.to_string()
        },
        expected: "an object",
    })?;
    match object.get(key) {
        Some(value) if !value.is_null() => Ok((pointer, value)),
        _ => Err(ToolError::MissingField { pointer }),
    }
}

pub fn string<'v>(field: Field<'_, 'v>) -> Result<&'v str, ToolError> {
    field.value.as_str().ok_or_else(|| ToolError::WrongType {
        pointer: field.pointer.to_string(),
        expected: "a string",
    })
}

/// A decimal given as a JSON string (`"1.0"`, preferred: exact) or a JSON number.
pub fn decimal(field: Field<'_, '_>) -> Result<Decimal, ToolError> {
    let text = match field.value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => {
            return Err(ToolError::WrongType {
                pointer: field.pointer.to_string(),
                expected: "a decimal number or a decimal string",
            })
        }
    };
    Decimal::parse(&text).ok_or_else(|| ToolError::BadNumber {
        pointer: field.pointer.to_string(),
        value: text,
    })
}

pub fn count(field: Field<'_, '_>) -> Result<u64, ToolError> {
    field.value.as_u64().ok_or_else(|| ToolError::WrongType {
        pointer: field.pointer.to_string(),
        expected: "a non-negative integer",
    })
}

pub fn strings<'v>(field: Field<'_, 'v>) -> Result<Vec<&'v str>, ToolError> {
    let items = field.value.as_array().ok_or_else(|| ToolError::WrongType {
        pointer: field.pointer.to_string(),
        expected: "an array of strings",
    })?;
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            item.as_str().ok_or_else(|| ToolError::WrongType {
                pointer: format!("{}/{index}", field.pointer),
                expected: "a string",
            })
        })
        .collect()
}
