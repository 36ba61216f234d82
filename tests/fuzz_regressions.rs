//! Regressions found by the fuzzers (FUZZING.md): every file under
//! `testdata/fuzz/<target>/` (a minimized crash, hang or out-of-memory
//! input) runs through the very function its libFuzzer target runs
//! (`fuzz/src/harness.rs`, included here by path), so `cargo test` keeps
//! checking them without libFuzzer. A file must neither panic nor take
//! longer than the fuzzers' timeout.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[path = "../fuzz/src/harness.rs"]
#[allow(dead_code)]
mod harness;

/// The fuzzers ran with `-timeout=10` on an optimised build; a debug build
/// is several times slower, so allow it more.
const LIMIT: Duration = Duration::from_secs(if cfg!(debug_assertions) { 60 } else { 10 });

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/fuzz")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"));
    files.sort();
    files
}

fn check(target: &str, run: fn(&[u8])) {
    let mut failures = Vec::new();
    for path in inputs(target) {
        let data = std::fs::read(&path).unwrap();
        let start = Instant::now();
        let result = std::panic::catch_unwind(|| run(&data));
        let took = start.elapsed();
        if result.is_err() {
            failures.push(format!("{}: panicked", path.display()));
        } else if took > LIMIT {
            failures.push(format!("{}: took {took:?}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn dockerfile() {
    check("dockerfile", harness::dockerfile);
}

#[test]
fn word_expand() {
    check("word_expand", harness::word_expand);
}

#[test]
fn script_bash() {
    check("script_bash", harness::script_bash);
}

#[test]
fn script_make() {
    check("script_make", harness::script_make);
}

#[test]
fn layer_read() {
    check("layer_read", harness::layer_read);
}

#[test]
fn archive_load() {
    check("archive_load", harness::archive_load);
}

/// The setup format the script targets read (`#### NAME` starts a file).
#[test]
fn setups_split_into_safe_files() {
    let files = harness::split_setup(
        "docker build .\n#### Dockerfile\nFROM a\n#### ../x\nno\n#### /etc/y\nno\n#### d/e\nok\n",
        "build.sh",
    );
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(names, ["Dockerfile", "build.sh", "d/e"]);
    assert_eq!(files["build.sh"], "docker build .\n");
}
