//! The shell's clock: the pure core never reads time, it is handed these values.

pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

pub fn now_rfc3339() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}
