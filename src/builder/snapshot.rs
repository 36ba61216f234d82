//! Steps without overlayfs: a copy of the stage's filesystem, and a diff.
//!
//! A step normally runs in an overlay mount, and its upper directory *is*
//! the step's layer in overlay format (the form [`super::layer::write_diff`]
//! reads and the store keeps). Where overlayfs cannot be mounted (not in the
//! kernel, refused inside a container, a store that is itself on overlayfs)
//! the builder instead:
//!
//! 1. [`materialize`]s the merged view of the layers into a plain directory
//!    (the layers are in overlay format: whiteouts are `0:0` character
//!    devices, opaque directories carry `trusted.overlay.opaque=y`), and
//!    records what each path looked like;
//! 2. runs the step there;
//! 3. [`diff`]s the tree against the record and writes the upper directory
//!    overlayfs would have left (with `index=off,metacopy=off,
//!    redirect_dir=off`, the options the sandbox mounts with), so the layer
//!    is the same byte for byte:
//!    - a new path, or one whose inode, type, mode, owner, size, mtime or
//!      ctime changed, is there in full (overlayfs copies a file up on any
//!      attribute change, even a `chown` to the same owner, which moves only
//!      the ctime); its parent directories come along with their own
//!      attributes, as copy-up brings them;
//!    - a deleted path is a whiteout; whiteouts share one inode (overlayfs
//!      links them to one), except the one a renamed file leaves, which
//!      `rename(RENAME_WHITEOUT)` makes separately;
//!    - a directory that replaced something (deleted and made again, or a
//!      file turned into a directory) is opaque, with all its contents;
//!    - every name of a hardlinked inode that is written is written
//!      (overlayfs copies the source of `ln` up), so the links survive.
//!
//! Files in the upper directory are hard links to the tree the step ran in
//! (nothing is copied twice). Known differences from overlayfs: a write to
//! one name of an inode that was hardlinked in the lower layers changes
//! every name here (overlayfs with `index=off` breaks the link), and opening
//! a file for writing without changing it copies it up there but not here.

use std::collections::{HashMap, HashSet};
use std::ffi::{CString, OsString};
use std::fs::{self, Metadata};
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::layer::{is_overlay_xattr, opaque_xattr};

/// What the materialized tree looked like before the step.
pub struct Snapshot {
    entries: HashMap<PathBuf, Before>,
    /// The names in each directory (relative paths, the root is "").
    children: HashMap<PathBuf, Vec<OsString>>,
}

/// One path before the step.
struct Before {
    mode: u32,
    id: Identity,
    uid: u32,
    gid: u32,
    size: u64,
    nlink: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    rdev: u64,
    /// The file in a lower layer it was copied from (to compare contents
    /// and attributes when only the ctime says something happened).
    source: Option<PathBuf>,
}

/// An inode, told apart from a later one that reuses its number by its
/// birth time (where the filesystem records one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Identity {
    ino: u64,
    born: Option<(u64, u32)>,
}

impl Identity {
    fn of(meta: &Metadata) -> Identity {
        Identity {
            ino: meta.ino(),
            born: meta
                .created()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| (d.as_secs(), d.subsec_nanos())),
        }
    }
}

fn is_dir_mode(mode: u32) -> bool {
    mode & libc::S_IFMT == libc::S_IFDIR
}

fn is_whiteout(meta: &Metadata) -> bool {
    meta.file_type().is_char_device() && meta.rdev() == 0
}

fn is_opaque(dir: &Path) -> bool {
    xattr::get(dir, opaque_xattr()).ok().flatten().as_deref() == Some(b"y")
}

fn cstring(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::other(format!("path with NUL: {}", path.display())))
}

fn check(ret: libc::c_int) -> io::Result<()> {
    if ret == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The attributes a copy carries: everything but overlayfs's own.
fn xattrs(path: &Path) -> io::Result<Vec<(OsString, Vec<u8>)>> {
    let mut out = Vec::new();
    let names = match xattr::list(path) {
        Ok(names) => names,
        Err(e) if e.raw_os_error() == Some(libc::ENOTSUP) => return Ok(out),
        Err(e) => return Err(e),
    };
    for name in names {
        if is_overlay_xattr(name.as_bytes()) {
            continue;
        }
        if let Some(value) = xattr::get(path, &name)? {
            out.push((name, value));
        }
    }
    out.sort();
    Ok(out)
}

/// Owner, then mode (chown clears setuid bits and capabilities), then
/// extended attributes, of `from` onto `to`. Symlinks get only the owner.
fn copy_attributes(to: &Path, meta: &Metadata, from: &Path) -> io::Result<()> {
    let c = cstring(to)?;
    check(unsafe { libc::lchown(c.as_ptr(), meta.uid(), meta.gid()) })?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    check(unsafe { libc::chmod(c.as_ptr(), meta.mode() & 0o7777) })?;
    for (name, value) in xattrs(from)? {
        if let Err(e) = xattr::set(to, &name, &value)
            && e.raw_os_error() != Some(libc::ENOTSUP)
        {
            return Err(e);
        }
    }
    Ok(())
}

/// Sets `path`'s access and modification times to `meta`'s mtime (without
/// following a symlink).
fn copy_mtime(path: &Path, meta: &Metadata) -> io::Result<()> {
    let time = libc::timespec {
        tv_sec: meta.mtime() as libc::time_t,
        tv_nsec: meta.mtime_nsec() as _,
    };
    let c = cstring(path)?;
    let times = [time, time];
    check(unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            c.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })
}

// ---------------------------------------------------------------------------
// Materialize
// ---------------------------------------------------------------------------

/// Copies the merged view of `lowers` (layer directories in overlay format,
/// top first, as overlayfs's `lowerdir` takes them) into `dest` (created),
/// as overlayfs would show it: the topmost layer's entry wins, whiteouts
/// hide what is below, an opaque directory hides the layers under it.
/// Owners, modes, xattrs (not overlayfs's), mtimes, symlinks, devices and
/// hardlinks (within a layer) are kept. Returns the record [`diff`] needs.
pub fn materialize(lowers: &[PathBuf], dest: &Path) -> io::Result<Snapshot> {
    fs::create_dir_all(dest)?;
    let mut m = Materializer {
        links: HashMap::new(),
        sources: HashMap::new(),
        dirs: Vec::new(),
    };
    m.merge(Path::new(""), lowers, dest)?;
    // Writing into a directory moves its mtime: set them last, deepest first.
    for (dir, meta) in m.dirs.iter().rev() {
        copy_mtime(dir, meta)?;
    }
    let mut snapshot = Snapshot {
        entries: HashMap::new(),
        children: HashMap::new(),
    };
    record(dest, Path::new(""), &mut m.sources, &mut snapshot)?;
    Ok(snapshot)
}

struct Materializer {
    /// (dev, ino) of a lower file with several names → its first copy.
    links: HashMap<(u64, u64), PathBuf>,
    /// Relative path → the lower entry it came from.
    sources: HashMap<PathBuf, PathBuf>,
    /// Directories made, parents first, with the metadata they copy.
    dirs: Vec<(PathBuf, Metadata)>,
}

impl Materializer {
    /// Fills `out` with the merged directory `rel`, whose layers are
    /// `chain` (that directory in each layer that contributes, top first).
    fn merge(&mut self, rel: &Path, chain: &[PathBuf], out: &Path) -> io::Result<()> {
        let mut seen: HashSet<OsString> = HashSet::new();
        for (i, dir) in chain.iter().enumerate() {
            let mut names: Vec<OsString> = fs::read_dir(dir)?
                .map(|e| e.map(|e| e.file_name()))
                .collect::<io::Result<_>>()?;
            names.sort();
            for name in names {
                if !seen.insert(name.clone()) {
                    continue; // a layer above has it
                }
                let src = dir.join(&name);
                let meta = fs::symlink_metadata(&src)?;
                if is_whiteout(&meta) {
                    continue;
                }
                let target = out.join(&name);
                let child = rel.join(&name);
                if meta.is_dir() {
                    let mut sub = vec![src.clone()];
                    if !is_opaque(&src) {
                        for lower in &chain[i + 1..] {
                            let p = lower.join(&name);
                            match fs::symlink_metadata(&p) {
                                Ok(m) if m.is_dir() => {
                                    let opaque = is_opaque(&p);
                                    sub.push(p);
                                    if opaque {
                                        break;
                                    }
                                }
                                // A file or a whiteout hides the layers below.
                                Ok(_) => break,
                                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                                Err(e) => return Err(e),
                            }
                        }
                    }
                    fs::create_dir(&target)?;
                    copy_attributes(&target, &meta, &src)?;
                    self.dirs.push((target.clone(), meta));
                    self.merge(&child, &sub, &target)?;
                } else if !meta.file_type().is_socket() {
                    self.copy_node(&src, &meta, &target)?;
                }
                self.sources.insert(child, src);
            }
        }
        Ok(())
    }

    fn copy_node(&mut self, src: &Path, meta: &Metadata, target: &Path) -> io::Result<()> {
        let key = (meta.dev(), meta.ino());
        if meta.nlink() > 1
            && let Some(first) = self.links.get(&key)
        {
            return fs::hard_link(first, target);
        }
        let ft = meta.file_type();
        if ft.is_file() {
            fs::copy(src, target)?;
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(src)?, target)?;
        } else {
            let c = cstring(target)?;
            check(unsafe { libc::mknod(c.as_ptr(), meta.mode(), meta.rdev() as libc::dev_t) })?;
        }
        copy_attributes(target, meta, src)?;
        copy_mtime(target, meta)?;
        if meta.nlink() > 1 {
            self.links.insert(key, target.to_path_buf());
        }
        Ok(())
    }
}

/// Records every path under `dir` (relative `rel`) as it is now.
fn record(
    dir: &Path,
    rel: &Path,
    sources: &mut HashMap<PathBuf, PathBuf>,
    snapshot: &mut Snapshot,
) -> io::Result<()> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name();
        let path = dir.join(&name);
        let child = rel.join(&name);
        let meta = fs::symlink_metadata(&path)?;
        if meta.is_dir() {
            record(&path, &child, sources, snapshot)?;
        }
        let source = sources.remove(&child);
        snapshot.entries.insert(child, Before::of(&meta, source));
        names.push(name);
    }
    snapshot.children.insert(rel.to_path_buf(), names);
    Ok(())
}

impl Before {
    fn of(meta: &Metadata, source: Option<PathBuf>) -> Before {
        Before {
            mode: meta.mode(),
            id: Identity::of(meta),
            uid: meta.uid(),
            gid: meta.gid(),
            size: meta.size(),
            nlink: meta.nlink(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            rdev: meta.rdev(),
            source,
        }
    }
}

// ---------------------------------------------------------------------------
// Diff
// ---------------------------------------------------------------------------

/// What the upper directory gets.
enum Action {
    /// This path, a directory without its contents.
    Node(PathBuf),
    /// This path and everything under it; an opaque directory when it
    /// replaced something.
    Tree(PathBuf, bool),
    /// A whiteout; its own inode when the file was renamed.
    Whiteout(PathBuf, Identity),
}

/// Writes into `upper` (an empty directory on `root`'s filesystem) what
/// changed in `root` since [`materialize`] recorded `before`, in the form
/// an overlay upper directory has (see the module docs).
pub fn diff(before: &Snapshot, root: &Path, upper: &Path) -> io::Result<()> {
    let mut d = Differ {
        before,
        root,
        actions: Vec::new(),
        names: HashMap::new(),
        written: HashSet::new(),
        written_paths: HashSet::new(),
    };
    d.compare_dir(Path::new(""))?;
    // Every name of a written hardlinked inode is written.
    let mut more = Vec::new();
    for (id, paths) in &d.names {
        if d.written.contains(id) {
            more.extend(
                paths
                    .iter()
                    .filter(|p| !d.written_paths.contains(*p))
                    .cloned(),
            );
        }
    }
    d.actions.extend(more.into_iter().map(Action::Node));
    d.write(upper)
}

struct Differ<'a> {
    before: &'a Snapshot,
    root: &'a Path,
    actions: Vec<Action>,
    /// Inodes with several names, outside written trees → their names.
    names: HashMap<Identity, Vec<PathBuf>>,
    /// Inodes of the non-directories written.
    written: HashSet<Identity>,
    /// Non-directories written as [`Action::Node`].
    written_paths: HashSet<PathBuf>,
}

impl Differ<'_> {
    fn compare_dir(&mut self, rel: &Path) -> io::Result<()> {
        let dir = self.root.join(rel);
        let mut now: HashSet<OsString> = HashSet::new();
        let mut names: Vec<OsString> = fs::read_dir(&dir)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<_>>()?;
        names.sort();
        for name in names {
            let path = rel.join(&name);
            now.insert(name);
            let meta = fs::symlink_metadata(self.root.join(&path))?;
            let id = Identity::of(&meta);
            let Some(b) = self.before.entries.get(&path) else {
                self.tree(path, &meta, false)?;
                continue;
            };
            if meta.is_dir() {
                if !is_dir_mode(b.mode) || b.id != id {
                    // Deleted and made again, or a file turned directory:
                    // overlayfs makes it opaque.
                    self.tree(path, &meta, true)?;
                } else {
                    if self.changed(b, &meta, &path)? {
                        self.actions.push(Action::Node(path.clone()));
                    }
                    self.compare_dir(&path)?;
                }
                continue;
            }
            if meta.nlink() > 1 {
                self.names.entry(id).or_default().push(path.clone());
            }
            let kind = meta.mode() & libc::S_IFMT;
            if b.mode & libc::S_IFMT != kind || b.id != id || self.changed(b, &meta, &path)? {
                self.written.insert(id);
                self.written_paths.insert(path.clone());
                self.actions.push(Action::Node(path));
            }
        }
        if let Some(old) = self.before.children.get(rel) {
            for name in old.iter().filter(|n| !now.contains(*n)) {
                let path = rel.join(name);
                let id = self.before.entries[&path].id;
                self.actions.push(Action::Whiteout(path, id));
            }
        }
        Ok(())
    }

    /// A path new to the step (or replacing what was there): all of it.
    fn tree(&mut self, path: PathBuf, meta: &Metadata, opaque: bool) -> io::Result<()> {
        if meta.is_dir() {
            for entry in walkdir::WalkDir::new(self.root.join(&path)).min_depth(1) {
                let entry = entry.map_err(io::Error::other)?;
                if !entry.file_type().is_dir() {
                    let meta = entry.metadata().map_err(io::Error::other)?;
                    self.written.insert(Identity::of(&meta));
                }
            }
        } else {
            self.written.insert(Identity::of(meta));
        }
        self.actions
            .push(Action::Tree(path, opaque && meta.is_dir()));
        Ok(())
    }

    /// Whether the same inode at `path` changed since `b`: what overlayfs
    /// would have copied up. Any attribute change does (it moves the ctime,
    /// even when the value stays), except a link count that only went down
    /// (another name of the inode was deleted): then the contents and
    /// attributes decide.
    fn changed(&self, b: &Before, meta: &Metadata, path: &Path) -> io::Result<bool> {
        if b.mode != meta.mode()
            || b.uid != meta.uid()
            || b.gid != meta.gid()
            || b.mtime != (meta.mtime(), meta.mtime_nsec())
            || b.rdev != meta.rdev()
            || (!meta.is_dir() && b.size != meta.size())
        {
            return Ok(true);
        }
        if b.ctime == (meta.ctime(), meta.ctime_nsec()) {
            return Ok(false);
        }
        if meta.is_dir() || meta.nlink() >= b.nlink {
            return Ok(true);
        }
        let Some(source) = &b.source else {
            return Ok(true);
        };
        let now = self.root.join(path);
        if meta.file_type().is_symlink() {
            return Ok(fs::read_link(source)? != fs::read_link(&now)?);
        }
        if xattrs(source)? != xattrs(&now)? {
            return Ok(true);
        }
        Ok(meta.is_file() && !same_contents(source, &now)?)
    }

    /// Makes the upper directory.
    fn write(&self, upper: &Path) -> io::Result<()> {
        let mut out = Writer {
            root: self.root,
            upper,
            made: HashSet::new(),
            dirs: Vec::new(),
            whiteout: None,
        };
        for action in &self.actions {
            match action {
                Action::Node(path) => {
                    out.parents(path)?;
                    if fs::symlink_metadata(self.root.join(path))?.is_dir() {
                        out.dir(path)?;
                    } else {
                        out.link(path)?;
                    }
                }
                Action::Tree(path, opaque) => {
                    out.parents(path)?;
                    out.tree(path)?;
                    if *opaque {
                        xattr::set(upper.join(path), opaque_xattr(), b"y")?;
                    }
                }
                Action::Whiteout(path, id) => {
                    out.parents(path)?;
                    let renamed =
                        self.written.contains(id) && !is_dir_mode(self.before.entries[path].mode);
                    out.whiteout(path, renamed)?;
                }
            }
        }
        for dir in out.dirs.iter().rev() {
            copy_mtime(
                &upper.join(dir),
                &fs::symlink_metadata(self.root.join(dir))?,
            )?;
        }
        Ok(())
    }
}

fn same_contents(a: &Path, b: &Path) -> io::Result<bool> {
    let (mut fa, mut fb) = (fs::File::open(a)?, fs::File::open(b)?);
    let (mut ba, mut bb) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = read_full(&mut fa, &mut ba)?;
        let m = read_full(&mut fb, &mut bb)?;
        if n != m || ba[..n] != bb[..m] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

fn read_full(f: &mut fs::File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Builds the upper directory.
struct Writer<'a> {
    root: &'a Path,
    upper: &'a Path,
    made: HashSet<PathBuf>,
    /// Directories made, parents first (their mtimes are set last).
    dirs: Vec<PathBuf>,
    /// The first whiteout: the others are links to it.
    whiteout: Option<PathBuf>,
}

impl Writer<'_> {
    /// The directories above `path`, as copy-up brings them.
    fn parents(&mut self, path: &Path) -> io::Result<()> {
        let mut above: Vec<&Path> = path.ancestors().skip(1).collect();
        above.pop(); // the root
        for dir in above.into_iter().rev() {
            self.dir(dir)?;
        }
        Ok(())
    }

    /// The directory `path` with the attributes it has in the tree.
    fn dir(&mut self, path: &Path) -> io::Result<()> {
        if self.made.contains(path) {
            return Ok(());
        }
        let from = self.root.join(path);
        let meta = fs::symlink_metadata(&from)?;
        let to = self.upper.join(path);
        fs::create_dir(&to)?;
        copy_attributes(&to, &meta, &from)?;
        self.made.insert(path.to_path_buf());
        self.dirs.push(path.to_path_buf());
        Ok(())
    }

    /// A non-directory: the tree's inode, linked (same attributes, and
    /// hardlinks among written names stay hardlinks).
    fn link(&mut self, path: &Path) -> io::Result<()> {
        fs::hard_link(self.root.join(path), self.upper.join(path))
    }

    fn tree(&mut self, path: &Path) -> io::Result<()> {
        if !fs::symlink_metadata(self.root.join(path))?.is_dir() {
            return self.link(path);
        }
        self.dir(path)?;
        let mut names: Vec<OsString> = fs::read_dir(self.root.join(path))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<_>>()?;
        names.sort();
        for name in names {
            self.tree(&path.join(name))?;
        }
        Ok(())
    }

    /// A `0:0` character device, owned by root.
    fn whiteout(&mut self, path: &Path, own_inode: bool) -> io::Result<()> {
        let to = self.upper.join(path);
        if !own_inode && let Some(first) = &self.whiteout {
            return fs::hard_link(first, &to);
        }
        let c = cstring(&to)?;
        check(unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR, 0) })?;
        check(unsafe { libc::lchown(c.as_ptr(), 0, 0) })?;
        if !own_inode {
            self.whiteout = Some(to);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! The diff against overlayfs itself: the same operations in an overlay
    //! mount and in a materialized copy must give the same layer tar.

    use super::*;
    use crate::builder::layer::{self, DiffOptions};
    use crate::builder::sandbox;
    use std::os::unix::fs::PermissionsExt;

    fn write(path: &Path, text: &str) {
        fs::write(path, text).unwrap();
    }

    fn mknod_whiteout(path: &Path) {
        let c = cstring(path).unwrap();
        check(unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR, 0) }).unwrap();
    }

    /// Two lower layers in overlay format (top first).
    fn lowers(dir: &Path) -> Vec<PathBuf> {
        let (l1, l2) = (dir.join("l1"), dir.join("l2"));
        for d in ["d/sub", "e", "o", "keep/deep"] {
            fs::create_dir_all(l1.join(d)).unwrap();
        }
        for (f, t) in [
            ("a", "a"),
            ("b", "b"),
            ("c", "c"),
            ("f", "f"),
            ("g", "g"),
            ("d/sub/x", "x"),
            ("e/y", "y"),
            ("o/old", "old"),
            ("keep/deep/z", "z"),
            ("cap", "cap"),
        ] {
            write(&l1.join(f), t);
        }
        fs::hard_link(l1.join("b"), l1.join("b2")).unwrap();
        std::os::unix::fs::symlink("a", l1.join("l")).unwrap();
        let cap = [1u8, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        xattr::set(l1.join("cap"), "security.capability", &cap).unwrap();
        // The layer above deletes c and makes o opaque with a new file.
        fs::create_dir_all(l2.join("o")).unwrap();
        mknod_whiteout(&l2.join("c"));
        xattr::set(l2.join("o"), opaque_xattr(), b"y").unwrap();
        write(&l2.join("o/new"), "new");
        vec![l2, l1]
    }

    /// What a step does (only what overlayfs allows without redirects).
    fn step(root: &Path) {
        let r = |p: &str| root.join(p);
        fs::set_permissions(r("a"), fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::chown(r("f"), Some(0), Some(0)).unwrap(); // no-op
        fs::rename(r("l"), r("l2")).unwrap();
        fs::remove_file(r("b2")).unwrap();
        fs::remove_file(r("e/y")).unwrap();
        fs::remove_dir(r("e")).unwrap();
        fs::remove_dir_all(r("d")).unwrap();
        fs::create_dir(r("d")).unwrap();
        write(&r("d/again"), "again");
        fs::remove_file(r("g")).unwrap();
        fs::create_dir(r("g")).unwrap();
        write(&r("g/in"), "in");
        fs::hard_link(r("keep/deep/z"), r("z2")).unwrap();
        write(&r("o/newer"), "newer");
        fs::create_dir_all(r("n/m")).unwrap();
        write(&r("n/m/file"), "file");
        fs::set_permissions(r("cap"), fs::Permissions::from_mode(0o750)).unwrap();
    }

    fn layer_tar(upper: &Path) -> Vec<u8> {
        let mut out = Vec::new();
        let options = DiffOptions {
            mtime_clamp: Some(0),
            ..DiffOptions::default()
        };
        layer::write_diff(upper, &mut out, &options).unwrap();
        out
    }

    fn listing(tar_bytes: &[u8]) -> Vec<String> {
        let mut archive = tar::Archive::new(tar_bytes);
        archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let h = e.header();
                format!(
                    "{} {:?} {:o} {}:{} link={:?}",
                    e.path().unwrap().display(),
                    h.entry_type(),
                    h.mode().unwrap(),
                    h.uid().unwrap(),
                    h.gid().unwrap(),
                    e.link_name().unwrap()
                )
            })
            .collect()
    }

    #[test]
    fn the_copy_diff_equals_overlayfs() {
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("*** SKIPPED: needs root (overlay mounts, whiteouts) ***");
            return;
        }
        let dir = std::env::temp_dir().join(format!("msmigrate-snapshot-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let lowers = lowers(&dir);

        let (upper, work, merged) = (dir.join("upper"), dir.join("work"), dir.join("merged"));
        for d in [&upper, &work, &merged] {
            fs::create_dir_all(d).unwrap();
        }
        let mount = sandbox::mount_overlay(&lowers, &upper, &work, &merged).unwrap();
        step(&merged);
        mount.unmount().unwrap();
        // What the builder strips before using an upper dir.
        for entry in walkdir::WalkDir::new(&upper) {
            let path = entry.unwrap().into_path();
            for name in xattr::list(&path).unwrap() {
                let name = name.to_string_lossy().into_owned();
                if is_overlay_xattr(name.as_bytes()) && name != opaque_xattr() {
                    xattr::remove(&path, &name).unwrap();
                }
            }
        }
        let with_overlay = layer_tar(&upper);

        let root = dir.join("root");
        let before = materialize(&lowers, &root).unwrap();
        step(&root);
        let copy_upper = dir.join("copy-upper");
        fs::create_dir_all(&copy_upper).unwrap();
        diff(&before, &root, &copy_upper).unwrap();
        let with_copy = layer_tar(&copy_upper);

        let _ = fs::remove_dir_all(&dir);
        assert_eq!(
            listing(&with_overlay),
            listing(&with_copy),
            "entries differ (overlayfs, then copy)"
        );
        assert!(with_overlay == with_copy, "same entries, different bytes");
    }
}
