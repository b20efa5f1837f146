//! Canonical JSON and content hashes.
//!
//! Every hash in writ (contract, plan, profile, artifact, ledger entry) is blake3 over the canonical JSON
//! encoding defined here, so that the same value hashes the same on native and wasm32, in the worker, the
//! CLI and the tests. The encoding follows RFC 8785 (JCS): object keys sorted by UTF-16 code units, no
//! insignificant whitespace, numbers in the ECMAScript shortest round-trip form, strings with the minimal
//! escapes.

mod decimal;
mod number;
mod ser;

use serde::Serialize;
use serde_json::Value;
use std::fmt;

pub use decimal::Decimal;
pub use number::write_number;

/// A blake3 content hash, displayed as `b3:<64 hex>`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentHash([u8; 32]);

/// The prefix every displayed hash carries, so that a hash is never mistaken for another kind of id.
pub const HASH_PREFIX: &str = "b3:";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CanonError {
    #[error("value cannot be serialized to JSON: {0}")]
    Serialize(String),
    #[error("number {0} is not finite and has no JSON form")]
    NonFinite(String),
    #[error("`{0}` is not a content hash: expected `b3:` and 64 lowercase hex digits")]
    BadHash(String),
}

impl ContentHash {
    pub fn of_bytes(bytes: &[u8]) -> Self {
        ContentHash(*blake3::hash(bytes).as_bytes())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        ContentHash(bytes)
    }

    pub fn hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(char::from_digit((b >> 4) as u32, 16).unwrap_or('0'));
            s.push(char::from_digit((b & 0xf) as u32, 16).unwrap_or('0'));
        }
        s
    }

    pub fn parse(text: &str) -> Result<Self, CanonError> {
        let bad = || CanonError::BadHash(text.to_string());
        let hex = text.strip_prefix(HASH_PREFIX).ok_or_else(bad)?;
        if hex.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
            let hi = hex_digit(chunk[0]).ok_or_else(bad)?;
            let lo = hex_digit(chunk[1]).ok_or_else(bad)?;
            out[i] = (hi << 4) | lo;
        }
        Ok(ContentHash(out))
    }
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{HASH_PREFIX}{}", self.hex())
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for ContentHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for ContentHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ContentHash::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Canonical JSON text of any serializable value, written directly (no intermediate `Value`).
pub fn to_canonical_string<T: Serialize + ?Sized>(value: &T) -> Result<String, CanonError> {
    let mut out = String::new();
    value.serialize(ser::Canonical { out: &mut out })?;
    Ok(out)
}

/// Canonical JSON text of a JSON value.
pub fn canonical_value(value: &Value) -> Result<String, CanonError> {
    let mut out = String::new();
    write_value(value, &mut out)?;
    Ok(out)
}

/// blake3 over the canonical JSON of a value.
pub fn hash_of<T: Serialize + ?Sized>(value: &T) -> Result<ContentHash, CanonError> {
    Ok(ContentHash::of_bytes(
        to_canonical_string(value)?.as_bytes(),
    ))
}

fn write_value(v: &Value, out: &mut String) -> Result<(), CanonError> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(n, out)?,
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            // JCS orders keys by their UTF-16 code units, not by UTF-8 bytes.
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_value(&map[key], out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

pub(crate) fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests;
