//! RUN instructions read as shell: the commands they execute and what
//! package managers and build tools do in them.
//!
//! Rules ask "does this stage install a compiler", "is the apt cache
//! removed", "is this pip install pinned". Answering from the RUN text with
//! regexes misses `sudo`, `sh -c '...'`, heredocs and `&&` chains, and
//! flags false positives in comments and strings. So [`run_commands`] parses
//! the instruction as a shell script with tree-sitter-bash (the same
//! grammar the build-script reader uses) and returns every simple command
//! with its words expanded as far as they can be known, each with a span
//! into the Dockerfile's source. [`package_ops`] then recognizes package
//! managers and build tools in those commands, and [`removed_paths`] the
//! files a script deletes.

mod packages;
mod text;
mod walk;

pub use packages::{Action, Manager, Package, PackageOp, package_ops};

use crate::dockerfile::{Dockerfile, Instruction, Keyword, Span};
use text::Mapped;
use walk::{SHELLS, W, Walker, basename};

/// One simple command a RUN instruction executes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The program's basename: `/usr/bin/apt-get` gives `apt-get`. When the
    /// name cannot be known (`$CC`), the name as written.
    pub name: String,
    /// The arguments (argv\[1..\]), after field splitting of expanded
    /// variables. A command run by `xargs` ends with one extra argument
    /// whose value is `None` and whose `raw` is empty: what xargs appends.
    pub args: Vec<Arg>,
    /// The whole simple command (with `VAR=x` prefixes) in
    /// [`Dockerfile::source`]. A command unwrapped from `sudo`/`env`/...
    /// spans from its own name to the end of the wrapper's command.
    pub span: Span,
    /// The command name in [`Dockerfile::source`].
    pub name_span: Span,
}

/// One argument of a [`Command`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// The word after quote removal and expansion of known variables;
    /// `None` when it depends on something unknown (`$(...)`, an unknown
    /// `$X`, `$1`). Tildes and globs are kept as written.
    pub value: Option<String>,
    /// The word as written (continuations joined).
    pub raw: String,
    /// Where the word is written in [`Dockerfile::source`]. A field split
    /// from an unquoted expansion (`$PKGS`) spans that expansion.
    pub span: Span,
}

impl Arg {
    /// The value, or the raw text when the value cannot be known.
    pub fn text(&self) -> &str {
        self.value.as_deref().unwrap_or(&self.raw)
    }
}

impl Command {
    /// True when an option in `names` is given before any `--`. A long
    /// name (`--yes`) also matches `--yes=...`; a single-letter name (`-y`)
    /// also matches inside a cluster (`-qy`).
    pub fn has_flag(&self, names: &[&str]) -> bool {
        for arg in &self.args {
            let Some(v) = arg.value.as_deref() else {
                continue;
            };
            if v == "--" {
                return false;
            }
            let hit = names.iter().any(|n| {
                v == *n
                    || (n.starts_with("--")
                        && v.strip_prefix(n).is_some_and(|r| r.starts_with('=')))
                    || (n.len() == 2
                        && n.starts_with('-')
                        && !v.starts_with("--")
                        && v.len() > 2
                        && v.starts_with('-')
                        && v[1..].chars().all(|c| c.is_ascii_alphabetic())
                        && v[1..].contains(&n[1..]))
            });
            if hit {
                return true;
            }
        }
        false
    }

    /// The values of the arguments, `None` for unknown ones.
    pub fn values(&self) -> impl Iterator<Item = Option<&str>> {
        self.args.iter().map(|a| a.value.as_deref())
    }
}

/// All commands a RUN instruction executes, in order, found by parsing it
/// as shell (tree-sitter-bash).
///
/// `run` is a RUN instruction of `df` (or an `ONBUILD RUN`); anything else
/// gives no commands. `vars` gives the value of a variable the build
/// environment defines (ARG and ENV in scope), `None` when unknown.
///
/// - Shell form: the text after the flags, continuations joined and comment
///   lines inside them dropped as BuildKit does. Nothing is returned when
///   the stage's `SHELL` is not a POSIX shell (PowerShell, cmd).
/// - Exec form: the JSON words are the command line, unexpanded.
/// - Heredocs: `RUN <<EOF` runs the body as a script (unless a shebang
///   names something other than a shell); `RUN bash <<EOF`, `cat <<EOF | sh`
///   feed it to a shell; other heredocs are data.
///
/// Commands are found in lists, pipelines, subshells, groups, compound
/// statements, functions and `$(...)`. Wrappers (`sudo`, `env`, `nice`,
/// `time`, `timeout`, `xargs`, `command`, `exec`, `gosu`...) are reported and
/// followed by the command they run; `sh -c` / `bash -ec` strings (and
/// `su -c`) are parsed in turn, with spans into the string's bytes.
pub fn run_commands(
    df: &Dockerfile,
    run: &Instruction,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Vec<Command> {
    let index = df
        .instructions
        .partition_point(|i| i.span.start < run.span.start);
    let posix = posix_shells(df).get(index).copied().unwrap_or(true);
    commands_of(df, run, posix, vars)
}

/// [`run_commands`] when the caller knows whether the instruction's shell
/// is a POSIX one ([`posix_shells`]).
pub(crate) fn commands_of(
    df: &Dockerfile,
    run: &Instruction,
    posix: bool,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Vec<Command> {
    let run = match (run.keyword, run.onbuild.as_deref()) {
        (Keyword::Run, _) => run,
        (Keyword::Onbuild, Some(sub)) if sub.keyword == Keyword::Run => sub,
        _ => return Vec::new(),
    };
    let mut walker = Walker::new(vars);
    let src = df.source.as_str();
    if run.json {
        let words: Vec<W> = run
            .args
            .iter()
            .map(|w| W {
                value: Some(
                    text::json_string(src, w.span)
                        .unwrap_or_else(|| Mapped::literal(&w.text, w.span.start)),
                ),
                raw: src
                    .get(w.span.start..w.span.end)
                    .unwrap_or(&w.text)
                    .to_string(),
                span: w.span,
            })
            .collect();
        if let (Some(first), Some(last)) = (words.first(), words.last()) {
            let span = Span::new(first.span.start, last.span.end);
            walker.exec(&words, span);
        }
        return walker.out;
    }
    if !posix {
        return Vec::new();
    }
    let Some(word) = run.args.first() else {
        return Vec::new();
    };
    let line = text::logical_text(src, word.span.start, df.escape, &word.text, word.span);
    if run.heredocs.is_empty() {
        walker.script(&line, 0);
        return walker.out;
    }
    let first = &run.heredocs[0];
    let body = Mapped::literal(&first.content, first.span.start);
    if is_lone_heredoc(&word.text) {
        // BuildKit runs the body itself: through the shell, or through the
        // interpreter its shebang names.
        if shebang_is_shell(&first.content) {
            walker.script(&body, 0);
        }
        return walker.out;
    }
    // BuildKit hands the shell the line followed by each body and its
    // terminator.
    let mut full = line;
    for h in &run.heredocs {
        let nl_at = h.span.start.saturating_sub(1);
        full.push_for("\n", Span::new(nl_at, h.span.start), false);
        full.push_literal(&h.content, h.span.start);
        let name_at = h.span.end.saturating_sub(h.name.len());
        full.push_literal(&h.name, name_at);
    }
    walker.script(&full, 0);
    walker.out
}

/// For every instruction, whether the SHELL in force there (the stage's
/// last one before it, or the default) is a POSIX shell rather than
/// `cmd` or PowerShell (whose scripts are not shell). One pass: asking
/// per RUN was quadratic.
pub(crate) fn posix_shells(df: &Dockerfile) -> Vec<bool> {
    let mut posix = true;
    df.instructions
        .iter()
        .map(|ins| {
            let here = posix;
            match ins.keyword {
                Keyword::From => posix = true,
                Keyword::Shell => {
                    posix = ins.args.first().is_none_or(|w| {
                        let s = w.text.to_ascii_lowercase().replace('\\', "/");
                        let b = basename(&s).trim_end_matches(".exe").to_string();
                        !matches!(b.as_str(), "cmd" | "powershell" | "pwsh")
                    })
                }
                _ => {}
            }
            here
        })
        .collect()
}

/// BuildKit's `MustParseHeredoc` on the whole command: the RUN line is just
/// `<<EOF` (or `<<-"EOF"`, `3<<EOF`).
fn is_lone_heredoc(line: &str) -> bool {
    let rest = line.trim_start_matches(|c: char| c.is_ascii_digit());
    let Some(rest) = rest.strip_prefix("<<") else {
        return false;
    };
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    !rest.is_empty() && !rest.contains('<') && !rest.trim().contains([' ', '\t'])
}

/// True when a heredoc script runs in a shell: no shebang, or one naming
/// sh/bash/... directly or through `env`.
fn shebang_is_shell(body: &str) -> bool {
    let Some(line) = body.strip_prefix("#!") else {
        return true;
    };
    let line = line.lines().next().unwrap_or("");
    let mut words = line.split_whitespace();
    let mut prog = words.next().map(basename);
    if prog == Some("env") {
        prog = words.find(|w| !w.starts_with('-')).map(basename);
    }
    prog.is_some_and(|p| SHELLS.contains(&p))
}

/// Paths the commands delete with `rm`, as (value, span) for every operand
/// whose value is known: `rm -rf /var/lib/apt/lists/*` gives
/// `/var/lib/apt/lists/*`. Globs and `~` are kept as written.
pub fn removed_paths(commands: &[Command]) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    for c in commands.iter().filter(|c| c.name == "rm") {
        let mut options = true;
        for a in &c.args {
            let Some(v) = a.value.as_deref() else {
                continue;
            };
            if options && v == "--" {
                options = false;
            } else if options && v.starts_with('-') && v.len() > 1 {
                continue;
            } else if !v.is_empty() {
                out.push((v.to_string(), a.span));
            }
        }
    }
    out
}
