//! Any change to any stored field of any entry is caught, at that entry.

mod common;

use common::*;
use proptest::prelude::*;
use writ_ledger::*;

/// Change field `field` of `row` so that it differs, in a way that keeps its (run_id, seq) unique in the
/// chain, so that the break can be traced back to this row.
fn tamper(row: &mut StoredEntry, field: u8, variant: u8) {
    match field {
        0 => row.tenant.push(if variant & 1 == 0 { 'x' } else { '!' }),
        1 => {
            row.chain_pos = if variant & 1 == 0 {
                row.chain_pos + 1 + i64::from(variant)
            } else {
                -1
            }
        }
        2 => row.run_id.push('~'),
        3 => row.seq += 1_000_000,
        4 => row.at = "2031-12-31T23:59:59Z".into(),
        5 => {
            row.event = match variant % 3 {
                // Same value, non-canonical spelling.
                0 => row.event.replacen(':', ": ", 1),
                // Another valid canonical event.
                1 => writ_canon::to_canonical_string(&LedgerEvent::Note {
                    text: row.event.clone(),
                })
                .unwrap(),
                // Not JSON at all.
                _ => format!("{}}}", row.event),
            }
        }
        6 => {
            row.prev_hash = if variant & 1 == 0 {
                h("forged").to_string()
            } else {
                "b3:zz".into()
            }
        }
        _ => row.entry_hash = h("forged").to_string(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn any_tampered_field_is_named_at_its_entry(
        count in 1u64..40,
        runs in 1usize..4,
        pick in any::<prop::sample::Index>(),
        field in 0u8..8,
        variant in 0u8..6,
    ) {
        let (mut rows, head) = stored_chain("acme", runs, count);
        let idx = pick.index(rows.len());
        tamper(&mut rows[idx], field, variant);
        let (run_id, seq) = (rows[idx].run_id.clone(), rows[idx].seq);

        let brk = verify(&rows).unwrap_err();
        prop_assert_eq!((brk.run_id.as_deref(), brk.seq), (Some(run_id.as_str()), Some(seq)), "{}", brk);

        let mut single = TenantVerifier::new("acme");
        let failed_at = rows.iter().position(|r| single.push(r).is_err());
        prop_assert_eq!(failed_at, Some(idx));
        // The head check alone would not have named the entry, but it must not hide the break either.
        prop_assert!(head.next_pos == count);
    }
}
