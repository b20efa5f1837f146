use proptest::prelude::*;
use writ_catalog::*;

fn top(query: &str, kind: Option<EntryKind>, n: usize) -> Vec<String> {
    Catalog::builtin()
        .search(query, &SearchOptions { kind, limit: n })
        .into_iter()
        .map(|h| format!("{}:{}", h.kind, h.id))
        .collect()
}

#[test]
fn the_billing_objective_finds_the_billing_pack_first() {
    let hits = top(
        "reconcile law firm time entries against engagement letter rates",
        None,
        5,
    );
    assert_eq!(
        hits.first().map(String::as_str),
        Some("domain-pack:billing-audit"),
        "{hits:?}"
    );
    assert!(
        hits.iter().any(|h| h == "template:billing-audit"),
        "{hits:?}"
    );
}

#[test]
fn workload_objectives_find_their_packs_and_templates() {
    let cases = [
        (
            "review vendor contracts against our standard MSA for deviations",
            "domain-pack:contract-review",
            "template:contract-review",
        ),
        (
            "screen resumes against a job posting and rank candidates",
            "domain-pack:resume-screening",
            "template:resume-screening",
        ),
        (
            "build a static website of product pages from a manifest",
            "domain-pack:site-build",
            "template:site-build",
        ),
    ];
    for (query, first_domain, template) in cases {
        let domains = top(query, Some(EntryKind::DomainPack), 1);
        assert_eq!(domains, vec![first_domain.to_string()], "{query}");
        let hits = top(query, None, 5);
        assert!(hits.iter().any(|h| h == template), "{query}: {hits:?}");
        assert!(hits.iter().any(|h| h == first_domain), "{query}: {hits:?}");
    }
    assert_eq!(
        top(
            "build a static website of product pages from a manifest",
            Some(EntryKind::WorkflowPack),
            1
        ),
        vec!["workflow-pack:render-website"]
    );
    assert_eq!(
        top(
            "screen resumes against a job posting and rank candidates",
            Some(EntryKind::WorkflowPack),
            1
        ),
        vec!["workflow-pack:analyze-score-rank"]
    );
}

#[test]
fn search_by_kind_id() {
    assert_eq!(
        top("table.csv", Some(EntryKind::ArtifactKind), 1),
        vec!["artifact-kind:table.csv"]
    );
    assert_eq!(
        top("judge an item against a rubric", Some(EntryKind::Tool), 1),
        vec!["tool:evaluator.judge"]
    );
    assert_eq!(
        top("round money to cents", Some(EntryKind::Skill), 1),
        vec!["skill:money.round_half_up"]
    );
}

#[test]
fn explanations_add_up_and_render_stably() {
    let hits = Catalog::builtin().search(
        "reconcile law firm time entries against engagement letter rates",
        &SearchOptions {
            kind: None,
            limit: 3,
        },
    );
    for h in &hits {
        let sum: f64 = h.matches.iter().map(|m| m.contribution).sum();
        assert!((sum - h.score).abs() < 1e-9);
    }
    let rendered: Vec<String> = hits
        .iter()
        .map(|h| {
            let why: Vec<String> = h
                .matches
                .iter()
                .map(|m| {
                    format!(
                        "{}@{:?}(tf={})={:.3}",
                        m.term, m.field, m.tf, m.contribution
                    )
                })
                .collect();
            format!("{}:{} {:.3} {}", h.kind, h.id, h.score, why.join(" "))
        })
        .collect();
    insta::assert_snapshot!("billing_query_explained", rendered.join("\n"));
}

#[test]
fn tokenizer_and_stemmer() {
    assert_eq!(
        tokenize("Time Entries, against the rates!"),
        vec!["tim", "entry", "against", "rat"]
    );
    assert_eq!(tokenize("table.csv"), vec!["table.csv", "tabl", "csv"]);
    let same = [
        ("entries", "entry"),
        ("ranking", "rank"),
        ("reconciled", "reconcile"),
        ("resumes", "resume"),
        ("pages", "page"),
    ];
    for (a, b) in same {
        assert_eq!(stem(a), stem(b), "{a} vs {b}");
    }
}

#[test]
fn an_empty_or_unknown_query_finds_nothing() {
    assert!(top("", None, 0).is_empty());
    assert!(top("zzzqqq the of", None, 0).is_empty());
}

proptest! {
    #[test]
    fn search_is_deterministic_and_sorted(query in "[a-z .\\-]{0,40}") {
        let c = Catalog::builtin();
        let a = c.search(&query, &SearchOptions::default());
        let b = c.search(&query, &SearchOptions::default());
        prop_assert_eq!(&a, &b);
        for w in a.windows(2) {
            prop_assert!(w[0].score > w[1].score || (w[0].score == w[1].score && (w[0].id.as_str(), w[0].kind) <= (w[1].id.as_str(), w[1].kind)));
        }
        prop_assert!(a.iter().all(|h| h.score > 0.0));
    }
}
