//! The whole front end on arbitrary bytes: parse, normalise, resolve, bind, policy, freeze. Any panic is a bug.
//! `cargo +nightly fuzz run front_end` from crates/writ-compiler.
#![no_main]

use libfuzzer_sys::fuzz_target;
use writ_catalog::{Catalog, DEFAULT_PROFILE};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let catalog = Catalog::builtin();
    let Some(profile) = catalog.profile(DEFAULT_PROFILE) else { return };
    let compiled = writ_compiler::compile(text, catalog, &profile.profile);
    if let Some(plan) = &compiled.frozen {
        assert!(plan.verify().is_empty());
    }
});
