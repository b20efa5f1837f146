//! The run object's SQLite storage: its metadata, the event log (the truth), the ledger outbox, the blobs it
//! knows by name, in-flight sandbox work, published artifacts and the progress feed for event streams.

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use worker::{SqlStorage, SqlStorageValue};

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, entry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_keys (key TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS blobs (hash TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (attempt_id TEXT PRIMARY KEY, call TEXT NOT NULL, via_queue INTEGER NOT NULL,
  state TEXT NOT NULL, dispatched_ms REAL NOT NULL, token TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS code (hash TEXT PRIMARY KEY, source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (hash TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS artifacts (name TEXT PRIMARY KEY, step TEXT NOT NULL, slot TEXT NOT NULL,
  hash TEXT NOT NULL, kind TEXT NOT NULL, provenance_hash TEXT NOT NULL, deliverable INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outputs (hash TEXT NOT NULL, slot TEXT NOT NULL, attempt_id TEXT NOT NULL,
  step TEXT NOT NULL DEFAULT '', provenance TEXT, PRIMARY KEY (attempt_id, slot));
CREATE TABLE IF NOT EXISTS feed (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
";

pub struct Store {
    sql: SqlStorage,
}

#[derive(Deserialize)]
struct Row<T> {
    v: T,
}

impl Store {
    pub fn new(sql: SqlStorage) -> Store {
        for stmt in SCHEMA.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            if let Err(e) = sql.exec(stmt, None) {
                worker::console_error!("run store schema: {e}");
            }
        }
        Store { sql }
    }

    pub fn exec(&self, q: &str, args: Vec<SqlStorageValue>) -> worker::Result<()> {
        self.sql.exec(q, Some(args)).map(|_| ())
    }

    /// Execute and return how many rows it wrote.
    pub fn exec_written(&self, q: &str, args: Vec<SqlStorageValue>) -> worker::Result<usize> {
        Ok(self.sql.exec(q, Some(args))?.rows_written())
    }

    pub fn rows<T: DeserializeOwned>(
        &self,
        q: &str,
        args: Vec<SqlStorageValue>,
    ) -> worker::Result<Vec<T>> {
        self.sql.exec(q, Some(args))?.to_array()
    }

    pub fn get_meta<T: DeserializeOwned>(&self, key: &str) -> worker::Result<Option<T>> {
        let rows: Vec<Row<String>> =
            self.rows("SELECT v FROM meta WHERE k = ?", vec![key.into()])?;
        match rows.into_iter().next() {
            Some(r) => Ok(Some(
                serde_json::from_str(&r.v).map_err(|e| worker::Error::RustError(e.to_string()))?,
            )),
            None => Ok(None),
        }
    }

    pub fn put_meta<T: Serialize>(&self, key: &str, value: &T) -> worker::Result<()> {
        let text =
            serde_json::to_string(value).map_err(|e| worker::Error::RustError(e.to_string()))?;
        self.exec(
            "INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)",
            vec![key.into(), text.into()],
        )
    }

    pub fn append_log<T: Serialize>(&self, entry: &T) -> worker::Result<()> {
        let text =
            serde_json::to_string(entry).map_err(|e| worker::Error::RustError(e.to_string()))?;
        self.exec("INSERT INTO log (entry) VALUES (?)", vec![text.into()])
    }

    pub fn log<T: DeserializeOwned>(&self) -> worker::Result<Vec<T>> {
        #[derive(Deserialize)]
        struct E {
            entry: String,
        }
        let rows: Vec<E> = self.rows("SELECT entry FROM log ORDER BY seq", vec![])?;
        rows.into_iter()
            .map(|r| {
                serde_json::from_str(&r.entry)
                    .map_err(|e| worker::Error::RustError(format!("log entry: {e}")))
            })
            .collect()
    }

    pub fn log_len(&self) -> worker::Result<u64> {
        #[derive(Deserialize)]
        struct N {
            n: i64,
        }
        let rows: Vec<N> = self.rows("SELECT count(*) AS n FROM log", vec![])?;
        Ok(rows.first().map(|r| r.n as u64).unwrap_or(0))
    }

    pub fn feed(&self, body: &serde_json::Value) -> worker::Result<()> {
        self.exec(
            "INSERT INTO feed (body) VALUES (?)",
            vec![body.to_string().into()],
        )
    }

    pub fn feed_since(&self, after: i64) -> worker::Result<Vec<(i64, serde_json::Value)>> {
        #[derive(Deserialize)]
        struct F {
            seq: i64,
            body: String,
        }
        let rows: Vec<F> = self.rows(
            "SELECT seq, body FROM feed WHERE seq > ? ORDER BY seq",
            vec![after.into()],
        )?;
        Ok(rows
            .into_iter()
            .map(|f| (f.seq, serde_json::from_str(&f.body).unwrap_or_default()))
            .collect())
    }

    pub fn put_blob(&self, hash: &str, name: &str, kind: &str) -> worker::Result<()> {
        self.exec(
            "INSERT OR IGNORE INTO blobs (hash, name, kind) VALUES (?, ?, ?)",
            vec![hash.into(), name.into(), kind.into()],
        )
    }

    /// Records what an attempt (or a merge) produced for `slot`: its hash and its row-level provenance. Keyed
    /// by the producing attempt and slot, never by the hash alone: two steps may produce identical bytes,
    /// and each keeps its own provenance.
    pub fn put_output(
        &self,
        hash: &str,
        step: &str,
        slot: &str,
        attempt_id: &str,
        provenance: Option<String>,
    ) -> worker::Result<()> {
        self.exec(
            "INSERT OR REPLACE INTO outputs (hash, slot, attempt_id, step, provenance) VALUES (?, ?, ?, ?, ?)",
            vec![hash.into(), slot.into(), attempt_id.into(), step.into(), provenance.into()],
        )
    }

    /// The newest record of `step`'s output `slot` with this hash: (attempt id, provenance JSON text).
    pub fn output(
        &self,
        hash: &str,
        step: &str,
        slot: &str,
    ) -> worker::Result<Option<(String, Option<String>)>> {
        #[derive(Deserialize)]
        struct O {
            attempt_id: String,
            provenance: Option<String>,
        }
        let rows: Vec<O> = self.rows(
            "SELECT attempt_id, provenance FROM outputs WHERE hash = ? AND step = ? AND slot = ? ORDER BY rowid DESC LIMIT 1",
            vec![hash.into(), step.into(), slot.into()],
        )?;
        Ok(rows
            .into_iter()
            .next()
            .map(|o| (o.attempt_id, o.provenance)))
    }

    pub fn blob(&self, hash: &str) -> worker::Result<Option<(String, String)>> {
        #[derive(Deserialize)]
        struct B {
            name: String,
            kind: String,
        }
        let rows: Vec<B> = self.rows(
            "SELECT name, kind FROM blobs WHERE hash = ?",
            vec![hash.into()],
        )?;
        Ok(rows.into_iter().next().map(|b| (b.name, b.kind)))
    }
}
