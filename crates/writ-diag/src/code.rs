//! Stable diagnostic codes (`E0001`, `S0012`, …) and severities.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The part of writ a code belongs to; its letter prefixes the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    /// `E`: plan candidates and the compiler.
    Plan,
    /// `S`: schemas, templates and the reply serializer.
    Schema,
    /// `L`: the validation ladder.
    Ladder,
    /// `R`: the runtime (executor, sandbox, runs).
    Runtime,
    /// `C`: the catalog.
    Catalog,
    /// `A`: the REST API.
    Api,
}

impl Area {
    pub const ALL: [Area; 6] = [
        Area::Plan,
        Area::Schema,
        Area::Ladder,
        Area::Runtime,
        Area::Catalog,
        Area::Api,
    ];

    pub const fn letter(self) -> char {
        match self {
            Area::Plan => 'E',
            Area::Schema => 'S',
            Area::Ladder => 'L',
            Area::Runtime => 'R',
            Area::Catalog => 'C',
            Area::Api => 'A',
        }
    }

    pub fn from_letter(letter: char) -> Option<Area> {
        Area::ALL.into_iter().find(|area| area.letter() == letter)
    }

    pub const fn name(self) -> &'static str {
        match self {
            Area::Plan => "plan",
            Area::Schema => "schema",
            Area::Ladder => "ladder",
            Area::Runtime => "runtime",
            Area::Catalog => "catalog",
            Area::Api => "api",
        }
    }
}

/// A stable diagnostic code: an area letter and a number below 10000, shown as `S0012`.
///
/// Codes are never reused: see [`crate::registry`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code {
    pub area: Area,
    pub number: u16,
}

impl Code {
    /// `number` must be below 10000; registry checks reject larger ones (a `const fn` cannot report it).
    pub const fn new(area: Area, number: u16) -> Code {
        Code { area, number }
    }

    /// Parses `S0012`: one area letter and exactly four digits.
    pub fn parse(text: &str) -> Result<Code, CodeParseError> {
        let bad = || CodeParseError(text.to_owned());
        let mut chars = text.chars();
        let area = chars.next().and_then(Area::from_letter).ok_or_else(bad)?;
        let digits = chars.as_str();
        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let number = digits.parse::<u16>().map_err(|_| bad())?;
        Ok(Code { area, number })
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:04}", self.area.letter(), self.number)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a diagnostic code (expected an area letter E, S, L, R, C or A and four digits)"
)]
pub struct CodeParseError(pub String);

impl std::str::FromStr for Code {
    type Err = CodeParseError;
    fn from_str(text: &str) -> Result<Code, CodeParseError> {
        Code::parse(text)
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Code, D::Error> {
        let text = String::deserialize(deserializer)?;
        Code::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_display_and_parse_back() {
        for area in Area::ALL {
            for number in [0u16, 1, 42, 999, 9999] {
                let code = Code::new(area, number);
                let text = code.to_string();
                assert_eq!(text.len(), 5, "{text}");
                assert_eq!(Code::parse(&text), Ok(code));
            }
        }
    }

    #[test]
    fn malformed_codes_are_rejected() {
        for text in [
            "", "S", "S001", "S00001", "X0001", "s0001", "S00a1", "S+001", "Sé001", "S 001",
        ] {
            assert!(Code::parse(text).is_err(), "{text:?} parsed");
        }
    }

    #[test]
    fn code_serializes_as_a_string() {
        let code = Code::new(Area::Ladder, 7);
        let json = serde_json::to_value(code).map_err(|e| e.to_string());
        assert_eq!(json, Ok(serde_json::json!("L0007")));
        let back: Result<Code, _> = serde_json::from_value(serde_json::json!("L0007"));
        assert_eq!(back.ok(), Some(code));
    }
}
