//! Every resume-screening check on a clean fixture (no diagnostics), then on planted defects it must catch,
//! table-driven: (check id, what is planted, the mutation, the code expected).

use serde_json::{json, Value};
use writ_ladder::{Artifact, Context, DomainInput};
use writ_pack_resume_screening::PACK;

fn rules() -> Value {
    json!({
        "source": "job_posting.md",
        "experience": {"line": 8, "min_years": "5.0", "title_terms": ["backend", "platform"], "present": "2026-11",
                       "end_exclusive": true, "overlap_once": true, "rounding": "down", "decimals": 1},
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
                      {"id": "distributed_systems", "points": 8, "line": 21, "terms": ["distributed systems", "consensus"]},
                      {"id": "open_source", "points": 5, "line": 23},
                      {"id": "cs_degree", "points": 5, "line": 24, "fields": ["computer science"], "min_level": "bachelor"},
                      {"id": "led_team", "points": 5, "line": 25}
                  ],
                  "ineligible": 0, "ineligible_line": 28},
        "ranking": {"order": "score_desc", "ties": "candidate_id_asc", "line": 28}
    })
}

const COLS: [&str; 12] = [
    "candidate_id",
    "backend_years",
    "rust_or_go",
    "postgresql",
    "authorized",
    "kubernetes",
    "distributed_systems",
    "open_source",
    "cs_degree",
    "led_team",
    "eligible",
    "score",
];

fn row(cells: [&str; 12]) -> Value {
    let mut m = serde_json::Map::new();
    for (c, v) in COLS.iter().zip(cells) {
        m.insert(c.to_string(), json!(v));
    }
    Value::Object(m)
}

fn candidates() -> Value {
    json!([
        row([
            "C-00001", "7.0", "true", "true", "true", "true", "false", "false", "false", "false",
            "true", "64"
        ]),
        row([
            "C-00002", "6.5", "true", "true", "true", "false", "true", "false", "false", "true",
            "true", "65"
        ]),
        row([
            "C-00003", "3.0", "true", "true", "true", "true", "true", "true", "true", "true",
            "false", "0"
        ]),
        row([
            "C-00004", "8.0", "true", "true", "true", "true", "true", "true", "true", "true",
            "true", "89"
        ]),
        row([
            "C-00005", "9.0", "true", "true", "true", "false", "false", "false", "false", "false",
            "true", "58"
        ]),
    ])
}

fn ranking() -> Value {
    json!([
        {"rank": "1", "candidate_id": "C-00004", "score": "89"},
        {"rank": "2", "candidate_id": "C-00002", "score": "65"},
        {"rank": "3", "candidate_id": "C-00001", "score": "64"},
        {"rank": "4", "candidate_id": "C-00005", "score": "58"}
    ])
}

fn point(criterion: &str, points: i64, rule_line: i64, line: i64) -> Value {
    let lines = if criterion == "base" {
        json!([])
    } else {
        json!([{"line": line, "text": "a resume line"}])
    };
    json!({"criterion": criterion, "points": points, "rule_line": rule_line, "resume_lines": lines})
}

fn card(id: &str, eligible: bool, score: i64, points: Vec<Value>, fields: Value) -> Value {
    json!({"candidate_id": id, "file": format!("{id}.txt"), "status": "ok", "eligible": eligible, "score": score,
           "points": points, "fields": fields})
}

fn fields(on: &[&str]) -> Value {
    let mut m = serde_json::Map::new();
    for c in &COLS[2..10] {
        m.insert(c.to_string(), json!(on.contains(c)));
    }
    Value::Object(m)
}

fn cards() -> Value {
    let base = || point("base", 50, 18, 0);
    let all = [
        "rust_or_go",
        "postgresql",
        "authorized",
        "kubernetes",
        "distributed_systems",
        "open_source",
        "cs_degree",
        "led_team",
    ];
    json!({
        "C-00001.json": card("C-00001", true, 64, vec![base(), point("experience", 4, 19, 8), point("kubernetes", 10, 20, 12)],
                             fields(&["rust_or_go", "postgresql", "authorized", "kubernetes"])),
        "C-00002.json": card("C-00002", true, 65, vec![base(), point("experience", 2, 19, 8), point("distributed_systems", 8, 21, 9),
                             point("led_team", 5, 25, 5)],
                             fields(&["rust_or_go", "postgresql", "authorized", "distributed_systems", "led_team"])),
        "C-00003.json": card("C-00003", false, 0, vec![], fields(&all)),
        "C-00004.json": card("C-00004", true, 89, vec![base(), point("experience", 6, 19, 8), point("kubernetes", 10, 20, 12),
                             point("distributed_systems", 8, 21, 12), point("open_source", 5, 23, 5), point("cs_degree", 5, 24, 20),
                             point("led_team", 5, 25, 5)], fields(&all)),
        "C-00005.json": card("C-00005", true, 58, vec![base(), point("experience", 8, 19, 8)],
                             fields(&["rust_or_go", "postgresql", "authorized"])),
    })
}

fn report() -> Value {
    let mut text = String::from("# Resume screening: shortlist\n\n## Shortlist (top 4)\n\n");
    for (rank, id, score) in [
        (1, "C-00004", 89),
        (2, "C-00002", 65),
        (3, "C-00001", 64),
        (4, "C-00005", 58),
    ] {
        text.push_str(&format!("### {rank}. {id}: {score} points\n\n| points | for | posting line | resume line |\n|---:|---|---|---|\n"));
        text.push_str("| 50 | base | job_posting.md line 18 | (the posting's starting points) |\n");
        text.push_str(&format!("| 4 | experience | job_posting.md line 19 | {id}.txt line 8: Backend Engineer, X (01/2015 - Present) |\n"));
        text.push_str(&format!("| **{score}** | total | | |\n\n"));
    }
    text.push_str("## Unreadable resumes\n\n- none\n");
    Value::String(text)
}

/// Every artifact by slot, as the related artifacts of the others.
fn world() -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("rules".into(), rules());
    m.insert("candidates".into(), candidates());
    m.insert("screened".into(), candidates());
    m.insert("ranking".into(), ranking());
    m.insert("cards".into(), cards());
    m.insert("report".into(), report());
    m
}

fn run(check: &str, slot: &str, world: &serde_json::Map<String, Value>) -> Vec<String> {
    let (_, f) = PACK
        .checks
        .iter()
        .find(|(id, _)| *id == check)
        .unwrap_or_else(|| panic!("no check {check}"));
    let artifact = Artifact {
        name: slot.to_string(),
        kind: "table.csv".into(),
        value: world[slot].clone(),
        context: Context {
            input_row_counts: Default::default(),
            related: world
                .iter()
                .filter(|(k, _)| *k != slot)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        },
    };
    let params = json!({});
    let input = DomainInput {
        artifact: &artifact,
        value: &artifact.value,
        params: &params,
    };
    f(&input)
        .iter()
        .map(|d| {
            format!(
                "{} {} {}",
                d.code,
                d.pointer.clone().unwrap_or_default(),
                d.message
            )
        })
        .collect()
}

/// (check, the artifact it runs on) for every check the pack declares.
const TARGETS: [(&str, &str); 9] = [
    ("resume.booleans", "candidates"),
    ("resume.eligibility_rule", "candidates"),
    ("resume.score_rule", "candidates"),
    ("resume.rules_cited", "rules"),
    ("resume.every_resume_once", "candidates"),
    ("resume.ranking_order", "ranking"),
    ("resume.merge_complete", "ranking"),
    ("resume.points_cited", "cards"),
    ("resume.report_shortlist", "report"),
];

#[test]
fn every_check_passes_the_clean_fixture() {
    let w = world();
    for (check, slot) in TARGETS {
        assert_eq!(
            run(check, slot, &w),
            Vec::<String>::new(),
            "{check} on the clean {slot}"
        );
    }
    assert_eq!(
        PACK.checks.len(),
        TARGETS.len(),
        "every implemented check has a test target"
    );
}

type Plant = fn(&mut serde_json::Map<String, Value>);

#[test]
fn every_check_catches_its_planted_defects() {
    let cases: Vec<(&str, &str, &str, Plant, &str)> = vec![
        (
            "resume.booleans",
            "candidates",
            "a boolean spelled yes",
            |w| w["candidates"][0]["rust_or_go"] = json!("yes"),
            "L2101",
        ),
        (
            "resume.booleans",
            "candidates",
            "two decimals",
            |w| w["candidates"][0]["backend_years"] = json!("7.25"),
            "L2101",
        ),
        (
            "resume.eligibility_rule",
            "candidates",
            "eligible below the minimum years",
            |w| {
                w["candidates"][0]["backend_years"] = json!("4.9");
            },
            "L2102",
        ),
        (
            "resume.eligibility_rule",
            "candidates",
            "eligible without authorization",
            |w| w["candidates"][1]["authorized"] = json!("false"),
            "L2102",
        ),
        (
            "resume.eligibility_rule",
            "candidates",
            "ineligible though every requirement is met",
            |w| w["candidates"][4]["eligible"] = json!("false"),
            "L2102",
        ),
        (
            "resume.score_rule",
            "candidates",
            "a point too many",
            |w| w["candidates"][0]["score"] = json!("65"),
            "L2103",
        ),
        (
            "resume.score_rule",
            "candidates",
            "an ineligible candidate scored",
            |w| w["candidates"][2]["score"] = json!("70"),
            "L2103",
        ),
        (
            "resume.score_rule",
            "candidates",
            "the per-year cap ignored",
            |w| {
                w["candidates"][4]["backend_years"] = json!("12.0");
                w["candidates"][4]["score"] = json!("64");
            },
            "L2103",
        ),
        (
            "resume.rules_cited",
            "rules",
            "a criterion without its line",
            |w| {
                w["rules"]["score"]["criteria"][0]
                    .as_object_mut()
                    .map(|o| o.remove("line"));
            },
            "L2104",
        ),
        (
            "resume.rules_cited",
            "rules",
            "a criterion missing",
            |w| {
                w["rules"]["score"]["criteria"]
                    .as_array_mut()
                    .map(|a| a.pop());
            },
            "L2104",
        ),
        (
            "resume.every_resume_once",
            "candidates",
            "rows out of order",
            |w| {
                if let Some(a) = w["candidates"].as_array_mut() {
                    a.swap(0, 1);
                }
            },
            "L2105",
        ),
        (
            "resume.every_resume_once",
            "candidates",
            "a resume dropped",
            |w| {
                if let Some(a) = w["candidates"].as_array_mut() {
                    a.remove(2);
                }
            },
            "L2105",
        ),
        (
            "resume.ranking_order",
            "ranking",
            "a tie broken by id descending",
            |w| {
                w["ranking"] = json!([{"rank": "1", "candidate_id": "C-00002", "score": "80"}, {"rank": "2", "candidate_id": "C-00001", "score": "80"}]);
            },
            "L2106",
        ),
        (
            "resume.ranking_order",
            "ranking",
            "a gap in the ranks",
            |w| w["ranking"][2]["rank"] = json!("4"),
            "L2106",
        ),
        (
            "resume.merge_complete",
            "ranking",
            "a shard's candidate lost",
            |w| {
                if let Some(a) = w["ranking"].as_array_mut() {
                    a.pop();
                }
            },
            "L2107",
        ),
        (
            "resume.merge_complete",
            "ranking",
            "batches concatenated, not merged",
            |w| {
                w["ranking"] = json!([{"rank": "1", "candidate_id": "C-00001", "score": "64"}, {"rank": "2", "candidate_id": "C-00002", "score": "65"},
                                    {"rank": "3", "candidate_id": "C-00004", "score": "89"}, {"rank": "4", "candidate_id": "C-00005", "score": "58"}]);
            },
            "L2107",
        ),
        (
            "resume.points_cited",
            "cards",
            "a point without a resume line",
            |w| w["cards"]["C-00001.json"]["points"][2]["resume_lines"] = json!([]),
            "L2108",
        ),
        (
            "resume.points_cited",
            "cards",
            "points that do not add up",
            |w| w["cards"]["C-00002.json"]["score"] = json!(70),
            "L2108",
        ),
        (
            "resume.points_cited",
            "cards",
            "a card that disagrees with candidates.csv",
            |w| w["cards"]["C-00001.json"]["fields"]["kubernetes"] = json!(false),
            "L2108",
        ),
        (
            "resume.report_shortlist",
            "report",
            "the shortlist out of order",
            |w| {
                let t = w["report"]
                    .as_str()
                    .unwrap_or_default()
                    .replace("### 1. C-00004", "### 1. C-00009");
                w["report"] = json!(t);
            },
            "L2109",
        ),
        (
            "resume.report_shortlist",
            "report",
            "a point row without its resume line",
            |w| {
                let t = w["report"].as_str().unwrap_or_default().replace(
                    "C-00002.txt line 8: Backend Engineer, X (01/2015 - Present)",
                    "-",
                );
                w["report"] = json!(t);
            },
            "L2109",
        ),
    ];
    for (check, slot, what, plant, code) in cases {
        let mut w = world();
        plant(&mut w);
        let got = run(check, slot, &w);
        assert!(
            got.iter().any(|d| d.starts_with(code)),
            "{check} missed `{what}`: {got:?}"
        );
    }
}

#[test]
fn declarations_equal_code() {
    let toml = std::fs::read_to_string(format!("{}/pack.toml", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_default();
    let declared: std::collections::BTreeSet<&str> = toml
        .lines()
        .filter_map(|l| l.strip_prefix("id = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .filter(|id| id.starts_with("resume."))
        .collect();
    let implemented: std::collections::BTreeSet<&str> =
        PACK.checks.iter().map(|(id, _)| *id).collect();
    assert_eq!(declared, implemented);
    let template = std::fs::read_to_string(format!("{}/template.json", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_default();
    for id in &implemented {
        assert!(
            template.contains(&format!("\"{id}\"")),
            "{id} is used by no step of the template"
        );
    }
}

/// Every check on the real outputs of the reference programs when `RESUME_ARTIFACTS` names the file that
/// `tests/dump_artifacts.py` writes (the Python suite's workload run through the harness); skipped otherwise.
#[test]
fn real_outputs_pass_every_check() {
    let Ok(path) = std::env::var("RESUME_ARTIFACTS") else {
        eprintln!("RESUME_ARTIFACTS not set: run tests/dump_artifacts.py <file> first to check real outputs");
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let w: serde_json::Map<String, Value> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    for (check, slot) in TARGETS.iter().copied().chain([
        ("resume.ranking_order", "batch_ranking"),
        ("resume.booleans", "screened"),
        ("resume.eligibility_rule", "screened"),
        ("resume.score_rule", "screened"),
    ]) {
        let got = run(check, slot, &w);
        assert_eq!(
            got.len(),
            0,
            "{check} on the real {slot}: {:?}",
            &got[..got.len().min(5)]
        );
    }
}
