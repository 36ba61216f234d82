//! The semantic model of a Dockerfile: stages, scoping and the stage graph.
//!
//! (Being written.)
