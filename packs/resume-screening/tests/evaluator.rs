//! The built-in evaluator `resume-screening.candidate` on evidence bundles: eligibility and every point from
//! the rules item (change a number of the rules and the judgement follows), months counted once across
//! overlapping roles up to the rules' "Present", unreadable documents and dates, interests and qualifiers.

use serde_json::{json, Value};
use writ_pack_resume_screening::evaluator::{judge, RUBRIC};
use writ_pack_resume_screening::PACK;

fn rules() -> Value {
    json!({
        "experience": {"line": 8, "min_years": "5.0", "title_terms": ["backend", "server-side", "platform", "infrastructure"],
                       "present": "2026-11", "end_exclusive": true, "overlap_once": true, "rounding": "down", "decimals": 1},
        "requirements": [
            {"id": "backend_years", "line": 8, "min_years": "5.0"},
            {"id": "rust_or_go", "line": 12, "terms": ["Rust", "Go", "Golang"]},
            {"id": "postgresql", "line": 13, "terms": ["PostgreSQL", "Postgres"]},
            {"id": "authorized", "line": 14, "country": "United States"}
        ],
        "score": {"base": 50, "base_line": 18,
                  "experience": {"line": 19, "per_year": 2, "above_years": 5, "cap": 10},
                  "criteria": [
                      {"id": "kubernetes", "points": 10, "line": 20, "terms": ["Kubernetes", "K8s"]},
                      {"id": "distributed_systems", "points": 8, "line": 21,
                       "terms": ["distributed systems", "consensus", "Raft", "replication"], "interest_excluded": true},
                      {"id": "open_source", "points": 5, "line": 23},
                      {"id": "cs_degree", "points": 5, "line": 24, "fields": ["computer science", "software engineering"], "min_level": "bachelor"},
                      {"id": "led_team", "points": 5, "line": 25}
                  ],
                  "ineligible": 0},
        "ranking": {"order": "score_desc", "ties": "candidate_id_asc"}
    })
}

fn role(line: i64, text: &str, title: &str, start: &str, end: &str) -> Value {
    json!({"kind": "role", "line": line, "text": text, "title": title, "start": start, "end": end})
}

fn line(kind: &str, n: i64, text: &str) -> Value {
    json!({"kind": kind, "line": n, "text": text})
}

fn bundle(rules: Value, items: Vec<Value>) -> Value {
    let mut evidence = vec![
        json!({"kind": "rules", "rules": rules}),
        json!({"kind": "document", "file": "C-00001.txt", "error": null}),
    ];
    evidence.extend(items);
    json!({"rubric": RUBRIC, "item": "C-00001", "question": "q", "evidence": evidence})
}

fn strong() -> Vec<Value> {
    vec![
        line("leadership", 5, "Tech lead for a team of five engineers."),
        line(
            "open_source",
            5,
            "Maintainer of open-source projects at github.com/someone.",
        ),
        role(
            8,
            "Backend Engineer, Acme (Jan 2018 - Present)",
            "Backend Engineer",
            "Jan 2018",
            "Present",
        ),
        line(
            "description",
            9,
            "Built services using Go, Kubernetes (EKS).",
        ),
        role(
            10,
            "Platform Engineer, Beta (03/2016 - 02/2018)",
            "Platform Engineer",
            "03/2016",
            "02/2018",
        ),
        role(
            12,
            "Frontend Developer, Gamma (2014-01 - 2016-03)",
            "Frontend Developer",
            "2014-01",
            "2016-03",
        ),
        line(
            "skills",
            15,
            "Postgres (pgbouncer, logical replication), consensus and replication (Raft)",
        ),
        line("education", 18, "B.S. Computer Science, State University"),
        line("authorization", 20, "Eligibility: US citizen."),
    ]
}

fn criterion<'a>(result: &'a Value, id: &str) -> &'a Value {
    result["criteria"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id))
        .unwrap_or(&Value::Null)
}

#[test]
fn registered_under_its_rubric() {
    assert!(PACK.evaluators.iter().any(|(id, _)| *id == RUBRIC));
}

#[test]
fn a_strong_candidate_scores_every_point_with_its_line() {
    let r = judge(&bundle(rules(), strong())).expect("judged");
    assert_eq!(r["verdict"], "eligible", "{r:#}");
    // 2018-01..2026-10 = 106 months, 2016-03..2018-01 = 23 months sharing 2018-01: 128 months = 10.6 years;
    // the frontend role does not count
    assert_eq!(criterion(&r, "backend_years")["value"], "10.6");
    assert_eq!(criterion(&r, "backend_years")["months"], 128);
    assert_eq!(criterion(&r, "experience")["points"], 10);
    assert_eq!(r["score"], 50 + 10 + 10 + 8 + 5 + 5 + 5);
    for id in [
        "kubernetes",
        "distributed_systems",
        "open_source",
        "cs_degree",
        "led_team",
        "rust_or_go",
        "postgresql",
        "authorized",
    ] {
        let c = criterion(&r, id);
        assert_eq!(c["met"], true, "{id}: {c:#}");
        assert!(
            !c["evidence"].as_array().map(Vec::is_empty).unwrap_or(true),
            "{id} cites no evidence"
        );
    }
    assert_eq!(r["judged_by"], format!("builtin:{RUBRIC}"));
}

#[test]
fn the_rules_decide_the_numbers() {
    let mut changed = rules();
    changed["score"]["base"] = json!(40);
    changed["score"]["criteria"][0]["points"] = json!(12);
    changed["score"]["experience"]["cap"] = json!(4);
    changed["experience"]["present"] = json!("2026-12");
    let r = judge(&bundle(changed, strong())).expect("judged");
    assert_eq!(criterion(&r, "backend_years")["months"], 129);
    assert_eq!(r["score"], 40 + 4 + 12 + 8 + 5 + 5 + 5);
    let mut strict = rules();
    strict["experience"]["min_years"] = json!("11.0");
    let r = judge(&bundle(strict, strong())).expect("judged");
    assert_eq!(r["verdict"], "ineligible");
    assert_eq!(r["score"], 0);
    let mut titles = rules();
    titles["experience"]["title_terms"] = json!(["backend"]);
    let r = judge(&bundle(titles, strong())).expect("judged");
    assert_eq!(criterion(&r, "backend_years")["months"], 106);
}

#[test]
fn overlapping_roles_count_each_month_once() {
    let items = vec![
        role(
            8,
            "Backend Engineer, A (01/2015 - 01/2020)",
            "Backend Engineer",
            "01/2015",
            "01/2020",
        ),
        role(
            9,
            "Platform Engineer, B (06/2019 - 06/2021)",
            "Platform Engineer",
            "06/2019",
            "06/2021",
        ),
    ];
    let r = judge(&bundle(rules(), items)).expect("judged");
    assert_eq!(criterion(&r, "backend_years")["months"], 60 + 17);
    assert_eq!(criterion(&r, "backend_years")["value"], "6.4");
}

#[test]
fn unreadable_documents_and_dates() {
    let mut b = bundle(rules(), vec![]);
    b["evidence"][1]["error"] = json!("C-00001.txt is empty");
    let r = judge(&b).expect("judged");
    assert_eq!(r["verdict"], "unreadable");
    assert_eq!(r["score"], 0);
    assert!(r["reasons"][0]
        .as_str()
        .unwrap_or_default()
        .contains("empty"));

    let items = vec![
        role(
            8,
            "Backend Engineer, A (Spring 2019 - Present)",
            "Backend Engineer",
            "Spring 2019",
            "Present",
        ),
        line("skills", 10, "Rust, Postgres"),
        line("authorization", 12, "US citizen"),
    ];
    let r = judge(&bundle(rules(), items)).expect("judged");
    assert_eq!(r["verdict"], "ineligible");
    assert!(
        r["failed"][0]
            .as_str()
            .unwrap_or_default()
            .contains("no dates it can parse"),
        "{r:#}"
    );
    assert!(
        r["unreadable_dates"][0]
            .as_str()
            .unwrap_or_default()
            .contains("line 8"),
        "{r:#}"
    );

    let mut items = strong();
    items.push(role(
        14,
        "Backend Engineer, Z (Q3 2010 - 2012)",
        "Backend Engineer",
        "Q3 2010",
        "2012",
    ));
    let r = judge(&bundle(rules(), items)).expect("judged");
    assert_eq!(r["verdict"], "eligible");
    assert_eq!(
        criterion(&r, "backend_years")["months"],
        128,
        "the unreadable role is named, not guessed"
    );
    assert!(r["unreadable_dates"][0]
        .as_str()
        .unwrap_or_default()
        .contains("line 14"));
}

#[test]
fn interests_and_qualifiers_are_not_experience() {
    let items = vec![
        role(
            8,
            "Backend Engineer, A (01/2015 - Present)",
            "Backend Engineer",
            "01/2015",
            "Present",
        ),
        line(
            "skills",
            10,
            "Rust, Postgres (pgbouncer, logical replication)",
        ),
        line(
            "skills",
            11,
            "Interested in learning more about distributed systems.",
        ),
        line(
            "authorization",
            12,
            "Work authorization: Requires H-1B visa sponsorship.",
        ),
        line("education", 14, "B.S. Physics, State University"),
        line(
            "leadership",
            15,
            "Worked on product features with cross-functional teams.",
        ),
        line("open_source", 2, "me@example.com | github.com/me"),
    ];
    let r = judge(&bundle(rules(), items)).expect("judged");
    for id in [
        "distributed_systems",
        "authorized",
        "cs_degree",
        "led_team",
        "open_source",
        "kubernetes",
    ] {
        assert_eq!(
            criterion(&r, id)["met"],
            false,
            "{id}: {:#}",
            criterion(&r, id)
        );
    }
    assert_eq!(criterion(&r, "rust_or_go")["met"], true);
    assert_eq!(r["verdict"], "ineligible");
}

#[test]
fn a_bundle_without_rules_is_refused() {
    let b = json!({"rubric": RUBRIC, "item": "C-1", "evidence": [{"kind": "document", "file": "C-1.txt", "error": null}]});
    assert!(judge(&b).is_err());
    let mut r = rules();
    r["experience"].as_object_mut().map(|o| o.remove("present"));
    assert!(judge(&bundle(r, vec![])).is_err());
    assert!(judge(&json!({"evidence": "nope"})).is_err());
}
