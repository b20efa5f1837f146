//! `site.navigation_everywhere` (validator, on a whole site bundle, against `site_info`): every HTML page
//! links the theme's stylesheet and carries, inside a `<nav>`, a link to every navigation entry of the
//! manifest (resolved relative to the page).
//!
//! Why: coherence at page 500 — every page generated alone must still carry the site's one navigation and
//! look. Failing example: page 47 without the "Saws" entry gives one `L1304` at its file.

use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use crate::codes;
use crate::html;
use crate::site::{nav_items, resolve, stylesheet, token};

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some((name, files)) = super::bundle(input, &mut out) else {
        return out;
    };
    let Some(info) = super::slot(input, "site_info", &mut out) else {
        return out;
    };
    let (Some(items), Some(css)) = (nav_items(info), stylesheet(info)) else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "",
            "the site info has no navigation or stylesheet",
        ));
        return out;
    };
    for (path, text) in &files {
        if !super::is_html(path) {
            continue;
        }
        let page = html::scan(text);
        let at = input.pointer(name, &token(path));
        if !page
            .stylesheets()
            .any(|u| resolve(u, path).as_deref() == Some(css.as_str()))
        {
            out.push(diag::error(
                codes::STYLESHEET_UNLINKED,
                at.clone(),
                format!("{path} does not link the stylesheet {css}"),
            ));
        }
        let nav: Vec<String> = page
            .links
            .iter()
            .filter(|l| l.in_nav && l.tag == "a")
            .filter_map(|l| resolve(&l.url, path))
            .collect();
        let missing: Vec<String> = items
            .iter()
            .filter(|i| !nav.contains(&i.path))
            .map(|i| format!("\"{}\" ({})", i.title, i.path))
            .collect();
        if !missing.is_empty() {
            out.push(diag::error(
                codes::NAVIGATION_INCOMPLETE,
                at,
                format!("the <nav> of {path} lacks {}", missing.join(", ")),
            ));
        }
    }
    out
}
