//! This crate's diagnostic codes for model replies that read as JSON and fit the reply schema but still
//! do not make sense (R1001–). writ-diag's `RANGES` has no block for writ-models yet; these numbers sit
//! above writ-runtime's R0001–R0999 so that claiming `Runtime 1000–1999` later changes nothing.

writ_diag::codes! {
    /// Every code this crate has issued, in order.
    pub static REGISTRY;
    /// The reply fits the schema but not the typed document (a plan candidate that does not deserialize).
    REPLY_SHAPE = Runtime 1001, "the reply is not a well-formed document of its kind";
    /// An executor or repairer program that never emits one of the step's output slots.
    OUTPUT_NOT_EMITTED = Runtime 1002, "the program never emits an output slot of the step";
    /// An auditor reply that skips or repeats a rubric criterion.
    VERDICT_COVERAGE = Runtime 1003, "the verdicts do not cover each rubric criterion exactly once";
    /// The conversation ran out of asks with the reply still invalid.
    REASKS_EXHAUSTED = Runtime 1004, "no valid reply within the allowed number of asks";
    EMPTY_CODE = Runtime 1005, "the program is empty";
}
