//! Every billing-audit validator and rubric check against the real outputs of the pack's nine reference
//! programs (run once, by `fixtures_gen.py`, on the shared workload), each artifact built as the worker
//! builds it from the template (its step's inputs and sibling outputs as related artifacts); then each check
//! against planted defects it must catch.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::{json, Value};
use writ_ladder::{Artifact, Context, Diagnostic, ValidatorRef};

/// Every input and output of the pipeline by slot, as checks see them; row counts of the tables.
#[derive(Clone)]
struct Fixture {
    artifacts: BTreeMap<String, Value>,
    row_counts: BTreeMap<String, u64>,
}

fn generate() -> anyhow::Result<Fixture> {
    let dir = std::env::temp_dir().join(format!("writ-ladder-billing-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("artifacts.json");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures_gen.py");
    let run = Command::new("python3").arg(&script).arg(&path).output()?;
    anyhow::ensure!(
        run.status.success(),
        "fixtures_gen.py failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut generated: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    std::fs::remove_dir_all(&dir)?;
    Ok(Fixture {
        artifacts: serde_json::from_value(generated["artifacts"].take())?,
        row_counts: serde_json::from_value(generated["row_counts"].take())?,
    })
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| generate().unwrap_or_else(|e| panic!("{e:#}")))
}

/// One step of the template: input slot → fixture key, output slots, validator ids, rubric check ids.
struct Step {
    id: String,
    inputs: BTreeMap<String, String>,
    outputs: Vec<String>,
    validators: Vec<String>,
    checks: Vec<String>,
}

fn template() -> anyhow::Result<Vec<Step>> {
    let text = std::fs::read_to_string(format!("{}/template.json", env!("CARGO_MANIFEST_DIR")))?;
    let template: Value = serde_json::from_str(&text)?;
    let strings = |v: &Value, key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    };
    let mut steps = Vec::new();
    for step in template["steps"].as_array().into_iter().flatten() {
        let inputs = step["inputs"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(slot, source)| {
                // `run.engagement_letter` is the letter; `<step>.<slot>` and `run.<slot>` are their slot.
                let source = source.as_str().unwrap_or_default();
                let key = match source {
                    "run.engagement_letter" => "letter",
                    s => s.rsplit('.').next().unwrap_or(s),
                };
                (slot.clone(), key.to_string())
            })
            .collect();
        let outputs = step["outputs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o["slot"].as_str().map(str::to_string))
            .collect();
        let checks = step["rubric"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["check"].as_str().map(str::to_string))
            .collect();
        steps.push(Step {
            id: step["id"].as_str().unwrap_or_default().to_string(),
            inputs,
            outputs,
            validators: strings(step, "validators"),
            checks,
        });
    }
    anyhow::ensure!(steps.len() == 9, "the template has {} steps", steps.len());
    Ok(steps)
}

fn step(id: &str) -> Step {
    let steps = template().unwrap_or_else(|e| panic!("{e:#}"));
    steps
        .into_iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no step {id}"))
}

/// The artifact of `slot` as the worker hands it to checks: every input and sibling output related.
fn artifact(fixture: &Fixture, step: &Step, slot: &str) -> Artifact {
    let mut context = Context::default();
    for (input, key) in &step.inputs {
        let value = fixture.artifacts.get(key).cloned().unwrap_or(Value::Null);
        if let Some(count) = fixture.row_counts.get(key) {
            context.input_row_counts.insert(input.clone(), *count);
        }
        context.related.insert(input.clone(), value);
    }
    for sibling in step.outputs.iter().filter(|o| *o != slot) {
        let value = fixture
            .artifacts
            .get(sibling)
            .cloned()
            .unwrap_or(Value::Null);
        context.related.insert(sibling.clone(), value);
    }
    Artifact {
        name: slot.to_string(),
        kind: String::new(),
        value: fixture.artifacts.get(slot).cloned().unwrap_or(Value::Null),
        context,
    }
}

fn run(id: &str, artifact: &Artifact) -> Vec<Diagnostic> {
    writ_pack_billing_audit::PACK.registry().run(
        &[ValidatorRef::new(id)],
        artifact,
        &artifact.value,
    )
}

fn pack_ids() -> anyhow::Result<BTreeSet<String>> {
    let text = std::fs::read_to_string(format!("{}/pack.toml", env!("CARGO_MANIFEST_DIR")))?;
    Ok(text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("id = \"billing."))
        .map(|rest| format!("billing.{}", rest.trim_end_matches('"')))
        .collect())
}

#[test]
fn every_id_of_the_template_and_pack_is_registered() -> anyhow::Result<()> {
    let registry = writ_pack_billing_audit::PACK.registry();
    let registered: BTreeSet<&str> = registry.ids().into_iter().collect();
    let mut named = pack_ids()?;
    for step in template()? {
        named.extend(step.validators);
        named.extend(step.checks);
    }
    assert_eq!(named.len(), 16, "{named:?}");
    let missing: Vec<&String> = named
        .iter()
        .filter(|id| !registered.contains(id.as_str()))
        .collect();
    assert!(missing.is_empty(), "not registered: {missing:?}");
    Ok(())
}

#[test]
fn every_check_passes_every_output_of_the_reference_run() -> anyhow::Result<()> {
    let fixture = fixture();
    assert_eq!(fixture.row_counts.get("findings"), Some(&753));
    let mut ran = 0;
    for step in template()? {
        let ids: Vec<&String> = step.validators.iter().chain(&step.checks).collect();
        for slot in &step.outputs {
            let artifact = artifact(fixture, &step, slot);
            for id in &ids {
                let found = run(id, &artifact);
                assert!(found.is_empty(), "{}/{slot} {id}: {found:#?}", step.id);
                ran += 1;
            }
        }
    }
    assert_eq!(ran, 36);
    Ok(())
}

/// A planted defect: the step and output slot, the check, what to break and the code it must raise.
struct Defect {
    name: &'static str,
    step: &'static str,
    slot: &'static str,
    check: &'static str,
    plant: fn(&mut BTreeMap<String, Value>),
    code: &'static str,
}

fn at<'a>(artifacts: &'a mut BTreeMap<String, Value>, slot: &str, pointer: &str) -> &'a mut Value {
    artifacts
        .get_mut(slot)
        .and_then(|v| v.pointer_mut(pointer))
        .unwrap_or_else(|| panic!("{slot}:{pointer} not in the fixture"))
}

fn set(artifacts: &mut BTreeMap<String, Value>, slot: &str, pointer: &str, value: Value) {
    *at(artifacts, slot, pointer) = value;
}

/// The index of the first row of `slot` satisfying `pick`.
fn first_row(
    artifacts: &BTreeMap<String, Value>,
    slot: &str,
    pick: impl Fn(&Value) -> bool,
) -> usize {
    artifacts[slot]
        .as_array()
        .and_then(|rows| rows.iter().position(pick))
        .unwrap_or_else(|| panic!("no row of {slot} fits"))
}

fn excluded(artifacts: &BTreeMap<String, Value>) -> BTreeSet<String> {
    artifacts["exclusions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["exclusion"] != "")
        .filter_map(|r| r["entry_id"].as_str().map(str::to_string))
        .collect()
}

fn edit_report(artifacts: &mut BTreeMap<String, Value>, from: &str, to: &str) {
    let report = artifacts["report"].as_str().unwrap_or_default();
    assert!(report.contains(from), "the report has no {from:?}");
    let edited = report.replacen(from, to, 1);
    artifacts.insert("report".into(), Value::String(edited));
}

/// Moves the daily-cap cut of the first capped entry to the lowest-numbered payable entry of its
/// timekeeper-day: the wrong end of the day.
fn cut_lowest_first(a: &mut BTreeMap<String, Value>) {
    let capped = first_row(a, "time_checks", |r| r["findings"] == "DAILY_CAP");
    let row = a["time_checks"][capped].clone();
    let entry = a["entries"][capped].clone();
    let excluded = excluded(a);
    let lowest = first_row(a, "entries", |e| {
        e["timekeeper_id"] == entry["timekeeper_id"]
            && e["date"] == entry["date"]
            && e["entry_id"]
                .as_str()
                .is_some_and(|id| !excluded.contains(id))
    });
    assert_ne!(lowest, capped);
    let base = format!("/{capped}");
    set(
        a,
        "time_checks",
        &format!("{base}/payable_hours"),
        row["increment_hours"].clone(),
    );
    set(a, "time_checks", &format!("{base}/cap_cut"), json!("0"));
    set(a, "time_checks", &format!("{base}/findings"), json!(""));
    let low = format!("/{lowest}");
    set(
        a,
        "time_checks",
        &format!("{low}/cap_cut"),
        row["cap_cut"].clone(),
    );
    set(
        a,
        "time_checks",
        &format!("{low}/payable_hours"),
        json!("0.0"),
    );
    set(
        a,
        "time_checks",
        &format!("{low}/findings"),
        json!("DAILY_CAP"),
    );
}

fn defects() -> Vec<Defect> {
    vec![
        Defect {
            name: "profile lacks a column",
            step: "profile_inputs",
            slot: "input_profile",
            check: "billing.profile_covers_inputs",
            code: "L0032",
            plant: |a| {
                at(a, "input_profile", "/time_entries/columns")
                    .as_array_mut()
                    .map(|c| c.pop());
            },
        },
        Defect {
            name: "an input table unprofiled",
            step: "profile_inputs",
            slot: "input_profile",
            check: "billing.profile_covers_inputs",
            code: "L0032",
            plant: |a| {
                at(a, "input_profile", "")
                    .as_object_mut()
                    .map(|p| p.remove("matters"));
            },
        },
        Defect {
            name: "row count off by one",
            step: "profile_inputs",
            slot: "input_profile",
            check: "billing.inputs_profiled",
            code: "L0033",
            plant: |a| set(a, "input_profile", "/staffing/rows", json!(33)),
        },
        Defect {
            name: "blank count wrong",
            step: "profile_inputs",
            slot: "input_profile",
            check: "billing.inputs_profiled",
            code: "L0033",
            plant: |a| set(a, "input_profile", "/matters/columns/3/nulls", json!(0)),
        },
        Defect {
            name: "rule cites a section the letter lacks",
            step: "extract_terms",
            slot: "terms",
            check: "billing.terms_cite_sections",
            code: "L0034",
            plant: |a| set(a, "terms", "/travel/section", json!("3.9")),
        },
        Defect {
            name: "precedence names a section the letter lacks",
            step: "extract_terms",
            slot: "terms",
            check: "billing.terms_cite_sections",
            code: "L0034",
            plant: |a| set(a, "terms", "/payable/precedence_sections/1", json!("9.2")),
        },
        Defect {
            name: "a rule of section 4 missing",
            step: "extract_terms",
            slot: "terms",
            check: "billing.rules_cited",
            code: "L0036",
            plant: |a| {
                at(a, "terms", "")
                    .as_object_mut()
                    .map(|t| t.remove("arithmetic"));
            },
        },
        Defect {
            name: "a rule cites a line of another section",
            step: "extract_terms",
            slot: "terms",
            check: "billing.rules_cited",
            code: "L0035",
            plant: |a| set(a, "terms", "/vague/line", json!(15)),
        },
        Defect {
            name: "an exclusion of an unknown entry",
            step: "exclusions",
            slot: "exclusions",
            check: "billing.entry_ids_known",
            code: "L0037",
            plant: |a| set(a, "exclusions", "/5/entry_id", json!("TE-99999")),
        },
        Defect {
            name: "a duplicate of an unknown entry",
            step: "exclusions",
            slot: "exclusions",
            check: "billing.entry_ids_known",
            code: "L0037",
            plant: |a| set(a, "exclusions", "/7/duplicate_of", json!("TE-00000")),
        },
        Defect {
            name: "findings out of order",
            step: "payable",
            slot: "findings",
            check: "billing.every_entry_once",
            code: "L0038",
            plant: |a| {
                if let Some(r) = at(a, "findings", "").as_array_mut() {
                    r.swap(3, 4)
                }
            },
        },
        Defect {
            name: "an entry dropped",
            step: "normalize_entries",
            slot: "entries",
            check: "billing.every_entry_once",
            code: "L0027",
            plant: |a| {
                at(a, "entries", "").as_array_mut().map(|r| r.remove(100));
            },
        },
        Defect {
            name: "an exclusion row repeated",
            step: "exclusions",
            slot: "exclusions",
            check: "billing.every_entry_once",
            code: "L0027",
            plant: |a| {
                let row = a["exclusions"][9].clone();
                if let Some(r) = at(a, "exclusions", "").as_array_mut() {
                    r.insert(10, row)
                }
            },
        },
        Defect {
            name: "codes unsorted",
            step: "payable",
            slot: "findings",
            check: "billing.findings_codes",
            code: "L0039",
            plant: |a| set(a, "findings", "/0/findings", json!("RATE;DUPLICATE")),
        },
        Defect {
            name: "an unknown flag",
            step: "review_flags",
            slot: "flags",
            check: "billing.findings_codes",
            code: "L0039",
            plant: |a| set(a, "flags", "/0/flags", json!("BLOCK")),
        },
        Defect {
            name: "a total with one place",
            step: "payable",
            slot: "summary",
            check: "billing.amounts_two_places",
            code: "L0040",
            plant: |a| set(a, "summary", "/total_billed", json!("516199.4")),
        },
        Defect {
            name: "a cap without places",
            step: "payable",
            slot: "matter_months",
            check: "billing.amounts_two_places",
            code: "L0040",
            plant: |a| set(a, "matter_months", "/0/cap", json!("72000")),
        },
        Defect {
            name: "a delta off by a cent",
            step: "payable",
            slot: "findings",
            check: "billing.delta_consistent",
            code: "L0041",
            plant: |a| set(a, "findings", "/0/delta", json!("0.01")),
        },
        Defect {
            name: "the second ground recorded",
            step: "exclusions",
            slot: "exclusions",
            check: "billing.precedence",
            code: "L0042",
            plant: |a| {
                let i = first_row(a, "exclusions", |r| {
                    r["reasons"].as_str().is_some_and(|s| s.contains(';'))
                });
                let second = a["exclusions"][i]["reasons"]
                    .as_str()
                    .and_then(|s| s.split(';').nth(1))
                    .map(str::to_string);
                set(a, "exclusions", &format!("/{i}/exclusion"), json!(second));
            },
        },
        Defect {
            name: "a non-billable task left payable",
            step: "exclusions",
            slot: "exclusions",
            check: "billing.precedence",
            code: "L0042",
            plant: |a| {
                let i = first_row(a, "exclusions", |r| r["reasons"] == "");
                let code = a["terms"]["non_billable"]["task_codes"][0].clone();
                set(a, "entries", &format!("/{i}/task_code"), code);
            },
        },
        Defect {
            name: "travel not halved",
            step: "rate_checks",
            slot: "rate_checks",
            check: "billing.rates_by_date",
            code: "L0043",
            plant: |a| {
                let i = first_row(a, "rate_checks", |r| r["base_rate"] != r["applicable_rate"]);
                let base = a["rate_checks"][i]["base_rate"].clone();
                set(a, "rate_checks", &format!("/{i}/applicable_rate"), base);
            },
        },
        Defect {
            name: "the rate change two weeks early",
            step: "rate_checks",
            slot: "rate_checks",
            check: "billing.rates_by_date",
            code: "L0043",
            plant: |a| {
                for (i, period) in a["terms"]["rates"]["table"]
                    .clone()
                    .as_array()
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let p = format!("/rates/table/{i}");
                    if period["to"] == "2026-09-30" {
                        set(a, "terms", &format!("{p}/to"), json!("2026-09-15"));
                    }
                    if period["from"] == "2026-10-01" {
                        set(a, "terms", &format!("{p}/from"), json!("2026-09-16"));
                    }
                }
            },
        },
        Defect {
            name: "daily cap taken from the lowest entry",
            step: "time_checks",
            slot: "time_checks",
            check: "billing.daily_cap_order",
            code: "L0044",
            plant: cut_lowest_first,
        },
        Defect {
            name: "an excluded entry counted toward the cap",
            step: "time_checks",
            slot: "time_checks",
            check: "billing.daily_cap_order",
            code: "L0044",
            plant: |a| {
                let i = first_row(a, "exclusions", |r| r["exclusion"] != "");
                let hours = a["time_checks"][i]["increment_hours"].clone();
                set(a, "time_checks", &format!("/{i}/payable_hours"), hours);
            },
        },
        Defect {
            name: "an excluded entry flagged",
            step: "review_flags",
            slot: "flags",
            check: "billing.flags_scope",
            code: "L0045",
            plant: |a| {
                let excluded = excluded(a);
                let i = first_row(a, "flags", |r| {
                    r["entry_id"]
                        .as_str()
                        .is_some_and(|id| excluded.contains(id))
                });
                set(a, "flags", &format!("/{i}/flags"), json!("VAGUE"));
            },
        },
        Defect {
            name: "a short entry flagged block billing",
            step: "review_flags",
            slot: "flags",
            check: "billing.flags_scope",
            code: "L0045",
            plant: |a| {
                let excluded = excluded(a);
                let i = first_row(a, "entries", |e| {
                    e["hours"] == "0.5"
                        && e["entry_id"]
                            .as_str()
                            .is_some_and(|id| !excluded.contains(id))
                });
                set(a, "flags", &format!("/{i}/flags"), json!("BLOCK_BILLING"));
            },
        },
        Defect {
            name: "a published excluded entry flagged",
            step: "payable",
            slot: "findings",
            check: "billing.flags_scope",
            code: "L0045",
            plant: |a| {
                let i = first_row(a, "findings", |r| {
                    r["findings"]
                        .as_str()
                        .is_some_and(|f| f.contains("DUPLICATE"))
                });
                set(a, "findings", &format!("/{i}/flags"), json!("VAGUE"));
            },
        },
        Defect {
            name: "total payable not before caps minus overage",
            step: "payable",
            slot: "summary",
            check: "billing.totals_reconcile",
            code: "L0028",
            plant: |a| set(a, "summary", "/total_payable", json!("1.00")),
        },
        Defect {
            name: "a figure that differs from its trace",
            step: "report",
            slot: "report",
            check: "billing.report_traces",
            code: "L0046",
            plant: |a| {
                let s = a["summary"]["total_billed"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                edit_report(a, &format!("{s} USD"), "516199.41 USD");
            },
        },
        Defect {
            name: "a total without its trace link",
            step: "report",
            slot: "report",
            check: "billing.report_traces",
            code: "L0046",
            plant: |a| edit_report(a, "[trace](trace:summary.json:/total_cap_overage)", ""),
        },
        Defect {
            name: "report totals not summary's",
            step: "report",
            slot: "report",
            check: "billing.report_traces",
            code: "L0046",
            plant: |a| set(a, "summary", "/total_payable", json!("469030.51")),
        },
        Defect {
            name: "a trace link to nowhere",
            step: "report",
            slot: "report",
            check: "billing.report_traces",
            code: "L0046",
            plant: |a| {
                edit_report(
                    a,
                    "trace:findings.csv:/64/delta",
                    "trace:findings.csv:/9999/delta",
                )
            },
        },
        Defect {
            name: "a row link labelled with another entry",
            step: "report",
            slot: "report",
            check: "billing.report_traces",
            code: "L0046",
            plant: |a| {
                edit_report(
                    a,
                    "TE-10064 [trace](trace:findings.csv:/64)",
                    "TE-10065 [trace](trace:findings.csv:/64)",
                )
            },
        },
        Defect {
            name: "an untraced figure added",
            step: "report",
            slot: "report",
            check: "billing.report_traces",
            code: "L0046",
            plant: |a| {
                edit_report(
                    a,
                    "## Findings by rule",
                    "## Findings by rule\n\nRecovered 35086.90 USD.",
                )
            },
        },
        Defect {
            name: "a finding without its section",
            step: "report",
            slot: "report",
            check: "billing.report_traces",
            code: "L0047",
            plant: |a| edit_report(a, "(section 5.2, letter line 51)", ""),
        },
        Defect {
            name: "a code followed by no section",
            step: "report",
            slot: "report",
            check: "billing.report_cites_sections",
            code: "L0047",
            plant: |a| edit_report(a, "(section 2.2, letter line 18)", ""),
        },
        Defect {
            name: "a code followed by another section",
            step: "report",
            slot: "report",
            check: "billing.report_cites_sections",
            code: "L0047",
            plant: |a| edit_report(a, "(section 5.2,", "(section 5.1,"),
        },
    ]
}

#[test]
fn every_check_catches_its_planted_defects() {
    let fixture = fixture();
    let mut caught: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for defect in defects() {
        let mut broken = fixture.clone();
        (defect.plant)(&mut broken.artifacts);
        let artifact = artifact(&broken, &step(defect.step), defect.slot);
        let found = run(defect.check, &artifact);
        assert!(
            found.iter().any(|d| d.code.to_string() == defect.code),
            "{} ({}): expected {}, got {found:#?}",
            defect.name,
            defect.check,
            defect.code
        );
        caught.entry(defect.check).or_default().push(
            found
                .iter()
                .map(|d| {
                    format!(
                        "{} {} {}",
                        d.code,
                        d.pointer.as_deref().unwrap_or(""),
                        d.message
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    let every: BTreeSet<String> = pack_ids().unwrap_or_default();
    let missing: Vec<&String> = every
        .iter()
        .filter(|id| !caught.contains_key(id.as_str()))
        .collect();
    assert!(missing.is_empty(), "no planted defect for {missing:?}");
    insta::assert_json_snapshot!("planted_defects", caught);
}

#[test]
fn checks_pass_the_slots_they_do_not_concern() {
    let fixture = fixture();
    let payable = step("payable");
    let summary = artifact(fixture, &payable, "summary");
    let months = artifact(fixture, &payable, "matter_months");
    for id in [
        "billing.every_entry_once",
        "billing.delta_consistent",
        "billing.flags_scope",
        "billing.rates_by_date",
        "billing.precedence",
        "billing.report_traces",
        "billing.rules_cited",
    ] {
        assert!(run(id, &summary).is_empty(), "{id} on summary");
        assert!(run(id, &months).is_empty(), "{id} on matter_months");
    }
}

#[test]
fn checks_fail_closed_without_their_inputs() {
    let fixture = fixture();
    let cases = [
        (
            "rate_checks",
            "rate_checks",
            "billing.rates_by_date",
            "terms",
        ),
        (
            "time_checks",
            "time_checks",
            "billing.daily_cap_order",
            "exclusions",
        ),
        ("exclusions", "exclusions", "billing.precedence", "entries"),
        ("extract_terms", "terms", "billing.rules_cited", "letter"),
        ("report", "report", "billing.report_traces", "summary"),
        ("review_flags", "flags", "billing.flags_scope", "exclusions"),
    ];
    for (step_id, slot, id, dropped) in cases {
        let mut artifact = artifact(fixture, &step(step_id), slot);
        artifact.context.related.remove(dropped);
        let found = run(id, &artifact);
        assert!(
            found.iter().any(|d| d.code.to_string() == "L0029"),
            "{id} without {dropped}: {found:#?}"
        );
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::from),
        "(-?[0-9]{1,4}(\\.[0-9]{0,3})?|TE-[0-9]{1,3}|[A-Z_;]{0,12})".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the artifact and its related artifacts hold, every check returns diagnostics, never panics.
    #[test]
    fn no_check_panics_on_any_input(value in arbitrary_json(), related in arbitrary_json(), slot in 0usize..12) {
        let slots = ["input_profile", "terms", "entries", "exclusions", "rate_checks", "time_checks",
            "flags", "findings", "matter_months", "summary", "report", "other"];
        let name = slots.get(slot).copied().unwrap_or("other");
        let mut context = Context::default();
        for s in slots.iter().chain(&["letter", "time_entries"]) {
            context.related.insert(s.to_string(), related.get(*s).cloned().unwrap_or_else(|| related.clone()));
        }
        let artifact = Artifact { name: name.into(), kind: String::new(), value, context };
        let registry = writ_pack_billing_audit::PACK.registry();
        for id in registry.ids() {
            let _ = registry.run(&[ValidatorRef::new(id)], &artifact, &artifact.value);
        }
    }
}
