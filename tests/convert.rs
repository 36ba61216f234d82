//! Golden tests of `convert`: every `testdata/convert/<case>/input/` setup
//! is converted and compared with `expected/Dockerfile` (the emitted
//! Dockerfile, absent when nothing is emitted) and `expected/report.txt`
//! (status, stages, artifacts and diagnostics). `MSMIGRATE_BLESS=1`
//! rewrites the expected files; review the diff before committing it.

use std::fmt::Write;
use std::path::Path;

mod common;

use common::convert_case;
use msmigrate::convert::Conversion;

fn report(c: &Conversion) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "status: {}",
        serde_json::to_value(c.status).unwrap().as_str().unwrap()
    )
    .unwrap();
    if let (Some(df), Some(ctx)) = (&c.dockerfile, &c.context) {
        writeln!(out, "dockerfile: {df}\ncontext: {ctx}").unwrap();
    }
    for (k, v) in &c.build_args {
        writeln!(out, "build-arg: {k}={v}").unwrap();
    }
    for s in &c.stages {
        writeln!(
            out,
            "stage: {} ({}) from {}",
            s.name.as_deref().unwrap_or("-"),
            s.role,
            s.from
        )
        .unwrap();
    }
    for a in &c.artifacts {
        writeln!(out, "artifact: {} {} -> {}", a.from_stage, a.source, a.dest).unwrap();
    }
    for t in c.targets.iter().filter(|t| t.target.is_some()) {
        let args: Vec<String> = t
            .build_args
            .iter()
            .map(|(k, v)| format!(" {k}={v}"))
            .collect();
        writeln!(
            out,
            "target: {} = --target {} (was {}){}",
            t.image.as_deref().unwrap_or("-"),
            t.target.as_deref().unwrap_or("-"),
            t.replaces,
            args.concat()
        )
        .unwrap();
    }
    if let Some(i) = &c.dockerignore {
        writeln!(out, "dockerignore: {} (instead of {})", i.path, i.replaces).unwrap();
    }
    for d in &c.diagnostics {
        let sev = serde_json::to_value(d.severity).unwrap();
        writeln!(
            out,
            "{} {} {}:{}:{} {}",
            sev.as_str().unwrap(),
            d.code,
            d.file,
            d.line.unwrap_or(0),
            d.column.unwrap_or(0),
            d.message
        )
        .unwrap();
    }
    out
}

#[test]
fn convert_cases_match_expected() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/convert");
    let bless = std::env::var_os("MSMIGRATE_BLESS").is_some();
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 10,
        "expected the convert cases under {}",
        root.display()
    );
    let mut failures = Vec::new();
    for case in cases {
        let conversions = convert_case(&case);
        let expected_dir = case.join("expected");
        // One report for all outputs; the first output is `Dockerfile`, the
        // n-th (for independent runtime images) `Dockerfile.n`; an ignore
        // file the output needs is `dockerignore` (`dockerignore.n`).
        let got_report: String = conversions
            .iter()
            .map(report)
            .collect::<Vec<_>>()
            .join("---\n");
        let suffix = |n: usize| {
            if n == 0 {
                String::new()
            } else {
                format!(".{}", n + 1)
            }
        };
        let outputs: Vec<(String, Option<String>)> = conversions
            .iter()
            .enumerate()
            .flat_map(|(n, c)| {
                [
                    (format!("Dockerfile{}", suffix(n)), c.output.clone()),
                    (
                        format!("dockerignore{}", suffix(n)),
                        c.dockerignore.as_ref().map(|i| i.content.clone()),
                    ),
                ]
            })
            .collect();
        if bless {
            std::fs::create_dir_all(&expected_dir).unwrap();
            std::fs::write(expected_dir.join("report.txt"), &got_report).unwrap();
            for (name, output) in &outputs {
                match output {
                    Some(o) => std::fs::write(expected_dir.join(name), o).unwrap(),
                    None => {
                        let _ = std::fs::remove_file(expected_dir.join(name));
                    }
                }
            }
            continue;
        }
        let want_report =
            std::fs::read_to_string(expected_dir.join("report.txt")).unwrap_or_default();
        if want_report != got_report {
            failures.push(format!(
                "{}:\n--- expected report\n{want_report}--- actual report\n{got_report}",
                case.display()
            ));
        }
        for (name, got) in &outputs {
            let want = std::fs::read_to_string(expected_dir.join(name)).ok();
            if &want != got {
                failures.push(format!(
                    "{}/{name}:\n--- expected\n{}\n--- actual\n{}",
                    case.display(),
                    want.unwrap_or_default(),
                    got.clone().unwrap_or_default()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
