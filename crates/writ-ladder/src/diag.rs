//! Ladder diagnostics and the registry of their codes.
//!
//! `writ-diag` (the shared diagnostic crate) had not landed when this crate was written, so the ladder keeps
//! its own serde type with the same shape (stable code, JSON pointer, message, help) and a const registry
//! whose uniqueness is tested.

use serde::{Deserialize, Serialize};

use crate::types::Stage;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The stage rejects the artifact.
    Error,
    /// Recorded only; the stage's outcome does not change.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// A code from [`REGISTRY`] (`L0101`…), or a code another crate owns when a checker supplied it.
    pub code: String,
    pub severity: Severity,
    /// JSON pointer (RFC 6901) into the artifact value; `""` is the whole value.
    pub pointer: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &Code, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            code: code.code.to_string(),
            severity: Severity::Error,
            pointer: pointer.into(),
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(code: &Code, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, pointer, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// One registered code: which stage raises it and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub stage: Stage,
    pub summary: &'static str,
}

macro_rules! codes {
    ($($name:ident = $code:literal, $stage:ident, $summary:literal;)*) => {
        $(pub const $name: Code = Code { code: $code, stage: Stage::$stage, summary: $summary };)*
        /// Every code the ladder emits, in order.
        pub const REGISTRY: &[Code] = &[$($name),*];
    };
}

codes! {
    L0101_SECRET = "L0101", Guard, "a secret (API key, token, private key) appears in the output";
    L0102_EMAIL = "L0102", Guard, "an e-mail address the contract does not allow";
    L0103_PHONE = "L0103", Guard, "a phone number the contract does not allow";
    L0104_CARD = "L0104", Guard, "a payment card number (Luhn-valid) the contract does not allow";
    L0105_SSN = "L0105", Guard, "a US social security number the contract does not allow";
    L0106_IBAN = "L0106", Guard, "an IBAN (mod-97 valid) the contract does not allow";
    L0107_INTRODUCED = "L0107", Guard, "a correction introduced guarded content that the original did not hold";
    L0201_SCHEMA = "L0201", Schema, "the value does not conform to the artifact's schema";
    L0202_SCHEMA_UNSUPPORTED = "L0202", Schema, "the schema uses a construct the checker cannot evaluate";
    L0301_SYNONYM_CONFLICT = "L0301", Synonyms, "both a field and its synonym are present";
    L0401_AMBIGUOUS_DATE = "L0401", Structural, "a date whose day and month order cannot be decided";
    L0402_INCONSISTENT_DATES = "L0402", Structural, "a column mixes day-first and month-first dates";
    L0403_INVALID_DATE = "L0403", Structural, "a date-shaped string that names no calendar day";
    L0601_UNKNOWN_TRANSFORM = "L0601", Transforms, "the schema names a transform this ladder does not know";
    L0602_NOT_AMOUNT = "L0602", Transforms, "a money2 field holds something that is not a decimal amount";
    L0701_RENAME_REFUSED = "L0701", ModelRename, "a model-proposed rename was outside the schema and was not applied";
    L0702_BAD_REPLY = "L0702", ModelRename, "the model's rename reply was not a JSON object of strings";
    L0801_PATCH_REFUSED = "L0801", ModelPatch, "a model-proposed patch was refused (path, apply, schema or guard)";
    L0901_KIND = "L0901", Conformance, "the artifact's kind is not the contract's kind";
    L0902_REQUIRED = "L0902", Conformance, "a field the contract requires is missing";
    L0903_GRAIN = "L0903", Conformance, "two rows share the contract's unique key";
    L0904_ROW_COUNT = "L0904", Conformance, "the row count differs from the input it must equal";
    L0905_SHAPE = "L0905", Conformance, "a table is not an array of objects";
    L0906_MISSING_INPUT = "L0906", Conformance, "the contract refers to an input whose row count is not in the context";
    L1001_UNKNOWN_VALIDATOR = "L1001", Domain, "the contract names a domain validator that is not registered";
    L1002_ENTRIES_ONCE = "L1002", Domain, "an input entry is missing from, or repeated in, the findings";
    L1003_TOTALS = "L1003", Domain, "a total does not reconcile with the rows it sums";
    L1004_DOMAIN_INPUT = "L1004", Domain, "a domain validator's input is missing or malformed";
    L1101_REVIEW_FAILED = "L1101", ExpertReview, "the expert reviewer judged the output as failing its rubric";
    L1102_REVIEW_UNREADABLE = "L1102", ExpertReview, "the reviewer's reply could not be read as a verdict";
}

/// Looks a code up in the registry.
pub fn lookup(code: &str) -> Option<&'static Code> {
    REGISTRY.iter().find(|c| c.code == code)
}
