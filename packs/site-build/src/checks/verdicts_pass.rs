//! `site.verdicts_pass` (rubric check, on the verdicts table): every page's verdict is `pass`.
//!
//! Why: the site is assembled only from pages the evaluator passed; a failed verdict stops the site before
//! publication with the page and its reasons. Failing example: a row `drills/x.html,product,fail,
//! specs_present,...` gives one `L1313` at `/3/verdict` quoting the reasons.

use serde_json::Value;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use crate::codes;

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !super::concerns(input, "verdicts") {
        return out;
    }
    let name = input.artifact.name.as_str();
    let Some(rows) = input.slot(name).and_then(Value::as_array) else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "",
            format!("`{name}` is not a table of verdicts"),
        ));
        return out;
    };
    for (i, r) in rows.iter().enumerate() {
        let cell = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("");
        if cell("verdict") != "pass" {
            out.push(diag::error(
                codes::VERDICT_FAILED,
                input.pointer(name, &format!("/{i}/verdict")),
                format!(
                    "{}: verdict \"{}\" ({}): {}",
                    cell("path"),
                    cell("verdict"),
                    cell("failed"),
                    cell("reasons")
                ),
            ));
        }
    }
    out
}
