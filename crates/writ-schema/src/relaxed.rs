//! A JSON reader that accepts what models write: `//` and `/* */` comments, trailing commas,
//! single-quoted strings, unquoted keys, Python's `True`/`False`/`None`, a byte-order mark, raw line breaks
//! inside strings. It never panics; on text it cannot read it says where and what it expected.

use serde_json::{Map, Number, Value};
use writ_diag::pointer::{push_index, push_key};

/// Deeper than this is refused (a model's reply has no business nesting so deep; recursion stays bounded).
const MAX_NESTING: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    /// Byte offset in the text where reading failed.
    pub offset: usize,
    /// Pointer to the value being read when it failed.
    pub pointer: String,
    pub message: String,
}

/// Reads the whole of `text` as one value (only whitespace and comments may follow it).
pub fn parse_relaxed(text: &str) -> Result<Value, SyntaxError> {
    let (value, end) = parse_relaxed_prefix(text)?;
    let mut reader = Reader { text, pos: end };
    reader.skip_trivia();
    match reader.peek_char() {
        None => Ok(value),
        Some(c) => Err(reader.error(
            "",
            format!("expected the end of the value, found {}", show(c)),
        )),
    }
}

/// Reads one value at the start of `text` (after trivia) and returns it with the byte offset where it ends.
pub fn parse_relaxed_prefix(text: &str) -> Result<(Value, usize), SyntaxError> {
    let mut reader = Reader { text, pos: 0 };
    let value = reader.value("", 0)?;
    Ok((value, reader.pos))
}

fn show(c: char) -> String {
    match c {
        '\n' => "a line break".to_owned(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("`{c}`"),
    }
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn rest(&self) -> &str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn peek_char(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn found(&self) -> String {
        self.peek_char()
            .map_or_else(|| "the end of the text".to_owned(), show)
    }

    fn error(&self, pointer: &str, message: String) -> SyntaxError {
        SyntaxError {
            offset: self.pos,
            pointer: pointer.to_owned(),
            message,
        }
    }

    fn skip_trivia(&mut self) {
        loop {
            let rest = self.rest();
            if let Some(c) = rest
                .chars()
                .next()
                .filter(|c| c.is_whitespace() || *c == '\u{feff}')
            {
                self.pos += c.len_utf8();
            } else if rest.starts_with("//") {
                self.pos += rest.find('\n').unwrap_or(rest.len());
            } else if let Some(body) = rest.strip_prefix("/*") {
                self.pos += 2 + body.find("*/").map_or(body.len(), |i| i + 2);
            } else {
                return;
            }
        }
    }

    fn value(&mut self, pointer: &str, depth: usize) -> Result<Value, SyntaxError> {
        self.skip_trivia();
        if depth > MAX_NESTING {
            return Err(self.error(
                pointer,
                format!("values nest deeper than {MAX_NESTING} levels"),
            ));
        }
        match self.peek_char() {
            Some('{') => self.object(pointer, depth),
            Some('[') => self.array(pointer, depth),
            Some(quote @ ('"' | '\'')) => self.string(quote, pointer).map(Value::String),
            Some(c) if c == '-' || c == '+' || c == '.' || c.is_ascii_digit() => {
                self.number(pointer)
            }
            Some(c) if c.is_alphabetic() => self.word(pointer),
            _ => Err(self.error(pointer, format!("expected a value, found {}", self.found()))),
        }
    }

    fn object(&mut self, pointer: &str, depth: usize) -> Result<Value, SyntaxError> {
        self.pos += 1;
        let mut map = Map::new();
        loop {
            self.skip_trivia();
            match self.peek_char() {
                Some('}') => {
                    self.pos += 1;
                    return Ok(Value::Object(map));
                }
                None => {
                    return Err(self.error(
                        pointer,
                        "expected `}` to close the object, found the end of the text".to_owned(),
                    ))
                }
                _ => {}
            }
            let key = match self.peek_char() {
                Some(quote @ ('"' | '\'')) => self.string(quote, pointer)?,
                _ => self.bare_key(pointer)?,
            };
            let member = push_key(pointer, &key);
            self.skip_trivia();
            if self.peek_char() != Some(':') {
                return Err(self.error(
                    &member,
                    format!("expected `:` after the key `{key}`, found {}", self.found()),
                ));
            }
            self.pos += 1;
            let value = self.value(&member, depth + 1)?;
            map.insert(key, value);
            self.skip_trivia();
            match self.peek_char() {
                Some(',') => self.pos += 1,
                Some('}') => {}
                _ => {
                    return Err(self.error(
                        pointer,
                        format!(
                            "expected `,` or `}}` after a member, found {}",
                            self.found()
                        ),
                    ))
                }
            }
        }
    }

    fn array(&mut self, pointer: &str, depth: usize) -> Result<Value, SyntaxError> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_trivia();
            match self.peek_char() {
                Some(']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                None => {
                    return Err(self.error(
                        pointer,
                        "expected `]` to close the array, found the end of the text".to_owned(),
                    ))
                }
                _ => {}
            }
            let item = self.value(&push_index(pointer, items.len()), depth + 1)?;
            items.push(item);
            self.skip_trivia();
            match self.peek_char() {
                Some(',') => self.pos += 1,
                Some(']') => {}
                _ => {
                    return Err(self.error(
                        pointer,
                        format!("expected `,` or `]` after an item, found {}", self.found()),
                    ))
                }
            }
        }
    }

    fn bare_key(&mut self, pointer: &str) -> Result<String, SyntaxError> {
        let rest = self.rest();
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '$' | '-')))
            .unwrap_or(rest.len());
        if end == 0 {
            return Err(self.error(
                pointer,
                format!("expected a key or `}}`, found {}", self.found()),
            ));
        }
        let key = rest.get(..end).unwrap_or("").to_owned();
        self.pos += end;
        Ok(key)
    }

    fn string(&mut self, quote: char, pointer: &str) -> Result<String, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek_char() else {
                self.pos = start;
                return Err(self.error(pointer, format!("this string has no closing {quote}")));
            };
            self.pos += c.len_utf8();
            if c == quote {
                return Ok(out);
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let escape_at = self.pos - 1;
            let Some(e) = self.peek_char() else { continue };
            self.pos += e.len_utf8();
            match e {
                '"' | '\'' | '\\' | '/' => out.push(e),
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'u' => out.push(self.unicode_escape(escape_at, pointer)?),
                other => {
                    self.pos = escape_at;
                    return Err(self.error(
                        pointer,
                        format!("`\\{other}` is not an escape (use \\\\ for a backslash)"),
                    ));
                }
            }
        }
    }

    /// After `\u`: four hex digits, combined with a following `\uXXXX` low surrogate when there is one.
    fn unicode_escape(&mut self, escape_at: usize, pointer: &str) -> Result<char, SyntaxError> {
        let hex4 = |text: &str| {
            text.get(..4)
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
        };
        let Some(unit) = hex4(self.rest()) else {
            self.pos = escape_at;
            return Err(self.error(
                pointer,
                "`\\u` must be followed by four hex digits".to_owned(),
            ));
        };
        self.pos += 4;
        if (0xD800..0xDC00).contains(&unit) {
            if let Some(low) = self
                .rest()
                .strip_prefix("\\u")
                .and_then(hex4)
                .filter(|l| (0xDC00..0xE000).contains(l))
            {
                self.pos += 6;
                return Ok(
                    char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                        .unwrap_or('\u{FFFD}'),
                );
            }
        }
        // A lone surrogate cannot be a Rust char; it becomes the replacement character.
        Ok(char::from_u32(unit).unwrap_or('\u{FFFD}'))
    }

    fn number(&mut self, pointer: &str) -> Result<Value, SyntaxError> {
        let rest = self.rest();
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')))
            .unwrap_or(rest.len());
        let raw = rest.get(..end).unwrap_or("");
        let text = raw.strip_prefix('+').unwrap_or(raw);
        let number = if text.contains(['.', 'e', 'E']) {
            text.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(Number::from_f64)
        } else {
            text.parse::<i64>()
                .map(Number::from)
                .ok()
                .or_else(|| text.parse::<u64>().map(Number::from).ok())
        };
        match number {
            Some(number) if !text.starts_with("--") && !text.is_empty() => {
                self.pos += end;
                Ok(Value::Number(number))
            }
            _ => Err(self.error(pointer, format!("`{raw}` is not a number"))),
        }
    }

    fn word(&mut self, pointer: &str) -> Result<Value, SyntaxError> {
        let rest = self.rest();
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let word = rest.get(..end).unwrap_or("");
        let value = match word {
            "true" | "True" => Value::Bool(true),
            "false" | "False" => Value::Bool(false),
            "null" | "None" => Value::Null,
            _ => {
                return Err(self.error(
                    pointer,
                    format!("expected a value, found the bare word `{word}` (strings need quotes)"),
                ))
            }
        };
        self.pos += end;
        Ok(value)
    }
}

#[cfg(test)]
mod tests;
