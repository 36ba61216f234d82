//! Evidence-based bloat: what a final image really ships that it should not
//! (toolchains, package caches, source trees, VCS metadata, tests, docs),
//! read from its layer tars and attributed to the instruction that added
//! each layer through the config history (entries with `empty_layer: false`
//! pair with the layers in order).
//!
//! The lint rules guess from the Dockerfile; these findings are measured:
//! each carries the bytes the matched paths add, counted as Docker counts
//! image size (regular files at their size, symlinks at their target's
//! length, hardlinks once, deleted data still counted).

use std::collections::BTreeMap;
use std::io::{self, Read};

use serde::Serialize;

use crate::builder::oci::History;

/// A rule of the scan: code, kebab-case name, what it reports.
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
}

/// The scan's rules, in code order.
pub const RULES: &[Rule] = &[
    Rule {
        code: "MS501",
        name: "toolchain-in-image",
        summary: "a compiler or build tool ships in the final image",
    },
    Rule {
        code: "MS502",
        name: "package-cache-in-image",
        summary: "a package manager's cache or index ships in the final image",
    },
    Rule {
        code: "MS503",
        name: "source-tree-in-image",
        summary: "source files of a compiled language ship in the final image",
    },
    Rule {
        code: "MS504",
        name: "vcs-metadata-in-image",
        summary: "version-control metadata (.git) ships in the final image",
    },
    Rule {
        code: "MS505",
        name: "tests-in-image",
        summary: "a test directory ships in the final image",
    },
    Rule {
        code: "MS506",
        name: "docs-in-image",
        summary: "documentation (man pages, /usr/share/doc) ships in the final image",
    },
];

/// One measured finding.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    /// `MS5xx`.
    pub rule: String,
    /// The rule's kebab-case name.
    pub name: String,
    pub severity: String,
    pub message: String,
    /// The directory or file the bytes are under (absolute in the image).
    pub path: String,
    /// Bytes the matched paths add to the image size.
    pub bytes: u64,
    /// How many paths matched.
    pub files: u64,
    /// The layer (0 = base) that added them.
    pub layer: usize,
    /// The instruction that made that layer (history `created_by`).
    pub instruction: String,
}

/// What the scan learns of one layer tar.
#[derive(Debug, Clone, Default)]
pub struct LayerScan {
    /// Its size as Docker counts it.
    pub size: u64,
    /// (rule index, group path) → (bytes, files).
    groups: BTreeMap<(usize, String), (u64, u64)>,
}

const TOOLS: &[&str] = &[
    "gcc", "g++", "cc", "c++", "clang", "clang++", "javac", "go", "rustc", "cargo", "make",
    "cmake", "mvn", "gradle", "tsc", "ld", "as", "gfortran",
];
const TOOL_DIRS: &[&str] = &[
    "usr/lib/gcc/",
    "usr/libexec/gcc/",
    "usr/local/go/",
    "usr/local/cargo/",
    "usr/local/rustup/",
    "root/.rustup/",
    "root/.cargo/",
];
const CACHE_DIRS: &[&str] = &[
    "var/lib/apt/lists/",
    "var/cache/apt/",
    "var/cache/apk/",
    "var/cache/yum/",
    "var/cache/dnf/",
    "root/.cache/",
    "root/.npm/",
    "root/.m2/",
    "root/.gradle/",
    "root/go/pkg/mod/",
    "go/pkg/mod/",
    "usr/local/share/.cache/",
];
const SOURCE_EXTS: &[&str] = &[
    "java", "go", "c", "cc", "cpp", "cxx", "h", "hpp", "rs", "scala", "kt", "cs", "swift",
];
/// Where sources and tests belong to installed software, not the app.
const SYSTEM_PREFIXES: &[&str] = &[
    "usr/include/",
    "usr/lib/",
    "usr/local/lib/",
    "usr/share/",
    "usr/local/include/",
    "usr/src/",
    "opt/java/",
];
const DOC_DIRS: &[&str] = &["usr/share/doc/", "usr/share/man/", "usr/share/info/"];

/// Which rule a path matches, and the group it counts toward.
fn classify(path: &str, is_dir: bool) -> Option<(usize, String)> {
    if is_dir {
        return None;
    }
    let parts: Vec<&str> = path.split('/').collect();
    if let Some(i) = parts
        .iter()
        .position(|p| matches!(*p, ".git" | ".svn" | ".hg"))
    {
        return Some((3, parts[..=i].join("/")));
    }
    for d in CACHE_DIRS {
        let n = d.trim_end_matches('/').split('/').count();
        if path.starts_with(d) {
            return Some((1, parts[..n.min(parts.len())].join("/")));
        }
        if d.starts_with("root/") && home_relative(path, &d[5..]) {
            // `home/USER/...` is one component deeper than `root/...`.
            return Some((1, parts[..(n + 1).min(parts.len())].join("/")));
        }
    }
    for d in TOOL_DIRS {
        if path.starts_with(d) {
            return Some((0, d.trim_end_matches('/').to_string()));
        }
    }
    let name = parts.last().copied().unwrap_or("");
    let in_bin = parts.len() >= 2 && matches!(parts[parts.len() - 2], "bin" | "sbin");
    if in_bin && TOOLS.contains(&name) {
        return Some((0, path.to_string()));
    }
    if DOC_DIRS.iter().any(|d| path.starts_with(d)) {
        return Some((5, parts[..3.min(parts.len())].join("/")));
    }
    let system =
        SYSTEM_PREFIXES.iter().any(|p| path.starts_with(p)) || path.contains("node_modules/");
    if !system {
        if let Some(i) = parts[..parts.len() - 1]
            .iter()
            .position(|p| matches!(*p, "test" | "tests" | "__tests__" | "spec"))
        {
            return Some((4, parts[..=i].join("/")));
        }
        let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        if SOURCE_EXTS.contains(&ext) {
            let dir = if parts.len() > 1 {
                parts[..parts.len() - 1].join("/")
            } else {
                String::new()
            };
            return Some((2, dir));
        }
    }
    None
}

/// `home/USER/REST` where REST starts with `rest`.
fn home_relative(path: &str, rest: &str) -> bool {
    let mut it = path.splitn(3, '/');
    matches!((it.next(), it.next(), it.next()), (Some("home"), Some(_), Some(r)) if r.starts_with(rest))
}

/// Scans one layer tar.
pub fn scan_layer(tar: impl Read) -> io::Result<LayerScan> {
    let mut scan = LayerScan::default();
    let mut archive = tar::Archive::new(tar);
    for entry in archive.entries()? {
        let entry = entry?;
        let header = entry.header();
        let path = entry
            .path()?
            .to_string_lossy()
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_string();
        use tar::EntryType as T;
        let (bytes, is_dir) = match header.entry_type() {
            T::Directory => (0, true),
            T::Symlink => (
                entry.link_name()?.map_or(0, |l| l.as_os_str().len() as u64),
                false,
            ),
            T::Link => (0, false),
            T::Regular | T::Continuous | T::GNUSparse => (header.size()?, false),
            _ => (0, false),
        };
        let name = path.rsplit('/').next().unwrap_or("");
        if name.starts_with(".wh.") {
            continue;
        }
        scan.size += bytes;
        if let Some(key) = classify(&path, is_dir) {
            let slot = scan.groups.entry(key).or_insert((0, 0));
            slot.0 += bytes;
            slot.1 += 1;
        }
    }
    Ok(scan)
}

/// The instruction of each layer, from the history.
pub fn layer_instructions(history: &[History], layers: usize) -> Vec<String> {
    let mut out: Vec<String> = history
        .iter()
        .filter(|h| !h.empty_layer)
        .map(|h| {
            h.created_by
                .clone()
                .unwrap_or_default()
                .trim_start_matches("/bin/sh -c #(nop) ")
                .trim()
                .to_string()
        })
        .collect();
    if out.len() != layers {
        out = (0..layers).map(|i| format!("layer {i}")).collect();
    }
    for s in &mut out {
        if s.is_empty() {
            // `docker import` and some registries leave it empty.
            *s = "(base image layer)".to_string();
        }
    }
    out
}

/// Findings of the scanned layers, largest first.
pub fn findings(scans: &[LayerScan], instructions: &[String]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (layer, scan) in scans.iter().enumerate() {
        for ((rule, path), (bytes, files)) in &scan.groups {
            let r = &RULES[*rule];
            let instruction = instructions.get(layer).cloned().unwrap_or_default();
            out.push(Finding {
                rule: r.code.to_string(),
                name: r.name.to_string(),
                severity: "warning".to_string(),
                message: format!(
                    "/{path}: {} ({files} path{}, {bytes} bytes) added by layer {layer}: {}",
                    r.summary,
                    if *files == 1 { "" } else { "s" },
                    short(&instruction)
                ),
                path: format!("/{path}"),
                bytes: *bytes,
                files: *files,
                layer,
                instruction,
            });
        }
    }
    out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
    out
}

fn short(s: &str) -> String {
    let line = s.lines().next().unwrap_or("");
    if line.chars().count() > 80 {
        format!("{}…", line.chars().take(79).collect::<String>())
    } else {
        line.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_classified() {
        assert_eq!(
            classify("var/lib/apt/lists/x", false),
            Some((1, "var/lib/apt/lists".into()))
        );
        assert_eq!(
            classify("usr/local/bin/javac", false),
            Some((0, "usr/local/bin/javac".into()))
        );
        assert_eq!(
            classify("app/.git/HEAD", false),
            Some((3, "app/.git".into()))
        );
        assert_eq!(classify("app/Main.java", false), Some((2, "app".into())));
        assert_eq!(classify("usr/lib/x/Main.java", false), None);
        assert_eq!(
            classify("home/app/.npm/_cacache/x", false),
            Some((1, "home/app/.npm".into()))
        );
        assert_eq!(classify("app/app.jar", false), None);
    }
}
