//! Static Makefile evaluation.
//!
//! Every folder under `testdata/make/` is a case: a `Makefile` (and any
//! files it includes or its recipes read), optionally `target.txt` (the
//! goal), `vars.txt` (command-line `VAR=value` lines) and `env.txt`
//! (`NAME=value` lines of the environment), and `expected.txt`, the
//! [`dump`] of the trace. `MSMIGRATE_BLESS=1 cargo test --test make`
//! rewrites the expected files (review the diff by hand, and against
//! `make -n -f Makefile TARGET` run in the case folder).
//!
//! Then robustness: thousands of random mutations of the case Makefiles
//! must evaluate without panicking and quickly.

mod common;

use common::Rng;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use msmigrate::script::bash::{DirFiles, Options, dump};
use msmigrate::script::make::{MakeOptions, evaluate};
use msmigrate::script::{Condition, Part};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/make")
}

fn case_dirs() -> Vec<PathBuf> {
    common::case_dirs(&cases_dir(), "Makefile")
}

fn pairs(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn options_for(dir: &Path) -> MakeOptions {
    let target = std::fs::read_to_string(dir.join("target.txt"))
        .ok()
        .map(|t| t.trim().to_string());
    MakeOptions {
        target,
        variables: pairs(&dir.join("vars.txt")),
        shell: Options {
            env: pairs(&dir.join("env.txt")),
            ..Options::default()
        },
    }
}

#[test]
fn cases() {
    common::check_golden(&case_dirs(), 20, |dir| {
        let text = std::fs::read_to_string(dir.join("Makefile")).expect("Makefile");
        dump(&evaluate(
            "Makefile",
            &text,
            &DirFiles(dir.to_path_buf()),
            &options_for(dir),
        ))
    });
}

fn argv(trace: &msmigrate::script::Trace, i: usize) -> Vec<String> {
    trace.commands[i]
        .argv
        .iter()
        .map(|a| a.value.to_string())
        .collect()
}

fn files(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
    entries
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}

#[test]
fn locations_point_into_the_makefile() {
    let makefile = "IMAGE = acme/app\nbuild:\n\tdocker build \\\n\t  -t $(IMAGE):v1 .\n";
    let trace = evaluate(
        "Makefile",
        makefile,
        &BTreeMap::new(),
        &MakeOptions::default(),
    );
    assert_eq!(
        argv(&trace, 0),
        ["docker", "build", "-t", "acme/app:v1", "."]
    );
    let text = |span: msmigrate::dockerfile::Span| &makefile[span.start..span.end];
    let c = &trace.commands[0];
    // Words that needed no make expansion map exactly, across the
    // continuation line whose tab make removed.
    assert_eq!(text(c.argv[0].at.span), "docker");
    assert_eq!(text(c.argv[2].at.span), "-t");
    // A word built from a reference maps to the reference and the text
    // around it.
    assert_eq!(text(c.argv[3].at.span), "$(IMAGE):v1");
    assert_eq!(text(c.at.span), "docker build \\\n\t  -t $(IMAGE):v1 .");
    assert_eq!(c.at.file, 0);
}

#[test]
fn unknowns_carry_reason_and_location() {
    let makefile =
        "TAG := $(shell git describe)\nall:\n\tdocker build -t 'app:$(TAG)' -t app:$(NOPE) .\n";
    let trace = evaluate(
        "Makefile",
        makefile,
        &BTreeMap::new(),
        &MakeOptions::default(),
    );
    let c = &trace.commands[0];
    match c.argv[3].value.parts.as_slice() {
        [Part::Lit(l), Part::Unknown(u)] => {
            assert_eq!(l, "app:");
            assert_eq!(u.text, "$(shell git describe)");
            assert_eq!(u.reason, "output of $(shell ...)");
            assert_eq!(
                &makefile[u.at.span.start..u.at.span.end],
                "$(shell git describe)"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    match c.argv[5].value.parts.as_slice() {
        [Part::Lit(_), Part::Unknown(u)] => {
            assert_eq!(u.text, "$(NOPE)");
            assert!(u.reason.contains("NOPE is not set"), "{}", u.reason);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn outputs_are_shifted_and_env_is_given() {
    let makefile =
        "all: a b\na:\n\techo one\nb:\n\tdocker cp $$(docker create img):/x . && echo $$HOME\n";
    let options = MakeOptions {
        shell: Options {
            env: [("HOME".to_string(), "/home/me".to_string())].into(),
            ..Options::default()
        },
        ..MakeOptions::default()
    };
    let trace = evaluate("./Makefile", makefile, &BTreeMap::new(), &options);
    assert_eq!(trace.files[0].0, "Makefile");
    assert_eq!(argv(&trace, 1), ["docker", "create", "img"]);
    assert!(trace.commands[1].captured);
    assert_eq!(argv(&trace, 2), ["docker", "cp", "$(#1):/x", "."]);
    assert_eq!(argv(&trace, 3), ["echo", "/home/me"]);
}

#[test]
fn goal_variables_and_sub_make() {
    let makefile = "ENV ?= dev\nall:\n\t$(MAKE) image\nimage:\n\tdocker build -t app:$(ENV) .\nother:\n\techo other\n";
    let mk = |target: Option<&str>, vars: &[(&str, &str)]| MakeOptions {
        target: target.map(str::to_string),
        variables: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..MakeOptions::default()
    };
    let fs = files(&[("Makefile", makefile)]);
    let trace = evaluate("Makefile", makefile, &fs, &mk(None, &[("ENV", "prod")]));
    assert_eq!(argv(&trace, 0), ["make", "image"]);
    assert_eq!(argv(&trace, 1), ["docker", "build", "-t", "app:prod", "."]);
    let trace = evaluate("Makefile", makefile, &fs, &mk(Some("other image"), &[]));
    assert_eq!(argv(&trace, 0), ["echo", "other"]);
    assert_eq!(argv(&trace, 1), ["docker", "build", "-t", "app:dev", "."]);
    assert!(trace.notes.is_empty(), "{:?}", trace.notes);
}

#[test]
fn guessed_branches_make_commands_maybe() {
    let makefile = "all:\nifeq ($(shell uname -m),x86_64)\n\tdocker build --platform linux/amd64 .\nelse\n\tdocker build .\nendif\n\tdocker push app\n";
    let trace = evaluate(
        "Makefile",
        makefile,
        &BTreeMap::new(),
        &MakeOptions::default(),
    );
    assert_eq!(trace.commands.len(), 2);
    assert_eq!(trace.commands[0].condition, Condition::Maybe);
    assert_eq!(trace.commands[1].condition, Condition::Always);
    assert_eq!(trace.notes.len(), 1);
    assert!(trace.notes[0].message.contains("first branch"));
}

#[test]
fn included_files_are_listed() {
    let fs = files(&[("mk/vars.mk", "IMAGE = from/include\n"), ("Makefile", "")]);
    let makefile = "include mk/vars.mk\nall:\n\tdocker build -t $(IMAGE) .\n";
    let trace = evaluate("Makefile", makefile, &fs, &MakeOptions::default());
    assert_eq!(trace.files[1].0, "mk/vars.mk");
    assert_eq!(argv(&trace, 0)[3], "from/include");
}

fn mutate(rng: &mut Rng, input: &[u8], corpus: &[(PathBuf, String)]) -> Vec<u8> {
    const INTERESTING: &[&[u8]] = &[
        b"$",
        b"(",
        b")",
        b"{",
        b"}",
        b":",
        b"::",
        b"=",
        b":=",
        b"+=",
        b"?=",
        b"!=",
        b"\\",
        b"\n",
        b"\t",
        b"#",
        b";",
        b"|",
        b"%",
        b"@",
        b"-",
        b",",
        b"$$",
        b"$(",
        b"$@",
        b"$<",
        b"ifeq (a,b)\n",
        b"else\n",
        b"endif\n",
        b"define X\n",
        b"endef\n",
        b"include Makefile\n",
        b"$(MAKE) ",
        b"$(eval ",
        b"$(call ",
        b"$(foreach x,",
        b"$(shell ",
        b".ONESHELL:\n",
        b".RECIPEPREFIX = >\n",
        b"export ",
        b"override ",
        b"a: a\n",
        "\u{E010}1\u{E011}".as_bytes(),
    ];
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(8) {
        let pos = rng.below(out.len() + 1);
        match rng.below(7) {
            0 if pos < out.len() => {
                out.remove(pos);
            }
            1 => {
                let s = INTERESTING[rng.below(INTERESTING.len())];
                out.splice(pos..pos, s.iter().copied());
            }
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
            5 => {
                // Splice in a line of another Makefile.
                let (_, other) = &corpus[rng.below(corpus.len())];
                let lines: Vec<&str> = other.lines().collect();
                if !lines.is_empty() {
                    let line = format!("{}\n", lines[rng.below(lines.len())]);
                    out.splice(pos..pos, line.bytes());
                }
            }
            _ => out.insert(pos, rng.next() as u8),
        }
    }
    out
}

fn corpus() -> Vec<(PathBuf, String)> {
    case_dirs()
        .into_iter()
        .map(|dir| {
            let text = std::fs::read_to_string(dir.join("Makefile")).expect("Makefile");
            (dir, text)
        })
        .collect()
}

#[test]
fn robustness_on_mutations() {
    let corpus = corpus();
    assert!(!corpus.is_empty());
    let options = MakeOptions {
        shell: Options {
            max_steps: 2_000,
            ..Options::default()
        },
        ..MakeOptions::default()
    };
    let start = Instant::now();
    let mut slowest = Duration::ZERO;
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
        let mutated =
            String::from_utf8_lossy(&mutate(&mut rng, text.as_bytes(), &corpus)).into_owned();
        let options = MakeOptions {
            target: ["all", "build", "image", "x"]
                .get(rng.below(8))
                .map(|s| s.to_string()),
            ..options.clone()
        };
        let t = Instant::now();
        let trace = evaluate("Makefile", &mutated, &DirFiles(dir.clone()), &options);
        slowest = slowest.max(t.elapsed());
        assert!(trace.commands.len() <= options.shell.max_steps);
        for c in &trace.commands {
            assert!(c.at.file < trace.files.len());
            let (_, text) = &trace.files[c.at.file];
            assert!(c.at.span.start <= c.at.span.end && c.at.span.end <= text.len());
        }
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
    let inputs = [
        format!("X = {}1{}\nall: ; echo $(X)", "$(".repeat(5_000), ")".repeat(5_000)),
        format!("all: ; echo {}", "$(foreach a,1 2 3 4 5 6 7 8 9 10,".repeat(12)),
        "A = x\nB = $(A)$(A)$(A)$(A)\nC = $(B)$(B)$(B)$(B)\nD = $(C)$(C)$(C)$(C)\nE = $(D)$(D)$(D)$(D)\nF = $(E)$(E)$(E)$(E)\nG = $(F)$(F)$(F)$(F)\nH = $(G)$(G)$(G)$(G)\nI = $(H)$(H)$(H)$(H)\nall: ; echo $(I)$(I)$(I)".to_string(),
        "X := x\n$(foreach i,1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20,$(eval X := $(X)$(X)))\nall: ; echo $(X)".to_string(),
        "f = $(call f,$(1))\nall: ; echo $(call f,x)".to_string(),
        "X = $(X)\nY = $(Y) y\nall: ; echo $(X) $(Y)".to_string(),
        "include Makefile\nall: ; echo included".to_string(),
        "all: ; $(MAKE) all; $(MAKE); make -f Makefile all".to_string(),
        "all: a\na: b\nb: all\n\techo loop".to_string(),
        format!("all: {}\n", (0..3_000).map(|i| format!("t{i}")).collect::<Vec<_>>().join(" ")),
        (0..300).map(|i| format!("t{i}: t{}\n\techo {i}\n", i + 1)).collect::<String>(),
        format!("{}\nall: ; echo", "ifeq (a,a)\n".repeat(3_000)),
        "define X\n".repeat(2_000),
        "$(eval $(value X))\nX = $$(eval $$(value X))\n$(eval $(X))\nall: ; @:".to_string(),
        "all: ; echo $(shell echo $(shell echo $(shell pwd)))\n\u{E010}0\u{E011}: \u{E010}99\u{E011}\n\t${__make_unknown_0} $(__make_unknown_9)".to_string(),
        "all:\n\t$(MAKE) all X=$$(date)\n".to_string(),
        format!("all: ; echo {}", "$(word 99999999999999999999,a) $(wordlist 0,1,a) $(word x,a)"),
    ];
    let fs = files(&[("Makefile", "include Makefile\nall: ; @:")]);
    for input in &inputs {
        let t = Instant::now();
        let trace = evaluate("Makefile", input, &fs, &MakeOptions::default());
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

#[test]
fn deep_chains_stay_within_the_stack() {
    // A long prerequisite chain whose last recipe re-enters make, and a
    // long run of `private` words.
    let mut chain: String = (0..400)
        .map(|i| format!("t{i}: t{}\n\techo {i}\n", i + 1))
        .collect();
    chain.push_str("t400:\n\t$(MAKE) t0\n");
    let privates = format!("{}X = 1\nall: ; echo $(X)", "private ".repeat(50_000));
    let fs = files(&[("Makefile", &chain)]);
    for input in [&chain, &privates] {
        let trace = evaluate("Makefile", input, &fs, &MakeOptions::default());
        let _ = dump(&trace);
    }
}
