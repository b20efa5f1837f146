//! Ledger entries in their three forms, and the one function that hashes them.
//!
//! - `PendingEntry`: what the run's Durable Object records in its outbox (no chain position yet).
//! - `LedgerEntry`: a pending entry sealed into its tenant's chain (position, previous hash, own hash).
//! - `StoredEntry`: the image of one `ledger_entries` row, exactly as stored, which is what gets verified.

use crate::LedgerError;
use serde::{Deserialize, Serialize};
use writ_canon::ContentHash;

use crate::event::LedgerEvent;

/// The previous hash of a tenant's first entry: 32 zero bytes.
pub fn genesis_hash() -> ContentHash {
    ContentHash::from_bytes([0u8; 32])
}

/// An event recorded by a run, waiting in the outbox to be sealed into the tenant chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEntry {
    pub tenant: String,
    pub run_id: String,
    /// Per run, 0-based and contiguous: the run's own order of events.
    pub seq: u64,
    /// RFC 3339, supplied by the shell's clock.
    pub at: String,
    pub event: LedgerEvent,
}

/// An entry sealed into its tenant's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub tenant: String,
    /// Position in the tenant chain (0-based, contiguous): the order of appending, across all runs.
    pub chain_pos: u64,
    pub run_id: String,
    pub seq: u64,
    pub at: String,
    pub event: LedgerEvent,
    pub prev_hash: ContentHash,
    pub entry_hash: ContentHash,
}

/// One `ledger_entries` row as stored: the event as its canonical JSON text, hashes as text, integers as
/// Postgres `bigint`. Nothing here is trusted; the verifier recomputes everything from these bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub tenant: String,
    pub chain_pos: i64,
    pub run_id: String,
    pub seq: i64,
    pub at: String,
    pub event: String,
    pub prev_hash: String,
    pub entry_hash: String,
}

impl LedgerEntry {
    /// The row to insert. Fails only for positions beyond `i64::MAX`, which Postgres cannot hold.
    pub fn to_stored(&self) -> Result<StoredEntry, LedgerError> {
        let too_big = |what: &'static str, n: u64| LedgerError::OutOfRange { what, value: n };
        Ok(StoredEntry {
            tenant: self.tenant.clone(),
            chain_pos: i64::try_from(self.chain_pos)
                .map_err(|_| too_big("chain_pos", self.chain_pos))?,
            run_id: self.run_id.clone(),
            seq: i64::try_from(self.seq).map_err(|_| too_big("seq", self.seq))?,
            at: self.at.clone(),
            event: writ_canon::to_canonical_string(&self.event)?,
            prev_hash: self.prev_hash.to_string(),
            entry_hash: self.entry_hash.to_string(),
        })
    }
}

/// The fields an entry hash covers: everything but the entry hash itself.
pub struct EntryBody<'a> {
    pub tenant: &'a str,
    pub chain_pos: i64,
    pub run_id: &'a str,
    pub seq: i64,
    pub at: &'a str,
    /// The event's canonical JSON text, spliced in verbatim.
    pub event_canonical: &'a str,
    pub prev_hash: &'a ContentHash,
}

impl EntryBody<'_> {
    /// Canonical JSON of `{at, chain_pos, event, prev_hash, run_id, seq, tenant}` (keys already in JCS
    /// order). Built by splicing so the verifier hashes the stored event bytes without re-encoding them; a
    /// test checks it equals `writ_canon::to_canonical_string` of the same object.
    pub fn canonical(&self) -> Result<String, LedgerError> {
        let mut out = String::with_capacity(160 + self.event_canonical.len());
        out.push_str("{\"at\":");
        out.push_str(&writ_canon::to_canonical_string(self.at)?);
        out.push_str(",\"chain_pos\":");
        out.push_str(&self.chain_pos.to_string());
        out.push_str(",\"event\":");
        out.push_str(self.event_canonical);
        out.push_str(",\"prev_hash\":\"");
        out.push_str(&self.prev_hash.to_string());
        out.push_str("\",\"run_id\":");
        out.push_str(&writ_canon::to_canonical_string(self.run_id)?);
        out.push_str(",\"seq\":");
        out.push_str(&self.seq.to_string());
        out.push_str(",\"tenant\":");
        out.push_str(&writ_canon::to_canonical_string(self.tenant)?);
        out.push('}');
        Ok(out)
    }

    /// `blake3(prev_hash bytes ‖ canonical JSON of the body)`.
    pub fn hash(&self) -> Result<ContentHash, LedgerError> {
        let body = self.canonical()?;
        let mut hasher = blake3::Hasher::new();
        hasher.update(self.prev_hash.as_bytes());
        hasher.update(body.as_bytes());
        Ok(ContentHash::from_bytes(*hasher.finalize().as_bytes()))
    }
}
