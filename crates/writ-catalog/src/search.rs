//! Discovery: ranked search over the whole catalog. BM25 (k1 = 1.2, b = 0.75) per field, fields weighted and
//! summed; tokens lower-cased and lightly stemmed; ties broken by id then kind, so results are deterministic.

use crate::catalog::Catalog;
use crate::entry::{Entry, EntryKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub const K1: f64 = 1.2;
pub const B: f64 = 0.75;

/// The fields of a document, with their weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Id,
    Title,
    Keywords,
    Description,
    Kinds,
}

impl Field {
    pub const ALL: [Field; 5] = [
        Field::Id,
        Field::Title,
        Field::Keywords,
        Field::Description,
        Field::Kinds,
    ];

    /// Ids and curated keywords say more about what an entry is for than its prose does.
    pub fn weight(self) -> f64 {
        match self {
            Field::Id => 3.0,
            Field::Title => 2.0,
            Field::Keywords => 2.0,
            Field::Description => 1.0,
            Field::Kinds => 1.5,
        }
    }

    fn slot(self) -> usize {
        match self {
            Field::Id => 0,
            Field::Title => 1,
            Field::Keywords => 2,
            Field::Description => 3,
            Field::Kinds => 4,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchOptions {
    /// Only entries of this kind.
    pub kind: Option<EntryKind>,
    /// At most this many hits; 0 means all.
    pub limit: usize,
}

/// One query term matching one field of a hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermMatch {
    pub term: String,
    pub field: Field,
    /// Occurrences of the term in the field.
    pub tf: usize,
    pub contribution: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub kind: EntryKind,
    pub id: String,
    pub title: String,
    pub score: f64,
    /// Why it matched, largest contribution first.
    pub matches: Vec<TermMatch>,
}

#[derive(Debug)]
struct Doc {
    kind: EntryKind,
    id: String,
    title: String,
    fields: [Vec<String>; 5],
}

/// Term statistics of the whole catalog.
#[derive(Debug)]
pub(crate) struct Index {
    docs: Vec<Doc>,
    avg_len: [f64; 5],
    df: BTreeMap<String, usize>,
}

const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "each", "every", "for", "from", "in", "into",
    "is", "it", "its", "of", "on", "or", "our", "so", "that", "the", "their", "this", "to", "we",
    "with",
];

/// Light suffix stripping: enough that "entries"/"entry", "rates"/"rate", "ranking"/"rank",
/// "reconciled"/"reconcile" meet, without a dictionary.
pub fn stem(word: &str) -> String {
    let mut w = word.to_string();
    if w.chars().count() <= 3 || !w.is_ascii() {
        return w;
    }
    if let Some(base) = w.strip_suffix("ies").filter(|b| b.len() >= 2) {
        w = format!("{base}y");
    } else if w.ends_with("sses") {
        w.truncate(w.len() - 2);
    } else if w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        w.truncate(w.len() - 1);
    }
    if let Some(base) = w.strip_suffix("ing").filter(|b| b.len() >= 4) {
        w = base.to_string();
    } else if let Some(base) = w.strip_suffix("ed").filter(|b| b.len() >= 3) {
        w = base.to_string();
    }
    if w.len() > 3 && w.ends_with('e') {
        w.truncate(w.len() - 1);
    }
    w
}

/// Lower-cased, stemmed tokens; a compound such as `table.csv` or `site-build` is kept whole as well as
/// split, so that exact ids match strongly.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in text.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ',' | ';'
                    | ':'
                    | '('
                    | ')'
                    | '"'
                    | '['
                    | ']'
                    | '`'
                    | '?'
                    | '!'
                    | '/'
                    | '='
                    | '|'
                    | '<'
                    | '>'
                    | '{'
                    | '}'
            )
    }) {
        let chunk = chunk
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        if chunk.is_empty() {
            continue;
        }
        let parts: Vec<&str> = chunk
            .split(|c: char| !c.is_alphanumeric())
            .filter(|p| !p.is_empty())
            .collect();
        if parts.len() > 1 {
            out.push(chunk.clone());
        }
        for part in parts {
            if !STOPWORDS.contains(&part) {
                out.push(stem(part));
            }
        }
    }
    out
}

impl Index {
    pub(crate) fn build(catalog: &Catalog) -> Index {
        let docs: Vec<Doc> = catalog
            .list(None)
            .into_iter()
            // Programs are code, found through their templates; searching their source would be noise.
            .filter(|e| e.kind() != EntryKind::Program)
            .map(|e| doc_of(&e))
            .collect();
        let mut total = [0usize; 5];
        let mut df: BTreeMap<String, usize> = BTreeMap::new();
        for d in &docs {
            let mut seen = BTreeSet::new();
            for (i, f) in d.fields.iter().enumerate() {
                if let Some(t) = total.get_mut(i) {
                    *t += f.len();
                }
                seen.extend(f.iter().cloned());
            }
            for t in seen {
                *df.entry(t).or_default() += 1;
            }
        }
        let n = docs.len().max(1) as f64;
        let avg_len = total.map(|t| (t as f64 / n).max(1.0));
        Index { docs, avg_len, df }
    }

    fn search(&self, query: &str, opts: &SearchOptions) -> Vec<Hit> {
        let mut terms = tokenize(query);
        let mut seen = BTreeSet::new();
        terms.retain(|t| seen.insert(t.clone()));
        let n = self.docs.len() as f64;
        let mut hits = Vec::new();
        for d in &self.docs {
            if opts.kind.is_some_and(|k| k != d.kind) {
                continue;
            }
            let mut matches = Vec::new();
            for term in &terms {
                let df = self.df.get(term).copied().unwrap_or(0) as f64;
                if df == 0.0 {
                    continue;
                }
                let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                for field in Field::ALL {
                    let tokens = d.fields.get(field.slot()).map(Vec::as_slice).unwrap_or(&[]);
                    let tf = tokens.iter().filter(|t| *t == term).count();
                    if tf == 0 {
                        continue;
                    }
                    let avg = self.avg_len.get(field.slot()).copied().unwrap_or(1.0);
                    let norm = 1.0 - B + B * tokens.len() as f64 / avg;
                    let tf_f = tf as f64;
                    let contribution =
                        field.weight() * idf * tf_f * (K1 + 1.0) / (tf_f + K1 * norm);
                    matches.push(TermMatch {
                        term: term.clone(),
                        field,
                        tf,
                        contribution,
                    });
                }
            }
            if matches.is_empty() {
                continue;
            }
            let score = matches.iter().map(|m| m.contribution).sum();
            matches.sort_by(|a, b| {
                b.contribution
                    .total_cmp(&a.contribution)
                    .then_with(|| (&a.term, a.field).cmp(&(&b.term, b.field)))
            });
            hits.push(Hit {
                kind: d.kind,
                id: d.id.clone(),
                title: d.title.clone(),
                score,
                matches,
            });
        }
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.id.cmp(&b.id))
                .then_with(|| a.kind.cmp(&b.kind))
        });
        if opts.limit > 0 {
            hits.truncate(opts.limit);
        }
        hits
    }
}

fn doc_of(e: &Entry<'_>) -> Doc {
    let mut fields: [Vec<String>; 5] = Default::default();
    fields[0] = tokenize(e.id());
    // A title equal to the id adds nothing but double counting.
    if e.title() != e.id() {
        fields[1] = tokenize(e.title());
    }
    fields[2] = e.keywords().iter().flat_map(|k| tokenize(k)).collect();
    fields[3] = tokenize(e.description());
    fields[4] = e.kinds().into_iter().flat_map(tokenize).collect();
    Doc {
        kind: e.kind(),
        id: e.id().to_string(),
        title: e.title().to_string(),
        fields,
    }
}

impl Catalog {
    /// Ranked search by text (and artifact kind ids, which are tokens too).
    pub fn search(&self, query: &str, opts: &SearchOptions) -> Vec<Hit> {
        self.index
            .get_or_init(|| Index::build(self))
            .search(query, opts)
    }
}
