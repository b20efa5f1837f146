//! Every contract-review check: a small consistent fixture (what the steps publish for a batch of three
//! contracts, one of them unreadable and one missing a clause) passes all of them; each planted defect is
//! caught by the check written for it, with a diagnostic pointing at the defect.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use writ_ladder::{Artifact, Context, Diagnostic};
use writ_pack::DomainInput;
use writ_pack_contract_review::PACK;

const CLAUSES: [&str; 13] = [
    "TERM",
    "PAYMENT",
    "PRICE",
    "CONFIDENTIALITY",
    "DATA_PROTECTION",
    "IP",
    "WARRANTY",
    "INDEMNITY",
    "LIABILITY",
    "TERMINATION",
    "GOVERNING_LAW",
    "ASSIGNMENT",
    "INSURANCE",
];

/// The artifacts of a consistent run, by slot.
fn fixture() -> BTreeMap<&'static str, Value> {
    let mut clauses = Vec::new();
    for (cid, skip) in [("VC-0001", ""), ("VC-0002", "INSURANCE")] {
        for (k, code) in CLAUSES.iter().enumerate() {
            if *code == skip {
                continue;
            }
            let start = 10 + 5 * k;
            let text = if *code == "TERM" && cid == "VC-0001" {
                "The term is one (1) year. It renews automatically each year.".to_string()
            } else {
                format!("Body of {code}.")
            };
            clauses.push(json!({"contract_id": cid, "clause": code, "heading": code, "line_start": start.to_string(),
                                "line_end": (start + 2).to_string(), "text": text}));
        }
    }
    let deviations = json!([{"contract_id": "VC-0001", "clause": "TERM", "deviation": "AUTO_RENEWAL",
                             "line_start": "10", "line_end": "12", "excerpt": "It renews automatically each year."}]);
    let exceptions = json!([
        {"contract_id": "VC-0002", "file": "VC-0002.txt", "clause": "INSURANCE",
         "reason": "clause INSURANCE (standard section 15, Insurance) not located in VC-0002.txt"},
        {"contract_id": "VC-0003", "file": "VC-0003.txt", "clause": "", "reason": "VC-0003.txt is empty"}
    ]);
    let profile = json!({"files": 3, "readable": 2,
    "unreadable": [{"file": "VC-0003.txt", "reason": "VC-0003.txt is empty"}],
    "heading_styles": {"1.": 2}, "line_width": {"min": 60, "max": 80},
    "documents": [
        {"file": "VC-0001.txt", "lines": 90, "max_width": 80, "headings": 15, "style": "1.", "error": null},
        {"file": "VC-0002.txt", "lines": 85, "max_width": 60, "headings": 14, "style": "1.", "error": null},
        {"file": "VC-0003.txt", "lines": 0, "max_width": 0, "headings": 0, "style": "", "error": "VC-0003.txt is empty"}
    ]});
    let standard = json!({"file": "standard_msa.md", "clauses": CLAUSES.iter().enumerate().map(|(k, code)| json!({
        "clause": code, "section": (k + 3).to_string(), "heading": code, "heading_line": 5 * k + 1,
        "line_start": 5 * k + 2, "line_end": 5 * k + 3, "text": "Pay within thirty (30) days. Or not.",
        "terms": {"quantities": ["30 day"], "places": []},
        "sentences": [
            {"text": "Pay within thirty (30) days.", "line_start": 5 * k + 2, "line_end": 5 * k + 2,
             "terms": {"quantities": ["30 day"], "places": []}},
            {"text": "Or not.", "line_start": 5 * k + 3, "line_end": 5 * k + 3, "terms": {"quantities": [], "places": []}}
        ]})).collect::<Vec<_>>()});
    let report = "# Contract review against the standard form\n\nContracts reviewed: 3. With deviations: 1. Deviations: 1. Exceptions: 2.\n\n\
## Exceptions\n\n| Contract | File | Clause | Reason |\n|---|---|---|---|\n\
| VC-0002 | VC-0002.txt | INSURANCE | clause INSURANCE (standard section 15, Insurance) not located in VC-0002.txt |\n\
| VC-0003 | VC-0003.txt | (whole file) | VC-0003.txt is empty |\n\n## Deviations by contract\n\n### VC-0001\n\n\
**TERM — AUTO_RENEWAL** (contract lines 10–12)\n\n| Standard (section 3, lines 2–3) | Found (VC-0001, lines 10–12) |\n|---|---|\n\
| Pay within thirty (30) days. Or not. | The term is one (1) year. It renews automatically each year. |\n\n\
Deviating sentence: \"It renews automatically each year.\"\n\n### VC-0002\n\n\
- Exception (INSURANCE): clause INSURANCE (standard section 15, Insurance) not located in VC-0002.txt\n\n### VC-0003\n\n\
- Exception (whole file): VC-0003.txt is empty\n\n## Contracts conforming to the standard\n\nNone.\n";
    BTreeMap::from([
        ("clauses", Value::Array(clauses)),
        ("deviations", deviations.clone()),
        ("clause_deviations", deviations),
        ("exceptions", exceptions.clone()),
        ("clause_exceptions", exceptions),
        ("batch_profile", profile),
        ("standard_clauses", standard),
        ("report", Value::String(report.to_string())),
    ])
}

/// Runs check `id` on `slot` of `artifacts`, every other slot related.
fn run(id: &str, slot: &str, artifacts: &BTreeMap<&'static str, Value>) -> Vec<Diagnostic> {
    let related = artifacts
        .iter()
        .filter(|(k, _)| **k != slot)
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let value = artifacts.get(slot).cloned().unwrap_or(Value::Null);
    let artifact = Artifact {
        name: slot.to_string(),
        kind: "table.csv".into(),
        value: value.clone(),
        context: Context {
            input_row_counts: BTreeMap::new(),
            related,
        },
    };
    let params = json!({});
    let input = DomainInput {
        artifact: &artifact,
        value: &value,
        params: &params,
    };
    let check = PACK.checks.iter().find(|(i, _)| *i == id).map(|(_, c)| *c);
    match check {
        Some(check) => check(&input),
        None => panic!("no check {id}"),
    }
}

/// (check id, slot it runs on) as the template uses them.
const USES: &[(&str, &str)] = &[
    ("contract.profile_counts", "batch_profile"),
    ("contract.standard_complete", "standard_clauses"),
    ("contract.standard_terms", "standard_clauses"),
    ("contract.clause_codes", "clauses"),
    ("contract.clause_codes", "clause_deviations"),
    ("contract.clause_codes", "exceptions"),
    ("contract.line_spans", "deviations"),
    ("contract.line_spans", "clauses"),
    ("contract.one_row_per_clause", "deviations"),
    ("contract.one_row_per_clause", "clauses"),
    ("contract.excerpt_in_span", "deviations"),
    ("contract.every_contract_covered", "deviations"),
    ("contract.report_lists_deviations", "report"),
    ("contract.report_traces", "report"),
];

#[test]
fn the_consistent_fixture_passes_every_check() {
    let f = fixture();
    for (id, slot) in USES {
        let d = run(id, slot, &f);
        assert!(d.is_empty(), "{id} on {slot}: {d:#?}");
    }
    let ids: Vec<&str> = PACK.checks.iter().map(|(i, _)| *i).collect();
    for id in &ids {
        assert!(
            USES.iter().any(|(u, _)| u == id),
            "{id} has no use in this test"
        );
    }
}

type Plant = fn(&mut BTreeMap<&'static str, Value>);

fn set(f: &mut BTreeMap<&'static str, Value>, slot: &str, pointer: &str, value: Value) {
    match f.get_mut(slot).and_then(|v| v.pointer_mut(pointer)) {
        Some(cell) => *cell = value,
        None => panic!("{slot}{pointer} not in the fixture"),
    }
}

#[test]
fn every_planted_defect_is_caught_by_its_check() {
    let plants: Vec<(&str, &str, &str, Plant)> = vec![
        (
            "readable count off",
            "contract.profile_counts",
            "batch_profile",
            |f| set(f, "batch_profile", "/readable", json!(3)),
        ),
        (
            "files count off",
            "contract.profile_counts",
            "batch_profile",
            |f| set(f, "batch_profile", "/files", json!(2)),
        ),
        (
            "unreadable without error",
            "contract.profile_counts",
            "batch_profile",
            |f| set(f, "batch_profile", "/documents/2/error", Value::Null),
        ),
        (
            "standard clause twice",
            "contract.standard_complete",
            "standard_clauses",
            |f| set(f, "standard_clauses", "/clauses/1/clause", json!("TERM")),
        ),
        (
            "standard clause without lines",
            "contract.standard_complete",
            "standard_clauses",
            |f| set(f, "standard_clauses", "/clauses/0/line_end", json!(0)),
        ),
        (
            "term not in any sentence",
            "contract.standard_terms",
            "standard_clauses",
            |f| {
                set(
                    f,
                    "standard_clauses",
                    "/clauses/0/terms/quantities",
                    json!(["60 day"]),
                )
            },
        ),
        (
            "sentences are not the text",
            "contract.standard_terms",
            "standard_clauses",
            |f| {
                set(
                    f,
                    "standard_clauses",
                    "/clauses/2/sentences/1/text",
                    json!("Or else."),
                )
            },
        ),
        (
            "code on the wrong clause",
            "contract.clause_codes",
            "clause_deviations",
            |f| set(f, "clause_deviations", "/0/deviation", json!("LATE_FEES")),
        ),
        ("unknown clause", "contract.clause_codes", "clauses", |f| {
            set(f, "clauses", "/0/clause", json!("PREAMBLE"))
        }),
        (
            "heading line as body start",
            "contract.line_spans",
            "deviations",
            |f| set(f, "deviations", "/0/line_start", json!("9")),
        ),
        ("reversed range", "contract.line_spans", "clauses", |f| {
            set(f, "clauses", "/3/line_end", json!("1"))
        }),
        (
            "two rows for one clause",
            "contract.one_row_per_clause",
            "clauses",
            |f| set(f, "clauses", "/1/clause", json!("TERM")),
        ),
        (
            "excerpt from the standard",
            "contract.excerpt_in_span",
            "deviations",
            |f| {
                set(
                    f,
                    "deviations",
                    "/0/excerpt",
                    json!("Any renewal requires a written amendment."),
                )
            },
        ),
        (
            "clause neither located nor excepted",
            "contract.every_contract_covered",
            "deviations",
            |f| set(f, "exceptions", "/0/clause", json!("PRICE")),
        ),
        (
            "unreadable file not named",
            "contract.every_contract_covered",
            "deviations",
            |f| set(f, "exceptions", "/1/reason", json!("empty")),
        ),
        (
            "contract outside the batch",
            "contract.every_contract_covered",
            "deviations",
            |f| set(f, "deviations", "/0/contract_id", json!("VC-0999")),
        ),
        (
            "deviation missing from the report",
            "contract.report_lists_deviations",
            "report",
            |f| set(f, "deviations", "/0/line_end", json!("13")),
        ),
        (
            "exception missing from the report",
            "contract.report_lists_deviations",
            "report",
            |f| {
                set(
                    f,
                    "exceptions",
                    "/1/reason",
                    json!("VC-0003.txt is not UTF-8 text"),
                )
            },
        ),
        (
            "report names a deviation not in the table",
            "contract.report_traces",
            "report",
            |f| set(f, "deviations", "/0/deviation", json!("PAYMENT_TERMS")),
        ),
        (
            "report quotes another sentence",
            "contract.report_traces",
            "report",
            |f| {
                set(
                    f,
                    "deviations",
                    "/0/excerpt",
                    json!("The term is one (1) year."),
                )
            },
        ),
        (
            "report count off",
            "contract.report_traces",
            "report",
            |f| {
                let text = f
                    .get("report")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .replace("Deviations: 1.", "Deviations: 2.");
                f.insert("report", Value::String(text));
            },
        ),
    ];
    let mut missed = Vec::new();
    for (name, id, slot, plant) in plants {
        let mut f = fixture();
        plant(&mut f);
        if run(id, slot, &f).is_empty() {
            missed.push(format!("{name}: {id} on {slot} found nothing"));
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}

#[test]
fn malformed_artifacts_are_diagnostics_not_panics() {
    let mut f = fixture();
    for slot in [
        "clauses",
        "deviations",
        "clause_deviations",
        "exceptions",
        "batch_profile",
        "standard_clauses",
        "report",
    ] {
        f.insert(slot, json!(42));
    }
    for (id, slot) in USES {
        let d = run(id, slot, &f);
        assert!(!d.is_empty(), "{id} on malformed {slot} said nothing");
    }
}

/// The programs' real outputs (tests/fixtures_gen.py: 30 shared contracts, a contract missing a clause, an
/// empty and a non-UTF-8 file), each check on the slot the template runs it on, with that step's inputs and
/// sibling outputs related: no diagnostics. Skipped when the shared data is not there.
#[test]
fn the_programs_real_outputs_pass_every_check() -> anyhow::Result<()> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if !root
        .join("../../../shared/data/contract-review/standard_msa.md")
        .exists()
    {
        eprintln!("skipped: no shared data");
        return Ok(());
    }
    let dir = std::env::temp_dir().join(format!("writ-contract-review-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("artifacts.json");
    let run = std::process::Command::new("python3")
        .arg(root.join("tests/fixtures_gen.py"))
        .arg(&path)
        .output()?;
    anyhow::ensure!(
        run.status.success(),
        "fixtures_gen.py failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut generated: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    std::fs::remove_dir_all(&dir)?;
    let all: BTreeMap<String, Value> = serde_json::from_value(generated["artifacts"].take())?;
    let template: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("template.json"))?)?;
    let mut failures = Vec::new();
    for step in template["steps"].as_array().cloned().unwrap_or_default() {
        let inputs: Vec<String> = step["inputs"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let outputs: Vec<String> = step["outputs"]
            .as_array()
            .map(|o| {
                o.iter()
                    .filter_map(|x| x["slot"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let mut ids: Vec<String> = step["validators"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        ids.extend(
            step["rubric"]
                .as_array()
                .map(|v| {
                    v.iter()
                        .filter_map(|x| x["check"].as_str().map(str::to_string))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default(),
        );
        for slot in &outputs {
            let mut view: BTreeMap<&'static str, Value> = BTreeMap::new();
            for name in inputs.iter().chain(&outputs) {
                if let Some(v) = all.get(name) {
                    view.insert(Box::leak(name.clone().into_boxed_str()), v.clone());
                }
            }
            for id in &ids {
                let d = run_on(id, slot, &view);
                if !d.is_empty() {
                    failures.push(format!("{} {id} on {slot}: {d:#?}", step["id"]));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}

fn run_on(id: &str, slot: &str, artifacts: &BTreeMap<&'static str, Value>) -> Vec<Diagnostic> {
    run(id, slot, artifacts)
}
