//! The stage executor's scheduling and its overlay-less fallback:
//!
//! - independent stages build at the same time, and the image equals the
//!   one a build of one stage at a time (`MSMIGRATE_BUILD_JOBS=1`) makes;
//! - a stage that fails among parallel ones stops the build with its error
//!   and leaves no mount and no work directory behind;
//! - steps run without overlayfs (`MSMIGRATE_NO_OVERLAY=1`: a copy of the
//!   stage's filesystem and a snapshot diff) give the same images as with
//!   it, on every `testdata/builder/cases` case and on cases made to
//!   exercise the diff (deletes, opaque directories, hardlinks, chmod and
//!   chown of lower files, setuid, symlinks, renames).
//!
//! Root only (namespaces, overlay mounts): the tests skip loudly otherwise,
//! and fail instead with MSMIGRATE_REQUIRE_ROOT=1. The base image is
//! `busybox:latest` from the local Docker engine when it has it, else one
//! made here from the host's static busybox.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use msmigrate::builder::build::{self, BuildOptions, Progress, Step};
use msmigrate::builder::sandbox;
use msmigrate::builder::store::Store;

fn msmigrate() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_msmigrate"));
    // Never reach for the network or the caller's own settings.
    cmd.env("MSMIGRATE_OFFLINE", "1")
        .env_remove("MSMIGRATE_BUILD_JOBS")
        .env_remove("MSMIGRATE_NO_OVERLAY");
    cmd
}

fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("msmigrate-par-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `busybox:latest` as a saved image, made once per test process: from
/// Docker when it has it, else from the host's static busybox (installed
/// when missing) with a passwd and group like busybox's.
fn base_tar() -> &'static Path {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| {
        let dir = scratch("base");
        let saved = dir.join("busybox.tar");
        let docker = std::env::var("DOCKER").unwrap_or_else(|_| "/usr/bin/docker".into());
        let from_docker = Command::new(&docker)
            .args(["save", "-o"])
            .arg(&saved)
            .arg("busybox:latest")
            .output()
            .is_ok_and(|o| o.status.success());
        if from_docker {
            return saved;
        }
        eprintln!("note: busybox:latest not in Docker; making a base from the host's busybox");
        let busybox = Path::new("/bin/busybox");
        if !busybox.exists() {
            let ok = Command::new("apt-get")
                .args(["install", "-y", "busybox-static"])
                .status();
            assert!(ok.is_ok_and(|s| s.success()), "busybox-static is needed");
        }
        let root = dir.join("rootfs");
        for d in ["bin", "etc", "tmp", "root", "home", "var", "usr/bin"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::copy(busybox, root.join("bin/busybox")).unwrap();
        let list = Command::new(busybox).arg("--list").output().unwrap();
        for applet in String::from_utf8(list.stdout).unwrap().lines() {
            let _ = std::fs::hard_link(root.join("bin/busybox"), root.join("bin").join(applet));
        }
        std::fs::write(
            root.join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
        )
        .unwrap();
        std::fs::write(
            root.join("etc/group"),
            "root:x:0:\napp:x:1000:\nnogroup:x:65534:\n",
        )
        .unwrap();
        let rootfs = dir.join("rootfs.tar");
        let mut tar = tar::Builder::new(std::fs::File::create(&rootfs).unwrap());
        tar.follow_symlinks(false);
        tar.append_dir_all(".", &root).unwrap();
        tar.finish().unwrap();
        drop(tar);
        let store = dir.join("store");
        run(msmigrate()
            .args(["image", "import", "--store"])
            .arg(&store)
            .arg(&rootfs)
            .arg("busybox:latest"))
        .unwrap();
        run(msmigrate()
            .args(["image", "save", "--store"])
            .arg(&store)
            .arg("-o")
            .arg(&saved)
            .arg("busybox:latest"))
        .unwrap();
        saved
    })
}

/// A fresh store holding the base image.
fn store_with_base(dir: &Path) -> PathBuf {
    let store = dir.join("store");
    run(msmigrate()
        .args(["image", "load", "--store"])
        .arg(&store)
        .arg("-i")
        .arg(base_tar()))
    .unwrap();
    store
}

/// Builds `ctx` into `store` with `env`; returns the image ID.
fn build_id(
    store: &Path,
    ctx: &Path,
    extra: &[String],
    env: &[(&str, &str)],
) -> Result<String, String> {
    let mut cmd = msmigrate();
    cmd.args(["build", "-q", "--store"])
        .arg(store)
        .args(extra)
        .arg(ctx)
        .env("SOURCE_DATE_EPOCH", "0");
    for (k, v) in env {
        cmd.env(k, v);
    }
    Ok(run(&mut cmd)?.trim().to_string())
}

/// The diff IDs of an image in a store, to say which layers differ.
fn diff_ids(store: &Path, id: &str) -> Vec<String> {
    let store = Store::open(store).unwrap();
    match store.resolve(id) {
        Ok(Some(image)) => image.layers.iter().map(|l| l.diff_id.0.clone()).collect(),
        _ => vec![format!("({id} not found)")],
    }
}

// ---------------------------------------------------------------------------
// Parallel stages
// ---------------------------------------------------------------------------

/// Three independent stages that each sleep a second, recording when they
/// ran (`/proc/uptime`: busybox's date has no `%N`) in a cache mount (outside the image, so the image stays the same
/// from build to build), and a final stage that copies from all three.
const THREE_STAGES: &str = r#"FROM busybox:latest AS one
RUN --mount=type=cache,target=/times,id=times cat /proc/uptime > /times/one.start && sleep 1 && echo one > /one && cat /proc/uptime > /times/one.end
FROM busybox:latest AS two
RUN --mount=type=cache,target=/times,id=times cat /proc/uptime > /times/two.start && sleep 1 && echo two > /two && cat /proc/uptime > /times/two.end
FROM busybox:latest AS three
RUN --mount=type=cache,target=/times,id=times cat /proc/uptime > /times/three.start && sleep 1 && echo three > /three && cat /proc/uptime > /times/three.end
FROM busybox:latest
COPY --from=one /one /
COPY --from=two /two /
COPY --from=three /three /
"#;

/// (start, end) of each stage's RUN, from the cache mount's directory.
fn intervals(store: &Path) -> BTreeMap<String, (f64, f64)> {
    let mut out = BTreeMap::new();
    for dir in std::fs::read_dir(store.join("cache-mounts")).unwrap() {
        let dir = dir.unwrap().path();
        for name in ["one", "two", "three"] {
            let read = |ext: &str| -> Option<f64> {
                // /proc/uptime: seconds since boot, to the centisecond.
                std::fs::read_to_string(dir.join(format!("{name}.{ext}")))
                    .ok()?
                    .split_whitespace()
                    .next()?
                    .parse()
                    .ok()
            };
            if let (Some(s), Some(e)) = (read("start"), read("end")) {
                out.insert(name.to_string(), (s, e));
            }
        }
    }
    out
}

#[test]
fn independent_stages_build_at_once_and_give_the_sequential_image() {
    if !common::have_root("the stage executor's tests") {
        return;
    }
    let dir = scratch("three");
    let ctx = dir.join("ctx");
    std::fs::create_dir_all(&ctx).unwrap();
    std::fs::write(ctx.join("Dockerfile"), THREE_STAGES).unwrap();

    let parallel_store = store_with_base(&dir.join("parallel"));
    let started = std::time::Instant::now();
    let parallel = build_id(&parallel_store, &ctx, &[], &[("MSMIGRATE_BUILD_JOBS", "3")]).unwrap();
    let parallel_time = started.elapsed();
    let times = intervals(&parallel_store);
    assert_eq!(times.len(), 3, "every stage ran: {times:?}");
    // Concurrency, shown by the intervals themselves (not by wall time):
    // some two of the RUNs were running at the same moment.
    let list: Vec<(&String, &(f64, f64))> = times.iter().collect();
    let mut overlapping = Vec::new();
    for (i, (a, (sa, ea))) in list.iter().enumerate() {
        for (b, (sb, eb)) in &list[i + 1..] {
            if sa < eb && sb < ea {
                overlapping.push(format!("{a}/{b}"));
            }
        }
    }
    assert!(
        !overlapping.is_empty(),
        "no two stages ran at the same time: {times:?}"
    );

    let sequential_store = store_with_base(&dir.join("sequential"));
    let started = std::time::Instant::now();
    let sequential = build_id(
        &sequential_store,
        &ctx,
        &[],
        &[("MSMIGRATE_BUILD_JOBS", "1")],
    )
    .unwrap();
    let sequential_time = started.elapsed();
    let times = intervals(&sequential_store);
    let list: Vec<&(f64, f64)> = times.values().collect();
    for (i, (sa, ea)) in list.iter().enumerate() {
        for (sb, eb) in &list[i + 1..] {
            assert!(
                !(sa < eb && sb < ea),
                "MSMIGRATE_BUILD_JOBS=1 ran stages at once: {times:?}"
            );
        }
    }
    assert_eq!(
        parallel, sequential,
        "the parallel build's image differs from the sequential one's"
    );
    eprintln!(
        "three 1 s stages: parallel {:.2}s (overlaps {overlapping:?}), sequential {:.2}s",
        parallel_time.as_secs_f64(),
        sequential_time.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Collects what a build reports.
#[derive(Default)]
struct Record {
    started: Vec<String>,
    log: Vec<u8>,
}

impl Progress for Record {
    fn start(&mut self, label: &str, _text: &str) {
        self.started.push(label.to_string());
    }
    fn done(&mut self, _step: &Step) {}
    fn log(&mut self) -> &mut dyn Write {
        &mut self.log
    }
}

/// Mounts below `dir` (others on the host come and go on their own).
fn mounts_under(dir: &Path) -> usize {
    let dir = dir.to_str().unwrap();
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter(|l| l.contains(dir))
        .count()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A scratch directory `name` with `dockerfile` in its context, a store
/// with the base image, and the options to build it in this process (the
/// RUN helper being the msmigrate binary).
fn setup_in_process(name: &str, dockerfile: &str) -> (PathBuf, PathBuf, Store, BuildOptions) {
    sandbox::set_helper_executable(env!("CARGO_BIN_EXE_msmigrate").into());
    let dir = scratch(name);
    let ctx = dir.join("ctx");
    std::fs::create_dir_all(&ctx).unwrap();
    std::fs::write(ctx.join("Dockerfile"), dockerfile).unwrap();
    let store_dir = store_with_base(&dir);
    let store = Store::open(&store_dir).unwrap();
    let options = BuildOptions {
        dockerfile: ctx.join("Dockerfile"),
        context: ctx,
        source_date_epoch: Some(0),
        ..BuildOptions::default()
    };
    (dir, store_dir, store, options)
}

#[test]
fn a_failing_stage_stops_the_build_and_leaves_nothing_behind() {
    if !common::have_root("the stage executor's tests") {
        return;
    }
    // In this process, so that its mounts are ours to count. Stage `bad`
    // fails at once while `slow` runs (printing for 5 s); `late` (after
    // them in the order stages start) and the final stage must never start.
    let (dir, _store_dir, store, options) = setup_in_process(
        "fail",
        "FROM busybox:latest AS slow\n\
         RUN for i in $(seq 1 50); do echo tick $i; sleep 0.1; done && echo slow > /slow\n\
         FROM busybox:latest AS bad\n\
         RUN echo failing && exit 3\n\
         FROM busybox:latest AS late\n\
         RUN echo late > /late\n\
         FROM busybox:latest\n\
         COPY --from=slow /slow /\n\
         COPY --from=bad /bad /\n\
         COPY --from=late /late /\n",
    );
    let temp_before = entries(&store.temp_dir());
    let mounts_before = mounts_under(&dir);
    let mut record = Record::default();
    // Two stages at a time, whatever the machine.
    let result = with_jobs(2, || build::build(&store, &options, &mut record));
    let error = result.expect_err("the build fails");
    assert!(
        error.message.contains("exit code: 3"),
        "not the failing stage's error: {}",
        error.message
    );
    assert!(error.span.is_some(), "the error points at the RUN");
    assert_eq!(mounts_under(&dir), mounts_before, "mounts left behind");
    assert_eq!(
        entries(&store.temp_dir()),
        temp_before,
        "work directories left behind"
    );
    let log = String::from_utf8_lossy(&record.log);
    assert!(log.contains("failing"), "the RUN's output is shown: {log}");
    // The running stage was stopped: its command was killed at its next
    // line of output rather than left to run its 5 s.
    assert!(
        !log.contains("tick 50"),
        "the slow stage was not stopped: {log}"
    );
    assert!(
        !record
            .started
            .iter()
            .any(|l| l.starts_with("[late") || l.starts_with("[stage-3")),
        "stages started after the failure: {:?}",
        record.started
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `f` with MSMIGRATE_BUILD_JOBS=`n` (the tests of this file that
/// read it in-process take this lock).
fn with_jobs<T>(n: usize, f: impl FnOnce() -> T) -> T {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _held = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: only this file's tests touch the environment, under LOCK;
    // the other tests read variables of their own children only.
    unsafe { std::env::set_var("MSMIGRATE_BUILD_JOBS", n.to_string()) };
    let out = f();
    unsafe { std::env::remove_var("MSMIGRATE_BUILD_JOBS") };
    out
}

// ---------------------------------------------------------------------------
// Without overlayfs
// ---------------------------------------------------------------------------

/// Cases for the snapshot diff beyond testdata's: what overlayfs does to
/// lower files that a plain copy must reproduce.
const DIFF_CASES: &[(&str, &str)] = &[
    (
        "lower-chmod-chown-noop",
        "FROM busybox:latest\n\
         RUN chmod 600 /etc/passwd && chown 1000:1000 /etc/group && chown root:root /etc/shadow 2>/dev/null; chown 0:0 /bin && touch -r /etc/passwd /etc/passwd\n",
    ),
    (
        "lower-setuid-and-sticky",
        "FROM busybox:latest\n\
         RUN chmod u+s /bin/busybox && mkdir -p /var/spool && chmod 1777 /var/spool\n",
    ),
    (
        "deletes-share-a-whiteout",
        "FROM busybox:latest\n\
         RUN mkdir -p /d/e && echo 1 > /d/e/f && echo 2 > /d/g && echo 3 > /h && echo 4 > /i\n\
         RUN rm -rf /d /h /i /etc/group\n",
    ),
    (
        "rename-lower-file",
        "FROM busybox:latest\n\
         RUN echo a > /a && echo b > /b && mkdir /dir && echo c > /dir/c\n\
         RUN mv /a /a2 && mv /b /dir/b && rm /dir/c && mv /dir /dir2\n",
    ),
    (
        "file-becomes-dir-and-back",
        "FROM busybox:latest\n\
         RUN echo f > /f && mkdir -p /d/sub && echo x > /d/sub/x\n\
         RUN rm /f && mkdir /f && echo in > /f/in && rm -rf /d && echo now-a-file > /d\n",
    ),
    (
        "hardlink-to-lower",
        "FROM busybox:latest\n\
         RUN echo shared > /s && mkdir /links\n\
         RUN ln /s /links/s2 && ln /s /links/s3\n\
         RUN rm /links/s3\n",
    ),
    (
        "symlink-retarget",
        "FROM busybox:latest\n\
         RUN ln -s /etc/passwd /link && ln -s nowhere /dangling\n\
         RUN ln -sf /etc/group /link && rm /dangling && ln -s elsewhere /dangling\n",
    ),
    (
        "content-changed-mtime-kept",
        "FROM busybox:latest\n\
         RUN echo aaaa > /f && touch -d @1000000000 /f\n\
         RUN echo bbbb > /f.new && touch -r /f /f.new && cat /f.new > /f && touch -d @1000000000 /f && rm /f.new\n",
    ),
    (
        "opaque-in-lower-then-changed",
        "FROM busybox:latest\n\
         RUN mkdir -p /o && echo 1 > /o/one\n\
         RUN rm -rf /o && mkdir /o && echo 2 > /o/two\n\
         RUN echo 3 > /o/three && rm /o/two\n",
    ),
    (
        // The context's `capfile` carries a security.capability (set below).
        "capability-xattr",
        "FROM busybox:latest\n\
         COPY capfile /cap1\n\
         COPY capfile /cap2\n\
         RUN chmod 700 /cap1 && ln /cap2 /cap3 && cp -a /cap2 /cap4\n",
    ),
    (
        "copy-into-dir-with-many",
        "FROM busybox:latest\n\
         RUN mkdir /m && for i in $(seq 1 300); do echo $i > /m/f$i; done\n\
         COPY Dockerfile /m/\n\
         RUN rm /m/f1 /m/f2 && chmod 700 /m/f3 && chown 1:1 /m/f4\n",
    ),
];

/// The case's context in `work` (testdata is never written), with the
/// generated inputs builder_e2e adds.
fn prepare(case: &Path, work: &Path) -> PathBuf {
    let ctx = work.join(case.file_name().unwrap());
    common::copy_tree(case, &ctx);
    if ctx.join("many").is_dir() {
        for i in 0..4000 {
            std::fs::write(
                ctx.join("many").join(format!("file{i:04}")),
                format!("{i}\n"),
            )
            .unwrap();
        }
    }
    ctx
}

fn case_args(case: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(case.join("options")).unwrap_or_default();
    let mut args = Vec::new();
    for line in text.lines() {
        if let Some(t) = line.strip_prefix("target=") {
            args.extend(["--target".to_string(), t.to_string()]);
        } else if let Some(a) = line.strip_prefix("arg=") {
            args.extend(["--build-arg".to_string(), a.to_string()]);
        }
    }
    args
}

#[test]
fn without_overlayfs_the_images_are_the_same() {
    if !common::have_root("the stage executor's tests") {
        return;
    }
    let dir = scratch("fallback");
    let work = dir.join("ctx");
    std::fs::create_dir_all(&work).unwrap();
    let mut cases: Vec<(String, PathBuf)> = Vec::new();
    let root_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/builder/cases");
    for case in common::case_dirs(&root_dir, "Dockerfile") {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        cases.push((name, prepare(&case, &work)));
    }
    assert!(cases.len() >= 30, "only {} testdata cases", cases.len());
    for (name, text) in DIFF_CASES {
        let ctx = work.join(name);
        std::fs::create_dir_all(&ctx).unwrap();
        std::fs::write(ctx.join("Dockerfile"), text).unwrap();
        if *name == "capability-xattr" {
            let file = ctx.join("capfile");
            std::fs::write(&file, "#!/bin/sh\n").unwrap();
            // cap_net_bind_service+ep (VFS_CAP_REVISION_2).
            let cap = [1u8, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
            xattr::set(&file, "security.capability", &cap).unwrap();
        }
        cases.push((name.to_string(), ctx));
    }
    // One store per mode, so that neither takes the other's cached steps.
    let overlay_store = store_with_base(&dir.join("overlay"));
    let copy_store = store_with_base(&dir.join("copy"));
    let mut failures = Vec::new();
    let (mut overlay_time, mut copy_time) = (0.0, 0.0);
    for (name, ctx) in &cases {
        let args = case_args(ctx);
        let t = std::time::Instant::now();
        let with = build_id(&overlay_store, ctx, &args, &[]);
        overlay_time += t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        let without = build_id(&copy_store, ctx, &args, &[("MSMIGRATE_NO_OVERLAY", "1")]);
        copy_time += t.elapsed().as_secs_f64();
        match (with, without) {
            (Ok(a), Ok(b)) if a == b => {}
            (Ok(a), Ok(b)) => failures.push(format!(
                "== {name}: {a} with overlayfs, {b} without\n  layers with:    {:?}\n  layers without: {:?}",
                diff_ids(&overlay_store, &a),
                diff_ids(&copy_store, &b)
            )),
            (a, b) => failures.push(format!("== {name}: with overlayfs {a:?}\nwithout {b:?}")),
        }
    }
    eprintln!(
        "{} cases: {overlay_time:.1}s with overlayfs, {copy_time:.1}s with copies",
        cases.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} of {} cases differ without overlayfs:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn a_silent_run_is_killed_when_another_stage_fails() {
    if !common::have_root("the stage executor's tests") {
        return;
    }
    // `quiet` prints nothing: only the cancel handle can stop it. Had it
    // run to its end, it would leave `finished` in its cache mount.
    let (dir, store_dir, store, options) = setup_in_process(
        "silent",
        "FROM busybox:latest AS quiet\n\
         RUN --mount=type=cache,target=/c,id=quiet sleep 5 && touch /c/finished\n\
         FROM busybox:latest AS bad\n\
         RUN exit 3\n\
         FROM busybox:latest\n\
         COPY --from=quiet /etc/passwd /a\n\
         COPY --from=bad /etc/passwd /b\n",
    );
    let mut record = Record::default();
    let result = with_jobs(2, || build::build(&store, &options, &mut record));
    let error = result.expect_err("the build fails");
    assert!(error.message.contains("exit code: 3"), "{}", error.message);
    let finished: Vec<_> = walkdir::WalkDir::new(&store_dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "finished")
        .map(|e| e.path().display().to_string())
        .collect();
    assert!(
        finished.is_empty(),
        "the silent RUN ran to its end: {finished:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
