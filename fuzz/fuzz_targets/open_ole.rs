#![no_main]
//! `source::read_bytes` on any bytes; the seeds in `fuzz/corpus/open_ole` steer it.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| jixiao::fuzzing::open(data));
