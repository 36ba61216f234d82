//! COPY and ADD with BuildKit's semantics, the build context, and owners.
//!
//! The semantics are those of BuildKit's Dockerfile frontend (every source
//! is one `FileActionCopy` with `AllowWildcard`, `AllowEmptyWildcard`,
//! `FollowSymlinks`, `CopyDirContents` and `CreateDestPath`) over fsutil's
//! copier, as Docker 20.10's BuildKit runs them; each rule below was checked
//! against that engine (`tests/builder_copy.rs`):
//!
//! - a source is read from the root of the context (or the `--from` root):
//!   `..` stops at the root and symlinks, absolute ones too, resolve inside
//!   it; the source path itself is followed when it is a symlink, while
//!   symlinks inside a copied directory are copied as symlinks;
//! - wildcards are Go's `filepath.Match` per component (`*`, `?`, `[...]`,
//!   no `**`); a symlink that matches is followed but keeps its own name; a
//!   wildcard that matches nothing copies nothing, without error;
//! - a directory copies its contents; a file into an existing directory, or
//!   into a destination ending in `/`, goes inside it under its own name;
//!   several sources are copied one after the other into the same
//!   destination (a destination without `/` is overwritten, as BuildKit
//!   does, where the classic builder refuses);
//! - missing destination directories are created 0755, owned by the
//!   `--chown` owner or 0:0; an existing directory at the top keeps its
//!   owner and mode, one below takes the source's mode;
//! - context files are owned by 0:0, `--from` files keep their owners;
//!   `--chown` owns everything copied; `--chmod` sets the permission bits of
//!   everything copied (directories too), keeping setuid/setgid/sticky;
//! - hardlinks inside a copied tree stay hardlinks; modes (setuid too),
//!   times and extended attributes (`security.capability`) are kept;
//! - a file over an existing directory and a directory over an existing
//!   non-directory are errors (BuildKit's messages);
//! - ADD extracts a local tar archive ([`unpack`]), and copies any other
//!   file as COPY does; URLs and git sources are refused (offline).
//!
//! `--link` gives the same files here: the executor copies into the
//! stage's merged root, where BuildKit would copy onto an empty layer (so
//! with `--link` a destination path through a symlink of the base image is
//! not followed; that difference is not modelled).

mod hashcache;
mod mode;
mod tree;
mod unpack;
mod user;
mod view;

use std::ffi::OsStr;
use std::fmt;
use std::fs::Metadata;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest as _, Sha256};

use super::oci::Digest;
use super::store::Store;
use crate::dockerfile::glob;
use crate::dockerfile::ignore::Rules;
use mode::Chmod;
use tree::{Copier, Dest, Options};
pub use user::resolve_user;
use view::{View, display, split};

/// A build context: a directory and the ignore file that hides parts of it.
#[derive(Debug, Clone)]
pub struct Context {
    root: PathBuf,
    rules: Option<Rules>,
    ignore_file: Option<PathBuf>,
    /// Content hashes remembered by metadata (shared by clones).
    hashes: Arc<hashcache::Shared>,
}

impl Context {
    /// The build context at `dir` with the ignore file BuildKit uses for
    /// `dockerfile`: `<Dockerfile>.dockerignore` beside it if present, else
    /// `<dir>/.dockerignore`.
    pub fn open(dir: &Path, dockerfile: &Path) -> io::Result<Context> {
        if !std::fs::metadata(dir)?.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{}: the build context is not a directory", dir.display()),
            ));
        }
        let mut own = dockerfile.as_os_str().to_os_string();
        own.push(".dockerignore");
        let own = PathBuf::from(own);
        let file = if own.is_file() {
            own
        } else {
            dir.join(".dockerignore")
        };
        let rules = Rules::read(&file);
        Ok(Context {
            root: dir.to_path_buf(),
            ignore_file: rules.as_ref().map(|_| file),
            rules,
            hashes: Arc::default(),
        })
    }

    /// The context directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The ignore file in use, if any.
    pub fn ignore_file(&self) -> Option<&Path> {
        self.ignore_file.as_deref()
    }

    /// True when the ignore file leaves `rel` (relative to the context,
    /// `/`-separated) out of the context. A directory that is ignored but
    /// has re-included (`!`) paths below it reads as ignored here, though
    /// COPY still sees it as the parent of what is re-included.
    pub fn is_ignored(&self, rel: &str) -> bool {
        let rel = clean(rel);
        self.rules
            .as_ref()
            .is_some_and(|r| r.excluded(rel.trim_start_matches('/')))
    }
}

/// Where COPY reads from.
pub enum Source<'a> {
    /// The build context.
    Context(&'a Context),
    /// A stage's or image's filesystem, already mounted read-only; paths
    /// are resolved inside it, symlinks included.
    Root(&'a Path),
}

impl<'a> Source<'a> {
    /// The same source, its context's file hashes remembered in `store`
    /// (by device, inode, size, mtime, ctime and mode, as BuildKit's
    /// content-hash cache does), so that [`cache_key`] need not read files
    /// that did not change. The context keeps the cache for all its
    /// copies. No effect on a [`Source::Root`].
    pub fn with_hash_cache(self, store: &Store) -> Source<'a> {
        if let Source::Context(c) = &self {
            c.hashes.configure(&c.root, store.root(), &store.temp_dir());
        }
        self
    }
}

/// One COPY or ADD instruction, after ARG/ENV expansion.
pub struct CopySpec<'a> {
    /// The sources, as BuildKit receives them (relative to the source root).
    pub sources: Vec<String>,
    /// The destination; a trailing `/` (or `.`, or nothing) means a directory.
    pub dest: String,
    /// The stage's WORKDIR, for a relative destination.
    pub workdir: String,
    /// Where the sources are read.
    pub source: Source<'a>,
    /// `--chown`: `user[:group]`, names resolved through the destination
    /// root's `/etc/passwd` and `/etc/group`.
    pub chown: Option<String>,
    /// `--chmod`: octal, or symbolic (`u+x,go-w`) as newer BuildKit accepts.
    pub chmod: Option<String>,
    /// ADD: local tar archives are extracted; URLs and git are refused.
    pub add: bool,
    /// `--link`: the same files in the image here (see the module docs).
    pub link: bool,
    /// `--exclude` patterns (`.dockerignore` syntax), matched against paths
    /// below each source.
    pub exclude: Vec<String>,
}

/// What a copy wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyOutcome {
    /// Non-directories written (files, links, devices).
    pub files: u64,
    /// Directories copied.
    pub directories: u64,
    /// Archives ADD extracted.
    pub archives: u64,
    /// Bytes of file content written.
    pub bytes: u64,
}

/// A COPY or ADD failure; the caller adds the instruction's span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyError {
    message: String,
}

impl CopyError {
    fn new(message: impl Into<String>) -> CopyError {
        CopyError {
            message: message.into(),
        }
    }

    /// The message, worded as BuildKit's where it has one.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CopyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CopyError {}

/// BuildKit's error for a source that is not there (after resolution).
fn not_found(rel: &Path) -> CopyError {
    CopyError::new(format!(
        "failed to compute cache key: \"{}\" not found: not found",
        display(rel)
    ))
}

/// Go's `path.Clean` of `/` + `path`, `..` stopping at the root.
fn clean(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    format!("/{}", out.join("/"))
}

/// A source that matched: where it resolved, and the name it goes by in
/// the destination.
struct Match {
    path: PathBuf,
    name: PathBuf,
}

fn source_view<'a>(source: &'a Source<'a>) -> View<'a> {
    match source {
        Source::Context(c) => View::context(&c.root, c.rules.as_ref()),
        Source::Root(p) => View::root(p),
    }
}

fn is_url(src: &str) -> bool {
    src.starts_with("http://") || src.starts_with("https://")
}

fn is_git(src: &str) -> bool {
    src.starts_with("git://") || src.starts_with("git@") || (is_url(src) && src.contains(".git#"))
}

/// The sources `src` names, in BuildKit's order.
fn matches(view: &View, src: &str, add: bool) -> Result<Vec<Match>, CopyError> {
    if add && (is_git(src) || is_url(src)) {
        return Err(CopyError::new(format!(
            "ADD {src}: remote sources (URLs and git repositories) are not supported: the build is offline; download it into the context and ADD or COPY the file"
        )));
    }
    if !add && is_url(src) {
        return Err(CopyError::new("source can't be a URL for COPY"));
    }
    let cleaned = clean(src);
    if !glob::has_wildcards(cleaned.as_bytes()) {
        let rel = view
            .resolve(OsStr::new(&cleaned), true)
            .map_err(|e| CopyError::new(e.to_string()))?;
        view.lstat(&rel).map_err(|_| not_found(&rel))?;
        return Ok(vec![Match {
            path: rel,
            name: PathBuf::from(cleaned.trim_start_matches('/')),
        }]);
    }
    let parts: Vec<_> = split(cleaned.as_bytes()).collect();
    let mut current = vec![PathBuf::new()];
    let mut first_wildcard = true;
    for part in &parts {
        let bytes = part.as_bytes();
        let mut next = Vec::new();
        if !glob::has_wildcards(bytes) {
            for base in current {
                next.push(base.join(part));
            }
        } else {
            let pattern = String::from_utf8_lossy(bytes);
            for base in current {
                let dir = view
                    .resolve(base.as_os_str(), true)
                    .map_err(|e| CopyError::new(e.to_string()))?;
                if first_wildcard && view.lstat(&dir).is_err() {
                    return Err(CopyError::new(format!(
                        "lstat {}: no such file or directory",
                        display(&dir)
                    )));
                }
                let Ok(entries) = view.read_dir(&dir) else {
                    continue;
                };
                for (name, _) in entries {
                    let hit = glob::matches(&pattern, &name.to_string_lossy())
                        .map_err(|_| CopyError::new(format!("syntax error in pattern: {src}")))?;
                    if hit {
                        next.push(dir.join(&name));
                    }
                }
            }
            first_wildcard = false;
        }
        current = next;
    }
    let mut out = Vec::new();
    for path in current {
        let rel = view
            .resolve(path.as_os_str(), true)
            .map_err(|e| CopyError::new(e.to_string()))?;
        if view.lstat(&rel).is_ok() {
            out.push(Match {
                name: path,
                path: rel,
            });
        }
    }
    Ok(out)
}

/// The destination as BuildKit's frontend makes it: absolute (relative to
/// WORKDIR), cleaned, and whether it names a directory.
fn destination(spec: &CopySpec) -> (String, bool) {
    let raw = spec.dest.as_str();
    let joined = if raw.starts_with('/') {
        raw.to_string()
    } else {
        format!("/{}/{raw}", spec.workdir)
    };
    let is_dir = raw.is_empty() || raw == "." || raw.ends_with('/');
    (clean(&joined), is_dir)
}

fn exclude_rules(spec: &CopySpec) -> Option<Rules> {
    (!spec.exclude.is_empty()).then(|| Rules::parse(&spec.exclude.join("\n")))
}

/// Performs the copy into `dest_root`: the destination stage's merged,
/// writable filesystem (an overlay mount the caller prepared; writes land
/// in its upper dir). Every destination path is resolved inside
/// `dest_root` (an absolute symlink in the image such as `/app -> /opt/app`
/// resolves to `dest_root/opt/app`, never to the host's `/opt/app`).
pub fn copy(spec: &CopySpec, dest_root: &Path) -> Result<CopyOutcome, CopyError> {
    copy_with_progress(spec, dest_root, &mut |_| {})
}

/// [`copy`], telling `tick` the running totals after each file written
/// (for a progress bar; it is called often, so it should be cheap).
pub fn copy_with_progress(
    spec: &CopySpec,
    dest_root: &Path,
    tick: &mut dyn FnMut(&CopyOutcome),
) -> Result<CopyOutcome, CopyError> {
    if spec.sources.is_empty() {
        return Err(CopyError::new("no source files were specified"));
    }
    let chmod = match spec.chmod.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(Chmod::parse(c)?),
        None => None,
    };
    let owner = match spec.chown.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(user::resolve_chown(dest_root, c)?),
        None => None,
    };
    let exclude = exclude_rules(spec);
    let opts = Options {
        owner,
        chmod: chmod.as_ref(),
        exclude: exclude.as_ref(),
    };
    let view = source_view(&spec.source);
    let dest = Dest {
        view: View::root(dest_root),
    };
    let (dest_path, dest_is_dir) = destination(spec);
    let mut outcome = CopyOutcome::default();
    for src in &spec.sources {
        for m in matches(&view, src, spec.add)? {
            if exclude
                .as_ref()
                .is_some_and(|ex| ex.excluded(&m.path.to_string_lossy()))
            {
                continue;
            }
            if spec.add && unpack::is_archive(&view.abs(&m.path)) {
                let dir = dest.mkdir_all(Path::new(&dest_path), owner)?;
                outcome.bytes += unpack::extract(&view.abs(&m.path), &dest.view.abs(&dir))?;
                outcome.archives += 1;
                tick(&outcome);
                continue;
            }
            let mut copier = Copier::new(&view, &dest, &opts, &mut outcome);
            copier.tick = Some(&mut *tick);
            copier.copy_root(&m.path, &m.name, &dest_path, dest_is_dir)?;
        }
    }
    Ok(outcome)
}

/// About how much a copy will write: (non-directories, bytes) under the
/// sources it names, before ignore and exclude rules (so at most that),
/// for the total of a progress bar. Archives ADD extracts count as their
/// own size.
pub fn estimate(spec: &CopySpec) -> Result<(u64, u64), CopyError> {
    let view = source_view(&spec.source);
    let (mut files, mut bytes) = (0, 0);
    for src in &spec.sources {
        for m in matches(&view, src, spec.add)? {
            for entry in walkdir::WalkDir::new(view.abs(&m.path))
                .into_iter()
                .filter_map(Result::ok)
            {
                if entry.file_type().is_dir() {
                    continue;
                }
                files += 1;
                bytes += entry.metadata().map_or(0, |m| m.len());
            }
        }
    }
    Ok((files, bytes))
}

/// A cache key for the sources (BuildKit-style content hash: per file
/// path, mode, uid/gid (context files count as 0:0), size, type, link
/// target, content sha256, `security.capability`; no mtimes), plus the
/// destination, WORKDIR, `--chown`, `--chmod`, `--exclude` and ADD.
/// With [`Source::with_hash_cache`], a context file whose metadata did not
/// change since an earlier key is not read again (same key either way).
pub fn cache_key(spec: &CopySpec) -> Result<Digest, CopyError> {
    if spec.sources.is_empty() {
        return Err(CopyError::new("no source files were specified"));
    }
    match &spec.source {
        Source::Context(c) => c.hashes.with(|table| key_of(spec, table)),
        Source::Root(_) => key_of(spec, None),
    }
}

fn key_of(spec: &CopySpec, table: Option<&mut hashcache::Table>) -> Result<Digest, CopyError> {
    let mut h = Sha256::new();
    field(&mut h, "msmigrate-copy-v1", b"");
    field(&mut h, "add", &[spec.add as u8]);
    field(&mut h, "dest", spec.dest.as_bytes());
    field(&mut h, "workdir", spec.workdir.as_bytes());
    field(
        &mut h,
        "chown",
        spec.chown.as_deref().unwrap_or("\0").as_bytes(),
    );
    field(
        &mut h,
        "chmod",
        spec.chmod.as_deref().unwrap_or("\0").as_bytes(),
    );
    for e in &spec.exclude {
        field(&mut h, "exclude", e.as_bytes());
    }
    let exclude = exclude_rules(spec);
    let view = source_view(&spec.source);
    let mut hasher = TreeHasher {
        view: &view,
        exclude: exclude.as_ref(),
        links: std::collections::HashMap::new(),
        table,
        buf: Vec::new(),
        h,
    };
    for src in &spec.sources {
        field(&mut hasher.h, "source", src.as_bytes());
        for m in matches(&view, src, spec.add)? {
            field(&mut hasher.h, "match", m.name.as_os_str().as_bytes());
            hasher.links.clear();
            hasher.tree(&m.path, Path::new(""), None)?;
        }
    }
    Ok(Digest::from_hasher(hasher.h))
}

/// One length-prefixed, tagged field of a key.
fn field(h: &mut Sha256, tag: &str, value: &[u8]) {
    h.update(tag.as_bytes());
    h.update((value.len() as u64).to_le_bytes());
    h.update(value);
}

/// Hashes source trees into one key.
struct TreeHasher<'v, 't> {
    view: &'v View<'v>,
    exclude: Option<&'v Rules>,
    /// The first path of each multiply-linked file of the current match.
    links: std::collections::HashMap<(u64, u64), PathBuf>,
    /// Remembered content hashes, for context files.
    table: Option<&'t mut hashcache::Table>,
    buf: Vec<u8>,
    h: Sha256,
}

impl TreeHasher<'_, '_> {
    /// Hashes `src` (shown as `rel`); `meta` is its `lstat` when known.
    fn tree(&mut self, src: &Path, rel: &Path, meta: Option<Metadata>) -> Result<(), CopyError> {
        let meta = match meta {
            Some(m) => m,
            None => self.view.lstat(src).map_err(|_| not_found(src))?,
        };
        if let (Some(ex), false) = (self.exclude, rel.as_os_str().is_empty()) {
            let text = rel.to_string_lossy();
            if ex.excluded(&text) && (!meta.is_dir() || ex.may_differ_below(&text).is_none()) {
                return Ok(());
            }
        }
        let ft = meta.file_type();
        let kind: &[u8] = if ft.is_dir() {
            b"d"
        } else if ft.is_symlink() {
            b"l"
        } else if ft.is_file() {
            b"f"
        } else if ft.is_char_device() {
            b"c"
        } else if ft.is_block_device() {
            b"b"
        } else {
            b"p"
        };
        let (uid, gid) = if self.view.reset_owner {
            (0, 0)
        } else {
            (meta.uid(), meta.gid())
        };
        let h = &mut self.h;
        field(h, "path", rel.as_os_str().as_bytes());
        field(h, "type", kind);
        field(h, "mode", &(meta.mode() & 0o7777).to_le_bytes());
        field(h, "owner", &[uid.to_le_bytes(), gid.to_le_bytes()].concat());
        let abs = self.view.abs(src);
        if ft.is_file() {
            return self.file(src, rel, &abs, &meta);
        }
        if let Ok(Some(cap)) = xattr::get(&abs, "security.capability") {
            field(h, "cap", &cap);
        }
        if ft.is_dir() {
            for (name, meta) in self
                .view
                .read_dir(src)
                .map_err(|e| CopyError::new(format!("read {}: {e}", display(src))))?
            {
                self.tree(&src.join(&name), &rel.join(&name), Some(meta))?;
            }
        } else if ft.is_symlink() {
            let target = std::fs::read_link(&abs)
                .map_err(|e| CopyError::new(format!("readlink {}: {e}", display(src))))?;
            field(h, "link", target.as_os_str().as_bytes());
        } else {
            field(h, "rdev", &meta.rdev().to_le_bytes());
        }
        Ok(())
    }

    /// The rest of a regular file: capability, then the first path of its
    /// inode or its size and content sha256, remembered or read.
    fn file(
        &mut self,
        src: &Path,
        rel: &Path,
        abs: &Path,
        meta: &Metadata,
    ) -> Result<(), CopyError> {
        let hit = self
            .table
            .as_deref_mut()
            .and_then(|t| t.get(meta))
            .map(|e| (e.sha256, e.cap.clone()));
        let cap = match &hit {
            Some((_, cap)) => cap.clone(),
            None => xattr::get(abs, "security.capability").ok().flatten(),
        };
        if let Some(cap) = &cap {
            field(&mut self.h, "cap", cap);
        }
        let key = (meta.dev(), meta.ino());
        if let Some(first) = self.links.get(&key).filter(|_| meta.nlink() > 1) {
            field(&mut self.h, "hardlink", first.as_os_str().as_bytes());
            return Ok(());
        }
        if meta.nlink() > 1 {
            self.links.insert(key, rel.to_path_buf());
        }
        let sha = match hit {
            Some((sha, _)) => sha,
            None => {
                let sha = self.read_sha256(src, abs)?;
                if let Some(t) = self.table.as_deref_mut() {
                    t.put(meta, sha, cap);
                }
                sha
            }
        };
        field(&mut self.h, "size", &meta.len().to_le_bytes());
        field(&mut self.h, "sha256", &sha);
        Ok(())
    }

    fn read_sha256(&mut self, src: &Path, abs: &Path) -> Result<[u8; 32], CopyError> {
        let mut file = std::fs::File::open(abs)
            .map_err(|e| CopyError::new(format!("open {}: {e}", display(src))))?;
        let mut content = Sha256::new();
        self.buf.resize(64 * 1024, 0);
        loop {
            let n = io::Read::read(&mut file, &mut self.buf)
                .map_err(|e| CopyError::new(format!("read {}: {e}", display(src))))?;
            if n == 0 {
                break;
            }
            content.update(&self.buf[..n]);
        }
        Ok(content.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A remembered hash is used as is while the file's metadata holds.
    #[test]
    fn remembered_hash_is_used() {
        let dir = std::env::temp_dir().join(format!("msmigrate-copy-hit-{}", std::process::id()));
        let ctx = dir.join("ctx");
        std::fs::create_dir_all(&ctx).unwrap();
        std::fs::write(ctx.join("f"), "content\n").unwrap();
        let store = Store::open(&dir.join("store")).unwrap();
        let context = Context::open(&ctx, &ctx.join("Dockerfile")).unwrap();
        let spec = |source| CopySpec {
            sources: vec!["f".into()],
            dest: "/".into(),
            workdir: "/".into(),
            source,
            chown: None,
            chmod: None,
            add: false,
            link: false,
            exclude: Vec::new(),
        };
        let real = cache_key(&spec(Source::Context(&context))).unwrap();
        let cached = spec(Source::Context(&context).with_hash_cache(&store));
        assert_eq!(cache_key(&cached).unwrap(), real);
        let meta = std::fs::symlink_metadata(ctx.join("f")).unwrap();
        context
            .hashes
            .with(|t| t.unwrap().insert_for_test(&meta, [7; 32]));
        let forged = cache_key(&cached).unwrap();
        assert_ne!(forged, real);
        std::fs::write(ctx.join("f"), "other content\n").unwrap();
        let changed = cache_key(&spec(Source::Context(&context))).unwrap();
        assert_ne!(changed, real);
        assert_eq!(cache_key(&cached).unwrap(), changed, "size changed");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
