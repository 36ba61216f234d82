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
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

mod common;

use common::convert_case;
use msmigrate::convert;

fn docker_bin() -> String {
    std::env::var("MSMIGRATE_DOCKER").unwrap_or_else(|_| "/usr/bin/docker".to_string())
}

fn docker(args: &[&str]) -> Result<Vec<u8>, String> {
    docker_with(args, false)
}

/// Runs docker with the classic builder, or with BuildKit when `buildkit`
/// (what a Dockerfile-specific `.dockerignore` needs).
fn docker_with(args: &[&str], buildkit: bool) -> Result<Vec<u8>, String> {
    let out = Command::new(docker_bin())
        .args(args)
        .env("DOCKER_BUILDKIT", if buildkit { "1" } else { "0" })
        .output()
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "docker {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(out.stdout)
}

fn engine_ready() -> Result<(), String> {
    docker(&["info", "--format", "{{.ServerVersion}}"])?;
    docker(&["image", "inspect", "busybox:latest"])
        .map_err(|_| "base images missing: run scripts/e2e-images".to_string())?;
    Ok(())
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("msmigrate-e2e-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Path → description of every entry of the image's exported filesystem.
fn filesystem(image: &str) -> Result<BTreeMap<String, String>, String> {
    let id = String::from_utf8_lossy(&docker(&["create", image])?)
        .trim()
        .to_string();
    let tar = docker(&["export", &id]);
    let _ = docker(&["rm", "-f", &id]);
    let tar = tar?;
    let mut archive = tar::Archive::new(tar.as_slice());
    let mut entries = BTreeMap::new();
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let header = entry.header().clone();
        let path = entry
            .path()
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .trim_end_matches('/')
            .to_string();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).map_err(|e| e.to_string())?;
        let link = entry
            .link_name()
            .ok()
            .flatten()
            .map(|l| l.to_string_lossy().into_owned())
            .unwrap_or_default();
        entries.insert(
            path,
            format!(
                "{:?} mode={:o} uid={} gid={} size={} sha256={} link={link}",
                header.entry_type(),
                header.mode().unwrap_or(0),
                header.uid().unwrap_or(0),
                header.gid().unwrap_or(0),
                content.len(),
                Sha256::digest(&content)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            ),
        );
    }
    Ok(entries)
}

fn runtime_config(image: &str) -> Result<String, String> {
    let out = docker(&[
        "image",
        "inspect",
        "--format",
        "{{json .Config.Cmd}} {{json .Config.Entrypoint}} {{json .Config.Env}} {{json .Config.WorkingDir}} {{json .Config.User}} {{json .Config.ExposedPorts}} {{json .Config.Labels}} {{json .Config.Volumes}}",
        image,
    ])?;
    Ok(String::from_utf8_lossy(&out).trim().to_string())
}

fn differences(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for (path, left) in a {
        match b.get(path) {
            None => out.push(format!("only in legacy: {path} {left}")),
            Some(right) if right != left => out.push(format!(
                "{path}:\n    legacy    {left}\n    converted {right}"
            )),
            _ => {}
        }
    }
    for (path, right) in b {
        if !a.contains_key(path) {
            out.push(format!("only in converted: {path} {right}"));
        }
    }
    out
}

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
        let legacy_config = runtime_config(tag)?;

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
        let converted_config = runtime_config(&converted_tag)?;
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

#[test]
fn converted_images_equal_legacy_images_on_docker() {
    if let Err(why) = engine_ready() {
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
