FROM rust-aarch64-unknown-linux-gnu
