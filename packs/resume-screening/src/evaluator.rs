//! The built-in evaluator of rubric `resume-screening.candidate`: what a model would do with one candidate's
//! evidence bundle, as deterministic code.
//!
//! Args (`evaluator.judge`): `{"rubric", "item", "question", "evidence": [...]}`. The evidence holds
//! - one `{"kind": "rules", "rules": {...}}` item: the posting's rules as `extract_rules` read them (minimum
//!   years, the titles that count as backend experience, the month "Present" stands for, the terms of each
//!   skill requirement and criterion, the base score, the points of every criterion and their posting lines);
//! - one `{"kind": "document", "file", "error", "unreadable_dates"?}` item;
//! - resume lines, each `{"kind", "line", "text", ...}`: `role` (with `title`, `start`, `end`), `skills`,
//!   `description`, `authorization`, `education`, `leadership`, `open_source`.
//!
//! Nothing item-specific is written here: every number, title term, skill term and point comes from the
//! rules item, every fact from a resume line. What is written here is the reading a person would bring:
//! which words state a degree level, an authorization, a leadership role, an open-source contribution, an
//! interest rather than experience.
//!
//! Result: `{"verdict": "eligible" | "ineligible" | "unreadable", "score", "reasons": [...], "failed": [the
//! requirements not met], "unreadable_dates": [each date that cannot be read, with its line],
//! "criteria": [{"id", "met", "points", "value", "evidence": [indexes], "rule_line", "reason"}],
//! "judged_by": "builtin:resume-screening.candidate"}`. Every criterion cites the evidence items (by index)
//! that decide it; a point never comes without one.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};
use writ_pack::ToolError;

use crate::text::{
    has_word, is_interest, iso_month, items, month_text, parse_date, DateText, Month,
};

/// The rubric id this evaluator serves.
pub const RUBRIC: &str = "resume-screening.candidate";

/// The CSV columns judged as booleans, in the README's order.
pub const FIELDS: [&str; 8] = [
    "rust_or_go",
    "postgresql",
    "authorized",
    "kubernetes",
    "distributed_systems",
    "open_source",
    "cs_degree",
    "led_team",
];

fn invalid(pointer: &str, message: impl Into<String>) -> ToolError {
    ToolError::Invalid {
        pointer: pointer.to_string(),
        message: message.into(),
    }
}

fn get<'a>(v: &'a Value, pointer: &str) -> Result<&'a Value, ToolError> {
    v.pointer(pointer).ok_or_else(|| ToolError::MissingField {
        pointer: format!("/evidence/rules{pointer}"),
    })
}

fn int(v: &Value, pointer: &str) -> Result<i64, ToolError> {
    let x = get(v, pointer)?;
    x.as_i64()
        .or_else(|| x.as_str().and_then(|s| s.trim().parse().ok()))
        .ok_or(ToolError::WrongType {
            pointer: format!("/evidence/rules{pointer}"),
            expected: "an integer",
        })
}

fn string<'a>(v: &'a Value, pointer: &str) -> Result<&'a str, ToolError> {
    get(v, pointer)?.as_str().ok_or(ToolError::WrongType {
        pointer: format!("/evidence/rules{pointer}"),
        expected: "a string",
    })
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn line_of(v: Option<&Value>) -> Value {
    v.and_then(|x| x.get("line"))
        .cloned()
        .unwrap_or(Value::Null)
}

/// A decimal written with up to `decimals` places, as an integer count of 10^-decimals.
fn scaled(text: &str, decimals: u32) -> Option<i64> {
    let (int_part, frac) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if frac.len() > decimals as usize {
        return None;
    }
    let mut digits = format!("{int_part}{frac}");
    for _ in frac.len()..decimals as usize {
        digits.push('0');
    }
    digits.parse().ok()
}

/// The rules this evaluator needs, read from the rules item.
struct Rules {
    min_scaled: i64,
    decimals: u32,
    title_terms: Vec<String>,
    present: Month,
    end_exclusive: bool,
    overlap_once: bool,
    round_down: bool,
    requirement_terms: Vec<(String, Vec<String>, Value)>,
    country: String,
    authorized_line: Value,
    experience_line: Value,
    base: i64,
    base_line: Value,
    per_year: i64,
    above_years: i64,
    cap: i64,
    experience_points_line: Value,
    ineligible: i64,
    criteria: Vec<Criterion>,
}

struct Criterion {
    id: String,
    points: i64,
    line: Value,
    terms: Vec<String>,
    fields: Vec<String>,
    min_level: String,
}

impl Rules {
    fn read(r: &Value) -> Result<Rules, ToolError> {
        let decimals = int(r, "/experience/decimals").unwrap_or(1).clamp(0, 6) as u32;
        let min_text = string(r, "/experience/min_years")?;
        let min_scaled = scaled(min_text, decimals)
            .ok_or_else(|| invalid("/evidence/rules/experience/min_years", "not a number"))?;
        let present = iso_month(string(r, "/experience/present")?)
            .ok_or_else(|| invalid("/evidence/rules/experience/present", "not a YYYY-MM month"))?;
        let mut requirement_terms = Vec::new();
        let mut country = String::new();
        let mut authorized_line = Value::Null;
        for req in get(r, "/requirements")?.as_array().into_iter().flatten() {
            let id = req.get("id").and_then(Value::as_str).unwrap_or_default();
            if id == "authorized" {
                country = req
                    .get("country")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                authorized_line = line_of(Some(req));
            } else if req.get("terms").is_some() {
                requirement_terms.push((
                    id.to_string(),
                    strings(req.get("terms")),
                    line_of(Some(req)),
                ));
            }
        }
        if country.is_empty() {
            return Err(invalid(
                "/evidence/rules/requirements",
                "no authorization requirement with its country",
            ));
        }
        let mut criteria = Vec::new();
        for c in get(r, "/score/criteria")?.as_array().into_iter().flatten() {
            criteria.push(Criterion {
                id: c
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                points: c
                    .get("points")
                    .and_then(Value::as_i64)
                    .ok_or(ToolError::WrongType {
                        pointer: "/evidence/rules/score/criteria/points".into(),
                        expected: "an integer",
                    })?,
                line: line_of(Some(c)),
                terms: strings(c.get("terms")),
                fields: strings(c.get("fields")),
                min_level: c
                    .get("min_level")
                    .and_then(Value::as_str)
                    .unwrap_or("bachelor")
                    .to_string(),
            });
        }
        Ok(Rules {
            min_scaled,
            decimals,
            title_terms: strings(r.pointer("/experience/title_terms"))
                .iter()
                .map(|t| normalise_title(t))
                .collect(),
            present,
            end_exclusive: r
                .pointer("/experience/end_exclusive")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            overlap_once: r
                .pointer("/experience/overlap_once")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            round_down: r
                .pointer("/experience/rounding")
                .and_then(Value::as_str)
                .is_none_or(|s| s == "down"),
            requirement_terms,
            country,
            authorized_line,
            experience_line: line_of(r.get("experience")),
            base: int(r, "/score/base")?,
            base_line: r
                .pointer("/score/base_line")
                .cloned()
                .unwrap_or(Value::Null),
            per_year: int(r, "/score/experience/per_year")?,
            above_years: int(r, "/score/experience/above_years")?,
            cap: int(r, "/score/experience/cap")?,
            experience_points_line: line_of(r.pointer("/score/experience")),
            ineligible: int(r, "/score/ineligible").unwrap_or(0),
            criteria,
        })
    }

    fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.id == id)
    }

    /// Every skill term of every requirement and criterion except those of `id`.
    fn other_terms(&self, id: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (rid, terms, _) in &self.requirement_terms {
            if rid != id {
                out.extend(terms.iter().cloned());
            }
        }
        for c in &self.criteria {
            if c.id != id {
                out.extend(c.terms.iter().cloned());
            }
        }
        out
    }
}

fn normalise_title(t: &str) -> String {
    let l = t.to_lowercase();
    l.replace("back-end", "backend")
        .replace("back end", "backend")
        .replace("server side", "server-side")
        .replace("serverside", "server-side")
}

/// Words that make a title an engineering role.
const ENGINEERING: [&str; 7] = [
    "engineer",
    "engineering",
    "developer",
    "programmer",
    "architect",
    "sre",
    "swe",
];

fn is_backend_title(title: &str, rules: &Rules) -> Option<String> {
    let t = normalise_title(title);
    let term = rules.title_terms.iter().find(|term| has_word(&t, term))?;
    ENGINEERING
        .iter()
        .any(|w| has_word(&t, w))
        .then(|| term.clone())
}

fn kind(e: &Value) -> &str {
    e.get("kind").and_then(Value::as_str).unwrap_or_default()
}

fn text(e: &Value) -> &str {
    e.get("text").and_then(Value::as_str).unwrap_or_default()
}

/// The first term of `terms` that a skills, description or role line states (not as an interest); a term
/// inside parentheses counts unless the item it qualifies names another requirement's skill (the
/// "logical replication" of a database is a feature of that database).
fn find_term(evidence: &[Value], terms: &[String], others: &[String]) -> Option<(usize, String)> {
    for (i, e) in evidence.iter().enumerate() {
        let k = kind(e);
        if !matches!(k, "skills" | "description" | "role") {
            continue;
        }
        let line = text(e);
        if is_interest(line) {
            continue;
        }
        let line = if k == "role" {
            e.get("title").and_then(Value::as_str).unwrap_or(line)
        } else {
            line
        };
        for item in items(line) {
            if is_interest(&item.head) {
                continue;
            }
            if let Some(t) = terms.iter().find(|t| has_word(&item.head, t)) {
                return Some((i, t.clone()));
            }
            if let Some(t) = terms.iter().find(|t| has_word(&item.qualifier, t)) {
                if !others.iter().any(|o| has_word(&item.head, o)) {
                    return Some((i, t.clone()));
                }
            }
        }
    }
    None
}

fn country_aliases(country: &str) -> Vec<String> {
    let c = country.trim().to_lowercase();
    let mut out = vec![c.clone()];
    if c.contains("united states") || c == "us" || c == "usa" {
        out.extend(
            [
                "united states",
                "u.s.",
                "u.s",
                "us",
                "usa",
                "america",
                "american",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
    } else if c.contains("united kingdom") || c == "uk" {
        out.extend(
            ["united kingdom", "uk", "u.k.", "britain", "british"]
                .iter()
                .map(|s| s.to_string()),
        );
    }
    out
}

/// Country and nationality words: naming one that is not the posting's country limits an authorization.
const COUNTRIES: [&str; 24] = [
    "canada",
    "canadian",
    "mexico",
    "mexican",
    "uk",
    "united kingdom",
    "british",
    "eu",
    "european",
    "india",
    "indian",
    "germany",
    "german",
    "france",
    "french",
    "australia",
    "australian",
    "china",
    "chinese",
    "brazil",
    "brazilian",
    "japan",
    "japanese",
    "ireland",
];

/// Whether an authorization line states the right to work in `country` without sponsorship:
/// `Some(true)`, `Some(false)` (a need for sponsorship or a limit to another country), `None` (silent).
fn authorization(line: &str, country: &[String]) -> Option<bool> {
    let l = line.to_lowercase();
    let names_country = country.iter().any(|c| has_word(&l, c));
    let names_other = COUNTRIES
        .iter()
        .any(|c| has_word(&l, c) && !country.iter().any(|own| own == c));
    let no_sponsorship = [
        "no sponsorship",
        "without sponsorship",
        "without visa sponsorship",
        "no visa sponsorship",
        "sponsorship not required",
        "not require sponsorship",
        "not require visa sponsorship",
        "does not need sponsorship",
        "do not need sponsorship",
        "not need sponsorship",
        "no need for sponsorship",
    ]
    .iter()
    .any(|p| l.contains(p));
    let needs = (l.contains("sponsor") && !no_sponsorship)
        || [
            "h-1b",
            "h1b",
            "tn visa",
            "f-1",
            "opt ",
            "work visa",
            "visa required",
        ]
        .iter()
        .any(|p| l.contains(p) && !no_sponsorship)
        || l.contains("not authorized")
        || l.contains("not eligible")
        || l.contains("unauthorized");
    if needs || (names_other && !names_country) || (l.contains(" only") && !names_country) {
        return Some(false);
    }
    let states = l.contains("citizen")
        || l.contains("permanent resident")
        || l.contains("green card")
        || l.contains("authorized to work")
        || l.contains("authorised to work")
        || l.contains("eligible to work")
        || l.contains("right to work")
        || no_sponsorship;
    if !states {
        return None;
    }
    if l.contains("citizen") && !names_country && !l.contains("green card") {
        return Some(false);
    }
    if (l.contains("authorized to work") || l.contains("authorised to work"))
        && !names_country
        && !no_sponsorship
    {
        return Some(false);
    }
    Some(true)
}

/// Degree levels, lowest first, and the words (dots removed, lower case) that state each.
const LEVELS: [(&str, &[&str]); 4] = [
    ("associate", &["associate", "associates", "aas"]),
    (
        "bachelor",
        &[
            "bs",
            "bsc",
            "ba",
            "beng",
            "btech",
            "bachelor",
            "bachelors",
            "bse",
            "bcs",
            "ab",
            "sb",
            "bas",
        ],
    ),
    (
        "master",
        &[
            "ms", "msc", "ma", "meng", "mtech", "master", "masters", "mse", "mcs", "sm", "mba",
            "mphil",
        ],
    ),
    (
        "doctor",
        &[
            "phd",
            "dphil",
            "doctor",
            "doctorate",
            "doctoral",
            "dsc",
            "edd",
        ],
    ),
];

fn degree_level(line: &str) -> Option<usize> {
    let undotted: String = line.replace('.', "").to_lowercase();
    let mut found = None;
    for w in undotted.split(|c: char| !c.is_alphanumeric()) {
        for (rank, (_, words)) in LEVELS.iter().enumerate() {
            if words.contains(&w) {
                found = Some(found.map_or(rank, |f: usize| f.max(rank)));
            }
        }
    }
    // "B.E." (an English word once undotted) only with its dots.
    if line.contains("B.E.") || line.contains("B.E ") {
        found = Some(found.map_or(1, |f| f.max(1)));
    }
    found
}

fn acronym(field: &str) -> String {
    field
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .collect::<String>()
        .to_uppercase()
}

/// Whether an education line states a completed degree of at least `min_level` in one of `fields`.
fn degree(line: &str, fields: &[String], min_level: &str) -> bool {
    let l = line.to_lowercase();
    let min = LEVELS
        .iter()
        .position(|(name, _)| min_level.to_lowercase().starts_with(name))
        .unwrap_or(1);
    let Some(level) = degree_level(line) else {
        return false;
    };
    if level < min {
        return false;
    }
    if [
        "expected",
        "in progress",
        "pursuing",
        "incomplete",
        "not completed",
        "coursework",
        "courses",
        "dropped",
        "bootcamp",
        "certificate",
    ]
    .iter()
    .any(|w| l.contains(w))
    {
        return false;
    }
    fields.iter().any(|f| {
        let f = f.to_lowercase();
        let at = l.find(&f).or_else(|| {
            let a = acronym(&f);
            (a.len() >= 2 && has_word(line, &a)).then(|| line.find(&a).unwrap_or(0))
        });
        match at {
            Some(at) => {
                !l[..at].trim_end().ends_with("minor in") && !l[..at].trim_end().ends_with("minor")
            }
            None => false,
        }
    })
}

/// Whether a line states that the candidate led or managed engineers, or was the tech lead of a team.
fn leadership(line: &str) -> bool {
    let l = line.to_lowercase();
    if is_interest(&l) || l.contains("aspire") || l.contains("would like to lead") {
        return false;
    }
    let titles = [
        "tech lead",
        "technical lead",
        "team lead",
        "engineering lead",
        "lead engineer",
        "lead developer",
        "engineering manager",
        "head of engineering",
        "development manager",
    ];
    if titles.iter().any(|t| l.contains(t)) {
        return true;
    }
    let verbs = [
        "led",
        "lead",
        "leading",
        "managed",
        "manage",
        "managing",
        "supervised",
        "directed",
        "headed",
        "oversaw",
    ];
    let people = [
        "engineers",
        "engineer",
        "developers",
        "team",
        "teams",
        "squad",
        "programmers",
        "reports",
        "staff",
    ];
    verbs.iter().any(|v| has_word(&l, v)) && people.iter().any(|p| has_word(&l, p))
}

/// Whether a line states open-source contributions: a link to a public repository (host/owner/name), or
/// contributed to or maintained projects.
fn open_source(line: &str) -> bool {
    let l = line.to_lowercase();
    if is_interest(&l) {
        return false;
    }
    for host in [
        "github.com/",
        "gitlab.com/",
        "bitbucket.org/",
        "codeberg.org/",
        "sr.ht/",
    ] {
        if let Some(at) = l.find(host) {
            let path: String = l[at + host.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '/' | '-' | '_' | '.' | '~'))
                .collect();
            let parts: Vec<&str> = path
                .trim_end_matches('.')
                .split('/')
                .filter(|p| !p.is_empty())
                .collect();
            if parts.len() >= 2 {
                return true;
            }
            if l.contains("maintain")
                || l.contains("contribut")
                || l.contains("open-source")
                || l.contains("open source")
            {
                return true;
            }
        }
    }
    let oss = l.contains("open-source") || l.contains("open source") || l.contains("opensource");
    let acts = [
        "contribut",
        "maintain",
        "committer",
        "author",
        "creator",
        "created",
        "published",
        "released",
    ];
    (oss && acts.iter().any(|a| l.contains(a)))
        || (l.contains("maintainer of")
            || l.contains("core maintainer")
            || l.contains("committer on"))
}

/// How one kind of evidence line is judged against its criterion.
type LineJudge = fn(&str, &Criterion) -> bool;

/// `evaluator.judge` with rubric `resume-screening.candidate`.
pub fn judge(args: &Value) -> Result<Value, ToolError> {
    let evidence = args
        .get("evidence")
        .and_then(Value::as_array)
        .ok_or(ToolError::WrongType {
            pointer: "/evidence".into(),
            expected: "an array",
        })?;
    let rules_value = evidence
        .iter()
        .find(|e| kind(e) == "rules")
        .and_then(|e| e.get("rules"))
        .ok_or_else(|| {
            invalid(
                "/evidence",
                "no `rules` item: the posting's rules are part of the bundle",
            )
        })?;
    let rules = Rules::read(rules_value)?;
    let document = evidence.iter().find(|e| kind(e) == "document");
    let file = document
        .and_then(|d| d.get("file"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut reasons: Vec<String> = Vec::new();
    let mut criteria: Vec<Value> = Vec::new();
    let judged_by = format!("builtin:{RUBRIC}");

    if let Some(error) = document
        .and_then(|d| d.get("error"))
        .and_then(Value::as_str)
    {
        reasons.push(format!("{file}: unreadable resume: {error}"));
        criteria.push(json!({"id": "backend_years", "met": false, "value": zero(rules.decimals), "months": 0,
            "evidence": [], "rule_line": rules.experience_line, "reason": "the resume cannot be read"}));
        for f in FIELDS {
            criteria.push(json!({"id": f, "met": false, "points": 0, "evidence": [], "reason": "the resume cannot be read"}));
        }
        return Ok(
            json!({"verdict": "unreadable", "score": rules.ineligible, "reasons": reasons.clone(),
            "failed": reasons, "unreadable_dates": [], "criteria": criteria, "judged_by": judged_by}),
        );
    }

    // ---- backend experience ---------------------------------------------------------------------------
    let mut months: BTreeSet<Month> = BTreeSet::new();
    let mut total_months: i64 = 0;
    let mut backend_roles = Vec::new();
    let mut readable_dates = 0;
    let mut notes = Vec::new();
    for (i, e) in evidence.iter().enumerate() {
        if kind(e) != "role" {
            continue;
        }
        let line = e.get("line").and_then(Value::as_i64).unwrap_or(0);
        let role_text = text(e);
        let start_text = e.get("start").and_then(Value::as_str);
        let end_text = e.get("end").and_then(Value::as_str);
        let (Some(start_text), Some(end_text)) = (start_text, end_text) else {
            notes.push(format!(
                "line {line}: the dates of `{role_text}` cannot be read"
            ));
            continue;
        };
        if !role_text.contains(start_text) || !role_text.contains(end_text) {
            notes.push(format!(
                "line {line}: the dates given are not on the cited line"
            ));
            continue;
        }
        let start = parse_date(start_text);
        let end = parse_date(end_text);
        let (start, end) = match (start, end) {
            (DateText::Month(s), DateText::Month(e)) => (s, e),
            (DateText::Month(s), DateText::Present) => (s, rules.present),
            (DateText::Unreadable(why), _) | (_, DateText::Unreadable(why)) => {
                notes.push(format!(
                    "line {line}: date cannot be read ({why}): `{role_text}`"
                ));
                continue;
            }
            (DateText::Present, _) => {
                notes.push(format!(
                    "line {line}: a role cannot start at present: `{role_text}`"
                ));
                continue;
            }
        };
        readable_dates += 1;
        let title = e.get("title").and_then(Value::as_str).unwrap_or(role_text);
        if let Some(term) = is_backend_title(title, &rules) {
            let last = if rules.end_exclusive { end } else { end + 1 };
            let span: Vec<Month> = (start..last).collect();
            total_months += span.len() as i64;
            months.extend(span.iter().copied());
            backend_roles.push(i);
            if end <= start {
                notes.push(format!("line {line}: the role ends before it starts"));
            } else {
                reasons.push(format!(
                    "line {line}: `{title}` is a {term} engineering role, {} to {} ({} months)",
                    month_text(start),
                    month_text(last - 1),
                    last - start
                ));
            }
        }
    }
    let counted = if rules.overlap_once {
        months.len() as i64
    } else {
        total_months
    };
    let unit = 10i64.pow(rules.decimals);
    let years_scaled = if rules.round_down {
        counted * unit / 12
    } else {
        (counted * unit + 6) / 12
    };
    let years_text = if rules.decimals == 0 {
        years_scaled.to_string()
    } else {
        format!(
            "{}.{:0width$}",
            years_scaled / unit,
            years_scaled % unit,
            width = rules.decimals as usize
        )
    };
    let experience_met = years_scaled >= rules.min_scaled;
    let no_dates = readable_dates == 0;
    criteria.push(
        json!({"id": "backend_years", "met": experience_met && !no_dates, "value": years_text,
        "months": counted, "evidence": backend_roles, "rule_line": rules.experience_line,
        "reason": format!("{counted} distinct months of backend roles = {years_text} years")}),
    );

    // ---- skills, authorization, degree, leadership, open source ---------------------------------------
    let mut met: Map<String, Value> = Map::new();
    let mut cite: Map<String, Value> = Map::new();
    let mut why: Map<String, Value> = Map::new();
    let mut rule_line: Map<String, Value> = Map::new();
    let term_criteria: Vec<(String, Vec<String>, Value)> = rules
        .requirement_terms
        .iter()
        .cloned()
        .chain(
            rules
                .criteria
                .iter()
                .filter(|c| !c.terms.is_empty())
                .map(|c| (c.id.clone(), c.terms.clone(), c.line.clone())),
        )
        .collect();
    for (id, terms, line) in &term_criteria {
        rule_line.insert(id.clone(), line.clone());
        match find_term(evidence, terms, &rules.other_terms(id)) {
            Some((i, term)) => {
                met.insert(id.clone(), Value::Bool(true));
                cite.insert(id.clone(), json!([i]));
                why.insert(
                    id.clone(),
                    json!(format!("line {}: lists `{term}`", line_no(&evidence[i]))),
                );
            }
            None => {
                met.insert(id.clone(), Value::Bool(false));
                why.insert(
                    id.clone(),
                    json!(format!(
                        "no skills or role line lists {}",
                        terms.join(" / ")
                    )),
                );
            }
        }
    }
    // authorization: a stated need for sponsorship (or a limit to another country) outweighs the rest
    let aliases = country_aliases(&rules.country);
    let mut auth: Option<(bool, usize)> = None;
    for (i, e) in evidence.iter().enumerate() {
        if kind(e) != "authorization" {
            continue;
        }
        match (authorization(text(e), &aliases), auth) {
            (Some(false), _) => {
                auth = Some((false, i));
                break;
            }
            (Some(true), None) => auth = Some((true, i)),
            _ => {}
        }
    }
    rule_line.insert("authorized".into(), rules.authorized_line.clone());
    match auth {
        Some((ok, i)) => {
            met.insert("authorized".into(), Value::Bool(ok));
            cite.insert("authorized".into(), json!([i]));
            why.insert(
                "authorized".into(),
                json!(format!(
                    "line {}: `{}` {} authorization to work in the {} without sponsorship",
                    line_no(&evidence[i]),
                    text(&evidence[i]),
                    if ok { "states" } else { "does not state" },
                    rules.country
                )),
            );
        }
        None => {
            met.insert("authorized".into(), Value::Bool(false));
            why.insert(
                "authorized".into(),
                json!("the resume states no work authorization"),
            );
        }
    }
    let line_judges: [(&str, &str, LineJudge); 3] = [
        ("cs_degree", "education", |l, c| {
            degree(l, &c.fields, &c.min_level)
        }),
        ("led_team", "leadership", |l, _| leadership(l)),
        ("open_source", "open_source", |l, _| open_source(l)),
    ];
    for (id, evidence_kind, decide) in line_judges {
        let Some(c) = rules.criterion(id) else {
            continue;
        };
        rule_line.insert(id.into(), c.line.clone());
        let hit = evidence
            .iter()
            .enumerate()
            .find(|(_, e)| kind(e) == evidence_kind && decide(text(e), c));
        match hit {
            Some((i, e)) => {
                met.insert(id.into(), Value::Bool(true));
                cite.insert(id.into(), json!([i]));
                why.insert(
                    id.into(),
                    json!(format!("line {}: `{}`", line_no(e), text(e))),
                );
            }
            None => {
                met.insert(id.into(), Value::Bool(false));
                why.insert(
                    id.into(),
                    json!(format!("no {evidence_kind} line meets the rule")),
                );
            }
        }
    }

    // ---- eligibility and score --------------------------------------------------------------------------
    let is = |id: &str| met.get(id).and_then(Value::as_bool).unwrap_or(false);
    let mut failed = Vec::new();
    if no_dates {
        failed.push(format!("{file}: no dates it can parse"));
    } else if !experience_met {
        failed.push(format!(
            "backend experience {years_text} years is below {}",
            scaled_text(rules.min_scaled, rules.decimals)
        ));
    }
    for (id, _, _) in &rules.requirement_terms {
        if !is(id) {
            failed.push(format!("requirement {id} not met"));
        }
    }
    if !is("authorized") {
        failed.push(format!(
            "not authorized to work in the {} without sponsorship",
            rules.country
        ));
    }
    let eligible = failed.is_empty();
    let full_years = counted / 12;
    let experience_points = if eligible {
        ((full_years - rules.above_years).max(0) * rules.per_year).min(rules.cap)
    } else {
        0
    };
    let mut score = if eligible {
        rules.base
    } else {
        rules.ineligible
    };
    if eligible {
        criteria.push(
            json!({"id": "base", "points": rules.base, "evidence": [], "rule_line": rules.base_line,
            "reason": "the posting's starting points"}),
        );
        criteria.push(json!({"id": "experience", "points": experience_points,
            "evidence": if experience_points > 0 { json!(criteria[0]["evidence"]) } else { json!([]) },
            "rule_line": rules.experience_points_line,
            "reason": format!("{full_years} full years of backend experience, {} above {}",
                (full_years - rules.above_years).max(0), rules.above_years)}));
        score += experience_points;
    }
    for id in FIELDS {
        let points = rules.criterion(id).map_or(0, |c| c.points);
        let got = if eligible && is(id) { points } else { 0 };
        score += got;
        criteria.push(json!({"id": id, "met": is(id), "points": got,
            "evidence": cite.get(id).cloned().unwrap_or(json!([])),
            "rule_line": rule_line.get(id).cloned().unwrap_or(Value::Null),
            "reason": why.get(id).cloned().unwrap_or(Value::Null)}));
    }
    let verdict = if eligible { "eligible" } else { "ineligible" };
    let mut all = failed.clone();
    all.extend(notes.iter().cloned());
    all.extend(reasons);
    Ok(
        json!({"verdict": verdict, "score": score, "reasons": all, "failed": failed,
        "unreadable_dates": notes, "criteria": criteria, "judged_by": judged_by}),
    )
}

fn line_no(e: &Value) -> i64 {
    e.get("line").and_then(Value::as_i64).unwrap_or(0)
}

fn zero(decimals: u32) -> String {
    scaled_text(0, decimals)
}

fn scaled_text(v: i64, decimals: u32) -> String {
    if decimals == 0 {
        return v.to_string();
    }
    let unit = 10i64.pow(decimals);
    format!("{}.{:0w$}", v / unit, v % unit, w = decimals as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_lines() {
        let us = country_aliases("United States");
        assert_eq!(authorization("Eligibility: US citizen.", &us), Some(true));
        assert_eq!(
            authorization("Work authorization: Permanent resident (green card).", &us),
            Some(true)
        );
        assert_eq!(
            authorization(
                "Authorized to work in the US; no sponsorship required.",
                &us
            ),
            Some(true)
        );
        assert_eq!(
            authorization("Requires H-1B visa sponsorship.", &us),
            Some(false)
        );
        assert_eq!(
            authorization("Will need sponsorship to work in the US.", &us),
            Some(false)
        );
        assert_eq!(
            authorization("Authorized to work in Canada only.", &us),
            Some(false)
        );
        assert_eq!(authorization("Canadian citizen.", &us), Some(false));
        assert_eq!(authorization("Seattle, WA", &us), None);
    }

    #[test]
    fn degrees() {
        let f = vec![
            "computer science".to_string(),
            "software engineering".to_string(),
        ];
        assert!(degree(
            "BSc Software Engineering, State University",
            &f,
            "bachelor"
        ));
        assert!(degree(
            "Ph.D. Computer Science, State University",
            &f,
            "bachelor"
        ));
        assert!(degree("M.S. in CS, Tech University", &f, "bachelor"));
        assert!(!degree("B.S. Physics, State University", &f, "bachelor"));
        assert!(!degree(
            "Associate of Science, Computer Science",
            &f,
            "bachelor"
        ));
        assert!(!degree(
            "B.A. Economics, minor in Computer Science",
            &f,
            "bachelor"
        ));
        assert!(!degree(
            "Self-taught; completed online courses in web development.",
            &f,
            "bachelor"
        ));
    }

    #[test]
    fn leadership_and_open_source() {
        assert!(leadership("Tech lead for a team of five engineers."));
        assert!(leadership(
            "Managed four backend engineers and owned on-call."
        ));
        assert!(leadership(
            "Led a team of 6 engineers building payment APIs."
        ));
        assert!(!leadership(
            "Worked on product features with cross-functional teams."
        ));
        assert!(!leadership("Led the migration to Kafka."));
        assert!(!leadership("Interested in leading a team one day."));
        assert!(open_source(
            "Contributor to open-source database tooling (see github.com/example/pgtools)."
        ));
        assert!(open_source(
            "Maintainer of open-source projects at github.com/pedrodev."
        ));
        assert!(open_source("Code: https://gitlab.com/someone/project"));
        assert!(!open_source("c-1@example.com | github.com/someone"));
        assert!(!open_source("Interested in contributing to open source."));
    }

    #[test]
    fn more_wordings() {
        let us = country_aliases("United States");
        assert_eq!(
            authorization("Citizen of the United States.", &us),
            Some(true)
        );
        assert_eq!(authorization("Green card holder.", &us), Some(true));
        assert_eq!(
            authorization("Does not require sponsorship", &us),
            Some(true)
        );
        assert_eq!(
            authorization("Currently on H-1B; will require transfer", &us),
            Some(false)
        );
        assert_eq!(
            authorization("OPT (F-1), will need sponsorship", &us),
            Some(false)
        );
        assert!(leadership("Engineering manager for 8 engineers"));
        assert!(leadership("Team lead (4 developers)"));
        assert!(!leadership("Mentored junior engineers"));
        assert!(!leadership("Managed the on-call rotation"));
        assert!(open_source("Core maintainer of a popular Rust crate"));
        assert!(!open_source("Open source enthusiast"));
        let f = vec![
            "computer science".to_string(),
            "software engineering".to_string(),
        ];
        assert!(degree("BS in CS", &f, "bachelor"));
        assert!(degree(
            "Bachelor of Science in Computer Science",
            &f,
            "bachelor"
        ));
        assert!(!degree(
            "B.S. Computer Science (expected 2027)",
            &f,
            "bachelor"
        ));
        assert!(!degree("B.S. Computer Science", &f, "master"));
    }
}
