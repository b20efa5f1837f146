//! Stage 3: field-name aliases. A property lists its aliases in `x-synonyms` (`"hours": {"x-synonyms":
//! ["hrs"]}`, the catalog's schema language). Names that differ from a property only in case and separators
//! (`Entry ID` → `entry_id`) are matched too, when exactly one property matches. A field is renamed when its
//! target is absent; when both are present, an alias with the same value is dropped and one with a different
//! value is a rejection (which of the two is right is not for this stage to guess).

use serde_json::{Map, Value};

use super::{walk_mut, Fixes};
use crate::diag;
use crate::patch::{child, PatchOp};
use crate::schema;

pub fn run(root: &Value, value: &mut Value) -> Fixes {
    let mut fixes = Fixes::default();
    walk_mut(root, root, value, "", &mut |schema, node, pointer| {
        if let (Some(props), Value::Object(map)) = (schema::properties(schema), node) {
            rename_in(props, map, pointer, &mut fixes);
        }
    });
    fixes
}

/// Lower-case alphanumerics only, so `Entry ID`, `entry-id` and `EntryId` meet.
fn normalised(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn target_for(props: &Map<String, Value>, key: &str) -> Option<(String, String)> {
    for (name, prop) in props {
        let aliases = prop.get("x-synonyms").and_then(Value::as_array);
        if aliases.is_some_and(|a| a.iter().any(|s| s.as_str() == Some(key))) {
            return Some((
                name.clone(),
                format!("the schema declares `{key}` a synonym of `{name}`"),
            ));
        }
    }
    let wanted = normalised(key);
    let mut matches = props.keys().filter(|name| normalised(name) == wanted);
    match (matches.next(), matches.next()) {
        (Some(name), None) if !wanted.is_empty() => Some((
            name.clone(),
            format!("`{key}` differs from `{name}` only in case and separators"),
        )),
        _ => None,
    }
}

fn rename_in(
    props: &Map<String, Value>,
    map: &mut Map<String, Value>,
    pointer: &str,
    fixes: &mut Fixes,
) {
    let unknown: Vec<String> = map
        .keys()
        .filter(|k| !props.contains_key(*k))
        .cloned()
        .collect();
    for key in unknown {
        let Some((target, why)) = target_for(props, &key) else {
            continue;
        };
        if let Some(existing) = map.get(&target) {
            let at = child(pointer, &key);
            if map.get(&key) == Some(existing) {
                // The alias repeats the field's value: dropping it loses nothing.
                map.shift_remove(&key);
                fixes.push(
                    PatchOp::Remove { path: at },
                    format!("removed `{key}`, a duplicate of `{target}`"),
                    why,
                );
            } else {
                fixes.diagnostics.push(diag::error(
                    diag::SYNONYM_CONFLICT,
                    at,
                    format!(
                        "`{key}` and its synonym `{target}` are both present with different values"
                    ),
                ));
            }
            continue;
        }
        // Rebuild the map so the renamed field keeps its position.
        let old = std::mem::take(map);
        for (k, v) in old {
            if k == key {
                map.insert(target.clone(), v);
            } else {
                map.insert(k, v);
            }
        }
        fixes.push(
            PatchOp::Move {
                from: child(pointer, &key),
                path: child(pointer, &target),
            },
            format!("renamed `{key}` to `{target}`"),
            why,
        );
    }
}
