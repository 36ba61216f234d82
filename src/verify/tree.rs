//! Image filesystems and runtime configs as comparable data, and the
//! comparison of the legacy image with the multi-stage one.
//!
//! A tree maps each path to its type, mode, owner, size, content hash and
//! link target (mtimes are ignored). Embedded images are read through a
//! read-only overlay of their layers; Docker images through `docker export`
//! of a created container, minus what `docker create` adds (research 0.1
//! #9). Hardlinks are compared as the files they are.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

/// One path of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `file`, `dir`, `symlink`, `char`, `block` or `fifo`.
    pub kind: &'static str,
    /// Permission bits with setuid, setgid and sticky.
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub size: u64,
    /// sha256 of a file's content (empty otherwise).
    pub sha256: String,
    /// A symlink's target.
    pub link: String,
}

impl Entry {
    /// One line for reports.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} mode={:o} owner={}:{} size={}",
            self.kind, self.mode, self.uid, self.gid, self.size
        );
        if !self.sha256.is_empty() {
            s.push_str(&format!(
                " sha256={}",
                &self.sha256[..12.min(self.sha256.len())]
            ));
        }
        if !self.link.is_empty() {
            s.push_str(&format!(" -> {}", self.link));
        }
        s
    }
}

/// Path (relative, no leading `/`) → entry.
pub type Tree = BTreeMap<String, Entry>;

fn hash_reader(r: &mut dyn Read) -> io::Result<String> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The tree of a mounted root filesystem.
pub fn walk(root: &Path) -> io::Result<Tree> {
    let mut tree = Tree::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.map_err(io::Error::other)?;
        let rel = match entry.path().strip_prefix(root) {
            Ok(r) if !r.as_os_str().is_empty() => r.to_string_lossy().into_owned(),
            _ => continue,
        };
        let meta = fs::symlink_metadata(entry.path())?;
        let ft = meta.file_type();
        let (kind, size, sha, link) = if ft.is_dir() {
            ("dir", 0, String::new(), String::new())
        } else if ft.is_symlink() {
            let target = fs::read_link(entry.path())?.to_string_lossy().into_owned();
            ("symlink", 0, String::new(), target)
        } else if ft.is_file() {
            let mut f = fs::File::open(entry.path())?;
            ("file", meta.len(), hash_reader(&mut f)?, String::new())
        } else if ft.is_char_device() {
            ("char", 0, String::new(), String::new())
        } else if ft.is_block_device() {
            ("block", 0, String::new(), String::new())
        } else if ft.is_fifo() {
            ("fifo", 0, String::new(), String::new())
        } else {
            continue;
        };
        tree.insert(
            rel,
            Entry {
                kind,
                mode: meta.mode() & 0o7777,
                uid: meta.uid() as u64,
                gid: meta.gid() as u64,
                size,
                sha256: sha,
                link,
            },
        );
    }
    Ok(tree)
}

/// What `docker export` of a created container adds to the image's files.
const EXPORT_EXTRAS: &[&str] = &[
    ".dockerenv",
    "dev/console",
    "dev/pts",
    "dev/shm",
    "etc/hostname",
    "etc/hosts",
    "etc/resolv.conf",
    "etc/mtab",
];

/// The tree of a `docker export` tar, without what the container adds.
pub fn from_export(tar: &[u8]) -> io::Result<Tree> {
    let mut archive = tar::Archive::new(tar);
    let mut tree = Tree::new();
    let mut hardlinks = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let header = entry.header().clone();
        let path = entry
            .path()?
            .to_string_lossy()
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_string();
        if path.is_empty() || path == "." {
            continue;
        }
        if EXPORT_EXTRAS
            .iter()
            .any(|x| path == *x || path.starts_with(&format!("{x}/")))
        {
            continue;
        }
        let link = entry
            .link_name()?
            .map(|l| l.to_string_lossy().into_owned())
            .unwrap_or_default();
        use tar::EntryType as T;
        let kind = match header.entry_type() {
            T::Directory => "dir",
            T::Symlink => "symlink",
            T::Link => {
                hardlinks.push((path, link.trim_start_matches("./").to_string()));
                continue;
            }
            T::Char => "char",
            T::Block => "block",
            T::Fifo => "fifo",
            _ => "file",
        };
        let (size, sha) = if kind == "file" {
            (header.size()?, hash_reader(&mut entry)?)
        } else {
            (0, String::new())
        };
        tree.insert(
            path,
            Entry {
                kind,
                mode: header.mode()? & 0o7777,
                uid: header.uid()?,
                gid: header.gid()?,
                size,
                sha256: sha,
                link: if kind == "symlink" {
                    link
                } else {
                    String::new()
                },
            },
        );
    }
    for (path, target) in hardlinks {
        if let Some(e) = tree.get(target.trim_end_matches('/')).cloned() {
            tree.insert(path, e);
        }
    }
    // `docker create` adds these mount points; an image that has them keeps
    // them, so only empty ones the image may lack are dropped.
    for dir in ["dev", "proc", "sys"] {
        let prefix = format!("{dir}/");
        if tree.get(dir).is_some_and(|e| e.kind == "dir")
            && !tree.keys().any(|k| k.starts_with(&prefix))
        {
            tree.remove(dir);
        }
    }
    Ok(tree)
}

/// The runtime config fields compared.
pub const CONFIG_FIELDS: &[&str] = &[
    "Cmd",
    "Entrypoint",
    "Env",
    "WorkingDir",
    "User",
    "ExposedPorts",
    "Labels",
    "Volumes",
];

/// The compared fields of a config (`docker image inspect .Config` or ours),
/// with null, empty strings, lists and maps all made null.
pub fn config_fields(config: &serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    CONFIG_FIELDS
        .iter()
        .map(|f| {
            let v = config.get(*f).cloned().unwrap_or(serde_json::Value::Null);
            let empty = match &v {
                serde_json::Value::String(s) => s.is_empty(),
                serde_json::Value::Array(a) => a.is_empty(),
                serde_json::Value::Object(o) => o.is_empty(),
                serde_json::Value::Null => true,
                _ => false,
            };
            (
                f.to_string(),
                if empty { serde_json::Value::Null } else { v },
            )
        })
        .collect()
}

/// One difference between the legacy and the multi-stage image.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Difference {
    /// `file` or `config`.
    pub kind: &'static str,
    /// The path, or the config field.
    pub path: String,
    /// The legacy side (null: absent).
    pub legacy: Option<String>,
    /// The multi-stage side (null: absent).
    pub multistage: Option<String>,
    /// True when the difference is known not to matter (it does not make
    /// the images inequivalent).
    pub expected: bool,
    /// Why it is there.
    pub explanation: String,
}

/// Mount points BuildKit leaves in RUN layers when the base lacks them
/// (research 0.1 #6): empty, size 0, harmless.
fn is_mount_point_stub(path: &str, e: &Entry, other: &Tree, tree: &Tree) -> bool {
    let _ = other;
    matches!(path, "dev" | "proc" | "sys" | "etc")
        && e.kind == "dir"
        && !tree.keys().any(|k| k.starts_with(&format!("{path}/")))
}

/// Every difference between the two trees, each explained.
pub fn compare_trees(legacy: &Tree, multi: &Tree) -> Vec<Difference> {
    let mut out = Vec::new();
    for (path, l) in legacy {
        match multi.get(path) {
            None => {
                let stub = is_mount_point_stub(path, l, multi, legacy);
                out.push(Difference {
                    kind: "file",
                    path: path.clone(),
                    legacy: Some(l.describe()),
                    multistage: None,
                    expected: stub,
                    explanation: if stub {
                        "an empty mount-point directory a RUN step left behind (BuildKit keeps it, the classic builder does not); it adds 0 bytes".to_string()
                    } else {
                        "only in the legacy image: a file of the checkout or an artifact the multi-stage Dockerfile does not copy".to_string()
                    },
                });
            }
            Some(m) if m != l => out.push(Difference {
                kind: "file",
                path: path.clone(),
                legacy: Some(l.describe()),
                multistage: Some(m.describe()),
                expected: false,
                explanation: explain(l, m),
            }),
            _ => {}
        }
    }
    for (path, m) in multi {
        if !legacy.contains_key(path) {
            let stub = is_mount_point_stub(path, m, legacy, multi);
            out.push(Difference {
                kind: "file",
                path: path.clone(),
                legacy: None,
                multistage: Some(m.describe()),
                expected: stub,
                explanation: if stub {
                    "an empty mount-point directory a RUN step left behind (BuildKit keeps it, the classic builder does not); it adds 0 bytes".to_string()
                } else {
                    "only in the multi-stage image: COPY --from brought more than docker cp did, or a file the legacy runtime context did not hold".to_string()
                },
            });
        }
    }
    out
}

fn explain(l: &Entry, m: &Entry) -> String {
    let mut why = Vec::new();
    if l.kind != m.kind {
        why.push(format!(
            "a {} in the legacy image but a {} in the multi-stage one: docker cp and COPY --from placed the path differently",
            l.kind, m.kind
        ));
    }
    if (l.uid, l.gid) != (m.uid, m.gid) {
        why.push(format!(
            "owner {}:{} vs {}:{}: docker cp writes host files as the invoking user and COPY from the context gives 0:0, while COPY --from keeps the builder's owner; `COPY --from=... --chown={}:{}` keeps the legacy owner",
            l.uid, l.gid, m.uid, m.gid, l.uid, l.gid
        ));
    }
    if l.mode != m.mode {
        why.push(format!(
            "mode {:o} vs {:o}: a host-side chmod (or the checkout's modes) the multi-stage build does not reproduce",
            l.mode, m.mode
        ));
    }
    if l.sha256 != m.sha256 || l.size != m.size {
        why.push("content differs: the artifact was built from other inputs (build args, sources) or changed on the host (strip, edits) in the legacy flow".to_string());
    }
    if l.link != m.link {
        why.push("symlink target differs".to_string());
    }
    why.join("; ")
}

/// Every differing runtime config field.
pub fn compare_configs(
    legacy: &BTreeMap<String, serde_json::Value>,
    multi: &BTreeMap<String, serde_json::Value>,
) -> Vec<Difference> {
    let mut out = Vec::new();
    for field in CONFIG_FIELDS {
        let l = legacy.get(*field).cloned().unwrap_or_default();
        let m = multi.get(*field).cloned().unwrap_or_default();
        if l != m {
            out.push(Difference {
                kind: "config",
                path: field.to_string(),
                legacy: Some(l.to_string()),
                multistage: Some(m.to_string()),
                expected: false,
                explanation: format!(
                    "the final stage's {field} differs from the legacy runtime image's: an instruction of the runtime Dockerfile was not kept, or the final stage is based on another image"
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(uid: u64) -> Entry {
        Entry {
            kind: "file",
            mode: 0o644,
            uid,
            gid: uid,
            size: 1,
            sha256: "ab".into(),
            link: String::new(),
        }
    }

    #[test]
    fn ownership_differences_are_explained() {
        let mut a = Tree::new();
        let mut b = Tree::new();
        a.insert("app/x".into(), file(0));
        b.insert("app/x".into(), file(1000));
        let d = compare_trees(&a, &b);
        assert_eq!(d.len(), 1);
        assert!(!d[0].expected);
        assert!(d[0].explanation.contains("--chown=0:0"));
    }

    #[test]
    fn empty_configs_equal_null() {
        let a = config_fields(&serde_json::json!({"Env": [], "WorkingDir": ""}));
        let b = config_fields(&serde_json::json!({}));
        assert!(compare_configs(&a, &b).is_empty());
    }
}
