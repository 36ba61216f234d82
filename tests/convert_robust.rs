//! `convert` never panics, whatever the setup holds: every golden case's
//! script and Dockerfiles are mutated (lines dropped, duplicated, swapped;
//! shell and Dockerfile tokens spliced in) with a fixed-seed generator, and
//! each mutant is converted. A panic fails the test with the mutant's seed.

use std::path::Path;

mod common;

use common::Rng;

use msmigrate::convert;
use msmigrate::script::bash::{self, DirFiles};

const TOKENS: &[&str] = &[
    "docker cp x:/ .",
    "docker cp \"$cid\":/app/. ./",
    "cd ..",
    "mkdir -p out",
    "mv a b",
    "rm -rf .",
    "$1",
    "${X:?}",
    "\"",
    "'",
    "$(",
    "`",
    "docker run --rm -v /:/host img sh",
    "docker build -t x -f ../../etc/passwd .",
    "COPY . /",
    "COPY --from=0 / /",
    "FROM scratch AS x",
    "RUN <<EOF",
    "ADD x.tar.gz /",
    "\\",
    "docker create --name x x",
    "docker start x",
    "tar -x -C dist",
    "| tar -x -C .",
];

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for _ in 0..1 + rng.below(3) {
        let n = lines.len();
        match rng.below(5) {
            0 if n > 0 => {
                lines.remove(rng.below(n));
            }
            1 if n > 0 => {
                let l = lines[rng.below(n)].clone();
                lines.insert(rng.below(n + 1), l);
            }
            2 if n > 1 => {
                let (a, b) = (rng.below(n), rng.below(n));
                lines.swap(a, b);
            }
            3 => lines.insert(
                rng.below(n + 1),
                TOKENS[rng.below(TOKENS.len())].to_string(),
            ),
            _ if n > 0 => {
                let i = rng.below(n);
                let mut l = lines[i].clone();
                let mut at = rng.below(l.len() + 1);
                while !l.is_char_boundary(at) {
                    at -= 1;
                }
                l.insert_str(at, TOKENS[rng.below(TOKENS.len())]);
                lines[i] = l;
            }
            _ => {}
        }
    }
    lines.join("\n")
}

#[test]
fn mutated_setups_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/convert");
    let work = std::env::temp_dir().join(format!("msmigrate-robust-{}", std::process::id()));
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut runs = 0;
    for case in &cases {
        for round in 0..60 {
            let dir = work.join(format!(
                "{}-{round}",
                case.file_name().unwrap().to_string_lossy()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            common::copy_tree(&case.join("input"), &dir);
            for name in ["build.sh", "Dockerfile", "Dockerfile.build"] {
                let path = dir.join(name);
                if let Ok(text) = std::fs::read_to_string(&path)
                    && rng.below(2) == 0
                {
                    std::fs::write(&path, mutate(&text, &mut rng)).unwrap();
                }
            }
            let script = std::fs::read_to_string(dir.join("build.sh")).unwrap_or_default();
            let result = std::panic::catch_unwind(|| {
                let trace = bash::evaluate(
                    "./build.sh",
                    &script,
                    &DirFiles(dir.clone()),
                    &bash::Options::default(),
                );
                convert::convert(&dir, &trace, &convert::Options::default())
            });
            assert!(
                result.is_ok(),
                "convert panicked on the mutant in {} (script:\n{script})",
                dir.display()
            );
            let _ = std::fs::remove_dir_all(&dir);
            runs += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    assert!(runs > 1000, "only {runs} mutants ran");
}
