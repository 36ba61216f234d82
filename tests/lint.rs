//! Lint golden cases: `testdata/lint/cases/<case>/Dockerfile` linted, the
//! findings compared with `expected.txt` (one line per finding: range, rule,
//! severity, message; its labels and fix indented below). An optional
//! `options` file sets `target=STAGE`. `MSMIGRATE_BLESS=1` rewrites the
//! expected files, which are then reviewed by hand.
//!
//! The seed articles' Dockerfiles get the specific checks the issue asks for.

mod common;

use std::fmt::Write;
use std::path::Path;

use msmigrate::lint::finding::{Category, LintedFile};
use msmigrate::lint::{LintOptions, Linter};

fn lint_case(dir: &Path) -> LintedFile {
    let text = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
    let mut options = LintOptions::default();
    if let Ok(opts) = std::fs::read_to_string(dir.join("options")) {
        for line in opts.lines() {
            if let Some(t) = line.strip_prefix("target=") {
                options.target = Some(t.to_string());
            }
        }
    }
    Linter::builtin()
        .unwrap()
        .lint("Dockerfile", Some(dir), &text, &options)
}

fn render(file: &LintedFile) -> String {
    let mut out = String::new();
    for f in &file.findings {
        let r = &f.range;
        writeln!(
            out,
            "{}:{}-{}:{} {} {} {}: {}",
            r.start.line,
            r.start.column,
            r.end.line,
            r.end.column,
            f.rule,
            f.severity.as_str(),
            f.name,
            f.message
        )
        .unwrap();
        for label in &f.labels {
            writeln!(
                out,
                "    label {}:{}: {}",
                label.range.start.line, label.range.start.column, label.message
            )
            .unwrap();
        }
        if let Some(fix) = &f.fix {
            writeln!(out, "    fix: {}", fix.description).unwrap();
            for e in &fix.edits {
                writeln!(
                    out,
                    "      {}:{}-{}:{} -> {:?}",
                    e.range.start.line,
                    e.range.start.column,
                    e.range.end.line,
                    e.range.end.column,
                    e.replacement
                )
                .unwrap();
            }
        }
    }
    out
}

#[test]
fn golden_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/lint/cases");
    let cases = common::case_dirs(&root, "Dockerfile");
    common::check_golden(&cases, 15, |dir| render(&lint_case(dir)));
}

fn case(name: &str) -> LintedFile {
    lint_case(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/lint/cases")
            .join(name),
    )
}

#[test]
fn seed_002_runtime_jdk_is_flagged_with_a_jre() {
    let file = case("seed-002-java-runtime");
    let f = file
        .findings
        .iter()
        .find(|f| f.rule == "MS103")
        .expect("the JDK base is flagged");
    assert_eq!(f.range.start.line, 1);
    assert!(f.message.contains("openjdk:11-jdk-slim"), "{}", f.message);
    assert!(
        f.message.contains("eclipse-temurin:11-jre"),
        "{}",
        f.message
    );
}

#[test]
fn seed_001_full_runtime_and_lost_pip_packages_are_flagged() {
    let file = case("seed-001-python-full");
    let full = file
        .findings
        .iter()
        .find(|f| f.rule == "MS103")
        .expect("full image flagged");
    assert!(
        file.source[full.range.span.start..].starts_with("python:3.10 AS runtime")
            || full.message.contains("python:3.10-slim")
    );
    let runtime_line = file
        .source
        .lines()
        .position(|l| l.contains("AS runtime"))
        .unwrap()
        + 1;
    assert_eq!(full.range.start.line, runtime_line);
    let lost = file
        .findings
        .iter()
        .find(|f| f.rule == "MS201")
        .expect("lost pip packages flagged");
    assert!(
        file.source
            .lines()
            .nth(lost.range.start.line - 1)
            .unwrap()
            .contains("pip install")
    );
    // The builder's build-essential is where it belongs: no bloat finding
    // on the builder stage.
    let builder_end = runtime_line;
    assert!(
        !file
            .findings
            .iter()
            .any(|f| f.category == Category::Bloat && f.range.start.line < builder_end),
        "bloat flagged on the builder stage: {:#?}",
        file.findings
    );
    // The seed as published (slim runtime) still loses its packages.
    let slim = case("seed-001-python");
    assert!(slim.findings.iter().any(|f| f.rule == "MS201"));
    assert!(!slim.findings.iter().any(|f| f.rule == "MS103"));
}

#[test]
fn seed_000_dotnet_is_clean_of_bloat() {
    let file = case("seed-000-dotnet");
    let bloat: Vec<_> = file
        .findings
        .iter()
        .filter(|f| f.category == Category::Bloat)
        .collect();
    assert!(bloat.is_empty(), "{bloat:#?}");
}
