//! The copier: one source path into the destination root, with fsutil's
//! `copy.Copy` semantics as BuildKit's file backend drives it
//! (`CopyDirContents`, `FollowSymlinks`, `CreateDestPath`).

use std::collections::HashMap;
use std::fs::{self, Metadata};
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::mode::Chmod;
use super::view::{View, display};
use super::{CopyError, CopyOutcome};

/// What applies to every file of one COPY.
pub(super) struct Options<'a> {
    /// `--chown`, resolved.
    pub owner: Option<(u32, u32)>,
    /// `--chmod`, parsed.
    pub chmod: Option<&'a Chmod>,
    /// `--exclude` patterns, matched against paths below each source.
    pub exclude: Option<&'a crate::dockerfile::ignore::Rules>,
}

/// The destination root and its resolution.
pub(super) struct Dest<'a> {
    pub view: View<'a>,
}

fn io_at(path: &Path, what: &str) -> impl FnOnce(io::Error) -> CopyError {
    let p = display(path);
    let what = what.to_string();
    move |e| CopyError::new(format!("{what} {p}: {e}"))
}

/// True when we may skip ownership we cannot set (not root: tests and
/// rootless runs without a user namespace).
fn unprivileged() -> bool {
    nix::unistd::geteuid().as_raw() != 0
}

fn lchown(path: &Path, uid: u32, gid: u32) -> io::Result<()> {
    match std::os::unix::fs::lchown(path, Some(uid), Some(gid)) {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied && unprivileged() => Ok(()),
        r => r,
    }
}

impl Dest<'_> {
    /// fsutil's `MkdirAll` inside the root: missing directories are created
    /// 0755 and owned by the `--chown` owner (else 0:0); an existing
    /// non-directory on the way is an error. Returns the resolved path.
    pub(super) fn mkdir_all(
        &self,
        path: &Path,
        owner: Option<(u32, u32)>,
    ) -> Result<PathBuf, CopyError> {
        let rel = self
            .view
            .resolve(path.as_os_str(), true)
            .map_err(|e| CopyError::new(e.to_string()))?;
        let mut at = PathBuf::new();
        for part in rel.iter() {
            at.push(part);
            let abs = self.view.abs(&at);
            match fs::symlink_metadata(&abs) {
                Ok(m) if m.is_dir() => continue,
                Ok(_) => {
                    return Err(CopyError::new(format!(
                        "mkdir {}: not a directory",
                        display(&at)
                    )));
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_at(&at, "mkdir")(e)),
            }
            fs::create_dir(&abs).map_err(io_at(&at, "mkdir"))?;
            fs::set_permissions(&abs, fs::Permissions::from_mode(0o755))
                .map_err(io_at(&at, "chmod"))?;
            let (uid, gid) = owner.unwrap_or((0, 0));
            lchown(&abs, uid, gid).map_err(io_at(&at, "chown"))?;
        }
        Ok(rel)
    }
}

/// Bytes copied between two progress ticks.
const CHUNK: u64 = 16 << 20;

/// One copy: a source tree into the destination.
pub(super) struct Copier<'a> {
    pub src: &'a View<'a>,
    pub dest: &'a Dest<'a>,
    pub opts: &'a Options<'a>,
    /// Source (dev, inode) to the first destination path written for it, so
    /// hardlinks inside the copied tree stay hardlinks.
    inodes: HashMap<(u64, u64), PathBuf>,
    pub outcome: &'a mut CopyOutcome,
    /// Told the running totals after each file (a progress bar).
    pub tick: Option<&'a mut dyn FnMut(&CopyOutcome)>,
}

impl<'a> Copier<'a> {
    pub(super) fn new(
        src: &'a View<'a>,
        dest: &'a Dest<'a>,
        opts: &'a Options<'a>,
        outcome: &'a mut CopyOutcome,
    ) -> Copier<'a> {
        Copier {
            src,
            dest,
            opts,
            inodes: HashMap::new(),
            outcome,
            tick: None,
        }
    }

    /// Copies the source `src` (resolved, relative to the source root;
    /// `name` is the name it was asked by, for "into a directory") to the
    /// destination `dest` (absolute in the image; `dest_is_dir` when it ends
    /// in `/`).
    pub(super) fn copy_root(
        &mut self,
        src: &Path,
        name: &Path,
        dest: &str,
        dest_is_dir: bool,
    ) -> Result<(), CopyError> {
        let src_meta = self.src.lstat(src).map_err(|_| super::not_found(src))?;
        // Copy's ensureDstPath: the destination directory (with a trailing
        // slash) or the destination's parent is created first.
        let dest_path = Path::new(dest);
        let ensure = if dest_is_dir {
            Some(dest_path)
        } else {
            dest_path.parent()
        };
        if let Some(dir) = ensure {
            self.dest.mkdir_all(dir, self.opts.owner)?;
        }
        let mut target = self
            .dest
            .view
            .resolve(dest_path.as_os_str(), true)
            .map_err(|e| CopyError::new(e.to_string()))?;
        let dest_meta = fs::symlink_metadata(self.dest.view.abs(&target)).ok();
        // prepareTargetDir: a file into an existing directory goes inside it.
        if !src_meta.is_dir()
            && dest_meta.as_ref().is_some_and(Metadata::is_dir)
            && let Some(base) = name.file_name()
        {
            target.push(base);
        }
        let parent_or_self = if src_meta.is_dir() && dest_meta.is_none() {
            Some(target.as_path())
        } else {
            target.parent()
        };
        if let Some(dir) = parent_or_self.filter(|d| !d.as_os_str().is_empty()) {
            let abs_dir = Path::new("/").join(dir);
            self.dest.mkdir_all(&abs_dir, self.opts.owner)?;
        }
        self.copy(src, Path::new(""), &target, false)
    }

    /// fsutil's `copier.copy`: `rel` is the path below the copied source
    /// (empty at the top, where metadata of an existing directory is kept).
    fn copy(
        &mut self,
        src: &Path,
        rel: &Path,
        target: &Path,
        overwrite_meta: bool,
    ) -> Result<(), CopyError> {
        let meta = self.src.lstat(src).map_err(|_| super::not_found(src))?;
        if let (Some(ex), false) = (self.opts.exclude, rel.as_os_str().is_empty()) {
            let text = rel.to_string_lossy();
            if ex.excluded(&text) && (!meta.is_dir() || ex.may_differ_below(&text).is_none()) {
                return Ok(());
            }
        }
        let abs_src = self.src.abs(src);
        let abs = self.dest.view.abs(target);
        let ft = meta.file_type();
        let mut copy_info = true;
        let mut restore_times = false;
        if ft.is_dir() {
            let created = match fs::symlink_metadata(&abs) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    fs::create_dir(&abs).map_err(io_at(target, "mkdir"))?;
                    true
                }
                Err(e) => return Err(io_at(target, "lstat")(e)),
                Ok(m) if !m.is_dir() => {
                    return Err(CopyError::new(format!(
                        "cannot copy to non-directory: {}",
                        display(target)
                    )));
                }
                Ok(_) => {
                    if overwrite_meta {
                        fs::set_permissions(&abs, fs::Permissions::from_mode(meta.mode() & 0o7777))
                            .map_err(io_at(target, "chmod"))?;
                    }
                    false
                }
            };
            for (name, _) in self.src.read_dir(src).map_err(io_at(src, "read"))? {
                self.copy(
                    &src.join(&name),
                    &rel.join(&name),
                    &target.join(&name),
                    true,
                )?;
            }
            if !overwrite_meta {
                copy_info = created;
                restore_times = !created;
            }
            self.outcome.directories += 1;
        } else {
            // ensureEmptyFileTarget
            match fs::symlink_metadata(&abs) {
                Ok(m) if m.is_dir() => {
                    return Err(CopyError::new(format!(
                        "cannot replace to directory {} with file",
                        display(target)
                    )));
                }
                Ok(_) => fs::remove_file(&abs).map_err(io_at(target, "remove"))?,
                Err(_) => {}
            }
            if ft.is_file() {
                let key = (meta.dev(), meta.ino());
                match self.inodes.get(&key).filter(|_| meta.nlink() > 1) {
                    Some(first) => {
                        fs::hard_link(self.dest.view.abs(first), &abs)
                            .map_err(io_at(target, "link"))?;
                    }
                    None => {
                        let mut from = fs::File::open(&abs_src).map_err(io_at(src, "open"))?;
                        let mut to = fs::OpenOptions::new()
                            .write(true)
                            .create_new(true)
                            .mode(0o600)
                            .open(&abs)
                            .map_err(io_at(target, "create"))?;
                        // In chunks, so a bar moves during a large file
                        // (each chunk still goes through copy_file_range).
                        loop {
                            let n = io::copy(&mut (&mut from).take(CHUNK), &mut to)
                                .map_err(io_at(target, "write"))?;
                            if n == 0 {
                                break;
                            }
                            self.outcome.bytes += n;
                            if let Some(tick) = self.tick.as_mut() {
                                tick(self.outcome);
                            }
                        }
                        if meta.nlink() > 1 {
                            self.inodes.insert(key, target.to_path_buf());
                        }
                    }
                }
            } else if ft.is_symlink() {
                let link = fs::read_link(&abs_src).map_err(io_at(src, "readlink"))?;
                std::os::unix::fs::symlink(&link, &abs).map_err(io_at(target, "symlink"))?;
            } else if ft.is_char_device() || ft.is_block_device() || ft.is_fifo() || ft.is_socket()
            {
                let c = std::ffi::CString::new(abs.as_os_str().as_bytes())
                    .map_err(|_| CopyError::new(format!("bad path {}", display(target))))?;
                // SAFETY: `c` is a valid NUL-terminated path.
                let r = unsafe {
                    libc::mknod(
                        c.as_ptr(),
                        meta.mode() as libc::mode_t,
                        meta.rdev() as libc::dev_t,
                    )
                };
                if r != 0 {
                    return Err(io_at(target, "mknod")(io::Error::last_os_error()));
                }
            }
            self.outcome.files += 1;
            if let Some(tick) = self.tick.as_mut() {
                tick(self.outcome);
            }
        }
        if copy_info {
            self.copy_info(&abs_src, &meta, &abs, target)?;
        } else if restore_times {
            set_times(&abs, &meta).map_err(io_at(target, "utime"))?;
        }
        Ok(())
    }

    /// Owner, mode, times and xattrs from the source (fsutil's
    /// `copyFileInfo` then `copyXAttrs`; chown first, since it clears
    /// setuid bits and capabilities).
    fn copy_info(
        &self,
        abs_src: &Path,
        meta: &Metadata,
        abs: &Path,
        target: &Path,
    ) -> Result<(), CopyError> {
        let (uid, gid) = match self.opts.owner {
            Some(o) => o,
            None if self.src.reset_owner => (0, 0),
            None => (meta.uid(), meta.gid()),
        };
        lchown(abs, uid, gid).map_err(io_at(target, "chown"))?;
        if !meta.file_type().is_symlink() {
            let mut mode = meta.mode() & 0o7777;
            if let Some(c) = self.opts.chmod {
                mode = c.apply(mode, meta.is_dir());
            }
            fs::set_permissions(abs, fs::Permissions::from_mode(mode))
                .map_err(io_at(target, "chmod"))?;
        }
        set_times(abs, meta).map_err(io_at(target, "utime"))?;
        copy_xattrs(abs_src, abs);
        Ok(())
    }
}

/// Sets `path`'s access and modification times to `meta`'s (without
/// following a symlink).
pub(super) fn set_times(path: &Path, meta: &Metadata) -> io::Result<()> {
    let atime = filetime::FileTime::from_last_access_time(meta);
    let mtime = filetime::FileTime::from_last_modification_time(meta);
    filetime::set_symlink_file_times(path, atime, mtime)
}

/// Copies extended attributes, except overlayfs's own; attributes the
/// destination filesystem refuses are skipped, as BuildKit's handler does.
fn copy_xattrs(from: &Path, to: &Path) {
    let Ok(names) = xattr::list(from) else { return };
    for name in names {
        if crate::builder::layer::is_overlay_xattr(name.as_bytes()) {
            continue;
        }
        if let Ok(Some(value)) = xattr::get(from, &name) {
            let _ = xattr::set(to, &name, &value);
        }
    }
}
