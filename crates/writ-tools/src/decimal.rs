//! Exact decimal comparison without floats: hours such as `1.0` must compare exactly against thresholds.

use std::cmp::Ordering;

/// A non-negative or negative decimal as digits and a scale (`value = mantissa / 10^scale`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

/// Beyond this many fraction digits a value is refused rather than risk overflow when rescaling.
const MAX_SCALE: u32 = 18;

impl Decimal {
    /// Parse `-?digits(.digits)?`; anything else (exponents, blanks, signs alone) is `None`.
    pub fn parse(text: &str) -> Option<Decimal> {
        let text = text.trim();
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = match body.split_once('.') {
            Some((w, f)) => (w, f),
            None => (body, ""),
        };
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        if !whole.chars().all(|c| c.is_ascii_digit())
            || !fraction.chars().all(|c| c.is_ascii_digit())
        {
            return None;
        }
        let scale = u32::try_from(fraction.len())
            .ok()
            .filter(|s| *s <= MAX_SCALE)?;
        let digits = format!("{whole}{fraction}");
        let digits = digits.trim_start_matches('0');
        let mantissa: i128 = if digits.is_empty() {
            0
        } else if digits.len() > 30 {
            return None;
        } else {
            digits.parse().ok()?
        };
        Some(Decimal {
            mantissa: if negative { -mantissa } else { mantissa },
            scale,
        })
    }

    fn rescaled(self, scale: u32) -> i128 {
        // Both scales are at most MAX_SCALE and mantissas at most 30 digits, so this stays within i128.
        self.mantissa * 10_i128.pow(scale - self.scale)
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let scale = self.scale.max(other.scale);
        self.rescaled(scale).cmp(&other.rescaled(scale))
    }
}

#[cfg(test)]
mod tests {
    use super::Decimal;

    #[test]
    fn parses_and_compares_exactly() {
        let cases = [
            ("1.0", "1", false),
            ("1.05", "1.0", true),
            ("0.95", "1.0", false),
            ("10", "9.99", true),
        ];
        for (a, b, greater) in cases {
            let (a, b) = (Decimal::parse(a), Decimal::parse(b));
            assert!(a.is_some() && b.is_some());
            assert_eq!(a > b, greater, "{a:?} > {b:?}");
        }
    }

    #[test]
    fn refuses_non_decimals() {
        for text in ["", ".", "1e3", "abc", "1.2.3", "--1", " "] {
            assert_eq!(Decimal::parse(text), None, "{text:?}");
        }
    }
}
