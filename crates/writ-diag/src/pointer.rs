//! RFC 6901 JSON pointers: building them while walking a value, and splitting them back into tokens.

/// Escapes one reference token (`~` → `~0`, `/` → `~1`).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// `pointer` extended by one object key.
pub fn push_key(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", escape_token(key))
}

/// `pointer` extended by one array index.
pub fn push_index(pointer: &str, index: usize) -> String {
    format!("{pointer}/{index}")
}

/// The unescaped reference tokens of `pointer`, or `None` if it is not a pointer (non-empty without a
/// leading `/`). A `~` not followed by `0` or `1` is kept as is: tolerance, since this only locates text.
pub fn tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|token| token.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

/// The array index a token names: decimal digits with no leading zero (RFC 6901).
pub fn token_index(token: &str) -> Option<usize> {
    if token.is_empty()
        || (token.len() > 1 && token.starts_with('0'))
        || !token.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    token.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_through_push() {
        let keys = ["a", "a/b", "~x", "~1", "", "é ü", "0"];
        let mut pointer = String::new();
        for key in keys {
            pointer = push_key(&pointer, key);
        }
        let expected: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        assert_eq!(tokens(&pointer), Some(expected));
    }

    #[test]
    fn table_of_pointers() {
        let cases: &[(&str, Option<&[&str]>)] = &[
            ("", Some(&[])),
            ("/", Some(&[""])),
            ("/a/0", Some(&["a", "0"])),
            ("/m~0n/a~1b", Some(&["m~n", "a/b"])),
            ("a", None),
        ];
        for (pointer, expected) in cases {
            let expected = expected.map(|t| t.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            assert_eq!(tokens(pointer), expected, "{pointer:?}");
        }
    }

    #[test]
    fn indices() {
        assert_eq!(token_index("0"), Some(0));
        assert_eq!(token_index("12"), Some(12));
        assert_eq!(token_index("01"), None);
        assert_eq!(token_index("-"), None);
        assert_eq!(token_index(""), None);
        assert_eq!(token_index("99999999999999999999999"), None);
    }
}
