//! JSON pointers into the candidate, built in one place so every pass points the same way.

use writ_diag::pointer::push_key;

pub fn step(i: usize) -> String {
    format!("/steps/{i}")
}

pub fn input(i: usize, slot: &str) -> String {
    push_key(&format!("/steps/{i}/inputs"), slot)
}

/// The binding text of an input: the string itself, or `from` of the detailed form.
pub fn input_from(i: usize, slot: &str, detailed: bool) -> String {
    if detailed {
        format!("{}/from", input(i, slot))
    } else {
        input(i, slot)
    }
}

pub fn output(i: usize, k: usize) -> String {
    format!("/steps/{i}/outputs/{k}")
}
