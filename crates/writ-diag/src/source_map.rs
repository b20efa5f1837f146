//! Finds where a JSON pointer's value was written in a source text.
//!
//! The scanner is tolerant on purpose: it reads strict JSON and the relaxed JSON models write (comments,
//! trailing commas, single-quoted strings, unquoted keys, bare words such as `True`), it never fails
//! and never panics, and on text it cannot follow it simply finds nothing.

use crate::diagnostic::Span;
use crate::pointer;

/// Where a value is in the source: its own span and, for an object member, the span of its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    pub value: Span,
    pub key: Option<Span>,
}

/// The span of the value at `pointer` in `source`, if the text has one there. With duplicate keys, the last
/// one wins, as it does when the text is parsed.
pub fn locate(source: &str, pointer: &str) -> Option<Located> {
    let tokens = pointer::tokens(pointer)?;
    let mut scanner = Scanner {
        src: source,
        pos: 0,
    };
    scanner.skip_trivia();
    let mut key = None;
    for token in &tokens {
        match scanner.peek()? {
            b'{' => {
                let (key_range, value_start) = scanner.find_member(token)?;
                key = Some(key_range);
                scanner.pos = value_start;
            }
            b'[' => {
                let index = pointer::token_index(token)?;
                scanner.pos = scanner.find_element(index)?;
                key = None;
            }
            _ => return None,
        }
    }
    let start = scanner.pos;
    scanner.skip_value();
    Some(Located {
        value: Span::in_source(source, start, scanner.pos),
        key: key.map(|(s, e)| Span::in_source(source, s, e)),
    })
}

/// The 1-based line and column (counted in characters) of byte `offset` in `source`; an offset past the end
/// gives the position just after the last character.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset);
    let before = source.get(..offset).unwrap_or(source);
    let line = 1 + before.bytes().filter(|&b| b == b'\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = 1 + before
        .get(line_start..)
        .map_or(0, |rest| rest.chars().count());
    (line, column)
}

/// The largest character boundary at or below `offset` (clamped to the length).
pub(crate) fn floor_char_boundary(source: &str, offset: usize) -> usize {
    let mut offset = offset.min(source.len());
    while offset > 0 && !source.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

struct Scanner<'a> {
    src: &'a str,
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.src.as_bytes().get(self.pos + ahead).copied()
    }

    /// Skips whitespace, a byte-order mark and `//` / `/* */` comments.
    fn skip_trivia(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(0xEF)
                    if self.src.as_bytes().get(self.pos..self.pos + 3)
                        == Some(&[0xEF, 0xBB, 0xBF]) =>
                {
                    self.pos += 3
                }
                Some(b'/') if self.skip_comment() => {}
                _ => return,
            }
        }
    }

    /// At a `/`: skips a comment and says whether there was one.
    fn skip_comment(&mut self) -> bool {
        let rest = self.src.get(self.pos..).unwrap_or("");
        if rest.starts_with("//") {
            self.pos += rest.find('\n').unwrap_or(rest.len());
            true
        } else if let Some(body) = rest.strip_prefix("/*") {
            self.pos += 2 + body.find("*/").map_or(body.len(), |i| i + 2);
            true
        } else {
            false
        }
    }

    /// At a quote: skips the string (to its closing quote or the end of the text) and returns its decoded
    /// content.
    fn read_string(&mut self) -> String {
        let Some(quote) = self.peek() else {
            return String::new();
        };
        let start = self.pos + 1;
        let rest = self.src.get(start..).unwrap_or("");
        let mut out = String::new();
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            if c as u32 == u32::from(quote) {
                self.pos = start + i + 1;
                return out;
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, 'b')) => out.push('\u{8}'),
                Some((_, 'f')) => out.push('\u{c}'),
                Some((j, 'u')) => {
                    let hex = rest
                        .get(j + 1..j + 5)
                        .and_then(|h| u32::from_str_radix(h, 16).ok());
                    if let Some(unit) = hex {
                        chars.nth(3);
                        let mut code = unit;
                        if (0xD800..0xDC00).contains(&unit) && rest.get(j + 5..j + 7) == Some("\\u")
                        {
                            if let Some(low) = rest
                                .get(j + 7..j + 11)
                                .and_then(|h| u32::from_str_radix(h, 16).ok())
                            {
                                if (0xDC00..0xE000).contains(&low) {
                                    chars.nth(5);
                                    code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                                }
                            }
                        }
                        out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                    }
                }
                Some((_, other)) => out.push(other),
                None => {}
            }
        }
        self.pos = self.src.len();
        out
    }

    /// An unquoted key: everything up to `:`, whitespace or a structural character.
    fn read_bare_key(&mut self) -> String {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if matches!(
                b,
                b':' | b','
                    | b'{'
                    | b'}'
                    | b'['
                    | b']'
                    | b' '
                    | b'\t'
                    | b'\n'
                    | b'\r'
                    | b'"'
                    | b'\''
            ) {
                break;
            }
            self.pos += 1;
        }
        self.src.get(start..self.pos).unwrap_or("").to_owned()
    }

    /// Skips one value starting at the current position (which is not trivia).
    fn skip_value(&mut self) {
        match self.peek() {
            None => {}
            Some(b'"' | b'\'') => {
                self.read_string();
            }
            Some(b'{' | b'[') => self.skip_container(),
            Some(_) => {
                while let Some(b) = self.peek() {
                    let comment = b == b'/' && matches!(self.peek_at(1), Some(b'/' | b'*'));
                    if comment
                        || matches!(
                            b,
                            b',' | b':' | b'}' | b']' | b'{' | b'[' | b' ' | b'\t' | b'\n' | b'\r'
                        )
                    {
                        break;
                    }
                    self.pos += 1;
                }
            }
        }
    }

    /// Skips a bracketed value by counting depth, without recursion (any input depth is fine).
    fn skip_container(&mut self) {
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            match b {
                b'"' | b'\'' => {
                    self.read_string();
                    continue;
                }
                b'/' if self.skip_comment() => continue,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.pos += 1;
                        return;
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
    }

    /// At `{`: the key span and value start of the last member named `key`.
    fn find_member(&mut self, key: &str) -> Option<((usize, usize), usize)> {
        self.pos += 1;
        let mut found = None;
        loop {
            self.skip_trivia();
            match self.peek() {
                None | Some(b'}') => return found,
                Some(b',') => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            let key_start = self.pos;
            let name = match self.peek() {
                Some(b'"' | b'\'') => self.read_string(),
                _ => self.read_bare_key(),
            };
            let key_end = self.pos;
            self.skip_trivia();
            if self.peek() == Some(b':') {
                self.pos += 1;
                self.skip_trivia();
            }
            let value_start = self.pos;
            if name == key {
                found = Some(((key_start, key_end), value_start));
            }
            self.skip_value();
            if self.pos == key_start {
                // Unreadable text (a stray `]`): step over it so the scan always advances.
                self.pos += 1;
            }
        }
    }

    /// At `[`: the start of element `index`.
    fn find_element(&mut self, index: usize) -> Option<usize> {
        self.pos += 1;
        let mut current = 0usize;
        loop {
            self.skip_trivia();
            match self.peek() {
                None | Some(b']') => return None,
                Some(b',') => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            if current == index {
                return Some(self.pos);
            }
            let start = self.pos;
            self.skip_value();
            if self.pos == start {
                self.pos += 1;
            }
            current += 1;
        }
    }
}

#[cfg(test)]
mod tests;
