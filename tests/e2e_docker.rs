//! End-to-end equivalence on a real Docker engine: for every convert case
//! with an emitted Dockerfile, the legacy script is run as-is, the converted
//! Dockerfile is built, and the two final images must be identical: every
//! path of their exported filesystems (type, mode, owner, size, content
//! hash, link target) and their runtime config.
//!
//! Needs a running dockerd and the local base images of `scripts/e2e-images`
//! (scripts/test sets both up and sets MSMIGRATE_REQUIRE_DOCKER=1, which
//! turns a missing engine into a failure instead of a loud skip).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

mod common;

use common::convert_case;
use common::docker::*;
use msmigrate::convert;

fn check_case(case: &Path) -> Result<(), String> {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let input = case.join("input");
    // Only full conversions are claimed to be equivalent; partial ones and
    // setups with nothing emitted are covered by the golden test.
    let targets: Vec<convert::Conversion> = convert_case(case)
        .into_iter()
        .filter(|c| {
            c.status == convert::Status::Converted && c.output.is_some() && c.target_image.is_some()
        })
        .collect();
    if targets.is_empty() {
        return Ok(());
    }

    // The legacy flow, run as-is with the real docker CLI first on PATH.
    let legacy = temp_dir(&format!("{name}-legacy"));
    common::copy_tree(&input, &legacy);
    let bin = temp_dir(&format!("{name}-bin"));
    std::os::unix::fs::symlink(docker_bin(), bin.join("docker")).unwrap();
    // Scripts written for a workstation call `sudo docker`; as root it only runs the command.
    std::fs::write(bin.join("sudo"), "#!/bin/sh\nexec \"$@\"\n").unwrap();
    std::fs::set_permissions(
        bin.join("sudo"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // The driver as its users run it: `bash build.sh`, or `make`.
    let script = common::driver(case);
    let (program, arg) = if input.join(&script).exists() {
        ("bash", script.as_str())
    } else {
        ("make", "-s")
    };
    let status = Command::new(program)
        .arg(arg)
        .current_dir(&legacy)
        // As a shell started there would have it (`-v $(PWD):/src` in Makefiles).
        .env("PWD", &legacy)
        .env("PATH", path)
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .map_err(|e| e.to_string())?;
    if !status.status.success() {
        return Err(format!(
            "{name}: the legacy script failed:\n{}",
            String::from_utf8_lossy(&status.stderr)
        ));
    }

    // Paths the case declares as expected to differ (the runtime Dockerfile
    // itself, when the image copies the whole context), which must differ.
    let expected: Vec<String> = std::fs::read_to_string(case.join("expected-differences"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    let mut diffs = Vec::new();
    // Every runtime image of every output: each is built from the output
    // with its own `--target` and build args.
    let images: Vec<(&convert::Conversion, &convert::Target)> = targets
        .iter()
        .flat_map(|c| c.targets.iter().map(move |t| (c, t)))
        .collect();
    if images.is_empty() {
        return Err(format!("{name}: a converted output names no image"));
    }
    for (n, (conversion, image)) in images.iter().enumerate() {
        let (Some(output), Some(dockerfile), Some(context), Some(tag)) = (
            &conversion.output,
            &conversion.dockerfile,
            &conversion.context,
            &image.image,
        ) else {
            return Err(format!("{name}: an image without a tag cannot be compared"));
        };
        let legacy_fs = filesystem(tag)?;
        let legacy_config = runtime_config(tag, CONVERT_FIELDS)?;

        // The converted Dockerfile, built from a fresh copy of the setup.
        let converted = temp_dir(&format!("{name}-converted-{n}"));
        common::copy_tree(&input, &converted);
        std::fs::write(converted.join(dockerfile), output).unwrap();
        // A Dockerfile-specific ignore file only works with BuildKit; this
        // engine's BuildKit has no network here (the bridge is off).
        let buildkit = conversion.dockerignore.is_some();
        if let Some(ignore) = &conversion.dockerignore {
            std::fs::write(converted.join(&ignore.path), &ignore.content).unwrap();
        }
        let converted_tag = format!("msmigrate-e2e/{name}-{n}:converted");
        let df = converted.join(dockerfile).display().to_string();
        let ctx = converted.join(context).display().to_string();
        let mut args = vec!["build", "-q", "-t", &converted_tag, "-f", &df];
        if buildkit {
            args.push("--network=none");
        }
        if let Some(t) = &image.target {
            args.push("--target");
            args.push(t);
        }
        let build_args: Vec<String> = image
            .build_args
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for a in &build_args {
            args.push("--build-arg");
            args.push(a);
        }
        args.push(&ctx);
        docker_with(&args, buildkit)
            .map_err(|e| format!("{name}: the converted Dockerfile does not build: {e}"))?;
        let converted_fs = filesystem(&converted_tag)?;
        let converted_config = runtime_config(&converted_tag, CONVERT_FIELDS)?;
        let _ = std::fs::remove_dir_all(&converted);

        for path in &expected {
            if legacy_fs.get(path) == converted_fs.get(path) {
                diffs.push(format!("{tag}: {path} was expected to differ but does not"));
            }
        }
        let keep = |fs: &BTreeMap<String, String>| -> BTreeMap<String, String> {
            fs.iter()
                .filter(|(p, _)| !expected.contains(p))
                .map(|(p, d)| (p.clone(), d.clone()))
                .collect()
        };
        diffs.extend(
            differences(&keep(&legacy_fs), &keep(&converted_fs))
                .into_iter()
                .map(|d| format!("{tag}: {d}")),
        );
        if legacy_config != converted_config {
            diffs.push(format!("{tag}: runtime config:\n    legacy    {legacy_config}\n    converted {converted_config}"));
        }
    }
    let _ = std::fs::remove_dir_all(&legacy);
    let _ = std::fs::remove_dir_all(&bin);
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(format!("{name}: images differ:\n  {}", diffs.join("\n  ")))
    }
}

/// The builder tags must be the real toolchains of scripts/e2e-toolchains
/// (which labels them): a stand-in or a busybox under those names would let
/// the cases build without showing how options reach the real tools.
fn toolchains_ready() -> Result<(), String> {
    for tag in [
        "golang:1.22",
        "golang:1.7.3",
        "openjdk:latest",
        "maven:3-eclipse-temurin-17",
        "gcc:13",
        "node:20",
    ] {
        let label = docker(&[
            "image",
            "inspect",
            "--format",
            "{{index .Config.Labels \"msmigrate.e2e.toolchains.tag\"}}",
            tag,
        ])
        .unwrap_or_default();
        if String::from_utf8_lossy(&label).trim().is_empty() {
            return Err(format!(
                "{tag} is not the toolchain image: run scripts/e2e-images"
            ));
        }
    }
    Ok(())
}

#[test]
fn converted_images_equal_legacy_images_on_docker() {
    if let Err(why) = engine_ready().and_then(|()| toolchains_ready()) {
        if std::env::var_os("MSMIGRATE_REQUIRE_DOCKER").is_some() {
            panic!("the Docker engine is required here: {why}");
        }
        eprintln!(
            "\n*** SKIPPED end-to-end Docker tests: {why} ***\n*** run scripts/test (as root) to run them ***\n"
        );
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/convert");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in &cases {
        if !case.join("expected/Dockerfile").exists() || case.join("no-e2e").exists() {
            continue;
        }
        // MSMIGRATE_E2E_CASES=a,b runs only those cases (for quick checks).
        if let Ok(only) = std::env::var("MSMIGRATE_E2E_CASES") {
            let name = case
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if !only.split(',').any(|c| c == name) {
                continue;
            }
        }
        checked += 1;
        let started = std::time::Instant::now();
        let result = check_case(case);
        eprintln!(
            "e2e {}: {:.1}s",
            case.display(),
            started.elapsed().as_secs_f64()
        );
        if let Err(e) = result {
            failures.push(e);
        }
    }
    assert!(checked > 0, "no convert case was checked end to end");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
