//! What the integration tests share: golden-file loops over case folders,
//! a deterministic random generator for mutation tests, and running a
//! `testdata/convert/<case>`. Each test crate uses part of it.
#![allow(dead_code)]

pub mod docker;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use msmigrate::convert::{self, Conversion};
use msmigrate::script::bash::{self, DirFiles};
use msmigrate::script::make;

/// Converts `<case>/input` with the options in `<case>/options`
/// (`stage-name=NAME` and `arg=VALUE` lines), as the CLI would.
pub fn convert_case(case: &Path) -> Vec<Conversion> {
    let input = case.join("input");
    let mut options = convert::Options::default();
    let mut bash_options = bash::Options::default();
    for line in std::fs::read_to_string(case.join("options"))
        .unwrap_or_default()
        .lines()
    {
        match line.split_once('=') {
            Some(("stage-name", v)) => options.stage_name = Some(v.to_string()),
            Some(("arg", v)) => bash_options.args.push(v.to_string()),
            Some(("script", _)) => {}
            _ => panic!("{}: unknown option line {line:?}", case.display()),
        }
    }
    let script_path = driver(case);
    let trace = match std::fs::read_to_string(input.join(&script_path)) {
        Ok(script) => bash::evaluate(
            &format!("./{script_path}"),
            &script,
            &DirFiles(input.clone()),
            &bash_options,
        ),
        Err(_) => {
            // A Makefile driver.
            let text = std::fs::read_to_string(input.join("Makefile")).unwrap();
            let options = make::MakeOptions {
                shell: bash_options,
                ..Default::default()
            };
            make::evaluate("Makefile", &text, &DirFiles(input.clone()), &options)
        }
    };
    convert::convert(&input, &trace, &options)
}

/// The case's driver script relative to its input: `build.sh`, or the
/// `script=PATH` line of `<case>/options`.
pub fn driver(case: &Path) -> String {
    std::fs::read_to_string(case.join("options"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("script=").map(str::to_string))
        .unwrap_or_else(|| "build.sh".to_string())
}

/// The case folders under `root` that hold a file named `marker`, sorted.
pub fn case_dirs(root: &Path, marker: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.join(marker).is_file())
        .collect();
    dirs.sort();
    dirs
}

/// Compares `render(case)` with each case's `expected.txt`, or rewrites it
/// when `MSMIGRATE_BLESS` is set; fails listing every difference, and when
/// there are fewer than `min` cases.
pub fn check_golden(dirs: &[PathBuf], min: usize, render: impl Fn(&Path) -> String) {
    let bless = std::env::var_os("MSMIGRATE_BLESS").is_some();
    let mut failures = Vec::new();
    for dir in dirs {
        let got = render(dir);
        let expected_path = dir.join("expected.txt");
        if bless {
            std::fs::write(&expected_path, &got).expect("write expected.txt");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            failures.push(format!(
                "== {}\n-- expected\n{expected}-- got\n{got}",
                dir.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        dirs.len() >= min,
        "expected at least {min} cases, found {}",
        dirs.len()
    );
}

/// A small deterministic generator (xorshift64*), to avoid a dependency.
/// The seed must not be 0.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Copies the directory tree `from` to `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// True as root; otherwise says loudly that `what` is skipped (or fails
/// when MSMIGRATE_REQUIRE_ROOT=1, as in CI).
pub fn have_root(what: &str) -> bool {
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    assert!(
        std::env::var("MSMIGRATE_REQUIRE_ROOT").as_deref() != Ok("1"),
        "{what} need root"
    );
    eprintln!("*** SKIPPED: {what} need root ***");
    false
}

/// `/bin/busybox` (Debian's busybox-static, installed when missing).
pub fn busybox() -> PathBuf {
    let path = PathBuf::from("/bin/busybox");
    if !path.exists() {
        let ok = std::process::Command::new("apt-get")
            .args(["install", "-y", "busybox-static"])
            .status();
        assert!(ok.is_ok_and(|s| s.success()), "busybox-static is missing");
    }
    path
}

/// A root filesystem tar: `/bin/busybox` with links for `applets`, `/tmp`,
/// and `/etc/passwd` and `/etc/group` with root and `app` (1000).
pub fn busybox_rootfs(applets: &[&str]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |path: &str, kind: tar::EntryType, mode: u32, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_size(data.len() as u64);
        h.set_mtime(0);
        if kind == tar::EntryType::Symlink {
            b.append_link(&mut h, path, "busybox").unwrap();
        } else {
            b.append_data(&mut h, path, data).unwrap();
        }
    };
    add("bin", tar::EntryType::Directory, 0o755, b"");
    add("etc", tar::EntryType::Directory, 0o755, b"");
    add("tmp", tar::EntryType::Directory, 0o1777, b"");
    add(
        "bin/busybox",
        tar::EntryType::Regular,
        0o755,
        &std::fs::read(busybox()).unwrap(),
    );
    for applet in applets {
        add(
            &format!("bin/{applet}"),
            tar::EntryType::Symlink,
            0o777,
            b"",
        );
    }
    add(
        "etc/passwd",
        tar::EntryType::Regular,
        0o644,
        b"root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
    );
    add(
        "etc/group",
        tar::EntryType::Regular,
        0o644,
        b"root:x:0:\napp:x:1000:\n",
    );
    b.into_inner().unwrap()
}

/// Runs `cmd`, killing it and failing the test when it outlives `limit`.
pub fn run_with_deadline(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let err_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} hung for more than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_thread.join().unwrap(),
        stderr: err_thread.join().unwrap(),
    }
}
