//! The COPY key's content-hash cache (`Source::with_hash_cache`): a key
//! computed with the cache, cold or hot, equals the key computed without
//! it, whatever changed in the context since the cache was written.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use msmigrate::builder::copy::{self, Context, CopySpec, Source};
use msmigrate::builder::oci::Digest;
use msmigrate::builder::store::Store;

struct Dir(PathBuf);

impl Dir {
    fn new(what: &str) -> Dir {
        let d = std::env::temp_dir().join(format!(
            "msmigrate-copy-cache-{}-{what}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A context of 60 files in three directories, old enough (the cache does
/// not remember files changed in the last 2 s) for the cache to keep.
fn setup(what: &str) -> (Dir, PathBuf, Store) {
    let dir = Dir::new(what);
    let ctx = dir.0.join("ctx");
    for d in ["a", "b", "c"] {
        fs::create_dir_all(ctx.join(d)).unwrap();
        for i in 0..20 {
            fs::write(ctx.join(d).join(format!("f{i}")), format!("{d}{i}\n")).unwrap();
        }
    }
    fs::write(ctx.join("Dockerfile"), "FROM scratch\nCOPY . /t/\n").unwrap();
    let store = Store::open(&dir.0.join("store")).unwrap();
    std::thread::sleep(Duration::from_millis(2200));
    (dir, ctx, store)
}

fn spec<'a>(source: Source<'a>) -> CopySpec<'a> {
    CopySpec {
        sources: vec![".".into()],
        dest: "/t/".into(),
        workdir: "/".into(),
        source,
        chown: None,
        chmod: None,
        add: false,
        link: false,
        exclude: Vec::new(),
    }
}

fn open(ctx: &Path) -> Context {
    Context::open(ctx, &ctx.join("Dockerfile")).unwrap()
}

/// The key without any cache.
fn uncached(ctx: &Path) -> Digest {
    copy::cache_key(&spec(Source::Context(&open(ctx)))).unwrap()
}

fn cached(context: &Context, store: &Store) -> Digest {
    copy::cache_key(&spec(Source::Context(context).with_hash_cache(store))).unwrap()
}

fn cache_files(store: &Store) -> Vec<PathBuf> {
    fs::read_dir(store.root().join("hashcache"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[test]
fn unchanged_tree_same_key_cold_and_hot() {
    let (_dir, ctx, store) = setup("unchanged");
    let reference = uncached(&ctx);
    assert!(cache_files(&store).is_empty());
    let context = open(&ctx);
    assert_eq!(cached(&context, &store), reference, "cold");
    let files = cache_files(&store);
    assert_eq!(files.len(), 1, "one cache file per context root");
    let written = fs::read(&files[0]).unwrap();
    assert_eq!(cached(&context, &store), reference, "hot, in memory");
    assert_eq!(cached(&open(&ctx), &store), reference, "hot, from the file");
    assert_eq!(fs::read(&files[0]).unwrap(), written, "nothing to rewrite");
    // A torn or foreign file is ignored (and replaced).
    fs::write(&files[0], &written[..written.len() / 2]).unwrap();
    assert_eq!(cached(&open(&ctx), &store), reference, "torn");
    fs::write(&files[0], b"something else").unwrap();
    assert_eq!(cached(&open(&ctx), &store), reference, "foreign");
    assert_eq!(fs::read(&files[0]).unwrap().len(), written.len());
}

#[test]
fn content_change_with_mtime_restored_changes_key() {
    let (dir, ctx, store) = setup("touch-r");
    let context = open(&ctx);
    let before = cached(&context, &store);
    assert_eq!(before, uncached(&ctx));
    // Same size, other content, mtime put back: only the ctime differs.
    let file = ctx.join("b/f7");
    let reference = dir.0.join("mtime");
    fs::write(&reference, "").unwrap();
    let status = Command::new("touch")
        .arg("-r")
        .arg(&file)
        .arg(&reference)
        .status()
        .unwrap();
    assert!(status.success());
    let meta = fs::metadata(&file).unwrap();
    fs::write(&file, "B7\n").unwrap();
    let status = Command::new("touch")
        .arg("-r")
        .arg(&reference)
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    let after = fs::metadata(&file).unwrap();
    assert_eq!(
        (after.len(), after.modified().unwrap()),
        (meta.len(), meta.modified().unwrap())
    );
    let expected = uncached(&ctx);
    assert_ne!(expected, before);
    assert_eq!(cached(&context, &store), expected, "hot, in memory");
    assert_eq!(cached(&open(&ctx), &store), expected, "hot, from the file");
}

#[test]
fn deleted_and_renamed_files_change_key() {
    let (_dir, ctx, store) = setup("delete-rename");
    let context = open(&ctx);
    let before = cached(&context, &store);
    assert_eq!(before, uncached(&ctx));
    fs::rename(ctx.join("a/f3"), ctx.join("a/g3")).unwrap();
    let renamed = uncached(&ctx);
    assert_ne!(renamed, before);
    assert_eq!(cached(&context, &store), renamed);
    assert_eq!(cached(&open(&ctx), &store), renamed);
    fs::remove_file(ctx.join("c/f11")).unwrap();
    let deleted = uncached(&ctx);
    assert_ne!(deleted, renamed);
    assert_eq!(cached(&context, &store), deleted);
    assert_eq!(cached(&open(&ctx), &store), deleted);
    // A file swapped for another with the same size and mtime (a new
    // inode, or the other's inode).
    let (x, y) = (ctx.join("b/f1"), ctx.join("b/f2"));
    let t = fs::metadata(&x).unwrap().modified().unwrap();
    fs::rename(&x, ctx.join("tmp")).unwrap();
    fs::rename(&y, &x).unwrap();
    fs::rename(ctx.join("tmp"), &y).unwrap();
    for p in [&x, &y] {
        fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(t)
            .unwrap();
    }
    let swapped = uncached(&ctx);
    assert_ne!(swapped, deleted);
    assert_eq!(cached(&context, &store), swapped);
    assert_eq!(cached(&open(&ctx), &store), swapped);
}

#[test]
fn capability_change_changes_key() {
    let (_dir, ctx, store) = setup("capability");
    let context = open(&ctx);
    let before = cached(&context, &store);
    // VFS_CAP_REVISION_2, effective, permitted cap_net_bind_service.
    let mut cap = vec![0u8; 20];
    cap[..4].copy_from_slice(&0x0200_0001u32.to_le_bytes());
    cap[4..8].copy_from_slice(&(1u32 << 10).to_le_bytes());
    if xattr::set(ctx.join("a/f0"), "security.capability", &cap).is_err() {
        eprintln!("skipped: setting security.capability needs root");
        return;
    }
    let expected = uncached(&ctx);
    assert_ne!(expected, before);
    assert_eq!(cached(&context, &store), expected);
    // Once old enough, the file is remembered with its capability.
    std::thread::sleep(Duration::from_millis(2200));
    assert_eq!(cached(&context, &store), expected);
    assert_eq!(cached(&open(&ctx), &store), expected, "cap remembered");
}
