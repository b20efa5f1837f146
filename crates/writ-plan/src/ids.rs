//! Identifier grammar shared by candidates and frozen plans: step slugs, bindings, frozen ids, artifact refs.

use std::fmt;

/// Why an identifier or binding string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("`{0}` is not a slug: expected a lower-case letter followed by lower-case letters, digits or `_`")]
    NotASlug(String),
    #[error("`{0}` is not a binding: expected `run.<input>` or `<step_id>.<output_slot>`")]
    NotABinding(String),
}

/// True when `s` matches `[a-z][a-z0-9_]*`.
pub fn is_slug(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_lowercase() => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `Ok(())` when `s` is a slug, else the error naming it.
pub fn check_slug(s: &str) -> Result<(), IdError> {
    if is_slug(s) {
        Ok(())
    } else {
        Err(IdError::NotASlug(s.to_string()))
    }
}

/// The keyword that names the run's own inputs in a binding; no step may take it as its id.
pub const RUN_SCOPE: &str = "run";

/// Where a step input comes from, parsed from its binding string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Binding {
    /// `run.<input>`: one of the run's declared inputs.
    Run { input: String },
    /// `<step_id>.<slot>`: an output slot of an earlier step (candidate step id, not the frozen one).
    Step { step: String, slot: String },
}

impl Binding {
    pub fn parse(text: &str) -> Result<Binding, IdError> {
        let bad = || IdError::NotABinding(text.to_string());
        let (scope, name) = text.split_once('.').ok_or_else(bad)?;
        if !is_slug(scope) || !is_slug(name) {
            return Err(bad());
        }
        if scope == RUN_SCOPE {
            Ok(Binding::Run {
                input: name.to_string(),
            })
        } else {
            Ok(Binding::Step {
                step: scope.to_string(),
                slot: name.to_string(),
            })
        }
    }
}

impl fmt::Display for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Binding::Run { input } => write!(f, "{RUN_SCOPE}.{input}"),
            Binding::Step { step, slot } => write!(f, "{step}.{slot}"),
        }
    }
}

/// Frozen step id `ps-<n>-<slug>`, with `n` the 1-based topological index.
pub fn frozen_step_id(index: usize, slug: &str) -> String {
    format!("ps-{index}-{slug}")
}

/// Direction of an artifact reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefDirection {
    Input,
    Output,
}

/// Artifact reference `<frozen step id>:<input|output>:<k>:<slot>`, `k` the 0-based position of the slot
/// in the step contract's input or output list.
pub fn artifact_ref(step_id: &str, direction: RefDirection, k: usize, slot: &str) -> String {
    let dir = match direction {
        RefDirection::Input => "input",
        RefDirection::Output => "output",
    };
    format!("{step_id}:{dir}:{k}:{slot}")
}

/// Reference to a run input, in the same namespace as step artifact refs.
pub fn run_input_ref(input: &str) -> String {
    format!("{RUN_SCOPE}:input:{input}")
}
