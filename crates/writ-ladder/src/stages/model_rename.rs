//! Stage 7: fields the deterministic stages could not match are mapped to schema properties by a model. The
//! reply is a JSON object `{"unmatched": "property"}`; a pair is applied only when the source is one of the
//! unmatched fields and the target is a property the schema declares and the record lacks: the model can
//! rename within the schema, nothing more.

use serde_json::{Map, Value};

use super::Fixes;
use crate::diag;
use crate::model::{json_text, strip_fence, PromptPart};
use crate::patch::{child, index_child, PatchOp};
use crate::schema;

/// The record schema: the root object's, or each row's when the root is an array of objects.
fn record_schema(root: &Value) -> Option<(&Value, bool)> {
    let top = schema::resolve(root, root);
    if schema::properties(top).is_some() {
        return Some((top, false));
    }
    let items = schema::resolve(root, schema::items(top)?);
    schema::properties(items).map(|_| (items, true))
}

fn records(value: &Value, rows: bool) -> Vec<&Map<String, Value>> {
    match (value, rows) {
        (Value::Object(map), false) => vec![map],
        (Value::Array(list), true) => list.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

/// Unmatched field names and the declared properties some record lacks; `None` when nothing is unmatched.
pub fn unmatched(root: &Value, value: &Value) -> Option<(Vec<String>, Vec<String>)> {
    let (rs, rows) = record_schema(root)?;
    let props = schema::properties(rs)?;
    let mut extra: Vec<String> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    for record in records(value, rows) {
        for key in record.keys() {
            if !props.contains_key(key) && !extra.contains(key) {
                extra.push(key.clone());
            }
        }
        for name in props.keys() {
            if !record.contains_key(name) && !missing.contains(name) {
                missing.push(name.clone());
            }
        }
    }
    (!extra.is_empty() && !missing.is_empty()).then_some((extra, missing))
}

pub fn prompt(root: &Value, extra: &[String], missing: &[String]) -> Vec<PromptPart> {
    vec![
        PromptPart::new(
            "instructions",
            "Some fields of a step's output do not match its schema. Map each unmatched field to the schema \
             property it holds, if any. Reply with only a JSON object {\"unmatched field\": \"property\"}; \
             leave out fields you cannot map. Do not invent properties.",
        ),
        PromptPart::new("schema", json_text(root)),
        PromptPart::new("unmatched_fields", json_text(&Value::from(extra.to_vec()))),
        PromptPart::new("missing_properties", json_text(&Value::from(missing.to_vec()))),
    ]
}

pub fn apply_reply(root: &Value, value: &mut Value, reply: &str) -> Fixes {
    let mut fixes = Fixes::default();
    let Some((extra, missing)) = unmatched(root, value) else {
        return fixes;
    };
    let Ok(Value::Object(mapping)) = serde_json::from_str::<Value>(strip_fence(reply)) else {
        fixes.diagnostics.push(diag::warning(
            diag::BAD_RENAME_REPLY,
            "",
            "the reply is not a JSON object; nothing renamed",
        ));
        return fixes;
    };
    let rows = value.is_array();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (from, to) in mapping {
        let Some(to) = to.as_str() else {
            fixes.diagnostics.push(diag::warning(
                diag::BAD_RENAME_REPLY,
                "",
                format!("the target for `{from}` is not a string"),
            ));
            continue;
        };
        let taken = pairs.iter().any(|(_, t)| t == to);
        if !extra.contains(&from) || !missing.iter().any(|m| m == to) || taken {
            fixes.diagnostics.push(diag::warning(diag::RENAME_REFUSED,
                "",
                format!("`{from}` → `{to}` is not a rename of an unmatched field to a missing schema property"),
            ));
            continue;
        }
        pairs.push((from, to.to_string()));
    }
    let mut rename_in = |map: &mut Map<String, Value>, pointer: &str| {
        for (from, to) in &pairs {
            if map.contains_key(from) && !map.contains_key(to) {
                let old = std::mem::take(map);
                for (k, v) in old {
                    map.insert(if k == *from { to.clone() } else { k }, v);
                }
                fixes.push(
                    PatchOp::Move {
                        from: child(pointer, from),
                        path: child(pointer, to),
                    },
                    format!("renamed `{from}` to `{to}`"),
                    "a model mapped the unmatched field to this schema property".into(),
                );
            }
        }
    };
    match value {
        Value::Object(map) if !rows => rename_in(map, ""),
        Value::Array(list) => {
            for (i, row) in list.iter_mut().enumerate() {
                if let Value::Object(map) = row {
                    rename_in(map, &index_child("", i));
                }
            }
        }
        _ => {}
    }
    fixes
}
