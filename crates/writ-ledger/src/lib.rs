//! The audit ledger: typed events, the per-tenant hash chain, its streaming verifier, and the SQL the shells
//! share. Pure: the shells (the worker's flusher, the CLI) do the I/O and pass the results in.
//!
//! # The chain
//!
//! Every tenant has one chain. Its order is the order in which entries were **appended to the chain**,
//! recorded as `chain_pos` (0, 1, 2, … per tenant, no gaps). It is not a run's order: runs of one tenant
//! interleave in the chain, while each run keeps its own `seq` (0-based, contiguous per run), which the
//! verifier also checks.
//!
//! ```text
//! entry_hash = blake3( prev_hash (32 bytes) ‖ canonical_json({at, chain_pos, event, prev_hash, run_id, seq, tenant}) )
//! ```
//!
//! `canonical_json` is `writ_canon` (RFC 8785); `prev_hash` inside the JSON is the `b3:<hex>` text, `event`
//! is the event's canonical JSON (tagged `"type": "<snake_case>"`), the chain's first entry links to 32 zero
//! bytes. The database stores the event as that canonical text, so verification recomputes every hash from
//! the stored bytes. The chain proves that nothing was changed, inserted or removed *inside* the chain; the
//! `ledger_heads` row proves where it ends (the verifier compares the two, so tail truncation is caught
//! unless the head is rewritten too, which only a superuser can do; see `migrations/README.md`).
//!
//! # Writing: the outbox and the flush protocol
//!
//! A run's Durable Object records each event locally first, as a [`PendingEntry`] with its `run_id` and
//! `seq`, and acknowledges it to the run; nothing depends on Postgres being up. A flusher later writes the
//! outbox in batches. The chain position and hashes cannot be assigned in the Durable Object: two runs of
//! the same tenant live in two objects and flush independently, and each would extend the same head. So
//! they are assigned **at flush time, under a per-tenant lock**, in one transaction (statements in
//! [`sql`]):
//!
//! 1. `ENSURE_HEAD` then `LOCK_HEAD`: `SELECT … FROM ledger_heads WHERE tenant = $1 FOR UPDATE`. A second
//!    flusher of the same tenant blocks here until the first commits or rolls back, then reads the head the
//!    first one wrote. Flushes of different tenants never wait for each other.
//! 2. `SELECT_RUN_PROGRESS`: for each run in the batch, `max(seq) + 1` already in the ledger, read under the
//!    lock, so it cannot change before commit.
//! 3. [`seal_batch`]`(head, progress, pending)`: entries whose `seq` is below their run's progress are
//!    **already written** (the batch is a retry whose first attempt committed but whose acknowledgement was
//!    lost) and are dropped *before* sealing; the rest must continue each run's seq without a gap, and get
//!    consecutive positions from the head, each linked to the previous hash.
//! 4. `INSERT_BATCH`, then `ADVANCE_HEAD` (compare-and-set on the position read in step 1), then `COMMIT`.
//!    If the insert wrote fewer rows than were sealed, or the head did not move, roll back and retry.
//!
//! Why this cannot fork the chain:
//! - Two concurrent flushes of a tenant are serialised by the row lock, and each seals on the head the
//!   previous one committed. Were the lock skipped, both would claim the same `chain_pos`, and the unique
//!   key `(tenant, chain_pos)` would fail one of them; the head compare-and-set fails it as well.
//! - A retried batch is deduplicated under the lock *before* positions are assigned. Relying on
//!   `ON CONFLICT (run_id, seq) DO NOTHING` alone would be wrong: the conflicting rows would be skipped
//!   while the rows sealed after them link to hashes that were never stored. The `ON CONFLICT` clause stays
//!   as a guard against a blind replay of the very same sealed rows, which then insert nothing.
//! - A crash anywhere before `COMMIT` leaves nothing behind; the outbox still holds the batch; the retry
//!   starts over from step 1. The Durable Object deletes outbox entries only after the commit was
//!   acknowledged, and any entry it re-sends later is recognised as already written.
//! - The lock is taken inside the transaction and released by `COMMIT`/`ROLLBACK`, so it is compatible with
//!   Hyperdrive's transaction-mode pooling (a session advisory lock would not be).
//!
//! The database adds its own guards (`migrations/V1__ledger.sql`): rows can only be inserted, an inserted
//! row must link to its predecessor's stored hash, and the head can only move forward to the stored tip.
//!
//! # Verifying
//!
//! [`TenantVerifier`] takes stored rows ([`StoredEntry`]) in chain order one at a time (constant memory in
//! the number of entries, a map of next seq per run) and reports the first [`ChainBreak`]: tenant, position,
//! run, seq, which check failed, expected and found.

mod chain;
mod entry;
mod error;
mod event;
pub mod sql;
mod validate;
mod verify;

pub use chain::{seal_batch, Appended, Chain, RunProgress, SealedBatch, TenantHead};
pub use entry::{genesis_hash, EntryBody, LedgerEntry, PendingEntry, StoredEntry};
pub use error::LedgerError;
pub use event::{
    CriterionVerdict, LedgerEvent, ReceiptSummary, RunOutcome, StageOutcome, StepOutcome,
    UsdAmount, Verdict,
};
pub use validate::{check_id, check_rfc3339, MAX_ID_BYTES};
pub use verify::{verify, BreakReason, ChainBreak, TenantSummary, TenantVerifier};
