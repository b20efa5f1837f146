//! What the checks and the evaluator share: reading the artifacts (bundles, page entries, navigation), URL
//! resolution relative to a page, and the review of one page against its entry.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::html::{self, collapse, Page};

/// A `web.bundle.static` artifact as checks see it: site path -> file text. The value is either that object
/// itself or `{"files": {path: text}}`; files that are not text (non-string values) are listed with "".
pub fn bundle(value: &Value) -> Option<BTreeMap<&str, &str>> {
    let map = match value.get("files") {
        Some(Value::Object(files)) => files,
        _ => value.as_object()?,
    };
    Some(
        map.iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or("")))
            .collect(),
    )
}

/// `{path, title}` of a link target in a page entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub path: String,
    pub title: String,
}

/// One page entry of the page manifest (what a page must show and link).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub kind: String,
    pub title: String,
    pub specs: Vec<(String, String)>,
    pub related: Vec<Target>,
    pub products: Vec<Target>,
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn targets(v: Option<&Value>) -> Vec<Target> {
    v.and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|t| match t {
                    Value::String(path) => Target {
                        path: path.clone(),
                        title: String::new(),
                    },
                    other => Target {
                        path: text(other.get("path")),
                        title: text(other.get("title")),
                    },
                })
                .collect()
        })
        .unwrap_or_default()
}

impl Entry {
    /// Reads a page entry: `specs` as a list of `{name, value}` (page manifest) or an object (site manifest).
    pub fn read(v: &Value) -> Entry {
        let specs = match v.get("specs") {
            Some(Value::Array(list)) => list
                .iter()
                .map(|s| (text(s.get("name")), text(s.get("value"))))
                .collect(),
            Some(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| (k.clone(), text(Some(v))))
                .collect(),
            _ => Vec::new(),
        };
        Entry {
            path: text(v.get("path")),
            kind: text(v.get("kind")),
            title: text(v.get("title")),
            specs,
            related: targets(v.get("related")),
            products: targets(v.get("products")),
        }
    }
}

/// The page entries of a page manifest (`{"pages": [...]}`), with their index.
pub fn entries(manifest: &Value) -> Option<Vec<Entry>> {
    Some(
        manifest
            .get("pages")?
            .as_array()?
            .iter()
            .map(Entry::read)
            .collect(),
    )
}

/// The navigation items of a navigation artifact (`items`) or of the site info / manifest (`navigation`).
pub fn nav_items(value: &Value) -> Option<Vec<Target>> {
    let list = value.get("items").or_else(|| value.get("navigation"))?;
    list.as_array()?;
    Some(targets(Some(list)))
}

/// The stylesheet path: site info / manifest `theme.stylesheet`, or an asset manifest's stylesheet file.
pub fn stylesheet(value: &Value) -> Option<String> {
    if let Some(s) = value.pointer("/theme/stylesheet").and_then(Value::as_str) {
        return Some(s.to_string());
    }
    let files = value.get("files")?.as_array()?;
    files
        .iter()
        .find(|f| f.get("role").and_then(Value::as_str) == Some("stylesheet"))
        .or_else(|| {
            files
                .iter()
                .find(|f| f.get("media_type").and_then(Value::as_str) == Some("text/css"))
        })
        .and_then(|f| f.get("path"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Escapes a site path as one JSON-pointer token.
pub fn token(path: &str) -> String {
    format!("/{}", path.replace('~', "~0").replace('/', "~1"))
}

pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The site path a URL on the page at `page` leads to; `None` for external URLs (a scheme or `//host`) and
/// for URLs that only name a fragment or query of the page itself. A path climbing above the site root
/// resolves to `Some("../...")`, which no file of a site has.
pub fn resolve(url: &str, page: &str) -> Option<String> {
    let url = url.trim();
    let scheme_len = url.find(':').filter(|&i| {
        i > 0
            && url[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
            && url[..1].chars().all(|c| c.is_ascii_alphabetic())
    });
    if scheme_len.is_some() || url.starts_with("//") {
        return None;
    }
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let path = &url[..end];
    if path.is_empty() {
        return None;
    }
    let path = percent_decode(path);
    let mut parts: Vec<String> = Vec::new();
    let absolute = path.starts_with('/');
    if !absolute {
        let mut base: Vec<&str> = page.split('/').collect();
        base.pop();
        parts.extend(
            base.into_iter()
                .filter(|p| !p.is_empty())
                .map(str::to_string),
        );
    }
    let mut above = 0usize;
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    above += 1;
                }
            }
            s => parts.push(s.to_string()),
        }
    }
    let mut joined = "../".repeat(above);
    joined.push_str(&parts.join("/"));
    if path.ends_with('/') {
        joined.push('/');
    }
    Some(joined)
}

/// One criterion of a page review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    pub id: &'static str,
    /// Problems found (empty: the criterion passes).
    pub problems: Vec<String>,
}

/// What a page is reviewed against besides its entry.
pub struct Context<'a> {
    pub navigation: &'a [Target],
    pub stylesheet: &'a str,
    /// Whether a site path is a file of the site.
    pub exists: &'a dyn Fn(&str) -> bool,
}

/// Reviews the page `html` at `entry.path`: the stylesheet link, the full navigation inside a `<nav>`, every
/// internal link resolving, the title, every spec, every related product and every category product.
pub fn review(entry: &Entry, html_text: &str, cx: &Context<'_>) -> Vec<Criterion> {
    let page: Page = html::scan(html_text);
    let resolved: Vec<(Option<String>, &html::Link)> = page
        .links
        .iter()
        .map(|l| (resolve(&l.url, &entry.path), l))
        .collect();
    let mut out = Vec::new();

    let mut problems = Vec::new();
    if !page
        .stylesheets()
        .any(|u| resolve(u, &entry.path).as_deref() == Some(cx.stylesheet))
    {
        let found: Vec<&str> = page.stylesheets().collect();
        problems.push(format!(
            "no <link rel=\"stylesheet\"> leads to {} (found: {})",
            cx.stylesheet,
            if found.is_empty() {
                "none".to_string()
            } else {
                found.join(", ")
            }
        ));
    }
    out.push(Criterion {
        id: "stylesheet_linked",
        problems,
    });

    let mut problems = Vec::new();
    if page.navs == 0 {
        problems.push("the page has no <nav> element".to_string());
    }
    let nav_links: Vec<(&Option<String>, &html::Link)> = resolved
        .iter()
        .filter(|(_, l)| l.in_nav && l.tag == "a")
        .map(|(t, l)| (t, *l))
        .collect();
    for item in cx.navigation {
        let hit = nav_links
            .iter()
            .find(|(t, _)| t.as_deref() == Some(item.path.as_str()));
        match hit {
            None => problems.push(format!(
                "the navigation lacks \"{}\" ({})",
                item.title, item.path
            )),
            Some((_, l))
                if !item.title.is_empty() && collapse(&l.text) != collapse(&item.title) =>
            {
                problems.push(format!(
                    "the navigation link to {} reads \"{}\", not \"{}\"",
                    item.path, l.text, item.title
                ))
            }
            Some(_) => {}
        }
    }
    out.push(Criterion {
        id: "navigation_complete",
        problems,
    });

    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (target, l) in &resolved {
        if let Some(t) = target {
            if !(cx.exists)(t) && seen.insert(t.clone()) {
                let attr = if matches!(l.tag.as_str(), "a" | "link" | "area") {
                    "href"
                } else {
                    "src"
                };
                problems.push(format!(
                    "<{} {attr}=\"{}\"> leads to {t}, which is not a file of the site",
                    l.tag, l.url
                ));
            }
        }
    }
    out.push(Criterion {
        id: "links_resolve",
        problems,
    });

    let mut problems = Vec::new();
    match &page.h1 {
        Some(h1) if collapse(h1) == collapse(&entry.title) => {}
        Some(h1) => problems.push(format!(
            "the <h1> reads \"{h1}\", the entry's title is \"{}\"",
            entry.title
        )),
        None => problems.push(format!("the page has no <h1> (title \"{}\")", entry.title)),
    }
    out.push(Criterion {
        id: "title",
        problems,
    });

    let mut problems = Vec::new();
    for (name, value) in &entry.specs {
        let (name_c, value_c) = (collapse(name), collapse(value));
        let row = page
            .rows
            .iter()
            .find(|r| r.first().map(|c| collapse(c)) == Some(name_c.clone()));
        match row {
            Some(r) if r.iter().skip(1).any(|c| collapse(c) == value_c) => {}
            Some(r) => problems.push(format!(
                "spec {name}: the page shows \"{}\", the entry says \"{value}\"",
                r.get(1).cloned().unwrap_or_default()
            )),
            None => problems.push(format!("spec {name} ({value}) is not shown")),
        }
    }
    out.push(Criterion {
        id: "specs_present",
        problems,
    });

    let linked = |path: &str| {
        resolved
            .iter()
            .any(|(t, l)| l.tag == "a" && !l.in_nav && t.as_deref() == Some(path))
    };
    let mut problems = Vec::new();
    for r in &entry.related {
        if !linked(&r.path) {
            problems.push(format!("related product {} is not linked", r.path));
        }
    }
    out.push(Criterion {
        id: "related_linked",
        problems,
    });

    let mut problems = Vec::new();
    for p in &entry.products {
        if !linked(&p.path) {
            problems.push(format!("product {} of the category is not linked", p.path));
        }
    }
    out.push(Criterion {
        id: "products_linked",
        problems,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_to_the_page() {
        assert_eq!(
            resolve("../saws/index.html", "drills/x.html").as_deref(),
            Some("saws/index.html")
        );
        assert_eq!(
            resolve("index.html", "drills/x.html").as_deref(),
            Some("drills/index.html")
        );
        assert_eq!(
            resolve("a%20b.html#top", "index.html").as_deref(),
            Some("a b.html")
        );
        assert_eq!(
            resolve("/assets/t.css", "a/b/c.html").as_deref(),
            Some("assets/t.css")
        );
        assert_eq!(
            resolve("../../x.html", "a/b.html").as_deref(),
            Some("../x.html")
        );
        assert_eq!(resolve("https://example.com/x.html", "a.html"), None);
        assert_eq!(resolve("mailto:a@b.c", "a.html"), None);
        assert_eq!(resolve("#top", "a.html"), None);
        assert_eq!(resolve("//cdn.example.com/x.css", "a.html"), None);
    }
}
