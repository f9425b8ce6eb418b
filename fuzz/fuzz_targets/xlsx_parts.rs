#![no_main]
//! The xlsx XML readers behind a well-formed zip (`fuzzing::xlsx_parts`).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| jixiao::fuzzing::xlsx_parts(data));
