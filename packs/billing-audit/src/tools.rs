//! The pack's platform tools, called by step programs through the governed bridge.

pub mod review_flags;
