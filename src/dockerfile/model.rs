//! The semantic model of a Dockerfile: stages, variable scopes and the stage
//! graph, as BuildKit's Dockerfile frontend works them out before it builds
//! anything.
//!
//! [`Model::build`] takes a parsed [`Dockerfile`] and the build's
//! [`BuildOptions`] (build args, `--target`, platforms) and answers what lint,
//! the migrator and the builder all need to agree on:
//!
//! - which [`Stage`]s there are, what each is based on ([`Source`]: scratch,
//!   an earlier stage or an image, after expanding the global ARGs), its name
//!   and `--platform`, and which instructions belong to it;
//! - the dependency graph ([`Edge`]): `FROM`, `COPY --from` and
//!   `RUN --mount=...,from=`, including those a base stage's `ONBUILD`
//!   triggers add to its children;
//! - the target, and which stages the build would actually reach
//!   ([`StageRole`]);
//! - the variables in effect at every instruction ([`Model::env_at`]), so any
//!   word can be expanded as BuildKit would expand it ([`Model::expand`]);
//! - the errors BuildKit stops at ([`ModelError`]), in the order BuildKit
//!   checks them, each pointing at the offending word or flag.
//!
//! Every rule follows the code of BuildKit v0.33 (moby/buildkit
//! `frontend/dockerfile/instructions/parse.go`, `bflag.go`,
//! `commands_runmount.go` and `frontend/dockerfile/dockerfile2llb/convert.go`,
//! `convert_runmount.go`, `validations.go`), not its reference manual, where
//! the two disagree. The consequences that surprise people are kept and
//! marked "BuildKit quirk" below, e.g. `FROM Build` does not name the stage
//! `build` (only `--from` and `--target` fold case), `COPY --from=$X` is an
//! error rather than an expansion, `ADD --from` is an unknown flag, and a
//! duplicate stage name is only a warning (the last definition wins).
//!
//! BuildKit stops at its first error; the model goes on with a best-effort
//! reading so that lint can still look at the rest, and keeps every error it
//! found: [`Model::error`] is the one BuildKit would print.
//!
//! Not modelled: the base images' own configuration (their `ENV`, `ONBUILD`
//! triggers and platform, which need a registry; [`Vars::has_image_env`] says
//! where such variables may exist), named build contexts, and the
//! validation of instructions the model does not interpret (argument counts
//! of `COPY`, flags of `RUN` other than `--mount`, and so on).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fmt::Write as _;
use std::ops::Range;

use super::ast::{Dockerfile, Flag, Instruction, Keyword, Span, Word};
use super::error::{ParseError, SourceDiagnostic};
use super::line_parsers::go_quote;
use super::shell::{self, Expansion, Lexer, NoEnv, ShellError};

/// BuildKit's `emptyImageName`: the base that is no image at all.
const SCRATCH: &str = "scratch";

/// BuildKit's `system.DefaultPathEnv` for Linux: the `PATH` every stage gets
/// when its base sets none.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// ARGs BuildKit reads itself and never puts in the environment
/// (`nonEnvArgs`).
const NON_ENV_ARGS: [&str; 2] = ["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"];

/// Names BuildKit's `ReservedStageName` rule warns about.
const RESERVED_STAGE_NAMES: [&str; 2] = ["context", SCRATCH];

/// The instruction names BuildKit knows, for its "did you mean" suggestion.
const INSTRUCTION_NAMES: [&str; 18] = [
    "add",
    "arg",
    "cmd",
    "copy",
    "entrypoint",
    "env",
    "expose",
    "from",
    "healthcheck",
    "label",
    "maintainer",
    "onbuild",
    "run",
    "shell",
    "stopsignal",
    "user",
    "volume",
    "workdir",
];

// ---------------------------------------------------------------------------
// Options and platforms
// ---------------------------------------------------------------------------

/// An OCI platform such as `linux/arm64` or `linux/arm/v7`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Platform {
    /// `linux`, `windows`, ...
    pub os: String,
    /// The OS version (`10.0.17763` in `windows(10.0.17763)/amd64`), usually
    /// empty.
    pub os_version: String,
    /// `amd64`, `arm64`, ...
    pub architecture: String,
    /// `v7`, ... or empty.
    pub variant: String,
}

impl Platform {
    /// A platform from its parts, taken as given (not normalized).
    pub fn new(os: &str, architecture: &str, variant: &str) -> Platform {
        Platform {
            os: os.to_string(),
            os_version: String::new(),
            architecture: architecture.to_string(),
            variant: variant.to_string(),
        }
    }

    /// `linux/amd64`, the default build and target platform.
    pub fn linux_amd64() -> Platform {
        Platform::new("linux", "amd64", "")
    }

    /// Parses and normalizes a platform specifier as containerd's
    /// `platforms.Parse` does (`linux/aarch64` is `linux/arm64`, `armhf` is
    /// `arm/v7`, ...), on a linux/amd64 host. The error is containerd's.
    pub fn parse(specifier: &str) -> Result<Platform, String> {
        parse_platform(specifier, &Platform::linux_amd64())
    }
}

impl Default for Platform {
    fn default() -> Self {
        Platform::linux_amd64()
    }
}

/// containerd's `platforms.Format`: `os/arch[/variant]` (no OS version).
impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.os.is_empty() {
            return f.write_str("unknown");
        }
        write!(f, "{}/{}", self.os, self.architecture)?;
        if !self.variant.is_empty() {
            write!(f, "/{}", self.variant)?;
        }
        Ok(())
    }
}

/// What the build was asked for: the inputs of BuildKit's `ConvertOpt` that
/// change the model.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// `--build-arg NAME=VALUE`. Values are used verbatim: BuildKit never
    /// expands them.
    pub build_args: BTreeMap<String, String>,
    /// `--target`; `None` (or empty) builds the last stage.
    pub target: Option<String>,
    /// The platform of the machine running the build (`BUILDPLATFORM`).
    pub build_platform: Platform,
    /// The platform of the result (`TARGETPLATFORM`, `--platform`).
    pub target_platform: Platform,
    /// Check every stage as if it were built, as BuildKit's lint request does
    /// when no target is given, instead of only the stages the target reaches.
    pub all_stages: bool,
}

// ---------------------------------------------------------------------------
// Variables
// ---------------------------------------------------------------------------

/// Where a variable's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VarOrigin {
    /// One of BuildKit's automatic args (`TARGETARCH`, ...).
    Predefined,
    /// An `ARG` instruction.
    Arg,
    /// An `ENV` instruction.
    Env,
    /// The base image's configuration. Only `PATH` is known: BuildKit adds
    /// its default when the image sets none, and the image's own value, if
    /// any, cannot be seen without a registry.
    Image,
}

/// One variable in a [`Vars`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    /// The value, expanded.
    pub value: String,
    /// What set it.
    pub origin: VarOrigin,
    /// The instruction that set it, if any (an `ONBUILD` instruction for a
    /// trigger that ran in a child stage).
    pub instruction: Option<usize>,
    /// True when the value is a `--build-arg` that overrode the default.
    pub from_build_arg: bool,
}

/// The variables in effect at one point of the Dockerfile: the global scope
/// (meta ARGs and automatic args) before and on `FROM` lines, a stage's
/// environment after it.
///
/// Inside a stage this is what BuildKit expands words with: the stage's ARGs
/// that have a value and its ENVs, a later definition replacing an earlier
/// one whichever instruction made it (BuildKit quirk: an `ARG X=2` after
/// `ENV X=1` wins for expansion and RUN, though the manual says ENV always
/// does), plus whatever a child stage inherits from its parent stage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars {
    vars: BTreeMap<String, Var>,
    declared_args: BTreeSet<String>,
    image_env: bool,
}

impl Vars {
    /// The variable `name`, if set.
    pub fn get(&self, name: &str) -> Option<&Var> {
        self.vars.get(name)
    }

    /// The value of `name`, if set.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.value.as_str())
    }

    /// All variables, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Var)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// True when `name` was declared by an `ARG` in this scope (or inherited
    /// from a parent stage), with or without a value. BuildKit's
    /// `UndefinedVar` and `UndefinedArgInFrom` rules do not report such names.
    pub fn is_declared_arg(&self, name: &str) -> bool {
        self.declared_args.contains(name)
    }

    /// True when the stage descends from an image whose own environment
    /// (unknown here) is part of this scope: a variable missing here may
    /// still be set at build time.
    pub fn has_image_env(&self) -> bool {
        self.image_env
    }

    fn set(&mut self, name: &str, var: Var) {
        self.vars.insert(name.to_string(), var);
    }
}

impl shell::Env for Vars {
    fn get(&self, name: &str) -> Option<&str> {
        self.value(name)
    }
}

// ---------------------------------------------------------------------------
// Stages and edges
// ---------------------------------------------------------------------------

/// What a stage is built on, or where a dependency's files come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// The empty image.
    Scratch,
    /// The stage with this index.
    Stage(usize),
    /// An image, by the reference as written after expansion (`alpine:3.19`).
    /// [`normalize_image_name`] gives BuildKit's canonical form.
    Image(String),
}

/// One `FROM` and the instructions up to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// 0-based position, what `COPY --from=<index>` refers to.
    pub index: usize,
    /// The name after `AS`, lower-cased as BuildKit stores it; `None` when
    /// absent or invalid.
    pub name: Option<String>,
    /// Where the name is written.
    pub name_span: Option<Span>,
    /// The `FROM` instruction's index.
    pub instruction: usize,
    /// The indices of the instructions after `FROM` that belong to the stage.
    pub commands: Range<usize>,
    /// The whole `FROM` instruction.
    pub span: Span,
    /// The base as written (`golang:${GO}`).
    pub base_text: String,
    /// Where the base is written (empty at the end of `FROM` when missing).
    pub base_span: Span,
    /// The base after expanding the global scope (`golang:1.22`).
    pub base_name: String,
    /// What the base resolves to.
    pub base: Source,
    /// Variables the base and `--platform` used that were not set (for
    /// BuildKit's `UndefinedArgInFrom`; filter with
    /// [`Vars::is_declared_arg`] on the global scope).
    pub from_undefined: BTreeSet<String>,
    /// The `--platform` flag, expanded and normalized.
    pub platform: Option<Platform>,
    /// Where the `--platform` flag is written.
    pub platform_span: Option<Span>,
    /// The platform the stage runs on: its parent stage's for a stage based
    /// on another (BuildKit ignores `--platform` there), the target platform
    /// for scratch, else `--platform` or the target platform.
    pub effective_platform: Platform,
    /// The stage's `ONBUILD` instructions: recorded, not run here; they run
    /// in stages based on this one.
    pub onbuild: Vec<usize>,
}

/// How a stage uses what an [`Edge`] points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// The stage's base.
    From,
    /// `COPY --from`.
    CopyFrom,
    /// `RUN --mount=...,from=`.
    RunMount,
}

/// One dependency of a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The stage that depends.
    pub stage: usize,
    /// What it depends on.
    pub source: Source,
    /// How.
    pub kind: EdgeKind,
    /// The reference as written: the base, the `--from` value, the mount's
    /// `from` (`scratch` for a mount without one that hits a stage named so).
    pub reference: String,
    /// The instruction: `FROM`, `COPY`, `RUN`, or the parent stage's
    /// `ONBUILD` whose trigger made the dependency.
    pub instruction: usize,
    /// The base word, the `--from` value or the mount's `from` field.
    pub span: Span,
    /// True when the dependency comes from an `ONBUILD` trigger of the base
    /// stage, which BuildKit runs at the start of this stage.
    pub via_onbuild: bool,
}

/// What a stage is for in this build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StageRole {
    /// The target: its result is the image.
    Final,
    /// Built because the target needs it, directly or not.
    Builder,
    /// Not built at all for this target.
    Unused,
}

// ---------------------------------------------------------------------------
// Errors and warnings
// ---------------------------------------------------------------------------

/// Which of BuildKit's checks an error comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelErrorKind {
    /// The file is empty or has no `FROM`.
    NoStages,
    /// BuildKit's instruction pass rejected an instruction (`dockerfile
    /// parse error on line N: ...`), or an instruction precedes `FROM`.
    Instruction,
    /// A variable expansion failed (`${X:?}`, bad syntax).
    Expansion,
    /// The base expanded to nothing.
    BlankBase,
    /// `--platform` is empty or not a platform.
    Platform,
    /// `--target` names no stage.
    Target,
    /// `--from` uses a variable.
    FromVariable,
    /// `--from` is an index out of range.
    StageIndex,
    /// Stages depend on each other in a cycle.
    CircularDependency,
    /// A built stage uses a stage defined after it.
    ForwardReference,
    /// An image reference is malformed.
    ImageReference,
}

/// An error BuildKit stops the build with, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    kind: ModelErrorKind,
    message: String,
    span: Option<Span>,
    label: Option<String>,
    help: Option<String>,
}

impl ModelError {
    fn new(kind: ModelErrorKind, message: impl Into<String>, span: Option<Span>) -> ModelError {
        ModelError {
            kind,
            message: message.into(),
            span,
            label: None,
            help: None,
        }
    }

    fn label(mut self, label: impl Into<String>) -> ModelError {
        self.label = Some(label.into());
        self
    }

    fn help(mut self, help: impl Into<String>) -> ModelError {
        self.help = Some(help.into());
        self
    }

    /// Which check failed.
    pub fn kind(&self) -> ModelErrorKind {
        self.kind
    }

    /// BuildKit's message, word for word.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The word or flag the error is about; `None` for errors about the
    /// options (an unknown `--target`) or the whole file.
    pub fn span(&self) -> Option<Span> {
        self.span
    }

    /// A short text for the span's label, if any.
    pub fn label_text(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// A hint on how to fix it, if any.
    pub fn help_text(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// The error as a miette diagnostic over the named source, for rendering.
    pub fn to_diagnostic(&self, name: &str, source: &str) -> SourceDiagnostic {
        let mut e = ParseError::new(self.message.clone(), self.span.unwrap_or_default());
        if let Some(label) = &self.label {
            e = e.with_label(label.clone());
        }
        if let Some(help) = &self.help {
            e = e.with_help(help.clone());
        }
        e.to_diagnostic(name, source)
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ModelError {}

/// A warning BuildKit's linter gives about the stage structure itself
/// (`DuplicateStageName`, `ReservedStageName`): the build goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelWarning {
    /// BuildKit's rule name.
    pub rule: &'static str,
    /// BuildKit's message.
    pub message: String,
    /// The stage name.
    pub span: Span,
}

// ---------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------

/// The meaning of a Dockerfile for one build. See the module documentation.
#[derive(Debug, Clone)]
pub struct Model {
    escape: char,
    stages: Vec<Stage>,
    edges: Vec<Edge>,
    target: Option<usize>,
    reachable: Vec<bool>,
    global: Vars,
    timeline: Timeline,
    finals: Vec<Vars>,
    stage_of: Vec<Option<usize>>,
    by_name: BTreeMap<String, usize>,
    empty: Vars,
    errors: Vec<ModelError>,
    warnings: Vec<ModelWarning>,
}

impl Model {
    /// Works out the model of `dockerfile` for a build with `options`.
    /// Never fails: errors are recorded (see [`Model::errors`]).
    pub fn build(dockerfile: &Dockerfile, options: &BuildOptions) -> Model {
        Builder::new(dockerfile, options).run()
    }

    /// The stages, in file order.
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// The stage `COPY --from=<name>` would use: names fold case, and with
    /// duplicate names the last definition wins.
    pub fn stage_named(&self, name: &str) -> Option<&Stage> {
        self.by_name.get(&go_lower(name)).map(|&i| &self.stages[i])
    }

    /// The stage an instruction belongs to (its `FROM` included); `None`
    /// before the first `FROM`.
    pub fn stage_of(&self, instruction: usize) -> Option<usize> {
        self.stage_of.get(instruction).copied().flatten()
    }

    /// Every dependency, in the order BuildKit discovers them: stage by
    /// stage, `FROM` first, then each instruction's; `ONBUILD` triggers last.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// The dependencies of one stage.
    pub fn dependencies(&self, stage: usize) -> impl Iterator<Item = &Edge> {
        self.edges.iter().filter(move |e| e.stage == stage)
    }

    /// The stage the build produces: `--target` if it names a stage, else the
    /// last one; `None` when there is no stage.
    pub fn target(&self) -> Option<usize> {
        self.target
    }

    /// True when building the target builds this stage.
    pub fn is_reachable(&self, stage: usize) -> bool {
        self.reachable.get(stage).copied().unwrap_or(false)
    }

    /// What the stage is for in this build.
    pub fn role(&self, stage: usize) -> StageRole {
        if self.target == Some(stage) {
            StageRole::Final
        } else if self.is_reachable(stage) {
            StageRole::Builder
        } else {
            StageRole::Unused
        }
    }

    /// The global scope after all meta ARGs: what `FROM` lines see.
    pub fn global_scope(&self) -> &Vars {
        &self.global
    }

    /// The variables in effect when instruction `instruction` runs, before
    /// its own changes (`ENV a=1 b=$a` sees the old `a`): the global scope
    /// up to a meta ARG and on `FROM` lines, the stage's variables after.
    /// Empty for an index out of range. Built on demand from the stage's
    /// starting variables and its ARG/ENV changes, so the model stays linear
    /// in the size of the file.
    pub fn env_at(&self, instruction: usize) -> Vars {
        self.timeline.vars_at(instruction).unwrap_or_default()
    }

    /// The variables after a stage's last instruction: what a stage based on
    /// it starts from. Empty for an index out of range.
    pub fn env_after_stage(&self, stage: usize) -> &Vars {
        self.finals.get(stage).unwrap_or(&self.empty)
    }

    /// A lexer configured like BuildKit's for this file (its escape
    /// character), for expansions [`Model::expand`] does not cover, such as
    /// field splitting.
    pub fn lexer(&self) -> Lexer {
        Lexer::new(self.escape)
    }

    /// Expands `word` as BuildKit would at instruction `instruction`, and
    /// reports the variables it used that were unset (`unmatched`).
    pub fn expand(&self, instruction: usize, word: &str) -> Result<Expansion, ShellError> {
        self.lexer()
            .process_word_with_matches(word, &self.env_at(instruction))
    }

    /// Every error found, in the order BuildKit checks; BuildKit reports the
    /// first only.
    pub fn errors(&self) -> &[ModelError] {
        &self.errors
    }

    /// The error BuildKit would fail the build with, if any.
    pub fn error(&self) -> Option<&ModelError> {
        self.errors.first()
    }

    /// Warnings about the stage structure.
    pub fn warnings(&self) -> &[ModelWarning] {
        &self.warnings
    }

    /// A compact, stable text form of the model for tests and debugging.
    /// `dockerfile` must be the file the model was built from (for line
    /// numbers).
    pub fn dump(&self, dockerfile: &Dockerfile) -> String {
        Dumper {
            m: self,
            df: dockerfile,
        }
        .dump()
    }
}

// ---------------------------------------------------------------------------
// Building the model
// ---------------------------------------------------------------------------

/// A `COPY --from` value, checked by the flag parser.
#[derive(Debug, Clone)]
struct FromFlag {
    value: String,
    span: Span,
}

/// One `--mount` of a RUN, as BuildKit's parse-time pass reads it: only
/// `from` is interpreted then; the target is kept for messages.
#[derive(Debug, Clone)]
struct MountRef {
    from: Option<String>,
    target: String,
    span: Span,
}

/// A source BuildKit registers while it links commands (its "unregistered"
/// dispatch states): an image or scratch named by `--from` or a mount. They
/// count for `COPY --from=<index>` after the stages.
#[derive(Debug, Clone)]
struct Implicit {
    name: String,
    span: Span,
}

/// What one instruction refers to, as read by BuildKit's instruction pass.
#[derive(Debug, Clone, Default)]
struct Refs {
    copy_from: Option<FromFlag>,
    mounts: Vec<MountRef>,
}

struct Builder<'a> {
    df: &'a Dockerfile,
    ins: &'a [Instruction],
    opts: &'a BuildOptions,
    lexer: Lexer,
    stages: Vec<Stage>,
    refs: BTreeMap<usize, Refs>,
    /// `--platform` values as written, by stage, until the global scope is
    /// known.
    raw_platforms: BTreeMap<usize, String>,
    /// Stages whose base name failed: no further checks on their base.
    broken_base: BTreeSet<usize>,
    by_name: BTreeMap<String, usize>,
    implicit: Vec<Implicit>,
    edges: Vec<Edge>,
    /// For RUN-mount edges, the mount's target (for BuildKit's message).
    mount_targets: BTreeMap<usize, String>,
    errors: Vec<ModelError>,
    warnings: Vec<ModelWarning>,
    global: Vars,
    /// The global scope's id in the timeline.
    global_id: usize,
    timeline: Timeline,
    finals: Vec<Vars>,
    stage_of: Vec<Option<usize>>,
    target: Option<usize>,
    reachable: Vec<bool>,
    /// A cycle was reported: BuildKit stops there, and the forward
    /// references a cycle implies are not reported again.
    cyclic: bool,
}

impl<'a> Builder<'a> {
    fn new(df: &'a Dockerfile, opts: &'a BuildOptions) -> Builder<'a> {
        Builder {
            df,
            ins: &df.instructions,
            opts,
            lexer: Lexer::new(df.escape),
            stages: Vec::new(),
            refs: BTreeMap::new(),
            raw_platforms: BTreeMap::new(),
            broken_base: BTreeSet::new(),
            by_name: BTreeMap::new(),
            implicit: Vec::new(),
            edges: Vec::new(),
            mount_targets: BTreeMap::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
            global: Vars::default(),
            global_id: 0,
            timeline: Timeline {
                at: vec![(0, 0); df.instructions.len()],
                ..Timeline::default()
            },
            finals: Vec::new(),
            stage_of: vec![None; df.instructions.len()],
            target: None,
            reachable: Vec::new(),
            cyclic: false,
        }
    }

    /// BuildKit's order: the instruction pass (`instructions.Parse`), the
    /// global scope, each stage's base, the target, the dependency graph, the
    /// base images, ONBUILD triggers, then dispatch in file order.
    fn run(mut self) -> Model {
        if self.df.source.is_empty() {
            self.err(ModelError::new(
                ModelErrorKind::NoStages,
                "the Dockerfile cannot be empty",
                None,
            ));
        }
        self.instruction_pass();
        if self.stages.is_empty() {
            if !self.df.source.is_empty() {
                self.err(ModelError::new(
                    ModelErrorKind::NoStages,
                    "dockerfile contains no stages to build",
                    None,
                ));
            }
            self.global_scope();
            return self.finish();
        }
        self.stage_name_warnings();
        self.global_scope();
        self.resolve_bases();
        self.resolve_target();
        self.link_commands();
        self.check_cycles();
        self.check_image_references(0, 0);
        let implicit_before_onbuild = self.implicit.len();
        self.link_onbuild_triggers();
        self.check_image_references(self.stages.len(), implicit_before_onbuild);
        self.dispatch();
        self.finish()
    }

    fn finish(self) -> Model {
        // Discovery order is FROM edges first, then the commands'; present
        // them stage by stage, ONBUILD-made ones last.
        let mut edges = self.edges;
        edges.sort_by_key(|e| {
            (
                e.via_onbuild,
                e.stage,
                e.kind != EdgeKind::From,
                e.instruction,
            )
        });
        Model {
            escape: self.df.escape,
            stages: self.stages,
            edges,
            target: self.target,
            reachable: self.reachable,
            global: self.global,
            timeline: self.timeline,
            finals: self.finals,
            stage_of: self.stage_of,
            by_name: self.by_name,
            empty: Vars::default(),
            errors: self.errors,
            warnings: self.warnings,
        }
    }

    fn err(&mut self, e: ModelError) {
        self.errors.push(e);
    }

    /// An error of BuildKit's instruction pass, which prefixes the line.
    fn instruction_err(&mut self, ins: &Instruction, message: String, span: Span, label: &str) {
        self.err(
            ModelError::new(
                ModelErrorKind::Instruction,
                format!(
                    "dockerfile parse error on line {}: {message}",
                    ins.start_line
                ),
                Some(span),
            )
            .label(label),
        );
    }

    // -- the instruction pass -------------------------------------------

    /// BuildKit's `instructions.Parse`: sorts instructions into meta ARGs
    /// and stages, and rejects what its per-instruction parsers reject among
    /// the instructions the model reads.
    fn instruction_pass(&mut self) {
        for (i, ins) in self.ins.iter().enumerate() {
            let ok = self.check_instruction(i, ins);
            match ins.keyword {
                Keyword::From => self.start_stage(i, ins),
                // Meta ARGs are read with the global scope.
                _ if self.stages.is_empty() => {
                    if ins.keyword != Keyword::Arg && ok {
                        self.err(
                            ModelError::new(
                                ModelErrorKind::Instruction,
                                "no build stage in current context",
                                Some(ins.name_span),
                            )
                            .label("before the first FROM")
                            .help("only ARG may come before the first FROM"),
                        );
                    }
                }
                _ => {
                    let stage = self.stages.len() - 1;
                    self.stage_of[i] = Some(stage);
                    self.stages[stage].commands.end = i + 1;
                    if ins.keyword == Keyword::Onbuild && ins.onbuild.is_some() {
                        self.stages[stage].onbuild.push(i);
                    }
                }
            }
        }
    }

    /// The checks of BuildKit's parser for one instruction; false when it
    /// rejected the instruction.
    fn check_instruction(&mut self, i: usize, ins: &Instruction) -> bool {
        let before = self.errors.len();
        match ins.keyword {
            Keyword::Unknown => {
                let mut msg = format!("unknown instruction: {}", ins.name);
                if let Some(s) = suggest(&ins.name, &INSTRUCTION_NAMES, false) {
                    let _ = write!(msg, " (did you mean {s}?)");
                }
                self.instruction_err(ins, msg, ins.name_span, "unknown instruction");
            }
            Keyword::Arg => {
                if ins.args.is_empty() {
                    self.instruction_err(
                        ins,
                        "ARG requires at least one argument".into(),
                        ins.name_span,
                        "no argument",
                    );
                } else if let Some(w) = ins.args.iter().find(|w| w.text.starts_with('=')) {
                    self.instruction_err(
                        ins,
                        "ARG names can not be blank".into(),
                        w.span,
                        "blank name",
                    );
                }
            }
            Keyword::Env => {
                if ins.args.is_empty() {
                    self.instruction_err(
                        ins,
                        "ENV requires at least one argument".into(),
                        ins.name_span,
                        "no argument",
                    );
                } else if let Some(w) = ins.args.iter().step_by(2).find(|w| w.text.is_empty()) {
                    self.instruction_err(
                        ins,
                        "ENV names can not be blank".into(),
                        w.span,
                        "blank name",
                    );
                }
            }
            Keyword::Onbuild => match ins.onbuild.as_deref() {
                None => self.instruction_err(
                    ins,
                    "ONBUILD requires at least one argument".into(),
                    ins.name_span,
                    "no trigger",
                ),
                Some(sub) => match sub.keyword {
                    Keyword::Onbuild => self.instruction_err(
                        ins,
                        "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into(),
                        sub.name_span,
                        "not allowed as a trigger",
                    ),
                    Keyword::From | Keyword::Maintainer => self.instruction_err(
                        ins,
                        format!(
                            "{} isn't allowed as an ONBUILD trigger",
                            go_upper(&sub.name)
                        ),
                        sub.name_span,
                        "not allowed as a trigger",
                    ),
                    _ => {}
                },
            },
            Keyword::Copy | Keyword::Add | Keyword::Run => {
                let line = Some(ins.start_line);
                if let Some(refs) = self.read_refs(ins, line) {
                    self.refs.insert(i, refs);
                }
            }
            _ => {}
        }
        self.errors.len() == before
    }

    /// Reads the `--from` of COPY and the mounts of RUN as BuildKit's
    /// parsers do, reporting their errors (prefixed with the line when
    /// `line` is given, as the top-level instruction pass does). `None`
    /// when the instruction is rejected.
    fn read_refs(&mut self, ins: &Instruction, line: Option<usize>) -> Option<Refs> {
        let src = self.df.source.as_str();
        let fail = |this: &mut Self, msg: String, span: Span, label: &str| {
            let message = match line {
                Some(l) => format!("dockerfile parse error on line {l}: {msg}"),
                None => msg,
            };
            this.err(
                ModelError::new(ModelErrorKind::Instruction, message, Some(span)).label(label),
            );
        };
        let mut refs = Refs::default();
        match ins.keyword {
            Keyword::Copy => {
                // Only `--from` is the model's business; other flags are
                // left to instruction validation.
                match check_flags(&ins.flags, &[("from", FlagKind::String)], false) {
                    Err((msg, span)) => {
                        fail(self, msg, span, "invalid flag");
                        return None;
                    }
                    Ok(flags) => {
                        for (flag, _, value) in flags {
                            // BuildKit quirk: `--from=` means no --from.
                            if !value.is_empty() {
                                refs.copy_from = Some(FromFlag {
                                    value: value.to_string(),
                                    span: flag_value_span(src, flag),
                                });
                            }
                        }
                    }
                }
            }
            Keyword::Add => {
                // BuildKit quirk: ADD has no --from; its flag parser rejects it.
                let flags = active_flags(&ins.flags);
                if let Some(f) = flags.iter().find(|f| flag_name(f) == Some("from")) {
                    fail(
                        self,
                        "unknown flag: from".into(),
                        f.span,
                        "ADD has no --from",
                    );
                    return None;
                }
            }
            Keyword::Run => match check_flags(&ins.flags, &[("mount", FlagKind::Strings)], false) {
                Err((msg, span)) => {
                    fail(self, msg, span, "invalid flag");
                    return None;
                }
                Ok(flags) => {
                    for (flag, _, value) in flags {
                        match read_mount(src, flag, value) {
                            Ok(m) => refs.mounts.push(m),
                            Err((msg, span)) => {
                                fail(self, msg, span, "invalid mount");
                                return None;
                            }
                        }
                    }
                }
            },
            _ => {}
        }
        Some(refs)
    }

    /// A `FROM`: BuildKit's `parseFrom` (arguments, stage name, flags).
    fn start_stage(&mut self, i: usize, ins: &Instruction) {
        let index = self.stages.len();
        self.stage_of[i] = Some(index);
        let args = &ins.args;
        let mut name = None;
        let mut ok = true;
        if args.len() == 3 && is_as(&args[1].text) {
            let lowered = go_lower(&args[2].text);
            if is_valid_stage_name(&lowered) {
                name = Some((lowered, args[2].span));
            } else {
                ok = false;
                self.instruction_err(
                    ins,
                    format!(
                        "invalid name for build stage: {}, name can't start with a number or contain symbols",
                        go_quote(&args[2].text)
                    ),
                    args[2].span,
                    "invalid stage name",
                );
            }
        } else if args.len() != 1 {
            ok = false;
            let span = match (args.first(), args.last()) {
                (Some(a), Some(b)) => a.span.join(b.span),
                _ => ins.name_span,
            };
            let mut e = ModelError::new(
                ModelErrorKind::Instruction,
                format!(
                    "dockerfile parse error on line {}: FROM requires either one or three arguments",
                    ins.start_line
                ),
                Some(span),
            )
            .label(format!("{} arguments", args.len()));
            if args.len() == 2 {
                e = e.help(format!(
                    "name the stage with `FROM {} AS {}`",
                    args[0].text, args[1].text
                ));
            }
            self.err(e);
        }
        let mut platform_flag = None;
        if ok {
            match check_flags(&ins.flags, &[("platform", FlagKind::String)], true) {
                Err((msg, span)) => self.instruction_err(ins, msg, span, "invalid flag"),
                Ok(flags) => {
                    for (flag, _, value) in flags {
                        platform_flag =
                            Some((value.to_string(), flag_value_span(&self.df.source, flag)));
                    }
                }
            }
        }
        let (base_text, base_span) = match args.first() {
            Some(w) => (w.text.clone(), w.span),
            None => (String::new(), Span::new(ins.span.end, ins.span.end)),
        };
        // BuildKit quirk: an empty `--platform=` is no --platform at all.
        let platform_flag = platform_flag.filter(|(v, _)| !v.is_empty());
        self.stages.push(Stage {
            index,
            name: name.as_ref().map(|(n, _)| n.clone()),
            name_span: name.map(|(_, s)| s),
            instruction: i,
            commands: i + 1..i + 1,
            span: ins.span,
            base_name: base_text.clone(),
            base_text,
            base_span,
            base: Source::Image(String::new()),
            from_undefined: BTreeSet::new(),
            platform: None,
            platform_span: platform_flag.as_ref().map(|(_, s)| *s),
            effective_platform: self.opts.target_platform.clone(),
            onbuild: Vec::new(),
        });
        if let Some((text, _)) = platform_flag {
            // Kept raw until the global scope is known.
            self.raw_platforms.insert(index, text);
        }
    }
}

impl Builder<'_> {
    /// BuildKit's `validateStageNames`: only warnings. With a duplicate name
    /// the model, like BuildKit, resolves later references to the last
    /// definition seen so far (`FROM`) or overall (`--from`, `--target`).
    fn stage_name_warnings(&mut self) {
        let mut seen = BTreeSet::new();
        let mut warnings = Vec::new();
        for st in &self.stages {
            let (Some(name), Some(span)) = (&st.name, st.name_span) else {
                continue;
            };
            if RESERVED_STAGE_NAMES.contains(&name.as_str()) {
                warnings.push(ModelWarning {
                    rule: "ReservedStageName",
                    message: format!(
                        "Stage name should not use the same name as reserved stage {}",
                        go_quote(name)
                    ),
                    span,
                });
            }
            if !seen.insert(name.clone()) {
                warnings.push(ModelWarning {
                    rule: "DuplicateStageName",
                    message: format!(
                        "Duplicate stage name {}, stage names should be unique",
                        go_quote(name)
                    ),
                    span,
                });
            }
        }
        self.warnings.extend(warnings);
    }

    /// The global scope: BuildKit's automatic args (`defaultArgs`), each
    /// overridable by a build arg, then the meta ARGs in order
    /// (`buildMetaArgs`): a build arg wins over the default, a default is
    /// expanded with the args before it, and an ARG with neither sets
    /// nothing (but is declared).
    fn global_scope(&mut self) {
        let opts = self.opts;
        let target_stage = match opts.target.as_deref().filter(|t| !t.is_empty()) {
            Some(t) => t.to_string(),
            None => self
                .stages
                .last()
                .and_then(|s| s.name.clone())
                .unwrap_or_else(|| "default".to_string()),
        };
        let (b, t) = (&opts.build_platform, &opts.target_platform);
        let predefined = [
            ("BUILDPLATFORM", b.to_string()),
            ("BUILDOS", b.os.clone()),
            ("BUILDOSVERSION", b.os_version.clone()),
            ("BUILDARCH", b.architecture.clone()),
            ("BUILDVARIANT", b.variant.clone()),
            ("TARGETPLATFORM", t.to_string()),
            ("TARGETOS", t.os.clone()),
            ("TARGETOSVERSION", t.os_version.clone()),
            ("TARGETARCH", t.architecture.clone()),
            ("TARGETVARIANT", t.variant.clone()),
            ("TARGETSTAGE", target_stage),
        ];
        let mut predefined_vars = Vars::default();
        for (name, value) in predefined {
            let build_arg = opts.build_args.get(name);
            predefined_vars.set(
                name,
                Var {
                    value: build_arg.cloned().unwrap_or(value),
                    origin: VarOrigin::Predefined,
                    instruction: None,
                    from_build_arg: build_arg.is_some(),
                },
            );
        }
        let mut global = Scope {
            id: self.timeline.start(predefined_vars.clone()),
            vars: predefined_vars,
        };
        let first_from = self
            .stages
            .first()
            .map_or(self.ins.len(), |s| s.instruction);
        let all = self.ins;
        for (i, ins) in all.iter().enumerate().take(first_from) {
            self.timeline.mark(i, global.id);
            if ins.keyword != Keyword::Arg {
                continue;
            }
            for w in &ins.args {
                let (key, default) = split_arg(&w.text);
                if key.is_empty() {
                    continue;
                }
                self.timeline.declare(&mut global, key);
                let value = if let Some(v) = opts.build_args.get(key) {
                    Some((v.clone(), true))
                } else if let Some(d) = default {
                    match self.lexer.process_word(d, &global.vars) {
                        Ok(v) => Some((v, false)),
                        Err(e) => {
                            self.err(
                                ModelError::new(ModelErrorKind::Expansion, e.message, Some(w.span))
                                    .label("in this default"),
                            );
                            None
                        }
                    }
                } else {
                    None
                };
                if let Some((value, from_build_arg)) = value {
                    let var = Var {
                        value,
                        origin: VarOrigin::Arg,
                        instruction: Some(i),
                        from_build_arg,
                    };
                    self.timeline.set(&mut global, key, var);
                }
            }
        }
        self.global_id = global.id;
        self.global = global.vars;
    }

    /// BuildKit's `buildDispatchStates`: each `FROM` expanded with the global
    /// scope, then resolved against the stages named before it.
    fn resolve_bases(&mut self) {
        for s in 0..self.stages.len() {
            let text = self.stages[s].base_text.clone();
            let span = self.stages[s].base_span;
            let mut undefined = BTreeSet::new();
            let mut broken = false;
            let base_name = match self.lexer.process_word_with_matches(&text, &self.global) {
                Ok(e) => {
                    undefined.extend(e.unmatched);
                    if e.word.is_empty() {
                        broken = true;
                        let mut err = ModelError::new(
                            ModelErrorKind::BlankBase,
                            format!("base name ({text}) should not be blank"),
                            Some(span),
                        )
                        .label("expands to nothing");
                        if let Some(v) = undefined.iter().next() {
                            err = err.help(format!(
                                "`{v}` is not set in the global scope: declare it with an ARG before the first FROM, or pass --build-arg {v}=..."
                            ));
                        }
                        self.err(err);
                    }
                    e.word
                }
                Err(e) => {
                    broken = true;
                    self.err(ModelError::new(
                        ModelErrorKind::Expansion,
                        e.message,
                        Some(span),
                    ));
                    text.clone()
                }
            };
            let platform = match self.raw_platforms.get(&s).cloned() {
                Some(raw) => self.stage_platform(s, &raw, &mut undefined),
                None => None,
            };
            // BuildKit's `addState`: a stage named exactly so before this
            // one (names are stored lower-cased, the reference is not folded:
            // BuildKit quirk), then scratch, then an image.
            let base = if broken {
                self.broken_base.insert(s);
                Source::Image(base_name.clone())
            } else if let Some(&b) = self.by_name.get(&base_name) {
                Source::Stage(b)
            } else if base_name == SCRATCH {
                Source::Scratch
            } else {
                Source::Image(base_name.clone())
            };
            let effective_platform = match &base {
                Source::Stage(b) => self.stages[*b].effective_platform.clone(),
                Source::Scratch => self.opts.target_platform.clone(),
                Source::Image(_) => platform
                    .clone()
                    .unwrap_or_else(|| self.opts.target_platform.clone()),
            };
            let stage = &mut self.stages[s];
            stage.base_name = base_name.clone();
            stage.base = base.clone();
            stage.from_undefined = undefined;
            stage.platform = platform;
            stage.effective_platform = effective_platform;
            let instruction = stage.instruction;
            if let Some(name) = stage.name.clone() {
                self.by_name.insert(name, s);
            }
            self.edges.push(Edge {
                stage: s,
                source: base,
                kind: EdgeKind::From,
                reference: base_name,
                instruction,
                span,
                via_onbuild: false,
            });
        }
    }

    /// Expands and parses a stage's `--platform` as BuildKit does, with its
    /// error texts.
    fn stage_platform(
        &mut self,
        s: usize,
        raw: &str,
        undefined: &mut BTreeSet<String>,
    ) -> Option<Platform> {
        let span = self.stages[s].platform_span;
        let expanded = match self.lexer.process_word_with_matches(raw, &self.global) {
            Ok(e) => e,
            Err(e) => {
                self.err(ModelError::new(
                    ModelErrorKind::Platform,
                    format!("failed to process arguments for platform : {}", e.message),
                    span,
                ));
                return None;
            }
        };
        undefined.extend(expanded.unmatched.iter().cloned());
        let hint = self.suggest_any(&expanded.unmatched);
        if expanded.word.is_empty() {
            self.err(
                ModelError::new(
                    ModelErrorKind::Platform,
                    format!("empty platform value from expression {raw}{hint}"),
                    span,
                )
                .label("expands to nothing"),
            );
            return None;
        }
        match parse_platform(&expanded.word, &self.opts.build_platform) {
            Ok(p) => Some(p),
            Err(e) => {
                self.err(
                    ModelError::new(
                        ModelErrorKind::Platform,
                        format!("failed to parse platform {raw}: {e}{hint}"),
                        span,
                    )
                    .label("not a platform"),
                );
                None
            }
        }
    }

    /// BuildKit's `wrapSuggestAny`: a " (did you mean X?)" for the first
    /// unset variable that is close to a set one.
    fn suggest_any(&self, unmatched: &BTreeSet<String>) -> String {
        let keys: Vec<&str> = self.global.iter().map(|(k, _)| k).collect();
        unmatched
            .iter()
            .find_map(|u| suggest(u, &keys, true))
            .map(|s| format!(" (did you mean {s}?)"))
            .unwrap_or_default()
    }

    /// BuildKit's `resolveTarget`: `--target` folds case; without it the
    /// last stage. A missing target is an error; the model goes on with the
    /// last stage.
    fn resolve_target(&mut self) {
        let last = self.stages.len() - 1;
        self.target = Some(last);
        let Some(name) = self.opts.target.as_deref().filter(|t| !t.is_empty()) else {
            return;
        };
        if let Some(&t) = self.by_name.get(&go_lower(name)) {
            self.target = Some(t);
            return;
        }
        let names: Vec<String> = (0..self.stages.len())
            .map(|s| self.stage_label(s))
            .collect();
        let options: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut msg = format!("target stage {} could not be found", go_quote(name));
        if let Some(s) = suggest(name, &options, true) {
            let _ = write!(msg, " (did you mean {s}?)");
        }
        let named: Vec<&str> = self
            .stages
            .iter()
            .filter_map(|s| s.name.as_deref())
            .collect();
        let help = if named.is_empty() {
            "no stage has a name: name one with `FROM <image> AS <name>`".to_string()
        } else {
            format!("stages named in this file: {}", named.join(", "))
        };
        self.err(ModelError::new(ModelErrorKind::Target, msg, None).help(help));
    }

    /// The name BuildKit uses for a stage in messages.
    fn stage_label(&self, s: usize) -> String {
        match &self.stages[s].name {
            Some(n) => n.clone(),
            None => format!("stage-{s}"),
        }
    }

    /// BuildKit's `buildStageDependencyGraph`: the sources of every COPY and
    /// RUN, stage by stage.
    fn link_commands(&mut self) {
        for s in 0..self.stages.len() {
            for i in self.stages[s].commands.clone() {
                if let Some(refs) = self.refs.get(&i).cloned() {
                    self.link_refs(s, i, &refs, false);
                }
            }
        }
    }

    /// BuildKit's `toCommand`; true when the command has sources (BuildKit's
    /// test for "new dependencies" after ONBUILD triggers).
    fn link_refs(
        &mut self,
        stage: usize,
        instruction: usize,
        refs: &Refs,
        via_onbuild: bool,
    ) -> bool {
        let mut any = false;
        if let Some(from) = &refs.copy_from {
            any |= self.link_copy(stage, instruction, from, via_onbuild);
        }
        for m in &refs.mounts {
            self.link_mount(stage, instruction, m, via_onbuild);
            any = true;
        }
        any
    }

    fn link_copy(
        &mut self,
        stage: usize,
        instruction: usize,
        from: &FromFlag,
        via_onbuild: bool,
    ) -> bool {
        let trigger = if via_onbuild {
            " (in an ONBUILD trigger)"
        } else {
            ""
        };
        // BuildKit quirk: --from is never expanded; anything the lexer would
        // change is refused.
        match self.lexer.process_word(&from.value, &NoEnv) {
            Ok(v) if v == from.value => {}
            Ok(_) => {
                self.err(
                    ModelError::new(
                        ModelErrorKind::FromVariable,
                        "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround",
                        Some(from.span),
                    )
                    .label(format!("not expanded{trigger}"))
                    .help("name a stage `FROM ${VAR} AS alias` (global ARG) and copy from the alias"),
                );
                return false;
            }
            Err(e) => {
                self.err(ModelError::new(
                    ModelErrorKind::FromVariable,
                    e.message,
                    Some(from.span),
                ));
                return false;
            }
        }
        // Go's strconv.Atoi accepts the same texts as i64's FromStr.
        let source = if let Ok(index) = from.value.parse::<i64>() {
            let total = self.stages.len() + self.implicit.len();
            match usize::try_from(index).ok().filter(|&i| i < total) {
                Some(i) => self.state_source(i),
                None => {
                    self.err(
                        ModelError::new(
                            ModelErrorKind::StageIndex,
                            format!("invalid stage index {index}"),
                            Some(from.span),
                        )
                        .label(format!("there are {} stages{trigger}", self.stages.len())),
                    );
                    return false;
                }
            }
        } else if let Some(&t) = self.by_name.get(&go_lower(&from.value)) {
            Source::Stage(t)
        } else {
            self.add_implicit(&from.value, from.span)
        };
        self.edges.push(Edge {
            stage,
            source,
            kind: EdgeKind::CopyFrom,
            reference: from.value.clone(),
            instruction,
            span: from.span,
            via_onbuild,
        });
        true
    }

    /// BuildKit's `detectRunMount`: every mount has a source; one without
    /// `from` is looked up as `scratch` (a stage of that name included:
    /// BuildKit quirk), because its type may still be a variable.
    fn link_mount(&mut self, stage: usize, instruction: usize, m: &MountRef, via_onbuild: bool) {
        let from = m.from.as_deref().unwrap_or(SCRATCH);
        let source = match self.by_name.get(&go_lower(from)) {
            Some(&t) => Source::Stage(t),
            None => self.add_implicit(from, m.span),
        };
        if m.from.is_none() && !matches!(source, Source::Stage(_)) {
            return;
        }
        let index = self.edges.len();
        if m.from.is_some() {
            self.mount_targets.insert(index, m.target.clone());
        }
        self.edges.push(Edge {
            stage,
            source,
            kind: EdgeKind::RunMount,
            reference: from.to_string(),
            instruction,
            span: m.span,
            via_onbuild,
        });
    }

    fn add_implicit(&mut self, name: &str, span: Span) -> Source {
        self.implicit.push(Implicit {
            name: name.to_string(),
            span,
        });
        implicit_source(name)
    }

    /// What BuildKit's `findStateByIndex` finds: the stages, then the
    /// sources registered while linking.
    fn state_source(&self, index: usize) -> Source {
        match index.checked_sub(self.stages.len()) {
            None => Source::Stage(index),
            Some(k) => implicit_source(&self.implicit[k].name),
        }
    }

    /// BuildKit's `validateCircularDependency` over `--from` and mount edges
    /// (a base is always an earlier stage). The stage named is the first,
    /// in file order, from which a cycle can be reached.
    fn check_cycles(&mut self) {
        let n = self.stages.len();
        let mut adj: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
        for (k, e) in self.edges.iter().enumerate() {
            if let (Source::Stage(t), false, false) =
                (&e.source, e.kind == EdgeKind::From, e.via_onbuild)
            {
                adj[e.stage].push((*t, k));
            }
        }
        let mut visited = vec![false; n];
        let mut on_path = vec![false; n];
        for root in 0..n {
            if visited[root] {
                continue;
            }
            // An explicit stack: a long chain of stages must not overflow ours.
            let mut stack = vec![(root, 0usize)];
            visited[root] = true;
            on_path[root] = true;
            while let Some(top) = stack.last_mut() {
                let (node, next) = *top;
                if next == adj[node].len() {
                    on_path[node] = false;
                    stack.pop();
                    continue;
                }
                top.1 += 1;
                let (t, k) = adj[node][next];
                if on_path[t] {
                    let start = stack.iter().position(|&(s, _)| s == t).unwrap_or(0);
                    let mut cycle: Vec<String> = stack[start..]
                        .iter()
                        .map(|&(s, _)| self.stage_label(s))
                        .collect();
                    cycle.push(self.stage_label(t));
                    let e = &self.edges[k];
                    let err = ModelError::new(
                        ModelErrorKind::CircularDependency,
                        format!(
                            "circular dependency detected on stage: {}",
                            self.stage_label(root)
                        ),
                        Some(e.span),
                    )
                    .label(if t == node {
                        "the stage uses itself".to_string()
                    } else {
                        "closes the cycle".to_string()
                    })
                    .help(format!("cycle: {}", cycle.join(" -> ")));
                    self.err(err);
                    self.cyclic = true;
                    return;
                }
                if !visited[t] {
                    visited[t] = true;
                    on_path[t] = true;
                    stack.push((t, 0));
                }
            }
        }
    }

    /// BuildKit parses every image reference it may resolve (stage bases and
    /// the images `--from` and mounts name), reachable or not.
    fn check_image_references(&mut self, first_stage: usize, first_implicit: usize) {
        let mut found = Vec::new();
        for st in self.stages.iter().skip(first_stage) {
            if let (Source::Image(name), false) = (&st.base, self.broken_base.contains(&st.index)) {
                found.push((name.clone(), st.base_span));
            }
        }
        for imp in self.implicit.iter().skip(first_implicit) {
            if imp.name != SCRATCH {
                found.push((imp.name.clone(), imp.span));
            }
        }
        for (name, span) in found {
            if let Err(e) = normalize_image_name(&name) {
                let mut err = ModelError::new(
                    ModelErrorKind::ImageReference,
                    format!("failed to parse stage name {}: {e}", go_quote(&name)),
                    Some(span),
                )
                .label("not a valid image reference");
                if let Some(stage) = self.by_name.get(&go_lower(&name)) {
                    err = err.help(format!(
                        "stage {} is named `{}`: a FROM must spell it in lower case",
                        stage,
                        go_lower(&name)
                    ));
                }
                self.err(err);
            }
        }
    }

    /// BuildKit's `resolveStages`: a reachable stage based on another runs
    /// that stage's ONBUILD triggers first, which may add dependencies and
    /// so reach more stages.
    fn link_onbuild_triggers(&mut self) {
        let n = self.stages.len();
        let mut done = vec![false; n];
        loop {
            self.reachable = self.compute_reachable();
            let mut added = false;
            for (s, done) in done.iter_mut().enumerate() {
                if !self.reachable[s] || *done {
                    continue;
                }
                *done = true;
                let Source::Stage(b) = self.stages[s].base else {
                    continue;
                };
                for j in self.stages[b].onbuild.clone() {
                    let Some(sub) = self.ins[j].onbuild.as_deref() else {
                        continue;
                    };
                    if !matches!(sub.keyword, Keyword::Copy | Keyword::Add | Keyword::Run) {
                        continue;
                    }
                    // A trigger is parsed when it runs, without the line
                    // prefix of the main instruction pass.
                    if let Some(refs) = self.read_refs(sub, None) {
                        added |= self.link_refs(s, j, &refs, true);
                    }
                }
            }
            if !added {
                break;
            }
        }
    }

    /// BuildKit's `allReachableStages`: the target, its bases and sources,
    /// transitively.
    fn compute_reachable(&self) -> Vec<bool> {
        let n = self.stages.len();
        let mut reach = vec![false; n];
        let Some(target) = self.target else {
            return reach;
        };
        let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
        for e in &self.edges {
            if let Source::Stage(t) = e.source {
                adj[e.stage].push(t);
            }
        }
        let mut stack = vec![target];
        while let Some(s) = stack.pop() {
            if std::mem::replace(&mut reach[s], true) {
                continue;
            }
            stack.extend(adj[s].iter().copied().filter(|&t| !reach[t]));
        }
        reach
    }

    /// BuildKit's `dispatchStages`, for what the model needs: each stage's
    /// variables instruction by instruction (for every stage), and the
    /// errors of the stages that are built (reachable ones, or all with
    /// `all_stages`) in file order.
    fn dispatch(&mut self) {
        let n = self.stages.len();
        let mut by_instruction: BTreeMap<(usize, bool, usize), Vec<usize>> = BTreeMap::new();
        for (k, e) in self.edges.iter().enumerate() {
            if e.kind != EdgeKind::From {
                let key = (
                    e.stage,
                    e.via_onbuild,
                    if e.via_onbuild { 0 } else { e.instruction },
                );
                by_instruction.entry(key).or_default().push(k);
            }
        }
        let mut finals: Vec<Vars> = Vec::with_capacity(n);
        for s in 0..n {
            let report = self.opts.all_stages || self.reachable[s];
            self.timeline
                .mark(self.stages[s].instruction, self.global_id);
            let base = self.stages[s].base.clone();
            let initial = match &base {
                Source::Stage(b) if *b < finals.len() => finals[*b].clone(),
                _ => {
                    let mut v = Vars {
                        image_env: matches!(base, Source::Image(_)),
                        ..Vars::default()
                    };
                    if self.stages[s].effective_platform.os != "windows" {
                        v.set(
                            "PATH",
                            Var {
                                value: DEFAULT_PATH.to_string(),
                                origin: VarOrigin::Image,
                                instruction: None,
                                from_build_arg: false,
                            },
                        );
                    }
                    v
                }
            };
            let mut scope = Scope {
                id: self.timeline.start(initial.clone()),
                vars: initial,
            };
            if let Source::Stage(b) = base {
                for j in self.stages[b].onbuild.clone() {
                    if let Some(sub) = self.ins[j].onbuild.as_deref() {
                        self.dispatch_vars(&mut scope, j, sub, report);
                    }
                }
                for k in by_instruction
                    .get(&(s, true, 0))
                    .cloned()
                    .unwrap_or_default()
                {
                    self.check_forward(s, k, &scope.vars, report);
                }
            }
            let all = self.ins;
            for i in self.stages[s].commands.clone() {
                self.timeline.mark(i, scope.id);
                for k in by_instruction
                    .get(&(s, false, i))
                    .cloned()
                    .unwrap_or_default()
                {
                    self.check_forward(s, k, &scope.vars, report);
                }
                self.dispatch_vars(&mut scope, i, &all[i], report);
            }
            finals.push(scope.vars);
        }
        self.finals = finals;
    }

    /// ARG and ENV: the instructions that change the variables.
    fn dispatch_vars(&mut self, scope: &mut Scope, i: usize, ins: &Instruction, report: bool) {
        match ins.keyword {
            Keyword::Arg => self.dispatch_arg(scope, i, ins, report),
            Keyword::Env => self.dispatch_env(scope, i, ins, report),
            _ => {}
        }
    }

    /// BuildKit's `dispatchArg`, pair by pair: the build arg, else the
    /// default expanded with the stage's variables, else (no default) the
    /// global value; a value joins the environment.
    fn dispatch_arg(&mut self, scope: &mut Scope, i: usize, ins: &Instruction, report: bool) {
        for w in &ins.args {
            let (key, default) = split_arg(&w.text);
            if key.is_empty() {
                continue;
            }
            let value = if let Some(v) = self.opts.build_args.get(key) {
                Some((v.clone(), true))
            } else if let Some(d) = default {
                match self.lexer.process_word(d, &scope.vars) {
                    Ok(v) => Some((v, false)),
                    Err(e) => {
                        if report {
                            self.err(
                                ModelError::new(ModelErrorKind::Expansion, e.message, Some(w.span))
                                    .label("in this default"),
                            );
                        }
                        None
                    }
                }
            } else {
                self.global
                    .get(key)
                    .map(|v| (v.value.clone(), v.from_build_arg))
            };
            self.timeline.declare(scope, key);
            if let Some((value, from_build_arg)) = value
                && !NON_ENV_ARGS.contains(&key)
            {
                let var = Var {
                    value,
                    origin: VarOrigin::Arg,
                    instruction: Some(i),
                    from_build_arg,
                };
                self.timeline.set(scope, key, var);
            }
        }
    }

    /// BuildKit's `dispatchEnv`: every key and value is expanded with the
    /// variables before the instruction, then all are set in order.
    fn dispatch_env(&mut self, scope: &mut Scope, i: usize, ins: &Instruction, report: bool) {
        let mut pairs = Vec::new();
        for pair in ins.args.chunks(2) {
            let [k, v] = pair else {
                continue;
            };
            if k.text.is_empty() {
                continue;
            }
            let mut expand = |w: &Word| match self.lexer.process_word(&w.text, &scope.vars) {
                Ok(x) => Some(x),
                Err(e) => {
                    if report {
                        self.errors.push(ModelError::new(
                            ModelErrorKind::Expansion,
                            e.message,
                            Some(w.span),
                        ));
                    }
                    None
                }
            };
            let (Some(key), Some(value)) = (expand(k), expand(v)) else {
                return;
            };
            pairs.push((key, value));
        }
        for (key, value) in pairs {
            if key.is_empty() {
                continue;
            }
            let var = Var {
                value,
                origin: VarOrigin::Env,
                instruction: Some(i),
                from_build_arg: false,
            };
            self.timeline.set(scope, &key, var);
        }
    }

    /// A built stage can only use stages already built: BuildKit builds in
    /// file order and fails on a later one.
    fn check_forward(&mut self, s: usize, k: usize, scope: &Vars, report: bool) {
        let e = &self.edges[k];
        let Source::Stage(t) = e.source else {
            return;
        };
        if t <= s || !report || self.cyclic {
            return;
        }
        let message = match e.kind {
            EdgeKind::CopyFrom => format!(
                "cannot copy from stage {}, it needs to be defined before current stage {}",
                go_quote(&e.reference),
                go_quote(&self.stage_label(s))
            ),
            EdgeKind::RunMount => {
                // A mount without `from` is bound to the build context at
                // dispatch; only an explicit one is checked.
                let Some(target) = self.mount_targets.get(&k) else {
                    return;
                };
                let target = self
                    .lexer
                    .process_word(target, scope)
                    .unwrap_or_else(|_| target.clone());
                format!(
                    "cannot mount from stage {} to {}, stage needs to be defined before current command",
                    go_quote(&e.reference),
                    go_quote(&target)
                )
            }
            EdgeKind::From => return,
        };
        let err = ModelError::new(ModelErrorKind::ForwardReference, message, Some(e.span))
            .label(format!("stage {} is defined later", self.stage_label(t)))
            .help(format!(
                "move stage {} before stage {}",
                self.stage_label(t),
                self.stage_label(s)
            ));
        self.err(err);
    }
}

/// How the variables evolve. Each scope (the global one, each stage)
/// starts from a base and changes by deltas; an instruction's variables are
/// its scope's base plus the deltas recorded before it. Keeping deltas
/// instead of a copy per instruction keeps the model linear in the file.
#[derive(Debug, Clone, Default)]
struct Timeline {
    bases: Vec<Vars>,
    deltas: Vec<Vec<Delta>>,
    /// Per instruction: its scope and how many of the scope's deltas apply.
    at: Vec<(usize, usize)>,
}

#[derive(Debug, Clone)]
enum Delta {
    Set(String, Var),
    Declare(String),
}

/// A scope being built: its id in the timeline and its current variables.
struct Scope {
    id: usize,
    vars: Vars,
}

impl Timeline {
    fn start(&mut self, base: Vars) -> usize {
        self.bases.push(base);
        self.deltas.push(Vec::new());
        self.bases.len() - 1
    }

    /// Instruction `i` sees scope `id` as it is now.
    fn mark(&mut self, i: usize, id: usize) {
        let n = self.deltas.get(id).map_or(0, Vec::len);
        if let Some(slot) = self.at.get_mut(i) {
            *slot = (id, n);
        }
    }

    fn set(&mut self, scope: &mut Scope, name: &str, var: Var) {
        scope.vars.set(name, var.clone());
        if let Some(d) = self.deltas.get_mut(scope.id) {
            d.push(Delta::Set(name.to_string(), var));
        }
    }

    fn declare(&mut self, scope: &mut Scope, name: &str) {
        if scope.vars.declared_args.insert(name.to_string())
            && let Some(d) = self.deltas.get_mut(scope.id)
        {
            d.push(Delta::Declare(name.to_string()));
        }
    }

    fn vars_at(&self, i: usize) -> Option<Vars> {
        let &(id, n) = self.at.get(i)?;
        let mut vars = self.bases.get(id)?.clone();
        for d in self.deltas.get(id)?.iter().take(n) {
            match d {
                Delta::Set(k, v) => vars.set(k, v.clone()),
                Delta::Declare(k) => {
                    vars.declared_args.insert(k.clone());
                }
            }
        }
        Some(vars)
    }
}

/// The source an implicitly registered name stands for.
fn implicit_source(name: &str) -> Source {
    if name == SCRATCH {
        Source::Scratch
    } else {
        Source::Image(name.to_string())
    }
}

/// `KEY=value` or `KEY` of an ARG, split at the first `=` as BuildKit's
/// `parseArg` does (the value keeps its quotes for the lexer).
fn split_arg(text: &str) -> (&str, Option<&str>) {
    match text.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (text, None),
    }
}

// ---------------------------------------------------------------------------
// Flags and mounts, as BuildKit's instruction parsers read them
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FlagKind {
    /// A flag given at most once, with a value.
    String,
    /// A repeatable flag with a value (`--mount`).
    Strings,
}

/// The flags BuildKit's flag parser reads: those before a bare `--`.
fn active_flags(flags: &[Flag]) -> &[Flag] {
    let end = flags
        .iter()
        .position(|f| f.text == "--")
        .unwrap_or(flags.len());
    &flags[..end]
}

/// A flag's name as BuildKit's `BFlags` cuts it: after exactly two dashes,
/// up to the first `=`.
fn flag_name(f: &Flag) -> Option<&str> {
    let body = f.text.strip_prefix("--")?;
    Some(body.split_once('=').map_or(body, |(n, _)| n))
}

/// A flag BuildKit's flag parser accepted: the flag, its name, its value.
type ParsedFlag<'f> = (&'f Flag, &'f str, &'f str);

/// BuildKit's `BFlags.Parse` for the flags in `known`: each flag with its
/// name and value, or BuildKit's error and the flag's span. Unless `strict`,
/// flags not in `known` are skipped (left to instruction validation).
fn check_flags<'f>(
    flags: &'f [Flag],
    known: &[(&str, FlagKind)],
    strict: bool,
) -> Result<Vec<ParsedFlag<'f>>, (String, Span)> {
    let mut used = BTreeSet::new();
    let mut out = Vec::new();
    for f in active_flags(flags) {
        let Some(body) = f.text.strip_prefix("--") else {
            if strict {
                return Err((format!("arg should start with -- : {}", f.text), f.span));
            }
            continue;
        };
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        let Some(&(_, kind)) = known.iter().find(|(k, _)| *k == name) else {
            if strict {
                let names: Vec<&str> = known.iter().map(|(k, _)| *k).collect();
                let mut msg = format!("unknown flag: {name}");
                if let Some(s) = suggest(name, &names, true) {
                    let _ = write!(msg, " (did you mean {s}?)");
                }
                return Err((msg, f.span));
            }
            continue;
        };
        if !used.insert(name) && kind != FlagKind::Strings {
            return Err((format!("duplicate flag specified: {name}"), f.span));
        }
        let Some(value) = value else {
            return Err((format!("missing a value on flag: {name}"), f.span));
        };
        out.push((f, name, value));
    }
    Ok(out)
}

/// Where a flag's value is written, and whether that is exact: the parser
/// removes quotes from flags, so only a flag whose source text is its text
/// maps byte for byte.
fn value_span(src: &str, flag: &Flag) -> (Span, bool) {
    if src.get(flag.span.start..flag.span.end) == Some(flag.text.as_str())
        && let Some(eq) = flag.text.find('=')
    {
        return (Span::new(flag.span.start + eq + 1, flag.span.end), true);
    }
    (flag.span, false)
}

fn flag_value_span(src: &str, flag: &Flag) -> Span {
    value_span(src, flag).0
}

/// BuildKit's parse-time `parseMount` (no expander): the value is a CSV
/// record; only `from` is interpreted now, and refused when it holds a
/// variable. The target is kept for messages.
fn read_mount(src: &str, flag: &Flag, value: &str) -> Result<MountRef, (String, Span)> {
    let (vspan, exact) = value_span(src, flag);
    let fields =
        parse_csv_record(value).map_err(|e| (format!("failed to parse csv mounts: {e}"), vspan))?;
    let mut m = MountRef {
        from: None,
        target: String::new(),
        span: vspan,
    };
    for (field, range) in fields {
        // A field without `=` is only looked at once expanded.
        let Some((key, v)) = field.split_once('=') else {
            continue;
        };
        let fspan = if exact {
            Span::new(vspan.start + range.start, vspan.start + range.end)
        } else {
            flag.span
        };
        match go_lower(key).as_str() {
            "from" => {
                if let Some(at) = v.find('$')
                    && at != v.len() - 1
                {
                    return Err((
                        "'from' doesn't support variable expansion, define alias stage instead"
                            .to_string(),
                        fspan,
                    ));
                }
                m.from = (!v.is_empty()).then(|| v.to_string());
                m.span = fspan;
            }
            "target" | "dst" | "destination" => m.target = v.to_string(),
            _ => {}
        }
    }
    Ok(m)
}

/// One record of Go's `encoding/csv` reader (comma separator, strict
/// quotes): the fields and their byte ranges in `s`, or the reader's error.
fn parse_csv_record(s: &str) -> Result<Vec<(String, Range<usize>)>, String> {
    if s.is_empty() {
        return Err("EOF".to_string());
    }
    let b = s.as_bytes();
    let mut fields = Vec::new();
    let mut pos = 0;
    loop {
        if b.get(pos) == Some(&b'"') {
            let start = pos;
            let mut value = String::new();
            let mut i = pos + 1;
            loop {
                let Some(q) = s[i..].find('"') else {
                    return Err(format!(
                        "parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                        b.len() + 1
                    ));
                };
                value.push_str(&s[i..i + q]);
                let after = i + q + 1;
                match b.get(after) {
                    Some(b'"') => {
                        value.push('"');
                        i = after + 1;
                    }
                    Some(b',') => {
                        fields.push((value, start..after));
                        pos = after + 1;
                        break;
                    }
                    None => {
                        fields.push((value, start..after));
                        return Ok(fields);
                    }
                    Some(_) => {
                        return Err(format!(
                            "parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                            i + q + 1
                        ));
                    }
                }
            }
        } else {
            let end = s[pos..].find(',').map_or(b.len(), |k| pos + k);
            let field = &s[pos..end];
            if let Some(j) = field.find('"') {
                return Err(format!(
                    "parse error on line 1, column {}: bare \" in non-quoted-field",
                    pos + j + 1
                ));
            }
            fields.push((field.to_string(), pos..end));
            if end == b.len() {
                return Ok(fields);
            }
            pos = end + 1;
        }
    }
}

// ---------------------------------------------------------------------------
// Go's string functions and BuildKit's suggestions
// ---------------------------------------------------------------------------

/// Go's `strings.ToLower`: simple, one-rune-to-one-rune case mapping (so
/// `İ` becomes `i`, where Rust's full mapping adds a combining dot).
fn go_lower(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii() {
                return c.to_ascii_lowercase();
            }
            let mut l = c.to_lowercase();
            match (l.next(), l.next()) {
                (Some(x), None) => x,
                _ if c == '\u{130}' => 'i',
                _ => c,
            }
        })
        .collect()
}

/// Go's `strings.ToUpper`, likewise one rune to one rune.
fn go_upper(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut u = c.to_uppercase();
            match (u.next(), u.next()) {
                (Some(x), None) => x,
                _ => c,
            }
        })
        .collect()
}

/// `strings.EqualFold(word, "as")`, Unicode simple folding included (`ſ`
/// folds to `s`).
fn is_as(word: &str) -> bool {
    let mut c = word.chars();
    matches!(
        (c.next(), c.next(), c.next()),
        (Some('a' | 'A'), Some('s' | 'S' | '\u{17F}'), None)
    )
}

/// BuildKit's `^[a-z][a-z0-9-_.]*$`, on the lower-cased name.
fn is_valid_stage_name(name: &str) -> bool {
    let mut c = name.chars();
    matches!(c.next(), Some('a'..='z'))
        && c.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-' | '_' | '.'))
}

/// BuildKit's `suggest.WrapErrorMaybe`: the option closest to `val` within
/// Levenshtein distance 2, unless one matches exactly. Options are tried in
/// the order given (BuildKit's come from a map; ties may differ).
fn suggest(val: &str, options: &[&str], case_sensitive: bool) -> Option<String> {
    let v = if case_sensitive {
        val.to_string()
    } else {
        go_lower(val)
    };
    let mut best = None;
    let mut min = 3;
    for opt in options {
        let o = if case_sensitive {
            opt.to_string()
        } else {
            go_lower(opt)
        };
        if v == o {
            return None;
        }
        let d = levenshtein(&v, &o);
        if d < min {
            min = d;
            best = Some(if case_sensitive {
                o
            } else {
                match_case(&o, val)
            });
        }
    }
    best
}

/// BuildKit's `matchCase`: the suggestion in the case the user wrote.
fn match_case(val: &str, orig: &str) -> String {
    if orig == go_lower(orig) {
        go_lower(val)
    } else if orig == go_upper(orig) {
        go_upper(val)
    } else {
        val.to_string()
    }
}

/// Edit distance over characters with unit costs, capped: any distance of
/// 3 or more is 3, since only closer options are suggested. Only the band
/// of cells within 2 of the diagonal is computed, so long words (a 64 KiB
/// stage name) cost linear time.
fn levenshtein(a: &str, b: &str) -> usize {
    const CAP: usize = 3;
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) >= CAP {
        return CAP;
    }
    let n = b.len();
    let mut prev = vec![CAP; n + 2];
    let mut cur = vec![CAP; n + 2];
    for (j, slot) in prev.iter_mut().enumerate().take(n.min(CAP - 1) + 1) {
        *slot = j;
    }
    for i in 1..=a.len() {
        let lo = i.saturating_sub(CAP - 1);
        let hi = (i + CAP - 1).min(n);
        if lo == 0 {
            cur[0] = i.min(CAP);
        } else {
            cur[lo - 1] = CAP;
        }
        for j in lo.max(1)..=hi {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1).min(CAP);
        }
        cur[hi + 1] = CAP;
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[n].min(CAP)
}

// ---------------------------------------------------------------------------
// Platforms (containerd's `platforms.Parse`)
// ---------------------------------------------------------------------------

/// containerd's `platforms.Parse` (containerd/platforms v1.0); `host`
/// stands for the builder's `runtime.GOOS`/`GOARCH`, used when the specifier
/// names only one of them. OS features (`os(ver+feature)`) are accepted and
/// dropped.
fn parse_platform(specifier: &str, host: &Platform) -> Result<Platform, String> {
    let q = go_quote(specifier);
    if specifier.contains('*') {
        return Err(format!(
            "{q}: wildcards not yet supported: invalid argument"
        ));
    }
    let parts: Vec<&str> = specifier.splitn(4, '/').collect();
    let Some((os, os_version)) = parts.first().and_then(|p| split_os_component(p)) else {
        return Err(format!(
            "{} is an invalid OS component of {q}: OSAndVersion specifier component must match {}: invalid argument",
            go_quote(parts.first().copied().unwrap_or_default()),
            go_quote(r"^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$")
        ));
    };
    for part in &parts[1..] {
        let ok = !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if !ok {
            return Err(format!(
                "{} is an invalid component of {q}: platform specifier component must match \"^[A-Za-z0-9_.-]+$\": invalid argument",
                go_quote(part)
            ));
        }
    }
    let os = normalize_os(os);
    let os_version = os_version.to_string();
    match parts.as_slice() {
        [one] => {
            if is_known_os(&os) {
                let variant = if host.architecture == "arm" && host.variant != "v7" {
                    host.variant.clone()
                } else {
                    String::new()
                };
                return Ok(Platform {
                    os,
                    os_version,
                    architecture: host.architecture.clone(),
                    variant,
                });
            }
            let (architecture, mut variant) = normalize_arch(one, "");
            if architecture == "arm" && variant == "v7" {
                variant.clear();
            }
            if is_known_arch(&architecture) {
                return Ok(Platform {
                    os: host.os.clone(),
                    os_version: String::new(),
                    architecture,
                    variant,
                });
            }
            Err(format!(
                "{q}: unknown operating system or architecture: invalid argument"
            ))
        }
        [_, arch] => {
            let (architecture, mut variant) = normalize_arch(arch, "");
            if architecture == "arm" && variant == "v7" {
                variant.clear();
            }
            Ok(Platform {
                os,
                os_version,
                architecture,
                variant,
            })
        }
        [_, arch, variant] => {
            let (architecture, mut variant) = normalize_arch(arch, variant);
            if architecture == "arm64" && variant.is_empty() {
                variant = "v8".to_string();
            }
            Ok(Platform {
                os,
                os_version,
                architecture,
                variant,
            })
        }
        _ => Err(format!(
            "{q}: cannot parse platform specifier: invalid argument"
        )),
    }
}

/// containerd's `osRe`: `os` or `os(version[+feature...])`, returning the
/// OS and the (percent-encoded) version.
fn split_os_component(part: &str) -> Option<(&str, &str)> {
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
    };
    let option_ok = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'%' | b'-'))
    };
    let Some(open) = part.find('(') else {
        return name_ok(part).then_some((part, ""));
    };
    let (os, rest) = (&part[..open], &part[open + 1..]);
    let inner = rest.strip_suffix(')')?;
    let mut pieces = inner.split('+');
    let version = pieces.next().unwrap_or_default();
    let features_ok = pieces.all(|f| !f.is_empty() && option_ok(f));
    (name_ok(os) && option_ok(version) && features_ok).then_some((os, version))
}

fn normalize_os(os: &str) -> String {
    match go_lower(os).as_str() {
        "macos" => "darwin".to_string(),
        other => other.to_string(),
    }
}

fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let (arch, variant) = (go_lower(arch), go_lower(variant));
    match arch.as_str() {
        "i386" => ("386".into(), String::new()),
        "x86_64" | "x86-64" | "amd64" => {
            let v = if variant == "v1" {
                String::new()
            } else {
                variant
            };
            ("amd64".into(), v)
        }
        "aarch64" | "arm64" => {
            let v = match variant.as_str() {
                "8" | "v8" | "v8.0" => String::new(),
                "9" | "9.0" | "v9.0" => "v9".into(),
                _ => variant,
            };
            ("arm64".into(), v)
        }
        "armhf" => ("arm".into(), "v7".into()),
        "armel" => ("arm".into(), "v6".into()),
        "arm" => {
            let v = match variant.as_str() {
                "" | "7" => "v7".into(),
                "5" | "6" | "8" => format!("v{variant}"),
                _ => variant,
            };
            ("arm".into(), v)
        }
        _ => (arch, variant),
    }
}

fn is_known_os(os: &str) -> bool {
    matches!(
        os,
        "aix"
            | "android"
            | "darwin"
            | "dragonfly"
            | "freebsd"
            | "hurd"
            | "illumos"
            | "ios"
            | "js"
            | "linux"
            | "nacl"
            | "netbsd"
            | "openbsd"
            | "plan9"
            | "solaris"
            | "windows"
            | "zos"
    )
}

fn is_known_arch(arch: &str) -> bool {
    matches!(
        arch,
        "386"
            | "amd64"
            | "amd64p32"
            | "arm"
            | "armbe"
            | "arm64"
            | "arm64be"
            | "ppc64"
            | "ppc64le"
            | "loong64"
            | "mips"
            | "mipsle"
            | "mips64"
            | "mips64le"
            | "mips64p32"
            | "mips64p32le"
            | "ppc"
            | "riscv"
            | "riscv64"
            | "s390"
            | "s390x"
            | "sparc"
            | "sparc64"
            | "wasm"
    )
}

// ---------------------------------------------------------------------------
// Image references (distribution/reference's `ParseNormalizedNamed`)
// ---------------------------------------------------------------------------

/// The canonical form BuildKit pulls an image by
/// (`reference.TagNameOnly(reference.ParseNormalizedNamed(name))`):
/// `alpine` is `docker.io/library/alpine:latest`. The error is
/// distribution/reference's.
pub fn normalize_image_name(name: &str) -> Result<String, String> {
    if name.len() == 64 && name.bytes().all(|b| matches!(b, b'a'..=b'f' | b'0'..=b'9')) {
        return Err(format!(
            "invalid repository name ({name}), cannot specify 64-byte hexadecimal strings"
        ));
    }
    let (domain, remainder) = split_docker_domain(name);
    let remote = remainder.split(':').next().unwrap_or_default();
    if go_lower(remote) != remote {
        return Err(format!(
            "invalid reference format: repository name ({remote}) must be lowercase"
        ));
    }
    let full = format!("{domain}/{remainder}");
    let Some((repo, tag, digest)) = match_reference(&full) else {
        if match_reference(&go_lower(&full)).is_some() {
            return Err("invalid reference format: repository name must be lowercase".to_string());
        }
        return Err("invalid reference format".to_string());
    };
    if repo.len() > 255 {
        return Err("repository name must not be more than 255 characters".to_string());
    }
    if let Some(d) = digest {
        validate_digest(d)?;
    }
    let mut out = repo.to_string();
    match (tag, digest) {
        (None, None) => out.push_str(":latest"),
        (tag, digest) => {
            if let Some(t) = tag {
                out.push(':');
                out.push_str(t);
            }
            if let Some(d) = digest {
                out.push('@');
                out.push_str(d);
            }
        }
    }
    Ok(out)
}

/// distribution/reference's `splitDockerDomain`.
fn split_docker_domain(name: &str) -> (String, String) {
    let (mut domain, mut remainder) = match name.find('/') {
        Some(i)
            if name[..i].contains(['.', ':'])
                || &name[..i] == "localhost"
                || go_lower(&name[..i]) != name[..i] =>
        {
            (name[..i].to_string(), name[i + 1..].to_string())
        }
        _ => ("docker.io".to_string(), name.to_string()),
    };
    if domain == "index.docker.io" {
        domain = "docker.io".to_string();
    }
    if domain == "docker.io" && !remainder.contains('/') {
        remainder = format!("library/{remainder}");
    }
    (domain, remainder)
}

/// distribution/reference's `ReferenceRegexp`, hand-matched: the name, the
/// tag and the digest, or `None` when `s` is not a reference.
fn match_reference(s: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest
        && !is_digest_syntax(d)
    {
        return None;
    }
    // A tag follows the last `:` when no `/` comes after it; otherwise the
    // colon belongs to the domain's port.
    let (name, tag) = match rest.rfind(':') {
        Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    if let Some(t) = tag {
        let mut c = t.chars();
        let first_ok = matches!(c.next(), Some(ch) if ch.is_ascii_alphanumeric() || ch == '_');
        if !first_ok
            || t.len() > 128
            || !c.all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '.' | '-'))
        {
            return None;
        }
    }
    let parts: Vec<&str> = name.split('/').collect();
    let all_paths = parts.iter().all(|p| is_path_component(p));
    let domain_then_paths = parts.len() >= 2
        && is_domain_and_port(parts[0])
        && parts[1..].iter().all(|p| is_path_component(p));
    (all_paths || domain_then_paths).then_some((name, tag, digest))
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn is_path_component(p: &str) -> bool {
    let b = p.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &p[start..i];
        let ok = matches!(sep, "." | "_" | "__") || sep.bytes().all(|c| c == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// A domain (`host[:port]`, the host a DNS name or `[IPv6]`).
fn is_domain_and_port(d: &str) -> bool {
    let (host, port) = if let Some(rest) = d.strip_prefix('[') {
        let Some(end) = rest.find(']') else {
            return false;
        };
        let ip = &rest[..end];
        if ip.is_empty() || !ip.bytes().all(|c| c.is_ascii_hexdigit() || c == b':') {
            return false;
        }
        (None, &rest[end + 1..])
    } else {
        match d.find(':') {
            Some(i) => (Some(&d[..i]), &d[i..]),
            None => (Some(d), ""),
        }
    };
    if let Some(host) = host {
        let ok = !host.is_empty()
            && host.split('.').all(|c| {
                let b = c.as_bytes();
                !b.is_empty()
                    && b[0].is_ascii_alphanumeric()
                    && b[b.len() - 1].is_ascii_alphanumeric()
                    && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
            });
        if !ok {
            return false;
        }
    }
    match port.strip_prefix(':') {
        Some(p) => !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()),
        None => port.is_empty(),
    }
}

/// The digest's syntax in `ReferenceRegexp`:
/// `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`.
fn is_digest_syntax(d: &str) -> bool {
    let Some((alg, hex)) = d.split_once(':') else {
        return false;
    };
    let alg_ok = alg.split(['-', '_', '+', '.']).all(|c| {
        let mut ch = c.chars();
        matches!(ch.next(), Some(x) if x.is_ascii_alphabetic())
            && ch.all(|x| x.is_ascii_alphanumeric())
    });
    alg_ok && hex.len() >= 32 && hex.bytes().all(|c| c.is_ascii_hexdigit())
}

/// go-digest's `Validate` for the algorithms BuildKit links in.
fn validate_digest(d: &str) -> Result<(), String> {
    let (alg, hex) = d.split_once(':').unwrap_or((d, ""));
    let size = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err("unsupported digest algorithm".to_string()),
    };
    if hex.len() != size {
        return Err("invalid checksum digest length".to_string());
    }
    if !hex.bytes().all(|c| matches!(c, b'a'..=b'f' | b'0'..=b'9')) {
        return Err("invalid checksum digest format".to_string());
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The dump
// ---------------------------------------------------------------------------

struct Dumper<'m> {
    m: &'m Model,
    df: &'m Dockerfile,
}

impl Dumper<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.df.source.len());
        1 + self.df.source.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    }

    fn instruction_line(&self, i: usize) -> usize {
        self.df.instructions.get(i).map_or(0, |x| x.start_line)
    }

    fn source(&self, s: &Source) -> String {
        match s {
            Source::Scratch => "scratch".to_string(),
            Source::Stage(i) => match &self.m.stages[*i].name {
                Some(n) => format!("stage {i} ({n})"),
                None => format!("stage {i}"),
            },
            Source::Image(n) => format!("image {}", go_quote(n)),
        }
    }

    fn var(name: &str, v: &Var) -> String {
        let origin = match v.origin {
            VarOrigin::Predefined => "predefined",
            VarOrigin::Arg => "arg",
            VarOrigin::Env => "env",
            VarOrigin::Image => "image",
        };
        let build_arg = if v.from_build_arg { ", build-arg" } else { "" };
        format!("{name}={} ({origin}{build_arg})", go_quote(&v.value))
    }

    fn dump(&self) -> String {
        let m = self.m;
        let mut out = String::new();
        match m.target {
            Some(t) => {
                let _ = writeln!(out, "target: {}", self.source(&Source::Stage(t)));
            }
            None => out.push_str("target: none\n"),
        }
        // The global scope: meta ARGs, and automatic args a build arg set.
        let globals: Vec<String> = m
            .global
            .iter()
            .filter(|(_, v)| v.origin == VarOrigin::Arg || v.from_build_arg)
            .map(|(k, v)| Self::var(k, v))
            .chain(
                m.global
                    .declared_args
                    .iter()
                    .filter(|k| m.global.get(k).is_none())
                    .map(|k| format!("{k} (declared, unset)")),
            )
            .collect();
        if !globals.is_empty() {
            let _ = writeln!(out, "global: {}", globals.join(" "));
        }
        for (i, st) in m.stages.iter().enumerate() {
            let role = match m.role(i) {
                StageRole::Final => "final",
                StageRole::Builder => "builder",
                StageRole::Unused => "unused",
            };
            let name = st
                .name
                .as_deref()
                .map(|n| format!(" {n}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "stage {i}{name} [{role}] line {}",
                self.instruction_line(st.instruction)
            );
            let _ = writeln!(
                out,
                "  base: {} -> {}",
                go_quote(&st.base_text),
                self.source(&st.base)
            );
            if let Some(p) = &st.platform {
                let _ = writeln!(out, "  platform: {p}");
            }
            if st.effective_platform != Platform::linux_amd64() {
                let _ = writeln!(out, "  runs on: {}", st.effective_platform);
            }
            if !st.from_undefined.is_empty() {
                let v: Vec<&str> = st.from_undefined.iter().map(String::as_str).collect();
                let _ = writeln!(out, "  undefined in FROM: {}", v.join(" "));
            }
            if !st.commands.is_empty() {
                let _ = writeln!(
                    out,
                    "  instructions: lines {}-{}",
                    self.instruction_line(st.commands.start),
                    self.df
                        .instructions
                        .get(st.commands.end - 1)
                        .map_or(0, |x| x.end_line)
                );
            }
            if !st.onbuild.is_empty() {
                let lines: Vec<String> = st
                    .onbuild
                    .iter()
                    .map(|&j| self.instruction_line(j).to_string())
                    .collect();
                let _ = writeln!(out, "  onbuild: lines {}", lines.join(" "));
            }
            // The variables at the end of the stage: the scope of a virtual
            // instruction after its last one.
            let end = m.env_after_stage(i);
            let vars: Vec<String> = end
                .iter()
                .filter(|(_, v)| v.origin != VarOrigin::Image)
                .map(|(k, v)| Self::var(k, v))
                .chain(
                    end.declared_args
                        .iter()
                        .filter(|k| end.get(k).is_none())
                        .map(|k| format!("{k} (declared, unset)")),
                )
                .collect();
            if !vars.is_empty() {
                let _ = writeln!(out, "  vars: {}", vars.join(" "));
            }
            if end.has_image_env() {
                out.push_str("  vars from the image: unknown\n");
            }
        }
        let deps: Vec<&Edge> = m
            .edges
            .iter()
            .filter(|e| e.kind != EdgeKind::From)
            .collect();
        if !deps.is_empty() {
            out.push_str("edges:\n");
            for e in deps {
                let kind = match e.kind {
                    EdgeKind::From => "from",
                    EdgeKind::CopyFrom => "copy --from",
                    EdgeKind::RunMount => "run --mount from",
                };
                let onbuild = if e.via_onbuild { ", via onbuild" } else { "" };
                let _ = writeln!(
                    out,
                    "  stage {} <- {} ({kind} {}, line {}{onbuild})",
                    e.stage,
                    self.source(&e.source),
                    go_quote(&e.reference),
                    self.instruction_line(e.instruction)
                );
            }
        }
        for w in &m.warnings {
            let _ = writeln!(
                out,
                "warning: line {}: {} ({})",
                self.line_of(w.span.start),
                w.message,
                w.rule
            );
        }
        for e in &m.errors {
            let at = match e.span {
                Some(s) => format!(
                    "line {} `{}`",
                    self.line_of(s.start),
                    self.df.source.get(s.start..s.end).unwrap_or("")
                ),
                None => "no location".to_string(),
            };
            let _ = writeln!(out, "error: {at}: {}", e.message);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    fn model(text: &str) -> Model {
        Model::build(&parse(text).unwrap(), &BuildOptions::default())
    }

    #[test]
    fn normalizes_image_names_like_distribution_reference() {
        let ok = [
            ("alpine", "docker.io/library/alpine:latest"),
            ("alpine:3.19", "docker.io/library/alpine:3.19"),
            ("library/alpine", "docker.io/library/alpine:latest"),
            ("index.docker.io/foo/bar:1", "docker.io/foo/bar:1"),
            ("ghcr.io/owner/app:v1.2-rc_3", "ghcr.io/owner/app:v1.2-rc_3"),
            ("localhost:5000/app", "localhost:5000/app:latest"),
            ("localhost/app", "localhost/app:latest"),
            ("Foo/bar", "Foo/bar:latest"),
            ("[::1]:5000/a/b", "[::1]:5000/a/b:latest"),
            ("a__b/c-d.e", "docker.io/a__b/c-d.e:latest"),
            (
                "alpine@sha256:0000000000000000000000000000000000000000000000000000000000000000",
                "docker.io/library/alpine@sha256:0000000000000000000000000000000000000000000000000000000000000000",
            ),
        ];
        for (name, want) in ok {
            assert_eq!(normalize_image_name(name).as_deref(), Ok(want), "{name}");
        }
        let bad = [
            (
                "Alpine",
                "invalid reference format: repository name (library/Alpine) must be lowercase",
            ),
            ("alpine:", "invalid reference format"),
            ("alpine:-x", "invalid reference format"),
            ("a..b", "invalid reference format"),
            ("a/", "invalid reference format"),
            ("-a", "invalid reference format"),
            ("alpine@sha256:abc", "invalid reference format"),
            (
                "alpine@md5:0123456789abcdef0123456789abcdef",
                "unsupported digest algorithm",
            ),
            (
                "alpine@sha256:0123456789abcdef0123456789abcdef",
                "invalid checksum digest length",
            ),
        ];
        for (name, want) in bad {
            assert_eq!(normalize_image_name(name), Err(want.to_string()), "{name}");
        }
        // An uppercase tag is fine.
        assert_eq!(
            normalize_image_name("ghcr.io/x:TAG").as_deref(),
            Ok("ghcr.io/x:TAG")
        );
        let hex = "a".repeat(64);
        assert!(
            normalize_image_name(&hex)
                .unwrap_err()
                .contains("64-byte hexadecimal")
        );
    }

    #[test]
    fn parses_platforms_like_containerd() {
        let host = Platform::linux_amd64();
        let ok = [
            ("linux/amd64", "linux/amd64"),
            ("linux/x86_64", "linux/amd64"),
            ("Linux/AArch64", "linux/arm64"),
            ("linux/arm64/v8", "linux/arm64/v8"),
            ("linux/arm", "linux/arm"),
            ("linux/arm/v7", "linux/arm/v7"),
            ("linux/armhf", "linux/arm"),
            ("linux/armel", "linux/arm/v6"),
            ("macos/arm64", "darwin/arm64"),
            ("linux", "linux/amd64"),
            ("arm64", "linux/arm64"),
            ("windows(10.0.17763)/amd64", "windows/amd64"),
        ];
        for (spec, want) in ok {
            assert_eq!(
                parse_platform(spec, &host)
                    .map(|p| p.to_string())
                    .as_deref(),
                Ok(want),
                "{spec}"
            );
        }
        assert_eq!(
            parse_platform("windows(10.0.17763)/amd64", &host)
                .unwrap()
                .os_version,
            "10.0.17763"
        );
        for (spec, want) in [
            (
                "foo",
                "\"foo\": unknown operating system or architecture: invalid argument",
            ),
            (
                "linux/*",
                "\"linux/*\": wildcards not yet supported: invalid argument",
            ),
            (
                "a/b/c/d",
                "\"a/b/c/d\": cannot parse platform specifier: invalid argument",
            ),
        ] {
            assert_eq!(parse_platform(spec, &host).unwrap_err(), want);
        }
        assert!(
            parse_platform("a/b/c/d/e", &host)
                .unwrap_err()
                .starts_with("\"d/e\" is an invalid component")
        );
        assert!(
            parse_platform("li nux/amd64", &host)
                .unwrap_err()
                .contains("invalid OS component")
        );
    }

    #[test]
    fn reads_csv_like_go() {
        let fields = |s: &str| {
            parse_csv_record(s).map(|f| f.into_iter().map(|(v, _)| v).collect::<Vec<_>>())
        };
        assert_eq!(fields("a,b=c,,d").unwrap(), ["a", "b=c", "", "d"]);
        assert_eq!(fields("\"x,y\",z").unwrap(), ["x,y", "z"]);
        assert_eq!(fields("\"a\"\"b\"").unwrap(), ["a\"b"]);
        assert_eq!(fields("").unwrap_err(), "EOF");
        assert_eq!(
            fields("a\"b").unwrap_err(),
            "parse error on line 1, column 2: bare \" in non-quoted-field"
        );
        assert!(
            fields("\"abc")
                .unwrap_err()
                .contains("extraneous or missing")
        );
        assert!(
            fields("\"a\"b")
                .unwrap_err()
                .contains("extraneous or missing")
        );
    }

    #[test]
    fn folds_case_like_go() {
        assert_eq!(go_lower("İSTANBUL"), "istanbul");
        assert_eq!(go_lower("KELVIN\u{212A}"), "kelvink");
        assert!(is_as("As") && is_as("aſ") && !is_as("ass") && !is_as("a"));
        assert!(
            is_valid_stage_name("a-b_c.d9")
                && !is_valid_stage_name("9a")
                && !is_valid_stage_name("a$")
        );
    }

    #[test]
    fn capped_levenshtein_agrees_with_the_full_one() {
        fn full(a: &str, b: &str) -> usize {
            let b: Vec<char> = b.chars().collect();
            let mut prev: Vec<usize> = (0..=b.len()).collect();
            for (i, ca) in a.chars().enumerate() {
                let mut cur = vec![i + 1; b.len() + 1];
                for (j, cb) in b.iter().enumerate() {
                    cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                        .min(prev[j + 1] + 1)
                        .min(cur[j] + 1);
                }
                prev = cur;
            }
            prev[b.len()]
        }
        let mut seed = 0x9e37_79b9_u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        for _ in 0..5000 {
            let word = |n: &mut dyn FnMut() -> usize| -> String {
                let len = n() % 7;
                (0..len).map(|_| ['a', 'b', 'c', 'é'][n() % 4]).collect()
            };
            let (a, b) = (word(&mut next), word(&mut next));
            assert_eq!(levenshtein(&a, &b), full(&a, &b).min(3), "{a:?} {b:?}");
        }
        let long = "x".repeat(100_000);
        assert_eq!(levenshtein(&long, &long), 0);
    }

    #[test]
    fn suggests_within_distance_two() {
        assert_eq!(
            suggest("biuld", &["build", "runtime"], true).as_deref(),
            Some("build")
        );
        assert_eq!(suggest("build", &["build"], true), None);
        assert_eq!(suggest("xyzzy", &["build"], true), None);
        assert_eq!(
            suggest("Runn", &INSTRUCTION_NAMES, false).as_deref(),
            Some("run")
        );
        assert_eq!(
            suggest("COPPY", &INSTRUCTION_NAMES, false).as_deref(),
            Some("COPY")
        );
    }

    #[test]
    fn env_at_every_instruction() {
        let m = model("ARG A=1\nFROM alpine\nENV B=$A\nARG A\nENV C=$A\nONBUILD ENV D=1\n");
        let at = |i: usize| {
            let v = m.env_at(i);
            let mut names: Vec<String> =
                v.iter().map(|(k, v)| format!("{k}={}", v.value)).collect();
            names.retain(|n| {
                !n.starts_with("PATH=") && !n.starts_with("BUILD") && !n.starts_with("TARGET")
            });
            names.join(" ")
        };
        assert_eq!(at(0), "");
        assert_eq!(at(1), "A=1");
        assert_eq!(at(2), "");
        assert_eq!(at(3), "B=");
        assert_eq!(at(4), "A=1 B=");
        assert_eq!(at(5), "A=1 B= C=1");
        assert_eq!(at(99), "");
        assert!(!m.env_at(3).is_declared_arg("A") && m.env_at(4).is_declared_arg("A"));
        assert_eq!(m.env_at(2).value("PATH"), Some(DEFAULT_PATH));
        assert_eq!(m.stage_of(0), None);
        assert_eq!(m.stage_of(5), Some(0));
        assert_eq!(m.stages()[0].onbuild, vec![5]);
    }

    #[test]
    fn stage_lookup_folds_case_and_takes_the_last_duplicate() {
        let m = model("FROM a AS x\nFROM b AS X\nFROM c\n");
        assert_eq!(m.stage_named("X").map(|s| s.index), Some(1));
        assert_eq!(m.role(2), StageRole::Final);
        assert_eq!(m.role(0), StageRole::Unused);
        assert_eq!(m.dependencies(2).count(), 1);
    }

    #[test]
    fn diagnostics_render() {
        let text = "FROM alpine AS a\nCOPY --from=a / /\n";
        let m = model(text);
        let e = m.error().unwrap();
        assert_eq!(e.kind(), ModelErrorKind::CircularDependency);
        assert_eq!(&text[e.span().unwrap().start..e.span().unwrap().end], "a");
        let rendered = format!(
            "{:?}",
            miette::Report::new(e.to_diagnostic("Dockerfile", text))
        );
        assert!(
            rendered.contains("circular dependency detected on stage: a"),
            "{rendered}"
        );
    }

    /// Whatever the input, building the model neither panics nor blows up.
    #[test]
    fn never_panics_on_odd_input() {
        let pieces = [
            "FROM",
            "ARG",
            "ENV",
            "COPY",
            "ADD",
            "RUN",
            "ONBUILD",
            "AS",
            "as",
            "x",
            "0",
            "-1",
            "9999999999999999999999",
            "--from=",
            "--from=x",
            "--from=$x",
            "--from",
            "--platform=",
            "--platform=$P",
            "--platform=linux/arm/v7",
            "--mount=",
            "--mount=from=x",
            "--mount=\"from=x",
            "--mount=from=$",
            "--mount=from=a$b",
            "${",
            "${X:?e}",
            "$X",
            "=",
            "A=",
            "=B",
            "A=${A}x",
            "scratch",
            "SCRATCH",
            "\"q",
            "'",
            "\\",
            "`",
            "é",
            "İ",
            "ſ",
            "\n",
            "\n",
            "\n",
            " ",
            " ",
            "COPY --from=0 a b",
            "COPY --from=1 a b",
            "RUN --mount=type=cache,target=/c x",
        ];
        let mut seed = 42u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        for round in 0..3000 {
            let n = next() % 40;
            let mut text = String::new();
            for _ in 0..n {
                text.push_str(pieces[next() % pieces.len()]);
                text.push(if next() % 3 == 0 { '\n' } else { ' ' });
            }
            let Ok(file) = parse(&text) else {
                continue;
            };
            let opts = BuildOptions {
                target: (round % 5 == 0).then(|| "x".to_string()),
                all_stages: round % 2 == 0,
                ..BuildOptions::default()
            };
            let m = Model::build(&file, &opts);
            let _ = m.dump(&file);
            for i in 0..=file.instructions.len() {
                let _ = m.expand(i, "$X${A:-b}");
            }
        }
    }

    #[test]
    fn scales_linearly() {
        // 20,000 ENV lines: a copy of the variables per instruction would
        // hold 200 million entries.
        let mut text = String::from("FROM alpine\n");
        for i in 0..20_000 {
            text.push_str(&format!("ENV V{i}=x\n"));
        }
        let m = model(&text);
        assert_eq!(m.env_at(20_000).iter().count(), 20_000);
        // 5,000 stages, each based on the previous and copying from the one
        // before it, then a cycle back to the first: no deep recursion.
        let mut text = String::from("FROM alpine AS s0\nCOPY --from=s4999 / /\n");
        for i in 1..5_000 {
            text.push_str(&format!(
                "FROM s{} AS s{i}\nCOPY --from=s{} / /\n",
                i - 1,
                i - 1
            ));
        }
        let m = model(&text);
        assert_eq!(
            m.error().map(ModelError::kind),
            Some(ModelErrorKind::CircularDependency)
        );
        assert!((0..5_000).all(|s| m.is_reachable(s)));
    }
}
