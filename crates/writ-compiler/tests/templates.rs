//! Every plan template of the catalog compiles with no error, and compiles the same twice.

mod common;
use writ_catalog::EntryKind;

#[test]
fn every_template_compiles_without_error() {
    let catalog = common::catalog();
    let profile = common::profile();
    let templates = catalog.list(Some(EntryKind::Template));
    assert!(!templates.is_empty(), "the catalog has templates");
    let missing = writ_catalog::missing_programs(catalog);
    for entry in templates {
        let writ_catalog::Entry::Template(t) = entry else {
            continue;
        };
        let compiled = writ_compiler::compile_candidate(&t.plan, catalog, &profile);
        // A template may name a reference program its pack has not shipped yet: the catalog lists those
        // itself, and only those are tolerated (the tolerance vanishes as the programs land).
        let errors: Vec<_> = compiled
            .diagnostics
            .iter()
            .filter(|d| d.is_error() && !is_known_missing_program(d, &missing))
            .collect();
        assert!(errors.is_empty(), "template `{}`: {errors:#?}", t.id);
        if compiled.has_errors() {
            eprintln!("template `{}` waits for programs: {missing:?}", t.id);
            continue;
        }
        let plan = compiled.frozen.expect("frozen");
        assert!(plan.steps.len() >= t.plan.steps.len());
        assert!(plan.verify().is_empty(), "template `{}` verifies", t.id);
        let again = writ_compiler::compile_candidate(&t.plan, catalog, &profile)
            .frozen
            .expect("frozen");
        assert_eq!(
            writ_compiler::to_canonical_json(&plan).ok(),
            writ_compiler::to_canonical_json(&again).ok()
        );
    }
}

fn is_known_missing_program(d: &writ_diag::Diagnostic, missing: &[String]) -> bool {
    d.code == writ_compiler::codes::UNKNOWN_PROGRAM
        && missing
            .iter()
            .any(|id| d.message == format!("unknown program `{id}`"))
}

#[test]
fn the_small_candidate_compiles_with_an_adapter() {
    let compiled = writ_compiler::compile(common::VALID, common::catalog(), &common::profile());
    assert_eq!(compiled.diagnostics, vec![]);
    let plan = compiled.frozen.expect("frozen");
    let ids: Vec<&str> = plan.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "ps-1-clean",
            "ps-2-adapt_clean_clean_to_table_json_rows",
            "ps-3-total"
        ]
    );
    let total = &plan.steps[2].contract.inputs[0];
    assert_eq!(
        total.producer_ref,
        "ps-2-adapt_clean_clean_to_table_json_rows:output:0:output"
    );
    assert_eq!(
        total.rank,
        writ_plan::BindRank::Adapter("adapter.csv_to_json_rows".into())
    );
}
