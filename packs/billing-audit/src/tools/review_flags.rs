//! `billing.review_flags`: the review flags of an engagement letter's section 7 for one time entry.
//!
//! Args: `{"entry_id", "description", "hours", "rules": {"separator", "hours_threshold", "min_words",
//! "generic_phrases"}}`. Result: `{"flags": [...]}`, a sorted subset of `BLOCK_BILLING`, `VAGUE`.
//! - BLOCK_BILLING: the description splits on `separator` into two or more distinct non-empty tasks and
//!   `hours` is strictly more than `hours_threshold`.
//! - VAGUE: the description has fewer than `min_words` words (a word is a whitespace-separated token with at
//!   least one letter or digit), or equals one of `generic_phrases` ignoring case, surrounding whitespace,
//!   repeated spaces and trailing punctuation.

use serde_json::{json, Value};
use std::collections::BTreeSet;
use writ_tools::args::{self, Field};
use writ_tools::ToolError;

pub const NAME: &str = "billing.review_flags";

pub const BLOCK_BILLING: &str = "BLOCK_BILLING";
pub const VAGUE: &str = "VAGUE";

struct Rules<'a> {
    separator: &'a str,
    hours_threshold: writ_canon::Decimal,
    min_words: u64,
    generic_phrases: Vec<&'a str>,
}

pub fn call(args: &Value) -> Result<Value, ToolError> {
    let (pointer, value) = args::member(args, "", "entry_id")?;
    args::string(Field {
        pointer: &pointer,
        value,
    })?;
    let (pointer, value) = args::member(args, "", "description")?;
    let description = args::string(Field {
        pointer: &pointer,
        value,
    })?;
    let (pointer, value) = args::member(args, "", "hours")?;
    let hours = args::decimal(Field {
        pointer: &pointer,
        value,
    })?;
    let rules = rules(args)?;

    let mut flags = BTreeSet::new();
    if distinct_tasks(description, rules.separator) >= 2 && hours > rules.hours_threshold {
        flags.insert(BLOCK_BILLING);
    }
    let generic = rules
        .generic_phrases
        .iter()
        .any(|phrase| normalise(phrase) == normalise(description));
    if word_count(description) < rules.min_words || generic {
        flags.insert(VAGUE);
    }
    Ok(json!({ "flags": flags.into_iter().collect::<Vec<_>>() }))
}

fn rules(args: &Value) -> Result<Rules<'_>, ToolError> {
    let (rules_pointer, rules) = args::member(args, "", "rules")?;
    let (pointer, value) = args::member(rules, &rules_pointer, "separator")?;
    let separator = args::string(Field {
        pointer: &pointer,
        value,
    })?;
    if separator.is_empty() {
        return Err(ToolError::WrongType {
            pointer,
            expected: "a non-empty string",
        });
    }
    let (pointer, value) = args::member(rules, &rules_pointer, "hours_threshold")?;
    let hours_threshold = args::decimal(Field {
        pointer: &pointer,
        value,
    })?;
    let (pointer, value) = args::member(rules, &rules_pointer, "min_words")?;
    let min_words = args::count(Field {
        pointer: &pointer,
        value,
    })?;
    let (pointer, value) = args::member(rules, &rules_pointer, "generic_phrases")?;
    let generic_phrases = args::strings(Field {
        pointer: &pointer,
        value,
    })?;
    Ok(Rules {
        separator,
        hours_threshold,
        min_words,
        generic_phrases,
    })
}

fn distinct_tasks(description: &str, separator: &str) -> usize {
    description
        .split(separator)
        .map(normalise)
        .filter(|task| !task.is_empty())
        .collect::<BTreeSet<_>>()
        .len()
}

fn word_count(description: &str) -> u64 {
    let words = description
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    u64::try_from(words).unwrap_or(u64::MAX)
}

/// Lower case, single spaces, no surrounding punctuation: "Follow up." and "follow  up" are the same phrase.
fn normalise(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .join(" ")
        .trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
        .to_lowercase()
}
