//! RUN's sandbox, seen from the host (issue 7): no network unless asked,
//! kernel interfaces hidden as Docker hides them (compared with the engine),
//! no view of the host's mounts, and nothing left behind — no process, no
//! mount, no work directory — after a RUN that succeeds, fails, times out,
//! or is interrupted with SIGINT.
//!
//! Processes are found by scanning /proc: every RUN process carries a
//! marker in its environment (an ENV of the Dockerfile), and the RUN
//! helpers are the children of the `msmigrate build` under test. Mounts are
//! counted in /proc/self/mountinfo.
//!
//! Root only: skips loudly otherwise (MSMIGRATE_REQUIRE_ROOT=1 fails).

use std::collections::BTreeSet;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

mod common;

use common::{busybox_rootfs, have_root};

struct Lab {
    dir: PathBuf,
    mark: String,
}

impl Lab {
    fn new(name: &str) -> Lab {
        let dir = std::env::temp_dir().join(format!("msm-contain-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("ctx")).unwrap();
        let tar = dir.join("rootfs.tar");
        fs::write(
            &tar,
            busybox_rootfs(&["sh", "cat", "sleep", "wget", "echo", "true"]),
        )
        .unwrap();
        let lab = Lab {
            mark: format!("msm-contain-{name}-{}", std::process::id()),
            dir,
        };
        let out = lab
            .command(&["image", "import", tar.to_str().unwrap(), "bb:latest"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        lab
    }
    fn store(&self) -> PathBuf {
        self.dir.join("store")
    }
    fn command(&self, args: &[&str]) -> Command {
        let mut full: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let at = if args[0] == "image" { 2 } else { 1 };
        full.insert(at, "--store".into());
        full.insert(at + 1, self.store().display().to_string());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_msmigrate"));
        cmd.args(full)
            .env("MSMIGRATE_OFFLINE", "1")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        cmd
    }
    /// Starts `msmigrate build` of `FROM bb` + the marker + `body`, with the
    /// image exported to `out.tar`.
    fn start_build(&self, body: &str, extra: &[&str], env: &[(&str, &str)]) -> Child {
        let dockerfile = format!("FROM bb:latest\nENV MSM_MARK={}\n{body}", self.mark);
        fs::write(self.dir.join("ctx/Dockerfile"), dockerfile).unwrap();
        let output = format!("docker-archive:{}", self.dir.join("out.tar").display());
        let mut args = vec!["build", "--no-cache", "-q", "--output", &output];
        args.extend_from_slice(extra);
        let ctx = self.dir.join("ctx").display().to_string();
        args.push(&ctx);
        let mut cmd = self.command(&args);
        cmd.envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.spawn().unwrap()
    }
    /// A file of the built image (the last layer that has it).
    fn image_file(&self, name: &str) -> Option<Vec<u8>> {
        let archive = fs::read(self.dir.join("out.tar")).ok()?;
        let mut found = None;
        let mut outer = tar::Archive::new(&archive[..]);
        for entry in outer.entries().unwrap() {
            let mut entry = entry.unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            let mut inner = tar::Archive::new(&data[..]);
            let Ok(entries) = inner.entries() else {
                continue;
            };
            for e in entries {
                let Ok(mut e) = e else { break };
                if e.path().is_ok_and(|p| p == Path::new(name)) {
                    let mut content = Vec::new();
                    e.read_to_end(&mut content).unwrap();
                    found = Some(content);
                }
            }
        }
        found
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// PIDs whose environment holds `mark`.
fn marked(mark: &str) -> Vec<i32> {
    let needle = format!("MSM_MARK={mark}");
    pids()
        .into_iter()
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|&b| b == 0).any(|kv| kv == needle.as_bytes()))
        })
        .collect()
}

fn pids() -> Vec<i32> {
    fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// Children of `parent` (from /proc/PID/stat's ppid field).
fn children(parent: u32) -> Vec<i32> {
    pids()
        .into_iter()
        .filter(|pid| {
            fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                    == Some(parent)
            })
        })
        .collect()
}

fn alive(pid: i32) -> bool {
    // A zombie is dead; its stat says Z.
    fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z")
    })
}

fn mount_count() -> usize {
    fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .count()
}

struct Ended {
    code: Option<i32>,
    stderr: String,
    took: Duration,
}

/// Runs a build to its end, optionally sending SIGINT once its RUN is
/// running, and checks that nothing is left behind.
fn contained_run(lab: &Lab, body: &str, env: &[(&str, &str)], interrupt: bool) -> Ended {
    let mounts_before = mount_count();
    let start = Instant::now();
    let mut child = lab.start_build(body, &[], env);
    let mut stderr = child.stderr.take().unwrap();
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut helpers = BTreeSet::new();
    let mut signalled = false;
    let status = loop {
        helpers.extend(children(child.id()));
        if interrupt && !signalled && !marked(&lab.mark).is_empty() {
            unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
            signalled = true;
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "the build did not end"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = start.elapsed();
    assert!(!interrupt || signalled, "the RUN never started");
    // Processes die with their namespace; give the kernel a moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    let leftovers = loop {
        let left: Vec<i32> = marked(&lab.mark)
            .into_iter()
            .chain(helpers.iter().copied().filter(|&p| alive(p)))
            .filter(|&p| alive(p))
            .collect();
        if left.is_empty() || Instant::now() > deadline {
            break left;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(leftovers.is_empty(), "processes left behind: {leftovers:?}");
    assert_eq!(mount_count(), mounts_before, "mounts left behind");
    let tmp = lab.store().join("tmp");
    let left: Vec<_> = fs::read_dir(&tmp)
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        left.is_empty(),
        "work files left in {}: {left:?}",
        tmp.display()
    );
    let run_dirs: Vec<_> = fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("msmigrate-run-{}-", child.id()))
        })
        .map(|e| e.path())
        .collect();
    assert!(run_dirs.is_empty(), "RUN scratch left: {run_dirs:?}");
    Ended {
        code: status.code(),
        stderr: err_thread.join().unwrap(),
        took,
    }
}

#[test]
fn nothing_is_left_after_success_failure_timeout_or_sigint() {
    if !have_root("sandbox containment tests") {
        return;
    }
    let lab = Lab::new("leftovers");

    // Success, with a daemon the command leaves running: it dies with the
    // RUN's PID namespace, as in a container.
    let ended = contained_run(&lab, "RUN sleep 300 & echo started\n", &[], false);
    assert_eq!(ended.code, Some(0), "{}", ended.stderr);

    // Failure, with the same daemon.
    let ended = contained_run(&lab, "RUN sleep 300 & exit 3\n", &[], false);
    assert_eq!(ended.code, Some(2), "{}", ended.stderr);
    assert!(ended.stderr.contains("exit code: 3") || ended.stderr.contains("3"));

    // The time limit.
    let ended = contained_run(
        &lab,
        "RUN sleep 300 & sleep 301\n",
        &[("MSMIGRATE_RUN_TIMEOUT", "2s")],
        false,
    );
    assert_eq!(ended.code, Some(2), "{}", ended.stderr);
    assert!(ended.stderr.contains("longer than"), "{}", ended.stderr);
    assert!(ended.took < Duration::from_secs(30));

    // Ctrl-C while the RUN runs: the conventional exit code 130.
    let ended = contained_run(&lab, "RUN sleep 300 & sleep 301\n", &[], true);
    assert_eq!(ended.code, Some(130), "{}", ended.stderr);
    assert!(ended.stderr.contains("interrupted"), "{}", ended.stderr);
    assert!(ended.took < Duration::from_secs(30));
}

/// An HTTP server on the host's loopback that counts connections.
fn counting_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            seen.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        }
    });
    (port, count)
}

fn finish(lab: &Lab, body: &str, extra: &[&str]) {
    let child = lab.start_build(body, extra, &[]);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn no_network_unless_asked() {
    if !have_root("sandbox containment tests") {
        return;
    }
    let lab = Lab::new("network");
    let (port, count) = counting_server();
    let body = format!(
        "RUN wget -q -O /got http://127.0.0.1:{port}/ 2>/wget.err; \
         cat /proc/net/dev > /ifaces; true\n"
    );
    finish(&lab, &body, &[]);
    assert_eq!(count.load(Ordering::SeqCst), 0, "RUN reached the host");
    let ifaces = String::from_utf8(lab.image_file("ifaces").unwrap()).unwrap();
    let names: Vec<&str> = ifaces
        .lines()
        .skip(2)
        .filter_map(|l| Some(l.split(':').next()?.trim()))
        .collect();
    assert_eq!(names, ["lo"], "{ifaces}");
    assert!(lab.image_file("got").is_none_or(|g| g.is_empty()));

    finish(&lab, &body, &["--network", "host"]);
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "--network host is the host's: {:?}",
        lab.image_file("wget.err").map(String::from_utf8)
    );
    assert_eq!(lab.image_file("got").as_deref(), Some(&b"hello"[..]));
}

#[test]
fn run_sees_none_of_the_host_mounts() {
    if !have_root("sandbox containment tests") {
        return;
    }
    let lab = Lab::new("mounts");
    finish(&lab, "RUN cat /proc/self/mountinfo > /mountinfo\n", &[]);
    let inside = String::from_utf8(lab.image_file("mountinfo").unwrap()).unwrap();
    let points: BTreeSet<&str> = inside
        .lines()
        .filter_map(|l| l.split_whitespace().nth(4))
        .collect();
    let allowed: BTreeSet<&str> = [
        "/",
        "/proc",
        "/dev",
        "/dev/pts",
        "/dev/shm",
        "/sys",
        "/etc/hosts",
        "/etc/resolv.conf",
    ]
    .into_iter()
    .chain(KERNEL_MASKS.iter().copied())
    .collect();
    assert!(
        points.is_subset(&allowed),
        "unexpected mounts inside RUN: {:?}\n{inside}",
        points.difference(&allowed).collect::<Vec<_>>()
    );
    // What the host has mounted beyond the basics never shows.
    let host = fs::read_to_string("/proc/self/mountinfo").unwrap();
    for point in host.lines().filter_map(|l| l.split_whitespace().nth(4)) {
        if !allowed.contains(point) {
            assert!(!points.contains(point), "host mount {point} visible");
        }
    }
}

#[test]
fn a_detached_container_in_verifys_docker_shim_cannot_hang_the_script() {
    if !have_root("sandbox containment tests") {
        return;
    }
    let lab = Lab::new("detached");
    let bin = lab.dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_msmigrate"), bin.join("docker")).unwrap();
    let start = Instant::now();
    let out = Command::new(bin.join("docker"))
        .args(["run", "-d", "--name", "svc", "bb:latest", "sleep", "1000"])
        .env("MSMIGRATE_STORE", lab.store())
        .env("MSMIGRATE_SHIM_DETACHED_TIMEOUT", "2s")
        .env("MSMIGRATE_OFFLINE", "1")
        .output()
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "docker run -d of a service hung the script"
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("longer than"), "{stderr}");
}

/// The mount points Docker puts over kernel interfaces (moby's masked and
/// read-only paths); a kernel shows the ones it has.
const KERNEL_MASKS: &[&str] = &[
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// The mounts below /proc and /sys of a mountinfo, with `ro` or `rw`.
fn kernel_mounts(mountinfo: &str) -> BTreeSet<(String, String)> {
    mountinfo
        .lines()
        .filter_map(|l| {
            let mut fields = l.split_whitespace().skip(4);
            let point = fields.next()?;
            let access = fields.next()?.split(',').next()?;
            (point.starts_with("/proc/") || point == "/sys/firmware")
                .then(|| (point.to_string(), access.to_string()))
        })
        .collect()
}

#[test]
fn kernel_interfaces_are_hidden_as_docker_hides_them() {
    if !have_root("sandbox containment tests") {
        return;
    }
    let lab = Lab::new("kernel");
    // A harmless write (the UTS namespace's domain name) stands for the
    // dangerous ones: kernel.core_pattern, /proc/sysrq-trigger.
    finish(
        &lab,
        "RUN cat /proc/self/mountinfo > /mountinfo; \
         (echo x > /proc/sys/kernel/domainname) 2> /write.err; true\n",
        &[],
    );
    let inside = String::from_utf8(lab.image_file("mountinfo").unwrap()).unwrap();
    let ours = kernel_mounts(&inside);
    assert!(
        ours.contains(&("/proc/sys".to_string(), "ro".to_string())),
        "/proc/sys is writable in RUN:\n{inside}"
    );
    let err = String::from_utf8(lab.image_file("write.err").unwrap()).unwrap();
    assert!(err.contains("Read-only file system"), "{err}");

    // The real engine, on this kernel, hides exactly the same.
    let docker = Command::new("/usr/bin/docker")
        .args(["run", "--rm", "--network", "none", "busybox:latest"])
        .args(["cat", "/proc/self/mountinfo"])
        .output();
    match docker {
        Ok(out) if out.status.success() => {
            let theirs = kernel_mounts(&String::from_utf8_lossy(&out.stdout));
            assert_eq!(ours, theirs, "ours (left) and Docker's (right)");
        }
        other => {
            let why = format!("docker run busybox:latest failed: {other:?}");
            assert!(
                std::env::var("MSMIGRATE_REQUIRE_DOCKER").as_deref() != Ok("1"),
                "{why}"
            );
            eprintln!("*** SKIPPED the comparison with Docker: {why} ***");
        }
    }
}
