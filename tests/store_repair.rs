//! A damaged store (issue 7): a layer blob truncated or changed in place,
//! a config blob with the wrong digest. Each is detected, and the blob is
//! rebuilt (a cached step runs again, or the layer is written back from its
//! extracted tree) or fetched again (a base image from the local Docker
//! engine), so the next build gives the same image as before the damage.
//!
//! Root only (builds run RUN): skips loudly otherwise. The re-fetch part
//! needs Docker with busybox:latest (scripts/e2e-images); it skips loudly
//! without, and MSMIGRATE_REQUIRE_DOCKER=1 turns that into a failure.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;

use common::{busybox_rootfs, have_root};

struct Lab {
    dir: PathBuf,
}

impl Lab {
    fn new(name: &str) -> Lab {
        let dir = std::env::temp_dir().join(format!("msm-repair-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("ctx")).unwrap();
        Lab { dir }
    }
    fn store(&self) -> PathBuf {
        self.dir.join("store")
    }
    fn msmigrate(&self, args: &[&str], stdin: Option<&[u8]>, docker: bool) -> Output {
        let mut full: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let at = if args[0] == "image" { 2 } else { 1 };
        full.insert(at, "--store".into());
        full.insert(at + 1, self.store().display().to_string());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_msmigrate"));
        cmd.args(&full)
            .env("MSMIGRATE_OFFLINE", "1")
            .env("NO_COLOR", "1")
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if !docker {
            cmd.env("MSMIGRATE_NO_DOCKER_IMPORT", "1");
        }
        let mut child = cmd.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(data) = stdin {
            input.write_all(data).unwrap();
        }
        drop(input);
        child.wait_with_output().unwrap()
    }
    /// Builds `dockerfile`; the exported docker-archive's bytes.
    fn build(&self, dockerfile: &str, docker: bool) -> Vec<u8> {
        fs::write(self.dir.join("ctx/Dockerfile"), dockerfile).unwrap();
        let archive = self.dir.join("out.tar");
        let out = self.msmigrate(
            &[
                "build",
                "-q",
                "-t",
                "out:latest",
                "--output",
                &format!("docker-archive:{}", archive.display()),
                self.dir.join("ctx").to_str().unwrap(),
            ],
            None,
            docker,
        );
        assert!(
            out.status.success(),
            "build failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        fs::read(archive).unwrap()
    }
    fn blob(&self, hex: &str) -> PathBuf {
        self.store().join("blobs/sha256").join(hex)
    }
    /// The image `name`'s manifest from the store's index.
    fn manifest(&self, name: &str) -> serde_json::Value {
        let index: serde_json::Value =
            serde_json::from_slice(&fs::read(self.store().join("index.json")).unwrap()).unwrap();
        let digest = index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| {
                m["annotations"]["org.opencontainers.image.ref.name"]
                    .as_str()
                    .is_some_and(|n| n.ends_with(name))
            })
            .unwrap_or_else(|| panic!("{name} not in the store"))["digest"]
            .as_str()
            .unwrap()
            .to_string();
        let hex = digest.trim_start_matches("sha256:");
        serde_json::from_slice(&fs::read(self.blob(hex)).unwrap()).unwrap()
    }
    fn layer_blobs(&self, name: &str) -> Vec<PathBuf> {
        self.manifest(name)["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| self.blob(l["digest"].as_str().unwrap().trim_start_matches("sha256:")))
            .collect()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn flip_a_byte(path: &Path) {
    let mut data = fs::read(path).unwrap();
    let at = data.len() / 2;
    data[at] ^= 0x55;
    fs::write(path, data).unwrap();
}

fn truncate(path: &Path) {
    let len = fs::metadata(path).unwrap().len();
    fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
}

const DOCKERFILE: &str = "FROM base:latest\nRUN echo built > /made && echo more > /also\n";

#[test]
fn damaged_layers_of_a_built_image_are_rebuilt() {
    if !have_root("store repair tests") {
        return;
    }
    let lab = Lab::new("layers");
    let out = lab.msmigrate(
        &["image", "import", "-", "base:latest"],
        Some(&busybox_rootfs(&["sh"])),
        false,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first = lab.build(DOCKERFILE, false);
    let run_layer = lab.layer_blobs("out:latest").pop().unwrap();
    let pristine = fs::read(&run_layer).unwrap();

    // Changed in place, same size: the export finds it and writes the layer
    // back from its extracted tree.
    flip_a_byte(&run_layer);
    assert_eq!(lab.build(DOCKERFILE, false), first);
    assert_eq!(fs::read(&run_layer).unwrap(), pristine);

    // Truncated: the cached step is not trusted and runs again.
    truncate(&run_layer);
    assert_eq!(lab.build(DOCKERFILE, false), first);
    assert_eq!(fs::read(&run_layer).unwrap(), pristine);

    // Gone altogether.
    fs::remove_file(&run_layer).unwrap();
    assert_eq!(lab.build(DOCKERFILE, false), first);
    assert_eq!(fs::read(&run_layer).unwrap(), pristine);
}

fn docker_has_busybox() -> bool {
    let ok = Command::new("/usr/bin/docker")
        .args(["image", "inspect", "busybox:latest"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("MSMIGRATE_REQUIRE_DOCKER").as_deref() != Ok("1"),
            "Docker with busybox:latest is required"
        );
        eprintln!("*** SKIPPED: needs Docker with busybox:latest ***");
    }
    ok
}

#[test]
fn a_damaged_base_image_is_fetched_again() {
    if !have_root("store repair tests") || !docker_has_busybox() {
        return;
    }
    let lab = Lab::new("base");
    let saved = Command::new("/usr/bin/docker")
        .args(["save", "busybox:latest"])
        .output()
        .unwrap();
    assert!(saved.status.success());
    let out = lab.msmigrate(&["image", "load"], Some(&saved.stdout), false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dockerfile = "FROM busybox:latest\nRUN echo x > /x\n";
    let first = lab.build(dockerfile, true);

    // The base's config blob with the wrong content, then a base layer cut
    // short: each time the base is taken from Docker again.
    let config = lab.manifest("busybox:latest")["config"]["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_string();
    flip_a_byte(&lab.blob(&config));
    assert_eq!(lab.build(dockerfile, true), first);
    let layer = lab.layer_blobs("busybox:latest").remove(0);
    truncate(&layer);
    assert_eq!(lab.build(dockerfile, true), first);

    // Without a source to fetch from, the damage is a clear error.
    flip_a_byte(&lab.blob(&config));
    fs::write(lab.dir.join("ctx/Dockerfile"), dockerfile).unwrap();
    let out = lab.msmigrate(
        &["build", "--no-cache", lab.dir.join("ctx").to_str().unwrap()],
        None,
        false,
    );
    assert_eq!(out.status.code(), Some(2));
    let mut stderr = String::new();
    out.stderr.as_slice().read_to_string(&mut stderr).unwrap();
    assert!(stderr.contains("busybox"), "{stderr}");
}
