//! msmigrate: migrate Docker builder-pattern setups to multi-stage Dockerfiles,
//! lint them for bloat, and verify the result.

pub mod dockerfile;
pub mod script;
