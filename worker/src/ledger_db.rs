//! Connections to the ledger database through Hyperdrive.
//!
//! Every connection is closed before the request that opened it ends: wrangler's local Hyperdrive proxy
//! crashes the whole of `wrangler dev` when a connection is left open, so `with_client` owns the whole
//! lifetime: connect, run the closure, drop the client, await the connection task.

use futures::channel::oneshot;
use std::future::Future;
use tokio_postgres::Client;
use worker::postgres_tls::PassthroughTls;
use worker::{Env, SecureTransport, Socket};

pub const BINDING: &str = "LEDGER_DB";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("ledger database binding: {0}")]
    Binding(String),
    #[error("ledger database unreachable: {0}")]
    Connect(String),
    #[error("ledger database query failed: {0}")]
    Query(String),
}

pub async fn with_client<T, F, Fut>(env: &Env, f: F) -> Result<T, DbError>
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = (Client, Result<T, DbError>)>,
{
    let hyperdrive = env
        .hyperdrive(BINDING)
        .map_err(|e| DbError::Binding(e.to_string()))?;
    let config: tokio_postgres::Config = hyperdrive
        .connection_string()
        .parse()
        .map_err(|e: tokio_postgres::Error| DbError::Binding(e.to_string()))?;
    let socket = Socket::builder()
        .secure_transport(SecureTransport::StartTls)
        .connect(hyperdrive.host(), hyperdrive.port())
        .map_err(|e| DbError::Connect(e.to_string()))?;
    let (client, connection) = config
        .connect_raw(socket, PassthroughTls)
        .await
        .map_err(|e| DbError::Connect(describe(&e)))?;
    let (done_tx, done_rx) = oneshot::channel();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = connection.await;
        let _ = done_tx.send(());
    });
    let (client, result) = f(client).await;
    drop(client);
    let _ = done_rx.await;
    result
}

pub async fn ping(env: &Env) -> Result<(), DbError> {
    with_client(env, |client| async move {
        let r = client
            .simple_query("SELECT 1")
            .await
            .map(|_| ())
            .map_err(|e| DbError::Query(describe(&e)));
        (client, r)
    })
    .await
}

/// tokio-postgres prints a server error as just "db error"; the server's own message is what helps.
pub fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}
