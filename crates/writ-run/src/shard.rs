//! The shard lifecycle of a fan-out step (`FanOut { over, shard_size }`).
//!
//! | from    | event                                   | to      | effects |
//! |---------|-----------------------------------------|---------|---------|
//! | (none)  | `InputsResolved { item_count: n }`      | running | one `DispatchShard` per shard: ⌈n / shard_size⌉ shards (one empty shard when n = 0) |
//! | running | `SandboxReturned` ok, outputs as declared | done  | when every shard is done: `MergeShards` |
//! | running | failed, shard retries left              | running | `DispatchShard` for this shard alone, new attempt id |
//! | running | failed, no retries left                 | failed  | the step fails (R0030); other shards are stopped |
//!
//! Shards complete independently and in any order.

use crate::effect::ShardRef;
use crate::event::OutputMeasure;
use crate::provenance::ReceiptDigest;
use crate::step::Attempt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShardState {
    Running,
    Done,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shard {
    pub range: ShardRef,
    pub state: ShardState,
    pub attempt: Attempt,
    pub failures: u32,
    pub outputs: BTreeMap<String, OutputMeasure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptDigest>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardSet {
    pub item_count: u64,
    pub shard_size: u32,
    pub shards: Vec<Shard>,
}

/// The item ranges of `item_count` items cut into shards of `shard_size` (a size of 0 is read as 1).
pub fn plan_shards(item_count: u64, shard_size: u32) -> impl Iterator<Item = ShardRef> {
    let size = u64::from(shard_size.max(1));
    let count = item_count.div_ceil(size).max(1);
    (0..count).map(move |k| ShardRef {
        index: u32::try_from(k).unwrap_or(u32::MAX),
        start: k.saturating_mul(size).min(item_count),
        end: k.saturating_add(1).saturating_mul(size).min(item_count),
    })
}

/// How many shards `plan_shards` makes.
pub fn shard_count(item_count: u64, shard_size: u32) -> u64 {
    item_count.div_ceil(u64::from(shard_size.max(1))).max(1)
}

impl ShardSet {
    pub fn running(&self) -> impl Iterator<Item = &Shard> {
        self.shards
            .iter()
            .filter(|s| s.state == ShardState::Running)
    }

    pub fn all_done(&self) -> bool {
        self.shards.iter().all(|s| s.state == ShardState::Done)
    }

    pub fn by_attempt_mut(&mut self, attempt_id: &str) -> Option<&mut Shard> {
        self.shards
            .iter_mut()
            .find(|s| s.state == ShardState::Running && s.attempt.id == attempt_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_items_exactly_once() {
        let cases: [(u64, u32, u64); 6] = [
            (0, 10, 1),
            (1, 10, 1),
            (10, 10, 1),
            (11, 10, 2),
            (753, 100, 8),
            (5, 0, 5),
        ];
        for (items, size, want) in cases {
            let shards: Vec<ShardRef> = plan_shards(items, size).collect();
            assert_eq!(shards.len() as u64, want, "{items} / {size}");
            assert_eq!(shard_count(items, size), want);
            let mut next = 0;
            for (k, s) in shards.iter().enumerate() {
                assert_eq!(s.index as usize, k);
                assert_eq!(s.start, next);
                assert!(s.end >= s.start);
                next = s.end;
            }
            assert_eq!(next, items);
        }
    }
}
