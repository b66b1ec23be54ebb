#![no_main]
//! See `sanxiang_chaos::fuzz::topology`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sanxiang_chaos::fuzz::topology(data));
