//! Content hashes of build-context files, remembered by file metadata (as
//! BuildKit's content-hash cache does), so that the key of a cached COPY
//! costs one `statx` per file instead of reading and hashing each one.
//!
//! An entry is keyed by (device, inode) and trusted only while the file's
//! size, mtime, ctime and `st_mode` are exactly those recorded; the ctime
//! catches a content change even when the mtime is put back (`touch -r`),
//! and a change of `security.capability` (stored with the entry). A file
//! whose mtime or ctime is within [`RACY`] of the time the key was computed
//! is hashed but not remembered: a later write in the same timestamp tick
//! would leave its metadata unchanged.
//!
//! One file per context root in the store (`hashcache/<sha256 of the
//! canonical context path>`), loaded once per build, written through a
//! temporary file and a rename after a key that changed it, at most
//! [`MAX_ENTRIES`] entries. A file that is torn, from another version or for
//! another root is ignored (and replaced).

use std::collections::HashMap;
use std::fs::{self, Metadata};
use std::io::{self, Write as _};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest as _, Sha256};

/// The file format's magic and version.
const MAGIC: &[u8; 8] = b"msmhc\0\0\x01";
/// Entries kept per context root (about 100 bytes each on disk).
pub(super) const MAX_ENTRIES: usize = 100_000;
/// How recent a timestamp must not be for a hash to be remembered.
const RACY: Duration = Duration::from_secs(2);

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// What an entry's validity depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    mode: u32,
}

impl Stamp {
    fn of(meta: &Metadata) -> Stamp {
        Stamp {
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            mode: meta.mode(),
        }
    }
}

/// A remembered file: its content sha256 and `security.capability`.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    stamp: Stamp,
    pub(super) sha256: [u8; 32],
    pub(super) cap: Option<Vec<u8>>,
    /// Looked up or recorded by this process (kept first when pruning).
    used: bool,
}

/// The entries of one context root.
#[derive(Debug, Default)]
pub(super) struct Table {
    entries: HashMap<(u64, u64), Entry>,
    dirty: bool,
    /// Timestamps at or after this are too recent to remember.
    racy_after: (i64, i64),
}

impl Table {
    /// The entry for the file `meta` describes, if its metadata is unchanged.
    pub(super) fn get(&mut self, meta: &Metadata) -> Option<&Entry> {
        let e = self.entries.get_mut(&(meta.dev(), meta.ino()))?;
        if e.stamp != Stamp::of(meta) {
            return None;
        }
        e.used = true;
        Some(e)
    }

    /// Records the hash and capability read for the file `meta` describes
    /// (`meta` taken before reading), unless its timestamps are too recent.
    pub(super) fn put(&mut self, meta: &Metadata, sha256: [u8; 32], cap: Option<Vec<u8>>) {
        let stamp = Stamp::of(meta);
        if stamp.mtime.max(stamp.ctime) >= self.racy_after {
            return;
        }
        self.entries.insert(
            (meta.dev(), meta.ino()),
            Entry {
                stamp,
                sha256,
                cap,
                used: true,
            },
        );
        self.dirty = true;
    }

    /// Sets the time against which recent timestamps are judged: now.
    pub(super) fn start(&mut self) {
        let now = SystemTime::now()
            .checked_sub(RACY)
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .unwrap_or_default();
        self.racy_after = (now.as_secs() as i64, now.subsec_nanos() as i64);
    }

    #[cfg(test)]
    pub(super) fn insert_for_test(&mut self, meta: &Metadata, sha256: [u8; 32]) {
        self.entries.insert(
            (meta.dev(), meta.ino()),
            Entry {
                stamp: Stamp::of(meta),
                sha256,
                cap: None,
                used: true,
            },
        );
    }

    fn encode(&self, root: &[u8]) -> Vec<u8> {
        let mut keep: Vec<_> = self.entries.iter().collect();
        if keep.len() > MAX_ENTRIES {
            // Entries this process used first, then any others.
            keep.sort_by_key(|(_, e)| !e.used);
            keep.truncate(MAX_ENTRIES);
        }
        let mut out = Vec::with_capacity(64 + root.len() + keep.len() * 96);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(root.len() as u32).to_le_bytes());
        out.extend_from_slice(root);
        out.extend_from_slice(&(keep.len() as u64).to_le_bytes());
        for ((dev, ino), e) in keep {
            for v in [*dev, *ino, e.stamp.size] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            for v in [
                e.stamp.mtime.0,
                e.stamp.mtime.1,
                e.stamp.ctime.0,
                e.stamp.ctime.1,
            ] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.extend_from_slice(&e.stamp.mode.to_le_bytes());
            out.extend_from_slice(&e.sha256);
            match &e.cap {
                // A capability xattr is at most a few dozen bytes.
                Some(cap) if cap.len() < u16::MAX as usize => {
                    out.extend_from_slice(&(cap.len() as u16 + 1).to_le_bytes());
                    out.extend_from_slice(cap);
                }
                _ => out.extend_from_slice(&0u16.to_le_bytes()),
            }
        }
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        out
    }

    /// The table in `data`, or `None` when it is torn, of another format
    /// version or for another root.
    fn decode(data: &[u8], root: &[u8]) -> Option<Table> {
        let body = data.get(..data.len().checked_sub(32)?)?;
        if Sha256::digest(body)[..] != data[body.len()..] {
            return None;
        }
        let mut r = Reader(body);
        if r.take(MAGIC.len())? != MAGIC {
            return None;
        }
        let len = u32::from_le_bytes(r.array()?) as usize;
        if r.take(len)? != root {
            return None;
        }
        let count = u64::from_le_bytes(r.array()?);
        if count > MAX_ENTRIES as u64 {
            return None;
        }
        let mut entries = HashMap::with_capacity(count as usize);
        for _ in 0..count {
            let dev = u64::from_le_bytes(r.array()?);
            let ino = u64::from_le_bytes(r.array()?);
            let size = u64::from_le_bytes(r.array()?);
            let mut t = [0i64; 4];
            for v in &mut t {
                *v = i64::from_le_bytes(r.array()?);
            }
            let mode = u32::from_le_bytes(r.array()?);
            let sha256: [u8; 32] = r.array()?;
            let cap = match u16::from_le_bytes(r.array()?) {
                0 => None,
                n => Some(r.take(n as usize - 1)?.to_vec()),
            };
            let stamp = Stamp {
                size,
                mtime: (t[0], t[1]),
                ctime: (t[2], t[3]),
                mode,
            };
            entries.insert(
                (dev, ino),
                Entry {
                    stamp,
                    sha256,
                    cap,
                    used: false,
                },
            );
        }
        if !r.0.is_empty() {
            return None;
        }
        Some(Table {
            entries,
            dirty: false,
            racy_after: (0, 0),
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
}

/// Where a context's table is kept, and the table once loaded.
#[derive(Default)]
struct State {
    /// `<store>/hashcache/<hex>`, once a store is given.
    file: Option<PathBuf>,
    /// The store's directory for temporary files.
    temp_dir: PathBuf,
    /// The canonical context root (recorded in the file).
    root: Vec<u8>,
    table: Option<Table>,
}

/// A context's hash cache, shared by its clones; inactive until
/// [`Shared::configure`] names a store.
#[derive(Default)]
pub(super) struct Shared(Mutex<State>);

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HashCache")
    }
}

impl Shared {
    /// Keeps the cache of the context at `root` in the store at
    /// `store_root` (temporary files in `temp_dir`, on the store's
    /// filesystem). A root that cannot be canonicalized gets no cache.
    pub(super) fn configure(&self, root: &Path, store_root: &Path, temp_dir: &Path) {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let Ok(canonical) = fs::canonicalize(root) else {
            return;
        };
        let root = canonical.as_os_str().as_bytes().to_vec();
        let name = super::super::oci::Digest::of(&root);
        let file = store_root.join("hashcache").join(name.hex());
        if state.file.as_ref() == Some(&file) {
            return;
        }
        *state = State {
            file: Some(file),
            temp_dir: temp_dir.to_path_buf(),
            root,
            table: None,
        };
    }

    /// Runs `f` with the table (loaded on first use), or with `None` when
    /// no store was configured; then saves the table if `f` changed it.
    pub(super) fn with<T>(&self, f: impl FnOnce(Option<&mut Table>) -> T) -> T {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let State {
            file,
            temp_dir,
            root,
            table,
        } = &mut *state;
        let Some(file) = file.as_deref() else {
            return f(None);
        };
        let table = table.get_or_insert_with(|| {
            fs::read(file)
                .ok()
                .and_then(|data| Table::decode(&data, root))
                .unwrap_or_default()
        });
        table.start();
        let out = f(Some(table));
        if table.dirty {
            // A cache that cannot be written only costs time.
            if save(file, temp_dir, &table.encode(root)).is_ok() {
                table.dirty = false;
            }
        }
        out
    }
}

/// Writes `data` to `file` through a temporary file and a rename (the
/// content is checksummed, so a torn file after a crash is only ignored).
fn save(file: &Path, temp_dir: &Path, data: &[u8]) -> io::Result<()> {
    if let Some(dir) = file.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::create_dir_all(temp_dir)?;
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp = temp_dir.join(format!("hashcache-{}-{n}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&temp)?;
        f.write_all(data)?;
        fs::rename(&temp, file)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let d =
                std::env::temp_dir().join(format!("msmigrate-hc-{}-{name}", std::process::id()));
            fs::create_dir_all(&d).unwrap();
            TempDir(d)
        }

        fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn meta_of(dir: &Path, name: &str, content: &str) -> Metadata {
        let p = dir.join(name);
        fs::write(&p, content).unwrap();
        fs::symlink_metadata(&p).unwrap()
    }

    #[test]
    fn round_trip_and_rejects() {
        let dir = TempDir::new("round_trip_and_rejects");
        let mut t = Table::default();
        let a = meta_of(dir.path(), "a", "x");
        let b = meta_of(dir.path(), "b", "y");
        t.insert_for_test(&a, [1; 32]);
        t.entries.insert(
            (b.dev(), b.ino()),
            Entry {
                stamp: Stamp::of(&b),
                sha256: [2; 32],
                cap: Some(vec![9, 8, 7]),
                used: false,
            },
        );
        let data = t.encode(b"/ctx");
        let mut back = Table::decode(&data, b"/ctx").unwrap();
        assert_eq!(back.get(&a).unwrap().sha256, [1; 32]);
        let e = back.get(&b).unwrap();
        assert_eq!((e.sha256, e.cap.clone()), ([2; 32], Some(vec![9, 8, 7])));
        // Another root, a torn file, another version, a flipped bit.
        assert!(Table::decode(&data, b"/other").is_none());
        assert!(Table::decode(&data[..data.len() - 1], b"/ctx").is_none());
        assert!(Table::decode(&[], b"/ctx").is_none());
        let mut v = data.clone();
        v[7] = 2;
        assert!(Table::decode(&v, b"/ctx").is_none());
        let mut v = data.clone();
        v[20] ^= 1;
        assert!(Table::decode(&v, b"/ctx").is_none());
    }

    #[test]
    fn changed_metadata_misses() {
        let dir = TempDir::new("changed_metadata_misses");
        let mut t = Table::default();
        let a = meta_of(dir.path(), "a", "x");
        t.insert_for_test(&a, [1; 32]);
        let a2 = meta_of(dir.path(), "a", "xy");
        assert!(t.get(&a2).is_none());
    }

    #[test]
    fn recent_files_are_not_remembered() {
        let dir = TempDir::new("recent_files_are_not_remembered");
        let mut t = Table::default();
        t.start();
        let a = meta_of(dir.path(), "a", "x");
        t.put(&a, [1; 32], None);
        assert!(t.get(&a).is_none() && !t.dirty);
    }

    #[test]
    fn bounded() {
        let mut t = Table::default();
        let stamp = Stamp {
            size: 0,
            mtime: (0, 0),
            ctime: (0, 0),
            mode: 0,
        };
        for i in 0..(MAX_ENTRIES as u64 + 10) {
            t.entries.insert(
                (1, i),
                Entry {
                    stamp,
                    sha256: [0; 32],
                    cap: None,
                    used: i >= 10,
                },
            );
        }
        let back = Table::decode(&t.encode(b"/"), b"/").unwrap();
        assert_eq!(back.entries.len(), MAX_ENTRIES);
        assert!((0..10).all(|i| !back.entries.contains_key(&(1, i))));
    }
}
