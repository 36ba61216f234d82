//! Layer tars to directories and back, in the overlay format Docker's
//! overlay2 driver stores layers in.
//!
//! [`extract`] turns a layer tar into a directory a later overlay mount can
//! use as a lower: whiteouts become `0:0` character devices, opaque markers
//! become `trusted.overlay.opaque=y`. [`write_diff`] turns an overlay upper
//! directory back into a layer tar, byte for byte the way moby's archiver
//! (Go's `archive/tar` through `pkg/archive`) writes one, so the trees, the
//! sizes and in simple cases the diff IDs equal Docker's.

use std::collections::HashMap;
use std::ffi::{CString, OsStr, OsString};
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::dirtree::{DirTree, Resolved};
use super::oci::Digest;
use super::store::SizeLimit;

const WHITEOUT_PREFIX: &str = ".wh.";
const OPAQUE_MARKER: &str = ".wh..wh..opq";
/// The xattr that marks an overlay directory opaque, in the namespace
/// overlayfs reads: `trusted.` as real root, `user.` in a rootless user
/// namespace (where the overlay is mounted with `userxattr`).
pub fn opaque_xattr() -> &'static str {
    if super::sandbox::rootless() {
        "user.overlay.opaque"
    } else {
        "trusted.overlay.opaque"
    }
}

/// True for overlayfs's own attributes, in either namespace: they never
/// come from a layer and never go into one.
pub fn is_overlay_xattr(name: &[u8]) -> bool {
    name.starts_with(b"trusted.overlay.") || name.starts_with(b"user.overlay.")
}
/// The only xattr Docker's archiver carries into a layer.
const CAPABILITY_XATTR: &str = "security.capability";
/// Symlinks followed while resolving one path before giving up (Linux's limit).
const MAX_SYMLINKS: usize = 40;

/// What a written layer tar is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerInfo {
    /// sha256 of the uncompressed tar stream.
    pub diff_id: Digest,
    /// Bytes of the tar stream.
    pub size: u64,
    /// The size Docker 20.10 (overlay2) reports for this layer once it is
    /// `docker load`ed: `directory.Size` of the extracted layer, i.e. bytes
    /// of non-directories, symlinks at their target's length, each
    /// hardlinked inode once, whiteouts 0.
    pub docker_size: u64,
    /// The size Docker 20.10 reports for a layer its own BuildKit built
    /// (it sums the tar's file payloads): like `docker_size` but symlinks
    /// count 0. Measured: a RUN layer with an 8-byte symlink showed 8 bytes
    /// less in `docker history` than `docker_size`.
    pub payload_size: u64,
}

/// Where a tar entry's `uname`/`gname` come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OwnerNames {
    /// Empty: the layer depends only on the tree (reproducible anywhere).
    #[default]
    Empty,
    /// Looked up in this host's `/etc/passwd` and `/etc/group`, as dockerd's
    /// archiver does, so diff IDs can equal those of a dockerd on this host.
    Host,
}

/// How [`write_diff`] reads the upper directory.
pub struct DiffOptions {
    /// Paths relative to the root that are mount stubs the sandbox created
    /// (`proc`, `dev`, `etc/hosts`...): left out, with everything under
    /// them, unless `lower_has` says they existed before the step.
    pub exclude: Vec<PathBuf>,
    /// Whether a path (relative to the root) exists in the lower layers.
    pub lower_has: Box<dyn Fn(&Path) -> bool>,
    /// `SOURCE_DATE_EPOCH`: later mtimes are clamped to it.
    pub mtime_clamp: Option<i64>,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            exclude: Vec::new(),
            lower_has: Box::new(|_| false),
            mtime_clamp: None,
        }
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

fn cstring(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| invalid(format!("path with NUL: {}", path.display())))
}

fn check(ret: libc::c_int) -> io::Result<()> {
    if ret == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

// ---------------------------------------------------------------------------
// Resolving paths inside a root
// ---------------------------------------------------------------------------

/// Splits a tar entry name into clean components, as Go's `filepath.Join`
/// followed by moby's breakout check would: `.` and empty parts dropped,
/// `..` folded, and a `..` above the root refused.
fn clean_components(name: &[u8]) -> io::Result<Vec<OsString>> {
    let mut parts: Vec<OsString> = Vec::new();
    for part in name.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                if parts.pop().is_none() {
                    return Err(invalid(format!(
                        "{} escapes the root",
                        String::from_utf8_lossy(name)
                    )));
                }
            }
            _ => parts.push(OsStr::from_bytes(part).to_os_string()),
        }
    }
    Ok(parts)
}

/// One symlink met while resolving a path: counts it against
/// [`MAX_SYMLINKS`] and queues the components of its target on `todo` (a
/// stack, popped in path order) in place of the link. True when the target
/// is absolute: the caller restarts at the root.
pub(crate) fn follow_link(
    here: &Path,
    todo: &mut Vec<OsString>,
    links: &mut usize,
) -> io::Result<bool> {
    *links += 1;
    if *links > MAX_SYMLINKS {
        return Err(io::Error::from_raw_os_error(libc::ELOOP));
    }
    let target = fs::read_link(here)?;
    for comp in target.components().rev() {
        match comp {
            Component::Normal(c) => todo.push(c.to_os_string()),
            Component::ParentDir => todo.push("..".into()),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    Ok(target.is_absolute())
}

/// Resolves `parts` below `root` as if `root` were `/`: symlinks met on the
/// way are followed but can never leave `root`. The last component is
/// followed only when `follow_last`. Missing components are created as
/// directories with `missing_mode` when it is given, else the path is
/// returned as far as it resolves with the rest appended.
pub(crate) fn resolve_in_root(
    root: &Path,
    parts: &[OsString],
    follow_last: bool,
    missing_mode: Option<u32>,
) -> io::Result<PathBuf> {
    let mut todo: Vec<OsString> = parts.iter().rev().cloned().collect();
    let mut done: Vec<OsString> = Vec::new();
    let mut links = 0;
    while let Some(part) = todo.pop() {
        if part == ".." {
            done.pop();
            continue;
        }
        if part == "." || part.is_empty() {
            continue;
        }
        let is_last = todo.is_empty();
        let mut here = root.to_path_buf();
        here.extend(&done);
        here.push(&part);
        match fs::symlink_metadata(&here) {
            Ok(meta) if meta.file_type().is_symlink() && (!is_last || follow_last) => {
                if follow_link(&here, &mut todo, &mut links)? {
                    done.clear();
                }
            }
            Ok(_) => done.push(part),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if let Some(mode) = missing_mode {
                    fs::create_dir(&here)?;
                    fs::set_permissions(&here, fs::Permissions::from_mode(mode))?;
                }
                done.push(part);
            }
            Err(e) => return Err(e),
        }
    }
    let mut out = root.to_path_buf();
    out.extend(&done);
    Ok(out)
}

// ---------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------

/// Extracts a layer tar into `dest` (an empty directory) in overlay format:
/// `.wh.NAME` becomes a `0:0` character device `NAME`, `.wh..wh..opq` sets
/// `trusted.overlay.opaque=y` on its directory; owners, modes (setuid
/// included), mtimes, symlinks, hardlinks, devices and PAX xattrs are
/// applied. Every path is resolved inside `dest`: `..` cannot climb out and
/// symlinks written earlier in the tar are followed as if `dest` were `/`.
/// Needs root, or a rootless user namespace ([`super::sandbox`]).
pub fn extract(tar: &mut dyn Read, dest: &Path) -> io::Result<()> {
    let mut archive = tar::Archive::new(tar);
    // Directory mtimes are set last: writing children changes them.
    let mut dir_times: Vec<(PathBuf, i64)> = Vec::new();
    // Declared sizes are checked before anything is written, so a header
    // claiming a petabyte (or a sparse file of one) fails at once.
    let limit = SizeLimit::for_dir(dest)?;
    let mut total: u64 = 0;
    // The directories met so far: parents are found without walking the
    // whole path again for every entry (quadratic or worse in the depth).
    let mut tree = DirTree::new(dest);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let name = entry.path_bytes().into_owned();
        // Every error names its entry.
        let result = (|| -> io::Result<()> {
            let parts = clean_components(&name)?;
            let Some(base) = parts.last().cloned() else {
                return Ok(()); // the root itself: the layer directory keeps its own metadata
            };
            let mut meta = EntryMeta::from_header(entry.header())?;
            if let Some(pax) = entry.pax_extensions()? {
                for ext in pax {
                    let ext = ext?;
                    let key = ext.key().map_err(|e| invalid(e.to_string()))?;
                    let value = ext.value_bytes();
                    let number = || {
                        std::str::from_utf8(value)
                            .ok()
                            .and_then(|v| v.split('.').next()?.parse::<i64>().ok())
                    };
                    match key {
                        "uid" => meta.uid = number().unwrap_or(meta.uid as i64) as u32,
                        "gid" => meta.gid = number().unwrap_or(meta.gid as i64) as u32,
                        "mtime" => meta.mtime = number().unwrap_or(meta.mtime),
                        _ => {
                            if let Some(attr) = key.strip_prefix("SCHILY.xattr.") {
                                meta.xattrs.push((attr.to_string(), value.to_vec()));
                            }
                        }
                    }
                }
            }
            let parent_parts = &parts[..parts.len() - 1];
            let not_a_dir = || {
                invalid(format!(
                    "parent of {} is not a directory",
                    String::from_utf8_lossy(&name)
                ))
            };
            let parent_dir = match tree.resolve(parent_parts, true, Some(0o600)) {
                Ok(Resolved { dir, leaf: None }) => dir,
                Ok(_) => return Err(not_a_dir()),
                Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => return Err(not_a_dir()),
                Err(e) => return Err(e),
            };
            let parent = tree.path(parent_dir);
            let base_bytes = base.as_bytes();
            if base_bytes == OPAQUE_MARKER.as_bytes() {
                xattr::set(&parent, opaque_xattr(), b"y")?;
                return Ok(());
            }
            if let Some(hidden) = base_bytes.strip_prefix(WHITEOUT_PREFIX.as_bytes()) {
                // `.wh.`, `.wh..` and `.wh...` name no entry: joined to the
                // parent they would delete the parent itself or, at the
                // root, the directory that holds the layer.
                if matches!(hidden, b"" | b"." | b"..") {
                    return Err(invalid(format!(
                        "layer entry {} is a whiteout of no name",
                        String::from_utf8_lossy(&name)
                    )));
                }
                let hidden = OsStr::from_bytes(hidden);
                let path = parent.join(hidden);
                tree.forget(parent_dir, hidden);
                remove_existing(&path)?;
                let c = cstring(&path)?;
                check(unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR, 0) })?;
                chown(&c, &name, meta.uid, meta.gid)?;
                return Ok(());
            }
            let path = parent.join(&base);
            let kind = entry.header().entry_type();
            if matches!(
                kind,
                tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse
            ) {
                let header = entry.header();
                let declared = match (kind, header.as_gnu()) {
                    (tar::EntryType::GNUSparse, Some(gnu)) => gnu.real_size()?,
                    _ => header.entry_size()?,
                };
                total = total.saturating_add(declared);
                limit.check(
                    total,
                    &format!(
                        "the layer's content (at {})",
                        String::from_utf8_lossy(&name)
                    ),
                )?;
            }
            let existing = fs::symlink_metadata(&path).ok();
            if existing.is_some()
                && !(kind.is_dir() && existing.as_ref().is_some_and(|m| m.is_dir()))
            {
                tree.forget(parent_dir, &base);
                remove_existing(&path)?;
            }
            let c = cstring(&path)?;
            match kind {
                tar::EntryType::Directory => {
                    if existing.as_ref().is_none_or(|m| !m.is_dir()) {
                        fs::create_dir(&path)?;
                    }
                }
                tar::EntryType::Regular
                | tar::EntryType::Continuous
                | tar::EntryType::GNUSparse => {
                    let mut file = fs::File::create(&path)?;
                    io::copy(&mut entry, &mut file)?;
                }
                tar::EntryType::Symlink => {
                    let target = entry
                        .link_name_bytes()
                        .ok_or_else(|| invalid("symlink without target".into()))?;
                    std::os::unix::fs::symlink(OsStr::from_bytes(&target), &path)?;
                }
                tar::EntryType::Link => {
                    let target = entry
                        .link_name_bytes()
                        .ok_or_else(|| invalid("hardlink without target".into()))?;
                    let target_parts = clean_components(&target)?;
                    let source = tree.resolve(&target_parts, false, None)?;
                    let source = tree.path_of(&source);
                    fs::hard_link(&source, &path)?;
                }
                tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                    let header = entry.header();
                    let (typ, dev) = match kind {
                        tar::EntryType::Char => (libc::S_IFCHR, device(header)?),
                        tar::EntryType::Block => (libc::S_IFBLK, device(header)?),
                        _ => (libc::S_IFIFO, 0),
                    };
                    let made =
                        check(unsafe { libc::mknod(c.as_ptr(), typ | (meta.mode & 0o7777), dev) });
                    if let Err(e) = made {
                        // As moby in a user namespace: devices cannot be made
                        // there, and are left out.
                        if super::sandbox::rootless() && e.raw_os_error() == Some(libc::EPERM) {
                            return Ok(());
                        }
                        return Err(e);
                    }
                }
                tar::EntryType::XGlobalHeader => return Ok(()),
                other => return Err(invalid(format!("unsupported tar entry type {other:?}"))),
            }
            let is_symlink = kind == tar::EntryType::Symlink;
            // Owner first: chown clears setuid bits and file capabilities.
            chown(&c, &name, meta.uid, meta.gid)?;
            if !is_symlink {
                check(unsafe { libc::chmod(c.as_ptr(), meta.mode & 0o7777) })?;
                for (attr, value) in &meta.xattrs {
                    if is_overlay_xattr(attr.as_bytes()) {
                        continue; // a layer must never steer the overlay
                    }
                    if let Err(e) = xattr::set(&path, attr, value)
                        && e.raw_os_error() != Some(libc::ENOTSUP)
                    {
                        return Err(e);
                    }
                }
            }
            if kind.is_dir() {
                dir_times.push((path, meta.mtime));
            } else {
                set_mtime(&c, meta.mtime)?;
            }
            Ok(())
        })();
        result.map_err(|e| with_entry(e, &name))?;
    }
    for (path, mtime) in dir_times.iter().rev() {
        set_mtime(&cstring(path)?, *mtime)?;
    }
    // Read to the end, so a reader that verifies a digest at EOF sees it all.
    io::copy(&mut archive.into_inner(), &mut io::sink())?;
    Ok(())
}

/// `e`, prefixed with the tar entry it happened at unless it already names
/// it (as a word of its own: an entry `s` is not named by "os error").
fn with_entry(e: io::Error, name: &[u8]) -> io::Error {
    let name = String::from_utf8_lossy(name);
    let message = e.to_string();
    let edge = |c: Option<char>| c.is_none_or(|c| c.is_whitespace() || "()`'\":,".contains(c));
    let named = !name.is_empty()
        && message.match_indices(name.as_ref()).any(|(at, _)| {
            edge(message[..at].chars().next_back())
                && edge(message[at + name.len()..].chars().next())
        });
    if named {
        return e;
    }
    io::Error::new(e.kind(), format!("layer entry {name}: {message}"))
}

/// lchown, with the reason spelled out when a rootless user namespace has
/// no mapping for the owner.
fn chown(path: &CString, name: &[u8], uid: u32, gid: u32) -> io::Result<()> {
    match check(unsafe { libc::lchown(path.as_ptr(), uid, gid) }) {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) && super::sandbox::rootless() => {
            Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{} is owned by {uid}:{gid}, which this rootless user namespace cannot \
                     represent; give the user subordinate IDs in /etc/subuid and /etc/subgid \
                     (and install newuidmap, Debian's uidmap package)",
                    String::from_utf8_lossy(name)
                ),
            ))
        }
        other => other,
    }
}

struct EntryMeta {
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: i64,
    xattrs: Vec<(String, Vec<u8>)>,
}

impl EntryMeta {
    fn from_header(header: &tar::Header) -> io::Result<EntryMeta> {
        Ok(EntryMeta {
            mode: header.mode()?,
            // Go's reader reads an empty numeric field as 0.
            uid: header.uid().unwrap_or(0) as u32,
            gid: header.gid().unwrap_or(0) as u32,
            mtime: header.mtime().unwrap_or(0) as i64,
            xattrs: Vec::new(),
        })
    }
}

fn device(header: &tar::Header) -> io::Result<libc::dev_t> {
    let major = header.device_major()?.unwrap_or(0);
    let minor = header.device_minor()?.unwrap_or(0);
    Ok(libc::makedev(major, minor))
}

fn set_mtime(path: &CString, mtime: i64) -> io::Result<()> {
    let time = libc::timespec {
        tv_sec: mtime as libc::time_t,
        tv_nsec: 0,
    };
    let times = [time, time];
    check(unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            path.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })
}

fn remove_existing(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------
// Diff: upper directory to layer tar
// ---------------------------------------------------------------------------

/// A writer that hashes and counts what passes through it.
struct Hashing<'a> {
    out: &'a mut dyn Write,
    hasher: Sha256,
    bytes: u64,
}

impl Write for Hashing<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// One tar header as Go's `archive/tar` sees it.
#[derive(Default)]
struct Header {
    name: Vec<u8>,
    typeflag: u8,
    mode: i64,
    uid: i64,
    gid: i64,
    size: i64,
    mtime: i64,
    linkname: Vec<u8>,
    uname: String,
    gname: String,
    devmajor: i64,
    devminor: i64,
    xattrs: Vec<(String, Vec<u8>)>,
}

const NAME_SIZE: usize = 100;
const PREFIX_SIZE: usize = 155;

fn fits_octal(width: usize, x: i64) -> bool {
    // Go: the field holds width-1 octal digits and a NUL.
    let bits = 3 * (width as u32 - 1);
    x >= 0 && (bits >= 63 || x < (1i64 << bits))
}

/// Go's `formatter.formatOctal`: zero-padded, NUL-terminated; a value that
/// does not fit writes 0 (it then travels in a PAX record).
fn put_octal(field: &mut [u8], x: i64) {
    let x = if fits_octal(field.len(), x) { x } else { 0 };
    let digits = format!("{x:o}");
    let width = field.len() - 1;
    let padded = if digits.len() < width {
        format!("{}{digits}", "0".repeat(width - digits.len()))
    } else {
        digits
    };
    put_string(field, padded.as_bytes());
}

/// Go's `formatter.formatString`.
fn put_string(field: &mut [u8], s: &[u8]) {
    let n = s.len().min(field.len());
    field[..n].copy_from_slice(&s[..n]);
    if s.len() < field.len() {
        field[s.len()] = 0;
    }
    if s.len() > field.len() && field[field.len() - 1] == b'/' {
        let mut end = field.len() - 1;
        while end > 0 && s[end - 1] == b'/' {
            end -= 1;
        }
        field[end] = 0;
    }
}

fn to_ascii(s: &[u8]) -> Vec<u8> {
    s.iter().copied().filter(|b| b.is_ascii()).collect()
}

/// Go's `splitUSTARPath`.
fn split_ustar(name: &[u8]) -> Option<(usize, usize)> {
    let mut length = name.len();
    if length <= NAME_SIZE || !name.is_ascii() {
        return None;
    } else if length > PREFIX_SIZE + 1 {
        length = PREFIX_SIZE + 1;
    } else if name[length - 1] == b'/' {
        length -= 1;
    }
    let i = name[..length].iter().rposition(|&b| b == b'/')?;
    let nlen = name.len() - i - 1;
    if i == 0 || nlen > NAME_SIZE || nlen == 0 || i > PREFIX_SIZE {
        return None;
    }
    Some((i, i + 1))
}

fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
    // "%d %s=%s\n", where the length counts itself.
    let body = key.len() + value.len() + 3; // ' ', '=', '\n'
    let mut size = body + 1;
    while size.to_string().len() + body > size {
        size += 1;
    }
    let mut rec = format!("{size} {key}=").into_bytes();
    rec.extend_from_slice(value);
    rec.push(b'\n');
    rec
}

fn finish_block(block: &mut [u8; 512]) {
    block[257..263].copy_from_slice(b"ustar\0");
    block[263..265].copy_from_slice(b"00");
    block[148..156].fill(b' ');
    let sum: i64 = block.iter().map(|&b| b as i64).sum();
    put_octal(&mut block[148..155], sum);
    block[155] = b' ';
}

fn write_padded(out: &mut dyn Write, data: &[u8]) -> io::Result<()> {
    out.write_all(data)?;
    let pad = (512 - data.len() % 512) % 512;
    out.write_all(&[0u8; 512][..pad])
}

/// Writes one header the way Go's `tar.Writer.WriteHeader` does for a
/// header moby built (`Format = FormatPAX`): USTAR when every field fits,
/// else a PAX extended header first.
fn write_header(out: &mut dyn Write, h: &Header) -> io::Result<()> {
    let mut pax: Vec<(String, Vec<u8>)> = Vec::new();
    let mut ustar_ok = true;
    // Name: long ASCII names may still fit USTAR's prefix/suffix split.
    if !h.name.is_ascii() || h.name.len() > NAME_SIZE {
        pax.push(("path".into(), h.name.clone()));
        if split_ustar(&h.name).is_none() {
            ustar_ok = false;
        }
    }
    if !h.linkname.is_ascii() || h.linkname.len() > NAME_SIZE {
        pax.push(("linkpath".into(), h.linkname.clone()));
        ustar_ok = false;
    }
    for (key, value, width) in [("uname", &h.uname, 32), ("gname", &h.gname, 32)] {
        if !value.is_ascii() || value.len() > width {
            pax.push((key.into(), value.as_bytes().to_vec()));
            ustar_ok = false;
        }
    }
    for (key, value, width) in [
        ("uid", h.uid, 8),
        ("gid", h.gid, 8),
        ("size", h.size, 12),
        ("mtime", h.mtime, 12),
    ] {
        if !fits_octal(width, value) {
            pax.push((key.into(), value.to_string().into_bytes()));
            ustar_ok = false;
        }
    }
    for (attr, value) in &h.xattrs {
        pax.push((format!("SCHILY.xattr.{attr}"), value.clone()));
        ustar_ok = false;
    }

    let mut name: &[u8] = &h.name;
    let mut prefix: &[u8] = b"";
    let owned_name;
    if ustar_ok {
        if let Some((end, start)) = split_ustar(&h.name) {
            prefix = &h.name[..end];
            name = &h.name[start..];
        }
    } else {
        pax.sort_by(|a, b| a.0.cmp(&b.0));
        let mut data = Vec::new();
        for (key, value) in &pax {
            data.extend(pax_record(key, value));
        }
        // Go: path.Join(dir, "PaxHeaders.0", file), ASCII, ≤100, no trailing '/'.
        let text = String::from_utf8_lossy(&h.name).into_owned();
        let (dir, file) = match text.rfind('/') {
            Some(i) => (&text[..=i], &text[i + 1..]),
            None => ("", text.as_str()),
        };
        let joined = go_path_join(&[dir, "PaxHeaders.0", file]);
        let mut xname = to_ascii(joined.as_bytes());
        xname.truncate(NAME_SIZE);
        while xname.last() == Some(&b'/') {
            xname.pop();
        }
        let mut block = [0u8; 512];
        block[156] = b'x';
        put_string(&mut block[0..100], &xname);
        put_octal(&mut block[100..108], 0);
        put_octal(&mut block[108..116], 0);
        put_octal(&mut block[116..124], 0);
        put_octal(&mut block[124..136], data.len() as i64);
        put_octal(&mut block[136..148], 0);
        finish_block(&mut block);
        out.write_all(&block)?;
        write_padded(out, &data)?;
        owned_name = to_ascii(&h.name);
        name = &owned_name;
    }

    let mut block = [0u8; 512];
    block[156] = h.typeflag;
    put_string(&mut block[0..100], name);
    put_string(&mut block[157..257], &to_ascii(&h.linkname));
    put_octal(&mut block[100..108], h.mode);
    put_octal(&mut block[108..116], h.uid);
    put_octal(&mut block[116..124], h.gid);
    put_octal(&mut block[124..136], h.size);
    put_octal(&mut block[136..148], h.mtime);
    put_string(&mut block[265..297], &to_ascii(h.uname.as_bytes()));
    put_string(&mut block[297..329], &to_ascii(h.gname.as_bytes()));
    put_octal(&mut block[329..337], h.devmajor);
    put_octal(&mut block[337..345], h.devminor);
    put_string(&mut block[345..500], prefix);
    finish_block(&mut block);
    out.write_all(&block)
}

/// Go's `path.Join` for the few shapes used here.
fn go_path_join(parts: &[&str]) -> String {
    let joined: Vec<&str> = parts
        .iter()
        .flat_map(|p| p.split('/'))
        .filter(|p| !p.is_empty())
        .collect();
    joined.join("/")
}

/// uid → name and gid → name from this host's files, first entry wins.
fn host_names() -> (HashMap<u32, String>, HashMap<u32, String>) {
    fn read(path: &str) -> HashMap<u32, String> {
        let mut map = HashMap::new();
        for line in fs::read_to_string(path).unwrap_or_default().lines() {
            let fields: Vec<&str> = line.split(':').collect();
            if let (Some(name), Some(id)) =
                (fields.first(), fields.get(2).and_then(|v| v.parse().ok()))
            {
                map.entry(id).or_insert_with(|| name.to_string());
            }
        }
        map
    }
    (read("/etc/passwd"), read("/etc/group"))
}

struct DiffWriter<'a> {
    options: &'a DiffOptions,
    users: HashMap<u32, String>,
    groups: HashMap<u32, String>,
    /// (dev, ino) → the first path written for a hardlinked inode.
    seen: HashMap<(u64, u64), Vec<u8>>,
    docker_size: u64,
    payload_size: u64,
}

impl DiffWriter<'_> {
    fn mtime(&self, mtime: i64) -> i64 {
        match self.options.mtime_clamp {
            Some(clamp) if mtime > clamp => clamp,
            _ => mtime,
        }
    }

    fn base_header(&self, name: Vec<u8>, meta: &fs::Metadata) -> Header {
        Header {
            name,
            mode: (meta.mode() & 0o7777) as i64,
            uid: meta.uid() as i64,
            gid: meta.gid() as i64,
            mtime: self.mtime(meta.mtime()),
            uname: self.users.get(&meta.uid()).cloned().unwrap_or_default(),
            gname: self.groups.get(&meta.gid()).cloned().unwrap_or_default(),
            ..Header::default()
        }
    }

    fn excluded(&self, rel: &Path) -> bool {
        self.options.exclude.iter().any(|e| e == rel) && !(self.options.lower_has)(rel)
    }

    /// Writes the entries of directory `dir` (relative path `rel`) in Go's
    /// `filepath.Walk` order: names sorted bytewise, each directory before
    /// its children.
    fn walk(&mut self, out: &mut dyn Write, dir: &Path, rel: &Path) -> io::Result<()> {
        let mut names: Vec<OsString> = fs::read_dir(dir)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<_>>()?;
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for name in names {
            let path = dir.join(&name);
            let rel = rel.join(&name);
            if self.excluded(&rel) {
                continue;
            }
            let meta = fs::symlink_metadata(&path)?;
            let ft = meta.file_type();
            let rel_bytes = rel.as_os_str().as_bytes().to_vec();
            use std::os::unix::fs::FileTypeExt;
            if ft.is_socket() {
                continue; // Docker's archiver skips sockets too
            }
            // moby records every non-directory with nlink > 1 under its
            // walk name, and a later path of the same inode becomes a link
            // to it. Overlay shares one inode among the whiteouts of a
            // mount, so from the second whiteout on the (regular, 0600)
            // whiteout entry carries a link name; Docker writes that too.
            let linked_to = if !ft.is_dir() && meta.nlink() > 1 {
                let key = (meta.dev(), meta.ino());
                match self.seen.get(&key) {
                    Some(first) => Some(first.clone()),
                    None => {
                        self.seen.insert(key, rel_bytes.clone());
                        None
                    }
                }
            } else {
                None
            };
            if ft.is_char_device() && meta.rdev() == 0 {
                // A whiteout: moby renames it and makes it an empty 0600 file.
                let parent = rel
                    .parent()
                    .map(|p| p.as_os_str().as_bytes().to_vec())
                    .unwrap_or_default();
                let mut wh = parent;
                if !wh.is_empty() {
                    wh.push(b'/');
                }
                wh.extend_from_slice(WHITEOUT_PREFIX.as_bytes());
                wh.extend_from_slice(name.as_bytes());
                let mut h = self.base_header(wh, &meta);
                h.typeflag = b'0';
                h.mode = 0o600;
                h.linkname = linked_to.unwrap_or_default();
                write_header(out, &h)?;
                continue;
            }
            let mut h = self.base_header(rel_bytes.clone(), &meta);
            // moby's fillGo18FileTypeBits puts the type into the mode field.
            let (typeflag, type_bits) = if ft.is_dir() {
                h.name.push(b'/');
                (b'5', 0o040000)
            } else if ft.is_symlink() {
                let target = fs::read_link(&path)?;
                h.linkname = target.into_os_string().into_vec();
                (b'2', 0o120000)
            } else if ft.is_char_device() {
                h.devmajor = libc::major(meta.rdev()) as i64;
                h.devminor = libc::minor(meta.rdev()) as i64;
                (b'3', 0o020000)
            } else if ft.is_block_device() {
                h.devmajor = libc::major(meta.rdev()) as i64;
                h.devminor = libc::minor(meta.rdev()) as i64;
                (b'4', 0o060000)
            } else if ft.is_fifo() {
                (b'6', 0o010000)
            } else {
                (b'0', 0o100000)
            };
            h.typeflag = typeflag;
            h.mode |= type_bits;
            if ft.is_symlink() && linked_to.is_none() {
                self.docker_size += h.linkname.len() as u64;
            }
            if !ft.is_symlink()
                && let Some(cap) = xattr::get(&path, CAPABILITY_XATTR)?
            {
                h.xattrs.push((CAPABILITY_XATTR.to_string(), cap));
            }
            if let Some(first) = linked_to {
                h.typeflag = b'1';
                h.linkname = first;
                write_header(out, &h)?;
                continue;
            }
            if ft.is_file() {
                h.size = meta.len() as i64;
                self.docker_size += meta.len();
                self.payload_size += meta.len();
                write_header(out, &h)?;
                let mut file = fs::File::open(&path)?;
                let copied = io::copy(&mut (&mut file).take(meta.len()), out)?;
                if copied != meta.len() {
                    return Err(invalid(format!(
                        "{} changed while being archived",
                        path.display()
                    )));
                }
                let pad = ((512 - meta.len() % 512) % 512) as usize;
                out.write_all(&[0u8; 512][..pad])?;
                continue;
            }
            write_header(out, &h)?;
            if ft.is_dir() {
                if xattr::get(&path, opaque_xattr())?.as_deref() == Some(b"y") {
                    // moby: a regular file inheriting the dir's owner and
                    // permission bits, with a zero mtime.
                    let mut name = rel_bytes.clone();
                    name.push(b'/');
                    name.extend_from_slice(OPAQUE_MARKER.as_bytes());
                    let opq = Header {
                        name,
                        typeflag: b'0',
                        mode: h.mode & 0o777,
                        uid: h.uid,
                        gid: h.gid,
                        uname: h.uname.clone(),
                        gname: h.gname.clone(),
                        ..Header::default()
                    };
                    write_header(out, &opq)?;
                }
                self.walk(out, &path, &rel)?;
            }
        }
        Ok(())
    }
}

/// Writes the overlay upper directory `upper` as an OCI layer tar, as
/// Docker's overlay2 driver would: a sorted walk; `0:0` character devices
/// become `.wh.NAME` (empty, mode 0600); an opaque directory is followed by
/// `DIR/.wh..wh..opq`; later paths of a hardlinked inode become link
/// entries; `security.capability` is the only xattr kept (never
/// `trusted.overlay.*`); sockets are skipped. Owner names are left empty.
/// Returns the diff ID and sizes.
pub fn write_diff(
    upper: &Path,
    out: &mut dyn Write,
    options: &DiffOptions,
) -> io::Result<LayerInfo> {
    write_diff_with(upper, out, options, OwnerNames::Empty)
}

/// [`write_diff`] with owner names taken from `names`.
pub fn write_diff_with(
    upper: &Path,
    out: &mut dyn Write,
    options: &DiffOptions,
    names: OwnerNames,
) -> io::Result<LayerInfo> {
    let (users, groups) = match names {
        OwnerNames::Empty => (HashMap::new(), HashMap::new()),
        OwnerNames::Host => host_names(),
    };
    let mut writer = DiffWriter {
        options,
        users,
        groups,
        seen: HashMap::new(),
        docker_size: 0,
        payload_size: 0,
    };
    let mut hashing = Hashing {
        out,
        hasher: Sha256::new(),
        bytes: 0,
    };
    {
        let mut buffered = io::BufWriter::with_capacity(1 << 16, &mut hashing);
        writer.walk(&mut buffered, upper, Path::new(""))?;
        buffered.write_all(&[0u8; 1024])?;
        buffered.flush()?;
    }
    Ok(LayerInfo {
        diff_id: Digest::from_hasher(hashing.hasher),
        size: hashing.bytes,
        docker_size: writer.docker_size,
        payload_size: writer.payload_size,
    })
}

/// Docker's overlay2 size of an extracted layer directory (`directory.Size`):
/// `st_size` of every non-directory, each inode once.
pub fn docker_size_of_dir(dir: &Path) -> io::Result<u64> {
    let mut seen = std::collections::HashSet::new();
    let mut total = 0;
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.map_err(io::Error::other)?;
        let meta = entry.metadata().map_err(io::Error::other)?;
        if meta.is_dir() || meta.len() == 0 || !seen.insert(meta.ino()) {
            continue;
        }
        total += meta.len();
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_record_length_counts_itself() {
        assert_eq!(pax_record("path", b"abc"), b"12 path=abc\n");
        for n in 80..1010 {
            let rec = pax_record("k", &vec![b'x'; n]);
            let prefix =
                std::str::from_utf8(&rec[..rec.iter().position(|&b| b == b' ').unwrap()]).unwrap();
            assert_eq!(prefix.parse::<usize>().unwrap(), rec.len());
        }
    }

    #[test]
    fn ustar_split_follows_go() {
        let long = format!("{}/{}", "a".repeat(60), "b".repeat(60));
        assert_eq!(split_ustar(long.as_bytes()), Some((60, 61)));
        assert_eq!(split_ustar(b"short"), None);
        assert_eq!(split_ustar("x".repeat(120).as_bytes()), None);
    }

    #[test]
    fn names_with_dotdot_above_root_are_refused() {
        assert!(clean_components(b"../etc/passwd").is_err());
        assert_eq!(
            clean_components(b"./a/../b/").unwrap(),
            vec![OsString::from("b")]
        );
    }

    #[test]
    fn octal_fields_match_go() {
        let mut f = [0u8; 8];
        put_octal(&mut f, 0o40755);
        assert_eq!(&f, b"0040755\0");
    }
}
