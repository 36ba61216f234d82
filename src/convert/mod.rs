//! The converter: one multi-stage Dockerfile from a builder-pattern setup.
//!
//! Input is the reconstructed [`Flow`]: which builds ran, which containers
//! the script took files out of, and for the runtime build, what each path of
//! its context held (checkout content or an artifact, and from which
//! container path). The output keeps the user's Dockerfiles as they are
//! written and changes only what the hand-off requires:
//!
//! - the builder Dockerfile's stages come first; the stage the builder
//!   container ran gets a name (from the image tag or `--stage-name`);
//! - a `docker run` that did build work becomes a stage whose RUN is the
//!   container's command, with its bind-mounted sources copied in;
//! - each runtime COPY/ADD source that held an artifact becomes
//!   `COPY --from=<stage> <container path>`, composing `docker cp`'s
//!   semantics with COPY's: when the artifact's host name differs from its
//!   container name and it is not known to be a directory, an intermediate
//!   `scratch` stage lays the artifacts out as the host had them, which
//!   reproduces both the file and the directory case exactly;
//! - host post-processing (`chmod`, `strip`) becomes RUN steps in the
//!   producing stage; ownership is reset with `--chown=0:0` where the
//!   producing stage ran as another user, since files copied to the host by
//!   root and then from the context are root's.
//!
//! - runtime images that share a producer become one Dockerfile with a
//!   final stage per image, named from its tag, built with `--target`;
//! - `.dockerignore` ([`ignore`]) decides which artifacts the legacy
//!   runtime saw, and when contexts are merged a `<dockerfile>.dockerignore`
//!   gives each stage the view its own context gave it.
//!
//! Anything that cannot be resolved is a [`Diagnostic`] pointing at the
//! script or Dockerfile text, never a guessed path.
//!
//! The steps, in order: the runtime builds and their COPY/ADD sources
//! (here and `plan`), then per group of runtimes one Dockerfile (`emit`:
//! stage names from `names`, producer, post-processing, layout and
//! runtime stages, the ignore file from `dockerignore`), then the output
//! read back (`selfcheck`).

mod dockerignore;
mod edit;
mod emit;
mod hostfiles;
pub mod ignore;
mod names;
mod plan;
mod selfcheck;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::dockerfile::glob;
use crate::dockerfile::model::{BuildOptions, Model};
use crate::dockerfile::{self, Dockerfile, Instruction, Keyword, Span};
use crate::flow::hostfs::{
    self, HostFs, Kind, Origin, PostStep, Resolution, StepWord, basename, join,
};
use crate::flow::{Flow, ImageBuild, ImageRef};
use crate::script::{Location, Trace};
use edit::Edits;
use hostfiles::{HostFile, host_file_source, host_files_run, post_step_line};
use ignore::Rules;
use plan::{CopyPlan, Piece};

pub use dockerignore::IgnoreFile;
use dockerignore::{Fate, IgnoreSource, View};
use names::stage_base;
pub use names::stage_name_from_tag;

/// Go's `filepath.Match` of a whole path, as COPY sources are matched (`*`,
/// `?` and classes do not cross `/`); see [`crate::dockerfile::glob`].
pub use crate::dockerfile::glob::path_matches as glob_match;

/// How sure the converter is of its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The output builds the same image.
    Converted,
    /// An output was produced but something could not be converted.
    Partial,
    /// No output: the setup cannot be converted.
    Unsupported,
    /// The setup is already a single build: there is nothing to convert.
    NothingToConvert,
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The conversion is incomplete because of it.
    Error,
    /// The conversion holds, under an assumption worth knowing.
    Warning,
    /// Information.
    Info,
}

/// A finding of the converter, pointing into a file of the setup.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    /// How serious.
    pub severity: Severity,
    /// A stable code, e.g. `unresolved-value`.
    pub code: &'static str,
    /// What happened.
    pub message: String,
    /// The file, relative to the setup directory.
    pub file: String,
    /// Where in it.
    #[serde(skip)]
    pub span: Option<Span>,
    /// 1-based line of the span start.
    pub line: Option<usize>,
    /// 1-based column (in characters) of the span start.
    pub column: Option<usize>,
    /// What would resolve it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// One artifact hand-off in the output.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Artifact {
    /// The stage (or image) the files come from.
    pub from_stage: String,
    /// The path in it.
    pub source: String,
    /// Where the runtime copies it.
    pub dest: String,
}

/// A stage of the output.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StageInfo {
    /// The stage name, if any.
    pub name: Option<String>,
    /// `builder`, `run`, `post` (host post-processing redone on an image), `artifacts` or `runtime`.
    pub role: &'static str,
    /// Its base.
    pub from: String,
}

/// The result of a conversion.
#[derive(Debug, Clone, Serialize)]
pub struct Conversion {
    /// How it went.
    pub status: Status,
    /// The emitted Dockerfile.
    pub output: Option<String>,
    /// The runtime Dockerfile the output replaces, relative to the setup directory.
    pub dockerfile: Option<String>,
    /// The build context to use with it, relative to the setup directory.
    pub context: Option<String>,
    /// The tag of the final image.
    pub target_image: Option<String>,
    /// `--build-arg` values the build needs.
    pub build_args: BTreeMap<String, String>,
    /// The stages of the output.
    pub stages: Vec<StageInfo>,
    /// The artifact hand-offs.
    pub artifacts: Vec<Artifact>,
    /// Each runtime image and the stage that builds it: several when one
    /// builder feeds several runtime images, all in this one Dockerfile.
    pub targets: Vec<Target>,
    /// The `<dockerfile>.dockerignore` the merged build needs, if any.
    pub dockerignore: Option<IgnoreFile>,
    /// Findings.
    pub diagnostics: Vec<Diagnostic>,
    /// Files written (filled in by the caller when it writes).
    pub files_written: Vec<String>,
}

impl Conversion {
    /// A result with no output, only a status.
    pub(crate) fn empty(status: Status) -> Conversion {
        Conversion {
            status,
            output: None,
            dockerfile: None,
            context: None,
            target_image: None,
            build_args: BTreeMap::new(),
            stages: Vec::new(),
            artifacts: Vec::new(),
            targets: Vec::new(),
            dockerignore: None,
            diagnostics: Vec::new(),
            files_written: Vec::new(),
        }
    }
}

/// Options of a conversion.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The name of the builder stage, instead of one derived from its tag.
    pub stage_name: Option<String>,
}

/// A Dockerfile of the setup, read and parsed.
struct Source {
    path: String,
    text: String,
    file: Dockerfile,
    model: Model,
}

struct Converter<'a> {
    dir: &'a Path,
    trace: &'a Trace,
    flow: Flow,
    diagnostics: Vec<Diagnostic>,
    used_names: BTreeSet<String>,
    /// For each container, the one whose stage stands for it: containers
    /// that only hold their image's files (created, not started) share one.
    reps: Vec<usize>,
    /// Host commands already reported as changing what a build reads.
    reported: BTreeSet<(usize, usize, usize)>,
}

/// Converts the setup in `dir` whose driver evaluated to `trace`: one
/// [`Conversion`] per runtime image the script builds from extracted files
/// (a builder feeding several runtime images gives several, each a
/// complete Dockerfile replacing that image's own), or a single one saying
/// why nothing was converted.
pub fn convert(dir: &Path, trace: &Trace, options: &Options) -> Vec<Conversion> {
    let flow = Flow::from_trace(trace, dir);
    let reps = producer_reps(&flow);
    let mut c = Converter {
        dir,
        trace,
        flow,
        diagnostics: Vec::new(),
        used_names: BTreeSet::new(),
        reps,
        reported: BTreeSet::new(),
    };
    c.run(options)
        .into_iter()
        .map(|(result, diagnostics)| {
            let mut conversion = result.unwrap_or_else(Conversion::empty);
            conversion.diagnostics = diagnostics;
            let problems = selfcheck::check(dir, &conversion);
            conversion.diagnostics.extend(problems);
            if conversion.status == Status::Converted
                && conversion
                    .diagnostics
                    .iter()
                    .any(|d| d.severity == Severity::Error)
            {
                conversion.status = Status::Partial;
            }
            conversion
        })
        .collect()
}

/// 1-based line and column of byte `at` in `text`.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

impl Converter<'_> {
    fn script_diag(
        &mut self,
        severity: Severity,
        code: &'static str,
        message: String,
        at: Location,
        help: Option<String>,
    ) {
        let (file, text) = self.trace.files.get(at.file).cloned().unwrap_or_default();
        let (line, column) = line_col(&text, at.span.start);
        self.diagnostics.push(Diagnostic {
            severity,
            code,
            message,
            file,
            span: Some(at.span),
            line: Some(line),
            column: Some(column),
            help,
        });
    }

    fn file_diag(
        &mut self,
        severity: Severity,
        code: &'static str,
        message: String,
        src: &Source,
        span: Span,
    ) {
        let (line, column) = line_col(&src.text, span.start);
        self.diagnostics.push(Diagnostic {
            severity,
            code,
            message,
            file: src.path.clone(),
            span: Some(span),
            line: Some(line),
            column: Some(column),
            help: None,
        });
    }

    fn read(
        &mut self,
        path: &str,
        build_args: &BTreeMap<String, String>,
        target: Option<String>,
        at: Location,
    ) -> Option<Source> {
        let text = match std::fs::read(self.dir.join(path)) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                self.script_diag(
                    Severity::Error,
                    "missing-dockerfile",
                    format!("cannot read `{path}`: {e}"),
                    at,
                    None,
                );
                return None;
            }
        };
        match dockerfile::parse(&text) {
            Ok(file) => {
                let options = BuildOptions {
                    build_args: build_args.clone(),
                    target,
                    ..Default::default()
                };
                let model = Model::build(&file, &options);
                if let Some(e) = model.error() {
                    let span = e.span().unwrap_or_default();
                    let (line, column) = line_col(&text, span.start);
                    self.diagnostics.push(Diagnostic {
                        severity: Severity::Error,
                        code: "invalid-dockerfile",
                        message: e.message().to_string(),
                        file: path.to_string(),
                        span: Some(span),
                        line: Some(line),
                        column: Some(column),
                        help: None,
                    });
                    return None;
                }
                Some(Source {
                    path: path.to_string(),
                    text,
                    file,
                    model,
                })
            }
            Err(e) => {
                let (line, column) = line_col(&text, e.span().start);
                self.diagnostics.push(Diagnostic {
                    severity: Severity::Error,
                    code: "invalid-dockerfile",
                    message: e.message().to_string(),
                    file: path.to_string(),
                    span: Some(e.span()),
                    line: Some(line),
                    column: Some(column),
                    help: None,
                });
                None
            }
        }
    }

    /// Reports what the script did on the host to `path` before a build
    /// (`reader`, e.g. "the runtime build") read it: unmodelled commands
    /// always; with `changes`, also files it placed there, which a build
    /// from a clean checkout would not see.
    fn check_host_reads(&mut self, host: &HostFs, path: &str, reader: &str, changes: bool) {
        let taints: Vec<hostfs::Taint> = host.taints_over(path).into_iter().cloned().collect();
        for t in taints {
            if !self.reported.insert((t.at.file, t.at.span.start, 0)) {
                continue;
            }
            let place = if t.path.is_empty() {
                "anything in the setup directory".to_string()
            } else {
                format!("`{}`", t.path)
            };
            self.script_diag(
                Severity::Error,
                "host-command-not-modelled",
                format!("{}: it may change {place}, which {reader} reads", t.reason),
                t.at,
                Some(
                    "move this step into a Dockerfile, or run it after the last `docker build`"
                        .to_string(),
                ),
            );
        }
        if !changes {
            return;
        }
        let layers: Vec<hostfs::Layer> = host.layers_over(path).into_iter().cloned().collect();
        for l in layers {
            let Some(cmd) = self.trace.commands.get(l.step) else {
                continue;
            };
            let at = cmd.at;
            if !self.reported.insert((at.file, at.span.start, 1)) {
                continue;
            }
            self.script_diag(
                Severity::Error,
                "host-change-before-build",
                format!(
                    "the script changes `{}` on the host here, before {reader} reads `{}`; a build from a clean checkout would not see the change",
                    l.host,
                    if path.is_empty() { "." } else { path }
                ),
                at,
                Some("make the change in the Dockerfile that reads it".to_string()),
            );
        }
    }

    /// The conversions with their diagnostics: one per group of runtime
    /// images that share a producer (or a Dockerfile), each group one
    /// Dockerfile with a final stage per image; the flow's own diagnostics
    /// go with the first.
    fn run(&mut self, options: &Options) -> Vec<(Result<Conversion, Status>, Vec<Diagnostic>)> {
        let runtimes = match self.runtimes() {
            Ok(r) => r,
            Err(status) => return vec![(Err(status), std::mem::take(&mut self.diagnostics))],
        };
        let mut notes = std::mem::take(&mut self.diagnostics);
        let mut planned = Vec::new();
        let mut skipped = Vec::new();
        for r in runtimes {
            match self.plan_runtime(r) {
                Ok(mut p) => {
                    p.diagnostics = std::mem::take(&mut self.diagnostics);
                    planned.push(p);
                }
                Err(skip) => {
                    notes.append(&mut self.diagnostics);
                    skipped.push((r, skip));
                }
            }
        }
        let converting = !planned.is_empty();
        for (r, skip) in &skipped {
            let build = self.flow.builds[*r].clone();
            match skip {
                Skip::Unreadable => {}
                Skip::AlreadyConverted => self.script_diag(
                    Severity::Info,
                    "already-converted",
                    format!(
                        "`{}` is already a multi-stage Dockerfile: nothing to convert",
                        build.dockerfile
                    ),
                    build.at,
                    Some(format!(
                        "build it alone with `docker build -f {} .`",
                        build.dockerfile
                    )),
                ),
                Skip::NotConsumed if converting => self.script_diag(
                    Severity::Info,
                    "not-a-runtime",
                    format!(
                        "`{}` does not read any of the extracted files: this build is left as it is",
                        build.dockerfile
                    ),
                    build.at,
                    None,
                ),
                Skip::NotConsumed => self.script_diag(
                    Severity::Error,
                    "artifact-not-consumed",
                    format!(
                        "`{}` does not read any of the extracted files",
                        build.dockerfile
                    ),
                    build.at,
                    Some(
                        "check the paths of `docker cp` against the runtime Dockerfile's COPY sources"
                            .to_string(),
                    ),
                ),
            }
        }
        notes.append(&mut self.diagnostics);
        if !converting {
            let status = if skipped
                .iter()
                .all(|(_, s)| matches!(s, Skip::AlreadyConverted))
            {
                Status::NothingToConvert
            } else {
                Status::Unsupported
            };
            return vec![(Err(status), notes)];
        }
        let mut results = Vec::new();
        for (n, group) in group_runtimes(planned).into_iter().enumerate() {
            let mut diagnostics = if n == 0 {
                std::mem::take(&mut notes)
            } else {
                Vec::new()
            };
            for p in &group {
                diagnostics.extend(p.diagnostics.iter().cloned());
            }
            let result = self.convert_group(group, options);
            diagnostics.append(&mut self.diagnostics);
            results.push((result, diagnostics));
        }
        results
    }

    /// The runtime builds to convert: builds not used as a container's
    /// image whose host snapshot holds extracted files.
    fn runtimes(&mut self) -> Result<Vec<usize>, Status> {
        for p in std::mem::take(&mut self.flow.problems) {
            self.script_diag(Severity::Error, "unresolved", p.message, p.at, p.help);
        }
        // Builders are the images of containers files were taken out of;
        // a container run from the runtime image afterwards (a smoke test)
        // does not make it one.
        let builder_builds: BTreeSet<usize> = self
            .flow
            .transfers
            .iter()
            .filter_map(|(c, ..)| match self.flow.containers[*c].image {
                ImageRef::Build(b) => Some(b),
                ImageRef::External(_) => None,
            })
            .collect();
        let runtimes: Vec<usize> = (0..self.flow.builds.len())
            .filter(|b| {
                !builder_builds.contains(b) && !self.flow.host_at_build[*b].layers.is_empty()
            })
            .collect();
        if self.flow.builds.is_empty() && self.flow.containers.is_empty() {
            // Say where the evaluation ended, so a script that stops early
            // (a guard that exits, a branch not taken) can be told apart
            // from one that builds nothing.
            let last = self
                .trace
                .commands
                .iter()
                .rev()
                .find(|c| c.condition != crate::script::Condition::OnFailure)
                .or(self.trace.commands.last());
            let (at, message) = match last {
                Some(c) => (
                    c.at,
                    "the script runs no `docker build`, `docker create` or `docker run`; its evaluation ends after this command".to_string(),
                ),
                None => (
                    Location::default(),
                    "the script runs no command at all when evaluated: nothing to convert".to_string(),
                ),
            };
            self.script_diag(Severity::Info, "nothing-to-convert", message, at, None);
            return Err(Status::NothingToConvert);
        }
        let first_container = self
            .flow
            .containers
            .first()
            .map(|c| c.at)
            .unwrap_or_default();
        if self.flow.transfers.is_empty() && self.flow.extractions > 0 {
            // Files were taken out of a container, but how could not be resolved.
            if self.diagnostics.is_empty() {
                self.script_diag(
                    Severity::Error,
                    "unresolved",
                    "files are taken out of a container here, but not in a way msmigrate can follow".to_string(),
                    first_container,
                    Some("use `docker cp CONTAINER:PATH DEST` or a bind mount of the checkout".to_string()),
                );
            }
            return Err(Status::Unsupported);
        }
        if self.flow.transfers.is_empty() {
            let at = self.flow.builds.first().map(|b| b.at).unwrap_or_default();
            self.script_diag(
                Severity::Info,
                "nothing-to-convert",
                "no container hands files to a build: nothing to convert".to_string(),
                at,
                None,
            );
            return Err(Status::NothingToConvert);
        }
        if runtimes.is_empty() {
            if self
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error)
            {
                // What was not followed already says why.
                return Err(Status::Unsupported);
            }
            self.script_diag(
                Severity::Error,
                "no-runtime-build",
                "files are taken out of a container, but no later `docker build` reads them".to_string(),
                first_container,
                Some("msmigrate converts setups whose runtime image is built from the extracted files".to_string()),
            );
            return Err(Status::Unsupported);
        }
        Ok(runtimes)
    }

    /// Reads a runtime build and finds which of its COPY/ADD sources held
    /// extracted files.
    fn plan_runtime(&mut self, runtime: usize) -> Result<RuntimePlan, Skip> {
        let build = self.flow.builds[runtime].clone();
        let host = self.flow.host_at_build[runtime].clone();
        let args: BTreeMap<String, String> = build
            .build_args
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
            .collect();
        let Some(src) = self.read(&build.dockerfile, &args, build.target.clone(), build.at) else {
            return Err(Skip::Unreadable);
        };
        let ignore = self.ignore_of(&build.dockerfile, &build.context);
        self.check_host_reads(&host, &build.dockerfile, "the runtime build", false);
        let mut plans = Vec::new();
        for (i, instr) in src.file.instructions.iter().enumerate() {
            if !matches!(instr.keyword, Keyword::Copy | Keyword::Add)
                || instr.flag("from").is_some()
            {
                continue;
            }
            if let Some(plan) = self.plan_copy(&src, i, instr, &build.context, &host, &ignore) {
                plans.push((i, plan));
            }
        }
        let needed: BTreeSet<usize> = plans
            .iter()
            .flat_map(|(_, p)| p.pieces.iter().map(|piece| piece.container))
            .collect();
        if needed.is_empty() {
            return Err(if src.model.stages().len() > 1 {
                Skip::AlreadyConverted
            } else {
                Skip::NotConsumed
            });
        }
        Ok(RuntimePlan {
            build: runtime,
            src,
            args,
            plans,
            needed,
            ignore,
            diagnostics: Vec::new(),
        })
    }
}

/// One runtime image of a conversion and how to build it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Target {
    /// Its tag in the legacy script.
    pub image: Option<String>,
    /// The stage to build with `docker build --target`; `null` when the
    /// Dockerfile's last stage is the image.
    pub target: Option<String>,
    /// The runtime Dockerfile the legacy script built it from.
    pub replaces: String,
    /// `--build-arg` values its build needs.
    pub build_args: BTreeMap<String, String>,
}

/// A runtime build read and planned.
struct RuntimePlan {
    /// Index into the flow's builds.
    build: usize,
    src: Source,
    args: BTreeMap<String, String>,
    /// The COPY/ADD instructions that read artifacts, with their plans.
    plans: Vec<(usize, CopyPlan)>,
    /// The producers (representative containers) it reads from.
    needed: BTreeSet<usize>,
    /// The ignore file its legacy build read.
    ignore: Option<IgnoreSource>,
    diagnostics: Vec<Diagnostic>,
}

/// Why a build after an extraction is not converted.
enum Skip {
    /// Its Dockerfile could not be read (diagnosed).
    Unreadable,
    /// It is multi-stage and reads no extracted file.
    AlreadyConverted,
    /// It reads no extracted file.
    NotConsumed,
}

/// For each container, the first container with the same content: one
/// that ran no build work stands for every such container of its image.
fn producer_reps(flow: &Flow) -> Vec<usize> {
    let mut first: BTreeMap<String, usize> = BTreeMap::new();
    flow.containers
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if c.run.is_some() && !c.reads_only {
                return i;
            }
            let key = match &c.image {
                ImageRef::Build(b) => format!("build {b}"),
                ImageRef::External(image) => format!("image {image}"),
            };
            *first.entry(key).or_insert(i)
        })
        .collect()
}

/// Runtimes that share a producer or a Dockerfile, in script order.
fn group_runtimes(plans: Vec<RuntimePlan>) -> Vec<Vec<RuntimePlan>> {
    let n = plans.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for a in 0..n {
        for b in a + 1..n {
            let linked = plans[a]
                .needed
                .intersection(&plans[b].needed)
                .next()
                .is_some()
                || plans[a].src.path == plans[b].src.path;
            if linked {
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                parent[rb.max(ra)] = ra.min(rb);
            }
        }
    }
    let roots: Vec<usize> = (0..n).map(|i| find(&mut parent, i)).collect();
    let mut groups: Vec<(usize, Vec<RuntimePlan>)> = Vec::new();
    for (i, p) in plans.into_iter().enumerate() {
        match groups.iter_mut().find(|(r, _)| *r == roots[i]) {
            Some((_, g)) => g.push(p),
            None => groups.push((roots[i], vec![p])),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

/// The sources a stage's Dockerfile reads from its context, relative to
/// it; for a runtime, without the ones now copied from stages.
fn reads_of(src: &Source, plans: Option<&Vec<(usize, CopyPlan)>>) -> Vec<String> {
    let mut reads = Vec::new();
    for (i, instr) in src.file.instructions.iter().enumerate() {
        if let Some((_, plan)) = plans.and_then(|p| p.iter().find(|(j, _)| *j == i)) {
            reads.extend(
                plan.kept
                    .iter()
                    .filter(|k| !k.starts_with("<<") && !k.contains("://"))
                    .map(|k| expand_or_raw(src, i, k)),
            );
            continue;
        }
        for w in context_sources(instr) {
            reads.push(expand_or_raw(src, i, &w.text));
        }
    }
    reads
}

fn expand_or_raw(src: &Source, instruction: usize, word: &str) -> String {
    src.model
        .expand(instruction, word)
        .map(|e| e.word)
        .unwrap_or_else(|_| word.to_string())
        .trim_start_matches('/')
        .to_string()
}

fn join_abs(root: &str, rel: &str) -> String {
    if rel.is_empty() {
        root.to_string()
    } else if root == "/" {
        format!("/{rel}")
    } else {
        format!("{root}/{rel}")
    }
}

fn join_dest(dest: &str, rel: &str) -> String {
    if rel.is_empty() {
        return dest.to_string();
    }
    format!("{}/{rel}", dest.trim_end_matches('/'))
}

/// The source words of a COPY/ADD that read the build context: not
/// `--from`, not heredocs, not URLs, shell form.
fn context_sources(instr: &Instruction) -> impl Iterator<Item = &crate::dockerfile::Word> {
    let applies = matches!(instr.keyword, Keyword::Copy | Keyword::Add)
        && instr.flag("from").is_none()
        && !instr.json
        && instr.args.len() >= 2;
    let sources = if applies {
        &instr.args[..instr.args.len() - 1]
    } else {
        &[][..]
    };
    sources
        .iter()
        .filter(|w| !w.text.starts_with("<<") && !w.text.contains("://"))
}

/// `path` relative to `base` when it is inside it.
fn relative_to(path: &str, base: &str) -> Option<String> {
    if base.is_empty() {
        return Some(path.to_string());
    }
    if path == base {
        return Some(String::new());
    }
    path.strip_prefix(base)?
        .strip_prefix('/')
        .map(str::to_string)
}

/// True when the glob matches something in the checkout.
fn glob_matches_checkout(dir: &Path, pattern: &str) -> bool {
    let (parent, last) = pattern.rsplit_once('/').unwrap_or(("", pattern));
    if parent.contains(['*', '?', '[']) {
        return true; // be safe: keep the source
    }
    let Ok(entries) = std::fs::read_dir(dir.join(parent)) else {
        return false;
    };
    entries
        .filter_map(Result::ok)
        .any(|e| glob::path_matches(last, &e.file_name().to_string_lossy()))
}
