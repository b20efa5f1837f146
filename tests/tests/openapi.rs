//! The OpenAPI document and the API held to it: runs `tests/api_fuzz.py`, which validates
//! `worker/openapi.json` against the OpenAPI 3.1 schema and fuzzes the running Worker with schemathesis.
//!
//! Needs the local stack: run it through `cargo xtask test` (its e2e phase sets `WRIT_API` and `WRIT_TOKEN`),
//! or by hand with `cargo xtask up && . .writ/env && cargo test -p writ-e2e --test openapi`.

use std::path::Path;
use std::process::Command;

#[test]
fn openapi_document_validates_and_the_api_conforms_under_fuzzing() {
    let api = std::env::var("WRIT_API").unwrap_or_default();
    let token = std::env::var("WRIT_TOKEN").unwrap_or_default();
    assert!(
        !api.is_empty() && !token.is_empty(),
        "WRIT_API and WRIT_TOKEN are not set: this test needs the local stack; run it through `cargo xtask test` \
         (or `cargo xtask up && . .writ/env` first)"
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("api_fuzz.py");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent");
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let status = Command::new(&python)
        .arg(&script)
        .current_dir(workspace)
        .env("WRIT_API", &api)
        .env("WRIT_TOKEN", &token)
        .status()
        .unwrap_or_else(|e| panic!("could not start `{python} {}`: {e}", script.display()));
    assert!(
        status.success(),
        "{} failed ({status}): the OpenAPI document is invalid or the API contradicts it; see the schemathesis \
         report above",
        script.display()
    );
}
