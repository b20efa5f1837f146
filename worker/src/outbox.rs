//! The ledger outbox of a run: entries are recorded in the run's own SQLite first (so a Postgres outage
//! loses nothing and never stops the run), then flushed in batches to the ledger database, idempotently
//! keyed by (run, seq), in order.

use crate::clock::now_rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::run_object::RunObject;
use serde::Deserialize;
use writ_ledger::{LedgerEvent, PendingEntry};

/// Entries written per flush transaction.
const FLUSH_BATCH: usize = 500;

/// Append unless an entry with this key was appended before (the machine re-issues effects on resume).
pub fn append_keyed(obj: &RunObject, key: &str, event: LedgerEvent) -> ApiResult<()> {
    let fresh = obj.store().exec_written(
        "INSERT OR IGNORE INTO ledger_keys (key) VALUES (?)",
        vec![key.into()],
    )?;
    if fresh == 0 {
        return Ok(());
    }
    append(obj, event)
}

/// The run's next ledger seq. Kept in memory (a run appends hundreds of entries); after a restart it is
/// the larger of what the last flush stored and what the outbox still holds, so no seq is ever reused.
fn next_seq(obj: &RunObject) -> ApiResult<u64> {
    if let Some(n) = obj.ledger_seq() {
        return Ok(n);
    }
    #[derive(Deserialize)]
    struct M {
        m: Option<i64>,
    }
    let flushed: u64 = obj.store().get_meta("ledger_next_seq")?.unwrap_or(0);
    let waiting: Vec<M> = obj
        .store()
        .rows("SELECT max(seq) AS m FROM outbox", vec![])?;
    let waiting = waiting
        .first()
        .and_then(|r| r.m)
        .map(|m| m as u64 + 1)
        .unwrap_or(0);
    let n = flushed.max(waiting);
    obj.set_ledger_seq(n);
    Ok(n)
}

pub fn append(obj: &RunObject, event: LedgerEvent) -> ApiResult<()> {
    let meta = obj.meta()?;
    let seq = next_seq(obj)?;
    let entry = PendingEntry {
        tenant: meta.tenant,
        run_id: meta.run_id,
        seq,
        at: now_rfc3339(),
        event,
    };
    let text = serde_json::to_string(&entry).map_err(|e| ApiError::internal(e.to_string()))?;
    obj.store().exec(
        "INSERT INTO outbox (seq, entry) VALUES (?, ?)",
        vec![(seq as i64).into(), text.into()],
    )?;
    obj.set_ledger_seq(seq + 1);
    Ok(())
}

pub fn len(obj: &RunObject) -> ApiResult<u64> {
    #[derive(Deserialize)]
    struct N {
        n: i64,
    }
    let rows: Vec<N> = obj
        .store()
        .rows("SELECT count(*) AS n FROM outbox", vec![])?;
    Ok(rows.first().map(|r| r.n as u64).unwrap_or(0))
}

/// Total entries this run has recorded (flushed or waiting).
pub fn recorded(obj: &RunObject) -> ApiResult<u64> {
    next_seq(obj)
}

pub async fn flush(obj: &RunObject) -> ApiResult<()> {
    let meta = obj.meta()?;
    loop {
        #[derive(Deserialize)]
        struct O {
            seq: i64,
            entry: String,
        }
        let rows: Vec<O> = obj.store().rows(
            "SELECT seq, entry FROM outbox ORDER BY seq LIMIT ?",
            vec![(FLUSH_BATCH as i64).into()],
        )?;
        let Some(last) = rows.last().map(|r| r.seq) else {
            return Ok(());
        };
        let pending: Vec<PendingEntry> = rows
            .iter()
            .map(|r| {
                serde_json::from_str(&r.entry)
                    .map_err(|e| ApiError::internal(format!("outbox entry {}: {e}", r.seq)))
            })
            .collect::<ApiResult<_>>()?;
        let n = pending.len();
        crate::ledger_flush::flush(obj.env(), &meta.tenant, pending)
            .await
            .map_err(|e| ApiError::upstream(e.to_string()))?;
        // The next seq is stored before the rows that prove it go; deleted only after the commit: a lost
        // acknowledgement means a resend, which the flush recognises.
        obj.store().put_meta("ledger_next_seq", &next_seq(obj)?)?;
        obj.store()
            .exec("DELETE FROM outbox WHERE seq <= ?", vec![last.into()])?;
        if n < FLUSH_BATCH {
            return Ok(());
        }
    }
}
