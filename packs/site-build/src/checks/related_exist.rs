//! `site.related_exist` (validator, on the page manifest): every related product, category product and
//! category page an entry links is a page of the manifest.
//!
//! Why: a page generated from its own entry links what its entry says; a target that is no page is a broken
//! link on the published site, found before any page is generated. Failing example: `/pages/40` relating
//! `saws/no-such-saw.html` gives one `L1301` at `/pages/40/related/1`.

use std::collections::BTreeSet;

use writ_ladder::diag::{self, Diagnostic};
use writ_ladder::stages::domain::DomainInput;

use crate::codes;

pub fn check(input: &DomainInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if !super::concerns(input, "page_manifest") {
        return out;
    }
    let Some(entries) = super::page_entries(input, &mut out) else {
        return out;
    };
    let slot = input.slot_param("page_manifest", "page_manifest");
    let paths: BTreeSet<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    for (i, e) in entries.iter().enumerate() {
        for (list, what) in [(&e.related, "related"), (&e.products, "products")] {
            for (k, t) in list.iter().enumerate() {
                if !paths.contains(t.path.as_str()) {
                    out.push(diag::error(
                        codes::RELATED_MISSING,
                        input.pointer(slot, &format!("/pages/{i}/{what}/{k}")),
                        format!(
                            "/pages/{i} ({}) links {} as {what}, which is not a page of the manifest",
                            e.path, t.path
                        ),
                    ));
                }
            }
        }
    }
    out
}
