//! The fuzz targets' bodies, shared with `tests/fuzz_regressions.rs` (which
//! includes `harness.rs` by path), so a reproducer committed under
//! `testdata/fuzz/<target>/` runs through exactly the code libFuzzer ran.

pub mod harness;
