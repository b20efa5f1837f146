//! Streaming verification of stored chains.
//!
//! A verifier holds the last hash, the expected next position and each run's next seq: memory is constant
//! in the number of entries (it grows only with the number of distinct runs of the tenant being checked),
//! so a shell can stream millions of rows through it from a cursor.

// A break is reported once per verification, so its size on the error path does not matter.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;
use writ_canon::ContentHash;

use crate::chain::TenantHead;
use crate::entry::{genesis_hash, EntryBody, StoredEntry};

/// Why verification stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakReason {
    /// Tenants must come one after another in byte order (`ORDER BY tenant COLLATE "C", chain_pos`).
    TenantOrder,
    /// An entry of another tenant inside this tenant's chain.
    WrongTenant,
    /// The position is not the previous one plus one (a gap, a duplicate or a reordering).
    ChainPos,
    /// The stored previous hash is not the hash of the entry before it.
    PrevHash,
    /// A stored hash is not `b3:` and 64 lower-case hex digits.
    HashText,
    /// A run's seq does not continue its previous entry's seq.
    Seq,
    /// The stored event text is not canonical JSON, so its hash is not the documented one.
    EventText,
    /// The hash recomputed from the stored fields differs from the stored entry hash.
    EntryHash,
    /// The chain does not end where `ledger_heads` says (entries lost at the tail, or a moved head).
    Head,
}

impl BreakReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            BreakReason::TenantOrder => "tenant_order",
            BreakReason::WrongTenant => "wrong_tenant",
            BreakReason::ChainPos => "chain_pos",
            BreakReason::PrevHash => "prev_hash",
            BreakReason::HashText => "hash_text",
            BreakReason::Seq => "seq",
            BreakReason::EventText => "event_text",
            BreakReason::EntryHash => "entry_hash",
            BreakReason::Head => "head",
        }
    }
}

/// The first place a chain does not verify. `chain_pos` is where the entry sits in the chain order (the
/// stored value is in `found` when the position itself is wrong); `run_id` and `seq` are as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct ChainBreak {
    pub tenant: String,
    pub chain_pos: u64,
    pub run_id: Option<String>,
    pub seq: Option<i64>,
    pub reason: BreakReason,
    pub expected: String,
    pub found: String,
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tenant `{}` chain_pos {}", self.tenant, self.chain_pos)?;
        if let (Some(run), Some(seq)) = (&self.run_id, self.seq) {
            write!(f, " (run {run}, seq {seq})")?;
        }
        write!(
            f,
            ": {} mismatch: expected {}, found {}",
            self.reason.as_str(),
            self.expected,
            self.found
        )
    }
}

/// What a verified tenant chain holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantSummary {
    pub tenant: String,
    pub entries: u64,
    pub runs: usize,
    pub head_hash: ContentHash,
}

/// Verifies one tenant's entries, fed in chain order.
#[derive(Debug, Clone)]
pub struct TenantVerifier {
    tenant: String,
    next_pos: u64,
    last_hash: ContentHash,
    next_seq: HashMap<String, i64>,
}

impl TenantVerifier {
    pub fn new(tenant: &str) -> Self {
        TenantVerifier {
            tenant: tenant.to_string(),
            next_pos: 0,
            last_hash: genesis_hash(),
            next_seq: HashMap::new(),
        }
    }

    pub fn push(&mut self, entry: &StoredEntry) -> Result<(), ChainBreak> {
        let brk = |reason, expected: String, found: String| ChainBreak {
            tenant: self.tenant.clone(),
            chain_pos: self.next_pos,
            run_id: Some(entry.run_id.clone()),
            seq: Some(entry.seq),
            reason,
            expected,
            found,
        };
        if entry.tenant != self.tenant {
            return Err(brk(
                BreakReason::WrongTenant,
                self.tenant.clone(),
                entry.tenant.clone(),
            ));
        }
        if u64::try_from(entry.chain_pos).ok() != Some(self.next_pos) {
            return Err(brk(
                BreakReason::ChainPos,
                self.next_pos.to_string(),
                entry.chain_pos.to_string(),
            ));
        }
        let prev = ContentHash::parse(&entry.prev_hash).map_err(|_| {
            brk(
                BreakReason::HashText,
                "a b3: hash".to_string(),
                entry.prev_hash.clone(),
            )
        })?;
        if prev != self.last_hash {
            return Err(brk(
                BreakReason::PrevHash,
                self.last_hash.to_string(),
                entry.prev_hash.clone(),
            ));
        }
        let expected_seq = self.next_seq.get(&entry.run_id).copied().unwrap_or(0);
        if entry.seq != expected_seq {
            return Err(brk(
                BreakReason::Seq,
                expected_seq.to_string(),
                entry.seq.to_string(),
            ));
        }
        let canonical = serde_json::from_str::<serde_json::Value>(&entry.event)
            .ok()
            .and_then(|v| writ_canon::canonical_value(&v).ok());
        if canonical.as_deref() != Some(entry.event.as_str()) {
            let expected = canonical.unwrap_or_else(|| "canonical JSON".to_string());
            return Err(brk(BreakReason::EventText, expected, entry.event.clone()));
        }
        let computed = EntryBody {
            tenant: &entry.tenant,
            chain_pos: entry.chain_pos,
            run_id: &entry.run_id,
            seq: entry.seq,
            at: &entry.at,
            event_canonical: &entry.event,
            prev_hash: &prev,
        }
        .hash()
        .map_err(|e| {
            brk(
                BreakReason::EntryHash,
                "a hashable entry".to_string(),
                e.to_string(),
            )
        })?;
        if computed.to_string() != entry.entry_hash {
            return Err(brk(
                BreakReason::EntryHash,
                computed.to_string(),
                entry.entry_hash.clone(),
            ));
        }
        self.next_seq
            .insert(entry.run_id.clone(), entry.seq.saturating_add(1));
        self.next_pos += 1;
        self.last_hash = computed;
        Ok(())
    }

    /// End of this tenant's entries. With `head` (the `ledger_heads` row), also check the chain ends there:
    /// the chain alone cannot show that entries were removed from its tail.
    pub fn finish(self, head: Option<&TenantHead>) -> Result<TenantSummary, ChainBreak> {
        if let Some(head) = head {
            if head.next_pos != self.next_pos || head.head_hash != self.last_hash {
                return Err(ChainBreak {
                    tenant: self.tenant,
                    chain_pos: self.next_pos,
                    run_id: None,
                    seq: None,
                    reason: BreakReason::Head,
                    expected: format!("head at {} {}", head.next_pos, head.head_hash),
                    found: format!("chain ends at {} {}", self.next_pos, self.last_hash),
                });
            }
        }
        Ok(TenantSummary {
            tenant: self.tenant,
            entries: self.next_pos,
            runs: self.next_seq.len(),
            head_hash: self.last_hash,
        })
    }
}

/// Verify entries of one or more tenants in chain order (by tenant in byte order, then by position),
/// without head checks. Returns one summary per tenant.
pub fn verify<'a>(
    entries: impl IntoIterator<Item = &'a StoredEntry>,
) -> Result<Vec<TenantSummary>, ChainBreak> {
    let mut done = Vec::new();
    let mut current: Option<TenantVerifier> = None;
    for entry in entries {
        let switch = current.as_ref().is_none_or(|v| v.tenant != entry.tenant);
        if switch {
            if let Some(verifier) = current.take() {
                if entry.tenant.as_str() < verifier.tenant.as_str() {
                    return Err(ChainBreak {
                        tenant: entry.tenant.clone(),
                        chain_pos: 0,
                        run_id: Some(entry.run_id.clone()),
                        seq: Some(entry.seq),
                        reason: BreakReason::TenantOrder,
                        expected: format!("a tenant after `{}`", verifier.tenant),
                        found: entry.tenant.clone(),
                    });
                }
                done.push(verifier.finish(None)?);
            }
            current = Some(TenantVerifier::new(&entry.tenant));
        }
        if let Some(verifier) = current.as_mut() {
            verifier.push(entry)?;
        }
    }
    if let Some(verifier) = current {
        done.push(verifier.finish(None)?);
    }
    Ok(done)
}
