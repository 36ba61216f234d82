//! `msmigrate lint`: a stage-aware linter for bloat and stage-graph mistakes.
//!
//! Rules are data (`rules/*.yaml`) naming one of a small set of matchers;
//! the matchers run over the front end's semantic model, with RUN commands
//! parsed as shell. Every reporter renders the same [`finding::Report`].

pub mod finding;
pub mod report;
pub mod shell;
