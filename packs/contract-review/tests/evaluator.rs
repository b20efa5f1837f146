//! The built-in evaluator of `contract-review.deviation`, table-driven: per clause, a standard clause and a
//! found clause (sentences with their terms, as the step program sends them), and the code and sentence the
//! rubric must give — equivalent wording none. The standards here are invented (other numbers, places and
//! wording than any data file) so that every value compared must come from the bundle.

use serde_json::{json, Value};
use writ_pack_contract_review::evaluator::{judge, RUBRIC};

/// A sentence with its quantities and places.
fn s(text: &str, quantities: &[&str], places: &[&str]) -> Value {
    json!({"text": text, "terms": {"quantities": quantities, "places": places}})
}

fn bundle(clause: &str, standard: Vec<Value>, found: Vec<Value>) -> Value {
    let found: Vec<Value> = found
        .into_iter()
        .enumerate()
        .map(|(k, mut v)| {
            v["line_start"] = json!(10 + k);
            v["line_end"] = json!(10 + k);
            v
        })
        .collect();
    json!({"rubric": RUBRIC, "item": "T-1", "question": "deviations?", "evidence": [
        {"clause": clause, "standard": {"text": "", "sentences": standard},
         "found": {"file": "T-1.txt", "line_start": 10, "line_end": 20, "text": "", "sentences": found}}
    ]})
}

fn verdict(clause: &str, standard: Vec<Value>, found: Vec<Value>) -> (Option<String>, Option<u64>) {
    let v = judge(&bundle(clause, standard, found)).unwrap_or_else(|e| panic!("{clause}: {e}"));
    let c = &v["criteria"][0];
    (
        c["deviation"].as_str().map(str::to_string),
        c["sentence"].as_u64(),
    )
}

struct Case {
    name: &'static str,
    clause: &'static str,
    standard: Vec<Value>,
    found: Vec<Value>,
    expect: Option<(&'static str, u64)>,
}

fn cases() -> Vec<Case> {
    let term_std = vec![
        s("The Agreement runs for an initial term of twenty-four (24) months from the Effective Date.", &["24 month"], &[]),
        s("Any extension needs a written amendment signed by both parties.", &[], &[]),
    ];
    let pay_std = vec![
        s("Vendor invoices Client quarterly in arrears.", &[], &[]),
        s(
            "Client pays each undisputed invoice within forty-five (45) days of receipt.",
            &["45 day"],
            &[],
        ),
    ];
    let liab_std = vec![s(
        "Save for breaches of confidentiality and the indemnities, neither party's liability exceeds the fees paid in the six (6) months before the claim.",
        &["6 month"],
        &[],
    )];
    let term_end_std = vec![
        s("Client may terminate any Statement of Work for convenience on sixty (60) days' written notice.", &["60 day"], &[]),
        s("Either party may terminate for material breach not cured within fifteen (15) days of notice.", &["15 day"], &[]),
    ];
    let law_std = vec![s(
        "The laws of the Province of Ontario govern this Agreement and the courts of Toronto have exclusive jurisdiction.",
        &[],
        &["Ontario", "Toronto"],
    )];
    let ip_std = vec![s(
        "All deliverables, and all rights in them, are owned by Client once paid for.",
        &[],
        &[],
    )];
    let indemnity_std = vec![s(
        "Vendor shall defend, indemnify and hold harmless Client against third-party claims that the services or deliverables infringe intellectual property rights, and against claims arising from Vendor's negligence or wilful misconduct.",
        &[],
        &[],
    )];
    let assign_std = vec![s(
        "Neither party may assign this Agreement without the other party's prior written consent.",
        &[],
        &[],
    )];
    vec![
        Case { name: "term reworded", clause: "TERM", standard: term_std.clone(), found: vec![
            s("The initial term is twenty-four (24) months, starting on the Effective Date.", &["24 month"], &[]),
            s("The parties may extend it only by a written amendment both of them sign.", &[], &[]),
        ], expect: None },
        Case { name: "term renews automatically", clause: "TERM", standard: term_std.clone(), found: vec![
            s("The initial term is twenty-four (24) months from the Effective Date.", &["24 month"], &[]),
            s("It then renews automatically for one-year periods unless Client objects thirty (30) days before expiry.", &["12 month", "30 day"], &[]),
        ], expect: Some(("AUTO_RENEWAL", 1)) },
        Case { name: "term renews unless notice of non-renewal", clause: "TERM", standard: term_std.clone(), found: vec![
            s("The initial term is twenty-four (24) months from the Effective Date.", &["24 month"], &[]),
            s("It renews for successive terms of the same length unless either party gives notice of non-renewal.", &[], &[]),
        ], expect: Some(("AUTO_RENEWAL", 1)) },
        Case { name: "term year to year", clause: "TERM", standard: term_std.clone(), found: vec![
            s("The Agreement runs for an initial term of twenty-four (24) months and from year to year thereafter until terminated.", &["24 month"], &[]),
        ], expect: Some(("AUTO_RENEWAL", 0)) },
        Case { name: "term length changed", clause: "TERM", standard: term_std, found: vec![
            s("The Agreement runs for an initial term of thirty-six (36) months from the Effective Date.", &["36 month"], &[]),
            s("Any extension needs a written amendment signed by both parties.", &[], &[]),
        ], expect: Some(("AUTO_RENEWAL", 0)) },
        Case { name: "payment reworded", clause: "PAYMENT", standard: pay_std.clone(), found: vec![
            s("Invoices go out quarterly in arrears and Client pays undisputed amounts within forty-five (45) days after receipt.", &["45 day"], &[]),
        ], expect: None },
        Case { name: "payment period", clause: "PAYMENT", standard: pay_std.clone(), found: vec![
            s("Vendor invoices Client quarterly in arrears.", &[], &[]),
            s("Client pays each undisputed invoice within ninety (90) days of receipt.", &["90 day"], &[]),
        ], expect: Some(("PAYMENT_TERMS", 1)) },
        Case { name: "late fees added", clause: "PAYMENT", standard: pay_std, found: vec![
            s("Vendor invoices Client quarterly in arrears.", &[], &[]),
            s("Client pays each undisputed invoice within forty-five (45) days of receipt.", &["45 day"], &[]),
            s("Unpaid balances accrue interest at two percent (2%) per month.", &["2 %"], &[]),
        ], expect: Some(("LATE_FEES", 2)) },
        Case { name: "price increase", clause: "PRICE", standard: vec![
            s("Fees are fixed for the initial term and change only by written amendment.", &[], &[]),
        ], found: vec![
            s("Vendor may adjust its fees on sixty (60) days' notice.", &["60 day"], &[]),
        ], expect: Some(("PRICE_INCREASE", 0)) },
        Case { name: "price increase negated is the standard", clause: "PRICE", standard: vec![
            s("Fees are fixed for the initial term and change only by written amendment.", &[], &[]),
        ], found: vec![
            s("Vendor may not increase or revise the fees during the initial term, except by written amendment.", &[], &[]),
        ], expect: None },
        Case { name: "price revised", clause: "PRICE", standard: vec![
            s("Fees are fixed for the initial term and change only by written amendment.", &[], &[]),
        ], found: vec![
            s("Vendor may revise its rates once a year.", &[], &[]),
        ], expect: Some(("PRICE_INCREASE", 0)) },
        Case { name: "confidentiality ends early", clause: "CONFIDENTIALITY", standard: vec![
            s("Each party keeps the other's Confidential Information secret.", &[], &[]),
            s("These duties last seven (7) years after termination.", &["84 month"], &[]),
        ], found: vec![
            s("Each party keeps the other's Confidential Information secret.", &[], &[]),
            s("These duties end on termination.", &[], &[]),
        ], expect: Some(("CONFIDENTIALITY_TERM", 1)) },
        Case { name: "breach notice open-ended", clause: "DATA_PROTECTION", standard: vec![
            s("Vendor notifies Client of any personal data breach within forty-eight (48) hours.", &["48 hour"], &[]),
        ], found: vec![
            s("Vendor notifies Client of any personal data breach without undue delay.", &[], &[]),
        ], expect: Some(("BREACH_NOTICE", 0)) },
        Case { name: "ip reworded", clause: "IP", standard: ip_std.clone(), found: vec![
            s("Once it has paid for them, Client owns all deliverables and every right in them.", &[], &[]),
        ], expect: None },
        Case { name: "ip retained", clause: "IP", standard: ip_std.clone(), found: vec![
            s("Vendor retains all rights in the deliverables and grants Client a licence to use them.", &[], &[]),
        ], expect: Some(("IP_OWNERSHIP", 0)) },
        Case { name: "ip owner changed", clause: "IP", standard: ip_std, found: vec![
            s("Vendor owns all deliverables.", &[], &[]),
            s("Client may use them internally.", &[], &[]),
        ], expect: Some(("IP_OWNERSHIP", 0)) },
        Case { name: "warranty disclaimed", clause: "WARRANTY", standard: vec![
            s("Vendor warrants conformity of deliverables for sixty (60) days after acceptance.", &["60 day"], &[]),
        ], found: vec![
            s("Deliverables are provided \"as is\" without any warranty.", &[], &[]),
        ], expect: Some(("WARRANTY_DISCLAIMER", 0)) },
        Case { name: "warranty withheld", clause: "WARRANTY", standard: vec![
            s("Vendor warrants conformity of deliverables for sixty (60) days after acceptance.", &["60 day"], &[]),
        ], found: vec![
            s("Vendor provides the deliverables without warranty of any kind.", &[], &[]),
        ], expect: Some(("WARRANTY_DISCLAIMER", 0)) },
        Case { name: "warranty shortened", clause: "WARRANTY", standard: vec![
            s("Vendor warrants conformity of deliverables for sixty (60) days after acceptance.", &["60 day"], &[]),
        ], found: vec![
            s("Vendor warrants conformity of deliverables for ten (10) days after acceptance.", &["10 day"], &[]),
        ], expect: Some(("WARRANTY_PERIOD", 0)) },
        Case { name: "indemnity reworded", clause: "INDEMNITY", standard: indemnity_std.clone(), found: vec![
            s("Vendor will defend and indemnify Client, and hold Client harmless, from third-party claims alleging that the services or deliverables infringe intellectual property rights, and from claims caused by Vendor's negligence or wilful misconduct.", &[], &[]),
        ], expect: None },
        Case { name: "indemnity mutual", clause: "INDEMNITY", standard: indemnity_std.clone(), found: vec![
            s("Each party shall defend and indemnify the other party against claims arising from its own negligence.", &[], &[]),
        ], expect: Some(("INDEMNITY_MUTUAL", 0)) },
        Case { name: "indemnity each other", clause: "INDEMNITY", standard: indemnity_std.clone(), found: vec![
            s("The parties shall indemnify each other against claims arising from their own negligence.", &[], &[]),
        ], expect: Some(("INDEMNITY_MUTUAL", 0)) },
        Case { name: "indemnity narrowed", clause: "INDEMNITY", standard: indemnity_std, found: vec![
            s("Vendor shall indemnify Client against claims that the deliverables infringe a registered trademark.", &[], &[]),
        ], expect: Some(("INDEMNITY_NARROWED", 0)) },
        Case { name: "liability reworded", clause: "LIABILITY", standard: liab_std.clone(), found: vec![
            s("Except for breaches of confidentiality and the indemnities, each party's liability is capped at the fees paid in the six (6) months before the claim.", &["6 month"], &[]),
        ], expect: None },
        Case { name: "liability carve-outs capped", clause: "LIABILITY", standard: liab_std.clone(), found: vec![
            s("Each party's liability, including for breaches of confidentiality and under the indemnities, is capped at the fees paid in the six (6) months before the claim.", &["6 month"], &[]),
        ], expect: Some(("LIABILITY_CARVEOUT", 0)) },
        Case { name: "liability cap changed", clause: "LIABILITY", standard: liab_std, found: vec![
            s("Save for breaches of confidentiality and the indemnities, neither party's liability exceeds USD 10,000.", &["USD 10000"], &[]),
        ], expect: Some(("LIABILITY_CAP", 0)) },
        Case { name: "termination reworded", clause: "TERMINATION", standard: term_end_std.clone(), found: vec![
            s("Client may end any Statement of Work for convenience by giving sixty (60) days' written notice; either party may terminate for a material breach left uncured fifteen (15) days after notice.", &["60 day", "15 day"], &[]),
        ], expect: None },
        Case { name: "no termination for convenience", clause: "TERMINATION", standard: term_end_std.clone(), found: vec![
            s("Either party may terminate for material breach not cured within fifteen (15) days of notice.", &["15 day"], &[]),
            s("Neither party may terminate for convenience.", &[], &[]),
        ], expect: Some(("NO_TERMINATION_FOR_CONVENIENCE", 1)) },
        Case { name: "convenience not permitted", clause: "TERMINATION", standard: term_end_std.clone(), found: vec![
            s("Either party may terminate for material breach not cured within fifteen (15) days of notice.", &["15 day"], &[]),
            s("Termination for convenience is not permitted.", &[], &[]),
        ], expect: Some(("NO_TERMINATION_FOR_CONVENIENCE", 1)) },
        Case { name: "termination notice", clause: "TERMINATION", standard: term_end_std, found: vec![
            s("Client may terminate any Statement of Work for convenience on one hundred and eighty (180) days' written notice.", &["180 day"], &[]),
            s("Either party may terminate for material breach not cured within fifteen (15) days of notice.", &["15 day"], &[]),
        ], expect: Some(("TERMINATION_NOTICE", 0)) },
        Case { name: "law reworded", clause: "GOVERNING_LAW", standard: law_std.clone(), found: vec![
            s("This Agreement is governed by the laws of the Province of Ontario, and the courts located in Toronto have exclusive jurisdiction.", &[], &["Ontario", "Toronto"]),
        ], expect: None },
        Case { name: "law changed", clause: "GOVERNING_LAW", standard: law_std, found: vec![
            s("This Agreement is governed by the laws of the State of Nevada, and the courts of Clark County have exclusive jurisdiction.", &[], &["Nevada", "Clark"]),
        ], expect: Some(("GOVERNING_LAW", 0)) },
        Case { name: "assignment reworded", clause: "ASSIGNMENT", standard: assign_std.clone(), found: vec![
            s("This Agreement may not be assigned by either party unless the other party consents in writing first.", &[], &[]),
        ], expect: None },
        Case { name: "assignment unilateral", clause: "ASSIGNMENT", standard: assign_std, found: vec![
            s("Vendor may assign this Agreement to its affiliates without consent.", &[], &[]),
            s("Client may not assign it without Vendor's consent.", &[], &[]),
        ], expect: Some(("ASSIGNMENT", 0)) },
        Case { name: "insurance limit", clause: "INSURANCE", standard: vec![
            s("Vendor maintains liability insurance of at least USD 3,000,000 per occurrence.", &["USD 3000000"], &[]),
        ], found: vec![
            s("Vendor maintains liability insurance of at least USD 250,000 per occurrence.", &["USD 250000"], &[]),
        ], expect: Some(("INSURANCE_LIMIT", 0)) },
    ]
}

#[test]
fn every_case_gets_the_rubric_code_and_sentence() {
    let mut failures = Vec::new();
    for case in cases() {
        let got = verdict(case.clause, case.standard, case.found);
        let want = case
            .expect
            .map(|(code, k)| (Some(code.to_string()), Some(k)))
            .unwrap_or((None, None));
        if got != want {
            failures.push(format!("{}: got {got:?}, want {want:?}", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn verdict_reasons_cite_the_evidence_and_the_excerpt_is_the_sentence() {
    let v = judge(&bundle(
        "INSURANCE",
        vec![s(
            "Vendor keeps insurance of USD 1,000,000.",
            &["USD 1000000"],
            &[],
        )],
        vec![s(
            "Vendor keeps insurance of USD 5,000.",
            &["USD 5000"],
            &[],
        )],
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["verdict"], "deviates");
    let reason = v["reasons"][0].as_str().unwrap_or("");
    assert!(
        reason.starts_with("evidence[0] INSURANCE: sentence 0 (lines 10-10)"),
        "{reason}"
    );
    assert!(
        reason.contains("USD 5000") && reason.contains("USD 1000000"),
        "{reason}"
    );
    assert_eq!(
        v["criteria"][0]["excerpt"],
        "Vendor keeps insurance of USD 5,000."
    );
}

#[test]
fn a_clause_not_located_is_reported_not_judged() {
    let args = json!({"rubric": RUBRIC, "item": "T-2", "evidence": [
        {"clause": "TERM", "standard": {"sentences": [s("Twelve (12) months.", &["12 month"], &[])]}, "found": null}
    ]});
    let v = judge(&args).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["verdict"], "incomplete");
    assert_eq!(v["criteria"][0]["located"], false);
    assert_eq!(v["criteria"][0]["deviation"], Value::Null);
}

#[test]
fn malformed_bundles_are_precise_errors() {
    let cases = [
        (json!({"rubric": RUBRIC}), "tool.args.missing", "/evidence"),
        (
            json!({"rubric": RUBRIC, "evidence": {}}),
            "tool.args.type",
            "/evidence",
        ),
        (
            json!({"rubric": RUBRIC, "evidence": [{"standard": {"sentences": []}}]}),
            "tool.args.missing",
            "/evidence/0/clause",
        ),
        (
            json!({"rubric": RUBRIC, "evidence": [{"clause": "PREAMBLE", "standard": {"sentences": []}}]}),
            "tool.args.invalid",
            "/evidence/0/clause",
        ),
        (
            json!({"rubric": RUBRIC, "evidence": [{"clause": "TERM", "standard": {"sentences": "x"}}]}),
            "tool.args.type",
            "/evidence/0/standard/sentences",
        ),
        (
            json!({"rubric": RUBRIC, "evidence": [{"clause": "TERM", "standard": {"sentences": [{"text": 3}]}}]}),
            "tool.args.type",
            "/evidence/0/standard/sentences/0/text",
        ),
        (
            json!({"rubric": RUBRIC, "evidence": [{"clause": "TERM", "standard": {"sentences": [{"text": "a", "terms": {"quantities": [1]}}]}}]}),
            "tool.args.type",
            "/evidence/0/standard/sentences/0/terms/quantities/0",
        ),
    ];
    for (args, code, pointer) in cases {
        match judge(&args) {
            Ok(v) => panic!("{args}: accepted: {v}"),
            Err(e) => assert_eq!((e.code(), e.pointer()), (code, Some(pointer)), "{args}"),
        }
    }
}
