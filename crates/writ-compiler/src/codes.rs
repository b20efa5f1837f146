//! The compiler's diagnostic codes (E0001–E0999). Append only; retire, never delete or reuse.
//! Each code has a page `docs/diagnostics/E0xxx.md` whose example a test compiles to exactly that code.

writ_diag::codes! {
    /// Every code the compiler has issued, in order.
    pub static REGISTRY;
    // Pass 1: parse and normalise.
    JSON_SYNTAX = Plan 1, "candidate is not valid JSON";
    UNKNOWN_FIELD = Plan 2, "unknown field";
    WRONG_TYPE = Plan 3, "value has the wrong type";
    MISSING_FIELD = Plan 4, "required field missing";
    INVALID_VALUE = Plan 5, "value not allowed here";
    NOT_A_SLUG = Plan 6, "identifier is not a slug";
    MALFORMED_BINDING = Plan 7, "malformed input binding";
    DUPLICATE_ENTRY = Plan 8, "entry listed twice";
    PUBLISH_WITHOUT_NAME = Plan 9, "published output has no file name";
    // Pass 2: resolve against the catalog.
    UNKNOWN_DOMAIN = Plan 10, "unknown domain pack";
    UNKNOWN_WORKFLOW = Plan 11, "unknown workflow pack";
    UNKNOWN_POLICY = Plan 12, "unknown policy profile";
    UNKNOWN_TEMPLATE = Plan 13, "unknown plan template";
    UNKNOWN_KIND = Plan 14, "unknown artifact kind";
    UNKNOWN_SCHEMA = Plan 15, "unknown schema";
    SCHEMA_KIND_MISMATCH = Plan 16, "schema describes another artifact kind";
    UNKNOWN_SKILL = Plan 17, "unknown skill";
    UNKNOWN_TOOL = Plan 18, "unknown tool";
    UNKNOWN_PROGRAM = Plan 19, "unknown program";
    UNKNOWN_VALIDATOR = Plan 20, "unknown validator";
    UNKNOWN_RUBRIC_CHECK = Plan 21, "unknown rubric check";
    // Pass 3: bind and check the graph.
    DUPLICATE_STEP = Plan 22, "duplicate step id";
    DUPLICATE_OUTPUT_SLOT = Plan 23, "duplicate output slot";
    DUPLICATE_RUN_INPUT = Plan 24, "duplicate run input";
    UNKNOWN_STEP = Plan 25, "input bound to an unknown step";
    UNKNOWN_OUTPUT_SLOT = Plan 26, "input bound to an output the step does not declare";
    UNKNOWN_RUN_INPUT = Plan 27, "input bound to an undeclared run input";
    CYCLE = Plan 28, "dependency cycle";
    INCOMPATIBLE_KINDS = Plan 29, "producer and consumer kinds are incompatible";
    REQUIRED_FROM_OPTIONAL = Plan 30, "required input bound to an optional producer";
    UNREACHABLE_OUTPUTS = Plan 31, "step outputs are neither consumed nor published";
    DUPLICATE_ARTIFACT_NAME = Plan 32, "two published artifacts share a file name";
    // Pass 4: policy and execution profile.
    TOOL_NOT_ALLOWED = Plan 33, "tool not allowed by the policy";
    BUDGET_OVER_CEILING = Plan 34, "budget over the ceiling";
    GATE_MISSING = Plan 35, "approval gate required by the policy is missing";
    AUDITOR_IS_EXECUTOR = Plan 36, "auditor configured the same as the executor";
    FAN_OUT_UNKNOWN_SLOT = Plan 37, "fan-out over a slot the step does not have";
    FAN_OUT_NOT_A_TABLE = Plan 38, "fan-out over a slot whose kind has no items";
    TOOL_STEP_WITHOUT_TOOL = Plan 39, "tool step names no tool";
    PROGRAM_AND_CODE = Plan 40, "step has both a program and inline code";
    UNUSED_RUN_INPUT = Plan 41, "run input is never read";
    PROFILE_POLICY_UNKNOWN = Plan 42, "execution profile names an unknown policy";
    NO_STEPS = Plan 43, "plan has no steps";
    RESERVED_STEP_ID = Plan 44, "step id is reserved";
    FAN_OUT_ITEMS = Plan 45, "fan-out `items` missing for a JSON input, given for a kind with its own items, or not a JSON pointer";
    FAN_OUT_SHARED_INPUT = Plan 46, "a fan-out step producing a kind that needs shared inputs does not bind them from a step that does not fan out";
    /// A step names an MCP tool no server of the tenant lists, or pins one at schemas it no longer has.
    MCP_TOOL_UNAVAILABLE = Plan 47, "MCP tool not imported, or changed since it was pinned";
}

#[cfg(test)]
mod tests {
    writ_diag::registry_test!(super::REGISTRY);
}
