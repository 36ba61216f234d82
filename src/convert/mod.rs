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
//! Anything that cannot be resolved is a [`Diagnostic`] pointing at the
//! script or Dockerfile text, never a guessed path.

mod edit;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::dockerfile::model::{BuildOptions, Model};
use crate::dockerfile::{self, Dockerfile, Instruction, Keyword, Span};
use crate::flow::hostfs::{self, HostFs, Kind, Origin, PostStep, Resolution, basename, join};
use crate::flow::{Flow, ImageRef};
use crate::script::{Location, Trace};
use edit::Edits;

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
    /// Findings.
    pub diagnostics: Vec<Diagnostic>,
    /// Files written (filled in by the caller when it writes).
    pub files_written: Vec<String>,
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
}

/// Converts the setup in `dir` whose driver evaluated to `trace`: one
/// [`Conversion`] per runtime image the script builds from extracted files
/// (a builder feeding several runtime images gives several, each a
/// complete Dockerfile replacing that image's own), or a single one saying
/// why nothing was converted.
pub fn convert(dir: &Path, trace: &Trace, options: &Options) -> Vec<Conversion> {
    let flow = Flow::from_trace(trace, dir);
    let mut c = Converter {
        dir,
        trace,
        flow,
        diagnostics: Vec::new(),
        used_names: BTreeSet::new(),
    };
    c.run(options)
        .into_iter()
        .map(|(result, diagnostics)| {
            let mut conversion = result.unwrap_or_else(|status| Conversion {
                status,
                output: None,
                dockerfile: None,
                context: None,
                target_image: None,
                build_args: BTreeMap::new(),
                stages: Vec::new(),
                artifacts: Vec::new(),
                diagnostics: Vec::new(),
                files_written: Vec::new(),
            });
            conversion.diagnostics = diagnostics;
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

    /// Each runtime's result with its diagnostics; the flow's own
    /// diagnostics go with the first.
    fn run(&mut self, options: &Options) -> Vec<(Result<Conversion, Status>, Vec<Diagnostic>)> {
        let runtimes = match self.runtimes() {
            Ok(r) => r,
            Err(status) => return vec![(Err(status), std::mem::take(&mut self.diagnostics))],
        };
        let mut results = Vec::new();
        let mut written = BTreeSet::new();
        for runtime in runtimes {
            let dockerfile = self.flow.builds[runtime].dockerfile.clone();
            if !written.insert(dockerfile.clone()) {
                let at = self.flow.builds[runtime].at;
                self.script_diag(
                    Severity::Warning,
                    "shared-runtime-dockerfile",
                    format!("this build also reads extracted files with `{dockerfile}`; only its first build is converted"),
                    at,
                    Some("give each runtime image its own Dockerfile".to_string()),
                );
                continue;
            }
            // Each output is a file of its own: stage names start afresh.
            self.used_names.clear();
            let result = self.convert_runtime(runtime, options);
            results.push((result, std::mem::take(&mut self.diagnostics)));
        }
        if let Some((_, first)) = results.first_mut() {
            // Warnings about later builds were recorded after the first's.
            let late = std::mem::take(&mut self.diagnostics);
            first.extend(late);
        }
        results
    }

    /// The runtime builds to convert: builds not used as a container's
    /// image whose host snapshot holds extracted files.
    fn runtimes(&mut self) -> Result<Vec<usize>, Status> {
        for p in std::mem::take(&mut self.flow.problems) {
            self.script_diag(Severity::Error, "unresolved", p.message, p.at, p.help);
        }
        let builder_builds: BTreeSet<usize> = self
            .flow
            .containers
            .iter()
            .filter_map(|c| match c.image {
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

    fn convert_runtime(&mut self, runtime: usize, options: &Options) -> Result<Conversion, Status> {
        let build = self.flow.builds[runtime].clone();
        let host = self.flow.host_at_build[runtime].clone();
        let args: BTreeMap<String, String> = build
            .build_args
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
            .collect();
        let mut all_args = args.clone();
        let Some(rt) = self.read(&build.dockerfile, &args, build.target.clone(), build.at) else {
            return Err(Status::Unsupported);
        };
        for s in rt.model.stages() {
            if let Some(n) = &s.name {
                self.used_names.insert(n.clone());
            }
        }

        // Which containers the runtime reads from, and how.
        let mut producers: BTreeMap<usize, Producer> = BTreeMap::new();
        let mut sections: Vec<String> = Vec::new();
        let mut hoisted: Vec<String> = Vec::new();
        let mut stage_infos = Vec::new();
        let mut artifacts = Vec::new();
        let mut staging: Vec<String> = Vec::new();
        let staging_name = std::cell::OnceCell::new();

        // First pass: find the artifact pieces of every runtime COPY/ADD.
        let mut plans = Vec::new();
        for (i, instr) in rt.file.instructions.iter().enumerate() {
            if !matches!(instr.keyword, Keyword::Copy | Keyword::Add)
                || instr.flag("from").is_some()
            {
                continue;
            }
            if let Some(plan) = self.plan_copy(&rt, i, instr, &build.context, &host) {
                plans.push((i, plan));
            }
        }
        let needed: BTreeSet<usize> = plans
            .iter()
            .flat_map(|(_, p)| p.pieces.iter().map(|piece| piece.container))
            .collect();
        if needed.is_empty() && rt.model.stages().len() > 1 {
            // The runtime Dockerfile is already multi-stage: it was converted
            // (the script may still run the old flow around it).
            self.script_diag(
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
            );
            return Err(Status::NothingToConvert);
        }
        if needed.is_empty() {
            self.script_diag(
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
            );
            return Err(Status::Unsupported);
        }

        // One Dockerfile, one context: the common ancestor of the runtime's
        // context, the builders' contexts and the bind mounts of run stages.
        let mut contexts = vec![build.context.clone()];
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
            .fold(build.context.clone(), |acc, c| common_ancestor(&acc, c));
        let rt_prefix = relative_to(&build.context, &context).unwrap_or_default();
        if !rt_prefix.is_empty() && self.dir.join(&build.context).join(".dockerignore").exists() {
            self.file_diag(
                Severity::Warning,
                "dockerignore-moved",
                format!(
                    "the build context becomes `{}`, so `{}/.dockerignore` no longer applies",
                    if context.is_empty() { "." } else { &context },
                    build.context
                ),
                &rt,
                Span::default(),
            );
        }

        // Host post-processing to redo in each producer, as RUN lines.
        let mut post: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for piece in plans.iter().flat_map(|(_, p)| &p.pieces) {
            for step in &piece.post {
                let line = match step {
                    PostStep::Chmod { mode, rel } => {
                        format!("RUN chmod {mode} {}", join_abs(&piece.root, rel))
                    }
                    PostStep::Strip { rel } => {
                        format!("RUN strip {}", join_abs(&piece.root, rel))
                    }
                };
                let lines = post.entry(piece.container).or_default();
                if !lines.contains(&line) {
                    lines.push(line);
                }
            }
        }

        // Producer stages.
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
                        if let Some(old) = all_args.insert(k.clone(), v.clone())
                            && &old != v
                        {
                            self.script_diag(
                                    Severity::Error,
                                    "conflicting-build-arg",
                                    format!("`--build-arg {k}` differs between the builds (`{old}` and `{v}`)"),
                                    bb.at,
                                    Some("give the ARG a default in the Dockerfile instead".to_string()),
                                );
                        }
                    }
                    let Some(src) = self.read(&bb.dockerfile, &bargs, bb.target.clone(), bb.at)
                    else {
                        return Err(Status::Unsupported);
                    };
                    if src.file.escape != rt.file.escape {
                        self.file_diag(
                            Severity::Error,
                            "escape-mismatch",
                            "the builder and runtime Dockerfiles use different escape characters"
                                .to_string(),
                            &src,
                            Span::default(),
                        );
                    }
                    let wanted = options.stage_name.clone().unwrap_or_else(|| {
                        stage_name_from_tag(bb.tags.first().map(String::as_str).unwrap_or("build"))
                    });
                    let (name, text, user, pre) =
                        self.builder_section(&src, &wanted, &bb.context, &context);
                    let target = src.model.target().unwrap_or(0);
                    image_cmd = image_command(&src, target);
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
                            &build.context,
                        );
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
            if let Some(lines) = post.get(&c) {
                let block: String = lines.iter().map(|l| format!("\n{l}")).collect();
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
            producers.insert(
                c,
                Producer {
                    reference,
                    non_root,
                },
            );
        }

        // Runtime edits.
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
        }
        for (_, plan) in &mut plans {
            if !rt_prefix.is_empty() && !plan.kept.is_empty() {
                for k in &mut plan.kept {
                    if !k.starts_with("<<") && !k.contains("://") {
                        *k = join(&rt_prefix, k.trim_start_matches("./"));
                    }
                }
                plan.kept_unchanged = false;
            }
        }
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
                let Some(producer) = producers.get(&piece.container) else {
                    continue;
                };
                let mut flags = flag_texts(instr, true);
                if producer.non_root && instr.flag("chown").is_none() {
                    flags.push("--chown=0:0".to_string());
                }
                let (from, source) = if piece.needs_staging {
                    let stage = staging_name
                        .get_or_init(|| self.unique_name("artifacts"))
                        .clone();
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
                if instr.keyword == Keyword::Add && is_archive(&piece.host_path) {
                    self.file_diag(
                        Severity::Error,
                        "add-extracts-archive",
                        format!(
                            "ADD extracts the archive `{}`; COPY --from does not",
                            piece.host_path
                        ),
                        &rt,
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
            edits.replace(instr.span, lines.join("\n"));
        }

        // Assemble: directives, hoisted ARGs, producer stages, staging, runtime.
        let mut out = String::new();
        for d in &rt.file.directives {
            out.push_str(&rt.text[d.span.start..d.span.end]);
            out.push('\n');
        }
        let first_from = rt.model.stages().first().map_or(0, |s| s.span.start);
        let rt_pre = preamble_args(&rt, first_from);
        let mut seen = BTreeSet::new();
        let mut args_block = String::new();
        for line in hoisted.iter().chain(rt_pre.iter()) {
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
        if let Some(name) = staging_name.get() {
            out.push_str(&format!("# The artifacts laid out as the build script left them on the host.\nFROM scratch AS {name}\n"));
            for line in &staging {
                out.push_str(line);
                out.push('\n');
            }
            out.push('\n');
            stage_infos.push(StageInfo {
                name: Some(name.clone()),
                role: "artifacts",
                from: "scratch".to_string(),
            });
        }
        let body = edits.apply(&rt.text, Span::new(first_from, rt.text.len()));
        out.push_str(body.trim_end());
        out.push('\n');
        for s in rt.model.stages() {
            stage_infos.push(StageInfo {
                name: s.name.clone(),
                role: "runtime",
                from: s.base_name.clone(),
            });
        }

        Ok(Conversion {
            status: Status::Converted,
            output: Some(out),
            dockerfile: Some(build.dockerfile.clone()),
            context: Some(if context.is_empty() {
                ".".to_string()
            } else {
                context.clone()
            }),
            target_image: build.tags.first().cloned(),
            build_args: all_args,
            stages: stage_infos,
            artifacts,
            diagnostics: Vec::new(),
            files_written: Vec::new(),
        })
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
        for m in &run.mounts {
            let (Some(src), Some(target)) = (m.source.as_lit(), m.target.as_lit()) else {
                unknown = true;
                continue;
            };
            let Some(host) = hostfs::normalize(&src) else {
                continue;
            };
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

    /// Works out which sources of a runtime COPY/ADD are artifacts.
    fn plan_copy(
        &mut self,
        rt: &Source,
        index: usize,
        instr: &Instruction,
        context: &str,
        host: &HostFs,
    ) -> Option<CopyPlan> {
        if instr.args.len() < 2 {
            return None;
        }
        let (sources, dest) = instr.args.split_at(instr.args.len() - 1);
        let dest = dest[0].text.clone();
        let mut plan = CopyPlan {
            kept: Vec::new(),
            kept_unchanged: true,
            dest: dest.clone(),
            pieces: Vec::new(),
        };
        for word in sources {
            if word.text.starts_with("<<") || word.text.contains("://") {
                plan.kept.push(word.text.clone());
                continue;
            }
            let expanded = match rt.model.expand(index, &word.text) {
                Ok(e) => e.word,
                Err(e) => {
                    self.file_diag(Severity::Error, "expansion", e.message, rt, word.span);
                    plan.kept.push(word.text.clone());
                    continue;
                }
            };
            let Some(path) = hostfs::normalize(&join(context, expanded.trim_start_matches('/')))
            else {
                plan.kept.push(word.text.clone());
                continue;
            };
            if expanded.contains(['*', '?', '[']) {
                let matches: Vec<usize> = (0..host.layers.len())
                    .filter(|&l| glob_match(&path, &host.layers[l].host) && !host.layers[l].merged)
                    .collect();
                if matches.is_empty() {
                    plan.kept.push(word.text.clone());
                    continue;
                }
                for l in matches {
                    self.piece(&mut plan, host, l, "", &dest, false);
                }
                if glob_matches_checkout(self.dir, &path) {
                    plan.kept.push(word.text.clone());
                } else {
                    plan.kept_unchanged = false;
                }
                continue;
            }
            match host.resolve(&path) {
                Resolution::Checkout | Resolution::Missing => plan.kept.push(word.text.clone()),
                Resolution::Layer { layer, rel } => {
                    plan.kept_unchanged = false;
                    self.piece(&mut plan, host, layer, &rel, &dest, false);
                }
                Resolution::Mixed { checkout, layers } => {
                    if checkout {
                        if relative_to(&rt.path, &path).is_some() {
                            self.file_diag(
                                Severity::Warning,
                                "copies-own-dockerfile",
                                format!(
                                    "this copies `{}` itself into the image, so the image will hold the converted text",
                                    rt.path
                                ),
                                rt,
                                instr.span,
                            );
                        }
                        plan.kept.push(word.text.clone());
                    } else {
                        plan.kept_unchanged = false;
                    }
                    for (layer, rel) in layers {
                        self.piece(&mut plan, host, layer, &rel, &dest, true);
                    }
                }
            }
        }
        if plan.pieces.is_empty() && plan.kept_unchanged {
            return None;
        }
        Some(plan)
    }

    /// Adds the hand-off of `layer` to `plan`: with `below`, the layer sits
    /// at `rel` under a directory source and lands at `dest/rel`; without,
    /// the source is the part `rel` inside the layer.
    fn piece(
        &mut self,
        plan: &mut CopyPlan,
        host: &HostFs,
        layer: usize,
        rel: &str,
        dest: &str,
        below: bool,
    ) {
        let l = &host.layers[layer];
        let (c, root) = match &l.origin {
            Origin::Container { container, path } => (*container, path.clone()),
            Origin::Checkout(original) => {
                // A checkout file moved on the host: copy it from its original place.
                plan.kept_unchanged = false;
                plan.kept.push(if below {
                    original.clone()
                } else {
                    join(original, rel)
                });
                return;
            }
        };
        let (source, dest_path) = if below {
            (root.clone(), join_dest(dest, rel))
        } else {
            (join_abs(&root, rel), dest.to_string())
        };
        // Only a whole artifact renamed on the host can land under another
        // name; a directory lands as its contents either way.
        let renamed = basename(&l.host) != basename(&source);
        let known_dir = l.kind == Kind::Dir || l.merged;
        let needs_staging = rel.is_empty() && !below && renamed && !known_dir;
        plan.pieces.push(Piece {
            container: c,
            source,
            root,
            dest: dest_path,
            host_path: l.host.clone(),
            needs_staging,
            post: l.post.clone(),
        });
    }
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

struct CopyPlan {
    /// Sources that stay (context content), as written or rewritten.
    kept: Vec<String>,
    /// True when `kept` is exactly the original sources.
    kept_unchanged: bool,
    /// The destination as written.
    dest: String,
    /// Artifact hand-offs.
    pieces: Vec<Piece>,
}

struct Piece {
    container: usize,
    /// Absolute path in the producer.
    source: String,
    /// The artifact's root in the producer, which post-processing paths are
    /// relative to.
    root: String,
    /// Destination in the runtime stage.
    dest: String,
    /// Where the host had it.
    host_path: String,
    /// The host name differs from the container name: lay it out first.
    needs_staging: bool,
    /// Host post-processing to redo in the producer.
    post: Vec<PostStep>,
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
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name.insert_str(0, "build-");
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
    }

    #[test]
    fn globs_match_within_segments() {
        assert!(glob_match("target/*.jar", "target/app.jar"));
        assert!(!glob_match("target/*.jar", "target/sub/app.jar"));
        assert!(glob_match("bin/app-[0-9]", "bin/app-7"));
    }
}
