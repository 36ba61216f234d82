//! The directories a layer extraction has met, kept in memory so that each
//! tar entry's parent is found by walking names instead of `lstat`-ing
//! every component of its path from the root again.
//!
//! Resolving from the root costs one `lstat` per component, and the kernel
//! walks the whole absolute path for each: cubic in the depth. A hostile
//! layer 1,800 directories deep took 100 s to extract that way. Here a
//! known directory is found in O(1) per component, and only a new name
//! costs a system call, so an extraction is linear in entries × depth.
//!
//! The tree holds only real directories inside the root, never symlinks,
//! so `..` is simply the parent node. It stays true because extraction
//! tells it ([`DirTree::forget`]) whenever it removes a path: that is the
//! only way a directory it knows can turn into something else.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::layer::follow_link;

/// A directory, by index into [`DirTree::nodes`]; 0 is the root.
pub(crate) type DirId = usize;

struct Node {
    parent: DirId,
    name: OsString,
    children: HashMap<OsString, DirId>,
}

pub(crate) struct DirTree {
    root: PathBuf,
    nodes: Vec<Node>,
}

/// Where a resolution ended: `dir`, plus the last name when it is not a
/// directory (or, when not creating, does not exist).
pub(crate) struct Resolved {
    pub dir: DirId,
    pub leaf: Option<OsString>,
}

impl DirTree {
    pub(crate) fn new(root: &Path) -> DirTree {
        DirTree {
            root: root.to_path_buf(),
            nodes: vec![Node {
                parent: 0,
                name: OsString::new(),
                children: HashMap::new(),
            }],
        }
    }

    /// The real path of `dir`.
    pub(crate) fn path(&self, dir: DirId) -> PathBuf {
        let mut names = Vec::new();
        let mut at = dir;
        while at != 0 {
            names.push(&self.nodes[at].name);
            at = self.nodes[at].parent;
        }
        let mut path = self.root.clone();
        path.extend(names.iter().rev());
        path
    }

    /// The real path of a resolution.
    pub(crate) fn path_of(&self, r: &Resolved) -> PathBuf {
        let mut path = self.path(r.dir);
        if let Some(leaf) = &r.leaf {
            path.push(leaf);
        }
        path
    }

    /// Resolves `parts` as if the root were `/`: symlinks are followed
    /// (the last one only when `follow_last`) but can never leave the root.
    /// Missing directories are created with `missing_mode` when given;
    /// otherwise a missing directory before the last part is `NotFound`.
    /// A non-directory before the last part is `NotADirectory`.
    pub(crate) fn resolve(
        &mut self,
        parts: &[OsString],
        follow_last: bool,
        missing_mode: Option<u32>,
    ) -> io::Result<Resolved> {
        let mut todo: Vec<OsString> = parts.iter().rev().cloned().collect();
        let mut dir: DirId = 0;
        let mut links = 0;
        while let Some(part) = todo.pop() {
            if part == ".." {
                dir = self.nodes[dir].parent;
                continue;
            }
            if part == "." || part.is_empty() {
                continue;
            }
            if let Some(&child) = self.nodes[dir].children.get(&part) {
                dir = child;
                continue;
            }
            let is_last = todo.is_empty();
            let here = self.path(dir).join(&part);
            match fs::symlink_metadata(&here) {
                Ok(meta) if meta.file_type().is_symlink() && (!is_last || follow_last) => {
                    if follow_link(&here, &mut todo, &mut links)? {
                        dir = 0;
                    }
                }
                Ok(meta) if meta.is_dir() => dir = self.add(dir, part),
                Ok(_) if is_last => {
                    return Ok(Resolved {
                        dir,
                        leaf: Some(part),
                    });
                }
                Ok(_) => return Err(io::Error::from_raw_os_error(libc::ENOTDIR)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => match missing_mode {
                    Some(mode) => {
                        fs::create_dir(&here)?;
                        fs::set_permissions(&here, fs::Permissions::from_mode(mode))?;
                        dir = self.add(dir, part);
                    }
                    None if is_last => {
                        return Ok(Resolved {
                            dir,
                            leaf: Some(part),
                        });
                    }
                    None => return Err(e),
                },
                Err(e) => return Err(e),
            }
        }
        Ok(Resolved { dir, leaf: None })
    }

    /// Records that `name` in `dir` is a directory (one extraction made).
    pub(crate) fn add(&mut self, dir: DirId, name: OsString) -> DirId {
        let id = self.nodes.len();
        self.nodes.push(Node {
            parent: dir,
            name: name.clone(),
            children: HashMap::new(),
        });
        self.nodes[dir].children.insert(name, id);
        id
    }

    /// Forgets `name` in `dir`, which extraction is about to remove or
    /// replace. Its subtree becomes unreachable.
    pub(crate) fn forget(&mut self, dir: DirId, name: &OsStr) {
        self.nodes[dir].children.remove(name);
    }
}
