//! Sealed programs: a succeeded run's frozen plan, the code every step ran (by step) and the sources of that
//! code (by hash), under one hash. A program runs on new inputs as `RunMode::Sealed` with exactly that code,
//! so no model writes any.

use crate::run::Run;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use writ_canon::ContentHash;
use writ_plan::FrozenPlan;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SealedProgram {
    pub plan: FrozenPlan,
    /// Code hash → source.
    pub code: BTreeMap<String, String>,
    /// Step id → the hash of the code it runs. Programs sealed before this field existed have none; their
    /// steps run the contracts' programs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub steps: BTreeMap<String, ContentHash>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("{0}")]
    NotSealable(String),
    #[error("step `{step}` ran code {hash}, whose source the run does not hold")]
    MissingSource { step: String, hash: ContentHash },
    #[error("the source stored under {0} does not have that hash")]
    SourceMismatch(String),
    #[error("the sealed plan's hashes do not match its content")]
    PlanTampered,
    #[error("the program names step `{0}`, which its plan does not have")]
    UnknownStep(String),
    #[error("the program cannot be hashed: {0}")]
    Hash(String),
}

impl SealedProgram {
    /// Seals a succeeded run: the sources are the run's stored code by hash (only the code its steps ran is
    /// kept).
    pub fn of(run: &Run, sources: &BTreeMap<String, String>) -> Result<SealedProgram, SealError> {
        let steps = run.step_code().map_err(SealError::NotSealable)?;
        let mut code = BTreeMap::new();
        for (step, hash) in &steps {
            let source =
                sources
                    .get(&hash.to_string())
                    .ok_or_else(|| SealError::MissingSource {
                        step: step.clone(),
                        hash: *hash,
                    })?;
            code.insert(hash.to_string(), source.clone());
        }
        let program = SealedProgram {
            plan: run.plan.clone(),
            code,
            steps,
        };
        program.check()?;
        Ok(program)
    }

    /// The program's hash (over its canonical JSON).
    pub fn hash(&self) -> Result<ContentHash, SealError> {
        writ_canon::hash_of(self).map_err(|e| SealError::Hash(e.to_string()))
    }

    /// Checks a program before it runs: the plan verifies, every source has its hash, every step named is
    /// the plan's and its code is present.
    pub fn check(&self) -> Result<(), SealError> {
        if !self.plan.verify().is_empty() {
            return Err(SealError::PlanTampered);
        }
        for (hash, source) in &self.code {
            if ContentHash::of_bytes(source.as_bytes()).to_string() != *hash {
                return Err(SealError::SourceMismatch(hash.clone()));
            }
        }
        for (step, hash) in &self.steps {
            if self.plan.step(step).is_none() {
                return Err(SealError::UnknownStep(step.clone()));
            }
            if !self.code.contains_key(&hash.to_string()) {
                return Err(SealError::MissingSource {
                    step: step.clone(),
                    hash: *hash,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{PlanBuilder, Shell, StepSpec};

    fn succeeded() -> (Shell, BTreeMap<String, String>) {
        let plan = PlanBuilder::new("one step")
            .input("rows", "table.csv")
            .step(StepSpec::code("load").input("rows", "run.rows").publish(
                "o",
                "object.json",
                "o.json",
            ))
            .build()
            .expect("builds");
        let mut shell = Shell::start(plan, "alice").expect("starts");
        shell.run_to_end();
        let hash = shell.run.step_code().expect("succeeded")[&shell.id_of("load")];
        // The testkit's program hash is not the hash of a real source: store one under it to see the check.
        (
            shell,
            BTreeMap::from([(hash.to_string(), "print(1)".to_string())]),
        )
    }

    #[test]
    fn sealing_checks_every_source_against_its_hash() {
        let (shell, sources) = succeeded();
        assert!(matches!(
            SealedProgram::of(&shell.run, &sources),
            Err(SealError::SourceMismatch(_))
        ));
        assert!(matches!(
            SealedProgram::of(&shell.run, &BTreeMap::new()),
            Err(SealError::MissingSource { .. })
        ));
    }

    #[test]
    fn a_program_names_only_its_plan_s_steps_and_hashes_stably() {
        let (shell, _) = succeeded();
        let source = "print(1)".to_string();
        let hash = ContentHash::of_bytes(source.as_bytes());
        let mut program = SealedProgram {
            plan: shell.run.plan.clone(),
            code: BTreeMap::from([(hash.to_string(), source)]),
            steps: BTreeMap::from([(shell.id_of("load"), hash)]),
        };
        assert_eq!(program.check(), Ok(()));
        assert_eq!(program.hash().ok(), program.clone().hash().ok());
        program.steps.insert("ps-9-nope".into(), hash);
        assert_eq!(
            program.check(),
            Err(SealError::UnknownStep("ps-9-nope".into()))
        );
        // A program sealed before `steps` existed still reads.
        let old = serde_json::json!({"plan": shell.run.plan, "code": {}});
        let read: SealedProgram = serde_json::from_value(old).expect("reads");
        assert!(read.steps.is_empty());
    }
}
