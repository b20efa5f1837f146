//! JSON Patch (RFC 6902) operations over JSON pointers (RFC 6901): the form every correction is recorded in.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PatchOp {
    Add { path: String, value: Value },
    Remove { path: String },
    Replace { path: String, value: Value },
    Move { from: String, path: String },
    Copy { from: String, path: String },
    Test { path: String, value: Value },
}

impl PatchOp {
    /// Every pointer the operation reads or writes.
    pub fn paths(&self) -> Vec<&str> {
        match self {
            PatchOp::Add { path, .. }
            | PatchOp::Remove { path }
            | PatchOp::Replace { path, .. }
            | PatchOp::Test { path, .. } => vec![path],
            PatchOp::Move { from, path } | PatchOp::Copy { from, path } => vec![from, path],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    #[error("`{0}` is not a JSON pointer (it must be empty or start with `/`)")]
    BadPointer(String),
    #[error("nothing at `{0}`")]
    NotFound(String),
    #[error("`{0}` names an array position that is not a valid index")]
    BadIndex(String),
    #[error("test failed at `{0}`")]
    TestFailed(String),
    #[error("cannot move `{0}` into its own child")]
    MoveIntoChild(String),
}

/// Escapes one reference token (`~` → `~0`, `/` → `~1`).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Appends one reference token to a pointer.
pub fn child(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape(token))
}

pub fn index_child(pointer: &str, index: usize) -> String {
    format!("{pointer}/{index}")
}

/// Splits a pointer into unescaped tokens.
pub fn tokens(pointer: &str) -> Result<Vec<String>, PatchError> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let rest = pointer
        .strip_prefix('/')
        .ok_or_else(|| PatchError::BadPointer(pointer.to_string()))?;
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

pub fn get<'a>(value: &'a Value, pointer: &str) -> Result<&'a Value, PatchError> {
    let mut node = value;
    for token in tokens(pointer)? {
        node = match node {
            Value::Object(map) => map.get(&token),
            Value::Array(items) => {
                parse_index(&token, items.len(), pointer)?.and_then(|i| items.get(i))
            }
            _ => None,
        }
        .ok_or_else(|| PatchError::NotFound(pointer.to_string()))?;
    }
    Ok(node)
}

fn get_mut<'a>(
    value: &'a mut Value,
    tokens: &[String],
    pointer: &str,
) -> Result<&'a mut Value, PatchError> {
    let mut node = value;
    for token in tokens {
        node = match node {
            Value::Object(map) => map.get_mut(token),
            Value::Array(items) => {
                let len = items.len();
                match parse_index(token, len, pointer)? {
                    Some(i) => items.get_mut(i),
                    None => None,
                }
            }
            _ => None,
        }
        .ok_or_else(|| PatchError::NotFound(pointer.to_string()))?;
    }
    Ok(node)
}

/// `Some(i)` for a decimal index (no leading zeros), `None` for `-` (one past the end).
fn parse_index(token: &str, _len: usize, pointer: &str) -> Result<Option<usize>, PatchError> {
    if token == "-" {
        return Ok(None);
    }
    let well_formed = !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_digit())
        && (token == "0" || !token.starts_with('0'));
    if !well_formed {
        return Err(PatchError::BadIndex(pointer.to_string()));
    }
    token
        .parse::<usize>()
        .map(Some)
        .map_err(|_| PatchError::BadIndex(pointer.to_string()))
}

fn add(doc: &mut Value, pointer: &str, value: Value) -> Result<(), PatchError> {
    let toks = tokens(pointer)?;
    let Some((last, parent_toks)) = toks.split_last() else {
        *doc = value;
        return Ok(());
    };
    match get_mut(doc, parent_toks, pointer)? {
        Value::Object(map) => {
            map.insert(last.clone(), value);
            Ok(())
        }
        Value::Array(items) => {
            let at = parse_index(last, items.len(), pointer)?.unwrap_or(items.len());
            if at > items.len() {
                return Err(PatchError::BadIndex(pointer.to_string()));
            }
            items.insert(at, value);
            Ok(())
        }
        _ => Err(PatchError::NotFound(pointer.to_string())),
    }
}

fn remove(doc: &mut Value, pointer: &str) -> Result<Value, PatchError> {
    let toks = tokens(pointer)?;
    let Some((last, parent_toks)) = toks.split_last() else {
        return Ok(std::mem::replace(doc, Value::Null));
    };
    match get_mut(doc, parent_toks, pointer)? {
        Value::Object(map) => map
            .shift_remove(last)
            .ok_or_else(|| PatchError::NotFound(pointer.to_string())),
        Value::Array(items) => {
            let at = parse_index(last, items.len(), pointer)?
                .ok_or_else(|| PatchError::BadIndex(pointer.to_string()))?;
            if at >= items.len() {
                return Err(PatchError::NotFound(pointer.to_string()));
            }
            Ok(items.remove(at))
        }
        _ => Err(PatchError::NotFound(pointer.to_string())),
    }
}

fn replace(doc: &mut Value, pointer: &str, value: Value) -> Result<(), PatchError> {
    let toks = tokens(pointer)?;
    let slot = get_mut(doc, &toks, pointer)?;
    *slot = value;
    Ok(())
}

/// Applies one operation in place. On error the document may be partly changed; [`apply`] works on a copy.
pub fn apply_op(doc: &mut Value, op: &PatchOp) -> Result<(), PatchError> {
    match op {
        PatchOp::Add { path, value } => add(doc, path, value.clone()),
        PatchOp::Remove { path } => remove(doc, path).map(|_| ()),
        PatchOp::Replace { path, value } => replace(doc, path, value.clone()),
        PatchOp::Move { from, path } => {
            if path != from && path.starts_with(&format!("{from}/")) {
                return Err(PatchError::MoveIntoChild(from.clone()));
            }
            let moved = remove(doc, from)?;
            add(doc, path, moved)
        }
        PatchOp::Copy { from, path } => {
            let copied = get(doc, from)?.clone();
            add(doc, path, copied)
        }
        PatchOp::Test { path, value } => {
            if get(doc, path)? == value {
                Ok(())
            } else {
                Err(PatchError::TestFailed(path.clone()))
            }
        }
    }
}

/// Applies a whole patch atomically: the result, or the first error and no change.
pub fn apply(doc: &Value, ops: &[PatchOp]) -> Result<Value, PatchError> {
    let mut out = doc.clone();
    for op in ops {
        apply_op(&mut out, op)?;
    }
    Ok(out)
}
