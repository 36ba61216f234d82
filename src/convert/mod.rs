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

mod edit;
mod hostfiles;
pub mod ignore;
mod plan;
mod selfcheck;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

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

/// What a producing container turns into in the output.
struct Producer {
    /// The name COPY --from uses (a stage name or an image reference).
    reference: String,
    /// The user its files are owned by is not root.
    non_root: bool,
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

    /// A stage name not used yet, derived from `wanted`.
    fn unique_name(&mut self, wanted: &str) -> String {
        let mut name = wanted.to_string();
        let mut n = 2;
        while self.used_names.contains(&name) {
            name = format!("{wanted}-{n}");
            n += 1;
        }
        self.used_names.insert(name.clone());
        name
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

    /// The ignore file a build of `dockerfile` with `context` reads: the
    /// Dockerfile's own `<name>.dockerignore` (BuildKit, Docker's default
    /// builder) when there is one, else the context's `.dockerignore`.
    fn ignore_of(&self, dockerfile: &str, context: &str) -> Option<IgnoreSource> {
        let own = format!("{dockerfile}.dockerignore");
        let shared = join(context, ".dockerignore");
        [own, shared].into_iter().find_map(|path| {
            Rules::read(&self.dir.join(&path)).map(|rules| IgnoreSource { path, rules })
        })
    }

    /// One Dockerfile for a group of runtime images: the producers' stages
    /// once, then each runtime's stages; with several images, each one's
    /// final stage is named (from its tag) for `docker build --target`.
    fn convert_group(
        &mut self,
        group: Vec<RuntimePlan>,
        options: &Options,
    ) -> Result<Conversion, Status> {
        self.used_names.clear();
        let fan_out = group.len() > 1;
        let builds: Vec<ImageBuild> = group
            .iter()
            .map(|p| self.flow.builds[p.build].clone())
            .collect();

        // Stage names: the targets first (they are what people type), then
        // the runtimes' own names, renamed where they clash.
        let mut renames: Vec<BTreeMap<usize, String>> = vec![BTreeMap::new(); group.len()];
        let mut finals = Vec::new();
        for (r, p) in group.iter().enumerate() {
            let last = p
                .src
                .model
                .target()
                .unwrap_or(p.src.model.stages().len().saturating_sub(1));
            finals.push(last);
            if fan_out {
                let name = self.unique_name(&target_wanted(&builds[r]));
                renames[r].insert(last, name);
            }
        }
        for (r, p) in group.iter().enumerate() {
            for s in p.src.model.stages() {
                if renames[r].contains_key(&s.index) {
                    continue;
                }
                if let Some(n) = &s.name {
                    if self.used_names.contains(n) {
                        let renamed = self.unique_name(n);
                        renames[r].insert(s.index, renamed);
                    } else {
                        self.used_names.insert(n.clone());
                    }
                }
            }
            // Stages referred to by index move when stages come before
            // them: name them.
            for e in p.src.model.edges() {
                if let crate::dockerfile::model::Source::Stage(s) = e.source
                    && e.reference.chars().all(|c| c.is_ascii_digit())
                    && !renames[r].contains_key(&s)
                    && p.src.model.stages()[s].name.is_none()
                {
                    let name = self.unique_name(&format!("stage-{s}"));
                    renames[r].insert(s, name);
                }
            }
        }

        // Host post-processing each runtime saw on each producer, as RUN lines.
        let post_by: Vec<BTreeMap<usize, Vec<String>>> = group
            .iter()
            .map(|p| {
                let mut post: BTreeMap<usize, Vec<String>> = BTreeMap::new();
                for piece in p.plans.iter().flat_map(|(_, plan)| &plan.pieces) {
                    let lines = post.entry(piece.container).or_default();
                    for step in &piece.post {
                        let line = post_step_line(step, &piece.root);
                        if !lines.contains(&line) {
                            lines.push(line);
                        }
                    }
                }
                post
            })
            .collect();
        let mut replayed: Vec<(Location, String)> = Vec::new();
        for step in group
            .iter()
            .flat_map(|p| p.plans.iter().flat_map(|(_, plan)| &plan.pieces))
            .flat_map(|piece| &piece.post)
        {
            if step.tool != "chmod" && !replayed.iter().any(|(at, _)| *at == step.at) {
                replayed.push((step.at, step.tool.clone()));
            }
        }
        for (at, tool) in replayed {
            self.script_diag(
                Severity::Info,
                "replayed-on-artifact",
                format!("this host step is replayed, with all its options, in the stage that produced the artifact; that stage's image must provide `{tool}`"),
                at,
                None,
            );
        }
        let needed: BTreeSet<usize> = group.iter().flat_map(|p| p.needed.clone()).collect();

        // One Dockerfile, one context: the common ancestor of the runtimes'
        // contexts, the builders' contexts and the bind mounts of run stages.
        let mut contexts: Vec<String> = builds.iter().map(|b| b.context.clone()).collect();
        for &c in &needed {
            let container = &self.flow.containers[c];
            if let ImageRef::Build(b) = container.image {
                contexts.push(self.flow.builds[b].context.clone());
            }
            if let Some(run) = container.run.as_ref().filter(|_| !container.reads_only) {
                for m in &run.mounts {
                    if let Some(h) = m.source.as_lit().and_then(|s| hostfs::normalize(&s)) {
                        contexts.push(h);
                    }
                }
            }
        }
        let context = contexts
            .iter()
            .skip(1)
            .fold(contexts[0].clone(), |acc, c| common_ancestor(&acc, c));

        // Producer stages, once for the group.
        let mut sections: Vec<String> = Vec::new();
        let mut hoisted: Vec<String> = Vec::new();
        let mut stage_infos = Vec::new();
        let mut builder_args: BTreeMap<String, (String, Location)> = BTreeMap::new();
        let mut views: Vec<View> = Vec::new();
        let mut producers: BTreeMap<(usize, usize), Producer> = BTreeMap::new();
        // VOLUMEs of the images containers ran build work in.
        let mut volumes: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
        let first_escape = group[0].src.file.escape;
        let mut directives = String::new();
        for d in &group[0].src.file.directives {
            directives.push_str(&group[0].src.text[d.span.start..d.span.end]);
            directives.push('\n');
        }
        for &c in &needed {
            let container = self.flow.containers[c].clone();
            let mut image_cmd = ImageCommand::default();
            let (base_ref, non_root, stage_text) = match &container.image {
                ImageRef::Build(b) => {
                    let bb = self.flow.builds[*b].clone();
                    let bargs: BTreeMap<String, String> = bb
                        .build_args
                        .iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
                        .collect();
                    for (k, v) in &bargs {
                        match builder_args.get(k) {
                            Some((old, _)) if old != v => self.script_diag(
                                Severity::Error,
                                "conflicting-build-arg",
                                format!("`--build-arg {k}` differs between the builds (`{old}` and `{v}`)"),
                                bb.at,
                                Some("give the ARG a default in the Dockerfile instead".to_string()),
                            ),
                            Some(_) => {}
                            None => {
                                builder_args.insert(k.clone(), (v.clone(), bb.at));
                            }
                        }
                    }
                    let Some(src) = self.read(&bb.dockerfile, &bargs, bb.target.clone(), bb.at)
                    else {
                        return Err(Status::Unsupported);
                    };
                    if src.file.escape != first_escape {
                        self.file_diag(
                            Severity::Error,
                            "escape-mismatch",
                            "the builder and runtime Dockerfiles use different escape characters"
                                .to_string(),
                            &src,
                            Span::default(),
                        );
                    }
                    let host_then = self.flow.host_at_build[*b].clone();
                    self.check_host_reads(&host_then, &bb.dockerfile, "the builder build", true);
                    for read in reads_of(&src, None) {
                        if let Some(path) = hostfs::normalize(&join(&bb.context, &read)) {
                            let literal: Vec<&str> = path
                                .split('/')
                                .take_while(|s| !s.contains(['*', '?', '[']))
                                .collect();
                            self.check_host_reads(
                                &host_then,
                                &literal.join("/"),
                                "the builder build",
                                true,
                            );
                        }
                    }
                    views.push(View {
                        context: bb.context.clone(),
                        ignore: self.ignore_of(&bb.dockerfile, &bb.context),
                        reads: reads_of(&src, None),
                        mount: false,
                        stage: Some((src.path.clone(), src.text.clone())),
                        at: None,
                    });
                    let wanted = options.stage_name.clone().unwrap_or_else(|| {
                        stage_name_from_tag(bb.tags.first().map(String::as_str).unwrap_or("build"))
                    });
                    let (name, text, user, pre) =
                        self.builder_section(&src, &wanted, &bb.context, &context);
                    let target = src.model.target().unwrap_or(0);
                    image_cmd = image_command(&src, target);
                    if container.run.is_some() && !container.reads_only {
                        volumes.insert(c, stage_volumes(&src, target));
                    }
                    hoisted.extend(pre);
                    stage_infos.push(StageInfo {
                        name: Some(name.clone()),
                        role: "builder",
                        from: bb.dockerfile.clone(),
                    });
                    (name, user.is_some_and(|u| !is_root(&u)), Some(text))
                }
                ImageRef::External(image) => (image.clone(), false, None),
            };
            let (mut reference, non_root) =
                match container.run.as_ref().filter(|_| !container.reads_only) {
                    Some(run) => {
                        let name = self.unique_name(&format!("{}-run", stage_base(&base_ref)));
                        let (text, run_user) = self.run_section(
                            &name,
                            &base_ref,
                            run,
                            &image_cmd,
                            &container.prepared_dirs,
                            &context,
                        );
                        if let Some(before) = container.host_before.clone() {
                            for m in &run.mounts {
                                if let Some(h) =
                                    m.source.as_lit().and_then(|s| hostfs::normalize(&s))
                                {
                                    self.check_host_reads(
                                        &before,
                                        &h,
                                        "the container's bind mount",
                                        true,
                                    );
                                }
                            }
                        }
                        for m in &run.mounts {
                            if let Some(h) = m.source.as_lit().and_then(|s| hostfs::normalize(&s)) {
                                views.push(View {
                                    context: h,
                                    ignore: None,
                                    reads: vec![".".to_string()],
                                    mount: true,
                                    stage: None,
                                    at: Some(m.at),
                                });
                            }
                        }
                        sections.extend(stage_text);
                        stage_infos.push(StageInfo {
                            name: Some(name.clone()),
                            role: "run",
                            from: base_ref.clone(),
                        });
                        sections.push(text);
                        (name, non_root || run_user)
                    }
                    None => {
                        sections.extend(stage_text);
                        (base_ref, non_root)
                    }
                };
            // Post-processing every runtime saw goes into the stage; where
            // the runtimes saw different steps, each gets a stage of its own.
            let users: Vec<usize> = (0..group.len())
                .filter(|&r| group[r].needed.contains(&c))
                .collect();
            let lists: Vec<Vec<String>> = users
                .iter()
                .map(|&r| post_by[r].get(&c).cloned().unwrap_or_default())
                .collect();
            let shared = lists.windows(2).all(|w| w[0] == w[1]);
            if shared && !lists[0].is_empty() {
                let block: String = lists[0].iter().map(|l| format!("\n{l}")).collect();
                match sections.iter_mut().find(|s| stage_declares(s, &reference)) {
                    Some(section) => {
                        let at = stage_end(section, &reference);
                        section.insert_str(at, &block);
                    }
                    None => {
                        // An image the script did not build: derive a stage.
                        let name = self.unique_name(&format!("{}-post", stage_base(&reference)));
                        sections.push(format!("FROM {reference} AS {name}{block}"));
                        stage_infos.push(StageInfo {
                            name: Some(name.clone()),
                            role: "post",
                            from: reference.clone(),
                        });
                        reference = name;
                    }
                }
            }
            for (&r, lines) in users.iter().zip(&lists) {
                let mut own = reference.clone();
                if !shared && !lines.is_empty() {
                    let name = self.unique_name(&format!("{}-post", stage_base(&reference)));
                    let block: String = lines.iter().map(|l| format!("\n{l}")).collect();
                    sections.push(format!("FROM {reference} AS {name}{block}"));
                    stage_infos.push(StageInfo {
                        name: Some(name.clone()),
                        role: "post",
                        from: reference.clone(),
                    });
                    own = name;
                }
                producers.insert(
                    (r, c),
                    Producer {
                        reference: own,
                        non_root,
                    },
                );
            }
        }

        // Each runtime's Dockerfile, edited.
        let mut bodies = Vec::new();
        let mut artifacts = Vec::new();
        let mut target_args = Vec::new();
        let mut runtime_infos = Vec::new();
        let mut global_args: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for (r, p) in group.into_iter().enumerate() {
            let build = &builds[r];
            let rt = &p.src;
            // The build args of this image: the runtime's and the builders'.
            let mut args = p.args.clone();
            for (k, (v, at)) in &builder_args {
                if let Some(old) = args.insert(k.clone(), v.clone())
                    && &old != v
                {
                    self.script_diag(
                        Severity::Error,
                        "conflicting-build-arg",
                        format!("`--build-arg {k}` differs between the builds (`{old}` and `{v}`)"),
                        *at,
                        Some("give the ARG a default in the Dockerfile instead".to_string()),
                    );
                }
            }
            target_args.push(args);
            let rt_prefix = relative_to(&build.context, &context).unwrap_or_default();
            let mut plans = p.plans;
            views.push(View {
                context: build.context.clone(),
                ignore: p.ignore.clone(),
                reads: reads_of(rt, Some(&plans)),
                mount: false,
                stage: Some((rt.path.clone(), rt.text.clone())),
                at: None,
            });
            if r > 0 && rt.file.escape != first_escape {
                self.file_diag(
                    Severity::Error,
                    "escape-mismatch",
                    "the runtime Dockerfiles use different escape characters".to_string(),
                    rt,
                    Span::default(),
                );
            }
            let mut edits = Edits::default();
            let planned: BTreeSet<usize> = plans.iter().map(|(i, _)| *i).collect();
            if !rt_prefix.is_empty() {
                // The runtime's own context sources, re-rooted to the shared context.
                for (i, instr) in rt.file.instructions.iter().enumerate() {
                    if planned.contains(&i) {
                        continue;
                    }
                    for w in context_sources(instr) {
                        edits.replace(w.span, join(&rt_prefix, w.text.trim_start_matches("./")));
                    }
                }
                for (_, plan) in &mut plans {
                    if plan.kept.is_empty() {
                        continue;
                    }
                    for k in &mut plan.kept {
                        if !k.starts_with("<<") && !k.contains("://") {
                            *k = join(&rt_prefix, k.trim_start_matches("./"));
                        }
                    }
                    plan.kept_unchanged = false;
                }
            }
            // Stage names and the references to renamed stages.
            let stages = rt.model.stages();
            for (&s, name) in &renames[r] {
                let stage = &stages[s];
                match stage.name_span {
                    Some(span) => edits.replace(span, name.clone()),
                    None => {
                        let from = &rt.file.instructions[stage.instruction];
                        let end = from.args.last().map_or(from.span.end, |w| w.span.end);
                        edits.insert(end, format!(" AS {name}"));
                    }
                }
            }
            for e in rt.model.edges() {
                if let crate::dockerfile::model::Source::Stage(s) = e.source
                    && !e.via_onbuild
                    && let Some(name) = renames[r].get(&s)
                {
                    let original = stages[s].name.as_deref().unwrap_or_default();
                    if e.reference.eq_ignore_ascii_case(original)
                        || e.reference.chars().all(|c| c.is_ascii_digit())
                    {
                        edits.replace(e.span, name.clone());
                    }
                }
            }
            let mut staging: Vec<String> = Vec::new();
            let mut staging_name: Option<String> = None;
            let mut host_files_name: Option<String> = None;
            let mut host_files: Vec<HostFile> = Vec::new();
            for (i, plan) in &plans {
                let instr = &rt.file.instructions[*i];
                let mut lines = Vec::new();
                if !plan.kept.is_empty() {
                    if plan.kept_unchanged {
                        lines.push(rt.text[instr.span.start..instr.span.end].to_string());
                    } else {
                        lines.push(copy_line(
                            &instr.name,
                            &flag_texts(instr, false),
                            &plan.kept,
                            &plan.dest,
                        ));
                    }
                }
                for piece in &plan.pieces {
                    let Some(producer) = producers.get(&(r, piece.container)) else {
                        continue;
                    };
                    let mut flags = flag_texts(instr, true);
                    if producer.non_root && !piece.from_archive && instr.flag("chown").is_none() {
                        flags.push("--chown=0:0".to_string());
                    }
                    let (from, source) = if piece.needs_staging {
                        let stage = match &staging_name {
                            Some(n) => n.clone(),
                            None => {
                                let n = self.unique_name("artifacts");
                                staging_name = Some(n.clone());
                                n
                            }
                        };
                        let host_path = format!("/{}", piece.host_path);
                        staging.push(format!(
                            "COPY --from={} {} {}",
                            producer.reference, piece.source, host_path
                        ));
                        (stage, host_path)
                    } else {
                        (producer.reference.clone(), piece.source.clone())
                    };
                    flags.push(format!("--from={from}"));
                    if instr.keyword == Keyword::Add && !piece.from_archive {
                        self.add_of_artifact(rt, instr, piece);
                    }
                    let volume = volumes.get(&piece.container).and_then(|v| {
                        v.iter().find(|(path, _)| {
                            relative_to(
                                piece.root.trim_start_matches('/'),
                                path.trim_start_matches('/'),
                            )
                            .is_some()
                        })
                    });
                    if let Some((path, file)) = volume {
                        self.file_diag(
                            Severity::Error,
                            "volume-discards-output",
                            format!(
                                "`{file}` declares `VOLUME {path}`: the container wrote `{}` into a volume, and a build step's changes under a VOLUME are not kept, so no stage can hand it over",
                                piece.root
                            ),
                            rt,
                            instr.span,
                        );
                    }
                    lines.push(copy_line(
                        "COPY",
                        &flags,
                        std::slice::from_ref(&source),
                        &piece.dest,
                    ));
                    artifacts.push(Artifact {
                        from_stage: from,
                        source,
                        dest: piece.dest.clone(),
                    });
                }
                if !plan.host_files.is_empty() {
                    let stage = match &host_files_name {
                        Some(n) => n.clone(),
                        None => {
                            let n = self.unique_name("host-files");
                            host_files_name = Some(n.clone());
                            n
                        }
                    };
                    let mut flags = flag_texts(instr, true);
                    flags.push(format!("--from={stage}"));
                    for hf in &plan.host_files {
                        let source = host_file_source(&hf.host_path);
                        lines.push(copy_line(
                            "COPY",
                            &flags,
                            std::slice::from_ref(&source),
                            &hf.dest,
                        ));
                        artifacts.push(Artifact {
                            from_stage: stage.clone(),
                            source,
                            dest: hf.dest.clone(),
                        });
                        if !host_files
                            .iter()
                            .any(|h: &HostFile| h.host_path == hf.host_path)
                        {
                            host_files.push(hf.clone());
                        }
                    }
                }
                edits.replace(instr.span, lines.join("\n"));
            }
            let mut body = String::new();
            if let Some(name) = &host_files_name {
                let base = producers
                    .iter()
                    .filter(|((pr, _), _)| *pr == r)
                    .map(|(_, p)| p.reference.clone())
                    .next()
                    .unwrap_or_else(|| "busybox".to_string());
                body.push_str(&format!(
                    "# Files the build script made on the host.\nFROM {base} AS {name}\nUSER root\n{}\n\n",
                    host_files_run(&host_files)
                ));
                stage_infos.push(StageInfo {
                    name: Some(name.clone()),
                    role: "host-files",
                    from: base.clone(),
                });
                let at = self.flow.builds[p.build].at;
                self.script_diag(
                    Severity::Info,
                    "host-files-stage",
                    format!("the files the script writes on the host are made in stage `{name}`, whose base `{base}` must provide `sh`, `mkdir`, `printf` and `chmod`"),
                    at,
                    None,
                );
            }
            if let Some(name) = &staging_name {
                body.push_str(&format!("# The artifacts laid out as the build script left them on the host.\nFROM scratch AS {name}\n"));
                for line in &staging {
                    body.push_str(line);
                    body.push('\n');
                }
                body.push('\n');
                stage_infos.push(StageInfo {
                    name: Some(name.clone()),
                    role: "artifacts",
                    from: "scratch".to_string(),
                });
            }
            let first_from = stages.first().map_or(0, |s| s.span.start);
            for line in preamble_args(rt, first_from) {
                let (name, _) = arg_name_value(&line);
                match global_args.get(&name) {
                    Some((other, from)) if *other != line => {
                        let span = rt
                            .file
                            .instructions
                            .iter()
                            .find(|i| {
                                i.keyword == Keyword::Arg
                                    && rt.text[i.span.start..i.span.end] == *line
                            })
                            .map_or_else(Span::default, |i| i.span);
                        self.file_diag(
                            Severity::Error,
                            "conflicting-global-arg",
                            format!(
                                "the global `ARG {name}` differs from the one of `{}` (`{other}`); the merged Dockerfile has one global scope",
                                builds[*from].dockerfile
                            ),
                            rt,
                            span,
                        );
                    }
                    Some(_) => {}
                    None => {
                        global_args.insert(name, (line.clone(), r));
                        hoisted.push(line);
                    }
                }
            }
            body.push_str(
                edits
                    .apply(&rt.text, Span::new(first_from, rt.text.len()))
                    .trim_end(),
            );
            bodies.push(body);
            for s in stages {
                let from = match s.base {
                    crate::dockerfile::model::Source::Stage(b) => renames[r].get(&b).cloned(),
                    _ => None,
                };
                runtime_infos.push(StageInfo {
                    name: renames[r].get(&s.index).cloned().or_else(|| s.name.clone()),
                    role: "runtime",
                    from: from.unwrap_or_else(|| s.base_name.clone()),
                });
            }
        }
        stage_infos.extend(runtime_infos);

        // Assemble: directives, global ARGs, producer stages, runtimes.
        let first = &builds[0];
        let mut out = directives;
        let mut seen = BTreeSet::new();
        let mut args_block = String::new();
        for line in &hoisted {
            if seen.insert(line.clone()) {
                args_block.push_str(line);
                args_block.push('\n');
            }
        }
        if !args_block.is_empty() {
            out.push_str(&args_block);
            out.push('\n');
        }
        for s in &sections {
            out.push_str(s.trim_end());
            out.push_str("\n\n");
        }
        out.push_str(&bodies.join("\n\n"));
        out.push('\n');

        let ignore_file = self.merged_ignore(&views, &context, &first.dockerfile);
        let targets: Vec<Target> = builds
            .iter()
            .enumerate()
            .map(|(r, b)| Target {
                image: b.tags.first().cloned(),
                target: (fan_out || b.target.is_some())
                    .then(|| renames[r].get(&finals[r]).cloned())
                    .flatten()
                    .or_else(|| b.target.clone()),
                replaces: b.dockerfile.clone(),
                build_args: target_args[r].clone(),
            })
            .collect();
        let last = builds.len() - 1;
        Ok(Conversion {
            status: Status::Converted,
            output: Some(out),
            dockerfile: Some(first.dockerfile.clone()),
            context: Some(if context.is_empty() {
                ".".to_string()
            } else {
                context.clone()
            }),
            target_image: builds[last].tags.first().cloned(),
            build_args: target_args[last].clone(),
            stages: stage_infos,
            artifacts,
            targets,
            dockerignore: ignore_file,
            diagnostics: Vec::new(),
            files_written: Vec::new(),
        })
    }

    /// Checks a runtime source holding an artifact against the legacy
    /// build's ignore file: what it hid, the legacy runtime never saw.
    fn ignore_fate(
        &mut self,
        rt: &Source,
        span: Span,
        ignore: &Option<IgnoreSource>,
        context: &str,
        path: &str,
        origin: &str,
    ) -> Fate {
        let Some(ig) = ignore else {
            return Fate::Visible;
        };
        let Some(rel) = relative_to(path, context) else {
            return Fate::Visible;
        };
        if ig.rules.excluded(&rel) {
            if let Some(p) = ig.rules.may_differ_below(&rel) {
                let message = format!(
                    "`{}` (line {}, `{}`) hides `{rel}` but re-includes some of it; which files of the artifact `{origin}` the legacy build saw is not known here",
                    ig.path, p.line, p.text
                );
                self.file_diag(Severity::Error, "ignored-artifact-part", message, rt, span);
                return Fate::Partly;
            }
            let line = ig.rules.deciding(&rel).map_or(0, |p| p.line);
            let message = format!(
                "`{}` (line {line}) hides `{rel}` from this build, so the legacy build never saw the artifact `{origin}` there",
                ig.path
            );
            self.file_diag(Severity::Info, "ignored-artifact", message, rt, span);
            return Fate::Hidden;
        }
        if let Some(p) = ig.rules.may_differ_below(&rel) {
            let message = format!(
                "`{}` (line {}, `{}`) may hide part of the artifact `{origin}` at `{rel}`, whose content is not known here; COPY --from copies all of it",
                ig.path, p.line, p.text
            );
            self.file_diag(Severity::Error, "ignored-artifact-part", message, rt, span);
            return Fate::Partly;
        }
        Fate::Visible
    }

    /// The ignore file the merged build needs, if the shared context's own
    /// would show a stage other files than its own context did.
    fn merged_ignore(
        &mut self,
        views: &[View],
        context: &str,
        dockerfile: &str,
    ) -> Option<IgnoreFile> {
        let current = self.ignore_of(dockerfile, context);
        let current_rules = current
            .as_ref()
            .map(|c| c.rules.clone())
            .unwrap_or_default();
        let mut budget = WALK_LIMIT;
        if views.iter().all(|v| {
            self.view_mismatch(v, context, &current_rules, &mut budget)
                .is_none()
        }) {
            return None;
        }
        // Outer contexts first; an inner one starts from everything visible
        // (`!dir`) and adds its own patterns under its directory. Stages
        // reading with `COPY` come before bind mounts at the same depth.
        let mut order: Vec<&View> = Vec::new();
        for v in views {
            let same = |o: &&View| {
                o.context == v.context
                    && o.ignore.as_ref().map(|i| &i.path) == v.ignore.as_ref().map(|i| &i.path)
            };
            if !order.iter().any(same) {
                order.push(v);
            }
        }
        order.sort_by_key(|v| {
            (
                v.context.split('/').filter(|s| !s.is_empty()).count(),
                v.mount,
            )
        });
        let mut lines: Vec<String> = Vec::new();
        for v in &order {
            let Some(prefix) = relative_to(&v.context, context) else {
                continue;
            };
            if !prefix.is_empty() && Rules::parse(&lines.join("\n")).touches(&prefix) {
                lines.push(format!("!{prefix}"));
            }
            if let Some(ig) = &v.ignore {
                lines.extend(if prefix.is_empty() {
                    ig.rules.lines()
                } else {
                    ig.rules.under(&prefix)
                });
            }
        }
        let merged = Rules::parse(&lines.join("\n"));
        let mut budget = WALK_LIMIT;
        for v in views {
            let Some(path) = self.view_mismatch(v, context, &merged, &mut budget) else {
                continue;
            };
            let shown = match &v.ignore {
                Some(ig) if ig.rules.excluded(&path) => format!("hid it (`{}`)", ig.path),
                Some(ig) => format!("showed it (`{}`)", ig.path),
                None => "showed it".to_string(),
            };
            let ctx = if v.context.is_empty() {
                "."
            } else {
                &v.context
            };
            if v.mount {
                let message = format!(
                    "the bind mount `{ctx}` showed the container `{path}`, but the merged build context's ignore rules hide it from the stage's COPY"
                );
                if let Some(at) = v.at {
                    self.script_diag(
                        Severity::Warning,
                        "mount-sees-ignored-files",
                        message,
                        at,
                        None,
                    );
                }
            } else if let Some((file, text)) = &v.stage {
                self.diagnostics.push(Diagnostic {
                    severity: Severity::Error,
                    code: "dockerignore-conflict",
                    message: format!(
                        "one ignore file cannot give every stage its own view of `{}`: this stage's context `{ctx}` {shown}, another stage's does not",
                        join(&v.context, &path)
                    ),
                    file: file.clone(),
                    span: Some(Span::new(0, text.lines().next().map_or(0, str::len))),
                    line: Some(1),
                    column: Some(1),
                    help: Some("give the stages' contexts the same .dockerignore patterns".to_string()),
                });
            }
        }
        if merged.lines() == current_rules.lines() {
            return None;
        }
        let path = format!("{dockerfile}.dockerignore");
        let replaces = current
            .map(|c| c.path)
            .unwrap_or_else(|| join(context, ".dockerignore"));
        let mut content = format!(
            "# Written by msmigrate for {dockerfile}: BuildKit reads this file instead of\n# {replaces}, so each stage sees the files its own build context showed it.\n"
        );
        for l in &lines {
            content.push_str(l);
            content.push('\n');
        }
        Some(IgnoreFile {
            path,
            replaces,
            content,
        })
    }

    /// The first path (relative to the view's context) that a stage read
    /// and whose fate under `rules` (of the shared `context`) differs from
    /// the one its own context gave it. Walks the checkout, at most
    /// `budget` entries in all.
    fn view_mismatch(
        &self,
        v: &View,
        context: &str,
        rules: &Rules,
        budget: &mut usize,
    ) -> Option<String> {
        let prefix = relative_to(&v.context, context)?;
        let fate = |p: &str| v.ignore.as_ref().is_some_and(|i| i.rules.excluded(p));
        for read in &v.reads {
            let literal: Vec<&str> = read
                .split('/')
                .take_while(|s| !s.contains(['*', '?', '[']))
                .collect();
            let Some(root) = hostfs::normalize(&literal.join("/")) else {
                continue;
            };
            let base = self.dir.join(&v.context);
            for entry in walkdir::WalkDir::new(base.join(&root))
                .follow_links(false)
                .into_iter()
                .filter_map(Result::ok)
            {
                if *budget == 0 {
                    return None;
                }
                *budget -= 1;
                let Ok(rel) = entry.path().strip_prefix(&base) else {
                    continue;
                };
                let rel = rel.to_string_lossy().replace('\\', "/");
                if rel.is_empty() {
                    continue;
                }
                if fate(&rel) != rules.excluded(&join(&prefix, &rel)) {
                    return Some(rel);
                }
            }
        }
        None
    }

    /// ADD of an artifact: ADD extracts local tar archives, COPY --from
    /// does not.
    fn add_of_artifact(&mut self, rt: &Source, instr: &Instruction, piece: &Piece) {
        if is_archive(&piece.host_path) {
            self.file_diag(
                Severity::Error,
                "add-extracts-archive",
                format!(
                    "ADD extracts the archive `{}` into `{}`; COPY --from would copy the archive file itself, and the tree cannot be made without running `tar` in a stage whose image is not known to have it",
                    piece.host_path, piece.dest
                ),
                rt,
                instr.span,
            );
        } else if !piece.known_dir {
            self.file_diag(
                Severity::Warning,
                "add-of-artifact",
                format!(
                    "ADD would extract `{}` if it were a tar archive; it is converted to COPY --from, assuming it is not one",
                    piece.host_path
                ),
                rt,
                instr.span,
            );
        }
    }

    /// The builder Dockerfile as stages of the output: the target stage is
    /// named, sources are re-rooted to the runtime's context. Returns the
    /// stage name, the text, the user the stage ends as, and its global ARG
    /// lines (which must go to the top of the output).
    fn builder_section(
        &mut self,
        src: &Source,
        wanted: &str,
        context: &str,
        runtime_context: &str,
    ) -> (String, String, Option<String>, Vec<String>) {
        let stages = src.model.stages();
        let target = src.model.target().unwrap_or(stages.len().saturating_sub(1));
        let mut edits = Edits::default();
        let stage = &stages[target];
        let from = &src.file.instructions[stage.instruction];
        let name = match (&stage.name, stage.name_span) {
            (Some(existing), _) if !self.used_names.contains(existing) => {
                self.used_names.insert(existing.clone());
                existing.clone()
            }
            (Some(_), Some(span)) => {
                let name = self.unique_name(wanted);
                edits.replace(span, name.clone());
                name
            }
            _ => {
                let name = self.unique_name(wanted);
                let end = from.args.last().map_or(from.span.end, |w| w.span.end);
                edits.insert(end, format!(" AS {name}"));
                name
            }
        };
        for s in stages.iter().filter(|s| s.index != target) {
            if let (Some(n), Some(span)) = (&s.name, s.name_span) {
                if self.used_names.contains(n) {
                    let renamed = self.unique_name(n);
                    edits.replace(span, renamed);
                } else {
                    self.used_names.insert(n.clone());
                }
            }
        }
        // Re-root COPY/ADD sources when the builder had another context.
        match relative_to(context, runtime_context) {
            Some(prefix) if !prefix.is_empty() => {
                for instr in &src.file.instructions {
                    for w in context_sources(instr) {
                        edits.replace(w.span, join(&prefix, w.text.trim_start_matches("./")));
                    }
                }
            }
            Some(_) => {}
            None => self.file_diag(
                Severity::Error,
                "context-outside",
                format!("the builder's context `{context}` is not inside the shared context `{runtime_context}`"),
                src,
                from.span,
            ),
        }
        let user = stage_user(src, target);
        let first_from = stages.first().map_or(0, |s| s.span.start);
        let text = edits.apply(&src.text, Span::new(first_from, src.text.len()));
        (name, text, user, preamble_args(src, first_from))
    }

    /// A `docker run` that did build work, as a stage. Returns the text and
    /// whether it runs as a non-root user.
    fn run_section(
        &mut self,
        name: &str,
        base: &str,
        run: &crate::script::docker::Run,
        image: &ImageCommand,
        prepared_dirs: &[String],
        context: &str,
    ) -> (String, bool) {
        let mut lines = vec![format!("FROM {base} AS {name}")];
        let lit = |a: &crate::script::Arg| a.value.as_lit();
        let mut unknown = false;
        // Mounted directories a clean checkout lacks (the script made them,
        // or `docker run -v` did) start empty in the container.
        let mut prepared_dirs = prepared_dirs.to_vec();
        for m in &run.mounts {
            let (Some(src), Some(target)) = (m.source.as_lit(), m.target.as_lit()) else {
                unknown = true;
                continue;
            };
            let Some(host) = hostfs::normalize(&src) else {
                continue;
            };
            if std::fs::symlink_metadata(self.dir.join(&host)).is_err() {
                prepared_dirs.insert(0, target.clone());
                continue;
            }
            match relative_to(&host, context) {
                Some(rel) => lines.push(format!(
                    "COPY {} {}",
                    if rel.is_empty() { "." } else { &rel },
                    target
                )),
                None => {
                    let at = m.at;
                    self.script_diag(
                        Severity::Error,
                        "mount-outside-context",
                        format!("the bind mount `{src}` is outside the build context"),
                        at,
                        None,
                    );
                }
            }
        }
        if !prepared_dirs.is_empty() {
            // The script created these on the host before the container ran.
            let mut argv = vec!["mkdir".to_string(), "-p".to_string()];
            argv.extend(prepared_dirs.iter().cloned());
            lines.push(format!(
                "RUN {}",
                serde_json::to_string(&argv).unwrap_or_default()
            ));
        }
        if let Some(w) = run.workdir.as_ref().and_then(lit) {
            lines.push(format!("WORKDIR {w}"));
        }
        for e in &run.env {
            match lit(e) {
                Some(kv) if kv.contains('=') => lines.push(format!("ENV {}", quote_env(&kv))),
                _ => unknown = true,
            }
        }
        let user = run.user.as_ref().and_then(lit);
        if let Some(u) = &user {
            lines.push(format!("USER {u}"));
        }
        // What the container ran: Docker's composition of ENTRYPOINT and CMD
        // with `--entrypoint` and the arguments after the image.
        let mut args: Vec<String> = Vec::new();
        for a in &run.command {
            match lit(a) {
                Some(s) => args.push(s),
                None => {
                    unknown = true;
                    let at = a.at;
                    self.script_diag(
                        Severity::Error,
                        "unresolved-value",
                        format!(
                            "the container's command argument `{}` cannot be known statically",
                            a.value
                        ),
                        at,
                        Some("give the variable a default in the script".to_string()),
                    );
                }
            }
        }
        let (entrypoint, cmd) = match run.entrypoint.as_ref().and_then(lit) {
            // `--entrypoint` replaces the image's and drops its CMD.
            Some(e) => (Some(CommandLine::Exec(vec![e])), None),
            None => (image.entrypoint.clone(), image.cmd.clone()),
        };
        let cmd = if args.is_empty() {
            cmd
        } else {
            Some(CommandLine::Exec(args))
        };
        let argv = match (entrypoint, cmd) {
            (Some(CommandLine::Exec(mut e)), c) => {
                e.extend(c.map(CommandLine::into_argv).unwrap_or_default());
                Some(e)
            }
            (Some(shell @ CommandLine::Shell(_)), _) => Some(shell.into_argv()),
            (None, Some(c)) => Some(c.into_argv()),
            (None, None) => None,
        };
        match argv {
            Some(argv) if !argv.is_empty() => lines.push(format!(
                "RUN {}",
                serde_json::to_string(&argv).unwrap_or_default()
            )),
            _ => {
                unknown = true;
                let at = run.image.at;
                self.script_diag(
                    Severity::Error,
                    "unknown-command",
                    format!(
                        "the container runs the default command of `{}`, which is not known here",
                        run.image.value
                    ),
                    at,
                    Some("pass the command explicitly after the image name".to_string()),
                );
            }
        }
        if unknown {
            lines.insert(0, "# msmigrate: parts of this `docker run` could not be converted; see the diagnostics".to_string());
        }
        (lines.join("\n"), user.is_some_and(|u| !is_root(&u)))
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

/// An ignore file the output needs next to it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IgnoreFile {
    /// `<dockerfile>.dockerignore`, relative to the setup directory.
    pub path: String,
    /// The ignore file BuildKit reads it instead of.
    pub replaces: String,
    /// Its text.
    pub content: String,
}

/// An ignore file of the setup, read.
#[derive(Debug, Clone)]
struct IgnoreSource {
    /// Relative to the setup directory.
    path: String,
    rules: Rules,
}

/// What a runtime source saw of an artifact through `.dockerignore`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Visible,
    Hidden,
    Partly,
}

/// What one stage of the output read from its own build context.
struct View {
    /// The context directory, relative to the setup directory.
    context: String,
    /// Its ignore file (`None`: everything visible, as for a bind mount).
    ignore: Option<IgnoreSource>,
    /// The sources it read, relative to the context (globs allowed).
    reads: Vec<String>,
    /// A bind mount of a `docker run`, now copied in.
    mount: bool,
    /// The Dockerfile (path, text) the stage comes from.
    stage: Option<(String, String)>,
    /// For a bind mount: where the script mounts it.
    at: Option<Location>,
}

/// At most this many checkout entries are compared when checking ignore files.
const WALK_LIMIT: usize = 50_000;

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

/// The stage name a runtime image's target gets: from its tag, else from
/// its Dockerfile's name (`Dockerfile.api`, `api.Dockerfile`, `api/Dockerfile`).
fn target_wanted(build: &ImageBuild) -> String {
    if let Some(tag) = build.tags.first() {
        return stage_name_from_tag(tag);
    }
    let name = basename(&build.dockerfile);
    let lower = name.to_lowercase();
    let stem = if let Some(rest) = lower.strip_prefix("dockerfile.") {
        rest.to_string()
    } else if let Some(rest) = lower.strip_suffix(".dockerfile") {
        rest.to_string()
    } else {
        let parent = build.dockerfile.rsplit_once('/').map_or("", |(p, _)| p);
        basename(parent).to_string()
    };
    stage_name_from_tag(if stem.is_empty() { "runtime" } else { &stem })
}

/// The name of an `ARG NAME[=value]` line.
fn arg_name_value(line: &str) -> (String, Option<String>) {
    let rest = line.trim_start()[3..].trim();
    match rest.split_once('=') {
        Some((k, v)) => (k.trim().to_string(), Some(v.to_string())),
        None => (rest.to_string(), None),
    }
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

/// A command as an image records it: exec form or shell form.
#[derive(Debug, Clone)]
enum CommandLine {
    Exec(Vec<String>),
    Shell(String),
}

impl CommandLine {
    /// The argv Docker runs: shell form goes through `/bin/sh -c`.
    fn into_argv(self) -> Vec<String> {
        match self {
            CommandLine::Exec(v) => v,
            CommandLine::Shell(s) => vec!["/bin/sh".to_string(), "-c".to_string(), s],
        }
    }
}

/// The ENTRYPOINT and CMD an image ends with, when known.
#[derive(Debug, Clone, Default)]
struct ImageCommand {
    entrypoint: Option<CommandLine>,
    cmd: Option<CommandLine>,
}

/// The ENTRYPOINT and CMD the stage ends with, following parent stages in
/// the same file. An ENTRYPOINT resets an inherited CMD, as in Docker.
fn image_command(src: &Source, stage: usize) -> ImageCommand {
    let stages = src.model.stages();
    let mut chain = vec![stage];
    while let crate::dockerfile::model::Source::Stage(parent) =
        stages[*chain.last().unwrap_or(&stage)].base
    {
        if chain.contains(&parent) {
            break;
        }
        chain.push(parent);
    }
    let mut result = ImageCommand::default();
    for s in chain.iter().rev() {
        for i in stages[*s].commands.clone() {
            let instr = &src.file.instructions[i];
            let line = || {
                if instr.json {
                    CommandLine::Exec(instr.args.iter().map(|w| w.text.clone()).collect())
                } else {
                    CommandLine::Shell(
                        instr
                            .args
                            .first()
                            .map(|w| w.text.clone())
                            .unwrap_or_default(),
                    )
                }
            };
            match instr.keyword {
                Keyword::Entrypoint => {
                    result.entrypoint = Some(line());
                    result.cmd = None;
                }
                Keyword::Cmd => result.cmd = Some(line()),
                _ => {}
            }
        }
    }
    result
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

/// The flags of an instruction as written, without `--from` when `drop_from`.
fn flag_texts(instr: &Instruction, drop_from: bool) -> Vec<String> {
    instr
        .flags
        .iter()
        .filter(|f| !(drop_from && f.name() == "from"))
        .map(|f| f.text.clone())
        .collect()
}

fn copy_line(name: &str, flags: &[String], sources: &[String], dest: &str) -> String {
    let mut line = name.to_string();
    for f in flags {
        line.push(' ');
        line.push_str(f);
    }
    let needs_json = sources
        .iter()
        .chain([&dest.to_string()])
        .any(|s| s.contains(char::is_whitespace));
    if needs_json {
        let mut all: Vec<String> = sources.to_vec();
        all.push(dest.to_string());
        line.push(' ');
        line.push_str(&serde_json::to_string(&all).unwrap_or_default());
        return line;
    }
    for s in sources {
        line.push(' ');
        line.push_str(s);
    }
    line.push(' ');
    line.push_str(dest);
    line
}

/// `ENV` text for a `-e K=V` value.
fn quote_env(kv: &str) -> String {
    match kv.split_once('=') {
        Some((k, v)) if v.contains(char::is_whitespace) || v.is_empty() => {
            format!("{k}={}", serde_json::to_string(v).unwrap_or_default())
        }
        _ => kv.to_string(),
    }
}

/// The ARG instructions before the first FROM, as written.
fn preamble_args(src: &Source, first_from: usize) -> Vec<String> {
    src.file
        .instructions
        .iter()
        .filter(|i| i.span.end <= first_from && i.keyword == Keyword::Arg)
        .map(|i| src.text[i.span.start..i.span.end].to_string())
        .collect()
}

/// The VOLUME paths the stage (with its parent stages in the same file)
/// declares, each with the Dockerfile's path.
fn stage_volumes(src: &Source, stage: usize) -> Vec<(String, String)> {
    let stages = src.model.stages();
    let mut out = Vec::new();
    let mut s = stage;
    loop {
        for i in stages[s].commands.clone() {
            let instr = &src.file.instructions[i];
            if instr.keyword == Keyword::Volume {
                for w in &instr.args {
                    let word = src
                        .model
                        .expand(i, &w.text)
                        .map_or_else(|_| w.text.clone(), |e| e.word);
                    out.extend(
                        word.split_whitespace()
                            .map(|p| (p.to_string(), src.path.clone())),
                    );
                }
            }
        }
        match stages[s].base {
            crate::dockerfile::model::Source::Stage(parent) if parent < s => s = parent,
            _ => return out,
        }
    }
}

/// The user the stage's last `USER` sets (inherited from a parent stage in
/// the same file), if any.
fn stage_user(src: &Source, stage: usize) -> Option<String> {
    let stages = src.model.stages();
    let mut s = stage;
    loop {
        let st = &stages[s];
        for i in st.commands.clone().rev() {
            let instr = &src.file.instructions[i];
            if instr.keyword == Keyword::User {
                let word = instr.args.first()?.text.clone();
                return Some(src.model.expand(i, &word).map(|e| e.word).unwrap_or(word));
            }
        }
        match st.base {
            crate::dockerfile::model::Source::Stage(parent) if parent < s => s = parent,
            _ => return None,
        }
    }
}

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user);
    name == "root" || name == "0"
}

fn is_archive(path: &str) -> bool {
    [
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
    ]
    .iter()
    .any(|e| path.ends_with(e))
}

/// A stage name from an image tag: `org/app:build` gives `app-build`,
/// `app:latest` gives `app`.
pub fn stage_name_from_tag(tag: &str) -> String {
    // Parts the script computes (`⟨$VERSION⟩`, `$(#3)`) are not names a
    // person would read; only the literal text counts.
    let mut known = String::new();
    let mut rest = tag;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('⟨') {
            rest = r.split_once('⟩').map_or("", |(_, after)| after);
        } else if let Some(r) = rest.strip_prefix("$(#") {
            rest = r.split_once(')').map_or("", |(_, after)| after);
        } else {
            let c = rest.chars().next().unwrap_or_default();
            known.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    let tag = known.as_str();
    let last = tag.rsplit('/').next().unwrap_or(tag);
    let (repo, version) = last.split_once(':').unwrap_or((last, ""));
    let raw = if version.is_empty() || version == "latest" {
        repo.to_string()
    } else {
        format!("{repo}-{version}")
    };
    let mut name: String = raw
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    // Runs of separators left by dropped parts collapse.
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    let name = name
        .trim_matches(|c| matches!(c, '-' | '_' | '.'))
        .to_string();
    if name.is_empty() {
        return "build".to_string();
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return format!("build-{name}");
    }
    name
}

/// A name usable as a prefix for derived stages (`registry/img:1` → `img-1`).
fn stage_base(reference: &str) -> String {
    stage_name_from_tag(reference)
}

/// The common ancestor directory of two relative paths ("" for the root).
fn common_ancestor(a: &str, b: &str) -> String {
    let common: Vec<&str> = a
        .split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y && !x.is_empty())
        .map(|(x, _)| x)
        .collect();
    common.join("/")
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

fn stage_declares(section: &str, name: &str) -> bool {
    section.lines().any(|l| {
        let lower = l.trim().to_lowercase();
        lower.starts_with("from ") && lower.ends_with(&format!(" as {}", name.to_lowercase()))
    })
}

/// The byte offset in `section` where the stage `name` ends (before the
/// next FROM, or at the end, after trailing blank lines are skipped).
fn stage_end(section: &str, name: &str) -> usize {
    let mut offset = 0;
    let mut in_stage = false;
    let mut end = section.trim_end().len();
    for line in section.split_inclusive('\n') {
        let lower = line.trim().to_lowercase();
        if lower.starts_with("from ") {
            if in_stage {
                end = section[..offset].trim_end().len();
                break;
            }
            in_stage = lower.ends_with(&format!(" as {}", name.to_lowercase()));
        }
        offset += line.len();
    }
    end
}

/// Shell-style match of a whole path against a pattern (`*` and `?` do not
/// cross `/`), as COPY sources are matched.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').collect();
    let s: Vec<&str> = path.split('/').collect();
    p.len() == s.len()
        && p.iter()
            .zip(&s)
            .all(|(p, s)| segment_match(p.as_bytes(), s.as_bytes()))
}

fn segment_match(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            segment_match(&p[1..], s) || (!s.is_empty() && segment_match(p, &s[1..]))
        }
        (Some(b'?'), Some(_)) => segment_match(&p[1..], &s[1..]),
        (Some(b'['), Some(&c)) => match p.iter().position(|&b| b == b']') {
            Some(close) => {
                let class = &p[1..close];
                let (negate, class) = match class.first() {
                    Some(b'^' | b'!') => (true, &class[1..]),
                    _ => (false, class),
                };
                let mut hit = false;
                let mut i = 0;
                while i < class.len() {
                    if i + 2 < class.len() && class[i + 1] == b'-' {
                        hit |= class[i] <= c && c <= class[i + 2];
                        i += 3;
                    } else {
                        hit |= class[i] == c;
                        i += 1;
                    }
                }
                hit != negate && segment_match(&p[close + 1..], &s[1..])
            }
            None => c == b'[' && segment_match(&p[1..], &s[1..]),
        },
        (Some(a), Some(b)) if a == b => segment_match(&p[1..], &s[1..]),
        _ => false,
    }
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
        .any(|e| segment_match(last.as_bytes(), e.file_name().to_string_lossy().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_names_come_from_tags() {
        assert_eq!(
            stage_name_from_tag("alexellis2/href-counter:build"),
            "href-counter-build"
        );
        assert_eq!(stage_name_from_tag("app:latest"), "app");
        assert_eq!(
            stage_name_from_tag("registry:5000/x/9lives:1.0"),
            "build-9lives-1.0"
        );
        // Unknown parts never leak into a name.
        assert_eq!(stage_name_from_tag("x-⟨$1⟩-⟨$2⟩:⟨$TAG⟩"), "x");
        assert_eq!(stage_name_from_tag("app-build:$(#3)"), "app-build");
        assert_eq!(stage_name_from_tag("⟨$IMAGE⟩"), "build");
        assert_eq!(stage_name_from_tag("⟨$REPO⟩/api:⟨$V⟩-dev"), "api-dev");
    }

    #[test]
    fn globs_match_within_segments() {
        assert!(glob_match("target/*.jar", "target/app.jar"));
        assert!(!glob_match("target/*.jar", "target/sub/app.jar"));
        assert!(glob_match("bin/app-[0-9]", "bin/app-7"));
    }
}
