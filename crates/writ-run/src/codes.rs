//! The run machine's diagnostic codes (`R0001`–`R0999`, writ-diag's registry rules: append only, retire,
//! never delete or reuse). Every refusal, step failure and replay divergence carries one of them.

pub use writ_diag::Code;

writ_diag::codes! {
    /// Every code this crate has issued, in order.
    pub static REGISTRY;
    /// Replay: the log has no entries.
    REPLAY_EMPTY_LOG = Runtime 1, "the event log is empty";
    /// Replay: the first entry is not `start`.
    REPLAY_NO_START = Runtime 2, "the event log does not begin with a start event";
    /// Replay: the log was recorded against another plan.
    REPLAY_PLAN_MISMATCH = Runtime 3, "the event log belongs to another plan";
    /// Replay: the machine now emits other effects for a logged event than it did when it was recorded.
    REPLAY_EFFECTS_DIVERGED = Runtime 4, "replaying an event produced other effects than were recorded";
    START_PLAN_TAMPERED = Runtime 5, "the frozen plan's hashes do not match its content";
    START_PLAN_HASH = Runtime 6, "the start event names another plan hash";
    START_PLAN_MALFORMED = Runtime 7, "the frozen plan is not runnable (duplicate or dangling step ids)";
    RUN_TERMINAL = Runtime 8, "the run has finished; the event is absorbed and recorded";
    DUPLICATE_START = Runtime 9, "the run has already started";
    UNKNOWN_STEP = Runtime 10, "no step of the plan has this id";
    UNKNOWN_ATTEMPT = Runtime 11, "no attempt with this id is in flight (unknown or stale)";
    WRONG_STEP_STATE = Runtime 12, "the step is not in a state that accepts this event";
    MISSING_INPUT = Runtime 13, "a required input is not bound or not present (fail closed)";
    OUTPUT_ALREADY_BOUND = Runtime 14, "the output is already bound to a published artifact";
    PROVENANCE_INCOMPLETE = Runtime 15, "an artifact cannot be published without a complete provenance record";
    TOOL_NOT_BOUND = Runtime 16, "the tool is not in the step's bound tool set";
    UNDECLARED_OUTPUT = Runtime 17, "the receipt holds an output slot the contract does not declare";
    MISSING_OUTPUT = Runtime 18, "a required output slot is absent from the receipt";
    PROFILE_FROZEN = Runtime 19, "the execution profile is frozen after the first model call";
    APPROVER_IS_CREATOR = Runtime 20, "the run's creator may not approve its gates under this profile";
    APPROVER_LACKS_SCOPE = Runtime 21, "the principal lacks the `approve` scope";
    GATE_REJECTED = Runtime 22, "an authorised person rejected the gated step";
    BUDGET_EXCEEDED = Runtime 23, "a hard budget cap was crossed";
    SEALED_MODEL_CALL = Runtime 24, "a sealed run made a model call";
    TOO_MANY_SHARDS = Runtime 25, "the fan-out needs more shards than the machine allows";
    REPAIR_NOT_APPLICABLE = Runtime 26, "the repair names a step that has not failed, or a run repair cannot reopen";
    REPAIR_LIMIT = Runtime 27, "the step has been repaired as often as allowed";
    REPAIR_PLAN_INVALID = Runtime 28, "the repaired plan is tampered, changes the frozen profile or drops the step";
    ATTEMPT_FAILED = Runtime 29, "the sandbox attempt did not succeed";
    RETRIES_EXHAUSTED = Runtime 30, "the step failed on every attempt its retry limit allows";
    VALIDATION_REJECTED = Runtime 31, "the validation ladder rejected the step's outputs";
    AUDIT_FAILED = Runtime 32, "the auditor judged the step's outputs as failing";
    ATTEMPT_TIMED_OUT = Runtime 33, "the attempt ran past its timeout";
    PROFILE_INVALID = Runtime 34, "the execution profile cannot be hashed";
    MISSING_ITEM_COUNT = Runtime 35, "a fan-out step became ready without the item count of its `over` input";
    STOPPED_BY_RUN = Runtime 36, "the step was stopped because the run failed or was cancelled";
    REPAIR_SEALED = Runtime 37, "a sealed run cannot be repaired";
    GENERATION_MISMATCH = Runtime 38, "the event answers an earlier generation of the step";
    UNREADABLE_INPUT = Runtime 39, "an input cannot be read as its kind (e.g. a fan-out input whose items cannot be counted)";
    MERGE_FAILED = Runtime 40, "the shards' outputs cannot be merged as their kind (clashing paths, differing headers)";
    EVALUATOR_IS_EXECUTOR = Runtime 41, "the governed evaluator would be served by the executor's own model";
    UNKNOWN_CORRECTION = Runtime 42, "the validation ladder corrected an output the attempt did not produce";
    TOOL_CHANGED = Runtime 43, "the tool's schemas changed since the plan was compiled, or its server no longer lists it";
    REPAIRER_LACKS_SCOPE = Runtime 44, "the principal lacks the `repair` scope";
    REPAIR_UNKNOWN_SLOT = Runtime 45, "an input repair names a slot the step's contract does not have";
    REPAIR_NOT_REQUESTED = Runtime 46, "a model repair arrived for a step the machine did not ask the repairer about";
    GATE_EXPIRED = Runtime 47, "a gate waited past its expiry without a decision; the run ended `expired`";
}

#[cfg(test)]
mod tests {
    /// writ-diag's range table names the runtime range's owner `writ-runtime`; this crate is that
    /// runtime, so the table is checked for soundness here (ownership is writ-diag's to rename).
    #[test]
    fn code_registry_is_sound() {
        writ_diag::assert_registry_sound(super::REGISTRY);
        assert_eq!(super::REGISTRY.len(), 47);
    }
}
