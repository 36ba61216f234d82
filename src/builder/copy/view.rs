//! A filesystem seen from inside a root: the build context (with its ignore
//! file hiding paths, as the context BuildKit receives) or a stage's root.
//!
//! Paths are resolved as containerd's `fs.RootPath` does: `..` stops at the
//! root, and a symlink's target (absolute ones included) is read relative to
//! the root, so nothing ever resolves outside it.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::ffi::{OsStr, OsString};
use std::fs::{self, Metadata};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::dockerfile::ignore::Rules;

/// How many symlinks one resolution may follow (Linux's own limit is 40;
/// continuity allows 255).
const MAX_HOPS: usize = 255;

/// A root and what of it is visible.
pub(super) struct View<'a> {
    root: &'a Path,
    rules: Option<&'a Rules>,
    /// Context files are owned by 0:0 whatever they are on disk (the docker
    /// CLI resets them when it sends the context).
    pub(super) reset_owner: bool,
    visible_dirs: RefCell<HashMap<PathBuf, bool>>,
}

/// The error of a resolution that followed too many symlinks.
pub(super) fn too_many_links(path: &Path) -> io::Error {
    io::Error::other(format!(
        "{}: too many levels of symbolic links",
        display(path)
    ))
}

/// `/`-rooted display of a relative path, as BuildKit names sources.
pub(super) fn display(rel: &Path) -> String {
    format!("/{}", rel.to_string_lossy())
}

impl<'a> View<'a> {
    /// The whole of `root`.
    pub(super) fn root(root: &'a Path) -> View<'a> {
        View {
            root,
            rules: None,
            reset_owner: false,
            visible_dirs: RefCell::default(),
        }
    }

    /// A build context: `rules` hide paths, owners read as 0:0.
    pub(super) fn context(root: &'a Path, rules: Option<&'a Rules>) -> View<'a> {
        View {
            root,
            rules,
            reset_owner: true,
            visible_dirs: RefCell::default(),
        }
    }

    /// The host path of a relative path.
    pub(super) fn abs(&self, rel: &Path) -> PathBuf {
        if rel.as_os_str().is_empty() {
            self.root.to_path_buf()
        } else {
            self.root.join(rel)
        }
    }

    /// `lstat` of a relative path; a hidden path does not exist.
    pub(super) fn lstat(&self, rel: &Path) -> io::Result<Metadata> {
        let meta = fs::symlink_metadata(self.abs(rel))?;
        if self.visible(rel, &meta) {
            Ok(meta)
        } else {
            Err(io::Error::from(io::ErrorKind::NotFound))
        }
    }

    /// True when the ignore file leaves `rel` in the context. An ignored
    /// directory is still there when something below it is re-included (`!`),
    /// as fsutil sends the parents of what it sends.
    fn visible(&self, rel: &Path, meta: &Metadata) -> bool {
        let Some(rules) = self.rules else { return true };
        let text = rel.to_string_lossy();
        if !rules.excluded(&text) {
            return true;
        }
        if !meta.is_dir() || rules.may_differ_below(&text).is_none() {
            return false;
        }
        if let Some(&v) = self.visible_dirs.borrow().get(rel) {
            return v;
        }
        let v = fs::read_dir(self.abs(rel)).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                let child = rel.join(e.file_name());
                fs::symlink_metadata(e.path()).is_ok_and(|m| self.visible(&child, &m))
            })
        });
        self.visible_dirs.borrow_mut().insert(rel.to_path_buf(), v);
        v
    }

    /// The visible entries of directory `rel`, sorted by name (Go's
    /// `os.ReadDir` order, which decides who wins when copies overlap).
    pub(super) fn read_dir(&self, rel: &Path) -> io::Result<Vec<(OsString, Metadata)>> {
        let mut out = Vec::new();
        for e in fs::read_dir(self.abs(rel))? {
            let e = e?;
            let name = e.file_name();
            let child = rel.join(&name);
            if let Ok(meta) = self.lstat(&child) {
                out.push((name, meta));
            }
        }
        out.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        Ok(out)
    }

    /// Resolves `path` (absolute or not, read from the root) to a relative
    /// path without symlinks in its existing part, following the last
    /// component too when `follow_last`. Missing components are kept as
    /// written.
    pub(super) fn resolve(&self, path: &OsStr, follow_last: bool) -> io::Result<PathBuf> {
        let mut queue: VecDeque<OsString> = split(path.as_bytes()).collect();
        let mut out: Vec<OsString> = Vec::new();
        let mut hops = 0;
        while let Some(part) = queue.pop_front() {
            match part.as_bytes() {
                b"" | b"." => continue,
                b".." => {
                    out.pop();
                    continue;
                }
                _ => {}
            }
            out.push(part);
            if queue.is_empty() && !follow_last {
                break;
            }
            let rel: PathBuf = out.iter().collect();
            let Ok(meta) = self.lstat(&rel) else { continue };
            if !meta.file_type().is_symlink() {
                continue;
            }
            hops += 1;
            if hops > MAX_HOPS {
                return Err(too_many_links(&rel));
            }
            let target = fs::read_link(self.abs(&rel))?;
            out.pop();
            if target.is_absolute() {
                out.clear();
            }
            for p in split(target.as_os_str().as_bytes())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
            {
                queue.push_front(p);
            }
        }
        Ok(out.iter().collect())
    }
}

/// The non-empty `/`-separated parts of a path.
pub(super) fn split(path: &[u8]) -> impl Iterator<Item = OsString> + '_ {
    path.split(|&b| b == b'/')
        .filter(|p| !p.is_empty())
        .map(|p| OsStr::from_bytes(p).to_os_string())
}
