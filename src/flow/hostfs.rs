//! A model of the host directory a builder-pattern script works in.
//!
//! The legacy flow moves files through the host: `docker cp` drops build
//! artifacts next to the sources, `mkdir`, `mv`, `chmod` and `tar -x` shape
//! them, and the runtime `docker build` picks them up from its context. To
//! replace that hand-off with `COPY --from`, we must know, for any path the
//! runtime build reads, whether it holds checkout content, an artifact (and
//! which container path it came from), or a mix. [`HostFs`] answers that by
//! replaying the host-side steps over the real checkout as a stack of
//! layers, with `docker cp`'s documented semantics for each copy.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::script::Location;

/// Where the content of a layer comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A path inside a container (index into the flow's containers).
    Container {
        /// The container.
        container: usize,
        /// Absolute path inside it.
        path: String,
    },
    /// A path of the original checkout (moved or copied on the host).
    Checkout(String),
    /// A tar archive a container streamed to a host file
    /// (`docker run img tar -czf - -C /app dist > dist.tgz`).
    Archive {
        /// The container.
        container: usize,
        /// Each member: its absolute path in the container and its path in
        /// the archive ("" for the archive's root, a `.` member).
        entries: Vec<(String, String)>,
    },
    /// A file the script wrote on the host (a redirection, `tee`, `touch`).
    Written {
        /// What it holds, when known.
        content: Option<String>,
        /// Its permission bits (0644 for a new file: umask 022 assumed).
        mode: u32,
        /// The command that wrote it.
        at: Location,
    },
}

/// What kind of file system object a path holds, as far as is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file (or symlink to one).
    File,
    /// A directory.
    Dir,
    /// Exists, kind not known statically (a container path copied out).
    Unknown,
}

/// A host-side change applied to an artifact after it was copied out
/// (`chmod`, `strip --strip-debug`, `sed -i`...): the command line,
/// replayed verbatim where the artifact is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostStep {
    /// The tool the stage that replays it must provide.
    pub tool: String,
    /// The words; paths are relative to the layer's root ("" for itself).
    pub words: Vec<StepWord>,
    /// The host command.
    pub at: Location,
}

/// One word of a [`PostStep`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepWord {
    /// As written.
    Lit(String),
    /// A path inside the artifact, relative to the layer's root.
    Path(String),
}

/// A host path an unmodelled command may have changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taint {
    /// The path (relative to the setup directory; "" for all of it).
    pub path: String,
    /// Why it is not modelled.
    pub reason: String,
    /// The command.
    pub at: Location,
}

/// One thing placed on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// Host path, relative to the setup directory, normalised.
    pub host: String,
    /// True when the content was merged into an existing directory
    /// (`docker cp c:/dir/. existing/`), so the directory also keeps what
    /// it held before.
    pub merged: bool,
    /// Where the content comes from.
    pub origin: Origin,
    /// What it is.
    pub kind: Kind,
    /// Changes made to it on the host afterwards.
    pub post: Vec<PostStep>,
    /// The script step that created it (index into the trace).
    pub step: usize,
}

/// What is found at a host path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Only checkout content (or nothing known from the script).
    Checkout,
    /// Entirely content of one layer: the path inside its origin.
    Layer {
        /// Index into [`HostFs::layers`].
        layer: usize,
        /// The path relative to the layer root ("" for the root itself).
        rel: String,
    },
    /// A directory with checkout content (when `checkout` is true) and, on
    /// top, layers at these paths relative to it.
    Mixed {
        /// Whether checkout content remains under the path.
        checkout: bool,
        /// The path lies inside this layer, at this path in it: its part
        /// comes first, the other layers on top.
        base: Option<(usize, String)>,
        /// Layers under the path: (layer index, path relative to the queried path).
        layers: Vec<(usize, String)>,
        /// Directories the script created under it (relative to it; "" for
        /// the path itself) that hold nothing else: a fresh checkout lacks them.
        created: Vec<String>,
    },
    /// Nothing is there.
    Missing,
}

/// The modelled host directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFs {
    root: PathBuf,
    /// Layers, in the order they were placed; later ones win.
    pub layers: Vec<Layer>,
    created_dirs: BTreeSet<String>,
    removed: BTreeSet<String>,
    /// Paths unmodelled commands may have changed.
    pub taints: Vec<Taint>,
}

/// Normalises a relative path: drops `.` components and empty segments,
/// resolves `..`; `None` when it climbs above the root.
pub fn normalize(path: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            p => out.push(p),
        }
    }
    Some(out.join("/"))
}

/// `base` joined with `rel` (either may be empty).
pub fn join(base: &str, rel: &str) -> String {
    match (base.is_empty(), rel.is_empty()) {
        (true, _) => rel.to_string(),
        (_, true) => base.to_string(),
        _ => format!("{base}/{rel}"),
    }
}

/// The last path component.
pub fn basename(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

/// `path` relative to `prefix` when it is `prefix` or under it.
fn under<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    if prefix.is_empty() {
        return Some(path);
    }
    if path == prefix {
        return Some("");
    }
    path.strip_prefix(prefix)?.strip_prefix('/')
}

impl HostFs {
    /// The checkout at `root`, before the script ran.
    pub fn new(root: &Path) -> HostFs {
        HostFs {
            root: root.to_path_buf(),
            layers: Vec::new(),
            created_dirs: BTreeSet::new(),
            removed: BTreeSet::new(),
            taints: Vec::new(),
        }
    }

    /// Records that an unmodelled command may have changed `path`.
    pub fn taint(&mut self, path: &str, reason: String, at: Location) {
        // The first command to taint a path is the one reported; the same
        // taint again (a loop, a script sourcing itself) adds nothing.
        if self
            .taints
            .iter()
            .any(|t| t.path == path && t.reason == reason)
        {
            return;
        }
        self.taints.push(Taint {
            path: path.to_string(),
            reason,
            at,
        });
    }

    /// The taints that overlap what a read of `path` sees: at, above or
    /// below it.
    pub fn taints_over(&self, path: &str) -> Vec<&Taint> {
        self.taints
            .iter()
            .filter(|t| under(path, &t.path).is_some() || under(&t.path, path).is_some())
            .collect()
    }

    /// The layers at, above or below `path`: what the script placed there.
    pub fn layers_over(&self, path: &str) -> Vec<&Layer> {
        self.layers
            .iter()
            .filter(|l| under(path, &l.host).is_some() || under(&l.host, path).is_some())
            .collect()
    }

    /// True when the script created `path` with `mkdir` (and it is not in
    /// the checkout).
    pub fn is_created_dir(&self, path: &str) -> bool {
        self.created_dirs.contains(path) && self.checkout_kind(path).is_none()
    }

    /// The text of a checkout file, as the script would read it.
    pub fn checkout_text(&self, path: &str) -> Option<String> {
        if self.checkout_kind(path) != Some(Kind::File) {
            return None;
        }
        std::fs::read_to_string(self.root.join(path)).ok()
    }

    /// A file written on the host: replaces what was there (or appends to a
    /// file of known content).
    pub fn write_file(
        &mut self,
        path: &str,
        content: Option<String>,
        append: bool,
        at: Location,
        step: usize,
    ) -> Result<(), String> {
        let parent = path.rsplit_once('/').map_or("", |(p, _)| p);
        if self.kind(parent).is_none() {
            return Err(format!(
                "the directory of `{path}` does not exist, so the write would fail"
            ));
        }
        let (content, mode) = match self.resolve(path) {
            Resolution::Layer { layer, rel } if rel.is_empty() => {
                match &self.layers[layer].origin {
                    Origin::Written {
                        content: old, mode, ..
                    } => (
                        if append {
                            old.clone().zip(content).map(|(a, b)| a + &b)
                        } else {
                            content
                        },
                        *mode,
                    ),
                    _ if append => (None, 0o644),
                    // Truncating keeps the file's mode; an artifact's is not known.
                    _ => {
                        return Err(format!(
                            "`{path}` is an artifact; overwriting it on the host is not modelled"
                        ));
                    }
                }
            }
            Resolution::Checkout if self.checkout_kind(path) == Some(Kind::File) => {
                let mode = std::fs::metadata(self.root.join(path))
                    .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o7777)
                    .unwrap_or(0o644);
                let old = self.checkout_text(path);
                (
                    if append {
                        old.zip(content).map(|(a, b)| a + &b)
                    } else {
                        content
                    },
                    mode,
                )
            }
            Resolution::Missing => (content, 0o644),
            _ => return Err(format!("`{path}` is a directory or holds artifacts")),
        };
        self.layers.retain(|l| under(&l.host, path).is_none());
        self.layers.push(Layer {
            host: path.to_string(),
            merged: false,
            origin: Origin::Written { content, mode, at },
            kind: Kind::File,
            post: Vec::new(),
            step,
        });
        Ok(())
    }

    /// A container's tar stream written to the host file `path`.
    pub fn archive_out(
        &mut self,
        container: usize,
        entries: Vec<(String, String)>,
        path: &str,
        step: usize,
    ) -> Result<(), String> {
        let parent = path.rsplit_once('/').map_or("", |(p, _)| p);
        if self.kind(parent).is_none() {
            return Err(format!(
                "the directory of `{path}` does not exist, so the redirection would fail"
            ));
        }
        self.layers.retain(|l| under(&l.host, path).is_none());
        self.taints.retain(|t| under(&t.path, path).is_none());
        self.layers.push(Layer {
            host: path.to_string(),
            merged: false,
            origin: Origin::Archive { container, entries },
            kind: Kind::File,
            post: Vec::new(),
            step,
        });
        Ok(())
    }

    /// `chmod` of a file the script wrote: its mode changes in the model.
    /// False when `path` is not such a file.
    pub fn chmod_written(&mut self, path: &str, mode: &str) -> bool {
        let Some(layer) = self
            .layers
            .iter_mut()
            .rev()
            .find(|l| l.host == path && matches!(l.origin, Origin::Written { .. }))
        else {
            return false;
        };
        if let Origin::Written { mode: m, .. } = &mut layer.origin
            && let Some(new) = super::commands::apply_mode(mode, *m, false)
        {
            *m = new;
            return true;
        }
        false
    }

    fn checkout_kind(&self, path: &str) -> Option<Kind> {
        if self.removed.iter().any(|r| under(path, r).is_some()) {
            return None;
        }
        let meta = std::fs::metadata(self.root.join(path)).ok()?;
        Some(if meta.is_dir() { Kind::Dir } else { Kind::File })
    }

    /// The kind of object at `path`, or `None` when nothing is there.
    pub fn kind(&self, path: &str) -> Option<Kind> {
        for layer in self.layers.iter().rev() {
            if let Some(rel) = under(path, &layer.host) {
                if rel.is_empty() {
                    return Some(if layer.merged { Kind::Dir } else { layer.kind });
                }
                if !layer.merged {
                    // Inside an opaque artifact: exists only if it is a directory
                    // holding it, which is not known.
                    return match layer.kind {
                        Kind::File => None,
                        _ => Some(Kind::Unknown),
                    };
                }
            }
        }
        if path.is_empty() || self.created_dirs.contains(path) {
            return Some(Kind::Dir);
        }
        self.checkout_kind(path)
    }

    /// `mkdir [-p] path`.
    pub fn mkdir(&mut self, path: &str, parents: bool) {
        if parents {
            let mut acc = String::new();
            for part in path.split('/') {
                acc = join(&acc, part);
                self.created_dirs.insert(acc.clone());
            }
        } else {
            self.created_dirs.insert(path.to_string());
        }
        self.removed.retain(|r| r != path);
    }

    /// The directories the script created under `dir` (relative to it)
    /// that a fresh checkout does not have.
    pub fn created_dirs_under(&self, dir: &str) -> Vec<String> {
        self.created_dirs
            .iter()
            .filter_map(|d| under(d, dir))
            .filter(|rel| !rel.is_empty() && self.checkout_kind(&join(dir, rel)).is_none())
            .map(str::to_string)
            .collect()
    }

    /// `rm -r path`: removes the path and everything under it.
    pub fn remove(&mut self, path: &str) {
        self.layers.retain(|l| under(&l.host, path).is_none());
        self.created_dirs.retain(|d| under(d, path).is_none());
        self.taints.retain(|t| under(&t.path, path).is_none());
        self.removed.insert(path.to_string());
    }

    /// `docker cp CONTAINER:SRC DEST` with Docker's documented semantics.
    /// `src` is the container path as written (a trailing `/.` copies the
    /// directory's contents). Returns a message when docker would fail.
    pub fn copy_out(
        &mut self,
        container: usize,
        src: &str,
        dest: &str,
        step: usize,
    ) -> Result<(), String> {
        let contents = src.ends_with("/.") || src == ".";
        let src_is_dir = contents || src.ends_with('/');
        let src_path = container_path(src);
        let dest_dir_syntax = dest.ends_with('/');
        let dest = normalize(dest).ok_or_else(|| format!("`{dest}` is outside the directory"))?;
        let origin = Origin::Container {
            container,
            path: src_path.clone(),
        };
        // `DEST/` that does not exist only works for a directory source, and
        // the script is assumed to work.
        let src_is_dir = src_is_dir || (dest_dir_syntax && self.kind(&dest).is_none());
        let kind = if src_is_dir { Kind::Dir } else { Kind::Unknown };
        let (host, merged) = match self.kind(&dest) {
            None => {
                let parent = dest.rsplit_once('/').map_or("", |(p, _)| p);
                if self.kind(parent).is_none() {
                    return Err(format!(
                        "the parent directory of `{dest}` does not exist, so `docker cp` would fail"
                    ));
                }
                (dest, false)
            }
            Some(Kind::Dir) if contents => (dest, true),
            Some(Kind::Dir) => (join(&dest, basename(&src_path)), false),
            Some(Kind::File) if src_is_dir => {
                return Err(format!(
                    "`{dest}` is a file; `docker cp` cannot copy a directory onto it"
                ));
            }
            Some(Kind::File) => (dest, false),
            Some(Kind::Unknown) => {
                return Err(format!(
                    "`{dest}` already holds an earlier artifact whose kind (file or directory) decides where this copy lands"
                ));
            }
        };
        if !merged {
            self.layers.retain(|l| under(&l.host, &host).is_none());
            self.taints.retain(|t| under(&t.path, &host).is_none());
        }
        self.layers.push(Layer {
            host,
            merged,
            origin,
            kind,
            post: Vec::new(),
            step,
        });
        Ok(())
    }

    /// Marks `path` as fully produced by a container directory that is
    /// merged over what is there (a bind mount written by `docker run`).
    pub fn merge_container_dir(
        &mut self,
        container: usize,
        container_dir: &str,
        host_dir: &str,
        step: usize,
    ) {
        self.layers.push(Layer {
            host: host_dir.to_string(),
            merged: true,
            origin: Origin::Container {
                container,
                path: container_path(container_dir),
            },
            kind: Kind::Dir,
            post: Vec::new(),
            step,
        });
    }

    /// `mv SRC DST` (and `cp -r SRC DST` when `keep` is true) on the host.
    pub fn move_path(
        &mut self,
        src: &str,
        dst: &str,
        keep: bool,
        step: usize,
    ) -> Result<(), String> {
        let target = match self.kind(dst) {
            Some(Kind::Dir) => join(dst, basename(src)),
            _ => dst.to_string(),
        };
        let mut moved = Vec::new();
        for layer in &self.layers {
            if let Some(rel) = under(&layer.host, src) {
                let mut l = layer.clone();
                l.host = join(&target, rel);
                l.step = step;
                moved.push(l);
            }
        }
        // Content of src that no layer covers is checkout content.
        let covered = self.layers.iter().any(|l| l.host == src && !l.merged);
        if !covered {
            let Some(kind) = self
                .checkout_kind(src)
                .or_else(|| self.created_dirs.contains(src).then_some(Kind::Dir))
            else {
                if moved.is_empty() {
                    return Err(format!("`{src}` does not exist on the host at this point"));
                }
                return self.finish_move(src, &target, moved, keep);
            };
            moved.insert(
                0,
                Layer {
                    host: target.clone(),
                    merged: false,
                    origin: Origin::Checkout(src.to_string()),
                    kind,
                    post: Vec::new(),
                    step,
                },
            );
        }
        self.finish_move(src, &target, moved, keep)
    }

    fn finish_move(
        &mut self,
        src: &str,
        target: &str,
        moved: Vec<Layer>,
        keep: bool,
    ) -> Result<(), String> {
        // What unmodelled commands may have changed moves with the files.
        let taints: Vec<Taint> = self
            .taints
            .iter()
            .filter_map(|t| {
                under(&t.path, src).map(|rel| Taint {
                    path: join(target, rel),
                    ..t.clone()
                })
            })
            .collect();
        if !keep {
            self.remove(src);
        }
        self.taints.extend(taints);
        self.layers.retain(|l| under(&l.host, target).is_none());
        self.layers.extend(moved);
        Ok(())
    }

    /// Records a host-side change (`chmod`, `strip`) on an artifact, made
    /// by `make` from the path relative to the artifact's root.
    pub fn post_step(
        &mut self,
        path: &str,
        make: impl Fn(String) -> PostStep,
    ) -> Result<(), String> {
        // A path an unmodelled command wrote (a file written into a
        // bind-mounted directory) may not be the container's at all: the
        // step cannot be replayed where the artifact is made.
        if let Some(t) = self.taints.iter().find(|t| under(path, &t.path).is_some()) {
            return Err(format!("`{path}` was changed before: {}", t.reason));
        }
        for layer in self.layers.iter_mut().rev() {
            if let Some(rel) = under(path, &layer.host)
                && (!layer.merged || !rel.is_empty())
            {
                if !matches!(layer.origin, Origin::Container { .. }) {
                    break;
                }
                layer.post.push(make(rel.to_string()));
                return Ok(());
            }
        }
        Err(format!("`{path}` is not a build artifact"))
    }

    /// What the host holds at `path` now.
    pub fn resolve(&self, path: &str) -> Resolution {
        // The newest layer at or above the path decides, unless it merged.
        for (i, layer) in self.layers.iter().enumerate().rev() {
            if let Some(rel) = under(path, &layer.host) {
                if !layer.merged {
                    // Later layers placed inside it (a file written into an
                    // extracted directory) are part of what is there.
                    let inner: Vec<(usize, String)> = self
                        .layers
                        .iter()
                        .enumerate()
                        .skip(i + 1)
                        .filter_map(|(j, l)| {
                            under(&l.host, path)
                                .filter(|r| !r.is_empty())
                                .map(|r| (j, r.to_string()))
                        })
                        .collect();
                    // Directories made inside the artifact after it was
                    // copied out (`mkdir -p out/logs` in a copied `out`):
                    // a copy onto an existing path nests, so any under it
                    // came later. Only the innermost need making.
                    let made: Vec<&String> = self
                        .created_dirs
                        .iter()
                        .filter(|d| *d != &layer.host && under(d, &layer.host).is_some())
                        .collect();
                    let created: Vec<String> = made
                        .iter()
                        .filter(|d| !made.iter().any(|o| o != *d && under(o, d).is_some()))
                        .filter_map(|d| {
                            under(d, path).filter(|r| !r.is_empty()).map(str::to_string)
                        })
                        .collect();
                    if inner.is_empty() && created.is_empty() {
                        return Resolution::Layer {
                            layer: i,
                            rel: rel.to_string(),
                        };
                    }
                    return Resolution::Mixed {
                        checkout: false,
                        base: Some((i, rel.to_string())),
                        layers: inner,
                        created,
                    };
                }
                if !rel.is_empty() {
                    // Inside a merged directory: the layer may or may not
                    // hold it; only a path that is not in the checkout is
                    // known to come from the layer.
                    if self.checkout_kind(path).is_none() {
                        return Resolution::Layer {
                            layer: i,
                            rel: rel.to_string(),
                        };
                    }
                }
                break;
            }
        }
        let mut layers = Vec::new();
        for (i, layer) in self.layers.iter().enumerate() {
            if let Some(rel) = under(&layer.host, path) {
                layers.push((i, rel.to_string()));
            }
        }
        // Directories the script created hold nothing of the checkout: a
        // fresh checkout does not have them, so only real content counts.
        // Those that nothing else fills must be made by the output.
        let created: Vec<String> =
            self.created_dirs
                .iter()
                .filter_map(|d| under(d, path))
                .filter(|rel| {
                    let full = join(path, rel);
                    self.checkout_kind(&full).is_none()
                        && !self
                            .created_dirs
                            .iter()
                            .any(|o| o != &full && under(o, &full).is_some())
                        && !self.layers.iter().any(|l| {
                            under(&l.host, &full).is_some() || under(&full, &l.host).is_some()
                        })
                })
                .map(str::to_string)
                .collect();
        let checkout = self.checkout_kind(path).is_some();
        match (checkout, layers.is_empty() && created.is_empty()) {
            (true, true) => Resolution::Checkout,
            (false, true) => Resolution::Missing,
            _ => Resolution::Mixed {
                checkout,
                base: None,
                layers,
                created,
            },
        }
    }
}

/// A container path as absolute and normalised; `docker cp` reads paths
/// relative to `/`.
pub fn container_path(path: &str) -> String {
    let trimmed = path.strip_suffix("/.").unwrap_or(path);
    format!(
        "/{}",
        normalize(trimmed.trim_start_matches('/')).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A checkout with `existing/` (a directory) and `file.txt`.
    fn checkout() -> (HostFs, PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "msmigrate-hostfs-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("existing")).unwrap();
        std::fs::write(dir.join("file.txt"), "x").unwrap();
        (HostFs::new(&dir), dir)
    }

    fn layer_at(fs: &HostFs, host: &str) -> Option<(String, bool)> {
        fs.layers
            .iter()
            .find(|l| l.host == host)
            .map(|l| match &l.origin {
                Origin::Container { path, .. } => (path.clone(), l.merged),
                Origin::Checkout(p) => (p.clone(), l.merged),
                Origin::Written { .. } | Origin::Archive { .. } => (String::new(), l.merged),
            })
    }

    #[test]
    fn docker_cp_follows_the_documented_rules() {
        let (mut fs, dir) = checkout();
        // Missing destination: created with that name (file or directory contents).
        fs.copy_out(0, "app/bin/tool", "tool", 1).unwrap();
        assert_eq!(
            layer_at(&fs, "tool"),
            Some(("/app/bin/tool".to_string(), false))
        );
        // Existing directory: the source goes inside it, under its own name.
        fs.copy_out(0, "/app/dist", "existing", 2).unwrap();
        assert_eq!(
            layer_at(&fs, "existing/dist"),
            Some(("/app/dist".to_string(), false))
        );
        // A trailing `/.` copies the contents into the existing directory.
        fs.copy_out(0, "/app/public/.", "existing/", 3).unwrap();
        assert_eq!(
            layer_at(&fs, "existing"),
            Some(("/app/public".to_string(), true))
        );
        // Parents are never created.
        assert!(fs.copy_out(0, "/app/x", "missing/x", 4).is_err());
        // A directory cannot replace a file.
        assert!(fs.copy_out(0, "/app/dir/", "file.txt", 5).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn resolution_tells_checkout_artifact_and_mixed_apart() {
        let (mut fs, dir) = checkout();
        fs.copy_out(0, "/out/app", "existing", 1).unwrap();
        assert_eq!(fs.resolve("file.txt"), Resolution::Checkout);
        assert_eq!(
            fs.resolve("existing/app"),
            Resolution::Layer {
                layer: 0,
                rel: String::new()
            }
        );
        assert_eq!(
            fs.resolve("existing"),
            Resolution::Mixed {
                checkout: true,
                base: None,
                layers: vec![(0, "app".to_string())],
                created: Vec::new(),
            }
        );
        assert_eq!(fs.resolve("nothing"), Resolution::Missing);
        // A directory made inside an extracted one is part of what is there.
        fs.copy_out(0, "/out", "rel", 2).unwrap();
        fs.mkdir("rel/share/doc/empty", true);
        assert_eq!(
            fs.resolve("rel"),
            Resolution::Mixed {
                checkout: false,
                base: Some((1, String::new())),
                layers: Vec::new(),
                created: vec!["share/doc/empty".to_string()],
            }
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
