//! `site.navigation_complete` (rubric check, on the navigation, against `site_info`): the navigation holds
//! every navigation entry of the manifest, in order, with its title and path, and nothing else.
//!
//! Why: every page carries this one navigation; an entry lost here is lost on all pages at once. Failing
//! example: a navigation without "Lighting" gives one `L1304` at `/items` naming it.

use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use crate::codes;
use crate::site::nav_items;

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !super::concerns(input, "navigation") {
        return out;
    }
    let Some(nav) = super::slot(input, "navigation", &mut out) else {
        return out;
    };
    let Some(info) = super::slot(input, "site_info", &mut out) else {
        return out;
    };
    let (Some(got), Some(want)) = (nav_items(nav), nav_items(info)) else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "",
            "the navigation or the site info has no navigation list",
        ));
        return out;
    };
    let slot = input.slot_param("navigation", "navigation");
    for (n, item) in want.iter().enumerate() {
        match got.get(n) {
            Some(g) if g == item => {}
            Some(g) => out.push(diag::error(
                codes::NAVIGATION_INCOMPLETE,
                input.pointer(slot, &format!("/items/{n}")),
                format!(
                    "navigation entry {n} is \"{}\" ({}), the manifest's is \"{}\" ({})",
                    g.title, g.path, item.title, item.path
                ),
            )),
            None => out.push(diag::error(
                codes::NAVIGATION_INCOMPLETE,
                input.pointer(slot, "/items"),
                format!("the navigation lacks \"{}\" ({})", item.title, item.path),
            )),
        }
    }
    for extra in got.iter().skip(want.len()) {
        out.push(diag::error(
            codes::NAVIGATION_INCOMPLETE,
            input.pointer(slot, "/items"),
            format!(
                "the navigation has \"{}\" ({}), which the manifest does not",
                extra.title, extra.path
            ),
        ));
    }
    out
}
