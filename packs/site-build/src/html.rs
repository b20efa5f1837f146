//! A small, forgiving HTML scanner: what the checks and the evaluator need to read from a page, and nothing
//! more. It never fails: malformed markup reads as text or is skipped.
//!
//! It finds every referenced URL (`a`/`link`/`area` `href`, `img`/`script`/`source`/`iframe` `src`) with
//! whether it lies inside a `<nav>` and, for `<a>`, its text; the stylesheet links (`<link rel="stylesheet">`);
//! the text of the first `<h1>` and of `<title>`; and every table row as the texts of its cells. Character
//! references are decoded (the common named ones and every numeric one).

/// One URL a page references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub tag: String,
    pub url: String,
    /// Inside a `<nav>` element.
    pub in_nav: bool,
    /// `rel` of a `<link>` (lower case), empty otherwise.
    pub rel: String,
    /// The text of an `<a>` (whitespace collapsed), empty for other tags.
    pub text: String,
}

/// What a page holds, as the checks read it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    pub links: Vec<Link>,
    pub title: Option<String>,
    pub h1: Option<String>,
    /// Each `<tr>` as the collapsed texts of its `<th>`/`<td>` cells.
    pub rows: Vec<Vec<String>>,
    /// Every `<nav>` element's count (0 when the page has none).
    pub navs: usize,
}

impl Page {
    /// The URLs of `<link rel="stylesheet">`.
    pub fn stylesheets(&self) -> impl Iterator<Item = &str> {
        self.links
            .iter()
            .filter(|l| l.tag == "link" && l.rel.split_whitespace().any(|r| r == "stylesheet"))
            .map(|l| l.url.as_str())
    }
}

/// Collapses runs of whitespace into one space and trims.
pub fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes character references (`&amp;`, `&#39;`, `&#x2F;`, ...); unknown ones stay as written.
pub fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..]
            .find(|c: char| c == ';' || c == '&' || c.is_whitespace() || c == '<')
            .map(|i| i + 1);
        let decoded = match end {
            Some(end) if rest.as_bytes().get(end) == Some(&b';') => {
                reference(&rest[1..end]).map(|c| (c, end + 1))
            }
            _ => None,
        };
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn reference(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "rsaquo" => '›',
        "lsaquo" => '‹',
        "raquo" => '»',
        "laquo" => '«',
        "middot" => '·',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "times" => '×',
        "deg" => '°',
        "euro" => '€',
        "pound" => '£',
        _ => return None,
    })
}

/// A start or end tag: lower-case name, attributes (names lower case, values decoded).
struct Tag {
    name: String,
    end: bool,
    attrs: Vec<(String, String)>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses the inside of `<...>` (without the brackets).
fn tag(inner: &str) -> Option<Tag> {
    let (end, body) = match inner.strip_prefix('/') {
        Some(b) => (true, b),
        None => (false, inner),
    };
    let body = body.trim_end_matches('/');
    let name_len = body
        .find(|c: char| c.is_whitespace() || c == '/')
        .unwrap_or(body.len());
    let name = body[..name_len].to_ascii_lowercase();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    let mut attrs = Vec::new();
    let chars: Vec<char> = body[name_len..].chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && (chars[i].is_whitespace() || chars[i] == '/') {
            i += 1;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '=' && chars[i] != '/' {
            i += 1;
        }
        if start == i {
            i += 1;
            continue;
        }
        let attr: String = chars[start..i]
            .iter()
            .collect::<String>()
            .to_ascii_lowercase();
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < chars.len() && chars[i] == '=' {
            i += 1;
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            if i < chars.len() && (chars[i] == '"' || chars[i] == '\'') {
                let quote = chars[i];
                i += 1;
                let from = i;
                while i < chars.len() && chars[i] != quote {
                    i += 1;
                }
                value = chars[from..i.min(chars.len())].iter().collect();
                i += 1;
            } else {
                let from = i;
                while i < chars.len() && !chars[i].is_whitespace() {
                    i += 1;
                }
                value = chars[from..i].iter().collect();
            }
        }
        attrs.push((attr, decode(&value)));
    }
    Some(Tag { name, end, attrs })
}

/// Reads a page.
pub fn scan(html: &str) -> Page {
    let mut page = Page::default();
    let mut nav_depth = 0usize;
    // Text being collected: (what, text).
    let mut anchor: Option<usize> = None;
    let mut anchor_text = String::new();
    let mut in_title = false;
    let mut title = String::new();
    let mut in_h1 = false;
    let mut h1 = String::new();
    let mut row: Option<Vec<String>> = None;
    let mut cell: Option<String> = None;
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            text(
                rest,
                &mut anchor,
                &mut anchor_text,
                in_title,
                &mut title,
                in_h1,
                &mut h1,
                &mut cell,
            );
            break;
        };
        text(
            &rest[..lt],
            &mut anchor,
            &mut anchor_text,
            in_title,
            &mut title,
            in_h1,
            &mut h1,
            &mut cell,
        );
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |e| &after[e + 3..]);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            rest = rest.find('>').map_or("", |e| &rest[e + 1..]);
            continue;
        }
        let Some(gt) = rest.find('>') else {
            break;
        };
        let Some(t) = tag(&rest[1..gt]) else {
            // Not a tag: a literal '<'.
            text(
                "<",
                &mut anchor,
                &mut anchor_text,
                in_title,
                &mut title,
                in_h1,
                &mut h1,
                &mut cell,
            );
            rest = &rest[1..];
            continue;
        };
        rest = &rest[gt + 1..];
        if !t.end && (t.name == "script" || t.name == "style") {
            if let Some(src) = t.attr("src").filter(|_| t.name == "script") {
                page.links.push(link(&t, src, nav_depth > 0));
            }
            let close = format!("</{}", t.name);
            let lower = rest.to_ascii_lowercase();
            rest = lower.find(&close).map_or("", |e| &rest[e..]);
            continue;
        }
        match (t.name.as_str(), t.end) {
            ("nav", false) => {
                nav_depth += 1;
                page.navs += 1;
            }
            ("nav", true) => nav_depth = nav_depth.saturating_sub(1),
            ("title", false) => in_title = true,
            ("title", true) => {
                in_title = false;
                if page.title.is_none() {
                    page.title = Some(collapse(&title));
                }
            }
            ("h1", false) => in_h1 = page.h1.is_none(),
            ("h1", true) => {
                if in_h1 {
                    page.h1 = Some(collapse(&h1));
                }
                in_h1 = false;
            }
            ("tr", false) => {
                if let Some(r) = row.take() {
                    page.rows.push(r);
                }
                row = Some(Vec::new());
            }
            ("tr", true) | ("table", true) | ("tbody", true) | ("thead", true) => {
                if let (Some(r), Some(c)) = (row.as_mut(), cell.take()) {
                    r.push(collapse(&c));
                }
                if let Some(r) = row.take() {
                    page.rows.push(r);
                }
            }
            ("td", false) | ("th", false) => {
                if let (Some(r), Some(c)) = (row.as_mut(), cell.take()) {
                    r.push(collapse(&c));
                }
                if row.is_some() {
                    cell = Some(String::new());
                }
            }
            ("td", true) | ("th", true) => {
                if let (Some(r), Some(c)) = (row.as_mut(), cell.take()) {
                    r.push(collapse(&c));
                }
            }
            ("a", true) => {
                if let Some(i) = anchor.take() {
                    if let Some(l) = page.links.get_mut(i) {
                        l.text = collapse(&anchor_text);
                    }
                }
            }
            _ => {}
        }
        if !t.end {
            let url = match t.name.as_str() {
                "a" | "link" | "area" => t.attr("href"),
                "img" | "source" | "iframe" => t.attr("src"),
                _ => None,
            };
            if let Some(url) = url {
                page.links.push(link(&t, url, nav_depth > 0));
                if t.name == "a" {
                    anchor = Some(page.links.len() - 1);
                    anchor_text.clear();
                }
            }
        }
    }
    if let Some(r) = row.take() {
        page.rows.push(r);
    }
    page
}

fn link(t: &Tag, url: &str, in_nav: bool) -> Link {
    Link {
        tag: t.name.clone(),
        url: url.to_string(),
        in_nav,
        rel: t.attr("rel").unwrap_or_default().to_ascii_lowercase(),
        text: String::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn text(
    raw: &str,
    anchor: &mut Option<usize>,
    anchor_text: &mut String,
    in_title: bool,
    title: &mut String,
    in_h1: bool,
    h1: &mut String,
    cell: &mut Option<String>,
) {
    if raw.is_empty() {
        return;
    }
    let decoded = decode(raw);
    if anchor.is_some() {
        anchor_text.push_str(&decoded);
    }
    if in_title {
        title.push_str(&decoded);
    }
    if in_h1 {
        h1.push_str(&decoded);
    }
    if let Some(c) = cell.as_mut() {
        c.push_str(&decoded);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_links_nav_rows_and_headings() {
        let page = scan(concat!(
            "<!DOCTYPE html><html><head><title>A &amp; B</title>",
            "<link rel=\"stylesheet\" href=\"../assets/theme.css\"></head><body>",
            "<nav><ul><li><a href='../a/index.html'>A&nbsp;one</a></li></ul></nav>",
            "<!-- <a href=\"hidden.html\">x</a> --><h1> Big   Drill </h1>",
            "<table><tr><th>sku</th><td>CS-1</td></tr><tr><th>w</th><td>3.5</table>",
            "<a href=x.html>X</a><script>var a = '<a href=\"no.html\">';</script></body></html>"
        ));
        assert_eq!(page.title.as_deref(), Some("A & B"));
        assert_eq!(page.h1.as_deref(), Some("Big Drill"));
        assert_eq!(
            page.stylesheets().collect::<Vec<_>>(),
            vec!["../assets/theme.css"]
        );
        let urls: Vec<&str> = page.links.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(
            urls,
            vec!["../assets/theme.css", "../a/index.html", "x.html"]
        );
        assert!(page.links[1].in_nav && !page.links[2].in_nav);
        assert_eq!(
            page.links[1].text,
            "A\u{a0}one"
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert_eq!(page.rows, vec![vec!["sku", "CS-1"], vec!["w", "3.5"]]);
        assert_eq!(page.navs, 1);
    }

    #[test]
    fn decodes_references_and_keeps_unknown_ones() {
        assert_eq!(
            decode("a &amp; b &#39;c&#x27; &bogus; & d"),
            "a & b 'c' &bogus; & d"
        );
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "<",
            "<a",
            "<a href=",
            "<<>>",
            "&#xZZ;",
            "<tr><td>",
            "</nav></nav><nav>",
            "<a href='x",
        ] {
            let _ = scan(text);
        }
    }
}
