//! Times each stage of the ladder on a CSV table: `cargo run --release -p writ-ladder --example ladder_timing -- FILE [VALIDATOR…]`.
use std::time::Instant;
use writ_ladder::{Artifact, Ladder, LadderConfig, ValidatorRef};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = std::fs::read_to_string(&args[0]).expect("file");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let rows: Vec<serde_json::Value> = lines
        .map(|l| {
            serde_json::Value::Object(
                header
                    .iter()
                    .zip(l.split(','))
                    .map(|(h, v)| (h.to_string(), serde_json::json!(v)))
                    .collect(),
            )
        })
        .collect();
    let value = serde_json::Value::Array(rows);
    let schema: Option<serde_json::Value> = std::env::var("SCHEMA").ok().map(|p| {
        let row: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(p).expect("schema")).expect("json");
        serde_json::json!({"type": "array", "items": row})
    });
    for (label, validators) in [
        ("no validators", vec![]),
        ("with validators", args[1..].to_vec()),
    ] {
        let config = LadderConfig {
            validators: validators.iter().map(|v| ValidatorRef::new(v)).collect(),
            schema: schema.clone(),
            ..LadderConfig::default()
        };
        let t = Instant::now();
        let mut ladder = Ladder::new(config).expect("ladder");
        let built = t.elapsed();
        let report = ladder.start(Artifact {
            name: "entries".into(),
            kind: "table.csv".into(),
            value: value.clone(),
            context: Default::default(),
        });
        println!(
            "{label}: new {:?}, climb {:?}, ok={}",
            built,
            t.elapsed() - built,
            report.is_ok()
        );
    }
}
