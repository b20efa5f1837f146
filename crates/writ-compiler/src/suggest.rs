//! "Did you mean" help: the closest known name by edit distance.

/// Names longer than this are not compared: a typo is short, and the cost is quadratic.
const MAX_LEN: usize = 128;

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The known name closest to `wanted`, if it is close enough to be a plausible typo (ties: first in order).
pub fn closest<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if wanted.len() > MAX_LEN {
        return None;
    }
    let limit = (wanted.chars().count() / 3).max(2);
    let mut best: Option<(usize, &str)> = None;
    let known: Vec<&'a str> = known.into_iter().collect();
    for &name in &known {
        if name.len() > MAX_LEN || name == wanted {
            continue;
        }
        let d = edit_distance(wanted, name);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, name));
        }
    }
    if best.is_none() && wanted.chars().count() >= 4 {
        // A truncated name (`timeout` for `timeout_seconds`) is far by edit distance but plainly meant.
        return known.into_iter().find(|name| name.starts_with(wanted));
    }
    best.map(|(_, name)| name)
}

/// `did you mean `x`?` help, or a list of what exists when nothing is close (at most `shown` names).
pub fn help<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str> + Clone) -> Option<String> {
    if let Some(name) = closest(wanted, known.clone()) {
        return Some(format!("did you mean `{name}`?"));
    }
    let names: Vec<&str> = known.into_iter().collect();
    if names.is_empty() {
        return None;
    }
    let shown = 12;
    let mut list = names
        .iter()
        .take(shown)
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > shown {
        list.push_str(&format!(" and {} more", names.len() - shown));
    }
    Some(format!("expected one of {list}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        for (a, b, d) in [
            ("", "", 0),
            ("abc", "abc", 0),
            ("abc", "abd", 1),
            ("table.csv", "table.cvs", 2),
            ("kitten", "sitting", 3),
            ("", "abc", 3),
        ] {
            assert_eq!(edit_distance(a, b), d, "{a} {b}");
            assert_eq!(edit_distance(b, a), d, "{b} {a}");
        }
    }

    #[test]
    fn closest_names() {
        let known = ["table.csv", "table.tsv", "object.json"];
        assert_eq!(closest("table.cvs", known), Some("table.csv"));
        assert_eq!(closest("objet.json", known), Some("object.json"));
        assert_eq!(closest("report.pdf", known), None);
        assert_eq!(
            closest("timeout", ["id", "timeout_seconds"]),
            Some("timeout_seconds")
        );
        assert_eq!(
            help("zzz", ["a.b"]).as_deref(),
            Some("expected one of `a.b`")
        );
    }
}
