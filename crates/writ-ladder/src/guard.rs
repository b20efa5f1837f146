//! Stage 1: secrets and personal data. A hit is a rejection; the guard never corrects.

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diag::{self, Code, Diagnostic};
use crate::patch::{child, index_child};

/// Which kinds of personal data the contract allows in this output. Secrets are never allowed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GuardPolicy {
    pub allow_emails: bool,
    pub allow_phones: bool,
    pub allow_card_numbers: bool,
    pub allow_national_ids: bool,
    pub allow_ibans: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("guard pattern `{name}` does not compile: {source}")]
pub struct GuardBuildError {
    name: &'static str,
    #[source]
    source: regex::Error,
}

struct Detector {
    label: &'static str,
    code: Code,
    re: Regex,
    /// A checksum or range check that a regex match must also pass.
    confirm: fn(&str) -> bool,
}

pub struct Guard {
    detectors: Vec<Detector>,
}

fn always(_: &str) -> bool {
    true
}

const SECRETS: &[(&str, &str)] = &[
    (
        "an API key (sk-…)",
        r"\bsk-(?:ant-|proj-|live-|test-)?[A-Za-z0-9_\-]{20,}",
    ),
    ("an AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    (
        "a GitHub token",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})",
    ),
    ("a PEM private key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    (
        "a bearer token",
        r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]{20,}=*",
    ),
    ("a Slack token", r"\bxox[abprs]-[A-Za-z0-9\-]{10,}"),
    (
        "a JSON web token",
        r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}",
    ),
];

impl Guard {
    pub fn new(policy: &GuardPolicy) -> Result<Guard, GuardBuildError> {
        let mut detectors = Vec::new();
        let mut add =
            |label: &'static str, code: Code, pattern: &str, confirm: fn(&str) -> bool| {
                Regex::new(pattern)
                    .map(|re| {
                        detectors.push(Detector {
                            label,
                            code,
                            re,
                            confirm,
                        })
                    })
                    .map_err(|source| GuardBuildError {
                        name: label,
                        source,
                    })
            };
        for (label, pattern) in SECRETS {
            add(label, diag::SECRET, pattern, always)?;
        }
        if !policy.allow_emails {
            add(
                "an e-mail address",
                diag::EMAIL,
                r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}",
                always,
            )?;
        }
        if !policy.allow_phones {
            add(
                "a phone number",
                diag::PHONE,
                r"(?:\+\d{1,3}[ .\-]?)?(?:\(\d{3}\)|\b\d{3})[ .\-]\d{3}[ .\-]\d{4}\b|\+\d{10,15}\b",
                always,
            )?;
        }
        if !policy.allow_card_numbers {
            add(
                "a payment card number",
                diag::CARD,
                r"\b[2-6](?:[ \-]?\d){12,18}\b",
                luhn_card,
            )?;
        }
        if !policy.allow_national_ids {
            add(
                "a US social security number",
                diag::SSN,
                r"\b\d{3}-\d{2}-\d{4}\b",
                valid_ssn,
            )?;
        }
        if !policy.allow_ibans {
            add(
                "an IBAN",
                diag::IBAN,
                r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b",
                valid_iban,
            )?;
        }
        Ok(Guard { detectors })
    }

    /// Every guarded finding in the value: string values, object keys and numbers (a card number can be a
    /// JSON number). Messages never repeat the secret itself: the diagnostic goes to the ledger.
    pub fn scan(&self, value: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        self.scan_node(value, "", &mut out);
        out
    }

    fn scan_node(&self, value: &Value, pointer: &str, out: &mut Vec<Diagnostic>) {
        match value {
            Value::String(text) => self.scan_text(text, pointer, "", out),
            Value::Number(n) => self.scan_text(&n.to_string(), pointer, "", out),
            Value::Array(list) => {
                for (i, item) in list.iter().enumerate() {
                    self.scan_node(item, &index_child(pointer, i), out);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    let at = child(pointer, key);
                    self.scan_text(key, &at, "field name: ", out);
                    self.scan_node(item, &at, out);
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
    }

    fn scan_text(&self, text: &str, pointer: &str, where_: &str, out: &mut Vec<Diagnostic>) {
        for d in &self.detectors {
            if d.re.find_iter(text).any(|m| (d.confirm)(m.as_str())) {
                out.push(
                    diag::error(
                        d.code,
                        pointer,
                        format!("{where_}{} found at {pointer:?}", d.label),
                    )
                    .with_help(
                        "remove it from the output, or have the contract allow this kind of data",
                    ),
                );
            }
        }
    }
}

fn digits(text: &str) -> Vec<u32> {
    text.chars().filter_map(|c| c.to_digit(10)).collect()
}

/// Luhn over 13–19 digits.
// `is_multiple_of` is newer than the workspace's rust-version (1.85).
#[allow(clippy::manual_is_multiple_of)]
pub fn luhn_card(text: &str) -> bool {
    let ds = digits(text);
    if !(13..=19).contains(&ds.len()) {
        return false;
    }
    let sum: u32 = ds
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// `AAA-GG-SSSS` outside the ranges the SSA never issues (area 000, 666, 900–999; group 00; serial 0000).
pub fn valid_ssn(text: &str) -> bool {
    let ds = digits(text);
    let [a1, a2, a3, g1, g2, s1, s2, s3, s4] = ds.as_slice() else {
        return false;
    };
    let area = a1 * 100 + a2 * 10 + a3;
    let group = g1 * 10 + g2;
    let serial = s1 * 1000 + s2 * 100 + s3 * 10 + s4;
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

/// ISO 13616: 15–34 characters, moved check digits, mod 97 equals 1.
pub fn valid_iban(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !(15..=34).contains(&compact.len()) || !compact.is_ascii() {
        return false;
    }
    let (head, tail) = compact.split_at(4);
    let mut remainder: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let Some(v) = c.to_digit(36) else {
            return false;
        };
        // Letters count as two digits (A = 10 … Z = 35).
        remainder = if v >= 10 {
            (remainder * 100 + v) % 97
        } else {
            (remainder * 10 + v) % 97
        };
    }
    remainder == 1
}
