//! The corpus of defective candidates: each file's name starts with the codes it must produce
//! (`E0025+E0027-….json`), exactly those; an optional `<name>.profile.toml` is the execution profile to
//! compile under. Each result is snapshotted rendered as rustc-style text and as JSON.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use writ_compiler::{compile, REGISTRY};
use writ_plan::ExecutionProfile;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn corpus() -> Vec<(String, String, Option<String>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            let text = std::fs::read_to_string(&path).expect("read");
            let profile =
                std::fs::read_to_string(corpus_dir().join(format!("{stem}.profile.toml"))).ok();
            (stem, text, profile)
        })
        .collect()
}

fn expected_codes(stem: &str) -> BTreeSet<String> {
    let prefix = stem.split('-').next().unwrap_or_default();
    prefix.split('+').map(str::to_string).collect()
}

fn profile_of(toml: Option<&str>) -> ExecutionProfile {
    match toml {
        Some(text) => ExecutionProfile::from_toml(text).expect("corpus profile parses"),
        None => common::profile(),
    }
}

#[test]
fn the_corpus_is_large_and_covers_every_code() {
    let files = corpus();
    assert!(files.len() >= 30, "{} files", files.len());
    let covered: BTreeSet<String> = files
        .iter()
        .flat_map(|(stem, ..)| expected_codes(stem))
        .collect();
    for info in REGISTRY.iter().filter(|i| !i.retired) {
        assert!(
            covered.contains(&info.code.to_string()),
            "no corpus file for {}",
            info.code
        );
    }
}

#[test]
fn each_defective_candidate_yields_exactly_its_codes() {
    let catalog = common::catalog();
    for (stem, text, profile) in corpus() {
        let compiled = compile(&text, catalog, &profile_of(profile.as_deref()));
        let got: BTreeSet<String> = compiled.codes().into_iter().collect();
        assert_eq!(
            got,
            expected_codes(&stem),
            "{stem}: {:#?}",
            compiled.diagnostics
        );
        let errors = compiled.has_errors();
        assert_eq!(
            compiled.frozen.is_none(),
            errors,
            "{stem}: a plan is frozen exactly when nothing is an error"
        );
        for d in &compiled.diagnostics {
            assert!(
                d.pointer.is_some()
                    || d.span.is_some()
                    || d.code == writ_compiler::codes::PROFILE_POLICY_UNKNOWN,
                "{stem}: {d:?} is located"
            );
        }
        let name = format!("{stem}.json");
        insta::assert_snapshot!(
            format!("{stem}__text"),
            writ_diag::render_text(&compiled.diagnostics, &name, &text)
        );
        insta::assert_json_snapshot!(
            format!("{stem}__json"),
            writ_diag::render_json(&compiled.diagnostics)
        );
    }
}
