#![no_main]
//! `source::read_bytes` on any bytes; the seeds in `fuzz/corpus/open_any`
//! (xlsx, ods, xls, csv, html, SpreadsheetML from the fixtures) steer it
//! into every reader.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| jixiao::fuzzing::open(data));
