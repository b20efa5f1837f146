//! Stage 5: a missing optional field whose schema declares a `default` gets that default. Required fields are
//! never defaulted: their absence is the producer's error, for conformance to report.

use serde_json::Value;

use super::{walk_mut, Fixes};
use crate::patch::{child, PatchOp};
use crate::schema;

pub fn run(root: &Value, value: &mut Value) -> Fixes {
    let mut fixes = Fixes::default();
    walk_mut(root, root, value, "", &mut |schema, node, pointer| {
        let (Some(props), Value::Object(map)) = (schema::properties(schema), node) else {
            return;
        };
        let required = schema::required(schema);
        for (name, prop) in props {
            if map.contains_key(name) || required.contains(&name.as_str()) {
                continue;
            }
            let Some(default) = schema::resolve(root, prop).get("default") else {
                continue;
            };
            map.insert(name.clone(), default.clone());
            fixes.push(
                PatchOp::Add {
                    path: child(pointer, name),
                    value: default.clone(),
                },
                format!("added `{name}` with its default {default}"),
                format!("`{name}` is optional and the schema declares its default"),
            );
        }
    });
    fixes
}
