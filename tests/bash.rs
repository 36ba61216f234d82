//! Static bash evaluation.
//!
//! Every folder under `testdata/script/` is a case: `build.sh` (and any
//! files it sources), optionally `args.txt` (one positional parameter per
//! line) and `env.txt` (`NAME=value` lines), and `expected.txt`, the
//! [`dump`] of the trace. `MSMIGRATE_BLESS=1 cargo test --test bash`
//! rewrites the expected files (review the diff by hand).
//!
//! Then robustness: every script of the cases, and thousands of random
//! mutations of them, must evaluate without panicking and quickly.

mod common;

use common::Rng;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use msmigrate::script::bash::{DirFiles, Entry, Files, Options, dump, evaluate};
use msmigrate::script::{Condition, Part};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/script")
}

fn case_dirs() -> Vec<PathBuf> {
    common::case_dirs(&cases_dir(), "build.sh")
}

fn options_for(dir: &Path) -> Options {
    let mut options = Options::default();
    if let Ok(args) = std::fs::read_to_string(dir.join("args.txt")) {
        options.args = args.lines().map(str::to_string).collect();
    }
    if let Ok(env) = std::fs::read_to_string(dir.join("env.txt")) {
        for line in env.lines() {
            if let Some((k, v)) = line.split_once('=') {
                options.env.insert(k.to_string(), v.to_string());
            }
        }
    }
    options
}

#[test]
fn cases() {
    common::check_golden(&case_dirs(), 40, |dir| {
        let text = std::fs::read_to_string(dir.join("build.sh")).expect("build.sh");
        dump(&evaluate(
            "./build.sh",
            &text,
            &DirFiles(dir.to_path_buf()),
            &options_for(dir),
        ))
    });
}

#[test]
fn in_memory_files() {
    let files: BTreeMap<String, String> = [
        ("lib/env.sh".to_string(), "IMAGE=myorg/app\n".to_string()),
        ("Dockerfile".to_string(), "FROM scratch\n".to_string()),
    ]
    .into_iter()
    .collect();
    assert_eq!(files.entry("lib"), Some(Entry::Dir));
    assert_eq!(files.entry("./lib/../Dockerfile"), Some(Entry::File));
    assert_eq!(files.entry("nope"), Some(Entry::Missing));
    let script = "cd lib\n. ./env.sh\ncd ..\n[ -f Dockerfile ] && docker build -t \"$IMAGE\" .\n";
    let trace = evaluate("./build.sh", script, &files, &Options::default());
    let docker = trace.commands.last().expect("a command");
    let argv: Vec<String> = docker.argv.iter().map(|a| a.value.to_string()).collect();
    assert_eq!(argv, ["docker", "build", "-t", "myorg/app", "."]);
    assert_eq!(docker.condition, Condition::Always);
    assert_eq!(trace.files.len(), 2);
    assert_eq!(trace.files[1].0, "lib/env.sh");
}

#[test]
fn dir_files_stay_inside_the_root() {
    let dir = cases_dir().join("source-env");
    let files = DirFiles(dir.clone());
    assert!(files.read("env.sh").is_some());
    assert!(files.read("./sub/../env.sh").is_some());
    assert!(
        files.read("../source-env/env.sh").is_none(),
        "`..` above the root is refused"
    );
    assert!(
        files.read("/etc/passwd").is_none(),
        "absolute paths outside are refused"
    );
    let inside = dir.canonicalize().expect("canonical").join("env.sh");
    assert!(
        files.read(&inside.to_string_lossy()).is_some(),
        "absolute paths inside are fine"
    );
    assert_eq!(files.entry("missing-file"), Some(Entry::Missing));
    assert_eq!(files.entry("../.."), None);
}

#[test]
fn unknowns_carry_reason_and_location() {
    let script = "docker build -t \"app:$1\" .\n";
    let trace = evaluate("./build.sh", script, &BTreeMap::new(), &Options::default());
    let tag = &trace.commands[0].argv[3];
    match tag.value.parts.as_slice() {
        [Part::Lit(l), Part::Unknown(u)] => {
            assert_eq!(l, "app:");
            assert_eq!(u.text, "$1");
            assert_eq!(&script[u.at.span.start..u.at.span.end], "$1");
            assert!(u.reason.contains("not given"), "{}", u.reason);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(&script[tag.at.span.start..tag.at.span.end], "\"app:$1\"");
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    const INTERESTING: &[u8] = b"$(){}[]\"'`\\;|&<>\n#*?!=-~ \t0aZ";
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(8) {
        let pos = rng.below(out.len() + 1);
        match rng.below(6) {
            0 if pos < out.len() => {
                out.remove(pos);
            }
            1 => out.insert(pos, INTERESTING[rng.below(INTERESTING.len())]),
            2 if pos < out.len() => out[pos] = rng.next() as u8,
            3 => {
                // Duplicate a chunk somewhere else.
                let start = rng.below(out.len() + 1);
                let end = (start + rng.below(64)).min(out.len());
                let chunk = out[start..end].to_vec();
                let at = rng.below(out.len() + 1);
                out.splice(at..at, chunk);
            }
            4 if pos < out.len() => {
                let end = (pos + rng.below(32)).min(out.len());
                out.drain(pos..end);
            }
            _ => out.insert(pos, rng.next() as u8),
        }
    }
    out
}

/// Every script under `testdata/script` (sourced files too), with the
/// case folder it belongs to.
fn corpus() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, case: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).expect("readable dir").flatten() {
            let p = entry.path();
            if p.is_dir() {
                walk(&p, case, out);
            } else if p.extension().is_some_and(|e| e == "sh") {
                let text = std::fs::read_to_string(&p).expect("script");
                out.push((case.to_path_buf(), text));
            }
        }
    }
    let mut out = Vec::new();
    for dir in case_dirs() {
        walk(&dir, &dir, &mut out);
    }
    out
}

#[test]
fn robustness_on_mutations() {
    let corpus = corpus();
    assert!(!corpus.is_empty());
    let options = Options {
        max_steps: 2_000,
        ..Options::default()
    };
    let start = Instant::now();
    let mut slowest = Duration::ZERO;
    for (dir, text) in &corpus {
        let _ = evaluate("./build.sh", text, &DirFiles(dir.clone()), &options);
    }
    // MSMIGRATE_FUZZ_ITERS raises the count for a longer local run.
    let iterations = std::env::var("MSMIGRATE_FUZZ_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3_000);
    let seed = std::env::var("MSMIGRATE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut rng = Rng(seed);
    for _ in 0..iterations {
        let (dir, text) = &corpus[rng.below(corpus.len())];
        let mutated = String::from_utf8_lossy(&mutate(&mut rng, text.as_bytes())).into_owned();
        let t = Instant::now();
        let trace = evaluate("./build.sh", &mutated, &DirFiles(dir.clone()), &options);
        slowest = slowest.max(t.elapsed());
        assert!(trace.commands.len() <= options.max_steps);
        let _ = dump(&trace);
    }
    assert!(
        slowest < Duration::from_secs(2),
        "slowest evaluation took {slowest:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(120),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn pathological_inputs_terminate() {
    let deep =
        |open: &str, close: &str, n: usize| format!("{}echo x{}", open.repeat(n), close.repeat(n));
    let inputs = [
        deep("$(", ")", 5_000),
        deep("(", ")", 5_000),
        deep("{ ", "; }", 3_000),
        deep("if true; then ", "; fi", 2_000),
        format!("echo {}", "${x:-".repeat(3_000)),
        format!("echo $(({}1{}))", "(".repeat(5_000), ")".repeat(5_000)),
        format!("[ {} x ]", "! ".repeat(10_000)),
        format!("[[ {} x {} ]]", "( ".repeat(2_000), " )".repeat(2_000)),
        "f() { f; }; f\necho after".to_string(),
        "f() { f; f; }; f".to_string(),
        "while true; do docker ps; done\necho after".to_string(),
        "x=a; while :; do x=$x$x; done; for i in {1..40}; do x=$x$x; done; echo \"$x\"".to_string(),
        "for ((i=0;;i++)); do echo $i; done".to_string(),
        "echo {1..100000000} {a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}{s,t}{u,v}{w,x}".to_string(),
        "eval \"$(printf 'eval %.0s' {1..50})\" echo; x='eval \"$x\"'; eval \"$x\"".to_string(),
        "source ./build.sh".to_string(),
        "trap 'exit' EXIT; trap 'f' EXIT; f() { exit; }; exit".to_string(),
        "\u{E000}0\u{E001} $'\\u{110000}' $'\\c\u{e9}' ${x:0:-99999999999} $((2**-1)) $((1/0)) $((9223372036854775807+1))".to_string(),
        "case x in $(echo *)) ;; esac; a[$((1<<62))]=x; echo ${a[-99]}".to_string(),
        format!("if false; then :; {}fi", "elif false; then :; ".repeat(5_000)),
        format!("echo $(({}1))", "1+".repeat(10_000)),
        format!("echo {}", "{a,b}".repeat(5_000)),
        format!("set -- a b; {}", "set -- \"$@\" \"$@\"; ".repeat(64)),
        format!("a=(x); {}", "a+=(\"${a[@]}\"); ".repeat(64)),
        format!("{} ) ) ) fi fi done esac }} }}", "( { if [ $( ".repeat(2_000)),
        "echo {-9223372036854775808..9223372036854775807..4611686018427387904}".to_string(),
        "a[9223372036854775807]=x; a+=(y); echo ${a[-1]} ${a[@]:9223372036854775807:-9223372036854775808}".to_string(),
    ];
    let files: BTreeMap<String, String> = [(
        "build.sh".to_string(),
        "source ./build.sh\necho loop".to_string(),
    )]
    .into_iter()
    .collect();
    for input in &inputs {
        let t = Instant::now();
        let trace = evaluate("./build.sh", input, &files, &Options::default());
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "{:.60}... took {:?}",
            input,
            t.elapsed()
        );
        assert!(trace.commands.len() <= Options::default().max_steps);
        let _ = dump(&trace);
    }
}
