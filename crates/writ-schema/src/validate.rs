//! Checks a value against a compiled schema, reporting every violation (not only the first).

use crate::codes;
use crate::describe::{bound, found, json_equal, plural, short_json, type_list, value_list};
use crate::format;
use crate::schema::{Additional, Node, Schema};
use serde_json::Value;
use writ_diag::pointer::{push_index, push_key};
use writ_diag::Diagnostic;

/// How many schema levels (nesting plus `$ref` hops) a check may descend; beyond, a diagnostic, so that a
/// self-referencing schema cannot loop.
const MAX_DEPTH: usize = 128;

/// Validates `value` against the schema document `schema`. A schema that does not compile yields its own
/// diagnostics (pointers into the schema); otherwise every violation, each at a pointer into `value`.
pub fn validate(schema: &Value, value: &Value) -> Vec<Diagnostic> {
    match Schema::compile(schema) {
        Ok(compiled) => compiled.validate(value),
        Err(diagnostics) => diagnostics,
    }
}

impl Schema {
    pub fn validate(&self, value: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        self.check(&self.root, value, "", 0, &mut out);
        out
    }

    pub fn is_valid(&self, value: &Value) -> bool {
        let mut out = Vec::new();
        self.check(&self.root, value, "", 0, &mut out);
        out.is_empty()
    }

    fn check(&self, node: &Node, value: &Value, at: &str, depth: usize, out: &mut Vec<Diagnostic>) {
        if depth > MAX_DEPTH {
            out.push(
                Diagnostic::error(
                    codes::TOO_DEEP,
                    format!("the schema nests deeper than {MAX_DEPTH} levels here"),
                )
                .at(at)
                .with_note(format!("schema location {}", node.pointer)),
            );
            return;
        }
        if node.never {
            out.push(
                Diagnostic::error(codes::NOTHING_ALLOWED, "no value is allowed here")
                    .at(at)
                    .with_primary_label(format!("found {}", found(value))),
            );
            return;
        }
        if let Some(target) = node.reference.as_ref().and_then(|r| self.resolve(r)) {
            self.check(target, value, at, depth + 1, out);
        }
        if !node.types.is_empty() && !node.types.iter().any(|t| t.matches(value)) {
            let expected = type_list(&node.types);
            out.push(
                Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    format!("expected {expected}, found {}", found(value)),
                )
                .at(at)
                .with_primary_label(format!("expected {expected}")),
            );
            // Keywords for other types would only repeat the mismatch.
            return;
        }
        if let Some(allowed) = &node.enumeration {
            if !allowed.iter().any(|a| json_equal(a, value)) {
                out.push(
                    Diagnostic::error(
                        codes::NOT_IN_ENUM,
                        format!(
                            "expected one of {}, found {}",
                            value_list(allowed),
                            short_json(value)
                        ),
                    )
                    .at(at)
                    .with_primary_label("not an allowed value"),
                );
            }
        }
        if let Some(constant) = &node.constant {
            if !json_equal(constant, value) {
                out.push(
                    Diagnostic::error(
                        codes::CONST_MISMATCH,
                        format!(
                            "expected {}, found {}",
                            short_json(constant),
                            short_json(value)
                        ),
                    )
                    .at(at),
                );
            }
        }
        match value {
            Value::Number(number) => {
                self.check_number(node, number.as_f64().unwrap_or(0.0), at, out)
            }
            Value::String(text) => self.check_string(node, text, at, out),
            Value::Array(items) => self.check_array(node, items, at, depth, out),
            Value::Object(map) => self.check_object(node, map, at, depth, out),
            Value::Null | Value::Bool(_) => {}
        }
        for branch in &node.all_of {
            self.check(branch, value, at, depth + 1, out);
        }
        if !node.any_of.is_empty() {
            self.check_alternatives(&node.any_of, value, at, depth, false, out);
        }
        if !node.one_of.is_empty() {
            self.check_alternatives(&node.one_of, value, at, depth, true, out);
        }
    }

    fn check_number(&self, node: &Node, number: f64, at: &str, out: &mut Vec<Diagnostic>) {
        let mut fail = |expected: String| {
            out.push(
                Diagnostic::error(
                    codes::NUMBER_OUT_OF_RANGE,
                    format!("expected a number {expected}, found {}", bound(number)),
                )
                .at(at)
                .with_primary_label(format!("must be {expected}")),
            );
        };
        if let Some(min) = node.minimum.filter(|min| number < *min) {
            fail(format!(">= {}", bound(min)));
        }
        if let Some(max) = node.maximum.filter(|max| number > *max) {
            fail(format!("<= {}", bound(max)));
        }
        if let Some(min) = node.exclusive_minimum.filter(|min| number <= *min) {
            fail(format!("> {}", bound(min)));
        }
        if let Some(max) = node.exclusive_maximum.filter(|max| number >= *max) {
            fail(format!("< {}", bound(max)));
        }
    }

    fn check_string(&self, node: &Node, text: &str, at: &str, out: &mut Vec<Diagnostic>) {
        let length = text.chars().count() as u64;
        let too_short = node
            .min_length
            .filter(|min| length < *min)
            .map(|min| format!("at least {}", plural(min, "character")));
        let too_long = node
            .max_length
            .filter(|max| length > *max)
            .map(|max| format!("at most {}", plural(max, "character")));
        for expected in too_short.into_iter().chain(too_long) {
            out.push(
                Diagnostic::error(
                    codes::LENGTH_OUT_OF_RANGE,
                    format!("expected a string of {expected}, found {length}"),
                )
                .at(at),
            );
        }
        if let Some((source, regex)) = &node.pattern {
            if !regex.is_match(text) {
                out.push(
                    Diagnostic::error(
                        codes::PATTERN_MISMATCH,
                        format!(
                            "expected a string matching `{source}`, found {}",
                            short_json(&Value::from(text))
                        ),
                    )
                    .at(at),
                );
            }
        }
        if let Some(format) = node.format {
            if !format::matches(format, text) {
                out.push(
                    Diagnostic::error(
                        codes::FORMAT_MISMATCH,
                        format!(
                            "expected {}, found {}",
                            format::describe(format),
                            short_json(&Value::from(text))
                        ),
                    )
                    .at(at),
                );
            }
        }
    }

    fn check_array(
        &self,
        node: &Node,
        items: &[Value],
        at: &str,
        depth: usize,
        out: &mut Vec<Diagnostic>,
    ) {
        let count = items.len() as u64;
        let too_few = node
            .min_items
            .filter(|min| count < *min)
            .map(|min| format!("at least {}", plural(min, "item")));
        let too_many = node
            .max_items
            .filter(|max| count > *max)
            .map(|max| format!("at most {}", plural(max, "item")));
        for expected in too_few.into_iter().chain(too_many) {
            out.push(
                Diagnostic::error(
                    codes::ITEM_COUNT_OUT_OF_RANGE,
                    format!("expected {expected}, found {count}"),
                )
                .at(at),
            );
        }
        if let Some(item_schema) = &node.items {
            for (i, item) in items.iter().enumerate() {
                self.check(item_schema, item, &push_index(at, i), depth + 1, out);
            }
        }
    }

    fn check_object(
        &self,
        node: &Node,
        map: &serde_json::Map<String, Value>,
        at: &str,
        depth: usize,
        out: &mut Vec<Diagnostic>,
    ) {
        for name in &node.required {
            if !map.contains_key(name) {
                let mut diagnostic = Diagnostic::error(
                    codes::MISSING_REQUIRED,
                    format!("missing required property `{name}`"),
                )
                .at(at);
                if let Some(alias) = node
                    .property(name)
                    .and_then(|p| p.synonyms.iter().find(|s| map.contains_key(*s)))
                {
                    diagnostic = diagnostic
                        .with_help(format!("`{alias}` is a synonym of `{name}`: rename it"));
                }
                out.push(diagnostic);
            }
        }
        for (key, child) in map {
            let child_at = push_key(at, key);
            if let Some(names) = &node.property_names {
                let mut about_key = Vec::new();
                self.check(
                    names,
                    &Value::String(key.clone()),
                    &child_at,
                    depth + 1,
                    &mut about_key,
                );
                out.extend(about_key.into_iter().map(|d| {
                    d.with_note(format!("the property name `{key}` is wrong, not its value"))
                }));
            }
            match node.property(key) {
                Some(schema) => self.check(schema, child, &child_at, depth + 1, out),
                None => match &node.additional {
                    Additional::Allowed => {}
                    Additional::Schema(schema) => {
                        self.check(schema, child, &child_at, depth + 1, out)
                    }
                    Additional::Forbidden => out.push(self.not_allowed(node, key, &child_at)),
                },
            }
        }
    }

    fn not_allowed(&self, node: &Node, key: &str, at: &str) -> Diagnostic {
        let diagnostic = Diagnostic::error(
            codes::PROPERTY_NOT_ALLOWED,
            format!("property `{key}` is not allowed"),
        )
        .at(at)
        .with_primary_label("not in the schema");
        let canonical = node
            .properties
            .iter()
            .find(|(_, p)| p.synonyms.iter().any(|s| s == key));
        match canonical {
            Some((name, _)) => {
                diagnostic.with_help(format!("`{key}` is a synonym of `{name}`: rename it"))
            }
            None => {
                let names: Vec<String> = node
                    .properties
                    .iter()
                    .map(|(name, _)| format!("`{name}`"))
                    .collect();
                if names.is_empty() {
                    diagnostic.with_help("this object allows no properties")
                } else {
                    diagnostic.with_help(format!("allowed properties: {}", names.join(", ")))
                }
            }
        }
    }

    fn check_alternatives(
        &self,
        branches: &[Node],
        value: &Value,
        at: &str,
        depth: usize,
        exactly_one: bool,
        out: &mut Vec<Diagnostic>,
    ) {
        let results: Vec<Vec<Diagnostic>> = branches
            .iter()
            .map(|branch| {
                let mut found = Vec::new();
                self.check(branch, value, at, depth + 1, &mut found);
                found
            })
            .collect();
        let matching: Vec<usize> = results
            .iter()
            .enumerate()
            .filter(|(_, r)| r.is_empty())
            .map(|(i, _)| i + 1)
            .collect();
        if matching.is_empty() {
            let mut diagnostic = Diagnostic::error(
                codes::NO_ALTERNATIVE_MATCHES,
                format!(
                    "expected a value matching one of {} alternatives, found {}",
                    branches.len(),
                    found(value)
                ),
            )
            .at(at);
            for (i, failures) in results.iter().enumerate() {
                let first = failures.first().map(|d| {
                    let location = d
                        .pointer
                        .as_deref()
                        .filter(|p| *p != at)
                        .map(|p| format!(" at {p}"))
                        .unwrap_or_default();
                    format!("{}{location}", d.message)
                });
                diagnostic = diagnostic.with_note(format!(
                    "alternative {}: {}",
                    i + 1,
                    first.unwrap_or_default()
                ));
            }
            out.push(diagnostic);
        } else if exactly_one && matching.len() > 1 {
            let list: Vec<String> = matching.iter().map(|i| i.to_string()).collect();
            out.push(
                Diagnostic::error(
                    codes::SEVERAL_ALTERNATIVES_MATCH,
                    format!(
                        "expected exactly one alternative to match, but alternatives {} all match",
                        list.join(", ")
                    ),
                )
                .at(at),
            );
        }
    }
}

#[cfg(test)]
mod tests;
