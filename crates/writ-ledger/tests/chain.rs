//! Sealing and verifying chains: resumption, retries, the per-run seq rules, the head check.

mod common;

use common::*;
use writ_canon::ContentHash;
use writ_ledger::*;

#[test]
fn sealed_chain_verifies_and_matches_its_head() {
    let (rows, head) = stored_chain("acme", 3, 100);
    let summaries = verify(&rows).unwrap();
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0].entries, 100);
    assert_eq!(summaries[0].runs, 3);
    assert_eq!(summaries[0].head_hash, head.head_hash);
    let mut v = TenantVerifier::new("acme");
    rows.iter().for_each(|r| v.push(r).unwrap());
    assert_eq!(v.finish(Some(&head)).unwrap().entries, 100);
    assert_eq!(rows[0].prev_hash, genesis_hash().to_string());
    assert_eq!(genesis_hash().to_string(), format!("b3:{}", "0".repeat(64)));
}

#[test]
fn entry_hash_is_blake3_of_prev_bytes_and_canonical_body() {
    let (rows, _) = stored_chain("acme", 1, 3);
    for row in &rows {
        let body = serde_json::json!({
            "tenant": row.tenant, "chain_pos": row.chain_pos, "run_id": row.run_id, "seq": row.seq,
            "at": row.at, "event": serde_json::from_str::<serde_json::Value>(&row.event).unwrap(),
            "prev_hash": row.prev_hash,
        });
        let canonical = writ_canon::canonical_value(&body).unwrap();
        let prev = ContentHash::parse(&row.prev_hash).unwrap();
        let mut bytes = prev.as_bytes().to_vec();
        bytes.extend_from_slice(canonical.as_bytes());
        assert_eq!(ContentHash::of_bytes(&bytes).to_string(), row.entry_hash);
    }
}

#[test]
fn spliced_body_equals_canonical_json_for_every_event_kind() {
    for i in 0..19 {
        let event = sample_event(i);
        let event_canonical = writ_canon::to_canonical_string(&event).unwrap();
        let prev = h("prev");
        let body = EntryBody {
            tenant: "tën\"ant",
            chain_pos: 7,
            run_id: "run/1",
            seq: i as i64,
            at: "2025-01-01T00:00:00Z",
            event_canonical: &event_canonical,
            prev_hash: &prev,
        };
        let expected = serde_json::json!({
            "tenant": "tën\"ant", "chain_pos": 7, "run_id": "run/1", "seq": i, "at": "2025-01-01T00:00:00Z",
            "event": event, "prev_hash": prev,
        });
        assert_eq!(
            body.canonical().unwrap(),
            writ_canon::canonical_value(&expected).unwrap(),
            "event {i}"
        );
    }
}

#[test]
fn golden_chain_is_stable() {
    // Pins the hash construction: a change here breaks every stored ledger.
    let (rows, head) = stored_chain("acme", 2, 4);
    let shown: Vec<_> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "chain_pos": r.chain_pos, "run_id": r.run_id, "seq": r.seq, "at": r.at, "event": r.event,
                "prev_hash": r.prev_hash, "entry_hash": r.entry_hash,
            })
        })
        .collect();
    insta::assert_json_snapshot!(
        "golden_chain",
        serde_json::json!({ "entries": shown, "head": head })
    );
}

#[test]
fn sealing_in_batches_equals_sealing_at_once() {
    let all: Vec<_> = (0..10).map(|s| pending("acme", "r1", s)).collect();
    let at_once = seal_batch(TenantHead::genesis("acme"), [], all.clone()).unwrap();
    let first = seal_batch(TenantHead::genesis("acme"), [], all[..4].to_vec()).unwrap();
    let progress = RunProgress {
        run_id: "r1".into(),
        tenant: "acme".into(),
        next_seq: 4,
    };
    let second = seal_batch(first.head.clone(), [progress], all[4..].to_vec()).unwrap();
    let mut joined = first.entries;
    joined.extend(second.entries);
    assert_eq!(joined, at_once.entries);
    assert_eq!(second.head, at_once.head);
}

#[test]
fn retried_batch_seals_only_what_is_missing() {
    let first = seal_batch(
        TenantHead::genesis("acme"),
        [],
        (0..5).map(|s| pending("acme", "r1", s)),
    )
    .unwrap();
    // The first flush committed but its acknowledgement was lost; the outbox re-sends 0..10.
    let progress = RunProgress {
        run_id: "r1".into(),
        tenant: "acme".into(),
        next_seq: 5,
    };
    let retry = seal_batch(
        first.head.clone(),
        [progress],
        (0..10).map(|s| pending("acme", "r1", s)),
    )
    .unwrap();
    assert_eq!(retry.already_written, 5);
    assert_eq!(
        retry.entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![5, 6, 7, 8, 9]
    );
    assert_eq!(retry.entries[0].chain_pos, 5);
    assert_eq!(retry.entries[0].prev_hash, first.head.head_hash);
    let rows: Vec<_> = first
        .entries
        .iter()
        .chain(&retry.entries)
        .map(|e| e.to_stored().unwrap())
        .collect();
    let mut v = TenantVerifier::new("acme");
    rows.iter().for_each(|r| v.push(r).unwrap());
    assert_eq!(v.finish(Some(&retry.head)).unwrap().entries, 10);

    // A retry of a fully written batch seals nothing and leaves the head where it was.
    let progress = RunProgress {
        run_id: "r1".into(),
        tenant: "acme".into(),
        next_seq: 10,
    };
    let again = seal_batch(
        retry.head.clone(),
        [progress],
        (0..10).map(|s| pending("acme", "r1", s)),
    )
    .unwrap();
    assert!(again.entries.is_empty());
    assert_eq!(again.head, retry.head);
}

#[test]
fn bad_batches_are_refused_whole() {
    let acme = || TenantHead::genesis("acme");
    let mut bad_at = pending("acme", "r1", 1);
    bad_at.at = "yesterday".into();
    let other_run = RunProgress {
        run_id: "r1".into(),
        tenant: "globex".into(),
        next_seq: 3,
    };
    let cases: Vec<(&str, Result<SealedBatch, LedgerError>)> = vec![
        (
            "seq gap",
            seal_batch(
                acme(),
                [],
                [pending("acme", "r1", 0), pending("acme", "r1", 2)],
            ),
        ),
        (
            "run does not start at 0",
            seal_batch(acme(), [], [pending("acme", "r1", 1)]),
        ),
        (
            "other tenant's entry",
            seal_batch(
                acme(),
                [],
                [pending("acme", "r1", 0), pending("globex", "r2", 0)],
            ),
        ),
        (
            "run owned by other tenant",
            seal_batch(acme(), [other_run], [pending("acme", "r1", 3)]),
        ),
        (
            "bad timestamp",
            seal_batch(acme(), [], [pending("acme", "r1", 0), bad_at]),
        ),
        (
            "bad run id",
            seal_batch(acme(), [], [pending("acme", "r 1", 0)]),
        ),
        (
            "bad tenant",
            seal_batch(TenantHead::genesis(""), [], [pending("", "r1", 0)]),
        ),
    ];
    let shown: Vec<String> = cases
        .into_iter()
        .map(|(name, r)| match r {
            Ok(_) => format!("{name}: accepted"),
            Err(e) => format!("{name}: [{}] {e}", e.code()),
        })
        .collect();
    insta::assert_snapshot!("bad_batches", shown.join("\n"));
}

#[test]
fn head_rows_are_parsed_strictly() {
    let zero = genesis_hash().to_string();
    assert_eq!(
        TenantHead::from_row("acme", 0, &zero).unwrap(),
        TenantHead::genesis("acme")
    );
    assert!(TenantHead::from_row("acme", -1, &zero).is_err());
    assert!(TenantHead::from_row("acme", 0, &h("x").to_string()).is_err());
    assert!(TenantHead::from_row("acme", 3, "deadbeef").is_err());
    assert_eq!(
        TenantHead::from_row("acme", 3, &h("x").to_string())
            .unwrap()
            .next_pos,
        3
    );
}

#[test]
fn truncated_tail_is_caught_by_the_head() {
    let (rows, head) = stored_chain("acme", 2, 10);
    let mut v = TenantVerifier::new("acme");
    rows[..8].iter().for_each(|r| v.push(r).unwrap());
    let brk = v.finish(Some(&head)).unwrap_err();
    assert_eq!(brk.reason, BreakReason::Head);
    assert_eq!(brk.chain_pos, 8);
}

#[test]
fn rehashed_forgery_breaks_the_next_link_or_the_head() {
    let (mut rows, head) = stored_chain("acme", 2, 10);
    for target in [3usize, 9] {
        let mut forged = rows.clone();
        forged[target].at = "2030-01-01T00:00:00Z".into();
        let r = &forged[target];
        let prev = ContentHash::parse(&r.prev_hash).unwrap();
        let body = EntryBody {
            tenant: &r.tenant,
            chain_pos: r.chain_pos,
            run_id: &r.run_id,
            seq: r.seq,
            at: &r.at,
            event_canonical: &r.event,
            prev_hash: &prev,
        };
        forged[target].entry_hash = body.hash().unwrap().to_string();
        let mut v = TenantVerifier::new("acme");
        let first_bad = forged.iter().position(|r| v.push(r).is_err());
        match first_bad {
            Some(i) => assert_eq!((i, target), (4, 3)),
            None => {
                assert_eq!(target, 9);
                assert_eq!(v.finish(Some(&head)).unwrap_err().reason, BreakReason::Head);
            }
        }
    }
    rows.clear();
}

#[test]
fn tenants_are_verified_in_byte_order() {
    let (a, _) = stored_chain("acme", 1, 3);
    let (g, _) = stored_chain("globex", 2, 4);
    let ordered: Vec<_> = a.iter().chain(&g).cloned().collect();
    let summaries = verify(&ordered).unwrap();
    assert_eq!(
        summaries
            .iter()
            .map(|s| (s.tenant.as_str(), s.entries))
            .collect::<Vec<_>>(),
        [("acme", 3), ("globex", 4)]
    );
    let reversed: Vec<_> = g.iter().chain(&a).cloned().collect();
    assert_eq!(
        verify(&reversed).unwrap_err().reason,
        BreakReason::TenantOrder
    );
    assert!(verify(&[]).unwrap().is_empty());
}

#[test]
fn break_messages() {
    let (rows, head) = stored_chain("acme", 1, 3);
    let mut tampered = rows.clone();
    tampered[1].event = tampered[1].event.replace("\"type\"", " \"type\"");
    let mut moved = rows.clone();
    moved[2].chain_pos = 5;
    let mut v = TenantVerifier::new("acme");
    v.push(&rows[0]).unwrap();
    let short = v.finish(Some(&head)).unwrap_err();
    let shown = [
        verify(&tampered).unwrap_err(),
        verify(&moved).unwrap_err(),
        short,
    ]
    .iter()
    .map(|b| b.to_string())
    .collect::<Vec<_>>()
    .join("\n");
    insta::assert_snapshot!("break_messages", shown);
}
