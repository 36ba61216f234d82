//! The matchers rules name in their `match:` section. Each is one general
//! check, parameterized by the rule file; the rule decides the message,
//! severity and docs. A matcher returns [`Hit`]s: where, the values its
//! message placeholders take, secondary labels and an optional safe fix.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::context::{Ctx, Role};
use super::data::{glob_match, split_image, tag_version};
use super::shell::{Command, PackageOp};
use crate::dockerfile::model::{EdgeKind, Source};
use crate::dockerfile::{Instruction, Keyword, Span};

/// What a rule looks for: one of the engine's matchers with its parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Matcher {
    /// Packages from the named sets installed in stages with these roles.
    PackageInstall {
        /// Stage roles to look at (empty: all).
        #[serde(default)]
        roles: Vec<Role>,
        /// Package sets from `rules/data`.
        sets: Vec<String>,
    },
    /// A stage based on an SDK image that has a runtime counterpart.
    BaseImage {
        /// Stage roles to look at.
        #[serde(default)]
        roles: Vec<Role>,
    },
    /// A package manager run that leaves its cache in the layer.
    CacheLeft {
        /// Stage roles to look at.
        #[serde(default)]
        roles: Vec<Role>,
        /// Package managers (`apt`, `apk`, `pip`, `npm`, ...).
        managers: Vec<String>,
        /// Actions that fill the cache (default: install).
        #[serde(default = "default_actions")]
        actions: Vec<String>,
        /// What keeps the cache out of the layer.
        clean: CleanSpec,
        /// The safe fix, if there is one.
        #[serde(default)]
        fix: Option<CacheFix>,
    },
    /// A build (go build, mvn package, ...) run in stages with these roles.
    BuildCommand {
        /// Stage roles to look at.
        #[serde(default)]
        roles: Vec<Role>,
        /// Build tools to look for (empty: all known).
        #[serde(default)]
        managers: Vec<String>,
    },
    /// The whole build context copied into a shipping stage of a
    /// multi-stage file.
    CopyContext {
        /// Stage roles to look at.
        #[serde(default)]
        roles: Vec<Role>,
    },
    /// `COPY --from` of a directory holding node_modules with dev
    /// dependencies.
    CopyDevDependencies {},
    /// Packages installed in a builder stage where no `COPY --from` takes them.
    InstallNotCopied {},
    /// The file is part of a builder-pattern setup (a script with `docker cp`).
    BuilderPattern {},
    /// A stage-graph mistake.
    StageGraph {
        /// Which one.
        check: GraphCheck,
    },
    /// A base image without a pinned tag.
    BaseTag {},
    /// ARG or ENV names that look like secrets.
    SecretName {
        /// Name parts (split at `_`, `-`, `.`) that mark a secret.
        tokens: Vec<String>,
        /// Name parts that make it harmless (`public`, `file`).
        #[serde(default)]
        allow: Vec<String>,
        /// Whole names never flagged (`GPG_KEY` of the python images).
        #[serde(default)]
        allow_names: Vec<String>,
    },
    /// An instruction-level pattern.
    Instruction {
        /// Which one.
        check: InstructionCheck,
    },
    /// A final stage that runs as root.
    FinalUser {},
    /// A base image from a registry not in `trusted-registries` (only
    /// when that list is set).
    UntrustedRegistry {},
    /// A suppression comment that suppressed nothing (the engine fills it).
    UnusedSuppression {},
    /// The file does not parse or would not build (the engine fills it).
    BuildError {},
    /// Bloat measured in a built image by `msmigrate verify` (never fires
    /// on a Dockerfile alone).
    ImageEvidence {},
}

fn default_actions() -> Vec<String> {
    vec!["install".to_string()]
}

/// What keeps a package manager's cache out of the layer.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CleanSpec {
    /// Flags of the install command (`--no-cache`, `--no-cache-dir`).
    #[serde(default)]
    pub flags: Vec<String>,
    /// Commands in the same RUN, as leading words (`npm cache clean`).
    #[serde(default)]
    pub commands: Vec<String>,
    /// Paths removed with `rm` in the same RUN, as globs over the argument
    /// (`/var/lib/apt/lists*`).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Environment variables that disable the cache when set.
    #[serde(default)]
    pub env: Vec<String>,
    /// `RUN --mount=type=cache,target=…` targets that hold the cache.
    #[serde(default)]
    pub mounts: Vec<String>,
}

/// A safe, mechanical fix for a cache left behind.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub enum CacheFix {
    /// Insert this flag after the subcommand (`apk add --no-cache`).
    InsertFlag(String),
    /// Append this to a shell-form RUN (`&& rm -rf /var/lib/apt/lists/*`).
    Append(String),
}

/// Stage-graph checks.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum GraphCheck {
    /// `COPY --from=0`.
    CopyFromIndex,
    /// A stage no target builds.
    UnusedStage,
    /// Two stages with one name.
    DuplicateName,
    /// A stage named `scratch` or `context`.
    ReservedName,
    /// A stage named like an image.
    ShadowsImage,
    /// `COPY --from=name` where no stage has that name.
    FromUnknownStage,
    /// `COPY --from=x / /`.
    WholeStageCopy,
}

/// Instruction checks.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum InstructionCheck {
    /// ADD of local, non-archive files.
    AddLocalFile,
    /// Shell-form CMD or ENTRYPOINT.
    ShellFormExec,
}

/// One match.
#[derive(Debug, Clone, Default)]
pub struct Hit {
    /// Where.
    pub span: Span,
    /// Values of the message placeholders.
    pub vars: BTreeMap<&'static str, String>,
    /// Secondary locations.
    pub labels: Vec<(Span, String)>,
    /// Help specialised to this match (else the rule's fix text).
    pub help: Option<String>,
    /// A safe fix: description and edits.
    pub fix: Option<(String, Vec<(Span, String)>)>,
}

impl Hit {
    fn at(span: Span) -> Hit {
        Hit {
            span,
            ..Hit::default()
        }
    }

    fn var(mut self, key: &'static str, value: impl Into<String>) -> Hit {
        self.vars.insert(key, value.into());
        self
    }

    fn label(mut self, span: Span, message: impl Into<String>) -> Hit {
        self.labels.push((span, message.into()));
        self
    }
}

impl Matcher {
    /// The matcher's name as rule files write it.
    pub fn kind(&self) -> &'static str {
        match self {
            Matcher::PackageInstall { .. } => "package-install",
            Matcher::BaseImage { .. } => "base-image",
            Matcher::CacheLeft { .. } => "cache-left",
            Matcher::BuildCommand { .. } => "build-command",
            Matcher::CopyContext { .. } => "copy-context",
            Matcher::CopyDevDependencies {} => "copy-dev-dependencies",
            Matcher::InstallNotCopied {} => "install-not-copied",
            Matcher::BuilderPattern {} => "builder-pattern",
            Matcher::StageGraph { .. } => "stage-graph",
            Matcher::BaseTag {} => "base-tag",
            Matcher::SecretName { .. } => "secret-name",
            Matcher::Instruction { .. } => "instruction",
            Matcher::FinalUser {} => "final-user",
            Matcher::UntrustedRegistry {} => "untrusted-registry",
            Matcher::UnusedSuppression {} => "unused-suppression",
            Matcher::BuildError {} => "build-error",
            Matcher::ImageEvidence {} => "image-evidence",
        }
    }

    /// The message placeholders this matcher fills.
    pub fn placeholders(&self) -> &'static [&'static str] {
        match self {
            Matcher::PackageInstall { .. } => &["package", "manager", "stage", "set"],
            Matcher::BaseImage { .. } => &["image", "runtime", "stage"],
            Matcher::CacheLeft { .. } => &["command", "manager", "stage"],
            Matcher::BuildCommand { .. } => &["command", "stage"],
            Matcher::CopyContext { .. } => &["source", "stage"],
            Matcher::CopyDevDependencies {} => &["source", "from", "install"],
            Matcher::InstallNotCopied {} => &["command", "location", "from", "copied"],
            Matcher::BuilderPattern {} => &["script", "line", "dir"],
            Matcher::StageGraph { .. } => &["stage", "reference", "first_line"],
            Matcher::BaseTag {} => &["image"],
            Matcher::SecretName { .. } => &["name", "instruction"],
            Matcher::Instruction { .. } => &["instruction", "source"],
            Matcher::FinalUser {} => &["stage", "user"],
            Matcher::UntrustedRegistry {} => &["image", "registry"],
            Matcher::UnusedSuppression {} => &["rule", "pragma"],
            Matcher::BuildError {} => &["error"],
            Matcher::ImageEvidence {} => &["bytes", "path", "instruction"],
        }
    }

    /// Checks parameters serde cannot.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Matcher::PackageInstall { sets, .. } if sets.is_empty() => {
                Err("package-install needs at least one package set".into())
            }
            Matcher::CacheLeft { managers, .. } if managers.is_empty() => {
                Err("cache-left needs at least one manager".into())
            }
            Matcher::SecretName { tokens, .. } if tokens.is_empty() => {
                Err("secret-name needs at least one token".into())
            }
            _ => Ok(()),
        }
    }

    /// Runs the matcher over one file.
    pub fn run(&self, ctx: &Ctx) -> Vec<Hit> {
        match self {
            Matcher::PackageInstall { roles, sets } => package_install(ctx, roles, sets),
            Matcher::BaseImage { roles } => base_image(ctx, roles),
            Matcher::CacheLeft {
                roles,
                managers,
                actions,
                clean,
                fix,
            } => cache_left(ctx, roles, managers, actions, clean, fix.as_ref()),
            Matcher::BuildCommand { roles, managers } => build_command(ctx, roles, managers),
            Matcher::CopyContext { roles } => copy_context(ctx, roles),
            Matcher::CopyDevDependencies {} => copy_dev_dependencies(ctx),
            Matcher::InstallNotCopied {} => install_not_copied(ctx),
            Matcher::BuilderPattern {} => builder_pattern(ctx),
            Matcher::StageGraph { check } => stage_graph(ctx, *check),
            Matcher::BaseTag {} => base_tag(ctx),
            Matcher::SecretName {
                tokens,
                allow,
                allow_names,
            } => secret_name(ctx, tokens, allow, allow_names),
            Matcher::Instruction { check } => instruction(ctx, *check),
            Matcher::FinalUser {} => final_user(ctx),
            Matcher::UntrustedRegistry {} => untrusted_registry(ctx),
            Matcher::UnusedSuppression {} | Matcher::BuildError {} | Matcher::ImageEvidence {} => {
                Vec::new()
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// The lower-case name of a debug-printed enum value (`Apt` → `apt`).
fn key<T: std::fmt::Debug>(value: &T) -> String {
    format!("{value:?}").to_ascii_lowercase()
}

/// The package format a manager installs: `deb`, `apk`, `rpm`, `pip`, `npm`, `gem`.
fn package_format(manager: &str) -> &str {
    match manager {
        "apt" => "deb",
        "yum" | "dnf" | "microdnf" | "zypper" => "rpm",
        "yarn" | "pnpm" => "npm",
        other => other,
    }
}

/// RUN instructions of the stages whose role is in `roles`.
fn runs<'a>(ctx: &'a Ctx, roles: &'a [Role]) -> impl Iterator<Item = (usize, usize)> + 'a {
    (0..ctx.model.stages().len())
        .filter(move |&s| ctx.role_in(s, roles))
        .flat_map(move |s| {
            ctx.stage_instructions(s)
                .filter(|(_, ins)| ins.keyword == Keyword::Run)
                .map(move |(i, _)| (s, i))
        })
}

/// The text of a command for messages: its words, shortened when long.
fn command_text(cmd: &Command) -> String {
    const MAX: usize = 60;
    let mut text = cmd.name.clone();
    for arg in &cmd.args {
        let word = arg.value.as_deref().unwrap_or(&arg.raw);
        if text.chars().count() + 1 + word.chars().count() > MAX {
            text.push_str(" …");
            break;
        }
        text.push(' ');
        text.push_str(word);
    }
    text
}

/// `RUN --mount` flags, parsed into key/value fields.
fn mounts(ins: &Instruction) -> Vec<BTreeMap<String, String>> {
    ins.flags
        .iter()
        .filter(|f| f.name() == "mount")
        .map(|f| {
            f.value()
                .unwrap_or("")
                .split(',')
                .map(|kv| match kv.split_once('=') {
                    Some((k, v)) => (k.to_ascii_lowercase(), v.to_string()),
                    None => (kv.to_ascii_lowercase(), "true".to_string()),
                })
                .collect()
        })
        .collect()
}

/// The value of `--from` on a COPY, if any.
fn copy_from(ins: &Instruction) -> Option<&crate::dockerfile::Flag> {
    (ins.keyword == Keyword::Copy)
        .then(|| ins.flag("from"))
        .flatten()
}

/// The sources of a COPY/ADD (all arguments but the destination), with
/// their spans; heredoc sources excluded.
fn copy_sources(ins: &Instruction) -> &[crate::dockerfile::Word] {
    match ins.args.len() {
        0 | 1 => &[],
        n => &ins.args[..n - 1],
    }
}

/// Removes quotes of a JSON-form word already decoded, or the surrounding
/// quotes of a shell-form word.
fn unquote(word: &str) -> &str {
    let w = word.trim();
    for q in ['"', '\''] {
        if w.len() >= 2 && w.starts_with(q) && w.ends_with(q) {
            return &w[1..w.len() - 1];
        }
    }
    w
}

/// Normalizes an absolute path: `/a/./b/../c/` → `/a/c`.
fn clean_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// True when copying `source` (a path in a stage, possibly with globs)
/// takes `path` along.
fn covers(source: &str, path: &str) -> bool {
    let source = clean_path(source);
    let path = clean_path(path);
    if source == "/" {
        return true;
    }
    // Compare component by component so globs in the source apply.
    let s: Vec<&str> = source.split('/').skip(1).collect();
    let p: Vec<&str> = path.split('/').skip(1).collect();
    s.len() <= p.len() && s.iter().zip(&p).all(|(a, b)| glob_match(a, b))
}

/// The WORKDIR in effect at each instruction of a stage (base stages
/// inherited; images assumed to start at `/`).
fn workdir_at(ctx: &Ctx, index: usize) -> String {
    let Some(stage) = ctx.model.stage_of(index) else {
        return "/".to_string();
    };
    let stages = ctx.model.stages();
    let mut chain = vec![stage];
    while let Source::Stage(parent) = stages[*chain.last().unwrap()].base {
        if chain.contains(&parent) || parent >= *chain.last().unwrap() {
            break;
        }
        chain.push(parent);
    }
    let mut dir = "/".to_string();
    for &s in chain.iter().rev() {
        for (i, ins) in ctx.stage_instructions(s) {
            if s == stage && i >= index {
                break;
            }
            if ins.keyword == Keyword::Workdir
                && let Some(word) = ins.args.first()
            {
                let value = ctx
                    .model
                    .expand(i, &word.text)
                    .map(|e| e.word)
                    .unwrap_or_else(|_| word.text.clone());
                dir = if value.starts_with('/') {
                    clean_path(&value)
                } else {
                    clean_path(&format!("{dir}/{value}"))
                };
            }
        }
    }
    dir
}

// ---------------------------------------------------------------------------
// Package and build matchers
// ---------------------------------------------------------------------------

fn package_install(ctx: &Ctx, roles: &[Role], sets: &[String]) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (stage, i) in runs(ctx, roles) {
        let ops = ctx.package_ops(i);
        let commands = ctx.commands(i);
        for op in ops.iter().filter(|op| key(&op.action) == "install") {
            let manager = key(&op.manager);
            let format = package_format(&manager);
            for pkg in &op.packages {
                let Some(set) = sets
                    .iter()
                    .find(|set| ctx.data.package_in_set(set, format, &pkg.name).is_some())
                else {
                    continue;
                };
                if removed_later(ops, commands, op, &pkg.name) {
                    continue;
                }
                hits.push(
                    Hit::at(pkg.span)
                        .var("package", &pkg.name)
                        .var("manager", &manager)
                        .var("stage", ctx.stage_label(stage))
                        .var("set", set),
                );
            }
        }
    }
    hits
}

/// True when the same RUN removes the package again after installing it
/// (`apt-get purge`, `apk del` of it or of its `--virtual` group).
fn removed_later(ops: &[PackageOp], commands: &[Command], install: &PackageOp, name: &str) -> bool {
    let format = package_format(&key(&install.manager)).to_string();
    let virtual_name = commands.get(install.command).and_then(|cmd| {
        let pos = cmd
            .args
            .iter()
            .position(|a| matches!(a.value.as_deref(), Some("--virtual") | Some("-t")))?;
        cmd.args.get(pos + 1)?.value.clone()
    });
    let virtual_eq = cmd_virtual_eq(commands.get(install.command));
    ops.iter().any(|op| {
        op.command > install.command
            && key(&op.action) == "remove"
            && package_format(&key(&op.manager)) == format
            && op.packages.iter().any(|p| {
                p.name == name
                    || virtual_name.as_deref() == Some(p.name.as_str())
                    || virtual_eq.as_deref() == Some(p.name.as_str())
            })
    })
}

/// `apk add --virtual=.deps`: the group name written with `=`.
fn cmd_virtual_eq(cmd: Option<&Command>) -> Option<String> {
    cmd?.args.iter().find_map(|a| {
        a.value
            .as_deref()?
            .strip_prefix("--virtual=")
            .map(str::to_string)
    })
}

fn base_image(ctx: &Ctx, roles: &[Role]) -> Vec<Hit> {
    let mut hits = Vec::new();
    for stage in ctx.model.stages() {
        if !ctx.role_in(stage.index, roles) {
            continue;
        }
        let Source::Image(reference) = &stage.base else {
            continue;
        };
        let (repo, tag, _) = split_image(reference);
        let Some(pair) = ctx.data.sdk_pair(&repo, &tag) else {
            continue;
        };
        let version = tag_version(&tag).unwrap_or("<version>");
        let runtimes: Vec<String> = pair
            .runtimes
            .iter()
            .map(|r| r.replace("{version}", version))
            .collect();
        let mut hit = Hit::at(stage.base_span)
            .var("image", reference)
            .var("runtime", runtimes.join(" or "))
            .var("stage", ctx.stage_label(stage.index));
        hit.help = Some(format!(
            "build in a stage FROM {reference} and ship FROM {}, copying only the built files with COPY --from: {}",
            runtimes.join(" or "),
            pair.note
        ));
        hits.push(hit);
    }
    hits
}

fn cache_left(
    ctx: &Ctx,
    roles: &[Role],
    managers: &[String],
    actions: &[String],
    clean: &CleanSpec,
    fix: Option<&CacheFix>,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (stage, i) in runs(ctx, roles) {
        let ins = ctx.instruction(i);
        let commands = ctx.commands(i);
        let leaves_cache = |op: &&PackageOp| {
            managers.contains(&key(&op.manager))
                && actions.contains(&key(&op.action))
                && !op.flags.iter().any(|f| {
                    clean
                        .flags
                        .iter()
                        .any(|c| f == c || f.starts_with(&format!("{c}=")))
                })
        };
        // Point at an install when there is one: that is where the fix goes.
        let ops = ctx.package_ops(i);
        let Some(op) = ops
            .iter()
            .filter(leaves_cache)
            .find(|op| key(&op.action) == "install")
            .or_else(|| ops.iter().find(leaves_cache))
        else {
            continue;
        };
        if clean
            .env
            .iter()
            .any(|v| ctx.var_at(i, v).is_some_and(|x| !x.is_empty()))
        {
            continue;
        }
        let mounted = mounts(ins).iter().any(|m| {
            let kind = m.get("type").map(String::as_str).unwrap_or("bind");
            let target = m
                .get("target")
                .or_else(|| m.get("dst"))
                .or_else(|| m.get("destination"));
            (kind == "cache" || kind == "tmpfs")
                && target
                    .is_some_and(|t| clean.mounts.iter().any(|g| glob_match(g, &clean_path(t))))
        });
        if mounted || cleaned(commands, op.command, clean) {
            continue;
        }
        let Some(cmd) = commands.get(op.command) else {
            continue;
        };
        let mut hit = Hit::at(cmd.span)
            .var("command", command_text(cmd))
            .var("manager", key(&op.manager))
            .var("stage", ctx.stage_label(stage));
        hit.fix = fix.and_then(|f| cache_fix(ins, cmd, f));
        hits.push(hit);
    }
    hits
}

/// True when a command after `from` in the same RUN cleans the cache.
fn cleaned(commands: &[Command], from: usize, clean: &CleanSpec) -> bool {
    commands.iter().skip(from + 1).any(|cmd| {
        let words: Vec<&str> = std::iter::once(cmd.name.as_str())
            .chain(cmd.args.iter().filter_map(|a| a.value.as_deref()))
            .collect();
        let by_command = clean.commands.iter().any(|c| {
            let want: Vec<&str> = c.split_whitespace().collect();
            words.len() >= want.len() && words[..want.len()] == want[..]
        });
        let by_rm = cmd.name == "rm"
            && cmd.args.iter().any(|a| {
                let v = a.value.as_deref().unwrap_or(&a.raw);
                clean.paths.iter().any(|p| glob_match(p, v))
            });
        by_command || by_rm
    })
}

fn cache_fix(
    ins: &Instruction,
    cmd: &Command,
    fix: &CacheFix,
) -> Option<(String, Vec<(Span, String)>)> {
    match fix {
        CacheFix::InsertFlag(flag) => {
            let sub = cmd
                .args
                .iter()
                .find(|a| matches!(a.value.as_deref(), Some("add" | "install" | "i" | "ci")))?;
            Some((
                format!("add {flag}"),
                vec![(Span::new(sub.span.end, sub.span.end), format!(" {flag}"))],
            ))
        }
        CacheFix::Append(text) => {
            if ins.json || !ins.heredocs.is_empty() {
                return None;
            }
            let last = ins.args.last()?;
            Some((
                format!("append `{}`", text.trim()),
                vec![(
                    Span::new(last.span.end, last.span.end),
                    format!(" {}", text.trim()),
                )],
            ))
        }
    }
}

fn build_command(ctx: &Ctx, roles: &[Role], managers: &[String]) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (stage, i) in runs(ctx, roles) {
        let commands = ctx.commands(i);
        for op in ctx.package_ops(i) {
            if key(&op.action) != "build"
                || !(managers.is_empty() || managers.contains(&key(&op.manager)))
            {
                continue;
            }
            let Some(cmd) = commands.get(op.command) else {
                continue;
            };
            hits.push(
                Hit::at(cmd.span)
                    .var("command", command_text(cmd))
                    .var("stage", ctx.stage_label(stage)),
            );
        }
    }
    hits
}

// ---------------------------------------------------------------------------
// What shipping stages copy
// ---------------------------------------------------------------------------

fn copy_context(ctx: &Ctx, roles: &[Role]) -> Vec<Hit> {
    if ctx.model.stages().len() < 2 {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for stage in 0..ctx.model.stages().len() {
        if !ctx.role_in(stage, roles) {
            continue;
        }
        for (_, ins) in ctx.stage_instructions(stage) {
            if !matches!(ins.keyword, Keyword::Copy | Keyword::Add) || ins.flag("from").is_some() {
                continue;
            }
            for src in copy_sources(ins) {
                let text = unquote(&src.text);
                if matches!(text, "." | "./" | "*" | "./*" | "./.") {
                    hits.push(
                        Hit::at(src.span)
                            .var("source", text)
                            .var("stage", ctx.stage_label(stage)),
                    );
                }
            }
        }
    }
    hits
}

/// Flags that make npm, yarn or pnpm skip dev dependencies.
const PRODUCTION_FLAGS: &[&str] = &[
    "--production",
    "--prod",
    "-P",
    "--omit=dev",
    "--only=production",
    "--only=prod",
];

fn copy_dev_dependencies(ctx: &Ctx) -> Vec<Hit> {
    let mut hits = Vec::new();
    for stage in 0..ctx.model.stages().len() {
        if ctx.role(stage) != Role::Final {
            continue;
        }
        for (_, ins) in ctx.stage_instructions(stage) {
            let Some(flag) = copy_from(ins) else {
                continue;
            };
            let Some(from) = flag.value().and_then(|v| stage_ref(ctx, v)) else {
                continue;
            };
            for (install_span, install_dir, text) in dev_installs(ctx, from) {
                let modules = format!("{install_dir}/node_modules");
                for src in copy_sources(ins) {
                    let path = unquote(&src.text);
                    let abs = if path.starts_with('/') {
                        path.to_string()
                    } else {
                        format!("/{path}")
                    };
                    if covers(&abs, &modules) {
                        hits.push(
                            Hit::at(src.span)
                                .var("source", path)
                                .var("from", ctx.stage_label(from))
                                .var("install", &text)
                                .label(install_span, "dev dependencies installed here"),
                        );
                    }
                }
            }
        }
    }
    hits
}

/// The stage a `--from` value names (by name or index).
fn stage_ref(ctx: &Ctx, value: &str) -> Option<usize> {
    if let Some(stage) = ctx.model.stage_named(value) {
        return Some(stage.index);
    }
    value
        .parse::<usize>()
        .ok()
        .filter(|&i| i < ctx.model.stages().len())
}

/// npm/yarn/pnpm installs of a stage that keep dev dependencies and are
/// not pruned later: (command span, directory, command text).
fn dev_installs(ctx: &Ctx, stage: usize) -> Vec<(Span, String, String)> {
    let mut found = Vec::new();
    let mut pruned_after: Option<usize> = None;
    for (i, ins) in ctx.stage_instructions(stage) {
        if ins.keyword != Keyword::Run {
            continue;
        }
        let commands = ctx.commands(i);
        for (ci, cmd) in commands.iter().enumerate() {
            let words: Vec<&str> = cmd.args.iter().filter_map(|a| a.value.as_deref()).collect();
            let is_prune = (cmd.name == "npm" && words.first() == Some(&"prune"))
                || (cmd.name == "yarn" || cmd.name == "pnpm") && words.first() == Some(&"prune");
            if is_prune && words.iter().any(|w| PRODUCTION_FLAGS.contains(w)) {
                pruned_after = Some(i * 10_000 + ci);
            }
        }
        let production_env = ctx.var_at(i, "NODE_ENV").is_some_and(|v| v == "production");
        for op in ctx.package_ops(i) {
            let manager = key(&op.manager);
            if !matches!(manager.as_str(), "npm" | "yarn" | "pnpm") || key(&op.action) != "install"
            {
                continue;
            }
            let Some(cmd) = commands.get(op.command) else {
                continue;
            };
            let global = op.flags.iter().any(|f| f == "-g" || f == "--global")
                || cmd
                    .args
                    .iter()
                    .any(|a| a.value.as_deref() == Some("global"));
            let production = op
                .flags
                .iter()
                .any(|f| PRODUCTION_FLAGS.contains(&f.as_str()))
                || production_env;
            // `npm install pkg` adds one package; only a bare install (or
            // `ci`) installs the dev dependencies of package.json.
            if global || production || !op.packages.is_empty() {
                continue;
            }
            found.push((
                i * 10_000 + op.command,
                cmd.span,
                workdir_at(ctx, i),
                command_text(cmd),
            ));
        }
    }
    found
        .into_iter()
        .filter(|(order, ..)| pruned_after.is_none_or(|p| p < *order))
        .map(|(_, span, dir, text)| (span, dir, text))
        .collect()
}

/// Where a package install puts its files, when it can be told: (path
/// glob, description).
fn install_location(
    ctx: &Ctx,
    index: usize,
    op: &PackageOp,
    cmd: &Command,
) -> Option<(String, String)> {
    let value_after = |names: &[&str]| -> Option<String> {
        let args = &cmd.args;
        args.iter().enumerate().find_map(|(k, a)| {
            let v = a.value.as_deref()?;
            for n in names {
                if v == *n {
                    return args.get(k + 1)?.value.clone();
                }
                if let Some(rest) = v.strip_prefix(&format!("{n}=")) {
                    return Some(rest.to_string());
                }
            }
            None
        })
    };
    let abs = |p: String| {
        if p.starts_with('/') {
            clean_path(&p)
        } else {
            clean_path(&format!("{}/{p}", workdir_at(ctx, index)))
        }
    };
    match key(&op.manager).as_str() {
        "pip" => {
            if let Some(t) = value_after(&["--target", "-t"]) {
                let t = abs(t);
                return Some((t.clone(), t));
            }
            if let Some(p) = value_after(&["--prefix", "--root"]) {
                let p = abs(p);
                return Some((p.clone(), p));
            }
            if let Some(venv) = ctx.var_at(index, "VIRTUAL_ENV") {
                return Some((clean_path(&venv), clean_path(&venv)));
            }
            if op.flags.iter().any(|f| f == "--user") {
                return Some(("/root/.local".into(), "/root/.local".into()));
            }
            Some((
                "/usr/*/lib/python*".into(),
                "the system site-packages (/usr/local/lib/python3.*/site-packages)".into(),
            ))
        }
        "npm" if op.flags.iter().any(|f| f == "-g" || f == "--global") => Some((
            "/usr/*/lib/node_modules".into(),
            "the global node_modules (/usr/local/lib/node_modules)".into(),
        )),
        "gem" => Some((
            "/usr/local/bundle".into(),
            "the gem home (/usr/local/bundle in the ruby images)".into(),
        )),
        _ => None,
    }
}

fn install_not_copied(ctx: &Ctx) -> Vec<Hit> {
    let mut hits = Vec::new();
    for stage in 0..ctx.model.stages().len() {
        if ctx.role(stage) != Role::Builder {
            continue;
        }
        let copies = ctx.copies_from(stage);
        // Only stages consumed purely by COPY --from: a FROM child inherits
        // everything.
        let consumed_otherwise = ctx
            .model
            .edges()
            .iter()
            .any(|e| e.source == Source::Stage(stage) && e.kind != EdgeKind::CopyFrom);
        if copies.is_empty() || consumed_otherwise {
            continue;
        }
        let sources: Vec<(Span, String)> = copies
            .iter()
            .flat_map(|&(_, ci)| {
                copy_sources(ctx.instruction(ci))
                    .iter()
                    .map(|w| (w.span, unquote(&w.text).to_string()))
            })
            .collect();
        for (i, _) in ctx.stage_instructions(stage) {
            let commands = ctx.commands(i);
            for op in ctx.package_ops(i) {
                if key(&op.action) != "install" {
                    continue;
                }
                let Some(cmd) = commands.get(op.command) else {
                    continue;
                };
                // Upgrading the installer itself is not an artifact.
                let tooling = ["pip", "setuptools", "wheel"];
                let only_tooling = !op.packages.is_empty()
                    && op
                        .packages
                        .iter()
                        .all(|p| tooling.contains(&p.name.as_str()));
                let has_work = !op.packages.is_empty()
                    || cmd.args.iter().any(|a| {
                        matches!(
                            a.value.as_deref(),
                            Some("-r" | "--requirement" | "-e" | ".")
                        ) || a
                            .value
                            .as_deref()
                            .is_some_and(|v| v.starts_with("--requirement=") || v.starts_with("-r"))
                    });
                if only_tooling || !has_work {
                    continue;
                }
                let Some((location, described)) = install_location(ctx, i, op, cmd) else {
                    continue;
                };
                let copied = sources.iter().any(|(_, s)| {
                    let s = if s.starts_with('/') {
                        s.clone()
                    } else {
                        format!("/{s}")
                    };
                    covers(&s, &location) || covers(&location, &s) && location.contains('*')
                });
                if copied {
                    continue;
                }
                let list: Vec<&str> = sources.iter().map(|(_, s)| s.as_str()).collect();
                let mut hit = Hit::at(cmd.span)
                    .var("command", command_text(cmd))
                    .var("location", described)
                    .var("from", ctx.stage_label(stage))
                    .var("copied", list.join(", "));
                for (span, _) in &sources {
                    hit = hit.label(*span, "only this is copied out");
                }
                hits.push(hit);
            }
        }
    }
    hits
}

// ---------------------------------------------------------------------------
// The directory around the file
// ---------------------------------------------------------------------------

fn builder_pattern(ctx: &Ctx) -> Vec<Hit> {
    let Some(dir) = ctx.dir else {
        return Vec::new();
    };
    let Some(first) = ctx.model.stages().first() else {
        return Vec::new();
    };
    let file_name = std::path::Path::new(ctx.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for script in ctx.dirs.scripts(dir).iter() {
        let (script_name, text) = (&script.name, &script.text);
        let Some(cp_line) = text.lines().position(|l| {
            let l = l.trim_start();
            !l.starts_with('#') && (l.contains("docker cp ") || l.contains("docker container cp "))
        }) else {
            continue;
        };
        let mentions = text.contains(&file_name)
            || (file_name == "Dockerfile" && text.contains("docker build"));
        if !mentions {
            continue;
        }
        return vec![
            Hit::at(first.span)
                .var("script", script_name)
                .var("line", (cp_line + 1).to_string())
                .var("dir", dir.display().to_string()),
        ];
    }
    Vec::new()
}

// ---------------------------------------------------------------------------
// Stage graph and bases
// ---------------------------------------------------------------------------

fn stage_graph(ctx: &Ctx, check: GraphCheck) -> Vec<Hit> {
    let stages = ctx.model.stages();
    let mut hits = Vec::new();
    match check {
        GraphCheck::CopyFromIndex => {
            for ins in &ctx.df.instructions {
                let Some(flag) = copy_from(ins) else { continue };
                let value = flag.value().unwrap_or("");
                let Ok(index) = value.parse::<usize>() else {
                    continue;
                };
                let Some(stage) = stages.get(index) else {
                    continue;
                };
                let mut hit = Hit::at(flag.span)
                    .var("reference", value)
                    .var("stage", ctx.stage_label(index))
                    .label(stage.span, "this stage");
                if let Some(name) = &stage.name {
                    let at = flag.span.start + flag.text.len() - value.len();
                    hit.fix = Some((
                        format!("refer to the stage by its name `{name}`"),
                        vec![(Span::new(at, flag.span.end), name.clone())],
                    ));
                }
                hits.push(hit);
            }
        }
        GraphCheck::UnusedStage => {
            for stage in stages {
                if ctx.role(stage.index) == Role::Unused {
                    let span = stage.name_span.unwrap_or(stage.span);
                    hits.push(Hit::at(span).var("stage", ctx.stage_label(stage.index)));
                }
            }
        }
        GraphCheck::DuplicateName => {
            let mut seen: BTreeMap<String, &crate::dockerfile::model::Stage> = BTreeMap::new();
            for stage in stages {
                let (Some(name), Some(span)) = (&stage.name, stage.name_span) else {
                    continue;
                };
                if let Some(first) = seen.get(name) {
                    let line = super::finding::position_of(&ctx.df.source, first.span.start).line;
                    hits.push(
                        Hit::at(span)
                            .var("stage", name)
                            .var("first_line", line.to_string())
                            .label(first.name_span.unwrap_or(first.span), "first defined here"),
                    );
                } else {
                    seen.insert(name.clone(), stage);
                }
            }
        }
        GraphCheck::ReservedName => {
            for stage in stages {
                if let (Some(name), Some(span)) = (&stage.name, stage.name_span)
                    && (name == "scratch" || name == "context")
                {
                    hits.push(Hit::at(span).var("stage", name));
                }
            }
        }
        GraphCheck::ShadowsImage => {
            let mut images: Vec<String> = ctx.data.well_known_images.clone();
            for stage in stages {
                if let Source::Image(r) = &stage.base {
                    images.push(split_image(r).0);
                }
            }
            for stage in stages {
                if let (Some(name), Some(span)) = (&stage.name, stage.name_span)
                    && images.iter().any(|i| i == name)
                {
                    hits.push(Hit::at(span).var("stage", name));
                }
            }
        }
        GraphCheck::FromUnknownStage => {
            for ins in &ctx.df.instructions {
                let Some(flag) = copy_from(ins) else { continue };
                let value = flag.value().unwrap_or("");
                let looks_like_image = value.contains([':', '/', '@', '$']);
                if value.is_empty()
                    || looks_like_image
                    || value.parse::<usize>().is_ok()
                    || ctx.model.stage_named(value).is_some()
                {
                    continue;
                }
                hits.push(Hit::at(flag.span).var("reference", value));
            }
        }
        GraphCheck::WholeStageCopy => {
            for (i, ins) in ctx.df.instructions.iter().enumerate() {
                let Some(flag) = copy_from(ins) else { continue };
                let whole = copy_sources(ins)
                    .iter()
                    .any(|w| clean_path(&format!("/{}", unquote(&w.text))) == "/");
                if whole && ctx.model.stage_of(i).is_some() {
                    hits.push(
                        Hit::at(ins.span.join(flag.span))
                            .var("reference", flag.value().unwrap_or("")),
                    );
                }
            }
        }
    }
    hits
}

fn base_tag(ctx: &Ctx) -> Vec<Hit> {
    let mut hits = Vec::new();
    for stage in ctx.model.stages() {
        let Source::Image(reference) = &stage.base else {
            continue;
        };
        let (_, tag, digest) = split_image(reference);
        if digest {
            continue;
        }
        let untagged = !stage
            .base_name
            .rsplit('/')
            .next()
            .unwrap_or("")
            .contains(':');
        if untagged || tag == "latest" {
            hits.push(Hit::at(stage.base_span).var("image", reference));
        }
    }
    hits
}

fn secret_name(ctx: &Ctx, tokens: &[String], allow: &[String], allow_names: &[String]) -> Vec<Hit> {
    let mut hits = Vec::new();
    for ins in &ctx.df.instructions {
        let names: Vec<(&str, Span)> = match ins.keyword {
            Keyword::Arg => ins
                .args
                .iter()
                .map(|w| (w.text.split('=').next().unwrap_or(""), w.span))
                .collect(),
            // BuildKit's ENV chain alternates key and value.
            Keyword::Env => ins
                .args
                .iter()
                .step_by(2)
                .map(|w| (w.text.as_str(), w.span))
                .collect(),
            _ => continue,
        };
        for (name, span) in names {
            if allow_names.iter().any(|a| a.eq_ignore_ascii_case(name)) {
                continue;
            }
            let parts: Vec<String> = name
                .split(['_', '-', '.'])
                .map(str::to_ascii_lowercase)
                .collect();
            let secret = parts.iter().any(|p| tokens.contains(p));
            let harmless = parts.iter().any(|p| allow.contains(p));
            if secret && !harmless {
                let len = name.len().min(span.len());
                hits.push(
                    Hit::at(Span::new(span.start, span.start + len))
                        .var("name", name)
                        .var("instruction", ins.name.to_ascii_uppercase()),
                );
            }
        }
    }
    hits
}

/// Archive suffixes ADD extracts.
const ARCHIVES: &[&str] = &[
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".tzst",
    ".gz", ".bz2", ".xz", ".zst",
];

fn instruction(ctx: &Ctx, check: InstructionCheck) -> Vec<Hit> {
    let mut hits = Vec::new();
    for ins in &ctx.df.instructions {
        match check {
            InstructionCheck::AddLocalFile => {
                if ins.keyword != Keyword::Add || !ins.heredocs.is_empty() {
                    continue;
                }
                let sources = copy_sources(ins);
                let local = !sources.is_empty()
                    && sources.iter().all(|w| {
                        let t = unquote(&w.text).to_ascii_lowercase();
                        !(t.contains("://")
                            || t.starts_with("git@")
                            || t.contains('$')
                            || ARCHIVES.iter().any(|a| t.ends_with(a)))
                    });
                // ADD --checksum / --keep-git-dir only make sense for remote
                // sources; --link and --chown/--chmod exist on COPY too.
                let add_only_flags = ins
                    .flags
                    .iter()
                    .any(|f| matches!(f.name(), "checksum" | "keep-git-dir" | "unpack"));
                if !local || add_only_flags {
                    continue;
                }
                let copy = if ins.name.chars().all(|c| c.is_ascii_lowercase()) {
                    "copy"
                } else {
                    "COPY"
                };
                let mut hit = Hit::at(ins.name_span)
                    .var("instruction", "ADD")
                    .var("source", unquote(&sources[0].text));
                hit.fix = Some((
                    "use COPY".to_string(),
                    vec![(ins.name_span, copy.to_string())],
                ));
                hits.push(hit);
            }
            InstructionCheck::ShellFormExec => {
                if !matches!(ins.keyword, Keyword::Cmd | Keyword::Entrypoint) || ins.json {
                    continue;
                }
                let Some(first) = ins.args.first() else {
                    continue;
                };
                let span = ins.args.iter().fold(first.span, |s, w| s.join(w.span));
                let text = &ctx.df.source[span.start..span.end];
                let mut hit = Hit::at(span)
                    .var("instruction", ins.name.to_ascii_uppercase())
                    .var("source", text);
                let plain = !text.contains(|c: char| "$`\\\"'|&;<>()*?[]~#{}\n\r".contains(c));
                if plain && ins.keyword == Keyword::Cmd && ctx.df.escape == '\\' {
                    let words: Vec<String> = text
                        .split_whitespace()
                        .map(|w| format!("\"{w}\""))
                        .collect();
                    hit.fix = Some((
                        "use the JSON (exec) form".to_string(),
                        vec![(span, format!("[{}]", words.join(", ")))],
                    ));
                }
                hits.push(hit);
            }
        }
    }
    hits
}

fn final_user(ctx: &Ctx) -> Vec<Hit> {
    let stages = ctx.model.stages();
    let mut hits = Vec::new();
    for stage in stages {
        if ctx.role(stage.index) != Role::Final {
            continue;
        }
        // Only the image a stage produces counts: skip a final stage that
        // another final stage builds on.
        let is_parent = stages
            .iter()
            .any(|s| s.base == Source::Stage(stage.index) && ctx.role(s.index) == Role::Final);
        if is_parent {
            continue;
        }
        let mut at = stage.index;
        let mut last_user: Option<(usize, &Instruction)> = None;
        let mut base_image = None;
        for _ in 0..=stages.len() {
            last_user = ctx
                .stage_instructions(at)
                .filter(|(_, i)| i.keyword == Keyword::User)
                .last();
            if last_user.is_some() {
                break;
            }
            match &stages[at].base {
                Source::Stage(p) if *p < at => at = *p,
                Source::Image(r) => {
                    base_image = Some(r.clone());
                    break;
                }
                _ => break,
            }
        }
        match last_user {
            Some((i, user)) => {
                let Some(word) = user.args.first() else {
                    continue;
                };
                let value = ctx
                    .model
                    .expand(i, &word.text)
                    .map(|e| e.word)
                    .unwrap_or_else(|_| word.text.clone());
                let name = value.split(':').next().unwrap_or("");
                if name == "root" || name == "0" {
                    hits.push(
                        Hit::at(word.span)
                            .var("stage", ctx.stage_label(stage.index))
                            .var("user", value),
                    );
                }
            }
            None => {
                // Images that already default to a non-root user.
                if base_image.as_deref().is_some_and(|b| b.contains("nonroot")) {
                    continue;
                }
                hits.push(
                    Hit::at(stage.span)
                        .var("stage", ctx.stage_label(stage.index))
                        .var("user", "root (no USER)"),
                );
            }
        }
    }
    hits
}

/// The registry an image comes from: its first component when that names a
/// host, else Docker Hub.
fn registry_of(reference: &str) -> &str {
    match reference.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => first,
        _ => "docker.io",
    }
}

fn untrusted_registry(ctx: &Ctx) -> Vec<Hit> {
    if ctx.trusted.is_empty() {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for stage in ctx.model.stages() {
        let Source::Image(reference) = &stage.base else {
            continue;
        };
        let registry = registry_of(reference);
        let trusted = ctx.trusted.iter().any(|t| {
            glob_match(t, registry)
                || (t == "hub.docker.com" || t == "index.docker.io") && registry == "docker.io"
        });
        if !trusted {
            hits.push(
                Hit::at(stage.base_span)
                    .var("image", reference)
                    .var("registry", registry),
            );
        }
    }
    hits
}
