//! Record and replay: every model exchange of a run is stored under the hash of its request; a replayed run
//! is answered from the recording, and a request that was never recorded (a changed prompt, a changed
//! profile) is an error, never a live call.

use crate::provider::ProviderCall;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use writ_canon::{hash_of, CanonError, ContentHash};

/// What came back for a request, as received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "via", rename_all = "snake_case")]
pub enum RecordedResponse {
    Http {
        status: u16,
        /// Headers the reply's meaning depends on (e.g. `retry-after`), as (name, value).
        headers: Vec<(String, String)>,
        body: String,
    },
    Binding {
        output: Value,
    },
    BindingError {
        message: String,
    },
    /// Served in-process by the built-in provider: its reply text.
    Builtin {
        text: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub request_hash: ContentHash,
    pub response: RecordedResponse,
}

/// The content hash of a request (keys are placeholders, so the hash is the same whoever's key is used).
pub fn request_hash(call: &ProviderCall) -> Result<ContentHash, CanonError> {
    hash_of(call)
}

pub fn response_hash(response: &RecordedResponse) -> Result<ContentHash, CanonError> {
    hash_of(response)
}

/// The exchanges of a run, by request hash; a request asked several times (retries) keeps its answers in
/// order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    exchanges: BTreeMap<ContentHash, Vec<RecordedResponse>>,
}

impl Recording {
    pub fn new() -> Recording {
        Recording::default()
    }

    /// Records one exchange and returns it (for the content-addressed store).
    pub fn record(
        &mut self,
        call: &ProviderCall,
        response: RecordedResponse,
    ) -> Result<Exchange, CanonError> {
        let request_hash = request_hash(call)?;
        self.exchanges
            .entry(request_hash)
            .or_default()
            .push(response.clone());
        Ok(Exchange {
            request_hash,
            response,
        })
    }

    pub fn insert(&mut self, exchange: Exchange) {
        self.exchanges
            .entry(exchange.request_hash)
            .or_default()
            .push(exchange.response);
    }

    /// Every exchange, in request-hash order then recording order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges
            .iter()
            .flat_map(|(h, rs)| {
                rs.iter().map(|r| Exchange {
                    request_hash: *h,
                    response: r.clone(),
                })
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.exchanges.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.exchanges.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("request {request_hash} was not recorded: the replayed run asked something the recorded run did not (a changed prompt, profile or plan)")]
    Miss { request_hash: ContentHash },
    #[error("the request cannot be hashed: {0}")]
    Hash(String),
}

/// Answers requests from a recording. A request recorded several times gets its answers in recorded order,
/// then the last one again (so a recorded 429-then-200 replays the same retry).
#[derive(Debug, Clone)]
pub struct Replayer {
    recording: Recording,
    cursor: BTreeMap<ContentHash, usize>,
}

impl Replayer {
    pub fn new(recording: Recording) -> Replayer {
        Replayer {
            recording,
            cursor: BTreeMap::new(),
        }
    }

    pub fn answer(&mut self, call: &ProviderCall) -> Result<RecordedResponse, ReplayError> {
        let request_hash = request_hash(call).map_err(|e| ReplayError::Hash(e.to_string()))?;
        let answers = self
            .recording
            .exchanges
            .get(&request_hash)
            .filter(|a| !a.is_empty())
            .ok_or(ReplayError::Miss { request_hash })?;
        let at = self.cursor.entry(request_hash).or_insert(0);
        let index = (*at).min(answers.len().saturating_sub(1));
        *at = at.saturating_add(1);
        answers
            .get(index)
            .cloned()
            .ok_or(ReplayError::Miss { request_hash })
    }
}
