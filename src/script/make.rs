//! Static evaluation of GNU Makefiles.
//!
//! Builder-pattern setups are often driven by a Makefile rather than a shell
//! script: `make build` runs `docker build -f Dockerfile.build`, then
//! `docker create` and `docker cp` to extract the artifact, then the slim
//! `docker build`. To migrate such a setup we need the same [`Trace`] the
//! shell front end produces: the commands `make TARGET` would run, in order,
//! with their arguments evaluated as far as they can be known.
//!
//! [`evaluate`] reads the Makefile the way GNU make does (variables of every
//! flavour, `define`, conditionals, `include`, rules, target-specific
//! variables, the common text functions) and then walks the prerequisite
//! graph depth-first from the goal, each target at most once. Every recipe
//! line is expanded by make's rules and the resulting shell text is handed to
//! the bash evaluator ([`bash::evaluate`]), one shell per line (or one per
//! recipe under `.ONESHELL`), exactly as make would run it. The traces of the
//! lines are concatenated; their locations are mapped back into the Makefile
//! (the exact word when the text needed no make expansion, the whole
//! `$(VAR)` reference otherwise) and their [`Part::Output`] indices shifted.
//!
//! What make itself cannot know statically stays symbolic, as in the shell
//! front end: a variable set neither in the Makefile, nor on the command
//! line ([`MakeOptions::variables`]), nor in the environment
//! ([`bash::Options::env`]) is a [`Part::Unknown`], as is the output of
//! `$(shell ...)` unless the command is a simple one whose output the bash
//! evaluator computes (`pwd`, `cat VERSION`, `dirname`...). A default the
//! Makefile gives such a variable is taken (`TAG ?= latest`,
//! `$(or $(TAG),latest)`, `$(if $(TAG),$(TAG),latest)`), as the shell
//! evaluator takes `${TAG:-latest}`. Unknowns travel through make's
//! expansion as private-use placeholders and through the shell as unset
//! variables (so shell tests on them stay undecided), and are turned back
//! into the original [`Unknown`] at the end.
//!
//! Decisions make takes at read time on unknown values (`ifeq`, `ifdef`,
//! `$(if)`) take the first branch with a [`Note`]; recipe lines read inside
//! such a guessed branch yield [`Condition::Maybe`] commands. Recursive calls
//! of the same Makefile (`$(MAKE) other-target`) are followed; calls into
//! other directories or files are noted.
//!
//! Like the bash evaluator, this never panics and always terminates:
//! prerequisite cycles are dropped with a note (as make does), and
//! expansion, nesting, value sizes, `$(shell)` evaluations, recursive makes
//! and recorded commands are all bounded.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use super::bash::{self, Entry, Files, join_path, norm_path};
use super::trace::{Command, Condition, FileId, Location, Note, Part, Trace, Unknown, Value};
use crate::dockerfile::Span;

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/// How to evaluate a Makefile.
#[derive(Debug, Clone, Default)]
pub struct MakeOptions {
    /// The goal, as in `make TARGET` (several goals separated by blanks);
    /// `None` for make's default goal (`.DEFAULT_GOAL`, else the first
    /// target of the Makefile).
    pub target: Option<String>,
    /// Variables given on the command line (`make VAR=value`): they override
    /// assignments in the Makefile (unless `override`) and are exported to
    /// recipes.
    pub variables: BTreeMap<String, String>,
    /// How recipe lines are evaluated; its `env` is also make's environment,
    /// the lowest-priority source of variables.
    pub shell: bash::Options,
}

/// Evaluates the Makefile `text`, found at `makefile_path`, as `make TARGET`
/// run from its directory (which `files` is rooted at) would.
///
/// The result is one [`Trace`]: file 0 is the Makefile, included files and
/// files sourced by recipes follow. Never panics and always returns; what
/// could not be followed is reported as [`Note`]s.
pub fn evaluate(
    makefile_path: &str,
    text: &str,
    files: &dyn Files,
    options: &MakeOptions,
) -> Trace {
    let path = norm_path(makefile_path);
    let mut session = Session {
        files,
        shell: options.shell.clone(),
        text: sanitize(text),
        path: path.clone(),
        trace: Trace::default(),
        unknowns: Vec::new(),
        budget: EXPANSION_BUDGET,
        shell_evals: 0,
        sub_makes: 0,
        notes_seen: HashSet::new(),
        limit_noted: false,
    };
    session.trace.files.push((path, text.to_string()));
    // Make stops at the first recipe line that fails (unless it is prefixed
    // with `-`), which is what errexit means to the stages that read traces.
    session.trace.errexit = true;
    let clean = |m: &BTreeMap<String, String>| -> BTreeMap<String, String> {
        m.iter().map(|(k, v)| (sanitize(k), sanitize(v))).collect()
    };
    let goals: Vec<String> = options
        .target
        .as_deref()
        .map(|t| sanitize(t).split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let invocation = Invocation {
        variables: clean(&options.variables),
        env: clean(&options.shell.env),
        goals,
        condition: Condition::Always,
        level: 0,
    };
    Make::new(&mut session, invocation).run();
    session.trace
}

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

/// Variable references and function calls expanded per evaluation; beyond
/// it values become unknown, so exponential definitions stay cheap.
const EXPANSION_BUDGET: usize = 200_000;
/// Deepest nesting of expansions, `$(call)`s, `$(eval)`s and includes.
const MAX_DEPTH: usize = 48;
/// Longest value kept; longer ones become unknown.
const MAX_VALUE_LEN: usize = 1 << 16;
/// `$(shell ...)` commands handed to the bash evaluator per evaluation.
const MAX_SHELL_EVALS: usize = 64;
/// Deepest chain of recursive makes followed.
const MAX_MAKE_LEVEL: usize = 4;
/// Recursive makes followed per evaluation.
const MAX_SUB_MAKES: usize = 32;
/// Deepest prerequisite chain walked.
const MAX_BUILD_DEPTH: usize = 200;
/// Notes kept; mutated input must not flood them.
const MAX_NOTES: usize = 500;
/// Commands a `$(shell ...)` evaluation may take.
const SHELL_FN_STEPS: usize = 50;

/// Private-use characters delimiting the placeholder of an unknown value
/// inside make text: `HOLE_OPEN index HOLE_CLOSE`, the index into
/// [`Session::unknowns`]. They differ from the bash evaluator's own.
const HOLE_OPEN: char = '\u{E010}';
const HOLE_CLOSE: char = '\u{E011}';
/// The shell variable an unknown becomes in a recipe line, so that the bash
/// evaluator keeps it unknown (`${__make_unknown_3}`).
const PLACEHOLDER: &str = "__make_unknown_";

/// The reason given for a variable nobody set: `make variable X is not set`.
const REASON_VAR: &str = "make variable";
const REASON_UNSET: &str = "is not set";

// ---------------------------------------------------------------------------
// Text with its origin
// ---------------------------------------------------------------------------

/// Where the bytes of a segment of a [`SrcText`] come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Src {
    /// Byte `i` of the segment is byte `offset + i` of `file`.
    Exact { file: FileId, offset: usize },
    /// Every byte comes from this span (a `$(VAR)` reference, a joined line).
    Opaque(Location),
}

impl Src {
    fn shifted(self, by: usize) -> Src {
        match self {
            Src::Exact { file, offset } => Src::Exact {
                file,
                offset: offset + by,
            },
            other => other,
        }
    }

    /// Where byte `i` of the segment was written.
    fn byte(self, i: usize) -> Location {
        match self {
            Src::Exact { file, offset } => Location {
                file,
                span: Span::new(offset + i, offset + i + 1),
            },
            Src::Opaque(at) => at,
        }
    }
}

/// Text (Makefile lines, expanded values, shell text for a recipe line) with
/// where each byte came from, so that spans in it map back to the Makefile.
#[derive(Debug, Clone, Default)]
struct SrcText {
    text: String,
    /// `(start in text, origin)`, sorted, the first at 0 when non-empty.
    segs: Vec<(usize, Src)>,
}

impl SrcText {
    fn new(text: &str, src: Src) -> SrcText {
        let mut t = SrcText::default();
        t.push(text, src);
        t
    }

    fn len(&self) -> usize {
        self.text.len()
    }

    fn push(&mut self, s: &str, src: Src) {
        if s.is_empty() {
            return;
        }
        let start = self.text.len();
        let continues = match (self.segs.last(), src) {
            (Some(&(prev, Src::Exact { file: f, offset: o })), Src::Exact { file, offset }) => {
                f == file && o + (start - prev) == offset
            }
            (Some(&(_, Src::Opaque(a))), Src::Opaque(b)) => a == b,
            _ => false,
        };
        if !continues {
            self.segs.push((start, src));
        }
        self.text.push_str(s);
    }

    fn seg_end(&self, k: usize) -> usize {
        self.segs.get(k + 1).map_or(self.text.len(), |s| s.0)
    }

    fn append(&mut self, other: &SrcText) {
        for (k, &(start, src)) in other.segs.iter().enumerate() {
            if let Some(s) = other.text.get(start..other.seg_end(k)) {
                self.push(s, src);
            }
        }
    }

    /// Appends `other`'s text as coming from `at` as a whole.
    fn append_opaque(&mut self, other: &str, at: Location) {
        self.push(other, Src::Opaque(at));
    }

    fn seg_index(&self, i: usize) -> usize {
        self.segs
            .partition_point(|&(s, _)| s <= i)
            .saturating_sub(1)
    }

    fn slice(&self, r: Range<usize>) -> SrcText {
        let mut out = SrcText::default();
        if r.start >= r.end || self.text.get(r.clone()).is_none() {
            return out;
        }
        let mut k = self.seg_index(r.start);
        while k < self.segs.len() && self.segs[k].0 < r.end {
            let (s, src) = self.segs[k];
            let e = self.seg_end(k);
            let (a, b) = (s.max(r.start), e.min(r.end));
            if let Some(piece) = self.text.get(a..b) {
                out.push(piece, src.shifted(a - s));
            }
            k += 1;
        }
        out
    }

    fn byte_loc(&self, i: usize) -> Option<Location> {
        let k = self.seg_index(i);
        let &(s, src) = self.segs.get(k)?;
        Some(src.byte(i.saturating_sub(s)))
    }

    /// Where the bytes `r` were written: from the origin of the first to the
    /// origin of the last.
    fn loc(&self, r: Range<usize>) -> Location {
        let last = self.text.len().saturating_sub(1);
        let Some(a) = self.byte_loc(r.start.min(last)) else {
            return Location::default();
        };
        if r.end <= r.start {
            return Location {
                file: a.file,
                span: Span::new(a.span.start, a.span.start),
            };
        }
        let b = self.byte_loc((r.end - 1).min(last)).unwrap_or(a);
        if a.file != b.file || b.span.end < a.span.start {
            return a;
        }
        Location {
            file: a.file,
            span: Span::new(a.span.start, b.span.end),
        }
    }

    fn whole_loc(&self) -> Location {
        self.loc(0..self.text.len())
    }

    fn trim_start(&self) -> SrcText {
        let n = self.text.len() - self.text.trim_start().len();
        self.slice(n..self.text.len())
    }

    fn trim_end(&self) -> SrcText {
        self.slice(0..self.text.trim_end().len())
    }

    fn trim(&self) -> SrcText {
        self.trim_start().trim_end()
    }
}

// ---------------------------------------------------------------------------
// The evaluation: shared state and one make invocation
// ---------------------------------------------------------------------------

/// What all make invocations of one evaluation (the top one and the
/// recursive makes it follows) share.
struct Session<'f> {
    files: &'f dyn Files,
    shell: bash::Options,
    /// The Makefile, with placeholder characters neutralised.
    text: String,
    path: String,
    trace: Trace,
    /// The unknowns that placeholders refer to.
    unknowns: Vec<Unknown>,
    budget: usize,
    shell_evals: usize,
    sub_makes: usize,
    notes_seen: HashSet<(String, Location)>,
    limit_noted: bool,
}

impl Session<'_> {
    fn note(&mut self, message: impl Into<String>, at: Location) {
        let message = message.into();
        if self.trace.notes.len() >= MAX_NOTES {
            return;
        }
        if self.notes_seen.insert((message.clone(), at)) {
            self.trace.notes.push(Note { message, at });
        }
    }

    /// A placeholder for `u` to carry through make text.
    fn hole(&mut self, u: Unknown) -> String {
        let i = self.unknowns.len();
        self.unknowns.push(u);
        format!("{HOLE_OPEN}{i}{HOLE_CLOSE}")
    }

    /// Adds a file read by an include or a recipe's `source`, once.
    fn add_file(&mut self, path: &str, text: &str) -> FileId {
        if let Some(i) = self
            .trace
            .files
            .iter()
            .position(|(p, t)| p == path && t == text)
        {
            return i;
        }
        self.trace.files.push((path.to_string(), text.to_string()));
        self.trace.files.len() - 1
    }

    fn steps_left(&self) -> usize {
        self.shell
            .max_steps
            .saturating_sub(self.trace.commands.len())
    }

    /// Renders placeholders as the text of their unknowns, for messages.
    fn display(&self, s: &str) -> String {
        let mut out = String::new();
        for piece in hole_pieces(s) {
            match piece {
                HolePiece::Lit(l) => out.push_str(l),
                HolePiece::Hole(i) => match self.unknowns.get(i) {
                    Some(u) => out.push_str(&u.text),
                    None => out.push('?'),
                },
            }
        }
        out
    }

    /// The reason of the first unknown in `s`.
    fn reason_of(&self, s: &str) -> String {
        hole_pieces(s)
            .into_iter()
            .find_map(|p| match p {
                HolePiece::Hole(i) => self.unknowns.get(i).map(|u| u.reason.clone()),
                HolePiece::Lit(_) => None,
            })
            .unwrap_or_else(|| "not known statically".into())
    }
}

/// How a make is invoked.
struct Invocation {
    variables: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
    goals: Vec<String>,
    /// The condition of the `make` command that started it (recursive make).
    condition: Condition,
    level: usize,
}

/// Where a variable's value came from, as `$(origin)` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Default,
    Environment,
    File,
    CommandLine,
    Override,
    Automatic,
}

#[derive(Debug, Clone)]
struct Var {
    /// Unexpanded for a recursive variable, expanded for a simple one.
    value: SrcText,
    recursive: bool,
    origin: Origin,
    /// `export`/`unexport` given explicitly.
    export: Option<bool>,
}

/// An assignment operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Recursive,
    Simple,
    Conditional,
    Append,
    Shell,
}

/// A target-specific (or pattern-specific) assignment.
#[derive(Debug, Clone)]
struct TargetVar {
    target: String,
    name: String,
    op: Op,
    value: SrcText,
    origin: Origin,
    export: Option<bool>,
    at: Location,
}

#[derive(Debug, Clone)]
struct RecipeLine {
    text: SrcText,
    /// Read inside a conditional branch taken on a guess.
    maybe: bool,
}

#[derive(Debug, Clone)]
struct Rule {
    targets: Vec<String>,
    prereqs: Vec<String>,
    order_only: Vec<String>,
    recipe: Vec<RecipeLine>,
    has_recipe: bool,
    double_colon: bool,
    grouped: bool,
    /// A pattern rule (`%.o: %.c`).
    pattern: bool,
    /// `$*` for a static pattern rule.
    stem: Option<String>,
    at: Location,
}

/// What the rules say about one target.
#[derive(Debug, Clone, Default)]
struct TargetEntry {
    prereqs: Vec<String>,
    order_only: Vec<String>,
    /// The rule whose recipe makes it.
    recipe: Option<usize>,
    /// Double-colon rules, each run on its own.
    double: Vec<usize>,
    at: Location,
}

/// One make process: its variables, rules and what it has made.
struct Make<'s, 'f> {
    s: &'s mut Session<'f>,
    globals: HashMap<String, Var>,
    scopes: Vec<HashMap<String, Var>>,
    /// Recursive variables being expanded (self-reference detection).
    expanding: Vec<String>,
    depth: usize,
    rules: Vec<Rule>,
    index: Option<HashMap<String, TargetEntry>>,
    target_vars: Vec<TargetVar>,
    phony: HashSet<String>,
    first_goal: Option<String>,
    oneshell: bool,
    export_all: bool,
    exports: HashMap<String, bool>,
    recipe_prefix: char,
    /// Variables that came from the environment: exported by default.
    env_names: HashSet<String>,
    env: BTreeMap<String, String>,
    cmdline: BTreeMap<String, String>,
    goals: Vec<String>,
    done: HashSet<String>,
    building: Vec<String>,
    condition: Condition,
    level: usize,
    includes: Vec<String>,
}

/// The state of reading one text (a file, an `$(eval)`).
#[derive(Default)]
struct Reader {
    conds: Vec<Frame>,
    /// The rules recipe lines attach to; `None` outside a rule.
    ctx: Option<Vec<usize>>,
}

/// An open conditional.
struct Frame {
    /// Lines of the current branch are read.
    active: bool,
    /// A branch has been taken (later `else`s are skipped).
    taken: bool,
    /// The enclosing branch is read.
    parent: bool,
    /// The current branch was taken on a guess.
    guessed: bool,
}

impl Reader {
    fn active(&self) -> bool {
        self.conds.last().is_none_or(|f| f.active)
    }

    fn guessed(&self) -> bool {
        self.conds.iter().any(|f| f.active && f.guessed)
    }
}

impl<'s, 'f> Make<'s, 'f> {
    fn new(s: &'s mut Session<'f>, inv: Invocation) -> Make<'s, 'f> {
        let mut m = Make {
            s,
            globals: HashMap::new(),
            scopes: Vec::new(),
            expanding: Vec::new(),
            depth: 0,
            rules: Vec::new(),
            index: None,
            target_vars: Vec::new(),
            phony: HashSet::new(),
            first_goal: None,
            oneshell: false,
            export_all: false,
            exports: HashMap::new(),
            recipe_prefix: '\t',
            env_names: HashSet::new(),
            env: inv.env.clone(),
            cmdline: inv.variables.clone(),
            goals: inv.goals,
            done: HashSet::new(),
            building: Vec::new(),
            condition: inv.condition,
            level: inv.level,
            includes: Vec::new(),
        };
        let nowhere = Src::Opaque(Location::default());
        let set = |m: &mut Make, name: &str, value: &str, recursive: bool, origin: Origin| {
            m.globals.insert(
                name.to_string(),
                Var {
                    value: SrcText::new(value, nowhere),
                    recursive,
                    origin,
                    export: None,
                },
            );
        };
        // Make's own variables and the built-in defaults builder Makefiles
        // use. SHELL is never taken from the environment.
        let makefile_name = file_name(&m.s.path);
        let goals = m.goals.join(" ");
        let makeflags = if inv.variables.is_empty() {
            String::new()
        } else {
            let vars: Vec<String> = inv
                .variables
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            format!(" -- {}", vars.join(" "))
        };
        for (name, value) in [
            ("MAKE", "make"),
            ("MAKE_COMMAND", "make"),
            ("SHELL", "/bin/sh"),
            (".SHELLFLAGS", "-c"),
            ("CURDIR", "."),
            ("MAKELEVEL", &inv.level.to_string()),
            ("MAKEFLAGS", &makeflags),
            ("MAKECMDGOALS", &goals),
            (".DEFAULT_GOAL", ""),
            (".RECIPEPREFIX", ""),
            ("RM", "rm -f"),
            ("CC", "cc"),
            ("CXX", "g++"),
            ("CPP", "$(CC) -E"),
            ("AR", "ar"),
            ("AS", "as"),
            ("LD", "ld"),
        ] {
            set(&mut m, name, value, false, Origin::Default);
        }
        set(
            &mut m,
            "MAKEFILE_LIST",
            &format!(" {makefile_name}"),
            false,
            Origin::File,
        );
        if inv.level == 0 && !inv.env.contains_key("PWD") {
            // The shell that runs make exports PWD: the directory make
            // starts in (`-v $(PWD):/src` is a common idiom).
            set(&mut m, "PWD", ".", false, Origin::Environment);
        }
        for (k, v) in &inv.env {
            if k == "SHELL" || k == "MAKEFLAGS" || k == "MAKELEVEL" {
                continue;
            }
            set(&mut m, k, v, true, Origin::Environment);
            m.env_names.insert(k.clone());
        }
        for (k, v) in &inv.variables {
            set(&mut m, k, v, true, Origin::CommandLine);
        }
        m
    }

    fn note(&mut self, message: impl Into<String>, at: Location) {
        self.s.note(message, at);
    }

    /// Reads the Makefile and makes the goals.
    fn run(&mut self) {
        let text = SrcText::new(&self.s.text.clone(), Src::Exact { file: 0, offset: 0 });
        self.includes.push(self.s.path.clone());
        self.read(&text);
        let mut goals = self.goals.clone();
        if goals.is_empty() {
            let dflt = self.var_value(".DEFAULT_GOAL");
            let dflt = dflt.text.trim();
            if !dflt.is_empty() && !has_hole(dflt) {
                goals.push(dflt.to_string());
            } else if let Some(g) = self.first_goal.clone() {
                goals.push(g);
            } else {
                self.note("*** No targets.  Stop.", Location::default());
            }
        }
        for g in goals {
            self.build(&g, None, Location::default());
        }
    }
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/// The directive words recognised at the start of a line.
const CONDITIONALS: &[&str] = &["ifeq", "ifneq", "ifdef", "ifndef"];

impl Make<'_, '_> {
    /// Reads make text (a file, an included file, an `$(eval)` argument).
    fn read(&mut self, t: &SrcText) {
        if self.depth >= MAX_DEPTH {
            self.note("nesting too deep: text not read", t.loc(0..t.len().min(1)));
            return;
        }
        self.depth += 1;
        let mut r = Reader::default();
        let lines = line_ranges(&t.text);
        let mut i = 0;
        while i < lines.len() {
            let line = t.slice(lines[i].clone());
            i += 1;
            // A recipe line: starts with the recipe prefix inside a rule.
            if r.ctx.is_some() && line.text.starts_with(self.recipe_prefix) {
                let mut rec = line.slice(self.recipe_prefix.len_utf8()..line.len());
                while odd_backslashes(&rec.text) && i < lines.len() {
                    // The shell sees the backslash-newline; make only drops
                    // the recipe prefix of the continuation line.
                    let nl = lines[i - 1].end;
                    rec.append(&t.slice(nl..nl + 1));
                    let next = t.slice(lines[i].clone());
                    i += 1;
                    if next.text.starts_with(self.recipe_prefix) {
                        rec.append(&next.slice(self.recipe_prefix.len_utf8()..next.len()));
                    } else {
                        rec.append(&next);
                    }
                }
                if r.active() {
                    let maybe = r.guessed();
                    let ctx = r.ctx.clone().unwrap_or_default();
                    for idx in ctx {
                        if let Some(rule) = self.rules.get_mut(idx) {
                            rule.recipe.push(RecipeLine {
                                text: rec.clone(),
                                maybe,
                            });
                            rule.has_recipe = true;
                        }
                    }
                    self.index = None;
                }
                continue;
            }
            // An ordinary line: backslash-newline and the blanks around it
            // become one space.
            let mut logical = line;
            while odd_backslashes(&logical.text) && i < lines.len() {
                let bs = logical.len() - 1;
                let at = logical.loc(bs..bs + 1);
                let mut joined = logical.slice(0..bs).trim_end();
                joined.append_opaque(" ", at);
                joined.append(&t.slice(lines[i].clone()).trim_start());
                i += 1;
                logical = joined;
            }
            let first = first_word(&logical.text);
            if first == "define"
                || (is_prefix_word(first) && second_word(&logical.text) == "define")
            {
                if r.active() {
                    r.ctx = None;
                }
                i = self.read_define(t, &lines, i, &logical, r.active());
                continue;
            }
            let line = strip_comment(&logical);
            let trimmed = line.trim();
            if trimmed.text.is_empty() {
                continue;
            }
            let word = first_word(&trimmed.text);
            if CONDITIONALS.contains(&word) || word == "else" || word == "endif" {
                self.conditional(&mut r, &trimmed);
                continue;
            }
            if !r.active() {
                continue;
            }
            self.line(&mut r, &trimmed);
        }
        if !r.conds.is_empty() {
            self.note("missing 'endif'", t.loc(t.len().saturating_sub(1)..t.len()));
        }
        self.depth -= 1;
    }

    /// Reads `define NAME [op]` ... `endef` starting at the logical line
    /// `head`; returns the index of the line after `endef`.
    fn read_define(
        &mut self,
        t: &SrcText,
        lines: &[Range<usize>],
        mut i: usize,
        head: &SrcText,
        active: bool,
    ) -> usize {
        let at = head.whole_loc();
        let mut body = SrcText::default();
        let mut nested = 0usize;
        let mut closed = false;
        let mut first = true;
        while i < lines.len() {
            let line = t.slice(lines[i].clone());
            i += 1;
            let w = first_word(&line.text);
            if w == "endef" {
                if nested == 0 {
                    closed = true;
                    break;
                }
                nested -= 1;
            } else if w == "define" {
                nested += 1;
            }
            if !first {
                let nl = lines[i - 2].end;
                body.append(&t.slice(nl..nl + 1));
            }
            first = false;
            body.append(&line);
        }
        if !closed {
            self.note("missing 'endef', unterminated 'define'", at);
        }
        if !active {
            return i;
        }
        // `[override|export|private] define NAME [op]`
        let head = strip_comment(head).trim();
        let mut rest = head.text.as_str();
        let mut origin = Origin::File;
        let mut export = None;
        loop {
            let w = first_word(rest);
            match w {
                "override" => origin = Origin::Override,
                "export" => export = Some(true),
                "private" => {}
                "define" => {
                    rest = rest[w.len()..].trim_start();
                    break;
                }
                _ => break,
            }
            rest = rest[w.len()..].trim_start();
        }
        let (name, op) = match rest.rsplit_once(char::is_whitespace) {
            Some((n, o)) if parse_op(o.trim()).is_some() => (
                n.trim().to_string(),
                parse_op(o.trim()).unwrap_or(Op::Recursive),
            ),
            _ => match parse_op_suffix(rest) {
                Some((n, op)) => (n.to_string(), op),
                None => (rest.trim().to_string(), Op::Recursive),
            },
        };
        let name = self.expand_str(&name, at);
        if name.is_empty() {
            self.note("empty variable name in 'define'", at);
            return i;
        }
        self.assign(&name, op, &body, origin, export, false, at);
        i
    }

    /// Handles `ifeq`/`ifneq`/`ifdef`/`ifndef`/`else`/`endif`.
    fn conditional(&mut self, r: &mut Reader, line: &SrcText) {
        let at = line.whole_loc();
        let word = first_word(&line.text);
        let rest = line.slice(word.len()..line.len()).trim_start();
        match word {
            "endif" => {
                if r.conds.pop().is_none() {
                    self.note("extraneous 'endif'", at);
                }
            }
            "else" => {
                let Some(frame) = r.conds.last() else {
                    self.note("extraneous 'else'", at);
                    return;
                };
                let (parent, taken) = (frame.parent, frame.taken);
                let inner = first_word(&rest.text);
                let decision = if !parent || taken {
                    Some(false)
                } else if CONDITIONALS.contains(&inner) {
                    let cond = rest.slice(inner.len()..rest.len()).trim_start();
                    self.decide(inner, &cond, at)
                } else {
                    Some(true)
                };
                if let Some(f) = r.conds.last_mut() {
                    f.active = decision.unwrap_or(true) && parent && !taken;
                    f.guessed = decision.is_none();
                    f.taken = taken || f.active;
                }
            }
            _ => {
                let parent = r.active();
                let decision = if parent {
                    self.decide(word, &rest, at)
                } else {
                    Some(false)
                };
                let active = parent && decision.unwrap_or(true);
                r.conds.push(Frame {
                    active,
                    taken: active,
                    parent,
                    guessed: parent && decision.is_none(),
                });
            }
        }
    }

    /// Evaluates a conditional; `None` when it cannot be known (noted).
    fn decide(&mut self, word: &str, args: &SrcText, at: Location) -> Option<bool> {
        match word {
            "ifdef" | "ifndef" => {
                let name = self.expand(args).text.trim().to_string();
                let defined = if has_hole(&name) {
                    None
                } else {
                    match self.lookup(&name) {
                        // A recursive variable is not expanded: any text
                        // defines it. A simple one may hold unknowns.
                        Some(v) if v.recursive => Some(!v.value.text.is_empty()),
                        Some(v) => emptiness(&v.value.text).map(|empty| !empty),
                        None if is_automatic(&name) => Some(false),
                        None => None,
                    }
                };
                match defined {
                    Some(d) => Some(d == (word == "ifdef")),
                    None => {
                        let why = match self.lookup(&name) {
                            _ if has_hole(&name) => self.s.reason_of(&name),
                            Some(v) => self.s.reason_of(&v.value.text),
                            None => format!("{REASON_VAR} {name} {REASON_UNSET}"),
                        };
                        self.note(
                            format!(
                                "condition '{word} {}' is not known ({why}); taking the first branch",
                                self.s.display(&name)
                            ),
                            at,
                        );
                        None
                    }
                }
            }
            _ => {
                let Some((a, b)) = split_ifeq(args) else {
                    let shown = self.s.display(&args.text);
                    self.note(format!("invalid syntax in conditional: {shown}"), at);
                    return Some(false);
                };
                let a = self.expand(&a).text;
                let b = self.expand(&b).text;
                if has_hole(&a) || has_hole(&b) {
                    let why = self.s.reason_of(if has_hole(&a) { &a } else { &b });
                    self.note(
                        format!(
                            "condition '{word} ({},{})' is not known ({why}); taking the first branch",
                            self.s.display(&a),
                            self.s.display(&b)
                        ),
                        at,
                    );
                    None
                } else {
                    Some((a == b) == (word == "ifeq"))
                }
            }
        }
    }

    /// Reads one logical line that is not a recipe line, a conditional or
    /// blank.
    fn line(&mut self, r: &mut Reader, line: &SrcText) {
        let at = line.whole_loc();
        let word = first_word(&line.text);
        let rest = line.slice(word.len()..line.len()).trim_start();
        let is_assignment = find_assignment(&rest.text).is_some_and(|a| a.name_end == 0);
        match word {
            "include" | "-include" | "sinclude" if !is_assignment => {
                r.ctx = None;
                self.include(&rest, word == "include", at);
                return;
            }
            "export" | "unexport" if !is_assignment => {
                r.ctx = None;
                let export = word == "export";
                if find_assignment(&rest.text).is_some() {
                    self.assignment(&rest, Origin::File, Some(export), false, at);
                } else if rest.text.is_empty() {
                    self.export_all = export;
                } else {
                    let names = self.expand(&rest).text;
                    for n in names.split_whitespace() {
                        self.exports.insert(n.to_string(), export);
                    }
                }
                return;
            }
            "override" if !is_assignment => {
                r.ctx = None;
                let w = first_word(&rest.text);
                let (inner, export) = if w == "export" {
                    (rest.slice(w.len()..rest.len()).trim_start(), Some(true))
                } else {
                    (rest, None)
                };
                if find_assignment(&inner.text).is_some() {
                    self.assignment(&inner, Origin::Override, export, false, at);
                } else {
                    self.note("'override' without an assignment", at);
                }
                return;
            }
            "private" if !is_assignment => {
                // `private` only hides a variable from prerequisites. Strip
                // every such word here, so the call below cannot recurse.
                let mut rest = rest;
                while first_word(&rest.text) == "private" {
                    rest = rest.slice("private".len()..rest.len()).trim_start();
                }
                self.line(r, &rest);
                return;
            }
            "undefine" if !is_assignment => {
                r.ctx = None;
                let name = self.expand(&rest).text.trim().to_string();
                let protected = self
                    .globals
                    .get(&name)
                    .is_some_and(|v| v.origin == Origin::CommandLine);
                if !protected {
                    self.globals.remove(&name);
                }
                return;
            }
            "vpath" | "load" | "-load" if !is_assignment => {
                r.ctx = None;
                return;
            }
            _ => {}
        }
        match classify(&line.text) {
            LineKind::Assignment => {
                r.ctx = None;
                self.assignment(line, Origin::File, None, false, at);
            }
            LineKind::Rule(colon) => self.rule(r, line, colon, at),
            LineKind::Other => {
                r.ctx = None;
                // A line that is only a function call (`$(eval ...)`,
                // `$(info ...)`) is expanded for its effects.
                let value = self.expand(line);
                if !value.text.trim().is_empty() {
                    self.note(
                        format!(
                            "*** missing separator: {}",
                            self.s.display(value.text.trim())
                        ),
                        at,
                    );
                }
            }
        }
    }

    /// `include FILES`: reads each file through `files`.
    fn include(&mut self, args: &SrcText, required: bool, at: Location) {
        let names = self.expand(args).text;
        for name in names.split_whitespace() {
            if has_hole(name) {
                self.note(
                    format!("included file {} is not known", self.s.display(name)),
                    at,
                );
                continue;
            }
            let path = norm_path(name);
            if self.includes.contains(&path) || self.includes.len() > MAX_DEPTH {
                self.note(format!("{path} includes itself: not read again"), at);
                continue;
            }
            let Some(text) = self.s.files.read(&path) else {
                if required {
                    self.note(format!("{name}: No such file or directory"), at);
                }
                continue;
            };
            let id = self.s.add_file(&path, &text);
            let mut list = self.var_value("MAKEFILE_LIST").text;
            list.push(' ');
            list.push_str(name);
            self.set_simple("MAKEFILE_LIST", &list, Origin::File, at);
            self.includes.push(path);
            self.read(&SrcText::new(
                &sanitize(&text),
                Src::Exact {
                    file: id,
                    offset: 0,
                },
            ));
            self.includes.pop();
        }
    }

    /// `NAME op value` (after any `export`/`override` prefix).
    fn assignment(
        &mut self,
        line: &SrcText,
        origin: Origin,
        export: Option<bool>,
        scoped: bool,
        at: Location,
    ) {
        let Some(a) = find_assignment(&line.text) else {
            return;
        };
        let name = line.slice(0..a.name_end).trim();
        let name = self.expand(&name).text.trim().to_string();
        if name.is_empty() {
            self.note("*** empty variable name", at);
            return;
        }
        let value = line.slice(a.value_start..line.len()).trim_start();
        self.assign(&name, a.op, &value, origin, export, scoped, at);
    }

    /// Assigns a variable, globally or (`scoped`) in the innermost scope.
    #[allow(clippy::too_many_arguments)]
    fn assign(
        &mut self,
        name: &str,
        op: Op,
        value: &SrcText,
        origin: Origin,
        export: Option<bool>,
        scoped: bool,
        at: Location,
    ) {
        let existing = self.lookup(name).cloned();
        if let Some(e) = &existing {
            let protected = matches!(e.origin, Origin::CommandLine | Origin::Override)
                && origin != Origin::Override
                && origin != Origin::CommandLine;
            if protected {
                if let Some(x) = export {
                    self.exports.insert(name.to_string(), x);
                }
                return;
            }
        }
        let var = match op {
            Op::Recursive => Var {
                value: value.clone(),
                recursive: true,
                origin,
                export,
            },
            Op::Simple => Var {
                value: self.expand(value),
                recursive: false,
                origin,
                export,
            },
            Op::Conditional => {
                if existing.is_some() {
                    if let Some(x) = export {
                        self.exports.insert(name.to_string(), x);
                    }
                    return;
                }
                Var {
                    value: value.clone(),
                    recursive: true,
                    origin,
                    export,
                }
            }
            Op::Shell => {
                let cmd = self.expand(value);
                let out = self.shell_function(&cmd.text, &format!("$(shell {})", value.text), at);
                Var {
                    value: out,
                    recursive: false,
                    origin,
                    export,
                }
            }
            Op::Append => match existing {
                None => Var {
                    value: value.clone(),
                    recursive: true,
                    origin,
                    export,
                },
                Some(e) => {
                    let mut v = e.value.clone();
                    let added = if e.recursive {
                        value.clone()
                    } else {
                        self.expand(value)
                    };
                    if !v.text.is_empty() && !added.text.is_empty() {
                        v.append_opaque(" ", at);
                    }
                    v.append(&added);
                    Var {
                        value: v,
                        recursive: e.recursive,
                        // Appending in the Makefile makes it the Makefile's,
                        // unless the value is protected by `override`.
                        origin: if origin == Origin::Override
                            || matches!(e.origin, Origin::Default | Origin::Environment)
                        {
                            origin
                        } else {
                            e.origin
                        },
                        export: export.or(e.export),
                    }
                }
            },
        };
        let var = self.bounded(var, at);
        if scoped && let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_string(), var);
            return;
        }
        if let Some(x) = export {
            self.exports.insert(name.to_string(), x);
        }
        if name == ".RECIPEPREFIX" {
            let v = self.value_of(&var);
            self.recipe_prefix = v.text.chars().next().unwrap_or('\t');
        }
        self.globals.insert(name.to_string(), var);
    }

    /// A variable whose value grew too large becomes unknown.
    fn bounded(&mut self, mut var: Var, at: Location) -> Var {
        if var.value.len() > MAX_VALUE_LEN {
            let h = self.s.hole(Unknown {
                text: "(a very long value)".into(),
                reason: "value too long to keep".into(),
                at,
            });
            var.value = SrcText::new(&h, Src::Opaque(at));
            var.recursive = false;
        }
        var
    }

    fn set_simple(&mut self, name: &str, value: &str, origin: Origin, at: Location) {
        self.globals.insert(
            name.to_string(),
            Var {
                value: SrcText::new(value, Src::Opaque(at)),
                recursive: false,
                origin,
                export: None,
            },
        );
    }

    /// A rule line; `colon` is the byte of its first `:`.
    fn rule(&mut self, r: &mut Reader, line: &SrcText, colon: usize, at: Location) {
        let mut targets_raw = line.slice(0..colon);
        let mut grouped = false;
        if targets_raw.text.trim_end().ends_with('&') {
            let end = targets_raw.text.trim_end().len() - 1;
            targets_raw = targets_raw.slice(0..end);
            grouped = true;
        }
        let mut after = colon + 1;
        let double_colon = line.text.as_bytes().get(after) == Some(&b':');
        if double_colon {
            after += 1;
        }
        let rest = line.slice(after..line.len());
        // The recipe after `;` is shell text, not expanded now.
        let (deps_raw, inline_recipe) = match find_top(&rest.text, |c| c == b';') {
            Some(semi) => (rest.slice(0..semi), Some(rest.slice(semi + 1..rest.len()))),
            None => (rest, None),
        };
        let targets = self.expand(&targets_raw).text;
        let targets: Vec<String> = targets.split_whitespace().map(str::to_string).collect();
        // Target-specific variable: `targets: [override|export] VAR = value`.
        if inline_recipe.is_none() && find_assignment(&deps_raw.text).is_some() {
            r.ctx = None;
            self.target_assignment(&targets, &deps_raw.trim(), at);
            return;
        }
        // Static pattern rule: `targets: target-pattern: prereq-patterns`.
        let (static_pattern, deps_raw) = match find_top(&deps_raw.text, |c| c == b':') {
            Some(c2) => {
                let pat = self.expand(&deps_raw.slice(0..c2)).text.trim().to_string();
                (Some(pat), deps_raw.slice(c2 + 1..deps_raw.len()))
            }
            None => (None, deps_raw),
        };
        let deps = self.expand(&deps_raw).text;
        let (normal, order_only) = match deps.split_once('|') {
            Some((a, b)) => (a.to_string(), b.to_string()),
            None => (deps, String::new()),
        };
        let words = |s: &str| -> Vec<String> { s.split_whitespace().map(str::to_string).collect() };
        let (normal, order_only) = (words(&normal), words(&order_only));

        // Special targets change how make works rather than naming files.
        let mut indices = Vec::new();
        for t in &targets {
            match t.as_str() {
                ".PHONY" => self.phony.extend(normal.iter().cloned()),
                ".ONESHELL" => self.oneshell = true,
                ".EXPORT_ALL_VARIABLES" => self.export_all = true,
                ".SECONDEXPANSION" => self.note(
                    ".SECONDEXPANSION is not supported: prerequisites are expanded once",
                    at,
                ),
                _ => {}
            }
        }
        let mk_rule = |targets: Vec<String>,
                       prereqs: Vec<String>,
                       oo: Vec<String>,
                       stem: Option<String>| Rule {
            pattern: stem.is_none() && targets.iter().any(|t| t.contains('%')),
            targets,
            prereqs,
            order_only: oo,
            recipe: Vec::new(),
            has_recipe: false,
            double_colon,
            grouped,
            stem,
            at,
        };
        match static_pattern {
            Some(pat) => {
                for t in &targets {
                    let Some(stem) = pattern_match(&pat, t) else {
                        self.note(format!("target '{t}' doesn't match the target pattern"), at);
                        continue;
                    };
                    let subst = |ws: &[String]| -> Vec<String> {
                        ws.iter().map(|w| pattern_replace(w, stem)).collect()
                    };
                    let rule = mk_rule(
                        vec![t.clone()],
                        subst(&normal),
                        subst(&order_only),
                        Some(stem.to_string()),
                    );
                    indices.push(self.rules.len());
                    self.rules.push(rule);
                }
            }
            None => {
                indices.push(self.rules.len());
                self.rules
                    .push(mk_rule(targets.clone(), normal, order_only, None));
            }
        }
        if self.first_goal.is_none() {
            let goal = targets
                .iter()
                .find(|t| (!t.starts_with('.') || t.contains('/')) && !t.contains('%'));
            if let Some(g) = goal {
                self.first_goal = Some(g.clone());
                if self.var_value(".DEFAULT_GOAL").text.is_empty() {
                    self.set_simple(".DEFAULT_GOAL", g, Origin::Default, at);
                }
            }
        }
        if let Some(recipe) = inline_recipe {
            let maybe = r.guessed();
            for &idx in &indices {
                if let Some(rule) = self.rules.get_mut(idx) {
                    rule.recipe.push(RecipeLine {
                        text: recipe.clone(),
                        maybe,
                    });
                    rule.has_recipe = true;
                }
            }
        }
        self.index = None;
        r.ctx = Some(indices);
    }

    /// `targets: [override|export] VAR op value`.
    fn target_assignment(&mut self, targets: &[String], text: &SrcText, at: Location) {
        let mut text = text.clone();
        let mut origin = Origin::File;
        let mut export = None;
        loop {
            let w = first_word(&text.text);
            let is_kw = matches!(w, "override" | "export" | "private")
                && find_assignment(&text.text).is_some_and(|a| a.name_end > w.len());
            if !is_kw {
                break;
            }
            match w {
                "override" => origin = Origin::Override,
                "export" => export = Some(true),
                _ => {}
            }
            text = text.slice(w.len()..text.len()).trim_start();
        }
        let Some(a) = find_assignment(&text.text) else {
            return;
        };
        let name = self
            .expand(&text.slice(0..a.name_end))
            .text
            .trim()
            .to_string();
        let value = text.slice(a.value_start..text.len()).trim_start();
        for t in targets {
            self.target_vars.push(TargetVar {
                target: t.clone(),
                name: name.clone(),
                op: a.op,
                value: value.clone(),
                origin,
                export,
                at,
            });
        }
    }
}

// ---------------------------------------------------------------------------
// Expansion
// ---------------------------------------------------------------------------

/// Functions make knows; a reference starting with one of these names and
/// a blank is a call.
const FUNCTIONS: &[&str] = &[
    "subst",
    "patsubst",
    "strip",
    "findstring",
    "filter",
    "filter-out",
    "sort",
    "word",
    "wordlist",
    "words",
    "firstword",
    "lastword",
    "dir",
    "notdir",
    "suffix",
    "basename",
    "addsuffix",
    "addprefix",
    "join",
    "wildcard",
    "realpath",
    "abspath",
    "if",
    "or",
    "and",
    "foreach",
    "call",
    "value",
    "eval",
    "origin",
    "flavor",
    "shell",
    "error",
    "warning",
    "info",
    "file",
];

impl Make<'_, '_> {
    fn lookup(&self, name: &str) -> Option<&Var> {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.get(name))
            .or_else(|| self.globals.get(name))
    }

    /// A variable's value, expanded ("" when unset).
    fn var_value(&mut self, name: &str) -> SrcText {
        match self.lookup(name).cloned() {
            Some(v) => self.value_of(&v),
            None => SrcText::default(),
        }
    }

    fn value_of(&mut self, v: &Var) -> SrcText {
        if v.recursive {
            self.expand(&v.value)
        } else {
            v.value.clone()
        }
    }

    /// Expands a string that has no origin of its own.
    fn expand_str(&mut self, s: &str, at: Location) -> String {
        self.expand(&SrcText::new(s, Src::Opaque(at))).text
    }

    /// A placeholder text for an unknown.
    fn unknown(&mut self, text: &str, reason: impl Into<String>, at: Location) -> SrcText {
        let text = self.s.display(text);
        let h = self.s.hole(Unknown {
            text,
            reason: reason.into(),
            at,
        });
        SrcText::new(&h, Src::Opaque(at))
    }

    /// An unknown derived from a value with unknowns in it.
    fn derived(&mut self, text: &str, from: &str, at: Location) -> SrcText {
        let reason = self.s.reason_of(from);
        self.unknown(text, reason, at)
    }

    /// Make's expansion of `t`: variable references and function calls
    /// replaced by their values, `$$` by `$`.
    fn expand(&mut self, t: &SrcText) -> SrcText {
        if !t.text.contains('$') {
            return t.clone();
        }
        if self.depth >= MAX_DEPTH {
            let at = t.whole_loc();
            self.note("expansion nested too deeply", at);
            return self.unknown(&t.text, "expansion nested too deeply", at);
        }
        self.depth += 1;
        let mut out = SrcText::default();
        let b = t.text.as_bytes();
        let mut i = 0;
        let mut lit = 0;
        while i < b.len() {
            if b[i] != b'$' {
                i += 1;
                continue;
            }
            out.append(&t.slice(lit..i));
            match b.get(i + 1) {
                // A lone `$` at the end expands to nothing.
                None => i += 1,
                Some(b'$') => {
                    out.append_opaque("$", t.loc(i..i + 2));
                    i += 2;
                }
                Some(&open @ (b'(' | b'{')) => {
                    let close = if open == b'(' { b')' } else { b'}' };
                    match matching(b, i + 2, open, close) {
                        Some(end) => {
                            let at = t.loc(i..end + 1);
                            let text = t.text[i..=end].to_string();
                            let value = self.reference(&t.slice(i + 2..end), &text, at);
                            out.append_opaque(&value.text, at);
                            i = end + 1;
                        }
                        None => {
                            let at = t.loc(i..t.len());
                            self.note("*** unterminated variable reference", at);
                            out.append(&t.slice(i..t.len()));
                            i = b.len();
                        }
                    }
                }
                Some(_) => {
                    let ch = t.text[i + 1..].chars().next().unwrap_or(' ');
                    let end = i + 1 + ch.len_utf8();
                    let at = t.loc(i..end);
                    let text = t.text[i..end].to_string();
                    let value = self.variable(&ch.to_string(), &text, at);
                    out.append_opaque(&value.text, at);
                    i = end;
                }
            }
            lit = i;
            if out.len() > MAX_VALUE_LEN {
                let at = t.whole_loc();
                out = self.unknown(&t.text, "value too long to keep", at);
                lit = b.len();
                break;
            }
        }
        out.append(&t.slice(lit..t.len()));
        self.depth -= 1;
        out
    }

    /// The value of `$(content)`, written as `text` at `at`.
    fn reference(&mut self, content: &SrcText, text: &str, at: Location) -> SrcText {
        if self.s.budget == 0 {
            if !self.s.limit_noted {
                self.s.limit_noted = true;
                self.note("expansion limit reached: later values are not known", at);
            }
            return self.unknown(text, "expansion limit reached", at);
        }
        self.s.budget -= 1;
        let c = &content.text;
        if let Some(ws) = c.find(|ch: char| ch.is_ascii_whitespace()) {
            let name = &c[..ws];
            if FUNCTIONS.contains(&name) {
                let args = content.slice(ws..content.len()).trim_start();
                let name = name.to_string();
                return self.function(&name, &args, text, at);
            }
        }
        // Substitution reference `$(VAR:a=b)`.
        if let Some(colon) = find_top(c, |ch| ch == b':')
            && let Some(eq) = find_top(&c[colon + 1..], |ch| ch == b'=')
        {
            let name = self.expand(&content.slice(0..colon)).text;
            let from = self.expand(&content.slice(colon + 1..colon + 1 + eq)).text;
            let to = self
                .expand(&content.slice(colon + 2 + eq..content.len()))
                .text;
            let value = self.variable(&name, text, at).text;
            if has_hole(&value) || has_hole(&from) || has_hole(&to) {
                let src = format!("{value}{from}{to}");
                return self.derived(text, &src, at);
            }
            let (from, to) = if from.contains('%') {
                (from, to)
            } else {
                (format!("%{from}"), format!("%{to}"))
            };
            let out = patsubst(&from, &to, &value);
            return SrcText::new(&out, Src::Opaque(at));
        }
        let name = if c.contains('$') {
            self.expand(content).text
        } else {
            c.clone()
        };
        self.variable(&name, text, at)
    }

    /// The value of the variable `name`, referenced as `text` at `at`.
    fn variable(&mut self, name: &str, text: &str, at: Location) -> SrcText {
        if has_hole(name) {
            return self.derived(text, name, at);
        }
        match self.lookup(name).cloned() {
            Some(v) if v.recursive => {
                if self.expanding.iter().any(|n| n == name) {
                    self.note(
                        format!("*** Recursive variable '{name}' references itself (eventually)"),
                        at,
                    );
                    return self.unknown(text, "recursive variable references itself", at);
                }
                self.expanding.push(name.to_string());
                let value = self.expand(&v.value);
                self.expanding.pop();
                value
            }
            Some(v) => v.value,
            None if is_automatic(name) || name.bytes().all(|b| b.is_ascii_digit()) => {
                SrcText::default()
            }
            None => self.unknown(text, format!("{REASON_VAR} {name} {REASON_UNSET}"), at),
        }
    }

    /// A function call `$(name args)`.
    fn function(&mut self, name: &str, args: &SrcText, text: &str, at: Location) -> SrcText {
        let max = match name {
            "if" | "foreach" | "subst" | "patsubst" | "wordlist" => 3,
            "filter" | "filter-out" | "findstring" | "word" | "addsuffix" | "addprefix"
            | "join" => 2,
            "or" | "and" | "call" => usize::MAX,
            _ => 1,
        };
        let raw = split_args(args, max);
        let lit = |s: &str| SrcText::new(s, Src::Opaque(at));
        match name {
            "if" => {
                let cond = self.expand(&raw[0]);
                let take_then = match self.emptiness_with_defaults(&cond.text) {
                    Some(empty) => !empty,
                    None => {
                        let why = self.s.reason_of(&cond.text);
                        self.note(
                            format!(
                                "condition of $(if ...) is not known ({why}); taking the then-branch"
                            ),
                            at,
                        );
                        true
                    }
                };
                let branch = if take_then { raw.get(1) } else { raw.get(2) };
                match branch {
                    Some(b) => self.expand(b),
                    None => SrcText::default(),
                }
            }
            "or" | "and" => {
                let mut last = SrcText::default();
                for a in &raw {
                    let v = self.expand(a);
                    let empty = match self.emptiness_with_defaults(&v.text) {
                        Some(e) => e,
                        None => {
                            let why = self.s.reason_of(&v.text);
                            self.note(
                                format!("argument of $({name} ...) is not known ({why}); taking it as non-empty"),
                                at,
                            );
                            false
                        }
                    };
                    if name == "or" && !empty {
                        return v;
                    }
                    if name == "and" && empty {
                        return SrcText::default();
                    }
                    last = v;
                }
                if name == "or" {
                    SrcText::default()
                } else {
                    last
                }
            }
            "foreach" => {
                let var = self.expand(&raw[0]).text.trim().to_string();
                let list = match raw.get(1) {
                    Some(l) => self.expand(l).text,
                    None => String::new(),
                };
                if has_hole(&list) || has_hole(&var) {
                    return self.derived(text, &format!("{var}{list}"), at);
                }
                let body = raw.get(2).cloned().unwrap_or_default();
                let mut out = SrcText::default();
                for (k, w) in list.split_whitespace().enumerate() {
                    let mut scope = HashMap::new();
                    scope.insert(var.clone(), automatic_var(w, at));
                    self.scopes.push(scope);
                    let v = self.expand(&body);
                    self.scopes.pop();
                    if k > 0 {
                        out.append_opaque(" ", at);
                    }
                    out.append(&v);
                    if out.len() > MAX_VALUE_LEN || self.s.budget == 0 {
                        return self.unknown(text, "value too long to keep", at);
                    }
                }
                out
            }
            "call" => {
                let fname = self.expand(&raw[0]).text.trim().to_string();
                let mut scope = HashMap::new();
                scope.insert("0".to_string(), automatic_var(&fname, at));
                let n = raw.len().max(10);
                for k in 1..n {
                    let v = match raw.get(k) {
                        Some(a) => self.expand(a),
                        None => SrcText::default(),
                    };
                    scope.insert(
                        k.to_string(),
                        Var {
                            value: v,
                            recursive: false,
                            origin: Origin::Automatic,
                            export: None,
                        },
                    );
                }
                if FUNCTIONS.contains(&fname.as_str()) {
                    // `$(call subst,a,b,c)`: a builtin called by name.
                    let joined: Vec<String> = (1..raw.len())
                        .filter_map(|k| scope.get(&k.to_string()).map(|v| v.value.text.clone()))
                        .collect();
                    let args = SrcText::new(&joined.join(","), Src::Opaque(at));
                    return self.function(&fname, &args, text, at);
                }
                let Some(body) = self.lookup(&fname).cloned() else {
                    return self.unknown(text, format!("{REASON_VAR} {fname} {REASON_UNSET}"), at);
                };
                self.scopes.push(scope);
                let v = self.value_of(&body);
                self.scopes.pop();
                v
            }
            "value" => {
                let n = self.expand(&raw[0]).text.trim().to_string();
                match self.lookup(&n) {
                    Some(v) => v.value.clone(),
                    None => SrcText::default(),
                }
            }
            "origin" | "flavor" => {
                let n = self.expand(&raw[0]).text.trim().to_string();
                let v = self.lookup(&n).cloned();
                let s = match (name, v) {
                    (_, None) => "undefined",
                    ("flavor", Some(v)) => {
                        if v.recursive {
                            "recursive"
                        } else {
                            "simple"
                        }
                    }
                    (_, Some(v)) => match v.origin {
                        Origin::Default => "default",
                        Origin::Environment => "environment",
                        Origin::File => "file",
                        Origin::CommandLine => "command line",
                        Origin::Override => "override",
                        Origin::Automatic => "automatic",
                    },
                };
                lit(s)
            }
            "eval" => {
                let v = self.expand(&raw[0]);
                if has_hole(&v.text) {
                    let why = self.s.reason_of(&v.text);
                    self.note(
                        format!("$(eval ...) of a value that is not known ({why}): skipped"),
                        at,
                    );
                } else {
                    self.read(&v);
                }
                SrcText::default()
            }
            "shell" => {
                let cmd = self.expand(&raw[0]).text;
                self.shell_function(&cmd, text, at)
            }
            "error" | "warning" | "info" => {
                let msg = self.expand(&raw[0]).text;
                if name == "error" {
                    let msg = self.s.display(&msg);
                    self.note(format!("$(error) would stop make here: {msg}"), at);
                }
                SrcText::default()
            }
            "file" => {
                let arg = self.expand(&raw[0]).text;
                let arg = arg.trim();
                if let Some(path) = arg.strip_prefix('<') {
                    match self.s.files.read(&norm_path(path.trim())) {
                        Some(t) => lit(sanitize(&t).trim_end_matches('\n')),
                        None => SrcText::default(),
                    }
                } else {
                    self.note("$(file >...) writes a file: not evaluated", at);
                    SrcText::default()
                }
            }
            "strip" => {
                let v = self.expand(&raw[0]).text;
                lit(&v.split_whitespace().collect::<Vec<_>>().join(" "))
            }
            _ => {
                let vals: Vec<String> = raw.iter().map(|a| self.expand(a).text).collect();
                if let Some(h) = vals.iter().find(|v| has_hole(v)) {
                    let h = h.clone();
                    return self.derived(text, &h, at);
                }
                if name == "wildcard" && vals.iter().any(|v| has_glob(v)) {
                    return self.unknown(
                        text,
                        "files matching a pattern cannot be listed statically",
                        at,
                    );
                }
                match self.text_function(name, &vals) {
                    Ok(s) => lit(&s),
                    Err(why) => {
                        self.note(why, at);
                        SrcText::default()
                    }
                }
            }
        }
    }

    /// [`emptiness`] for the functions that choose between values
    /// (`$(if)`, `$(or)`, `$(and)`): a variable nobody set counts as empty,
    /// so that a default the Makefile gives (`$(or $(TAG),latest)`) is
    /// taken, as the shell evaluator takes `${TAG:-latest}`.
    fn emptiness_with_defaults(&self, s: &str) -> Option<bool> {
        let mut unknown = false;
        for piece in hole_pieces(s) {
            match piece {
                HolePiece::Lit(l) if !l.trim().is_empty() => return Some(false),
                HolePiece::Lit(_) => {}
                HolePiece::Hole(i) => {
                    let not_given = self.s.unknowns.get(i).is_some_and(|u| {
                        u.reason.starts_with(REASON_VAR) && u.reason.ends_with(REASON_UNSET)
                    });
                    unknown |= !not_given;
                }
            }
        }
        if unknown { None } else { Some(true) }
    }

    /// The functions computed on known text.
    fn text_function(&mut self, name: &str, a: &[String]) -> Result<String, String> {
        let arg = |k: usize| a.get(k).map_or("", String::as_str);
        let words = |s: &str| -> Vec<String> { s.split_whitespace().map(str::to_string).collect() };
        let per_word = |s: &str, f: &dyn Fn(&str) -> String| -> String {
            s.split_whitespace().map(f).collect::<Vec<_>>().join(" ")
        };
        let number = |s: &str| -> Result<usize, String> {
            s.trim()
                .parse::<usize>()
                .map_err(|_| format!("*** non-numeric argument to function '{name}': '{s}'"))
        };
        Ok(match name {
            "subst" => {
                if arg(0).is_empty() {
                    format!("{}{}", arg(2), arg(1))
                } else {
                    arg(2).replace(arg(0), arg(1))
                }
            }
            "patsubst" => patsubst(arg(0).trim(), arg(1).trim(), arg(2)),
            "findstring" => {
                if arg(1).contains(arg(0)) {
                    arg(0).to_string()
                } else {
                    String::new()
                }
            }
            "filter" | "filter-out" => {
                let pats = words(arg(0));
                let keep = name == "filter";
                words(arg(1))
                    .into_iter()
                    .filter(|w| pats.iter().any(|p| pattern_match(p, w).is_some()) == keep)
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            "sort" => {
                let mut w = words(arg(0));
                w.sort();
                w.dedup();
                w.join(" ")
            }
            "word" => {
                let n = number(arg(0))?;
                if n == 0 {
                    return Err(
                        "*** first argument to 'word' function must be greater than 0".into(),
                    );
                }
                words(arg(1)).get(n - 1).cloned().unwrap_or_default()
            }
            "wordlist" => {
                let (s, e) = (number(arg(0))?, number(arg(1))?);
                if s == 0 {
                    return Err("*** invalid first argument to 'wordlist' function".into());
                }
                let w = words(arg(2));
                let e = e.min(w.len());
                if s > e {
                    String::new()
                } else {
                    w[s - 1..e].join(" ")
                }
            }
            "words" => words(arg(0)).len().to_string(),
            "firstword" => words(arg(0)).first().cloned().unwrap_or_default(),
            "lastword" => words(arg(0)).last().cloned().unwrap_or_default(),
            "dir" => per_word(arg(0), &|w| match w.rfind('/') {
                Some(i) => w[..=i].to_string(),
                None => "./".to_string(),
            }),
            "notdir" => per_word(arg(0), &|w| match w.rfind('/') {
                Some(i) => w[i + 1..].to_string(),
                None => w.to_string(),
            }),
            "suffix" => a
                .first()
                .map(|s| {
                    s.split_whitespace()
                        .filter_map(|w| suffix_start(w).map(|i| w[i..].to_string()))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default(),
            "basename" => per_word(arg(0), &|w| match suffix_start(w) {
                Some(i) => w[..i].to_string(),
                None => w.to_string(),
            }),
            "addsuffix" => per_word(arg(1), &|w| format!("{w}{}", arg(0))),
            "addprefix" => per_word(arg(1), &|w| format!("{}{w}", arg(0))),
            "join" => {
                let (x, y) = (words(arg(0)), words(arg(1)));
                (0..x.len().max(y.len()))
                    .map(|i| {
                        format!(
                            "{}{}",
                            x.get(i).map_or("", String::as_str),
                            y.get(i).map_or("", String::as_str)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            "abspath" => per_word(arg(0), &|w| norm_path(w)),
            "realpath" => {
                let files = self.s.files;
                arg(0)
                    .split_whitespace()
                    .map(norm_path)
                    .filter(|p| !matches!(files.entry(p), Some(Entry::Missing)))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            "wildcard" => {
                let mut out = Vec::new();
                for w in arg(0).split_whitespace() {
                    if matches!(
                        self.s.files.entry(&norm_path(w)),
                        Some(Entry::File | Entry::Dir)
                    ) {
                        out.push(w.to_string());
                    }
                }
                out.join(" ")
            }
            _ => String::new(),
        })
    }

    /// `$(shell cmd)`: computed when the bash evaluator knows the output of
    /// `cmd` (`pwd`, `cat FILE`, `dirname`...), otherwise unknown.
    fn shell_function(&mut self, cmd: &str, text: &str, at: Location) -> SrcText {
        const COMPUTED: &[&str] = &["pwd", "basename", "dirname", "echo", "printf", "cat"];
        let first = cmd.split_whitespace().next().unwrap_or("");
        let simple = COMPUTED.contains(&first)
            && !has_hole(cmd)
            && !cmd.contains(['(', ')', '`', '\n', '#']);
        if simple && self.s.shell_evals < MAX_SHELL_EVALS {
            self.s.shell_evals += 1;
            let script = format!("printf '%s\\n' \"$({cmd})\"");
            let options = bash::Options {
                args: Vec::new(),
                env: self.env.clone(),
                max_steps: SHELL_FN_STEPS,
            };
            let shell = self.shell_path();
            let t = bash::evaluate(&shell, &script, self.s.files, &options);
            let out = t
                .commands
                .iter()
                .rev()
                .find(|c| !c.captured)
                .filter(|c| {
                    c.argv.len() == 3 && c.argv[0].value.as_lit().as_deref() == Some("printf")
                })
                .and_then(|c| c.argv[2].value.as_lit());
            if let Some(out) = out {
                let out = sanitize(&out).replace('\n', " ");
                return SrcText::new(&out, Src::Opaque(at));
            }
        }
        self.unknown(text, "output of $(shell ...)", at)
    }

    fn shell_path(&mut self) -> String {
        let shell = self.var_value("SHELL").text.trim().to_string();
        if shell.is_empty() || has_hole(&shell) {
            "/bin/sh".into()
        } else {
            shell
        }
    }
}

// ---------------------------------------------------------------------------
// Making targets
// ---------------------------------------------------------------------------

impl Make<'_, '_> {
    fn ensure_index(&mut self) {
        if self.index.is_some() {
            return;
        }
        let mut index: HashMap<String, TargetEntry> = HashMap::new();
        let mut overrides = Vec::new();
        for (k, rule) in self.rules.iter().enumerate() {
            if rule.pattern {
                continue;
            }
            for t in &rule.targets {
                let e = index.entry(t.clone()).or_insert_with(|| TargetEntry {
                    at: rule.at,
                    ..TargetEntry::default()
                });
                if rule.double_colon {
                    e.double.push(k);
                    continue;
                }
                if rule.has_recipe {
                    if let Some(prev) = e.recipe
                        && self.rules[prev].has_recipe
                        && !self.rules[prev].recipe.is_empty()
                    {
                        overrides.push((t.clone(), rule.at));
                    }
                    e.recipe = Some(k);
                    // The prerequisites of the rule with the recipe come
                    // first, as in make.
                    let mut p = rule.prereqs.clone();
                    p.extend(std::mem::take(&mut e.prereqs));
                    e.prereqs = p;
                } else {
                    e.prereqs.extend(rule.prereqs.iter().cloned());
                }
                e.order_only.extend(rule.order_only.iter().cloned());
            }
        }
        for (t, at) in overrides {
            self.note(format!("overriding recipe for target '{t}'"), at);
        }
        self.index = Some(index);
    }

    /// Makes `name` (needed by `parent`) after its prerequisites.
    fn build(&mut self, name: &str, parent: Option<&str>, at: Location) {
        if self.done.contains(name) {
            return;
        }
        if has_hole(name) {
            let shown = self.s.display(name);
            let why = self.s.reason_of(name);
            self.note(format!("target {shown} is not known ({why}): not made"), at);
            return;
        }
        if self.building.iter().any(|b| b == name) {
            let p = self.s.display(parent.unwrap_or(""));
            self.note(format!("Circular {p} <- {name} dependency dropped."), at);
            return;
        }
        if self.building.len() >= MAX_BUILD_DEPTH || self.s.steps_left() == 0 {
            self.note(format!("'{name}' not made: limit reached"), at);
            return;
        }
        self.ensure_index();
        let entry = self.index.as_ref().and_then(|i| i.get(name)).cloned();
        self.building.push(name.to_string());
        let vars = self.target_scope(name);
        self.scopes.push(vars);
        match entry {
            None => {
                if !self.exists(name) && !self.pattern_build(name, &[], &[]) {
                    self.no_rule(name, parent, at);
                }
            }
            Some(e) if e.double.is_empty() => {
                let recipe_made = match e.recipe {
                    Some(k) => {
                        self.prerequisites(name, &e.prereqs, &e.order_only, e.at);
                        self.recipe(k, name, &e.prereqs, &e.order_only, None);
                        true
                    }
                    None => {
                        !self.exists(name) && self.pattern_build(name, &e.prereqs, &e.order_only)
                    }
                };
                if !recipe_made {
                    self.prerequisites(name, &e.prereqs, &e.order_only, e.at);
                }
            }
            Some(e) => {
                for k in e.double {
                    let Some(rule) = self.rules.get(k).cloned() else {
                        continue;
                    };
                    self.prerequisites(name, &rule.prereqs, &rule.order_only, rule.at);
                    self.recipe(k, name, &rule.prereqs, &rule.order_only, None);
                }
            }
        }
        self.scopes.pop();
        self.building.pop();
        self.done.insert(name.to_string());
    }

    fn prerequisites(
        &mut self,
        name: &str,
        prereqs: &[String],
        order_only: &[String],
        at: Location,
    ) {
        for p in prereqs.iter().chain(order_only) {
            self.build(p, Some(name), at);
        }
    }

    fn no_rule(&mut self, name: &str, parent: Option<&str>, at: Location) {
        let msg = match parent {
            Some(p) => format!("*** No rule to make target '{name}', needed by '{p}'"),
            None => format!("*** No rule to make target '{name}'"),
        };
        self.note(msg, at);
    }

    /// True when `name` is a file or directory of the checkout (unknown
    /// counts as existing: nothing to report).
    fn exists(&self, name: &str) -> bool {
        !matches!(self.s.files.entry(&norm_path(name)), Some(Entry::Missing)) && !has_hole(name)
    }

    /// Makes `name` with the first pattern rule whose prerequisites exist or
    /// can be made; false when none applies.
    fn pattern_build(&mut self, name: &str, extra: &[String], extra_oo: &[String]) -> bool {
        self.ensure_index();
        let mut chosen = None;
        for (k, rule) in self.rules.iter().enumerate() {
            if !rule.pattern || !rule.has_recipe {
                continue;
            }
            for t in &rule.targets {
                let Some(stem) = pattern_match(t, name) else {
                    continue;
                };
                let prereqs: Vec<String> = rule
                    .prereqs
                    .iter()
                    .map(|p| pattern_replace(p, stem))
                    .collect();
                let ok = prereqs.iter().all(|p| {
                    self.index.as_ref().is_some_and(|i| i.contains_key(p))
                        || !matches!(self.s.files.entry(&norm_path(p)), Some(Entry::Missing))
                });
                if ok {
                    let oo: Vec<String> = rule
                        .order_only
                        .iter()
                        .map(|p| pattern_replace(p, stem))
                        .collect();
                    chosen = Some((k, stem.to_string(), prereqs, oo));
                    break;
                }
            }
            if chosen.is_some() {
                break;
            }
        }
        let Some((k, stem, mut prereqs, mut oo)) = chosen else {
            return false;
        };
        prereqs.extend(extra.iter().cloned());
        oo.extend(extra_oo.iter().cloned());
        let at = self.rules.get(k).map(|r| r.at).unwrap_or_default();
        self.prerequisites(name, &prereqs, &oo, at);
        self.recipe(k, name, &prereqs, &oo, Some(stem));
        true
    }

    /// The target-specific (and pattern-specific) variables of `name`, as a
    /// scope over the current one.
    fn target_scope(&mut self, name: &str) -> HashMap<String, Var> {
        let vars: Vec<TargetVar> = self
            .target_vars
            .iter()
            .filter(|v| {
                v.target == name
                    || (v.target.contains('%') && pattern_match(&v.target, name).is_some())
            })
            .cloned()
            .collect();
        // Pattern-specific first, so that target-specific ones win.
        let (pattern, exact): (Vec<_>, Vec<_>) = vars.into_iter().partition(|v| v.target != name);
        self.scopes.push(HashMap::new());
        for v in pattern.into_iter().chain(exact) {
            self.assign(&v.name, v.op, &v.value, v.origin, v.export, true, v.at);
        }
        self.scopes.pop().unwrap_or_default()
    }

    /// Runs the recipe of rule `k` for `target`.
    fn recipe(
        &mut self,
        k: usize,
        target: &str,
        prereqs: &[String],
        order_only: &[String],
        stem: Option<String>,
    ) {
        let Some(rule) = self.rules.get(k).cloned() else {
            return;
        };
        if rule.grouped {
            for t in &rule.targets {
                self.done.insert(t.clone());
            }
        }
        if !self.phony.contains(target)
            && !rule.recipe.is_empty()
            && !has_hole(target)
            && matches!(
                self.s.files.entry(&norm_path(target)),
                Some(Entry::File | Entry::Dir)
            )
        {
            self.note(
                format!("'{target}' exists in the checkout and is not .PHONY: make may consider it up to date and skip its recipe"),
                rule.at,
            );
        }
        let stem = stem
            .or(rule.stem.clone())
            .unwrap_or_else(|| default_stem(target));
        self.scopes
            .push(automatic_scope(target, prereqs, order_only, &stem, rule.at));
        // Make expands the whole recipe before running its first line.
        let mut lines: Vec<(SrcText, bool)> = Vec::new();
        for line in &rule.recipe {
            let expanded = self.expand(&line.text);
            for sub in split_recipe_lines(&expanded) {
                lines.push((sub, line.maybe));
            }
        }
        let env = self.export_env();
        let shell = self.shell_path();
        self.scopes.pop();
        if self.oneshell {
            let mut all = SrcText::default();
            let mut maybe = false;
            for (k, (line, m)) in lines.iter().enumerate() {
                if k > 0 {
                    all.append_opaque("\n", line.loc(0..0));
                }
                all.append(&strip_prefixes(line));
                maybe |= *m;
            }
            if !all.text.trim().is_empty() {
                self.run_line(&all, maybe, &env, &shell);
            }
        } else {
            for (line, maybe) in &lines {
                let line = strip_prefixes(line);
                if !line.text.trim().is_empty() {
                    self.run_line(&line, *maybe, &env, &shell);
                }
            }
        }
    }

    /// The environment of recipe shells: make's own plus exported variables.
    fn export_env(&mut self) -> BTreeMap<String, String> {
        let mut env = self.env.clone();
        let mut names: Vec<String> = self.globals.keys().cloned().collect();
        for s in &self.scopes {
            names.extend(s.keys().cloned());
        }
        names.sort();
        names.dedup();
        for name in names {
            let Some(var) = self.lookup(&name).cloned() else {
                continue;
            };
            if !is_shell_name(&name) || var.origin == Origin::Automatic {
                continue;
            }
            let explicit = self.exports.get(&name).copied().or(var.export);
            let exported = match explicit {
                Some(x) => x,
                None => {
                    var.origin != Origin::Default
                        && (self.export_all
                            || var.origin == Origin::CommandLine
                            || self.env_names.contains(&name))
                }
            };
            if exported {
                let v = self.value_of(&var).text;
                env.insert(name, v);
            } else if explicit == Some(false) {
                env.remove(&name);
            }
        }
        env
    }

    /// Evaluates one shell (a recipe line, or the whole recipe under
    /// `.ONESHELL`) and appends its commands to the trace.
    fn run_line(
        &mut self,
        line: &SrcText,
        maybe: bool,
        env: &BTreeMap<String, String>,
        shell: &str,
    ) {
        if self.s.steps_left() == 0 {
            if !self.s.limit_noted {
                self.s.limit_noted = true;
                self.note(
                    "step limit reached: later commands are not evaluated",
                    line.whole_loc(),
                );
            }
            return;
        }
        // Unknowns become unset shell variables, so that the shell keeps
        // them unknown (and undecided in tests).
        let mut text = SrcText::default();
        let mut pos = 0;
        for piece in hole_pieces(&line.text) {
            match piece {
                HolePiece::Lit(l) => {
                    text.append(&line.slice(pos..pos + l.len()));
                    pos += l.len();
                }
                HolePiece::Hole(i) => {
                    let len = hole_len(i);
                    let at = line.loc(pos..pos + len);
                    text.append_opaque(&format!("${{{PLACEHOLDER}{i}}}"), at);
                    pos += len;
                }
            }
        }
        let options = bash::Options {
            args: Vec::new(),
            env: env.clone(),
            max_steps: self.s.steps_left().min(self.s.shell.max_steps),
        };
        let t = bash::evaluate(shell, &text.text, self.s.files, &options);
        self.absorb(t, &text, maybe, env);
    }

    /// Appends the trace of one shell: locations mapped into the Makefile,
    /// unknowns restored, output indices shifted, recursive makes followed.
    fn absorb(&mut self, t: Trace, text: &SrcText, maybe: bool, env: &BTreeMap<String, String>) {
        let file_map: Vec<FileId> = t
            .files
            .iter()
            .enumerate()
            .map(|(k, (p, body))| if k == 0 { 0 } else { self.s.add_file(p, body) })
            .collect();
        let map = Mapper {
            text,
            file_map: &file_map,
        };
        let mut index_map: Vec<usize> = Vec::new();
        for c in t.commands {
            if self.s.steps_left() == 0 {
                break;
            }
            let mut c = self.fix_command(c, &map, &index_map);
            c.condition = combine(c.condition, maybe, self.condition);
            index_map.push(self.s.trace.commands.len());
            self.s.trace.commands.push(c.clone());
            self.follow_make(&c, env);
        }
        for n in t.notes {
            let message = self.fix_message(&n.message);
            let at = map.loc(n.at);
            self.note(message, at);
        }
    }

    fn fix_command(&mut self, c: Command, map: &Mapper, index_map: &[usize]) -> Command {
        Command {
            argv: c
                .argv
                .into_iter()
                .map(|a| super::trace::Arg {
                    value: self.fix_value(a.value, map, index_map),
                    at: map.loc(a.at),
                })
                .collect(),
            env: c
                .env
                .into_iter()
                .map(|(k, v)| (k, self.fix_value(v, map, index_map)))
                .collect(),
            redirects: c
                .redirects
                .into_iter()
                .map(|mut r| {
                    r.target = self.fix_value(r.target, map, index_map);
                    r
                })
                .collect(),
            cwd: self.fix_value(c.cwd, map, index_map),
            pipeline: c.pipeline,
            captured: c.captured,
            condition: c.condition,
            at: map.loc(c.at),
        }
    }

    fn fix_value(&mut self, v: Value, map: &Mapper, index_map: &[usize]) -> Value {
        let mut out = Value::default();
        for p in v.parts {
            match p {
                Part::Lit(s) => {
                    for piece in marker_pieces(&s) {
                        match piece {
                            HolePiece::Lit(l) => push_part(&mut out, Part::Lit(l.to_string())),
                            HolePiece::Hole(i) => match self.s.unknowns.get(i) {
                                Some(u) => push_part(&mut out, Part::Unknown(u.clone())),
                                None => push_part(&mut out, Part::Lit("?".into())),
                            },
                        }
                    }
                }
                Part::Output(i) => match index_map.get(i) {
                    Some(&j) => push_part(&mut out, Part::Output(j)),
                    None => push_part(
                        &mut out,
                        Part::Unknown(Unknown {
                            text: format!("$(#{i})"),
                            reason: "output of a command that was not recorded".into(),
                            at: Location::default(),
                        }),
                    ),
                },
                Part::Unknown(u) => {
                    let u = self.fix_unknown(u, map);
                    push_part(&mut out, Part::Unknown(u));
                }
            }
        }
        out
    }

    /// A shell unknown: a placeholder becomes the make unknown it stands
    /// for; others get their location mapped.
    fn fix_unknown(&mut self, u: Unknown, map: &Mapper) -> Unknown {
        let refs = placeholder_refs(&u.text);
        if let [(i, whole)] = refs.as_slice()
            && *whole
            && let Some(orig) = self.s.unknowns.get(*i)
        {
            return orig.clone();
        }
        let reason = match refs.first().and_then(|(i, _)| self.s.unknowns.get(*i)) {
            Some(orig) if u.reason.contains(PLACEHOLDER) => orig.reason.clone(),
            _ => self.fix_message(&u.reason),
        };
        Unknown {
            text: self.fix_message(&u.text),
            reason,
            at: map.loc(u.at),
        }
    }

    /// Replaces placeholders in a message with the text they stand for.
    fn fix_message(&self, s: &str) -> String {
        let mut out = String::new();
        for piece in marker_pieces(s) {
            match piece {
                HolePiece::Lit(l) => out.push_str(l),
                HolePiece::Hole(i) => match self.s.unknowns.get(i) {
                    Some(u) => out.push_str(&u.text),
                    None => out.push('?'),
                },
            }
        }
        // `$__make_unknown_3` without braces, as in a derived unknown text.
        let mut rest = out.as_str();
        let mut fixed = String::new();
        while let Some(p) = rest.find(PLACEHOLDER) {
            let digits: String = rest[p + PLACEHOLDER.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let orig = digits
                .parse::<usize>()
                .ok()
                .and_then(|i| self.s.unknowns.get(i));
            match orig {
                Some(u) => {
                    let before = rest[..p].strip_suffix('$').unwrap_or(&rest[..p]);
                    fixed.push_str(before);
                    fixed.push_str(&u.text);
                }
                None => fixed.push_str(&rest[..p + PLACEHOLDER.len()]),
            }
            rest = &rest[p + PLACEHOLDER.len() + digits.len()..];
        }
        fixed.push_str(rest);
        fixed
    }

    /// Follows `make [options] [VAR=value] [targets]` run by a recipe when
    /// it makes this same Makefile; notes it otherwise.
    fn follow_make(&mut self, c: &Command, env: &BTreeMap<String, String>) {
        let Some(name) = c.argv.first().and_then(|a| a.value.as_lit()) else {
            return;
        };
        let make_cmd = self.var_value("MAKE").text;
        let base = file_name(&name);
        if !(base == "make" || base == "gmake" || name == make_cmd.trim()) {
            return;
        }
        let at = c.at;
        if c.captured {
            self.note("recursive make inside $(...) is not followed", at);
            return;
        }
        let mut args: Vec<String> = Vec::new();
        for a in &c.argv[1..] {
            let s = self.value_text(&a.value);
            args.push(s);
        }
        let mut dir = String::from(".");
        let mut file: Option<String> = None;
        let mut variables = self.cmdline.clone();
        let mut goals = Vec::new();
        let mut k = 0;
        while k < args.len() {
            let a = args[k].clone();
            k += 1;
            let take = |k: &mut usize| -> Option<String> {
                let v = args.get(*k).cloned();
                *k += 1;
                v
            };
            if a == "-C" || a == "--directory" {
                match take(&mut k) {
                    Some(d) => dir = join_path(&dir, &d),
                    None => return,
                }
            } else if let Some(d) = a.strip_prefix("--directory=") {
                dir = join_path(&dir, d);
            } else if a == "-f" || a == "--file" || a == "--makefile" {
                file = take(&mut k);
            } else if let Some(f) = a
                .strip_prefix("--file=")
                .or_else(|| a.strip_prefix("--makefile="))
            {
                file = Some(f.to_string());
            } else if a == "-j" || a == "-l" || a == "--jobs" {
                if args
                    .get(k)
                    .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
                {
                    k += 1;
                }
            } else if a == "-I" || a == "-o" || a == "-W" || a == "--include-dir" {
                k += 1;
            } else if let Some(d) = a.strip_prefix("-C").filter(|_| !a.starts_with("--")) {
                dir = join_path(&dir, d);
            } else if let Some(f) = a.strip_prefix("-f").filter(|_| !a.starts_with("--")) {
                file = Some(f.to_string());
            } else if a.starts_with('-') {
                if a == "-n" || a == "--dry-run" || a == "--just-print" {
                    self.note("recursive make with -n runs nothing: not followed", at);
                    return;
                }
            } else if let Some(eq) = a.find('=').filter(|&i| i > 0) {
                let (n, v) = (&a[..eq], &a[eq + 1..]);
                let n = n.trim_end_matches([':', '+', '?']);
                variables.insert(n.to_string(), v.to_string());
            } else {
                goals.push(a);
            }
        }
        let cwd = c.cwd.as_lit();
        let dir = match cwd {
            Some(cwd) => join_path(&cwd, &dir),
            None => {
                self.note(
                    "recursive make in a directory that is not known: not followed",
                    at,
                );
                return;
            }
        };
        if dir != "." {
            self.note(
                format!("recursive make in directory '{dir}' is not followed"),
                at,
            );
            return;
        }
        let ours = file_name(&self.s.path);
        let same = match &file {
            Some(f) => norm_path(f) == norm_path(&self.s.path) || norm_path(f) == ours,
            None => {
                // Make reads the first of these that exists.
                let found = ["GNUmakefile", "makefile", "Makefile"]
                    .into_iter()
                    .find(|n| matches!(self.s.files.entry(n), Some(Entry::File)));
                match found {
                    Some(n) => n == ours,
                    None => ["GNUmakefile", "makefile", "Makefile"].contains(&ours.as_str()),
                }
            }
        };
        if !same {
            let f = file.unwrap_or_else(|| "the default makefile".into());
            self.note(format!("recursive make of {f} is not followed"), at);
            return;
        }
        if goals.iter().any(|g| has_hole(g)) {
            self.note(
                "recursive make of targets that are not known: not followed",
                at,
            );
            return;
        }
        if self.level + 1 >= MAX_MAKE_LEVEL || self.s.sub_makes >= MAX_SUB_MAKES {
            self.note("recursive make not followed: too many levels", at);
            return;
        }
        self.s.sub_makes += 1;
        let mut child_env = env.clone();
        for (k, v) in &c.env {
            let s = self.value_text(v);
            child_env.insert(k.clone(), s);
        }
        let inv = Invocation {
            variables,
            env: child_env,
            goals,
            condition: c.condition,
            level: self.level + 1,
        };
        Make::new(&mut *self.s, inv).run();
    }

    /// A shell value as make text: unknown parts become placeholders.
    fn value_text(&mut self, v: &Value) -> String {
        let mut out = String::new();
        for p in &v.parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Unknown(u) => out.push_str(&self.s.hole(u.clone())),
                Part::Output(i) => {
                    let h = self.s.hole(Unknown {
                        text: format!("$(#{i})"),
                        reason: format!("derived from the output of command #{i}"),
                        at: Location::default(),
                    });
                    out.push_str(&h);
                }
            }
        }
        out
    }
}

/// Maps locations of a shell's trace into the Makefile.
struct Mapper<'a> {
    text: &'a SrcText,
    file_map: &'a [FileId],
}

impl Mapper<'_> {
    fn loc(&self, l: Location) -> Location {
        if l.file == 0 {
            self.text.loc(l.span.start..l.span.end)
        } else {
            Location {
                file: self.file_map.get(l.file).copied().unwrap_or(0),
                span: l.span,
            }
        }
    }
}

/// The condition of a command from a recipe line read in a guessed branch
/// (`maybe`) of a make started under `base`.
fn combine(c: Condition, maybe: bool, base: Condition) -> Condition {
    let c = if maybe && c == Condition::Always {
        Condition::Maybe
    } else {
        c
    };
    if c == Condition::Always { base } else { c }
}

// ---------------------------------------------------------------------------
// Helpers on text
// ---------------------------------------------------------------------------

/// Neutralises placeholder characters in outside text. Both they and U+FFFD
/// are three bytes in UTF-8, so offsets stay valid.
fn sanitize(s: &str) -> String {
    s.replace([HOLE_OPEN, HOLE_CLOSE], "\u{FFFD}")
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn has_hole(s: &str) -> bool {
    s.contains(HOLE_OPEN)
}

fn hole_len(i: usize) -> usize {
    HOLE_OPEN.len_utf8() + i.to_string().len() + HOLE_CLOSE.len_utf8()
}

enum HolePiece<'a> {
    Lit(&'a str),
    Hole(usize),
}

/// Splits text into literal runs and placeholders; a malformed placeholder
/// is literal.
fn hole_pieces(s: &str) -> Vec<HolePiece<'_>> {
    split_markers(s, false)
}

/// Like [`hole_pieces`], also recognising the shell form
/// `${__make_unknown_N}` (left literal by single quotes).
fn marker_pieces(s: &str) -> Vec<HolePiece<'_>> {
    split_markers(s, true)
}

fn split_markers(s: &str, shell_form: bool) -> Vec<HolePiece<'_>> {
    let shell_open = format!("${{{PLACEHOLDER}");
    let mut out = Vec::new();
    let mut lit = 0;
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let found = if rest.starts_with(HOLE_OPEN) {
            parse_index(&rest[HOLE_OPEN.len_utf8()..], HOLE_CLOSE)
                .map(|(n, len)| (n, HOLE_OPEN.len_utf8() + len))
        } else if shell_form && rest.starts_with(&shell_open) {
            parse_index(&rest[shell_open.len()..], '}').map(|(n, len)| (n, shell_open.len() + len))
        } else {
            None
        };
        match found {
            Some((n, len)) => {
                if lit < i {
                    out.push(HolePiece::Lit(&s[lit..i]));
                }
                out.push(HolePiece::Hole(n));
                i += len;
                lit = i;
            }
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    if lit < s.len() {
        out.push(HolePiece::Lit(&s[lit..]));
    }
    out
}

/// `123<close>`: the number and the length including `close`.
fn parse_index(s: &str, close: char) -> Option<(usize, usize)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 9 || !s[digits..].starts_with(close) {
        return None;
    }
    Some((s[..digits].parse().ok()?, digits + close.len_utf8()))
}

/// The placeholders in a shell unknown's text, with whether the text is
/// only that placeholder (`${__make_unknown_3}` or `$__make_unknown_3`).
fn placeholder_refs(s: &str) -> Vec<(usize, bool)> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(p) = rest.find(PLACEHOLDER) {
        let after = &rest[p + PLACEHOLDER.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if let Ok(i) = after[..digits].parse::<usize>() {
            let whole = s == format!("${{{PLACEHOLDER}{i}}}") || s == format!("${PLACEHOLDER}{i}");
            out.push((i, whole));
        }
        rest = &after[digits..];
    }
    out
}

fn push_part(v: &mut Value, p: Part) {
    if let Part::Lit(s) = &p {
        if s.is_empty() {
            return;
        }
        if let Some(Part::Lit(prev)) = v.parts.last_mut() {
            prev.push_str(s);
            return;
        }
    }
    v.parts.push(p);
}

/// `Some(true)` when blank, `Some(false)` when it has known non-blank text,
/// `None` when only unknowns decide.
fn emptiness(s: &str) -> Option<bool> {
    let mut unknown = false;
    for piece in hole_pieces(s) {
        match piece {
            HolePiece::Lit(l) if !l.trim().is_empty() => return Some(false),
            HolePiece::Lit(_) => {}
            HolePiece::Hole(_) => unknown = true,
        }
    }
    if unknown { None } else { Some(true) }
}

/// Byte ranges of the physical lines (without their newline).
fn line_ranges(s: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == b'\n' {
            out.push(start..i);
            start = i + 1;
        }
    }
    if start < s.len() {
        out.push(start..s.len());
    }
    out
}

fn odd_backslashes(s: &str) -> bool {
    s.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

fn first_word(s: &str) -> &str {
    let s = s.trim_start();
    let end = s.find(|c: char| c.is_whitespace()).unwrap_or(s.len());
    &s[..end]
}

fn second_word(s: &str) -> &str {
    let s = s.trim_start();
    let w = first_word(s);
    first_word(&s[w.len()..])
}

fn is_prefix_word(w: &str) -> bool {
    matches!(w, "override" | "export" | "private")
}

/// The index of the byte closing a reference opened before `from`, counting
/// nested `open`/`close` pairs as make does.
fn matching(b: &[u8], from: usize, open: u8, close: u8) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &c) in b.iter().enumerate().skip(from) {
        if c == open {
            depth += 1;
        } else if c == close {
            if depth == 0 {
                return Some(i);
            }
            depth -= 1;
        }
    }
    None
}

/// The first byte satisfying `pred` outside `$(...)`/`${...}` references.
fn find_top(s: &str, pred: impl Fn(u8) -> bool) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            match b.get(i + 1) {
                Some(&open @ (b'(' | b'{')) => {
                    let close = if open == b'(' { b')' } else { b'}' };
                    i = matching(b, i + 2, open, close).map_or(b.len(), |e| e + 1);
                    continue;
                }
                Some(_) => {
                    i += 2;
                    continue;
                }
                None => return None,
            }
        }
        if pred(b[i]) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Removes a `#` comment (not inside a reference, not escaped as `\#`,
/// not in the recipe after `;` of a rule) and unescapes `\#`.
fn strip_comment(line: &SrcText) -> SrcText {
    let b = line.text.as_bytes();
    let mut out = SrcText::default();
    let mut lit = 0;
    let mut i = 0;
    let mut rule = false;
    let mut assign = false;
    while i < b.len() {
        match b[i] {
            b'$' => match b.get(i + 1) {
                Some(&open @ (b'(' | b'{')) => {
                    let close = if open == b'(' { b')' } else { b'}' };
                    i = matching(b, i + 2, open, close).map_or(b.len(), |e| e + 1);
                    continue;
                }
                _ => i += 1,
            },
            b'\\' if b.get(i + 1) == Some(&b'#') => {
                out.append(&line.slice(lit..i));
                lit = i + 1;
                i += 2;
                continue;
            }
            b'#' => {
                out.append(&line.slice(lit..i));
                return out;
            }
            b'=' if !rule => assign = true,
            b':' if !assign && b.get(i + 1) != Some(&b'=') => rule = true,
            b';' if rule => break,
            _ => {}
        }
        i += 1;
    }
    out.append(&line.slice(lit..line.len()));
    out
}

/// An assignment operator found in a line.
struct Assignment {
    /// Where the name ends (the operator starts).
    name_end: usize,
    op: Op,
    value_start: usize,
}

/// Finds `NAME op value` at the top level of a line, when the line is an
/// assignment rather than a rule.
fn find_assignment(s: &str) -> Option<Assignment> {
    let i = find_top(s, |c| c == b'=' || c == b':')?;
    let b = s.as_bytes();
    if b[i] == b':' {
        // `:=`, `::=`, `:::=` are assignments; any other `:` is a rule.
        let colons = b[i..].iter().take_while(|&&c| c == b':').count();
        if colons <= 3 && b.get(i + colons) == Some(&b'=') {
            return Some(Assignment {
                name_end: i,
                op: Op::Simple,
                value_start: i + colons + 1,
            });
        }
        return None;
    }
    let (name_end, op) = match i.checked_sub(1).map(|p| b[p]) {
        Some(b'+') => (i - 1, Op::Append),
        Some(b'?') => (i - 1, Op::Conditional),
        Some(b'!') => (i - 1, Op::Shell),
        _ => (i, Op::Recursive),
    };
    Some(Assignment {
        name_end,
        op,
        value_start: i + 1,
    })
}

enum LineKind {
    Assignment,
    /// A rule; the byte of its `:`.
    Rule(usize),
    Other,
}

fn classify(s: &str) -> LineKind {
    if find_assignment(s).is_some() {
        return LineKind::Assignment;
    }
    match find_top(s, |c| c == b':') {
        Some(c) => LineKind::Rule(c),
        None => LineKind::Other,
    }
}

/// The operator of a `define` line's last word.
fn parse_op(s: &str) -> Option<Op> {
    Some(match s {
        "=" => Op::Recursive,
        ":=" | "::=" | ":::=" => Op::Simple,
        "?=" => Op::Conditional,
        "+=" => Op::Append,
        "!=" => Op::Shell,
        _ => return None,
    })
}

/// `NAME:=` written without a blank before the operator.
fn parse_op_suffix(s: &str) -> Option<(&str, Op)> {
    let s = s.trim();
    for (suffix, op) in [
        (":::=", Op::Simple),
        ("::=", Op::Simple),
        (":=", Op::Simple),
        ("?=", Op::Conditional),
        ("+=", Op::Append),
        ("!=", Op::Shell),
        ("=", Op::Recursive),
    ] {
        if let Some(n) = s.strip_suffix(suffix) {
            return Some((n.trim(), op));
        }
    }
    None
}

/// The two arguments of `ifeq (a,b)`, `ifeq "a" "b"` or `ifeq 'a' 'b'`,
/// trimmed as make does.
fn split_ifeq(args: &SrcText) -> Option<(SrcText, SrcText)> {
    let s = &args.text;
    let b = s.as_bytes();
    match b.first()? {
        b'(' => {
            let close = s.trim_end().len().checked_sub(1)?;
            if b.get(close) != Some(&b')') {
                return None;
            }
            let inner = args.slice(1..close);
            let comma = find_top(&inner.text, |c| c == b',')?;
            let a = inner.slice(0..comma).trim();
            let rest = inner.slice(comma + 1..inner.len()).trim_start();
            Some((a, rest))
        }
        &q @ (b'"' | b'\'') => {
            let end1 = 1 + s[1..].find(q as char)?;
            let a = args.slice(1..end1);
            let rest = args.slice(end1 + 1..args.len()).trim_start();
            let q2 = *rest.text.as_bytes().first()?;
            if q2 != b'"' && q2 != b'\'' {
                return None;
            }
            let end2 = 1 + rest.text[1..].find(q2 as char)?;
            Some((a, rest.slice(1..end2)))
        }
        _ => None,
    }
}

/// Splits function arguments at top-level commas; the last of `max` takes
/// the rest.
fn split_args(args: &SrcText, max: usize) -> Vec<SrcText> {
    let b = args.text.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'(' | b'{' => depth += 1,
            b')' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 && out.len() + 1 < max => {
                out.push(args.slice(start..i));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(args.slice(start..args.len()));
    out
}

/// Splits an expanded recipe line at newlines not escaped by a backslash:
/// a multi-line variable gives one recipe line per line.
fn split_recipe_lines(t: &SrcText) -> Vec<SrcText> {
    let b = t.text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        if c == b'\n' && !odd_backslashes(&t.text[start..i]) {
            out.push(t.slice(start..i));
            start = i + 1;
        }
    }
    out.push(t.slice(start..t.len()));
    out
}

/// Removes leading blanks and the `@`, `-`, `+` prefixes of a recipe line.
fn strip_prefixes(t: &SrcText) -> SrcText {
    let n = t
        .text
        .bytes()
        .take_while(|b| matches!(b, b'@' | b'-' | b'+' | b' ' | b'\t'))
        .count();
    t.slice(n..t.len())
}

/// The stem when `word` matches `pattern` (`%` matching any text).
fn pattern_match<'a>(pattern: &str, word: &'a str) -> Option<&'a str> {
    match pattern.find('%') {
        Some(p) => {
            let (pre, suf) = (&pattern[..p], &pattern[p + 1..]);
            if word.len() >= pre.len() + suf.len() && word.starts_with(pre) && word.ends_with(suf) {
                word.get(pre.len()..word.len() - suf.len())
            } else {
                None
            }
        }
        None => (pattern == word).then_some(""),
    }
}

/// `pattern` with its first `%` replaced by `stem`.
fn pattern_replace(pattern: &str, stem: &str) -> String {
    pattern.replacen('%', stem, 1)
}

fn patsubst(from: &str, to: &str, text: &str) -> String {
    text.split_whitespace()
        .map(|w| match pattern_match(from, w) {
            Some(stem) if from.contains('%') => pattern_replace(to, stem),
            Some(_) => to.to_string(),
            None => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where the suffix (`.c`) of a file name starts.
fn suffix_start(w: &str) -> Option<usize> {
    let dot = w.rfind('.')?;
    if w[dot..].contains('/') {
        None
    } else {
        Some(dot)
    }
}

/// The automatic variables of make, which are empty outside recipes.
fn is_automatic(name: &str) -> bool {
    let base = name
        .strip_suffix(['D', 'F'])
        .filter(|b| !b.is_empty())
        .unwrap_or(name);
    matches!(base, "@" | "<" | "^" | "+" | "|" | "?" | "*" | "%")
}

fn automatic_var(value: &str, at: Location) -> Var {
    Var {
        value: SrcText::new(value, Src::Opaque(at)),
        recursive: false,
        origin: Origin::Automatic,
        export: None,
    }
}

/// `$@`, `$<`, `$^`, `$+`, `$|`, `$?`, `$*` and their `D`/`F` forms.
fn automatic_scope(
    target: &str,
    prereqs: &[String],
    order_only: &[String],
    stem: &str,
    at: Location,
) -> HashMap<String, Var> {
    let dedup = |ws: &[String]| -> Vec<String> {
        let mut seen = HashSet::new();
        ws.iter()
            .filter(|w| seen.insert(w.as_str()))
            .cloned()
            .collect()
    };
    let all = dedup(prereqs).join(" ");
    let values = [
        ("@", target.to_string()),
        ("<", prereqs.first().cloned().unwrap_or_default()),
        ("^", all.clone()),
        ("+", prereqs.join(" ")),
        ("|", dedup(order_only).join(" ")),
        // Everything is out of date: the target is being made.
        ("?", all),
        ("*", stem.to_string()),
    ];
    let mut scope = HashMap::new();
    for (name, value) in values {
        let dirs: Vec<String> = value
            .split_whitespace()
            .map(|w| match w.rfind('/') {
                Some(0) => "/".to_string(),
                Some(i) => w[..i].to_string(),
                None => ".".to_string(),
            })
            .collect();
        let files: Vec<&str> = value
            .split_whitespace()
            .map(|w| w.rsplit('/').next().unwrap_or(w))
            .collect();
        scope.insert(format!("{name}D"), automatic_var(&dirs.join(" "), at));
        scope.insert(format!("{name}F"), automatic_var(&files.join(" "), at));
        scope.insert(name.to_string(), automatic_var(&value, at));
    }
    scope
}

/// `$*` of an explicit rule: the target without a known suffix.
fn default_stem(target: &str) -> String {
    const SUFFIXES: &[&str] = &[
        ".out", ".a", ".ln", ".o", ".c", ".cc", ".C", ".cpp", ".p", ".f", ".F", ".m", ".r", ".y",
        ".l", ".ym", ".yl", ".s", ".S", ".mod", ".sym", ".def", ".h", ".info", ".dvi", ".tex",
        ".texinfo", ".texi", ".txinfo", ".w", ".ch", ".web", ".sh", ".elc", ".el",
    ];
    SUFFIXES
        .iter()
        .find_map(|s| target.strip_suffix(s))
        .unwrap_or("")
        .to_string()
}

fn is_shell_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn file_name(p: &str) -> String {
    p.rsplit('/').next().unwrap_or(p).to_string()
}
