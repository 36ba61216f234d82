//! The sandbox RUN executes in: overlay mounts over a stage's layers, and a
//! helper process in its own mount, PID, UTS, IPC (and network) namespaces.
//!
//! The builder calls [`enter_private_mounts`] once, so every mount it makes
//! dies with it. [`run`] re-executes the current binary as a helper
//! ([`helper_main`]) because `unshare` and `fork` are only safe in a fresh,
//! single-threaded process. The helper forks a PID 1 that builds `/proc`,
//! `/dev`, `/sys` and the `/etc` files, pivots into the rootfs and runs the
//! command, reaping every child; when it exits the kernel kills whatever is
//! left in the namespace. Model: buildah's chroot isolation plus a PID
//! namespace (research §1.4.2).

use std::ffi::{CString, OsStr, OsString};
use std::fs;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::layer::resolve_in_root;

/// The hidden first argument that makes `msmigrate` act as the RUN helper.
pub const HELPER_ARG: &str = "__msmigrate-run-helper";
/// PATH when the image sets none (Docker's default).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// Docker's default capability bounding set (moby `oci/caps/defaults.go`).
const DEFAULT_CAPS: [u32; 14] = [
    0,  // CHOWN
    1,  // DAC_OVERRIDE
    3,  // FOWNER
    4,  // FSETID
    5,  // KILL
    6,  // SETGID
    7,  // SETUID
    8,  // SETPCAP
    10, // NET_BIND_SERVICE
    13, // NET_RAW
    18, // SYS_CHROOT
    27, // MKNOD
    29, // AUDIT_WRITE
    31, // SETFCAP
];
/// The file descriptor the helper reports its outcome on.
const STATUS_FD: libc::c_int = 3;

fn cstr(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path with NUL"))
}

fn check(ret: libc::c_int, what: &dyn Fn() -> String) -> io::Result<()> {
    if ret == 0 {
        Ok(())
    } else {
        let err = io::Error::last_os_error();
        Err(io::Error::new(err.kind(), format!("{}: {err}", what())))
    }
}

fn sys_mount(
    source: Option<&Path>,
    target: &Path,
    fstype: Option<&str>,
    flags: libc::c_ulong,
    data: Option<&str>,
) -> io::Result<()> {
    let source_c = source.map(cstr).transpose()?;
    let target_c = cstr(target)?;
    let nul = |_| io::Error::new(io::ErrorKind::InvalidInput, "mount option with a NUL byte");
    let fstype_c = fstype.map(CString::new).transpose().map_err(nul)?;
    let data_c = data.map(CString::new).transpose().map_err(nul)?;
    let ret = unsafe {
        libc::mount(
            source_c.as_ref().map_or(c"none".as_ptr(), |s| s.as_ptr()),
            target_c.as_ptr(),
            fstype_c.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
            flags,
            data_c
                .as_ref()
                .map_or(std::ptr::null(), |s| s.as_ptr().cast()),
        )
    };
    check(ret, &|| {
        format!(
            "mount {} on {} ({})",
            source.map_or("none".into(), |s| s.display().to_string()),
            target.display(),
            fstype.unwrap_or("bind")
        )
    })
}

fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

// ---------------------------------------------------------------------------
// The builder's own mount namespace
// ---------------------------------------------------------------------------

/// Moves the calling process into its own mount namespace with `/` made
/// recursively private, so every mount the builder makes vanishes when it
/// exits, even on a crash; and, as every builder process wants it, catches
/// Ctrl-C ([`catch_interrupts`]). Must be called while the process is
/// still single-threaded; needs root.
pub fn enter_private_mounts() -> io::Result<()> {
    catch_interrupts();
    let threads = fs::read_dir("/proc/self/task")?.count();
    if threads != 1 {
        return Err(io::Error::other(format!(
            "enter_private_mounts needs a single-threaded process, this one has {threads} threads"
        )));
    }
    if !is_root() {
        enter_user_namespace()?;
    }
    check(unsafe { libc::unshare(libc::CLONE_NEWNS) }, &|| {
        "unshare(CLONE_NEWNS)".into()
    })?;
    sys_mount(
        None,
        Path::new("/"),
        None,
        libc::MS_REC | libc::MS_PRIVATE,
        None,
    )
}

// ---------------------------------------------------------------------------
// Rootless: a user namespace
// ---------------------------------------------------------------------------

static ROOTLESS: AtomicBool = AtomicBool::new(false);

/// True when this process builds rootless, as root of its own user
/// namespace: overlayfs then keeps its attributes in `user.overlay.*`
/// (`userxattr`), device nodes cannot be made, and only the mapped IDs can
/// own files.
pub fn rootless() -> bool {
    ROOTLESS.load(Ordering::Relaxed)
}

/// Becomes root of a new user namespace, as rootless podman and buildah
/// do: the user's own ID maps to 0 and, when `/etc/subuid` and
/// `/etc/subgid` give the user subordinate IDs and `newuidmap` is
/// installed, those map to 1..N so images can hold files of other owners.
/// Without them only root is mapped.
fn enter_user_namespace() -> io::Result<()> {
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    let name = user_name(uid);
    let subuid = subordinate_ids("/etc/subuid", uid, name.as_deref());
    let subgid = subordinate_ids("/etc/subgid", uid, name.as_deref());
    let helpers = find_in_path("newuidmap").zip(find_in_path("newgidmap"));
    let full = match (subuid, subgid, helpers) {
        (Some(u), Some(g), Some(h)) => Some((u, g, h)),
        _ => None,
    };
    let no_userns = |e: io::Error| {
        io::Error::new(
            e.kind(),
            format!(
                "cannot create a user namespace for a rootless build ({e}); run as root, \
                 or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 \
                 or user.max_user_namespaces)"
            ),
        )
    };
    match full {
        Some(((ustart, ucount), (gstart, gcount), (newuidmap, newgidmap))) => {
            // newuidmap must run outside the namespace, on our PID: a child
            // forked first waits until we have unshared.
            let (mut ready_r, mut ready_w) = io::pipe()?;
            let pid = std::process::id().to_string();
            let child = unsafe { libc::fork() };
            if child < 0 {
                return Err(io::Error::last_os_error());
            }
            if child == 0 {
                drop(ready_w);
                let mut byte = [0u8; 1];
                let ok = ready_r.read_exact(&mut byte).is_ok()
                    && [
                        (&newuidmap, uid, ustart, ucount),
                        (&newgidmap, gid, gstart, gcount),
                    ]
                    .iter()
                    .all(|(tool, own, start, count)| {
                        Command::new(tool)
                            .args([
                                pid.clone(),
                                "0".into(),
                                own.to_string(),
                                "1".into(),
                                "1".into(),
                                start.to_string(),
                                count.to_string(),
                            ])
                            .status()
                            .is_ok_and(|s| s.success())
                    });
                unsafe { libc::_exit(if ok { 0 } else { 1 }) }
            }
            drop(ready_r);
            let unshared = check(unsafe { libc::unshare(libc::CLONE_NEWUSER) }, &|| {
                "unshare(CLONE_NEWUSER)".into()
            });
            if unshared.is_ok() {
                let _ = ready_w.write_all(b"x");
            }
            drop(ready_w);
            let mut status = 0;
            unsafe { libc::waitpid(child, &mut status, 0) };
            unshared.map_err(no_userns)?;
            if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
                return Err(io::Error::other(
                    "newuidmap/newgidmap could not map the subordinate IDs of /etc/subuid and /etc/subgid",
                ));
            }
        }
        None => {
            check(unsafe { libc::unshare(libc::CLONE_NEWUSER) }, &|| {
                "unshare(CLONE_NEWUSER)".into()
            })
            .map_err(no_userns)?;
            // Without a helper only our own IDs can be mapped, and
            // setgroups must be given up first.
            fs::write("/proc/self/setgroups", "deny")?;
            fs::write("/proc/self/uid_map", format!("0 {uid} 1"))?;
            fs::write("/proc/self/gid_map", format!("0 {gid} 1"))?;
        }
    }
    ROOTLESS.store(true, Ordering::Relaxed);
    Ok(())
}

fn user_name(uid: u32) -> Option<String> {
    let passwd = fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)? == uid.to_string()).then(|| name.to_string())
    })
}

/// The first `name:start:count` (or `uid:start:count`) range of `file`.
fn subordinate_ids(file: &str, uid: u32, name: Option<&str>) -> Option<(u64, u64)> {
    let text = fs::read_to_string(file).ok()?;
    text.lines().find_map(|l| {
        let mut f = l.trim().split(':');
        let who = f.next()?;
        if who != uid.to_string() && Some(who) != name {
            return None;
        }
        let start = f.next()?.parse().ok()?;
        let count: u64 = f.next()?.parse().ok()?;
        (count > 0).then_some((start, count))
    })
}

fn find_in_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| DEFAULT_PATH.into());
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

// ---------------------------------------------------------------------------
// Overlay mounts
// ---------------------------------------------------------------------------

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_temp(kind: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("msmigrate-{kind}-{}-{n}", std::process::id()))
}

/// A mount, unmounted (lazily if busy) on drop.
#[derive(Debug)]
pub struct Mount {
    target: PathBuf,
    /// Empty lower directories made for this mount, removed after it.
    empties: Vec<PathBuf>,
    mounted: bool,
}

impl Mount {
    /// Where it is mounted.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Unmounts now, reporting errors (drop ignores them).
    pub fn unmount(mut self) -> io::Result<()> {
        self.release()
    }

    fn release(&mut self) -> io::Result<()> {
        if self.mounted {
            let c = cstr(&self.target)?;
            if unsafe { libc::umount2(c.as_ptr(), 0) } != 0 {
                let err = io::Error::last_os_error();
                if err.raw_os_error() != Some(libc::EBUSY) {
                    return Err(err);
                }
                check(
                    unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) },
                    &|| format!("umount {}", self.target.display()),
                )?;
            }
            self.mounted = false;
        }
        for dir in self.empties.drain(..) {
            let _ = fs::remove_dir(&dir);
        }
        Ok(())
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = self.release();
    }
}

fn empty_dir() -> io::Result<PathBuf> {
    let dir = unique_temp("empty");
    fs::DirBuilder::new().mode(0o755).create(&dir)?;
    Ok(dir)
}

/// Whether `path` can be written into a classic overlay option string.
fn plain_option_path(path: &Path) -> bool {
    !path
        .as_os_str()
        .as_bytes()
        .iter()
        .any(|b| matches!(b, b',' | b':' | b'\\'))
}

/// The overlay options every mount gets (research 1.4.1): no index, no
/// metacopy (a chown would leave a data-less upper file), no redirects
/// (a directory rename becomes copy + delete, which diffs plainly). In a
/// user namespace the kernel takes `nofollow` for the same, not `off`.
fn overlay_flags() -> [(&'static str, &'static str); 3] {
    [
        ("index", "off"),
        ("metacopy", "off"),
        ("redirect_dir", if rootless() { "nofollow" } else { "off" }),
    ]
}

fn overlay(lowers: &[PathBuf], upper: Option<(&Path, &Path)>, target: &Path) -> io::Result<Mount> {
    let mut mount = Mount {
        target: target.to_path_buf(),
        empties: Vec::new(),
        mounted: false,
    };
    let mut lowers = lowers.to_vec();
    // FROM scratch has no layer; a read-only overlay needs two lowers.
    let needed = if upper.is_some() { 1 } else { 2 };
    while lowers.len() < needed {
        let dir = empty_dir()?;
        mount.empties.push(dir.clone());
        lowers.push(dir);
    }
    let mut all: Vec<&Path> = lowers.iter().map(PathBuf::as_path).collect();
    if let Some((u, w)) = upper {
        all.extend([u, w]);
    }
    let mut data = format!(
        "lowerdir={}",
        lowers
            .iter()
            .map(|l| l.display().to_string())
            .collect::<Vec<_>>()
            .join(":")
    );
    if let Some((u, w)) = upper {
        data.push_str(&format!(
            ",upperdir={},workdir={}",
            u.display(),
            w.display()
        ));
    }
    for (k, v) in overlay_flags() {
        data.push_str(&format!(",{k}={v}"));
    }
    if rootless() {
        data.push_str(",userxattr");
    }
    let flags = if upper.is_some() { 0 } else { libc::MS_RDONLY };
    // One page holds the whole option string; beyond it (or with paths
    // the option syntax cannot carry) add the layers one by one.
    if data.len() < 4000 && all.iter().all(|p| plain_option_path(p)) {
        sys_mount(
            Some(Path::new("overlay")),
            target,
            Some("overlay"),
            flags,
            Some(&data),
        )?;
    } else {
        new_api_overlay(&lowers, upper, target, flags != 0)?;
    }
    mount.mounted = true;
    Ok(mount)
}

/// Mounts an overlay through fsopen/fsconfig, passing each lower with
/// `lowerdir+` (Linux 6.8+), which has no length limit and no escaping.
fn new_api_overlay(
    lowers: &[PathBuf],
    upper: Option<(&Path, &Path)>,
    target: &Path,
    readonly: bool,
) -> io::Result<()> {
    struct Fd(libc::c_int);
    impl Drop for Fd {
        fn drop(&mut self) {
            unsafe { libc::close(self.0) };
        }
    }
    const FSCONFIG_SET_STRING: libc::c_uint = 1;
    const FSCONFIG_CMD_CREATE: libc::c_uint = 6;
    const MOVE_MOUNT_F_EMPTY_PATH: libc::c_uint = 4;
    const MOUNT_ATTR_RDONLY: libc::c_uint = 1;
    let fs = unsafe { libc::syscall(libc::SYS_fsopen, c"overlay".as_ptr(), 1u32) };
    if fs < 0 {
        return Err(io::Error::last_os_error());
    }
    let fs = Fd(fs as libc::c_int);
    let set = |key: &str, value: &OsStr| -> io::Result<()> {
        let k = CString::new(key).map_err(|_| io::Error::other("option with NUL"))?;
        let v = CString::new(value.as_bytes()).map_err(|_| io::Error::other("path with NUL"))?;
        let r = unsafe {
            libc::syscall(
                libc::SYS_fsconfig,
                fs.0,
                FSCONFIG_SET_STRING,
                k.as_ptr(),
                v.as_ptr(),
                0,
            )
        };
        if r < 0 {
            let err = io::Error::last_os_error();
            return Err(io::Error::new(
                err.kind(),
                format!(
                    "overlay option {key}={}: {err} (lowerdir+ needs Linux 6.8)",
                    value.to_string_lossy()
                ),
            ));
        }
        Ok(())
    };
    for lower in lowers {
        set("lowerdir+", lower.as_os_str())?;
    }
    if let Some((u, w)) = upper {
        set("upperdir", u.as_os_str())?;
        set("workdir", w.as_os_str())?;
    }
    for (k, v) in overlay_flags() {
        set(k, OsStr::new(v))?;
    }
    if rootless() {
        const FSCONFIG_SET_FLAG: libc::c_uint = 0;
        let r = unsafe {
            libc::syscall(
                libc::SYS_fsconfig,
                fs.0,
                FSCONFIG_SET_FLAG,
                c"userxattr".as_ptr(),
                std::ptr::null::<libc::c_char>(),
                0,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    let r = unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            fs.0,
            FSCONFIG_CMD_CREATE,
            std::ptr::null::<libc::c_char>(),
            std::ptr::null::<libc::c_char>(),
            0,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    let attrs = if readonly { MOUNT_ATTR_RDONLY } else { 0 };
    let mnt = unsafe { libc::syscall(libc::SYS_fsmount, fs.0, 1u32, attrs) };
    if mnt < 0 {
        return Err(io::Error::last_os_error());
    }
    let mnt = Fd(mnt as libc::c_int);
    let t = cstr(target)?;
    let r = unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            mnt.0,
            c"".as_ptr(),
            libc::AT_FDCWD,
            t.as_ptr(),
            MOVE_MOUNT_F_EMPTY_PATH,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Mounts an overlay at `target` with `lowers` (top layer first), `upper`
/// and `work` (same filesystem as `upper`, empty). An empty `lowers` list
/// (FROM scratch) uses an empty directory.
pub fn mount_overlay(
    lowers: &[PathBuf],
    upper: &Path,
    work: &Path,
    target: &Path,
) -> io::Result<Mount> {
    overlay(lowers, Some((upper, work)), target)
}

/// Mounts a read-only view of `lowers` (top first) at `target`, for
/// `COPY --from` and `RUN --mount=type=bind,from=...`.
pub fn mount_readonly(lowers: &[PathBuf], target: &Path) -> io::Result<Mount> {
    overlay(lowers, None, target)
}

// ---------------------------------------------------------------------------
// RUN
// ---------------------------------------------------------------------------

/// RUN's network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Network {
    /// A fresh network namespace with only `lo` (up).
    None,
    /// The host's network.
    Host,
}

/// A `RUN --mount`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunMount {
    /// A host directory or file (a context directory, a read-only view of
    /// another stage) at `target`.
    Bind {
        source: PathBuf,
        target: String,
        readonly: bool,
    },
    /// A persistent cache directory, read-write.
    Cache { dir: PathBuf, target: String },
    /// A fresh tmpfs.
    Tmpfs { target: String },
}

/// One RUN.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The rootfs: an already mounted writable overlay.
    pub rootfs: PathBuf,
    /// The command, run as is (shell form is `[SHELL..., text]`); `argv[0]`
    /// is looked up in the command's PATH inside the rootfs.
    pub argv: Vec<String>,
    /// `KEY=VALUE`; PATH and HOME are added when missing.
    pub env: Vec<String>,
    /// The working directory, created when missing.
    pub cwd: String,
    /// Docker's USER syntax (`name|uid[:group|gid]`), resolved through the
    /// rootfs's /etc/passwd and /etc/group; empty means root.
    pub user: String,
    pub network: Network,
    pub hostname: String,
    pub mounts: Vec<RunMount>,
}

/// How a RUN ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunResult {
    /// The command's exit status; 128+N when killed by signal N.
    pub exit_code: i32,
    /// Directories (relative to the rootfs) created as mount points and
    /// left in the upper dir: some of `dev`, `proc`, `sys`, `etc`, parents
    /// of `RUN --mount` targets and the targets themselves. Docker 20.10's
    /// BuildKit keeps such directories in the layer; pass them to
    /// `DiffOptions::exclude` to leave them out instead. File stubs
    /// (`etc/hosts`, `etc/resolv.conf`, `etc/hostname`, file mount targets)
    /// are removed before `run` returns and never reach the diff.
    pub created_stubs: Vec<PathBuf>,
}

static HELPER_EXE: OnceLock<PathBuf> = OnceLock::new();

/// Sets the executable [`run`] re-executes as its helper (default
/// `/proc/self/exe`); tests point it at the `msmigrate` binary.
pub fn set_helper_executable(path: PathBuf) {
    let _ = HELPER_EXE.set(path);
}

#[derive(Debug, Serialize, Deserialize)]
struct HelperMount {
    source: Option<PathBuf>,
    /// Absolute path on the host, already resolved inside the rootfs.
    target: PathBuf,
    tmpfs: bool,
    readonly: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct HelperSpec {
    rootfs: PathBuf,
    argv: Vec<String>,
    env: Vec<String>,
    cwd: String,
    user: String,
    network: Network,
    hostname: String,
    proc: PathBuf,
    dev: PathBuf,
    sys: PathBuf,
    mounts: Vec<HelperMount>,
}

/// Records the stubs made for mount points in the rootfs.
struct Stubs {
    root: PathBuf,
    dirs: Vec<PathBuf>,
    files: Vec<PathBuf>,
}

impl Stubs {
    /// Resolves `target` inside the root and makes sure something of the
    /// right kind exists there, creating (and recording) what is missing.
    fn ensure(&mut self, target: &str, dir: bool) -> io::Result<PathBuf> {
        let parts: Vec<OsString> = Path::new(target)
            .components()
            .filter_map(|c| match c {
                std::path::Component::Normal(p) => Some(p.to_os_string()),
                std::path::Component::ParentDir => Some("..".into()),
                _ => None,
            })
            .collect();
        let path = resolve_in_root(&self.root, &parts, true, None)?;
        let mut missing = Vec::new();
        let mut up = path.as_path();
        while up != self.root && fs::symlink_metadata(up).is_err() {
            missing.push(up.to_path_buf());
            up = up.parent().unwrap_or(&self.root);
        }
        for (i, p) in missing.iter().rev().enumerate() {
            let last = i + 1 == missing.len();
            if last && !dir {
                fs::File::create(p)?;
                fs::set_permissions(p, fs::Permissions::from_mode(0o755))?;
                self.files.push(p.clone());
            } else {
                fs::DirBuilder::new().mode(0o755).create(p)?;
                fs::set_permissions(p, fs::Permissions::from_mode(0o755))?;
                self.dirs.push(p.clone());
            }
        }
        Ok(path)
    }

    /// Removes the file stubs; returns the directories, relative.
    fn finish(self) -> Vec<PathBuf> {
        for file in &self.files {
            let _ = fs::remove_file(file);
        }
        self.dirs
            .iter()
            .filter_map(|d| d.strip_prefix(&self.root).ok().map(Path::to_path_buf))
            .collect()
    }
}

fn generated_etc(dir: &Path, spec: &RunSpec) -> io::Result<Vec<(String, PathBuf)>> {
    let hosts = format!(
        "127.0.0.1\tlocalhost {0}\n::1\tlocalhost ip6-localhost ip6-loopback\n",
        spec.hostname
    );
    let resolv = match spec.network {
        Network::Host => fs::read_to_string("/etc/resolv.conf").unwrap_or_default(),
        // Like BuildKit: the host's file without loopback resolvers, which
        // mean nothing in another network namespace.
        Network::None => fs::read_to_string("/etc/resolv.conf")
            .unwrap_or_default()
            .lines()
            .filter(|l| {
                let mut words = l.split_whitespace();
                !(words.next() == Some("nameserver")
                    && words
                        .next()
                        .is_some_and(|a| a.starts_with("127.") || a == "::1"))
            })
            .map(|l| format!("{l}\n"))
            .collect(),
    };
    let mut out = Vec::new();
    // BuildKit (checked on Docker 20.10) gives RUN /etc/hosts and
    // /etc/resolv.conf but no /etc/hostname.
    let _ = &spec.hostname;
    for (name, text) in [("hosts", hosts), ("resolv.conf", resolv)] {
        let path = dir.join(name);
        fs::write(&path, text)?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644))?;
        out.push((format!("etc/{name}"), path));
    }
    Ok(out)
}

/// Runs one RUN in the sandbox, copying the command's stdout and stderr to
/// `log`. A command that fails is `Ok` with its exit code; `Err` is a
/// sandbox failure (mounts, user lookup, command not found...).
pub fn run(spec: &RunSpec, log: &mut dyn Write) -> io::Result<RunResult> {
    run_cancellable(spec, log, None)
}

/// [`run`], also stopped (as by Ctrl-C) once `cancel` turns true: a
/// parallel build stops a running RUN when another stage failed.
pub fn run_cancellable(
    spec: &RunSpec,
    log: &mut dyn Write,
    cancel: Option<Arc<AtomicBool>>,
) -> io::Result<RunResult> {
    if !is_root() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "RUN needs root for now",
        ));
    }
    if spec.argv.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "RUN with an empty command",
        ));
    }
    if interrupted() {
        return Err(Stopped::Interrupted.error());
    }
    let scratch = unique_temp("run");
    fs::DirBuilder::new().mode(0o700).create(&scratch)?;
    let result = run_in(spec, log, &scratch, cancel);
    let _ = fs::remove_dir_all(&scratch);
    result
}

fn run_in(
    spec: &RunSpec,
    log: &mut dyn Write,
    scratch: &Path,
    cancel: Option<Arc<AtomicBool>>,
) -> io::Result<RunResult> {
    let mut stubs = Stubs {
        root: spec.rootfs.clone(),
        dirs: Vec::new(),
        files: Vec::new(),
    };
    let outcome = (|| {
        let proc = stubs.ensure("proc", true)?;
        let dev = stubs.ensure("dev", true)?;
        let sys = stubs.ensure("sys", true)?;
        let mut mounts = Vec::new();
        for (target, source) in generated_etc(scratch, spec)? {
            let at = stubs.ensure(&target, false)?;
            mounts.push(HelperMount {
                source: Some(source),
                target: at,
                tmpfs: false,
                readonly: true,
            });
        }
        for m in &spec.mounts {
            let (source, target, tmpfs, readonly) = match m {
                RunMount::Bind {
                    source,
                    target,
                    readonly,
                } => (Some(source.clone()), target, false, *readonly),
                RunMount::Cache { dir, target } => (Some(dir.clone()), target, false, false),
                RunMount::Tmpfs { target } => (None, target, true, false),
            };
            let is_dir = source.as_ref().is_none_or(|s| s.is_dir());
            let at = stubs.ensure(target, is_dir)?;
            mounts.push(HelperMount {
                source,
                target: at,
                tmpfs,
                readonly,
            });
        }
        let helper = HelperSpec {
            rootfs: spec.rootfs.clone(),
            argv: spec.argv.clone(),
            env: spec.env.clone(),
            cwd: spec.cwd.clone(),
            user: spec.user.clone(),
            network: spec.network,
            hostname: spec.hostname.clone(),
            proc,
            dev,
            sys,
            mounts,
        };
        spawn_helper(&helper, log, cancel)
    })();
    let created_stubs = stubs.finish();
    Ok(RunResult {
        exit_code: outcome?,
        created_stubs,
    })
}

fn spawn_helper(
    spec: &HelperSpec,
    log: &mut dyn Write,
    cancel: Option<Arc<AtomicBool>>,
) -> io::Result<i32> {
    let json = serde_json::to_vec(spec).map_err(io::Error::other)?;
    let (mut out_r, out_w) = io::pipe()?;
    let (mut status_r, status_w) = io::pipe()?;
    let exe = HELPER_EXE
        .get()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("/proc/self/exe"));
    let mut cmd = Command::new(&exe);
    cmd.arg(HELPER_ARG)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(out_w.try_clone()?)
        .stderr(out_w);
    let status_fd = status_w.as_raw_fd();
    // SAFETY: dup2 and fcntl are async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            let ok = if status_fd == STATUS_FD {
                libc::fcntl(STATUS_FD, libc::F_SETFD, 0) == 0
            } else {
                libc::dup2(status_fd, STATUS_FD) == STATUS_FD
            };
            if ok {
                Ok(())
            } else {
                Err(io::Error::last_os_error())
            }
        });
    }
    let mut child = cmd.spawn().map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("starting the RUN helper {}: {e}", exe.display()),
        )
    })?;
    drop(cmd);
    drop(status_w);
    if let Some(mut stdin) = child.stdin.take() {
        // The helper reads the whole spec before it writes anything.
        stdin.write_all(&json)?;
    }
    let (done, watchdog) = watch(child.id(), cancel);
    let mut buf = [0u8; 16 * 1024];
    let copy_result = loop {
        match out_r.read(&mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => {
                if let Err(e) = log.write_all(&buf[..n]) {
                    break Err(e);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    if copy_result.is_err() {
        let _ = child.kill();
    }
    // The helper is not reaped yet, so its PID cannot have been reused.
    drop(done);
    let stopped = watchdog.join().unwrap_or(None);
    let status = child.wait()?;
    if let Some(why) = stopped {
        return Err(why.error());
    }
    copy_result?;
    let mut report = String::new();
    status_r.read_to_string(&mut report)?;
    let mut code = None;
    for line in report.lines() {
        if let Some(message) = line.strip_prefix("error: ") {
            return Err(io::Error::other(message.to_string()));
        }
        if let Some(n) = line.strip_prefix("exit ") {
            code = n.trim().parse().ok();
        }
    }
    code.ok_or_else(|| {
        io::Error::other(format!("the RUN helper ended without a result ({status})"))
    })
}

// ---------------------------------------------------------------------------
// Stopping a RUN: Ctrl-C and the time limit
// ---------------------------------------------------------------------------

static INTERRUPT: OnceLock<Arc<AtomicBool>> = OnceLock::new();
static RUN_TIMEOUT: OnceLock<Option<Duration>> = OnceLock::new();

/// The variable that limits how long one RUN may take (`90`, `30s`, `5m`).
pub const RUN_TIMEOUT_ENV: &str = "MSMIGRATE_RUN_TIMEOUT";

/// Makes SIGINT and SIGTERM stop the build cleanly: the running RUN's
/// processes are killed, its mounts and work directories removed, and the
/// build returns an error ([`interrupted`] tells why). A second signal ends
/// the process at once; its mount namespace and the sandbox (through
/// `PR_SET_PDEATHSIG`) still go with it.
pub fn catch_interrupts() {
    let flag = INTERRUPT.get_or_init(|| Arc::new(AtomicBool::new(false)));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // Registered first, so it sees the flag as it was before this signal.
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(flag));
        let _ = signal_hook::flag::register(signal, Arc::clone(flag));
    }
}

/// True once SIGINT or SIGTERM arrived (after [`catch_interrupts`]).
pub fn interrupted() -> bool {
    INTERRUPT
        .get()
        .is_some_and(|flag| flag.load(Ordering::Relaxed))
}

/// Limits every RUN to `limit` (killed past it); `None` lifts the limit.
/// Without a call, `MSMIGRATE_RUN_TIMEOUT` is read once.
pub fn set_run_timeout(limit: Option<Duration>) {
    let _ = RUN_TIMEOUT.set(limit);
}

fn run_timeout() -> Option<Duration> {
    *RUN_TIMEOUT.get_or_init(|| {
        let text = std::env::var(RUN_TIMEOUT_ENV).ok()?;
        parse_duration(&text)
    })
}

/// `90`, `90s`, `1.5m`, `2h`: seconds unless a unit says otherwise.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, scale) = match text.char_indices().last()? {
        (i, 's') => (&text[..i], 1.0),
        (i, 'm') => (&text[..i], 60.0),
        (i, 'h') => (&text[..i], 3600.0),
        _ => (text, 1.0),
    };
    let seconds: f64 = number.trim().parse().ok()?;
    Duration::try_from_secs_f64(seconds * scale)
        .ok()
        .filter(|d| !d.is_zero())
}

#[derive(Debug, Clone, Copy)]
enum Stopped {
    Interrupted,
    Cancelled,
    TimedOut(Duration),
}

impl Stopped {
    fn error(self) -> io::Error {
        match self {
            Stopped::Interrupted => io::Error::new(
                io::ErrorKind::Interrupted,
                "interrupted: the RUN's processes were stopped",
            ),
            Stopped::Cancelled => {
                io::Error::new(io::ErrorKind::Interrupted, "stopped: another stage failed")
            }
            Stopped::TimedOut(limit) => io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "RUN took longer than {} s ({RUN_TIMEOUT_ENV}); its processes were killed",
                    limit.as_secs_f64()
                ),
            ),
        }
    }
}

/// Watches the helper `pid` until the returned sender is dropped, killing
/// it on Ctrl-C or past the time limit; its PID 1 follows through
/// PR_SET_PDEATHSIG, and with PID 1 the kernel kills the whole namespace.
fn watch(
    pid: u32,
    cancel: Option<Arc<AtomicBool>>,
) -> (
    std::sync::mpsc::Sender<()>,
    std::thread::JoinHandle<Option<Stopped>>,
) {
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let limit = run_timeout();
    let start = Instant::now();
    let handle = std::thread::spawn(move || {
        loop {
            match finished.recv_timeout(Duration::from_millis(50)) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                _ => return None,
            }
            let why = if interrupted() {
                Stopped::Interrupted
            } else if cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
                Stopped::Cancelled
            } else if let Some(limit) = limit.filter(|l| start.elapsed() >= *l) {
                Stopped::TimedOut(limit)
            } else {
                continue;
            };
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            return Some(why);
        }
    });
    (done, handle)
}

// ---------------------------------------------------------------------------
// The helper (a fresh process) and PID 1
// ---------------------------------------------------------------------------

fn report(line: &str) {
    let text = format!("{line}\n");
    unsafe { libc::write(STATUS_FD, text.as_ptr().cast(), text.len()) };
}

fn fail(context: &str, err: impl std::fmt::Display) -> ! {
    report(&format!(
        "error: {context}: {}",
        err.to_string().replace('\n', " ")
    ));
    unsafe { libc::_exit(125) }
}

fn exit_code(status: libc::c_int) -> i32 {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        125
    }
}

/// The RUN helper's entry point: `src/main.rs` calls it first thing when
/// `argv[1]` is [`HELPER_ARG`]. Reads a spec on stdin, reports on fd 3.
pub fn helper_main() -> ! {
    unsafe { libc::fcntl(STATUS_FD, libc::F_SETFD, libc::FD_CLOEXEC) };
    // Started by a rootless builder, the helper is in its user namespace.
    let initial = fs::read_to_string("/proc/self/uid_map")
        .is_ok_and(|m| m.split_whitespace().collect::<Vec<_>>() == ["0", "0", "4294967295"]);
    ROOTLESS.store(!initial, Ordering::Relaxed);
    let mut json = Vec::new();
    if let Err(e) = io::stdin().read_to_end(&mut json) {
        fail("reading the RUN spec", e);
    }
    let spec: HelperSpec =
        serde_json::from_slice(&json).unwrap_or_else(|e| fail("parsing the RUN spec", e));
    // If the builder dies (Ctrl-C), so does the helper, then PID 1, and the
    // kernel then kills everything in the namespace.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
    let mut flags =
        libc::CLONE_NEWNS | libc::CLONE_NEWPID | libc::CLONE_NEWUTS | libc::CLONE_NEWIPC;
    if spec.network == Network::None {
        flags |= libc::CLONE_NEWNET;
    }
    if unsafe { libc::unshare(flags) } != 0 {
        fail("unshare", io::Error::last_os_error());
    }
    if let Err(e) = sys_mount(
        None,
        Path::new("/"),
        None,
        libc::MS_REC | libc::MS_PRIVATE,
        None,
    ) {
        fail("making / private", e);
    }
    if unsafe { libc::sethostname(spec.hostname.as_ptr().cast(), spec.hostname.len()) } != 0 {
        fail("sethostname", io::Error::last_os_error());
    }
    match unsafe { libc::fork() } {
        -1 => fail("fork", io::Error::last_os_error()),
        0 => pid1(&spec),
        child => {
            let mut status = 0;
            loop {
                let r = unsafe { libc::waitpid(child, &mut status, 0) };
                if r == child {
                    break;
                }
                if r < 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                    fail("waiting for the sandbox", io::Error::last_os_error());
                }
            }
            if libc::WIFSIGNALED(status) {
                report(&format!(
                    "error: the sandbox's init was killed by signal {}",
                    libc::WTERMSIG(status)
                ));
            }
            unsafe { libc::_exit(exit_code(status)) }
        }
    }
}

fn pid1(spec: &HelperSpec) -> ! {
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
    if let Err(e) = setup_root(spec) {
        fail("setting up the sandbox", e);
    }
    unsafe { libc::umask(0o022) };
    if spec.network == Network::None
        && let Err(e) = loopback_up()
    {
        fail("bringing up lo", e);
    }
    let read = |p: &str| fs::read_to_string(p).unwrap_or_default();
    let user = resolve_user(&spec.user, &read("/etc/passwd"), &read("/etc/group"))
        .unwrap_or_else(|e| fail("USER", e));
    let env = command_env(&spec.env, &user.home);
    let cwd = if spec.cwd.is_empty() {
        "/"
    } else {
        spec.cwd.as_str()
    };
    if let Err(e) = fs::create_dir_all(cwd) {
        fail(&format!("creating the working directory {cwd}"), e);
    }
    if let Err(e) = limit_capabilities() {
        fail("capabilities", e);
    }
    let program = find_program(&spec.argv[0], &env)
        .unwrap_or_else(|e| fail(&format!("exec {}", spec.argv[0]), e));
    let to_c = |s: &str| CString::new(s).unwrap_or_else(|e| fail("argument with NUL", e));
    let argv: Vec<CString> = spec.argv.iter().map(|a| to_c(a)).collect();
    let envp: Vec<CString> = env.iter().map(|a| to_c(a)).collect();
    let cwd_c = to_c(cwd);
    let groups: Vec<libc::gid_t> = user.groups.clone();

    let child = unsafe { libc::fork() };
    if child < 0 {
        fail("fork", io::Error::last_os_error());
    }
    if child == 0 {
        exec_command(&program, &argv, &envp, &cwd_c, &user, &groups);
    }
    // Reap every process that ends up with us; stop when the command ends
    // (like a container: what it left running dies with the namespace).
    loop {
        let mut status = 0;
        let r = unsafe { libc::waitpid(-1, &mut status, 0) };
        if r == child {
            let code = exit_code(status);
            report(&format!("exit {code}"));
            unsafe { libc::_exit(code) }
        }
        if r < 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            fail("waiting for the command", io::Error::last_os_error());
        }
    }
}

fn exec_command(
    program: &CString,
    argv: &[CString],
    envp: &[CString],
    cwd: &CString,
    user: &ExecUser,
    groups: &[libc::gid_t],
) -> ! {
    let mut argv_p: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    argv_p.push(std::ptr::null());
    let mut envp_p: Vec<*const libc::c_char> = envp.iter().map(|a| a.as_ptr()).collect();
    envp_p.push(std::ptr::null());
    unsafe {
        // A user namespace mapped without newgidmap forbids setgroups.
        if libc::setgroups(groups.len(), groups.as_ptr()) != 0
            && !fs::read_to_string("/proc/self/setgroups").is_ok_and(|s| s.trim() == "deny")
        {
            fail("setgroups", io::Error::last_os_error());
        }
        if libc::setgid(user.gid) != 0 {
            fail("setgid", io::Error::last_os_error());
        }
        if libc::setuid(user.uid) != 0 {
            fail("setuid", io::Error::last_os_error());
        }
        if libc::chdir(cwd.as_ptr()) != 0 {
            fail("chdir", io::Error::last_os_error());
        }
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
        if null < 0 || libc::dup2(null, 0) != 0 {
            fail("stdin", io::Error::last_os_error());
        }
        if null != 0 {
            libc::close(null);
        }
        libc::execve(program.as_ptr(), argv_p.as_ptr(), envp_p.as_ptr());
    }
    fail(
        &format!("exec {}", program.to_string_lossy()),
        io::Error::last_os_error(),
    )
}

/// Mounts /proc, /dev, /sys, the /etc files and the RUN mounts, then pivots
/// into the rootfs.
fn setup_root(spec: &HelperSpec) -> io::Result<()> {
    let root = &spec.rootfs;
    const NOSUID: libc::c_ulong = libc::MS_NOSUID;
    sys_mount(Some(root), root, None, libc::MS_BIND | libc::MS_REC, None)?;
    // Device nodes in the rootfs (from a layer, or made by mknod) must not
    // open host devices: Docker's device cgroup denies them, here the
    // rootfs is nodev. /dev is a separate tmpfs with only the safe nodes.
    sys_mount(
        None,
        root,
        None,
        libc::MS_BIND | libc::MS_REMOUNT | libc::MS_NODEV,
        None,
    )?;
    sys_mount(
        Some(Path::new("proc")),
        &spec.proc,
        Some("proc"),
        NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
        None,
    )?;
    setup_dev(&spec.dev)?;
    let ro = libc::MS_RDONLY | NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
    if sys_mount(Some(Path::new("sysfs")), &spec.sys, Some("sysfs"), ro, None).is_err() {
        // sysfs can only be mounted by the network namespace's owner.
        sys_mount(
            Some(Path::new("/sys")),
            &spec.sys,
            None,
            libc::MS_BIND | libc::MS_REC,
            None,
        )?;
        sys_mount(
            None,
            &spec.sys,
            None,
            libc::MS_BIND | libc::MS_REMOUNT | ro,
            None,
        )?;
    }
    for m in &spec.mounts {
        if m.tmpfs {
            sys_mount(
                Some(Path::new("tmpfs")),
                &m.target,
                Some("tmpfs"),
                NOSUID | libc::MS_NODEV,
                Some("mode=1777"),
            )?;
            continue;
        }
        let source = m.source.as_deref().unwrap_or(Path::new("/nonexistent"));
        sys_mount(
            Some(source),
            &m.target,
            None,
            libc::MS_BIND | libc::MS_REC,
            None,
        )?;
        let readonly = if m.readonly { libc::MS_RDONLY } else { 0 };
        sys_mount(
            None,
            &m.target,
            None,
            libc::MS_BIND | libc::MS_REMOUNT | libc::MS_NODEV | readonly,
            None,
        )?;
    }
    hide_kernel_interfaces(spec)?;
    pivot(root)
}

/// Files of /proc hidden from RUN, as Docker does (moby's default OCI
/// spec): an empty read-only tmpfs over a directory, /dev/null over a file.
const MASKED_PROC: &[&str] = &[
    "acpi",
    "kcore",
    "keys",
    "latency_stats",
    "timer_list",
    "timer_stats",
    "sched_debug",
    "scsi",
];

/// Parts of /proc RUN may read but not write, as in Docker.
const READONLY_PROC: &[&str] = &["bus", "fs", "irq", "sys", "sysrq-trigger"];

/// RUN is root with Docker's capabilities, and /proc reaches the host
/// kernel: writing /proc/sys/kernel/core_pattern makes the host run a
/// program of the build's choosing, /proc/sysrq-trigger reboots it. Docker
/// masks these; so does this, with the same lists. Paths this kernel does
/// not have are skipped, as runc does.
fn hide_kernel_interfaces(spec: &HelperSpec) -> io::Result<()> {
    let ro = libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
    for name in READONLY_PROC {
        let path = spec.proc.join(name);
        if fs::symlink_metadata(&path).is_err() {
            continue;
        }
        sys_mount(Some(&path), &path, None, libc::MS_BIND | libc::MS_REC, None)?;
        sys_mount(
            None,
            &path,
            None,
            libc::MS_BIND | libc::MS_REMOUNT | ro,
            None,
        )?;
    }
    let masked = MASKED_PROC
        .iter()
        .map(|name| spec.proc.join(name))
        .chain([spec.sys.join("firmware")]);
    for path in masked {
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            sys_mount(
                Some(Path::new("tmpfs")),
                &path,
                Some("tmpfs"),
                libc::MS_RDONLY,
                None,
            )?;
        } else {
            sys_mount(
                Some(&spec.dev.join("null")),
                &path,
                None,
                libc::MS_BIND,
                None,
            )?;
        }
    }
    Ok(())
}

fn setup_dev(dev: &Path) -> io::Result<()> {
    sys_mount(
        Some(Path::new("tmpfs")),
        dev,
        Some("tmpfs"),
        libc::MS_NOSUID | libc::MS_STRICTATIME,
        Some("mode=755,size=65536k"),
    )?;
    for (name, major, minor) in [
        ("null", 1, 3),
        ("zero", 1, 5),
        ("full", 1, 7),
        ("random", 1, 8),
        ("urandom", 1, 9),
        ("tty", 5, 0),
    ] {
        let node = dev.join(name);
        let path = cstr(&node)?;
        if rootless() {
            // No mknod in a user namespace: the host's node, bind-mounted.
            fs::File::create(&node)?;
            sys_mount(
                Some(&Path::new("/dev").join(name)),
                &node,
                None,
                libc::MS_BIND,
                None,
            )?;
            continue;
        }
        check(
            unsafe {
                libc::mknod(
                    path.as_ptr(),
                    libc::S_IFCHR | 0o666,
                    libc::makedev(major, minor),
                )
            },
            &|| format!("mknod /dev/{name}"),
        )?;
        check(unsafe { libc::chmod(path.as_ptr(), 0o666) }, &|| {
            format!("chmod /dev/{name}")
        })?;
    }
    for (name, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("ptmx", "pts/ptmx"),
    ] {
        std::os::unix::fs::symlink(target, dev.join(name))?;
    }
    let pts = dev.join("pts");
    fs::DirBuilder::new().mode(0o755).create(&pts)?;
    let devpts = |options: &str| {
        sys_mount(
            Some(Path::new("devpts")),
            &pts,
            Some("devpts"),
            libc::MS_NOSUID | libc::MS_NOEXEC,
            Some(options),
        )
    };
    // The tty group (5) may not be mapped in a rootless user namespace.
    devpts("newinstance,ptmxmode=0666,mode=0620,gid=5").or_else(|e| {
        if rootless() {
            devpts("newinstance,ptmxmode=0666,mode=0620")
        } else {
            Err(e)
        }
    })?;
    let shm = dev.join("shm");
    fs::DirBuilder::new().mode(0o1777).create(&shm)?;
    sys_mount(
        Some(Path::new("shm")),
        &shm,
        Some("tmpfs"),
        libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
        Some("mode=1777,size=65536k"),
    )
}

/// pivot_root(".", ".") as runc does: the old root ends up stacked on the
/// new one and is detached from there.
fn pivot(root: &Path) -> io::Result<()> {
    let old = fs::File::open("/")?;
    let new = fs::File::open(root)?;
    unsafe {
        check(libc::fchdir(new.as_raw_fd()), &|| "fchdir new root".into())?;
        check(
            libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()) as libc::c_int,
            &|| "pivot_root".into(),
        )?;
        check(libc::fchdir(old.as_raw_fd()), &|| "fchdir old root".into())?;
        check(libc::umount2(c".".as_ptr(), libc::MNT_DETACH), &|| {
            "detaching the old root".into()
        })?;
        check(libc::chdir(c"/".as_ptr()), &|| "chdir /".into())?;
    }
    Ok(())
}

fn loopback_up() -> io::Result<()> {
    unsafe {
        let sock = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if sock < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
            *dst = *src as libc::c_char;
        }
        let mut result = Ok(());
        if libc::ioctl(sock, libc::SIOCGIFFLAGS, &mut req) < 0 {
            result = Err(io::Error::last_os_error());
        } else {
            req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            if libc::ioctl(sock, libc::SIOCSIFFLAGS, &mut req) < 0 {
                result = Err(io::Error::last_os_error());
            }
        }
        libc::close(sock);
        result
    }
}

/// Drops every capability outside Docker's default set from the bounding
/// set and clears the inheritable and ambient sets, so root's command gets
/// exactly Docker's capabilities at exec.
fn limit_capabilities() -> io::Result<()> {
    let last: u32 = fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(40);
    for cap in 0..=last {
        if !DEFAULT_CAPS.contains(&cap)
            && unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) } != 0
        {
            return Err(io::Error::last_os_error());
        }
    }
    unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            0,
            0,
            0,
        );
    }
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    let mut header = Header {
        version: 0x2008_0522,
        pid: 0,
    };
    let mut data = [Data::default(); 2];
    unsafe {
        if libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) != 0 {
            return Err(io::Error::last_os_error());
        }
        for d in &mut data {
            d.inheritable = 0;
        }
        if libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The command's environment: the spec's, plus PATH and HOME when missing.
fn command_env(env: &[String], home: &str) -> Vec<String> {
    let mut out = env.to_vec();
    let has = |key: &str| env.iter().any(|e| e.split('=').next() == Some(key));
    if !has("PATH") {
        out.push(format!("PATH={DEFAULT_PATH}"));
    }
    if !has("HOME") {
        out.push(format!("HOME={home}"));
    }
    out
}

/// `argv[0]` looked up in the command's PATH, as Go's `exec.LookPath`.
fn find_program(name: &str, env: &[String]) -> io::Result<CString> {
    let executable = |p: &Path| {
        fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        return cstr(Path::new(name));
    }
    let path = env
        .iter()
        .rev()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or(DEFAULT_PATH);
    for dir in path.split(':') {
        let dir = if dir.is_empty() { "." } else { dir };
        let candidate = Path::new(dir).join(name);
        if executable(&candidate) {
            return cstr(&candidate);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        format!("\"{name}\": executable file not found in $PATH"),
    ))
}

/// A resolved USER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecUser {
    pub uid: u32,
    pub gid: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
    pub home: String,
}

/// Resolves Docker's USER syntax against an image's passwd and group files
/// the way runc's `user.GetExecUser` does: a name must exist, a number need
/// not; supplementary groups come from group membership only when no group
/// is given.
pub fn resolve_user(spec: &str, passwd: &str, group: &str) -> Result<ExecUser, String> {
    let (user_arg, group_arg) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let mut out = ExecUser {
        uid: 0,
        gid: 0,
        groups: Vec::new(),
        home: "/".into(),
    };
    let passwd_entries: Vec<Vec<&str>> = passwd
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split(':').collect())
        .collect();
    let user_num = user_arg.parse::<u32>().ok();
    let mut matched_name: Option<String> = None;
    let wanted_uid = if user_arg.is_empty() {
        Some(0)
    } else {
        user_num
    };
    let found = passwd_entries.iter().find(|f| {
        let uid = f.get(2).and_then(|v| v.parse::<u32>().ok());
        match wanted_uid {
            Some(n) if user_arg.is_empty() || user_num.is_some() => uid == Some(n),
            _ => f.first() == Some(&user_arg),
        }
    });
    match found {
        Some(f) => {
            out.uid = f.get(2).and_then(|v| v.parse().ok()).unwrap_or(0);
            out.gid = f.get(3).and_then(|v| v.parse().ok()).unwrap_or(0);
            out.home = f
                .get(5)
                .filter(|h| !h.is_empty())
                .unwrap_or(&"/")
                .to_string();
            matched_name = f.first().map(|s| s.to_string());
        }
        None => match user_num {
            Some(n) => out.uid = n,
            None if user_arg.is_empty() => {}
            None => {
                return Err(format!(
                    "unable to find user {user_arg}: no matching entries in passwd file"
                ));
            }
        },
    }
    let group_arg = group_arg.filter(|g| !g.is_empty());
    if group_arg.is_some() || matched_name.is_some() {
        let groups: Vec<(String, u32, Vec<String>)> = group
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                let gid = f.get(2)?.parse().ok()?;
                let members = f.get(3).map(|m| {
                    m.split(',')
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect()
                });
                Some((f[0].to_string(), gid, members.unwrap_or_default()))
            })
            .collect();
        match group_arg {
            Some(g) => {
                let num = g.parse::<u32>().ok();
                let hit = groups.iter().find(|(name, gid, _)| match num {
                    Some(n) => *gid == n,
                    None => name == g,
                });
                out.gid = match (hit, num) {
                    (Some((_, gid, _)), _) => *gid,
                    (None, Some(n)) => n,
                    (None, None) => {
                        return Err(format!(
                            "unable to find group {g}: no matching entries in group file"
                        ));
                    }
                };
            }
            None => {
                let name = matched_name.unwrap_or_default();
                out.groups = groups
                    .iter()
                    .filter(|(_, _, m)| m.contains(&name))
                    .map(|(_, gid, _)| *gid)
                    .collect();
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\n";
    const GROUP: &str = "root:x:0:\nstaff:x:50:app\napp:x:1001:\nwheel:x:10:root,app\n";

    #[test]
    fn user_by_name_gets_membership_groups() {
        let u = resolve_user("app", PASSWD, GROUP).unwrap();
        assert_eq!(
            (u.uid, u.gid, u.groups, u.home.as_str()),
            (1000, 1001, vec![50, 10], "/home/app")
        );
    }

    #[test]
    fn explicit_group_replaces_supplementary_groups() {
        let u = resolve_user("app:staff", PASSWD, GROUP).unwrap();
        assert_eq!((u.uid, u.gid, u.groups.len()), (1000, 50, 0));
        assert_eq!(resolve_user("app:777", PASSWD, GROUP).unwrap().gid, 777);
        assert!(resolve_user("app:nope", PASSWD, GROUP).is_err());
    }

    #[test]
    fn unknown_numeric_user_is_allowed_unknown_name_is_not() {
        let u = resolve_user("4242", PASSWD, GROUP).unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (4242, 0, "/"));
        assert!(resolve_user("ghost", PASSWD, GROUP).is_err());
    }

    #[test]
    fn empty_user_is_root() {
        let u = resolve_user("", PASSWD, GROUP).unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (0, 0, "/root"));
    }
}
