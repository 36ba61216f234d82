//! The installed binary, not just the library, survives mutated input: the
//! fuzz targets and `convert_robust.rs` call the library, but a user (or a
//! review bot) runs `msmigrate`, whose diagnostics render source spans with
//! miette and whose reporters escape text into JSON, SARIF, XML and
//! workflow commands. Here every Dockerfile and build script under
//! `testdata/` is mutated at the byte level (flips, invalid UTF-8, CR, NUL,
//! cut and repeated ranges) and at the token level, and each mutant goes
//! through `parse`, `lint` (every format, and `--fix`) and `convert`. A run
//! must exit 0, 1 or 2 (never a panic's 101 or a signal), finish within its
//! time limit, and print well-formed JSON whenever it was asked for JSON.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

mod common;

use common::{Rng, run_with_deadline};

/// Generous, because CI machines are loaded: the inputs are a few KB and
/// take milliseconds; only a hang comes near this.
const LIMIT: Duration = Duration::from_secs(30);

const LINT_FORMATS: &[&str] = &[
    "text",
    "json",
    "sarif",
    "rdjson",
    "rdjsonl",
    "github",
    "checkstyle",
    "codeclimate",
];

/// Text that means something to a Dockerfile or shell parser, spliced into
/// mutants so they stay near the grammar instead of becoming noise.
const TOKENS: &[&str] = &[
    "\\\n",
    "`\n",
    "# escape=`\n",
    "# syntax=docker/dockerfile:1\n",
    "<<EOF\n",
    "<<-'EOF'\n",
    "\nEOF\n",
    "${X:-${Y:+$Z}}",
    "${A//?/%}",
    "$(",
    "\"",
    "'",
    "FROM scratch AS a\n",
    "FROM --platform=$BUILDPLATFORM a:1 AS b\n",
    "COPY --from=a / /\n",
    "COPY --from=9 --chown=1:1 x /y\n",
    "RUN --mount=type=cache,target=/root/.cache \\\n",
    "ONBUILD ",
    "ARG X=1\n",
    "ENV A=1 B=\"2\"\n",
    "HEALTHCHECK CMD [\"x\"]\n",
    "[\"sh\", \"-c\"",
    "docker build -t app -f Dockerfile.build .\n",
    "docker create --name c app\n",
    "docker cp c:/out/. ./dist\n",
    "docker rm -f c\n",
    "cd ..\n",
    "eval \"$X\"\n",
    ". ./build.sh\n",
    "\t",
    "\r\n",
    "\u{feff}",
    "\u{1F680}",
    "\u{0}",
];

fn mutate(input: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let n = out.len();
        match rng.below(7) {
            0 if n > 0 => {
                let i = rng.below(n);
                out[i] ^= 1 << rng.below(8);
            }
            1 => {
                // A byte that is rarely valid where it lands: invalid
                // UTF-8 lead or continuation bytes, controls.
                const ODD: &[u8] = &[0xff, 0xc3, 0x80, 0xe2, 0x00, b'\r', 0x1b, 0x7f];
                out.insert(rng.below(n + 1), ODD[rng.below(ODD.len())]);
            }
            2 if n > 0 => {
                let start = rng.below(n);
                let end = (start + 1 + rng.below(64)).min(n);
                out.drain(start..end);
            }
            3 if n > 0 => {
                let start = rng.below(n);
                let end = (start + 1 + rng.below(256)).min(n);
                let piece = out[start..end].repeat(1 + rng.below(8));
                let at = rng.below(n + 1);
                out.splice(at..at, piece);
            }
            _ => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                let at = rng.below(n + 1);
                out.splice(at..at, token.iter().copied());
            }
        }
    }
    out
}

/// Runs `msmigrate args`, killing it at [`LIMIT`]; panics (failing the
/// test with `what`) on a hang, a signal, a panic or an unexpected code.
fn run(args: &[&str], what: &str) -> (i32, String) {
    let out = run_with_deadline(
        Command::new(env!("CARGO_BIN_EXE_msmigrate"))
            .args(args)
            .env("NO_COLOR", "1"),
        LIMIT,
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or_else(|| {
        panic!(
            "{what}: msmigrate {args:?} killed by {:?}\n{stderr}",
            out.status
        )
    });
    assert!(
        matches!(code, 0..=2) && !stderr.contains("panicked"),
        "{what}: msmigrate {args:?} exited {code}\n{stderr}"
    );
    (code, stdout)
}

/// JSON output must parse whenever the command produced a result (exit 2
/// is an error, reported on stderr instead).
fn assert_json(code: i32, stdout: &str, lines: bool, what: &str) {
    if code == 2 {
        return;
    }
    let docs: Vec<&str> = if lines {
        stdout.lines().filter(|l| !l.trim().is_empty()).collect()
    } else {
        vec![stdout]
    };
    for doc in docs {
        if let Err(e) = serde_json::from_str::<serde_json::Value>(doc) {
            panic!("{what}: not JSON ({e}):\n{doc}");
        }
    }
}

/// How many mutants per seed: `MSMIGRATE_MUTATION_ROUNDS` (default `dflt`)
/// for long local runs (FUZZING.md); the generator's seed changes with it.
fn rounds(dflt: usize) -> usize {
    std::env::var("MSMIGRATE_MUTATION_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(dflt)
}

fn files_named(root: &Path, want: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && want(&e.file_name().to_string_lossy()))
        .map(|e| e.into_path())
        .collect();
    found.sort();
    found
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("msmigrate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn mutated_dockerfiles_through_parse_and_lint() {
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let seeds = files_named(&testdata, |n| n.starts_with("Dockerfile"));
    assert!(seeds.len() > 100, "only {} Dockerfiles found", seeds.len());
    let work = scratch("cli-mutations");
    let rounds = rounds(2);
    let mut rng = Rng(0x5eed_cafe_f00d_0001 ^ ((rounds as u64) << 32));
    let mut runs = 0;
    // Each mutant at one format chosen by the generator: the whole matrix
    // would be 8 times slower for little more coverage.
    let mutants = seeds.iter().cycle().take(seeds.len() * rounds);
    for (i, seed) in mutants.enumerate() {
        let mutant = mutate(&std::fs::read(seed).unwrap(), &mut rng);
        let file = work.join(format!("{i}.Dockerfile"));
        std::fs::write(&file, &mutant).unwrap();
        let path = file.to_str().unwrap();
        let what = format!("mutant of {} (saved as {path})", seed.display());

        let (code, out) = run(&["parse", "--format", "json", path], &what);
        assert_json(code, &out, false, &what);
        run(&["parse", path], &what);

        let format = LINT_FORMATS[rng.below(LINT_FORMATS.len())];
        let (code, out) = run(&["lint", "--format", format, path], &what);
        if matches!(format, "json" | "sarif" | "rdjson" | "codeclimate") {
            assert_json(code, &out, false, &what);
        } else if format == "rdjsonl" {
            assert_json(code, &out, true, &what);
        }
        if rng.below(4) == 0 {
            run(&["lint", "--fix", path], &what);
            run(&["lint", path], &what);
        }
        runs += 1;
        // Kept only when the test fails, as the reproducer it names.
        let _ = std::fs::remove_file(&file);
    }
    let _ = std::fs::remove_dir_all(&work);
    assert_eq!(runs, seeds.len() * rounds);
}

#[test]
fn mutated_setups_through_convert() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/convert");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("input").is_dir())
        .collect();
    cases.sort();
    let work = scratch("cli-convert-mutations");
    let rounds = rounds(4);
    let mut rng = Rng(0x5eed_cafe_f00d_0002 ^ ((rounds as u64) << 32));
    let mut runs = 0;
    for case in &cases {
        for round in 0..rounds {
            let dir = work.join(format!(
                "{}-{round}",
                case.file_name().unwrap().to_string_lossy()
            ));
            common::copy_tree(&case.join("input"), &dir);
            let files = files_named(&dir, |_| true);
            let target = &files[rng.below(files.len())];
            let mutant = mutate(&std::fs::read(target).unwrap(), &mut rng);
            std::fs::write(target, mutant).unwrap();
            let path = dir.to_str().unwrap();
            let what = format!(
                "mutant of {} ({} changed)",
                case.display(),
                target.display()
            );
            run(&["convert", path], &what);
            let (code, out) = run(&["convert", "--format", "json", path], &what);
            assert_json(code, &out, false, &what);
            runs += 1;
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    assert!(cases.len() > 30, "only {} converter cases", cases.len());
    assert_eq!(runs, cases.len() * rounds);
}
