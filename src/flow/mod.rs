//! The builder→runtime flow of a legacy setup, reconstructed from the
//! evaluated driver script.
//!
//! [`Flow::from_trace`] walks the script's commands in execution order and
//! keeps the state a real run would have: which images were built from which
//! Dockerfile and context, which containers exist and from which image, and
//! what the host directory holds ([`hostfs::HostFs`]) as `docker cp`,
//! `docker run` bind mounts and host commands (`mkdir`, `mv`, `chmod`,
//! `tar -x`...) change it. Each image build keeps a snapshot of the host
//! directory as it was when the build ran, which is what its COPY sources
//! read.

pub mod commands;
pub mod hostfs;
pub mod tar;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::script::docker::{self, CpPath, DockerCall};
use crate::script::{Arg, Command, Condition, Location, Part, Trace, Value};
use hostfs::{HostFs, PostStep, StepWord, join, normalize};

/// One `docker build`.
#[derive(Debug, Clone)]
pub struct ImageBuild {
    /// The script step.
    pub step: usize,
    /// `-t` tags as written (unknown parts shown symbolically).
    pub tags: Vec<String>,
    /// The Dockerfile, relative to the setup directory.
    pub dockerfile: String,
    /// The context directory, relative to the setup directory ("" for it).
    pub context: String,
    /// `--build-arg` values: name and value (None: taken from the environment).
    pub build_args: Vec<(String, Option<String>)>,
    /// `--target`.
    pub target: Option<String>,
    /// Where the command is.
    pub at: Location,
}

/// The image a container runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRef {
    /// An image the script built (index into [`Flow::builds`]).
    Build(usize),
    /// Any other image, by reference.
    External(String),
}

/// A container the script created or ran.
#[derive(Debug, Clone)]
pub struct Container {
    /// The script step that created it.
    pub step: usize,
    /// `--name`, when given.
    pub name: Option<String>,
    /// Its image.
    pub image: ImageRef,
    /// For `docker run`: what it ran, which is build work to move into a
    /// stage, unless it only read files out (see `reads_only`).
    pub run: Option<docker::Run>,
    /// Directories (container paths) that existed in its bind mounts only
    /// because the script created them on the host before it ran.
    pub prepared_dirs: Vec<String>,
    /// What `docker create` was given, run when `docker start` starts it.
    pub created: Option<docker::Run>,
    /// True for a `docker run` that only streamed files out of its image
    /// (`cat FILE > out`, `tar -c ... | tar -x`): no build work to redo.
    pub reads_only: bool,
    /// The host directory as the container's command found it (its bind
    /// mounts read it), for a container that ran.
    pub host_before: Option<Arc<HostFs>>,
    /// Where the command is.
    pub at: Location,
}

/// Something the flow cannot resolve, with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What went wrong.
    pub message: String,
    /// The script text it is about.
    pub at: Location,
    /// What would resolve it.
    pub help: Option<String>,
}

/// The reconstructed flow.
#[derive(Debug, Clone)]
pub struct Flow {
    /// Image builds, in order.
    pub builds: Vec<ImageBuild>,
    /// The host directory as each build saw it (same index as `builds`).
    pub host_at_build: Vec<Arc<HostFs>>,
    /// Containers, in order.
    pub containers: Vec<Container>,
    /// Container→host copies: (container, container path, host path, step).
    pub transfers: Vec<(usize, String, String, usize)>,
    /// What could not be resolved.
    pub problems: Vec<Problem>,
    /// Directories to create in a container's mounts before its command
    /// runs: (container, path), moved into `Container::prepared_dirs`.
    prepared: Vec<(usize, String)>,
    /// How many times the script took files out of a container (`docker cp`
    /// to the host, `docker run` writing to the host), resolved or not.
    pub extractions: usize,
    /// Steps of `tar -x` commands that unpacked a container's stream.
    stream_consumers: Vec<usize>,
}

/// The host directory as builds and containers saw it. Consecutive
/// snapshots of an unchanged host share one copy: a script that builds in a
/// loop (or sources itself) would otherwise hold one copy per build.
#[derive(Default)]
struct Snapshots {
    last: Option<Arc<HostFs>>,
}

impl Snapshots {
    fn of(&mut self, host: &HostFs) -> Arc<HostFs> {
        match &self.last {
            Some(last) if **last == *host => last.clone(),
            _ => {
                let snapshot = Arc::new(host.clone());
                self.last = Some(snapshot.clone());
                snapshot
            }
        }
    }
}

/// Renders a value for use as a key or in messages.
fn text(v: &Value) -> String {
    v.to_string()
}

impl Flow {
    /// Replays `trace` (the driver run from `dir`) and returns the flow.
    pub fn from_trace(trace: &Trace, dir: &Path) -> Flow {
        let mut flow = Flow {
            builds: Vec::new(),
            host_at_build: Vec::new(),
            containers: Vec::new(),
            transfers: Vec::new(),
            problems: Vec::new(),
            extractions: 0,
            prepared: Vec::new(),
            stream_consumers: Vec::new(),
        };
        let mut host = HostFs::new(dir);
        let mut snapshots = Snapshots::default();
        let mut tags: HashMap<String, usize> = HashMap::new();
        let mut names: HashMap<String, usize> = HashMap::new();
        let mut by_step: HashMap<usize, usize> = HashMap::new();

        for (step, cmd) in trace.commands.iter().enumerate() {
            if cmd.condition == Condition::OnFailure {
                continue;
            }
            let Some(call) = docker::recognize(cmd) else {
                flow.host_command(&mut host, cmd, step);
                continue;
            };
            match call {
                DockerCall::Build(b) => {
                    let cwd = cwd_of(cmd);
                    let context = b
                        .context
                        .as_ref()
                        .map(|c| path_arg(&cwd, c))
                        .unwrap_or(Ok(cwd.clone()));
                    let context = match context {
                        Ok(c) => c,
                        Err(p) => {
                            flow.problems.push(p);
                            continue;
                        }
                    };
                    let dockerfile = match &b.file {
                        // The docker CLI reads -f relative to the current
                        // directory, not to the context.
                        Some(f) => match path_arg(&cwd, f) {
                            Ok(p) => p,
                            Err(p) => {
                                flow.problems.push(p);
                                continue;
                            }
                        },
                        None => join(&context, "Dockerfile"),
                    };
                    let index = flow.builds.len();
                    let tag_texts: Vec<String> = b.tags.iter().map(|t| text(&t.value)).collect();
                    for t in &tag_texts {
                        tags.insert(t.clone(), index);
                        tags.insert(without_latest(t), index);
                    }
                    flow.builds.push(ImageBuild {
                        step,
                        tags: tag_texts,
                        dockerfile,
                        context,
                        build_args: b.build_args.iter().map(build_arg).collect(),
                        target: b.target.as_ref().map(|t| text(&t.value)),
                        at: cmd.at,
                    });
                    flow.host_at_build.push(snapshots.of(&host));
                }
                DockerCall::Create(c) => {
                    let image = image_ref(&tags, &c.image);
                    let index = flow.containers.len();
                    let name = c.name.as_ref().map(|n| text(&n.value));
                    if let Some(n) = &name {
                        names.insert(n.clone(), index);
                    }
                    by_step.insert(step, index);
                    flow.containers.push(Container {
                        step,
                        name,
                        image,
                        run: None,
                        prepared_dirs: Vec::new(),
                        created: Some(c),
                        reads_only: false,
                        host_before: None,
                        at: cmd.at,
                    });
                }
                DockerCall::Run(r) => {
                    let image = image_ref(&tags, &r.image);
                    let index = flow.containers.len();
                    let name = r.name.as_ref().map(|n| text(&n.value));
                    if let Some(n) = &name {
                        names.insert(n.clone(), index);
                    }
                    by_step.insert(step, index);
                    // A run counts as taking files out only when it writes to
                    // the host (bind mounts, captured output); a test run
                    // does not.
                    let before = flow.transfers.len();
                    let host_before = Some(snapshots.of(&host));
                    let reads_only = flow.run_outputs(&mut host, cmd, &r, index, step, trace);
                    if flow.transfers.len() > before {
                        flow.extractions += 1;
                    }
                    flow.containers.push(Container {
                        step,
                        name,
                        image,
                        run: Some(r),
                        prepared_dirs: Vec::new(),
                        created: None,
                        reads_only,
                        host_before,
                        at: cmd.at,
                    });
                }
                DockerCall::Cp(cp) => match (&cp.source, &cp.dest) {
                    (CpPath::Container { .. }, _) => {
                        flow.extractions += 1;
                        flow.docker_cp(&mut host, cmd, &cp, &names, &by_step, step)
                    }
                    // Copying into a container hands nothing to the host.
                    (CpPath::Host(_), CpPath::Container { .. }) => {}
                    (CpPath::Host(source), CpPath::Host(_)) => {
                        flow.extractions += 1;
                        flow.problems.push(Problem {
                            message: format!(
                                "neither side of this `docker cp` names a container as `CONTAINER:PATH`: the source is {}",
                                describe(source)
                            ),
                            at: cp.at.0,
                            help: Some(
                                "name the container with `docker create --name NAME` and copy from `NAME:PATH`"
                                    .to_string(),
                            ),
                        });
                    }
                },
                DockerCall::Lifecycle { verb, containers } if verb == "start" => {
                    // A created container that is started runs its command:
                    // build work, like `docker run`.
                    for arg in &containers {
                        let Some(c) = flow.container_of(&arg.value, &names, &by_step, arg.at)
                        else {
                            continue;
                        };
                        if flow.containers[c].run.is_none()
                            && let Some(spec) = flow.containers[c].created.clone()
                        {
                            let before = flow.transfers.len();
                            flow.containers[c].host_before = Some(snapshots.of(&host));
                            flow.run_outputs(&mut host, cmd, &spec, c, step, trace);
                            if flow.transfers.len() > before {
                                flow.extractions += 1;
                            }
                            flow.containers[c].run = Some(spec);
                        }
                    }
                }
                DockerCall::Tag { source, target } => {
                    if let Some(&i) = tags.get(&text(&source.value)) {
                        tags.insert(text(&target.value), i);
                    }
                }
                DockerCall::Export { container, .. } | DockerCall::Commit { container, .. } => {
                    flow.extractions += 1;
                    flow.problems.push(Problem {
                        message: format!(
                            "`docker {}` of container `{}` is not converted",
                            cmd_verb(cmd),
                            text(&container.value)
                        ),
                        at: cmd.at,
                        help: Some("copy the files you need with `docker cp` instead".to_string()),
                    });
                }
                _ => {}
            }
        }
        // Name captured commands by their text rather than their index.
        for p in &mut flow.problems {
            let mut from = 0;
            while let Some(found) = p.message[from..].find("command #") {
                let at = from + found;
                let digits: String = p.message[at + 9..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                let named = digits
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| trace.commands.get(i))
                    .map(|c| {
                        c.argv
                            .iter()
                            .map(|a| text(&a.value))
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .unwrap_or_else(|| "a command".to_string());
                let replacement = format!("`{named}`");
                p.message
                    .replace_range(at..at + 9 + digits.len(), &replacement);
                from = at + replacement.len();
            }
        }
        for (c, dir) in std::mem::take(&mut flow.prepared) {
            if let Some(container) = flow.containers.get_mut(c) {
                container.prepared_dirs.push(dir);
            }
        }
        flow
    }

    fn container_of(
        &mut self,
        value: &Value,
        names: &HashMap<String, usize>,
        by_step: &HashMap<usize, usize>,
        at: Location,
    ) -> Option<usize> {
        if let [Part::Output(step)] = value.parts.as_slice()
            && let Some(&c) = by_step.get(step)
        {
            return Some(c);
        }
        if let Some(&c) = names.get(&text(value)) {
            return Some(c);
        }
        self.problems.push(Problem {
            message: format!(
                "the container named by {} is not one the script created",
                describe(value)
            ),
            at,
            help: Some(
                "create it with `docker create --name NAME IMAGE` in the same script".to_string(),
            ),
        });
        None
    }

    fn docker_cp(
        &mut self,
        host: &mut HostFs,
        cmd: &Command,
        cp: &docker::Cp,
        names: &HashMap<String, usize>,
        by_step: &HashMap<usize, usize>,
        step: usize,
    ) {
        let (CpPath::Container { container, path }, CpPath::Host(dest)) = (&cp.source, &cp.dest)
        else {
            return;
        };
        let Some(c) = self.container_of(container, names, by_step, cp.at.0) else {
            return;
        };
        let Some(src) = path.as_lit() else {
            self.problems
                .push(unknown_problem(path, cp.at.0, "the container path"));
            return;
        };
        let Some(dest_text) = dest.as_lit() else {
            self.problems
                .push(unknown_problem(dest, cp.at.1, "the host destination"));
            return;
        };
        let dest_path = match resolve_host(&cwd_of(cmd), &dest_text) {
            Some(p) => p,
            None => {
                self.problems.push(Problem {
                    message: format!(
                        "the destination `{dest_text}` is outside the setup directory"
                    ),
                    at: cp.at.1,
                    help: None,
                });
                return;
            }
        };
        let dest_path = if dest_text.ends_with('/') {
            format!("{dest_path}/")
        } else {
            dest_path
        };
        if let Err(message) = host.copy_out(c, &src, &dest_path, step) {
            self.problems.push(Problem {
                message,
                at: cmd.at,
                help: None,
            });
            return;
        }
        self.transfers
            .push((c, hostfs::container_path(&src), dest_path, step));
    }

    /// What a `docker run` leaves on the host: writes into read-write bind
    /// mounts of the setup directory, and its standard output when
    /// redirected to a file or piped into `tar -x`.
    fn run_outputs(
        &mut self,
        host: &mut HostFs,
        cmd: &Command,
        run: &docker::Run,
        index: usize,
        step: usize,
        trace: &Trace,
    ) -> bool {
        let cwd = cwd_of(cmd);
        let mut reads_only = false;
        for m in &run.mounts {
            if m.read_only {
                continue;
            }
            let (Some(src), Some(target)) = (m.source.as_lit(), m.target.as_lit()) else {
                continue;
            };
            if !(src.starts_with('.') || src.starts_with('/')) {
                continue; // a named volume
            }
            if let Some(h) = resolve_host(&cwd, &src) {
                for rel in host.created_dirs_under(&h) {
                    self.prepared
                        .push((index, format!("{}/{rel}", target.trim_end_matches('/'))));
                }
                host.merge_container_dir(index, &target, &h, step);
                self.transfers
                    .push((index, hostfs::container_path(&target), h, step));
            }
        }
        let words: Vec<String> = run
            .command
            .iter()
            .filter_map(|a| a.value.as_lit())
            .collect();
        if let Some(out) = cmd
            .redirects
            .iter()
            .find(|r| r.fd == 1 && (r.op == ">" || r.op == ">>"))
        {
            // `docker run img cat /path > file`.
            if let (Some(file), ["cat", path]) = (
                out.target.as_lit(),
                words
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .as_slice(),
            ) && let Some(h) = resolve_host(&cwd, &file)
            {
                if let Err(message) = host.copy_out(index, path, &h, step) {
                    self.problems.push(Problem {
                        message,
                        at: cmd.at,
                        help: None,
                    });
                } else {
                    // The shell creates the file: mode 0666 less the
                    // umask (022 assumed), whatever the container had.
                    let _ = host.post_step(&h, |rel| PostStep {
                        tool: "chmod".to_string(),
                        words: vec![
                            StepWord::Lit("chmod".to_string()),
                            StepWord::Lit("644".to_string()),
                            StepWord::Path(rel),
                        ],
                        at: cmd.at,
                    });
                    self.transfers
                        .push((index, hostfs::container_path(path), h, step));
                    reads_only = true;
                }
            }
        }
        if let Some(out) = cmd.redirects.iter().find(|r| r.fd == 1 && r.op == ">")
            && let Some(file) = out.target.as_lit()
            && let Some(h) = resolve_host(&cwd, &file)
            && let Some(entries) = tar_stream_entries(&words)
        {
            // `docker run img tar -czf - -C /app dist > dist.tgz`.
            for (container_path, _) in &entries {
                self.transfers
                    .push((index, container_path.clone(), h.clone(), step));
            }
            match host.archive_out(index, entries, &h, step) {
                Ok(()) => reads_only = true,
                Err(message) => self.problems.push(Problem {
                    message,
                    at: cmd.at,
                    help: None,
                }),
            }
        }
        if let Some((pipe, 0)) = cmd.pipeline
            && let Some(next) = stdin_reader(trace, pipe)
            && self.tar_stream(host, &words, &trace.commands[next], index, step)
        {
            // `docker run img tar -c ... | tar -x -C DEST`, in any spelling.
            self.stream_consumers.push(next);
            reads_only = true;
        }
        reads_only
    }

    /// A container's `tar -c` stream unpacked on the host by `next`
    /// (`tar -x`): each member lands under the extraction directory as it
    /// is in the container, less `--strip-components`. False when the two
    /// command lines are not such a pair.
    fn tar_stream(
        &mut self,
        host: &mut HostFs,
        words: &[String],
        next: &Command,
        index: usize,
        step: usize,
    ) -> bool {
        let Some(("tar", create_args)) = words.split_first().map(|(f, r)| (f.as_str(), r)) else {
            return false;
        };
        let Some(create) = tar::parse(create_args).filter(|t| t.mode == tar::TarMode::Create)
        else {
            return false;
        };
        if !matches!(create.file.as_deref(), None | Some("-")) {
            return false;
        }
        let next_words: Option<Vec<String>> = next.argv.iter().map(|a| a.value.as_lit()).collect();
        let Some(next_words) = next_words else {
            return false;
        };
        let Some((name, first)) =
            commands::command_name(&next_words.iter().cloned().map(Some).collect::<Vec<_>>())
        else {
            return false;
        };
        let Some(extract) = (name == "tar")
            .then(|| tar::parse(&next_words[first..]))
            .flatten()
            .filter(|t| t.mode == tar::TarMode::Extract && t.members.is_empty())
        else {
            return false;
        };
        if !matches!(extract.file.as_deref(), None | Some("-")) {
            return false;
        }
        let Some(cwd) = commands::cwd_of(next) else {
            return false;
        };
        let Some(dest) = resolve_host(&cwd, extract.dir.as_deref().unwrap_or(".")) else {
            return false;
        };
        let Some(dir) = create.dir.clone().or_else(|| Some("/".to_string())) else {
            return false;
        };
        if create.members.is_empty() {
            return false;
        }
        for m in &create.members {
            let m = m.trim_end_matches('/');
            let is_dot = m == "." || m == "./";
            let components = if is_dot {
                1
            } else {
                m.split('/').filter(|c| !c.is_empty() && *c != ".").count()
            };
            let container = if is_dot {
                dir.clone()
            } else {
                format!("{}/{m}", dir.trim_end_matches('/'))
            };
            let host_dir = match (is_dot, extract.strip_components) {
                (true, 0 | 1) => dest.clone(),
                (false, 0) => join(&dest, m.trim_start_matches("./")),
                (false, s) if s == components => dest.clone(),
                _ => {
                    self.problems.push(Problem {
                        message: format!(
                            "`--strip-components={}` of the member `{m}` flattens paths inside it, which is not modelled",
                            extract.strip_components
                        ),
                        at: next.at,
                        help: None,
                    });
                    return true;
                }
            };
            host.merge_container_dir(index, &container, &host_dir, step);
            self.transfers
                .push((index, hostfs::container_path(&container), host_dir, step));
        }
        true
    }

    /// A host command, through the command table ([`commands::classify`]):
    /// modelled operations change the host model, transformations are
    /// recorded on the artifacts they change, and anything else marks what
    /// it may have touched.
    fn host_command(&mut self, host: &mut HostFs, cmd: &Command, step: usize) {
        if cmd.pipeline.is_some_and(|(_, pos)| pos > 0) && self.stream_consumers.contains(&step) {
            return; // the `tar -x` fed by a container's stream, already applied
        }
        match commands::classify(cmd) {
            commands::Effect::Inert => {}
            commands::Effect::Ops(ops) => {
                for op in ops {
                    self.host_op(host, cmd, step, op);
                }
            }
            commands::Effect::Transform(t) => {
                for (i, w) in t.words.iter().enumerate() {
                    let commands::Word::Path(p) = w else { continue };
                    let words = t.words.clone();
                    let tool = t.tool.clone();
                    let done = host.post_step(p, |rel| PostStep {
                        tool: tool.clone(),
                        words: words
                            .iter()
                            .enumerate()
                            .filter(|(j, w)| *j == i || !matches!(w, commands::Word::Path(_)))
                            .map(|(_, w)| match w {
                                commands::Word::Lit(l) => StepWord::Lit(l.clone()),
                                commands::Word::Path(_) => StepWord::Path(rel.clone()),
                            })
                            .collect(),
                        at: cmd.at,
                    });
                    if done.is_err() {
                        host.taint(
                            p,
                            format!("`{}` changes `{p}`, which is not an artifact taken out of a container, so it is not replayed", t.tool),
                            cmd.at,
                        );
                    }
                }
            }
            commands::Effect::Unknown { touches, reason } => {
                for p in touches {
                    host.taint(&p, reason.clone(), cmd.at);
                }
            }
        }
    }

    /// One modelled operation over the host model.
    fn host_op(&mut self, host: &mut HostFs, cmd: &Command, step: usize, op: commands::Op) {
        use commands::Op;
        let taint = |host: &mut HostFs, path: &str, why: String| host.taint(path, why, cmd.at);
        match op {
            Op::Mkdir { path, parents } => {
                // Inside an artifact directory the new directories are
                // made where the artifact is (`mkdir -p` of one the
                // container has changes nothing, as on the host).
                if inside_container_artifact(host, &path) {
                    let flag = if parents { "-p" } else { "--" };
                    if let Err(why) = host.post_step(&path, |rel| PostStep {
                        tool: "mkdir".to_string(),
                        words: vec![
                            StepWord::Lit("mkdir".to_string()),
                            StepWord::Lit(flag.to_string()),
                            StepWord::Path(rel),
                        ],
                        at: cmd.at,
                    }) {
                        taint(host, &path, why);
                    }
                } else {
                    host.mkdir(&path, parents);
                }
            }
            Op::Remove { path } => {
                // Inside an artifact the removal is replayed where the
                // artifact is made; elsewhere the model forgets the path.
                let inside = match host.resolve(&path) {
                    hostfs::Resolution::Layer { layer, rel } if !rel.is_empty() => Some(layer),
                    hostfs::Resolution::Mixed {
                        base: Some((layer, _)),
                        ..
                    } => Some(layer),
                    _ => None,
                };
                if let Some(layer) = inside {
                    let replayed =
                        matches!(host.layers[layer].origin, hostfs::Origin::Container { .. })
                            && host
                                .post_step(&path, |rel| PostStep {
                                    tool: "rm".to_string(),
                                    words: vec![
                                        StepWord::Lit("rm".to_string()),
                                        StepWord::Lit("-rf".to_string()),
                                        StepWord::Path(rel),
                                    ],
                                    at: cmd.at,
                                })
                                .is_ok();
                    if !replayed {
                        taint(
                            host,
                            &path,
                            format!(
                                "`rm` of `{path}`, inside what the script placed there, is not modelled"
                            ),
                        );
                        return;
                    }
                }
                host.remove(&path);
            }
            Op::Copy { src, dst, contents } => {
                if contents || host.move_path(&src, &dst, true, step).is_err() {
                    taint(host, &dst, format!("this copy of `{src}` is not modelled"));
                }
            }
            Op::Move { src, dst } => {
                if host.move_path(&src, &dst, false, step).is_err() {
                    taint(host, &dst, format!("`{src}` is not known to exist here"));
                }
            }
            Op::Symlink { link, target } => taint(
                host,
                &link,
                format!(
                    "`{link}` is a symbolic link to `{target}` made on the host, which is not modelled"
                ),
            ),
            Op::Chmod {
                mode,
                path,
                recursive,
            } => {
                let is_artifact = matches!(host.resolve(&path), hostfs::Resolution::Layer { layer, .. }
                    if matches!(host.layers[layer].origin, hostfs::Origin::Container { .. }));
                if is_artifact {
                    let mut words = vec![StepWord::Lit("chmod".to_string())];
                    if recursive {
                        words.push(StepWord::Lit("-R".to_string()));
                    }
                    words.push(StepWord::Lit(mode.clone()));
                    if let Err(why) = host.post_step(&path, |rel| PostStep {
                        tool: "chmod".to_string(),
                        words: words.iter().cloned().chain([StepWord::Path(rel)]).collect(),
                        at: cmd.at,
                    }) {
                        taint(host, &path, why);
                    }
                } else if recursive || !host.chmod_written(&path, &mode) {
                    taint(
                        host,
                        &path,
                        format!(
                            "`chmod {mode}` changes `{path}`, which is not an artifact or a file the script wrote"
                        ),
                    );
                }
            }
            Op::Touch { path } => {
                // Inside an artifact directory the file may or may not be
                // the container's: `touch` is replayed where it is made.
                if inside_container_artifact(host, &path) {
                    if let Err(why) = host.post_step(&path, |rel| PostStep {
                        tool: "touch".to_string(),
                        words: vec![StepWord::Lit("touch".to_string()), StepWord::Path(rel)],
                        at: cmd.at,
                    }) {
                        taint(host, &path, why);
                    }
                } else if host.kind(&path).is_none()
                    && host
                        .write_file(&path, Some(String::new()), false, cmd.at, step)
                        .is_err()
                {
                    taint(host, &path, "this `touch` is not modelled".to_string());
                }
            }
            Op::Write {
                path,
                content,
                append,
            } => {
                let content = content.or_else(|| self.cat_content(host, cmd));
                // A file written inside an artifact directory may be one
                // the container made (whose mode a truncation keeps): the
                // write is replayed where the artifact is made.
                if inside_container_artifact(host, &path)
                    && let Some(text) = &content
                {
                    let op = if append { ">>" } else { ">" };
                    if let Err(why) = host.post_step(&path, |rel| PostStep {
                        tool: "sh".to_string(),
                        words: vec![
                            StepWord::Lit("sh".to_string()),
                            StepWord::Lit("-c".to_string()),
                            StepWord::Lit(format!("printf '%s' \"$1\" {op} \"$2\"")),
                            StepWord::Lit("sh".to_string()),
                            StepWord::Lit(text.clone()),
                            StepWord::Path(rel),
                        ],
                        at: cmd.at,
                    }) {
                        taint(host, &path, why);
                    }
                } else if let Err(why) = host.write_file(&path, content, append, cmd.at, step) {
                    taint(host, &path, why);
                }
            }
            Op::Untar { archive, dir } => {
                let from = archive.as_deref().and_then(|a| match host.resolve(a) {
                    hostfs::Resolution::Layer { layer, .. } => match &host.layers[layer].origin {
                        hostfs::Origin::Container { path, .. } => Some(path.clone()),
                        _ => None,
                    },
                    _ => None,
                });
                if let (Some(a), Some(from)) = (&archive, from) {
                    self.problems.push(Problem {
                        message: format!(
                            "`tar` unpacks the extracted archive `{a}` (from `{from}`) on the host: the files it holds are not known here"
                        ),
                        at: cmd.at,
                        help: Some(
                            "unpack it in the builder's Dockerfile (`RUN tar -xf ...`) and copy the unpacked tree out instead"
                                .to_string(),
                        ),
                    });
                }
                taint(
                    host,
                    &dir,
                    "`tar -x` unpacks files whose names are not known here".to_string(),
                );
            }
        }
    }

    /// What `cat FILE...` prints when every file is a checkout file or one
    /// the script wrote with known content.
    fn cat_content(&self, host: &HostFs, cmd: &Command) -> Option<String> {
        let words: Vec<String> = cmd
            .argv
            .iter()
            .map(|a| a.value.as_lit())
            .collect::<Option<_>>()?;
        let (name, first) =
            commands::command_name(&words.iter().cloned().map(Some).collect::<Vec<_>>())?;
        if name != "cat" || words.len() <= first {
            return None;
        }
        let cwd = commands::cwd_of(cmd)?;
        let mut out = String::new();
        for f in &words[first..] {
            if f.starts_with('-') {
                return None;
            }
            let p = resolve_host(&cwd, f)?;
            match host.resolve(&p) {
                hostfs::Resolution::Checkout => out.push_str(&host.checkout_text(&p)?),
                hostfs::Resolution::Layer { layer, rel } if rel.is_empty() => {
                    match &host.layers[layer].origin {
                        hostfs::Origin::Written {
                            content: Some(c), ..
                        } => out.push_str(c),
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
        Some(out)
    }
}

/// A value for messages: literal parts quoted, captured output named by its
/// command (`command #N`, which the flow rewrites to the command's text).
fn describe(value: &Value) -> String {
    value
        .parts
        .iter()
        .map(|p| match p {
            Part::Lit(l) => format!("`{l}`"),
            Part::Output(i) => format!("the output of command #{i}"),
            Part::Unknown(u) => format!("`{}`", u.text),
        })
        .collect::<Vec<_>>()
        .join(" then ")
}

/// `--build-arg K=V`; a value not known statically (`K=$https_proxy`) is
/// treated like `--build-arg K`, taken from the environment at build time.
fn build_arg(arg: &Arg) -> (String, Option<String>) {
    if let Some(t) = arg.value.as_lit() {
        return match t.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (t, None),
        };
    }
    let prefix = match arg.value.parts.first() {
        Some(Part::Lit(s)) => s.split('=').next().unwrap_or_default().to_string(),
        _ => String::new(),
    };
    (prefix, None)
}

/// `docker build` of `repo:latest` is also `repo`.
fn without_latest(tag: &str) -> String {
    tag.strip_suffix(":latest")
        .map_or_else(|| format!("{tag}:latest"), str::to_string)
}

fn image_ref(tags: &HashMap<String, usize>, image: &Arg) -> ImageRef {
    let t = text(&image.value);
    match tags.get(&t) {
        Some(&i) => ImageRef::Build(i),
        None => ImageRef::External(t),
    }
}

fn cmd_verb(cmd: &Command) -> String {
    cmd.argv
        .iter()
        .filter_map(|a| a.value.as_lit())
        .find(|w| w == "export" || w == "commit")
        .unwrap_or_default()
}

fn cwd_of(cmd: &Command) -> String {
    cmd.cwd
        .as_lit()
        .map(|c| normalize(&c).unwrap_or_default())
        .unwrap_or_default()
}

/// A host path argument relative to the setup directory.
fn resolve_host(cwd: &str, path: &str) -> Option<String> {
    if path.starts_with('/') {
        return None;
    }
    normalize(&join(cwd, path))
}

fn path_arg(cwd: &str, arg: &Arg) -> Result<String, Problem> {
    let Some(p) = arg.value.as_lit() else {
        return Err(unknown_problem(&arg.value, arg.at, "this path"));
    };
    resolve_host(cwd, &p).ok_or_else(|| Problem {
        message: format!("`{p}` is outside the setup directory"),
        at: arg.at,
        help: Some(
            "run msmigrate on the directory that holds every file the build uses".to_string(),
        ),
    })
}

fn unknown_problem(value: &Value, at: Location, what: &str) -> Problem {
    let reasons: Vec<String> = value
        .parts
        .iter()
        .filter_map(|p| match p {
            Part::Unknown(u) => Some(format!("`{}` ({})", u.text, u.reason)),
            Part::Output(i) => Some(format!("the output of command #{i}")),
            Part::Lit(_) => None,
        })
        .collect();
    Problem {
        message: format!(
            "{what} cannot be known statically: it depends on {}",
            reasons.join(", ")
        ),
        at,
        help: Some("give the value a default (`${VAR:-value}`) or pass it with --arg".to_string()),
    }
}

/// The members of `tar -c` to standard output (in any spelling) as
/// (container path, path in the archive); None when `words` is not such a
/// command line.
fn tar_stream_entries(words: &[String]) -> Option<Vec<(String, String)>> {
    let (first, args) = words.split_first()?;
    if first.rsplit('/').next() != Some("tar") {
        return None;
    }
    let t = tar::parse(args).filter(|t| t.mode == tar::TarMode::Create)?;
    if !matches!(t.file.as_deref(), None | Some("-")) || t.members.is_empty() {
        return None;
    }
    let dir = t.dir.unwrap_or_else(|| "/".to_string());
    Some(
        t.members
            .iter()
            .map(|m| {
                let m = m.trim_end_matches('/');
                if m == "." || m.is_empty() {
                    (hostfs::container_path(&dir), String::new())
                } else {
                    let inner = m.trim_start_matches("./").to_string();
                    (
                        hostfs::container_path(&format!("{}/{inner}", dir.trim_end_matches('/'))),
                        inner,
                    )
                }
            })
            .collect(),
    )
}

/// True when `path` lies strictly inside a directory copied out of a
/// container: a host step there is replayed where the artifact is made.
fn inside_container_artifact(host: &HostFs, path: &str) -> bool {
    matches!(host.resolve(path), hostfs::Resolution::Layer { layer, rel }
        if !rel.is_empty() && matches!(host.layers[layer].origin, hostfs::Origin::Container { .. }))
}

/// The command of pipeline `pipe` that reads what its first element writes:
/// the first command of the second element that reads its standard input
/// (`(cd out && tar -xf -)` runs `cd` first).
fn stdin_reader(trace: &Trace, pipe: usize) -> Option<usize> {
    trace
        .commands
        .iter()
        .enumerate()
        .filter(|(_, c)| c.pipeline == Some((pipe, 1)))
        .find(|(_, c)| {
            let name = c.argv.first().and_then(|a| a.value.as_lit());
            !name.is_some_and(|n| commands::ignores_stdin(&n))
        })
        .map(|(i, _)| i)
}
