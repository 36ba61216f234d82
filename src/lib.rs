//! msmigrate: migrate Docker builder-pattern setups to multi-stage Dockerfiles,
//! lint them for bloat, and verify the result.

pub mod builder;
pub mod convert;
pub mod dockerfile;
pub mod flow;
pub mod lint;
pub mod script;
pub mod verify;
