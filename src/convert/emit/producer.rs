//! The producers' stages: the builder Dockerfile's stages, with the stage
//! its container ran named, and a `run` stage for each `docker run` that
//! did build work.

use super::*;

/// The image a producing container ran: a stage of the output, or an
/// image the script did not build.
struct Base {
    /// The name FROM and COPY --from use.
    reference: String,
    /// The stage ends as a non-root user.
    non_root: bool,
    /// The stages, as text, when the script built the image.
    text: Option<String>,
    /// The ENTRYPOINT and CMD the image ends with.
    command: ImageCommand,
}

impl Converter<'_> {
    /// The stages of the container `c` whose files the group copies, and
    /// the stage (per runtime) they are copied from.
    pub(super) fn emit_producer(
        &mut self,
        g: &Group,
        c: usize,
        options: &Options,
        e: &mut Emission,
    ) -> Result<(), Status> {
        let container = self.flow.containers[c].clone();
        let base = match &container.image {
            ImageRef::Build(b) => self.builder_producer(g, c, *b, options, e)?,
            ImageRef::External(image) => Base {
                reference: image.clone(),
                non_root: false,
                text: None,
                command: ImageCommand::default(),
            },
        };
        let (reference, non_root) = match container.run.as_ref().filter(|_| !container.reads_only) {
            Some(run) => {
                let non_root = base.non_root;
                let (name, run_user) = self.run_producer(g, &container, run, base, e);
                (name, non_root || run_user)
            }
            None => {
                e.sections.extend(base.text);
                (base.reference, base.non_root)
            }
        };
        self.post_process(g, c, reference, non_root, e);
        Ok(())
    }

    /// The builder build `b` of container `c` as stages: the stage the
    /// container ran.
    fn builder_producer(
        &mut self,
        g: &Group,
        c: usize,
        b: usize,
        options: &Options,
        e: &mut Emission,
    ) -> Result<Base, Status> {
        let container = &self.flow.containers[c];
        let runs_work = container.run.is_some() && !container.reads_only;
        let bb = self.flow.builds[b].clone();
        let bargs: BTreeMap<String, String> = bb
            .build_args
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
            .collect();
        for (k, v) in &bargs {
            match e.builder_args.get(k) {
                Some((old, _)) if old != v => self.script_diag(
                    Severity::Error,
                    "conflicting-build-arg",
                    format!("`--build-arg {k}` differs between the builds (`{old}` and `{v}`)"),
                    bb.at,
                    Some("give the ARG a default in the Dockerfile instead".to_string()),
                ),
                Some(_) => {}
                None => {
                    e.builder_args.insert(k.clone(), (v.clone(), bb.at));
                }
            }
        }
        let Some(src) = self.read(&bb.dockerfile, &bargs, bb.target.clone(), bb.at) else {
            return Err(Status::Unsupported);
        };
        if src.file.escape != g.first_escape {
            self.file_diag(
                Severity::Error,
                "escape-mismatch",
                "the builder and runtime Dockerfiles use different escape characters".to_string(),
                &src,
                Span::default(),
            );
        }
        let host_then = self.flow.host_at_build[b].clone();
        self.check_host_reads(&host_then, &bb.dockerfile, "the builder build", true);
        for read in reads_of(&src, None) {
            if let Some(path) = hostfs::normalize(&join(&bb.context, &read)) {
                let literal: Vec<&str> = path
                    .split('/')
                    .take_while(|s| !s.contains(['*', '?', '[']))
                    .collect();
                self.check_host_reads(&host_then, &literal.join("/"), "the builder build", true);
            }
        }
        e.views.push(View {
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
        let (name, text, user, pre) = self.builder_section(&src, &wanted, &bb.context, &g.context);
        let target = src.model.target().unwrap_or(0);
        let image_cmd = image_command(&src, target);
        if runs_work {
            e.volumes.insert(c, stage_volumes(&src, target));
        }
        e.hoisted.extend(pre);
        e.stage_infos.push(StageInfo {
            name: Some(name.clone()),
            role: "builder",
            from: bb.dockerfile.clone(),
        });
        Ok(Base {
            reference: name,
            non_root: user.is_some_and(|u| !is_root(&u)) || may_leave_other_owners(&src),
            text: Some(text),
            command: image_cmd,
        })
    }

    /// The `run` stage of a container that did build work, after its
    /// image's stages (`base`). Returns its name and whether it runs as a
    /// non-root user.
    fn run_producer(
        &mut self,
        g: &Group,
        container: &crate::flow::Container,
        run: &crate::script::docker::Run,
        base: Base,
        e: &mut Emission,
    ) -> (String, bool) {
        let name = self.unique_name(&format!("{}-run", stage_base(&base.reference)));
        let (text, run_user) = self.run_section(
            &name,
            &base.reference,
            run,
            &base.command,
            &container.prepared_dirs,
            &g.context,
        );
        if let Some(before) = container.host_before.clone() {
            for m in &run.mounts {
                if let Some(h) = m.source.as_lit().and_then(|s| hostfs::normalize(&s)) {
                    self.check_host_reads(&before, &h, "the container's bind mount", true);
                }
            }
        }
        for m in &run.mounts {
            if let Some(h) = m.source.as_lit().and_then(|s| hostfs::normalize(&s)) {
                e.views.push(View {
                    context: h,
                    ignore: None,
                    reads: vec![".".to_string()],
                    mount: true,
                    stage: None,
                    at: Some(m.at),
                });
            }
        }
        e.sections.extend(base.text);
        e.stage_infos.push(StageInfo {
            name: Some(name.clone()),
            role: "run",
            from: base.reference,
        });
        e.sections.push(text);
        (name, run_user)
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

/// `ENV` text for a `-e K=V` value.
fn quote_env(kv: &str) -> String {
    match kv.split_once('=') {
        Some((k, v)) if v.contains(char::is_whitespace) || v.is_empty() => {
            format!("{k}={}", serde_json::to_string(v).unwrap_or_default())
        }
        _ => kv.to_string(),
    }
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

/// Commands that can leave files owned by a user other than the one that
/// ran them: `docker cp` hands every file to the host's user and the legacy
/// COPY makes it root's, while `COPY --from` keeps the owners a stage left.
/// (`tar` counts when it extracts: members keep the archive's owners.)
const OWNER_CHANGING: &[&str] = &["chown", "chgrp", "rsync", "cpio", "useradd", "adduser"];

/// True when the stages the builder's target builds may leave files not
/// owned by root: a RUN that runs an owner-changing command, a COPY/ADD
/// with `--chown` or from another stage or image (owners kept), an ADD
/// (archives keep theirs).
fn may_leave_other_owners(src: &Source) -> bool {
    src.file.instructions.iter().enumerate().any(|(i, instr)| {
        if !src
            .model
            .stage_of(i)
            .is_some_and(|s| src.model.is_reachable(s))
        {
            return false;
        }
        match instr.keyword {
            Keyword::Run => instr.arg_texts().any(|text| {
                let words: Vec<&str> = text
                    .split(|c: char| c.is_whitespace() || ";&|()`'\"".contains(c))
                    .filter(|w| !w.is_empty())
                    .collect();
                words.iter().enumerate().any(|(k, w)| {
                    let name = w.rsplit('/').next().unwrap_or(w);
                    OWNER_CHANGING.contains(&name)
                        || (name == "tar" && tar_extracts(&words[k + 1..]))
                })
            }),
            Keyword::Copy => instr.flag("chown").is_some() || instr.flag("from").is_some(),
            Keyword::Add => true,
            _ => false,
        }
    })
}

/// True when `tar`'s first words ask it to extract (`xzf`, `-xf`,
/// `--extract`); later words are file names.
fn tar_extracts(args: &[&str]) -> bool {
    args.iter().take(4).any(|a| {
        *a == "--extract"
            || *a == "--get"
            || (!a.starts_with("--") && !a.contains(['/', '.', '=']) && a.contains('x'))
    })
}

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user);
    name == "root" || name == "0"
}
