//! Diagnostics as JSON with a fixed field order and every field present (null or empty when absent), so
//! consumers see one shape.

use crate::diagnostic::{Diagnostic, Label, Span};
use serde_json::{json, Value};

pub fn render_json(diagnostics: &[Diagnostic]) -> Value {
    Value::Array(diagnostics.iter().map(diagnostic_json).collect())
}

pub fn diagnostic_json(d: &Diagnostic) -> Value {
    json!({
        "code": d.code.to_string(),
        "severity": d.severity.as_str(),
        "message": d.message,
        "pointer": d.pointer,
        "span": d.span.as_ref().map(span_json),
        "labels": d.labels.iter().map(label_json).collect::<Vec<_>>(),
        "help": d.help,
        "notes": d.notes,
    })
}

fn label_json(label: &Label) -> Value {
    json!({
        "pointer": label.pointer,
        "span": label.span.as_ref().map(span_json),
        "message": label.message,
    })
}

fn span_json(span: &Span) -> Value {
    json!({ "start": span.start, "end": span.end, "line": span.line, "column": span.column })
}
