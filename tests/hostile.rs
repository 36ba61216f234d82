//! Hostile images and build contexts (issue 7): layer tars with `../`
//! names, absolute paths, symlinks pointing out of the root with entries
//! written through them, hardlinks to host files, whiteouts of `.` and `..`,
//! device nodes, FIFOs, huge and sparse sizes, decompression bombs;
//! contexts with symlink loops and COPY sources that try to leave the
//! context.
//!
//! Each case is imported into a fresh store with `msmigrate image import`
//! and built on with `msmigrate build`. Nothing may be read or written
//! outside the rootfs or the context: host sentinel directories must stay
//! as they were, no host secret may show up in an exported image, and every
//! run ends (no hang) with either a clear error or a contained result.
//!
//! Root only (mknod, chown, namespaces): skips loudly otherwise;
//! MSMIGRATE_REQUIRE_ROOT=1 turns the skip into a failure.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

mod common;

use common::{busybox, have_root, run_with_deadline};

const SECRET: &str = "HOST-SECRET-5f1c2e9a-do-not-leak";

/// A scratch area with a host "sentinel" directory that holds a secret and
/// must not change, a store, and a context.
struct Lab {
    dir: PathBuf,
}

impl Lab {
    fn new(name: &str) -> Lab {
        let dir = std::env::temp_dir().join(format!("msm-hostile-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("host")).unwrap();
        fs::create_dir_all(dir.join("ctx")).unwrap();
        fs::write(dir.join("host/secret"), SECRET).unwrap();
        Lab { dir }
    }
    fn host(&self) -> PathBuf {
        self.dir.join("host")
    }
    fn ctx(&self) -> PathBuf {
        self.dir.join("ctx")
    }
    fn store(&self) -> PathBuf {
        self.dir.join("store")
    }
    /// The sentinel directory's listing with sizes: it must never change.
    fn host_listing(&self) -> Vec<(String, u64)> {
        let mut out: Vec<(String, u64)> = walkdir::WalkDir::new(self.host())
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| {
                let m = e.path().symlink_metadata().unwrap();
                (e.path().display().to_string(), m.len())
            })
            .collect();
        out.sort();
        out
    }
    fn msmigrate(&self, args: &[&str]) -> Output {
        let mut full: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        // `--store` goes after the subcommand (and `image import`).
        let at = if full.first().map(String::as_str) == Some("image") {
            2
        } else {
            1
        };
        full.insert(at, "--store".into());
        full.insert(at + 1, self.store().display().to_string());
        run_with_deadline(
            Command::new(env!("CARGO_BIN_EXE_msmigrate"))
                .args(&full)
                .env("MSMIGRATE_OFFLINE", "1")
                .env("MSMIGRATE_NO_DOCKER_IMPORT", "1")
                .env("NO_COLOR", "1"),
            Duration::from_secs(120),
        )
    }
    fn import(&self, tar: &[u8], name: &str) {
        self.try_import(tar, name)
            .unwrap_or_else(|e| panic!("import failed: {e}"));
    }
    fn try_import(&self, tar: &[u8], name: &str) -> Result<(), String> {
        let path = self.dir.join(format!("{}.tar", name.replace(':', "-")));
        fs::write(&path, tar).unwrap();
        let out = self.msmigrate(&["image", "import", path.to_str().unwrap(), name]);
        if out.status.success() {
            Ok(())
        } else {
            assert_eq!(out.status.code(), Some(2), "{}", text(&out));
            Err(text(&out))
        }
    }
    /// Builds `dockerfile` over the context; the exported archive's bytes
    /// on success.
    fn build(&self, dockerfile: &str) -> Result<Vec<u8>, String> {
        fs::write(self.ctx().join("Dockerfile"), dockerfile).unwrap();
        let archive = self.dir.join("out.tar");
        let _ = fs::remove_file(&archive);
        let out = self.msmigrate(&[
            "build",
            "--no-cache",
            "-q",
            "--output",
            &format!("docker-archive:{}", archive.display()),
            self.ctx().to_str().unwrap(),
        ]);
        if out.status.success() {
            Ok(fs::read(&archive).unwrap())
        } else {
            let message = text(&out);
            assert_eq!(out.status.code(), Some(2), "{message}");
            assert!(!message.contains("panicked"), "{message}");
            Err(message)
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// The exit code and both streams, with miette's wrapped lines joined so
/// messages can be searched for.
fn text(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let joined: Vec<&str> = stderr
        .lines()
        .map(|l| {
            l.trim_start()
                .trim_start_matches(['|', 'x', '`', '-', '>'])
                .trim()
        })
        .collect();
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}\njoined: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        stderr,
        joined.join(" ")
    )
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------------------
// Layer tars with arbitrary (hostile) headers
// ---------------------------------------------------------------------------

/// Writes tar entries with names taken verbatim (the `tar` crate's path
/// setters refuse `..`, which is the point here).
struct RawTar {
    b: tar::Builder<Vec<u8>>,
}

impl RawTar {
    /// Starts with a busybox userland (`/bin/busybox` and applet links).
    fn with_busybox() -> RawTar {
        let mut t = RawTar {
            b: tar::Builder::new(Vec::new()),
        };
        let busybox = fs::read(busybox()).unwrap();
        for d in ["bin/", "tmp/", "etc/"] {
            t.dir(d);
        }
        t.file("bin/busybox", &busybox, 0o755);
        for applet in [
            "sh", "cat", "head", "wc", "ls", "echo", "true", "test", "stat",
        ] {
            t.symlink(&format!("bin/{applet}"), "busybox");
        }
        t.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n", 0o644);
        t.file("etc/group", b"root:x:0:\n", 0o644);
        t
    }
    fn header(name: &str, kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_size(size);
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        let bytes = name.as_bytes();
        assert!(bytes.len() < 100, "keep hostile names short");
        let gnu = h.as_gnu_mut().unwrap();
        gnu.name = [0; 100];
        gnu.name[..bytes.len()].copy_from_slice(bytes);
        h.set_cksum();
        h
    }
    fn set_link(h: &mut tar::Header, target: &str) {
        let gnu = h.as_gnu_mut().unwrap();
        gnu.linkname = [0; 100];
        gnu.linkname[..target.len()].copy_from_slice(target.as_bytes());
        h.set_cksum();
    }
    fn dir(&mut self, name: &str) {
        let h = Self::header(name, tar::EntryType::Directory, 0o755, 0);
        self.b.append(&h, std::io::empty()).unwrap();
    }
    fn file(&mut self, name: &str, data: &[u8], mode: u32) {
        let h = Self::header(name, tar::EntryType::Regular, mode, data.len() as u64);
        self.b.append(&h, data).unwrap();
    }
    fn symlink(&mut self, name: &str, target: &str) {
        let mut h = Self::header(name, tar::EntryType::Symlink, 0o777, 0);
        Self::set_link(&mut h, target);
        self.b.append(&h, std::io::empty()).unwrap();
    }
    fn hardlink(&mut self, name: &str, target: &str) {
        let mut h = Self::header(name, tar::EntryType::Link, 0o644, 0);
        Self::set_link(&mut h, target);
        self.b.append(&h, std::io::empty()).unwrap();
    }
    fn device(&mut self, name: &str, kind: tar::EntryType, major: u32, minor: u32) {
        let mut h = Self::header(name, kind, 0o666, 0);
        h.set_device_major(major).unwrap();
        h.set_device_minor(minor).unwrap();
        h.set_cksum();
        self.b.append(&h, std::io::empty()).unwrap();
    }
    /// A directory or file of any name length (GNU long-name headers).
    fn long(&mut self, name: &str, data: Option<&[u8]>) {
        let (kind, mode, bytes) = match data {
            Some(d) => (tar::EntryType::Regular, 0o644, d),
            None => (tar::EntryType::Directory, 0o755, &b""[..]),
        };
        let mut h = Self::header("placeholder", kind, mode, bytes.len() as u64);
        self.b.append_data(&mut h, name, bytes).unwrap();
    }
    /// A regular-file header that claims `size` bytes, followed by
    /// `data` only (a truncated or lying entry).
    fn lying_file(&mut self, name: &str, size: u64, data: &[u8]) {
        let h = Self::header(name, tar::EntryType::Regular, 0o644, size);
        let inner = self.b.get_mut();
        inner.extend_from_slice(h.as_bytes());
        inner.extend_from_slice(data);
    }
    /// A GNU sparse file of `real` bytes holding one byte of data at the end.
    fn sparse(&mut self, name: &str, real: u64) {
        let mut h = Self::header(name, tar::EntryType::GNUSparse, 0o644, 512);
        let gnu = h.as_gnu_mut().unwrap();
        gnu.sparse[0].offset = octal12(real - 512);
        gnu.sparse[0].numbytes = octal12(512);
        gnu.realsize = octal12(real);
        h.set_cksum();
        self.b.append(&h, &[b'x'; 512][..]).unwrap();
    }
    fn finish(self) -> Vec<u8> {
        self.b.into_inner().unwrap()
    }
}

/// A 12-byte tar number field, base-256 for big values as GNU tar writes.
fn octal12(n: u64) -> [u8; 12] {
    let mut f = [0u8; 12];
    let s = format!("{n:011o}");
    if s.len() <= 11 {
        f[..11].copy_from_slice(s.as_bytes());
    } else {
        f[0] = 0x80;
        f[4..].copy_from_slice(&n.to_be_bytes());
    }
    f
}

/// Builds `FROM hostile` plus `rest` over an image made of `tar`; returns
/// the build's result and checks that the host sentinel did not change and
/// that no host secret reached the image.
fn build_on(lab: &Lab, tar: Vec<u8>, rest: &str) -> Result<Vec<u8>, String> {
    let before = lab.host_listing();
    let result = lab
        .try_import(&tar, "hostile:latest")
        .and_then(|()| lab.build(&format!("FROM hostile:latest\n{rest}")));
    assert_eq!(
        lab.host_listing(),
        before,
        "the host sentinel directory changed"
    );
    if let Ok(archive) = &result {
        assert!(
            !contains(archive, SECRET.as_bytes()),
            "a host secret reached the image"
        );
    }
    result
}

#[test]
fn dotdot_entries_are_refused() {
    if !have_root("hostile-input tests") {
        return;
    }
    let lab = Lab::new("dotdot");
    let mut t = RawTar::with_busybox();
    let escape = format!("../../../../../../../..{}/escaped", lab.host().display());
    t.file(&escape, b"escaped", 0o644);
    let err = build_on(&lab, t.finish(), "RUN true\n").unwrap_err();
    assert!(err.contains("escapes the root"), "{err}");
    assert!(!lab.host().join("escaped").exists());
}

#[test]
fn absolute_names_land_inside_the_root() {
    if !have_root("hostile-input tests") {
        return;
    }
    let lab = Lab::new("absolute");
    let mut t = RawTar::with_busybox();
    let abs = format!("{}/planted", lab.host().display());
    t.file(&abs, b"inside", 0o644);
    let archive = build_on(
        &lab,
        t.finish(),
        &format!("RUN cat {abs} > /seen && cat /seen\n"),
    )
    .unwrap();
    assert!(!lab.host().join("planted").exists());
    assert!(contains(&archive, b"inside"));
}

#[test]
fn symlinks_out_of_the_root_are_followed_inside_it() {
    if !have_root("hostile-input tests") {
        return;
    }
    let lab = Lab::new("symlink");
    let host = lab.host().display().to_string();
    let mut t = RawTar::with_busybox();
    // An absolute link, a climbing link, then entries written through them.
    t.symlink("out", &host);
    t.symlink("up", "../../../../../../../../..");
    t.file("out/planted", b"through-absolute", 0o644);
    t.file(&format!("up{host}/planted2"), b"through-dotdot", 0o644);
    t.dir("out/newdir/");
    // A hardlink through the link resolves inside the root: to the file
    // planted there, never to the host's secret.
    t.hardlink("hl", "out/planted");
    let archive = build_on(
        &lab,
        t.finish(),
        "RUN cat /out/secret > /leak 2>/dev/null; cat /out/planted /hl; true\n\
         COPY --from=hostile:latest /out/ /copied/\n",
    )
    .unwrap();
    for name in ["planted", "planted2", "newdir"] {
        assert!(!lab.host().join(name).exists(), "{name} reached the host");
    }
    assert!(contains(&archive, b"through-absolute"));
}

#[test]
fn hardlinks_to_host_files_are_refused() {
    if !have_root("hostile-input tests") {
        return;
    }
    let lab = Lab::new("hardlink");
    let secret = lab.host().join("secret").display().to_string();
    for target in [secret.clone(), format!("../../../../../../../..{secret}")] {
        let mut t = RawTar::with_busybox();
        t.hardlink("stolen", &target);
        let err = build_on(&lab, t.finish(), "RUN cat /stolen\n").unwrap_err();
        assert!(
            err.contains("escapes the root") || err.contains("No such file"),
            "{target}: {err}"
        );
        assert!(
            err.contains("layer entry stolen:"),
            "the entry is named: {err}"
        );
    }
    assert_eq!(fs::metadata(&secret).unwrap().nlink(), 1);
}

#[test]
fn device_nodes_never_open_host_devices() {
    if !have_root("hostile-input tests") {
        return;
    }
    let lab = Lab::new("devices");
    // A host block device full of the secret, which the host itself can
    // read, and /dev/mem.
    let disk = LoopDevice::new(&lab);
    let (major, minor) = disk.as_ref().map_or((7, 0), |d| (d.major, d.minor));
    let mut t = RawTar::with_busybox();
    t.device("disk", tar::EntryType::Block, major, minor);
    t.device("mem", tar::EntryType::Char, 1, 1);
    t.device("fifo", tar::EntryType::Fifo, 0, 0);
    let archive = build_on(
        &lab,
        t.finish(),
        "RUN head -c 4096 /disk > /disk-read 2>/dev/null; head -c 4096 /mem > /mem-read 2>/dev/null; \
         wc -c /disk-read /mem-read\n\
         COPY --from=hostile:latest /disk /mem /fifo /copied/\n",
    )
    .unwrap();
    // The reads must have failed: the RUN's rootfs has no usable devices.
    let files = layer_files(&archive);
    for name in ["disk-read", "mem-read"] {
        let size = files
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, _, s)| *s)
            .unwrap_or_else(|| panic!("{name} missing: {files:?}"));
        assert_eq!(size, 0, "{name} read {size} bytes of a host device");
    }
    // COPY reproduces the nodes, never their content.
    for name in ["copied/disk", "copied/mem", "copied/fifo"] {
        let kind = files
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, k, _)| *k)
            .unwrap_or_else(|| panic!("{name} missing: {files:?}"));
        assert_ne!(
            kind,
            tar::EntryType::Regular,
            "{name} became a regular file"
        );
    }
}

/// A loop device over a file full of the host secret, detached on drop:
/// a host block device the host itself can read.
struct LoopDevice {
    node: PathBuf,
    major: u32,
    minor: u32,
}

impl LoopDevice {
    fn new(lab: &Lab) -> Option<LoopDevice> {
        let backing = lab.dir.join("disk.img");
        fs::write(&backing, SECRET.repeat(1 << 14)).unwrap();
        let out = Command::new("losetup")
            .args(["-f", "--show"])
            .arg(&backing)
            .output()
            .ok()?;
        if !out.status.success() {
            eprintln!(
                "*** losetup failed ({}): the block-device part is SKIPPED ***",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return None;
        }
        let node = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        let rdev = fs::metadata(&node).unwrap().rdev();
        let device = LoopDevice {
            node,
            major: libc::major(rdev),
            minor: libc::minor(rdev),
        };
        let mut head = vec![0u8; SECRET.len()];
        fs::File::open(&device.node)
            .and_then(|mut f| f.read_exact(&mut head))
            .unwrap();
        assert_eq!(head, SECRET.as_bytes(), "the host reads its loop device");
        Some(device)
    }
}

impl Drop for LoopDevice {
    fn drop(&mut self) {
        let _ = Command::new("losetup").arg("-d").arg(&self.node).status();
    }
}

/// (name, type, size) of every entry of every layer in a docker-archive.
fn layer_files(archive: &[u8]) -> Vec<(String, tar::EntryType, u64)> {
    let mut out = Vec::new();
    let mut outer = tar::Archive::new(archive);
    for entry in outer.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().display().to_string();
        if !name.starts_with("blobs/sha256/") {
            continue;
        }
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        let mut inner = tar::Archive::new(&data[..]);
        let Ok(entries) = inner.entries() else {
            continue;
        };
        for e in entries {
            let Ok(e) = e else { break };
            let header = e.header();
            out.push((
                e.path()
                    .unwrap()
                    .display()
                    .to_string()
                    .trim_end_matches('/')
                    .to_string(),
                header.entry_type(),
                header.size().unwrap_or(0),
            ));
        }
    }
    out
}

/// Every path under `dir`, sorted.
fn all_paths(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .collect();
    out.sort();
    out
}

#[test]
fn whiteouts_of_no_name_delete_nothing() {
    if !have_root("hostile-input tests") {
        return;
    }
    let lab = Lab::new("whiteout");
    // A good image built on first, so the store holds extracted layers
    // beside the ones the hostile image will extract.
    lab.import(&RawTar::with_busybox().finish(), "good:latest");
    lab.build("FROM good:latest\nRUN echo ok > /ok\n").unwrap();
    // `.wh...` at the root would delete the directory that holds the
    // layer (with its neighbours); `.wh..` and `.wh.` the parent itself.
    for name in [".wh...", ".wh..", ".wh.", "etc/.wh...", "etc/.wh.."] {
        // (`Lab::build` replaces its output archive.)
        let _ = fs::remove_file(lab.dir.join("out.tar"));
        let before = all_paths(&lab.dir);
        let mut t = RawTar::with_busybox();
        t.file(name, b"", 0o600);
        let err = build_on(&lab, t.finish(), "RUN true\n").unwrap_err();
        let after = all_paths(&lab.dir);
        let lost: Vec<_> = before.iter().filter(|p| !after.contains(p)).collect();
        assert!(lost.is_empty(), "{name} deleted {lost:?}");
        assert!(err.contains("whiteout of no name"), "{name}: {err}");
        // The good image still builds from its cached layers.
        lab.build("FROM good:latest\nRUN echo ok > /ok\n").unwrap();
    }
}

#[test]
fn deep_trees_extract_in_linear_time() {
    if !have_root("hostile-input tests") {
        return;
    }
    let lab = Lab::new("deep");
    // Two chains 900 directories deep, their levels interleaved so that no
    // entry's parent is the previous entry's, then a third 1,500 deep.
    // Resolving each parent from the root made this cubic in the depth
    // (the 1,500-deep chain alone took 100 s); each build below is given
    // a minute, against a few seconds when linear.
    const DEPTH: usize = 900;
    let mut t = RawTar::with_busybox();
    let (mut a, mut b) = (String::from("a"), String::from("b"));
    for _ in 0..DEPTH {
        t.long(&a, None);
        t.long(&b, None);
        a.push_str("/d");
        b.push_str("/d");
    }
    t.long(&format!("{a}-leaf"), Some(b"leaf-a"));
    let mut c = String::from("c");
    for _ in 0..1500 {
        t.long(&c, None);
        c.push_str("/d");
    }
    t.long(&format!("{c}-leaf"), Some(b"leaf-c"));
    let start = Instant::now();
    let archive = build_on(
        &lab,
        t.finish(),
        &format!("RUN cat /{a}-leaf /{c}-leaf > /both\n"),
    )
    .unwrap();
    assert!(contains(&archive, b"leaf-aleaf-c"));
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn huge_and_sparse_sizes_fail_fast() {
    if !have_root("hostile-input tests") {
        return;
    }
    let lab = Lab::new("huge");
    // A header claiming a petabyte, with 4 bytes behind it.
    let mut t = RawTar::with_busybox();
    t.lying_file("huge", 1 << 50, b"tiny");
    let start = Instant::now();
    let err = build_on(&lab, t.finish(), "RUN true\n").unwrap_err();
    assert!(
        err.contains("larger than") || err.contains("unexpected EOF"),
        "{err}"
    );
    // A sparse file of a petabyte: refused from its declared size before
    // anything is written.
    let mut t = RawTar::with_busybox();
    t.sparse("sparse", 1 << 50);
    let err = build_on(&lab, t.finish(), "RUN true\n").unwrap_err();
    assert!(err.contains("larger than"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(60));
}

#[test]
fn decompression_bombs_stop_at_the_limit() {
    if !have_root("hostile-input tests") {
        return;
    }
    let lab = Lab::new("bomb");
    // 2 GiB of zeros in one file compress to about 2 MB.
    let mut t = RawTar::with_busybox();
    let mut tar = {
        let size: u64 = 1 << 30;
        let h = RawTar::header("zeros", tar::EntryType::Regular, 0o644, size);
        t.b.get_mut().extend_from_slice(h.as_bytes());
        t.finish()
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&tar).unwrap();
    tar.clear();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        gz.write_all(&chunk).unwrap();
    }
    gz.write_all(&[0u8; 1024]).unwrap();
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 8 << 20);
    let path = lab.dir.join("bomb.tar.gz");
    fs::write(&path, &bomb).unwrap();
    let out = run_with_deadline(
        Command::new(env!("CARGO_BIN_EXE_msmigrate"))
            .args(["image", "import", "--store"])
            .arg(lab.store())
            .arg(&path)
            .arg("bomb:latest")
            .env("MSMIGRATE_MAX_LAYER_SIZE", "64MiB"),
        Duration::from_secs(120),
    );
    assert!(!out.status.success(), "{}", text(&out));
    let message = text(&out);
    assert!(message.contains("MSMIGRATE_MAX_LAYER_SIZE"), "{message}");
    // Nothing of it stays in the store.
    let big: Vec<_> = walkdir::WalkDir::new(lab.store())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.metadata().is_ok_and(|m| m.len() > 65 << 20))
        .map(|e| e.path().display().to_string())
        .collect();
    assert!(big.is_empty(), "left behind: {big:?}");
}

#[test]
fn add_of_a_hostile_tar_stays_inside_the_root() {
    if !have_root("hostile-input tests") {
        return;
    }
    let lab = Lab::new("add");
    lab.import(&RawTar::with_busybox().finish(), "base:latest");
    let host = lab.host().display().to_string();
    let mut t = RawTar {
        b: tar::Builder::new(Vec::new()),
    };
    t.file(&format!("../../../../../../../..{host}/added"), b"x", 0o644);
    fs::write(lab.ctx().join("dotdot.tar"), t.finish()).unwrap();
    let mut t = RawTar {
        b: tar::Builder::new(Vec::new()),
    };
    t.symlink("out", &host);
    t.file("out/added2", b"through", 0o644);
    fs::write(lab.ctx().join("symlink.tar"), t.finish()).unwrap();
    let before = lab.host_listing();
    let err = lab
        .build("FROM base:latest\nADD dotdot.tar /dst/\n")
        .unwrap_err();
    assert!(err.contains("breakout") || err.contains("outside"), "{err}");
    let archive = lab
        .build("FROM base:latest\nADD symlink.tar /dst/\n")
        .unwrap();
    assert!(contains(&archive, b"through"));
    assert_eq!(lab.host_listing(), before);
}

// ---------------------------------------------------------------------------
// Build contexts
// ---------------------------------------------------------------------------

#[test]
fn contexts_cannot_reach_outside() {
    if !have_root("hostile-input tests") {
        return;
    }
    let lab = Lab::new("context");
    lab.import(&RawTar::with_busybox().finish(), "base:latest");
    let ctx = lab.ctx();
    let secret = lab.host().join("secret");
    fs::create_dir_all(ctx.join("dir")).unwrap();
    fs::write(ctx.join("dir/ok"), "ok").unwrap();
    std::os::unix::fs::symlink(&secret, ctx.join("to-secret")).unwrap();
    std::os::unix::fs::symlink("../../host/secret", ctx.join("dir/up-secret")).unwrap();
    std::os::unix::fs::symlink("/", ctx.join("dir/root")).unwrap();
    std::os::unix::fs::symlink("loop-b", ctx.join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", ctx.join("loop-b")).unwrap();
    let c = std::ffi::CString::new(ctx.join("pipe").display().to_string()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);

    // The whole context: links are copied as links, the FIFO as a FIFO.
    let archive = lab.build("FROM base:latest\nCOPY . /app/\n").unwrap();
    assert!(!contains(&archive, SECRET.as_bytes()));

    // Sources that name a way out: each one is an error or stays inside.
    for source in [
        "../host/secret",
        "to-secret",
        "dir/up-secret",
        "dir/root/etc/hostname",
        "loop-a",
        "loop-a/x",
        "pipe",
    ] {
        match lab.build(&format!("FROM base:latest\nCOPY {source} /got\n")) {
            Ok(archive) => assert!(
                !contains(&archive, SECRET.as_bytes()),
                "{source} leaked the secret"
            ),
            Err(e) => eprintln!("COPY {source}: refused: {}", e.lines().last().unwrap_or("")),
        }
    }
    // A bind mount of the context sees only the context.
    let archive = lab
        .build(
            "FROM base:latest\nRUN --mount=type=bind,target=/ctx \
             cat /ctx/to-secret /ctx/dir/up-secret > /leak 2>/dev/null; true\n",
        )
        .unwrap();
    assert!(!contains(&archive, SECRET.as_bytes()));
}

#[test]
fn files_that_are_not_tars_are_named_as_such() {
    let lab = Lab::new("nottar");
    let path = lab.dir.join("passwd");
    fs::write(&path, "root:x:0:0:root:/root:/bin/bash\n".repeat(40)).unwrap();
    for args in [
        vec!["image", "import", path.to_str().unwrap(), "x:1"],
        vec!["image", "load", "-i", path.to_str().unwrap()],
    ] {
        let out = lab.msmigrate(&args);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(
            text(&out).contains("is not a tar archive"),
            "{}",
            text(&out)
        );
    }
}
