//! `.dockerignore` files read and matched as Docker does; the matcher lives
//! in [`crate::dockerfile::ignore`], shared with the builder's context.

pub use crate::dockerfile::ignore::*;
