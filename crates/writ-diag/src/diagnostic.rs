//! The diagnostic value and its builder methods.

use crate::code::{Code, Severity};
use crate::source_map;
use serde::{Deserialize, Serialize};

/// A range of bytes in a source text, with the 1-based line and column (in characters) of its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub column: usize,
}

impl Span {
    /// The span of `start..end` in `source`, with its line and column computed; offsets past the end or inside
    /// a character are clamped back to a character boundary.
    pub fn in_source(source: &str, start: usize, end: usize) -> Span {
        let start = source_map::floor_char_boundary(source, start);
        let end = source_map::floor_char_boundary(source, end.max(start));
        let (line, column) = source_map::line_col(source, start);
        Span {
            start,
            end,
            line,
            column,
        }
    }

    /// The same span in a larger text of which `source` started at byte `offset`.
    pub fn shifted(self, whole: &str, offset: usize) -> Span {
        Span::in_source(
            whole,
            self.start.saturating_add(offset),
            self.end.saturating_add(offset),
        )
    }
}

/// A secondary location with its own message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub pointer: Option<String>,
    pub span: Option<Span>,
    pub message: String,
}

/// One problem (or remark) about a document, located by a JSON pointer and, where the text is known, a span.
///
/// A label whose pointer equals the diagnostic's own pointer is rendered on the primary underline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// RFC 6901 pointer into the document the diagnostic is about ("" is the whole document).
    pub pointer: Option<String>,
    pub span: Option<Span>,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn new(code: Code, severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            pointer: None,
            span: None,
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Error, message)
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Warning, message)
    }

    /// A diagnostic of severity note (not to be confused with [`Diagnostic::with_note`]).
    pub fn remark(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Note, message)
    }

    pub fn at(mut self, pointer: impl Into<String>) -> Diagnostic {
        self.pointer = Some(pointer.into());
        self
    }

    pub fn with_span(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    /// A label on the primary location: its message is printed under the caret.
    pub fn with_primary_label(mut self, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            pointer: self.pointer.clone(),
            span: self.span,
            message: message.into(),
        });
        self
    }

    pub fn with_label(
        mut self,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.labels.push(Label {
            pointer: Some(pointer.into()),
            span: None,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Prefixes the pointer (and labels' pointers) with `prefix`, for a diagnostic about a value nested in a
    /// larger document.
    pub fn nested_under(mut self, prefix: &str) -> Diagnostic {
        if let Some(pointer) = self.pointer.as_mut() {
            pointer.insert_str(0, prefix);
        }
        for label in &mut self.labels {
            if let Some(pointer) = label.pointer.as_mut() {
                pointer.insert_str(0, prefix);
            }
        }
        self
    }

    /// Fills in missing spans (the diagnostic's and its labels') by finding their pointers in `source`.
    pub fn locate_in(mut self, source: &str) -> Diagnostic {
        self.locate_with_offset(source, source, 0);
        self
    }

    /// Like [`Diagnostic::locate_in`] when the document is the slice `whole[offset..]` of a larger text
    /// (a JSON block inside a model's reply): spans are given in `whole`.
    pub fn locate_in_slice(mut self, whole: &str, offset: usize, len: usize) -> Diagnostic {
        let end = offset.saturating_add(len).min(whole.len());
        if let Some(slice) = whole.get(offset..end) {
            self.locate_with_offset(whole, slice, offset);
        }
        self
    }

    fn locate_with_offset(&mut self, whole: &str, slice: &str, offset: usize) {
        let find = |pointer: &Option<String>| {
            pointer
                .as_deref()
                .and_then(|p| source_map::locate(slice, p))
                .map(|found| found.value.shifted(whole, offset))
        };
        if self.span.is_none() {
            self.span = find(&self.pointer);
        }
        for label in &mut self.labels {
            if label.span.is_none() {
                label.span = find(&label.pointer);
            }
        }
    }
}

/// Whether any diagnostic is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}
