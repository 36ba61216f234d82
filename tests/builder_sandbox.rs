//! RUN's sandbox and the layer diff, on a busybox rootfs, and against Docker.
//!
//! Root only: they skip loudly otherwise (MSMIGRATE_REQUIRE_ROOT=1 makes
//! that a failure). The Docker comparison also needs a working
//! `/usr/bin/docker` with `busybox:latest` (scripts/e2e-images).

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use msmigrate::builder::layer::{self, DiffOptions};
use msmigrate::builder::sandbox::{self, Mount, Network, RunMount, RunSpec};

fn have_root() -> bool {
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    assert!(
        std::env::var("MSMIGRATE_REQUIRE_ROOT").as_deref() != Ok("1"),
        "these tests need root"
    );
    eprintln!("*** SKIPPED: needs root ***");
    false
}

fn busybox() -> PathBuf {
    let path = PathBuf::from("/bin/busybox");
    if !path.exists() {
        let ok = Command::new("apt-get")
            .args(["install", "-y", "busybox-static"])
            .status();
        assert!(
            ok.is_ok_and(|s| s.success()),
            "busybox-static could not be installed"
        );
    }
    path
}

/// A scratch directory; unmounts nothing itself, so mounts must be dropped
/// first, and it refuses to delete anything still mounted under it.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("msmigrate-sbx-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn dir(&self, name: &str) -> PathBuf {
        let d = self.0.join(name);
        fs::create_dir_all(&d).unwrap();
        d
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let mounts = fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        if !mounts.contains(self.0.to_str().unwrap()) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }
}

/// Busybox with its applets, a passwd the host does not have, a /etc/d.
fn base_layer(scratch: &Scratch) -> PathBuf {
    let src = scratch.dir("src");
    for d in ["bin", "etc/d", "tmp", "root", "home/builder"] {
        fs::create_dir_all(src.join(d)).unwrap();
    }
    fs::copy(busybox(), src.join("bin/busybox")).unwrap();
    // The host's copy lists the applets: executing the fresh copy races
    // with other tests' forks, which can inherit its write descriptor
    // ("Text file busy").
    let list = Command::new(busybox()).arg("--list").output().unwrap();
    for applet in String::from_utf8(list.stdout).unwrap().lines() {
        let _ = std::os::unix::fs::symlink("busybox", src.join("bin").join(applet));
    }
    fs::write(
        src.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nbuilder:x:4321:4322:b:/home/builder:/bin/sh\n",
    )
    .unwrap();
    fs::write(
        src.join("etc/group"),
        "root:x:0:\nbuilders:x:4322:\nextra:x:4400:builder\n",
    )
    .unwrap();
    fs::write(src.join("etc/d/old"), "old\n").unwrap();
    fs::set_permissions(src.join("tmp"), fs::Permissions::from_mode(0o1777)).unwrap();
    let mut tar = tar::Builder::new(Vec::new());
    tar.follow_symlinks(false);
    tar.append_dir_all(".", &src).unwrap();
    let bytes = tar.into_inner().unwrap();
    let layer = scratch.dir("base");
    layer::extract(&mut bytes.as_slice(), &layer).unwrap();
    layer
}

struct Step {
    _mount: Mount,
    merged: PathBuf,
    upper: PathBuf,
}

fn mount_step(scratch: &Scratch, name: &str, lowers: &[PathBuf]) -> Step {
    let upper = scratch.dir(&format!("{name}-upper"));
    let work = scratch.dir(&format!("{name}-work"));
    let merged = scratch.dir(&format!("{name}-merged"));
    let mount = sandbox::mount_overlay(lowers, &upper, &work, &merged).unwrap();
    Step {
        _mount: mount,
        merged,
        upper,
    }
}

fn spec(root: &Path, script: &str) -> RunSpec {
    RunSpec {
        rootfs: root.to_path_buf(),
        argv: vec!["/bin/sh".into(), "-c".into(), script.into()],
        env: vec![],
        cwd: "/".into(),
        user: String::new(),
        network: Network::None,
        hostname: "sandboxhost".into(),
        mounts: vec![],
    }
}

fn run(spec: &RunSpec) -> (i32, String, Vec<PathBuf>) {
    sandbox::set_helper_executable(env!("CARGO_BIN_EXE_msmigrate").into());
    let mut log = Vec::new();
    let result = sandbox::run(spec, &mut log).unwrap();
    (
        result.exit_code,
        String::from_utf8_lossy(&log).into_owned(),
        result.created_stubs,
    )
}

/// A tar entry without its mtime: (type, mode, uid, gid, size, link, xattrs).
type Entry = (char, u32, u64, u64, u64, String, Vec<String>);

fn entries(tar_bytes: &[u8]) -> BTreeMap<String, Entry> {
    let mut out = BTreeMap::new();
    let mut archive = tar::Archive::new(tar_bytes);
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let mut xattrs = Vec::new();
        if let Some(pax) = e.pax_extensions().unwrap() {
            for x in pax {
                xattrs.push(x.unwrap().key().unwrap().to_string());
            }
        }
        let h = e.header();
        let link = e
            .link_name()
            .unwrap()
            .map(|l| l.display().to_string())
            .unwrap_or_default();
        let name = String::from_utf8_lossy(&e.path_bytes())
            .trim_end_matches('/')
            .to_string();
        out.insert(
            name,
            (
                h.entry_type().as_byte() as char,
                h.mode().unwrap(),
                h.uid().unwrap(),
                h.gid().unwrap(),
                h.size().unwrap(),
                link,
                xattrs,
            ),
        );
    }
    out
}

fn diff(upper: &Path) -> (Vec<u8>, layer::LayerInfo) {
    let mut bytes = Vec::new();
    let info = layer::write_diff(upper, &mut bytes, &DiffOptions::default()).unwrap();
    (bytes, info)
}

#[test]
fn commands_run_isolated_with_their_output_and_status() {
    if !have_root() {
        return;
    }
    let scratch = Scratch::new("basics");
    let base = base_layer(&scratch);
    let step = mount_step(&scratch, "s", &[base]);
    let root = &step.merged;

    let (code, out, _) = run(&spec(root, "echo hello; echo oops >&2; exit 3"));
    assert_eq!((code, out.as_str()), (3, "hello\noops\n"));

    let (code, out, _) = run(&spec(
        root,
        "echo $$; hostname; ls /sys/class/net; test -e /etc/hostname || echo no-etc-hostname; pwd; umask",
    ));
    assert_eq!(code, 0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].parse::<u32>().unwrap() < 10, "pid {}", lines[0]);
    // BuildKit gives RUN no /etc/hostname (checked on Docker 20.10).
    assert_eq!(
        &lines[1..],
        ["sandboxhost", "lo", "no-etc-hostname", "/", "0022"]
    );

    // PID 1 is our init; the command's children are reaped.
    let (_, out, _) = run(&spec(root, "sleep 0 & wait; ls /proc | grep -c '^[0-9]'"));
    assert!(out.trim().parse::<u32>().unwrap() <= 4, "{out}");

    // USER through the rootfs's passwd and group, not the host's.
    let mut s = spec(root, "id; echo $HOME");
    s.user = "builder".into();
    let (_, out, _) = run(&s);
    // Supplementary groups are the memberships only, as runc sets them.
    assert_eq!(
        out,
        "uid=4321(builder) gid=4322(builders) groups=4400(extra)\n/home/builder\n"
    );
    s.user = "4321:0".into();
    assert_eq!(run(&s).1, "uid=4321(builder) gid=0(root)\n/home/builder\n");
    s.user = "nobody-here".into();
    assert!(sandbox::run(&s, &mut Vec::new()).is_err());

    // cwd is created; env is only what was given plus PATH and HOME.
    let mut s = spec(root, "pwd; env | sort");
    s.cwd = "/work/dir".into();
    s.env = vec!["A=1".into()];
    let (_, out, _) = run(&s);
    assert_eq!(
        out,
        "/work/dir\nA=1\nHOME=/root\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nPWD=/work/dir\nSHLVL=1\n"
    );

    // Only Docker's capabilities: CapBnd = 0xa80425fb.
    let (_, out, _) = run(&spec(root, "grep CapBnd /proc/self/status"));
    assert_eq!(out.split_whitespace().nth(1), Some("00000000a80425fb"));

    // A missing command is a sandbox error, not an exit code.
    let mut s = spec(root, "");
    s.argv = vec!["no-such-program".into()];
    let err = sandbox::run(&s, &mut Vec::new()).unwrap_err();
    assert!(
        err.to_string().contains("executable file not found"),
        "{err}"
    );

    // RUN mounts: a cache and a tmpfs; none of it reaches the upper dir.
    let cache = scratch.dir("cache");
    let mut s = spec(
        root,
        "echo c > /cache/c; echo t > /scratch/t; cat /cache/c /scratch/t",
    );
    s.mounts = vec![
        RunMount::Cache {
            dir: cache.clone(),
            target: "/cache".into(),
        },
        RunMount::Tmpfs {
            target: "/scratch".into(),
        },
    ];
    let (code, out, stubs) = run(&s);
    assert_eq!((code, out.as_str()), (0, "c\nt\n"));
    assert_eq!(fs::read_to_string(cache.join("c")).unwrap(), "c\n");
    assert!(stubs.contains(&PathBuf::from("cache")) && stubs.contains(&PathBuf::from("scratch")));
    assert!(
        fs::read_dir(step.upper.join("scratch"))
            .unwrap()
            .next()
            .is_none()
    );

    // Stub files are gone from the upper dir; their directories stay.
    assert!(!step.upper.join("etc/hosts").exists() && !step.upper.join("etc/resolv.conf").exists());
    assert!(step.upper.join("proc").is_dir());
}

#[test]
fn the_diff_carries_whiteouts_opaque_dirs_links_modes_and_capabilities() {
    if !have_root() {
        return;
    }
    let scratch = Scratch::new("diff");
    let base = base_layer(&scratch);
    let step = mount_step(&scratch, "s", std::slice::from_ref(&base));
    let script = "rm /bin/ls && rm -rf /etc/d && mkdir /etc/d && echo y > /etc/d/y \
        && mkdir /opt && echo data > /opt/a && chown 12:34 /opt/a && chmod 4755 /opt/a \
        && ln /opt/a /opt/b && ln -s ../opt/a /opt/sym && echo cap > /opt/cap";
    let (code, out, _) = run(&spec(&step.merged, script));
    assert_eq!(code, 0, "{out}");
    // security.capability (v2: effective, CAP_NET_RAW), as setcap writes it.
    let cap = [
        1u8, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    xattr::set(step.merged.join("opt/cap"), "security.capability", &cap).unwrap();
    xattr::set(step.merged.join("opt/cap"), "user.other", b"x").unwrap_or(());

    let (bytes, info) = diff(&step.upper);
    let tree = entries(&bytes);
    assert_eq!(
        tree["bin/.wh.ls"],
        ('0', 0o600, 0, 0, 0, String::new(), vec![])
    );
    assert!(!tree.contains_key("bin/ls"));
    assert_eq!(tree["etc/d/.wh..wh..opq"].0, '0');
    assert!(tree.contains_key("etc/d/y") && !tree.contains_key("etc/d/old"));
    assert_eq!(
        tree["opt/a"],
        ('0', 0o104755, 12, 34, 5, String::new(), vec![])
    );
    assert_eq!(
        tree["opt/b"],
        ('1', 0o104755, 12, 34, 0, "opt/a".into(), vec![])
    );
    assert_eq!(
        tree["opt/sym"],
        ('2', 0o120777, 0, 0, 0, "../opt/a".into(), vec![])
    );
    assert_eq!(
        tree["opt/cap"].6,
        vec!["SCHILY.xattr.security.capability".to_string()]
    );
    assert!(
        !bytes.windows(15).any(|w| w == b"trusted.overlay"),
        "overlay xattrs leaked"
    );
    // proc, dev, sys stubs are kept, as Docker 20.10's BuildKit does.
    assert!(tree.contains_key("proc") && tree.contains_key("dev") && tree.contains_key("sys"));
    // y (2) + a (5, its hardlink once) + sym target (8) + cap (4).
    assert_eq!(info.docker_size, 2 + 5 + 8 + 4);
    assert_eq!(info.payload_size, 2 + 5 + 4);
    assert_eq!(info.size as usize, bytes.len());

    // Extracting it back gives overlay format again.
    let back = scratch.dir("back");
    layer::extract(&mut bytes.as_slice(), &back).unwrap();
    let wh = fs::symlink_metadata(back.join("bin/ls")).unwrap();
    assert!(wh.file_type().is_char_device() && wh.rdev() == 0);
    assert_eq!(
        xattr::get(back.join("etc/d"), "trusted.overlay.opaque")
            .unwrap()
            .as_deref(),
        Some(&b"y"[..])
    );
    let a = fs::metadata(back.join("opt/a")).unwrap();
    assert_eq!(
        (a.mode() & 0o7777, a.uid(), a.gid(), a.nlink()),
        (0o4755, 12, 34, 2)
    );
    assert_eq!(
        xattr::get(back.join("opt/cap"), "security.capability").unwrap(),
        Some(cap.to_vec())
    );
    assert_eq!(layer::docker_size_of_dir(&back).unwrap(), info.docker_size);

    // The same tar written twice is the same bytes.
    assert_eq!(diff(&step.upper).0, bytes);
    // The stacked result, read-only, shows the step's view.
    drop(step);
    let layer2 = back;
    let view = scratch.dir("view");
    let ro = sandbox::mount_readonly(&[layer2, base], &view).unwrap();
    assert!(!view.join("bin/ls").exists() && view.join("bin/cat").exists());
    assert!(!view.join("etc/d/old").exists() && view.join("etc/d/y").exists());
    assert!(fs::write(view.join("x"), "x").is_err());
    ro.unmount().unwrap();
}

#[test]
fn extraction_stays_inside_the_root() {
    if !have_root() {
        return;
    }
    let scratch = Scratch::new("escape");
    let outside = scratch.dir("outside");
    let dest = scratch.dir("dest");
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    h.set_mode(0o777);
    tar.append_link(&mut h, "esc", &outside).unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_size(3);
    h.set_mode(0o644);
    tar.append_data(&mut h, "esc/f", &b"abc"[..]).unwrap();
    let bytes = tar.into_inner().unwrap();
    layer::extract(&mut bytes.as_slice(), &dest).unwrap();
    assert!(
        !outside.join("f").exists(),
        "wrote through a symlink out of the root"
    );
    // The absolute symlink was followed as if dest were `/`.
    let inside = dest.join(outside.strip_prefix("/").unwrap()).join("f");
    assert_eq!(fs::read_to_string(inside).unwrap(), "abc");

    // `..` above the root is refused.
    let mut raw = vec![0u8; 512];
    raw[..13].copy_from_slice(b"../../escaped");
    let mut h = tar::Header::new_old();
    h.as_mut_bytes().copy_from_slice(&raw);
    h.set_size(0);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    let mut bytes = h.as_bytes().to_vec();
    bytes.extend([0u8; 1024]);
    assert!(layer::extract(&mut bytes.as_slice(), &scratch.dir("dest2")).is_err());
}

#[test]
fn many_long_lowers_mount_past_the_option_page() {
    if !have_root() {
        return;
    }
    let scratch = Scratch::new("lowers");
    let mut lowers = Vec::new();
    for i in 0..40 {
        let l = scratch.dir(&format!("layer-{i:03}-{}", "x".repeat(100)));
        fs::write(l.join(format!("f{i}")), format!("{i}")).unwrap();
        fs::write(l.join("top"), format!("{i}")).unwrap();
        lowers.push(l);
    }
    let step = mount_step(&scratch, "m", &lowers);
    assert_eq!(fs::read_to_string(step.merged.join("top")).unwrap(), "0");
    assert_eq!(fs::read_to_string(step.merged.join("f39")).unwrap(), "39");
    // FROM scratch: no lowers at all.
    let empty = mount_step(&scratch, "e", &[]);
    assert!(fs::read_dir(&empty.merged).unwrap().next().is_none());
}

// ---------------------------------------------------------------------------
// Against Docker
// ---------------------------------------------------------------------------

const DOCKER: &str = "/usr/bin/docker";

fn docker(args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new(DOCKER).args(args).output().ok()?;
    out.status.success().then_some(out.stdout)
}

/// The layer tars of a `docker save` stream, in order.
fn saved_layers(image: &str) -> Vec<Vec<u8>> {
    let saved = docker(&["save", image]).expect("docker save");
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut archive = tar::Archive::new(saved.as_slice());
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().display().to_string();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        files.insert(name, data);
    }
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    manifest[0]["Layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| files[l.as_str().unwrap()].clone())
        .collect()
}

#[test]
fn layers_equal_what_docker_buildkit_makes() {
    if !have_root() {
        return;
    }
    if docker(&["image", "inspect", "busybox:latest"]).is_none() {
        eprintln!("*** SKIPPED: no docker with busybox:latest (run scripts/e2e-images) ***");
        return;
    }
    let case =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/builder/sandbox/docker-compare");
    let steps: Vec<String> = (1..)
        .map(|i| case.join(format!("step{i}.sh")))
        .take_while(|p| p.exists())
        .map(|p| fs::read_to_string(p).unwrap().trim().to_string())
        .collect();
    let scratch = Scratch::new("docker");
    let ctx = scratch.dir("ctx");
    let mut dockerfile = String::from("FROM busybox:latest\n");
    for s in &steps {
        dockerfile.push_str(&format!("RUN {s}\n"));
    }
    fs::write(ctx.join("Dockerfile"), dockerfile).unwrap();
    let tag = format!("msmigrate-sbx-test:{}", std::process::id());
    let built = Command::new(DOCKER)
        .env("DOCKER_BUILDKIT", "1")
        .args(["build", "--network=none", "-q", "-t", &tag])
        .arg(&ctx)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let theirs = saved_layers(&tag);
    let history = String::from_utf8(
        docker(&["history", "--human=false", "--format", "{{.Size}}", &tag]).unwrap(),
    )
    .unwrap();
    let _ = docker(&["rmi", &tag]);
    // newest first; one per RUN, then the base
    let sizes: Vec<u64> = history.lines().map(|l| l.trim().parse().unwrap()).collect();
    assert_eq!(theirs.len(), steps.len() + 1);

    let base = scratch.dir("base");
    layer::extract(&mut theirs[0].as_slice(), &base).unwrap();
    let mut lowers = vec![base];
    let mut ours_all = Vec::new();
    for (i, script) in steps.iter().enumerate() {
        let step = mount_step(&scratch, &format!("step{i}"), &lowers);
        let (code, out, _) = run(&spec(&step.merged, script));
        assert_eq!(code, 0, "{out}");
        let (ours, info) = diff(&step.upper);
        let step_upper = step.upper.clone();
        drop(step);
        let docker_tree = entries(&theirs[i + 1]);
        let our_tree = entries(&ours);
        assert_eq!(
            our_tree,
            docker_tree,
            "step {} differs from Docker's layer",
            i + 1
        );
        // Byte for byte but the mtimes, with owner names as dockerd's host has them.
        let mut named = Vec::new();
        layer::write_diff_with(
            &step_upper,
            &mut named,
            &DiffOptions::default(),
            layer::OwnerNames::Host,
        )
        .unwrap();
        assert_eq!(
            headers_without_mtimes(&named),
            headers_without_mtimes(&theirs[i + 1]),
            "step {} bytes",
            i + 1
        );
        assert_eq!(
            info.payload_size,
            sizes[steps.len() - 1 - i],
            "docker history size of step {}",
            i + 1
        );
        let next = scratch.dir(&format!("layer{i}"));
        layer::extract(&mut ours.as_slice(), &next).unwrap();
        ours_all.push((ours, info));
        lowers.insert(0, next);
    }
    // Our layers, `docker load`ed, are sized as `docker_size` says.
    let mut base_tar = theirs[0].clone();
    let loaded = load_into_docker(&scratch, &mut base_tar, &ours_all);
    let history = String::from_utf8(
        docker(&["history", "--human=false", "--format", "{{.Size}}", &loaded]).unwrap(),
    )
    .unwrap();
    let _ = docker(&["rmi", &loaded]);
    let sizes: Vec<u64> = history.lines().map(|l| l.trim().parse().unwrap()).collect();
    for (i, (_, info)) in ours_all.iter().enumerate() {
        assert_eq!(
            info.docker_size,
            sizes[ours_all.len() - 1 - i],
            "loaded size of step {}",
            i + 1
        );
    }
}

/// Every raw header block (PAX ones included) with mtime and checksum blanked.
fn headers_without_mtimes(tar_bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 512 <= tar_bytes.len() {
        let mut block = tar_bytes[at..at + 512].to_vec();
        if block.iter().all(|&b| b == 0) {
            break;
        }
        let size_field = String::from_utf8_lossy(&block[124..135])
            .trim_matches(char::from(0))
            .to_string();
        let size = u64::from_str_radix(size_field.trim(), 8).unwrap_or(0) as usize;
        let data = if matches!(block[156], b'0' | b'x' | 0) {
            size
        } else {
            0
        };
        block[136..156].fill(0);
        out.push(block);
        if block_is_pax(&tar_bytes[at..at + 512]) {
            out.push(tar_bytes[at + 512..at + 512 + size].to_vec());
        }
        at += 512 + data.div_ceil(512) * 512;
    }
    out
}

fn block_is_pax(block: &[u8]) -> bool {
    block[156] == b'x'
}

/// A minimal docker-archive of the base layer plus ours, loaded; its tag.
fn load_into_docker(
    scratch: &Scratch,
    base: &mut Vec<u8>,
    ours: &[(Vec<u8>, layer::LayerInfo)],
) -> String {
    let base_id = msmigrate::builder::oci::Digest::of(base).to_string();
    let mut diff_ids = vec![base_id];
    let mut history = vec![serde_json::json!({"created_by": "base"})];
    let mut files: Vec<(String, Vec<u8>)> = vec![("l0.tar".into(), std::mem::take(base))];
    for (i, (tar, info)) in ours.iter().enumerate() {
        diff_ids.push(info.diff_id.to_string());
        history.push(serde_json::json!({"created_by": format!("step {}", i + 1)}));
        files.push((format!("l{}.tar", i + 1), tar.clone()));
    }
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": history,
    });
    let config = serde_json::to_vec(&config).unwrap();
    let tag = format!("msmigrate-sbx-loaded:{}", std::process::id());
    let layers: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let manifest = serde_json::to_vec(
        &serde_json::json!([{"Config": "config.json", "RepoTags": [tag], "Layers": layers}]),
    )
    .unwrap();
    files.push(("config.json".into(), config));
    files.push(("manifest.json".into(), manifest));
    let mut archive = tar::Builder::new(Vec::new());
    for (name, data) in &files {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        archive.append_data(&mut h, name, data.as_slice()).unwrap();
    }
    let path = scratch.0.join("loaded.tar");
    fs::write(&path, archive.into_inner().unwrap()).unwrap();
    docker(&["load", "-i", path.to_str().unwrap()]).expect("docker load");
    tag
}
