//! The SQL the shells run, shared so that the worker (tokio-postgres over Hyperdrive) and the CLI (postgres)
//! follow one protocol. Schema: `migrations/V1__ledger.sql`. Parameter types are noted per statement.
//!
//! A flush is one transaction, in this order (see the crate docs for why):
//! `BEGIN` → [`ENSURE_HEAD`] → [`LOCK_HEAD`] → [`SELECT_RUN_PROGRESS`] → `seal_batch` →
//! [`INSERT_BATCH`] (check the row count) → [`ADVANCE_HEAD`] (check one row) → `COMMIT`.

/// Make sure the tenant has a head row to lock. `$1 text` tenant.
pub const ENSURE_HEAD: &str =
    "INSERT INTO ledger_heads (tenant) VALUES ($1) ON CONFLICT (tenant) DO NOTHING";

/// Take the per-tenant lock and read the head. Concurrent flushes of the same tenant queue here until the
/// holder commits. `$1 text` tenant → `next_pos bigint, head_hash text`.
pub const LOCK_HEAD: &str =
    "SELECT next_pos, head_hash FROM ledger_heads WHERE tenant = $1 FOR UPDATE";

/// How far each run of the batch is written, read under the lock. `$1 text[]` run ids →
/// `run_id text, tenant text, next_seq bigint`.
pub const SELECT_RUN_PROGRESS: &str =
    "SELECT run_id, tenant, max(seq) + 1 AS next_seq FROM ledger_entries \
     WHERE run_id = ANY($1) GROUP BY run_id, tenant";

/// Insert a sealed batch in one statement, rows in chain order. Parameters are parallel arrays:
/// `$1 text[]` tenant, `$2 bigint[]` chain_pos, `$3 text[]` run_id, `$4 bigint[]` seq, `$5 text[]` at,
/// `$6 text[]` event (canonical JSON), `$7 text[]` prev_hash, `$8 text[]` entry_hash.
/// `ON CONFLICT (run_id, seq) DO NOTHING` makes a blind replay harmless, but the flusher never relies on
/// it: it drops already-written entries before sealing, and rolls back if fewer rows than sealed went in.
pub const INSERT_BATCH: &str = "INSERT INTO ledger_entries \
     (tenant, chain_pos, run_id, seq, at, event, prev_hash, entry_hash) \
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], \
     $7::text[], $8::text[]) \
     ORDER BY 2 \
     ON CONFLICT (run_id, seq) DO NOTHING";

/// Move the head, compare-and-set on the position read under the lock. `$1 text` tenant,
/// `$2 bigint` new next_pos, `$3 text` new head hash, `$4 bigint` the next_pos read by `LOCK_HEAD`.
pub const ADVANCE_HEAD: &str =
    "UPDATE ledger_heads SET next_pos = $2, head_hash = $3, updated_at = now() \
     WHERE tenant = $1 AND next_pos = $4";

/// Every tenant with a head or with entries, in the byte order the verifier expects, with its head (NULL
/// when entries exist without a head row). → `tenant text, next_pos bigint NULL, head_hash text NULL`.
pub const SELECT_TENANTS: &str = "SELECT t.tenant, h.next_pos, h.head_hash FROM \
     (SELECT tenant FROM ledger_heads UNION SELECT DISTINCT tenant FROM ledger_entries) t \
     LEFT JOIN ledger_heads h ON h.tenant = t.tenant \
     ORDER BY t.tenant COLLATE \"C\"";

/// One tenant's head. `$1 text` tenant → `next_pos bigint, head_hash text`.
pub const SELECT_HEAD: &str = "SELECT next_pos, head_hash FROM ledger_heads WHERE tenant = $1";

/// One tenant's entries in chain order; run it through a portal (cursor) to stream. `$1 text` tenant →
/// the `StoredEntry` columns in field order.
pub const SELECT_CHAIN: &str =
    "SELECT tenant, chain_pos, run_id, seq, at, event, prev_hash, entry_hash \
     FROM ledger_entries WHERE tenant = $1 ORDER BY chain_pos";

/// One run's entries in seq order, optionally of one event type (the viewer's proof records). `$1 text`
/// tenant, `$2 text` run id, `$3 text NULL` event type → `seq bigint, at text, event text, entry_hash text`.
pub const SELECT_RUN_ENTRIES: &str = "SELECT seq, at, event, entry_hash FROM ledger_entries \
     WHERE tenant = $1 AND run_id = $2 AND ($3::text IS NULL OR event_type = $3) ORDER BY seq LIMIT 10000";
