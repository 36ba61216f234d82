//! Rootless builds (issue 5): as an ordinary user, `msmigrate build` runs
//! in a user namespace of its own and gives the same layers as a build by
//! root — files of other owners included when the user has subordinate IDs
//! (/etc/subuid, newuidmap); without them, what cannot be represented is a
//! clear error.
//!
//! Needs root to create the test users and switch to them (setpriv), and
//! newuidmap (Debian's uidmap): skips loudly otherwise;
//! MSMIGRATE_REQUIRE_ROOT=1 turns the skip into a failure.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::busybox_rootfs;

fn ready() -> bool {
    let root = unsafe { libc::geteuid() } == 0;
    let tools = Path::new("/usr/bin/newuidmap").exists() && Path::new("/usr/bin/setpriv").exists();
    if root && tools {
        return true;
    }
    assert!(
        std::env::var("MSMIGRATE_REQUIRE_ROOT").as_deref() != Ok("1"),
        "rootless tests need root (to make users) and newuidmap (apt install uidmap)"
    );
    eprintln!("*** SKIPPED: rootless tests need root and newuidmap ***");
    false
}

/// A user for the test, created once; `subids` decides whether it gets
/// subordinate IDs.
fn user(name: &str, subids: bool) -> (u32, u32) {
    let exists = Command::new("id")
        .arg(name)
        .output()
        .unwrap()
        .status
        .success();
    if !exists {
        let mut cmd = Command::new("useradd");
        cmd.args(["--no-create-home", "--shell", "/usr/sbin/nologin"]);
        if !subids {
            cmd.args(["-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0"]);
        }
        let out = cmd.arg(name).output().unwrap();
        assert!(
            out.status.success(),
            "useradd {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let has = fs::read_to_string("/etc/subuid")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with(&format!("{name}:")));
    if subids && !has {
        let out = Command::new("usermod")
            .args([
                "--add-subuids",
                "300000-365535",
                "--add-subgids",
                "300000-365535",
                name,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let id = |flag: &str| -> u32 {
        String::from_utf8(
            Command::new("id")
                .args([flag, name])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap()
        .trim()
        .parse()
        .unwrap()
    };
    (id("-u"), id("-g"))
}

/// A scratch directory the user owns, with the msmigrate binary copied in
/// (the build tree may not be readable by others) and a busybox rootfs.
struct Lab {
    dir: PathBuf,
    uid: u32,
    gid: u32,
}

impl Lab {
    fn new(name: &str, uid: u32, gid: u32) -> Lab {
        let dir = std::env::temp_dir().join(format!("msm-rootless-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("ctx")).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        fs::copy(env!("CARGO_BIN_EXE_msmigrate"), dir.join("msmigrate")).unwrap();
        fs::write(
            dir.join("rootfs.tar"),
            busybox_rootfs(&[
                "sh", "mkdir", "echo", "chown", "chmod", "rm", "id", "ln", "mv",
            ]),
        )
        .unwrap();
        let lab = Lab { dir, uid, gid };
        lab.chown();
        lab
    }
    fn chown(&self) {
        for entry in walkdir::WalkDir::new(&self.dir)
            .into_iter()
            .filter_map(Result::ok)
        {
            let _ = std::os::unix::fs::lchown(entry.path(), Some(self.uid), Some(self.gid));
        }
    }
    /// `msmigrate ARGS` as the lab's user (or as root), in the lab.
    fn run(&self, as_user: bool, args: &[&str]) -> Output {
        let exe = self.dir.join("msmigrate");
        let mut cmd = if as_user {
            let mut c = Command::new("setpriv");
            c.args([
                format!("--reuid={}", self.uid),
                format!("--regid={}", self.gid),
                "--clear-groups".to_string(),
                "--".to_string(),
            ])
            .arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args)
            .current_dir(&self.dir)
            .env("HOME", &self.dir)
            .env(
                "XDG_CACHE_HOME",
                self.dir
                    .join(if as_user { "cache-user" } else { "cache-root" }),
            )
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .env("MSMIGRATE_OFFLINE", "1")
            .env("MSMIGRATE_NO_DOCKER_IMPORT", "1")
            .env("NO_COLOR", "1");
        cmd.output().unwrap()
    }
    /// Imports the base and builds `dockerfile`; the layer diff IDs of the
    /// result, or the error output.
    fn build(&self, as_user: bool, dockerfile: &str) -> Result<Vec<String>, String> {
        fs::write(self.dir.join("ctx/Dockerfile"), dockerfile).unwrap();
        fs::write(self.dir.join("ctx/hello"), "hello\n").unwrap();
        self.chown();
        let out = self.run(as_user, &["image", "import", "rootfs.tar", "bb:latest"]);
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        let archive = format!("out-{as_user}.tar");
        let out = self.run(
            as_user,
            &[
                "build",
                "--no-cache",
                "-q",
                "--output",
                &format!("docker-archive:{archive}"),
                "ctx",
            ],
        );
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(diff_ids(&self.dir.join(archive)))
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn diff_ids(archive: &Path) -> Vec<String> {
    let mut ar = tar::Archive::new(fs::File::open(archive).unwrap());
    for entry in ar.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap() == Path::new("manifest.json") {
            let manifest: serde_json::Value = serde_json::from_reader(&mut entry).unwrap();
            return manifest[0]["Layers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap().to_string())
                .collect();
        }
    }
    panic!("no manifest.json in {}", archive.display());
}

/// Owners, deletions (whiteouts), an opaque directory, setuid, links, USER
/// and COPY --chown: the layers must equal root's.
const DOCKERFILE: &str = "FROM bb:latest
RUN mkdir -p /data/sub && echo hi > /data/f && chown 1000:1000 /data/f && chmod 4755 /data/f \\
 && ln /data/f /data/hard && ln -s f /data/soft && rm /etc/group && mkdir /opt && echo x > /opt/y
RUN rm -rf /opt && mkdir /opt && echo z > /opt/z && mv /data/sub /data/moved
USER app
RUN id -u > /tmp/uid
COPY --chown=1000:1000 hello /home/app/hello
";

#[test]
fn a_rootless_build_equals_roots() {
    if !ready() {
        return;
    }
    let (uid, gid) = user("msmigrate-rootless", true);
    let lab = Lab::new("subids", uid, gid);
    let as_root = lab.build(false, DOCKERFILE).unwrap();
    let rootless = lab
        .build(true, DOCKERFILE)
        .unwrap_or_else(|e| panic!("rootless: {e}"));
    assert_eq!(rootless, as_root);
}

#[test]
fn without_subordinate_ids_other_owners_are_a_clear_error() {
    if !ready() {
        return;
    }
    let (uid, gid) = user("msmigrate-nosubid", false);
    let lab = Lab::new("nosubids", uid, gid);
    // Only root-owned files: works, and equals root's build.
    let simple = "FROM bb:latest\nRUN mkdir /data && echo hi > /data/f && rm /etc/group\n";
    let as_root = lab.build(false, simple).unwrap();
    assert_eq!(lab.build(true, simple).unwrap(), as_root);
    // A file for uid 1000 cannot be made: the RUN fails, saying so.
    let err = lab
        .build(true, "FROM bb:latest\nRUN echo hi > /f && chown 1000 /f\n")
        .unwrap_err();
    assert!(
        err.contains("exit code") || err.contains("returned"),
        "{err}"
    );
}
