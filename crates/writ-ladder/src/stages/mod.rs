//! The deterministic stages' shared machinery: a schema-guided walk that may rewrite the value, and the
//! accumulator of fixes every correcting stage returns.

pub mod conformance;
pub mod defaults;
pub mod domain;
pub mod model_patch;
pub mod model_rename;
pub mod review;
pub mod structural;
pub mod synonyms;
pub mod transforms;

use serde_json::Value;

use crate::diag::Diagnostic;
use crate::patch::{child, index_child, PatchOp};
use crate::schema;
use crate::types::{CorrectionRecord, Stage};

/// What one correcting stage did: patch operations (valid in sequence against the value it received), a
/// readable note per kind of fix, and diagnostics. Any error diagnostic makes the stage reject, and its
/// corrections are then discarded.
#[derive(Debug, Default)]
pub struct Fixes {
    pub ops: Vec<PatchOp>,
    notes: Vec<(String, String, usize)>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Fixes {
    pub fn push(&mut self, op: PatchOp, what: String, why: String) {
        self.ops.push(op);
        match self
            .notes
            .iter_mut()
            .find(|(w, y, _)| *w == what && *y == why)
        {
            Some(note) => note.2 += 1,
            None => self.notes.push((what, why, 1)),
        }
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// One record for the whole stage: its patch and a summary of what changed and why.
    pub fn record(&self, stage: Stage) -> Option<CorrectionRecord> {
        if self.ops.is_empty() {
            return None;
        }
        let what = self
            .notes
            .iter()
            .map(|(w, _, n)| {
                if *n > 1 {
                    format!("{w} (×{n})")
                } else {
                    w.clone()
                }
            })
            .collect::<Vec<_>>()
            .join("; ");
        let mut whys: Vec<&str> = Vec::new();
        for (_, y, _) in &self.notes {
            if !whys.contains(&y.as_str()) {
                whys.push(y);
            }
        }
        Some(CorrectionRecord {
            stage,
            what,
            why: whys.join("; "),
            patch: self.ops.clone(),
        })
    }
}

const MAX_DEPTH: usize = 128;

/// Visits every (schema, value) pair reachable through `properties` and `items`, parent first, letting the
/// visitor rewrite the node before its children are visited (so children see the rewritten shape and
/// their pointers are valid after the parent's operation).
pub fn walk_mut(
    root: &Value,
    schema: &Value,
    value: &mut Value,
    pointer: &str,
    visit: &mut dyn FnMut(&Value, &mut Value, &str),
) {
    walk_mut_at(root, schema, value, pointer, visit, 0)
}

fn walk_mut_at(
    root: &Value,
    schema: &Value,
    value: &mut Value,
    pointer: &str,
    visit: &mut dyn FnMut(&Value, &mut Value, &str),
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let schema = schema::resolve(root, schema);
    visit(schema, value, pointer);
    match value {
        Value::Object(map) => {
            if let Some(props) = schema::properties(schema) {
                for (key, item) in map.iter_mut() {
                    if let Some(item_schema) = props.get(key) {
                        walk_mut_at(
                            root,
                            item_schema,
                            item,
                            &child(pointer, key),
                            visit,
                            depth + 1,
                        );
                    }
                }
            }
        }
        Value::Array(list) => {
            if let Some(item_schema) = schema::items(schema) {
                for (i, item) in list.iter_mut().enumerate() {
                    walk_mut_at(
                        root,
                        item_schema,
                        item,
                        &index_child(pointer, i),
                        visit,
                        depth + 1,
                    );
                }
            }
        }
        _ => {}
    }
}
