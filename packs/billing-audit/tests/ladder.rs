//! The billing pack's domain validators over the reference workload's 753 time entries.

#[path = "../../../crates/writ-ladder/tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::{json, Value};
use writ_ladder::{Artifact, LadderConfig, Outcome, Stage, ValidatorRef};

fn cents(text: &str) -> i64 {
    let (int, frac) = text.split_once('.').unwrap_or((text, "0"));
    int.parse::<i64>().unwrap_or(0) * 100
        + format!("{frac:0<2}")
            .get(..2)
            .and_then(|f| f.parse().ok())
            .unwrap_or(0)
}

fn money(c: i64) -> String {
    format!(
        "{}{}.{:02}",
        if c < 0 { "-" } else { "" },
        c.abs() / 100,
        c.abs() % 100
    )
}

/// (entry_id, matter_id, month, amount in cents) for every entry of the reference workload.
fn entries() -> anyhow::Result<Vec<(String, String, String, i64)>> {
    // The workloads live beside the project root (`../shared/data`); WRIT_SHARED_DATA overrides that.
    let data = std::env::var("WRIT_SHARED_DATA")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").into());
    let text = std::fs::read_to_string(format!("{data}/billing-audit/time_entries.csv"))?;
    let mut out = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        // The description is the last column and the only one that may hold commas.
        let cols: Vec<&str> = line.splitn(10, ',').collect();
        let [id, date, _, matter, _, _, _, _, amount, _] = cols.as_slice() else {
            anyhow::bail!("unexpected row {line}");
        };
        out.push((
            id.to_string(),
            matter.to_string(),
            date.get(..7).unwrap_or_default().to_string(),
            cents(amount),
        ));
    }
    Ok(out)
}

/// A consistent findings table, matter_months and summary: every 10th entry is cut by 10 % and flagged.
fn consistent(entries: &[(String, String, String, i64)]) -> (Value, Value, Value) {
    let mut findings = Vec::new();
    let mut months: BTreeMap<(String, String), i64> = BTreeMap::new();
    let (mut billed, mut payable, mut rate_count) = (0, 0, 0);
    for (i, (id, matter, month, amount)) in entries.iter().enumerate() {
        let cut = if i % 10 == 0 { amount / 10 } else { 0 };
        let pay = amount - cut;
        if cut > 0 {
            rate_count += 1;
        }
        findings.push(json!({
            "entry_id": id, "findings": if cut > 0 { "RATE" } else { "" }, "flags": "",
            "billed_amount": money(*amount), "payable_amount": money(pay), "delta": money(cut)
        }));
        *months.entry((matter.clone(), month.clone())).or_default() += pay;
        billed += amount;
        payable += pay;
    }
    // The first matter-month goes over a cap set 100.00 below its payable.
    let mut overage_total = 0;
    let rows: Vec<Value> = months
        .iter()
        .enumerate()
        .map(|(i, ((matter, month), pay))| {
            let overage = if i == 0 { 10_000 } else { 0 };
            overage_total += overage;
            json!({"matter_id": matter, "month": month, "payable_before_cap": money(*pay), "cap": money(pay - overage), "overage": money(overage)})
        })
        .collect();
    let summary = json!({
        "entries": entries.len(), "total_billed": money(billed), "total_payable_before_caps": money(payable),
        "total_cap_overage": money(overage_total), "total_payable": money(payable - overage_total),
        "findings_by_code": {"RATE": rate_count}
    });
    (Value::from(findings), Value::from(rows), summary)
}

fn findings_artifact(
    entries_rows: &Value,
    findings: Value,
    months: Value,
    summary: Value,
) -> Artifact {
    let mut a = artifact("findings", "table.csv", findings);
    a.context
        .related
        .insert("time_entries".into(), entries_rows.clone());
    a.context.related.insert("matter_months".into(), months);
    a.context.related.insert("summary".into(), summary);
    a
}

fn billing_config(ids: &[&str]) -> LadderConfig {
    LadderConfig {
        validators: ids.iter().map(|id| ValidatorRef::new(id)).collect(),
        ..LadderConfig::default()
    }
}

#[test]
fn billing_validators_table() -> anyhow::Result<()> {
    let entries = entries()?;
    assert_eq!(entries.len(), 753);
    let entries_rows = Value::from(
        entries
            .iter()
            .map(|(id, ..)| json!({"entry_id": id}))
            .collect::<Vec<_>>(),
    );
    let (findings, months, summary) = consistent(&entries);

    type Mutation = Box<dyn Fn(&mut Value, &mut Value, &mut Value)>;
    let cases: Vec<(&str, Mutation, Option<&str>)> = vec![
        ("consistent", Box::new(|_, _, _| {}), None),
        (
            "entry missing",
            Box::new(|f, _, _| {
                f.as_array_mut().map(|a| a.remove(5));
            }),
            Some("L0027"),
        ),
        (
            "entry twice",
            Box::new(|f, _, _| {
                if let Some(a) = f.as_array_mut() {
                    let dup = a[3].clone();
                    a.push(dup);
                }
            }),
            Some("L0027"),
        ),
        (
            "foreign entry",
            Box::new(|f, _, _| {
                f[0]["entry_id"] = json!("TE-99999");
            }),
            Some("L0027"),
        ),
        (
            "wrong delta",
            Box::new(|f, _, _| {
                f[1]["delta"] = json!("0.01");
            }),
            Some("L0028"),
        ),
        (
            "billed total off by a cent",
            Box::new(|_, _, s| {
                let c = cents(s["total_billed"].as_str().unwrap_or("0"));
                s["total_billed"] = json!(money(c + 1));
            }),
            Some("L0028"),
        ),
        (
            "overage not the months' sum",
            Box::new(|_, m, _| {
                m[1]["overage"] = json!("5.00");
            }),
            Some("L0028"),
        ),
        (
            "net total wrong",
            Box::new(|_, _, s| {
                s["total_payable"] = s["total_payable_before_caps"].clone();
            }),
            Some("L0028"),
        ),
        (
            "code count wrong",
            Box::new(|_, _, s| {
                s["findings_by_code"]["RATE"] = json!(1);
            }),
            Some("L0028"),
        ),
        (
            "count of an absent code",
            Box::new(|_, _, s| {
                s["findings_by_code"]["DUPLICATE"] = json!(2);
            }),
            Some("L0028"),
        ),
        (
            "amount not an amount",
            Box::new(|f, _, _| {
                f[2]["billed_amount"] = json!("n/a");
            }),
            Some("L0029"),
        ),
    ];
    let config = billing_config(&["billing.every_entry_once", "billing.totals_reconcile"]);
    for (name, mutate, code) in cases {
        let (mut f, mut m, mut s) = (findings.clone(), months.clone(), summary.clone());
        mutate(&mut f, &mut m, &mut s);
        let (report, _) = climb_with(
            writ_pack_billing_audit::PACK.registry(),
            config.clone(),
            findings_artifact(&entries_rows, f, m, s),
            &[],
        )?;
        let want = if code.is_some() {
            Outcome::Rejected
        } else {
            Outcome::Pass
        };
        assert_eq!(
            outcome(&report, Stage::Domain),
            want,
            "{name}: {:#?}",
            report.result(Stage::Domain)
        );
        if let Some(code) = code {
            assert!(
                codes(&report, Stage::Domain).iter().any(|c| c == code),
                "{name}: {:?}",
                codes(&report, Stage::Domain)
            );
        }
        assert_eq!(report.publishable, code.is_none(), "{name}");
    }
    Ok(())
}

#[test]
fn validators_fail_closed() -> anyhow::Result<()> {
    let findings = json!([{"entry_id": "TE-1", "findings": "", "flags": "", "billed_amount": "1.00", "payable_amount": "1.00", "delta": "0.00"}]);
    // Unknown id: L0026. Related artifacts absent: L0029.
    for (ids, code) in [
        (vec!["billing.no_such_check"], "L0026"),
        (vec!["billing.totals_reconcile"], "L0029"),
        (vec!["billing.every_entry_once"], "L0029"),
    ] {
        let (report, _) = climb_with(
            writ_pack_billing_audit::PACK.registry(),
            billing_config(&ids),
            artifact("findings", "table.csv", findings.clone()),
            &[],
        )?;
        assert_eq!(
            outcome(&report, Stage::Domain),
            Outcome::Rejected,
            "{ids:?}"
        );
        assert!(
            codes(&report, Stage::Domain).iter().any(|c| c == code),
            "{ids:?}: {:?}",
            codes(&report, Stage::Domain)
        );
    }
    Ok(())
}

#[test]
fn the_summary_can_be_the_artifact_under_validation() -> anyhow::Result<()> {
    let entries = entries()?;
    let (findings, months, summary) = consistent(&entries);
    let mut a = artifact("summary", "object.json", summary);
    a.context.related.insert("findings".into(), findings);
    a.context.related.insert("matter_months".into(), months);
    let (report, _) = climb_with(
        writ_pack_billing_audit::PACK.registry(),
        billing_config(&["billing.totals_reconcile"]),
        a,
        &[],
    )?;
    assert_eq!(
        outcome(&report, Stage::Domain),
        Outcome::Pass,
        "{:#?}",
        report.result(Stage::Domain)
    );
    Ok(())
}
