//! The run state machine of writ, sans-IO (in the style of quinn-proto and temporal's sdk-core).
//!
//! A [`Run`] executes one [`writ_plan::FrozenPlan`]. The shell (the per-run Durable Object) owns all I/O:
//! it appends every event to the run's log, calls [`Run::handle`] with the time, carries out the returned
//! [`Effect`]s in order and feeds their results back as [`Event`]s. The log is the truth:
//! [`Run::replay`] rebuilds exactly the same state from it, and `Resume` re-issues the effects of whatever
//! was in flight when the shell went down.
//!
//! - `run.rs`, `step.rs`, `shard.rs` document their transition tables at the top.
//! - [`RunState::as_str`] and [`StepState::as_str`] are the names the CLI prints.
//! - Every refusal, failure and divergence carries an `R0xxx` code from [`codes::REGISTRY`].
//! - The eight runtime invariants of DESIGN.md are enforced here; the hooks the shell must honour are the
//!   fields of [`SandboxCall`] (only contracted inputs and bound tools; the sandbox enforces CPU, memory,
//!   process and output limits) and the order of effects (provenance ledger record before
//!   `PublishArtifact`).
//! - [`testkit`] builds plans without the catalog and plays a perfect shell.
//!
//! ```
//! use writ_run::testkit::{PlanBuilder, StepSpec, Shell};
//! use writ_run::{Effect, RunState};
//!
//! let plan = PlanBuilder::new("count the rows")
//!     .input("rows", "table.csv")
//!     .step(StepSpec::code("load").input("rows", "run.rows").output("table", "table.json_rows"))
//!     .step(StepSpec::code("report").input("table", "load.table").publish("summary", "report.markdown", "summary.md"))
//!     .build()
//!     .expect("a valid plan");
//! let mut shell = Shell::start(plan, "alice").expect("the run starts");
//! shell.run_to_end();
//! assert_eq!(shell.run.state().as_str(), "succeeded");
//! assert_eq!(shell.run.state(), RunState::Succeeded);
//! // One sandbox call per step, and the log replays to the same state.
//! assert_eq!(shell.count(|e| matches!(e, Effect::CallSandbox(_))), 2);
//! assert_eq!(writ_run::Run::replay(shell.plan.clone(), &shell.log).ok(), Some(shell.run.clone()));
//! ```

pub mod budget;
pub mod codes;
pub mod effect;
pub mod event;
mod execute;
mod govern;
pub mod ids;
pub mod infra;
pub mod ledger;
pub mod limits;
pub mod provenance;
mod repair;
mod replay;
mod run;
pub mod seal;
pub mod shard;
pub mod step;
pub mod testkit;

pub use budget::{BudgetExceeded, BudgetKind, Caps, Usage};
pub use effect::{
    CallLimits, Effect, RepairEvidence, ResolvedInput, SandboxCall, ShardOutputs, ShardRef,
};
pub use event::{
    Event, ExternalTool, ModelUsage, OutputMeasure, Patch, Receipt, ReceiptStatus, Repairer,
    RunMode, StartRun,
};
pub use infra::InfraWait;
pub use ledger::LedgerRecord;
pub use provenance::{Provenance, ReceiptDigest};
pub use replay::{effects_hash, LogEntry, ReplayDivergence};
pub use run::{
    PublishedArtifact, Refusal, Run, RunFailure, RunState, StartError, Transition, TRANSITIONS,
};
pub use seal::{SealError, SealedProgram};
pub use step::{Step, StepFailure, StepState};
pub use writ_diag::Code;
