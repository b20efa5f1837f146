//! rustc-style text: header, location, the offending lines underlined, then help and notes.

use crate::diagnostic::{Diagnostic, Span};
use crate::source_map;
use std::fmt::Write as _;

/// Renders every diagnostic against `source_text` (named `source_name` in locations), one block each,
/// separated by blank lines. Diagnostics without spans are located from their pointers.
pub fn render_text(diagnostics: &[Diagnostic], source_name: &str, source_text: &str) -> String {
    let mut out = String::new();
    for (i, diagnostic) in diagnostics.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        render_one(&mut out, diagnostic, source_name, source_text);
    }
    out
}

struct Annotation {
    span: Span,
    primary: bool,
    message: Option<String>,
}

fn render_one(out: &mut String, d: &Diagnostic, source_name: &str, source: &str) {
    let _ = writeln!(out, "{}[{}]: {}", d.severity, d.code, d.message);
    let find = |pointer: Option<&str>| {
        pointer
            .and_then(|p| source_map::locate(source, p))
            .map(|f| f.value)
    };
    let primary_span = d.span.or_else(|| find(d.pointer.as_deref()));

    let mut annotations = Vec::new();
    let mut unplaced_notes = Vec::new();
    let mut primary_message = None;
    for label in &d.labels {
        let on_primary =
            label.pointer == d.pointer && (label.span.is_none() || label.span == primary_span);
        if on_primary && primary_message.is_none() && primary_span.is_some() {
            primary_message = Some(label.message.clone());
            continue;
        }
        match label.span.or_else(|| find(label.pointer.as_deref())) {
            Some(span) => annotations.push(Annotation {
                span,
                primary: false,
                message: Some(label.message.clone()),
            }),
            None => unplaced_notes.push(match &label.pointer {
                Some(p) => format!("at {}: {}", display_pointer(p), label.message),
                None => label.message.clone(),
            }),
        }
    }
    if let Some(span) = primary_span {
        annotations.push(Annotation {
            span,
            primary: true,
            message: primary_message,
        });
    }
    annotations.sort_by_key(|a| (a.span.line, !a.primary, a.span.column));

    let width = annotations
        .iter()
        .map(|a| digits(a.span.line))
        .max()
        .unwrap_or(1);
    let pad = " ".repeat(width);
    let at = d
        .pointer
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(|p| format!(" at {p}"))
        .unwrap_or_default();
    match primary_span {
        Some(span) => {
            let _ = writeln!(
                out,
                "{pad}--> {source_name}:{}:{}{at}",
                span.line, span.column
            );
        }
        None if d.pointer.is_some() => {
            let _ = writeln!(out, "{pad}--> {source_name}{at}");
        }
        None => {}
    }

    if !annotations.is_empty() {
        let _ = writeln!(out, "{pad} |");
        let mut previous_line = None;
        for annotation in &annotations {
            let line = annotation.span.line;
            if previous_line != Some(line) {
                if previous_line.is_some_and(|p| line > p + 1) {
                    let _ = writeln!(out, "...");
                }
                let _ = writeln!(out, "{line:>width$} | {}", line_text(source, line));
                previous_line = Some(line);
            }
            let (indent, length) = underline(source, annotation.span);
            let mark = if annotation.primary { "^" } else { "-" };
            let message = annotation
                .message
                .as_deref()
                .map(|m| format!(" {m}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{pad} | {}{}{message}",
                " ".repeat(indent),
                mark.repeat(length)
            );
        }
    }

    let has_footer = d.help.is_some() || !d.notes.is_empty() || !unplaced_notes.is_empty();
    if has_footer && !annotations.is_empty() {
        let _ = writeln!(out, "{pad} |");
    }
    if let Some(help) = &d.help {
        let _ = writeln!(out, "{pad} = help: {}", indent_continuation(help, width));
    }
    for note in unplaced_notes.iter().chain(&d.notes) {
        let _ = writeln!(out, "{pad} = note: {}", indent_continuation(note, width));
    }
}

fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() {
        "the root"
    } else {
        pointer
    }
}

fn digits(n: usize) -> usize {
    n.to_string().len()
}

/// Line `line` (1-based) as displayed: without its line ending, tabs shown as one space so that columns
/// counted in characters line up with the underline.
fn line_text(source: &str, line: usize) -> String {
    let text = source.split('\n').nth(line.saturating_sub(1)).unwrap_or("");
    text.trim_end_matches('\r').replace('\t', " ")
}

/// Columns before the underline and its length (at least 1). A span running past its first line is
/// underlined to the end of that line.
fn underline(source: &str, span: Span) -> (usize, usize) {
    let indent = span.column.saturating_sub(1);
    let rest = source.get(span.start..).unwrap_or("");
    let first_line = rest.split('\n').next().unwrap_or("").trim_end_matches('\r');
    let covered = span.end.saturating_sub(span.start).min(first_line.len());
    let length = first_line
        .get(..covered)
        .map_or(covered, |s| s.chars().count());
    (indent, length.max(1))
}

/// Multi-line help or notes continue aligned under their first line.
fn indent_continuation(text: &str, width: usize) -> String {
    text.replace('\n', &format!("\n{}         ", " ".repeat(width)))
}
