//! All integration tests in one binary: each file was its own test binary,
//! and linking 22 copies of the crate dominated a fresh `cargo test`.

mod check_cli;
mod consolidate;
mod consolidate_cli;
mod consolidate_inbox;
mod convert;
mod convert_support;
mod corpus_public;
mod crafted;
mod fill;
mod fill_cli;
mod fill_fidelity;
mod hostile;
mod import_cli;
mod import_roundtrip;
mod import_stacked;
mod inputs_cli;
mod mapping_api;
mod mapping_draft;
mod outputs;
mod rebuilt;
mod report;
mod review_corpus;
mod review_precision;
mod review_robust;
mod review_rules;
mod review_score;
mod review_support;
mod review_truth;
mod review_values;
mod roundtrip;
mod shared;
mod source_formats;
mod source_mutations;
