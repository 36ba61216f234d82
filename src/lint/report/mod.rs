//! Reporters (placeholder; being written).
