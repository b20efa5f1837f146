//! A deterministic example value for a schema: what the template shows the model to fill in.

use crate::schema::{Additional, Format, JsonType, Node, Reference, Schema};
use serde_json::{Map, Value};

/// Beyond this many `$ref` hops an example stops expanding (recursive schemas).
const MAX_REF_DEPTH: usize = 4;

/// An example value for `schema`: constants, defaults, listed examples and first enum values where given,
/// otherwise a value built from the types and bounds. Valid for every schema without `pattern` (a regex
/// cannot be inverted cheaply) or contradictory constraints.
pub fn example(schema: &Schema) -> Value {
    build(schema, &schema.root, 0)
}

impl Schema {
    pub fn example(&self) -> Value {
        example(self)
    }
}

fn build(schema: &Schema, node: &Node, refs: usize) -> Value {
    if let Some(value) = node
        .constant
        .as_ref()
        .or(node.default.as_ref())
        .or(node.examples.first())
    {
        return value.clone();
    }
    if let Some(first) = node.enumeration.as_ref().and_then(|values| values.first()) {
        return first.clone();
    }
    if let Some(reference) = &node.reference {
        return match schema.resolve(reference) {
            Some(target) if refs < MAX_REF_DEPTH => build(schema, target, refs + 1),
            _ => empty_like(schema, reference),
        };
    }
    if let Some(first) = node.one_of.first().or(node.any_of.first()) {
        return build(schema, first, refs);
    }
    let own = match main_type(node) {
        Some(JsonType::Object) => object(schema, node, refs),
        Some(JsonType::Array) => array(schema, node, refs),
        Some(JsonType::String) => string(node),
        Some(JsonType::Integer) => number(node, true),
        Some(JsonType::Number) => number(node, false),
        Some(JsonType::Boolean) => Value::Bool(true),
        Some(JsonType::Null) | None => Value::Null,
    };
    node.all_of
        .iter()
        .fold(own, |acc, branch| merge(acc, build(schema, branch, refs)))
}

/// The type an example takes: the first non-null allowed type, else one implied by the keywords present.
pub(crate) fn main_type(node: &Node) -> Option<JsonType> {
    if let Some(t) = node
        .types
        .iter()
        .find(|t| **t != JsonType::Null)
        .or(node.types.first())
    {
        return Some(*t);
    }
    if !node.properties.is_empty() || !node.required.is_empty() {
        Some(JsonType::Object)
    } else if node.items.is_some() || node.min_items.is_some() {
        Some(JsonType::Array)
    } else if node.format.is_some()
        || node.pattern.is_some()
        || node.min_length.is_some()
        || node.max_length.is_some()
    {
        Some(JsonType::String)
    } else if node.minimum.is_some() || node.maximum.is_some() {
        Some(JsonType::Number)
    } else {
        None
    }
}

fn empty_like(schema: &Schema, reference: &Reference) -> Value {
    match schema.resolve(reference).and_then(main_type) {
        Some(JsonType::Object) => Value::Object(Map::new()),
        Some(JsonType::Array) => Value::Array(Vec::new()),
        _ => Value::Null,
    }
}

/// From this many `$ref` hops on, optional properties are left out so that recursive shapes end.
const OPTIONAL_REF_DEPTH: usize = 2;

fn object(schema: &Schema, node: &Node, refs: usize) -> Value {
    let mut map: Map<String, Value> = node
        .properties
        .iter()
        .filter(|(name, _)| refs < OPTIONAL_REF_DEPTH || node.required.contains(name))
        .map(|(name, child)| (name.clone(), build(schema, child, refs)))
        .collect();
    // Required names the schema does not describe take what `additionalProperties` allows.
    for name in &node.required {
        if !map.contains_key(name) {
            let value = match &node.additional {
                Additional::Schema(values) => build(schema, values, refs),
                Additional::Allowed => Value::String("text".to_owned()),
                Additional::Forbidden => continue,
            };
            map.insert(name.clone(), value);
        }
    }
    Value::Object(map)
}

fn array(schema: &Schema, node: &Node, refs: usize) -> Value {
    let wanted = node
        .min_items
        .unwrap_or(1)
        .max(1)
        .min(node.max_items.unwrap_or(u64::MAX))
        .min(3);
    let item = match &node.items {
        Some(items) => build(schema, items, refs),
        None => Value::Null,
    };
    Value::Array((0..wanted).map(|_| item.clone()).collect())
}

fn string(node: &Node) -> Value {
    let base = match node.format {
        Some(Format::Date) => "2025-01-31",
        Some(Format::DateTime) => "2025-01-31T09:00:00Z",
        None => "text",
    };
    let mut text: String = base.to_owned();
    let min = usize::try_from(node.min_length.unwrap_or(0))
        .unwrap_or(usize::MAX)
        .min(256);
    while text.chars().count() < min {
        text.push('x');
    }
    if let Some(max) = node.max_length.and_then(|m| usize::try_from(m).ok()) {
        text = text.chars().take(max).collect();
    }
    Value::String(text)
}

fn number(node: &Node, integer: bool) -> Value {
    // The smallest allowed value near zero, pulled down under the upper bounds.
    let low = match (node.minimum, node.exclusive_minimum) {
        (Some(min), Some(ex)) => Some(if ex >= min { ex + 1.0 } else { min }),
        (Some(min), None) => Some(min),
        (None, Some(ex)) => Some(ex + 1.0),
        (None, None) => None,
    };
    let mut value = low.unwrap_or(0.0);
    if integer {
        value = value.ceil();
    }
    if let Some(max) = node.maximum.filter(|max| value > *max) {
        value = if integer { max.floor() } else { max };
    }
    if let Some(max) = node.exclusive_maximum.filter(|max| value >= *max) {
        value = match (integer, node.minimum.or(node.exclusive_minimum)) {
            (true, _) => max.ceil() - 1.0,
            (false, Some(floor)) => (floor + max) / 2.0,
            (false, None) => max - 1.0,
        };
    }
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        Value::from(value as i64)
    } else {
        serde_json::Number::from_f64(value).map_or(Value::from(0), Value::Number)
    }
}

fn merge(base: Value, extra: Value) -> Value {
    match (base, extra) {
        (Value::Object(mut into), Value::Object(from)) => {
            for (key, value) in from {
                into.entry(key).or_insert(value);
            }
            Value::Object(into)
        }
        (Value::Null, other) => other,
        (base, _) => base,
    }
}
