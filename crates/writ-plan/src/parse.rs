//! Parsing plan candidates, frozen plans and profiles from text, with errors that point into the document.

use crate::candidate::PlanCandidate;
use crate::frozen::FrozenPlan;
use crate::profile::ExecutionProfile;
use serde::de::DeserializeOwned;

/// A document that did not parse as the expected type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} at {pointer}: {message}")]
pub struct ParseError {
    /// Stable diagnostic code: `PLAN001` JSON syntax, `PLAN002` shape (missing, unknown or mistyped field),
    /// `PLAN003` TOML syntax or shape.
    pub code: &'static str,
    /// JSON pointer to the offending value (`""` for the whole document).
    pub pointer: String,
    pub message: String,
    /// 1-based line and column where the parser stopped, when known.
    pub line: Option<usize>,
    pub column: Option<usize>,
}

pub const CODE_JSON_SYNTAX: &str = "PLAN001";
pub const CODE_SHAPE: &str = "PLAN002";
pub const CODE_TOML: &str = "PLAN003";

impl PlanCandidate {
    pub fn from_json(text: &str) -> Result<PlanCandidate, ParseError> {
        from_json(text)
    }
}

impl FrozenPlan {
    pub fn from_json(text: &str) -> Result<FrozenPlan, ParseError> {
        from_json(text)
    }
}

impl ExecutionProfile {
    pub fn from_toml(text: &str) -> Result<ExecutionProfile, ParseError> {
        toml::from_str(text).map_err(|e| {
            // toml reports a byte span; turn it into line/column so messages match the JSON ones.
            let (line, column) = match e.span() {
                Some(span) => {
                    let (l, c) = line_col(text, span.start);
                    (Some(l), Some(c))
                }
                None => (None, None),
            };
            ParseError {
                code: CODE_TOML,
                pointer: String::new(),
                message: e.message().to_string(),
                line,
                column,
            }
        })
    }
}

/// Any JSON document into `T`, reporting the JSON pointer of the first problem.
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, ParseError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = result.map_err(|e| {
        let pointer = pointer_of(e.path());
        let inner = e.into_inner();
        let code = if inner.is_syntax() || inner.is_eof() {
            CODE_JSON_SYNTAX
        } else {
            CODE_SHAPE
        };
        ParseError {
            code,
            pointer,
            message: strip_position(&inner.to_string()),
            line: Some(inner.line()),
            column: Some(inner.column()),
        }
    })?;
    de.end().map_err(|e| ParseError {
        code: CODE_JSON_SYNTAX,
        pointer: String::new(),
        message: strip_position(&e.to_string()),
        line: Some(e.line()),
        column: Some(e.column()),
    })?;
    Ok(value)
}

/// serde_json appends " at line L column C"; we carry those separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_string(),
        None => message.to_string(),
    }
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        out.push('/');
        let token = match seg {
            Segment::Seq { index } => index.to_string(),
            Segment::Map { key } => key.clone(),
            Segment::Enum { variant } => variant.clone(),
            Segment::Unknown => continue,
        };
        // RFC 6901 escaping.
        out.push_str(&token.replace('~', "~0").replace('/', "~1"));
    }
    // `Unknown` segments pushed a bare '/'; drop those.
    while out.contains("//") {
        out = out.replace("//", "/");
    }
    if out == "/" {
        out.clear();
    }
    out
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}
