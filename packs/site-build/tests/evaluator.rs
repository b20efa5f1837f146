//! The built-in evaluator of `site.page_review` on evidence bundles built from a real rendered page (the
//! fixture of `checks.rs` is not shared: a page is built here by hand), with planted defects, and on
//! malformed arguments (an error naming the field, never a panic).

use serde_json::{json, Value};
use writ_pack_site_build::{evaluator, PACK};

const PAGE: &str = r#"<!DOCTYPE html><html><head><title>Drill | Shop</title>
<link rel="stylesheet" href="../../assets/site.css"></head><body>
<header><a href="../../index.html">Shop</a><nav><ul>
<li><a href="index.html">Drills &amp; Bits</a></li><li><a href="../saws/index.html">Saws</a></li>
</ul></nav></header><main><h1>Big Drill</h1>
<table><tr><th>sku</th><td>D-1</td></tr><tr><th>weight_kg</th><td>3.5</td></tr></table>
<ul><li><a href="../saws/big%20saw.html">Big Saw</a></li></ul></main></body></html>"#;

fn evidence(html: &str) -> Value {
    json!({
        "rubric": evaluator::RUBRIC,
        "item": "tools/drills/big-drill.html",
        "question": "Is the page right?",
        "evidence": [
            {"type": "page_entry", "path": "tools/drills/big-drill.html", "kind": "product", "title": "Big Drill",
             "specs": [{"name": "sku", "value": "D-1"}, {"name": "weight_kg", "value": "3.5"}],
             "related": [{"path": "tools/saws/big saw.html", "title": "Big Saw"}], "products": []},
            {"type": "navigation", "items": [{"title": "Drills & Bits", "path": "tools/drills/index.html"},
                                              {"title": "Saws", "path": "tools/saws/index.html"}]},
            {"type": "assets", "stylesheet": "assets/site.css"},
            {"type": "page_html", "path": "tools/drills/big-drill.html", "html": html},
            {"type": "site_files", "present": ["assets/site.css", "index.html", "tools/drills/index.html",
                                               "tools/saws/index.html", "tools/saws/big saw.html"], "absent": []}
        ]
    })
}

fn failed(verdict: &Value) -> Vec<String> {
    verdict["criteria"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["label"] == "fail")
        .filter_map(|c| c["id"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn a_right_page_passes_with_every_criterion() -> anyhow::Result<()> {
    let judge = PACK
        .evaluator(evaluator::RUBRIC)
        .ok_or_else(|| anyhow::anyhow!("not registered"))?;
    let verdict = judge(&evidence(PAGE))?;
    assert_eq!(verdict["verdict"], "pass", "{verdict:#}");
    assert_eq!(verdict["criteria"].as_array().map(Vec::len), Some(7));
    Ok(())
}

#[test]
fn each_planted_defect_fails_its_criterion_and_cites_evidence() -> anyhow::Result<()> {
    let cases = [
        (
            "stylesheet_linked",
            "href=\"../../assets/site.css\"",
            "href=\"../assets/site.css\"",
        ),
        (
            "navigation_complete",
            "<li><a href=\"../saws/index.html\">Saws</a></li>",
            "",
        ),
        ("navigation_complete", "Drills &amp; Bits", "Drills"),
        (
            "links_resolve",
            "href=\"../../index.html\"",
            "href=\"../../home.html\"",
        ),
        ("title", "<h1>Big Drill</h1>", "<h1>Small Drill</h1>"),
        ("specs_present", "<td>3.5</td>", "<td>3.6</td>"),
        ("specs_present", "<tr><th>sku</th><td>D-1</td></tr>", ""),
        (
            "related_linked",
            "../saws/big%20saw.html",
            "../saws/big-saw.html",
        ),
    ];
    for (criterion, from, to) in cases {
        assert!(PAGE.contains(from), "{from}");
        let verdict = evaluator::judge(&evidence(&PAGE.replacen(from, to, 1)))?;
        assert_eq!(verdict["verdict"], "fail", "{criterion}");
        let f = failed(&verdict);
        assert!(
            f.contains(&criterion.to_string()),
            "{criterion}: failed {f:?}"
        );
        let reasons = verdict["reasons"].as_array().cloned().unwrap_or_default();
        assert!(
            reasons
                .iter()
                .all(|r| r.as_str().is_some_and(|r| r.contains("evidence "))),
            "{reasons:?}"
        );
    }
    Ok(())
}

#[test]
fn a_category_missing_a_product_fails() -> anyhow::Result<()> {
    let mut args = evidence(PAGE);
    args["evidence"][0]["products"] = json!([{"path": "tools/saws/big saw.html", "title": "Big Saw"},
                                             {"path": "tools/drills/other.html", "title": "Other"}]);
    let verdict = evaluator::judge(&args)?;
    assert_eq!(failed(&verdict), vec!["products_linked".to_string()]);
    Ok(())
}

#[test]
fn malformed_arguments_are_errors_naming_the_field() {
    let mut no_html = evidence(PAGE);
    no_html["evidence"][3] = json!({"type": "page_html", "path": "x.html"});
    let mut no_files = evidence(PAGE);
    no_files["evidence"].as_array_mut().map(|l| l.pop());
    let cases = [
        (json!({}), "/evidence"),
        (json!({"evidence": "x"}), "/evidence"),
        (json!({"evidence": []}), "/evidence"),
        (no_html, "/evidence/3/html"),
        (no_files, "/evidence"),
    ];
    for (args, pointer) in cases {
        match evaluator::judge(&args) {
            Ok(v) => panic!("judged malformed arguments: {v}"),
            Err(e) => assert_eq!(e.pointer(), Some(pointer), "{e}"),
        }
    }
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;
    use writ_pack_site_build::{html, site};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn the_scanner_and_resolver_take_any_text(text in ".{0,400}", page in "[a-z/.%]{0,30}") {
            let scanned = html::scan(&text);
            for link in &scanned.links {
                let _ = site::resolve(&link.url, &page);
            }
            let _ = site::resolve(&text, &page);
            let _ = html::decode(&text);
        }

        #[test]
        fn the_evaluator_takes_any_html(markup in "(<[a-z/]{1,6}( href=\"[a-z./]{0,12}\")?>|[a-z &;#0-9]{0,8}){0,60}") {
            let verdict = evaluator::judge(&evidence(&markup));
            prop_assert!(verdict.is_ok());
        }
    }
}
