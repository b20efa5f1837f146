//! The report: every finding code followed by the letter section it comes from
//! (`billing.report_cites_sections`); every figure carrying a trace link that leads to that very figure in
//! findings, matter_months or summary, the summary's totals all stated, every finding with its section
//! (`billing.report_traces`).
//!
//! A trace link is `[text](trace:<file>:<pointer>)`: a JSON pointer into a JSON artifact, or `/<row>` or
//! `/<row>/<column>` (rows 1-based) into a table; the file's stem names the slot (`findings.csv` →
//! `findings`). A figure is a plain number; numbers after `section` or `line` are citations, not figures. In a
//! table row, a figure without its own link is traced by the row's links to table rows when one of those
//! rows holds it.

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;
use serde_json::Value;

use super::cell_text;
use super::common::{concerns, section_by_code, FINDING_CODES, FLAG_CODES};
use writ_canon::Decimal;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

const REPORT: &str = "report";
const TOTALS: [&str; 5] = [
    "entries",
    "total_billed",
    "total_payable_before_caps",
    "total_cap_overage",
    "total_payable",
];
const CITING_WORDS: [&str; 4] = ["section", "sections", "line", "lines"];
const SEPARATORS: &[char] = &['|', '(', ')', '[', ']', '*', ',', ';'];
const CLAUSE_ENDS: &[char] = &['|', '(', ')', '[', ']', ';'];
const TRACE_LINK: &str = r"\[[^\]]*\]\(trace:([^:()\s]+):([^()\s]*)\)";

/// `line` with each trace link blanked out, byte offsets kept.
fn mask_links(line: &str) -> String {
    match Regex::new(TRACE_LINK) {
        Ok(link) => link
            .replace_all(line, |c: &regex::Captures<'_>| {
                " ".repeat(c.get(0).map_or(0, |m| m.len()))
            })
            .into_owned(),
        Err(_) => line.to_string(),
    }
}

fn report_text<'a>(input: &DomainInput<'a>, out: &mut Vec<Diagnostic>) -> Option<&'a str> {
    let text = input.value.as_str();
    if text.is_none() {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "",
            "the report is not Markdown text",
        ));
    }
    text
}

/// Each known code named in the report that is followed, on its line, by the section it comes from; the
/// others are reported. Without terms any section will do.
fn cited_codes(
    text: &str,
    sections: &BTreeMap<String, String>,
    out: &mut Vec<Diagnostic>,
) -> BTreeSet<String> {
    let mut cited = BTreeSet::new();
    let (Ok(word), Ok(section)) = (
        Regex::new(r"[A-Z][A-Z_]*[A-Z]"),
        Regex::new(r"(?i)\bsection\s+(\d+(?:\.\d+)*)"),
    ) else {
        return cited;
    };
    for (n, line) in text.lines().enumerate() {
        // A trace link's pointer may name a code (`/findings_by_code/VAGUE`); that is not the report naming it.
        let line = mask_links(line);
        let line = line.as_str();
        for m in word.find_iter(line) {
            let code = m.as_str();
            if !FINDING_CODES.contains(&code) && !FLAG_CODES.contains(&code) {
                continue;
            }
            let rest = line.get(m.end()..).unwrap_or_default();
            let found = section
                .captures(rest)
                .and_then(|c| c.get(1))
                .map(|s| s.as_str());
            let expected = sections.get(code).map(String::as_str);
            match (found, expected) {
                (Some(f), Some(e)) if f != e => out.push(diag::error(
                    diag::REPORT_SECTION,
                    "",
                    format!(
                        "line {}: {code} cites section {f}, it comes from section {e}",
                        n + 1
                    ),
                )),
                (Some(_), _) => {
                    cited.insert(code.to_string());
                }
                (None, _) => out.push(diag::error(
                    diag::REPORT_SECTION,
                    "",
                    format!(
                        "line {}: {code} is not followed by the section it comes from{}",
                        n + 1,
                        expected.map_or(String::new(), |e| format!(" ({e})"))
                    ),
                )),
            }
        }
    }
    cited
}

fn sections_of(input: &DomainInput<'_>) -> BTreeMap<String, String> {
    input.slot("terms").map(section_by_code).unwrap_or_default()
}

pub fn report_cites_sections(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !concerns(input, &[REPORT]) {
        return out;
    }
    if let Some(text) = report_text(input, &mut out) {
        cited_codes(text, &sections_of(input), &mut out);
    }
    out
}

/// Where a trace link leads.
enum Target<'a> {
    /// A whole table row.
    Row(&'a Value),
    Scalar(String),
}

fn resolve<'a>(
    input: &DomainInput<'a>,
    file: &str,
    pointer: &str,
) -> Option<(&'a str, Target<'a>)> {
    let stem = file.split('.').next().unwrap_or(file);
    let (slot, value) = input.artifact.context.related.get_key_value(stem)?;
    let target = match value {
        Value::Array(list) => {
            let mut tokens = pointer.strip_prefix('/')?.splitn(2, '/');
            let row: usize = tokens.next()?.parse().ok()?;
            let row = list.get(row.checked_sub(1)?)?;
            match tokens.next() {
                None => Target::Row(row),
                Some(column) => Target::Scalar(row.get(column).and_then(cell_text)?),
            }
        }
        other => Target::Scalar(other.pointer(pointer).and_then(cell_text)?),
    };
    Some((slot.as_str(), target))
}

/// Numbers compare by value, anything else as text.
fn same(figure: &str, value: &str) -> bool {
    match (Decimal::parse(figure), Decimal::parse(value)) {
        (Some(a), Some(b)) => a == b,
        _ => figure == value.trim(),
    }
}

fn holds(row: &Value, figure: &str) -> bool {
    row.as_object()
        .into_iter()
        .flatten()
        .filter_map(|(_, v)| cell_text(v))
        .any(|v| same(figure, &v))
}

/// The figures of `text`, with their byte offsets: plain numbers, not citations.
fn figures(text: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut citing = false;
    let mut start = None;
    let bytes_end = text.len();
    for (i, c) in text.char_indices().chain([(bytes_end, ' ')]) {
        let boundary = c.is_whitespace() || SEPARATORS.contains(&c);
        match (boundary, start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                start = None;
                let token = text.get(s..i).unwrap_or_default();
                let token = token.trim_end_matches(['.', ':']);
                let lower = token.to_lowercase();
                if is_number(token) {
                    if !citing {
                        found.push((s, token));
                    }
                } else if CITING_WORDS.contains(&lower.as_str()) {
                    citing = true;
                } else if !(citing && matches!(lower.as_str(), "and" | "or" | "to")) {
                    citing = false;
                }
            }
            _ => {}
        }
        // A citation ends with its clause: `(section 8.1) | 481112.50` cites 8.1, not the amount.
        if CLAUSE_ENDS.contains(&c) {
            citing = false;
        }
    }
    found
}

fn is_number(token: &str) -> bool {
    let digits = token.strip_prefix('-').unwrap_or(token);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
}

/// One trace link of a line: its byte span, file and pointer.
struct Link<'t> {
    start: usize,
    end: usize,
    file: &'t str,
    pointer: &'t str,
}

pub fn report_traces(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !concerns(input, &[REPORT]) {
        return out;
    }
    let Some(text) = report_text(input, &mut out) else {
        return out;
    };
    let Ok(link) = Regex::new(TRACE_LINK) else {
        return out;
    };
    let mut stated: BTreeSet<String> = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let mut error = |message: String| {
            out.push(diag::error(
                diag::REPORT_TRACE,
                "",
                format!("line {line_no}: {message}"),
            ));
        };
        let links: Vec<Link<'_>> = link
            .captures_iter(line)
            .filter_map(|c| {
                let whole = c.get(0)?;
                Some(Link {
                    start: whole.start(),
                    end: whole.end(),
                    file: c.get(1)?.as_str(),
                    pointer: c.get(2)?.as_str(),
                })
            })
            .collect();
        // Links are masked out so their pointers are not read as figures.
        let masked = mask_links(line);
        let all = figures(&masked);
        let mut traced: BTreeSet<usize> = BTreeSet::new();
        let mut rows: Vec<&Value> = Vec::new();
        let mut previous_end = 0;
        for l in &links {
            let segment = masked.get(previous_end..l.start).unwrap_or_default();
            let cell_start = previous_end + segment.rfind('|').map_or(0, |p| p + 1);
            previous_end = l.end;
            let figure = all
                .iter()
                .rfind(|(at, _)| (cell_start..l.start).contains(at));
            let Some((slot, target)) = resolve(input, l.file, l.pointer) else {
                error(format!("trace:{}:{} leads nowhere", l.file, l.pointer));
                continue;
            };
            match (target, figure) {
                (Target::Row(row), Some((at, f))) => {
                    traced.insert(*at);
                    if !holds(row, f) {
                        error(format!(
                            "{f} is not in the row trace:{}:{}",
                            l.file, l.pointer
                        ));
                    }
                }
                (Target::Row(row), None) => {
                    // A row link labels its row: `TE-10064 [trace](trace:findings.csv:/64)`.
                    let label = masked.get(cell_start..l.start).unwrap_or_default().trim();
                    if !label.is_empty() && !holds(row, label) {
                        error(format!(
                            "`{label}` is not in the row trace:{}:{}",
                            l.file, l.pointer
                        ));
                    }
                }
                (Target::Scalar(value), Some((at, f))) => {
                    traced.insert(*at);
                    if same(f, &value) {
                        if slot == "summary" {
                            stated.insert(l.pointer.to_string());
                        }
                    } else {
                        error(format!(
                            "{f} is traced to trace:{}:{}, which holds {value}",
                            l.file, l.pointer
                        ));
                    }
                }
                (Target::Scalar(value), None) => {
                    let label = masked.get(cell_start..l.start).unwrap_or_default().trim();
                    if !label.ends_with(value.as_str()) {
                        error(format!(
                            "trace:{}:{} ({value}) follows no figure",
                            l.file, l.pointer
                        ));
                    }
                }
            }
            rows.extend(resolve_row(input, l.file, l.pointer));
        }
        for (at, f) in &all {
            if !traced.contains(at) && !rows.iter().any(|row| holds(row, f)) {
                error(format!("the figure {f} carries no trace link"));
            }
        }
    }
    if let Some(summary) = input.slot("summary") {
        for total in TOTALS {
            if summary.get(total).is_some() && !stated.contains(&format!("/{total}")) {
                out.push(diag::error(
                    diag::REPORT_TRACE,
                    "",
                    format!("the report does not state summary.json's {total} with a trace link"),
                ));
            }
        }
        let cited = cited_codes(text, &sections_of(input), &mut out);
        let counts = summary.get("findings_by_code").and_then(Value::as_object);
        for (code, count) in counts.into_iter().flatten() {
            let some = count.as_u64().is_some_and(|c| c > 0);
            if some && !cited.contains(code) {
                out.push(diag::error(
                    diag::REPORT_SECTION,
                    "",
                    format!("the report does not name {code} with the section it comes from"),
                ));
            }
        }
    } else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "",
            "`summary` is not among the related artifacts",
        ));
    }
    out
}

/// The table row a cell link points into, so the row's other figures count as traced.
fn resolve_row<'a>(input: &DomainInput<'a>, file: &str, pointer: &str) -> Option<&'a Value> {
    let stem = file.split('.').next().unwrap_or(file);
    let list = input.artifact.context.related.get(stem)?.as_array()?;
    let row: usize = pointer.strip_prefix('/')?.split('/').next()?.parse().ok()?;
    list.get(row.checked_sub(1)?)
}
