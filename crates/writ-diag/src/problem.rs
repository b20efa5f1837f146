//! RFC 9457 problem details, the one error body of writ's HTTP surfaces (the worker's API and the sandbox
//! server): a stable `type` URI per kind of problem (clients branch on its last segment, the slug), a title
//! that is the same for every occurrence, the detail of this one, and the JSON pointer of the offending
//! member when there is one. Compiler diagnostics become problems through [`crate::to_problem`].

use serde_json::{json, Value};

/// Every problem `type` URI is this base and the problem's slug.
pub const PROBLEM_BASE: &str = "https://writ.dev/problems/";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{slug}: {detail}")]
pub struct Problem {
    pub status: u16,
    /// Last segment of the `type` URI; stable, clients branch on it.
    pub slug: &'static str,
    pub title: &'static str,
    pub detail: String,
    /// JSON pointer into the request body naming the offending member, when there is one.
    pub pointer: Option<String>,
    /// Extension members (RFC 9457 §3.2), merged into the body.
    pub extra: Option<Value>,
}

impl Problem {
    pub fn new(
        status: u16,
        slug: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Problem {
            status,
            slug,
            title,
            detail: detail.into(),
            pointer: None,
            extra: None,
        }
    }

    pub fn at(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = Some(pointer.into());
        self
    }

    pub fn with(mut self, extra: Value) -> Self {
        self.extra = Some(extra);
        self
    }

    /// The `application/problem+json` body.
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "type": format!("{PROBLEM_BASE}{}", self.slug),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        });
        if let (Some(pointer), Some(map)) = (&self.pointer, body.as_object_mut()) {
            map.insert("pointer".into(), Value::String(pointer.clone()));
        }
        if let (Some(Value::Object(extra)), Some(map)) = (&self.extra, body.as_object_mut()) {
            for (k, v) in extra {
                // Extensions never overwrite the standard members.
                if !matches!(
                    k.as_str(),
                    "type" | "title" | "status" | "detail" | "pointer"
                ) {
                    map.insert(k.clone(), v.clone());
                }
            }
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_type_uri_pointer_and_extensions_without_overwriting() {
        let p = Problem::new(
            422,
            "input-hash-mismatch",
            "An input's content does not match",
            "got b3:11",
        )
        .at("/inputs/a/files/0/hash")
        .with(json!({"run_id": "r1", "status": 200}));
        let v = p.to_json();
        assert_eq!(v["type"], "https://writ.dev/problems/input-hash-mismatch");
        assert_eq!(v["status"], 422);
        assert_eq!(v["pointer"], "/inputs/a/files/0/hash");
        assert_eq!(v["run_id"], "r1");
    }
}
