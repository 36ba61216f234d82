//! Script analysis: reading the build drivers (shell scripts, Makefiles) of
//! a builder-pattern setup and evaluating them statically into a [`Trace`]
//! of the commands they would run.

pub mod bash;
pub mod docker;
pub mod make;
pub mod trace;

pub use trace::*;
