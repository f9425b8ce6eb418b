#![no_main]
//! A file through the source, mapping and review stages.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| jixiao::fuzzing::map_grid(data));
