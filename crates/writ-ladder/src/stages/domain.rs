//! Stage 10: pack-defined validators, registered by id. A contract naming an id nobody registered is
//! rejected: a check that cannot run is not a check that passed.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::config::ValidatorRef;
use crate::diag::{self, Diagnostic};
use crate::types::Artifact;

/// What a domain validator sees: the artifact (as corrected so far) and its context.
pub struct DomainInput<'a> {
    pub artifact: &'a Artifact,
    pub value: &'a Value,
    pub params: &'a Value,
}

impl<'a> DomainInput<'a> {
    /// A parameter naming a slot, or its default.
    pub fn slot_param(&self, name: &str, default: &'a str) -> &'a str {
        self.params
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or(default)
    }

    /// The artifact itself when `slot` is its name, else the related artifact of that slot.
    pub fn slot(&self, slot: &str) -> Option<&'a Value> {
        if slot == self.artifact.name {
            Some(self.value)
        } else {
            self.artifact.context.related.get(slot)
        }
    }

    /// Where diagnostics about `slot` point: into the artifact itself, or prefixed with the slot's name.
    pub fn pointer(&self, slot: &str, pointer: &str) -> String {
        if slot == self.artifact.name {
            pointer.to_string()
        } else {
            format!("{slot}:{pointer}")
        }
    }
}

pub trait DomainValidator {
    fn check(&self, input: &DomainInput<'_>) -> Vec<Diagnostic>;
}

impl<F: Fn(&DomainInput<'_>) -> Vec<Diagnostic>> DomainValidator for F {
    fn check(&self, input: &DomainInput<'_>) -> Vec<Diagnostic> {
        self(input)
    }
}

pub struct Registry {
    validators: BTreeMap<String, Box<dyn DomainValidator>>,
}

impl Default for Registry {
    /// No validators: the ladder knows no domain; the pack registry (`writ-packs`) fills one.
    fn default() -> Self {
        Registry::empty()
    }
}

impl Registry {
    pub fn empty() -> Self {
        Registry {
            validators: BTreeMap::new(),
        }
    }

    pub fn register(&mut self, id: &str, validator: Box<dyn DomainValidator>) {
        self.validators.insert(id.to_string(), validator);
    }

    pub fn ids(&self) -> Vec<&str> {
        self.validators.keys().map(String::as_str).collect()
    }

    pub fn run(
        &self,
        refs: &[ValidatorRef],
        artifact: &Artifact,
        value: &Value,
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for r in refs {
            match self.validators.get(&r.id) {
                Some(v) => out.extend(v.check(&DomainInput {
                    artifact,
                    value,
                    params: &r.params,
                })),
                None => out.push(
                    diag::error(
                        diag::UNKNOWN_VALIDATOR,
                        "",
                        format!("no domain validator `{}` is registered", r.id),
                    )
                    .with_help(format!("registered: {}", self.ids().join(", "))),
                ),
            }
        }
        out
    }
}
