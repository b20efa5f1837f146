//! Stage 5: a missing optional field whose schema declares a `default` gets that default. Required fields are
//! never defaulted: their absence is the producer's error, for conformance to report. A default that fails its
//! own field's schema is the pack's error and rejects rather than publish an invalid value.

use serde_json::Value;

use super::{walk_mut, Fixes};
use crate::diag;
use crate::patch::{child, PatchOp};
use crate::schema::{self, SchemaCheck};

/// Whether the default satisfies the field's schema; a schema with references is not checked standalone,
/// since they point into the root (the final schema check still sees the defaulted value).
fn default_fits(checker: &dyn SchemaCheck, prop: &Value, default: &Value) -> bool {
    prop.to_string().contains("\"$ref\"") || checker.check(prop, default).is_empty()
}

pub fn run(root: &Value, value: &mut Value, checker: &dyn SchemaCheck) -> Fixes {
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
            let prop = schema::resolve(root, prop);
            let Some(default) = prop.get("default") else {
                continue;
            };
            let path = child(pointer, name);
            if !default_fits(checker, prop, default) {
                fixes.diagnostics.push(diag::error(
                    diag::BAD_DEFAULT,
                    path,
                    format!(
                        "the declared default {default} for `{name}` fails the field's own schema"
                    ),
                ));
                continue;
            }
            map.insert(name.clone(), default.clone());
            fixes.push(
                PatchOp::Add {
                    path,
                    value: default.clone(),
                },
                format!("added `{name}` with its default {default}"),
                format!("`{name}` is optional and the schema declares its default"),
            );
        }
    });
    fixes
}
