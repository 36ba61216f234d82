//! Static evaluation of bash scripts with tree-sitter-bash.
//!
//! (Being written.)
