//! `writ ledger verify` streams each tenant's chain from Postgres through the pure verifier;
//! `writ ledger append-demo` writes entries through the same flush protocol the worker's outbox uses.

use std::process::ExitCode;

use anyhow::{bail, Context};
use postgres::{IsolationLevel, Row, Transaction};
use writ_canon::ContentHash;
use writ_ledger::{
    seal_batch, sql, BreakReason, ChainBreak, LedgerEvent, PendingEntry, RunProgress, StoredEntry,
    TenantHead, TenantSummary, TenantVerifier, UsdAmount,
};

use super::db::DatabaseArgs;

/// Rows fetched per round trip while streaming a chain.
const FETCH_ROWS: i32 = 5_000;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: LedgerCommand,
}

#[derive(clap::Subcommand)]
enum LedgerCommand {
    /// Recompute every tenant's hash chain from the stored rows; exit 1 at the first entry that does not match.
    Verify {
        /// Only this tenant.
        #[arg(long)]
        tenant: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Append demo entries for one run through the worker's flush protocol (for tests and demos).
    AppendDemo {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = "demo-run")]
        run: String,
        #[arg(long)]
        count: u64,
        /// The seq of the first entry; re-sending seqs already written is a harmless retry.
        #[arg(long, default_value_t = 0)]
        from_seq: u64,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        LedgerCommand::Verify { tenant, json, db } => verify(&db, tenant.as_deref(), json),
        LedgerCommand::AppendDemo {
            tenant,
            run,
            count,
            from_seq,
            db,
        } => {
            let at = rfc3339_now();
            let pending: Vec<PendingEntry> = (from_seq..from_seq.saturating_add(count))
                .map(|seq| PendingEntry {
                    tenant: tenant.clone(),
                    run_id: run.clone(),
                    seq,
                    at: at.clone(),
                    event: demo_event(&run, seq),
                })
                .collect();
            let mut client = db.connect()?;
            let report = flush(&mut client, &tenant, pending)?;
            println!(
                "ledger: appended {} entries for tenant {tenant} run {run} ({} already written), head {} at {}",
                report.written, report.already_written, report.head.head_hash, report.head.next_pos
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub struct FlushReport {
    pub written: usize,
    pub already_written: usize,
    pub head: TenantHead,
}

/// The outbox flush protocol (crate docs of writ-ledger): lock the tenant head, drop what is already
/// written, seal the rest on the head, insert, advance the head, commit. Any failure rolls back whole.
pub fn flush(
    client: &mut postgres::Client,
    tenant: &str,
    pending: Vec<PendingEntry>,
) -> anyhow::Result<FlushReport> {
    let mut tx = client.transaction()?;
    tx.execute(sql::ENSURE_HEAD, &[&tenant])
        .context("creating the tenant head")?;
    let row = tx
        .query_one(sql::LOCK_HEAD, &[&tenant])
        .context("locking the tenant head")?;
    let head = TenantHead::from_row(tenant, row.try_get(0)?, row.try_get(1)?)?;
    let read_pos = to_bigint(head.next_pos)?;
    let mut runs: Vec<String> = pending.iter().map(|p| p.run_id.clone()).collect();
    runs.sort();
    runs.dedup();
    let progress = tx
        .query(sql::SELECT_RUN_PROGRESS, &[&runs])
        .context("reading run progress")?
        .iter()
        .map(|r| {
            Ok(RunProgress::from_row(
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get(2)?,
            )?)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let sealed = seal_batch(head, progress, pending)?;
    if !sealed.entries.is_empty() {
        let rows = sealed
            .entries
            .iter()
            .map(|e| e.to_stored())
            .collect::<Result<Vec<_>, _>>()?;
        let column = |f: fn(&StoredEntry) -> String| rows.iter().map(f).collect::<Vec<String>>();
        let tenants = column(|r| r.tenant.clone());
        let positions: Vec<i64> = rows.iter().map(|r| r.chain_pos).collect();
        let run_ids = column(|r| r.run_id.clone());
        let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
        let ats = column(|r| r.at.clone());
        let events = column(|r| r.event.clone());
        let prevs = column(|r| r.prev_hash.clone());
        let hashes = column(|r| r.entry_hash.clone());
        let inserted = tx
            .execute(
                sql::INSERT_BATCH,
                &[
                    &tenants, &positions, &run_ids, &seqs, &ats, &events, &prevs, &hashes,
                ],
            )
            .context("inserting the sealed batch")?;
        if inserted != rows.len() as u64 {
            bail!("inserted {inserted} of {} sealed entries; rolled back (a writer bypassed the lock?)", rows.len());
        }
        let new_pos = to_bigint(sealed.head.next_pos)?;
        let moved = tx
            .execute(
                sql::ADVANCE_HEAD,
                &[
                    &tenant,
                    &new_pos,
                    &sealed.head.head_hash.to_string(),
                    &read_pos,
                ],
            )
            .context("advancing the tenant head")?;
        if moved != 1 {
            bail!("the head of tenant {tenant} moved during the flush; rolled back");
        }
    }
    tx.commit().context("committing the flush")?;
    Ok(FlushReport {
        written: sealed.entries.len(),
        already_written: sealed.already_written,
        head: sealed.head,
    })
}

fn to_bigint(n: u64) -> anyhow::Result<i64> {
    i64::try_from(n).with_context(|| format!("{n} does not fit a bigint"))
}

#[derive(serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum Outcome {
    Ok {
        tenants: Vec<TenantSummary>,
        entries: u64,
    },
    Broken {
        checked: Vec<TenantSummary>,
        r#break: ChainBreak,
    },
}

fn verify(db: &DatabaseArgs, only: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let mut client = db.connect()?;
    // One snapshot for heads and entries, so that a flush committing meanwhile is seen whole or not at all.
    let mut tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let tenants = list_tenants(&mut tx, only)?;
    let mut checked = Vec::new();
    let mut outcome = None;
    for (tenant, head) in tenants {
        match verify_tenant(&mut tx, &tenant, head)? {
            Ok(summary) => checked.push(summary),
            Err(brk) => {
                outcome = Some(Outcome::Broken {
                    checked: std::mem::take(&mut checked),
                    r#break: brk,
                });
                break;
            }
        }
    }
    tx.commit()?;
    let outcome = outcome.unwrap_or_else(|| {
        let entries = checked.iter().map(|s| s.entries).sum();
        Outcome::Ok {
            tenants: checked,
            entries,
        }
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
    }
    match outcome {
        Outcome::Ok { tenants, entries } => {
            if !json {
                for s in &tenants {
                    println!(
                        "  {}: {} entries, {} runs, head {}",
                        s.tenant, s.entries, s.runs, s.head_hash
                    );
                }
                println!("ledger OK: {} tenants, {entries} entries", tenants.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Broken { r#break, .. } => {
            if !json {
                println!("ledger BROKEN: {break}", break = r#break);
            }
            Ok(ExitCode::from(1))
        }
    }
}

/// Tenants to check with their stored heads (a head row that does not parse is reported as a break).
type HeadRow = Result<Option<TenantHead>, ChainBreak>;

fn list_tenants(
    tx: &mut Transaction<'_>,
    only: Option<&str>,
) -> anyhow::Result<Vec<(String, HeadRow)>> {
    let rows = match only {
        Some(tenant) => tx
            .query(sql::SELECT_HEAD, &[&tenant])?
            .iter()
            .map(|r| Ok((tenant.to_string(), r.try_get(0)?, r.try_get(1)?)))
            .collect::<anyhow::Result<Vec<(String, Option<i64>, Option<String>)>>>()?,
        None => tx
            .query(sql::SELECT_TENANTS, &[])?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect::<anyhow::Result<Vec<_>>>()?,
    };
    let mut out: Vec<(String, HeadRow)> = rows
        .into_iter()
        .map(|(tenant, pos, hash)| {
            let head = match (pos, hash) {
                (Some(pos), Some(hash)) => TenantHead::from_row(&tenant, pos, &hash)
                    .map(Some)
                    .map_err(|e| {
                        head_break(
                            &tenant,
                            "a valid ledger_heads row".to_string(),
                            e.to_string(),
                        )
                    }),
                _ => Ok(None),
            };
            (tenant, head)
        })
        .collect();
    if let (Some(tenant), true) = (only, out.is_empty()) {
        // No head row: still check whatever entries exist (there should be none).
        out.push((tenant.to_string(), Ok(None)));
    }
    Ok(out)
}

fn head_break(tenant: &str, expected: String, found: String) -> ChainBreak {
    ChainBreak {
        tenant: tenant.to_string(),
        chain_pos: 0,
        run_id: None,
        seq: None,
        reason: BreakReason::Head,
        expected,
        found,
    }
}

fn verify_tenant(
    tx: &mut Transaction<'_>,
    tenant: &str,
    head: HeadRow,
) -> anyhow::Result<Result<TenantSummary, ChainBreak>> {
    let head = match head {
        Ok(head) => head,
        Err(brk) => return Ok(Err(brk)),
    };
    let mut verifier = TenantVerifier::new(tenant);
    let portal = tx.bind(sql::SELECT_CHAIN, &[&tenant])?;
    loop {
        let rows = tx.query_portal(&portal, FETCH_ROWS)?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            if let Err(brk) = verifier.push(&stored_entry(row)?) {
                return Ok(Err(brk));
            }
        }
    }
    let summary = match &head {
        Some(head) => verifier.finish(Some(head)),
        // Entries without a head row: the tail cannot be checked, which is itself a break.
        None => match verifier.finish(None) {
            Ok(s) if s.entries > 0 => Err(head_break(
                tenant,
                "a ledger_heads row".to_string(),
                format!("none, with {} entries ending at {}", s.entries, s.head_hash),
            )),
            other => other,
        },
    };
    Ok(summary)
}

fn stored_entry(row: &Row) -> anyhow::Result<StoredEntry> {
    Ok(StoredEntry {
        tenant: row.try_get(0)?,
        chain_pos: row.try_get(1)?,
        run_id: row.try_get(2)?,
        seq: row.try_get(3)?,
        at: row.try_get(4)?,
        event: row.try_get(5)?,
        prev_hash: row.try_get(6)?,
        entry_hash: row.try_get(7)?,
    })
}

/// A plausible run's events, cycling through a few kinds, derived from the run and seq.
fn demo_event(run: &str, seq: u64) -> LedgerEvent {
    let hash = |label: &str| ContentHash::of_bytes(format!("{run}/{seq}/{label}").as_bytes());
    match seq % 4 {
        0 => LedgerEvent::StepStarted {
            step: format!("step-{}", seq / 4),
        },
        1 => LedgerEvent::ModelCall {
            step: Some(format!("step-{}", seq / 4)),
            provider: "builtin".into(),
            model: "deterministic".into(),
            tokens_in: 0,
            tokens_out: 0,
            cost_usd: UsdAmount::zero(),
            latency_ms: 1,
            request_hash: hash("request"),
            response_hash: hash("response"),
        },
        2 => LedgerEvent::ToolCall {
            step: Some(format!("step-{}", seq / 4)),
            tool: "demo_tool".into(),
            args_hash: hash("args"),
            result_hash: hash("result"),
            ok: true,
            cost_usd: UsdAmount::zero(),
        },
        _ => LedgerEvent::Note {
            text: format!("demo entry {seq} of {run}"),
        },
    }
}

/// The current time as RFC 3339 UTC with milliseconds (the CLI is a shell: it may read the clock).
fn rfc3339_now() -> String {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = writ_cron::civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_rfc3339() {
        assert!(writ_ledger::check_rfc3339(&rfc3339_now()).is_ok());
    }
}
