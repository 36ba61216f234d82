//! The Dockerfile front end: text to syntax tree to semantic model.
//!
//! [`parse`] reads a Dockerfile exactly as BuildKit's parser
//! (`moby/buildkit/frontend/dockerfile/parser`) does: it succeeds and fails
//! on the same inputs and splits every instruction's arguments the same way,
//! and it records a byte span for every instruction, flag, argument and
//! heredoc. [`shell`] is BuildKit's word lexer, used for heredoc detection
//! and variable expansion.

pub mod ast;
pub mod dump;
mod error;
pub mod glob;
pub mod ignore;
mod json_array;
mod line_parsers;
pub mod model;
mod parser;
pub mod shell;

pub use ast::*;
pub use error::{ParseError, SourceDiagnostic};
pub use parser::{parse, parse_bytes};
