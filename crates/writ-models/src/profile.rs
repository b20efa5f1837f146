//! Execution profiles at run time: resolved by cascade (tenant default, then the run's override), each
//! layer a whole profile or a partial override; snapshotted and hashed (the frozen profile hash, equal to
//! the frozen plan's `profile_hash`); and locked once the run's first model call is made.

use crate::provider::{BuildError, Params, ProviderKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use writ_canon::{hash_of, ContentHash};
use writ_plan::{
    Budgets, ExecutionProfile, ModelPrice, Phase, PhaseConfig, ValidationMode, ValidationModes,
};

/// A partial override of one phase: what it names replaces, params merge key by key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_candidate: Option<ValidationMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compiled_plan: Option<ValidationMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_input: Option<ValidationMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_output: Option<ValidationMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_output: Option<ValidationMode>,
}

/// A partial profile. Budgets only tighten (a run cannot spend more than its tenant allows); prices merge
/// by model; everything else named replaces.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub phases: BTreeMap<Phase, PhaseOverride>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budgets: Option<Budgets>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub prices: BTreeMap<String, ModelPrice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<ValidationOverride>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_self_approval: Option<bool>,
    /// How long a gate waits for a decision before the run ends `expired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate_expiry_seconds: Option<u64>,
}

/// One level of the cascade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "layer", rename_all = "snake_case")]
pub enum ProfileLayer {
    /// Replaces everything below it.
    Whole(Box<ExecutionProfile>),
    Partial(ProfileOverride),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProfileError {
    #[error("{phase:?}: provider changed to `{provider}` without naming a model for it")]
    ProviderWithoutModel { phase: Phase, provider: String },
    #[error("{phase:?}: {source}")]
    Phase {
        phase: Phase,
        #[source]
        source: BuildError,
    },
    #[error("model `{model}` of phase {phase:?} has no price (a metered model must be priced)")]
    Unpriced { phase: Phase, model: String },
    #[error("the profile cannot be hashed: {0}")]
    Hash(String),
}

/// A resolved profile and its hash (blake3 over canonical JSON, as `FrozenPlan::profile_hash`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrozenProfile {
    pub profile: ExecutionProfile,
    pub hash: ContentHash,
}

impl FrozenProfile {
    /// Checks the profile and hashes it.
    pub fn freeze(profile: ExecutionProfile) -> Result<FrozenProfile, ProfileError> {
        check(&profile)?;
        let hash = hash_of(&profile).map_err(|e| ProfileError::Hash(e.to_string()))?;
        Ok(FrozenProfile { profile, hash })
    }
}

/// `base` (the tenant default, or the catalog's `builtin`), then each layer in order (tenant, run).
pub fn resolve(
    base: &ExecutionProfile,
    layers: &[ProfileLayer],
) -> Result<FrozenProfile, ProfileError> {
    let mut profile = base.clone();
    for layer in layers {
        match layer {
            ProfileLayer::Whole(p) => profile = (**p).clone(),
            ProfileLayer::Partial(o) => apply(&mut profile, o)?,
        }
    }
    FrozenProfile::freeze(profile)
}

fn apply(profile: &mut ExecutionProfile, o: &ProfileOverride) -> Result<(), ProfileError> {
    if let Some(id) = &o.id {
        profile.id = id.clone();
    }
    for (phase, po) in &o.phases {
        let config = phase_mut(profile, *phase);
        if let Some(provider) = &po.provider {
            if provider != &config.provider && po.model.is_none() {
                return Err(ProfileError::ProviderWithoutModel {
                    phase: *phase,
                    provider: provider.clone(),
                });
            }
            if provider != &config.provider {
                // Parameters belong to a provider; carrying them over would mis-configure the new one.
                config.params.clear();
            }
            config.provider = provider.clone();
        }
        if let Some(model) = &po.model {
            config.model = model.clone();
        }
        for (k, v) in &po.params {
            config.params.insert(k.clone(), v.clone());
        }
    }
    if let Some(b) = &o.budgets {
        profile.budgets = profile.budgets.tightest(b);
    }
    for (model, price) in &o.prices {
        profile.prices.insert(model.clone(), *price);
    }
    if let Some(v) = &o.validation {
        let m: &mut ValidationModes = &mut profile.validation;
        let pairs = [
            (&mut m.plan_candidate, v.plan_candidate),
            (&mut m.compiled_plan, v.compiled_plan),
            (&mut m.step_input, v.step_input),
            (&mut m.step_output, v.step_output),
            (&mut m.final_output, v.final_output),
        ];
        for (slot, value) in pairs {
            if let Some(value) = value {
                *slot = value;
            }
        }
    }
    if let Some(p) = &o.policy {
        profile.policy = p.clone();
    }
    if let Some(seconds) = o.gate_expiry_seconds {
        profile.gate_expiry_seconds = Some(seconds);
    }
    if let Some(a) = o.allow_self_approval {
        profile.allow_self_approval = a;
    }
    Ok(())
}

fn phase_mut(profile: &mut ExecutionProfile, phase: Phase) -> &mut PhaseConfig {
    let p = &mut profile.phases;
    match phase {
        Phase::Router => &mut p.router,
        Phase::Planner => &mut p.planner,
        Phase::Binder => &mut p.binder,
        Phase::Executor => &mut p.executor,
        Phase::Auditor => &mut p.auditor,
        Phase::Repairer => &mut p.repairer,
    }
}

/// Every phase names a known provider with parameters it takes (no keys), and every metered model has a
/// price: a run must be able to account for what it spends.
fn check(profile: &ExecutionProfile) -> Result<(), ProfileError> {
    for phase in Phase::ALL {
        let config = profile.phases.get(phase);
        let kind = ProviderKind::parse(&config.provider)
            .map_err(|source| ProfileError::Phase { phase, source })?;
        if config.model.trim().is_empty() {
            return Err(ProfileError::Phase {
                phase,
                source: BuildError::MissingModel,
            });
        }
        Params::read(kind, &config.params)
            .map_err(|source| ProfileError::Phase { phase, source })?;
        let metered = matches!(
            kind,
            ProviderKind::Anthropic | ProviderKind::OpenaiCompatible
        );
        if metered && !profile.prices.contains_key(&config.model) {
            return Err(ProfileError::Unpriced {
                phase,
                model: config.model.clone(),
            });
        }
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockError {
    #[error("the run's profile {frozen} is frozen since its first model call; it cannot change to {attempted}")]
    Frozen {
        frozen: ContentHash,
        attempted: ContentHash,
    },
    #[error("the run was planned with profile {expected}, but {actual} is loaded")]
    HashMismatch {
        expected: ContentHash,
        actual: ContentHash,
    },
}

/// The run's profile, changeable until the first model call and never after (runtime invariant 7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileLock {
    frozen: FrozenProfile,
    calls: u64,
}

impl ProfileLock {
    pub fn new(frozen: FrozenProfile) -> ProfileLock {
        ProfileLock { frozen, calls: 0 }
    }

    pub fn profile(&self) -> &ExecutionProfile {
        &self.frozen.profile
    }

    pub fn hash(&self) -> ContentHash {
        self.frozen.hash
    }

    /// Whether a model call has been made (and the profile can no longer change).
    pub fn is_locked(&self) -> bool {
        self.calls > 0
    }

    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// The configuration for a call in `phase`; counts the call and locks the profile.
    pub fn begin_call(&mut self, phase: Phase) -> &PhaseConfig {
        self.calls += 1;
        self.frozen.profile.phases.get(phase)
    }

    /// Replaces the profile: allowed (and a no-op when equal) before the first call; after it, only the same
    /// profile is accepted.
    pub fn replace(&mut self, next: FrozenProfile) -> Result<(), LockError> {
        if next.hash == self.frozen.hash {
            return Ok(());
        }
        if self.is_locked() {
            return Err(LockError::Frozen {
                frozen: self.frozen.hash,
                attempted: next.hash,
            });
        }
        self.frozen = next;
        Ok(())
    }

    /// Checks that the loaded profile is the one the plan froze.
    pub fn verify(&self, expected: ContentHash) -> Result<(), LockError> {
        if expected == self.frozen.hash {
            Ok(())
        } else {
            Err(LockError::HashMismatch {
                expected,
                actual: self.frozen.hash,
            })
        }
    }
}
