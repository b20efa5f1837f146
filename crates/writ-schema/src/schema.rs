//! A schema compiled from its JSON form into a typed tree, rejecting what the subset does not support.

use crate::codes;
use crate::format;
use serde_json::Value;
use writ_diag::pointer::{push_index, push_key};
use writ_diag::Diagnostic;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    Null,
    Boolean,
    Object,
    Array,
    Number,
    Integer,
    String,
}

impl JsonType {
    pub const fn name(self) -> &'static str {
        match self {
            JsonType::Null => "null",
            JsonType::Boolean => "boolean",
            JsonType::Object => "object",
            JsonType::Array => "array",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::String => "string",
        }
    }

    fn parse(name: &str) -> Option<JsonType> {
        [
            JsonType::Null,
            JsonType::Boolean,
            JsonType::Object,
            JsonType::Array,
            JsonType::Number,
            JsonType::Integer,
            JsonType::String,
        ]
        .into_iter()
        .find(|t| t.name() == name)
    }

    /// Whether `value` is of this type; an integer is any number without a fractional part.
    pub fn matches(self, value: &Value) -> bool {
        match (self, value) {
            (JsonType::Null, Value::Null)
            | (JsonType::Boolean, Value::Bool(_))
            | (JsonType::Object, Value::Object(_))
            | (JsonType::Array, Value::Array(_))
            | (JsonType::Number, Value::Number(_))
            | (JsonType::String, Value::String(_)) => true,
            (JsonType::Integer, Value::Number(n)) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339 `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
    DateTime,
}

#[derive(Debug, Clone)]
pub enum Additional {
    Allowed,
    Forbidden,
    Schema(Box<Node>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    Root,
    Def(String),
}

/// One schema (sub)object. Absent keywords are `None` or empty.
#[derive(Debug, Clone)]
pub struct Node {
    /// Where this node is in the schema document.
    pub pointer: String,
    /// The `false` schema: nothing is valid.
    pub never: bool,
    /// Allowed types; empty means any.
    pub types: Vec<JsonType>,
    pub properties: Vec<(String, Node)>,
    pub required: Vec<String>,
    pub additional: Additional,
    pub items: Option<Box<Node>>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub enumeration: Option<Vec<Value>>,
    pub constant: Option<Value>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: Option<f64>,
    pub exclusive_maximum: Option<f64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<(String, regex::Regex)>,
    pub format: Option<Format>,
    pub one_of: Vec<Node>,
    pub any_of: Vec<Node>,
    pub all_of: Vec<Node>,
    pub reference: Option<Reference>,
    pub default: Option<Value>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub examples: Vec<Value>,
    /// `x-synonyms`: other names the ladder maps onto this field; validation ignores them.
    pub synonyms: Vec<String>,
    /// `propertyNames`: a schema every key of an object must satisfy.
    pub property_names: Option<Box<Node>>,
    /// `x-kind`: the catalog artifact kind the schema describes (annotation).
    pub kind: Option<String>,
    /// `x-columns`: the column order of a table artifact (annotation).
    pub columns: Vec<String>,
}

impl Node {
    fn empty(pointer: String) -> Node {
        Node {
            pointer,
            never: false,
            types: Vec::new(),
            properties: Vec::new(),
            required: Vec::new(),
            additional: Additional::Allowed,
            items: None,
            min_items: None,
            max_items: None,
            enumeration: None,
            constant: None,
            minimum: None,
            maximum: None,
            exclusive_minimum: None,
            exclusive_maximum: None,
            min_length: None,
            max_length: None,
            pattern: None,
            format: None,
            one_of: Vec::new(),
            any_of: Vec::new(),
            all_of: Vec::new(),
            reference: None,
            default: None,
            title: None,
            description: None,
            examples: Vec::new(),
            synonyms: Vec::new(),
            property_names: None,
            kind: None,
            columns: Vec::new(),
        }
    }

    pub fn property(&self, name: &str) -> Option<&Node> {
        self.properties
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, node)| node)
    }
}

/// A compiled schema: the root and its `$defs`.
#[derive(Debug, Clone)]
pub struct Schema {
    pub root: Node,
    pub defs: Vec<(String, Node)>,
}

impl Schema {
    /// Compiles a schema document; every unsupported or malformed keyword and every dangling `$ref` is an
    /// error diagnostic (pointers are into the schema document).
    pub fn compile(document: &Value) -> Result<Schema, Vec<Diagnostic>> {
        let mut compiler = Compiler {
            diagnostics: Vec::new(),
            refs: Vec::new(),
        };
        let mut defs = Vec::new();
        if let Some(raw_defs) = document.get("$defs") {
            match raw_defs {
                Value::Object(map) => {
                    for (name, def) in map {
                        let pointer = push_key("/$defs", name);
                        defs.push((name.clone(), compiler.node(def, pointer, false)));
                    }
                }
                _ => compiler.malformed("/$defs", "`$defs` must be an object of schemas"),
            }
        }
        let root = compiler.node(document, String::new(), true);
        for (reference, pointer) in &compiler.refs {
            if let Reference::Def(name) = reference {
                if !defs.iter().any(|(def, _)| def == name) {
                    compiler.diagnostics.push(
                        Diagnostic::error(
                            codes::UNRESOLVED_REF,
                            format!("`$ref` names `#/$defs/{name}`, which is not defined"),
                        )
                        .at(pointer.clone()),
                    );
                }
            }
        }
        if compiler.diagnostics.is_empty() {
            Ok(Schema { root, defs })
        } else {
            Err(compiler.diagnostics)
        }
    }

    /// The node a reference points at.
    pub fn resolve(&self, reference: &Reference) -> Option<&Node> {
        match reference {
            Reference::Root => Some(&self.root),
            Reference::Def(name) => self
                .defs
                .iter()
                .find(|(def, _)| def == name)
                .map(|(_, node)| node),
        }
    }
}

struct Compiler {
    diagnostics: Vec<Diagnostic>,
    refs: Vec<(Reference, String)>,
}

/// Keywords that only annotate.
/// Keywords that annotate and do not constrain: validation ignores them. `x-transform` names the validation
/// ladder's business transform for a field (stage 6).
const ANNOTATIONS: &[&str] = &["$schema", "$id", "$comment", "x-transform"];

impl Compiler {
    fn malformed(&mut self, pointer: &str, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::error(codes::MALFORMED_KEYWORD, message).at(pointer));
    }

    fn node(&mut self, raw: &Value, pointer: String, is_root: bool) -> Node {
        let mut node = Node::empty(pointer.clone());
        let map = match raw {
            Value::Bool(allowed) => {
                node.never = !allowed;
                return node;
            }
            Value::Object(map) => map,
            _ => {
                self.malformed(&pointer, "a schema must be an object or a boolean");
                return node;
            }
        };
        for (keyword, value) in map {
            let at = push_key(&pointer, keyword);
            self.keyword(&mut node, keyword, value, &at, is_root);
        }
        node
    }

    fn keyword(&mut self, node: &mut Node, keyword: &str, value: &Value, at: &str, is_root: bool) {
        match keyword {
            "type" => node.types = self.types(value, at),
            "properties" => match value {
                Value::Object(props) => {
                    for (name, schema) in props {
                        let child = self.node(schema, push_key(at, name), false);
                        node.properties.push((name.clone(), child));
                    }
                }
                _ => self.malformed(at, "`properties` must be an object of schemas"),
            },
            "required" => {
                node.required =
                    self.strings(value, at, "`required` must be an array of property names")
            }
            "x-synonyms" => {
                node.synonyms = self.strings(value, at, "`x-synonyms` must be an array of names")
            }
            "additionalProperties" => {
                node.additional = match value {
                    Value::Bool(true) => Additional::Allowed,
                    Value::Bool(false) => Additional::Forbidden,
                    other => Additional::Schema(Box::new(self.node(other, at.to_owned(), false))),
                }
            }
            "x-columns" => {
                node.columns =
                    self.strings(value, at, "`x-columns` must be an array of column names")
            }
            "x-kind" => match value {
                Value::String(kind) => node.kind = Some(kind.clone()),
                _ => self.malformed(at, "`x-kind` must be an artifact kind id"),
            },
            "propertyNames" => {
                node.property_names = Some(Box::new(self.node(value, at.to_owned(), false)))
            }
            "items" => {
                if value.is_array() {
                    self.unsupported(
                        at,
                        "tuple-form `items` (an array of schemas) is not supported; use one schema",
                    );
                } else {
                    node.items = Some(Box::new(self.node(value, at.to_owned(), false)));
                }
            }
            "minItems" => node.min_items = self.count(value, at),
            "maxItems" => node.max_items = self.count(value, at),
            "minLength" => node.min_length = self.count(value, at),
            "maxLength" => node.max_length = self.count(value, at),
            "minimum" => node.minimum = self.number(value, at),
            "maximum" => node.maximum = self.number(value, at),
            "exclusiveMinimum" => node.exclusive_minimum = self.number(value, at),
            "exclusiveMaximum" => node.exclusive_maximum = self.number(value, at),
            "enum" => match value {
                Value::Array(values) if !values.is_empty() => {
                    node.enumeration = Some(values.clone())
                }
                _ => self.malformed(at, "`enum` must be a non-empty array"),
            },
            "const" => node.constant = Some(value.clone()),
            "pattern" => match value {
                Value::String(source) => match regex::Regex::new(source) {
                    Ok(regex) => node.pattern = Some((source.clone(), regex)),
                    Err(err) => self.malformed(
                        at,
                        format!("`pattern` is not a valid regular expression: {err}"),
                    ),
                },
                _ => self.malformed(at, "`pattern` must be a string"),
            },
            "format" => match value.as_str().map(format::parse_name) {
                Some(Some(format)) => node.format = Some(format),
                Some(None) => {
                    self.unsupported(at, "only the formats `date` and `date-time` are supported")
                }
                None => self.malformed(at, "`format` must be a string"),
            },
            "oneOf" => node.one_of = self.alternatives(value, at, "oneOf"),
            "anyOf" => node.any_of = self.alternatives(value, at, "anyOf"),
            "allOf" => node.all_of = self.alternatives(value, at, "allOf"),
            "$ref" => match value.as_str() {
                Some("#") => node.reference = Some(self.reference(Reference::Root, at)),
                Some(target) => match target.strip_prefix("#/$defs/") {
                    Some(name) if !name.contains('/') => {
                        let name = name.replace("~1", "/").replace("~0", "~");
                        node.reference = Some(self.reference(Reference::Def(name), at));
                    }
                    _ => self.unsupported(
                        at,
                        format!("`$ref` must be `#` or `#/$defs/NAME`, found `{target}`"),
                    ),
                },
                None => self.malformed(at, "`$ref` must be a string"),
            },
            "$defs" if is_root => {}
            "$defs" => self.unsupported(at, "`$defs` is only supported at the root of the schema"),
            "default" => node.default = Some(value.clone()),
            "examples" => match value {
                Value::Array(values) => node.examples = values.clone(),
                _ => self.malformed(at, "`examples` must be an array"),
            },
            "title" | "description" => match value {
                Value::String(text) if keyword == "title" => node.title = Some(text.clone()),
                Value::String(text) => node.description = Some(text.clone()),
                _ => self.malformed(at, format!("`{keyword}` must be a string")),
            },
            _ if ANNOTATIONS.contains(&keyword) => {}
            _ => {
                let hint = suggestion(keyword)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                self.unsupported(
                    at,
                    format!("the keyword `{keyword}` is not supported{hint}"),
                );
            }
        }
    }

    fn unsupported(&mut self, at: &str, message: impl Into<String>) {
        self.diagnostics.push(
            Diagnostic::error(codes::UNSUPPORTED_KEYWORD, message)
                .at(at)
                .with_help("writ validates a subset of JSON Schema; see docs/diagnostics/README.md (S0001)"),
        );
    }

    fn reference(&mut self, reference: Reference, at: &str) -> Reference {
        self.refs.push((reference.clone(), at.to_owned()));
        reference
    }

    fn types(&mut self, value: &Value, at: &str) -> Vec<JsonType> {
        let names: Vec<(String, &Value)> = match value {
            Value::String(_) => vec![(at.to_owned(), value)],
            Value::Array(items) if !items.is_empty() => items
                .iter()
                .enumerate()
                .map(|(i, item)| (push_index(at, i), item))
                .collect(),
            _ => {
                self.malformed(
                    at,
                    "`type` must be a type name or a non-empty array of them",
                );
                return Vec::new();
            }
        };
        let mut types = Vec::new();
        for (pointer, name) in names {
            match name.as_str().and_then(JsonType::parse) {
                Some(t) => types.push(t),
                None => self.malformed(
                    &pointer,
                    format!("`{name}` is not a type (null, boolean, object, array, number, integer, string)"),
                ),
            }
        }
        types
    }

    fn strings(&mut self, value: &Value, at: &str, message: &str) -> Vec<String> {
        match value.as_array().and_then(|items| {
            items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect()
        }) {
            Some(names) => names,
            None => {
                self.malformed(at, message);
                Vec::new()
            }
        }
    }

    fn count(&mut self, value: &Value, at: &str) -> Option<u64> {
        let count = value.as_u64();
        if count.is_none() {
            self.malformed(at, "expected a non-negative integer");
        }
        count
    }

    fn number(&mut self, value: &Value, at: &str) -> Option<f64> {
        let number = value.as_f64();
        if number.is_none() {
            self.malformed(at, "expected a number");
        }
        number
    }

    fn alternatives(&mut self, value: &Value, at: &str, keyword: &str) -> Vec<Node> {
        match value {
            Value::Array(items) if !items.is_empty() => items
                .iter()
                .enumerate()
                .map(|(i, item)| self.node(item, push_index(at, i), false))
                .collect(),
            _ => {
                self.malformed(
                    at,
                    format!("`{keyword}` must be a non-empty array of schemas"),
                );
                Vec::new()
            }
        }
    }
}

/// Near-misses worth naming: common keywords of other drafts and typos.
fn suggestion(keyword: &str) -> Option<&'static str> {
    match keyword {
        "definitions" => Some("$defs"),
        "require" | "requires" => Some("required"),
        "property" | "props" => Some("properties"),
        "item" => Some("items"),
        "min" => Some("minimum"),
        "max" => Some("maximum"),
        "enums" => Some("enum"),
        "synonyms" | "x-synonym" => Some("x-synonyms"),
        _ => None,
    }
}
