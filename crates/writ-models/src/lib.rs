//! Models per phase, sans-IO: the shells (worker, CLI) do the transport, this crate decides everything else.
//!
//! - [`provider`]: request building and response parsing for Anthropic Messages, OpenAI-compatible chat
//!   completions and Workers AI (binding input/output); keys are `{{secret:NAME}}` placeholders ([`http`]).
//! - [`retry`]: a pure backoff policy (jitter is an input). [`accounting`]: exact cost per call and the
//!   [`accounting::ModelCallRecord`] the ledger stores.
//! - [`task`], [`prompt`], [`conversation`]: what each phase is asked, the reply schema, and the bounded
//!   re-asking state machine. [`codes`]: R1001–R1005.
//! - [`profile`]: run-time cascade, frozen profile hash, [`profile::ProfileLock`].
//! - [`builtin`]: the deterministic provider (`served_by: "builtin"`). [`replay`]: record and replay.
pub mod accounting;
pub mod builtin;
pub mod codes;
pub mod conversation;
pub mod http;
pub mod profile;
pub mod prompt;
pub mod provider;
pub mod replay;
pub mod retry;
pub mod task;
