//! The site-build pack's diagnostic codes.
//!
//! They lie in `L1300`–`L1399`, the block this pack asks `writ_diag::RANGES` to give the crate
//! `writ-pack-site-build` (until it is claimed there, the registry test below checks everything but the
//! ownership). Append only: a code no longer issued is marked `retired`, never deleted or reused.
//! A check whose own inputs are missing or malformed reports writ-ladder's `DOMAIN_INPUT` (`L0029`).

writ_diag::codes! {
    /// Every code this pack has issued, in order.
    pub static REGISTRY;
    PATH_CONFLICT = Ladder 1300, "two pages share one path, or a path cannot be a file of the site";
    RELATED_MISSING = Ladder 1301, "a page links a related product or a product that is not a page of the manifest";
    ENTRY_UNRESOLVED = Ladder 1302, "a page entry differs from its manifest entry, or a category entry lacks a product of its category";
    THEME_MISSING = Ladder 1303, "the stylesheet is missing or lacks a value of the manifest's theme";
    NAVIGATION_INCOMPLETE = Ladder 1304, "the navigation, or a page's <nav>, lacks a navigation entry of the manifest";
    PAGE_MISSING = Ladder 1305, "a page of the manifest has no file in the site";
    LINK_BROKEN = Ladder 1306, "an internal link does not resolve to a file of the site";
    STYLESHEET_UNLINKED = Ladder 1307, "a page does not link the theme's stylesheet";
    SPEC_MISSING = Ladder 1308, "a product page does not show a spec of its entry with its value";
    RELATED_UNLINKED = Ladder 1309, "a product page does not link one of its related products";
    PRODUCT_UNLINKED = Ladder 1310, "a category page does not link one of the products of its category";
    SITEMAP_INCOMPLETE = Ladder 1311, "sitemap.xml is missing, lacks a page or lists a URL that is not a page under the base URL";
    VERDICT_MISSING = Ladder 1312, "a page has no verdict, several, or a verdict names no page of the manifest";
    VERDICT_FAILED = Ladder 1313, "a page's verdict is not a pass";
    TITLE_MISMATCH = Ladder 1314, "a page's <h1> is not its entry's title";
    MANIFEST_FIELD = Ladder 1315, "the site manifest lacks or misstates a field the site needs (name, base URL, theme, title)";
}

#[cfg(test)]
mod tests {
    /// What `writ_diag::registry_test!` checks, less the ownership of the range (not yet claimed).
    #[test]
    fn registry_is_dense_ascending_and_titled() {
        for (i, info) in super::REGISTRY.iter().enumerate() {
            assert_eq!(info.code.area, writ_diag::Area::Ladder);
            assert_eq!(usize::from(info.code.number), 1300 + i, "{}", info.name);
            assert!(!info.title.is_empty() && !info.retired);
        }
    }
}
