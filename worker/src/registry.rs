//! The Registry Durable Object: one global instance holding tokens (hashed), the run index with idempotency
//! keys, sealed programs and schedules, in SQLite. Every read is scoped by tenant.

use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::*;

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum RegistryOp {
    Ping,
    CreateToken {
        id: String,
        tenant: String,
        name: String,
        scopes: Vec<String>,
        hash: String,
        at: String,
    },
    LookupToken {
        hash: String,
    },
    ListTokens {
        tenant: String,
    },
    RegisterRun {
        id: String,
        tenant: String,
        creator: String,
        workflow: Option<String>,
        at: String,
        idempotency_key: Option<String>,
        request_hash: String,
    },
    GetRun {
        tenant: String,
        id: String,
    },
    ListRuns {
        tenant: String,
        limit: u32,
    },
    PutProgram {
        id: String,
        tenant: String,
        run_id: String,
        hash: String,
        body: String,
        at: String,
    },
    GetProgram {
        tenant: String,
        id: String,
    },
    PutSchedule {
        id: String,
        tenant: String,
        program_id: String,
        cron: String,
        prefix: String,
        at: String,
        /// The minute the schedule starts counting due times after (its creation).
        since_ms: u64,
    },
    ListSchedules {
        tenant: Option<String>,
    },
    DeleteSchedule {
        tenant: String,
        id: String,
    },
    /// Claim a schedule's due time once: true only for the first claimant of (schedule, due); the
    /// schedule's last handled due time moves up to it.
    ClaimDue {
        id: String,
        due: String,
    },
    /// What became of a claimed due time: a run, or why none (no uploads, missed for good).
    RecordFire {
        id: String,
        due_ms: u64,
        outcome: String,
        run_id: Option<String>,
        at: String,
    },
    /// A schedule's latest fires, newest first.
    ListFires {
        tenant: String,
        id: String,
    },
    PutUpload {
        tenant: String,
        prefix: String,
        name: String,
        hash: String,
        size: u64,
        at: String,
    },
    LatestUploads {
        tenant: String,
        prefix: String,
    },
    /// A tenant's MCP server and its imported tools (`crate::mcp_tools::Server` as JSON; no secret in it).
    PutMcpServer {
        tenant: String,
        name: String,
        body: String,
        at: String,
    },
    ListMcpServers {
        tenant: String,
    },
    /// The viewer's browser sessions (session.rs).
    Session(crate::session::SessionOp),
    /// Reads for the run viewer (viewer.rs).
    Viewer(crate::viewer::ViewerOp),
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tokens (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, name TEXT NOT NULL,
  scopes TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, creator TEXT NOT NULL,
  workflow TEXT, created_at TEXT NOT NULL, idem_key TEXT, request_hash TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS runs_idem ON runs(tenant, idem_key);
CREATE TABLE IF NOT EXISTS programs (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, run_id TEXT NOT NULL,
  hash TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS schedules (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, program_id TEXT NOT NULL,
  cron TEXT NOT NULL, prefix TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS schedule_claims (schedule_id TEXT NOT NULL, due TEXT NOT NULL, PRIMARY KEY (schedule_id, due));
CREATE TABLE IF NOT EXISTS schedule_marks (schedule_id TEXT PRIMARY KEY, last_due INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS schedule_fires (schedule_id TEXT NOT NULL, due INTEGER NOT NULL, outcome TEXT NOT NULL,
  run_id TEXT, at TEXT NOT NULL, PRIMARY KEY (schedule_id, due));
CREATE TABLE IF NOT EXISTS uploads (tenant TEXT NOT NULL, prefix TEXT NOT NULL, name TEXT NOT NULL,
  hash TEXT NOT NULL, size INTEGER NOT NULL, at TEXT NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT);
CREATE TABLE IF NOT EXISTS mcp_servers (tenant TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL,
  updated_at TEXT NOT NULL, PRIMARY KEY (tenant, name));
";

#[durable_object]
pub struct Registry {
    state: State,
}

impl DurableObject for Registry {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        for stmt in SCHEMA
            .split(';')
            .chain([crate::session::SCHEMA])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            if let Err(e) = sql.exec(stmt, None) {
                console_error!("registry schema: {e}");
            }
        }
        Self { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if req.path() == "/ping" {
            self.state.storage().sql().exec("SELECT 1", None)?;
            return Response::ok("pong");
        }
        let op: RegistryOp = match req.json().await {
            Ok(op) => op,
            Err(e) => return Response::error(format!("bad registry op: {e}"), 400),
        };
        match self.apply(op) {
            Ok(v) => Response::from_json(&v),
            Err(e) => Response::error(e.to_string(), 409),
        }
    }
}

#[derive(Deserialize)]
struct TokenRow {
    id: String,
    tenant: String,
    name: String,
    scopes: String,
}

impl Registry {
    fn sql(&self) -> worker::SqlStorage {
        self.state.storage().sql()
    }

    fn rows(&self, q: &str, args: Vec<SqlStorageValue>) -> Result<Vec<Value>> {
        self.sql().exec(q, Some(args))?.to_array::<Value>()
    }

    fn apply(&self, op: RegistryOp) -> Result<Value> {
        use RegistryOp::*;
        Ok(match op {
            Ping => json!("pong"),
            CreateToken { id, tenant, name, scopes, hash, at } => {
                self.sql().exec(
                    "INSERT INTO tokens (id, tenant, name, scopes, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    Some(vec![id.clone().into(), tenant.into(), name.into(), scopes.join(",").into(), hash.into(), at.into()]),
                )?;
                json!({"id": id})
            }
            LookupToken { hash } => {
                let rows: Vec<TokenRow> = self
                    .sql()
                    .exec("SELECT id, tenant, name, scopes FROM tokens WHERE hash = ?", Some(vec![hash.into()]))?
                    .to_array()?;
                match rows.into_iter().next() {
                    Some(r) => json!({"id": r.id, "tenant": r.tenant, "name": r.name,
                        "scopes": r.scopes.split(',').filter(|s| !s.is_empty()).collect::<Vec<_>>()}),
                    None => Value::Null,
                }
            }
            ListTokens { tenant } => Value::Array(self.rows(
                "SELECT id, name, scopes, created_at FROM tokens WHERE tenant = ? ORDER BY created_at",
                vec![tenant.into()],
            )?),
            RegisterRun { id, tenant, creator, workflow, at, idempotency_key, request_hash } => {
                if let Some(key) = &idempotency_key {
                    let existing = self.rows(
                        "SELECT id, request_hash FROM runs WHERE tenant = ? AND idem_key = ?",
                        vec![tenant.clone().into(), key.clone().into()],
                    )?;
                    if let Some(row) = existing.into_iter().next() {
                        return Ok(json!({"id": row["id"], "existing": true,
                            "same_request": row["request_hash"] == Value::from(request_hash)}));
                    }
                }
                self.sql().exec(
                    "INSERT INTO runs (id, tenant, creator, workflow, created_at, idem_key, request_hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    Some(vec![id.clone().into(), tenant.into(), creator.into(), workflow.into(), at.into(), idempotency_key.into(), request_hash.into()]),
                )?;
                json!({"id": id, "existing": false, "same_request": true})
            }
            GetRun { tenant, id } => self
                .rows("SELECT id, tenant, creator, workflow, created_at FROM runs WHERE tenant = ? AND id = ?", vec![tenant.into(), id.into()])?
                .into_iter()
                .next()
                .unwrap_or(Value::Null),
            ListRuns { tenant, limit } => Value::Array(self.rows(
                "SELECT id, creator, workflow, created_at FROM runs WHERE tenant = ? ORDER BY created_at DESC LIMIT ?",
                vec![tenant.into(), (limit as i64).into()],
            )?),
            PutProgram { id, tenant, run_id, hash, body, at } => {
                self.sql().exec(
                    "INSERT OR IGNORE INTO programs (id, tenant, run_id, hash, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    Some(vec![id.clone().into(), tenant.into(), run_id.into(), hash.into(), body.into(), at.into()]),
                )?;
                json!({"id": id})
            }
            PutMcpServer { tenant, name, body, at } => {
                self.sql().exec(
                    "INSERT OR REPLACE INTO mcp_servers (tenant, name, body, updated_at) VALUES (?, ?, ?, ?)",
                    Some(vec![tenant.into(), name.clone().into(), body.into(), at.into()]),
                )?;
                json!({"name": name})
            }
            ListMcpServers { tenant } => Value::Array(self.rows(
                "SELECT name, body, updated_at FROM mcp_servers WHERE tenant = ? ORDER BY name",
                vec![tenant.into()],
            )?),
            GetProgram { tenant, id } => self
                .rows("SELECT id, run_id, hash, body, created_at FROM programs WHERE tenant = ? AND id = ?", vec![tenant.into(), id.into()])?
                .into_iter()
                .next()
                .unwrap_or(Value::Null),
            PutSchedule { id, tenant, program_id, cron, prefix, at, since_ms } => {
                self.sql().exec(
                    "INSERT INTO schedules (id, tenant, program_id, cron, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    Some(vec![id.clone().into(), tenant.into(), program_id.into(), cron.into(), prefix.into(), at.into()]),
                )?;
                self.sql().exec(
                    "INSERT OR REPLACE INTO schedule_marks (schedule_id, last_due) VALUES (?, ?)",
                    Some(vec![id.clone().into(), (since_ms as f64).into()]),
                )?;
                json!({"id": id})
            }
            ListSchedules { tenant } => Value::Array(match tenant {
                Some(t) => self.rows("SELECT s.id, s.tenant, s.program_id, s.cron, s.prefix, s.created_at, m.last_due FROM schedules s LEFT JOIN schedule_marks m ON m.schedule_id = s.id WHERE s.tenant = ? ORDER BY s.created_at", vec![t.into()])?,
                None => self.rows("SELECT s.id, s.tenant, s.program_id, s.cron, s.prefix, s.created_at, m.last_due FROM schedules s LEFT JOIN schedule_marks m ON m.schedule_id = s.id ORDER BY s.created_at", vec![])?,
            }),
            DeleteSchedule { tenant, id } => {
                let cur = self.sql().exec("DELETE FROM schedules WHERE tenant = ? AND id = ?", Some(vec![tenant.into(), id.into()]))?;
                json!({"deleted": cur.rows_written() > 0})
            }
            ClaimDue { id, due } => {
                let cur = self.sql().exec(
                    "INSERT OR IGNORE INTO schedule_claims (schedule_id, due) VALUES (?, ?)",
                    Some(vec![id.clone().into(), due.clone().into()]),
                )?;
                if let Ok(due_ms) = due.parse::<f64>() {
                    self.sql().exec(
                        "INSERT INTO schedule_marks (schedule_id, last_due) VALUES (?, ?) ON CONFLICT(schedule_id) DO UPDATE SET last_due = max(last_due, excluded.last_due)",
                        Some(vec![id.into(), due_ms.into()]),
                    )?;
                }
                json!({"claimed": cur.rows_written() > 0})
            }
            RecordFire { id, due_ms, outcome, run_id, at } => {
                self.sql().exec(
                    "INSERT OR REPLACE INTO schedule_fires (schedule_id, due, outcome, run_id, at) VALUES (?, ?, ?, ?, ?)",
                    Some(vec![id.into(), (due_ms as f64).into(), outcome.into(), run_id.map_or(SqlStorageValue::Null, Into::into), at.into()]),
                )?;
                json!({"ok": true})
            }
            ListFires { tenant, id } => Value::Array(self.rows(
                "SELECT f.due, f.outcome, f.run_id, f.at FROM schedule_fires f JOIN schedules s ON s.id = f.schedule_id WHERE s.tenant = ? AND f.schedule_id = ? ORDER BY f.due DESC LIMIT 20",
                vec![tenant.into(), id.into()],
            )?),
            PutUpload { tenant, prefix, name, hash, size, at } => {
                self.sql().exec(
                    "INSERT INTO uploads (tenant, prefix, name, hash, size, at) VALUES (?, ?, ?, ?, ?, ?)",
                    Some(vec![tenant.into(), prefix.into(), name.into(), hash.into(), (size as i64).into(), at.into()]),
                )?;
                json!({"ok": true})
            }
            Session(op) => crate::session::apply(&self.sql(), op)?,
            Viewer(op) => crate::viewer::apply(&self.sql(), op)?,
            LatestUploads { tenant, prefix } => {
                // The newest batch under the prefix: the most recently written sub-prefix, each name's newest file.
                let newest = self.rows(
                    "SELECT prefix FROM uploads WHERE tenant = ? AND substr(prefix, 1, length(?)) = ? ORDER BY seq DESC LIMIT 1",
                    vec![tenant.clone().into(), prefix.clone().into(), prefix.into()],
                )?;
                let Some(batch) = newest.into_iter().next().and_then(|r| r["prefix"].as_str().map(String::from)) else {
                    return Ok(json!({"prefix": null, "files": []}));
                };
                let files = self.rows(
                    "SELECT name, hash, size FROM uploads u WHERE tenant = ? AND prefix = ? AND seq = (SELECT max(seq) FROM uploads v WHERE v.tenant = u.tenant AND v.prefix = u.prefix AND v.name = u.name) ORDER BY name",
                    vec![tenant.into(), batch.clone().into()],
                )?;
                json!({"prefix": batch, "files": files})
            }
        })
    }
}

/// Call the global Registry.
pub async fn call(env: &Env, op: &RegistryOp) -> ApiResult<Value> {
    let ns = env.durable_object("REGISTRY")?;
    let stub = ns.id_from_name("global")?.get_stub()?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(
        serde_json::to_string(op)
            .map_err(|e| ApiError::internal(e.to_string()))?
            .into(),
    ));
    let req = Request::new_with_init("http://registry/op", &init)?;
    let mut resp = stub.fetch_with_request(req).await?;
    if resp.status_code() != 200 {
        let text = resp.text().await.unwrap_or_default();
        return Err(if resp.status_code() == 409 {
            ApiError::conflict(text)
        } else {
            ApiError::internal(format!("registry: {text}"))
        });
    }
    Ok(resp.json().await?)
}
