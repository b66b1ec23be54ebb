#![no_main]
//! See `sanxiang_chaos::fuzz::uplink_entry`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sanxiang_chaos::fuzz::uplink_entry(data));
