//! The semantic model against hand-checked expectations: every
//! `testdata/model/<case>/` holds a `Dockerfile`, an optional `options` file
//! and `expected.txt`, the model's dump (plus any expansions the options ask
//! for). The expectations were worked out from BuildKit's source, not from
//! this code; `MSMIGRATE_BLESS=1` rewrites them, for reviewing as a diff.
//!
//! `options` lines: `build-arg NAME=VALUE`, `target NAME`, `platform P`
//! (target platform), `build-platform P`, `all-stages`, and
//! `expand LINE WORD` (expand WORD at the instruction starting on LINE).

use std::path::Path;

use msmigrate::dockerfile::model::{BuildOptions, Model, Platform};
use msmigrate::dockerfile::parse;

fn run_case(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
    let options = std::fs::read_to_string(dir.join("options")).unwrap_or_default();
    let file = match parse(&text) {
        Ok(f) => f,
        Err(e) => return format!("parse error: {}\n", e.message()),
    };
    let mut opts = BuildOptions::default();
    let mut expands = Vec::new();
    for line in options
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
        match key {
            "build-arg" => {
                let (k, v) = rest.split_once('=').unwrap_or((rest, ""));
                opts.build_args.insert(k.to_string(), v.to_string());
            }
            "target" => opts.target = Some(rest.to_string()),
            "platform" => opts.target_platform = Platform::parse(rest).unwrap(),
            "build-platform" => opts.build_platform = Platform::parse(rest).unwrap(),
            "all-stages" => opts.all_stages = true,
            "expand" => {
                let (l, word) = rest.split_once(' ').unwrap();
                expands.push((l.parse::<usize>().unwrap(), word.to_string()));
            }
            other => panic!("{}: unknown option {other}", dir.display()),
        }
    }
    let model = Model::build(&file, &opts);
    let mut out = model.dump(&file);
    for (line, word) in expands {
        let i = file
            .instructions
            .iter()
            .position(|ins| ins.start_line == line)
            .unwrap_or_else(|| panic!("{}: no instruction on line {line}", dir.display()));
        match model.expand(i, &word) {
            Ok(e) => {
                let unset: Vec<&str> = e.unmatched.iter().map(String::as_str).collect();
                out.push_str(&format!(
                    "expand line {line} {word} => {:?} unset=[{}]\n",
                    e.word,
                    unset.join(" ")
                ));
            }
            Err(e) => out.push_str(&format!(
                "expand line {line} {word} => error: {}\n",
                e.message
            )),
        }
    }
    out
}

#[test]
fn model_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/model");
    let bless = std::env::var_os("MSMIGRATE_BLESS").is_some_and(|v| v == "1");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Dockerfile").exists())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no cases under {}", root.display());
    let mut failures = Vec::new();
    for dir in &dirs {
        let got = run_case(dir);
        let expected_path = dir.join("expected.txt");
        if bless {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            failures.push(format!(
                "{}\n--- expected\n{expected}--- actual\n{got}",
                dir.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}
