//! The arithmetic the billing checks need beyond `Decimal`'s: products, ordering and flooring to an
//! increment, all exact (read back from `Decimal`'s exact text form, so nothing is ever a float).

use std::cmp::Ordering;

use writ_canon::Decimal;

/// `(mantissa, scale)` of an amount, from its exact text form.
fn parts(d: Decimal) -> Option<(i128, u32)> {
    let text = d.to_string();
    let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let mantissa = format!("{int}{frac}").parse().ok()?;
    Some((mantissa, u32::try_from(frac.len()).ok()?))
}

fn at_scale(d: Decimal, scale: u32) -> Option<i128> {
    let (m, s) = parts(d)?;
    m.checked_mul(10i128.checked_pow(scale.checked_sub(s)?)?)
}

fn from_parts(mantissa: i128, scale: u32) -> Option<Decimal> {
    Decimal::parse(&format!("{mantissa}e-{scale}"))
}

pub fn mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    let (ma, sa) = parts(a)?;
    let (mb, sb) = parts(b)?;
    from_parts(ma.checked_mul(mb)?, sa.checked_add(sb)?)
}

pub fn cmp(a: Decimal, b: Decimal) -> Option<Ordering> {
    let scale = parts(a)?.1.max(parts(b)?.1);
    Some(at_scale(a, scale)?.cmp(&at_scale(b, scale)?))
}

pub fn is_positive(a: Decimal) -> bool {
    cmp(a, Decimal::zero()) == Some(Ordering::Greater)
}

pub fn min(a: Decimal, b: Decimal) -> Option<Decimal> {
    Some(if cmp(a, b)? == Ordering::Greater {
        b
    } else {
        a
    })
}

/// The largest whole number of `step`s not above `value` (`step` must be positive).
pub fn floor_to_step(value: Decimal, step: Decimal) -> Option<Decimal> {
    let scale = parts(value)?.1.max(parts(step)?.1);
    let (v, s) = (at_scale(value, scale)?, at_scale(step, scale)?);
    if s <= 0 {
        return None;
    }
    from_parts(v.div_euclid(s).checked_mul(s)?, scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap_or_else(Decimal::zero)
    }

    #[test]
    fn exact_products_orderings_and_floors() {
        let cases = [
            (mul(d("650.00"), d("0.5")), "325.000"),
            (mul(d("-1.5"), d("3")), "-4.5"),
            (floor_to_step(d("1.25"), d("0.1")), "1.20"),
            (floor_to_step(d("0.05"), d("0.1")), "0.00"),
            (floor_to_step(d("2"), d("0.25")), "2.00"),
            (min(d("3.10"), d("3.1")), "3.10"),
        ];
        for (got, want) in cases {
            assert_eq!(got.map(|x| x.to_string()).as_deref(), Some(want));
        }
        assert_eq!(cmp(d("10.0"), d("9.95")), Some(Ordering::Greater));
        assert_eq!(floor_to_step(d("1"), d("0")), None);
        assert!(is_positive(d("0.01")) && !is_positive(d("-0.01")) && !is_positive(d("0")));
    }
}
