//! Stage 6: pack-declared normalisations, `x-transform` on a field's schema (one name or a list, applied in
//! order): `money2` (two decimals, half-up, as a string), `upper`, `lower`, `trim`. Empty strings are left
//! alone: in a table an empty cell means "no value", not zero.

use serde_json::Value;

use super::{walk_mut, Fixes};
use crate::diag::{self, Diagnostic};
use crate::patch::PatchOp;
use writ_canon::Decimal;

pub const KNOWN: &[&str] = &["money2", "upper", "lower", "trim"];

fn names(schema: &Value) -> Vec<&Value> {
    match schema.get("x-transform") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    }
}

/// One transform over one value; `Err` carries the diagnostic.
fn apply(name: &str, value: &Value, pointer: &str) -> Result<Value, Box<Diagnostic>> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) if name == "money2" => n.to_string(),
        _ => return Ok(value.clone()),
    };
    if text.is_empty() {
        return Ok(value.clone());
    }
    let out = match name {
        "money2" => Decimal::parse(&text)
            .and_then(Decimal::money2)
            .ok_or_else(|| {
                Box::new(diag::error(
                    diag::NOT_AMOUNT,
                    pointer,
                    format!("{text:?} is not a decimal amount"),
                ))
            })?,
        "upper" => text.to_uppercase(),
        "lower" => text.to_lowercase(),
        "trim" => text.trim().to_string(),
        other => {
            return Err(Box::new(
                diag::error(
                    diag::UNKNOWN_TRANSFORM,
                    pointer,
                    format!("unknown transform `{other}`"),
                )
                .with_help(format!("known transforms: {}", KNOWN.join(", "))),
            ))
        }
    };
    Ok(Value::String(out))
}

pub fn run(root: &Value, value: &mut Value) -> Fixes {
    let mut fixes = Fixes::default();
    walk_mut(root, root, value, "", &mut |schema, node, pointer| {
        let transforms = names(schema);
        if transforms.is_empty() {
            return;
        }
        let mut current = node.clone();
        let mut applied = Vec::new();
        for t in transforms {
            let Some(name) = t.as_str() else {
                fixes.diagnostics.push(diag::error(
                    diag::UNKNOWN_TRANSFORM,
                    pointer,
                    format!("transform {t} is not a name"),
                ));
                return;
            };
            match apply(name, &current, pointer) {
                Ok(next) => {
                    if next != current {
                        applied.push(name);
                    }
                    current = next;
                }
                Err(d) => {
                    fixes.diagnostics.push(*d);
                    return;
                }
            }
        }
        if current != *node {
            *node = current;
            fixes.push(
                PatchOp::Replace {
                    path: pointer.to_string(),
                    value: node.clone(),
                },
                format!("applied {}", applied.join(", ")),
                "the schema declares these normalisations (x-transform)".into(),
            );
        }
    });
    fixes
}
