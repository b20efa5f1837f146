//! Reading a filled-in template back out of a model's reply.
//!
//! Where the value is: if the reply has fenced code blocks, in one of them (```json first, then untagged,
//! then others); otherwise at one of the first `{` / `[` of the prose, or the whole reply. Each candidate is
//! read with the tolerant reader; the first that reads and validates wins. If none validates, the first
//! that reads is returned with its violations; if none reads, the first syntax error is reported.

use crate::codes;
use crate::relaxed::{parse_relaxed, parse_relaxed_prefix};
use crate::schema::{JsonType, Schema};
use serde_json::{json, Value};
use writ_diag::{Diagnostic, Span};

/// Bare `{`/`[` positions tried at most (each try reads to the end of its value, so this bounds the work).
const MAX_BARE_CANDIDATES: usize = 32;

/// The value in `reply` and the diagnostics about it (spans are in `reply`). The value is `Some` whenever
/// one could be read; it satisfies the schema exactly when no diagnostic is an error. A schema that does
/// not compile yields `None` and the schema's diagnostics.
pub fn parse_reply(schema: &Value, reply: &str) -> (Option<Value>, Vec<Diagnostic>) {
    match Schema::compile(schema) {
        Ok(compiled) => compiled.parse_reply(reply),
        Err(diagnostics) => (None, diagnostics),
    }
}

/// Entry point for fuzzers: arbitrary bytes as a reply against one of a few fixed schemas (picked by the
/// first byte). Must never panic.
pub fn parse_reply_fuzz(data: &[u8]) {
    let schema = match data.first().copied().unwrap_or(0) % 3 {
        0 => {
            json!({"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}, "b": {"type": "array", "items": {"type": "string"}}}, "additionalProperties": false})
        }
        1 => {
            json!({"type": "array", "items": {"$ref": "#/$defs/n"}, "$defs": {"n": {"type": ["object", "null"], "properties": {"next": {"$ref": "#/$defs/n"}}}}})
        }
        _ => {
            json!({"oneOf": [{"type": "string", "format": "date"}, {"type": "number", "minimum": 0}]})
        }
    };
    let text = String::from_utf8_lossy(data.get(1..).unwrap_or(&[]));
    let _ = parse_reply(&schema, &text);
}

#[derive(Debug, Clone, Copy)]
enum Candidate {
    /// The whole of `start..end` must be one value (a fenced block's content, the trimmed reply).
    Whole { start: usize, end: usize },
    /// A value starts at `start`; prose may follow it.
    Prefix { start: usize },
}

struct Invalid {
    value: Value,
    diagnostics: Vec<Diagnostic>,
    start: usize,
    end: usize,
}

impl Schema {
    pub fn parse_reply(&self, reply: &str) -> (Option<Value>, Vec<Diagnostic>) {
        let mut first_invalid: Option<Invalid> = None;
        let mut first_syntax: Option<Diagnostic> = None;
        // Text already taken by a value (read or not): an opening bracket inside it is part of that value,
        // never the answer on its own.
        let mut covered: Vec<(usize, usize)> = Vec::new();
        for candidate in candidates(reply, self.root_opener()) {
            let (start, parsed) = match candidate {
                Candidate::Whole { start, end } => {
                    let text = reply.get(start..end).unwrap_or("");
                    (start, parse_relaxed(text).map(|value| (value, end)))
                }
                Candidate::Prefix { start } => {
                    if covered.iter().any(|(s, e)| (*s..*e).contains(&start)) {
                        continue;
                    }
                    let text = reply.get(start..).unwrap_or("");
                    (
                        start,
                        parse_relaxed_prefix(text).map(|(value, len)| (value, start + len)),
                    )
                }
            };
            match parsed {
                Ok((value, end)) => {
                    let diagnostics = self.validate(&value);
                    if !writ_diag::diagnostic::has_errors(&diagnostics) {
                        return (Some(value), locate(diagnostics, reply, start, end));
                    }
                    covered.push((start, end));
                    if first_invalid.is_none() {
                        first_invalid = Some(Invalid {
                            value,
                            diagnostics,
                            start,
                            end,
                        });
                    }
                }
                Err(error) => {
                    covered.push(extent(reply, start));
                    if first_syntax.is_some() {
                        continue;
                    }
                    let at = start.saturating_add(error.offset);
                    let width = reply
                        .get(at..)
                        .and_then(|rest| rest.chars().next())
                        .map_or(0, char::len_utf8);
                    first_syntax = Some(
                        Diagnostic::error(
                            codes::REPLY_SYNTAX,
                            format!("the reply's JSON cannot be read: {}", error.message),
                        )
                        .at(error.pointer)
                        .with_span(Span::in_source(reply, at, at + width))
                        .with_help(
                            "reply with the filled-in example only, as JSON inside a ```json block",
                        ),
                    );
                }
            }
        }
        if let Some(invalid) = first_invalid {
            return (
                Some(invalid.value),
                locate(invalid.diagnostics, reply, invalid.start, invalid.end),
            );
        }
        let diagnostic = first_syntax.unwrap_or_else(|| {
            Diagnostic::error(codes::REPLY_HAS_NO_JSON, "the reply contains no JSON value")
                .with_help("reply with the filled-in example as JSON inside a ```json block")
        });
        (None, vec![diagnostic])
    }

    /// The character the answer must start with, when the schema's root says so.
    fn root_opener(&self) -> Option<char> {
        let root = match &self.root.reference {
            Some(reference) if self.root.types.is_empty() => {
                self.resolve(reference).unwrap_or(&self.root)
            }
            _ => &self.root,
        };
        match root.types.as_slice() {
            [JsonType::Object] => Some('{'),
            [JsonType::Array] => Some('['),
            _ => None,
        }
    }
}

/// The text a value that failed to read at `start` would span, by bracket matching (to the end of the reply
/// when a bracket is never closed).
fn extent(reply: &str, start: usize) -> (usize, usize) {
    let text = reply.get(start..).unwrap_or("");
    match writ_diag::locate(text, "") {
        Some(found) => (
            start + found.value.start,
            start + found.value.end.max(found.value.start + 1),
        ),
        None => (start, start + 1),
    }
}

/// Spans in `reply` for diagnostics about the value read from `reply[start..end]`; a property that is not
/// allowed is pointed at by its key rather than its value.
fn locate(diagnostics: Vec<Diagnostic>, reply: &str, start: usize, end: usize) -> Vec<Diagnostic> {
    let slice = reply.get(start..end).unwrap_or("");
    diagnostics
        .into_iter()
        .map(|mut d| {
            if d.code == codes::PROPERTY_NOT_ALLOWED && d.span.is_none() {
                let key = d
                    .pointer
                    .as_deref()
                    .and_then(|p| writ_diag::locate(slice, p))
                    .and_then(|found| found.key);
                d.span = key.map(|span| span.shifted(reply, start));
                for label in d
                    .labels
                    .iter_mut()
                    .filter(|label| label.pointer == d.pointer)
                {
                    label.span = d.span;
                }
            }
            d.locate_in_slice(reply, start, end.saturating_sub(start))
        })
        .collect()
}

/// Where the answer may be, most likely first.
fn candidates(reply: &str, opener: Option<char>) -> Vec<Candidate> {
    let blocks = fenced_blocks(reply);
    let mut out = Vec::new();
    let openers = |text: &str, base: usize, out: &mut Vec<Candidate>| {
        let found = text
            .char_indices()
            .filter(|(_, c)| opener.map_or(matches!(c, '{' | '['), |o| *c == o))
            .take(MAX_BARE_CANDIDATES)
            .map(|(i, _)| Candidate::Prefix { start: base + i });
        out.extend(found);
    };
    if blocks.is_empty() {
        openers(reply, 0, &mut out);
        if opener.is_none() {
            let trimmed_start = reply.len() - reply.trim_start().len();
            out.push(Candidate::Whole {
                start: trimmed_start,
                end: reply.trim_end().len().max(trimmed_start),
            });
        }
        return out;
    }
    let mut ordered = blocks;
    ordered.sort_by_key(|block| block.rank);
    for block in &ordered {
        out.push(Candidate::Whole {
            start: block.start,
            end: block.end,
        });
    }
    // Prose inside a fence: try the value's opening bracket in it too.
    for block in &ordered {
        if let Some(text) = reply.get(block.start..block.end) {
            openers(text, block.start, &mut out);
        }
    }
    out
}

struct Block {
    start: usize,
    end: usize,
    /// 0: tagged as JSON, 1: untagged, 2: another language.
    rank: u8,
}

/// Markdown fenced code blocks (``` or ~~~); an unclosed block runs to the end. A closing fence glued to
/// the last line of content (`}```) also closes.
fn fenced_blocks(reply: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(char, usize, usize, u8)> = None; // fence char, run length, content start, rank
    let mut offset = 0;
    for line in reply.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let trimmed = line.trim();
        let lead = line.len() - line.trim_start().len();
        match open {
            None => {
                let Some(fence) = trimmed.chars().next().filter(|c| *c == '`' || *c == '~') else {
                    continue;
                };
                let run = trimmed.chars().take_while(|c| *c == fence).count();
                let info = trimmed.get(run..).unwrap_or("").trim();
                if run < 3 || info.contains(fence) {
                    continue;
                }
                let tag = info
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let rank = match tag.as_str() {
                    "json" | "json5" | "jsonc" | "javascript" | "js" => 0,
                    "" => 1,
                    _ => 2,
                };
                open = Some((fence, run, offset, rank));
            }
            Some((fence, run, start, rank)) => {
                let closing: String = std::iter::repeat_n(fence, run).collect();
                if trimmed.starts_with(&closing) && trimmed.chars().all(|c| c == fence) {
                    blocks.push(Block {
                        start,
                        end: line_start,
                        rank,
                    });
                    open = None;
                } else if let Some(body) = trimmed.strip_suffix(closing.as_str()) {
                    let end = line_start + lead + body.trim_end_matches(fence).len();
                    blocks.push(Block { start, end, rank });
                    open = None;
                }
            }
        }
    }
    if let Some((_, _, start, rank)) = open {
        blocks.push(Block {
            start,
            end: reply.len(),
            rank,
        });
    }
    blocks
}

#[cfg(test)]
mod tests;
