//! Deterministic ids. The machine never invents randomness: every id is derived from the run id, the step
//! id and a counter held in the state, so a replay derives the same ids.

/// `<run>/<step>/a<n>`: the n-th sandbox attempt of a step (n counts from 1 over the whole run, across
/// retries and repairs, so an id is never reused and a late answer for an old attempt is recognisable).
pub fn attempt_id(run: &str, step: &str, n: u32) -> String {
    format!("{run}/{step}/a{n}")
}

/// `<run>/<step>/s<k>/a<n>`: the n-th attempt of shard k (0-based) of a fan-out step.
pub fn shard_attempt_id(run: &str, step: &str, shard: u32, n: u32) -> String {
    format!("{run}/{step}/s{shard}/a{n}")
}

/// `<run>/<step>/m<n>`: the n-th merge of a fan-out step's shard outputs.
pub fn merge_id(run: &str, step: &str, n: u32) -> String {
    format!("{run}/{step}/m{n}")
}

/// `<run>/e<seq>/<k>`: the k-th ledger record emitted while handling event `seq`; the ledger outbox
/// deduplicates on it, so re-running an event's effects never writes an entry twice.
pub fn ledger_key(run: &str, seq: u64, k: u32) -> String {
    format!("{run}/e{seq}/{k}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        let cases = [
            (attempt_id("r1", "ps-1-load", 1), "r1/ps-1-load/a1"),
            (
                shard_attempt_id("r1", "ps-2-map", 3, 2),
                "r1/ps-2-map/s3/a2",
            ),
            (merge_id("r1", "ps-2-map", 1), "r1/ps-2-map/m1"),
            (ledger_key("r1", 7, 0), "r1/e7/0"),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }
}
