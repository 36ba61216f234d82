//! What each fuzz target does with one input. Shared by the libFuzzer
//! targets (`fuzz/fuzz_targets/*.rs`) and by `tests/fuzz_regressions.rs`,
//! which includes this file by path and runs every reproducer under
//! `testdata/fuzz/<target>/` through the same function: a regression is
//! then caught by `cargo test` without libFuzzer.
//!
//! A target fails by panicking (libFuzzer reports a crash), by running
//! longer than `-timeout` (a hang) or by allocating more than `-rss_limit_mb`
//! (an out-of-memory). Errors returned by the code under test are fine: they
//! are how hostile input is meant to be refused.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use msmigrate::builder::{archive, layer, store::Store};
use msmigrate::convert;
use msmigrate::dockerfile::model::{BuildOptions, Model};
use msmigrate::dockerfile::shell::{Env, Lexer};
use msmigrate::dockerfile::{dump, parse_bytes};
use msmigrate::lint::{LintOptions, Linter, fix};
use msmigrate::script::bash::{self, DirFiles};
use msmigrate::script::make;

// ---------------------------------------------------------------------------
// Dockerfiles: parse, model, lint, fix
// ---------------------------------------------------------------------------

fn linter() -> &'static Linter {
    static LINTER: OnceLock<Linter> = OnceLock::new();
    LINTER.get_or_init(|| Linter::builtin().expect("the built-in rules load"))
}

/// `msmigrate parse` and `msmigrate lint` (with `--fix`) on one Dockerfile.
pub fn dockerfile(data: &[u8]) {
    if let Ok(file) = parse_bytes(data) {
        let _ = dump::dump(&file);
        let model = Model::build(&file, &BuildOptions::default());
        let _ = model.dump(&file);
        let all = Model::build(
            &file,
            &BuildOptions {
                all_stages: true,
                ..BuildOptions::default()
            },
        );
        // A named target (the first stage's name) changes which stages are
        // final, builders or unused.
        let target = all.stages().iter().find_map(|s| s.name.clone());
        if let Some(t) = &target {
            let _ = Model::build(
                &file,
                &BuildOptions {
                    target: Some(t.clone()),
                    ..BuildOptions::default()
                },
            );
        }
    }
    let source = String::from_utf8_lossy(data);
    lint_text(&source);
}

/// Lints `source` as `msmigrate lint` does, then applies its fixes
/// (`--fix`) and lints the result again.
fn lint_text(source: &str) {
    let linted = linter().lint("Dockerfile", None, source, &LintOptions::default());
    let (fixed, applied) = fix::apply(&linted);
    if applied > 0 {
        let _ = linter().lint("Dockerfile", None, &fixed, &LintOptions::default());
    }
}

// ---------------------------------------------------------------------------
// The word expander
// ---------------------------------------------------------------------------

/// BuildKit's shell-word lexer. The first byte picks the lexer's settings
/// (bit 0: `` ` `` as escape; 1: raw quotes; 2: raw escapes; 3: skip unset
/// variables) and, in bits 4-5, the entry point; then `NAME=VALUE` lines up to the first empty line are the environment,
/// and the rest is the word.
pub fn word_expand(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (env_text, word) = match text.split_once("\n\n") {
        Some((e, w)) => (e, w),
        None => ("", &*text),
    };
    let env: Vec<(String, String)> = env_text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lexer = Lexer {
        escape: if flags & 1 == 0 { '\\' } else { '`' },
        raw_quotes: flags & 2 != 0,
        raw_escapes: flags & 4 != 0,
        skip_unset_env: flags & 8 != 0,
    };
    let env: &dyn Env = &env;
    // One entry point per input, as each caller uses one: four of them
    // would only measure the same output limit four times.
    let _ = match (flags >> 4) & 3 {
        0 => lexer.process_word(word, env).map(drop),
        1 => lexer.process_words(word, env).map(drop),
        2 => lexer.process_word_with_matches(word, env).map(drop),
        _ => lexer.process_word_ignoring_quotes(word, env).map(drop),
    };
}

// ---------------------------------------------------------------------------
// Scripts: evaluate, convert, lint the output
// ---------------------------------------------------------------------------

/// A fresh, empty directory for one input, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(what: &str) -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "msmigrate-fuzz-{what}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The header line that starts another file of a setup.
pub const FILE_MARK: &str = "#### ";

/// Splits a setup into files: the text before the first `#### NAME` line is
/// the driver (`driver`), each `#### NAME` line starts the file NAME (a
/// relative path; anything that could leave the directory is dropped).
pub fn split_setup(text: &str, driver: &str) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut name = driver.to_string();
    let mut body = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(next) = line.strip_prefix(FILE_MARK) {
            files.insert(std::mem::take(&mut name), std::mem::take(&mut body));
            name = next.trim().to_string();
        } else {
            body.push_str(line);
        }
    }
    files.insert(name, body);
    files.retain(|name, _| safe_name(name));
    files
}

fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() < 100
        && name.split('/').all(|c| {
            !c.is_empty()
                && c != "."
                && c != ".."
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        })
}

/// Writes the files of a setup under `dir`. A name that is both a file and
/// a directory of another is skipped.
fn write_setup(dir: &Path, files: &BTreeMap<String, String>) {
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(&path, text);
    }
}

/// What `msmigrate convert` does after the script is evaluated: convert,
/// render as JSON, lint each emitted Dockerfile.
fn convert_and_lint(dir: &Path, trace: &msmigrate::script::Trace) {
    let _ = bash::dump(trace);
    for c in convert::convert(dir, trace, &convert::Options::default()) {
        let _ = serde_json::to_string(&c);
        if let Some(out) = &c.output {
            lint_text(out);
        }
    }
}

/// `msmigrate convert` on a shell-script setup: the input's first part is
/// `build.sh`, later parts (`#### Dockerfile`, `#### Dockerfile.build`, ...)
/// the other files of its directory.
pub fn script_bash(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let files = split_setup(&text, "build.sh");
    let scratch = Scratch::new("bash");
    write_setup(&scratch.0, &files);
    let script = files.get("build.sh").map(String::as_str).unwrap_or("");
    let trace = bash::evaluate(
        "./build.sh",
        script,
        &DirFiles(scratch.0.clone()),
        &bash::Options::default(),
    );
    convert_and_lint(&scratch.0, &trace);
}

/// `msmigrate convert` on a Makefile setup: the input's first part is the
/// `Makefile`, later parts (`#### Dockerfile`, included files, ...) the
/// other files of its directory. A first line `#@ TARGET` names the goal.
pub fn script_make(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let files = split_setup(&text, "Makefile");
    let scratch = Scratch::new("make");
    write_setup(&scratch.0, &files);
    let makefile = files.get("Makefile").map(String::as_str).unwrap_or("");
    let target = makefile
        .strip_prefix("#@ ")
        .and_then(|rest| rest.lines().next())
        .map(|t| t.trim().to_string());
    let trace = make::evaluate(
        "Makefile",
        makefile,
        &DirFiles(scratch.0.clone()),
        &make::MakeOptions {
            target,
            ..Default::default()
        },
    );
    convert_and_lint(&scratch.0, &trace);
}

// ---------------------------------------------------------------------------
// Layers and archives
// ---------------------------------------------------------------------------

/// The entries of `/` when the process started: an extraction that escaped
/// its directory through an absolute path would most likely add one.
fn root_entries() -> &'static Vec<String> {
    static ROOT: OnceLock<Vec<String>> = OnceLock::new();
    ROOT.get_or_init(|| names_in(Path::new("/")))
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Extracts `tar` into `parent/NAME` and checks that nothing was written
/// beside it in `parent` or at the top of `/`.
fn extract_contained(tar: &mut dyn std::io::Read, parent: &Path, name: &str, data: &[u8]) {
    // A neighbour that must survive: removing entries outside the
    // directory (a whiteout of `..`) is an escape too.
    let neighbour = parent.join(format!("{name}.neighbour"));
    std::fs::write(&neighbour, b"").expect("a neighbour file");
    let before = names_in(parent);
    let dest = parent.join(name);
    std::fs::create_dir_all(&dest).expect("a layer directory");
    let _ = layer::extract(tar, &dest);
    let mut after = names_in(parent);
    after.retain(|n| n != name);
    assert_eq!(
        before, after,
        "the extraction changed what is beside its directory"
    );
    let _ = std::fs::remove_file(&neighbour);
    for n in names_in(Path::new("/")) {
        // Only names the input could have spelled: other processes may
        // create entries in `/` meanwhile.
        assert!(
            root_entries().contains(&n) || !contains(data, n.as_bytes()),
            "the extraction wrote /{n}"
        );
    }
    // What Docker would report for the layer, and the extracted tree's size.
    let _ = layer::docker_size_of_dir(&dest);
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// A layer tar: its Docker size, its extraction (as a build's base layer is
/// extracted) into a fresh directory, and `msmigrate image import` of it
/// with the stored layer extracted again.
pub fn layer_read(data: &[u8]) {
    let _ = archive::docker_size_of_layer(Cursor::new(data));
    let scratch = Scratch::new("layer");
    extract_contained(&mut Cursor::new(data), &scratch.0, "root", data);
    let Ok(store) = Store::open(&scratch.0.join("store")) else {
        return;
    };
    if let Ok(image) = archive::import_rootfs(&store, Cursor::new(data), Some("fuzz:layer")) {
        let _ = store.resolve("fuzz:layer");
        build_on(&store, &image, &scratch.0, data);
    }
}

/// `msmigrate image load` of a docker-archive or OCI archive into a fresh
/// store, then what a build `FROM` each loaded image does with it: resolve
/// its tags and extract every layer.
pub fn archive_load(data: &[u8]) {
    let scratch = Scratch::new("archive");
    let Ok(store) = Store::open(&scratch.0.join("store")) else {
        return;
    };
    let Ok(images) = archive::load(&store, Cursor::new(data)) else {
        return;
    };
    let _ = store.list();
    for (tags, image) in &images {
        for tag in tags {
            let _ = store.resolve(tag);
        }
        build_on(&store, image, &scratch.0, data);
    }
}

/// Extracts an image's layers from the store, as `build.rs` does for a base
/// image, each into its own directory under `parent`.
fn build_on(
    store: &Store,
    image: &msmigrate::builder::store::StoredImage,
    parent: &Path,
    data: &[u8],
) {
    let _ = image.docker_size();
    let layers = parent.join("layers");
    let _ = std::fs::create_dir_all(&layers);
    for (i, l) in image.layers.iter().enumerate() {
        if let Ok(mut blob) = std::fs::File::open(store.blob_path(&l.diff_id)) {
            extract_contained(&mut blob, &layers, &i.to_string(), data);
        }
    }
}
