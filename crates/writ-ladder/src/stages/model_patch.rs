//! Stage 8: a model proposes an RFC 6902 patch for what the schema still rejects. It is applied only when
//! every path it touches is allowed, it applies cleanly, the result validates against the schema, and the
//! guard finds nothing in the result. Allowed paths are the contract's patterns (`*` matches one token), or,
//! when the contract names none, any path the schema declares (never the whole document).

use serde_json::Value;

use super::Fixes;
use crate::diag::{self, Diagnostic};
use crate::guard::Guard;
use crate::model::{json_text, strip_fence, PromptPart};
use crate::patch::{self, PatchOp};
use crate::schema::{self, SchemaCheck};

pub fn prompt(
    root: &Value,
    value: &Value,
    failures: &[Diagnostic],
    allowed: &[String],
) -> Vec<PromptPart> {
    let failures: Vec<Value> = failures
        .iter()
        .map(|d| serde_json::json!({"pointer": crate::diag::pointer_of(d), "message": d.message}))
        .collect();
    let mut parts = vec![
        PromptPart::new(
            "instructions",
            "A step's output fails its schema. Propose a JSON Patch (RFC 6902) that fixes the failures listed, \
             changing nothing else. Reply with only the JSON array of operations.",
        ),
        PromptPart::new("schema", json_text(root)),
        PromptPart::new("failures", json_text(&Value::from(failures))),
        PromptPart::new("value", json_text(value)),
    ];
    if !allowed.is_empty() {
        parts.push(PromptPart::new(
            "allowed_paths",
            json_text(&Value::from(allowed.to_vec())),
        ));
    }
    parts
}

fn matches_pattern(pattern: &str, path: &str) -> bool {
    let (Ok(want), Ok(got)) = (patch::tokens(pattern), patch::tokens(path)) else {
        return false;
    };
    want.len() == got.len() && want.iter().zip(&got).all(|(w, g)| w == "*" || w == g)
}

/// The path names a place the schema declares: each object token a declared property, each array token an
/// index (or `-`) under `items`.
fn declared_by_schema(root: &Value, path: &str) -> bool {
    let Ok(tokens) = patch::tokens(path) else {
        return false;
    };
    if tokens.is_empty() {
        return false;
    }
    let mut node = schema::resolve(root, root);
    for token in tokens {
        let next = if let Some(p) = schema::properties(node).and_then(|p| p.get(&token)) {
            Some(p)
        } else if token == "-" || token.bytes().all(|b| b.is_ascii_digit()) {
            schema::items(node)
        } else {
            None
        };
        match next {
            Some(n) => node = schema::resolve(root, n),
            None => return false,
        }
    }
    true
}

fn allowed_path(root: &Value, allowed: &[String], path: &str) -> bool {
    if allowed.is_empty() {
        declared_by_schema(root, path)
    } else {
        allowed.iter().any(|p| matches_pattern(p, path))
    }
}

fn refuse(fixes: &mut Fixes, message: String) {
    fixes.diagnostics.push(
        diag::warning(diag::PATCH_REFUSED, "", message)
            .with_help("the value is left as the earlier stages made it"),
    );
}

pub fn apply_reply(
    root: &Value,
    value: &mut Value,
    reply: &str,
    allowed: &[String],
    check: &dyn SchemaCheck,
    guard: &Guard,
) -> Fixes {
    let mut fixes = Fixes::default();
    let ops: Vec<PatchOp> = match serde_json::from_str(strip_fence(reply)) {
        Ok(ops) => ops,
        Err(e) => {
            refuse(&mut fixes, format!("the reply is not a JSON Patch: {e}"));
            return fixes;
        }
    };
    if ops.is_empty() {
        return fixes;
    }
    if let Some(bad) = ops
        .iter()
        .flat_map(PatchOp::paths)
        .find(|p| !allowed_path(root, allowed, p))
    {
        refuse(
            &mut fixes,
            format!("the patch touches `{bad}`, which it may not"),
        );
        return fixes;
    }
    let patched = match patch::apply(value, &ops) {
        Ok(v) => v,
        Err(e) => {
            refuse(&mut fixes, format!("the patch does not apply: {e}"));
            return fixes;
        }
    };
    let remaining = check.check(root, &patched);
    if !remaining.is_empty() {
        refuse(
            &mut fixes,
            format!(
                "the patched value still fails the schema ({} failures)",
                remaining.len()
            ),
        );
        return fixes;
    }
    if !guard.scan(&patched).is_empty() {
        refuse(
            &mut fixes,
            "the patched value holds guarded content (secrets or personal data)".into(),
        );
        return fixes;
    }
    *value = patched;
    for op in ops {
        fixes.push(
            op,
            "applied a model-proposed patch".into(),
            "the schema rejected the value and the patch makes it valid".into(),
        );
    }
    fixes
}
