//! The contract-review pack's validators and rubric checks, one per file under `checks/`; `common` holds
//! what they share (reading tables, the README's clause and deviation vocabulary).

use writ_pack::Check;

mod common;

mod clause_codes;
mod every_contract_covered;
mod excerpt_in_span;
mod line_spans;
mod one_row_per_clause;
mod profile_counts;
mod report_lists_deviations;
mod report_traces;
mod standard_complete;
mod standard_terms;

/// Every contract-review check, by registered id.
pub const CHECKS: &[(&str, Check)] = &[
    ("contract.profile_counts", profile_counts::check),
    ("contract.standard_complete", standard_complete::check),
    ("contract.standard_terms", standard_terms::check),
    ("contract.clause_codes", clause_codes::check),
    ("contract.line_spans", line_spans::check),
    ("contract.one_row_per_clause", one_row_per_clause::check),
    ("contract.excerpt_in_span", excerpt_in_span::check),
    (
        "contract.every_contract_covered",
        every_contract_covered::check,
    ),
    (
        "contract.report_lists_deviations",
        report_lists_deviations::check,
    ),
    ("contract.report_traces", report_traces::check),
];
