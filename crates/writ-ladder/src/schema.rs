//! Reading the artifact's JSON Schema: the seam to the schema checker and the helpers stages 3–8 share.

use std::cell::RefCell;

use serde_json::{Map, Value};

use crate::diag::Diagnostic;

/// Validates a value against a JSON Schema. The ladder's checker is [`WritSchemaCheck`] (writ's one schema
/// validator); tests may plug in another.
pub trait SchemaCheck {
    /// Every violation, as error diagnostics whose pointers point into `value`. Empty means valid.
    fn check(&self, schema: &Value, value: &Value) -> Vec<Diagnostic>;
}

/// `writ-schema`'s validator, its diagnostics as they are (codes `S…`). The schema is compiled once and
/// reused while the ladder checks against the same schema (stage 2 and the re-checks after corrections).
#[derive(Default)]
pub struct WritSchemaCheck {
    compiled: RefCell<Option<(Value, Result<writ_schema::Schema, Vec<Diagnostic>>)>>,
}

impl SchemaCheck for WritSchemaCheck {
    fn check(&self, schema: &Value, value: &Value) -> Vec<Diagnostic> {
        let mut cache = self.compiled.borrow_mut();
        if cache.as_ref().is_some_and(|(s, _)| s != schema) {
            *cache = None;
        }
        let (_, compiled) =
            cache.get_or_insert_with(|| (schema.clone(), writ_schema::Schema::compile(schema)));
        match compiled {
            Ok(compiled) => compiled.validate(value),
            // A schema that does not compile is reported, never treated as passing.
            Err(problems) => problems.clone(),
        }
    }
}

/// Follows a local `$ref` (`#/...`) against the root schema, a bounded number of times.
pub fn resolve<'a>(root: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..32 {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
            return schema;
        };
        let Some(pointer) = reference.strip_prefix('#') else {
            return schema;
        };
        match crate::patch::get(root, pointer) {
            Ok(target) => schema = target,
            Err(_) => return schema,
        }
    }
    schema
}

/// The schema's declared types (`type` as a string or an array of strings).
pub fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

pub fn allows(schema: &Value, ty: &str) -> bool {
    types(schema).contains(&ty)
}

/// Only this type is allowed (ignoring `null`), so a conversion toward it cannot be a guess between types.
pub fn expects_only(schema: &Value, ty: &str) -> bool {
    let ts: Vec<&str> = types(schema).into_iter().filter(|t| *t != "null").collect();
    ts == [ty] || (ty == "number" && ts == ["integer"])
}

pub fn properties(schema: &Value) -> Option<&Map<String, Value>> {
    schema.get("properties").and_then(Value::as_object)
}

pub fn required(schema: &Value) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

pub fn items(schema: &Value) -> Option<&Value> {
    schema.get("items").filter(|i| i.is_object())
}

/// Whether `text` matches the schema's `pattern`; `None` when there is no pattern or it does not compile.
pub fn pattern_matches(schema: &Value, text: &str) -> Option<bool> {
    let pattern = schema.get("pattern")?.as_str()?;
    let re = compiled(pattern).ok()?;
    Some(re.is_match(text))
}

thread_local! {
    /// Compiled schema patterns, by source. A table checks the same few patterns on every row; compiling
    /// them once per row made validation of a 753-row table take seconds. A memo of a pure function: no I/O.
    static PATTERNS: std::cell::RefCell<std::collections::HashMap<String, Result<regex::Regex, String>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// The compiled form of a schema pattern (cached), or why it does not compile.
pub fn compiled(pattern: &str) -> Result<regex::Regex, String> {
    PATTERNS.with(|cache| {
        cache
            .borrow_mut()
            .entry(pattern.to_string())
            .or_insert_with(|| regex::Regex::new(pattern).map_err(|e| e.to_string()))
            .clone()
    })
}

/// A money pattern is one that accepts `1234.50` and refuses `1234.5`: two decimals, always.
pub fn is_money_pattern(schema: &Value) -> bool {
    pattern_matches(schema, "1234.50") == Some(true)
        && pattern_matches(schema, "1234.5") == Some(false)
}

/// Visits every (value, schema) pair reachable through `properties` and `items`, parents before children,
/// with the value's pointer. Used by stages that only read; stages that write walk themselves.
pub fn walk<'a>(
    root: &'a Value,
    schema: &'a Value,
    value: &'a Value,
    pointer: &str,
    visit: &mut dyn FnMut(&'a Value, &'a Value, &str),
) {
    let schema = resolve(root, schema);
    visit(value, schema, pointer);
    match value {
        Value::Object(map) => {
            if let Some(props) = properties(schema) {
                for (key, child) in map {
                    if let Some(child_schema) = props.get(key) {
                        walk(
                            root,
                            child_schema,
                            child,
                            &crate::patch::child(pointer, key),
                            visit,
                        );
                    }
                }
            }
        }
        Value::Array(list) => {
            if let Some(item_schema) = items(schema) {
                for (i, child) in list.iter().enumerate() {
                    walk(
                        root,
                        item_schema,
                        child,
                        &crate::patch::index_child(pointer, i),
                        visit,
                    );
                }
            }
        }
        _ => {}
    }
}
