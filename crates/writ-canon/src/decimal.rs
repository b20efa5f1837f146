//! Exact decimal amounts, the one money type of writ: money is never a float (ladder, tools, packs).

use std::cmp::Ordering;
use std::fmt;

/// `mantissa × 10^-scale`, exact.
#[derive(Debug, Clone, Copy)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

/// Beyond this many digits an amount is not an amount; it also keeps every operation inside i128.
const MAX_DIGITS: usize = 30;

impl Decimal {
    pub fn zero() -> Self {
        Decimal {
            mantissa: 0,
            scale: 0,
        }
    }

    /// Parses `[+-]digits[.digits][e[+-]digits]` (the forms JSON numbers and plain amount strings take).
    pub fn parse(text: &str) -> Option<Decimal> {
        let text = text.trim();
        let (negative, body) = match text.as_bytes().first()? {
            b'-' => (true, text.get(1..)?),
            b'+' => (false, text.get(1..)?),
            _ => (false, text),
        };
        let (number, exponent) = match body.find(['e', 'E']) {
            Some(at) => (body.get(..at)?, body.get(at + 1..)?.parse::<i32>().ok()?),
            None => (body, 0),
        };
        let (int, frac) = match number.split_once('.') {
            Some((i, f)) => (i, f),
            None => (number, ""),
        };
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits = format!("{int}{frac}");
        let digits = digits.trim_start_matches('0');
        if digits.len() > MAX_DIGITS {
            return None;
        }
        let mut mantissa: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().ok()?
        };
        let mut scale = frac.len() as i64 - exponent as i64;
        if scale < 0 {
            let grow = u32::try_from(-scale).ok()?;
            mantissa = mantissa.checked_mul(10i128.checked_pow(grow)?)?;
            scale = 0;
        }
        if scale > MAX_DIGITS as i64 {
            return None;
        }
        if negative {
            mantissa = -mantissa;
        }
        Some(Decimal {
            mantissa,
            scale: scale as u32,
        })
    }

    fn rescaled(self, scale: u32) -> Option<i128> {
        self.mantissa
            .checked_mul(10i128.checked_pow(scale.checked_sub(self.scale)?)?)
    }

    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let scale = self.scale.max(other.scale);
        Some(Decimal {
            mantissa: self.rescaled(scale)?.checked_add(other.rescaled(scale)?)?,
            scale,
        })
    }

    pub fn checked_sub(self, other: Decimal) -> Option<Decimal> {
        self.checked_add(Decimal {
            mantissa: other.mantissa.checked_neg()?,
            scale: other.scale,
        })
    }

    /// Rounds to `places` decimals, halves away from zero (commercial "half-up").
    pub fn round_half_up(self, places: u32) -> Option<Decimal> {
        if self.scale <= places {
            return Some(Decimal {
                mantissa: self.rescaled(places)?,
                scale: places,
            });
        }
        let divisor = 10i128.checked_pow(self.scale - places)?;
        let quotient = self.mantissa / divisor;
        let remainder = (self.mantissa % divisor).abs();
        let bump = if remainder.checked_mul(2)? >= divisor {
            self.mantissa.signum()
        } else {
            0
        };
        Some(Decimal {
            mantissa: quotient.checked_add(bump)?,
            scale: places,
        })
    }

    /// The amount with exactly two decimals, rounded half-up.
    pub fn money2(self) -> Option<String> {
        self.round_half_up(2).map(|d| d.to_string())
    }

    /// Pads (never rounds) to at least `places` decimals.
    pub fn padded(self, places: u32) -> Option<Decimal> {
        if self.scale >= places {
            Some(self)
        } else {
            Some(Decimal {
                mantissa: self.rescaled(places)?,
                scale: places,
            })
        }
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.cmp_exact(other) == Some(Ordering::Equal)
    }
}

impl PartialOrd for Decimal {
    /// Exact comparison; `None` only when the two cannot be brought to one scale within i128.
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.cmp_exact(other)
    }
}

impl Decimal {
    fn cmp_exact(&self, other: &Self) -> Option<Ordering> {
        let scale = self.scale.max(other.scale);
        Some(self.rescaled(scale)?.cmp(&other.rescaled(scale)?))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let digits = self.mantissa.unsigned_abs().to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money2_rounds_half_up_exactly() {
        let cases = [
            ("2.675", "2.68"),
            ("2.674", "2.67"),
            ("-2.675", "-2.68"),
            ("10", "10.00"),
            ("0.005", "0.01"),
            ("0.004", "0.00"),
            ("1e2", "100.00"),
            ("1.5e-1", "0.15"),
            ("+3.1", "3.10"),
            (".5", "0.50"),
        ];
        for (input, want) in cases {
            let got = Decimal::parse(input).and_then(Decimal::money2);
            assert_eq!(got.as_deref(), Some(want), "{input}");
        }
    }

    #[test]
    fn rejects_non_amounts() {
        for bad in [
            "",
            "-",
            "abc",
            "1.2.3",
            "1,000",
            "12a",
            "1e",
            ".",
            &"9".repeat(40),
        ] {
            assert!(Decimal::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn compares_exactly_across_scales() {
        let d = |t: &str| Decimal::parse(t);
        assert!(d("1.05") > d("1.0"));
        assert!(d("0.95") < d("1"));
        assert!(d("10") > d("9.99"));
        assert!(d("1.0") == d("1"));
    }

    #[test]
    fn arithmetic_is_exact() {
        let a = Decimal::parse("0.1").unwrap();
        let b = Decimal::parse("0.2").unwrap();
        assert_eq!(a.checked_add(b).unwrap(), Decimal::parse("0.30").unwrap());
        assert_eq!(
            Decimal::parse("5.00")
                .unwrap()
                .checked_sub(Decimal::parse("7.5").unwrap())
                .unwrap()
                .to_string(),
            "-2.50"
        );
    }
}
