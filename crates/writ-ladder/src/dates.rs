//! Calendar dates: ISO parsing and the slash/dot forms the structural stage rewrites.

pub type Ymd = (i32, u32, u32);

pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

pub fn valid(year: i32, month: u32, day: u32) -> bool {
    (1..=9999).contains(&year) && day >= 1 && day <= days_in_month(year, month)
}

fn number(part: &str, min_len: usize, max_len: usize) -> Option<u32> {
    if part.len() < min_len || part.len() > max_len || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

/// `YYYY-MM-DD`, a real day.
pub fn parse_iso(text: &str) -> Option<Ymd> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d) = (number(y, 4, 4)? as i32, number(m, 2, 2)?, number(d, 2, 2)?);
    valid(y, m, d).then_some((y, m, d))
}

pub fn format_iso((y, m, d): Ymd) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

/// A non-ISO date shape found in a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `YYYY/MM/DD` or `YYYY.MM.DD`: year first is never ambiguous.
    YearFirst(Ymd),
    /// `AA/BB/YYYY` (or with `.`/`-`): day-first or month-first, to be decided per column.
    YearLast { a: u32, b: u32, year: i32 },
}

pub fn parse_shape(text: &str) -> Option<Shape> {
    let sep = text.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<&str> = text.split(sep).collect();
    let [p1, p2, p3] = parts.as_slice() else {
        return None;
    };
    if p1.len() == 4 {
        if sep == '-' {
            return None; // already ISO-shaped (or not a date); the schema decides
        }
        let ymd = (
            number(p1, 4, 4)? as i32,
            number(p2, 1, 2)?,
            number(p3, 1, 2)?,
        );
        return Some(Shape::YearFirst(ymd));
    }
    if p3.len() == 4 {
        return Some(Shape::YearLast {
            a: number(p1, 1, 2)?,
            b: number(p2, 1, 2)?,
            year: number(p3, 4, 4)? as i32,
        });
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    MonthFirst,
    DayFirst,
}

impl Order {
    pub fn from_hint(hint: &str) -> Option<Order> {
        match hint {
            "mdy" => Some(Order::MonthFirst),
            "dmy" => Some(Order::DayFirst),
            _ => None,
        }
    }

    pub fn apply(self, a: u32, b: u32, year: i32) -> Ymd {
        match self {
            Order::MonthFirst => (year, a, b),
            Order::DayFirst => (year, b, a),
        }
    }
}
