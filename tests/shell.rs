//! BuildKit shell-lexer conformance: every case in `testdata/shell/*.txt`
//! (format documented at the top of each file) must expand, split or fail
//! exactly as BuildKit's `shell.Lex` does, plus robustness checks that huge,
//! deeply nested and random inputs finish quickly and never panic.

mod common;

use common::Rng;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use msmigrate::dockerfile::shell::{Env, Lexer, NoEnv};
use serde_json::Value;

/// The lexer a case asks for, and whether it wants `SkipProcessQuotes`.
fn lexer_for(case: &Value) -> (Lexer, bool) {
    let escape = case["escape"]
        .as_str()
        .map_or('\\', |s| s.chars().next().unwrap());
    let mut lexer = Lexer::new(escape);
    let mut ignore_quotes = false;
    for flag in case["mode"].as_array().into_iter().flatten() {
        match flag.as_str().unwrap() {
            "raw_quotes" => lexer.raw_quotes = true,
            "raw_escapes" => lexer.raw_escapes = true,
            "skip_unset_env" => lexer.skip_unset_env = true,
            "ignore_quotes" => ignore_quotes = true,
            other => panic!("unknown mode {other}"),
        }
    }
    (lexer, ignore_quotes)
}

fn strings(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

/// Checks one case; `Err` describes every mismatch.
fn check(case: &Value, env: &BTreeMap<String, String>) -> Result<(), String> {
    let input = case["in"].as_str().ok_or("case without \"in\"")?;
    let (lexer, ignore_quotes) = lexer_for(case);
    let word = || {
        if ignore_quotes {
            lexer.process_word_ignoring_quotes(input, env)
        } else {
            lexer.process_word(input, env)
        }
    };
    let mut problems = Vec::new();
    if let Some(out) = case.get("out") {
        match word() {
            Ok(got) if got == out.as_str().unwrap() => {}
            got => problems.push(format!("process_word: expected {out}, got {got:?}")),
        }
    }
    if let Some(words) = case.get("words") {
        let want = words
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap())
            .collect::<Vec<_>>();
        match lexer.process_words(input, env) {
            Ok(got) if got == want => {}
            got => problems.push(format!("process_words: expected {want:?}, got {got:?}")),
        }
    }
    if let Some(err) = case.get("err") {
        let err = err.as_str().unwrap();
        match word() {
            Err(e) if e.reason() == err => {}
            got => problems.push(format!("process_word: expected error {err:?}, got {got:?}")),
        }
        if !ignore_quotes {
            match lexer.process_words(input, env) {
                Err(e) if e.reason() == err => {}
                got => problems.push(format!(
                    "process_words: expected error {err:?}, got {got:?}"
                )),
            }
        }
    }
    if let Some(err) = case.get("err_full") {
        match word() {
            Err(e) if e.message == err.as_str().unwrap() => {}
            got => problems.push(format!("process_word: expected error {err}, got {got:?}")),
        }
    }
    if case.get("matched").is_some() || case.get("unmatched").is_some() {
        match lexer.process_word_with_matches(input, env) {
            Ok(got) => {
                let matched: Vec<String> = got.matched.into_iter().collect();
                let unmatched: Vec<String> = got.unmatched.into_iter().collect();
                if let Some(want) = case.get("matched").map(strings).filter(|w| *w != matched) {
                    problems.push(format!("matched: expected {want:?}, got {matched:?}"));
                }
                if let Some(want) = case
                    .get("unmatched")
                    .map(strings)
                    .filter(|w| *w != unmatched)
                {
                    problems.push(format!("unmatched: expected {want:?}, got {unmatched:?}"));
                }
            }
            Err(e) => problems.push(format!("process_word_with_matches failed: {e}")),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n    "))
    }
}

#[test]
fn fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/shell");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let (mut total, mut failures) = (0, Vec::new());
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "txt"))
    {
        let mut default_env = BTreeMap::new();
        for (n, line) in std::fs::read_to_string(file).unwrap().lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let case: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: bad JSON: {e}", file.display(), n + 1));
            if let Some(env) = case.get("default_env") {
                default_env = serde_json::from_value(env.clone()).unwrap();
                continue;
            }
            total += 1;
            let env = match case.get("env") {
                Some(env) => serde_json::from_value(env.clone()).unwrap(),
                None => default_env.clone(),
            };
            if let Err(problem) = check(&case, &env) {
                failures.push(format!(
                    "{}:{}: {}\n    {problem}",
                    file.display(),
                    n + 1,
                    line
                ));
            }
        }
    }
    assert!(total >= 150, "only {total} fixture cases");
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    // Generous even for a debug build; a quadratic blow-up on 1 MB takes
    // hours, not seconds.
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{what} took {:?}",
        start.elapsed()
    );
    out
}

#[test]
fn megabyte_inputs_stay_linear() {
    let lexer = Lexer::new('\\');
    let env: Vec<(&str, &str)> = vec![("a", "x y")];
    let plain = "abc def ".repeat(131_072);
    let words = timed("plain", || lexer.process_words(&plain, &env).unwrap());
    assert_eq!(words.len(), 262_144);

    let quoted = "'a b'\"c $a\\\"\" ".repeat(65_536);
    let words = timed("quoted", || lexer.process_words(&quoted, &env).unwrap());
    assert_eq!(words.len(), 65_536);
    assert_eq!(words[0], "a bc x y\"");

    let vars = "$a${a}".repeat(100_000);
    assert_eq!(
        timed("vars", || lexer.process_word(&vars, &env).unwrap()).len(),
        600_000
    );

    let unterminated = format!("\"{}", "x".repeat(1 << 20));
    let err = timed("unterminated", || lexer.process_word(&unterminated, &env)).unwrap_err();
    assert_eq!(
        err.reason(),
        "unexpected end of statement while looking for matching double-quote"
    );

    let long_pattern = format!("${{a#{}}}", "?".repeat(1 << 20));
    assert_eq!(
        timed("pattern", || lexer
            .process_word(&long_pattern, &env)
            .unwrap()),
        "x y"
    );
    let stars = format!("${{a//{}/-}}", "*?".repeat(1 << 19));
    assert_eq!(
        timed("stars", || lexer.process_word(&stars, &env).unwrap()),
        "x y"
    );
}

#[test]
fn deep_nesting_neither_overflows_nor_goes_quadratic() {
    const DEPTH: usize = 100_000;
    let nested = format!("{}x{}", "${a:-".repeat(DEPTH), "}".repeat(DEPTH));
    let lexer = Lexer::new('\\');
    assert_eq!(
        timed("nested default", || lexer
            .process_word(&nested, &NoEnv)
            .unwrap()),
        "x"
    );
    let set: Vec<(&str, &str)> = vec![("a", "v")];
    assert_eq!(
        timed("nested set", || lexer.process_word(&nested, &set).unwrap()),
        "v"
    );

    // Written back verbatim: every level keeps its text.
    let skip = Lexer {
        skip_unset_env: true,
        ..lexer
    };
    assert_eq!(
        timed("nested skip", || skip
            .process_word(&nested, &NoEnv)
            .unwrap()),
        nested
    );

    let unclosed = "${a:-".repeat(DEPTH);
    let err = timed("unclosed", || lexer.process_word(&unclosed, &NoEnv)).unwrap_err();
    assert_eq!(err.reason(), "syntax error: missing '}'");

    let quotes = format!(
        "{}x{}",
        "\"${a:-".repeat(DEPTH / 2),
        "}\"".repeat(DEPTH / 2)
    );
    assert_eq!(
        timed("nested quotes", || lexer
            .process_words(&quotes, &NoEnv)
            .unwrap()),
        ["x"]
    );

    // The innermost `${a#x}` is "v", then `${a#v}` is "", `${a#}` is "v"...
    let patterns = format!("{}x{}", "${a#".repeat(DEPTH), "}".repeat(DEPTH));
    assert_eq!(
        timed("nested patterns", || lexer
            .process_word(&patterns, &set)
            .unwrap()),
        ""
    );
}

#[test]
fn runaway_replacements_are_stopped() {
    let lexer = Lexer::new('\\');
    let env: Vec<(&str, &str)> = vec![("a", "xx"), ("b", "xy")];
    // Each level doubles: 2^60 bytes if nothing stopped it.
    let doubling = format!("{}x{}", "${a//x/".repeat(60), "}".repeat(60));
    let err = timed("doubling", || lexer.process_word(&doubling, &env)).unwrap_err();
    assert_eq!(err.reason(), "expansion result exceeds 16 MiB");

    // A single replacement grows by one byte per level: kept linear.
    const DEPTH: usize = 100_000;
    let growing = format!("{}z{}", "${b/x/".repeat(DEPTH), "}".repeat(DEPTH));
    let out = timed("growing", || lexer.process_word(&growing, &env).unwrap());
    assert_eq!(out, format!("z{}", "y".repeat(DEPTH)));
}

#[test]
fn random_inputs_never_panic() {
    const ALPHABET: &[&str] = &[
        "$", "{", "}", ":", "-", "+", "?", "#", "%", "/", "\\", "`", "\"", "'", "a", "b", "_", "1",
        "@", "*", " ", "\n", "é", "한", "\u{FEFF}", "[", ".", "${a", "${b:-", "${a#", "${b//",
        "<<EOF",
    ];
    let env: Vec<(&str, &str)> = vec![("a", "a*b c"), ("b", "")];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..30_000 {
        let len = (rng.next() % 24) as usize;
        let input: String = (0..len)
            .map(|_| ALPHABET[(rng.next() % ALPHABET.len() as u64) as usize])
            .collect();
        let bits = rng.next();
        let lexer = Lexer {
            escape: if bits & 1 == 0 { '\\' } else { '`' },
            raw_quotes: bits & 2 != 0,
            raw_escapes: bits & 4 != 0,
            skip_unset_env: bits & 8 != 0,
        };
        let word = lexer.process_word(&input, &env);
        let words = lexer.process_words(&input, &env);
        let all = lexer.process_word_with_matches(&input, &env);
        let _ = lexer.process_word_ignoring_quotes(&input, &env);
        match (&word, &words, &all) {
            (Ok(w), Ok(ws), Ok(e)) => assert!(
                *w == e.word && *ws == e.words,
                "{input:?}: outputs disagree"
            ),
            (Err(a), Err(b), Err(c)) => assert!(a == b && b == c, "{input:?}: errors disagree"),
            _ => panic!("{input:?}: {word:?} / {words:?} / {all:?}"),
        }
        if let Err(e) = &word {
            assert!(e.message.starts_with("failed to process \""), "{e}");
            assert_ne!(e.reason(), e.message);
        }
    }
    let _ = Env::get(&NoEnv, "a");
}
