//! One module per command group.

pub mod db;
pub mod hash;
pub mod ledger;
