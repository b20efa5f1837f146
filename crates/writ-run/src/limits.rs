//! Named limits of the machine. Each bounds something input could otherwise grow without end.

/// Shards of one fan-out step; more fails the step (`R0025`) rather than flooding the queue.
pub const MAX_SHARDS: u64 = 10_000;
/// A person's repairs of one step over a run; more are refused (`R0027`) so that repair cannot loop
/// forever. A step out of repairs fails the run instead of awaiting one.
pub const MAX_REPAIRS_PER_STEP: u32 = 3;
/// Times the model repairer is asked about one step over a run; after that a person repairs it.
pub const MAX_MODEL_REPAIRS_PER_STEP: u32 = 2;
/// The principal scope a person's repair requires.
pub const REPAIR_SCOPE: &str = "repair";
/// Refusals kept in the state verbatim; later ones are only counted (each still reaches the ledger).
pub const MAX_RECORDED_REFUSALS: usize = 256;
/// The principal scope an approval or a rejection of a gate requires.
pub const APPROVE_SCOPE: &str = "approve";
/// The tool cost class that makes a tool call a model call (refused in sealed runs).
pub const MODEL_COST_CLASS: &str = "model";

/// The governed evaluator: a model-class tool with a built-in implementation per rubric, so a sealed run
/// may call it (served by the built-in evaluator) where it may call no other model-class tool.
pub const EVALUATOR_TOOL: &str = "evaluator.judge";
