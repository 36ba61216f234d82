//! The OCI layouts `msmigrate build --output oci:DIR|oci-archive:FILE`
//! writes, read by other consumers: skopeo (inspect, copy) and umoci
//! (unpack), both from Debian. Needs root (the build runs RUN) and the two
//! tools; scripts/test installs them and sets MSMIGRATE_REQUIRE_OCI_TOOLS=1,
//! elsewhere the test skips loudly.

use std::path::Path;
use std::process::Command;

fn tool_ok(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn skopeo_and_umoci_read_our_oci_layouts() {
    let required = std::env::var_os("MSMIGRATE_REQUIRE_OCI_TOOLS").is_some_and(|v| v == "1");
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let tools = tool_ok("skopeo") && tool_ok("umoci");
    if !(root && tools) {
        assert!(!required, "root, skopeo and umoci are required here");
        eprintln!(
            "*** SKIPPED: reading our OCI layouts with skopeo and umoci needs root and both tools ***"
        );
        return;
    }
    let work = std::env::temp_dir().join(format!("msmigrate-oci-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let store = work.join("store");
    // A base image made here, so the test needs no Docker: busybox's
    // static binary as the whole root filesystem.
    let rootfs = work.join("rootfs");
    std::fs::create_dir_all(rootfs.join("bin")).unwrap();
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("busybox-static is installed");
    std::fs::copy(busybox, rootfs.join("bin/busybox")).unwrap();
    std::os::unix::fs::symlink("busybox", rootfs.join("bin/sh")).unwrap();
    let base_tar = work.join("base.tar");
    run(Command::new("tar")
        .arg("-C")
        .arg(&rootfs)
        .args(["--numeric-owner", "--owner=0", "--group=0", "-cf"])
        .arg(&base_tar)
        .arg("."));
    let bin = env!("CARGO_BIN_EXE_msmigrate");
    run(Command::new(bin)
        .args(["image", "import", "--store"])
        .arg(&store)
        .arg(&base_tar)
        .arg("oci-test-base:1"));

    let ctx = work.join("ctx");
    std::fs::create_dir_all(&ctx).unwrap();
    std::fs::write(ctx.join("hello.txt"), "hello\n").unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        "FROM oci-test-base:1\nCOPY hello.txt /hello.txt\nRUN /bin/busybox ln -s /hello.txt /link && /bin/busybox rm /bin/sh\nCMD [\"/bin/busybox\", \"cat\", \"/hello.txt\"]\n",
    )
    .unwrap();
    let layout = work.join("layout");
    let archive = work.join("image.tar");
    let id = run(Command::new(bin)
        .args(["build", "-q", "-t", "oci-test:v1", "--store"])
        .arg(&store)
        .arg("--output")
        .arg(format!("oci:{}", layout.display()))
        .arg(&ctx)
        .env("SOURCE_DATE_EPOCH", "0"));
    let id = id.trim();
    run(Command::new(bin)
        .args(["build", "-q", "-t", "oci-test:v1", "--store"])
        .arg(&store)
        .arg("--output")
        .arg(format!("oci-archive:{}", archive.display()))
        .arg(&ctx)
        .env("SOURCE_DATE_EPOCH", "0"));

    // skopeo reads both forms, and the config digest is the image ID.
    for reference in [
        format!("oci:{}:v1", layout.display()),
        format!("oci-archive:{}", archive.display()),
    ] {
        let raw = run(Command::new("skopeo").args(["inspect", "--config", "--raw", &reference]));
        let config: serde_json::Value = serde_json::from_str(&raw).unwrap();
        assert_eq!(config["config"]["Cmd"][1], "cat", "{raw}");
        let manifest = run(Command::new("skopeo").args(["inspect", "--raw", &reference]));
        let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
        assert_eq!(manifest["config"]["digest"], id, "{reference}");
    }
    // skopeo copies it to another layout without complaint.
    let copy = work.join("copy");
    run(Command::new("skopeo").args([
        "copy",
        &format!("oci:{}:v1", layout.display()),
        &format!("oci:{}:copied", copy.display()),
    ]));

    // umoci unpacks the layers into the tree the build made: the COPY, the
    // symlink, and /bin/sh deleted by a whiteout.
    let bundle = work.join("bundle");
    run(Command::new("umoci")
        .args(["unpack", "--image"])
        .arg(format!("{}:v1", layout.display()))
        .arg(&bundle));
    let rootfs = bundle.join("rootfs");
    assert_eq!(
        std::fs::read_to_string(rootfs.join("hello.txt")).unwrap(),
        "hello\n"
    );
    assert_eq!(
        std::fs::read_link(rootfs.join("link")).unwrap(),
        Path::new("/hello.txt")
    );
    assert!(rootfs.join("bin/busybox").is_file());
    assert!(
        std::fs::symlink_metadata(rootfs.join("bin/sh")).is_err(),
        "the whiteout was not applied"
    );
    let _ = std::fs::remove_dir_all(&work);
}
