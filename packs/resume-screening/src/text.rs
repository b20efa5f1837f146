//! Small text helpers shared by the evaluator and the checks: word matching, list items, month parsing.
//! Pure functions of their arguments; no data-specific values.

/// Whether `c` continues a word (letters, digits, and the hyphen inside words such as `server-side`).
fn word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Whether `needle` occurs in `hay` as a whole word (or phrase): not preceded or followed by a letter or
/// digit. Needles of two characters or fewer (`Go`) match case-sensitively; longer ones ignore case.
pub fn has_word(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let case_sensitive = needle.chars().count() <= 2;
    let (h, n) = if case_sensitive {
        (hay.to_string(), needle.to_string())
    } else {
        (hay.to_lowercase(), needle.to_lowercase())
    };
    let mut start = 0;
    while let Some(pos) = h[start..].find(&n) {
        let at = start + pos;
        let end = at + n.len();
        let before = h[..at].chars().next_back();
        let after = h[end..].chars().next();
        let ok_before = before.is_none_or(|c| !word_char(c));
        // `Go-to` and `go-live` are not the language: a short needle must not run into a hyphenated word.
        let ok_after = after.is_none_or(|c| !(word_char(c) || case_sensitive && c == '-'));
        if ok_before && ok_after {
            return true;
        }
        start = at + n.len().max(1);
        while start < h.len() && !h.is_char_boundary(start) {
            start += 1;
        }
        if start >= h.len() {
            break;
        }
    }
    false
}

/// One item of a comma-separated list: its head (outside parentheses) and its qualifier (inside).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub head: String,
    pub qualifier: String,
}

/// Split a line into list items at commas and semicolons that are not inside parentheses.
pub fn items(line: &str) -> Vec<Item> {
    let mut out = Vec::new();
    let mut head = String::new();
    let mut qualifier = String::new();
    let mut depth = 0usize;
    for c in line.chars() {
        match c {
            '(' | '[' => {
                depth += 1;
                qualifier.push(' ');
            }
            ')' | ']' => {
                depth = depth.saturating_sub(1);
                qualifier.push(' ');
            }
            ',' | ';' if depth == 0 => {
                out.push(Item {
                    head: head.trim().to_string(),
                    qualifier: qualifier.trim().to_string(),
                });
                head.clear();
                qualifier.clear();
            }
            _ if depth > 0 => qualifier.push(c),
            _ => head.push(c),
        }
    }
    if !head.trim().is_empty() || !qualifier.trim().is_empty() {
        out.push(Item {
            head: head.trim().to_string(),
            qualifier: qualifier.trim().to_string(),
        });
    }
    out
}

/// A statement of wanting to learn or do something, which is not experience of it.
pub fn is_interest(line: &str) -> bool {
    let l = line.to_lowercase();
    [
        "interested in",
        "interest in",
        "learning more",
        "learning about",
        "want to learn",
        "wants to learn",
        "eager to",
        "keen to",
        "hope to",
        "hoping to",
        "would like to",
        "plan to",
        "planning to",
        "aspire",
        "aspiring",
        "curious about",
        "looking to learn",
        "excited to learn",
    ]
    .iter()
    .any(|p| l.contains(p))
}

/// A month as a count of months since year 0 (`year * 12 + month - 1`).
pub type Month = i64;

/// `YYYY-MM` as a [`Month`].
pub fn iso_month(text: &str) -> Option<Month> {
    let (y, m) = text.trim().split_once('-')?;
    if y.len() != 4 {
        return None;
    }
    let y: i64 = y.parse().ok()?;
    let m: i64 = m.parse().ok()?;
    (1..=12).contains(&m).then_some(y * 12 + m - 1)
}

/// What a date of a resume says: a month, "Present", or a reason it cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateText {
    Month(Month),
    Present,
    Unreadable(String),
}

const MONTH_NAMES: [(&str, i64); 24] = [
    ("jan", 1),
    ("january", 1),
    ("feb", 2),
    ("february", 2),
    ("mar", 3),
    ("march", 3),
    ("apr", 4),
    ("april", 4),
    ("may", 5),
    ("jun", 6),
    ("june", 6),
    ("jul", 7),
    ("july", 7),
    ("aug", 8),
    ("august", 8),
    ("sep", 9),
    ("september", 9),
    ("oct", 10),
    ("october", 10),
    ("nov", 11),
    ("november", 11),
    ("dec", 12),
    ("december", 12),
    ("sept", 9),
];

const PRESENT: [&str; 7] = [
    "present", "current", "now", "today", "to date", "ongoing", "date",
];

fn year4(s: &str) -> Option<i64> {
    (s.len() == 4 && s.chars().all(|c| c.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Read one date of a role: `Mon YYYY`, `Month YYYY`, `MM/YYYY`, `YYYY-MM`, `YYYY/MM`, `MM-YYYY`, `MM.YYYY`,
/// `YYYY.MM`, or a word for the present. Anything else (a season, a quarter, a bare year, month 13) is
/// unreadable, with the reason: a date is never guessed.
pub fn parse_date(text: &str) -> DateText {
    let t = text.trim().trim_end_matches('.').to_lowercase();
    if PRESENT.contains(&t.as_str()) {
        return DateText::Present;
    }
    let words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() == 2 && words[0].chars().all(|c| c.is_alphabetic() || c == '.') {
        let name = words[0].trim_end_matches('.');
        return match (
            MONTH_NAMES.iter().find(|(n, _)| *n == name),
            year4(words[1]),
        ) {
            (Some((_, m)), Some(y)) => DateText::Month(y * 12 + m - 1),
            (None, _) => DateText::Unreadable(format!("`{name}` is not a month")),
            (_, None) => DateText::Unreadable(format!("`{}` is not a year", words[1])),
        };
    }
    let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    for sep in ['/', '-', '.'] {
        if let Some((a, b)) = compact.split_once(sep) {
            let (year, month) = match (year4(a), year4(b)) {
                (Some(y), None) => (y, b),
                (None, Some(y)) => (y, a),
                _ => continue,
            };
            if month.is_empty() || month.len() > 2 || !month.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            let m: i64 = month.parse().unwrap_or(0);
            if !(1..=12).contains(&m) {
                return DateText::Unreadable(format!("month {m} does not exist"));
            }
            return DateText::Month(year * 12 + m - 1);
        }
    }
    DateText::Unreadable(format!("no month and year in `{}`", text.trim()))
}

/// `month` as `YYYY-MM`.
pub fn month_text(month: Month) -> String {
    format!(
        "{:04}-{:02}",
        month.div_euclid(12),
        month.rem_euclid(12) + 1
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_respect_boundaries_and_case_of_short_terms() {
        assert!(has_word("Built services using Go.", "Go"));
        assert!(!has_word("Built services using go-live.", "Go"));
        assert!(!has_word("good", "Go"));
        assert!(has_word("Go (golang)", "golang"));
        assert!(!has_word("Trusty", "Rust"));
        assert!(has_word("K8s, Redis", "k8s"));
        assert!(has_word("Server-side Developer", "server-side"));
    }

    #[test]
    fn items_keep_qualifiers_apart() {
        let got = items("Postgres (pgbouncer, logical replication), Rust");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].head, "Postgres");
        assert_eq!(got[0].qualifier, "pgbouncer, logical replication");
        assert_eq!(got[1].head, "Rust");
    }

    #[test]
    fn dates_in_every_layout() {
        let m = |y: i64, mo: i64| DateText::Month(y * 12 + mo - 1);
        assert_eq!(parse_date("Dec 2014"), m(2014, 12));
        assert_eq!(parse_date("September 2020"), m(2020, 9));
        assert_eq!(parse_date("Sept. 2020"), m(2020, 9));
        assert_eq!(parse_date("06/2019"), m(2019, 6));
        assert_eq!(parse_date("2018-01"), m(2018, 1));
        assert_eq!(parse_date("2018/1"), m(2018, 1));
        assert_eq!(parse_date("3.2017"), m(2017, 3));
        assert_eq!(parse_date("Present"), DateText::Present);
        assert!(matches!(parse_date("Spring 2019"), DateText::Unreadable(_)));
        assert!(matches!(parse_date("2019"), DateText::Unreadable(_)));
        assert!(matches!(parse_date("13/2019"), DateText::Unreadable(_)));
        assert_eq!(month_text(2019 * 12 + 5), "2019-06");
        assert_eq!(iso_month("2026-11"), Some(2026 * 12 + 10));
    }
}
