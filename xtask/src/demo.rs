//! `cargo xtask demo`: bring the stack up and show it working.

use crate::stack;
use anyhow::Result;

pub fn run() -> Result<()> {
    let s = stack::up()?;
    println!("demo: the worker answers at {} (token in .writ/env)", s.api);
    Ok(())
}
