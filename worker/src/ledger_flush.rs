//! The outbox flusher: writes a run's pending ledger entries to Postgres in one transaction, sealing them
//! into the tenant's chain under the tenant's row lock (the protocol of `writ_ledger::sql`).
//! Idempotent: a batch whose first attempt committed but was not acknowledged is recognised and skipped.

use crate::ledger_db::{describe, with_client, DbError};
use tokio_postgres::Client;
use worker::Env;
use writ_ledger::{seal_batch, sql, PendingEntry, RunProgress, TenantHead};

/// Write `pending` (all of one tenant, in seq order per run); returns how many rows were inserted.
pub async fn flush(env: &Env, tenant: &str, pending: Vec<PendingEntry>) -> Result<usize, DbError> {
    if pending.is_empty() {
        return Ok(0);
    }
    let tenant = tenant.to_string();
    with_client(env, move |client| async move {
        let result = transaction(&client, &tenant, pending).await;
        if result.is_err() {
            let _ = client.simple_query("ROLLBACK").await;
        }
        (client, result)
    })
    .await
}

async fn transaction(
    client: &Client,
    tenant: &str,
    pending: Vec<PendingEntry>,
) -> Result<usize, DbError> {
    let q = |e: tokio_postgres::Error| DbError::Query(describe(&e));
    client.simple_query("BEGIN").await.map_err(q)?;
    client
        .execute(sql::ENSURE_HEAD, &[&tenant])
        .await
        .map_err(q)?;
    let head_row = client
        .query_one(sql::LOCK_HEAD, &[&tenant])
        .await
        .map_err(q)?;
    let read_pos: i64 = head_row.get(0);
    let head_hash: String = head_row.get(1);
    let head = TenantHead::from_row(tenant, read_pos, &head_hash)
        .map_err(|e| DbError::Query(e.to_string()))?;

    let mut runs: Vec<String> = pending.iter().map(|p| p.run_id.clone()).collect();
    runs.sort();
    runs.dedup();
    let progress_rows = client
        .query(sql::SELECT_RUN_PROGRESS, &[&runs])
        .await
        .map_err(q)?;
    let mut progress = Vec::new();
    for row in progress_rows {
        let run: String = row.get(0);
        let owner: String = row.get(1);
        let next: i64 = row.get(2);
        progress.push(
            RunProgress::from_row(&run, &owner, next).map_err(|e| DbError::Query(e.to_string()))?,
        );
    }
    let sealed = seal_batch(head, progress, pending).map_err(|e| DbError::Query(e.to_string()))?;
    if sealed.entries.is_empty() {
        client.simple_query("COMMIT").await.map_err(q)?;
        return Ok(0);
    }
    let mut cols: (
        Vec<String>,
        Vec<i64>,
        Vec<String>,
        Vec<i64>,
        Vec<String>,
        Vec<String>,
        Vec<String>,
        Vec<String>,
    ) = Default::default();
    for entry in &sealed.entries {
        let row = entry
            .to_stored()
            .map_err(|e| DbError::Query(e.to_string()))?;
        cols.0.push(row.tenant);
        cols.1.push(row.chain_pos);
        cols.2.push(row.run_id);
        cols.3.push(row.seq);
        cols.4.push(row.at);
        cols.5.push(row.event);
        cols.6.push(row.prev_hash);
        cols.7.push(row.entry_hash);
    }
    let inserted = client
        .execute(
            sql::INSERT_BATCH,
            &[
                &cols.0, &cols.1, &cols.2, &cols.3, &cols.4, &cols.5, &cols.6, &cols.7,
            ],
        )
        .await
        .map_err(q)?;
    if inserted as usize != sealed.entries.len() {
        return Err(DbError::Query(format!(
            "inserted {inserted} of {} sealed entries",
            sealed.entries.len()
        )));
    }
    let new_pos = i64::try_from(sealed.head.next_pos)
        .map_err(|_| DbError::Query("chain position overflow".into()))?;
    let moved = client
        .execute(
            sql::ADVANCE_HEAD,
            &[
                &tenant,
                &new_pos,
                &sealed.head.head_hash.to_string(),
                &read_pos,
            ],
        )
        .await
        .map_err(q)?;
    if moved != 1 {
        return Err(DbError::Query(
            "the tenant head moved during the flush".into(),
        ));
    }
    client.simple_query("COMMIT").await.map_err(q)?;
    Ok(inserted as usize)
}
