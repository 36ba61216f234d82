//! Parser throughput on the corpus: how many Dockerfiles (and MB) per second
//! `msmigrate::dockerfile::parse` gets through on one thread.
//!
//! Run with `cargo bench --bench parse` (needs a `[[bench]] name = "parse"
//! harness = false` entry in Cargo.toml) or `scripts/bench.sh`, which also
//! times the BuildKit oracle for comparison. Only std is used for timing.
//!
//! Environment:
//! - `MSMIGRATE_BENCH_CORPUS`: corpus directory (default `testdata/corpus`),
//!   searched recursively for `*.Dockerfile`.
//! - `MSMIGRATE_BENCH_SECONDS`: minimum measured time (default 3).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "Dockerfile") {
            out.push(path);
        }
    }
}

fn main() {
    let root = std::env::var("MSMIGRATE_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/corpus"));
    let min_secs: f64 = std::env::var("MSMIGRATE_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);

    let mut paths = Vec::new();
    collect(&root, &mut paths);
    paths.sort();
    if paths.is_empty() {
        eprintln!("bench parse: no *.Dockerfile under {}", root.display());
        std::process::exit(1);
    }
    // Everything in memory before timing starts; invalid UTF-8 decoded lossily,
    // as the CLI does.
    let texts: Vec<String> = paths
        .iter()
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).expect("read corpus file")).into_owned())
        .collect();
    let bytes_per_pass: usize = texts.iter().map(|t| t.len()).sum();

    // Warm-up pass, also counting files the parser rejects.
    let mut rejected = 0usize;
    for t in &texts {
        if msmigrate::dockerfile::parse(t).is_err() {
            rejected += 1;
        }
    }

    let min = Duration::from_secs_f64(min_secs);
    let mut passes = 0u64;
    let mut instructions = 0usize;
    let mut best_pass = Duration::MAX;
    let start = Instant::now();
    while start.elapsed() < min {
        let pass_start = Instant::now();
        for t in &texts {
            match msmigrate::dockerfile::parse(black_box(t.as_str())) {
                Ok(df) => instructions += black_box(df.instructions.len()),
                Err(e) => {
                    black_box(e);
                }
            }
        }
        best_pass = best_pass.min(pass_start.elapsed());
        passes += 1;
    }
    let elapsed = start.elapsed().as_secs_f64();

    let files = texts.len() as f64 * passes as f64;
    let mb = bytes_per_pass as f64 * passes as f64 / 1e6;
    println!(
        "corpus: {} files, {:.1} KB, from {}",
        texts.len(),
        bytes_per_pass as f64 / 1e3,
        root.display()
    );
    println!("rejected by the parser: {rejected}");
    println!(
        "passes: {passes} in {elapsed:.2} s ({} instructions per pass)",
        instructions as u64 / passes.max(1)
    );
    println!(
        "mean: {:.0} files/s, {:.2} MB/s",
        files / elapsed,
        mb / elapsed
    );
    let best = best_pass.as_secs_f64();
    println!(
        "best pass: {:.3} ms ({:.0} files/s, {:.2} MB/s)",
        best * 1e3,
        texts.len() as f64 / best,
        bytes_per_pass as f64 / 1e6 / best
    );
}
