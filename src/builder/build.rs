//! The stage executor: runs a Dockerfile's instructions stage by stage over
//! the store, the way BuildKit's Dockerfile frontend does, and records the
//! result as an image.
//!
//! Each filesystem change (RUN, COPY, ADD, WORKDIR) happens in a fresh
//! overlay upper directory over the stage's extracted layers; the upper
//! directory becomes a layer tar, which is stored and extracted again as the
//! next lower layer (as Docker commits). Metadata instructions only change
//! the config. Every step has a cache key chained from its parent's, as in
//! BuildKit: the instruction and its context for RUN, the content of the
//! sources for COPY and ADD.
//!
//! Only the stages the target needs are built, and independent stages build
//! at the same time (up to `available_parallelism` of them, or
//! `MSMIGRATE_BUILD_JOBS`): a stage starts once every stage it uses (its
//! `FROM` parent, `COPY --from`, `RUN --mount=from=`) is built, and its own
//! steps run in order. Nothing a step produces depends on the schedule, so
//! the image is the same as a build one stage at a time. Without overlayfs
//! (or with `MSMIGRATE_NO_OVERLAY=1`) a step runs in a plain copy of the
//! stage's filesystem and `super::snapshot` computes its diff instead.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::copy::{self, Context, CopySpec};
use super::layer::{self, DiffOptions};
use super::oci::{ContainerConfig, Digest, Empty, Healthcheck, History, ImageConfig, RootFs};
use super::sandbox::{self, Network, RunMount, RunSpec};
use super::snapshot;
use super::store::{LayerRecord, Store, StoredImage};
use crate::dockerfile::model::{BuildOptions as ModelOptions, Model, Source};
use crate::dockerfile::shell::Lexer;
use crate::dockerfile::{self, Dockerfile, Instruction, Keyword, Span};

/// Bumped whenever what a cached step stores changes meaning.
const CACHE_VERSION: u32 = 1;

/// The PATH BuildKit gives a scratch image and a RUN without one.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// What to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The Dockerfile.
    pub dockerfile: PathBuf,
    /// The build context directory.
    pub context: PathBuf,
    /// `--target`.
    pub target: Option<String>,
    /// `--build-arg`.
    pub build_args: BTreeMap<String, String>,
    /// `--no-cache`: run every step (results are still cached).
    pub no_cache: bool,
    /// `--network host` instead of none.
    pub network_host: bool,
    /// `SOURCE_DATE_EPOCH`: fixed timestamps for reproducible images.
    pub source_date_epoch: Option<i64>,
}

/// A build failure, pointing into the Dockerfile when it is about an
/// instruction.
#[derive(Debug)]
pub struct BuildError {
    /// What went wrong.
    pub message: String,
    /// The instruction.
    pub span: Option<Span>,
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BuildError {}

fn err(message: impl Into<String>, span: Option<Span>) -> BuildError {
    BuildError {
        message: message.into(),
        span,
    }
}

fn io_err(context: &str, span: Option<Span>) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
    move |e| err(format!("{context}: {e}"), span)
}

/// One executed step, for the progress display and the report.
#[derive(Debug, Clone)]
pub struct Step {
    /// `[build 2/5]`-style label.
    pub label: String,
    /// The instruction as written (first line).
    pub text: String,
    /// Taken from the cache.
    pub cached: bool,
    /// Wall time.
    pub duration: Duration,
}

/// What a build produced.
#[derive(Debug, Clone)]
pub struct BuildOutput {
    /// The image of the target stage, in the store.
    pub image: StoredImage,
    /// The steps run, ordered by stage (its index in the Dockerfile), then
    /// as they ran within the stage. Independent stages build in parallel,
    /// so this is not the order in which they ran, but it is the same for
    /// every schedule.
    pub steps: Vec<Step>,
}

/// Receives progress: a line per step as it starts and ends, and RUN output.
///
/// Independent stages build in parallel, so events of several stages
/// interleave (each carries its `[stage n/m]` label); the executor makes
/// the calls one at a time, from whichever thread builds the stage, hence
/// `Send`. RUN output reaches [`Progress::log`] in whole lines, each
/// prefixed with its step's label while more than one stage is building.
pub trait Progress {
    /// A step starts.
    fn start(&mut self, label: &str, text: &str);
    /// A step ended.
    fn done(&mut self, step: &Step);
    /// Output of a RUN.
    fn log(&mut self) -> &mut dyn Write;
}

/// Builds the target of `options.dockerfile`. The caller must already have
/// entered a private mount namespace ([`sandbox::enter_private_mounts`]).
pub fn build(
    store: &Store,
    options: &BuildOptions,
    progress: &mut (dyn Progress + Send),
) -> Result<BuildOutput, BuildError> {
    let text = std::fs::read(&options.dockerfile).map_err(io_err(
        &format!("cannot read {}", options.dockerfile.display()),
        None,
    ))?;
    let df =
        dockerfile::parse_bytes(&text).map_err(|e| err(e.message().to_string(), Some(e.span())))?;
    let model = Model::build(
        &df,
        &ModelOptions {
            build_args: options.build_args.clone(),
            target: options.target.clone(),
            ..ModelOptions::default()
        },
    );
    if let Some(e) = model.errors().first() {
        return Err(err(e.message().to_string(), e.span()));
    }
    let context = Context::open(&options.context, &options.dockerfile)
        .map_err(io_err("cannot open the build context", None))?;
    let target = model
        .target()
        .ok_or_else(|| err("the Dockerfile has no stage", None))?;
    let executor = Executor {
        store,
        options,
        df: &df,
        model: &model,
        context: &context,
        lexer: Lexer::new(df.escape),
        built: Mutex::new(BTreeMap::new()),
        steps: Mutex::new(Vec::new()),
        // Unique per build, also for builds sharing a process.
        work: store
            .temp_dir()
            .join(format!("build-{}-{}", std::process::id(), unique())),
        out: Output {
            progress: Mutex::new(progress),
            running: AtomicUsize::new(0),
        },
        cancel: Arc::new(AtomicBool::new(false)),
        locks: KeyedLocks::default(),
        no_overlay: AtomicBool::new(overlay_disabled_by_env()),
    };
    std::fs::create_dir_all(&executor.work)
        .map_err(io_err("cannot create a work directory", None))?;
    let result = executor.build_stages(target, jobs());
    let _ = std::fs::remove_dir_all(&executor.work);
    let state = result?;
    let image = state
        .commit(store, options)
        .map_err(io_err("cannot store the image", None))?;
    let mut steps = executor
        .steps
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    steps.sort_by_key(|(stage, seq, _)| (*stage, *seq));
    Ok(BuildOutput {
        image,
        steps: steps.into_iter().map(|(_, _, step)| step).collect(),
    })
}

/// How many stages build at once: `MSMIGRATE_BUILD_JOBS` (1 builds one
/// stage at a time), else the machine's parallelism.
fn jobs() -> usize {
    match std::env::var("MSMIGRATE_BUILD_JOBS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        Some(n) if n >= 1 => n,
        _ => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
    }
}

// ---------------------------------------------------------------------------
// Progress shared by the stages
// ---------------------------------------------------------------------------

/// The caller's [`Progress`], shared by the threads building stages.
struct Output<'p> {
    progress: Mutex<&'p mut (dyn Progress + Send)>,
    /// Stages building right now (RUN output is prefixed when above 1).
    running: AtomicUsize,
}

impl<'p> Output<'p> {
    fn lock(&self) -> MutexGuard<'_, &'p mut (dyn Progress + Send)> {
        // A panic elsewhere must not silence the rest of the build's output.
        self.progress.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn start(&self, label: &str, text: &str) {
        self.lock().start(label, text);
    }

    fn done(&self, step: &Step) {
        self.lock().done(step);
    }

    /// A writer for one step's RUN output; it fails once `cancel` is set.
    fn lines<'o>(&'o self, label: &str, cancel: &'o AtomicBool) -> StepLog<'o, 'p> {
        StepLog {
            out: self,
            prefix: format!("{label} "),
            pending: Vec::new(),
            cancel,
        }
    }
}

/// RUN output of one step: passed on in whole lines (so lines of parallel
/// stages never mix), each prefixed with the step's label while more than
/// one stage builds.
struct StepLog<'o, 'p> {
    out: &'o Output<'p>,
    prefix: String,
    pending: Vec<u8>,
    /// Set when another stage failed: writing then fails, which makes the
    /// sandbox kill the command (one that writes nothing runs to its end).
    cancel: &'o AtomicBool,
}

impl StepLog<'_, '_> {
    /// Longest partial line held back (a progress meter redrawn with `\r`
    /// never ends its line).
    const MAX_PENDING: usize = 64 * 1024;

    fn emit(&mut self, upto: usize) -> std::io::Result<()> {
        if upto == 0 {
            return Ok(());
        }
        let chunk: Vec<u8> = self.pending.drain(..upto).collect();
        let prefixed = self.out.running.load(Ordering::Relaxed) > 1;
        let mut progress = self.out.lock();
        let log = progress.log();
        if !prefixed {
            return log.write_all(&chunk);
        }
        let mut text = Vec::with_capacity(chunk.len() + self.prefix.len());
        for line in chunk.split_inclusive(|&b| b == b'\n') {
            text.extend_from_slice(self.prefix.as_bytes());
            text.extend_from_slice(line);
        }
        log.write_all(&text)
    }
}

impl Write for StepLog<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(std::io::Error::other("stopped: another stage failed"));
        }
        self.pending.extend_from_slice(buf);
        let upto = match self.pending.iter().rposition(|&b| b == b'\n') {
            Some(i) => i + 1,
            None if self.pending.len() > Self::MAX_PENDING => self.pending.len(),
            None => 0,
        };
        self.emit(upto)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        // A partial line waits for its end (or for the step's end).
        self.out.lock().log().flush()
    }
}

impl Drop for StepLog<'_, '_> {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            // An unfinished last line ends with the step.
            self.pending.push(b'\n');
        }
        let _ = self.emit(self.pending.len());
        let _ = self.out.lock().log().flush();
    }
}

/// Bytes straight to [`Progress::log`] (a pull's bars redraw one line).
struct RawLog<'o, 'p>(&'o Output<'p>);

impl Write for RawLog<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().log().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().log().flush()
    }
}

/// Whether large copies get a live bar: standard error is a terminal, and
/// neither `NO_COLOR` nor `MSMIGRATE_PROGRESS=plain` asks for plain output.
fn copy_bars_wanted() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("MSMIGRATE_PROGRESS").as_deref() != Ok("plain")
}

/// A one-line bar for a COPY or ADD that writes many files or bytes: drawn
/// once the copy has taken a moment (small copies never show one), only
/// while a single stage builds (lines of parallel stages would break it),
/// redrawn at most ten times a second, erased at the end.
struct CopyBar<'o, 'p> {
    out: &'o Output<'p>,
    label: String,
    /// Estimated (files, bytes) to write.
    total: (u64, u64),
    started: Instant,
    drawn: Option<Instant>,
}

impl<'o, 'p> CopyBar<'o, 'p> {
    const DELAY: Duration = Duration::from_millis(300);
    const EVERY: Duration = Duration::from_millis(100);

    fn new(out: &'o Output<'p>, label: &str, total: (u64, u64)) -> Self {
        CopyBar {
            out,
            label: label.to_string(),
            total,
            started: Instant::now(),
            drawn: None,
        }
    }

    fn update(&mut self, done: &copy::CopyOutcome) {
        if self.started.elapsed() < Self::DELAY
            || self.drawn.is_some_and(|t| t.elapsed() < Self::EVERY)
            || self.out.running.load(Ordering::Relaxed) > 1
        {
            return;
        }
        self.drawn = Some(Instant::now());
        const WIDTH: u64 = 30;
        let (files, bytes) = self.total;
        // Bytes tell progress better, unless the files are all empty.
        let (at, of) = if bytes > 0 {
            (done.bytes, bytes)
        } else {
            (done.files, files)
        };
        let filled = (at.min(of) * WIDTH).checked_div(of).unwrap_or(0);
        let bar: String = (0..WIDTH)
            .map(|i| match i.cmp(&filled) {
                std::cmp::Ordering::Less => '=',
                std::cmp::Ordering::Equal => '>',
                std::cmp::Ordering::Greater => ' ',
            })
            .collect();
        let _ = write!(
            RawLog(self.out),
            "\r\x1b[2K{} copying [{bar}] {}/{} files, {}/{}",
            self.label,
            done.files,
            files.max(done.files),
            super::archive::human_size(done.bytes),
            super::archive::human_size(bytes.max(done.bytes)),
        );
    }

    fn finish(self) {
        if self.drawn.is_some() {
            let _ = write!(RawLog(self.out), "\r\x1b[2K");
        }
    }
}

/// Locks by name: the threads of one build never make the same layer or
/// run the same step (same cache key) at once; the second one waits and
/// then finds it done, exactly as a build one stage at a time would.
#[derive(Default)]
struct KeyedLocks(Mutex<HashMap<String, Arc<Mutex<()>>>>);

impl KeyedLocks {
    fn with<T>(&self, key: String, f: impl FnOnce() -> T) -> T {
        let lock = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default()
            .clone();
        let _held = lock.lock().unwrap_or_else(|e| e.into_inner());
        f()
    }
}

/// A stage while it is being built.
#[derive(Debug, Clone)]
struct StageState {
    config: ImageConfig,
    layers: Vec<LayerRecord>,
    /// ENV in effect, in order (also in `config.config.env`).
    env: Vec<(String, String)>,
    /// ARGs declared in this stage with a value.
    args: BTreeMap<String, String>,
    /// The cache key of the last step.
    key: Digest,
    created: Option<String>,
}

impl StageState {
    /// The variables words expand with, as BuildKit's state holds them:
    /// ENV and ARG set in order, so the later of the two wins (an ARG after
    /// an ENV of the same name shadows it for the rest of the stage, but
    /// never reaches the image config).
    fn vars(&self) -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = self
            .env
            .iter()
            .filter(|(k, _)| !self.args.contains_key(k))
            .cloned()
            .collect();
        vars.extend(self.args.iter().map(|(k, v)| (k.clone(), v.clone())));
        vars
    }

    fn set_env(&mut self, key: &str, value: &str) {
        match self.env.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value.to_string(),
            None => self.env.push((key.to_string(), value.to_string())),
        }
        // The ENV is now the later of the two.
        self.args.remove(key);
        self.config.config.env = Some(self.env.iter().map(|(k, v)| format!("{k}={v}")).collect());
    }

    /// The shell of shell-form instructions: SHELL, else `/bin/sh -c`.
    fn shell(&self) -> Vec<String> {
        self.config
            .config
            .shell
            .clone()
            .unwrap_or_else(|| vec!["/bin/sh".to_string(), "-c".to_string()])
    }

    /// Records a metadata instruction: the cache key moves on with what it
    /// set, and the history gets an entry without a layer.
    fn record(&mut self, kind: &str, parts: &[String], created_by: String) {
        self.key = chain(&self.key, kind, parts);
        self.history(created_by, true);
    }

    fn history(&mut self, created_by: String, empty_layer: bool) {
        self.config.history.push(History {
            created: self.created.clone(),
            created_by: Some(created_by),
            comment: Some("buildkit.dockerfile.v0".to_string()),
            empty_layer,
        });
    }

    fn commit(&self, store: &Store, _options: &BuildOptions) -> std::io::Result<StoredImage> {
        let mut config = self.config.clone();
        config.rootfs = RootFs {
            kind: "layers".to_string(),
            diff_ids: self.layers.iter().map(|l| l.diff_id.clone()).collect(),
        };
        config.created = self.created.clone();
        store.put_image(&config, &self.layers)
    }

    fn layer_dirs(&self, store: &Store) -> Vec<PathBuf> {
        // Overlay wants the top layer first.
        self.layers
            .iter()
            .rev()
            .map(|l| store.layer_dir(&l.diff_id))
            .collect()
    }
}

/// What the cache keeps for a step that changes the filesystem.
#[derive(Debug, Serialize, Deserialize)]
struct CachedStep {
    layer: Option<CachedLayer>,
}

#[derive(Debug, Serialize, Deserialize)]
struct CachedLayer {
    diff_id: Digest,
    size: u64,
    docker_size: u64,
}

struct Executor<'a> {
    store: &'a Store,
    options: &'a BuildOptions,
    df: &'a Dockerfile,
    model: &'a Model,
    context: &'a Context,
    lexer: Lexer,
    /// The stages built so far.
    built: Mutex<BTreeMap<usize, StageState>>,
    /// (stage, position in the stage, step).
    steps: Mutex<Vec<(usize, usize, Step)>>,
    work: PathBuf,
    out: Output<'a>,
    /// Set when a stage failed: the others stop at their next step, and a
    /// running RUN is killed.
    cancel: Arc<AtomicBool>,
    locks: KeyedLocks,
    /// Set when overlayfs cannot be used here (a mount failed, or
    /// MSMIGRATE_NO_OVERLAY=1): steps then run in copies.
    no_overlay: AtomicBool,
}

/// One stage being built: where its steps go in [`BuildOutput::steps`].
struct StageRun {
    index: usize,
    seq: AtomicUsize,
}

/// Where the scheduler is.
#[derive(Default)]
struct Schedule {
    /// Needed and not started, with the stages each one waits for.
    waiting: BTreeMap<usize, BTreeSet<usize>>,
    running: BTreeSet<usize>,
    done: BTreeSet<usize>,
    /// The first failure.
    error: Option<BuildError>,
}

impl Executor<'_> {
    /// The stages stage `index` uses directly (its parent, `COPY --from`,
    /// `RUN --mount=from=`).
    fn uses(&self, index: usize) -> BTreeSet<usize> {
        self.model
            .dependencies(index)
            .filter_map(|e| match e.source {
                Source::Stage(s) if s != index && s < self.model.stages().len() => Some(s),
                _ => None,
            })
            .collect()
    }

    /// Builds `target` and what it needs, `jobs` stages at a time: a stage
    /// starts when the stages it uses are built (the lowest index first,
    /// so one job builds in a fixed order); after a failure no stage
    /// starts, running ones stop at their next step, and the first error
    /// is returned.
    fn build_stages(&self, target: usize, jobs: usize) -> Result<StageState, BuildError> {
        let mut schedule = Schedule::default();
        let mut todo = vec![target];
        while let Some(s) = todo.pop() {
            if schedule.waiting.contains_key(&s) {
                continue;
            }
            let uses = self.uses(s);
            todo.extend(uses.iter().copied());
            schedule.waiting.insert(s, uses);
        }
        let workers = jobs.clamp(1, schedule.waiting.len().max(1));
        let schedule = Mutex::new(schedule);
        let changed = Condvar::new();
        let worker = || {
            loop {
                let next = {
                    let mut s = schedule.lock().unwrap_or_else(|e| e.into_inner());
                    loop {
                        if s.error.is_some() || s.waiting.is_empty() {
                            return;
                        }
                        let ready = s
                            .waiting
                            .iter()
                            .find(|(_, uses)| uses.iter().all(|u| s.done.contains(u)))
                            .map(|(&i, _)| i);
                        if let Some(i) = ready {
                            s.waiting.remove(&i);
                            s.running.insert(i);
                            break i;
                        }
                        if s.running.is_empty() {
                            s.error = Some(err("the stages depend on each other in a cycle", None));
                            changed.notify_all();
                            return;
                        }
                        s = changed.wait(s).unwrap_or_else(|e| e.into_inner());
                    }
                };
                self.out.running.fetch_add(1, Ordering::Relaxed);
                let result =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.stage(next)))
                        .unwrap_or_else(|_| Err(err("internal: a stage's build panicked", None)));
                self.out.running.fetch_sub(1, Ordering::Relaxed);
                let mut s = schedule.lock().unwrap_or_else(|e| e.into_inner());
                s.running.remove(&next);
                match result {
                    Ok(state) => {
                        self.built
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(next, state);
                        s.done.insert(next);
                    }
                    Err(e) => {
                        self.cancel.store(true, Ordering::Relaxed);
                        if s.error.is_none() {
                            s.error = Some(e);
                        }
                    }
                }
                changed.notify_all();
            }
        };
        if workers == 1 {
            worker();
        } else {
            std::thread::scope(|scope| {
                for _ in 0..workers {
                    scope.spawn(worker);
                }
            });
        }
        let mut schedule = schedule.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = schedule.error.take() {
            return Err(e);
        }
        self.built_stage(target, None)
    }

    /// A built stage's state.
    fn built_stage(&self, index: usize, span: Option<Span>) -> Result<StageState, BuildError> {
        self.built
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&index)
            .cloned()
            .ok_or_else(|| err("internal: a stage it uses is not built", span))
    }

    /// Builds stage `index`; the stages it uses are built.
    fn stage(&self, index: usize) -> Result<StageState, BuildError> {
        let stage = self.model.stages()[index].clone();
        let run = StageRun {
            index,
            seq: AtomicUsize::new(0),
        };
        let from_span = Some(stage.span);
        // Docker records when an image was built; SOURCE_DATE_EPOCH pins it.
        let created = Some(rfc3339(self.options.source_date_epoch.unwrap_or_else(
            || {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64)
            },
        )));
        let mut state = match &stage.base {
            Source::Scratch => StageState {
                config: scratch_config(),
                layers: Vec::new(),
                env: vec![("PATH".to_string(), DEFAULT_PATH.to_string())],
                args: BTreeMap::new(),
                key: key_of(&serde_json::json!({"v": CACHE_VERSION, "from": "scratch"})),
                created: created.clone(),
            },
            Source::Stage(parent) => {
                let mut s = self.built_stage(*parent, from_span)?;
                s.args.clear();
                s
            }
            Source::Image(reference) => {
                let image = self.image(reference, from_span)?;
                let env = image
                    .config
                    .config
                    .env
                    .clone()
                    .unwrap_or_default()
                    .iter()
                    .map(|kv| match kv.split_once('=') {
                        Some((k, v)) => (k.to_string(), v.to_string()),
                        None => (kv.clone(), String::new()),
                    })
                    .collect();
                let mut config = image.config.clone();
                config.history.retain(|_| true);
                StageState {
                    config,
                    layers: image.layers.clone(),
                    env,
                    args: BTreeMap::new(),
                    key: key_of(&serde_json::json!({"v": CACHE_VERSION, "from": image.id})),
                    created: created.clone(),
                }
            }
        };
        state.created = created;
        if state.config.config.env.is_none() && !state.env.is_empty() {
            state.config.config.env =
                Some(state.env.iter().map(|(k, v)| format!("{k}={v}")).collect());
        }
        let total = stage.commands.len();
        let stage_label = stage
            .name
            .clone()
            .unwrap_or_else(|| format!("stage-{index}"));
        // The base's ONBUILD triggers run first, and are not inherited.
        let triggers = state.config.config.on_build.take().unwrap_or_default();
        for (n, trigger) in triggers.iter().enumerate() {
            let parsed = dockerfile::parse(trigger)
                .map_err(|e| err(format!("ONBUILD {trigger}: {}", e.message()), from_span))?;
            for ins in &parsed.instructions {
                let label = format!("[{stage_label} onbuild {}/{}]", n + 1, triggers.len());
                self.check_cancelled()?;
                self.instruction(&run, &mut state, usize::MAX, ins, &label)
                    .map_err(|mut e| {
                        // The trigger's own text is not in this Dockerfile.
                        e.message = format!("ONBUILD {trigger}: {}", e.message);
                        e.span = from_span;
                        e
                    })?;
            }
        }
        for (n, i) in stage.commands.clone().enumerate() {
            let ins = &self.df.instructions[i];
            let label = format!("[{stage_label} {}/{}]", n + 1, total);
            self.check_cancelled()?;
            self.instruction(&run, &mut state, i, ins, &label)?;
        }
        Ok(state)
    }

    /// Stops a stage when another one failed, or on Ctrl-C.
    fn check_cancelled(&self) -> Result<(), BuildError> {
        if sandbox::interrupted() {
            return Err(err("interrupted", None));
        }
        if self.cancel.load(Ordering::Relaxed) {
            return Err(err("stopped: another stage failed", None));
        }
        Ok(())
    }

    /// An image by reference (`FROM image`, `COPY --from=image`), from the
    /// store or pulled; one pull per reference even when stages ask at once.
    fn image(&self, reference: &str, span: Option<Span>) -> Result<StoredImage, BuildError> {
        let image = self.locks.with(format!("image {reference}"), || {
            resolve_or_pull(self.store, reference, span, &self.out)
        })?;
        for l in &image.layers {
            self.ensure_extracted(&l.diff_id, span)?;
        }
        Ok(image)
    }

    /// Extracts a stored layer once, for use as an overlay lower dir.
    fn ensure_extracted(&self, diff_id: &Digest, span: Option<Span>) -> Result<(), BuildError> {
        if self.store.layer_complete(diff_id) {
            return Ok(());
        }
        self.locks.with(format!("layer {}", diff_id.0), || {
            self.ensure_extracted_locked(diff_id, span)
        })
    }

    /// [`Self::ensure_extracted`] under the layer's lock.
    fn ensure_extracted_locked(
        &self,
        diff_id: &Digest,
        span: Option<Span>,
    ) -> Result<(), BuildError> {
        if self.store.layer_complete(diff_id) {
            return Ok(());
        }
        // Extract beside the final place and rename into it, so builds
        // sharing a store never see (or delete) a half-extracted layer.
        let dir = self.store.layer_dir(diff_id);
        let tmp = dir.with_file_name(format!("root.{}.{}", std::process::id(), unique()));
        std::fs::create_dir_all(&tmp).map_err(io_err("cannot create a layer directory", span))?;
        // A damaged blob is found here, before it becomes a lower dir; the
        // store removes it, so a pull or the cached step brings it back.
        let extracted = match self.store.verify_blob(diff_id) {
            Ok(true) => std::fs::File::open(self.store.blob_path(diff_id))
                .and_then(|mut blob| layer::extract(&mut blob, &tmp)),
            Ok(false) => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "layer {diff_id} is damaged or missing in the store (removed); \
                     build again, or pull the base image again"
                ),
            )),
            Err(e) => Err(e),
        };
        if let Err(e) = extracted {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(err(format!("cannot extract a layer: {e}"), span));
        }
        if std::fs::rename(&tmp, &dir).is_err() {
            if self.store.layer_complete(diff_id) {
                // Another build got there first.
                let _ = std::fs::remove_dir_all(&tmp);
                return Ok(());
            }
            // A leftover of an interrupted extraction: move it aside.
            let stale = dir.with_file_name(format!("stale.{}.{}", std::process::id(), unique()));
            let _ = std::fs::rename(&dir, &stale);
            let _ = std::fs::remove_dir_all(&stale);
            std::fs::rename(&tmp, &dir).map_err(io_err("cannot place a layer", span))?;
        }
        self.store
            .mark_layer_complete(diff_id)
            .map_err(io_err("cannot record a layer", span))
    }

    /// Expands one word with `vars`.
    fn word(
        &self,
        vars: &[(String, String)],
        word: &str,
        span: Option<Span>,
    ) -> Result<String, BuildError> {
        self.lexer
            .process_word(word, &vars)
            .map_err(|e| err(e.reason().to_string(), span))
    }

    /// Expands and splits words with `vars` (EXPOSE's field splitting).
    fn words(
        &self,
        vars: &[(String, String)],
        text: &str,
        span: Option<Span>,
    ) -> Result<Vec<String>, BuildError> {
        self.lexer
            .process_words(text, &vars)
            .map_err(|e| err(e.reason().to_string(), span))
    }

    fn expand(&self, state: &StageState, word: &str, span: Span) -> Result<String, BuildError> {
        self.word(&state.vars(), word, Some(span))
    }

    fn instruction(
        &self,
        run: &StageRun,
        state: &mut StageState,
        i: usize,
        ins: &Instruction,
        label: &str,
    ) -> Result<(), BuildError> {
        let span = Some(ins.span);
        let first_line = ins.original.lines().next().unwrap_or("").to_string();
        let started = Instant::now();
        let mut cached = false;
        match ins.keyword {
            Keyword::Env => {
                for pair in ins.args.chunks(2) {
                    let [k, v] = pair else { continue };
                    let key = self.expand(state, &k.text, k.span)?;
                    let value = self.expand(state, &v.text, v.span)?;
                    if !key.is_empty() {
                        state.set_env(&key, &value);
                    }
                }
                let pairs: Vec<String> =
                    state.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
                state.record(
                    "ENV",
                    &pairs,
                    format!(
                        "ENV {}",
                        ins.args
                            .chunks(2)
                            .map(|p| format!(
                                "{}={}",
                                p[0].text,
                                p.get(1).map_or("", |w| w.text.as_str())
                            ))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                );
            }
            Keyword::Arg => {
                for w in &ins.args {
                    let (key, default) = match w.text.split_once('=') {
                        Some((k, d)) => (k.to_string(), Some(d.to_string())),
                        None => (w.text.clone(), None),
                    };
                    let value = if let Some(v) = self.options.build_args.get(&key) {
                        Some(v.clone())
                    } else if let Some(d) = default {
                        Some(self.expand(state, &d, w.span)?)
                    } else {
                        self.model.global_scope().value(&key).map(str::to_string)
                    };
                    if let Some(v) = value {
                        state.args.insert(key, v);
                    }
                }
                let args: Vec<String> =
                    state.args.iter().map(|(k, v)| format!("{k}={v}")).collect();
                state.record(
                    "ARG",
                    &args,
                    format!(
                        "ARG {}",
                        ins.args
                            .iter()
                            .map(|w| w.text.as_str())
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                );
            }
            Keyword::Label => {
                let vars = state.vars();
                let labels = state.config.config.labels.get_or_insert_with(BTreeMap::new);
                let mut pairs = Vec::new();
                for pair in ins.args.chunks(2) {
                    let [k, v] = pair else { continue };
                    let key = self.word(&vars, &k.text, span)?;
                    let value = self.word(&vars, &v.text, span)?;
                    pairs.push(format!("{key}={value}"));
                    labels.insert(key, value);
                }
                state.record("LABEL", &pairs, format!("LABEL {}", pairs.join(" ")));
            }
            Keyword::Expose => {
                let vars = state.vars();
                let mut list = Vec::new();
                for w in &ins.args {
                    for p in self.words(&vars, &w.text, span)? {
                        list.push(if p.contains('/') {
                            p.to_ascii_lowercase()
                        } else {
                            format!("{p}/tcp")
                        });
                    }
                }
                add_to_set(&mut state.config.config.exposed_ports, &list);
                let shown: Vec<String> = list.iter().map(|p| format!("{p}:{{}}")).collect();
                state.record("EXPOSE", &list, format!("EXPOSE map[{}]", shown.join(" ")));
            }
            Keyword::Volume => {
                let vars = state.vars();
                let mut list = Vec::new();
                for w in &ins.args {
                    let v = self.word(&vars, &w.text, span)?;
                    if v.trim().is_empty() {
                        return Err(err("VOLUME specified can not be an empty string", span));
                    }
                    list.push(v);
                }
                add_to_set(&mut state.config.config.volumes, &list);
                state.record("VOLUME", &list, format!("VOLUME [{}]", list.join(" ")));
            }
            Keyword::Cmd | Keyword::Entrypoint => {
                let argv = self.command_argv(state, ins)?;
                let is_cmd = ins.keyword == Keyword::Cmd;
                if is_cmd {
                    state.config.config.cmd = Some(argv.clone());
                } else {
                    state.config.config.entrypoint = Some(argv.clone());
                    // An ENTRYPOINT resets a CMD inherited from the base.
                    if !self.stage_sets_cmd_before(i) {
                        state.config.config.cmd = None;
                    }
                }
                let name = if is_cmd { "CMD" } else { "ENTRYPOINT" };
                state.record(
                    name,
                    &argv,
                    format!(
                        "{name} {}",
                        serde_json::to_string(&argv).unwrap_or_default()
                    ),
                );
            }
            Keyword::Workdir => {
                let raw = ins.args.first().map(|w| w.text.clone()).unwrap_or_default();
                let value = self.expand(state, &raw, ins.span)?;
                let dir = if value.starts_with('/') {
                    clean(&value)
                } else {
                    clean(&format!("{}/{}", workdir(state), value))
                };
                state.config.config.working_dir = dir.clone();
                state.key = chain(&state.key, "WORKDIR", std::slice::from_ref(&dir));
                // BuildKit creates the directory (owned by the current user);
                // an unchanged tree adds no layer.
                let user = state.config.config.user.clone();
                let key = state.key.clone();
                cached =
                    self.filesystem_step(state, key, span, format!("WORKDIR {dir}"), |root, _| {
                        self.make_workdir(root, &dir, &user, span)
                    })?;
            }
            Keyword::User => {
                let raw = ins.args.first().map(|w| w.text.clone()).unwrap_or_default();
                let user = self.expand(state, &raw, ins.span)?;
                state.config.config.user = user.clone();
                state.record("USER", std::slice::from_ref(&user), format!("USER {user}"));
            }
            Keyword::Shell => {
                let argv: Vec<String> = ins.args.iter().map(|w| w.text.clone()).collect();
                state.config.config.shell = Some(argv.clone());
                state.record(
                    "SHELL",
                    &argv,
                    format!("SHELL {}", serde_json::to_string(&argv).unwrap_or_default()),
                );
            }
            Keyword::Stopsignal => {
                let raw = ins.args.first().map(|w| w.text.clone()).unwrap_or_default();
                let sig = self.expand(state, &raw, ins.span)?;
                state.config.config.stop_signal = sig.clone();
                state.record(
                    "STOPSIGNAL",
                    std::slice::from_ref(&sig),
                    format!("STOPSIGNAL {sig}"),
                );
            }
            Keyword::Healthcheck => {
                let hc = healthcheck(ins).map_err(|m| err(m, span))?;
                state.key = chain(
                    &state.key,
                    "HEALTHCHECK",
                    &[serde_json::to_string(&hc).unwrap_or_default()],
                );
                state.config.config.healthcheck = Some(hc);
                state.history(
                    format!(
                        "HEALTHCHECK {}",
                        ins.original
                            .trim_start_matches(|c: char| c.is_alphabetic())
                            .trim()
                    ),
                    true,
                );
            }
            Keyword::Onbuild => {
                let trigger = ins
                    .original
                    .trim_start()
                    .split_once(char::is_whitespace)
                    .map_or("", |(_, rest)| rest)
                    .trim()
                    .to_string();
                state
                    .config
                    .config
                    .on_build
                    .get_or_insert_with(Vec::new)
                    .push(trigger.clone());
                state.record(
                    "ONBUILD",
                    std::slice::from_ref(&trigger),
                    format!("ONBUILD {trigger}"),
                );
            }
            Keyword::Maintainer => {
                state.history(
                    format!(
                        "MAINTAINER {}",
                        ins.args.first().map_or("", |w| w.text.as_str())
                    ),
                    true,
                );
            }
            Keyword::Run => {
                cached = self.run(state, i, ins, label)?;
            }
            Keyword::Copy | Keyword::Add => {
                cached = self.copy(state, i, ins, label)?;
            }
            Keyword::From | Keyword::Unknown => {}
        }
        let step = Step {
            label: label.to_string(),
            text: first_line,
            cached,
            duration: started.elapsed(),
        };
        self.out.done(&step);
        let seq = run.seq.fetch_add(1, Ordering::Relaxed);
        self.steps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((run.index, seq, step));
        Ok(())
    }

    /// True when the stage sets CMD before instruction `i` (then an
    /// ENTRYPOINT keeps it).
    fn stage_sets_cmd_before(&self, i: usize) -> bool {
        let Some(s) = self.model.stage_of(i) else {
            return false;
        };
        self.model.stages()[s]
            .commands
            .clone()
            .take_while(|&j| j < i)
            .any(|j| self.df.instructions[j].keyword == Keyword::Cmd)
    }

    /// CMD/ENTRYPOINT argv: JSON form as is, shell form through SHELL.
    fn command_argv(
        &self,
        state: &StageState,
        ins: &Instruction,
    ) -> Result<Vec<String>, BuildError> {
        let words: Vec<String> = ins.args.iter().map(|w| w.text.clone()).collect();
        if ins.json {
            return Ok(words);
        }
        let mut argv = state.shell();
        argv.push(words.join(" "));
        Ok(argv)
    }

    /// Runs one filesystem-changing step: cache lookup, overlay, `change`,
    /// diff, store. Returns whether it came from the cache.
    fn filesystem_step(
        &self,
        state: &mut StageState,
        key: Digest,
        span: Option<Span>,
        created_by: String,
        change: impl FnOnce(&Path, &StageState) -> Result<Vec<PathBuf>, BuildError>,
    ) -> Result<bool, BuildError> {
        // Two stages reaching the same step (same key) at once: the second
        // waits and takes the first one's result from the cache.
        self.locks.with(format!("step {}", key.0), || {
            self.filesystem_step_locked(state, key.clone(), span, created_by, change)
        })
    }

    fn filesystem_step_locked(
        &self,
        state: &mut StageState,
        key: Digest,
        span: Option<Span>,
        created_by: String,
        change: impl FnOnce(&Path, &StageState) -> Result<Vec<PathBuf>, BuildError>,
    ) -> Result<bool, BuildError> {
        if !self.options.no_cache
            && let Some(bytes) = self
                .store
                .cache_get(&key)
                .map_err(io_err("cannot read the cache", span))?
            && let Ok(hit) = serde_json::from_slice::<CachedStep>(&bytes)
        {
            let usable = hit
                .layer
                .as_ref()
                .is_none_or(|l| self.store.blob_intact(&l.diff_id, l.size));
            if usable {
                if let Some(l) = hit.layer {
                    self.ensure_extracted(&l.diff_id, span)?;
                    state.layers.push(LayerRecord {
                        diff_id: l.diff_id,
                        size: l.size,
                        docker_size: l.docker_size,
                    });
                    state.history(created_by, false);
                } else {
                    state.history(created_by, true);
                }
                return Ok(true);
            }
        }
        // Unique: stages of this build may run steps with equal keys.
        let step_dir = self.work.join(format!("step-{}-{}", key.hex(), unique()));
        let upper = step_dir.join("upper");
        let lowers = state.layer_dirs(self.store);
        let result = std::fs::create_dir_all(&upper)
            .map_err(io_err("cannot create a step directory", span))
            .and_then(|()| self.change_in(&step_dir, &upper, &lowers, state, span, change));
        let stubs = match result {
            Ok(s) => s,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&step_dir);
                return Err(e);
            }
        };
        let record = self.store_layer(&upper, &lowers, stubs, span);
        let _ = std::fs::remove_dir_all(&step_dir);
        let record = record?;
        let cached = CachedStep {
            layer: record.as_ref().map(|r| CachedLayer {
                diff_id: r.diff_id.clone(),
                size: r.size,
                docker_size: r.docker_size,
            }),
        };
        let _ = self
            .store
            .cache_put(&key, &serde_json::to_vec(&cached).unwrap_or_default());
        match record {
            Some(r) => {
                state.layers.push(r);
                state.history(created_by, false);
            }
            None => state.history(created_by, true),
        }
        Ok(false)
    }

    /// Runs `change` over the stage's filesystem (`lowers`, top first) so
    /// that what it changes ends up in `upper` in overlay format: in an
    /// overlay mount, or, where overlayfs cannot be mounted (or with
    /// `MSMIGRATE_NO_OVERLAY=1`), in a plain copy of the layers that
    /// [`snapshot::diff`] compares afterwards. Both give the same `upper`,
    /// so the same layer.
    fn change_in(
        &self,
        step_dir: &Path,
        upper: &Path,
        lowers: &[PathBuf],
        state: &StageState,
        span: Option<Span>,
        change: impl FnOnce(&Path, &StageState) -> Result<Vec<PathBuf>, BuildError>,
    ) -> Result<Vec<PathBuf>, BuildError> {
        if self.overlay_usable() {
            let (work, merged) = (step_dir.join("work"), step_dir.join("merged"));
            for d in [&work, &merged] {
                std::fs::create_dir_all(d)
                    .map_err(io_err("cannot create a step directory", span))?;
            }
            match sandbox::mount_overlay(lowers, upper, &work, &merged) {
                Ok(mount) => {
                    let stubs = change(&merged, state);
                    drop(mount);
                    return stubs;
                }
                Err(e) if overlay_unsupported(&e) => self.overlay_unavailable(&e),
                Err(e) => {
                    return Err(err(
                        format!("cannot mount the stage's filesystem: {e}"),
                        span,
                    ));
                }
            }
        }
        let root = step_dir.join("rootfs");
        let before = snapshot::materialize(lowers, &root)
            .map_err(io_err("cannot copy the stage's filesystem", span))?;
        let stubs = change(&root, state)?;
        snapshot::diff(&before, &root, upper)
            .map_err(io_err("cannot compute the step's changes", span))?;
        Ok(stubs)
    }

    /// False once overlayfs failed to mount, or with MSMIGRATE_NO_OVERLAY=1.
    fn overlay_usable(&self) -> bool {
        !self.no_overlay.load(Ordering::Relaxed)
    }

    /// Switches the rest of the build to copies, saying so once.
    fn overlay_unavailable(&self, why: &std::io::Error) {
        if !self.no_overlay.swap(true, Ordering::Relaxed) {
            let _ = writeln!(
                RawLog(&self.out),
                "overlayfs cannot be mounted here ({why}): steps run in copies of the stage's filesystem (slower, same layers)"
            );
        }
    }

    /// A read-only view of `lowers` (top first) at `dir`, for `COPY
    /// --from` and `RUN --mount=from=`: an overlay mount, or a copy.
    fn readonly_view(
        &self,
        lowers: &[PathBuf],
        dir: &Path,
        span: Option<Span>,
    ) -> Result<View, BuildError> {
        if self.overlay_usable() {
            std::fs::create_dir_all(dir).map_err(io_err("cannot create a mount point", span))?;
            match sandbox::mount_readonly(lowers, dir) {
                Ok(mount) => return Ok(View::Mount(mount)),
                Err(e) if overlay_unsupported(&e) => self.overlay_unavailable(&e),
                Err(e) => return Err(err(format!("cannot mount the source: {e}"), span)),
            }
        }
        let view = View::Copy(dir.to_path_buf());
        snapshot::materialize(lowers, dir).map_err(io_err("cannot copy the source", span))?;
        Ok(view)
    }

    /// Turns an upper directory into a stored, extracted layer; `None` when
    /// nothing changed (BuildKit adds no layer then).
    fn store_layer(
        &self,
        upper: &Path,
        lowers: &[PathBuf],
        stubs: Vec<PathBuf>,
        span: Option<Span>,
    ) -> Result<Option<LayerRecord>, BuildError> {
        let empty = std::fs::read_dir(upper).map_or(true, |mut d| d.next().is_none());
        if empty {
            return Ok(None);
        }
        let tmp = self.store.temp_dir().join(format!(
            "layer-{}-{}.tar",
            std::process::id(),
            Digest::of(upper.as_os_str().as_encoded_bytes()).hex()
        ));
        let lowers_owned: Vec<PathBuf> = lowers.to_vec();
        let options = DiffOptions {
            exclude: stubs,
            lower_has: Box::new(move |rel: &Path| {
                lowers_owned
                    .iter()
                    .any(|l| l.join(rel).symlink_metadata().is_ok())
            }),
            mtime_clamp: self.options.source_date_epoch,
        };
        let info = {
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(&tmp).map_err(io_err("cannot write a layer", span))?,
            );
            let info = layer::write_diff(upper, &mut file, &options)
                .map_err(io_err("cannot write a layer", span))?;
            file.flush().map_err(io_err("cannot write a layer", span))?;
            info
        };
        if info.size <= 1024 && tar_is_empty(&tmp) {
            let _ = std::fs::remove_file(&tmp);
            return Ok(None);
        }
        let digest = self
            .store
            .put_blob_file(&tmp, Some(&info.diff_id))
            .map_err(io_err("cannot store a layer", span))?;
        let _ = std::fs::remove_file(&tmp);
        // The upper directory already is the layer in overlay format: move
        // it into place instead of extracting the tar again (creating every
        // file twice dominates steps that write thousands of files). With
        // SOURCE_DATE_EPOCH the tar's clamped mtimes must be what later
        // steps see, so it is extracted then.
        self.locks.with(format!("layer {}", digest.0), || {
            if self.options.source_date_epoch.is_none() && !self.store.layer_complete(&digest) {
                let dir = self.store.layer_dir(&digest);
                let adopted = (|| -> std::io::Result<()> {
                    strip_overlay_bookkeeping(upper)?;
                    if dir.exists() {
                        std::fs::remove_dir_all(&dir)?;
                    }
                    if let Some(parent) = dir.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    std::fs::rename(upper, &dir)?;
                    self.store.mark_layer_complete(&digest)
                })();
                if adopted.is_err() {
                    let _ = std::fs::remove_dir_all(&dir);
                }
            }
            self.ensure_extracted_locked(&digest, span)
        })?;
        Ok(Some(LayerRecord {
            diff_id: info.diff_id,
            size: info.size,
            docker_size: info.docker_size,
        }))
    }

    fn make_workdir(
        &self,
        root: &Path,
        dir: &str,
        user: &str,
        span: Option<Span>,
    ) -> Result<Vec<PathBuf>, BuildError> {
        let (uid, gid) = if user.is_empty() {
            (0, 0)
        } else {
            let (u, g, _) = copy::resolve_user(root, user).map_err(|e| err(e.to_string(), span))?;
            (u, g)
        };
        make_dirs_in_root(root, dir, uid, gid)
            .map_err(io_err(&format!("cannot create WORKDIR {dir}"), span))?;
        Ok(Vec::new())
    }

    fn run(
        &self,
        state: &mut StageState,
        i: usize,
        ins: &Instruction,
        label: &str,
    ) -> Result<bool, BuildError> {
        let span = Some(ins.span);
        let argv = if ins.json {
            ins.args.iter().map(|w| w.text.clone()).collect::<Vec<_>>()
        } else {
            let mut shell = state.shell();
            let mut script = ins
                .args
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            for h in &ins.heredocs {
                // A heredoc RUN passes the body as the script.
                if script.trim_start().starts_with("<<") {
                    script = h.content.clone();
                }
            }
            shell.push(script);
            shell
        };
        // The RUN's environment: the config's ENV with the ARGs in scope
        // (an ARG declared after an ENV of the same name wins here).
        let mut env: Vec<String> = state
            .env
            .iter()
            .map(|(k, v)| format!("{k}={}", state.args.get(k).unwrap_or(v)))
            .collect();
        for (k, v) in &state.args {
            if !state.env.iter().any(|(e, _)| e == k) {
                env.push(format!("{k}={v}"));
            }
        }
        if !env.iter().any(|e| e.starts_with("PATH=")) {
            env.push(format!("PATH={DEFAULT_PATH}"));
        }
        let network = match ins.flag("network").and_then(|f| f.value()) {
            Some("host") => Network::Host,
            Some("none") => Network::None,
            _ if self.options.network_host => Network::Host,
            _ => Network::None,
        };
        let mut mounts = Vec::new();
        let mut mount_keys = Vec::new();
        let mut views = Vec::new();
        for m in ins.flags.iter().filter(|f| f.name() == "mount") {
            let fields: BTreeMap<String, String> = m
                .value()
                .unwrap_or("")
                .split(',')
                .map(|kv| match kv.split_once('=') {
                    Some((k, v)) => (k.to_string(), v.to_string()),
                    None => (kv.to_string(), "true".to_string()),
                })
                .collect();
            let target = fields
                .get("target")
                .or_else(|| fields.get("dst"))
                .or_else(|| fields.get("destination"))
                .cloned()
                .ok_or_else(|| err("a --mount needs a target", span))?;
            match fields.get("type").map(String::as_str).unwrap_or("bind") {
                "cache" => {
                    let id = fields.get("id").cloned().unwrap_or_else(|| target.clone());
                    let dir = self
                        .store
                        .temp_dir()
                        .parent()
                        .unwrap_or(Path::new("/tmp"))
                        .join("cache-mounts")
                        .join(Digest::of(id.as_bytes()).hex());
                    std::fs::create_dir_all(&dir)
                        .map_err(io_err("cannot create a cache mount", span))?;
                    mounts.push(RunMount::Cache {
                        dir,
                        target: target.clone(),
                    });
                    mount_keys.push(format!("cache:{target}"));
                }
                "tmpfs" => {
                    mounts.push(RunMount::Tmpfs {
                        target: target.clone(),
                    });
                    mount_keys.push(format!("tmpfs:{target}"));
                }
                "bind" => {
                    let source = fields
                        .get("source")
                        .or_else(|| fields.get("src"))
                        .cloned()
                        .unwrap_or_default();
                    let rw = fields
                        .get("rw")
                        .or_else(|| fields.get("readwrite"))
                        .is_some();
                    let path = match fields.get("from") {
                        Some(from) => {
                            let stage = self
                                .model
                                .stage_named(from)
                                .map(|s| s.index)
                                .or_else(|| from.parse().ok());
                            match stage.and_then(|s| self.built_stage(s, span).ok()) {
                                Some(st) => {
                                    let view = self.work.join(format!(
                                        "bind-{}-{}",
                                        Digest::of(format!("{i}{from}").as_bytes()).hex(),
                                        unique()
                                    ));
                                    let lowers = st.layer_dirs(self.store);
                                    // Kept for the run, released after it.
                                    views.push(self.readonly_view(&lowers, &view, span)?);
                                    view.join(source.trim_start_matches('/'))
                                }
                                None => {
                                    return Err(err(
                                        format!(
                                            "RUN --mount from={from}: only stages are supported"
                                        ),
                                        span,
                                    ));
                                }
                            }
                        }
                        None => self.context.root().join(source.trim_start_matches('/')),
                    };
                    mount_keys.push(format!("bind:{source}:{target}:{}", tree_digest(&path).0));
                    mounts.push(RunMount::Bind {
                        source: path,
                        target: target.clone(),
                        readonly: !rw,
                    });
                }
                other => {
                    return Err(err(
                        format!("RUN --mount type={other} is not supported"),
                        span,
                    ));
                }
            }
        }
        let key = chain(
            &state.key,
            "RUN",
            &[
                serde_json::to_string(&argv).unwrap_or_default(),
                serde_json::to_string(&env).unwrap_or_default(),
                workdir(state),
                state.config.config.user.clone(),
                format!("{network:?}"),
                mount_keys.join(";"),
            ],
        );
        state.key = key.clone();
        let created_by = if ins.json {
            format!("RUN {}", serde_json::to_string(&argv).unwrap_or_default())
        } else {
            format!("RUN {} # buildkit", argv.join(" "))
        };
        self.out
            .start(label, ins.original.lines().next().unwrap_or(""));
        let cwd = workdir(state);
        let user = state.config.config.user.clone();
        let result = self.filesystem_step(state, key, span, created_by, |root, _state| {
            let spec = RunSpec {
                rootfs: root.to_path_buf(),
                argv,
                env,
                cwd,
                user,
                network,
                hostname: "buildkitsandbox".to_string(),
                mounts,
            };
            let result = sandbox::run_cancellable(
                &spec,
                &mut self.out.lines(label, &self.cancel),
                Some(Arc::clone(&self.cancel)),
            )
            .map_err(io_err("cannot run the command", span))?;
            if result.exit_code != 0 {
                return Err(err(
                    format!(
                        "process \"{}\" did not complete successfully: exit code: {}",
                        spec.argv.join(" "),
                        result.exit_code
                    ),
                    span,
                ));
            }
            // BuildKit keeps the mount points it created (dev, proc, sys,
            // etc) in the layer, so they are not excluded.
            let _ = result.created_stubs;
            Ok(Vec::new())
        });
        drop(views);
        result
    }

    fn copy(
        &self,
        state: &mut StageState,
        _i: usize,
        ins: &Instruction,
        label: &str,
    ) -> Result<bool, BuildError> {
        let span = Some(ins.span);
        let add = ins.keyword == Keyword::Add;
        let mut words: Vec<String> = Vec::new();
        for w in &ins.args {
            words.push(self.expand(state, &w.text, w.span)?);
        }
        if words.len() < 2 {
            return Err(err(
                format!(
                    "{} requires at least two arguments",
                    ins.name.to_uppercase()
                ),
                span,
            ));
        }
        let dest = words.pop().unwrap_or_default();
        let flag = |name: &str| ins.flag(name).and_then(|f| f.value()).map(str::to_string);
        let chown = match flag("chown") {
            Some(c) => Some(self.expand(state, &c, ins.span)?),
            None => None,
        };
        let chmod = flag("chmod");
        let from = flag("from");
        // The source: the context, a built stage, or an image.
        let mut _view_mount = None;
        let view_dir;
        let source = match &from {
            None => copy::Source::Context(self.context),
            Some(name) => {
                let stage = self.model.stage_named(name).map(|s| s.index).or_else(|| {
                    name.parse::<usize>()
                        .ok()
                        .filter(|&s| s < self.model.stages().len())
                });
                let lowers = match stage {
                    Some(s) => self.built_stage(s, span)?.layer_dirs(self.store),
                    None => {
                        let image = self.image(name, span)?;
                        image
                            .layers
                            .iter()
                            .rev()
                            .map(|l| self.store.layer_dir(&l.diff_id))
                            .collect()
                    }
                };
                // Unique: ONBUILD triggers of one base run in several stages.
                view_dir = self.work.join(format!(
                    "from-{}-{}",
                    Digest::of(format!("{}{name}", ins.span.start).as_bytes()).hex(),
                    unique()
                ));
                _view_mount = Some(self.readonly_view(&lowers, &view_dir, span)?);
                copy::Source::Root(&view_dir)
            }
        };
        let spec = CopySpec {
            sources: words.clone(),
            dest: dest.clone(),
            workdir: workdir(state),
            source: source.with_hash_cache(self.store),
            chown,
            chmod,
            add,
            link: ins.flag("link").is_some(),
            exclude: Vec::new(),
        };
        let content = copy::cache_key(&spec).map_err(|e| err(e.to_string(), span))?;
        let name = ins.name.to_uppercase();
        let key = chain(
            &state.key,
            &name,
            &[
                content.0.clone(),
                workdir(state),
                state.config.config.user.clone(),
            ],
        );
        state.key = key.clone();
        self.out
            .start(label, ins.original.lines().next().unwrap_or(""));
        let created_by = format!("{name} {} {dest} # buildkit", words.join(" "));
        self.filesystem_step(state, key, span, created_by, |root, _state| {
            let copied = if copy_bars_wanted() {
                let total = copy::estimate(&spec).unwrap_or_default();
                let mut bar = CopyBar::new(&self.out, label, total);
                let copied = copy::copy_with_progress(&spec, root, &mut |o| bar.update(o));
                bar.finish();
                copied
            } else {
                copy::copy(&spec, root)
            };
            copied.map_err(|e| err(e.to_string(), span))?;
            Ok(Vec::new())
        })
    }
}

/// Creates `dir` and its missing parents inside `root` (owned by
/// `uid:gid`, mode 0755), following symlinks as the image would: inside
/// `root`, never out of it.
fn make_dirs_in_root(root: &Path, dir: &str, uid: u32, gid: u32) -> std::io::Result<()> {
    let mut at = root.to_path_buf();
    let mut hops = 0;
    let mut parts: Vec<String> = dir
        .split('/')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    parts.reverse();
    while let Some(part) = parts.pop() {
        match part.as_str() {
            "." => continue,
            ".." => {
                if at != root {
                    at.pop();
                }
                continue;
            }
            _ => {}
        }
        let next = at.join(&part);
        match std::fs::symlink_metadata(&next) {
            Ok(meta) if meta.file_type().is_symlink() => {
                hops += 1;
                if hops > 40 {
                    return Err(std::io::Error::other("too many levels of symbolic links"));
                }
                let target = std::fs::read_link(&next)?;
                let target = target.to_string_lossy().into_owned();
                if target.starts_with('/') {
                    at = root.to_path_buf();
                }
                let mut more: Vec<String> = target
                    .split('/')
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect();
                more.reverse();
                parts.extend(more);
            }
            Ok(meta) if meta.is_dir() => at = next,
            Ok(_) => {
                return Err(std::io::Error::other(format!(
                    "{} is not a directory",
                    part
                )));
            }
            Err(_) => {
                std::fs::create_dir(&next)?;
                std::os::unix::fs::chown(&next, Some(uid), Some(gid))?;
                std::fs::set_permissions(
                    &next,
                    std::os::unix::fs::PermissionsExt::from_mode(0o755),
                )?;
                at = next;
            }
        }
    }
    Ok(())
}

/// A read-only view of a stage or an image for `COPY --from` and `RUN
/// --mount=from=`: unmounted, or deleted when a copy, on drop.
enum View {
    Mount(#[allow(dead_code)] sandbox::Mount),
    Copy(PathBuf),
}

impl Drop for View {
    fn drop(&mut self) {
        if let View::Copy(dir) = self {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Whether a failed overlay mount means overlayfs is not available here
/// (not in the kernel, not allowed in this namespace, or not over this
/// filesystem, e.g. a store on overlayfs itself) rather than a real error.
fn overlay_unsupported(e: &std::io::Error) -> bool {
    // The sandbox words its mount errors with the path and keeps the
    // kind, which drops the raw errno; its text still ends with it.
    let errno = e.raw_os_error().or_else(|| {
        let text = e.to_string();
        let at = text.rfind("(os error ")?;
        text[at + 10..].trim_end_matches(')').parse().ok()
    });
    matches!(errno, Some(libc::EINVAL | libc::ENODEV | libc::EPERM))
}

/// `MSMIGRATE_NO_OVERLAY=1`: run steps in copies even where overlayfs works
/// (what the tests of the fallback use).
fn overlay_disabled_by_env() -> bool {
    std::env::var("MSMIGRATE_NO_OVERLAY").is_ok_and(|v| v == "1")
}

/// A number unique within this process, for temporary names.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Removes overlayfs's own extended attributes from an upper directory
/// (origin, impure, nlink...), keeping the opaque marker, which is how the
/// layer format marks an opaque directory.
fn strip_overlay_bookkeeping(upper: &Path) -> std::io::Result<()> {
    for entry in walkdir::WalkDir::new(upper)
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.file_type().is_symlink() {
            continue;
        }
        let path = entry.path();
        let Ok(names) = xattr::list(path) else {
            continue;
        };
        for name in names {
            let name = name.to_string_lossy().into_owned();
            if layer::is_overlay_xattr(name.as_bytes()) && name != layer::opaque_xattr() {
                xattr::remove(path, &name)?;
            }
        }
    }
    Ok(())
}

/// A digest of a host tree's paths, types, modes and contents (for the
/// cache key of a bind mount from the context).
fn tree_digest(path: &Path) -> Digest {
    let mut h = Sha256::new();
    for entry in walkdir::WalkDir::new(path)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = entry.path().strip_prefix(path).unwrap_or(entry.path());
        h.update(rel.as_os_str().as_encoded_bytes());
        if let Ok(meta) = entry.path().symlink_metadata() {
            h.update(std::os::unix::fs::PermissionsExt::mode(&meta.permissions()).to_le_bytes());
            if meta.is_file()
                && let Ok(bytes) = std::fs::read(entry.path())
            {
                h.update(Sha256::digest(&bytes));
            } else if meta.file_type().is_symlink()
                && let Ok(t) = std::fs::read_link(entry.path())
            {
                h.update(t.as_os_str().as_encoded_bytes());
            }
        }
    }
    Digest::from_hasher(h)
}

/// Adds `items` to a config set (`ExposedPorts`, `Volumes`), creating it.
fn add_to_set(set: &mut Option<BTreeMap<String, Empty>>, items: &[String]) {
    let set = set.get_or_insert_with(BTreeMap::new);
    for item in items {
        set.insert(item.clone(), Empty {});
    }
}

/// The config of `FROM scratch` as BuildKit makes it.
fn scratch_config() -> ImageConfig {
    ImageConfig {
        architecture: "amd64".to_string(),
        os: "linux".to_string(),
        config: ContainerConfig {
            env: Some(vec![format!("PATH={DEFAULT_PATH}")]),
            working_dir: "/".to_string(),
            ..ContainerConfig::default()
        },
        rootfs: RootFs {
            kind: "layers".to_string(),
            diff_ids: Vec::new(),
        },
        ..ImageConfig::default()
    }
}

fn workdir(state: &StageState) -> String {
    match state.config.config.working_dir.as_str() {
        "" => "/".to_string(),
        w => w.to_string(),
    }
}

/// `/a/./b/../c/` → `/a/c`.
fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

fn key_of(value: &serde_json::Value) -> Digest {
    Digest::of(value.to_string().as_bytes())
}

/// The next cache key: the parent's, the instruction and what it depends on.
fn chain(parent: &Digest, kind: &str, parts: &[String]) -> Digest {
    let mut h = Sha256::new();
    h.update(parent.0.as_bytes());
    h.update([0]);
    h.update(kind.as_bytes());
    for p in parts {
        h.update([0]);
        h.update(p.as_bytes());
    }
    Digest::from_hasher(h)
}

fn tar_is_empty(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut archive = tar::Archive::new(file);
    archive.entries().is_ok_and(|mut e| e.next().is_none())
}

/// SOURCE_DATE_EPOCH as RFC 3339 UTC.
fn rfc3339(epoch: i64) -> String {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if mo <= 2 { y + 1 } else { y };
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}Z")
}

/// HEALTHCHECK's flags and command, as Docker stores them.
fn healthcheck(ins: &Instruction) -> Result<Healthcheck, String> {
    let mut hc = Healthcheck::default();
    let words: Vec<String> = ins.args.iter().map(|w| w.text.clone()).collect();
    let kind = words
        .first()
        .map(|w| w.to_ascii_uppercase())
        .unwrap_or_default();
    if kind == "NONE" {
        hc.test = Some(vec!["NONE".to_string()]);
        return Ok(hc);
    }
    let rest = &words[1.min(words.len())..];
    hc.test = Some(if ins.json {
        let mut t = vec!["CMD".to_string()];
        t.extend(rest.iter().cloned());
        t
    } else {
        vec!["CMD-SHELL".to_string(), rest.join(" ")]
    });
    for f in &ins.flags {
        let v = f.value().unwrap_or("");
        match f.name() {
            "interval" => hc.interval = duration_ns(v)?,
            "timeout" => hc.timeout = duration_ns(v)?,
            "start-period" => hc.start_period = duration_ns(v)?,
            "start-interval" => hc.start_interval = duration_ns(v)?,
            "retries" => hc.retries = v.parse().map_err(|_| format!("invalid --retries {v}"))?,
            other => return Err(format!("unknown HEALTHCHECK flag --{other}")),
        }
    }
    Ok(hc)
}

/// A Go duration (`30s`, `1m30s`, `500ms`) in nanoseconds.
fn duration_ns(text: &str) -> Result<i64, String> {
    let mut total: f64 = 0.0;
    let mut rest = text;
    if rest.is_empty() {
        return Err("empty duration".to_string());
    }
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest[..num_end]
            .parse()
            .map_err(|_| format!("invalid duration {text}"))?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(format!("invalid duration {text}")),
        };
        total += value * factor;
        rest = &rest[unit_end..];
    }
    Ok(total as i64)
}

// ---------------------------------------------------------------------------
// Base images: the store, else a registry pull
// ---------------------------------------------------------------------------

/// The image `reference` names (`FROM image`, `COPY --from=image`): from the
/// store, else pulled from its registry unless MSMIGRATE_OFFLINE=1. The pull
/// shows as an `[internal] pull` step, with a bar per blob on a terminal.
/// The docker CLI on PATH, unless it is msmigrate itself (verify's shim).
fn docker_cli() -> Option<PathBuf> {
    let me = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok());
    let path = std::env::var_os("PATH")?;
    // Skipping ourselves: verify puts msmigrate first on a legacy script's
    // PATH as `docker`, and the real CLI comes after it.
    std::env::split_paths(&path)
        .map(|dir| dir.join("docker"))
        .find(|candidate| candidate.is_file() && candidate.canonicalize().ok() != me)
}

/// Copies `reference` from the local Docker engine into the store, when
/// there is one and it has the image (`MSMIGRATE_NO_DOCKER_IMPORT=1` turns
/// this off).
fn import_from_docker(store: &Store, reference: &str, progress: &Output) -> Option<StoredImage> {
    use std::process::{Command, Stdio};
    if std::env::var_os("MSMIGRATE_NO_DOCKER_IMPORT").is_some_and(|v| !v.is_empty()) {
        return None;
    }
    let docker = docker_cli()?;
    let known = Command::new(&docker)
        .args(["image", "inspect", "--format", "{{.Id}}", reference])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?
        .success();
    if !known {
        return None;
    }
    let label = "[internal]";
    let text = format!("load {reference} from the local Docker engine");
    progress.start(label, &text);
    let started = Instant::now();
    let mut child = Command::new(&docker)
        .args(["save", reference])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let loaded = child
        .stdout
        .take()
        .map(|out| super::archive::load(store, out));
    let status = child.wait().ok()?;
    if !status.success() || !matches!(loaded, Some(Ok(_))) {
        return None;
    }
    progress.done(&Step {
        label: label.to_string(),
        text,
        cached: false,
        duration: started.elapsed(),
    });
    store.resolve(reference).ok().flatten()
}

fn resolve_or_pull(
    store: &Store,
    reference: &str,
    span: Option<Span>,
    progress: &Output,
) -> Result<StoredImage, BuildError> {
    use super::registry;
    // A damaged copy counts as absent: it is fetched again below.
    if let Some(image) = store
        .resolve_usable(reference)
        .map_err(io_err("cannot read the store", span))?
    {
        return Ok(image);
    }
    // An image the local Docker engine has (the usual case when migrating
    // next to Docker) is taken from it, as `docker save | msmigrate image
    // load` would.
    if let Some(image) = import_from_docker(store, reference, progress) {
        return Ok(image);
    }
    let load_hint = format!(
        "load it with `msmigrate image load` or `docker save {reference} | msmigrate image load`"
    );
    if registry::offline() {
        return Err(err(
            format!(
                "{reference}: image not found in the local store, and MSMIGRATE_OFFLINE=1 forbids pulling it ({load_hint})"
            ),
            span,
        ));
    }
    let label = "[internal]";
    let text = format!("pull {reference}");
    progress.start(label, &text);
    let started = Instant::now();
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let pulled = {
        let mut bars = registry::Reporter::new(RawLog(progress), tty);
        registry::pull(store, reference, &registry::Platform::default(), &mut bars)
    }
    .map_err(|e| {
        err(
            format!("{reference}: image not found in the local store, and pulling it failed: {e}"),
            span,
        )
    })?;
    progress.done(&Step {
        label: label.to_string(),
        text,
        cached: pulled.fetched_blobs == 0,
        duration: started.elapsed(),
    });
    Ok(pulled.image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_dates() {
        assert_eq!(duration_ns("30s").unwrap(), 30_000_000_000);
        assert_eq!(duration_ns("1m30s").unwrap(), 90_000_000_000);
        assert_eq!(duration_ns("500ms").unwrap(), 500_000_000);
        assert!(duration_ns("5x").is_err());
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn paths_clean() {
        assert_eq!(clean("/a/./b/../c/"), "/a/c");
        assert_eq!(clean("/"), "/");
    }
}
