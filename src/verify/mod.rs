//! `msmigrate verify`: proves that the multi-stage Dockerfile `convert`
//! emits builds the same final image as the legacy builder-pattern flow,
//! and measures what the migration saves.
//!
//! Everything happens in scratch copies of the setup, never in it:
//! 1. the legacy script runs as-is with msmigrate first on its PATH as
//!    `docker` ([`shim`]: the embedded builder, or a logging pass-through
//!    to a real docker CLI); when it cannot run on the embedded engine the
//!    reconstructed [`Flow`] is replayed instead (builds and `docker cp`);
//! 2. the converted Dockerfile is built with the same store and cache;
//! 3. the two final images are compared ([`tree`]): files and runtime
//!    config, each difference explained;
//! 4. sizes are the numbers `docker image ls` shows, and the final image's
//!    layers are scanned for measured bloat ([`bloat`]);
//! 5. [`render`] prints the report as text, JSON, markdown or HTML.

pub mod bloat;
pub mod render;
pub mod shim;
pub mod tree;

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use miette::miette;
use serde::Serialize;

use crate::builder::build::{self, BuildOptions, Progress, Step};
use crate::builder::sandbox;
use crate::builder::store::{self, Store, StoredImage};
use crate::convert::{self, Conversion, Status};
use crate::flow::{Flow, ImageRef};
use crate::lint::{self, LintOptions, Linter};
use crate::script::bash::{self, DirFiles};
use crate::script::{Trace, make};

/// Where images are built and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// msmigrate's own daemonless builder and store.
    Embedded,
    /// A real Docker/BuildKit through the docker CLI.
    Docker,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Embedded => "embedded",
            Engine::Docker => "docker",
        }
    }
}

/// What to verify and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The setup directory (never modified).
    pub dir: PathBuf,
    pub engine: Engine,
    /// The driver, relative to `dir` (default: found as `convert` finds it).
    pub script: Option<PathBuf>,
    /// `make` goal for a Makefile driver.
    pub make_target: Option<String>,
    /// Positional arguments of the script.
    pub args: Vec<String>,
    /// `convert --stage-name`.
    pub stage_name: Option<String>,
    /// A multi-stage Dockerfile to verify instead of converting (relative to
    /// `dir` or absolute).
    pub dockerfile: Option<PathBuf>,
    /// The embedded engine's store.
    pub store: PathBuf,
    /// Also build with the lint fixes and the runtime base applied.
    pub with_fixes: bool,
    /// The real docker CLI (`--engine docker`).
    pub docker: PathBuf,
    /// The msmigrate binary the shim links to.
    pub exe: PathBuf,
    /// Keep the scratch directory (for debugging).
    pub keep: bool,
}

/// An image and its size.
#[derive(Debug, Clone, Serialize)]
pub struct SizedImage {
    pub tag: Option<String>,
    pub size: u64,
}

/// The legacy flow's images.
#[derive(Debug, Clone, Serialize)]
pub struct Legacy {
    /// `script` when the script ran, `replay` when the flow was replayed.
    pub method: &'static str,
    pub builder_images: Vec<SizedImage>,
    #[serde(rename = "final")]
    pub final_image: SizedImage,
}

/// A size only.
#[derive(Debug, Clone, Serialize)]
pub struct Size {
    pub size: u64,
}

/// The multi-stage images.
#[derive(Debug, Clone, Serialize)]
pub struct Multistage {
    #[serde(rename = "final")]
    pub final_image: Size,
    pub with_fixes: Option<Size>,
}

/// Wall times, in seconds.
#[derive(Debug, Clone, Serialize)]
pub struct Timings {
    pub legacy_seconds: f64,
    pub multistage_seconds: f64,
    pub with_fixes_seconds: Option<f64>,
}

/// One layer of a final image, for the size chart.
#[derive(Debug, Clone, Serialize)]
pub struct LayerSize {
    pub size: u64,
    pub instruction: String,
}

/// What the renderers show besides the JSON report.
#[derive(Debug, Clone, Default)]
pub struct Details {
    /// The setup directory as given.
    pub dir: String,
    /// Notes for people (fallbacks, what was skipped).
    pub notes: Vec<String>,
    /// The multi-stage Dockerfile verified.
    pub dockerfile: String,
    /// Stages of the output: (name, role, from).
    pub stages: Vec<(String, String, String)>,
    /// Artifacts: (from stage, source, dest).
    pub artifacts: Vec<(String, String, String)>,
    /// The legacy flow as Mermaid.
    pub mermaid: String,
    pub legacy_layers: Vec<LayerSize>,
    pub multistage_layers: Vec<LayerSize>,
    /// Lint fixes applied for `--with-fixes`, described.
    pub fixes: Vec<String>,
}

/// The verification's result; serializes to the `--format json` report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub equivalent: bool,
    pub engine: &'static str,
    pub legacy: Legacy,
    pub multistage: Multistage,
    pub differences: Vec<tree::Difference>,
    /// The other runtime images of a setup that builds several (the one
    /// above is the default target); absent for a single image.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<TargetReport>,
    pub bloat: Vec<bloat::Finding>,
    pub timings: Timings,
    #[serde(skip)]
    pub details: Details,
}

/// One more runtime image of the setup, verified like the main one.
#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    /// The legacy script's tag for it.
    pub image: String,
    /// The multi-stage Dockerfile's `--target` for it.
    pub target: Option<String>,
    pub equivalent: bool,
    pub legacy: SizedImage,
    pub multistage: Size,
    pub differences: Vec<tree::Difference>,
}

fn note(message: &str) {
    let _ = writeln!(io::stderr(), "verify: {message}");
}

// ---------------------------------------------------------------------------
// The setup: driver, trace, conversion
// ---------------------------------------------------------------------------

fn is_makefile(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    matches!(name.as_str(), "Makefile" | "makefile" | "GNUmakefile") || name.ends_with(".mk")
}

/// The driver of the setup in `dir`: `build.sh`, else the one `*.sh` that
/// calls docker, else a Makefile that does.
fn find_driver(dir: &Path) -> miette::Result<PathBuf> {
    if dir.join("build.sh").is_file() {
        return Ok(PathBuf::from("build.sh"));
    }
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| miette!("cannot read {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "sh")
                && fs::read_to_string(p).is_ok_and(|t| t.contains("docker"))
        })
        .filter_map(|p| p.file_name().map(PathBuf::from))
        .collect();
    found.sort();
    match found.len() {
        1 => return Ok(found.remove(0)),
        0 => {}
        _ => {
            return Err(miette!(
                help = "name the driver with --script",
                "several scripts call docker in {}: {}",
                dir.display(),
                found
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    for name in ["GNUmakefile", "makefile", "Makefile"] {
        if fs::read_to_string(dir.join(name)).is_ok_and(|t| t.contains("docker")) {
            return Ok(PathBuf::from(name));
        }
    }
    Err(miette!(
        help = "name the driver with --script",
        "no build script or Makefile that calls docker in {}",
        dir.display()
    ))
}

fn evaluate(options: &Options, script: &Path) -> miette::Result<Trace> {
    let text = fs::read(options.dir.join(script))
        .map_err(|e| miette!("cannot read {}: {e}", options.dir.join(script).display()))?;
    let text = String::from_utf8_lossy(&text);
    let shell = bash::Options {
        args: options.args.clone(),
        ..Default::default()
    };
    let name = script.to_string_lossy().into_owned();
    let files = DirFiles(options.dir.clone());
    Ok(if is_makefile(script) {
        let make_options = make::MakeOptions {
            target: options.make_target.clone(),
            shell,
            ..Default::default()
        };
        make::evaluate(&name, &text, &files, &make_options)
    } else {
        bash::evaluate(&format!("./{name}"), &text, &files, &shell)
    })
}

// ---------------------------------------------------------------------------
// Scratch copies
// ---------------------------------------------------------------------------

/// A scratch directory, removed on drop unless kept.
struct Scratch {
    root: PathBuf,
    keep: bool,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.keep {
            note(&format!("scratch directory kept: {}", self.root.display()));
        } else {
            let _ = fs::remove_dir_all(&self.root);
        }
    }
}

fn scratch_dir(keep: bool) -> io::Result<Scratch> {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let root = std::env::temp_dir().join(format!("msmigrate-verify-{}-{n}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(&root)?;
    Ok(Scratch { root, keep })
}

/// Copies a tree with modes, symlinks and mtimes.
fn copy_tree(src: &Path, dest: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = fs::symlink_metadata(src)?;
    let ft = meta.file_type();
    if ft.is_dir() {
        fs::create_dir_all(dest)?;
        for entry in fs::read_dir(src)? {
            let entry = entry?;
            copy_tree(&entry.path(), &dest.join(entry.file_name()))?;
        }
        fs::set_permissions(dest, fs::Permissions::from_mode(meta.permissions().mode()))?;
    } else if ft.is_symlink() {
        std::os::unix::fs::symlink(fs::read_link(src)?, dest)?;
        return Ok(());
    } else if ft.is_file() {
        fs::copy(src, dest)?;
    } else {
        return Ok(());
    }
    let t = filetime::FileTime::from_last_modification_time(&meta);
    filetime::set_file_mtime(dest, t)
}

// ---------------------------------------------------------------------------
// Running the legacy script
// ---------------------------------------------------------------------------

/// The bin directory put first on PATH: `docker` → msmigrate, and a `sudo`
/// that only runs its command (scripts written for a workstation).
fn shim_bin(root: &Path, exe: &Path) -> io::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let bin = root.join("bin");
    fs::create_dir_all(&bin)?;
    std::os::unix::fs::symlink(exe, bin.join("docker"))?;
    let sudo = bin.join("sudo");
    fs::write(
        &sudo,
        "#!/bin/sh\n# msmigrate verify: sudo as root only runs the command.\nwhile [ $# -gt 0 ]; do case \"$1\" in -E|-H|-n|-S) shift ;; -u) shift 2 ;; --) shift; break ;; -*) shift ;; *) break ;; esac; done\nexec \"$@\"\n",
    )?;
    fs::set_permissions(&sudo, fs::Permissions::from_mode(0o755))?;
    Ok(bin)
}

struct ScriptRun {
    ok: bool,
    output: String,
    seconds: f64,
}

fn run_script(
    options: &Options,
    script: &Path,
    cwd: &Path,
    bin: &Path,
    log: &Path,
) -> io::Result<ScriptRun> {
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_else(|_| sandbox::DEFAULT_PATH.to_string())
    );
    let mut cmd = if is_makefile(script) {
        let mut c = Command::new("make");
        c.arg("-s").arg("-f").arg(script);
        if let Some(t) = &options.make_target {
            c.args(t.split_whitespace());
        }
        c
    } else {
        let mut c = Command::new("bash");
        c.arg(script).args(&options.args);
        c
    };
    cmd.current_dir(cwd)
        .env("PWD", cwd)
        .env("PATH", path)
        .env(shim::LOG_ENV, log)
        .stdin(std::process::Stdio::null());
    match options.engine {
        Engine::Embedded => {
            cmd.env(shim::STORE_ENV, &options.store)
                .env_remove(shim::REAL_DOCKER_ENV);
        }
        Engine::Docker => {
            cmd.env(shim::REAL_DOCKER_ENV, &options.docker);
        }
    }
    let started = Instant::now();
    let out = cmd.output()?;
    let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stderr));
    Ok(ScriptRun {
        ok: out.status.success(),
        output,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

// ---------------------------------------------------------------------------
// Images, engine by engine
// ---------------------------------------------------------------------------

/// What is compared and reported of one final image.
struct ImageFacts {
    id: String,
    size: u64,
    tree: tree::Tree,
    config: BTreeMap<String, serde_json::Value>,
    layers: Vec<LayerSize>,
    scans: Vec<bloat::LayerScan>,
}

/// RUN output of the verification's own builds is not shown.
struct Sink(io::Sink);

impl Progress for Sink {
    fn start(&mut self, _label: &str, _text: &str) {}
    fn done(&mut self, _step: &Step) {}
    fn log(&mut self) -> &mut dyn Write {
        &mut self.0
    }
}

fn embedded_build(
    store: &Store,
    dockerfile: &Path,
    context: &Path,
    target: Option<String>,
    build_args: BTreeMap<String, String>,
) -> miette::Result<StoredImage> {
    let options = BuildOptions {
        dockerfile: dockerfile.to_path_buf(),
        context: context.to_path_buf(),
        target,
        build_args,
        no_cache: false,
        network_host: false,
        source_date_epoch: None,
    };
    build::build(store, &options, &mut Sink(io::sink()))
        .map(|o| o.image)
        .map_err(|e| miette!("building {}: {}", dockerfile.display(), e.message))
}

fn embedded_facts(store: &Store, image: &StoredImage) -> miette::Result<ImageFacts> {
    let diff_ids: Vec<_> = image.layers.iter().map(|l| l.diff_id.clone()).collect();
    shim::ensure_layers(store, &diff_ids).map_err(|e| miette!("{e}"))?;
    let lowers: Vec<PathBuf> = diff_ids.iter().rev().map(|d| store.layer_dir(d)).collect();
    let view = store.temp_path("verify-view");
    fs::create_dir_all(&view).map_err(|e| miette!("cannot create {}: {e}", view.display()))?;
    let walked = (|| {
        let mount = if lowers.is_empty() {
            None
        } else {
            Some(sandbox::mount_readonly(&lowers, &view)?)
        };
        let t = tree::walk(&view);
        drop(mount);
        t
    })();
    let _ = fs::remove_dir(&view);
    let tree = walked.map_err(|e| miette!("cannot read the image {}: {e}", image.id))?;
    let config =
        tree::config_fields(&serde_json::to_value(&image.config.config).unwrap_or_default());
    let instructions = bloat::layer_instructions(&image.config.history, image.layers.len());
    let mut layers = Vec::new();
    let mut scans = Vec::new();
    for (i, l) in image.layers.iter().enumerate() {
        let f = fs::File::open(store.blob_path(&l.diff_id))
            .map_err(|e| miette!("cannot read layer {}: {e}", l.diff_id))?;
        let scan = bloat::scan_layer(io::BufReader::new(f))
            .map_err(|e| miette!("cannot read layer {}: {e}", l.diff_id))?;
        scans.push(scan);
        layers.push(LayerSize {
            size: l.docker_size,
            instruction: instructions[i].clone(),
        });
    }
    Ok(ImageFacts {
        id: image.id.to_string(),
        size: image.docker_size(),
        tree,
        config,
        layers,
        scans,
    })
}

fn docker(bin: &Path, args: &[&str], buildkit: bool) -> miette::Result<Vec<u8>> {
    let mut cmd = Command::new(bin);
    cmd.args(args);
    if buildkit {
        cmd.env("DOCKER_BUILDKIT", "1");
    }
    let out = cmd
        .output()
        .map_err(|e| miette!("cannot run {}: {e}", bin.display()))?;
    if !out.status.success() {
        return Err(miette!(
            "docker {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

fn docker_build(
    bin: &Path,
    dockerfile: &Path,
    context: &Path,
    target: Option<&str>,
    build_args: &BTreeMap<String, String>,
) -> miette::Result<String> {
    let df = dockerfile.display().to_string();
    let ctx = context.display().to_string();
    let mut args = vec!["build", "-q", "--network=none", "-f", &df];
    if let Some(t) = target {
        args.push("--target");
        args.push(t);
    }
    let pairs: Vec<String> = build_args.iter().map(|(k, v)| format!("{k}={v}")).collect();
    for p in &pairs {
        args.push("--build-arg");
        args.push(p);
    }
    args.push(&ctx);
    let out = docker(bin, &args, true)?;
    Ok(String::from_utf8_lossy(&out).trim().to_string())
}

fn docker_size(bin: &Path, image: &str) -> miette::Result<u64> {
    let out = docker(
        bin,
        &["image", "inspect", "--format", "{{.Size}}", image],
        false,
    )?;
    String::from_utf8_lossy(&out)
        .trim()
        .parse()
        .map_err(|e| miette!("size of {image}: {e}"))
}

fn docker_facts(bin: &Path, image: &str, work: &Path) -> miette::Result<ImageFacts> {
    let id = String::from_utf8_lossy(&docker(
        bin,
        &["image", "inspect", "--format", "{{.Id}}", image],
        false,
    )?)
    .trim()
    .to_string();
    let size = docker_size(bin, &id)?;
    let config_json = docker(
        bin,
        &["image", "inspect", "--format", "{{json .Config}}", &id],
        false,
    )?;
    let config: serde_json::Value = serde_json::from_slice(&config_json).unwrap_or_default();
    // An image without CMD or ENTRYPOINT needs a command to be created.
    let created = docker(bin, &["create", &id], false)
        .or_else(|_| docker(bin, &["create", &id, "none"], false))?;
    let ctr = String::from_utf8_lossy(&created).trim().to_string();
    let export = docker(bin, &["export", &ctr], false);
    let _ = docker(bin, &["rm", "-f", &ctr], false);
    let tree =
        tree::from_export(&export?).map_err(|e| miette!("reading the export of {image}: {e}"))?;
    // Layers and history from `docker save`.
    let saved = work.join(format!("save-{}.tar", id.trim_start_matches("sha256:")));
    docker(
        bin,
        &["save", "-o", &saved.display().to_string(), &id],
        false,
    )?;
    let scanned = scan_saved(&saved);
    let _ = fs::remove_file(&saved);
    let (layers, scans) = scanned.map_err(|e| miette!("reading docker save of {image}: {e}"))?;
    Ok(ImageFacts {
        id,
        size,
        tree,
        config: tree::config_fields(&config),
        layers,
        scans,
    })
}

/// Reads a `docker save` tar: each layer scanned, with its instruction.
fn scan_saved(path: &Path) -> io::Result<(Vec<LayerSize>, Vec<bloat::LayerScan>)> {
    {
        let mut by_path: BTreeMap<String, bloat::LayerScan> = BTreeMap::new();
        let mut links: BTreeMap<String, String> = BTreeMap::new();
        let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        let f = fs::File::open(path)?;
        let mut archive = tar::Archive::new(io::BufReader::new(f));
        for entry in archive.entries()? {
            let mut entry = entry?;
            let name = entry.path()?.to_string_lossy().into_owned();
            if entry.header().entry_type() == tar::EntryType::Symlink {
                if let Some(target) = entry.link_name()? {
                    let dir = Path::new(&name).parent().unwrap_or(Path::new(""));
                    let resolved = normalize_rel(&dir.join(target));
                    links.insert(name, resolved);
                }
                continue;
            }
            if name.ends_with(".tar") {
                by_path.insert(name, bloat::scan_layer(&mut entry)?);
            } else if name.ends_with(".json") {
                let mut buf = Vec::new();
                io::Read::read_to_end(&mut entry, &mut buf)?;
                files.insert(name, buf);
            }
        }
        let manifest: serde_json::Value = serde_json::from_slice(
            files
                .get("manifest.json")
                .ok_or_else(|| io::Error::other("no manifest.json"))?,
        )
        .map_err(io::Error::other)?;
        let first = &manifest[0];
        let config: crate::builder::oci::ImageConfig = serde_json::from_slice(
            files
                .get(first["Config"].as_str().unwrap_or(""))
                .ok_or_else(|| io::Error::other("no config"))?,
        )
        .map_err(io::Error::other)?;
        let layer_paths: Vec<String> = first["Layers"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let instructions = bloat::layer_instructions(&config.history, layer_paths.len());
        let mut sizes = Vec::new();
        let mut scans = Vec::new();
        for (i, p) in layer_paths.iter().enumerate() {
            let p = links.get(p).unwrap_or(p);
            let scan = by_path.get(p).cloned().unwrap_or_default();
            sizes.push(LayerSize {
                size: scan.size,
                instruction: instructions[i].clone(),
            });
            scans.push(scan);
        }
        Ok((sizes, scans))
    }
}

fn normalize_rel(p: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(n) => parts.push(n.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

// ---------------------------------------------------------------------------
// Replay (the script could not run on the embedded engine)
// ---------------------------------------------------------------------------

/// Redoes the flow's builds and `docker cp`s in script order over a fresh
/// copy of the setup. Host commands between them are not redone.
fn replay(
    store: &Store,
    flow: &Flow,
    dir: &Path,
    notes: &mut Vec<String>,
) -> miette::Result<Vec<shim::BuildEvent>> {
    if let Some(c) = flow
        .containers
        .iter()
        .find(|c| c.run.is_some() && !c.reads_only)
    {
        let _ = c;
        return Err(miette!(
            "the flow runs build work in a container (`docker run`), which replay does not redo"
        ));
    }
    enum Ev {
        Build(usize),
        Transfer(usize),
    }
    let mut events: Vec<(usize, Ev)> = flow
        .builds
        .iter()
        .enumerate()
        .map(|(i, b)| (b.step, Ev::Build(i)))
        .chain(
            flow.transfers
                .iter()
                .enumerate()
                .map(|(i, t)| (t.3, Ev::Transfer(i))),
        )
        .collect();
    events.sort_by_key(|(step, e)| (*step, matches!(e, Ev::Build(_))));
    let mut built: BTreeMap<usize, StoredImage> = BTreeMap::new();
    let mut log = Vec::new();
    for (_, e) in events {
        match e {
            Ev::Build(i) => {
                let b = &flow.builds[i];
                let mut args = BTreeMap::new();
                for (k, v) in &b.build_args {
                    if let Some(v) = v.clone().or_else(|| std::env::var(k).ok()) {
                        args.insert(k.clone(), v);
                    }
                }
                let started = Instant::now();
                let image = embedded_build(
                    store,
                    &dir.join(&b.dockerfile),
                    &dir.join(&b.context),
                    b.target.clone(),
                    args,
                )?;
                for t in &b.tags {
                    if store::normalize_name(t).is_ok() {
                        store
                            .tag(t, &image)
                            .map_err(|e| miette!("cannot tag {t}: {e}"))?;
                    }
                }
                log.push(shim::BuildEvent {
                    tags: b.tags.clone(),
                    id: image.id.to_string(),
                    size: image.docker_size(),
                    seconds: started.elapsed().as_secs_f64(),
                    dockerfile: b.dockerfile.clone(),
                });
                built.insert(i, image);
            }
            Ev::Transfer(i) => {
                let (c, src, dest, _) = &flow.transfers[i];
                let image = match &flow.containers[*c].image {
                    ImageRef::Build(b) => built
                        .get(b)
                        .cloned()
                        .ok_or_else(|| miette!("replay: a container of an image not built yet"))?,
                    ImageRef::External(r) => store
                        .resolve(r)
                        .ok()
                        .flatten()
                        .ok_or_else(|| miette!("replay: image {r} is not in the store"))?,
                };
                shim::copy_out_of_image(store, &image, src, dir, dest)
                    .map_err(|e| miette!("replay: docker cp {src} {dest}: {e}"))?;
            }
        }
    }
    notes.push("the script could not run with the embedded docker shim, so its reconstructed flow (builds and docker cp) was replayed; host commands between them were not redone".to_string());
    Ok(log)
}

// ---------------------------------------------------------------------------
// --with-fixes
// ---------------------------------------------------------------------------

/// The Dockerfile with the lint fixes and the SDK→runtime base applied,
/// when that changes anything; `has_image` says whether a base exists.
fn fixed_dockerfile(
    text: &str,
    target: Option<&str>,
    has_image: &dyn Fn(&str) -> bool,
    fixes: &mut Vec<String>,
) -> Option<String> {
    let linter = Linter::builtin().ok()?;
    let linted = linter.lint(
        "Dockerfile",
        None,
        text,
        &LintOptions {
            target: target.map(str::to_string),
            ..Default::default()
        },
    );
    let (mut fixed, applied) = lint::fix::apply(&linted);
    for f in &linted.findings {
        if let Some(fix) = &f.fix {
            fixes.push(format!("{} {}: {}", f.rule, f.name, fix.description));
        }
    }
    let _ = applied;
    // The SDK base of the final stage → its runtime image, when present.
    let data = lint::data::Data::builtin().ok()?;
    if let Ok(df) = crate::dockerfile::parse(&fixed) {
        let froms: Vec<&crate::dockerfile::Instruction> = df
            .instructions
            .iter()
            .filter(|i| i.keyword == crate::dockerfile::Keyword::From)
            .collect();
        let final_from = match target {
            Some(t) => froms
                .iter()
                .find(|i| i.args.len() >= 3 && i.args[2].text.eq_ignore_ascii_case(t)),
            None => froms.last(),
        };
        if let Some(from) = final_from
            && let Some(word) = from.args.first()
        {
            let (repo, tag, _) = lint::data::split_image(&word.text);
            if let Some(pair) = data.sdk_pair(&repo, &tag) {
                let version = lint::data::tag_version(&tag).unwrap_or("");
                for runtime in &pair.runtimes {
                    if runtime.contains("{version}") && version.is_empty() {
                        continue;
                    }
                    let candidate = runtime.replace("{version}", version);
                    if has_image(&candidate) {
                        let span = word.span;
                        fixed = format!(
                            "{}{}{}",
                            &fixed[..span.start],
                            candidate,
                            &fixed[span.end..]
                        );
                        fixes.push(format!(
                            "MS103 sdk-base-in-final-stage: FROM {} → FROM {candidate}",
                            word.text
                        ));
                        break;
                    } else {
                        fixes.push(format!(
                            "MS103: the runtime base {candidate} for {} is not available, base kept",
                            word.text
                        ));
                    }
                }
            }
        }
    }
    (fixed != text).then_some(fixed)
}

// ---------------------------------------------------------------------------
// The flow as Mermaid
// ---------------------------------------------------------------------------

fn mermaid_text(s: &str) -> String {
    s.replace('"', "'")
}

fn mermaid(flow: &Flow, conversion: &Conversion) -> String {
    let mut m = String::from("flowchart LR\n  subgraph legacy [legacy builder pattern]\n");
    for (i, b) in flow.builds.iter().enumerate() {
        m.push_str(&format!(
            "    b{i}[\"docker build -f {} → {}\"]\n",
            mermaid_text(&b.dockerfile),
            mermaid_text(&b.tags.join(", "))
        ));
    }
    for (i, c) in flow.containers.iter().enumerate() {
        let name = c.name.clone().unwrap_or_else(|| format!("container {i}"));
        m.push_str(&format!("    c{i}([\"{}\"])\n", mermaid_text(&name)));
        if let ImageRef::Build(b) = c.image {
            m.push_str(&format!("    b{b} --> c{i}\n"));
        }
    }
    for (c, src, dest, step) in &flow.transfers {
        let next = flow.builds.iter().position(|b| b.step > *step);
        match next {
            Some(b) => m.push_str(&format!(
                "    c{c} -- \"docker cp {} → {}\" --> b{b}\n",
                mermaid_text(src),
                mermaid_text(dest)
            )),
            None => m.push_str(&format!(
                "    c{c} -- \"docker cp {}\" --> h{c}[\"{}\"]\n",
                mermaid_text(src),
                mermaid_text(dest)
            )),
        }
    }
    m.push_str("  end\n  subgraph multistage [multi-stage Dockerfile]\n");
    let names: Vec<String> = conversion
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| s.name.clone().unwrap_or_else(|| format!("stage-{i}")))
        .collect();
    for (i, s) in conversion.stages.iter().enumerate() {
        m.push_str(&format!(
            "    s{i}[\"{} ({}) FROM {}\"]\n",
            mermaid_text(&names[i]),
            s.role,
            mermaid_text(&s.from)
        ));
        if let Some(p) = names.iter().position(|n| *n == s.from) {
            m.push_str(&format!("    s{p} --> s{i}\n"));
        }
    }
    let last = conversion.stages.len().saturating_sub(1);
    for a in &conversion.artifacts {
        if let Some(p) = names.iter().position(|n| *n == a.from_stage) {
            m.push_str(&format!(
                "    s{p} -- \"COPY --from {}\" --> s{last}\n",
                mermaid_text(&a.source)
            ));
        }
    }
    m.push_str("  end\n");
    m
}

// ---------------------------------------------------------------------------
// verify
// ---------------------------------------------------------------------------

/// Builds the multi-stage Dockerfile (`target`, `args`) and inspects it
/// and the legacy image `legacy_ref` on the chosen engine.
#[allow(clippy::too_many_arguments)]
fn build_and_inspect(
    options: &Options,
    store: &Store,
    work: &Path,
    legacy_ref: &str,
    legacy_name: &str,
    dockerfile: &Path,
    ctx: &Path,
    target: Option<String>,
    args: &BTreeMap<String, String>,
) -> miette::Result<(ImageFacts, ImageFacts)> {
    match options.engine {
        Engine::Embedded => {
            let legacy_image = store
                .resolve(legacy_ref)
                .map_err(|e| miette!("cannot read the store: {e}"))?
                .ok_or_else(|| miette!("the legacy script did not build {legacy_name}"))?;
            let image = embedded_build(store, dockerfile, ctx, target, args.clone())?;
            Ok((
                embedded_facts(store, &legacy_image)?,
                embedded_facts(store, &image)?,
            ))
        }
        Engine::Docker => {
            let id = docker_build(&options.docker, dockerfile, ctx, target.as_deref(), args)?;
            Ok((
                docker_facts(&options.docker, legacy_ref, work)?,
                docker_facts(&options.docker, &id, work)?,
            ))
        }
    }
}

/// Every difference between the legacy and the multi-stage image, the
/// expected ones explained.
fn compare(
    legacy: &ImageFacts,
    multi: &ImageFacts,
    multistage_text: &str,
    df_rel: &str,
) -> Vec<tree::Difference> {
    let mut differences = tree::compare_trees(&legacy.tree, &multi.tree);
    differences.extend(tree::compare_configs(&legacy.config, &multi.config));
    // An image that copies its whole context ships the Dockerfile the
    // migration rewrote: that file must differ.
    let rewritten = {
        use sha2::Digest as _;
        sha2::Sha256::digest(multistage_text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let df_name = Path::new(df_rel)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for d in differences.iter_mut() {
        if d.kind == "file"
            && Path::new(&d.path)
                .file_name()
                .is_some_and(|n| n.to_string_lossy() == df_name)
            && multi
                .tree
                .get(&d.path)
                .is_some_and(|e| e.sha256 == rewritten)
            && legacy.tree.contains_key(&d.path)
        {
            d.expected = true;
            d.explanation = format!(
                "the image copies the build context, which holds {df_rel}: the migration rewrote that Dockerfile, so its copy differs"
            );
        }
    }
    differences
}

fn same_image_name(a: &str, b: &str) -> bool {
    match (store::normalize_name(a), store::normalize_name(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Runs the verification. For the embedded engine the caller must already
/// have entered a private mount namespace ([`sandbox::enter_private_mounts`]).
pub fn verify(options: &Options) -> miette::Result<Report> {
    let dir = &options.dir;
    if !dir.is_dir() {
        return Err(miette!("{} is not a directory", dir.display()));
    }
    let script = match &options.script {
        Some(s) => s.clone(),
        None => find_driver(dir)?,
    };
    let trace = evaluate(options, &script)?;
    let conversions = convert::convert(
        dir,
        &trace,
        &convert::Options {
            stage_name: options.stage_name.clone(),
        },
    );
    let conversion = conversions
        .iter()
        .find(|c| c.output.is_some() && c.status == Status::Converted)
        .or_else(|| conversions.iter().find(|c| c.output.is_some()))
        .cloned()
        .ok_or_else(|| {
            let why: Vec<String> = conversions
                .iter()
                .flat_map(|c| c.diagnostics.iter().map(|d| d.message.clone()))
                .collect();
            miette!(
                help = "run `msmigrate convert` on the directory for the details",
                "nothing to verify: the setup does not convert{}",
                if why.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", why.join("; "))
                }
            )
        })?;
    let flow = Flow::from_trace(&trace, dir);
    let mut details = Details {
        dir: dir.display().to_string(),
        ..Default::default()
    };
    if conversion.status != Status::Converted {
        details.notes.push(
            "the conversion is partial: see `msmigrate convert` for what was not converted"
                .to_string(),
        );
    }
    let target_image = conversion.target_image.clone().ok_or_else(|| {
        miette!(
            "the conversion names no runtime image tag, so the legacy final image cannot be found"
        )
    })?;
    let target = conversion
        .targets
        .iter()
        .find(|t| t.image.as_deref() == Some(target_image.as_str()))
        .cloned();
    if conversion.targets.len() > 1 {
        details.notes.push(format!(
            "the setup builds {} runtime images; each is verified, {target_image} is the main one",
            conversion.targets.len()
        ));
    }
    let (ms_target, ms_args) = match &target {
        Some(t) => (t.target.clone(), t.build_args.clone()),
        None => (None, conversion.build_args.clone()),
    };
    let multistage_text = match &options.dockerfile {
        Some(p) => {
            let path = if p.is_absolute() {
                p.clone()
            } else {
                dir.join(p)
            };
            fs::read_to_string(&path).map_err(|e| miette!("cannot read {}: {e}", path.display()))?
        }
        None => conversion.output.clone().unwrap_or_default(),
    };
    details.dockerfile = multistage_text.clone();
    details.stages = conversion
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                s.name.clone().unwrap_or_else(|| format!("stage-{i}")),
                s.role.to_string(),
                s.from.clone(),
            )
        })
        .collect();
    details.artifacts = conversion
        .artifacts
        .iter()
        .map(|a| (a.from_stage.clone(), a.source.clone(), a.dest.clone()))
        .collect();
    details.mermaid = mermaid(&flow, &conversion);

    let scratch =
        scratch_dir(options.keep).map_err(|e| miette!("cannot create a scratch directory: {e}"))?;
    let store = Store::open(&options.store)
        .map_err(|e| miette!("cannot open the store {}: {e}", options.store.display()))?;

    // 1. The legacy flow.
    let legacy_dir = scratch.root.join("legacy");
    copy_tree(dir, &legacy_dir).map_err(|e| miette!("cannot copy {}: {e}", dir.display()))?;
    let bin = shim_bin(&scratch.root, &options.exe)
        .map_err(|e| miette!("cannot set up the docker shim: {e}"))?;
    let log_path = scratch.root.join("builds.jsonl");
    note(&format!(
        "running the legacy script {} with {} as docker",
        script.display(),
        match options.engine {
            Engine::Embedded => "msmigrate's embedded builder",
            Engine::Docker => "the real docker CLI",
        }
    ));
    let run = run_script(options, &script, &legacy_dir, &bin, &log_path)
        .map_err(|e| miette!("cannot run {}: {e}", script.display()))?;
    let mut legacy_seconds = run.seconds;
    let (method, events) = if run.ok {
        ("script", shim::read_log(&log_path))
    } else if options.engine == Engine::Embedded {
        details.notes.push(format!(
            "the legacy script failed on the embedded engine:\n{}",
            tail(&run.output, 8)
        ));
        note("the legacy script failed on the embedded engine; replaying the reconstructed flow");
        let _ = fs::remove_dir_all(&legacy_dir);
        copy_tree(dir, &legacy_dir).map_err(|e| miette!("cannot copy {}: {e}", dir.display()))?;
        let started = Instant::now();
        let events = replay(&store, &flow, &legacy_dir, &mut details.notes).map_err(|e| {
            miette!(
                "the legacy script failed and the flow cannot be replayed: {e}\nscript output:\n{}",
                tail(&run.output, 15)
            )
        })?;
        legacy_seconds = started.elapsed().as_secs_f64();
        ("replay", events)
    } else {
        return Err(miette!(
            "the legacy script failed on Docker:\n{}",
            tail(&run.output, 15)
        ));
    };
    let target_tags: Vec<String> = conversion
        .targets
        .iter()
        .filter_map(|t| t.image.clone())
        .chain(std::iter::once(target_image.clone()))
        .collect();
    let is_final = |e: &shim::BuildEvent| {
        e.tags
            .iter()
            .any(|t| target_tags.iter().any(|f| same_image_name(t, f)))
    };
    let final_event = events
        .iter()
        .rev()
        .find(|e| e.tags.iter().any(|t| same_image_name(t, &target_image)))
        .cloned();
    let mut builder_images: Vec<SizedImage> = Vec::new();
    for e in events.iter().filter(|e| !is_final(e)) {
        if builder_images
            .iter()
            .any(|b| b.tag.as_deref() == e.tags.first().map(String::as_str) && b.size == e.size)
        {
            continue;
        }
        builder_images.push(SizedImage {
            tag: e.tags.first().cloned().or_else(|| Some(e.id.clone())),
            size: e.size,
        });
    }
    let legacy_ref = final_event
        .as_ref()
        .map(|e| e.id.clone())
        .unwrap_or_else(|| target_image.clone());

    // 2. The multi-stage build, in its own copy.
    let ms_dir = scratch.root.join("multistage");
    copy_tree(dir, &ms_dir).map_err(|e| miette!("cannot copy {}: {e}", dir.display()))?;
    let df_rel = conversion
        .dockerfile
        .clone()
        .unwrap_or_else(|| "Dockerfile".to_string());
    let df_path = ms_dir.join(&df_rel);
    fs::write(&df_path, &multistage_text)
        .map_err(|e| miette!("cannot write {}: {e}", df_path.display()))?;
    if let Some(ignore) = &conversion.dockerignore {
        fs::write(ms_dir.join(&ignore.path), &ignore.content)
            .map_err(|e| miette!("cannot write {}: {e}", ignore.path))?;
    }
    let ctx = match conversion.context.as_deref() {
        None | Some(".") | Some("") => ms_dir.clone(),
        Some(c) => ms_dir.join(c),
    };
    note("building the multi-stage Dockerfile");
    let started = Instant::now();
    let (legacy, multi) = build_and_inspect(
        options,
        &store,
        &scratch.root,
        &legacy_ref,
        &target_image,
        &df_path,
        &ctx,
        ms_target.clone(),
        &ms_args,
    )?;
    let ms_seconds = started.elapsed().as_secs_f64();

    // 3. Compare.
    let differences = compare(&legacy, &multi, &multistage_text, &df_rel);
    let mut equivalent = differences.iter().all(|d| d.expected);

    // 3b. The other runtime images of a setup that builds several.
    let mut targets = Vec::new();
    for t in &conversion.targets {
        let Some(image) = t.image.clone() else {
            continue;
        };
        if same_image_name(&image, &target_image) {
            continue;
        }
        let Some(event) = events
            .iter()
            .rev()
            .find(|e| e.tags.iter().any(|tag| same_image_name(tag, &image)))
        else {
            details.notes.push(format!(
                "the legacy flow did not build {image}; not compared"
            ));
            continue;
        };
        note(&format!("building the multi-stage target for {image}"));
        let (legacy_t, multi_t) = build_and_inspect(
            options,
            &store,
            &scratch.root,
            &event.id,
            &image,
            &df_path,
            &ctx,
            t.target.clone(),
            &t.build_args,
        )?;
        let diffs = compare(&legacy_t, &multi_t, &multistage_text, &df_rel);
        let same = diffs.iter().all(|d| d.expected);
        equivalent &= same;
        targets.push(TargetReport {
            image: image.clone(),
            target: t.target.clone(),
            equivalent: same,
            legacy: SizedImage {
                tag: Some(image),
                size: legacy_t.size,
            },
            multistage: Size { size: multi_t.size },
            differences: diffs,
        });
    }

    // 4. With fixes.
    let mut with_fixes = None;
    let mut with_fixes_seconds = None;
    if options.with_fixes {
        let has_image = |r: &str| -> bool {
            match options.engine {
                Engine::Embedded => store.resolve(r).ok().flatten().is_some(),
                Engine::Docker => docker(&options.docker, &["image", "inspect", r], false).is_ok(),
            }
        };
        match fixed_dockerfile(
            &multistage_text,
            ms_target.as_deref(),
            &has_image,
            &mut details.fixes,
        ) {
            Some(text) => {
                let fixed_path = ms_dir.join(format!("{df_rel}.fixed"));
                fs::write(&fixed_path, &text)
                    .map_err(|e| miette!("cannot write {}: {e}", fixed_path.display()))?;
                note("building the multi-stage Dockerfile with the lint fixes");
                let started = Instant::now();
                let size = match options.engine {
                    Engine::Embedded => embedded_build(
                        &store,
                        &fixed_path,
                        &ctx,
                        ms_target.clone(),
                        ms_args.clone(),
                    )
                    .map(|i| i.docker_size()),
                    Engine::Docker => docker_build(
                        &options.docker,
                        &fixed_path,
                        &ctx,
                        ms_target.as_deref(),
                        &ms_args,
                    )
                    .and_then(|id| docker_size(&options.docker, &id)),
                };
                match size {
                    Ok(size) => {
                        with_fixes = Some(Size { size });
                        with_fixes_seconds = Some(started.elapsed().as_secs_f64());
                    }
                    Err(e) => details
                        .notes
                        .push(format!("the Dockerfile with fixes does not build: {e}")),
                }
            }
            None => details
                .notes
                .push("--with-fixes: no lint fix or runtime base applies".to_string()),
        }
    }

    // 5. Bloat in the final image.
    let instructions: Vec<String> = multi.layers.iter().map(|l| l.instruction.clone()).collect();
    let bloat = bloat::findings(&multi.scans, &instructions);
    let _ = (&legacy.id, &multi.id);
    details.legacy_layers = legacy.layers;
    details.multistage_layers = multi.layers;

    Ok(Report {
        equivalent,
        engine: options.engine.name(),
        legacy: Legacy {
            method,
            builder_images,
            final_image: SizedImage {
                tag: Some(target_image.clone()),
                size: legacy.size,
            },
        },
        multistage: Multistage {
            final_image: Size { size: multi.size },
            with_fixes,
        },
        differences,
        targets,
        bloat,
        timings: Timings {
            legacy_seconds,
            multistage_seconds: ms_seconds,
            with_fixes_seconds,
        },
        details,
    })
}
