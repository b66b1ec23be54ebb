#![no_main]
//! See `sanxiang_chaos::fuzz::command_json`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sanxiang_chaos::fuzz::command_json(data));
