//! ADD's archive extraction, as BuildKit's `unpack` over moby's
//! `chrootarchive.Untar`: a regular file whose content is a tar (plain,
//! gzip, bzip2 or xz; the name does not matter) with at least one entry is
//! extracted into the destination directory, owners and modes taken from
//! the archive (`--chown` only owns the directories ADD creates). Entries
//! are resolved with the destination directory as the root, as the chroot
//! does, and one that would land outside it is refused.

use std::fs;
use std::io::{self, BufReader, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::CopyError;
use super::view::{View, display, split};

/// A compression format moby's `DecompressStream` detects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    None,
    Gzip,
    Bzip2,
    Xz,
}

fn sniff(head: &[u8]) -> Option<Compression> {
    if head.starts_with(&[0x1f, 0x8b, 0x08]) {
        Some(Compression::Gzip)
    } else if head.starts_with(b"BZh") {
        Some(Compression::Bzip2)
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Some(Compression::Xz)
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        None // zstd: Docker extracts it, we cannot; copied as a file
    } else {
        Some(Compression::None)
    }
}

/// The decompressed stream of `path`.
fn open(path: &Path) -> io::Result<Option<Box<dyn Read>>> {
    let mut file = fs::File::open(path)?;
    let mut head = [0u8; 6];
    let mut n = 0;
    while n < head.len() {
        let k = file.read(&mut head[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    let Some(kind) = sniff(&head[..n]) else {
        return Ok(None);
    };
    let file = BufReader::new(fs::File::open(path)?);
    Ok(Some(match kind {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(file)),
        Compression::Xz => {
            let mut out = Vec::new();
            let mut file = file;
            if lzma_rs::xz_decompress(&mut file, &mut out).is_err() {
                return Ok(None);
            }
            Box::new(io::Cursor::new(out))
        }
    }))
}

/// True when the regular file at `path` is an archive ADD extracts: it
/// decompresses and its first tar header reads.
pub(super) fn is_archive(path: &Path) -> bool {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    let Ok(Some(stream)) = open(path) else {
        return false;
    };
    let mut archive = tar::Archive::new(stream);
    let Ok(mut entries) = archive.entries() else {
        return false;
    };
    matches!(entries.next(), Some(Ok(_)))
}

fn breakout(name: &str) -> CopyError {
    CopyError::new(format!(
        "invalid path breakout: archive entry {name:?} points outside the destination"
    ))
}

/// Extracts the archive at `archive` into the existing directory `dir`
/// (absolute on the host). Returns the bytes written.
pub(super) fn extract(archive: &Path, dir: &Path) -> Result<u64, CopyError> {
    let fail = |e: io::Error| CopyError::new(format!("cannot extract {}: {e}", archive.display()));
    let stream = open(archive)
        .map_err(fail)?
        .ok_or_else(|| CopyError::new("not an archive"))?;
    let root = View::root(dir);
    let mut tar = tar::Archive::new(stream);
    let mut bytes = 0;
    // Directory times are set last, since extracting into them changes them.
    let mut dir_times: Vec<(PathBuf, i64)> = Vec::new();
    for entry in tar.entries().map_err(fail)? {
        let mut entry = entry.map_err(fail)?;
        let raw = entry.path_bytes().into_owned();
        let name = String::from_utf8_lossy(&raw).into_owned();
        // filepath.Clean, then Join(dest, name): `..` may not climb out.
        let mut parts: Vec<std::ffi::OsString> = Vec::new();
        for p in split(&raw) {
            match p.as_bytes() {
                b"." => {}
                b".." => {
                    if parts.pop().is_none() && !raw.starts_with(b"/") {
                        return Err(breakout(&name));
                    }
                }
                _ => parts.push(p),
            }
        }
        let Some(last) = parts.pop() else { continue }; // "." is the directory itself
        let parent_rel = root
            .resolve(parts.iter().collect::<PathBuf>().as_os_str(), true)
            .map_err(|e| CopyError::new(e.to_string()))?;
        // The parent is created when missing (0755, root-owned).
        let mut at = PathBuf::new();
        for p in parent_rel.iter() {
            at.push(p);
            let abs = root.abs(&at);
            match fs::symlink_metadata(&abs) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => {
                    return Err(CopyError::new(format!(
                        "mkdir {}: not a directory",
                        display(&at)
                    )));
                }
                Err(_) => {
                    fs::create_dir(&abs).map_err(fail)?;
                    fs::set_permissions(&abs, fs::Permissions::from_mode(0o755)).map_err(fail)?;
                }
            }
        }
        let rel = parent_rel.join(&last);
        let path = root.abs(&rel);
        let header = entry.header().clone();
        let kind = header.entry_type();
        if matches!(
            kind,
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader
        ) {
            continue;
        }
        if let Ok(m) = fs::symlink_metadata(&path)
            && !(m.is_dir() && kind.is_dir())
        {
            if m.is_dir() {
                fs::remove_dir_all(&path).map_err(fail)?;
            } else {
                fs::remove_file(&path).map_err(fail)?;
            }
        }
        let mode = header.mode().map_err(fail)? & 0o7777;
        let link = entry.link_name_bytes().map(|b| b.into_owned());
        let link_target = || -> Result<Vec<u8>, CopyError> {
            link.clone()
                .ok_or_else(|| CopyError::new(format!("archive entry {name:?} has no link target")))
        };
        match kind {
            tar::EntryType::Directory => {
                if !path.is_dir() {
                    fs::create_dir(&path).map_err(fail)?;
                }
            }
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                let mut out = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&path)
                    .map_err(fail)?;
                bytes += io::copy(&mut entry, &mut out).map_err(fail)?;
            }
            tar::EntryType::Link => {
                let target = link_target()?;
                let mut tparts = Vec::new();
                for p in split(&target) {
                    match p.as_bytes() {
                        b"." => {}
                        b".." => {
                            if tparts.pop().is_none() {
                                return Err(breakout(&name));
                            }
                        }
                        _ => tparts.push(p),
                    }
                }
                let t: PathBuf = tparts.iter().collect();
                fs::hard_link(root.abs(&t), &path).map_err(fail)?;
            }
            tar::EntryType::Symlink => {
                let target = link_target()?;
                // The link may not point above the directory (moby checks
                // the target joined to the link's directory).
                let mut depth = parent_rel.iter().count() as i64;
                if !target.starts_with(b"/") {
                    for p in split(&target) {
                        match p.as_bytes() {
                            b"." => {}
                            b".." => depth -= 1,
                            _ => depth += 1,
                        }
                        if depth < 0 {
                            return Err(breakout(&name));
                        }
                    }
                }
                std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(&target), &path)
                    .map_err(fail)?;
            }
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                let fmt = match kind {
                    tar::EntryType::Char => libc::S_IFCHR,
                    tar::EntryType::Block => libc::S_IFBLK,
                    _ => libc::S_IFIFO,
                };
                let major = header.device_major().ok().flatten().unwrap_or(0);
                let minor = header.device_minor().ok().flatten().unwrap_or(0);
                let c = std::ffi::CString::new(path.as_os_str().as_bytes())
                    .map_err(|_| breakout(&name))?;
                // SAFETY: `c` is a valid NUL-terminated path.
                let r = unsafe { libc::mknod(c.as_ptr(), fmt | mode, libc::makedev(major, minor)) };
                if r != 0 {
                    return Err(fail(io::Error::last_os_error()));
                }
            }
            other => {
                return Err(CopyError::new(format!(
                    "unhandled tar header type {:?} for {name:?}",
                    other.as_byte() as char
                )));
            }
        }
        let uid = header.uid().unwrap_or(0) as u32;
        let gid = header.gid().unwrap_or(0) as u32;
        match std::os::unix::fs::lchown(&path, Some(uid), Some(gid)) {
            Err(e)
                if e.kind() == io::ErrorKind::PermissionDenied
                    && nix::unistd::geteuid().as_raw() != 0 => {}
            r => r.map_err(fail)?,
        }
        if let Ok(Some(exts)) = entry.pax_extensions() {
            for ext in exts.flatten() {
                if let Some(key) = ext.key_bytes().strip_prefix(b"SCHILY.xattr.") {
                    let _ = xattr::set(&path, std::ffi::OsStr::from_bytes(key), ext.value_bytes());
                }
            }
        }
        if kind != tar::EntryType::Symlink {
            // A hardlink entry's mode applies to the shared inode.
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).map_err(fail)?;
        }
        let mtime = header.mtime().unwrap_or(0) as i64;
        if kind.is_dir() {
            dir_times.push((path, mtime));
        } else {
            let t = filetime::FileTime::from_unix_time(mtime, 0);
            filetime::set_symlink_file_times(&path, t, t).map_err(fail)?;
        }
    }
    for (path, mtime) in dir_times {
        let t = filetime::FileTime::from_unix_time(mtime, 0);
        let _ = filetime::set_symlink_file_times(&path, t, t);
    }
    Ok(bytes)
}
