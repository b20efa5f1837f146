//! The built-in evaluator of rubric `contract-review.deviation`: the deviation rubric as code.
//!
//! A step program sends one evidence bundle per contract: for every clause of the standard form, the standard
//! clause (text, sentences, structured terms) beside what was found in the contract (text, sentences with
//! their lines, terms), or `found: null` when the clause could not be located. The evaluator answers, per
//! clause, whether the found text deviates **in substance** and, if so, the deviation code (the data README's
//! vocabulary) and the deviating sentence (its index among the found sentences, and its text).
//!
//! The rubric: equivalent wording is not a deviation; a change of substance is — a number or a period (the
//! clause's quantities differ from the standard's), the governing law (the places named for law and courts
//! differ), a party's right (who owns, who may assign, who indemnifies, whether a right to terminate for
//! convenience exists), or an added obligation (interest on late payment, automatic renewal, a price
//! increase, a disclaimer, a condition). Every value compared comes from the bundle: the standard's numbers,
//! periods and places are never constants here. The words that signal a concept (e.g. "automatically" +
//! "renew") are the rubric's, not the data's.
//!
//! Example: a TERM clause whose found sentence adds "renews automatically for successive twelve (12) month
//! periods unless ... ninety (90) days" has quantities {12 month, 90 day} against the standard's {12 month}
//! and the automatic-renewal concept the standard lacks: `AUTO_RENEWAL`, that sentence.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};
use writ_pack::ToolError;

/// The rubric id this evaluator serves.
pub const RUBRIC: &str = "contract-review.deviation";

/// The clause codes of the review and, per clause, the deviation codes the rubric may give it (README).
pub const CLAUSE_CODES: &[(&str, &[&str])] = &[
    ("TERM", &["AUTO_RENEWAL"]),
    ("PAYMENT", &["PAYMENT_TERMS", "LATE_FEES"]),
    ("PRICE", &["PRICE_INCREASE"]),
    ("CONFIDENTIALITY", &["CONFIDENTIALITY_TERM"]),
    ("DATA_PROTECTION", &["BREACH_NOTICE"]),
    ("IP", &["IP_OWNERSHIP"]),
    ("WARRANTY", &["WARRANTY_PERIOD", "WARRANTY_DISCLAIMER"]),
    ("INDEMNITY", &["INDEMNITY_NARROWED", "INDEMNITY_MUTUAL"]),
    ("LIABILITY", &["LIABILITY_CAP", "LIABILITY_CARVEOUT"]),
    (
        "TERMINATION",
        &["TERMINATION_NOTICE", "NO_TERMINATION_FOR_CONVENIENCE"],
    ),
    ("GOVERNING_LAW", &["GOVERNING_LAW"]),
    ("ASSIGNMENT", &["ASSIGNMENT"]),
    ("INSURANCE", &["INSURANCE_LIMIT"]),
];

/// The deviation codes a clause may carry (empty for an unknown clause).
pub fn codes_of(clause: &str) -> &'static [&'static str] {
    CLAUSE_CODES
        .iter()
        .find(|(c, _)| *c == clause)
        .map(|(_, codes)| *codes)
        .unwrap_or(&[])
}

/// One sentence of a clause, as the bundle gives it.
#[derive(Debug, Clone, Default)]
struct Sentence {
    text: String,
    words: Vec<String>,
    quantities: Vec<String>,
    places: Vec<String>,
    lines: Option<(u64, u64)>,
}

/// One side of a clause (standard or found).
#[derive(Debug, Clone, Default)]
struct Side {
    sentences: Vec<Sentence>,
}

impl Side {
    fn quantities(&self) -> BTreeSet<String> {
        self.sentences
            .iter()
            .flat_map(|s| s.quantities.iter().cloned())
            .collect()
    }
    fn places(&self) -> BTreeSet<String> {
        self.sentences
            .iter()
            .flat_map(|s| s.places.iter().map(|p| p.to_lowercase()))
            .collect()
    }
    /// The first sentence where `cue` holds.
    fn find(&self, cue: fn(&[String]) -> bool) -> Option<usize> {
        self.sentences.iter().position(|s| cue(&s.words))
    }
    fn any(&self, cue: fn(&[String]) -> bool) -> bool {
        self.find(cue).is_some()
    }
}

/// What the evaluator decided for one clause.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub deviation: &'static str,
    pub sentence: usize,
    pub reason: String,
}

// ---------------------------------------------------------------------------------------------------------
// Words and cues

fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in text.chars() {
        if ch.is_alphanumeric() || ch == '-' {
            cur.extend(ch.to_lowercase());
        } else {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if ch == '\'' || ch == '’' {
                // "party's" -> "party" + "s": drop the possessive
                out.push("'".to_string());
            }
            if ch == ',' || ch == ';' || ch == ':' {
                // clause boundaries: negation does not reach across them
                out.push(ch.to_string());
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    let mut cleaned = Vec::with_capacity(out.len());
    let mut skip = false;
    for (i, w) in out.iter().enumerate() {
        if skip {
            skip = false;
            continue;
        }
        if w == "'" {
            if out.get(i + 1).map(String::as_str) == Some("s") {
                skip = true;
            }
            continue;
        }
        cleaned.push(w.trim_matches('-').to_string());
    }
    cleaned.retain(|w| !w.is_empty());
    cleaned
}

/// `pattern` matches `word`: exact, or a prefix when it ends in `*`.
fn matches(pattern: &str, word: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => word == pattern,
    }
}

fn has(words: &[String], pattern: &str) -> bool {
    words.iter().any(|w| matches(pattern, w))
}

fn position(words: &[String], pattern: &str) -> Option<usize> {
    words.iter().position(|w| matches(pattern, w))
}

/// All `patterns` occur within a window of `span` words (any order).
fn near(words: &[String], patterns: &[&str], span: usize) -> bool {
    let Some(first) = patterns.first() else {
        return false;
    };
    words.iter().enumerate().any(|(i, w)| {
        matches(first, w)
            && patterns.iter().skip(1).all(|p| {
                let lo = i.saturating_sub(span);
                let hi = (i + span + 1).min(words.len());
                words
                    .get(lo..hi)
                    .is_some_and(|ws| ws.iter().any(|x| matches(p, x)))
            })
    })
}

/// The words in sequence (adjacent).
fn phrase(words: &[String], seq: &[&str]) -> bool {
    if seq.is_empty() || words.len() < seq.len() {
        return false;
    }
    words
        .windows(seq.len())
        .any(|w| w.iter().zip(seq).all(|(a, p)| matches(p, a)))
}

const NEGATIONS: &[&str] = &[
    "not",
    "neither",
    "no",
    "nor",
    "cannot",
    "never",
    "prohibited",
];
const BOUNDARIES: &[&str] = &[",", ";", ":"];

/// A negation governs the word at `at`: within the ten words before it, not across a clause boundary.
fn negated_before(words: &[String], at: usize) -> bool {
    let Some(before) = words.get(at.saturating_sub(10)..at) else {
        return false;
    };
    before
        .iter()
        .rev()
        .take_while(|w| !BOUNDARIES.contains(&w.as_str()))
        .any(|w| NEGATIONS.contains(&w.as_str()))
}

/// Some word matching one of `patterns` that no negation governs.
fn affirmed(words: &[String], patterns: &[&str]) -> bool {
    words
        .iter()
        .enumerate()
        .any(|(i, w)| patterns.iter().any(|p| matches(p, w)) && !negated_before(words, i))
}

/// Renewal that happens unless someone acts: "renews automatically", "evergreen", "unless either party gives
/// notice of non-renewal".
fn auto_renewal(w: &[String]) -> bool {
    near(w, &["automatic*", "renew*"], 6)
        || near(w, &["automatic*", "extend*"], 6)
        || has(w, "evergreen")
        || has(w, "auto-renew*")
        || has(w, "non-renewal")
        || (affirmed(w, &["renew*", "extend*"]) && near(w, &["renew*", "unless"], 12))
        || phrase(w, &["year", "to", "year"])
        || phrase(w, &["month", "to", "month"])
        || near(w, &["thereafter", "until"], 8)
}

fn late_fee(w: &[String]) -> bool {
    has(w, "interest")
        || has(w, "overdue")
        || phrase(w, &["late", "fee*"])
        || phrase(w, &["late", "charge*"])
        || phrase(w, &["late", "payment", "charge*"])
        || phrase(w, &["finance", "charge*"])
}

fn in_advance(w: &[String]) -> bool {
    phrase(w, &["in", "advance"]) || has(w, "prepay*") || has(w, "upfront") || has(w, "up-front")
}

fn price_increase(w: &[String]) -> bool {
    affirmed(
        w,
        &[
            "increas*", "adjust*", "rais*", "escalat*", "index*", "revis*", "modif*",
        ],
    )
}

fn disclaimer(w: &[String]) -> bool {
    phrase(w, &["as", "is"])
        || affirmed(w, &["disclaim*"])
        || phrase(w, &["no", "warrant*"])
        || phrase(w, &["without", "warrant*"])
        || phrase(w, &["without", "any", "warrant*"])
}

fn licence(w: &[String]) -> bool {
    has(w, "licen*") || has(w, "retain*")
}

fn mutual(w: &[String]) -> bool {
    has(w, "mutual*")
        || (has(w, "indemnif*")
            && (phrase(w, &["each", "other"]) || phrase(w, &["one", "another"])))
        || ["indemnif*", "defend*"].iter().any(|verb| {
            position(w, verb).is_some_and(|at| {
                let before = w.get(..at).unwrap_or(&[]);
                phrase(before, &["each", "party"])
                    || phrase(before, &["either", "party"])
                    || phrase(before, &["both", "parties"])
            })
        })
}

fn indemnity_condition(w: &[String]) -> bool {
    has(w, "provided")
        || phrase(w, &["subject", "to"])
        || phrase(w, &["on", "condition"])
        || has(w, "conditional*")
        || phrase(w, &["limited", "to"])
        || has(w, "patent*")
        || has(w, "only")
        || has(w, "solely")
        || has(w, "exclusively")
}

/// The share of the standard's substantive words (five letters or more, plural folded) the found text
/// lacks: a narrowed scope drops what the standard covers.
fn scope_lost(std: &Side, found: &Side) -> f64 {
    fn fold(w: &str) -> String {
        w.strip_suffix('s')
            .filter(|x| x.len() >= 5)
            .unwrap_or(w)
            .to_string()
    }
    const FILLER: &[&str] = &[
        "shall",
        "against",
        "under",
        "which",
        "their",
        "there",
        "other",
        "arising",
        "agreement",
    ];
    let bag = |side: &Side| -> BTreeSet<String> {
        side.sentences
            .iter()
            .flat_map(|s| s.words.iter())
            .filter(|w| w.len() >= 5 && !FILLER.contains(&w.as_str()))
            .map(|w| fold(w))
            .collect()
    };
    let (sb, fb) = (bag(std), bag(found));
    if sb.is_empty() {
        return 0.0;
    }
    sb.iter().filter(|w| !fb.contains(*w)).count() as f64 / sb.len() as f64
}

fn carve_out(w: &[String]) -> bool {
    (has(w, "except*") && !phrase(w, &["without", "exception"]))
        || phrase(w, &["save", "for"])
        || phrase(w, &["other", "than"])
        || phrase(w, &["aside", "from"])
        || phrase(w, &["apart", "from"])
        || has(w, "exclud*")
        || near(w, &["not", "apply"], 3)
}

/// The cap expressly covers what the standard excludes from it ("including for breaches of confidentiality").
fn including(w: &[String]) -> bool {
    near(w, &["includ*", "confidential*"], 5) || near(w, &["includ*", "indemn*"], 8)
}

/// Where a text speaks of ending the agreement at will: "for convenience", "without cause", "for any reason".
fn convenience_at(w: &[String]) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, word) in w.iter().enumerate() {
        let next = w.get(i + 1).map(String::as_str);
        if word == "convenience"
            || (word == "without" && matches!(next, Some("cause") | Some("reason")))
            || (word == "any" && next == Some("reason"))
            || (word == "at" && next == Some("will"))
        {
            out.push(i);
        }
    }
    out
}

/// A negation right after the word at `at`, before a clause boundary: "... for convenience is not permitted".
fn negated_after(words: &[String], at: usize) -> bool {
    words
        .iter()
        .skip(at + 1)
        .take(5)
        .take_while(|w| !BOUNDARIES.contains(&w.as_str()))
        .any(|w| NEGATIONS.contains(&w.as_str()))
}

fn convenience_denied_at(w: &[String], at: usize) -> bool {
    negated_before(w, at) || negated_after(w, at)
}

/// A right to terminate for convenience, stated positively.
fn convenience_right(w: &[String]) -> bool {
    convenience_at(w)
        .into_iter()
        .any(|at| !convenience_denied_at(w, at))
}

fn convenience_denied(w: &[String]) -> bool {
    convenience_at(w)
        .into_iter()
        .any(|at| convenience_denied_at(w, at))
}

/// A party may assign (or transfer) freely: a permission no negation governs and no consent conditions
/// (or one expressly waived: "without Client's consent").
fn assignment_permitted(w: &[String]) -> bool {
    let conditioned = has(w, "consent*") && !has(w, "without");
    !conditioned
        && ["assign*", "transfer*"].iter().any(|verb| {
            position(w, verb).is_some_and(|at| {
                !negated_before(w, at)
                    && w.get(..at).is_some_and(|ws| {
                        ws.iter()
                            .any(|x| x == "may" || x == "can" || x == "free" || x == "entitled")
                    })
            })
        })
}

fn perpetual(w: &[String]) -> bool {
    has(w, "perpetu*") || has(w, "indefinite*")
}

/// The parties that own (or retain) the work: the party after "by", or the party named before the verb.
fn owners(side: &Side) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for s in &side.sentences {
        let w = &s.words;
        for (i, word) in w.iter().enumerate() {
            let verb = matches("own*", word) && !matches("owner*", word)
                || matches("retain*", word)
                || matches("vest*", word);
            let noun = matches("owner*", word)
                || word == "property" && w.get(i + 1).map(String::as_str) == Some("of");
            if !(verb || noun) {
                continue;
            }
            if w.get(i + 1).map(String::as_str) == Some("by") || noun {
                if let Some(p) = w
                    .get(i + 1..)
                    .and_then(|ws| ws.iter().find(|x| is_party(x)))
                {
                    out.insert(p.clone());
                    continue;
                }
            }
            if matches("vest*", word) {
                if let Some(p) = w
                    .get(i + 1..)
                    .and_then(|ws| ws.iter().find(|x| is_party(x)))
                {
                    out.insert(p.clone());
                    continue;
                }
            }
            if let Some(p) = w
                .get(..i)
                .and_then(|ws| ws.iter().rev().find(|x| is_party(x)))
            {
                out.insert(p.clone());
            }
        }
    }
    out
}

fn is_party(w: &str) -> bool {
    matches!(
        w,
        "client" | "vendor" | "customer" | "supplier" | "provider" | "contractor" | "company"
    )
}

// ---------------------------------------------------------------------------------------------------------
// Comparison

fn similarity(a: &[String], b: &[String]) -> f64 {
    let sa: BTreeSet<&String> = a.iter().filter(|w| w.len() > 3).collect();
    let sb: BTreeSet<&String> = b.iter().filter(|w| w.len() > 3).collect();
    if sa.is_empty() || sb.is_empty() {
        return 0.0;
    }
    let inter = sa.intersection(&sb).count() as f64;
    inter / (sa.len().max(sb.len()) as f64)
}

/// The found sentence closest to the standard sentence that states `pick` (a predicate on a standard sentence).
fn closest(std: &Side, found: &Side, pick: impl Fn(&Sentence) -> bool) -> usize {
    let target: Vec<&Sentence> = std.sentences.iter().filter(|s| pick(s)).collect();
    let mut best = (f64::MIN, 0usize);
    for (k, s) in found.sentences.iter().enumerate() {
        let score = target
            .iter()
            .map(|t| similarity(&t.words, &s.words))
            .fold(0.0, f64::max);
        if score > best.0 {
            best = (score, k);
        }
    }
    best.1
}

/// Quantities: the first found sentence stating a quantity the standard does not, else the found sentence
/// closest to the standard sentence whose quantity is gone.
fn quantity_change(std: &Side, found: &Side) -> Option<(usize, String)> {
    let sq = std.quantities();
    let fq = found.quantities();
    for (k, s) in found.sentences.iter().enumerate() {
        if let Some(q) = s.quantities.iter().find(|q| !sq.contains(*q)) {
            let was: Vec<&String> = sq.iter().filter(|x| !fq.contains(*x)).collect();
            return Some((
                k,
                if was.is_empty() {
                    format!("adds `{q}`, which the standard does not state")
                } else {
                    format!(
                        "states `{q}` where the standard states {}",
                        was.iter()
                            .map(|x| format!("`{x}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
            ));
        }
    }
    let gone: Vec<&String> = sq.iter().filter(|q| !fq.contains(*q)).collect();
    let first = gone.first()?;
    let k = closest(std, found, |s| s.quantities.contains(first));
    Some((
        k,
        format!(
            "drops {} stated by the standard",
            gone.iter()
                .map(|x| format!("`{x}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

fn place_change(std: &Side, found: &Side) -> Option<(usize, String)> {
    let sp = std.places();
    let fp = found.places();
    if sp == fp {
        return None;
    }
    let k = found
        .sentences
        .iter()
        .position(|s| s.places.iter().any(|p| !sp.contains(&p.to_lowercase())))
        .unwrap_or_else(|| closest(std, found, |s| !s.places.is_empty()));
    Some((
        k,
        format!(
            "names {} for law and courts where the standard names {}",
            list(&fp),
            list(&sp)
        ),
    ))
}

fn list(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        return "no place".into();
    }
    set.iter()
        .map(|x| format!("`{x}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A concept the found text states and the standard does not.
fn added(
    std: &Side,
    found: &Side,
    cue: fn(&[String]) -> bool,
    what: &str,
) -> Option<(usize, String)> {
    if std.any(cue) {
        return None;
    }
    found
        .find(cue)
        .map(|k| (k, format!("adds {what}, which the standard does not have")))
}

/// A concept the standard states and the found text does not.
fn lost(
    std: &Side,
    found: &Side,
    cue: fn(&[String]) -> bool,
    what: &str,
) -> Option<(usize, String)> {
    let at = std.find(cue)?;
    if found.any(cue) {
        return None;
    }
    let target = std
        .sentences
        .get(at)
        .map(|s| s.words.clone())
        .unwrap_or_default();
    let k = closest(std, found, |s| s.words == target);
    Some((k, format!("drops {what}, which the standard has")))
}

fn finding(code: &'static str, hit: Option<(usize, String)>) -> Option<Finding> {
    hit.map(|(sentence, reason)| Finding {
        deviation: code,
        sentence,
        reason,
    })
}

/// The rubric for one clause: the first rule that holds gives the deviation code and the sentence.
fn assess(clause: &str, std: &Side, found: &Side) -> Option<Finding> {
    let q = || quantity_change(std, found);
    let p = || place_change(std, found);
    let owner_change = || {
        let (so, fo) = (owners(std), owners(found));
        if so == fo || fo.is_empty() {
            return None;
        }
        let k = found
            .sentences
            .iter()
            .position(|s| {
                let one = Side {
                    sentences: vec![s.clone()],
                };
                !owners(&one).is_empty() && owners(&one) != so
            })
            .unwrap_or(0);
        Some((
            k,
            format!(
                "gives ownership to {} where the standard gives it to {}",
                list(&fo),
                list(&so)
            ),
        ))
    };
    let rules: Vec<(&'static str, Option<(usize, String)>)> = match clause {
        "TERM" => vec![
            (
                "AUTO_RENEWAL",
                added(std, found, auto_renewal, "automatic renewal"),
            ),
            ("AUTO_RENEWAL", q()),
        ],
        "PAYMENT" => vec![
            (
                "LATE_FEES",
                added(std, found, late_fee, "interest or a charge on late payment"),
            ),
            ("PAYMENT_TERMS", q()),
            (
                "PAYMENT_TERMS",
                added(std, found, in_advance, "payment in advance"),
            ),
        ],
        "PRICE" => vec![
            (
                "PRICE_INCREASE",
                added(
                    std,
                    found,
                    price_increase,
                    "a right to increase or adjust the fees",
                ),
            ),
            ("PRICE_INCREASE", q()),
        ],
        "CONFIDENTIALITY" => vec![
            ("CONFIDENTIALITY_TERM", q()),
            (
                "CONFIDENTIALITY_TERM",
                added(std, found, perpetual, "a different survival period"),
            ),
        ],
        "DATA_PROTECTION" => vec![("BREACH_NOTICE", q())],
        "IP" => vec![
            (
                "IP_OWNERSHIP",
                added(
                    std,
                    found,
                    licence,
                    "a licence or retained rights instead of ownership",
                ),
            ),
            ("IP_OWNERSHIP", owner_change()),
            ("IP_OWNERSHIP", q()),
        ],
        "WARRANTY" => vec![
            (
                "WARRANTY_DISCLAIMER",
                added(std, found, disclaimer, "a disclaimer of warranties"),
            ),
            ("WARRANTY_PERIOD", q()),
        ],
        "INDEMNITY" => vec![
            (
                "INDEMNITY_MUTUAL",
                added(std, found, mutual, "a mutual indemnity"),
            ),
            (
                "INDEMNITY_NARROWED",
                added(
                    std,
                    found,
                    indemnity_condition,
                    "a condition or limit on the indemnity",
                ),
            ),
            ("INDEMNITY_NARROWED", q()),
            ("INDEMNITY_NARROWED", {
                let lost = scope_lost(std, found);
                (lost >= 0.35).then(|| {
                    (
                        closest(std, found, |_| true),
                        format!("covers less than the standard: {:.0}% of its substantive words are gone", lost * 100.0),
                    )
                })
            }),
        ],
        "LIABILITY" => vec![
            ("LIABILITY_CAP", q()),
            (
                "LIABILITY_CARVEOUT",
                added(std, found, including, "claims brought under the cap"),
            ),
            (
                "LIABILITY_CARVEOUT",
                lost(std, found, carve_out, "the exclusions from the cap"),
            ),
            (
                "LIABILITY_CARVEOUT",
                added(std, found, carve_out, "exclusions from the cap"),
            ),
        ],
        "TERMINATION" => vec![
            (
                "NO_TERMINATION_FOR_CONVENIENCE",
                added(
                    std,
                    found,
                    convenience_denied,
                    "a bar on termination for convenience",
                ),
            ),
            (
                "NO_TERMINATION_FOR_CONVENIENCE",
                lost(
                    std,
                    found,
                    convenience_right,
                    "the right to terminate for convenience",
                ),
            ),
            ("TERMINATION_NOTICE", q()),
        ],
        "GOVERNING_LAW" => vec![("GOVERNING_LAW", p()), ("GOVERNING_LAW", q())],
        "ASSIGNMENT" => vec![
            (
                "ASSIGNMENT",
                added(
                    std,
                    found,
                    assignment_permitted,
                    "a party's right to assign",
                ),
            ),
            ("ASSIGNMENT", q()),
        ],
        "INSURANCE" => vec![("INSURANCE_LIMIT", q())],
        _ => vec![],
    };
    for (code, hit) in rules {
        if let Some(f) = finding(code, hit) {
            return Some(f);
        }
    }
    // Any clause: a changed place is a change of substance even where the rubric names no concept for it.
    let default = codes_of(clause).first().copied()?;
    finding(default, p())
}

// ---------------------------------------------------------------------------------------------------------
// The bundle

fn field<'a>(v: &'a Value, key: &str, at: &str) -> Result<&'a Value, ToolError> {
    v.get(key).ok_or_else(|| ToolError::MissingField {
        pointer: format!("{at}/{key}"),
    })
}

fn strings(v: Option<&Value>, at: &str) -> Result<Vec<String>, ToolError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ToolError::WrongType {
                        pointer: format!("{at}/{i}"),
                        expected: "a string",
                    })
            })
            .collect(),
        Some(_) => Err(ToolError::WrongType {
            pointer: at.to_string(),
            expected: "an array of strings",
        }),
    }
}

fn side(v: &Value, at: &str) -> Result<Side, ToolError> {
    let sentences = match field(v, "sentences", at)? {
        Value::Array(items) => items,
        _ => {
            return Err(ToolError::WrongType {
                pointer: format!("{at}/sentences"),
                expected: "an array of sentences",
            })
        }
    };
    let mut out = Vec::with_capacity(sentences.len());
    for (k, s) in sentences.iter().enumerate() {
        let here = format!("{at}/sentences/{k}");
        let text = field(s, "text", &here)?
            .as_str()
            .ok_or_else(|| ToolError::WrongType {
                pointer: format!("{here}/text"),
                expected: "a string",
            })?
            .to_string();
        let terms = s.get("terms").unwrap_or(&Value::Null);
        let lines = match (
            s.get("line_start").and_then(Value::as_u64),
            s.get("line_end").and_then(Value::as_u64),
        ) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        };
        out.push(Sentence {
            words: words(&text),
            quantities: strings(terms.get("quantities"), &format!("{here}/terms/quantities"))?,
            places: strings(terms.get("places"), &format!("{here}/terms/places"))?,
            text,
            lines,
        });
    }
    Ok(Side { sentences: out })
}

/// `evaluator.judge` for rubric `contract-review.deviation`: the bundle in, per-clause criteria out.
pub fn judge(args: &Value) -> Result<Value, ToolError> {
    let item = args.get("item").and_then(Value::as_str).unwrap_or("");
    let evidence = match field(args, "evidence", "")? {
        Value::Array(items) => items,
        _ => {
            return Err(ToolError::WrongType {
                pointer: "/evidence".into(),
                expected: "an array of clause evidence",
            })
        }
    };
    let mut criteria = Vec::with_capacity(evidence.len());
    let mut reasons = Vec::new();
    let mut deviations = 0usize;
    let mut unlocated = 0usize;
    for (i, ev) in evidence.iter().enumerate() {
        let at = format!("/evidence/{i}");
        let clause = field(ev, "clause", &at)?
            .as_str()
            .ok_or_else(|| ToolError::WrongType {
                pointer: format!("{at}/clause"),
                expected: "a clause code",
            })?;
        if codes_of(clause).is_empty() {
            return Err(ToolError::Invalid {
                pointer: format!("{at}/clause"),
                message: format!("`{clause}` is not a clause code of the rubric"),
            });
        }
        let std = side(field(ev, "standard", &at)?, &format!("{at}/standard"))?;
        let mut c = Map::new();
        c.insert("evidence".into(), json!(i));
        c.insert("clause".into(), json!(clause));
        let found = match ev.get("found") {
            None | Some(Value::Null) => None,
            Some(f) => Some(side(f, &format!("{at}/found"))?),
        };
        let Some(found) = found else {
            unlocated += 1;
            c.insert("located".into(), json!(false));
            c.insert("deviation".into(), Value::Null);
            c.insert("label".into(), json!("not_located"));
            c.insert(
                "reason".into(),
                json!(format!(
                    "evidence[{i}] {clause}: not located in the contract"
                )),
            );
            reasons.push(format!("evidence[{i}] {clause}: not located, not judged"));
            criteria.push(Value::Object(c));
            continue;
        };
        c.insert("located".into(), json!(true));
        match assess(clause, &std, &found) {
            Some(f) => {
                deviations += 1;
                let s = found.sentences.get(f.sentence);
                let lines = s.and_then(|s| s.lines);
                let reason = format!(
                    "evidence[{i}] {clause}: sentence {}{} {}",
                    f.sentence,
                    lines
                        .map(|(a, b)| format!(" (lines {a}-{b})"))
                        .unwrap_or_default(),
                    f.reason
                );
                c.insert("deviation".into(), json!(f.deviation));
                c.insert("label".into(), json!("deviates"));
                c.insert("sentence".into(), json!(f.sentence));
                c.insert(
                    "excerpt".into(),
                    json!(s.map(|s| s.text.clone()).unwrap_or_default()),
                );
                c.insert("reason".into(), json!(reason.clone()));
                reasons.push(reason);
            }
            None => {
                c.insert("deviation".into(), Value::Null);
                c.insert("label".into(), json!("conforms"));
                c.insert(
                    "reason".into(),
                    json!(format!(
                        "evidence[{i}] {clause}: same quantities, places, rights and obligations as the standard"
                    )),
                );
            }
        }
        criteria.push(Value::Object(c));
    }
    let verdict = if deviations > 0 {
        "deviates"
    } else if unlocated > 0 {
        "incomplete"
    } else {
        "conforms"
    };
    if reasons.is_empty() {
        reasons.push(format!(
            "{item}: every clause conforms to the standard in substance"
        ));
    }
    Ok(json!({"verdict": verdict, "reasons": reasons, "criteria": criteria}))
}
