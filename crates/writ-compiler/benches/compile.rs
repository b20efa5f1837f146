//! `cargo bench -p writ-compiler`: median compile time of generated plans of 10, 100, 400 and 4,000 steps
//! (JSON text in, frozen plan out), and the cost per step and per edge, to show it stays linear.

use std::hint::black_box;
use std::time::Instant;
use writ_catalog::{Catalog, DEFAULT_PROFILE};

/// A layered plan: each step reads the two previous steps (or the run input), every fifth step expects
/// JSON rows so the compiler inserts adapters, and the last step publishes.
fn generated(n: usize) -> (String, usize) {
    let mut steps = Vec::with_capacity(n);
    let mut edges = 0;
    for i in 0..n {
        let mut inputs = serde_json::Map::new();
        if i == 0 {
            inputs.insert("rows".into(), "run.rows".into());
        } else {
            let from = format!("s{}.out", i - 1);
            let spec = if i % 5 == 0 {
                serde_json::json!({"from": from, "kind": "table.json_rows"})
            } else {
                serde_json::json!(from)
            };
            inputs.insert("prev".into(), spec);
            edges += 1;
            if i >= 2 {
                inputs.insert("older".into(), format!("s{}.out", i - 2).into());
                edges += 1;
            }
        }
        let mut output = serde_json::json!({"slot": "out", "kind": "table.csv"});
        if i + 1 == n {
            output = serde_json::json!({"slot": "out", "kind": "table.csv", "publish": true, "name": "out.csv"});
        }
        steps.push(serde_json::json!({
            "id": format!("s{i}"), "intent": format!("Step {i}."), "kind": "code",
            "inputs": inputs, "outputs": [output], "skills": ["csv_profile.profile"], "timeout_seconds": 60
        }));
    }
    let plan = serde_json::json!({
        "objective": "A generated plan.", "domain": "data-merge-transform", "workflow": "normalize-transform",
        "policy": "provenance", "inputs": [{"name": "rows", "kind": "table.csv"}], "steps": steps
    });
    (plan.to_string(), edges)
}

fn median_ms(
    text: &str,
    catalog: &Catalog,
    profile: &writ_plan::ExecutionProfile,
    runs: usize,
) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let compiled = writ_compiler::compile(black_box(text), catalog, profile);
            assert!(
                compiled.frozen.is_some(),
                "{:?}",
                compiled.diagnostics.first()
            );
            black_box(compiled);
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    let catalog = Catalog::builtin();
    let profile = catalog
        .profile(DEFAULT_PROFILE)
        .expect("profile")
        .profile
        .clone();
    println!(
        "{:>6} {:>6} {:>11} {:>16}",
        "steps", "edges", "median ms", "µs/(step+edge)"
    );
    let mut per_unit = Vec::new();
    for (n, runs) in [(10, 201), (100, 101), (400, 51), (4000, 11)] {
        let (text, edges) = generated(n);
        let ms = median_ms(&text, catalog, &profile, runs);
        let unit = ms * 1e3 / (n + edges) as f64;
        per_unit.push((n, unit));
        println!("{n:>6} {edges:>6} {ms:>11.3} {unit:>16.3}");
        if n == 400 {
            println!(
                "       target: 400 steps < 5 ms: {}",
                if ms < 5.0 { "met" } else { "NOT met" }
            );
        }
    }
    // Where the time goes, for 400 steps.
    let (text, _) = generated(400);
    let time = |f: &dyn Fn()| {
        let mut t: Vec<f64> = (0..51)
            .map(|_| {
                let s = Instant::now();
                f();
                s.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    };
    let value = writ_compiler::normalize::parse_text(&text).expect("json");
    let (normalized, _) = writ_compiler::normalize::normalize(&value);
    let normalized = normalized.expect("normalized");
    let (resolution, _) = writ_compiler::resolve::resolve(&normalized, catalog, &profile);
    let (bound, _) = writ_compiler::bind::bind(&normalized, catalog);
    println!("400 steps by pass (ms): parse {:.3}, normalise {:.3}, resolve {:.3}, bind {:.3}, policy {:.3}, freeze {:.3}",
        time(&|| { black_box(writ_compiler::normalize::parse_text(&text).ok()); }),
        time(&|| { black_box(writ_compiler::normalize::normalize(&value)); }),
        time(&|| { black_box(writ_compiler::resolve::resolve(&normalized, catalog, &profile)); }),
        time(&|| { black_box(writ_compiler::bind::bind(&normalized, catalog)); }),
        time(&|| { black_box(writ_compiler::policy::check(&normalized, &resolution, &bound, &profile)); }),
        time(&|| { black_box(writ_compiler::freeze::freeze(&normalized, &resolution, &bound, &profile)); }),
    );
    if let (Some((_, small)), Some((_, large))) = (per_unit.get(1), per_unit.last()) {
        println!(
            "cost per (step+edge), 4000 vs 100 steps: {:.2}x (1.0 = linear)",
            large / small
        );
    }
}
