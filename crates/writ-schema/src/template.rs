//! Schema → compact text a model reads: the fields with their types, marks and descriptions, then an
//! example value in a ```json block for the model to fill in.

use crate::describe::{bound, plural, short_json, type_list, value_list};
use crate::example::{example, main_type};
use crate::format;
use crate::schema::{Additional, JsonType, Node, Reference, Schema};
use serde_json::Value;
use std::fmt::Write as _;
use writ_diag::Diagnostic;

/// Fields nested deeper than this are summarised, not listed (the example still shows them).
const MAX_LIST_DEPTH: usize = 6;

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub text: String,
    pub example: Value,
}

/// The template of a schema document (its diagnostics if it does not compile).
pub fn template(schema: &Value) -> Result<Template, Vec<Diagnostic>> {
    Schema::compile(schema).map(|compiled| compiled.template())
}

impl Schema {
    pub fn template(&self) -> Template {
        let example = example(self);
        let mut text = String::new();
        let root = self.root_target();
        let shape = match main_type(root) {
            Some(JsonType::Object) => "one JSON object",
            Some(JsonType::Array) => "one JSON array",
            Some(other) => match other {
                JsonType::String => "one JSON string",
                JsonType::Integer | JsonType::Number => "one JSON number",
                JsonType::Boolean => "one JSON boolean",
                _ => "one JSON value",
            },
            None => "one JSON value",
        };
        let _ = writeln!(
            text,
            "Reply with {shape} in a ```json code block, filling in the example at the end."
        );
        for line in [&root.title, &root.description].into_iter().flatten() {
            let _ = writeln!(text, "{line}");
        }
        let mut lister = Lister {
            schema: self,
            out: String::new(),
            stack: Vec::new(),
        };
        lister.children(root, 0);
        if lister.out.is_empty() {
            let _ = writeln!(text, "The value: {}.", self.summary(root, &mut Vec::new()));
        } else {
            let _ = writeln!(text, "\nFields (* = required):");
            text.push_str(&lister.out);
        }
        let pretty = serde_json::to_string_pretty(&example).unwrap_or_else(|_| example.to_string());
        let _ = write!(text, "\n```json\n{pretty}\n```\n");
        Template { text, example }
    }

    /// The root, through a root-level `$ref` (a schema that is only `{"$ref": "#/$defs/x", "$defs": …}`).
    fn root_target(&self) -> &Node {
        match &self.root.reference {
            Some(reference @ Reference::Def(_)) if self.root.properties.is_empty() => {
                self.resolve(reference).unwrap_or(&self.root)
            }
            _ => &self.root,
        }
    }

    /// One line's worth: `integer, >= 0, default 3`.
    fn summary(&self, node: &Node, stack: &mut Vec<String>) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(Reference::Def(name)) = &node.reference {
            if stack.contains(name) {
                return format!("`{name}`, recursively");
            }
            if let Some(target) = self.resolve(&Reference::Def(name.clone())) {
                stack.push(name.clone());
                parts.push(self.summary(target, stack));
                stack.pop();
            }
        }
        if let Some(constant) = &node.constant {
            parts.push(format!("always {}", short_json(constant)));
        } else if let Some(values) = &node.enumeration {
            parts.push(format!("one of {}", value_list(values)));
        } else if !node.types.is_empty() {
            parts.push(self.type_phrase(node, stack));
        } else if node.reference.is_none() && node.one_of.is_empty() && node.any_of.is_empty() {
            if let Some(t) = main_type(node) {
                parts.push(t.name().to_owned());
            }
        }
        parts.extend(constraints(node));
        let alternatives = if node.one_of.is_empty() {
            &node.any_of
        } else {
            &node.one_of
        };
        if !alternatives.is_empty() {
            let each: Vec<String> = alternatives
                .iter()
                .map(|alt| self.summary(alt, stack))
                .collect();
            parts.push(format!("either {}", each.join(" | ")));
        }
        if let Some(default) = &node.default {
            parts.push(format!("default {}", short_json(default)));
        }
        if parts.is_empty() {
            "any JSON value".to_owned()
        } else {
            parts.join(", ")
        }
    }

    fn type_phrase(&self, node: &Node, stack: &mut Vec<String>) -> String {
        let types = type_list(&node.types);
        match (node.types.contains(&JsonType::Array), &node.items) {
            (true, Some(items)) => {
                let item = self.summary(items, stack);
                let item = if item.contains(", ") {
                    format!("({item})")
                } else {
                    item
                };
                types.replacen("array", &format!("array of {item}"), 1)
            }
            _ => types,
        }
    }
}

fn constraints(node: &Node) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(min) = node.minimum {
        parts.push(format!(">= {}", bound(min)));
    }
    if let Some(min) = node.exclusive_minimum {
        parts.push(format!("> {}", bound(min)));
    }
    if let Some(max) = node.maximum {
        parts.push(format!("<= {}", bound(max)));
    }
    if let Some(max) = node.exclusive_maximum {
        parts.push(format!("< {}", bound(max)));
    }
    match (node.min_length, node.max_length) {
        (Some(min), Some(max)) => parts.push(format!("{min} to {}", plural(max, "character"))),
        (Some(min), None) => parts.push(format!("at least {}", plural(min, "character"))),
        (None, Some(max)) => parts.push(format!("at most {}", plural(max, "character"))),
        (None, None) => {}
    }
    match (node.min_items, node.max_items) {
        (Some(min), Some(max)) => parts.push(format!("{min} to {}", plural(max, "item"))),
        (Some(min), None) => parts.push(format!("at least {}", plural(min, "item"))),
        (None, Some(max)) => parts.push(format!("at most {}", plural(max, "item"))),
        (None, None) => {}
    }
    if let Some((source, _)) = &node.pattern {
        parts.push(format!("matching `{source}`"));
    }
    if let Some(f) = node.format {
        parts.push(format::describe(f).to_owned());
    }
    parts
}

/// Writes the field list: one line per property, nested objects indented under their field.
struct Lister<'a> {
    schema: &'a Schema,
    out: String,
    /// `$defs` being expanded, so a recursive schema is listed once.
    stack: Vec<String>,
}

impl Lister<'_> {
    /// The fields of `node` if it is (or holds, as array items or through a `$ref`) an object.
    fn children(&mut self, node: &Node, depth: usize) {
        if depth > MAX_LIST_DEPTH {
            return;
        }
        if let Some(Reference::Def(name)) = &node.reference {
            if !self.stack.contains(name) {
                if let Some(target) = self.schema.resolve(&Reference::Def(name.clone())) {
                    self.stack.push(name.clone());
                    self.children(target, depth);
                    self.stack.pop();
                }
            }
        }
        for (name, child) in &node.properties {
            let mark = if node.required.contains(name) {
                "*"
            } else {
                ""
            };
            let summary = self.schema.summary(child, &mut self.stack.clone());
            // A `$ref` field without its own description shows the definition's.
            let referenced = child
                .reference
                .as_ref()
                .and_then(|r| self.schema.resolve(r));
            let description = child
                .description
                .as_deref()
                .or(referenced.and_then(|target| target.description.as_deref()))
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            let indent = "  ".repeat(depth);
            let _ = writeln!(self.out, "{indent}- {name}{mark} ({summary}){description}");
            self.children(child, depth + 1);
        }
        for name in node
            .required
            .iter()
            .filter(|name| node.property(name).is_none())
        {
            let summary = match &node.additional {
                Additional::Schema(values) => self.schema.summary(values, &mut self.stack.clone()),
                _ => "any JSON value".to_owned(),
            };
            let _ = writeln!(self.out, "{}- {name}* ({summary})", "  ".repeat(depth));
        }
        if let Some(items) = &node.items {
            if node.properties.is_empty() {
                self.children(items, depth);
            }
        }
        if let Additional::Schema(values) = &node.additional {
            let summary = self.schema.summary(values, &mut self.stack.clone());
            let indent = "  ".repeat(depth);
            let _ = writeln!(self.out, "{indent}- any other key ({summary})");
            self.children(values, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests;
