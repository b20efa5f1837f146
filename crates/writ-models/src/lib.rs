//! Models per phase, sans-IO.
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
