//! `msmigrate verify` end to end: converter fixtures that tests/e2e_docker.rs
//! proves equivalent must verify as equivalent on the embedded engine, with
//! the sizes Docker reports for the same images (when a Docker engine is
//! there), and on `--engine docker`; the seed's savings table; a broken
//! conversion; the replay fallback; `--with-fixes`; the HTML report in a
//! headless chromium.
//!
//! Needs root for the embedded engine (skipped loudly unless
//! MSMIGRATE_REQUIRE_ROOT=1) and Docker with the images of
//! `scripts/e2e-images` for the base images and the Docker comparisons
//! (MSMIGRATE_REQUIRE_DOCKER=1 makes a missing engine a failure).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

mod common;

use common::docker::{docker_bin, engine_ready, temp_dir};

const BIN: &str = env!("CARGO_BIN_EXE_msmigrate");

/// Fixtures tests/e2e_docker.rs proves equivalent on Docker.
const CASES: &[&str] = &[
    "java-seed",
    "create-start",
    "run-bind-mount",
    "nonroot-builder",
    "tar-pipe",
    "makefile-driver",
    "scripts-subdir",
    "copy-dot-context",
    "fan-out",
];

/// The embedded store with the e2e base images, or why there is none.
fn store() -> Result<&'static Path, String> {
    static STORE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    STORE
        .get_or_init(|| {
            if unsafe { libc::geteuid() } != 0 {
                return Err("the embedded engine needs root".to_string());
            }
            engine_ready()?;
            let store = temp_dir("verify-store");
            // Every tag at once: the archive's image IDs are Docker's.
            let script = format!(
                "{} save busybox:latest alpine:latest alpine:3.19 debian:bookworm-slim golang:1.7.3 golang:1.22 openjdk:latest openjdk:11-jdk-slim openjdk:17-jre eclipse-temurin:17-jdk eclipse-temurin:17-jre gcc:13 node:20 node:20-slim nginx:alpine python:3.12 python:3.12-slim maven:3-eclipse-temurin-17 | {BIN} image load --store {}",
                docker_bin(),
                store.display()
            );
            let out = Command::new("sh")
                .arg("-c")
                .arg(&script)
                .output()
                .map_err(|e| e.to_string())?;
            if !out.status.success() {
                return Err(format!(
                    "cannot load the base images: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            Ok(store)
        })
        .as_ref()
        .map(PathBuf::as_path)
        .map_err(Clone::clone)
}

/// The store, or None after saying loudly why the test is skipped. The
/// guard serializes the tests: concurrent builds on one store race to
/// extract the same layer.
fn ready(test: &str) -> Option<(std::sync::MutexGuard<'static, ()>, &'static Path)> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    match store() {
        Ok(s) => Some((guard, s)),
        Err(why) => {
            let required = std::env::var_os("MSMIGRATE_REQUIRE_ROOT").is_some()
                || std::env::var_os("MSMIGRATE_REQUIRE_DOCKER").is_some();
            assert!(
                !required,
                "{test}: the embedded engine and Docker images are required: {why}"
            );
            eprintln!("\n*** SKIPPED {test}: {why} ***\n*** run scripts/test as root ***\n");
            None
        }
    }
}

fn case_args(case: &Path) -> Vec<String> {
    let mut args = Vec::new();
    for line in std::fs::read_to_string(case.join("options"))
        .unwrap_or_default()
        .lines()
    {
        match line.split_once('=') {
            Some(("script", v)) => args.extend(["--script".to_string(), v.to_string()]),
            Some(("arg", v)) => args.extend(["--arg".to_string(), v.to_string()]),
            Some(("stage-name", v)) => args.extend(["--stage-name".to_string(), v.to_string()]),
            _ => {}
        }
    }
    args
}

/// Path → content hash and mode of every file under `dir`.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    use std::os::unix::fs::MetadataExt;
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("readable"))
        .map(|e| {
            let m = e.path().symlink_metadata().expect("stat");
            let content = if m.is_file() {
                std::fs::read(e.path()).expect("read")
            } else {
                Vec::new()
            };
            (
                e.path().display().to_string(),
                format!("{:o} {} {:?}", m.mode(), m.len(), content),
            )
        })
        .collect()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn verify(dir: &Path, store: &Path, extra: &[&str]) -> Run {
    let out = Command::new(BIN)
        .arg("verify")
        .arg(dir)
        .arg("--store")
        .arg(store)
        .args(extra)
        .output()
        .expect("run msmigrate");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr:\n{}", run.stdout, run.stderr))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

#[test]
fn converter_fixtures_verify_as_equivalent_with_dockers_sizes() {
    let Some((_serial, store)) =
        ready("converter_fixtures_verify_as_equivalent_with_dockers_sizes")
    else {
        return;
    };
    let mut failures = Vec::new();
    for name in CASES {
        let case = fixture(&format!("testdata/convert/{name}"));
        let input = case.join("input");
        let before = snapshot(&input);
        let mut args: Vec<String> = vec!["--format".into(), "json".into()];
        args.extend(case_args(&case));
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = verify(&input, store, &argv);
        assert_eq!(snapshot(&input), before, "{name}: verify modified DIR");
        if run.code != 0 {
            failures.push(format!(
                "{name}: exit {}:\n{}{}",
                run.code, run.stdout, run.stderr
            ));
            continue;
        }
        let embedded = json(&run);
        assert_eq!(embedded["equivalent"], true, "{name}");
        assert_eq!(embedded["engine"], "embedded", "{name}");
        assert_eq!(embedded["legacy"]["method"], "script", "{name}");
        // Every runtime image of a setup that builds several is verified.
        if let Some(targets) = embedded["targets"].as_array() {
            assert!(!targets.is_empty(), "{name}");
            for t in targets {
                assert_eq!(t["equivalent"], true, "{name}: {t}");
                assert_eq!(t["legacy"]["size"], t["multistage"]["size"], "{name}: {t}");
            }
        } else {
            assert_ne!(*name, "fan-out", "fan-out builds two runtime images");
        }

        // The same through the real docker CLI: the legacy script run as-is
        // on Docker, whose `docker image inspect .Size` must equal ours.
        let mut dargs = argv.clone();
        dargs.extend(["--engine", "docker"]);
        let run = verify(&input, store, &dargs);
        assert_eq!(
            snapshot(&input),
            before,
            "{name}: verify --engine docker modified DIR"
        );
        if run.code != 0 {
            failures.push(format!(
                "{name} --engine docker: exit {}:\n{}{}",
                run.code, run.stdout, run.stderr
            ));
            continue;
        }
        let docker = json(&run);
        assert_eq!(docker["equivalent"], true, "{name} on docker");
        assert_eq!(docker["engine"], "docker");
        for field in [
            "/legacy/final/size",
            "/multistage/final/size",
            "/legacy/builder_images",
            "/targets",
        ] {
            if embedded.pointer(field) != docker.pointer(field) {
                failures.push(format!(
                    "{name}: {field}: embedded {} but Docker {}",
                    embedded.pointer(field).cloned().unwrap_or_default(),
                    docker.pointer(field).cloned().unwrap_or_default()
                ));
            }
        }
        eprintln!(
            "verify {name}: legacy final {} bytes, multi-stage {} bytes (embedded = Docker)",
            embedded["legacy"]["final"]["size"], embedded["multistage"]["final"]["size"]
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn java_seed_shows_its_savings_table() {
    let Some((_serial, store)) = ready("java_seed_shows_its_savings_table") else {
        return;
    };
    let input = fixture("testdata/convert/java-seed/input");
    let run = verify(&input, store, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    for row in [
        "legacy builder welcomeapp-builder:latest",
        "legacy final welcomeapp:latest",
        "multi-stage final",
        "multi-stage with fixes",
        "vs legacy final",
        "equivalent: yes",
    ] {
        assert!(run.stdout.contains(row), "no `{row}` in:\n{}", run.stdout);
    }
    assert!(
        run.stderr.contains("is equivalent to the legacy one"),
        "{}",
        run.stderr
    );

    let report = json(&verify(&input, store, &["--format", "json"]));
    let keys: Vec<&String> = report.as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        [
            "bloat",
            "differences",
            "engine",
            "equivalent",
            "legacy",
            "multistage",
            "timings"
        ]
    );
    assert_eq!(
        report["legacy"]["builder_images"][0]["tag"],
        "welcomeapp-builder:latest"
    );
    assert!(
        report["legacy"]["builder_images"][0]["size"]
            .as_u64()
            .unwrap_or(0)
            > 0
    );
    assert_eq!(report["legacy"]["final"]["tag"], "welcomeapp:latest");
    assert_eq!(report["multistage"]["with_fixes"], serde_json::Value::Null);
    // The runtime base is a JDK (openjdk:11-jdk-slim, Debian's JDK 17 in
    // scripts/e2e-toolchains): its compiler ships in the final image.
    let bloat = report["bloat"].as_array().expect("bloat");
    assert!(
        bloat.iter().any(
            |b| b["path"] == "/usr/lib/jvm/java-17-openjdk-amd64/bin/javac" && b["rule"] == "MS501"
        ),
        "{bloat:?}"
    );

    let md = verify(&input, store, &["--format", "markdown"]).stdout;
    assert!(md.contains("| multi-stage final |"), "{md}");
    assert!(md.contains("```mermaid\nflowchart LR"), "{md}");
}

#[test]
fn a_broken_conversion_exits_1_listing_the_difference() {
    let Some((_serial, store)) = ready("a_broken_conversion_exits_1_listing_the_difference") else {
        return;
    };
    let dir = temp_dir("verify-broken");
    common::copy_tree(&fixture("testdata/convert/java-seed/input"), &dir);
    let expected =
        std::fs::read_to_string(fixture("testdata/convert/java-seed/expected/Dockerfile"))
            .expect("expected Dockerfile");
    // The artifact lands elsewhere and the command changed.
    let broken = expected
        .replace(
            "/app/HelloWorld.jar /app/HelloWorld.jar",
            "/app/HelloWorld.jar /app/Hello.jar",
        )
        .replace("CMD [\"java\"", "CMD [\"javaw\"");
    assert_ne!(broken, expected);
    std::fs::write(dir.join("Dockerfile.multistage"), broken).expect("write");
    let run = verify(
        &dir,
        store,
        &["--dockerfile", "Dockerfile.multistage", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report = json(&run);
    assert_eq!(report["equivalent"], false);
    let diffs = report["differences"].as_array().expect("differences");
    let paths: Vec<&str> = diffs.iter().filter_map(|d| d["path"].as_str()).collect();
    assert!(paths.contains(&"app/HelloWorld.jar"), "{paths:?}");
    assert!(paths.contains(&"app/Hello.jar"), "{paths:?}");
    assert!(paths.contains(&"Cmd"), "{paths:?}");
    assert!(
        diffs
            .iter()
            .all(|d| !d["explanation"].as_str().unwrap_or("").is_empty())
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unsupported_docker_flag_falls_back_to_replay() {
    let Some((_serial, store)) = ready("an_unsupported_docker_flag_falls_back_to_replay") else {
        return;
    };
    let run = verify(
        &fixture("testdata/verify/replay-fallback/input"),
        store,
        &["--format", "json"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = json(&run);
    assert_eq!(report["legacy"]["method"], "replay");
    assert_eq!(report["equivalent"], true);
    assert!(
        run.stderr.contains("replaying the reconstructed flow"),
        "{}",
        run.stderr
    );
    let text = verify(
        &fixture("testdata/verify/replay-fallback/input"),
        store,
        &[],
    );
    assert!(
        text.stdout.contains("unknown flag --squash"),
        "{}",
        text.stdout
    );
}

#[test]
fn with_fixes_ships_on_the_runtime_base() {
    let Some((_serial, store)) = ready("with_fixes_ships_on_the_runtime_base") else {
        return;
    };
    let run = verify(
        &fixture("testdata/verify/jdk-runtime/input"),
        store,
        &["--with-fixes"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("FROM eclipse-temurin:17-jdk → FROM eclipse-temurin:17-jre"),
        "{}",
        run.stdout
    );
    let report = json(&verify(
        &fixture("testdata/verify/jdk-runtime/input"),
        store,
        &["--with-fixes", "--format", "json"],
    ));
    assert!(
        report["multistage"]["with_fixes"]["size"]
            .as_u64()
            .is_some()
    );
    assert!(report["timings"]["with_fixes_seconds"].as_f64().is_some());
}

#[test]
fn the_html_report_renders_in_headless_chromium() {
    let Some((_serial, store)) = ready("the_html_report_renders_in_headless_chromium") else {
        return;
    };
    let dir = temp_dir("verify-html");
    let page = dir.join("report.html");
    let run = verify(
        &fixture("testdata/convert/java-seed/input"),
        store,
        &["--report", &page.display().to_string()],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let html = std::fs::read_to_string(&page).expect("report written");
    // Self-contained: nothing loaded from elsewhere.
    for external in ["src=\"http", "href=\"http", "<script src", "<link"] {
        assert!(!html.contains(external), "external resource `{external}`");
    }
    let Some(chromium) = ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }) else {
        assert!(
            std::env::var_os("MSMIGRATE_REQUIRE_CHROMIUM").is_none(),
            "chromium is required (apt-get install -y chromium)"
        );
        eprintln!(
            "\n*** SKIPPED the headless browser check: no chromium (apt-get install -y chromium) ***\n"
        );
        return;
    };
    let shot = dir.join("report.png");
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1200,1600",
        ])
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("id=\"verdict\""),
        "chromium rendered no report:\n{dom}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dom.contains("Equivalent: the multi-stage image equals the legacy image."));
    assert!(dom.contains("welcomeapp-builder:latest"));
    assert!(dom.contains("<svg id=\"stage-graph\""));
    assert!(dom.contains("<svg id=\"layer-chart\""));
    assert!(
        dom.matches("class=\"layer\"").count() >= 2,
        "one bar per layer"
    );
    let png = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(png > 1000, "no screenshot ({png} bytes)");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_empty_store_takes_base_images_from_docker_inside_the_script() {
    // A first run: the script's `docker build` (the shim) finds the base
    // image in the local Docker engine, behind the shim on PATH, so the
    // legacy script itself runs rather than a replay.
    let Some((_serial, _store)) =
        ready("an_empty_store_takes_base_images_from_docker_inside_the_script")
    else {
        return;
    };
    let empty = temp_dir("verify-empty-store");
    let run = verify(
        &fixture("testdata/convert/fan-out/input"),
        &empty,
        &["--format", "json"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let report = json(&run);
    assert_eq!(report["legacy"]["method"], "script", "{}", run.stderr);
    assert_eq!(report["equivalent"], true);
    let _ = std::fs::remove_dir_all(&empty);
}
