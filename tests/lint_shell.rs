//! The shell analysis of RUN instructions (`msmigrate::lint::shell`).
//!
//! Every `testdata/lint/shell/*.txt` file holds cases:
//!
//! ```text
//! === case name
//! %var NAME=value        (optional, any number: what `vars` knows)
//! FROM debian
//! RUN apt-get install -y gcc
//! ---
//! run 2
//! cmd "apt-get" @ "apt-get install -y gcc"
//!   arg "install"
//!   ...
//! ```
//!
//! Below `---` is the rendering of every RUN (by line): its commands with
//! their arguments, then its package operations, then removed paths.
//! Spans are shown as the source text they cover, after `@`, whenever that
//! text differs from the value. `MSMIGRATE_BLESS=1` rewrites the expected
//! parts; review the diff by hand before keeping it.

use std::fmt::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use msmigrate::dockerfile::{Dockerfile, Instruction, Keyword, Span, parse};
use msmigrate::lint::shell::{Command, package_ops, removed_paths, run_commands};

struct Case {
    name: String,
    vars: Vec<(String, String)>,
    dockerfile: String,
    expected: String,
}

fn read_cases(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    for chunk in text.split("\n=== ").skip(1) {
        let (name, body) = chunk.split_once('\n').unwrap_or((chunk, ""));
        let (input, expected) = body
            .split_once("\n---\n")
            .or_else(|| body.strip_suffix("\n---").map(|b| (b, "")))
            .unwrap_or_else(|| panic!("case {name:?} has no `---` line"));
        let mut vars = Vec::new();
        let mut lines = input.lines().peekable();
        while let Some(v) = lines.peek().and_then(|l| l.strip_prefix("%var ")) {
            let (k, val) = v.split_once('=').expect("%var NAME=value");
            vars.push((k.to_string(), val.to_string()));
            lines.next();
        }
        let dockerfile: Vec<&str> = lines.collect();
        cases.push(Case {
            name: name.trim().to_string(),
            vars,
            dockerfile: dockerfile.join("\n") + "\n",
            expected: expected.trim_end().to_string(),
        });
    }
    cases
}

fn write_cases(header: &str, cases: &[Case], actual: &[String]) -> String {
    let mut out = header.to_string();
    for (case, got) in cases.iter().zip(actual) {
        write!(out, "\n=== {}\n", case.name).unwrap();
        for (k, v) in &case.vars {
            writeln!(out, "%var {k}={v}").unwrap();
        }
        write!(out, "{}---\n{}\n", case.dockerfile, got).unwrap();
    }
    out
}

fn at(df: &Dockerfile, span: Span) -> &str {
    df.source
        .get(span.start..span.end)
        .unwrap_or_else(|| panic!("span {span:?} is not on character boundaries of the source"))
}

fn runs(df: &Dockerfile) -> Vec<&Instruction> {
    df.instructions
        .iter()
        .filter(|i| {
            i.keyword == Keyword::Run
                || i.onbuild
                    .as_deref()
                    .is_some_and(|s| s.keyword == Keyword::Run)
        })
        .collect()
}

/// Spans lie inside the instruction, and a command's name inside it.
fn check_spans(df: &Dockerfile, run: &Instruction, commands: &[Command]) {
    let inside = |s: Span| s.start <= s.end && s.start >= run.span.start && s.end <= run.span.end;
    for c in commands {
        at(df, c.span);
        assert!(inside(c.span), "{c:?} outside {:?}", run.span);
        assert!(inside(c.name_span), "{c:?}");
        for a in &c.args {
            at(df, a.span);
            assert!(inside(a.span), "{a:?} outside {:?}", run.span);
        }
    }
}

fn render(df: &Dockerfile, vars: &[(String, String)]) -> String {
    let lookup = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let mut out = String::new();
    for run in runs(df) {
        writeln!(out, "run {}", run.start_line).unwrap();
        let commands = run_commands(df, run, &lookup);
        check_spans(df, run, &commands);
        for c in &commands {
            write!(out, "cmd {:?}", c.name).unwrap();
            if at(df, c.name_span) != c.name {
                write!(out, " name@{:?}", at(df, c.name_span)).unwrap();
            }
            writeln!(out, " @ {:?}", at(df, c.span)).unwrap();
            for a in &c.args {
                let text = at(df, a.span);
                match &a.value {
                    Some(v) => write!(out, "  arg {v:?}").unwrap(),
                    None => write!(out, "  arg ?").unwrap(),
                }
                if a.value.as_deref() != Some(text) {
                    write!(out, " @ {text:?}").unwrap();
                }
                if a.raw != text {
                    write!(out, " raw={:?}", a.raw).unwrap();
                }
                out.push('\n');
            }
        }
        for op in package_ops(&commands) {
            write!(
                out,
                "op {} {} {:?}",
                op.command,
                op.manager.name(),
                op.action
            )
            .unwrap();
            if !op.flags.is_empty() {
                write!(out, " flags={:?}", op.flags).unwrap();
            }
            out.push('\n');
            for p in &op.packages {
                write!(out, "  pkg {:?}", p.name).unwrap();
                if let Some(v) = &p.version {
                    write!(out, " = {v:?}").unwrap();
                }
                let text = at(df, p.span);
                if text != p.name {
                    write!(out, " @ {text:?}").unwrap();
                }
                out.push('\n');
            }
        }
        for (path, span) in removed_paths(&commands) {
            write!(out, "removed {path:?}").unwrap();
            if at(df, span) != path {
                write!(out, " @ {:?}", at(df, span)).unwrap();
            }
            out.push('\n');
        }
    }
    out.trim_end().to_string()
}

#[test]
fn shell_cases_match_expected() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/lint/shell");
    let bless = std::env::var_os("MSMIGRATE_BLESS").is_some();
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let mut total = 0;
    let mut failures = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let cases = read_cases(&text);
        let header = text.split("\n=== ").next().unwrap_or("");
        let mut actual = Vec::new();
        for case in &cases {
            total += 1;
            let df = parse(&case.dockerfile)
                .unwrap_or_else(|e| panic!("{}: {}: {}", file.display(), case.name, e.message()));
            let got = render(&df, &case.vars);
            if got != case.expected {
                failures.push(format!(
                    "{} :: {}\n--- expected\n{}\n--- got\n{}\n",
                    file.display(),
                    case.name,
                    case.expected,
                    got
                ));
            }
            actual.push(got);
        }
        if bless {
            std::fs::write(&file, write_cases(header, &cases, &actual)).unwrap();
        }
    }
    assert!(total >= 60, "expected at least 60 cases, found {total}");
    if !bless {
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

/// A small deterministic generator for the robustness tests.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn all_commands(src: &str) -> usize {
    let Ok(df) = parse(src) else { return 0 };
    let mut n = 0;
    for run in runs(&df) {
        let commands = run_commands(&df, run, &|_| Some("a b".to_string()));
        check_spans(&df, run, &commands);
        package_ops(&commands);
        removed_paths(&commands);
        n += commands.len();
    }
    n
}

#[test]
fn random_scripts_never_panic() {
    let pieces = [
        "apt-get ",
        "install ",
        "-y ",
        "sh -c '",
        "bash -c \"",
        "\"",
        "'",
        "$(",
        ")",
        "`",
        "${X:-",
        "}",
        "$X ",
        "{ ",
        "; }",
        "( ",
        " )",
        "&& ",
        "|| ",
        "| ",
        ";",
        "\\\n",
        "\n  # c\n",
        "<<EOF",
        "\nEOF\n",
        "if ",
        "then ",
        "fi",
        "for i in ",
        "do ",
        "done",
        "case ",
        " in ",
        "esac",
        "\\",
        "é",
        "\t",
        "=",
        "--",
        "-o ",
        "sudo ",
        "xargs ",
        "env A=1 ",
        "pip install ",
        "x==1 ",
        "\r\n",
        "#",
        "[",
        "]",
        "$'\\n'",
        "\\u",
        "\u{0}",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let start = Instant::now();
    for _ in 0..400 {
        let mut src = String::from("FROM a\nRUN ");
        for _ in 0..rng.below(40) {
            src.push_str(pieces[rng.below(pieces.len())]);
        }
        src.push('\n');
        all_commands(&src);
        let exec = format!("FROM a\nRUN [\"sh\", \"-c\", {:?}]\n", &src[11..]);
        all_commands(&exec);
    }
    assert!(start.elapsed() < Duration::from_secs(30));
}

#[test]
fn deep_and_huge_inputs_finish_quickly() {
    let start = Instant::now();
    let deep_subst = format!("FROM a\nRUN {}x{}\n", "$(".repeat(3000), ")".repeat(3000));
    all_commands(&deep_subst);
    let deep_sh = format!(
        "FROM a\nRUN {}apt-get install x{}\n",
        "sh -c \"".repeat(50),
        "\"".repeat(50)
    );
    all_commands(&deep_sh);
    let deep_groups = format!(
        "FROM a\nRUN {}a{}\n",
        "{ ( ".repeat(2000),
        " ) ; }".repeat(2000)
    );
    all_commands(&deep_groups);
    let wrappers = format!("FROM a\nRUN {}apt-get install x\n", "sudo ".repeat(5000));
    all_commands(&wrappers);
    let long = format!(
        "FROM a\nRUN {}true\n",
        "apt-get install -y gcc make && \\\n ".repeat(2000)
    );
    assert_eq!(all_commands(&long), 2001);
    let body: String = "pip install x\n".repeat(20_000);
    assert_eq!(
        all_commands(&format!("FROM a\nRUN <<EOF\n{body}EOF\n")),
        20_000
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
}

/// A shell that is not POSIX (`SHELL ["pwsh", ...]`) makes RUN text not
/// shell; a later FROM resets it.
#[test]
fn non_posix_shell_gives_no_commands() {
    let df = parse(
        "FROM a\nSHELL [\"pwsh\", \"-Command\"]\nRUN apt-get install x\nFROM b\nRUN apt-get install y\n",
    )
    .unwrap();
    let r = runs(&df);
    assert!(run_commands(&df, r[0], &|_| None).is_empty());
    assert_eq!(run_commands(&df, r[1], &|_| None).len(), 1);
}

#[test]
fn helpers_understand_option_forms() {
    let df =
        parse("FROM a\nRUN apt-get install -qy --option=X --no-install-recommends gcc\n").unwrap();
    let commands = run_commands(&df, runs(&df)[0], &|_| None);
    assert!(commands[0].has_flag(&["-y", "--yes"]));
    assert!(commands[0].has_flag(&["--option"]));
    assert!(!commands[0].has_flag(&["-o"]));
    let ops = package_ops(&commands);
    assert!(ops[0].has_flag(&["--no-install-recommends"]));
    assert!(ops[0].has_flag(&["-y"]));
    assert_eq!(ops[0].flag_value(&["-o", "--option"]), Some("X"));
    let df = parse("FROM a\nRUN pip install --target /app/deps -r req.txt x\n").unwrap();
    let ops = package_ops(&run_commands(&df, runs(&df)[0], &|_| None));
    assert_eq!(ops[0].flag_value(&["-t", "--target"]), Some("/app/deps"));
    assert_eq!(ops[0].flag_value(&["-r"]), Some("req.txt"));
}

/// Throughput on typical RUN lines; run with
/// `cargo test --release --test lint_shell -- --ignored --nocapture`.
#[test]
#[ignore]
fn throughput() {
    let src = "FROM debian\nRUN apt-get update && \\\n    apt-get install -y --no-install-recommends curl ca-certificates gcc && \\\n    pip install --no-cache-dir -r requirements.txt flask==3.0 && \\\n    rm -rf /var/lib/apt/lists/*\n";
    let df = parse(src).unwrap();
    let run = runs(&df)[0];
    let n = 20_000;
    let start = Instant::now();
    for _ in 0..n {
        let commands = run_commands(&df, run, &|_| None);
        std::hint::black_box(package_ops(&commands));
    }
    println!("{:?} per RUN", start.elapsed() / n);
}
