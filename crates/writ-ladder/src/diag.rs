//! The ladder's diagnostic codes (`L0001`–`L0999`, writ-diag's registry rules: append only, retire, never
//! delete or reuse) and small constructors that always set the JSON pointer into the artifact value.

pub use writ_diag::{Code, Diagnostic, Severity};

writ_diag::codes! {
    /// Every code this crate has issued, in order.
    pub static REGISTRY;
    /// Stage 1: an API key, token or private key.
    SECRET = Ladder 1, "a secret (API key, token, private key) in the output";
    EMAIL = Ladder 2, "an e-mail address the contract does not allow";
    PHONE = Ladder 3, "a phone number the contract does not allow";
    CARD = Ladder 4, "a payment card number (Luhn-valid) the contract does not allow";
    SSN = Ladder 5, "a US social security number the contract does not allow";
    IBAN = Ladder 6, "an IBAN (mod-97 valid) the contract does not allow";
    GUARD_INTRODUCED = Ladder 7, "a correction introduced guarded content the original did not hold";
    /// Stage 2 reports `writ-schema`'s own codes (`S…`); these were the stand-in checker's.
    SCHEMA_VIOLATION = Ladder 8, "the value does not conform to the artifact's schema", retired;
    SCHEMA_UNSUPPORTED = Ladder 9, "the schema uses a construct the checker cannot evaluate", retired;
    SYNONYM_CONFLICT = Ladder 10, "a field and its synonym are both present with different values";
    AMBIGUOUS_DATE = Ladder 11, "a date whose day and month order cannot be decided";
    INCONSISTENT_DATES = Ladder 12, "a column mixes day-first and month-first dates";
    INVALID_DATE = Ladder 13, "a date-shaped string that names no calendar day";
    BAD_DEFAULT = Ladder 14, "a declared default does not satisfy its own field's schema";
    UNKNOWN_TRANSFORM = Ladder 15, "the schema names a transform the ladder does not know";
    NOT_AMOUNT = Ladder 16, "a money2 field holds something that is not a decimal amount";
    RENAME_REFUSED = Ladder 17, "a model-proposed rename outside the schema was not applied";
    BAD_RENAME_REPLY = Ladder 18, "the model's rename reply is not a JSON object of names";
    PATCH_REFUSED = Ladder 19, "a model-proposed patch was refused (path, apply, schema or guard)";
    WRONG_KIND = Ladder 20, "the artifact's kind is not the contract's kind";
    MISSING_FIELD = Ladder 21, "a field the contract requires is missing";
    GRAIN = Ladder 22, "two rows share the contract's unique key";
    ROW_COUNT = Ladder 23, "the row count differs from the input it must equal";
    NOT_ROWS = Ladder 24, "a table is not an array of objects";
    MISSING_ROW_COUNT = Ladder 25, "the contract refers to an input whose row count is not in the context";
    UNKNOWN_VALIDATOR = Ladder 26, "the contract names a domain validator that is not registered";
    ENTRIES_ONCE = Ladder 27, "an input entry is missing from, or repeated in, the findings";
    TOTALS = Ladder 28, "a total does not reconcile with the rows it sums";
    DOMAIN_INPUT = Ladder 29, "a domain validator's input is missing or malformed";
    REVIEW_FAILED = Ladder 30, "the expert reviewer judged the output as failing its rubric";
    REVIEW_UNREADABLE = Ladder 31, "the reviewer's reply could not be read as a verdict";
    /// Stage 10: the packs' domain validators and rubric checks.
    PROFILE_INCOMPLETE = Ladder 32, "an input table has no profile, or its profile lacks the row count or a column";
    PROFILE_COUNTS = Ladder 33, "a profiled row or blank count differs from the input table";
    SECTION_UNKNOWN = Ladder 34, "a rule or reference cites a section the engagement letter does not have";
    RULE_UNCITED = Ladder 35, "an extracted rule cites no section or line, or its line lies outside its section";
    RULE_MISSING = Ladder 36, "a rule of the letter's sections 2 to 8 was not extracted";
    ENTRY_UNKNOWN = Ladder 37, "an output names an entry_id that is not among the time entries";
    ENTRY_ORDER = Ladder 38, "entries are not in entry_id order";
    CODE_LIST = Ladder 39, "a findings or flags value is not a sorted list of known codes";
    AMOUNT_FORMAT = Ladder 40, "an amount is not a decimal string with exactly two places";
    DELTA = Ladder 41, "delta differs from billed_amount - payable_amount";
    PRECEDENCE = Ladder 42, "an exclusion differs from the first applicable ground by the precedence of 8.1";
    RATE_APPLICABLE = Ladder 43, "a rate or rate finding differs from the role's rate in force on the entry's date";
    DAILY_CAP_ORDER = Ladder 44, "payable hours differ from the daily cap re-derived from the highest entry down";
    FLAG_SCOPE = Ladder 45, "a review flag on an entry excluded in full, or a flag that contradicts 7.1 or 7.2";
    REPORT_TRACE = Ladder 46, "a figure of the report has no trace link, or its link does not lead to that figure";
    REPORT_SECTION = Ladder 47, "a finding code in the report is not followed by the letter section it comes from";
    /// Generic workflow checks (`workflow.*`).
    ITEM_UNACCOUNTED = Ladder 48, "an item of the input set is missing from the result, or the result names an item not in it";
}

pub fn error(code: Code, pointer: impl Into<String>, message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(code, message).at(pointer)
}

pub fn warning(code: Code, pointer: impl Into<String>, message: impl Into<String>) -> Diagnostic {
    Diagnostic::warning(code, message).at(pointer)
}

/// The pointer a diagnostic carries, `""` (the whole value) when it has none.
pub fn pointer_of(d: &Diagnostic) -> &str {
    d.pointer.as_deref().unwrap_or("")
}

#[cfg(test)]
mod tests {
    writ_diag::registry_test!(super::REGISTRY);
}
