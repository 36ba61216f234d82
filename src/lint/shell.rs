//! RUN commands parsed as shell (placeholder; being written).
