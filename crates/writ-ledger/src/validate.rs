//! Shape checks for the strings an entry carries, so that what is hashed has one spelling.

use crate::LedgerError;

/// Longest tenant or run id accepted; ids are keys, not documents.
pub const MAX_ID_BYTES: usize = 200;

pub fn check_id(what: &'static str, value: &str) -> Result<(), LedgerError> {
    let bad = |reason| LedgerError::BadId {
        what,
        value: value.to_string(),
        reason,
    };
    if value.is_empty() {
        return Err(bad("empty"));
    }
    if value.len() > MAX_ID_BYTES {
        return Err(bad("longer than 200 bytes"));
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad("contains whitespace or control characters"));
    }
    Ok(())
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, upper-case `T` and `Z` only.
pub fn check_rfc3339(at: &str) -> Result<(), LedgerError> {
    if rfc3339_ok(at.as_bytes()) {
        Ok(())
    } else {
        Err(LedgerError::BadTimestamp(at.to_string()))
    }
}

fn rfc3339_ok(b: &[u8]) -> bool {
    let num = |range: std::ops::Range<usize>, max: u32| -> Option<u32> {
        let digits = b.get(range)?;
        let mut n = 0u32;
        for d in digits {
            if !d.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(d - b'0');
        }
        (n <= max).then_some(n)
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let date_ok = num(0..4, 9999).is_some()
        && at(4, b'-')
        && num(5..7, 12).is_some_and(|m| m >= 1)
        && at(7, b'-')
        && num(8..10, 31).is_some_and(|d| d >= 1)
        && at(10, b'T')
        && num(11..13, 23).is_some()
        && at(13, b':')
        && num(14..16, 59).is_some()
        && at(16, b':')
        && num(17..19, 60).is_some();
    if !date_ok {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z') => b.len() == i + 1,
        Some(b'+') | Some(b'-') => {
            b.len() == i + 6
                && num(i + 1..i + 3, 23).is_some()
                && at(i + 3, b':')
                && num(i + 4..i + 6, 59).is_some()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let cases: &[(&str, bool)] = &[
            ("2025-01-31T12:00:00Z", true),
            ("2025-01-31T12:00:00.123456Z", true),
            ("2025-01-31T12:00:00+05:30", true),
            ("2025-01-31T12:00:00-00:00", true),
            ("2025-01-31T23:59:60Z", true),
            ("2025-01-31 12:00:00Z", false),
            ("2025-01-31T12:00:00z", false),
            ("2025-01-31T12:00:00", false),
            ("2025-13-01T00:00:00Z", false),
            ("2025-00-01T00:00:00Z", false),
            ("2025-01-31T24:00:00Z", false),
            ("2025-01-31T12:00:00.Z", false),
            ("2025-01-31T12:00:00+0530", false),
            ("2025-01-31T12:00:00ZZ", false),
            ("", false),
            ("2025-01-3", false),
        ];
        for (text, ok) in cases {
            assert_eq!(check_rfc3339(text).is_ok(), *ok, "{text}");
        }
    }

    #[test]
    fn ids() {
        assert!(check_id("tenant", "acme").is_ok());
        assert!(check_id("tenant", "").is_err());
        assert!(check_id("tenant", "a b").is_err());
        assert!(check_id("tenant", "a\u{7}").is_err());
        assert!(check_id("tenant", &"x".repeat(201)).is_err());
        assert!(check_id("tenant", &"x".repeat(200)).is_ok());
    }
}
