//! The two string formats the subset checks: `date` and `date-time` (RFC 3339), strictly.

use crate::schema::Format;

pub(crate) fn parse_name(name: &str) -> Option<Format> {
    match name {
        "date" => Some(Format::Date),
        "date-time" => Some(Format::DateTime),
        _ => None,
    }
}

pub(crate) fn describe(format: Format) -> &'static str {
    match format {
        Format::Date => "a date YYYY-MM-DD",
        Format::DateTime => "a date-time YYYY-MM-DDTHH:MM:SSZ",
    }
}

pub(crate) fn matches(format: Format, text: &str) -> bool {
    match format {
        Format::Date => is_date(text),
        Format::DateTime => is_date_time(text),
    }
}

fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn is_date(text: &str) -> bool {
    let (Some(year), Some(month), Some(day)) = (
        text.get(0..4).and_then(digits),
        text.get(5..7).and_then(digits),
        text.get(8..10).and_then(digits),
    ) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    text.len() == 10
        && text.get(4..5) == Some("-")
        && text.get(7..8) == Some("-")
        && (1..=days_in_month).contains(&day)
}

fn is_time(text: &str) -> bool {
    let (Some(hour), Some(minute), Some(second)) = (
        text.get(0..2).and_then(digits),
        text.get(3..5).and_then(digits),
        text.get(6..8).and_then(digits),
    ) else {
        return false;
    };
    if text.get(2..3) != Some(":")
        || text.get(5..6) != Some(":")
        || hour > 23
        || minute > 59
        || second > 60
    {
        return false;
    }
    let mut rest = text.get(8..).unwrap_or("");
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        if end == 0 {
            return false;
        }
        rest = fraction.get(end..).unwrap_or("");
    }
    match rest {
        "Z" | "z" => true,
        offset => {
            let sign_ok = offset.starts_with('+') || offset.starts_with('-');
            let hours = offset.get(1..3).and_then(digits);
            let minutes = offset.get(4..6).and_then(digits);
            sign_ok
                && offset.len() == 6
                && offset.get(3..4) == Some(":")
                && hours.is_some_and(|h| h <= 23)
                && minutes.is_some_and(|m| m <= 59)
        }
    }
}

fn is_date_time(text: &str) -> bool {
    match (text.get(..10), text.get(10..11), text.get(11..)) {
        (Some(date), Some("T" | "t"), Some(time)) => is_date(date) && is_time(time),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        for good in ["2024-02-29", "2000-02-29", "1999-12-31", "2025-01-01"] {
            assert!(is_date(good), "{good}");
        }
        for bad in [
            "2023-02-29",
            "1900-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-1-01",
            "2024-01-32",
            "24-01-01",
            "2024/01/01",
            "2024-01-01x",
            "",
            "２０２４-01-01",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }

    #[test]
    fn date_times() {
        for good in [
            "2024-02-29T23:59:60Z",
            "2024-01-01t00:00:00.123+05:30",
            "2024-01-01T12:00:00-00:00",
        ] {
            assert!(is_date_time(good), "{good}");
        }
        for bad in [
            "2024-01-01",
            "2024-01-01T24:00:00Z",
            "2024-01-01T12:00:00",
            "2024-01-01 12:00:00Z",
            "2024-01-01T12:00:00.Z",
            "2024-01-01T12:00:00+5:30",
            "2024-01-01T12:60:00Z",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }
}
