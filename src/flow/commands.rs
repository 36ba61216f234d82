//! What each host command of a driver does to the files a build reads:
//! the host model's exec handler.
//!
//! Every simple command the script runs on the host (not `docker`) is put
//! in exactly one class, from the table below, and nothing is ignored
//! silently:
//!
//! 1. [`Effect::Inert`]: known to leave alone what a build reads (`echo`
//!    to the terminal, `test`, `git rev-parse`, `docker images`...);
//! 2. [`Effect::Ops`]: modelled exactly, with every option it was given,
//!    over [`super::hostfs::HostFs`] (`mkdir`, `rm`, `mv`, `cp`, `ln -s`,
//!    `chmod`, `touch`, `tar -x`, and redirections that write files, with
//!    their content when it is known);
//! 3. [`Effect::Transform`]: a tool that rewrites artifacts in place
//!    (`strip`, `objcopy`, `sed -i`, `upx`...). The converter replays it
//!    verbatim, every option kept and its paths rewritten, in the stage
//!    that produced the artifact;
//! 4. [`Effect::Unknown`]: anything else. It may touch its arguments, its
//!    redirection targets and everything under its working directory; a
//!    build that reads one of those is reported at the command.
//!
//! The classification is a pure function of the evaluated [`Command`], so
//! each entry of the table is tested on its own.

use crate::script::{Command, Value};

use super::hostfs::{join, normalize};
use super::tar::{self, TarMode};

/// What a host command does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Changes nothing a build reads.
    Inert,
    /// Modelled exactly: these operations, in order.
    Ops(Vec<Op>),
    /// Rewrites artifacts in place with a tool run again in their stage.
    Transform(Transform),
    /// Not modelled: it may change these host paths (relative to the setup
    /// directory; "" for all of it).
    Unknown {
        /// The paths it may touch.
        touches: Vec<String>,
        /// Why it is not modelled, for the diagnostic.
        reason: String,
    },
}

/// A modelled change of the host directory. Paths are relative to the
/// setup directory and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `mkdir [-p]`.
    Mkdir { path: String, parents: bool },
    /// `rm [-r] [-f]`, `rmdir`.
    Remove { path: String },
    /// `cp [-r|-a|-p] SRC DST` (`contents`: the source ends in `/.`).
    Copy {
        src: String,
        dst: String,
        contents: bool,
    },
    /// `mv SRC DST`.
    Move { src: String, dst: String },
    /// `ln -s TARGET LINK`.
    Symlink { link: String, target: String },
    /// `chmod [-R] MODE PATH`.
    Chmod {
        mode: String,
        path: String,
        recursive: bool,
    },
    /// `touch PATH`: creates an empty file when nothing is there.
    Touch { path: String },
    /// A file written through a redirection or `tee`.
    Write {
        /// The file.
        path: String,
        /// What is written, when known.
        content: Option<String>,
        /// `>>`: appended to what the file held.
        append: bool,
    },
    /// `tar -x` of an archive on the host into `dir`.
    Untar {
        /// The archive (None: standard input).
        archive: Option<String>,
        /// Where it is unpacked.
        dir: String,
    },
}

/// A transformation of artifacts, to be replayed in their stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transform {
    /// The tool (`strip`), which the stage's image must provide.
    pub tool: String,
    /// The command line, paths marked so they can be rewritten.
    pub words: Vec<Word>,
}

/// One word of a replayed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Word {
    /// Passed as written.
    Lit(String),
    /// A host path (relative to the setup directory), rewritten to where
    /// the artifact is in its stage.
    Path(String),
}

/// Commands that read, print or check and never write a file a build
/// reads (their standard output, when redirected, is handled apart).
const INERT: &[&str] = &[
    "echo",
    "printf",
    "cd",
    "pushd",
    "popd",
    "pwd",
    "export",
    "local",
    "declare",
    "typeset",
    "readonly",
    "unset",
    "set",
    "shopt",
    "shift",
    "source",
    ".",
    "eval",
    "trap",
    "exit",
    "return",
    "break",
    "continue",
    ":",
    "true",
    "false",
    "read",
    "test",
    "[",
    "[[",
    "dirname",
    "basename",
    "realpath",
    "readlink",
    "cat",
    "head",
    "tail",
    "wc",
    "grep",
    "egrep",
    "fgrep",
    "ls",
    "which",
    "type",
    "command",
    "hash",
    "sleep",
    "wait",
    "id",
    "whoami",
    "date",
    "uname",
    "hostname",
    "env",
    "printenv",
    "nproc",
    "getconf",
    "seq",
    "expr",
    "cut",
    "tr",
    "sort",
    "uniq",
    "awk",
    "jq",
    "sha256sum",
    "sha1sum",
    "md5sum",
    "cksum",
    "stat",
    "du",
    "df",
    "file",
    "tput",
    "logger",
    "diff",
    "cmp",
    "comm",
    "column",
    "fold",
    "rev",
    "tac",
    "nl",
    "od",
    "xxd",
    "hexdump",
    "tty",
    "clear",
    "ps",
    "groups",
    "getent",
    "lsb_release",
    "arch",
    "umask",
    "ulimit",
    "let",
    "mktemp",
    "kill",
    "trap",
    "wait",
    "times",
    "history",
    "alias",
    "unalias",
];

/// `git` subcommands that only read the repository.
/// Commands that never read their standard input. A pipeline element that
/// is a subshell, `... | (cd out && tar -xf -)`, hands the stream to its
/// first command not among these.
const IGNORES_STDIN: &[&str] = &[
    "cd", "pushd", "popd", "mkdir", "export", "local", "declare", "set", "umask", "true", ":",
    "echo", "printf",
];

/// True when `name` is known not to read its standard input.
pub fn ignores_stdin(name: &str) -> bool {
    IGNORES_STDIN.contains(&name)
}

const GIT_READS: &[&str] = &[
    "rev-parse",
    "describe",
    "log",
    "show",
    "status",
    "diff",
    "branch",
    "tag",
    "rev-list",
    "ls-files",
    "ls-remote",
    "config",
    "remote",
    "symbolic-ref",
    "name-rev",
    "cat-file",
    "blame",
    "shortlog",
    "for-each-ref",
    "merge-base",
    "version",
    "--version",
];

/// `docker` subcommands that change nothing on the host (the ones that do,
/// `cp`, `run`, `build`..., are recognized by the flow before this table).
const DOCKER_READS: &[&str] = &[
    "images",
    "image",
    "ps",
    "inspect",
    "version",
    "info",
    "login",
    "logout",
    "push",
    "pull",
    "tag",
    "rm",
    "rmi",
    "stop",
    "kill",
    "wait",
    "start",
    "logs",
    "network",
    "volume",
    "system",
    "buildx",
    "manifest",
    "container",
    "history",
    "top",
    "stats",
    "events",
    "port",
    "rename",
    "pause",
    "unpause",
    "restart",
    "exec",
    "attach",
    "update",
    "search",
    "context",
    "plugin",
];

/// Tools that rewrite their file operands in place.
const TRANSFORMS: &[&str] = &["strip", "objcopy", "upx", "patchelf", "chrpath", "sstrip"];

/// Compression tools: filters when they have no file operand (or `-c`).
const COMPRESSORS: &[&str] = &[
    "gzip", "gunzip", "bzip2", "bunzip2", "xz", "unxz", "zstd", "lz4",
];

/// The command name without a directory and its `sudo`/`env` prefixes,
/// and the index of its first argument.
pub fn command_name(words: &[Option<String>]) -> Option<(String, usize)> {
    let mut i = 0;
    while let Some(Some(w)) = words.get(i) {
        let bare = w.rsplit('/').next().unwrap_or(w);
        if bare == "sudo" || bare == "env" || bare == "nice" || bare == "time" {
            i += 1;
            while let Some(Some(o)) = words.get(i) {
                if o.starts_with('-') || o.contains('=') {
                    i += 1;
                } else {
                    break;
                }
            }
            continue;
        }
        return Some((bare.to_string(), i + 1));
    }
    None
}

/// The working directory of a command, relative to the setup directory
/// ("" for it); None when it is not known or outside.
pub fn cwd_of(cmd: &Command) -> Option<String> {
    let c = cmd.cwd.as_lit()?;
    if c.starts_with('/') {
        return None;
    }
    normalize(&c)
}

/// A host path argument, relative to the setup directory; None when it is
/// absolute or climbs out of it.
fn host_path(cwd: &str, p: &str) -> Option<String> {
    if p.starts_with('/') {
        return None;
    }
    normalize(&join(cwd, p))
}

/// What `cmd` does to the host directory.
pub fn classify(cmd: &Command) -> Effect {
    let words: Vec<Option<String>> = cmd.argv.iter().map(|a| a.value.as_lit()).collect();
    let Some((name, first)) = command_name(&words) else {
        // The command name itself is not known.
        let cwd = cwd_of(cmd).unwrap_or_default();
        return Effect::Unknown {
            touches: vec![cwd],
            reason: "the command's name cannot be known statically".to_string(),
        };
    };
    let Some(cwd) = cwd_of(cmd) else {
        return unknown_here(
            cmd,
            "its working directory is not known statically",
            &words[first..],
        );
    };
    let args = &words[first..];
    let mut ops = Vec::new();
    // Redirections that write a file, with what the command prints.
    for r in &cmd.redirects {
        let writes = matches!(r.op.as_str(), ">" | ">>" | ">|" | "&>" | "&>>");
        if !writes || !(r.fd == 1 || r.op.starts_with('&')) {
            continue;
        }
        let Some(target) = r.target.as_lit() else {
            return Effect::Unknown {
                touches: vec![cwd.clone()],
                reason: format!(
                    "it writes to `{}`, which cannot be known statically",
                    r.target
                ),
            };
        };
        if target.starts_with("/dev/") || target.starts_with('&') {
            continue;
        }
        let Some(path) = host_path(&cwd, &target) else {
            continue; // outside the setup directory
        };
        ops.push(Op::Write {
            path,
            content: stdout_of(&name, args, cmd),
            append: r.op.contains(">>"),
        });
    }
    let effect = effect_of(&name, args, &cwd, cmd);
    match (effect, ops.is_empty()) {
        (e, true) => e,
        (Effect::Inert, false) => Effect::Ops(ops),
        (Effect::Ops(mut more), false) => {
            more.append(&mut ops);
            Effect::Ops(more)
        }
        (e @ Effect::Unknown { .. }, false) => e,
        (Effect::Transform(_), false) => Effect::Unknown {
            touches: ops
                .iter()
                .filter_map(|o| match o {
                    Op::Write { path, .. } => Some(path.clone()),
                    _ => None,
                })
                .chain([cwd])
                .collect(),
            reason: format!("`{name}` with its output redirected is not modelled"),
        },
    }
}

/// The effect of the command itself, redirections aside.
fn effect_of(name: &str, args: &[Option<String>], cwd: &str, cmd: &Command) -> Effect {
    if INERT.contains(&name) {
        return Effect::Inert;
    }
    // Every operand must be known for a modelled command.
    let known: Option<Vec<String>> = args.iter().cloned().collect();
    match name {
        "git" => {
            let sub = args.iter().flatten().find(|a| !a.starts_with('-'));
            match sub {
                Some(s) if GIT_READS.contains(&s.as_str()) => Effect::Inert,
                _ => unknown_here(cmd, "this `git` command may change the checkout", args),
            }
        }
        "docker" | "podman" => match args.iter().flatten().find(|a| !a.starts_with('-')) {
            Some(s) if DOCKER_READS.contains(&s.as_str()) => Effect::Inert,
            _ => unknown_here(cmd, "this docker command is not modelled", args),
        },
        "mkdir" | "rm" | "rmdir" | "cp" | "mv" | "ln" | "chmod" | "touch" | "chown" | "chgrp"
        | "tee" | "install" => match known {
            Some(args) => file_command(name, &args, cwd, cmd),
            None => unknown_here(cmd, "an operand cannot be known statically", args),
        },
        "tar" => match known {
            Some(args) => tar_command(&args, cwd, cmd),
            None => unknown_here(cmd, "an operand cannot be known statically", args),
        },
        "sed" => match known {
            Some(args) => sed_command(&args, cwd, cmd),
            None => unknown_here(cmd, "an operand cannot be known statically", args),
        },
        n if TRANSFORMS.contains(&n) => match known {
            Some(args) => transform(n, &args, cwd, cmd),
            None => unknown_here(cmd, "an operand cannot be known statically", args),
        },
        n if COMPRESSORS.contains(&n) => {
            let filter = args.iter().flatten().all(|a| a.starts_with('-'))
                || args.iter().flatten().any(|a| a == "-c" || a == "--stdout");
            if filter {
                Effect::Inert
            } else {
                unknown_here(
                    cmd,
                    &format!("`{n}` replaces its operands with other files"),
                    args,
                )
            }
        }
        _ => unknown_here(
            cmd,
            &format!("`{name}` is not a command msmigrate models"),
            args,
        ),
    }
}

/// An unmodelled command: it may touch its path-like operands and
/// everything under its working directory.
fn unknown_here(cmd: &Command, reason: &str, args: &[Option<String>]) -> Effect {
    let cwd = cwd_of(cmd);
    let mut touches = Vec::new();
    if let Some(c) = &cwd {
        for a in args.iter().flatten() {
            let operand = a.split_once('=').map_or(a.as_str(), |(_, v)| v);
            if operand.is_empty() || operand.starts_with('-') || operand.contains("://") {
                continue;
            }
            if let Some(p) = host_path(c, operand) {
                touches.push(p);
            }
        }
    }
    touches.push(cwd.unwrap_or_default());
    Effect::Unknown {
        touches,
        reason: reason.to_string(),
    }
}

/// Options (as `-x` clusters or `--long`) and operands, split the way the
/// coreutils parse them (`--` ends the options).
fn split_options(args: &[String]) -> (Vec<&str>, Vec<&str>) {
    let mut opts = Vec::new();
    let mut operands = Vec::new();
    let mut done = false;
    for a in args {
        if !done && a == "--" {
            done = true;
        } else if !done && a.starts_with('-') && a.len() > 1 {
            opts.push(a.as_str());
        } else {
            operands.push(a.as_str());
        }
    }
    (opts, operands)
}

/// True when the short option `c` is in one of the clusters, or `long` is given.
fn has_flag(opts: &[&str], c: char, long: &str) -> bool {
    opts.iter()
        .any(|o| (!o.starts_with("--") && o[1..].contains(c)) || *o == long)
}

fn file_command(name: &str, args: &[String], cwd: &str, cmd: &Command) -> Effect {
    let (opts, operands) = split_options(args);
    let lits: Vec<Option<String>> = args.iter().cloned().map(Some).collect();
    if name == "ln" {
        // The target of a symbolic link is text, not a path to resolve.
        return match (has_flag(&opts, 's', "--symbolic"), operands.as_slice()) {
            (true, [target, link]) => match host_path(cwd, link) {
                Some(link) => Effect::Ops(vec![Op::Symlink {
                    link,
                    target: target.to_string(),
                }]),
                None => Effect::Inert,
            },
            _ => unknown_here(cmd, "only `ln -s TARGET LINK` is modelled", &lits),
        };
    }
    let paths: Option<Vec<String>> = operands.iter().map(|p| host_path(cwd, p)).collect();
    let Some(paths) = paths else {
        // An absolute path or one outside the setup: not what a build reads,
        // unless it is a copy into the setup.
        return match name {
            "mkdir" | "rm" | "rmdir" | "chmod" | "touch" | "chown" | "chgrp" => {
                let inside: Vec<String> =
                    operands.iter().filter_map(|p| host_path(cwd, p)).collect();
                if inside.is_empty() {
                    Effect::Inert
                } else {
                    unknown_here(
                        cmd,
                        "it mixes paths inside and outside the setup directory",
                        &lits,
                    )
                }
            }
            _ => unknown_here(cmd, "a path outside the setup directory is involved", &lits),
        };
    };
    match name {
        "mkdir" => {
            let parents = has_flag(&opts, 'p', "--parents");
            if opts
                .iter()
                .any(|o| o.starts_with("-m") || o.starts_with("--mode"))
            {
                return unknown_here(cmd, "`mkdir -m` is not modelled", &lits);
            }
            Effect::Ops(
                paths
                    .into_iter()
                    .map(|path| Op::Mkdir { path, parents })
                    .collect(),
            )
        }
        "rm" | "rmdir" => Effect::Ops(paths.into_iter().map(|path| Op::Remove { path }).collect()),
        "cp" | "mv" | "install" => {
            let supported = |o: &&str| match name {
                "cp" => matches!(
                    *o,
                    "-r" | "-R"
                        | "-a"
                        | "-p"
                        | "-f"
                        | "-v"
                        | "-rf"
                        | "-fr"
                        | "-Rf"
                        | "-rp"
                        | "-pr"
                        | "-av"
                        | "-rv"
                        | "-Rp"
                        | "-af"
                        | "--recursive"
                        | "--archive"
                        | "--force"
                        | "--verbose"
                        | "--preserve"
                ),
                "mv" => matches!(*o, "-f" | "-v" | "--force" | "--verbose"),
                _ => false,
            };
            if name == "install" || !opts.iter().all(supported) {
                return unknown_here(
                    cmd,
                    &format!("`{name}` with these options is not modelled"),
                    &lits,
                );
            }
            if paths.len() != 2 {
                return unknown_here(
                    cmd,
                    &format!("`{name}` of several sources is not modelled"),
                    &lits,
                );
            }
            let contents = operands[0].ends_with("/.");
            if name == "cp" {
                Effect::Ops(vec![Op::Copy {
                    src: paths[0].clone(),
                    dst: paths[1].clone(),
                    contents,
                }])
            } else {
                Effect::Ops(vec![Op::Move {
                    src: paths[0].clone(),
                    dst: paths[1].clone(),
                }])
            }
        }
        "chmod" => {
            let recursive = has_flag(&opts, 'R', "--recursive");
            // A symbolic mode starting with `-` (`chmod -x f`) is taken as an option.
            let mode_opt = opts
                .iter()
                .find(|o| !matches!(**o, "-R" | "--recursive" | "-v" | "-f"));
            let (mode, targets) = match mode_opt {
                Some(m) if parse_mode(m).is_some() => (m.to_string(), paths),
                Some(_) => {
                    return unknown_here(cmd, "these `chmod` options are not modelled", &lits);
                }
                None if paths.len() >= 2 => (operands[0].to_string(), paths[1..].to_vec()),
                None => return unknown_here(cmd, "`chmod` without a mode", &lits),
            };
            if parse_mode(&mode).is_none() {
                return unknown_here(cmd, &format!("the mode `{mode}` is not modelled"), &lits);
            }
            Effect::Ops(
                targets
                    .into_iter()
                    .map(|path| Op::Chmod {
                        mode: mode.clone(),
                        path,
                        recursive,
                    })
                    .collect(),
            )
        }
        "touch" => Effect::Ops(paths.into_iter().map(|path| Op::Touch { path }).collect()),
        // COPY from the build context gives every file root's ownership
        // whatever its owner on the host, so a host chown changes nothing a
        // build copies.
        "chown" | "chgrp" => Effect::Inert,
        "tee" => {
            let append = has_flag(&opts, 'a', "--append");
            Effect::Ops(
                paths
                    .into_iter()
                    .map(|path| Op::Write {
                        path,
                        content: None,
                        append,
                    })
                    .collect(),
            )
        }
        _ => unknown_here(cmd, "not modelled", &lits),
    }
}

fn tar_command(args: &[String], cwd: &str, cmd: &Command) -> Effect {
    let lits: Vec<Option<String>> = args.iter().cloned().map(Some).collect();
    let Some(t) = tar::parse(args) else {
        return unknown_here(cmd, "this `tar` command line is not understood", &lits);
    };
    match t.mode {
        TarMode::List => Effect::Inert,
        TarMode::Create => match t.file.as_deref() {
            // To standard output: only its redirection writes.
            None | Some("-") => Effect::Inert,
            Some(f) => match host_path(cwd, f) {
                Some(path) => Effect::Ops(vec![Op::Write {
                    path,
                    content: None,
                    append: false,
                }]),
                None => Effect::Inert,
            },
        },
        TarMode::Extract => {
            if t.strip_components > 0 || !t.members.is_empty() {
                return unknown_here(
                    cmd,
                    "`tar -x` of chosen members or with --strip-components is modelled only for a container's stream",
                    &lits,
                );
            }
            let dir = t.dir.as_deref().unwrap_or(".");
            let Some(dir) = host_path(cwd, dir) else {
                return Effect::Inert;
            };
            let archive = match t.file.as_deref() {
                None | Some("-") => None,
                Some(f) => match host_path(cwd, f) {
                    Some(p) => Some(p),
                    None => {
                        return unknown_here(
                            cmd,
                            "it unpacks an archive from outside the setup",
                            &lits,
                        );
                    }
                },
            };
            Effect::Ops(vec![Op::Untar { archive, dir }])
        }
    }
}

fn sed_command(args: &[String], cwd: &str, cmd: &Command) -> Effect {
    let in_place = args.iter().any(|a| {
        a == "-i" || a.starts_with("-i") && !a.starts_with("--") || a.starts_with("--in-place")
    });
    if !in_place {
        return Effect::Inert;
    }
    // `sed -i [-e] SCRIPT FILE...`: the files are the operands after the script.
    let mut words = Vec::new();
    let mut script_seen = args
        .iter()
        .any(|a| a == "-e" || a == "-f" || a.starts_with("--expression"));
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "-e" || a == "-f" {
            words.push(Word::Lit(a.clone()));
            if let Some(v) = args.get(i + 1) {
                words.push(Word::Lit(v.clone()));
            }
            i += 2;
            continue;
        }
        if a.starts_with('-') && a.len() > 1 {
            words.push(Word::Lit(a.clone()));
        } else if !script_seen {
            script_seen = true;
            words.push(Word::Lit(a.clone()));
        } else {
            match host_path(cwd, a) {
                Some(p) => words.push(Word::Path(p)),
                None => {
                    let lits: Vec<Option<String>> = args.iter().cloned().map(Some).collect();
                    return unknown_here(cmd, "`sed -i` of a file outside the setup", &lits);
                }
            }
        }
        i += 1;
    }
    words.insert(0, Word::Lit("sed".to_string()));
    Effect::Transform(Transform {
        tool: "sed".to_string(),
        words,
    })
}

fn transform(name: &str, args: &[String], cwd: &str, cmd: &Command) -> Effect {
    let lits: Vec<Option<String>> = args.iter().cloned().map(Some).collect();
    // Options that take a separate value: their value is not a path.
    let valued: &[&str] = match name {
        "strip" => &["-o", "-R", "-K", "-N", "-F", "-I", "-O"],
        "objcopy" => &["-j", "-R", "-K", "-N", "-I", "-O", "-B", "-F"],
        "upx" => &["-o"],
        "patchelf" => &[
            "--set-interpreter",
            "--set-rpath",
            "--add-rpath",
            "--replace-needed",
            "--add-needed",
            "--remove-needed",
            "--set-soname",
        ],
        _ => &[],
    };
    if args.iter().any(|a| a == "-o" || a.starts_with("--output")) {
        return unknown_here(
            cmd,
            &format!("`{name} -o` writes another file, which is not modelled"),
            &lits,
        );
    }
    let mut words = vec![Word::Lit(name.to_string())];
    let mut i = 0;
    let mut operands = 0;
    while i < args.len() {
        let a = &args[i];
        if valued.contains(&a.as_str()) {
            words.push(Word::Lit(a.clone()));
            if let Some(v) = args.get(i + 1) {
                words.push(Word::Lit(v.clone()));
            }
            i += 2;
            continue;
        }
        if a.starts_with('-') {
            words.push(Word::Lit(a.clone()));
        } else {
            match host_path(cwd, a) {
                Some(p) => {
                    operands += 1;
                    words.push(Word::Path(p));
                }
                None => {
                    return unknown_here(
                        cmd,
                        &format!("`{name}` of a file outside the setup"),
                        &lits,
                    );
                }
            }
        }
        i += 1;
    }
    // objcopy IN OUT writes OUT: only the in-place form is a transformation.
    if operands == 0 || (name == "objcopy" && operands != 1) {
        return unknown_here(
            cmd,
            &format!("this `{name}` command line is not modelled"),
            &lits,
        );
    }
    Effect::Transform(Transform {
        tool: name.to_string(),
        words,
    })
}

/// What a command prints, when it can be known: `echo`, `printf` and `cat`
/// of here-documents (files the script did not write are read from the
/// checkout by the caller, which knows it).
fn stdout_of(name: &str, args: &[Option<String>], cmd: &Command) -> Option<String> {
    let args: Vec<String> = args.iter().cloned().collect::<Option<_>>()?;
    match name {
        "echo" => echo(&args),
        "printf" => printf(&args),
        "cat" if args.is_empty() => heredoc(cmd),
        "true" | ":" => Some(String::new()),
        _ => None,
    }
}

/// The body of a here-document or here-string on standard input.
fn heredoc(cmd: &Command) -> Option<String> {
    let r = cmd
        .redirects
        .iter()
        .find(|r| r.fd == 0 && matches!(r.op.as_str(), "<<" | "<<-" | "<<<"))?;
    let body = r.target.as_lit()?;
    Some(if r.op == "<<<" {
        format!("{body}\n")
    } else {
        body
    })
}

/// bash's builtin `echo`: `-n`, `-e` and `-E` clusters lead.
pub fn echo(args: &[String]) -> Option<String> {
    let mut newline = true;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| matches!(c, 'n' | 'e' | 'E'))
        {
            if a.contains('e') {
                return None; // escapes: not modelled
            }
            newline &= !a.contains('n');
            i += 1;
        } else {
            break;
        }
    }
    let mut out = args[i..].join(" ");
    if newline {
        out.push('\n');
    }
    Some(out)
}

/// `printf FORMAT ARGS...` for the formats scripts use to write files:
/// `%s`, `%d` given digits, `%%`, and the escapes `\n`, `\t`, `\\`. The
/// format is reused while arguments remain, as printf does.
pub fn printf(args: &[String]) -> Option<String> {
    let (format, mut rest) = args.split_first()?;
    let mut out = String::new();
    loop {
        let mut used = 0;
        let mut chars = format.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next()? {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    '\\' => out.push('\\'),
                    _ => return None,
                },
                '%' => match chars.next()? {
                    '%' => out.push('%'),
                    's' => {
                        out.push_str(rest.get(used).map_or("", String::as_str));
                        used += 1;
                    }
                    'd' => {
                        let v = rest.get(used).map_or("0", String::as_str);
                        if !v.chars().all(|c| c.is_ascii_digit()) || v.is_empty() {
                            return None;
                        }
                        out.push_str(v.trim_start_matches('0').max("0"));
                        used += 1;
                    }
                    _ => return None,
                },
                c => out.push(c),
            }
        }
        if used == 0 || used >= rest.len() {
            return Some(out);
        }
        rest = &rest[used..];
    }
}

/// A file mode as chmod reads it, applied to `old`: octal (`755`, `0644`)
/// or symbolic (`u+x`, `go-w`, `a=rX,u+w`). None when it is not one.
pub fn apply_mode(mode: &str, old: u32, is_dir: bool) -> Option<u32> {
    if !mode.is_empty() && mode.chars().all(|c| c.is_digit(8)) {
        let m = u32::from_str_radix(mode, 8).ok()?;
        return (m <= 0o7777).then_some(m);
    }
    let mut cur = old;
    for clause in mode.split(',') {
        let who_end = clause.find(|c: char| !"ugoa".contains(c))?;
        let who = &clause[..who_end];
        let mut mask = 0;
        for w in who.chars() {
            mask |= match w {
                'u' => 0o4700,
                'g' => 0o2070,
                'o' => 0o0007,
                _ => 0o7777,
            };
        }
        // Without a who, umask applies; 022 is assumed as elsewhere.
        let umask = if who.is_empty() { 0o022 } else { 0 };
        if who.is_empty() {
            mask = 0o7777;
        }
        let mut rest = &clause[who_end..];
        if rest.is_empty() {
            return None;
        }
        while let Some(op) = rest.chars().next() {
            if !"+-=".contains(op) {
                return None;
            }
            let perm_end = rest[1..]
                .find(['+', '-', '='])
                .map_or(rest.len(), |p| p + 1);
            let perms = &rest[1..perm_end];
            let mut bits = 0;
            for p in perms.chars() {
                bits |= match p {
                    'r' => 0o444,
                    'w' => 0o222,
                    'x' => 0o111,
                    'X' if is_dir || cur & 0o111 != 0 => 0o111,
                    'X' => 0,
                    's' => 0o6000,
                    't' => 0o1000,
                    _ => return None,
                };
            }
            let bits = bits & mask & !umask;
            cur = match op {
                '+' => cur | bits,
                '-' => cur & !bits,
                _ => {
                    (cur & !(mask & 0o777
                        | if who.contains(['u', 'g', 'a']) || who.is_empty() {
                            mask & 0o6000
                        } else {
                            0
                        }))
                        | bits
                }
            };
            rest = &rest[perm_end..];
        }
    }
    Some(cur)
}

/// True when `mode` is a mode chmod accepts and this model applies.
pub fn parse_mode(mode: &str) -> Option<()> {
    apply_mode(mode, 0o644, false).map(|_| ())
}

/// A value's text for messages.
pub fn text(v: &Value) -> String {
    v.to_string()
}

#[cfg(test)]
mod tests;
