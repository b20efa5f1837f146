//! A loopback guard in front of the stack's Postgres, for `wrangler dev` only.
//!
//! wrangler 4.86's local Hyperdrive proxy opens its upstream socket without an error handler, so a refused
//! connection (Postgres stopped) kills the whole of `wrangler dev`. Hyperdrive points here instead; the gate
//! relays bytes to Postgres when it is up and, when it is not, answers like a server that cannot accept
//! connections now (SQLSTATE 57P03) and closes cleanly. The worker then sees an ordinary database error.
//! Production Hyperdrive needs none of this.

use anyhow::{Context, Result};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

const SSL_REQUEST: u32 = 80_877_103;
const GSSENC_REQUEST: u32 = 80_877_104;

pub fn run(listen: &str, upstream: &str) -> Result<()> {
    let upstream: SocketAddr = upstream
        .parse()
        .with_context(|| format!("{upstream} is not a socket address"))?;
    let listener = TcpListener::bind(listen).with_context(|| format!("binding {listen}"))?;
    eprintln!("pg-gate: {listen} -> {upstream}");
    for client in listener.incoming().flatten() {
        thread::spawn(move || handle(client, upstream));
    }
    Ok(())
}

fn handle(client: TcpStream, upstream: SocketAddr) {
    match TcpStream::connect_timeout(&upstream, Duration::from_secs(2)) {
        Ok(server) => relay(client, server),
        Err(e) => refuse(client, &format!("ledger database unavailable: {e}")),
    }
}

fn relay(client: TcpStream, server: TcpStream) {
    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let up = thread::spawn(move || pipe(client, server));
    pipe(s2, c2);
    let _ = up.join();
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let _ = io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
}

/// Answer the startup exchange with an ErrorResponse, then close without resetting the connection.
fn refuse(mut client: TcpStream, message: &str) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(2)));
    loop {
        let Some(code) = read_startup(&mut client) else {
            break;
        };
        if code == SSL_REQUEST || code == GSSENC_REQUEST {
            if client.write_all(b"N").is_err() {
                break;
            }
            continue;
        }
        let _ = client.write_all(&error_response(message));
        break;
    }
    let _ = client.shutdown(Shutdown::Write);
    // Drain what the peer still sends so that closing does not turn into a reset.
    let mut sink = [0u8; 1024];
    while matches!(client.read(&mut sink), Ok(n) if n > 0) {}
}

/// Read one startup-phase message (length-prefixed, no type byte) and return its code.
fn read_startup(client: &mut TcpStream) -> Option<u32> {
    let mut len = [0u8; 4];
    client.read_exact(&mut len).ok()?;
    let len = u32::from_be_bytes(len) as usize;
    if !(8..=10_000).contains(&len) {
        return None;
    }
    let mut body = vec![0u8; len - 4];
    client.read_exact(&mut body).ok()?;
    Some(u32::from_be_bytes([body[0], body[1], body[2], body[3]]))
}

fn error_response(message: &str) -> Vec<u8> {
    let mut fields = Vec::new();
    for (tag, value) in [
        (b'S', "FATAL"),
        (b'V', "FATAL"),
        (b'C', "57P03"),
        (b'M', message),
    ] {
        fields.push(tag);
        fields.extend_from_slice(value.as_bytes());
        fields.push(0);
    }
    fields.push(0);
    let mut out = vec![b'E'];
    out.extend_from_slice(&((fields.len() + 4) as u32).to_be_bytes());
    out.extend_from_slice(&fields);
    out
}
