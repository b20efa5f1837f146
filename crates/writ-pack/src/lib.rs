//! The code side of a workload pack (`packs/<name>/`): the checks the ladder and the built-in auditor run by
//! id, the platform tools step programs call through the governed bridge, and the built-in evaluators that
//! serve `evaluator.judge` when the profile's evaluator is the built-in one.
//!
//! A pack's declarations (its domain entry, template, schemas, tool descriptors, programs) are data, embedded
//! into the catalog by `writ-catalog`'s build script; this crate only names the shape of its code, so that the
//! registry (`packs/`, crate `writ-packs`) can list every pack and a test can hold declarations and code equal.

pub use serde_json::Value;
pub use writ_ladder::{Diagnostic, DomainInput, Registry};
pub use writ_tools::ToolError;

/// A domain validator or rubric check: the artifact (with its related artifacts) in, diagnostics out.
pub type Check = fn(&DomainInput<'_>) -> Vec<Diagnostic>;

/// A platform tool or a built-in evaluator: a pure function of its JSON arguments.
pub type ToolFn = fn(&Value) -> Result<Value, ToolError>;

/// Everything a pack implements, by the ids its declarations use.
#[derive(Clone, Copy)]
pub struct PackCode {
    /// The pack's folder name under `packs/`, which is also its domain id and template id.
    pub name: &'static str,
    /// Validators and rubric checks, by the ids declared in the pack's `pack.toml`.
    pub checks: &'static [(&'static str, Check)],
    /// Platform tools, by the catalog names of the pack's `tools/*.json`.
    pub tools: &'static [(&'static str, ToolFn)],
    /// Built-in evaluators, by rubric id (`evaluator.judge` with `{"rubric": id, ...}`).
    pub evaluators: &'static [(&'static str, ToolFn)],
}

impl PackCode {
    /// Registers every check of this pack in `registry` (the ladder's stage 10 and the built-in auditor).
    pub fn register(&self, registry: &mut Registry) {
        for (id, check) in self.checks {
            registry.register(id, Box::new(*check));
        }
    }

    /// A registry holding this pack's checks only (for the pack's own tests).
    pub fn registry(&self) -> Registry {
        let mut registry = Registry::empty();
        self.register(&mut registry);
        registry
    }

    /// This pack's platform tool `name`.
    pub fn tool(&self, name: &str) -> Option<ToolFn> {
        self.tools.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    /// This pack's built-in evaluator for rubric `id`.
    pub fn evaluator(&self, id: &str) -> Option<ToolFn> {
        self.evaluators
            .iter()
            .find(|(n, _)| *n == id)
            .map(|(_, f)| *f)
    }
}
