//! One module per command group.

pub mod artifacts;
pub mod catalog;
pub mod client;
pub mod compile;
pub mod db;
pub mod hash;
pub mod ledger;
pub mod program;
pub mod runs;
pub mod schema;
pub mod token;
pub mod tool;
pub mod trace;
