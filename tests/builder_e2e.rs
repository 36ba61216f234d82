//! The embedded builder against the real engine: every
//! `testdata/builder/cases/<case>` is built by BuildKit (`DOCKER_BUILDKIT=1
//! docker build --network=none`) and by `msmigrate build --output
//! docker-archive:…`, the archive is `docker load`ed, and the two images
//! must have identical exported filesystems (path, type, mode, uid/gid,
//! size, content hash, link target), configs and reported sizes.
//!
//! A case folder is the build context, with its `Dockerfile`; an optional
//! `options` file holds `target=STAGE` and `arg=KEY=VALUE` lines. The base
//! images come from `scripts/e2e-images` and reach msmigrate's store through
//! `docker save | msmigrate image load`.
//!
//! Needs root and a running dockerd (scripts/test provides both and sets
//! MSMIGRATE_REQUIRE_DOCKER=1; elsewhere the test skips loudly).
//! `MSMIGRATE_BUILD_CASES=a,b` runs only those cases.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::docker::*;

fn msmigrate() -> Command {
    Command::new(env!("CARGO_BIN_EXE_msmigrate"))
}

fn run(cmd: &mut Command) -> Result<Vec<u8>, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(out.stdout)
}

struct CaseOptions {
    target: Option<String>,
    args: Vec<String>,
}

fn options(case: &Path) -> CaseOptions {
    let text = std::fs::read_to_string(case.join("options")).unwrap_or_default();
    CaseOptions {
        target: text
            .lines()
            .find_map(|l| l.strip_prefix("target=").map(str::to_string)),
        args: text
            .lines()
            .filter_map(|l| l.strip_prefix("arg=").map(str::to_string))
            .collect(),
    }
}

/// The case's context in a scratch folder (builds never write into
/// testdata), with generated inputs too big to commit.
fn prepare(case: &Path, work: &Path) -> PathBuf {
    let name = case.file_name().unwrap();
    let ctx = work.join(name);
    common::copy_tree(case, &ctx);
    // State the engine keeps between builds (cache mounts) is keyed by an
    // id unique to this run, so what earlier builds left cannot show.
    let dockerfile = ctx.join("Dockerfile");
    let text = std::fs::read_to_string(&dockerfile).unwrap();
    if text.contains("@RUN_ID@") {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let id = format!("{}-{}", std::process::id(), now.as_nanos());
        std::fs::write(&dockerfile, text.replace("@RUN_ID@", &id)).unwrap();
    }
    if ctx.join("many").is_dir() {
        for i in 0..4000 {
            std::fs::write(
                ctx.join("many").join(format!("file{i:04}")),
                format!("{i}\n"),
            )
            .unwrap();
        }
    }
    ctx
}

/// The layers of an image on the engine.
fn layers(image: &str) -> Result<String, String> {
    docker(&[
        "image",
        "inspect",
        "--format",
        "{{json .RootFS.Layers}}",
        image,
    ])
    .map(|o| String::from_utf8_lossy(&o).trim().to_string())
}

fn check_case(case: &Path, store: &Path, work: &Path, base: &str) -> Result<(), String> {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    // BuildKit reads busybox:latest from the engine at each build, ours
    // from the copy loaded at the start: if another suite re-made the tag
    // with other content meanwhile, say so instead of reporting a diff.
    let now = layers("busybox:latest")?;
    if now != base {
        return Err(format!(
            "busybox:latest changed on the engine during the run (layers {base} then {now}): was scripts/e2e-images of another version run?"
        ));
    }
    let ctx = prepare(case, work);
    let opts = options(case);
    // Tags of this run only: a concurrent run on the same engine (another
    // checkout's tests) would otherwise tag over or remove ours.
    let pid = std::process::id();
    let reference = format!("msmigrate-ref/{name}:{pid}");
    let ours = format!("msmigrate-ours/{name}:{pid}");

    let mut docker_args = vec![
        "build".to_string(),
        "--network=none".into(),
        "-q".into(),
        "-t".into(),
        reference.clone(),
    ];
    let mut our_args = vec![
        "build".to_string(),
        "-q".into(),
        "--store".into(),
        store.display().to_string(),
        "-t".into(),
        ours.clone(),
    ];
    if let Some(t) = &opts.target {
        for a in [&mut docker_args, &mut our_args] {
            a.push("--target".into());
            a.push(t.clone());
        }
    }
    for arg in &opts.args {
        for a in [&mut docker_args, &mut our_args] {
            a.push("--build-arg".into());
            a.push(arg.clone());
        }
    }
    let archive = work.join(format!("{name}.tar"));
    our_args.push("--output".into());
    our_args.push(format!("docker-archive:{}", archive.display()));
    docker_args.push(ctx.display().to_string());
    our_args.push(ctx.display().to_string());

    let docker_args: Vec<&str> = docker_args.iter().map(String::as_str).collect();
    docker_with(&docker_args, true)?;
    run(msmigrate().args(&our_args).env("SOURCE_DATE_EPOCH", "0"))?;
    docker(&["load", "-q", "-i", &archive.display().to_string()])?;

    let mut problems = Vec::new();
    let (a, b) = (filesystem(&reference)?, filesystem(&ours)?);
    let diffs = differences_named(&a, &b, "buildkit", "msmigrate");
    if !diffs.is_empty() {
        problems.push(format!("filesystems differ:\n  {}", diffs.join("\n  ")));
    }
    let (ca, cb) = (
        runtime_config(&reference, BUILD_FIELDS)?,
        runtime_config(&ours, BUILD_FIELDS)?,
    );
    if ca != cb {
        problems.push(format!(
            "configs differ:\n  buildkit  {ca}\n  msmigrate {cb}"
        ));
    }
    // Docker 20.10 sizes a layer BuildKit built by the file bytes of its
    // tar (symlinks count 0) but a loaded layer by its unpacked directory
    // (a symlink counts its target's length), so the same content has two
    // sizes there. Ours must equal BuildKit's once the symlink targets of
    // our own layers (those not shared with the BuildKit image) are taken
    // out.
    let (sa, sb) = (docker_size(&reference)?, docker_size(&ours)?);
    let links = own_symlink_bytes(&archive, &reference)?;
    if sa != sb - links {
        problems.push(format!(
            "sizes differ: buildkit {sa}, msmigrate {sb} ({links} of it symlink targets Docker counts only in loaded layers)"
        ));
    }
    let _ = docker(&["rmi", "-f", &reference, &ours]);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// The bytes of symlink targets in the layers of our archive that the
/// BuildKit image does not share.
fn own_symlink_bytes(archive: &Path, reference: &str) -> Result<u64, String> {
    let shared = String::from_utf8_lossy(&docker(&[
        "image",
        "inspect",
        "--format",
        "{{json .RootFS.Layers}}",
        reference,
    ])?)
    .into_owned();
    let bytes = std::fs::read(archive).map_err(|e| e.to_string())?;
    let mut files = std::collections::BTreeMap::new();
    let mut outer = tar::Archive::new(bytes.as_slice());
    for entry in outer.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let path = entry
            .path()
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).map_err(|e| e.to_string())?;
        files.insert(path, data);
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(files.get("manifest.json").ok_or("no manifest.json")?)
            .map_err(|e| e.to_string())?;
    let mut total = 0;
    for layer in manifest[0]["Layers"].as_array().ok_or("no Layers")? {
        let path = layer.as_str().unwrap_or_default();
        // Layers are stored uncompressed, named by their diff ID.
        let digest = format!("sha256:{}", path.rsplit('/').next().unwrap_or_default());
        if shared.contains(&digest) {
            continue;
        }
        let data = files.get(path).ok_or_else(|| format!("{path} missing"))?;
        for entry in tar::Archive::new(data.as_slice())
            .entries()
            .map_err(|e| e.to_string())?
        {
            let entry = entry.map_err(|e| e.to_string())?;
            if entry.header().entry_type().is_symlink() {
                total += entry.link_name_bytes().map_or(0, |l| l.len() as u64);
            }
        }
    }
    Ok(total)
}

#[test]
fn builds_equal_buildkit_builds() {
    let required = std::env::var_os("MSMIGRATE_REQUIRE_DOCKER").is_some_and(|v| v == "1");
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if let Err(why) = engine_ready().and_then(|()| {
        if root {
            Ok(())
        } else {
            Err("not root".to_string())
        }
    }) {
        assert!(
            !required,
            "the Docker engine and root are required here: {why}"
        );
        eprintln!(
            "*** SKIPPED: the embedded builder's comparison with BuildKit needs root and Docker: {why} ***"
        );
        return;
    }
    let work = temp_dir("builder");
    let store = work.join("store");
    let base;
    // The base images, from Docker into msmigrate's store.
    // Every case builds on busybox:latest (or scratch).
    {
        let image = "busybox:latest";
        base = layers(image).unwrap();
        let saved = work.join("base.tar");
        docker(&["save", "-o", &saved.display().to_string(), image]).unwrap();
        run(msmigrate()
            .args(["image", "load", "--store"])
            .arg(&store)
            .arg("-i")
            .arg(&saved))
        .unwrap();
    }
    let root_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/builder/cases");
    let only: Option<Vec<String>> = std::env::var("MSMIGRATE_BUILD_CASES")
        .ok()
        .map(|v| v.split(',').map(str::to_string).collect());
    let mut cases = common::case_dirs(&root_dir, "Dockerfile");
    if let Some(only) = &only {
        cases.retain(|c| only.iter().any(|o| c.ends_with(o)));
    }
    assert!(
        only.is_some() || cases.len() >= 30,
        "only {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(e) = check_case(case, &store, &work, &base) {
            failures.push(format!(
                "== {}\n{e}",
                case.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from BuildKit:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
