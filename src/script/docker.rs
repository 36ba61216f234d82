//! Recognizing docker CLI calls in an evaluated script.
//!
//! Scripts call docker in many spellings: `docker container create`,
//! `sudo -E docker`, `/usr/bin/docker`, flags before or after positionals,
//! `-t x`, `--tag=x`, `-tx`. This module turns a [`Command`] into a
//! [`DockerCall`] with the arguments that matter for the builder→runtime
//! flow, using a table of each subcommand's flags (which take a value and
//! which do not) so that positionals are found exactly as the docker CLI
//! finds them.

use super::trace::{Arg, Command, Location, Value};

/// A recognized docker invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerCall {
    /// `docker build` / `docker image build` / `docker buildx build`.
    Build(Build),
    /// `docker create` / `docker container create`: the same options as
    /// `docker run`; the command runs only when the container is started.
    Create(Run),
    /// `docker run` / `docker container run`.
    Run(Run),
    /// `docker cp` / `docker container cp`.
    Cp(Cp),
    /// `docker rm`: the containers removed.
    Rm(Vec<Arg>),
    /// `docker rmi` / `docker image rm`: the images removed.
    Rmi(Vec<Arg>),
    /// `docker tag SOURCE TARGET`.
    Tag { source: Arg, target: Arg },
    /// `docker commit CONTAINER [IMAGE]`.
    Commit { container: Arg, image: Option<Arg> },
    /// `docker export [-o FILE] CONTAINER` (without `-o`: to stdout).
    Export { container: Arg, output: Option<Arg> },
    /// `docker stop`, `docker wait`, `docker start`, `docker kill`: the containers.
    Lifecycle { verb: String, containers: Vec<Arg> },
    /// Any other subcommand (push, login, images...), by name.
    Other(String),
}

/// `docker build`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Build {
    /// `-t`/`--tag`, in order.
    pub tags: Vec<Arg>,
    /// `-f`/`--file`.
    pub file: Option<Arg>,
    /// The context positional (`-` for stdin is kept as is).
    pub context: Option<Arg>,
    /// `--build-arg K=V` or `--build-arg K` (value from the environment).
    pub build_args: Vec<Arg>,
    /// `--target`.
    pub target: Option<Arg>,
    /// `--no-cache`, `--pull`, `-q`... flags that do not change the result.
    pub switches: Vec<String>,
    /// `--network`.
    pub network: Option<Arg>,
}

/// A bind mount of `docker run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Host path (or volume name).
    pub source: Value,
    /// Path in the container.
    pub target: Value,
    /// Mounted read-only.
    pub read_only: bool,
    /// Where it was written.
    pub at: Location,
}

/// `docker run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// `--rm`.
    pub remove: bool,
    /// `--name`.
    pub name: Option<Arg>,
    /// `-v`/`--volume`/`--mount type=bind`.
    pub mounts: Vec<Mount>,
    /// `-w`/`--workdir`.
    pub workdir: Option<Arg>,
    /// `--entrypoint`.
    pub entrypoint: Option<Arg>,
    /// `-u`/`--user`.
    pub user: Option<Arg>,
    /// `-e`/`--env` values (`K=V` or `K`).
    pub env: Vec<Arg>,
    /// `-d`/`--detach`.
    pub detach: bool,
    /// The image.
    pub image: Arg,
    /// The command after the image.
    pub command: Vec<Arg>,
}

/// One side of `docker cp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpPath {
    /// `CONTAINER:PATH`.
    Container {
        /// The container name or ID (possibly a captured `$(docker create)`).
        container: Value,
        /// The path inside it, as written (relative paths are relative to `/`).
        path: Value,
    },
    /// A host path (`-` means a tar stream on stdin/stdout).
    Host(Value),
}

/// `docker cp SRC DST`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cp {
    /// Source.
    pub source: CpPath,
    /// Destination.
    pub dest: CpPath,
    /// `-L`/`--follow-link`.
    pub follow_link: bool,
    /// Where the two operands were written.
    pub at: (Location, Location),
}

/// The flags of a subcommand: which take a value.
struct FlagSpec {
    /// Long and short names (without dashes) that take a value.
    with_value: &'static [&'static str],
}

impl FlagSpec {
    fn takes_value(&self, name: &str) -> bool {
        self.with_value.contains(&name)
    }
}

const BUILD_FLAGS: FlagSpec = FlagSpec {
    with_value: &[
        "t",
        "tag",
        "f",
        "file",
        "build-arg",
        "target",
        "network",
        "label",
        "platform",
        "cache-from",
        "cache-to",
        "iidfile",
        "add-host",
        "cpu-shares",
        "c",
        "cpuset-cpus",
        "cpuset-mems",
        "cgroup-parent",
        "m",
        "memory",
        "memory-swap",
        "shm-size",
        "ulimit",
        "isolation",
        "security-opt",
        "output",
        "o",
        "progress",
        "secret",
        "ssh",
        "build-context",
        "metadata-file",
        "allow",
        "attest",
        "provenance",
        "sbom",
        "builder",
        "cpu-period",
        "cpu-quota",
    ],
};

/// `docker create` and `docker run` share their flags.
const RUN_FLAGS: FlagSpec = FlagSpec {
    with_value: &[
        "name",
        "v",
        "volume",
        "mount",
        "w",
        "workdir",
        "entrypoint",
        "u",
        "user",
        "e",
        "env",
        "env-file",
        "p",
        "publish",
        "network",
        "net",
        "l",
        "label",
        "h",
        "hostname",
        "m",
        "memory",
        "platform",
        "pull",
        "restart",
        "add-host",
        "cpus",
        "c",
        "cpu-shares",
        "log-driver",
        "log-opt",
        "device",
        "dns",
        "expose",
        "group-add",
        "ipc",
        "pid",
        "runtime",
        "security-opt",
        "shm-size",
        "stop-signal",
        "stop-timeout",
        "tmpfs",
        "ulimit",
        "uts",
        "volumes-from",
        "a",
        "attach",
        "cidfile",
        "gpus",
        "link",
        "cap-add",
        "cap-drop",
        "health-cmd",
        "health-interval",
        "isolation",
        "memory-swap",
        "network-alias",
        "storage-opt",
        "sysctl",
        "userns",
        "detach-keys",
        "cgroupns",
        "cgroup-parent",
    ],
};

const CP_FLAGS: FlagSpec = FlagSpec { with_value: &[] };
const RM_FLAGS: FlagSpec = FlagSpec { with_value: &[] };
const EXPORT_FLAGS: FlagSpec = FlagSpec {
    with_value: &["o", "output"],
};
const COMMIT_FLAGS: FlagSpec = FlagSpec {
    with_value: &["a", "author", "c", "change", "m", "message"],
};
const LIFECYCLE_FLAGS: FlagSpec = FlagSpec {
    with_value: &["t", "time", "s", "signal", "timeout"],
};

/// A parsed flag: its name (no dashes), its value, and where it was written.
struct Flag {
    name: String,
    value: Option<Arg>,
}

/// Splits arguments into flags and positionals the way the docker CLI
/// (cobra/pflag) does: `--name=v`, `--name v`, `-n v`, `-nv`, grouped short
/// switches `-qt x`, and `--` ending the flags. For `run`/`create`
/// (`interspersed == false`) flags stop at the first positional, the image,
/// because everything after it belongs to the container's command.
fn split_flags(args: &[Arg], spec: &FlagSpec, interspersed: bool) -> (Vec<Flag>, Vec<Arg>) {
    let mut flags = Vec::new();
    let mut positionals = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        let text = arg.value.as_lit();
        let text = text.as_deref().unwrap_or("");
        if text == "--" {
            positionals.extend(args[i + 1..].iter().cloned());
            break;
        }
        if let Some(long) = text.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (long.to_string(), None),
            };
            let value = if let Some(v) = inline {
                Some(Arg {
                    value: Value::lit(v),
                    at: arg.at,
                })
            } else if spec.takes_value(&name) && i + 1 < args.len() {
                i += 1;
                Some(args[i].clone())
            } else {
                None
            };
            flags.push(Flag { name, value });
        } else if text.len() > 1 && text.starts_with('-') {
            // Grouped short flags: the first one that takes a value takes
            // the rest of the word, or the next argument.
            let chars: Vec<char> = text[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let name = chars[j].to_string();
                if spec.takes_value(&name) {
                    let rest: String = chars[j + 1..].iter().collect();
                    let rest = rest.strip_prefix('=').map(str::to_string).unwrap_or(rest);
                    let value = if !rest.is_empty() {
                        Some(Arg {
                            value: Value::lit(rest),
                            at: arg.at,
                        })
                    } else if i + 1 < args.len() {
                        i += 1;
                        Some(args[i].clone())
                    } else {
                        None
                    };
                    flags.push(Flag { name, value });
                    break;
                }
                flags.push(Flag { name, value: None });
                j += 1;
            }
        } else {
            positionals.push(arg.clone());
            if !interspersed {
                positionals.extend(args[i + 1..].iter().cloned());
                break;
            }
        }
        i += 1;
    }
    (flags, positionals)
}

/// The docker CLI's own global flags that take a value (`docker -H x ...`).
const GLOBAL_WITH_VALUE: &[&str] = &[
    "-H",
    "--host",
    "--context",
    "-c",
    "--config",
    "-l",
    "--log-level",
];

/// Finds `docker` in the command (after `sudo`, `env`, `command`, `exec`,
/// `time`) and returns the arguments after it.
fn docker_args(cmd: &Command) -> Option<&[Arg]> {
    let mut i = 0;
    let argv = &cmd.argv;
    loop {
        let word = argv.get(i)?.value.as_lit()?;
        let base = word.rsplit('/').next().unwrap_or(&word);
        match base {
            "docker" | "podman" => break,
            "sudo" => {
                i += 1;
                // sudo's own options: skip `-E`, `-u user` and the like.
                while let Some(opt) = argv.get(i).and_then(|a| a.value.as_lit()) {
                    if !opt.starts_with('-') {
                        break;
                    }
                    i += if matches!(opt.as_str(), "-u" | "-g" | "-C" | "-h" | "-p" | "-U") {
                        2
                    } else {
                        1
                    };
                }
            }
            "env" => {
                i += 1;
                while argv
                    .get(i)
                    .and_then(|a| a.value.as_lit())
                    .is_some_and(|w| w.contains('=') || w.starts_with('-'))
                {
                    i += 1;
                }
            }
            "command" | "exec" | "time" | "nohup" => i += 1,
            _ => return None,
        }
    }
    i += 1;
    // Global docker flags before the subcommand.
    while let Some(w) = argv.get(i).and_then(|a| a.value.as_lit()) {
        if !w.starts_with('-') {
            break;
        }
        i += if GLOBAL_WITH_VALUE.contains(&w.as_str()) {
            2
        } else {
            1
        };
    }
    argv.get(i..)
}

/// Recognizes a docker invocation, or `None` when the command is not docker.
pub fn recognize(cmd: &Command) -> Option<DockerCall> {
    let args = docker_args(cmd)?;
    let first = args.first()?.value.as_lit()?;
    // `docker container X`, `docker image X`, `docker buildx X`.
    let (verb, rest) = match first.as_str() {
        "container" | "image" | "buildx" | "builder" => {
            let second = args.get(1)?.value.as_lit()?;
            let verb = match (first.as_str(), second.as_str()) {
                ("image", "rm") | ("image", "remove") => "rmi".to_string(),
                ("container", "rm") | ("container", "remove") => "rm".to_string(),
                (_, v) => v.to_string(),
            };
            (verb, &args[2..])
        }
        v => (v.to_string(), &args[1..]),
    };
    Some(match verb.as_str() {
        "build" => DockerCall::Build(build(rest)),
        "create" => DockerCall::Create(run(rest)?),
        "run" => DockerCall::Run(run(rest)?),
        "cp" => {
            let (flags, pos) = split_flags(rest, &CP_FLAGS, true);
            let (src, dst) = (pos.first()?, pos.get(1)?);
            DockerCall::Cp(Cp {
                source: cp_path(src),
                dest: cp_path(dst),
                follow_link: flags
                    .iter()
                    .any(|f| f.name == "L" || f.name == "follow-link"),
                at: (src.at, dst.at),
            })
        }
        "rm" => DockerCall::Rm(split_flags(rest, &RM_FLAGS, true).1),
        "rmi" => DockerCall::Rmi(split_flags(rest, &RM_FLAGS, true).1),
        "tag" => {
            let pos = split_flags(rest, &RM_FLAGS, true).1;
            DockerCall::Tag {
                source: pos.first()?.clone(),
                target: pos.get(1)?.clone(),
            }
        }
        "commit" => {
            let pos = split_flags(rest, &COMMIT_FLAGS, true).1;
            DockerCall::Commit {
                container: pos.first()?.clone(),
                image: pos.get(1).cloned(),
            }
        }
        "export" => {
            let (flags, pos) = split_flags(rest, &EXPORT_FLAGS, true);
            DockerCall::Export {
                container: pos.first()?.clone(),
                output: flag_value(&flags, &["o", "output"]),
            }
        }
        "stop" | "wait" | "start" | "kill" => DockerCall::Lifecycle {
            verb,
            containers: split_flags(rest, &LIFECYCLE_FLAGS, true).1,
        },
        other => DockerCall::Other(other.to_string()),
    })
}

fn flag_value(flags: &[Flag], names: &[&str]) -> Option<Arg> {
    flags
        .iter()
        .rev()
        .find(|f| names.contains(&f.name.as_str()))
        .and_then(|f| f.value.clone())
}

fn flag_values(flags: &[Flag], names: &[&str]) -> Vec<Arg> {
    flags
        .iter()
        .filter(|f| names.contains(&f.name.as_str()))
        .filter_map(|f| f.value.clone())
        .collect()
}

fn build(args: &[Arg]) -> Build {
    let (flags, pos) = split_flags(args, &BUILD_FLAGS, true);
    Build {
        tags: flag_values(&flags, &["t", "tag"]),
        file: flag_value(&flags, &["f", "file"]),
        context: pos.first().cloned(),
        build_args: flag_values(&flags, &["build-arg"]),
        target: flag_value(&flags, &["target"]),
        network: flag_value(&flags, &["network"]),
        switches: flags
            .iter()
            .filter(|f| f.value.is_none())
            .map(|f| f.name.clone())
            .collect(),
    }
}

fn run(args: &[Arg]) -> Option<Run> {
    let (flags, pos) = split_flags(args, &RUN_FLAGS, false);
    let image = pos.first()?.clone();
    let mut mounts = Vec::new();
    for f in &flags {
        let Some(v) = &f.value else { continue };
        match f.name.as_str() {
            "v" | "volume" => {
                if let Some(m) = volume(v) {
                    mounts.push(m);
                }
            }
            "mount" => {
                if let Some(m) = mount(v) {
                    mounts.push(m);
                }
            }
            _ => {}
        }
    }
    let switch = |names: &[&str]| {
        flags
            .iter()
            .any(|f| f.value.is_none() && names.contains(&f.name.as_str()))
    };
    Some(Run {
        remove: switch(&["rm"]),
        name: flag_value(&flags, &["name"]),
        mounts,
        workdir: flag_value(&flags, &["w", "workdir"]),
        entrypoint: flag_value(&flags, &["entrypoint"]),
        user: flag_value(&flags, &["u", "user"]),
        env: flag_values(&flags, &["e", "env"]),
        detach: switch(&["d", "detach"]),
        image,
        command: pos[1..].to_vec(),
    })
}

/// Splits a value at the first `sep` in its literal parts.
fn split_value(v: &Value, sep: char) -> Option<(Value, Value)> {
    use super::trace::Part;
    let mut left = Value::default();
    let mut parts = v.parts.iter();
    for p in parts.by_ref() {
        if let Part::Lit(s) = p
            && let Some((a, b)) = s.split_once(sep)
        {
            if !a.is_empty() {
                left.parts.push(Part::Lit(a.to_string()));
            }
            let mut right = Value::default();
            if !b.is_empty() {
                right.parts.push(Part::Lit(b.to_string()));
            }
            right.parts.extend(parts.cloned());
            return Some((left, right));
        }
        left.parts.push(p.clone());
    }
    None
}

/// `-v SRC:DST[:ro]`.
fn volume(arg: &Arg) -> Option<Mount> {
    let (source, rest) = split_value(&arg.value, ':')?;
    let (target, opts) = match split_value(&rest, ':') {
        Some((t, o)) => (t, o.as_lit().unwrap_or_default()),
        None => (rest, String::new()),
    };
    Some(Mount {
        source,
        target,
        read_only: opts.split(',').any(|o| o == "ro"),
        at: arg.at,
    })
}

/// `--mount type=bind,source=X,target=Y[,readonly]`.
fn mount(arg: &Arg) -> Option<Mount> {
    let text = arg.value.as_lit()?;
    let mut kind = "volume";
    let (mut source, mut target, mut read_only) = (None, None, false);
    for field in text.split(',') {
        let (k, v) = field.split_once('=').unwrap_or((field, ""));
        match k {
            "type" => kind = if v == "bind" { "bind" } else { "other" },
            "source" | "src" => source = Some(v.to_string()),
            "target" | "destination" | "dst" => target = Some(v.to_string()),
            "readonly" | "ro" => read_only = v.is_empty() || v == "true" || v == "1",
            _ => {}
        }
    }
    if kind != "bind" {
        return None;
    }
    Some(Mount {
        source: Value::lit(source?),
        target: Value::lit(target?),
        read_only,
        at: arg.at,
    })
}

/// `CONTAINER:PATH` or a host path. A colon in the first literal part makes
/// it a container path unless what precedes it looks like a host path
/// (`./a:b`, `/x:y`), as the docker CLI decides.
fn cp_path(arg: &Arg) -> CpPath {
    let first_lit = match arg.value.parts.first() {
        Some(super::trace::Part::Lit(s)) => Some(s.as_str()),
        _ => None,
    };
    if first_lit.is_some_and(|s| s.starts_with('/') || s.starts_with('.')) {
        return CpPath::Host(arg.value.clone());
    }
    match split_value(&arg.value, ':') {
        Some((container, path)) if !container.parts.is_empty() => {
            CpPath::Container { container, path }
        }
        _ => CpPath::Host(arg.value.clone()),
    }
}
