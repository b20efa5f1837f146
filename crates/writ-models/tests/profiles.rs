//! Profiles at run time: the cascade, the hash, and the lock after the first model call.

use serde_json::json;
use writ_catalog::Catalog;
use writ_models::profile::{
    resolve, FrozenProfile, LockError, PhaseOverride, ProfileError, ProfileLayer, ProfileLock,
    ProfileOverride,
};
use writ_plan::{Budgets, ExecutionProfile, Phase, ValidationMode};

fn catalog_profile(id: &str) -> anyhow::Result<ExecutionProfile> {
    Ok(Catalog::builtin()
        .profile(id)
        .ok_or_else(|| anyhow::anyhow!("no profile {id}"))?
        .profile
        .clone())
}

#[test]
fn catalog_profiles_freeze_to_their_catalog_hash() -> anyhow::Result<()> {
    for id in ["builtin", "anthropic", "openai-compatible"] {
        let p = catalog_profile(id)?;
        let frozen = FrozenProfile::freeze(p.clone())?;
        assert_eq!(frozen.hash, writ_canon::hash_of(&p)?, "{id}");
        assert_eq!(resolve(&p, &[])?, frozen);
    }
    Ok(())
}

#[test]
fn cascade() -> anyhow::Result<()> {
    let base = catalog_profile("builtin")?;
    let tenant: ProfileOverride = serde_json::from_value(json!({
        "phases": {"planner": {"provider": "anthropic", "model": "claude-sonnet-4-5", "params": {"temperature": 0.0}},
                   "executor": {"provider": "anthropic", "model": "claude-sonnet-4-5"}},
        "prices": {"claude-sonnet-4-5": {"input_usd_per_mtok": 3.0, "output_usd_per_mtok": 15.0}},
        "budgets": {"tokens": 1000000, "cost_usd": 10.0}
    }))?;
    let run: ProfileOverride = serde_json::from_value(json!({
        "phases": {"planner": {"params": {"max_tokens": 4000}}},
        "budgets": {"cost_usd": 2.5, "tokens": 5000000},
        "validation": {"final_output": "report"}
    }))?;
    let frozen = resolve(
        &base,
        &[
            ProfileLayer::Partial(tenant.clone()),
            ProfileLayer::Partial(run),
        ],
    )?;
    let p = &frozen.profile;
    assert_eq!(p.phases.planner.provider, "anthropic");
    assert_eq!(
        p.phases.planner.params.get("temperature"),
        Some(&json!(0.0))
    );
    assert_eq!(
        p.phases.planner.params.get("max_tokens"),
        Some(&json!(4000))
    );
    assert_eq!(p.phases.auditor.provider, "builtin");
    assert_eq!(p.validation.final_output, ValidationMode::Report);
    assert_eq!(p.validation.step_output, ValidationMode::Block);
    // Budgets only tighten: builtin's 0 tokens stays 0, the run's cost cap is the tighter one.
    assert_eq!(p.budgets.tokens, Some(0));
    assert_eq!(p.budgets.cost_usd, Some(0.0));
    insta::assert_json_snapshot!("cascade_profile", frozen);

    // A whole profile replaces what is below it.
    let whole = catalog_profile("openai-compatible")?;
    let replaced = resolve(
        &base,
        &[
            ProfileLayer::Partial(tenant),
            ProfileLayer::Whole(Box::new(whole.clone())),
        ],
    )?;
    assert_eq!(replaced.profile, whole);
    Ok(())
}

#[test]
fn cascade_errors() -> anyhow::Result<()> {
    let base = catalog_profile("builtin")?;
    let over = |phase: Phase, po: PhaseOverride| {
        let mut o = ProfileOverride::default();
        o.phases.insert(phase, po);
        vec![ProfileLayer::Partial(o)]
    };
    let r = resolve(
        &base,
        &over(
            Phase::Executor,
            PhaseOverride {
                provider: Some("anthropic".into()),
                ..Default::default()
            },
        ),
    );
    assert!(
        matches!(
            r,
            Err(ProfileError::ProviderWithoutModel {
                phase: Phase::Executor,
                ..
            })
        ),
        "{r:?}"
    );
    let r = resolve(
        &base,
        &over(
            Phase::Executor,
            PhaseOverride {
                provider: Some("anthropic".into()),
                model: Some("claude-x".into()),
                ..Default::default()
            },
        ),
    );
    assert!(matches!(r, Err(ProfileError::Unpriced { .. })), "{r:?}");
    let mut key = PhaseOverride {
        provider: Some("workers-ai".into()),
        model: Some("@cf/x".into()),
        ..Default::default()
    };
    key.params
        .insert("api_key".into(), json!("sk-abcdefghijklmnop"));
    let r = resolve(&base, &over(Phase::Auditor, key));
    assert!(
        matches!(
            r,
            Err(ProfileError::Phase {
                phase: Phase::Auditor,
                ..
            })
        ),
        "{r:?}"
    );
    let r = resolve(
        &base,
        &over(
            Phase::Router,
            PhaseOverride {
                provider: Some("nope".into()),
                model: Some("m".into()),
                ..Default::default()
            },
        ),
    );
    assert!(
        matches!(
            r,
            Err(ProfileError::Phase {
                phase: Phase::Router,
                ..
            })
        ),
        "{r:?}"
    );
    Ok(())
}

#[test]
fn profile_lock() -> anyhow::Result<()> {
    let a = FrozenProfile::freeze(catalog_profile("builtin")?)?;
    let mut other = catalog_profile("builtin")?;
    other.budgets = other.budgets.tightest(&Budgets {
        wall_seconds: Some(60),
        ..Budgets::default()
    });
    let b = FrozenProfile::freeze(other)?;
    assert_ne!(a.hash, b.hash);

    let mut lock = ProfileLock::new(a.clone());
    assert!(!lock.is_locked());
    // Before the first call the profile may change.
    lock.replace(b.clone())?;
    assert_eq!(lock.hash(), b.hash);
    lock.replace(a.clone())?;
    assert_eq!(lock.begin_call(Phase::Planner).model, "builtin-templates");
    assert!(lock.is_locked());
    // After it, never (but re-asserting the same profile is fine).
    assert_eq!(
        lock.replace(b.clone()),
        Err(LockError::Frozen {
            frozen: a.hash,
            attempted: b.hash
        })
    );
    lock.replace(a.clone())?;
    assert_eq!(lock.hash(), a.hash);
    assert!(lock.verify(a.hash).is_ok());
    assert_eq!(
        lock.verify(b.hash),
        Err(LockError::HashMismatch {
            expected: b.hash,
            actual: a.hash
        })
    );
    assert_eq!(lock.calls(), 1);
    Ok(())
}
