//! Models per phase, sans-IO.
pub mod accounting;
pub mod http;
pub mod profile;
pub mod provider;
pub mod replay;
pub mod retry;
