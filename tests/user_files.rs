//! What `convert --write` and `lint --fix` do to the user's files (issue
//! 7): atomic replacement with mode and owner kept, nothing written outside
//! the directory named (symlinks included), a way back (`--backup`, or the
//! diff `--write` prints), and a tree left as it was — or wholly converted —
//! when the run is interrupted.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

mod common;

fn msmigrate(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_msmigrate"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("msm-userfiles-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// A copy of the convert case that writes a Dockerfile and its
/// `.dockerignore` (two files that must land together).
fn setup(name: &str) -> PathBuf {
    let dir = scratch(name);
    common::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/convert/ignore-merged-contexts/input"),
        &dir.join("setup"),
    );
    dir.join("setup")
}

/// Every file under `dir` with its content, sorted.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().display().to_string(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn write_keeps_mode_and_owner_and_prints_the_way_back() {
    let dir = setup("write");
    let runtime = dir.join("runtime/Dockerfile");
    let before = snapshot(&dir);
    fs::set_permissions(&runtime, fs::Permissions::from_mode(0o640)).unwrap();
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        std::os::unix::fs::chown(&runtime, Some(1234), Some(4321)).unwrap();
    }
    let out = msmigrate(&["convert", "--write", "--backup", "."], &dir);
    assert!(out.status.success(), "{}", text(&out));
    let meta = fs::metadata(&runtime).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o640);
    if root {
        assert_eq!((meta.uid(), meta.gid()), (1234, 4321));
    }
    // --backup kept the old file.
    let old = &before
        .iter()
        .find(|(n, _)| n == "runtime/Dockerfile")
        .unwrap()
        .1;
    assert_eq!(&fs::read(dir.join("runtime/Dockerfile.orig")).unwrap(), old);
    // The printed diff undoes the change: `git apply -R` of stdout brings
    // back the tree (less the backup).
    fs::remove_file(dir.join("runtime/Dockerfile.orig")).unwrap();
    let patch = dir.parent().unwrap().join("changes.patch");
    fs::write(&patch, &out.stdout).unwrap();
    let undo = Command::new("git")
        .args(["apply", "-R", "--unsafe-paths", "-p1"])
        .arg(&patch)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(undo.status.success(), "{}", text(&undo));
    // git apply removes a file the patch created from nothing only when the
    // diff says so; an emptied .dockerignore is what was not there before.
    let after: Vec<_> = snapshot(&dir)
        .into_iter()
        .filter(|(_, c)| !c.is_empty())
        .collect();
    assert_eq!(after, before);
    fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

#[test]
fn symlinks_out_of_the_directory_are_not_written() {
    let dir = setup("symlink");
    let outside = dir.parent().unwrap().join("outside-Dockerfile");
    let runtime = dir.join("runtime/Dockerfile");
    fs::rename(&runtime, &outside).unwrap();
    std::os::unix::fs::symlink(&outside, &runtime).unwrap();
    let before = fs::read(&outside).unwrap();
    let tree_before = snapshot(&dir);
    let out = msmigrate(&["convert", "--write", "."], &dir);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("outside"), "{}", text(&out));
    assert_eq!(fs::read(&outside).unwrap(), before);
    assert!(
        fs::symlink_metadata(&runtime)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // Nothing else changed either: the run is all or nothing.
    assert_eq!(snapshot(&dir), tree_before);

    // A link to a file inside the directory is written through.
    let inside = dir.join("runtime/Dockerfile.real");
    fs::remove_file(&runtime).unwrap();
    fs::copy(&outside, &inside).unwrap();
    std::os::unix::fs::symlink("Dockerfile.real", &runtime).unwrap();
    let out = msmigrate(&["convert", "--write", "."], &dir);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        fs::symlink_metadata(&runtime)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::read_to_string(&inside)
            .unwrap()
            .contains("COPY --from=")
    );
    fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

#[test]
fn lint_fix_is_atomic_keeps_mode_backs_up_and_stays_inside() {
    let dir = scratch("fix");
    let dockerfile = dir.join("Dockerfile");
    let original = "FROM alpine:3.19\nRUN apk add curl\nCMD [\"sh\"]\n";
    fs::write(&dockerfile, original).unwrap();
    fs::set_permissions(&dockerfile, fs::Permissions::from_mode(0o600)).unwrap();
    let out = msmigrate(&["lint", "--fix", "--backup", "Dockerfile"], &dir);
    assert!(
        text(&out).contains("fixed"),
        "no fix applied: {}",
        text(&out)
    );
    let fixed = fs::read_to_string(&dockerfile).unwrap();
    assert!(fixed.contains("apk add --no-cache curl"), "{fixed}");
    assert_eq!(fs::metadata(&dockerfile).unwrap().mode() & 0o7777, 0o600);
    assert_eq!(
        fs::read_to_string(dir.join("Dockerfile.orig")).unwrap(),
        original
    );
    let leftovers: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A Dockerfile in a walked tree that links out of it is not written.
    let tree = dir.join("tree");
    fs::create_dir_all(&tree).unwrap();
    let outside = dir.join("elsewhere.Dockerfile");
    fs::write(&outside, original).unwrap();
    std::os::unix::fs::symlink(&outside, tree.join("Dockerfile")).unwrap();
    let out = msmigrate(&["lint", "--fix", "tree/Dockerfile"], &dir);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(fs::read_to_string(&outside).unwrap(), original);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_interrupted_write_leaves_the_old_tree_or_the_new_one() {
    let dir = setup("interrupt");
    let old = snapshot(&dir);
    // The converted tree, made once.
    let reference = dir.parent().unwrap().join("reference");
    common::copy_tree(&dir, &reference);
    let out = msmigrate(&["convert", "--write", "."], &reference);
    assert!(out.status.success(), "{}", text(&out));
    let new = snapshot(&reference);
    assert_ne!(old, new);

    let pristine = dir.parent().unwrap().join("pristine");
    common::copy_tree(&dir, &pristine);
    let mut rng = common::Rng(0x5eed_1234);
    let (mut interrupted, mut finished) = (0, 0);
    for _ in 0..60 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_msmigrate"))
            .args(["convert", "--write", "."])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(40_000) as u64));
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        let status = child.wait().unwrap();
        let now = snapshot(&dir);
        if now == new {
            finished += 1;
            fs::remove_dir_all(&dir).unwrap();
            common::copy_tree(&pristine, &dir);
        } else {
            assert_eq!(now, old, "a half-written tree after {status:?}");
            interrupted += 1;
        }
    }
    eprintln!("interrupted before writing: {interrupted}, finished: {finished}");
    assert!(interrupted > 0, "no run was interrupted");
    fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}
