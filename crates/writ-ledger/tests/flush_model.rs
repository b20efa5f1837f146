//! A model of the outbox flush protocol against a database with the schema's constraints: concurrent
//! flushes, lost acknowledgements and races never fork a tenant chain or lose or duplicate an entry.

mod common;

use std::collections::BTreeMap;

use common::*;
use proptest::prelude::*;
use writ_ledger::*;

/// The constraints of `migrations/V1__ledger.sql` that matter here, with transactional writes.
#[derive(Default)]
struct Db {
    rows: Vec<StoredEntry>,
    heads: BTreeMap<String, TenantHead>,
}

impl Db {
    /// `LOCK_HEAD` + `SELECT_RUN_PROGRESS`.
    fn read(&self, tenant: &str, runs: &[&str]) -> (TenantHead, Vec<RunProgress>) {
        let head = self
            .heads
            .get(tenant)
            .cloned()
            .unwrap_or_else(|| TenantHead::genesis(tenant));
        let mut progress: BTreeMap<&str, RunProgress> = BTreeMap::new();
        for row in self
            .rows
            .iter()
            .filter(|r| runs.contains(&r.run_id.as_str()))
        {
            let next = row.seq as u64 + 1;
            let p = progress.entry(&row.run_id).or_insert_with(|| RunProgress {
                run_id: row.run_id.clone(),
                tenant: row.tenant.clone(),
                next_seq: 0,
            });
            p.next_seq = p.next_seq.max(next);
        }
        (head, progress.into_values().collect())
    }

    /// `INSERT_BATCH` + row-count check + `ADVANCE_HEAD` compare-and-set, all or nothing.
    fn write(
        &mut self,
        tenant: &str,
        read_pos: u64,
        batch: &SealedBatch,
    ) -> Result<(), &'static str> {
        let mut inserted = Vec::new();
        for entry in &batch.entries {
            let row = entry.to_stored().unwrap();
            if self
                .rows
                .iter()
                .chain(&inserted)
                .any(|r: &StoredEntry| r.run_id == row.run_id && r.seq == row.seq)
            {
                continue; // ON CONFLICT (run_id, seq) DO NOTHING
            }
            if self
                .rows
                .iter()
                .chain(&inserted)
                .any(|r| r.tenant == row.tenant && r.chain_pos == row.chain_pos)
            {
                return Err("unique violation on (tenant, chain_pos)");
            }
            inserted.push(row);
        }
        if inserted.len() != batch.entries.len() {
            return Err("fewer rows inserted than sealed");
        }
        let current = self.heads.get(tenant).map_or(0, |h| h.next_pos);
        if current != read_pos {
            return Err("head moved");
        }
        self.rows.extend(inserted);
        self.heads.insert(tenant.to_string(), batch.head.clone());
        Ok(())
    }

    fn verify_all(&self) -> Vec<TenantSummary> {
        let mut rows = self.rows.clone();
        rows.sort_by(|a, b| {
            (a.tenant.as_bytes(), a.chain_pos).cmp(&(b.tenant.as_bytes(), b.chain_pos))
        });
        let summaries = verify(&rows).unwrap();
        for s in &summaries {
            assert_eq!(self.heads[&s.tenant].head_hash, s.head_hash);
            assert_eq!(self.heads[&s.tenant].next_pos, s.entries);
        }
        summaries
    }
}

/// A run's Durable Object outbox: entries not yet acknowledged by a committed flush.
struct Outbox {
    tenant: &'static str,
    run: &'static str,
    unacked: Vec<PendingEntry>,
}

/// A flusher that has read under (or, in a race, without) the lock and sealed, but not yet written.
struct Prepared {
    outbox: usize,
    /// The highest seq sent: a commit acknowledges everything up to it (by seq, as the Durable Object does).
    last_sent_seq: u64,
    read_pos: u64,
    batch: SealedBatch,
}

fn prepare(db: &Db, outboxes: &[Outbox], i: usize, size: usize) -> Option<Prepared> {
    let ob = &outboxes[i];
    if ob.unacked.is_empty() {
        return None;
    }
    let sent = size.min(ob.unacked.len());
    let (head, progress) = db.read(ob.tenant, &[ob.run]);
    let read_pos = head.next_pos;
    let sent_entries = ob.unacked.get(..sent)?.to_vec();
    let last_sent_seq = sent_entries.last()?.seq;
    let batch = seal_batch(head, progress, sent_entries).unwrap();
    Some(Prepared {
        outbox: i,
        last_sent_seq,
        read_pos,
        batch,
    })
}

fn commit(db: &mut Db, outboxes: &mut [Outbox], p: Prepared, ack_lost: bool) {
    let tenant = outboxes[p.outbox].tenant;
    if db.write(tenant, p.read_pos, &p.batch).is_ok() && !ack_lost {
        outboxes[p.outbox]
            .unacked
            .retain(|e| e.seq > p.last_sent_seq);
    }
}

fn outboxes(per_run: u64) -> Vec<Outbox> {
    [("acme", "run-a"), ("acme", "run-b"), ("globex", "run-c")]
        .into_iter()
        .map(|(tenant, run)| Outbox {
            tenant,
            run,
            unacked: (0..per_run).map(|s| pending(tenant, run, s)).collect(),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn any_schedule_of_flushes_forms_one_valid_chain_per_tenant(
        per_run in 1u64..12,
        schedule in prop::collection::vec((0usize..3, 1usize..5, any::<bool>(), prop::option::of(0usize..3)), 0..40),
    ) {
        let mut db = Db::default();
        let mut obs = outboxes(per_run);
        for (run, size, ack_lost, race_with) in schedule {
            match race_with {
                // Two flushers read before either writes: what a missing lock would allow.
                Some(other) => {
                    let first = prepare(&db, &obs, run, size);
                    let second = prepare(&db, &obs, other, size);
                    for p in [first, second].into_iter().flatten() {
                        commit(&mut db, &mut obs, p, ack_lost);
                    }
                }
                None => {
                    if let Some(p) = prepare(&db, &obs, run, size) {
                        commit(&mut db, &mut obs, p, ack_lost);
                    }
                }
            }
        }
        // Drain what is left, as the flusher eventually does.
        for i in 0..obs.len() {
            while let Some(p) = prepare(&db, &obs, i, 5) {
                commit(&mut db, &mut obs, p, false);
            }
        }
        let summaries = db.verify_all();
        let total: u64 = summaries.iter().map(|s| s.entries).sum();
        prop_assert_eq!(total, 3 * per_run);
        for run in ["run-a", "run-b", "run-c"] {
            let seqs: Vec<i64> = db.rows.iter().filter(|r| r.run_id == run).map(|r| r.seq).collect();
            prop_assert_eq!(seqs, (0..per_run as i64).collect::<Vec<_>>());
        }
    }
}

#[test]
fn relying_on_on_conflict_alone_would_fork_the_chain() {
    let mut db = Db::default();
    let first = seal_batch(
        TenantHead::genesis("acme"),
        [],
        (0..3).map(|s| pending("acme", "r", s)),
    )
    .unwrap();
    db.write("acme", 0, &first).unwrap();
    // A retry sealed without reading the run's progress re-seals seq 0..5 at positions 3..8; ON CONFLICT
    // would skip seq 0..3 and store seq 3 and 4 at positions 6 and 7, linked to hashes never stored.
    let naive = seal_batch(
        first.head.clone(),
        [],
        (0..5).map(|s| pending("acme", "r", s)),
    )
    .unwrap();
    assert_eq!(naive.entries[3].chain_pos, 6);
    assert_eq!(
        db.write("acme", 3, &naive),
        Err("fewer rows inserted than sealed")
    );
    // Had the row-count check not refused it, the stored chain would not verify.
    let mut rows: Vec<StoredEntry> = first
        .entries
        .iter()
        .map(|e| e.to_stored().unwrap())
        .collect();
    rows.extend(
        naive
            .entries
            .iter()
            .map(|e| e.to_stored().unwrap())
            .filter(|r| r.seq >= 3),
    );
    assert_eq!(verify(&rows).unwrap_err().reason, BreakReason::ChainPos);
    // The correct retry, with progress read under the lock, writes only what is missing.
    let (head, progress) = db.read("acme", &["r"]);
    let retry = seal_batch(head, progress, (0..5).map(|s| pending("acme", "r", s))).unwrap();
    assert_eq!(retry.already_written, 3);
    db.write("acme", 3, &retry).unwrap();
    assert_eq!(db.verify_all()[0].entries, 5);
}

#[test]
fn a_lockless_race_loses_to_the_constraints_not_to_a_fork() {
    let mut db = Db::default();
    let mut obs = outboxes(3);
    let a = prepare(&db, &obs, 0, 3).unwrap();
    let b = prepare(&db, &obs, 1, 3).unwrap();
    assert_eq!(a.batch.entries[0].chain_pos, b.batch.entries[0].chain_pos);
    commit(&mut db, &mut obs, a, false);
    let tenant = obs[b.outbox].tenant;
    assert_eq!(
        db.write(tenant, b.read_pos, &b.batch),
        Err("unique violation on (tenant, chain_pos)")
    );
    assert_eq!(obs[1].unacked.len(), 3);
    let b = prepare(&db, &obs, 1, 3).unwrap();
    assert_eq!(b.batch.entries[0].chain_pos, 3);
    commit(&mut db, &mut obs, b, false);
    assert_eq!(db.verify_all()[0].entries, 6);
}
