//! `docker` on the embedded builder: what `msmigrate verify` puts first on a
//! legacy script's PATH so the script itself runs without a daemon.
//!
//! `src/main.rs` calls [`main`] when the binary is invoked as `docker` (a
//! symlink). The subcommands builder-pattern scripts use are implemented
//! over the store named by `MSMIGRATE_STORE`: `build` is `msmigrate
//! build`; a container is an image plus a writable upper directory kept in
//! the store's `containers/` area, which `run`/`start` mount as an overlay
//! and run in the sandbox, `cp` copies out of or into with `docker cp`'s
//! semantics, and `commit` turns into a layer. Anything else (a subcommand
//! or flag this does not model) fails loudly with exit code 125, so verify
//! can fall back to replaying the reconstructed flow.
//!
//! With `MSMIGRATE_SHIM_REAL_DOCKER` set, every call goes to that real
//! docker CLI; `build` calls are only logged (tags, ID, size) first, so
//! verify knows the builder images even after the script removed them.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::builder::build::{self, BuildOptions, Progress, Step};
use crate::builder::layer::{self, DiffOptions};
use crate::builder::oci::{ContainerConfig, Digest, Empty, History, RootFs};
use crate::builder::sandbox::{self, Network, RunMount, RunSpec};
use crate::builder::store::{LayerRecord, Removed, Store, StoredImage};
use crate::builder::{archive, store};

/// The store the shim works on.
pub const STORE_ENV: &str = "MSMIGRATE_STORE";
/// A JSON-lines file the shim appends what it built to.
pub const LOG_ENV: &str = "MSMIGRATE_SHIM_LOG";
/// A real docker CLI to pass every call to (the `--engine docker` mode).
pub const REAL_DOCKER_ENV: &str = "MSMIGRATE_SHIM_REAL_DOCKER";

/// One image a `docker build` made, as the log records it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BuildEvent {
    /// `-t` values.
    pub tags: Vec<String>,
    /// The image ID (`sha256:...`).
    pub id: String,
    /// Its size as `docker image ls` shows it.
    pub size: u64,
    /// Wall time of the build.
    pub seconds: f64,
    /// `-f`, as given.
    pub dockerfile: String,
}

/// Reads the build log the shim wrote (missing file: nothing built).
pub fn read_log(path: &Path) -> Vec<BuildEvent> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// A failure of one docker call: the message and docker's exit code.
struct Fail(String, u8);

type Res<T> = Result<T, Fail>;

fn fail<T>(message: impl Into<String>) -> Res<T> {
    Err(Fail(message.into(), 1))
}

fn unsupported<T>(message: impl Into<String>) -> Res<T> {
    Err(Fail(
        format!(
            "{} (msmigrate's docker shim does not model this; verify falls back to replaying the flow)",
            message.into()
        ),
        125,
    ))
}

fn io_fail(context: &str) -> impl FnOnce(io::Error) -> Fail + '_ {
    move |e| Fail(format!("{context}: {e}"), 1)
}

/// The shim's entry point (argv[0] is `docker`).
pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if let Some(real) = std::env::var_os(REAL_DOCKER_ENV).filter(|v| !v.is_empty()) {
        return passthrough(Path::new(&real), &args);
    }
    match dispatch(&args) {
        Ok(code) => ExitCode::from(code),
        Err(Fail(message, code)) => {
            let _ = writeln!(io::stderr(), "docker (msmigrate shim): {message}");
            ExitCode::from(code)
        }
    }
}

// ---------------------------------------------------------------------------
// Pass-through to a real docker (`--engine docker`)
// ---------------------------------------------------------------------------

fn passthrough(real: &Path, args: &[String]) -> ExitCode {
    let (_, rest) = split_globals(args).unwrap_or((Vec::new(), args.to_vec()));
    let is_build = matches!(
        rest.iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["build", ..] | ["image", "build", ..] | ["builder", "build", ..]
    );
    if !is_build {
        let err = Command::new(real).args(args).exec();
        let _ = writeln!(io::stderr(), "cannot run {}: {err}", real.display());
        return ExitCode::from(127);
    }
    let started = Instant::now();
    let status = Command::new(real).args(args).status();
    let code = match status {
        Ok(s) => s.code().unwrap_or(125),
        Err(e) => {
            let _ = writeln!(io::stderr(), "cannot run {}: {e}", real.display());
            return ExitCode::from(127);
        }
    };
    if code == 0 {
        let sub = if rest[0] == "build" {
            &rest[1..]
        } else {
            &rest[2..]
        };
        if let Ok(parsed) = parse_flags(sub, BUILD_FLAGS, false) {
            let tags = parsed.all("t");
            if let Some(tag) = tags.first() {
                let out = Command::new(real)
                    .args(["image", "inspect", "--format", "{{.Id}} {{.Size}}", tag])
                    .output();
                if let Ok(out) = out {
                    let text = String::from_utf8_lossy(&out.stdout);
                    let mut words = text.split_whitespace();
                    if let (Some(id), Some(size)) = (words.next(), words.next()) {
                        log_build(BuildEvent {
                            tags: tags.clone(),
                            id: id.to_string(),
                            size: size.parse().unwrap_or(0),
                            seconds: started.elapsed().as_secs_f64(),
                            dockerfile: parsed.one("f").unwrap_or_default(),
                        });
                    }
                }
            }
        }
    }
    ExitCode::from(u8::try_from(code).unwrap_or(125))
}

fn log_build(event: BuildEvent) {
    let Some(path) = std::env::var_os(LOG_ENV) else {
        return;
    };
    if let Ok(mut f) = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(PathBuf::from(path))
        && let Ok(line) = serde_json::to_string(&event)
    {
        let _ = writeln!(f, "{line}");
    }
}

// ---------------------------------------------------------------------------
// Command-line parsing, docker style
// ---------------------------------------------------------------------------

/// A flag: its names (the first is canonical, without dashes) and whether it
/// takes a value.
type FlagSpec = (&'static [&'static str], bool);

struct Parsed {
    flags: Vec<(&'static str, Option<String>)>,
    positionals: Vec<String>,
}

impl Parsed {
    fn has(&self, name: &str) -> bool {
        self.flags
            .iter()
            .any(|(n, v)| *n == name && v.as_deref().is_none_or(|v| v != "false" && v != "0"))
    }
    fn one(&self, name: &str) -> Option<String> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.clone())
    }
    fn all(&self, name: &str) -> Vec<String> {
        self.flags
            .iter()
            .filter(|(n, _)| *n == name)
            .filter_map(|(_, v)| v.clone())
            .collect()
    }
}

fn find_spec(specs: &[FlagSpec], name: &str) -> Option<(&'static str, bool)> {
    specs
        .iter()
        .find(|(names, _)| names.contains(&name))
        .map(|(names, takes)| (names[0], *takes))
}

/// Parses `args` against `specs`. With `stop_at_positional` (run, create)
/// everything after the first positional is positional (the command).
fn parse_flags(args: &[String], specs: &[FlagSpec], stop_at_positional: bool) -> Res<Parsed> {
    let mut out = Parsed {
        flags: Vec::new(),
        positionals: Vec::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            out.positionals.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let Some((canon, takes)) = find_spec(specs, name) else {
                return unsupported(format!("unknown flag --{name}"));
            };
            let value = if takes {
                match inline {
                    Some(v) => Some(v),
                    None => {
                        let v = args.get(i).cloned().ok_or_else(|| {
                            Fail(format!("flag needs an argument: --{name}"), 125)
                        })?;
                        i += 1;
                        Some(v)
                    }
                }
            } else {
                inline
            };
            out.flags.push((canon, value));
        } else if a.len() > 1 && a.starts_with('-') {
            let letters: Vec<char> = a[1..].chars().collect();
            let mut k = 0;
            while k < letters.len() {
                let name = letters[k].to_string();
                let Some((canon, takes)) = find_spec(specs, &name) else {
                    return unsupported(format!("unknown shorthand flag: '{name}' in {a}"));
                };
                if takes {
                    let rest: String = letters[k + 1..].iter().collect();
                    let rest = rest.strip_prefix('=').unwrap_or(&rest).to_string();
                    let value = if !rest.is_empty() {
                        rest
                    } else {
                        let v = args
                            .get(i)
                            .cloned()
                            .ok_or_else(|| Fail(format!("flag needs an argument: -{name}"), 125))?;
                        i += 1;
                        v
                    };
                    out.flags.push((canon, Some(value)));
                    break;
                }
                out.flags.push((canon, None));
                k += 1;
            }
        } else {
            out.positionals.push(a.clone());
            if stop_at_positional {
                out.positionals.extend(args[i..].iter().cloned());
                break;
            }
        }
    }
    Ok(out)
}

const GLOBAL_FLAGS: &[FlagSpec] = &[
    (&["D", "debug"], false),
    (&["l", "log-level"], true),
    (&["H", "host"], true),
    (&["context", "c"], true),
    (&["config"], true),
    (&["tls"], false),
    (&["tlsverify"], false),
];

/// Splits docker's global flags from the subcommand and its arguments.
fn split_globals(args: &[String]) -> Res<(Vec<String>, Vec<String>)> {
    let mut i = 0;
    let mut globals = Vec::new();
    while i < args.len() && args[i].starts_with('-') {
        let name = args[i].trim_start_matches('-');
        let (name, inline) = match name.split_once('=') {
            Some((n, _)) => (n, true),
            None => (name, false),
        };
        let Some((_, takes)) = find_spec(GLOBAL_FLAGS, name) else {
            if args[i] == "--version" || args[i] == "-v" {
                return Ok((globals, vec!["version".to_string()]));
            }
            return unsupported(format!("unknown global flag {}", args[i]));
        };
        globals.push(args[i].clone());
        i += 1;
        if takes && !inline {
            if let Some(v) = args.get(i) {
                globals.push(v.clone());
            }
            i += 1;
        }
    }
    if i >= args.len() {
        return fail("no subcommand given");
    }
    Ok((globals, args[i..].to_vec()))
}

const BUILD_FLAGS: &[FlagSpec] = &[
    (&["t", "tag"], true),
    (&["f", "file"], true),
    (&["build-arg"], true),
    (&["target"], true),
    (&["no-cache"], false),
    (&["q", "quiet"], false),
    (&["pull"], false),
    (&["rm"], false),
    (&["force-rm"], false),
    (&["network"], true),
    (&["progress"], true),
    (&["platform"], true),
    (&["label"], true),
    (&["load"], false),
    (&["iidfile"], true),
    (&["cache-from"], true),
    (&["add-host"], true),
    (&["m", "memory"], true),
    (&["memory-swap"], true),
    (&["shm-size"], true),
    (&["cpu-shares"], true),
    (&["ulimit"], true),
];

const RUN_FLAGS: &[FlagSpec] = &[
    (&["rm"], false),
    (&["name"], true),
    (&["v", "volume"], true),
    (&["mount"], true),
    (&["w", "workdir"], true),
    (&["e", "env"], true),
    (&["env-file"], true),
    (&["entrypoint"], true),
    (&["u", "user"], true),
    (&["d", "detach"], false),
    (&["i", "interactive"], false),
    (&["t", "tty"], false),
    (&["network", "net"], true),
    (&["platform"], true),
    (&["pull"], true),
    (&["h", "hostname"], true),
    (&["l", "label"], true),
    (&["cidfile"], true),
    (&["init"], false),
    (&["p", "publish"], true),
    (&["a", "attach"], true),
    (&["sig-proxy"], false),
    (&["security-opt"], true),
    (&["privileged"], false),
];

// ---------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------

fn open_store() -> Res<Store> {
    let root = std::env::var_os(STORE_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(Store::default_root);
    Store::open(&root).map_err(io_fail("cannot open the image store"))
}

/// Enters the private mount namespace the builder and sandbox need.
fn private_mounts() -> Res<()> {
    sandbox::enter_private_mounts().map_err(|e| Fail(e.to_string(), 125))
}

fn dispatch(args: &[String]) -> Res<u8> {
    let (_, rest) = split_globals(args)?;
    let sub = rest[0].as_str();
    let tail = &rest[1..];
    let (group, sub, tail) = match sub {
        "container" | "image" | "builder" | "buildx" if !tail.is_empty() => {
            (sub, tail[0].as_str(), &tail[1..])
        }
        _ => ("", sub, tail),
    };
    match (group, sub) {
        (_, "build") => cmd_build(tail),
        ("container" | "", "create") => cmd_create(tail),
        ("container" | "", "run") => cmd_run(tail),
        ("container" | "", "start") => cmd_start(tail),
        ("container" | "", "cp") => cmd_cp(tail),
        ("container", "rm") | ("", "rm") => cmd_rm(tail),
        ("container" | "", "wait") => cmd_wait(tail),
        ("container" | "", "stop" | "kill") => cmd_stop(tail),
        ("container" | "", "logs") => cmd_logs(tail),
        ("container" | "", "commit") => cmd_commit(tail),
        ("container" | "", "export") => cmd_export(tail),
        ("container", "ls" | "list" | "ps") | ("", "ps") => cmd_ps(tail),
        ("image", "rm" | "remove") | ("", "rmi") => cmd_rmi(tail),
        ("image" | "", "tag") => cmd_tag(tail),
        ("image", "ls" | "list") | ("", "images") => cmd_images(tail),
        ("image" | "container" | "", "inspect") => cmd_inspect(tail, group),
        ("image" | "", "pull") => cmd_pull(tail),
        ("image" | "", "save") => cmd_save(tail),
        ("image" | "", "load") => cmd_load(tail),
        ("", "version") => {
            println!("msmigrate docker shim {}", env!("CARGO_PKG_VERSION"));
            Ok(0)
        }
        ("", "info") => {
            println!("Server Version: msmigrate-embedded");
            Ok(0)
        }
        _ => unsupported(format!(
            "`docker {}{sub}` is not supported",
            if group.is_empty() {
                String::new()
            } else {
                format!("{group} ")
            }
        )),
    }
}

// ---------------------------------------------------------------------------
// build
// ---------------------------------------------------------------------------

struct BuildLines {
    quiet: bool,
    sink: io::Stderr,
    null: io::Sink,
}

impl Progress for BuildLines {
    fn start(&mut self, label: &str, text: &str) {
        if !self.quiet {
            let _ = writeln!(self.sink, "{label} {text}");
        }
    }
    fn done(&mut self, step: &Step) {
        if !self.quiet && step.cached {
            let _ = writeln!(self.sink, " ---> Using cache");
        }
    }
    fn log(&mut self) -> &mut dyn Write {
        if self.quiet {
            &mut self.null
        } else {
            &mut self.sink
        }
    }
}

fn cmd_build(args: &[String]) -> Res<u8> {
    let p = parse_flags(args, BUILD_FLAGS, false)?;
    let [context] = p.positionals.as_slice() else {
        return fail("\"docker build\" requires exactly 1 argument");
    };
    if context == "-" || context.contains("://") || context.starts_with("git@") {
        return unsupported(format!("build context {context}"));
    }
    if let Some(n) = p.one("network")
        && !matches!(n.as_str(), "none" | "default" | "host")
    {
        return unsupported(format!("--network {n}"));
    }
    private_mounts()?;
    let store = open_store()?;
    let context = PathBuf::from(context);
    let quiet = p.has("q");
    let (dockerfile, _stdin_file) = match p.one("f") {
        Some(f) if f == "-" => {
            let mut text = Vec::new();
            io::stdin()
                .read_to_end(&mut text)
                .map_err(io_fail("cannot read the Dockerfile from stdin"))?;
            let path = store.temp_path("stdin-dockerfile");
            fs::write(&path, text).map_err(io_fail("cannot write a temporary file"))?;
            (path.clone(), Some(TempFile(path)))
        }
        Some(f) => (PathBuf::from(f), None),
        None => (context.join("Dockerfile"), None),
    };
    let mut build_args = BTreeMap::new();
    for a in p.all("build-arg") {
        match a.split_once('=') {
            Some((k, v)) => {
                build_args.insert(k.to_string(), v.to_string());
            }
            None => {
                if let Ok(v) = std::env::var(&a) {
                    build_args.insert(a.clone(), v);
                }
            }
        }
    }
    let options = BuildOptions {
        dockerfile: dockerfile.clone(),
        context,
        target: p.one("target"),
        build_args,
        no_cache: p.has("no-cache"),
        network_host: p.one("network").as_deref() == Some("host"),
        source_date_epoch: std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|v| v.parse().ok()),
    };
    let mut progress = BuildLines {
        quiet,
        sink: io::stderr(),
        null: io::sink(),
    };
    let started = Instant::now();
    let output = build::build(&store, &options, &mut progress).map_err(|e| {
        Fail(
            format!("building {}: {}", dockerfile.display(), e.message),
            1,
        )
    })?;
    let tags = p.all("t");
    for tag in &tags {
        store
            .tag(tag, &output.image)
            .map_err(io_fail(&format!("cannot tag {tag}")))?;
    }
    log_build(BuildEvent {
        tags: tags.clone(),
        id: output.image.id.to_string(),
        size: output.image.docker_size(),
        seconds: started.elapsed().as_secs_f64(),
        dockerfile: p.one("f").unwrap_or_else(|| "Dockerfile".to_string()),
    });
    if let Some(path) = p.one("iidfile") {
        fs::write(&path, output.image.id.to_string())
            .map_err(io_fail(&format!("cannot write {path}")))?;
    }
    let mut out = io::stdout().lock();
    if quiet {
        let _ = writeln!(out, "{}", output.image.id);
    } else {
        let _ = writeln!(out, "Successfully built {}", output.image.short_id());
        for t in &tags {
            let _ = writeln!(out, "Successfully tagged {}", qualified_tag(t));
        }
    }
    Ok(0)
}

/// `name` with `:latest` when it has no tag (as docker prints it).
fn qualified_tag(name: &str) -> String {
    let last = name.rsplit('/').next().unwrap_or(name);
    if last.contains(':') || name.contains('@') {
        name.to_string()
    } else {
        format!("{name}:latest")
    }
}

struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

// ---------------------------------------------------------------------------
// Containers
// ---------------------------------------------------------------------------

/// A bind mount or volume of a container.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct MountRecord {
    source: PathBuf,
    target: String,
    readonly: bool,
}

/// What the store keeps of a container.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ContainerRecord {
    id: String,
    name: String,
    image: String,
    image_id: String,
    layers: Vec<Digest>,
    /// The image's config with the container's overrides.
    config: ContainerConfig,
    mounts: Vec<MountRecord>,
    /// `created`, `running` or `exited`.
    state: String,
    exit_code: Option<i32>,
    /// Mount-point stubs the sandbox created in the upper dir.
    stubs: Vec<PathBuf>,
    auto_remove: bool,
    created: String,
}

fn containers_dir(store: &Store) -> PathBuf {
    store.root().join("containers")
}

fn container_dir(store: &Store, id: &str) -> PathBuf {
    containers_dir(store).join(id)
}

fn load_containers(store: &Store) -> Vec<ContainerRecord> {
    let mut out = Vec::new();
    for entry in fs::read_dir(containers_dir(store))
        .into_iter()
        .flatten()
        .flatten()
    {
        if let Ok(text) = fs::read(entry.path().join("container.json"))
            && let Ok(rec) = serde_json::from_slice::<ContainerRecord>(&text)
        {
            out.push(rec);
        }
    }
    out.sort_by(|a, b| a.created.cmp(&b.created));
    out
}

fn find_container(store: &Store, reference: &str) -> Res<ContainerRecord> {
    let all = load_containers(store);
    if let Some(c) = all
        .iter()
        .find(|c| c.name == reference || c.id == reference)
    {
        return Ok(c.clone());
    }
    let matches: Vec<&ContainerRecord> = all
        .iter()
        .filter(|c| !reference.is_empty() && c.id.starts_with(reference))
        .collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        _ => fail(format!("Error: No such container: {reference}")),
    }
}

fn save_container(store: &Store, rec: &ContainerRecord) -> Res<()> {
    let dir = container_dir(store, &rec.id);
    fs::create_dir_all(&dir).map_err(io_fail("cannot create the container"))?;
    let json = serde_json::to_vec_pretty(rec).map_err(|e| Fail(e.to_string(), 125))?;
    store
        .write_atomic(&dir.join("container.json"), &json)
        .map_err(io_fail("cannot record the container"))
}

fn new_id() -> String {
    let seed = format!(
        "{}-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
        std::thread::current().id()
    );
    Digest::of(seed.as_bytes()).hex().to_string()
}

fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let base = archive::rfc3339(secs);
    // Nanoseconds keep creation order exact.
    match base.strip_suffix('Z') {
        Some(b) => format!("{b}.{nanos:09}Z"),
        None => base,
    }
}

/// Extracts the layers of `layers` that are not yet (the build does the same).
fn ensure_extracted(store: &Store, layers: &[Digest]) -> Res<()> {
    for diff_id in layers {
        if store.layer_complete(diff_id) {
            continue;
        }
        let dir = store.layer_dir(diff_id);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).map_err(io_fail("cannot create a layer directory"))?;
        let mut blob =
            fs::File::open(store.blob_path(diff_id)).map_err(io_fail("cannot open a layer"))?;
        layer::extract(&mut blob, &dir).map_err(io_fail("cannot extract a layer"))?;
        store
            .mark_layer_complete(diff_id)
            .map_err(io_fail("cannot record a layer"))?;
    }
    Ok(())
}

/// [`ensure_extracted`] for the rest of verify.
pub(crate) fn ensure_layers(store: &Store, layers: &[Digest]) -> Result<(), String> {
    ensure_extracted(store, layers).map_err(|Fail(m, _)| m)
}

/// `docker cp` from a container of `image` that never ran (its filesystem
/// is the image's): `src` in it to `dest` under `host_root`, owned by the
/// invoking user.
pub(crate) fn copy_out_of_image(
    store: &Store,
    image: &StoredImage,
    src: &str,
    host_root: &Path,
    dest: &str,
) -> Result<(), String> {
    let layers: Vec<Digest> = image.layers.iter().map(|l| l.diff_id.clone()).collect();
    ensure_layers(store, &layers)?;
    let view = store.temp_path("cp-view");
    fs::create_dir_all(&view).map_err(|e| e.to_string())?;
    let result = (|| {
        let _mount =
            sandbox::mount_readonly(&lowers(store, &layers), &view).map_err(|e| e.to_string())?;
        let owner = (unsafe { libc::geteuid() }, unsafe { libc::getegid() });
        copy_between(&view, src, host_root, dest, false, Some(owner), false).map_err(|Fail(m, _)| m)
    })();
    let _ = fs::remove_dir(&view);
    result
}

fn lowers(store: &Store, layers: &[Digest]) -> Vec<PathBuf> {
    layers.iter().rev().map(|d| store.layer_dir(d)).collect()
}

fn resolve_image(store: &Store, reference: &str) -> Res<StoredImage> {
    match store.resolve(reference) {
        Ok(Some(image)) => Ok(image),
        Ok(None) => fail(format!(
            "Unable to find image '{reference}' locally (the msmigrate store has no such image; load it with `docker save {reference} | msmigrate image load`)"
        )),
        Err(e) => fail(format!("cannot read the store: {e}")),
    }
}

fn parse_env_file(path: &str) -> Res<Vec<String>> {
    let text = fs::read_to_string(path).map_err(io_fail(&format!("cannot read {path}")))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            if l.contains('=') {
                Some(l.to_string())
            } else {
                std::env::var(l).ok().map(|v| format!("{l}={v}"))
            }
        })
        .collect())
}

fn set_env(env: &mut Vec<String>, kv: String) {
    let key = kv.split('=').next().unwrap_or("").to_string();
    env.retain(|e| e.split('=').next() != Some(key.as_str()));
    env.push(kv);
}

fn abs_host(path: &str) -> PathBuf {
    let p = PathBuf::from(path);
    if p.is_absolute() {
        p
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    }
}

/// The mounts of `-v` and `--mount`.
fn parse_mounts(store: &Store, p: &Parsed) -> Res<Vec<MountRecord>> {
    let mut out = Vec::new();
    for v in p.all("v") {
        let parts: Vec<&str> = v.split(':').collect();
        let (source, target, opts) = match parts.as_slice() {
            [target] => (None, *target, ""),
            [source, target] => (Some(*source), *target, ""),
            [source, target, opts] => (Some(*source), *target, *opts),
            _ => return unsupported(format!("-v {v}")),
        };
        let readonly = opts.split(',').any(|o| o == "ro" || o == "readonly");
        let source = match source {
            Some(s) if s.starts_with('/') || s.starts_with('.') => abs_host(s),
            Some(name) => volume_dir(store, name)?,
            None => volume_dir(store, &new_id())?,
        };
        if !source.exists() {
            // Docker creates a missing bind source as a directory.
            fs::create_dir_all(&source).map_err(io_fail("cannot create a bind mount source"))?;
        }
        out.push(MountRecord {
            source,
            target: target.to_string(),
            readonly,
        });
    }
    for m in p.all("mount") {
        let fields: BTreeMap<&str, &str> = m
            .split(',')
            .map(|kv| kv.split_once('=').unwrap_or((kv, "true")))
            .collect();
        let target = fields
            .get("target")
            .or_else(|| fields.get("dst"))
            .or_else(|| fields.get("destination"))
            .ok_or_else(|| Fail(format!("--mount {m}: no target"), 125))?;
        let source = fields.get("source").or_else(|| fields.get("src"));
        let readonly = fields
            .get("readonly")
            .or_else(|| fields.get("ro"))
            .is_some_and(|v| *v != "false");
        let source = match fields.get("type").copied().unwrap_or("volume") {
            "bind" => abs_host(source.ok_or_else(|| Fail(format!("--mount {m}: no source"), 125))?),
            "volume" => volume_dir(store, source.copied().unwrap_or(&new_id()))?,
            other => return unsupported(format!("--mount type={other}")),
        };
        out.push(MountRecord {
            source,
            target: target.to_string(),
            readonly,
        });
    }
    Ok(out)
}

fn volume_dir(store: &Store, name: &str) -> Res<PathBuf> {
    let dir = containers_dir(store).join("volumes").join(name);
    fs::create_dir_all(&dir).map_err(io_fail("cannot create a volume"))?;
    Ok(dir)
}

/// `docker create` and the container half of `docker run`.
fn create(store: &Store, p: &Parsed) -> Res<ContainerRecord> {
    let Some((image_ref, command)) = p.positionals.split_first() else {
        return fail("\"docker create\" requires at least 1 argument");
    };
    if let Some(plat) = p.one("platform")
        && plat != "linux/amd64"
    {
        return unsupported(format!("--platform {plat}"));
    }
    let image = resolve_image(store, image_ref)?;
    let mut config = image.config.config.clone();
    if let Some(ep) = p.one("entrypoint") {
        config.entrypoint = if ep.is_empty() { None } else { Some(vec![ep]) };
        // A new entrypoint drops the image's CMD, as Docker does.
        config.cmd = None;
    }
    if !command.is_empty() {
        config.cmd = Some(command.to_vec());
    }
    let argv: Vec<String> = config
        .entrypoint
        .clone()
        .unwrap_or_default()
        .into_iter()
        .chain(config.cmd.clone().unwrap_or_default())
        .collect();
    if argv.is_empty() {
        return fail("Error response from daemon: No command specified");
    }
    let mut env = config.env.clone().unwrap_or_default();
    for f in p.all("env-file") {
        for kv in parse_env_file(&f)? {
            set_env(&mut env, kv);
        }
    }
    for e in p.all("e") {
        if e.contains('=') {
            set_env(&mut env, e);
        } else if let Ok(v) = std::env::var(&e) {
            set_env(&mut env, format!("{e}={v}"));
        }
    }
    config.env = Some(env);
    if let Some(w) = p.one("w") {
        config.working_dir = w;
    }
    if let Some(u) = p.one("u") {
        config.user = u;
    }
    let id = new_id();
    let name = match p.one("name") {
        Some(n) => {
            if load_containers(store).iter().any(|c| c.name == n) {
                return fail(format!(
                    "Error response from daemon: Conflict. The container name \"/{n}\" is already in use"
                ));
            }
            n
        }
        None => format!("msmigrate_{}", &id[..8]),
    };
    let rec = ContainerRecord {
        id: id.clone(),
        name,
        image: image_ref.clone(),
        image_id: image.id.to_string(),
        layers: image.layers.iter().map(|l| l.diff_id.clone()).collect(),
        config,
        mounts: parse_mounts(store, p)?,
        state: "created".to_string(),
        exit_code: None,
        stubs: Vec::new(),
        auto_remove: p.has("rm"),
        created: now_rfc3339(),
    };
    let dir = container_dir(store, &id);
    for sub in ["upper", "work"] {
        fs::create_dir_all(dir.join(sub)).map_err(io_fail("cannot create the container"))?;
    }
    save_container(store, &rec)?;
    if let Some(cidfile) = p.one("cidfile") {
        fs::write(&cidfile, &id).map_err(io_fail("cannot write the cidfile"))?;
    }
    Ok(rec)
}

fn cmd_create(args: &[String]) -> Res<u8> {
    let p = parse_flags(args, RUN_FLAGS, true)?;
    let store = open_store()?;
    let rec = create(&store, &p)?;
    println!("{}", rec.id);
    Ok(0)
}

/// A container's filesystem, mounted writable until dropped.
struct Mounted {
    merged: PathBuf,
    _mount: sandbox::Mount,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = fs::remove_dir(&self.merged);
    }
}

fn mount_rw(store: &Store, rec: &ContainerRecord) -> Res<Mounted> {
    ensure_extracted(store, &rec.layers)?;
    let dir = container_dir(store, &rec.id);
    let merged = store.temp_path("ctr-merged");
    fs::create_dir_all(&merged).map_err(io_fail("cannot create a mount point"))?;
    let mount = sandbox::mount_overlay(
        &lowers(store, &rec.layers),
        &dir.join("upper"),
        &dir.join("work"),
        &merged,
    )
    .map_err(io_fail("cannot mount the container's filesystem"))?;
    Ok(Mounted {
        merged,
        _mount: mount,
    })
}

/// Runs a container's command; its output goes to `out` and its log.
fn start(store: &Store, rec: &mut ContainerRecord, out: &mut dyn Write) -> Res<i32> {
    let argv: Vec<String> = rec
        .config
        .entrypoint
        .clone()
        .unwrap_or_default()
        .into_iter()
        .chain(rec.config.cmd.clone().unwrap_or_default())
        .collect();
    let mounted = mount_rw(store, rec)?;
    let spec = RunSpec {
        rootfs: mounted.merged.clone(),
        argv,
        env: rec.config.env.clone().unwrap_or_default(),
        cwd: if rec.config.working_dir.is_empty() {
            "/".to_string()
        } else {
            rec.config.working_dir.clone()
        },
        user: rec.config.user.clone(),
        network: Network::None,
        hostname: rec.id[..12].to_string(),
        mounts: rec
            .mounts
            .iter()
            .map(|m| RunMount::Bind {
                source: m.source.clone(),
                target: m.target.clone(),
                readonly: m.readonly,
            })
            .collect(),
    };
    let log_path = container_dir(store, &rec.id).join("log");
    let mut log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(io_fail("cannot open the container log"))?;
    let mut tee = Tee {
        a: out,
        b: &mut log,
    };
    let result = sandbox::run(&spec, &mut tee);
    drop(mounted);
    let result = result.map_err(|e| Fail(format!("Error response from daemon: {e}"), 127))?;
    for s in result.created_stubs {
        if !rec.stubs.contains(&s) {
            rec.stubs.push(s);
        }
    }
    rec.state = "exited".to_string();
    rec.exit_code = Some(result.exit_code);
    save_container(store, rec)?;
    Ok(result.exit_code)
}

struct Tee<'a> {
    a: &'a mut dyn Write,
    b: &'a mut dyn Write,
}

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // A closed stdout (`| head`) must not stop the container's log.
        let _ = self.a.write_all(buf);
        self.b.write_all(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        let _ = self.a.flush();
        self.b.flush()
    }
}

fn remove_container(store: &Store, rec: &ContainerRecord) -> Res<()> {
    fs::remove_dir_all(container_dir(store, &rec.id))
        .map_err(io_fail(&format!("cannot remove container {}", rec.name)))
}

/// How long a `docker run -d` may run before the shim stops it.
pub const DETACHED_LIMIT_ENV: &str = "MSMIGRATE_SHIM_DETACHED_TIMEOUT";

fn detached_limit() -> std::time::Duration {
    std::env::var(DETACHED_LIMIT_ENV)
        .ok()
        .and_then(|v| sandbox::parse_duration(&v))
        .unwrap_or(std::time::Duration::from_secs(300))
}

fn cmd_run(args: &[String]) -> Res<u8> {
    let p = parse_flags(args, RUN_FLAGS, true)?;
    private_mounts()?;
    let store = open_store()?;
    let mut rec = create(&store, &p)?;
    let detach = p.has("d");
    if detach {
        // A detached container runs to completion here, before `run`
        // returns; a service that never ends (`sleep infinity`) would hang
        // the script, so it gets a time limit and is then stopped.
        sandbox::set_run_timeout(Some(detached_limit()));
    }
    let mut stdout = io::stdout().lock();
    let mut sink = io::sink();
    let out: &mut dyn Write = if detach { &mut sink } else { &mut stdout };
    let code = start(&store, &mut rec, out)?;
    if rec.auto_remove {
        remove_container(&store, &rec)?;
    }
    if detach {
        println!("{}", rec.id);
        return Ok(0);
    }
    Ok(u8::try_from(code).unwrap_or(125))
}

fn cmd_start(args: &[String]) -> Res<u8> {
    let p = parse_flags(
        args,
        &[(&["a", "attach"], false), (&["i", "interactive"], false)],
        false,
    )?;
    if p.positionals.is_empty() {
        return fail("\"docker start\" requires at least 1 argument");
    }
    private_mounts()?;
    let store = open_store()?;
    let attach = p.has("a");
    if !attach {
        sandbox::set_run_timeout(Some(detached_limit()));
    }
    let mut last = 0;
    for name in &p.positionals {
        let mut rec = find_container(&store, name)?;
        let mut stdout = io::stdout().lock();
        let mut sink = io::sink();
        let out: &mut dyn Write = if attach { &mut stdout } else { &mut sink };
        last = start(&store, &mut rec, out)?;
        if rec.auto_remove {
            remove_container(&store, &rec)?;
        }
        if !attach {
            println!("{name}");
        }
    }
    Ok(if attach {
        u8::try_from(last).unwrap_or(125)
    } else {
        0
    })
}

fn cmd_wait(args: &[String]) -> Res<u8> {
    let p = parse_flags(args, &[], false)?;
    let store = open_store()?;
    for name in &p.positionals {
        let rec = find_container(&store, name)?;
        println!("{}", rec.exit_code.unwrap_or(0));
    }
    Ok(0)
}

fn cmd_stop(args: &[String]) -> Res<u8> {
    let p = parse_flags(
        args,
        &[(&["t", "time"], true), (&["s", "signal"], true)],
        false,
    )?;
    let store = open_store()?;
    for name in &p.positionals {
        find_container(&store, name)?;
        println!("{name}");
    }
    Ok(0)
}

fn cmd_logs(args: &[String]) -> Res<u8> {
    let p = parse_flags(
        args,
        &[(&["f", "follow"], false), (&["t", "timestamps"], false)],
        false,
    )?;
    let store = open_store()?;
    for name in &p.positionals {
        let rec = find_container(&store, name)?;
        let log = fs::read(container_dir(&store, &rec.id).join("log")).unwrap_or_default();
        let _ = io::stdout().write_all(&log);
    }
    Ok(0)
}

fn cmd_rm(args: &[String]) -> Res<u8> {
    let p = parse_flags(
        args,
        &[
            (&["f", "force"], false),
            (&["v", "volumes"], false),
            (&["l", "link"], false),
        ],
        false,
    )?;
    let store = open_store()?;
    let mut code = 0;
    for name in &p.positionals {
        match find_container(&store, name) {
            Ok(rec) => {
                remove_container(&store, &rec)?;
                println!("{name}");
            }
            Err(Fail(m, _)) if !p.has("f") => {
                eprintln!("Error: {m}");
                code = 1;
            }
            Err(_) => {}
        }
    }
    Ok(code)
}

fn cmd_ps(args: &[String]) -> Res<u8> {
    let p = parse_flags(
        args,
        &[
            (&["a", "all"], false),
            (&["q", "quiet"], false),
            (&["no-trunc"], false),
            (&["f", "filter"], true),
        ],
        false,
    )?;
    let store = open_store()?;
    let all = p.has("a");
    let mut filters: Vec<(String, String)> = Vec::new();
    for f in p.all("f") {
        match f.split_once('=') {
            Some((k, v)) if matches!(k, "name" | "ancestor" | "id" | "status") => {
                filters.push((k.to_string(), v.to_string()));
            }
            _ => return unsupported(format!("--filter {f}")),
        }
    }
    let mut out = io::stdout().lock();
    if !p.has("q") {
        let _ = writeln!(
            out,
            "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES"
        );
    }
    for c in load_containers(&store) {
        // Nothing keeps running after the call that ran it.
        if !all {
            continue;
        }
        let keep = filters.iter().all(|(k, v)| match k.as_str() {
            "name" => c.name.contains(v.as_str()),
            "ancestor" => &c.image == v,
            "id" => c.id.starts_with(v.as_str()),
            _ => &c.state == v,
        });
        if !keep {
            continue;
        }
        if p.has("q") {
            let _ = writeln!(out, "{}", &c.id[..12]);
        } else {
            let _ = writeln!(
                out,
                "{}   {}   {:?}   {}   {}      {}",
                &c.id[..12],
                c.image,
                c.config.cmd.clone().unwrap_or_default().join(" "),
                c.created,
                c.state,
                c.name
            );
        }
    }
    Ok(0)
}

// ---------------------------------------------------------------------------
// cp
// ---------------------------------------------------------------------------

/// `CONTAINER:PATH` or a host path (a `:` after a `/` is part of a path).
fn split_cp_arg(arg: &str) -> (Option<&str>, &str) {
    if arg.starts_with('/') || arg.starts_with('.') {
        return (None, arg);
    }
    match arg.split_once(':') {
        Some((c, p)) if !c.contains('/') && !c.is_empty() => (Some(c), p),
        _ => (None, arg),
    }
}

fn cmd_cp(args: &[String]) -> Res<u8> {
    let p = parse_flags(
        args,
        &[
            (&["L", "follow-link"], false),
            (&["a", "archive"], false),
            (&["q", "quiet"], false),
        ],
        false,
    )?;
    let [src, dest] = p.positionals.as_slice() else {
        return fail("\"docker cp\" requires exactly 2 arguments");
    };
    let follow = p.has("L");
    private_mounts()?;
    let store = open_store()?;
    match (split_cp_arg(src), split_cp_arg(dest)) {
        ((Some(ctr), path), (None, host)) => {
            let rec = find_container(&store, ctr)?;
            let mounted = mount_rw(&store, &rec)?;
            let owner = (unsafe { libc::geteuid() }, unsafe { libc::getegid() });
            if host == "-" {
                return tar_out(&mounted.merged, path, follow).map(|_| 0);
            }
            copy_between(
                &mounted.merged,
                path,
                &std::env::current_dir().unwrap_or_default(),
                host,
                follow,
                Some(owner),
                false,
            )
            .map(|_| 0)
            .map_err(|Fail(m, c)| Fail(format!("{m} (container {ctr})"), c))
        }
        ((None, host), (Some(ctr), path)) => {
            let rec = find_container(&store, ctr)?;
            let mounted = mount_rw(&store, &rec)?;
            if host == "-" {
                return unsupported("docker cp - CONTAINER:PATH (a tar on stdin)");
            }
            let owner = if p.has("a") { None } else { Some((0, 0)) };
            copy_between(
                &std::env::current_dir().unwrap_or_default(),
                host,
                &mounted.merged,
                path,
                follow,
                owner,
                true,
            )
            .map(|_| 0)
        }
        _ => fail("copying between containers or between host paths is not supported by docker cp"),
    }
}

/// Resolves `path` in `root` (as `/` for a container, or a host directory).
fn locate(root: &Path, path: &str, follow_last: bool, in_container: bool) -> Res<PathBuf> {
    let trimmed = path.trim_end_matches('/');
    let trimmed = trimmed.strip_suffix("/.").unwrap_or(trimmed);
    if !in_container {
        let p = Path::new(if trimmed.is_empty() { path } else { trimmed });
        let abs = if p.is_absolute() {
            p.to_path_buf()
        } else {
            root.join(p)
        };
        return Ok(abs);
    }
    let parts: Vec<OsString> = trimmed
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .map(OsString::from)
        .collect();
    layer::resolve_in_root(root, &parts, follow_last, None)
        .map_err(|e| Fail(format!("cannot resolve {path}: {e}"), 1))
}

/// `docker cp` from `src` (under `src_root`) to `dest` (under `dest_root`),
/// with docker's rules for files, directories, `/.` and missing
/// destinations. `owner` replaces ownership (None keeps it).
fn copy_between(
    src_root: &Path,
    src: &str,
    dest_root: &Path,
    dest: &str,
    follow: bool,
    owner: Option<(u32, u32)>,
    dest_in_container: bool,
) -> Res<()> {
    let contents_only = src.ends_with("/.") || src == ".";
    let src_in_container = !dest_in_container;
    let src_abs = locate(src_root, src, follow, src_in_container)?;
    let src_meta = if follow {
        fs::metadata(&src_abs)
    } else {
        fs::symlink_metadata(&src_abs)
    }
    .map_err(|_| Fail(format!("Error: Could not find the file {src}"), 1))?;
    let src_is_dir = src_meta.is_dir();
    if !src_is_dir && (src.ends_with('/') || contents_only) {
        return fail(format!("Error: {src} is not a directory"));
    }
    let name = Path::new(src.trim_end_matches('/').trim_end_matches("/."))
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| OsString::from("root"));
    let dest_abs = locate(dest_root, dest, true, dest_in_container)?;
    let target = match fs::metadata(&dest_abs) {
        Ok(m) if m.is_dir() => {
            if src_is_dir && contents_only {
                dest_abs.clone()
            } else {
                dest_abs.join(&name)
            }
        }
        Ok(_) => {
            if src_is_dir {
                return fail(format!(
                    "Error: cannot copy directory {src} to a file {dest}"
                ));
            }
            dest_abs.clone()
        }
        Err(_) => {
            if dest.ends_with('/') && !src_is_dir {
                return fail(format!("Error: destination directory {dest} must exist"));
            }
            let parent_ok = dest_abs.parent().is_some_and(|p| p.is_dir());
            if !parent_ok {
                return fail(format!(
                    "Error: no such directory: the parent of {dest} does not exist"
                ));
            }
            dest_abs.clone()
        }
    };
    let mut links = BTreeMap::new();
    copy_tree(&src_abs, &target, follow, owner, &mut links)
        .map_err(io_fail(&format!("copying {src} to {dest}")))
}

/// Copies `src` to `dest` (merging into an existing directory), keeping
/// modes, mtimes, symlinks and hardlinks inside the tree.
fn copy_tree(
    src: &Path,
    dest: &Path,
    follow_top: bool,
    owner: Option<(u32, u32)>,
    links: &mut BTreeMap<(u64, u64), PathBuf>,
) -> io::Result<()> {
    let meta = if follow_top {
        fs::metadata(src)?
    } else {
        fs::symlink_metadata(src)?
    };
    let (uid, gid) = owner.unwrap_or((meta.uid(), meta.gid()));
    let ft = meta.file_type();
    if ft.is_dir() {
        match fs::symlink_metadata(dest) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                fs::remove_file(dest)?;
                fs::create_dir(dest)?;
            }
            Err(_) => fs::create_dir(dest)?,
        }
        let mut names: Vec<OsString> = fs::read_dir(src)?
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        names.sort();
        for n in names {
            copy_tree(&src.join(&n), &dest.join(&n), false, owner, links)?;
        }
        std::os::unix::fs::lchown(dest, Some(uid), Some(gid))?;
        fs::set_permissions(dest, fs::Permissions::from_mode(meta.mode() & 0o7777))?;
        let t = filetime::FileTime::from_last_modification_time(&meta);
        filetime::set_symlink_file_times(dest, t, t)?;
        return Ok(());
    }
    if let Ok(m) = fs::symlink_metadata(dest) {
        if m.is_dir() {
            fs::remove_dir_all(dest)?;
        } else {
            fs::remove_file(dest)?;
        }
    }
    if ft.is_symlink() {
        std::os::unix::fs::symlink(fs::read_link(src)?, dest)?;
        std::os::unix::fs::lchown(dest, Some(uid), Some(gid))?;
    } else if ft.is_file() {
        if meta.nlink() > 1 {
            if let Some(first) = links.get(&(meta.dev(), meta.ino())) {
                fs::hard_link(first, dest)?;
                return Ok(());
            }
            links.insert((meta.dev(), meta.ino()), dest.to_path_buf());
        }
        fs::copy(src, dest)?;
        std::os::unix::fs::lchown(dest, Some(uid), Some(gid))?;
        fs::set_permissions(dest, fs::Permissions::from_mode(meta.mode() & 0o7777))?;
    } else {
        // Devices, fifos and sockets are not build artifacts.
        return Ok(());
    }
    let t = filetime::FileTime::from_last_modification_time(&meta);
    filetime::set_symlink_file_times(dest, t, t)?;
    Ok(())
}

/// `docker cp CONTAINER:PATH -`: a tar of the path on stdout.
fn tar_out(root: &Path, path: &str, follow: bool) -> Res<()> {
    let abs = locate(root, path, follow, true)?;
    let name = Path::new(path.trim_end_matches('/'))
        .file_name()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let stdout = io::stdout().lock();
    let mut tar = tar::Builder::new(stdout);
    tar.follow_symlinks(false);
    let r = if abs.is_dir() {
        tar.append_dir_all(&name, &abs)
    } else {
        tar.append_path_with_name(&abs, &name)
    };
    r.and_then(|_| tar.finish())
        .map_err(io_fail("cannot write the tar stream"))
}

// ---------------------------------------------------------------------------
// commit, export
// ---------------------------------------------------------------------------

fn apply_change(config: &mut ContainerConfig, change: &str) -> Res<()> {
    let (kw, rest) = change
        .trim()
        .split_once(char::is_whitespace)
        .unwrap_or((change, ""));
    let rest = rest.trim();
    let words = || -> Vec<String> {
        serde_json::from_str::<Vec<String>>(rest)
            .unwrap_or_else(|_| vec!["/bin/sh".to_string(), "-c".to_string(), rest.to_string()])
    };
    match kw.to_ascii_uppercase().as_str() {
        "CMD" => config.cmd = Some(words()),
        "ENTRYPOINT" => config.entrypoint = Some(words()),
        "WORKDIR" => config.working_dir = rest.to_string(),
        "USER" => config.user = rest.to_string(),
        "ENV" => {
            let mut env = config.env.clone().unwrap_or_default();
            let kv = match rest.split_once('=') {
                Some(_) => rest.to_string(),
                None => rest.replacen(' ', "=", 1),
            };
            set_env(&mut env, kv);
            config.env = Some(env);
        }
        "EXPOSE" => {
            let ports = config.exposed_ports.get_or_insert_with(BTreeMap::new);
            for p in rest.split_whitespace() {
                let p = if p.contains('/') {
                    p.to_string()
                } else {
                    format!("{p}/tcp")
                };
                ports.insert(p, Empty {});
            }
        }
        "LABEL" => {
            if let Some((k, v)) = rest.split_once('=') {
                config
                    .labels
                    .get_or_insert_with(BTreeMap::new)
                    .insert(k.to_string(), v.trim_matches('"').to_string());
            }
        }
        other => return unsupported(format!("commit --change {other}")),
    }
    Ok(())
}

fn cmd_commit(args: &[String]) -> Res<u8> {
    let p = parse_flags(
        args,
        &[
            (&["c", "change"], true),
            (&["m", "message"], true),
            (&["a", "author"], true),
            (&["p", "pause"], false),
        ],
        false,
    )?;
    let (ctr, tag) = match p.positionals.as_slice() {
        [c] => (c, None),
        [c, t] => (c, Some(t)),
        _ => return fail("\"docker commit\" requires 1 or 2 arguments"),
    };
    private_mounts()?;
    let store = open_store()?;
    let rec = find_container(&store, ctr)?;
    let image = resolve_image(&store, &rec.image_id)?;
    let upper = container_dir(&store, &rec.id).join("upper");
    ensure_extracted(&store, &rec.layers)?;
    let lower_dirs = lowers(&store, &rec.layers);
    let options = DiffOptions {
        exclude: rec.stubs.clone(),
        lower_has: Box::new(move |rel: &Path| {
            lower_dirs
                .iter()
                .any(|l| l.join(rel).symlink_metadata().is_ok())
        }),
        mtime_clamp: None,
    };
    let tmp = store.temp_path("commit-layer");
    let info = {
        let file = fs::File::create(&tmp).map_err(io_fail("cannot write a layer"))?;
        let mut w = io::BufWriter::new(file);
        let info =
            layer::write_diff(&upper, &mut w, &options).map_err(io_fail("cannot write a layer"))?;
        w.flush().map_err(io_fail("cannot write a layer"))?;
        info
    };
    let digest = store
        .put_blob_file(&tmp, Some(&info.diff_id))
        .map_err(io_fail("cannot store a layer"))?;
    let _ = fs::remove_file(&tmp);
    let mut config = image.config.clone();
    config.config = rec.config.clone();
    for c in p.all("c") {
        apply_change(&mut config.config, &c)?;
    }
    let mut layers = image.layers.clone();
    layers.push(LayerRecord {
        diff_id: digest.clone(),
        size: info.size,
        docker_size: info.docker_size,
    });
    let created = now_rfc3339();
    config.created = Some(created.clone());
    config.history.push(History {
        created: Some(created),
        created_by: Some(
            rec.config
                .entrypoint
                .clone()
                .unwrap_or_default()
                .into_iter()
                .chain(rec.config.cmd.clone().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        comment: p.one("m"),
        empty_layer: false,
    });
    config.rootfs = RootFs {
        kind: "layers".to_string(),
        diff_ids: layers.iter().map(|l| l.diff_id.clone()).collect(),
    };
    let stored = store
        .put_image(&config, &layers)
        .map_err(io_fail("cannot store the image"))?;
    ensure_extracted(&store, &[digest])?;
    if let Some(t) = tag {
        store
            .tag(t, &stored)
            .map_err(io_fail(&format!("cannot tag {t}")))?;
    }
    println!("{}", stored.id);
    Ok(0)
}

fn cmd_export(args: &[String]) -> Res<u8> {
    let p = parse_flags(args, &[(&["o", "output"], true)], false)?;
    let [ctr] = p.positionals.as_slice() else {
        return fail("\"docker export\" requires exactly 1 argument");
    };
    private_mounts()?;
    let store = open_store()?;
    let rec = find_container(&store, ctr)?;
    let mounted = mount_rw(&store, &rec)?;
    let write = |out: &mut dyn Write| -> io::Result<()> {
        let mut tar = tar::Builder::new(out);
        tar.follow_symlinks(false);
        let mut names: Vec<OsString> = fs::read_dir(&mounted.merged)?
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        names.sort();
        for n in names {
            let p = mounted.merged.join(&n);
            if p.is_dir() && !p.is_symlink() {
                tar.append_dir_all(&n, &p)?;
            } else {
                tar.append_path_with_name(&p, &n)?;
            }
        }
        tar.finish()
    };
    match p.one("o") {
        Some(path) => {
            let mut f =
                fs::File::create(&path).map_err(io_fail(&format!("cannot write {path}")))?;
            write(&mut f).map_err(io_fail("cannot export"))?;
        }
        None => {
            let mut out = io::stdout().lock();
            write(&mut out).map_err(io_fail("cannot export"))?;
        }
    }
    Ok(0)
}

// ---------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------

fn cmd_rmi(args: &[String]) -> Res<u8> {
    let p = parse_flags(
        args,
        &[(&["f", "force"], false), (&["no-prune"], false)],
        false,
    )?;
    let store = open_store()?;
    let mut code = 0;
    for r in &p.positionals {
        match store.remove(r, p.has("f")) {
            Ok(events) => {
                for e in events {
                    match e {
                        Removed::Untagged(t) => println!("Untagged: {}", qualified_tag(&t)),
                        Removed::Deleted(d) => println!("Deleted: {d}"),
                    }
                }
            }
            Err(e) => {
                eprintln!("Error response from daemon: {e}");
                code = 1;
            }
        }
    }
    Ok(code)
}

fn cmd_tag(args: &[String]) -> Res<u8> {
    let p = parse_flags(args, &[], false)?;
    let [src, dst] = p.positionals.as_slice() else {
        return fail("\"docker tag\" requires exactly 2 arguments");
    };
    let store = open_store()?;
    let image = resolve_image(&store, src)?;
    store
        .tag(dst, &image)
        .map_err(io_fail(&format!("cannot tag {dst}")))?;
    Ok(0)
}

fn cmd_images(args: &[String]) -> Res<u8> {
    let p = parse_flags(
        args,
        &[
            (&["q", "quiet"], false),
            (&["a", "all"], false),
            (&["no-trunc"], false),
            (&["format"], true),
            (&["f", "filter"], true),
        ],
        false,
    )?;
    if p.one("format").is_some() || !p.all("f").is_empty() {
        return unsupported("docker images --format/--filter");
    }
    let store = open_store()?;
    let list = store.list().map_err(io_fail("cannot read the store"))?;
    let wanted = p.positionals.first().map(|r| {
        store::normalize_name(r)
            .map(|n| store::familiar_name(&n))
            .unwrap_or_else(|_| r.clone())
    });
    let mut out = io::stdout().lock();
    if !p.has("q") {
        let _ = writeln!(
            out,
            "{:<40} {:<20} {:<14} SIZE",
            "REPOSITORY", "TAG", "IMAGE ID"
        );
    }
    for (tags, image) in list {
        let names = if tags.is_empty() {
            vec!["<none>:<none>".to_string()]
        } else {
            tags
        };
        for t in names {
            let (repo, tag) = store::split_repo_tag(&t);
            if let Some(w) = &wanted
                && !(&t == w || &repo == w || qualified_tag(w) == t)
            {
                continue;
            }
            if p.has("q") {
                let _ = writeln!(out, "{}", image.short_id());
            } else {
                let _ = writeln!(
                    out,
                    "{repo:<40} {tag:<20} {:<14} {}",
                    image.short_id(),
                    archive::human_size(image.docker_size())
                );
            }
        }
    }
    Ok(0)
}

fn cmd_pull(args: &[String]) -> Res<u8> {
    let p = parse_flags(
        args,
        &[(&["q", "quiet"], false), (&["platform"], true)],
        false,
    )?;
    let store = open_store()?;
    for r in &p.positionals {
        resolve_image(&store, r)?;
        println!("{}", qualified_tag(r));
    }
    Ok(0)
}

fn cmd_save(args: &[String]) -> Res<u8> {
    let p = parse_flags(args, &[(&["o", "output"], true)], false)?;
    let [reference] = p.positionals.as_slice() else {
        return unsupported("docker save of several images");
    };
    let store = open_store()?;
    let image = resolve_image(&store, reference)?;
    let tags = vec![reference.clone()];
    match p.one("o") {
        Some(path) => {
            let f = fs::File::create(&path).map_err(io_fail(&format!("cannot write {path}")))?;
            archive::write_archive(&store, &image, &tags, io::BufWriter::new(f))
        }
        None => archive::write_archive(&store, &image, &tags, io::stdout().lock()),
    }
    .map_err(io_fail("cannot save the image"))?;
    Ok(0)
}

fn cmd_load(args: &[String]) -> Res<u8> {
    let p = parse_flags(
        args,
        &[(&["i", "input"], true), (&["q", "quiet"], false)],
        false,
    )?;
    let store = open_store()?;
    let loaded = match p.one("i") {
        Some(path) => {
            let f = fs::File::open(&path).map_err(io_fail(&format!("cannot read {path}")))?;
            archive::load(&store, io::BufReader::new(f))
        }
        None => archive::load(&store, io::stdin().lock()),
    }
    .map_err(io_fail("cannot load"))?;
    for (tags, image) in loaded {
        if tags.is_empty() {
            println!("Loaded image ID: {}", image.id);
        }
        for t in tags {
            println!("Loaded image: {t}");
        }
    }
    Ok(0)
}

// ---------------------------------------------------------------------------
// inspect
// ---------------------------------------------------------------------------

fn image_json(image: &StoredImage, tags: &[String]) -> serde_json::Value {
    serde_json::json!({
        "Id": image.id.to_string(),
        "RepoTags": tags,
        "Created": image.config.created,
        "Architecture": image.config.architecture,
        "Os": image.config.os,
        "Size": image.docker_size(),
        "VirtualSize": image.docker_size(),
        "Config": image.config.config,
        "RootFS": {"Type": "layers", "Layers": image.layers.iter().map(|l| l.diff_id.to_string()).collect::<Vec<_>>()},
    })
}

fn container_json(rec: &ContainerRecord) -> serde_json::Value {
    serde_json::json!({
        "Id": rec.id,
        "Name": format!("/{}", rec.name),
        "Image": rec.image_id,
        "Created": rec.created,
        "Config": {
            "Image": rec.image,
            "Cmd": rec.config.cmd,
            "Entrypoint": rec.config.entrypoint,
            "Env": rec.config.env,
            "WorkingDir": rec.config.working_dir,
            "User": rec.config.user,
            "Labels": rec.config.labels,
        },
        "State": {
            "Status": rec.state,
            "Running": false,
            "ExitCode": rec.exit_code.unwrap_or(0),
        },
        "Mounts": rec.mounts.iter().map(|m| serde_json::json!({
            "Type": "bind", "Source": m.source, "Destination": m.target, "RW": !m.readonly,
        })).collect::<Vec<_>>(),
    })
}

fn cmd_inspect(args: &[String], group: &str) -> Res<u8> {
    let p = parse_flags(
        args,
        &[
            (&["f", "format"], true),
            (&["type"], true),
            (&["s", "size"], false),
        ],
        false,
    )?;
    let store = open_store()?;
    let list = store.list().map_err(io_fail("cannot read the store"))?;
    let mut values = Vec::new();
    let mut code = 0;
    for r in &p.positionals {
        let want_image = group == "image" || p.one("type").as_deref() == Some("image");
        let want_container = group == "container" || p.one("type").as_deref() == Some("container");
        let container = if want_image {
            None
        } else {
            find_container(&store, r).ok()
        };
        if let Some(c) = container {
            values.push(container_json(&c));
            continue;
        }
        let image = if want_container {
            None
        } else {
            store.resolve(r).ok().flatten()
        };
        match image {
            Some(img) => {
                let tags: Vec<String> = list
                    .iter()
                    .find(|(_, i)| i.id == img.id)
                    .map(|(t, _)| t.iter().map(|t| qualified_tag(t)).collect())
                    .unwrap_or_default();
                values.push(image_json(&img, &tags));
            }
            None => {
                eprintln!("Error: No such object: {r}");
                code = 1;
            }
        }
    }
    let mut out = io::stdout().lock();
    match p.one("f") {
        Some(format) => {
            for v in &values {
                let text = render_template(&format, v)?;
                let _ = writeln!(out, "{text}");
            }
        }
        None => {
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&values).unwrap_or_default()
            );
        }
    }
    Ok(code)
}

/// The Go templates scripts pass to `inspect -f`: `{{.A.B}}`, `{{json .A}}`
/// and `{{index .A "k"}}` with literal text around them.
fn render_template(format: &str, value: &serde_json::Value) -> Res<String> {
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return unsupported(format!("template {format}"));
        };
        let expr = after[..end]
            .trim()
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim();
        let words: Vec<&str> = expr.split_whitespace().collect();
        let (json, path, key) = match words.as_slice() {
            [p] if p.starts_with('.') => (false, *p, None),
            ["json", p] if p.starts_with('.') => (true, *p, None),
            ["index", p, k] if p.starts_with('.') => (false, *p, Some(k.trim_matches('"'))),
            _ => return unsupported(format!("template expression {{{{{expr}}}}}")),
        };
        let mut v = value;
        for part in path.split('.').filter(|s| !s.is_empty()) {
            v = v.get(part).unwrap_or(&serde_json::Value::Null);
        }
        if let Some(k) = key {
            v = v.get(k).unwrap_or(&serde_json::Value::Null);
        }
        if json {
            out.push_str(&serde_json::to_string(v).unwrap_or_default());
        } else {
            out.push_str(&go_print(v));
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A value as Go's template `{{.}}` prints it.
fn go_print(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "<no value>".to_string(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => {
            format!("[{}]", a.iter().map(go_print).collect::<Vec<_>>().join(" "))
        }
        serde_json::Value::Object(m) => format!(
            "map[{}]",
            m.iter()
                .map(|(k, v)| format!("{k}:{}", go_print(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn run_flags_stop_at_the_image() {
        let p = parse_flags(
            &s(&["--rm", "-it", "-v", "/a:/b", "img", "ls", "-l"]),
            RUN_FLAGS,
            true,
        )
        .unwrap_or_else(|_| unreachable!());
        assert!(p.has("rm") && p.has("i") && p.has("t"));
        assert_eq!(p.all("v"), s(&["/a:/b"]));
        assert_eq!(p.positionals, s(&["img", "ls", "-l"]));
    }

    #[test]
    fn unknown_flags_are_refused() {
        assert!(parse_flags(&s(&["--squash", "."]), BUILD_FLAGS, false).is_err());
    }

    #[test]
    fn templates_render_like_go() {
        let v = serde_json::json!({"Id": "sha256:ab", "Config": {"Cmd": ["a", "b"]}});
        let r = |f: &str| render_template(f, &v).unwrap_or_else(|_| unreachable!());
        assert_eq!(r("{{.Id}}"), "sha256:ab");
        assert_eq!(r("{{json .Config.Cmd}}"), "[\"a\",\"b\"]");
        assert_eq!(r("x {{.Config.Cmd}}"), "x [a b]");
    }

    #[test]
    fn cp_arguments_split_like_docker() {
        assert_eq!(split_cp_arg("c:/app/x"), (Some("c"), "/app/x"));
        assert_eq!(split_cp_arg("./a:b"), (None, "./a:b"));
        assert_eq!(split_cp_arg("out"), (None, "out"));
    }
}
