//! RFC 9457 problem details: every refusal the server gives, with a stable `type` URI per kind of problem.

use serde_json::{json, Value};

pub const PROBLEM_BASE: &str = "https://writ.dev/problems/";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{slug}: {detail}")]
pub struct Problem {
    pub status: u16,
    /// Last segment of the `type` URI; stable, clients branch on it.
    pub slug: &'static str,
    pub title: &'static str,
    pub detail: String,
    /// JSON pointer into the request body naming the offending member, when there is one.
    pub pointer: Option<String>,
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
        }
    }

    pub fn at(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = Some(pointer.into());
        self
    }

    pub fn invalid(detail: impl Into<String>) -> Self {
        Problem::new(
            422,
            "invalid-request",
            "The request is not a valid execute request",
            detail,
        )
    }

    pub fn hash_mismatch(detail: impl Into<String>) -> Self {
        Problem::new(
            422,
            "input-hash-mismatch",
            "An input's content does not match its declared hash",
            detail,
        )
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Problem::new(
            500,
            "internal",
            "The sandbox server failed on its own side",
            detail,
        )
    }

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
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_type_uri_and_pointer() {
        let p = Problem::hash_mismatch("declared b3:00, got b3:11").at("/inputs/a/files/0/hash");
        let v = p.to_json();
        assert_eq!(v["type"], "https://writ.dev/problems/input-hash-mismatch");
        assert_eq!(v["status"], 422);
        assert_eq!(v["pointer"], "/inputs/a/files/0/hash");
    }
}
