//! Shared builders for the ledger tests: sample events and pending entries.
#![allow(dead_code)]

use writ_canon::ContentHash;
use writ_ledger::*;

pub fn h(label: &str) -> ContentHash {
    ContentHash::of_bytes(label.as_bytes())
}

/// One of every event kind, with deterministic contents derived from `i`.
pub fn sample_event(i: u64) -> LedgerEvent {
    let n = i.to_string();
    match i % 19 {
        0 => LedgerEvent::PlanCompiled {
            candidate_hash: h(&format!("cand{n}")),
            plan_hash: h(&format!("plan{n}")),
        },
        1 => LedgerEvent::ProfileFrozen {
            profile_hash: h(&n),
        },
        2 => LedgerEvent::RunStarted {
            plan_hash: h("p"),
            profile_hash: h("q"),
            program_hash: None,
        },
        3 => LedgerEvent::StepStarted {
            step: format!("s{n}"),
        },
        4 => LedgerEvent::AttemptStarted {
            step: format!("s{n}"),
            attempt: 1,
        },
        5 => LedgerEvent::ModelCall {
            step: Some(format!("s{n}")),
            provider: "anthropic".into(),
            model: "claude".into(),
            tokens_in: 1200 + i,
            tokens_out: 300,
            cost_usd: UsdAmount::parse("0.0042").unwrap(),
            latency_ms: 850,
            request_hash: h(&format!("req{n}")),
            response_hash: h(&format!("resp{n}")),
        },
        6 => LedgerEvent::ToolCall {
            step: None,
            tool: "fetch_rows".into(),
            args_hash: h("a"),
            result_hash: h(&n),
            ok: true,
            cost_usd: UsdAmount::zero(),
        },
        7 => LedgerEvent::AttemptFinished {
            step: format!("s{n}"),
            attempt: 1,
            receipt: ReceiptSummary {
                ok: true,
                exit_code: Some(0),
                wall_ms: 120,
                cpu_ms: 90,
                output_bytes: 2048,
                receipt_hash: h(&n),
                sandbox: None,
            },
        },
        8 => LedgerEvent::ValidationStage {
            step: format!("s{n}"),
            stage: "schema".into(),
            outcome: StageOutcome::Corrected,
            details_hash: h(&n),
        },
        9 => LedgerEvent::ArtifactPublished {
            hash: h(&n),
            kind: "table".into(),
            name: "totals.csv".into(),
            provenance_hash: h("prov"),
        },
        10 => LedgerEvent::ProofRecord {
            step: format!("s{n}"),
            verdicts: vec![
                CriterionVerdict {
                    criterion: "sums match".into(),
                    verdict: Verdict::Pass,
                },
                CriterionVerdict {
                    criterion: "no gaps".into(),
                    verdict: Verdict::Inconclusive,
                },
            ],
        },
        11 => LedgerEvent::Approval {
            step: format!("s{n}"),
            principal: "ana@example.com".into(),
        },
        12 => LedgerEvent::Rejection {
            step: format!("s{n}"),
            principal: "bo@example.com".into(),
        },
        13 => LedgerEvent::Repair {
            step: format!("s{n}"),
            reason: "KeyError: 'amount'".into(),
            patch_hash: h(&n),
        },
        14 => LedgerEvent::StepFinished {
            step: format!("s{n}"),
            outcome: StepOutcome::Succeeded,
        },
        15 => LedgerEvent::RunSealed {
            program_id: format!("prog-{n}"),
            program_hash: h(&n),
        },
        16 => LedgerEvent::BudgetStop {
            budget: "cost_usd".into(),
            limit: "1.5".into(),
            spent: "1.5012".into(),
        },
        17 => LedgerEvent::RunFinished {
            outcome: RunOutcome::Succeeded,
        },
        _ => LedgerEvent::Note {
            text: format!("note \"{n}\" — ünïcode\n"),
        },
    }
}

pub fn at(i: u64) -> String {
    format!(
        "2025-03-01T{:02}:{:02}:{:02}Z",
        (i / 3600) % 24,
        (i / 60) % 60,
        i % 60
    )
}

pub fn pending(tenant: &str, run: &str, seq: u64) -> PendingEntry {
    PendingEntry {
        tenant: tenant.into(),
        run_id: run.into(),
        seq,
        at: at(seq),
        event: sample_event(seq),
    }
}

/// `count` entries of `runs` interleaved runs of one tenant, sealed from genesis, as stored rows.
pub fn stored_chain(tenant: &str, runs: usize, count: u64) -> (Vec<StoredEntry>, TenantHead) {
    let runs = runs.max(1);
    let mut per_run = vec![0u64; runs];
    let mut batch = Vec::new();
    for i in 0..count {
        let r = (i as usize) % runs;
        batch.push(pending(tenant, &format!("run-{r}"), per_run[r]));
        per_run[r] += 1;
    }
    let sealed = seal_batch(TenantHead::genesis(tenant), [], batch).unwrap();
    let rows = sealed
        .entries
        .iter()
        .map(|e| e.to_stored().unwrap())
        .collect();
    (rows, sealed.head)
}
