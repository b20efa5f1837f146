//! Sealing pending entries into a tenant's chain.
//!
//! The shell reads the tenant head and the progress of the batch's runs under the tenant lock (see the
//! crate docs for the protocol), then hands them here with the pending entries; what comes back is exactly
//! what it must insert and the head it must store.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use writ_canon::ContentHash;

use crate::entry::{genesis_hash, EntryBody, LedgerEntry, PendingEntry};
use crate::validate::{check_id, check_rfc3339};
use crate::LedgerError;

/// The tip of a tenant's chain: the position the next entry takes and the hash it must link to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantHead {
    pub tenant: String,
    pub next_pos: u64,
    pub head_hash: ContentHash,
}

impl TenantHead {
    pub fn genesis(tenant: &str) -> Self {
        TenantHead {
            tenant: tenant.to_string(),
            next_pos: 0,
            head_hash: genesis_hash(),
        }
    }

    /// From a `ledger_heads` row.
    pub fn from_row(tenant: &str, next_pos: i64, head_hash: &str) -> Result<Self, LedgerError> {
        let bad = |reason: String| LedgerError::BadHead {
            tenant: tenant.to_string(),
            reason,
        };
        let next_pos =
            u64::try_from(next_pos).map_err(|_| bad(format!("next_pos {next_pos} is negative")))?;
        let head_hash = ContentHash::parse(head_hash).map_err(|e| bad(e.to_string()))?;
        if next_pos == 0 && head_hash != genesis_hash() {
            return Err(bad("an empty chain must have the genesis hash".to_string()));
        }
        Ok(TenantHead {
            tenant: tenant.to_string(),
            next_pos,
            head_hash,
        })
    }
}

/// How far a run has been written already: its owner and the seq its next entry must carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunProgress {
    pub run_id: String,
    pub tenant: String,
    pub next_seq: u64,
}

impl RunProgress {
    /// From a row of `sql::SELECT_RUN_PROGRESS` (`max(seq) + 1`).
    pub fn from_row(run_id: &str, tenant: &str, next_seq: i64) -> Result<Self, LedgerError> {
        let next_seq = u64::try_from(next_seq).map_err(|_| LedgerError::BadId {
            what: "run progress",
            value: run_id.to_string(),
            reason: "negative next seq",
        })?;
        Ok(RunProgress {
            run_id: run_id.to_string(),
            tenant: tenant.to_string(),
            next_seq,
        })
    }
}

/// What one append did with a pending entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Sealed at this chain position.
    Sealed(u64),
    /// Its (run, seq) is already in the chain (a retried flush); nothing to write.
    AlreadyWritten,
}

/// The result of sealing a batch: the rows to insert, in order, and the head to store afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedBatch {
    pub entries: Vec<LedgerEntry>,
    pub head: TenantHead,
    pub already_written: usize,
}

/// A tenant chain being extended, one pending entry at a time.
#[derive(Debug, Clone)]
pub struct Chain {
    head: TenantHead,
    next_seq: BTreeMap<String, u64>,
    sealed: Vec<LedgerEntry>,
    already_written: usize,
}

impl Chain {
    /// Resume the chain at `head`. `progress` lists the runs already in the ledger (runs absent from it
    /// start at seq 0).
    pub fn new(
        head: TenantHead,
        progress: impl IntoIterator<Item = RunProgress>,
    ) -> Result<Self, LedgerError> {
        check_id("tenant", &head.tenant)?;
        let mut next_seq = BTreeMap::new();
        for run in progress {
            if run.tenant != head.tenant {
                return Err(LedgerError::RunOfOtherTenant {
                    run_id: run.run_id,
                    owner: run.tenant,
                    tenant: head.tenant.clone(),
                });
            }
            next_seq.insert(run.run_id, run.next_seq);
        }
        Ok(Chain {
            head,
            next_seq,
            sealed: Vec::new(),
            already_written: 0,
        })
    }

    pub fn head(&self) -> &TenantHead {
        &self.head
    }

    /// Seal one pending entry, or recognise it as already written. Entries of one run must arrive in seq
    /// order without gaps; entries of different runs may interleave.
    pub fn append(&mut self, pending: PendingEntry) -> Result<Appended, LedgerError> {
        if pending.tenant != self.head.tenant {
            return Err(LedgerError::WrongTenant {
                expected: self.head.tenant.clone(),
                found: pending.tenant,
                run_id: pending.run_id,
                seq: pending.seq,
            });
        }
        check_id("run_id", &pending.run_id)?;
        check_rfc3339(&pending.at)?;
        let expected_seq = self.next_seq.get(&pending.run_id).copied().unwrap_or(0);
        if pending.seq < expected_seq {
            self.already_written += 1;
            return Ok(Appended::AlreadyWritten);
        }
        if pending.seq > expected_seq {
            return Err(LedgerError::SeqGap {
                run_id: pending.run_id,
                expected: expected_seq,
                found: pending.seq,
            });
        }
        let chain_pos = self.head.next_pos;
        let out_of_range = |what, value| LedgerError::OutOfRange { what, value };
        let pos_i64 = i64::try_from(chain_pos).map_err(|_| out_of_range("chain_pos", chain_pos))?;
        let seq_i64 = i64::try_from(pending.seq).map_err(|_| out_of_range("seq", pending.seq))?;
        let event_canonical = writ_canon::to_canonical_string(&pending.event)?;
        let prev_hash = self.head.head_hash;
        let entry_hash = EntryBody {
            tenant: &pending.tenant,
            chain_pos: pos_i64,
            run_id: &pending.run_id,
            seq: seq_i64,
            at: &pending.at,
            event_canonical: &event_canonical,
            prev_hash: &prev_hash,
        }
        .hash()?;
        self.next_seq
            .insert(pending.run_id.clone(), pending.seq.saturating_add(1));
        self.head.next_pos = chain_pos
            .checked_add(1)
            .ok_or(out_of_range("chain_pos", chain_pos))?;
        self.head.head_hash = entry_hash;
        self.sealed.push(LedgerEntry {
            tenant: pending.tenant,
            chain_pos,
            run_id: pending.run_id,
            seq: pending.seq,
            at: pending.at,
            event: pending.event,
            prev_hash,
            entry_hash,
        });
        Ok(Appended::Sealed(chain_pos))
    }

    pub fn finish(self) -> SealedBatch {
        SealedBatch {
            entries: self.sealed,
            head: self.head,
            already_written: self.already_written,
        }
    }
}

/// Seal a whole batch: `Chain::new` then `append` each entry. All or nothing: one bad entry fails the batch,
/// so that a flush never writes half of it.
pub fn seal_batch(
    head: TenantHead,
    progress: impl IntoIterator<Item = RunProgress>,
    pending: impl IntoIterator<Item = PendingEntry>,
) -> Result<SealedBatch, LedgerError> {
    let mut chain = Chain::new(head, progress)?;
    for entry in pending {
        chain.append(entry)?;
    }
    Ok(chain.finish())
}
