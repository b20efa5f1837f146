//! Turns an execute request into a checked attempt: safe names, decoded contents, verified hashes, resolved
//! limits. Nothing runs unless every check here passed.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use writ_canon::ContentHash;

use crate::api::{Bridge, ExecuteRequest};
use crate::limits::Limits;
use crate::problem::{Problem, SandboxProblem};

#[derive(Debug)]
pub struct Attempt {
    pub attempt_id: String,
    pub program: String,
    pub inputs: BTreeMap<String, SlotInput>,
    /// module name → source
    pub skills: BTreeMap<String, String>,
    pub tools: BTreeSet<String>,
    pub bridge: Option<Bridge>,
    pub limits: Limits,
}

#[derive(Debug)]
pub struct SlotInput {
    pub kind: String,
    pub hash: String,
    pub files: Vec<FileInput>,
}

#[derive(Debug)]
pub struct FileInput {
    pub name: String,
    pub bytes: Vec<u8>,
    pub hash: ContentHash,
}

/// A name that becomes one path component: no separators, no `..`, no hidden files, no surprises in a shell.
pub fn is_safe_component(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn is_python_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.len() <= 128
}

fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

pub fn check(request: ExecuteRequest) -> Result<Attempt, Problem> {
    let id = &request.attempt_id;
    if id.is_empty() || id.len() > 200 || id.chars().any(char::is_control) {
        return Err(
            Problem::invalid("attempt_id must be 1..=200 printable characters").at("/attempt_id"),
        );
    }
    let limits = Limits::resolve(&request.limits).map_err(|e| {
        Problem::new(
            422,
            "limit-out-of-range",
            "A requested limit is outside what this server allows",
            e.to_string(),
        )
        .at(format!("/limits/{}", e.field))
    })?;
    if let Some(bridge) = &request.bridge {
        if !(bridge.url.starts_with("http://") || bridge.url.starts_with("https://")) {
            return Err(Problem::invalid("bridge.url must be an http(s) URL").at("/bridge/url"));
        }
    }

    let mut inputs = BTreeMap::new();
    for (slot, input) in request.inputs {
        let at = format!("/inputs/{}", escape_pointer(&slot));
        if !is_safe_component(&slot) {
            return Err(Problem::invalid(format!(
                "slot name {slot:?} is not a safe path component"
            ))
            .at(at));
        }
        let declared_slot = ContentHash::parse(&input.hash)
            .map_err(|e| Problem::invalid(e.to_string()).at(format!("{at}/hash")))?;
        // A bundle's files keep their relative paths (a site's `products/x.html`); other kinds' are flat.
        let bundle = writ_artifact::is_bundle(&input.kind);
        let mut names = BTreeSet::new();
        let mut files = Vec::with_capacity(input.files.len());
        for (i, file) in input.files.into_iter().enumerate() {
            let fat = format!("{at}/files/{i}");
            let safe = if bundle {
                writ_artifact::check_path(&file.name).is_ok()
                    && file.name.split('/').all(is_safe_component)
            } else {
                is_safe_component(&file.name)
            };
            if !safe || !names.insert(file.name.clone()) {
                return Err(Problem::invalid(format!(
                    "file name {:?} is unsafe or repeated",
                    file.name
                ))
                .at(format!("{fat}/name")));
            }
            let bytes = match (file.content_b64, file.text) {
                (Some(b64), None) => base64::engine::general_purpose::STANDARD
                    .decode(b64.as_bytes())
                    .map_err(|e| {
                        Problem::invalid(format!("content_b64: {e}"))
                            .at(format!("{fat}/content_b64"))
                    })?,
                (None, Some(text)) => text.into_bytes(),
                _ => {
                    return Err(Problem::invalid(
                        "exactly one of content_b64 and text is required",
                    )
                    .at(fat));
                }
            };
            let declared = ContentHash::parse(&file.hash)
                .map_err(|e| Problem::invalid(e.to_string()).at(format!("{fat}/hash")))?;
            let actual = ContentHash::of_bytes(&bytes);
            if actual != declared {
                return Err(Problem::hash_mismatch(format!(
                    "{slot}/{}: declared {declared}, content hashes to {actual}",
                    file.name
                ))
                .at(format!("{fat}/hash")));
            }
            files.push(FileInput {
                name: file.name,
                bytes,
                hash: actual,
            });
        }
        // The protocol defines a one-file artifact's hash as its file's hash (a bundle's is its manifest's);
        // other shapes are the worker's business.
        if let (false, [only]) = (bundle, files.as_slice()) {
            if only.hash != declared_slot {
                return Err(Problem::hash_mismatch(format!(
                    "{slot}: slot hash {declared_slot} is not its only file's hash {}",
                    only.hash
                ))
                .at(format!("{at}/hash")));
            }
        }
        inputs.insert(
            slot,
            SlotInput {
                kind: input.kind,
                hash: input.hash,
                files,
            },
        );
    }

    let mut skills = BTreeMap::new();
    for (i, skill) in request.skills.into_iter().enumerate() {
        // A dotted module (`text.find_lines`) is delivered as a package path (`skills/text/find_lines.py`).
        let dotted = !skill.module.is_empty() && skill.module.split('.').all(is_python_identifier);
        if !dotted || skills.contains_key(&skill.module) {
            return Err(Problem::invalid(format!(
                "skill {}: module {:?} is not a dotted Python module name or is repeated",
                skill.id, skill.module
            ))
            .at(format!("/skills/{i}/module")));
        }
        skills.insert(skill.module, skill.source);
    }

    Ok(Attempt {
        attempt_id: request.attempt_id,
        program: request.program,
        inputs,
        skills,
        tools: request.tools.into_iter().collect(),
        bridge: request.bridge,
        limits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(inputs: serde_json::Value) -> ExecuteRequest {
        serde_json::from_value(json!({"attempt_id": "a1", "program": "print(1)", "inputs": inputs}))
            .unwrap_or_else(|e| panic!("test request must parse: {e}"))
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn checks_table() {
        let good = ContentHash::of_bytes(b"a,b\n1,2\n").to_string();
        let other = ContentHash::of_bytes(b"x").to_string();
        let cases: Vec<(&str, serde_json::Value, Option<(&str, &str)>)> = vec![
            (
                "ok",
                json!({"t": {"kind": "table.csv", "hash": good, "files": [{"name": "t.csv", "text": "a,b\n1,2\n", "hash": good}]}}),
                None,
            ),
            (
                "file hash mismatch",
                json!({"t": {"kind": "table.csv", "hash": other, "files": [{"name": "t.csv", "text": "a,b\n1,2\n", "hash": other}]}}),
                Some(("input-hash-mismatch", "/inputs/t/files/0/hash")),
            ),
            (
                "slot hash mismatch",
                json!({"t": {"kind": "table.csv", "hash": other, "files": [{"name": "t.csv", "text": "a,b\n1,2\n", "hash": good}]}}),
                Some(("input-hash-mismatch", "/inputs/t/hash")),
            ),
            (
                "traversal in file name",
                json!({"t": {"kind": "k", "hash": good, "files": [{"name": "../x", "text": "", "hash": good}]}}),
                Some(("invalid-request", "/inputs/t/files/0/name")),
            ),
            (
                "nested path outside a bundle",
                json!({"t": {"kind": "k", "hash": good, "files": [{"name": "a/t.csv", "text": "a,b\n1,2\n", "hash": good}]}}),
                Some(("invalid-request", "/inputs/t/files/0/name")),
            ),
            (
                "a bundle of one file keeps its path and its manifest hash",
                json!({"t": {"kind": "file.batch", "hash": other, "files": [{"name": "pages/t.csv", "text": "a,b\n1,2\n", "hash": good}]}}),
                None,
            ),
            (
                "bundle path escaping",
                json!({"t": {"kind": "web.bundle.static", "hash": other, "files": [{"name": "a/../../x", "text": "a,b\n1,2\n", "hash": good}]}}),
                Some(("invalid-request", "/inputs/t/files/0/name")),
            ),
            (
                "traversal in slot",
                json!({"../t": {"kind": "k", "hash": good, "files": []}}),
                Some(("invalid-request", "/inputs/..~1t")),
            ),
            (
                "both contents",
                json!({"t": {"kind": "k", "hash": good, "files": [{"name": "a", "text": "", "content_b64": "", "hash": good}]}}),
                Some(("invalid-request", "/inputs/t/files/0")),
            ),
            (
                "bad hash syntax",
                json!({"t": {"kind": "k", "hash": "md5:1", "files": []}}),
                Some(("invalid-request", "/inputs/t/hash")),
            ),
        ];
        for (name, inputs, expected) in cases {
            let got = check(request(inputs))
                .err()
                .map(|p| (p.slug, p.pointer.unwrap_or_default()));
            let expected = expected.map(|(s, p)| (s, p.to_string()));
            assert_eq!(got, expected, "{name}");
        }
    }

    #[test]
    fn safe_components() {
        for (name, ok) in [
            ("a.csv", true),
            ("", false),
            (".hidden", false),
            ("a/b", false),
            ("..", false),
            ("a b", false),
        ] {
            assert_eq!(is_safe_component(name), ok, "{name:?}");
        }
    }
}
