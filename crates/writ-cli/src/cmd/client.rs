//! The worker's REST API, as the CLI calls it: `WRIT_API` and `WRIT_TOKEN` (written by `cargo xtask up`
//! into `.writ/env`), problem+json errors turned into readable messages.

use anyhow::{anyhow, Context, Result};
use serde_json::Value;
use std::time::Duration;

pub struct Client {
    base: String,
    token: String,
    agent: ureq::Agent,
}

impl Client {
    pub fn from_env() -> Result<Client> {
        let base = std::env::var("WRIT_API")
            .context("WRIT_API is not set (run `cargo xtask up && . .writ/env`)")?;
        let token =
            std::env::var("WRIT_TOKEN").context("WRIT_TOKEN is not set (run `. .writ/env`)")?;
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(120))
            .build();
        Ok(Client {
            base: base.trim_end_matches('/').to_string(),
            token,
            agent,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn auth(&self, req: ureq::Request) -> ureq::Request {
        req.set("authorization", &format!("Bearer {}", self.token))
    }

    pub fn get(&self, path: &str) -> Result<Value> {
        read(self.auth(self.agent.get(&self.url(path))).call(), path)
    }

    pub fn get_bytes(&self, path: &str) -> Result<Vec<u8>> {
        match self.auth(self.agent.get(&self.url(path))).call() {
            Ok(resp) => {
                let mut out = Vec::new();
                std::io::Read::read_to_end(&mut resp.into_reader(), &mut out)?;
                Ok(out)
            }
            Err(e) => Err(problem(e, path)),
        }
    }

    pub fn post(&self, path: &str, body: &Value) -> Result<Value> {
        read(
            self.auth(self.agent.post(&self.url(path)))
                .send_json(body.clone()),
            path,
        )
    }

    pub fn post_with(&self, path: &str, body: &Value, headers: &[(&str, &str)]) -> Result<Value> {
        let mut req = self.auth(self.agent.post(&self.url(path)));
        for (k, v) in headers {
            req = req.set(k, v);
        }
        read(req.send_json(body.clone()), path)
    }

    pub fn post_bytes(&self, path: &str, bytes: &[u8]) -> Result<Value> {
        let req = self
            .auth(self.agent.post(&self.url(path)))
            .set("content-type", "application/octet-stream");
        read(req.send_bytes(bytes), path)
    }

    pub fn delete(&self, path: &str) -> Result<Value> {
        read(self.auth(self.agent.delete(&self.url(path))).call(), path)
    }

    /// Server-sent events, one callback per `data:` payload; stops when the callback says so.
    pub fn events(&self, path: &str, mut on: impl FnMut(&str, &Value) -> bool) -> Result<()> {
        let resp = self
            .auth(self.agent.get(&self.url(path)))
            .set("accept", "text/event-stream")
            .call()
            .map_err(|e| problem(e, path))?;
        let reader = std::io::BufReader::new(resp.into_reader());
        let mut event = String::from("message");
        for line in std::io::BufRead::lines(reader) {
            let line = line?;
            if let Some(name) = line.strip_prefix("event:") {
                event = name.trim().to_string();
            } else if let Some(data) = line.strip_prefix("data:") {
                let value: Value = serde_json::from_str(data.trim()).unwrap_or(Value::Null);
                if !on(&event, &value) {
                    return Ok(());
                }
                event = "message".into();
            }
        }
        Ok(())
    }
}

fn read(result: Result<ureq::Response, ureq::Error>, path: &str) -> Result<Value> {
    match result {
        Ok(resp) => {
            let text = resp.into_string()?;
            if text.is_empty() {
                return Ok(Value::Null);
            }
            serde_json::from_str(&text).with_context(|| format!("{path}: the answer is not JSON"))
        }
        Err(e) => Err(problem(e, path)),
    }
}

fn problem(e: ureq::Error, path: &str) -> anyhow::Error {
    match e {
        ureq::Error::Status(code, resp) => {
            let text = resp.into_string().unwrap_or_default();
            match serde_json::from_str::<Value>(&text) {
                Ok(p) => {
                    let mut msg = format!(
                        "{code} {}: {}",
                        p["title"].as_str().unwrap_or(""),
                        p["detail"].as_str().unwrap_or(&text)
                    );
                    if let Some(ptr) = p["pointer"].as_str() {
                        msg.push_str(&format!(" (at {ptr})"));
                    }
                    // A refusal of the run machine names its diagnostic code (docs/diagnostics/<code>.md).
                    if let Some(c) = p["code"].as_str() {
                        msg.push_str(&format!(" [{c}]"));
                    }
                    anyhow!(msg)
                }
                Err(_) => anyhow!("{code} from {path}: {text}"),
            }
        }
        other => anyhow::Error::new(Unreachable(format!(
            "cannot reach the writ API ({path}): {other}"
        ))),
    }
}

/// The API could not be reached or did not answer in time (as opposed to an answer, even an error one).
#[derive(Debug)]
pub struct Unreachable(pub String);

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unreachable {}

pub fn print_json(v: &Value) -> Result<()> {
    let text = serde_json::to_string_pretty(v)? + "\n";
    // A reader that stops early (`| head`) closes the pipe: that is the reader's choice, not an error.
    match std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
