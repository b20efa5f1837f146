//! Artifacts by kind: what the items of an artifact are (for a fan-out step), how to count them, slice them
//! into a shard's input, merge shard outputs back, and read an artifact for validation. The worker calls these
//! and knows no format; the compiler asks [`items_of`] whether a kind can be fanned out over.
//!
//! | kind                                   | layout     | items                          |
//! |----------------------------------------|------------|--------------------------------|
//! | `table.csv`, `table.tsv`               | one file   | data rows                      |
//! | `file.batch`, `web.bundle.static`, `code.bundle.project` | bundle | files (sorted by path) |
//! | `table.json_rows`, `dataset.*`, `evidence.json_rows`, `citations.list`, `file.batch_manifest` | one JSON file | elements of the top-level array |
//! | `object.json`, `web.asset_manifest`, … | one JSON file | elements of the array at the fan-out's `items` pointer |
//! | anything else (text, Markdown, PDF…)   | one file   | none                           |

use serde_json::Value;

use crate::bundle::Bundle;
use crate::table::Table;
use crate::ArtifactError;

/// What the items of a kind are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Items {
    /// Data rows of a delimited table.
    Rows { delimiter: u8 },
    /// Files of a bundle.
    Files,
    /// Elements of a JSON array: the top-level value (`pointer_required: false`) or the array at the
    /// fan-out's `items` pointer (`true`).
    JsonArray { pointer_required: bool },
    /// The kind has no items.
    None,
}

/// The items of `kind`.
pub fn items_of(kind: &str) -> Items {
    match kind {
        "table.csv" => Items::Rows { delimiter: b',' },
        "table.tsv" => Items::Rows { delimiter: b'\t' },
        _ if is_bundle(kind) => Items::Files,
        "table.json_rows" | "evidence.json_rows" | "citations.list" | "file.batch_manifest" => {
            Items::JsonArray {
                pointer_required: false,
            }
        }
        _ if kind.starts_with("dataset.") => Items::JsonArray {
            pointer_required: false,
        },
        _ if is_json(kind) => Items::JsonArray {
            pointer_required: true,
        },
        _ => Items::None,
    }
}

/// Kinds stored as a bundle manifest over content-addressed files.
pub fn is_bundle(kind: &str) -> bool {
    matches!(
        kind,
        "file.batch" | "web.bundle.static" | "code.bundle.project"
    )
}

/// Kinds whose single file is JSON.
pub fn is_json(kind: &str) -> bool {
    kind.starts_with("object.json")
        || kind.ends_with("json_rows")
        || kind.starts_with("dataset.")
        || matches!(
            kind,
            "file.batch_manifest"
                | "citations.list"
                | "validation.results"
                | "web.asset_manifest"
                | "web.navigation"
                | "deployment.receipt"
        )
}

fn cannot(kind: &str) -> ArtifactError {
    ArtifactError::Kind(format!("a `{kind}` has no items to fan out over"))
}

fn json(bytes: &[u8]) -> Result<Value, ArtifactError> {
    serde_json::from_slice(bytes).map_err(|e| ArtifactError::Json(e.to_string()))
}

/// The array addressed by `pointer` (`""` for the whole value), or an error naming the pointer.
fn array_at<'a>(value: &'a mut Value, pointer: &str) -> Result<&'a mut Vec<Value>, ArtifactError> {
    match value.pointer_mut(pointer) {
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(ArtifactError::Json(format!(
            "the value at `{}` is not an array",
            display(pointer)
        ))),
        None => Err(ArtifactError::Json(format!(
            "no value at `{}`",
            display(pointer)
        ))),
    }
}

fn display(pointer: &str) -> &str {
    if pointer.is_empty() {
        "/"
    } else {
        pointer
    }
}

fn pointer_for<'a>(kind: &str, items: Option<&'a str>) -> Result<&'a str, ArtifactError> {
    match (items_of(kind), items) {
        (
            Items::JsonArray {
                pointer_required: true,
            },
            None,
        ) => Err(ArtifactError::Kind(format!(
            "a `{kind}` needs the fan-out's `items` pointer to name its array"
        ))),
        (_, p) => Ok(p.unwrap_or("")),
    }
}

/// How many items the artifact holds. A malformed artifact is an error saying why, never zero items.
pub fn count_items(kind: &str, items: Option<&str>, bytes: &[u8]) -> Result<u64, ArtifactError> {
    Ok(match items_of(kind) {
        Items::Rows { delimiter } => Table::parse_delimited(bytes, delimiter)?.rows.len() as u64,
        Items::Files => Bundle::parse(bytes)?.files.len() as u64,
        Items::JsonArray { .. } => {
            let mut v = json(bytes)?;
            array_at(&mut v, pointer_for(kind, items)?)?.len() as u64
        }
        Items::None => return Err(cannot(kind)),
    })
}

/// Items `[start, end)` as the shard's input: the same kind, the items sliced, everything else kept.
pub fn slice_items(
    kind: &str,
    items: Option<&str>,
    bytes: &[u8],
    start: usize,
    end: usize,
) -> Result<Vec<u8>, ArtifactError> {
    match items_of(kind) {
        Items::Rows { delimiter } => {
            let t = Table::parse_delimited(bytes, delimiter)?;
            let end = end.min(t.rows.len());
            let start = start.min(end);
            Table {
                header: t.header,
                rows: t.rows[start..end].to_vec(),
            }
            .to_delimited(delimiter)
        }
        Items::Files => Bundle::parse(bytes)?.slice(start, end).to_bytes(),
        Items::JsonArray { .. } => {
            let mut v = json(bytes)?;
            let a = array_at(&mut v, pointer_for(kind, items)?)?;
            let end = end.min(a.len());
            let start = start.min(end);
            *a = a[start..end].to_vec();
            serde_json::to_vec_pretty(&v).map_err(|e| ArtifactError::Json(e.to_string()))
        }
        Items::None => Err(cannot(kind)),
    }
}

/// Shard outputs of `kind` merged in shard order: tables concatenated (one header), bundles united (a path
/// written by two shards is an error), JSON arrays concatenated (at `items` when the outputs are objects:
/// the first shard's other members are kept and every shard's must equal them). Text and other kinds
/// cannot be merged: their step must not fan out into them.
pub fn merge_items(
    kind: &str,
    items: Option<&str>,
    parts: &[&[u8]],
) -> Result<Vec<u8>, ArtifactError> {
    match items_of(kind) {
        Items::Rows { delimiter } => {
            let mut merged: Option<Table> = None;
            for (index, bytes) in parts.iter().enumerate() {
                let t = Table::parse_delimited(bytes, delimiter)?;
                match &mut merged {
                    None => merged = Some(t),
                    Some(m) if m.header != t.header => {
                        return Err(ArtifactError::HeaderMismatch {
                            index,
                            expected: m.header.clone(),
                            found: t.header,
                        })
                    }
                    Some(m) => m.rows.extend(t.rows),
                }
            }
            merged
                .ok_or_else(|| ArtifactError::Kind("no shard outputs to merge".into()))?
                .to_delimited(delimiter)
        }
        Items::Files => {
            let bundles = parts
                .iter()
                .map(|b| Bundle::parse(b))
                .collect::<Result<Vec<_>, _>>()?;
            Bundle::merge(&bundles)?.to_bytes()
        }
        Items::JsonArray { .. } => {
            let pointer = items.unwrap_or("");
            let mut merged: Option<Value> = None;
            for (index, bytes) in parts.iter().enumerate() {
                let mut v = json(bytes)?;
                let taken = std::mem::take(array_at(&mut v, pointer)?);
                match &mut merged {
                    None => {
                        *array_at(&mut v, pointer)? = taken;
                        merged = Some(v);
                    }
                    Some(m) => {
                        let mut rest = m.clone();
                        array_at(&mut rest, pointer)?.clear();
                        if rest != v {
                            return Err(ArtifactError::Json(format!(
                                "shard {index} differs from the first shard outside `{}`",
                                display(pointer)
                            )));
                        }
                        array_at(m, pointer)?.extend(taken);
                    }
                }
            }
            let merged = merged.ok_or_else(|| ArtifactError::Kind("no shard outputs to merge".into()))?;
            serde_json::to_vec_pretty(&merged).map_err(|e| ArtifactError::Json(e.to_string()))
        }
        Items::None => Err(ArtifactError::Kind(format!(
            "shard outputs of kind `{kind}` cannot be merged; a fan-out step emits tables, JSON arrays or bundles"
        ))),
    }
}

/// The artifact as the validation ladder reads it: a table as JSON rows of string cells, JSON as its value,
/// text as a string, a bundle as an object of path → text (`files` gives each file's bytes; a binary file
/// is `null`). An artifact that cannot be read as its kind is an error saying why.
pub fn read_for_validation(
    kind: &str,
    bytes: &[u8],
    files: &dyn Fn(&crate::BundleFile) -> Option<Vec<u8>>,
) -> Result<Value, ArtifactError> {
    match items_of(kind) {
        Items::Rows { delimiter } => Ok(Table::parse_delimited(bytes, delimiter)?.to_json_rows()),
        Items::Files => {
            let mut out = serde_json::Map::new();
            for f in Bundle::parse(bytes)?.files {
                let content = files(&f).ok_or_else(|| {
                    ArtifactError::Bundle(format!(
                        "the file `{}` ({}) is not stored",
                        f.path, f.hash
                    ))
                })?;
                out.insert(
                    f.path.clone(),
                    String::from_utf8(content)
                        .map(Value::String)
                        .unwrap_or(Value::Null),
                );
            }
            Ok(Value::Object(out))
        }
        _ if is_json(kind) => json(bytes),
        _ => String::from_utf8(bytes.to_vec())
            .map(Value::String)
            .map_err(|e| ArtifactError::Kind(format!("a `{kind}` is not UTF-8 text: {e}"))),
    }
}

/// The bytes of an artifact the validation ladder corrected: `corrected` is the ladder's final value (as
/// [`read_for_validation`] gave it to the ladder, corrections applied), written back as `kind`. A table
/// keeps the original's column order, a renamed column in its old place (`renames`: `from` → `to`), columns
/// the corrections added after it in name order; a cell is its text, a number or boolean its JSON text,
/// null empty. A JSON kind is written as pretty JSON, a text kind as its text. A bundle is never corrected
/// in place: its files are checked, not rewritten.
pub fn write_corrected(
    kind: &str,
    original: &[u8],
    corrected: &Value,
    renames: &[(String, String)],
) -> Result<Vec<u8>, ArtifactError> {
    match items_of(kind) {
        Items::Rows { delimiter } => {
            let before = Table::parse_delimited(original, delimiter)?;
            let rows = corrected.as_array().ok_or_else(|| {
                ArtifactError::Kind(format!("the corrected `{kind}` is not an array of rows"))
            })?;
            let mut header: Vec<String> = before
                .header
                .iter()
                .map(|c| {
                    renames
                        .iter()
                        .find(|(from, _)| from == c)
                        .map_or_else(|| c.clone(), |(_, to)| to.clone())
                })
                .collect();
            let mut added = std::collections::BTreeSet::new();
            for row in rows {
                let obj = row.as_object().ok_or_else(|| {
                    ArtifactError::Kind(format!("a corrected row of the `{kind}` is not an object"))
                })?;
                added.extend(obj.keys().filter(|k| !header.contains(k)).cloned());
            }
            header.extend(added);
            let cell = |v: Option<&Value>| match v {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            };
            let rows = rows
                .iter()
                .map(|r| header.iter().map(|c| cell(r.get(c))).collect())
                .collect();
            Table { header, rows }.to_delimited(delimiter)
        }
        Items::Files => Err(ArtifactError::Kind(format!(
            "a `{kind}` is checked file by file, never rewritten by a correction"
        ))),
        _ if is_json(kind) => {
            let mut text = serde_json::to_string_pretty(corrected)
                .map_err(|e| ArtifactError::Kind(format!("the corrected `{kind}`: {e}")))?;
            text.push('\n');
            Ok(text.into_bytes())
        }
        _ => corrected
            .as_str()
            .map(|t| t.as_bytes().to_vec())
            .ok_or_else(|| ArtifactError::Kind(format!("the corrected `{kind}` is not text"))),
    }
}

#[cfg(test)]
mod tests;
