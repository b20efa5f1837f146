//! Compare the direct canonical serializer with the `Value` path on a contract-sized value.
use std::time::Instant;

#[derive(serde::Serialize, Clone)]
struct Input {
    slot: String,
    binding: String,
    producer_ref: String,
    kind: String,
    required: bool,
}
#[derive(serde::Serialize, Clone)]
struct Contract {
    slug: String,
    intent: String,
    inputs: Vec<Input>,
    outputs: Vec<Input>,
    validators: Vec<String>,
    limits: std::collections::BTreeMap<String, u64>,
}

fn main() {
    let input = Input {
        slot: "entries".into(),
        binding: "normalize_entries.entries".into(),
        producer_ref: "ps-3-normalize_entries:output:0:entries".into(),
        kind: "table.csv".into(),
        required: true,
    };
    let c = Contract {
        slug: "payable".into(),
        intent: "Compute payable amounts per section 8".into(),
        inputs: vec![input.clone(); 7],
        outputs: vec![input; 3],
        validators: vec!["workflow.keys_unique".into(); 4],
        limits: [("timeout".to_string(), 60u64), ("retries".to_string(), 2)]
            .into_iter()
            .collect(),
    };
    let n = 20_000;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(writ_canon::to_canonical_string(&c).unwrap());
    }
    let direct = t.elapsed();
    let t = Instant::now();
    for _ in 0..n {
        let v = serde_json::to_value(&c).unwrap();
        std::hint::black_box(writ_canon::canonical_value(&v).unwrap());
    }
    let via = t.elapsed();
    println!(
        "direct {:?}/op, via Value {:?}/op, ratio {:.2}",
        direct / n,
        via / n,
        via.as_secs_f64() / direct.as_secs_f64()
    );
}
