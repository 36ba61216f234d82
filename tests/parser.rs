//! Parser conformance: every Dockerfile under `testdata/parser/<case>/` and
//! `testdata/corpus/` must parse to exactly the JSON BuildKit's own parser
//! gives (stored next to it, produced by `scripts/oracle.py`), or fail with
//! BuildKit's error message. The expected files come from the oracle, never
//! from msmigrate, so there is no bless switch here: regenerate them with
//! `scripts/oracle.py --fixtures testdata/parser` and
//! `scripts/oracle.py --dir testdata/corpus`.

use std::path::{Path, PathBuf};

use msmigrate::dockerfile::{dump, parse_bytes};
use serde_json::Value;

/// Our result in the oracle's JSON shape.
fn actual(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap();
    match parse_bytes(&bytes) {
        Ok(file) => serde_json::to_value(dump::dump(&file)).unwrap(),
        Err(e) => serde_json::json!({ "error": e.message() }),
    }
}

fn check_all(cases: Vec<(PathBuf, PathBuf)>) {
    assert!(!cases.is_empty(), "no cases found");
    let mut failures = Vec::new();
    for (input, expected_path) in &cases {
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(expected_path).unwrap()).unwrap();
        let got = actual(input);
        if got != expected {
            failures.push(format!(
                "{}\n  expected: {}\n  actual:   {}",
                input.display(),
                serde_json::to_string(&expected).unwrap(),
                serde_json::to_string(&got).unwrap()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from BuildKit:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn fixtures_match_buildkit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/parser");
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        if dir.join("Dockerfile").exists() {
            cases.push((dir.join("Dockerfile"), dir.join("expected.json")));
        }
    }
    cases.sort();
    check_all(cases);
}

#[test]
fn corpus_matches_buildkit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/corpus");
    let mut cases = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "Dockerfile") {
                let expected = PathBuf::from(format!("{}.expected.json", path.display()));
                cases.push((path, expected));
            }
        }
    }
    cases.sort();
    check_all(cases);
}
