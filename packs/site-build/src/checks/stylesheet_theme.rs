//! `site.stylesheet_theme` (rubric check, on a bundle holding the stylesheet, against `site_info`): the
//! stylesheet is at the theme's `stylesheet` path and carries every other value of the theme (colours,
//! font) as written in the manifest (compared case-insensitively).
//!
//! Why: the theme is the one place the site's look is decided; a stylesheet without the theme's colours is a
//! site in someone else's colours. Failing example: a stylesheet with `--primary: #000000` for a theme whose
//! primary is `#1f4e3d` gives one `L1303` naming `primary` and `#1f4e3d`.

use serde_json::Value;
use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use crate::codes;
use crate::site::token;

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some((name, files)) = super::bundle(input, &mut out) else {
        return out;
    };
    let Some(info) = super::slot(input, "site_info", &mut out) else {
        return out;
    };
    theme_in(input, name, &files, info, &mut out);
    out
}

/// The theme of `info` in the stylesheet of `files` (shared with `site.site_whole`).
pub fn theme_in(
    input: &DomainInput<'_>,
    name: &str,
    files: &std::collections::BTreeMap<&str, &str>,
    info: &Value,
    out: &mut Vec<Diagnostic>,
) {
    let Some(theme) = info.get("theme").and_then(Value::as_object) else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "",
            "the site info has no theme",
        ));
        return;
    };
    let Some(path) = theme.get("stylesheet").and_then(Value::as_str) else {
        out.push(diag::error(
            diag::DOMAIN_INPUT,
            "",
            "the theme has no stylesheet path",
        ));
        return;
    };
    let Some(css) = files.get(path) else {
        out.push(diag::error(
            codes::THEME_MISSING,
            input.pointer(name, ""),
            format!("the stylesheet {path} is not in the bundle"),
        ));
        return;
    };
    let lower = css.to_lowercase();
    for (key, value) in theme {
        if key == "stylesheet" {
            continue;
        }
        let value = match value {
            Value::String(s) => s.trim().to_string(),
            other => other.to_string(),
        };
        if !value.is_empty() && !lower.contains(&value.to_lowercase()) {
            out.push(diag::error(
                codes::THEME_MISSING,
                input.pointer(name, &token(path)),
                format!("the stylesheet lacks the theme's {key} ({value})"),
            ));
        }
    }
}
