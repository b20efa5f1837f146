//! The registry holds declarations and code equal: for every pack, the ids it declares are exactly the ids
//! it implements, its template compiles under the built-in profile, and every program it names exists; and
//! for the whole catalog, no validator, rubric check, tool, adapter or skill is a name without code.

use std::collections::BTreeSet;

use writ_catalog::{Catalog, EntryKind, DEFAULT_PROFILE};

fn catalog() -> &'static Catalog {
    Catalog::builtin()
}

fn set<'a>(items: impl IntoIterator<Item = &'a str>) -> BTreeSet<&'a str> {
    items.into_iter().collect()
}

#[test]
fn every_pack_folder_is_registered_and_every_registered_pack_has_a_folder() -> anyhow::Result<()> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"));
    let mut folders = BTreeSet::new();
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        if entry.path().join("Cargo.toml").is_file() {
            folders.insert(entry.file_name().to_string_lossy().into_owned());
        }
    }
    let registered: BTreeSet<String> = writ_packs::PACKS
        .iter()
        .map(|p| p.name.to_string())
        .collect();
    assert_eq!(folders, registered, "packs/ folders vs writ_packs::PACKS");
    Ok(())
}

#[test]
fn every_pack_declares_exactly_what_it_implements() {
    for pack in writ_packs::PACKS {
        let Some(domain) = catalog().domain_pack(pack.name) else {
            // A pack still being written has code and no declarations yet: then it must have no code either.
            assert!(
                pack.checks.is_empty() && pack.tools.is_empty() && pack.evaluators.is_empty(),
                "pack `{}` implements checks or tools but declares no pack.toml",
                pack.name
            );
            continue;
        };
        let declared = set(domain
            .validators
            .iter()
            .chain(&domain.rubric_checks)
            .map(|c| c.id.as_str()));
        let implemented = set(pack.checks.iter().map(|(id, _)| *id));
        assert_eq!(
            declared, implemented,
            "pack `{}`: declared vs implemented check ids",
            pack.name
        );
        for (tool, _) in pack.tools {
            assert!(
                catalog().tool(tool).is_some(),
                "pack `{}`: tool `{tool}` has no descriptor",
                pack.name
            );
            assert!(
                domain.tools.iter().any(|t| t == tool),
                "pack `{}` does not list its tool `{tool}`",
                pack.name
            );
        }
    }
}

#[test]
fn every_template_compiles_under_the_builtin_profile_and_names_only_existing_programs() {
    let profile = catalog()
        .profile(DEFAULT_PROFILE)
        .map(|p| p.profile.clone())
        .expect("the default profile");
    let templates = catalog().list(Some(EntryKind::Template));
    assert!(!templates.is_empty());
    assert_eq!(
        writ_catalog::missing_programs(catalog()),
        Vec::<String>::new()
    );
    for entry in templates {
        let writ_catalog::Entry::Template(t) = entry else {
            continue;
        };
        let compiled = writ_compiler::compile_candidate(&t.plan, catalog(), &profile);
        assert!(
            !compiled.has_errors(),
            "template `{}`: {:#?}",
            t.id,
            compiled.diagnostics
        );
        let plan = compiled.frozen.expect("frozen");
        for step in &plan.steps {
            let program = step.contract.program.as_ref().map(|p| p.id.as_str());
            assert!(
                program.is_some_and(|id| catalog().program(id).is_some()),
                "template `{}`: step `{}` has no program in the catalog",
                t.id,
                step.id
            );
        }
    }
}

#[test]
fn no_declared_check_tool_adapter_or_skill_is_a_name_without_code() {
    let registry = writ_packs::registry();
    let implemented = set(registry.ids());
    for entry in catalog().list(None) {
        match entry {
            writ_catalog::Entry::DomainPack(p) | writ_catalog::Entry::WorkflowPack(p) => {
                for c in p.validators.iter().chain(&p.rubric_checks) {
                    assert!(
                        implemented.contains(c.id.as_str()),
                        "`{}` declares `{}`, which has no code",
                        p.id,
                        c.id
                    );
                }
            }
            writ_catalog::Entry::Tool(t) => {
                assert!(
                    writ_packs::tool_names().contains(&t.id.as_str()),
                    "tool `{}` is declared but no pack implements it",
                    t.id
                );
            }
            writ_catalog::Entry::Adapter(a) => {
                let program = format!(
                    "adapters/{}",
                    a.id.strip_prefix("adapter.").unwrap_or(&a.id)
                );
                assert!(
                    catalog().program(&program).is_some(),
                    "adapter `{}` has no program `{program}`",
                    a.id
                );
            }
            writ_catalog::Entry::Skill(s) => {
                assert!(
                    !s.source.trim().is_empty(),
                    "skill `{}` has no source",
                    s.descriptor.id
                );
            }
            _ => {}
        }
    }
}

#[test]
fn unknown_tools_and_rubrics_are_precise_errors() {
    let err = writ_packs::call_builtin("no.such_tool", &serde_json::json!({})).unwrap_err();
    assert_eq!(err.code(), "tool.unknown");
    let err = writ_packs::call_builtin("evaluator.judge", &serde_json::json!({})).unwrap_err();
    assert_eq!(
        (err.code(), err.pointer()),
        ("tool.args.missing", Some("/rubric"))
    );
    let err = writ_packs::call_builtin("evaluator.judge", &serde_json::json!({"rubric": "nope"}))
        .unwrap_err();
    assert_eq!(
        (err.code(), err.pointer()),
        ("tool.args.invalid", Some("/rubric"))
    );
}

/// Coherence is checked before anything runs: in every template, unbinding a shared input that a fan-out
/// step's output kind requires (a site's navigation, its asset manifest) makes the compiler refuse the plan
/// with E0046, naming that step.
#[test]
fn every_shared_input_a_fan_out_needs_is_enforced_by_the_compiler() {
    let profile = catalog()
        .profile(DEFAULT_PROFILE)
        .map(|p| p.profile.clone())
        .expect("the default profile");
    let mut planted = 0;
    for entry in catalog().list(Some(EntryKind::Template)) {
        let writ_catalog::Entry::Template(t) = entry else {
            continue;
        };
        let compiled = writ_compiler::compile_candidate(&t.plan, catalog(), &profile);
        let Some(plan) = compiled.frozen else {
            continue;
        };
        for (i, step) in t.plan.steps.iter().enumerate() {
            if step.fan_out.is_none() {
                continue;
            }
            let frozen = plan
                .steps
                .iter()
                .find(|s| s.id.ends_with(&format!("-{}", step.id)));
            let Some(frozen) = frozen else { continue };
            let needed: Vec<String> = step
                .outputs
                .iter()
                .filter_map(|o| catalog().artifact_kind(&o.kind))
                .flat_map(|k| k.fan_out_requires.clone())
                .collect();
            for input in &frozen.contract.inputs {
                if !needed.contains(&input.kind) {
                    continue;
                }
                let mut broken = t.plan.clone();
                broken.steps[i].inputs.remove(&input.slot);
                let refused = writ_compiler::compile_candidate(&broken, catalog(), &profile);
                let codes: Vec<String> = refused
                    .diagnostics
                    .iter()
                    .map(|d| d.code.to_string())
                    .collect();
                assert!(
                    codes.iter().any(|c| c == "E0046"),
                    "template `{}`: step `{}` without `{}` compiles with {codes:?}",
                    t.id,
                    step.id,
                    input.slot
                );
                planted += 1;
            }
        }
    }
    assert!(
        planted >= 2,
        "the site's page step needs its navigation and asset manifest"
    );
}
