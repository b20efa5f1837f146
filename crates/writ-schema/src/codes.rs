//! The schema area's diagnostic codes (S0001–S0999). Append only; retire, never delete or reuse.

writ_diag::codes! {
    /// Every code this crate has issued, in order.
    pub static REGISTRY;
    /// A keyword the validator does not implement: refusing it beats ignoring a constraint silently.
    UNSUPPORTED_KEYWORD = Schema 1, "unsupported schema keyword";
    /// A keyword whose value has the wrong shape (`"required": "name"`, a bad regex, …).
    MALFORMED_KEYWORD = Schema 2, "malformed schema keyword";
    UNRESOLVED_REF = Schema 3, "unresolved $ref";
    TYPE_MISMATCH = Schema 4, "value has the wrong type";
    MISSING_REQUIRED = Schema 5, "required property missing";
    PROPERTY_NOT_ALLOWED = Schema 6, "property not allowed";
    NOT_IN_ENUM = Schema 7, "value not among the allowed values";
    CONST_MISMATCH = Schema 8, "value differs from the required constant";
    NUMBER_OUT_OF_RANGE = Schema 9, "number out of range";
    LENGTH_OUT_OF_RANGE = Schema 10, "string length out of range";
    PATTERN_MISMATCH = Schema 11, "string does not match the pattern";
    FORMAT_MISMATCH = Schema 12, "string does not match the format";
    NO_ALTERNATIVE_MATCHES = Schema 13, "value matches none of the alternatives";
    SEVERAL_ALTERNATIVES_MATCH = Schema 14, "value matches more than one alternative of oneOf";
    ITEM_COUNT_OUT_OF_RANGE = Schema 15, "array length out of range";
    NOTHING_ALLOWED = Schema 16, "no value is allowed here";
    TOO_DEEP = Schema 17, "nesting too deep";
    REPLY_HAS_NO_JSON = Schema 18, "no JSON value found in the reply";
    REPLY_SYNTAX = Schema 19, "reply is not readable as JSON";
}

#[cfg(test)]
mod tests {
    writ_diag::registry_test!(super::REGISTRY);

    /// The registry page lists every code exactly as the table does.
    #[test]
    fn registry_page_lists_every_code() -> anyhow::Result<()> {
        let page = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/diagnostics/README.md"
        ))?;
        let missing = writ_diag::registry::missing_rows(&page, super::REGISTRY);
        assert!(
            missing.is_empty(),
            "docs/diagnostics/README.md lacks the rows\n{}",
            missing.join("\n")
        );
        Ok(())
    }
}
