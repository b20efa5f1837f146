//! `site.links_resolve` (validator, on a whole site bundle): every internal URL of every HTML file (`a`,
//! `link` and `area` `href`; `img`, `script`, `source` and `iframe` `src`), resolved relative to the file's
//! own folder as a browser does, leads to a file of the bundle. External URLs (with a scheme or `//host`)
//! and same-page fragments are not internal.
//!
//! Why: "0 broken internal links" is the acceptance of a published site, and relative links are what makes
//! the folder work from disk. Failing example: `drills/x.html` linking `saws/index.html` (meaning
//! `drills/saws/index.html`) gives one `L1306` at `/drills~1x.html`.

use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use crate::codes;
use crate::html;
use crate::site::{resolve, token};

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some((name, files)) = super::bundle(input, &mut out) else {
        return out;
    };
    for (path, text) in &files {
        if !super::is_html(path) {
            continue;
        }
        let page = html::scan(text);
        let mut broken: Vec<String> = Vec::new();
        for link in &page.links {
            if let Some(target) = resolve(&link.url, path) {
                if !files.contains_key(target.as_str()) && !broken.contains(&target) {
                    broken.push(target);
                    out.push(diag::error(
                        codes::LINK_BROKEN,
                        input.pointer(name, &token(path)),
                        format!(
                            "{path}: \"{}\" leads to {}, which is not a file of the site",
                            link.url,
                            broken[broken.len() - 1]
                        ),
                    ));
                }
            }
        }
    }
    out
}
