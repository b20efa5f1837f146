mod common;

use common::*;
use proptest::prelude::*;
use writ_plan::*;

#[test]
fn a_sealed_plan_verifies_clean() {
    let plan = two_step_plan();
    assert_eq!(plan.verify(), vec![]);
    assert_eq!(plan.steps[0].id, "ps-1-load");
    assert_eq!(plan.steps[1].id, "ps-2-sum");
    assert_eq!(plan.dependencies["ps-2-sum"], vec!["ps-1-load".to_string()]);
}

#[test]
fn sealing_is_deterministic_and_survives_a_json_round_trip() {
    let a = two_step_plan();
    let b = two_step_plan();
    assert_eq!(a.plan_hash, b.plan_hash);
    let text = serde_json::to_string_pretty(&a).unwrap();
    let back = FrozenPlan::from_json(&text).unwrap();
    assert_eq!(back, a);
    assert_eq!(back.verify(), vec![]);
}

#[test]
fn a_changed_contract_names_its_step_and_the_plan() {
    let mut plan = two_step_plan();
    plan.steps[1].contract.validators.push("extra".into());
    let subjects: Vec<HashSubject> = plan.verify().into_iter().map(|m| m.subject).collect();
    // The plan hash covers recorded contract hashes, which did not change; only the step is named.
    assert_eq!(subjects, vec![HashSubject::Step("ps-2-sum".into())]);
}

#[test]
fn tampering_is_named_precisely() {
    type Tamper = fn(&mut FrozenPlan);
    let cases: Vec<(&str, Tamper, Vec<HashSubject>)> = vec![
        (
            "profile model",
            |p| p.profile.phases.auditor.model = "other".into(),
            vec![HashSubject::Profile],
        ),
        (
            "rewired dependency",
            |p| p.steps[1].depends_on.clear(),
            vec![HashSubject::Plan],
        ),
        (
            "renamed artifact",
            |p| {
                let entry = p.artifacts.remove("sum.csv").unwrap();
                p.artifacts.insert("total.csv".into(), entry);
            },
            vec![HashSubject::Plan],
        ),
        (
            "recorded contract hash swapped",
            |p| p.steps[0].contract_hash = p.steps[1].contract_hash,
            vec![HashSubject::Step("ps-1-load".into()), HashSubject::Plan],
        ),
        (
            "step id not derived from index",
            |p| p.steps[0].index = 7,
            vec![HashSubject::Step("ps-1-load".into()), HashSubject::Plan],
        ),
        (
            "non-finite budget",
            |p| p.steps[0].contract.limits.budget.cost_usd = Some(f64::NAN),
            vec![HashSubject::Step("ps-1-load".into())],
        ),
    ];
    for (name, tamper, expected) in cases {
        let mut plan = two_step_plan();
        tamper(&mut plan);
        let got: Vec<HashSubject> = plan.verify().into_iter().map(|m| m.subject).collect();
        assert_eq!(got, expected, "case {name}");
    }
}

#[test]
fn a_mismatch_carries_both_hashes() {
    let mut plan = two_step_plan();
    let recorded = plan.steps[0].contract_hash;
    plan.steps[0].contract.intent = "Something else.".into();
    let mismatch = plan.verify().remove(0);
    assert_eq!(mismatch.recorded, recorded);
    assert_eq!(
        mismatch.computed,
        Some(plan.steps[0].contract.hash().unwrap())
    );
    assert_ne!(mismatch.computed, Some(recorded));
}

#[test]
fn the_frozen_plan_renders_stably() {
    insta::assert_json_snapshot!("two_step_plan", two_step_plan());
}

proptest! {
    // Any edit of the intent text either leaves the contract hash unchanged (same text) or is detected.
    #[test]
    fn every_intent_edit_is_detected(intent in ".{0,40}") {
        let mut plan = two_step_plan();
        let same = plan.steps[0].contract.intent == intent;
        plan.steps[0].contract.intent = intent;
        prop_assert_eq!(plan.verify().is_empty(), same);
    }
}
