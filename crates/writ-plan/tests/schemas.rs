//! The committed files under `schemas/` must equal what the types generate. `WRIT_BLESS=1` rewrites them.

use std::path::PathBuf;

#[test]
fn committed_schemas_match_the_types() -> anyhow::Result<()> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    let bless = std::env::var("WRIT_BLESS").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for (name, schema) in writ_plan::schema::all_schemas() {
        let path = dir.join(name);
        let text = serde_json::to_string_pretty(&schema)? + "\n";
        if bless {
            std::fs::create_dir_all(&dir)?;
            std::fs::write(&path, &text)?;
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "stale schemas (rerun with WRIT_BLESS=1): {stale:?}"
    );
    Ok(())
}

#[test]
fn schemas_are_closed_against_unknown_fields() {
    let schema = writ_plan::schema::plan_candidate_schema();
    assert_eq!(schema["additionalProperties"], serde_json::json!(false));
    assert_eq!(
        schema["$defs"]["StepCandidate"]["additionalProperties"],
        serde_json::json!(false)
    );
}
