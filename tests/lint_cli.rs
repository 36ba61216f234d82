//! `msmigrate lint` and `msmigrate rule` as a user runs them: exit codes,
//! the tree walk, configuration, suppressions, `--fix`/`--diff`, and the
//! pre-commit hooks with the real pre-commit (PyPI).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_msmigrate")
}

fn tempdir(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "msmigrate-lintcli-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const BLOATED: &str = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y gcc\nUSER 1000\nCMD [\"app\"]\n";
const CLEAN: &str = "FROM debian:bookworm-slim\nUSER 1000\nCMD [\"app\"]\n";

#[test]
fn exit_codes_follow_the_threshold() {
    let dir = tempdir("exit");
    write(&dir, "Dockerfile", CLEAN);
    let o = run(&dir, &["lint", "Dockerfile"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(text(&o).0.contains("no findings"), "{:?}", text(&o));

    write(&dir, "Dockerfile", BLOATED);
    let o = run(&dir, &["lint", "Dockerfile"]);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let (out, _) = text(&o);
    assert!(out.contains("MS101"), "{out}");
    assert!(!out.contains('\u{1b}'), "NO_COLOR output has escape codes");

    // gcc is a warning; with the threshold at error nothing fails.
    let o = run(
        &dir,
        &["lint", "Dockerfile", "--failure-threshold", "error"],
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));

    let o = run(&dir, &["lint", "missing-file"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn json_lists_every_finding_with_positions() {
    let dir = tempdir("json");
    write(&dir, "Dockerfile", BLOATED);
    let o = run(&dir, &["lint", "--format", "json", "Dockerfile"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let gcc = v
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "MS101")
        .expect("MS101");
    assert_eq!(gcc["file"], "Dockerfile");
    assert_eq!(gcc["line"], 2);
    assert_eq!(gcc["column"], 42);
    assert_eq!(gcc["end_column"], 45);
    assert_eq!(gcc["category"], "bloat");
}

#[test]
fn the_walk_finds_dockerfiles_and_skips_vendored_trees() {
    let dir = tempdir("walk");
    for name in [
        "Dockerfile",
        "svc/Dockerfile.prod",
        "svc/api.Dockerfile",
        "tools/Containerfile",
        "node_modules/pkg/Dockerfile",
        ".git/Dockerfile",
        "target/Dockerfile",
    ] {
        write(&dir, name, BLOATED);
    }
    write(&dir, "svc/Dockerfile.dockerignore", "*\n");
    let o = run(&dir, &["lint", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let mut files: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    files.sort();
    files.dedup();
    assert_eq!(
        files,
        [
            "Dockerfile",
            "svc/Dockerfile.prod",
            "svc/api.Dockerfile",
            "tools/Containerfile"
        ]
    );
}

#[test]
fn config_is_found_upward_and_strict() {
    let dir = tempdir("config");
    write(&dir, "app/Dockerfile", BLOATED);
    write(
        &dir,
        ".msmigrate.yaml",
        "ignored: [MS101]\nfailure-threshold: warning\n",
    );
    let o = run(
        &dir.join("app"),
        &["lint", "--format", "json", "Dockerfile"],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(
        v.as_array().unwrap().iter().all(|f| f["rule"] != "MS101"),
        "{v}"
    );

    write(
        &dir,
        ".msmigrate.yaml",
        "ignored: [MS101]\nfailure_threshold: warning\n",
    );
    let o = run(&dir.join("app"), &["lint", "Dockerfile"]);
    assert_eq!(o.status.code(), Some(2));
    let (_, err) = text(&o);
    assert!(err.contains("unknown field `failure_threshold`"), "{err}");
    assert!(err.contains(".msmigrate.yaml"), "{err}");
    assert!(
        err.contains("2 │") || err.contains("2 |"),
        "no snippet: {err}"
    );
}

#[test]
fn suppressions_and_unused_ones() {
    let dir = tempdir("suppress");
    write(
        &dir,
        "Dockerfile",
        "FROM debian:bookworm-slim\n# msmigrate ignore=MS101,MS102\nRUN apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*\nUSER 1000\n",
    );
    let o = run(&dir, &["lint", "--format", "json", "Dockerfile"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let rules: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["MS309"], "{v}");
    assert_eq!(v[0]["line"], 2);
    assert!(v[0]["message"].as_str().unwrap().contains("MS102"));
}

#[test]
fn fix_rewrites_atomically_and_diff_only_previews() {
    let dir = tempdir("fix");
    let original =
        "FROM alpine:3.19\nRUN apk add curl\nADD app.sh /app.sh\nCMD app --serve\nUSER 1000\n";
    write(&dir, "Dockerfile", original);

    let o = run(&dir, &["lint", "--diff", "Dockerfile"]);
    assert_eq!(o.status.code(), Some(1));
    let (out, _) = text(&o);
    assert!(out.contains("+RUN apk add --no-cache curl"), "{out}");
    assert!(out.contains("+COPY app.sh /app.sh"), "{out}");
    assert!(out.contains("+CMD [\"app\", \"--serve\"]"), "{out}");
    assert_eq!(
        std::fs::read_to_string(dir.join("Dockerfile")).unwrap(),
        original
    );

    let o = run(&dir, &["lint", "Dockerfile"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("Dockerfile")).unwrap(),
        original,
        "lint without --fix changed the file: {:?}",
        text(&o)
    );

    let o = run(&dir, &["lint", "--fix", "Dockerfile"]);
    let (_, err) = text(&o);
    assert!(err.contains("fixed 3 findings in Dockerfile"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("Dockerfile")).unwrap(),
        "FROM alpine:3.19\nRUN apk add --no-cache curl\nCOPY app.sh /app.sh\nCMD [\"app\", \"--serve\"]\nUSER 1000\n"
    );
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() != "Dockerfile")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn rule_prints_its_docs() {
    let dir = tempdir("rule");
    let o = run(&dir, &["rule", "MS103"]);
    assert_eq!(o.status.code(), Some(0));
    let (out, _) = text(&o);
    assert!(out.starts_with("MS103 sdk-base-in-final-stage"), "{out}");
    assert!(
        out.contains("Bad:") && out.contains("Good:") && out.contains("Fix:"),
        "{out}"
    );
    let o = run(&dir, &["rule", "build-toolchain-in-final-stage"]);
    assert!(text(&o).0.starts_with("MS101"));
    let o = run(&dir, &["rule", "MS999"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&dir, &["rule"]);
    assert!(text(&o).0.lines().count() >= 20);
}

#[test]
fn extra_rules_dir_adds_rules() {
    let dir = tempdir("extra");
    write(
        &dir,
        "rules/MS901-no-alpine.yaml",
        "id: MS901\nname: curl-in-final-stage\nseverity: error\ncategory: bloat\nmessage: \"{package} in {stage}\"\nmatch: {kind: package-install, roles: [final], sets: [build-tools]}\ndocs: {what: a, why: b, bad: c, good: d, fix: e}\n",
    );
    write(&dir, "Dockerfile", BLOATED);
    let o = run(
        &dir,
        &["lint", "--rules", "rules", "--format", "json", "Dockerfile"],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "MS901" && f["severity"] == "error"),
        "{v}"
    );
    write(&dir, "rules/MS902-bad.yaml", "id: MS902\nname: x\n");
    let o = run(&dir, &["lint", "--rules", "rules", "Dockerfile"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("MS902-bad.yaml"), "{:?}", text(&o));
}

/// Runs git in `dir`; it must succeed.
fn git_in(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The hooks in `.pre-commit-hooks.yaml`, run by the real pre-commit
/// against a throwaway repository.
#[test]
fn pre_commit_hooks_work_with_real_pre_commit() {
    // `python3 -m pre_commit`: a pip-installed script may not be on PATH yet.
    let pre_commit = || {
        let mut c = Command::new("python3");
        c.args(["-m", "pre_commit"]);
        c
    };
    let has = pre_commit()
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        assert!(
            std::env::var_os("MSMIGRATE_REQUIRE_PRECOMMIT").is_none(),
            "pre-commit is required but not installed"
        );
        eprintln!("*** SKIPPED: pre-commit is not installed (pip install pre-commit) ***");
        return;
    }
    let repo = tempdir("precommit");
    let git = |args: &[&str]| git_in(&repo, args);
    git(&["init", "-q"]);
    git(&["config", "user.email", "t@example.com"]);
    git(&["config", "user.name", "t"]);
    write(&repo, "Dockerfile", BLOATED);
    write(&repo, "svc/Dockerfile.prod", CLEAN);
    git(&["add", "."]);
    git(&["commit", "-qm", "init"]);

    let bin_dir = Path::new(bin()).parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // The hooks file, committed alone in a repository of its own, so the
    // test does not depend on the checkout being a git repository.
    let hooks = tempdir("hooks");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    for args in [
        &["init", "-q"][..],
        &[
            "-c",
            "user.email=t@example.com",
            "-c",
            "user.name=t",
            "add",
            ".",
        ],
        &[
            "-c",
            "user.email=t@example.com",
            "-c",
            "user.name=t",
            "commit",
            "-qm",
            "hooks",
        ],
    ] {
        git_in(&hooks, args);
    }
    let hooks_repo = hooks.display().to_string();
    let try_repo = |hook: &str| {
        pre_commit()
            .args(["try-repo", &hooks_repo, hook, "--all-files"])
            .current_dir(&repo)
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .env("PRE_COMMIT_HOME", repo.join(".pre-commit-cache"))
            .output()
            .unwrap()
    };
    let o = try_repo("msmigrate-lint");
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(out.contains("MS101"), "{out}");

    write(&repo, "Dockerfile", CLEAN);
    let o = try_repo("msmigrate-lint");
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));

    // A builder-pattern setup makes the convert hook fail until converted.
    write(
        &repo,
        "legacy/Dockerfile.build",
        "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\n",
    );
    write(
        &repo,
        "legacy/Dockerfile",
        "FROM alpine:3.19\nCOPY app /app\nCMD [\"/app\"]\n",
    );
    write(
        &repo,
        "legacy/build.sh",
        "#!/bin/sh\nset -e\ndocker build -t app-build -f Dockerfile.build .\ndocker create --name x app-build\ndocker cp x:/out/app ./app\ndocker rm x\ndocker build -t app .\n",
    );
    let o = try_repo("msmigrate-convert-check");
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    std::fs::remove_dir_all(repo.join("legacy")).unwrap();
    let o = try_repo("msmigrate-convert-check");
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
}

/// The SARIF and rdjson the CLI writes for the lint golden cases (real
/// findings, fixes and labels) pass the real validators.
#[test]
fn cli_sarif_and_rdjson_of_the_golden_cases_validate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempdir("validate");
    for (format, ext, script, var) in [
        (
            "sarif",
            "sarif",
            "validate-sarif",
            "MSMIGRATE_REQUIRE_SARIF",
        ),
        (
            "rdjson",
            "rdjson",
            "validate-rdjson",
            "MSMIGRATE_REQUIRE_RDJSON",
        ),
        (
            "rdjsonl",
            "rdjsonl",
            "validate-rdjson",
            "MSMIGRATE_REQUIRE_RDJSON",
        ),
    ] {
        if std::env::var_os(var).is_none_or(|v| v != "1") {
            eprintln!(
                "*** SKIPPED: {script} on the CLI's {format} (set {var}=1 to require it) ***"
            );
            continue;
        }
        let o = run(
            &root.join("testdata/lint/cases"),
            &["lint", "--format", format],
        );
        assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
        let file = out.join(format!("cases.{ext}"));
        std::fs::write(&file, &o.stdout).unwrap();
        let v = Command::new(root.join("scripts").join(script))
            .arg(&file)
            .output()
            .unwrap();
        assert!(v.status.success(), "{script}: {:?}", text(&v));
    }
}

/// `convert` lints what it emits: the JSON report's `lint` field holds the
/// findings of the converted Dockerfile (here the seed's JDK runtime).
#[test]
fn convert_reports_the_lint_of_its_output() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/convert/java-seed/input");
    let dir = tempdir("convert");
    let o = Command::new(bin())
        .args(["convert", "--format", "json"])
        .arg(&case)
        .current_dir(&dir)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let lint = v["lint"].as_array().expect("a lint array");
    let jdk = lint
        .iter()
        .find(|f| f["rule"] == "MS103")
        .expect("MS103 on the runtime");
    assert!(
        jdk["message"]
            .as_str()
            .unwrap()
            .contains("eclipse-temurin:11-jre"),
        "{jdk}"
    );
    let (_, err) = text(&o);
    assert!(err.is_empty() || !err.contains("panicked"));

    // A tree without any builder-pattern setup passes the check.
    let o = run(&dir, &["convert", "--check", "."]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    // Without --check, there is nothing to do: a usage error.
    let o = run(&dir, &["convert", "."]);
    assert_eq!(o.status.code(), Some(2));
}
