//! Cost per call against the profile's price table, exact to the pico-dollar.

use proptest::prelude::*;
use std::collections::BTreeMap;
use writ_canon::ContentHash;
use writ_models::accounting::{
    call_cost, AccountingError, BudgetExceeded, CallFacts, ModelCallRecord, Spend, Usd,
};
use writ_plan::{Budgets, ModelPrice, Phase};

fn prices() -> BTreeMap<String, ModelPrice> {
    let mut p = BTreeMap::new();
    for (m, i, o) in [
        ("claude-sonnet-4-5", 3.0, 15.0),
        ("gpt-4.1", 2.0, 8.0),
        ("o4-mini", 1.1, 4.4),
        ("tiny", 0.075, 0.3),
    ] {
        p.insert(
            m.to_string(),
            ModelPrice {
                input_usd_per_mtok: i,
                output_usd_per_mtok: o,
            },
        );
    }
    p
}

#[test]
fn costs() {
    let cases: Vec<(&str, u64, u64, Result<&str, AccountingError>)> = vec![
        ("claude-sonnet-4-5", 1_000_000, 0, Ok("3.000000")),
        ("claude-sonnet-4-5", 12_345, 678, Ok("0.047205")),
        ("gpt-4.1", 1, 1, Ok("0.000010")),
        ("o4-mini", 3, 7, Ok("0.0000341")),
        ("tiny", 10, 0, Ok("0.00000075")),
        ("tiny", 0, 0, Ok("0.000000")),
        // An unpriced model costs nothing only when it used nothing.
        ("builtin-programs", 0, 0, Ok("0.000000")),
        (
            "mystery",
            5,
            0,
            Err(AccountingError::NoPrice {
                model: "mystery".into(),
                tokens: 5,
            }),
        ),
    ];
    for (model, i, o, want) in cases {
        let got = call_cost(&prices(), model, i, o).map(|u| u.to_string());
        assert_eq!(got, want.map(str::to_string), "{model} {i}/{o}");
    }
}

#[test]
fn amounts_parse_and_print() {
    for (text, shown) in [
        ("0", "0.000000"),
        ("25", "25.000000"),
        ("0.1", "0.100000"),
        ("1.123456789", "1.123456789"),
        (".5", "0.500000"),
    ] {
        assert_eq!(
            Usd::parse(text).map(|u| u.to_string()),
            Ok(shown.to_string()),
            "{text}"
        );
    }
    for bad in ["", ".", "-1", "1e3", "0.0000000000001", "abc"] {
        assert!(Usd::parse(bad).is_err(), "{bad}");
    }
    assert!(Usd::from_f64(f64::NAN).is_err());
    assert!(Usd::from_f64(-0.5).is_err());
}

#[test]
fn records_and_budgets() -> anyhow::Result<()> {
    let facts = |model, i, o| CallFacts {
        phase: Phase::Planner,
        provider: "anthropic",
        model,
        tokens_in: i,
        tokens_out: o,
        latency_ms: 812,
        request_hash: ContentHash::of_bytes(b"req"),
        response_hash: ContentHash::of_bytes(b"resp"),
    };
    let record = ModelCallRecord::new(facts("claude-sonnet-4-5", 1000, 200), &prices())?;
    insta::assert_json_snapshot!("call_record", record);
    let budgets = Budgets {
        tokens: Some(2500),
        cost_usd: Some(0.01),
        ..Budgets::default()
    };
    let mut spend = Spend::default();
    spend.add(&record, &budgets)?;
    assert_eq!(spend.cost_usd.to_string(), "0.006000");
    let err = spend.add(&record, &budgets);
    assert!(matches!(err, Err(BudgetExceeded::Cost { .. })), "{err:?}");
    let big = ModelCallRecord::new(facts("gpt-4.1", 3000, 0), &prices())?;
    let mut fresh = Spend::default();
    assert!(matches!(
        fresh.add(&big, &budgets),
        Err(BudgetExceeded::Tokens {
            budget: 2500,
            spent: 3000
        })
    ));
    Ok(())
}

proptest! {
    /// Summing per-call costs equals the cost of the summed tokens: no drift from rounding.
    #[test]
    fn costs_add_up(calls in proptest::collection::vec((0u64..2_000_000, 0u64..200_000), 0..20)) {
        let p = prices();
        let mut sum = Usd::ZERO;
        let (mut ti, mut to) = (0u64, 0u64);
        for (i, o) in &calls {
            sum = sum.checked_add(call_cost(&p, "o4-mini", *i, *o).unwrap_or_default()).unwrap_or_default();
            ti += i;
            to += o;
        }
        prop_assert_eq!(sum, call_cost(&p, "o4-mini", ti, to).unwrap_or_default());
    }
}
