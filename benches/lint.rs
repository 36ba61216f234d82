//! In-process lint time per file on the real-world corpus: what one
//! `Linter::lint` call costs, without process start or I/O. The slowest
//! files are listed, to see what a pre-commit run on a big file costs.
//!
//! Run with `cargo bench --bench lint`. `MSMIGRATE_BENCH_CORPUS` changes
//! the corpus (default: the real-world files of `testdata/corpus`).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use msmigrate::lint::{LintOptions, Linter};

fn main() {
    let root = std::env::var("MSMIGRATE_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/corpus"));
    let mut paths: Vec<PathBuf> = Vec::new();
    for dir in [root.clone(), root.join("real")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        paths.extend(
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile")),
        );
    }
    paths.sort();
    let texts: Vec<(String, String)> = paths
        .iter()
        .map(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
            (p.file_name().unwrap().to_string_lossy().into_owned(), text)
        })
        .collect();

    let start = Instant::now();
    let linter = Linter::builtin().expect("rules load");
    let load = start.elapsed();
    let options = LintOptions::default();

    // Warm-up, then each file timed as the best of 5 runs.
    for (name, text) in &texts {
        black_box(linter.lint(name, None, text, &options));
    }
    let mut times: Vec<(f64, &str, usize)> = texts
        .iter()
        .map(|(name, text)| {
            let best = (0..5)
                .map(|_| {
                    let t = Instant::now();
                    black_box(linter.lint(name, None, text, &options));
                    t.elapsed().as_secs_f64()
                })
                .fold(f64::MAX, f64::min);
            (best * 1e6, name.as_str(), text.len())
        })
        .collect();
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = times.iter().map(|t| t.0).sum();
    let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize].0;
    println!("files: {}", times.len());
    println!("rule and data load: {:.0} µs", load.as_secs_f64() * 1e6);
    println!(
        "per file: mean {:.0} µs, median {:.0} µs, p95 {:.0} µs, max {:.0} µs; all files {:.1} ms on one thread",
        total / times.len() as f64,
        pct(0.5),
        pct(0.95),
        pct(1.0),
        total / 1000.0
    );
    println!("slowest:");
    for (us, name, len) in times.iter().rev().take(5) {
        println!("  {us:>8.0} µs  {len:>7} bytes  {name}");
    }
}
