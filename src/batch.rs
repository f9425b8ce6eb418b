//! The `batch` stage: run the pipeline over many files in parallel and
//! collect every outcome, good or bad, in a deterministic order.
