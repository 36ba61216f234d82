//! BuildKit's shell-word lexer: quote removal, escapes, `$VAR` expansion and
//! field splitting, with the semantics of `frontend/dockerfile/shell/lex.go`
//! in moby/buildkit.
//!
//! BuildKit expands ENV, ARG, COPY, WORKDIR, ... arguments with this lexer,
//! and its Dockerfile parser finds heredocs by splitting RUN/COPY/ADD lines
//! with it, so every quirk matters: a difference here changes what a
//! Dockerfile means. The quirks kept on purpose are marked "BuildKit quirk".
//!
//! The lexer runs on an explicit stack of frames rather than recursion, so
//! input nested 100,000 levels deep (`${a:-${a:-...}}`) cannot overflow the
//! stack. Text whose destination is known when a `${...}` opens (a chosen
//! default, a quoted string) is written straight into that destination
//! instead of being copied once per nesting level, which keeps the work
//! linear in the input.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::hash::BuildHasher;

/// Where variable values come from.
pub trait Env {
    /// The value of `name`, or `None` when unset.
    fn get(&self, name: &str) -> Option<&str>;
}

impl<S: BuildHasher> Env for HashMap<String, String, S> {
    fn get(&self, name: &str) -> Option<&str> {
        HashMap::get(self, name).map(String::as_str)
    }
}

impl Env for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<&str> {
        BTreeMap::get(self, name).map(String::as_str)
    }
}

/// Pairs in definition order; a later pair wins, as with BuildKit's
/// `EnvsFromSlice`.
impl<K: AsRef<str>, V: AsRef<str>> Env for [(K, V)] {
    fn get(&self, name: &str) -> Option<&str> {
        self.iter()
            .rev()
            .find(|(k, _)| k.as_ref() == name)
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Env for Vec<(K, V)> {
    fn get(&self, name: &str) -> Option<&str> {
        Env::get(self.as_slice(), name)
    }
}

impl<T: Env + ?Sized> Env for &T {
    fn get(&self, name: &str) -> Option<&str> {
        Env::get(&**self, name)
    }
}

/// An environment with no variables.
pub struct NoEnv;

impl Env for NoEnv {
    fn get(&self, _: &str) -> Option<&str> {
        None
    }
}

/// A lexing or expansion error, e.g. an unterminated quote or `${V:?msg}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellError {
    /// BuildKit's message, including its `failed to process "<word>": `
    /// prefix (the word quoted like Go's `%q`).
    pub message: String,
}

impl ShellError {
    const PREFIX: &'static str = "failed to process \"";

    /// The message without the `failed to process "<word>": ` prefix, e.g.
    /// `syntax error: missing '}'` or `V: is not allowed to be unset`.
    pub fn reason(&self) -> &str {
        let Some(quoted) = self.message.strip_prefix(Self::PREFIX) else {
            return &self.message;
        };
        // Go's %q escapes every `"` and `\` inside, so the first bare `"`
        // closes the quoted word.
        let bytes = quoted.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => {
                    return quoted[i + 1..].strip_prefix(": ").unwrap_or(&self.message);
                }
                _ => i += 1,
            }
        }
        &self.message
    }
}

impl fmt::Display for ShellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ShellError {}

/// The lexer, configured like BuildKit's `shell.Lex`.
///
/// The heredoc detector of BuildKit's parser uses
/// `Lexer { escape, raw_quotes: true, raw_escapes: true, skip_unset_env: true }`
/// with [`Lexer::process_words`] and [`NoEnv`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lexer {
    /// `\` or `` ` ``.
    pub escape: char,
    /// Keep quote characters in the output.
    pub raw_quotes: bool,
    /// Keep escape characters in the output.
    pub raw_escapes: bool,
    /// Leave `$UNSET` as written instead of expanding it to "".
    pub skip_unset_env: bool,
}

impl Default for Lexer {
    fn default() -> Self {
        Lexer::new('\\')
    }
}

/// Everything one run of the lexer yields, like BuildKit's
/// `ProcessWordResult`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansion {
    /// The expanded word, as [`Lexer::process_word`] returns it.
    pub word: String,
    /// The fields, as [`Lexer::process_words`] returns them.
    pub words: Vec<String>,
    /// Variables that were looked up and found.
    pub matched: BTreeSet<String>,
    /// Variables that were looked up and not found.
    pub unmatched: BTreeSet<String>,
}

/// What a run must produce; skipping the unused outputs saves allocations.
#[derive(Clone, Copy)]
struct Want {
    word: bool,
    words: bool,
    capture: bool,
    process_quotes: bool,
}

impl Lexer {
    /// A lexer with BuildKit's defaults for the given escape character.
    pub fn new(escape: char) -> Lexer {
        Lexer {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_unset_env: false,
        }
    }

    /// Expands one word (no field splitting), like `ProcessWord`.
    pub fn process_word(&self, word: &str, env: &dyn Env) -> Result<String, ShellError> {
        let want = Want {
            word: true,
            words: false,
            capture: false,
            process_quotes: true,
        };
        self.run(word, env, want).map(|e| e.word)
    }

    /// Expands and splits into fields on unquoted whitespace, like `ProcessWords`.
    ///
    /// As in BuildKit, whitespace produced by an expansion splits fields even
    /// inside a `${V:-...}` default, and an empty field (`""` without
    /// `raw_quotes`) is dropped.
    pub fn process_words(&self, word: &str, env: &dyn Env) -> Result<Vec<String>, ShellError> {
        let want = Want {
            word: false,
            words: true,
            capture: false,
            process_quotes: true,
        };
        self.run(word, env, want).map(|e| e.words)
    }

    /// Expands `word` and reports which variables it referenced, like
    /// `ProcessWordWithMatches`.
    pub fn process_word_with_matches(
        &self,
        word: &str,
        env: &dyn Env,
    ) -> Result<Expansion, ShellError> {
        let want = Want {
            word: true,
            words: true,
            capture: true,
            process_quotes: true,
        };
        self.run(word, env, want)
    }

    /// Expands `word` treating `'` and `"` as ordinary characters, like a
    /// `Lex` with `SkipProcessQuotes` (BuildKit uses it for heredoc bodies).
    pub fn process_word_ignoring_quotes(
        &self,
        word: &str,
        env: &dyn Env,
    ) -> Result<String, ShellError> {
        let want = Want {
            word: true,
            words: false,
            capture: false,
            process_quotes: false,
        };
        self.run(word, env, want).map(|e| e.word)
    }

    fn run(&self, src: &str, env: &dyn Env, want: Want) -> Result<Expansion, ShellError> {
        let mut m = Machine {
            src,
            bytes: src.as_bytes(),
            // BuildKit quirk: Go's text/scanner drops a byte-order mark at
            // the very start of its input.
            pos: if src.starts_with('\u{FEFF}') { 3 } else { 0 },
            env,
            escape: self.escape,
            escape_byte: if self.escape.is_ascii() {
                Some(self.escape as u8)
            } else {
                None
            },
            raw_quotes: self.raw_quotes,
            skip_unset: self.skip_unset_env,
            process_quotes: want.process_quotes,
            frames: Vec::new(),
            want_word: want.word,
            result: String::new(),
            words: if want.words {
                Some(Words::default())
            } else {
                None
            },
            capture: if want.capture {
                Some(Capture::default())
            } else {
                None
            },
            produced: 0,
        };
        m.frames.push(Frame {
            stop: None,
            quote: false,
            raw_escapes: self.raw_escapes,
            sink: Sink::Own,
            buf: String::new(),
            then: Then::Top,
        });
        match m.run() {
            Ok(()) => {
                let capture = m.capture.take().unwrap_or_default();
                Ok(Expansion {
                    word: m.result,
                    words: m.words.map(Words::finish).unwrap_or_default(),
                    matched: capture.matched,
                    unmatched: capture.unmatched,
                })
            }
            Err(reason) => Err(ShellError {
                message: format!("failed to process {}: {}", go_quote(src), reason),
            }),
        }
    }
}

/// Where a frame's output goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sink {
    /// Into the frame's own buffer (the top frame: the result and fields).
    Own,
    /// Straight into frame `target`'s buffer. `split` says whether it counts
    /// as expansion output (split into fields on whitespace) or as quoted
    /// text (never split); only the top frame cares.
    Forward { target: usize, split: bool },
    /// Nowhere: the text is lexed for its errors and lookups only, like the
    /// unused default of `${SET:-default}`.
    Discard,
}

/// What to do when a `${...}` frame reaches its terminator.
enum Then<'a> {
    /// The outermost word; it never terminates early.
    Top,
    /// Nothing: the output was already streamed or discarded.
    Done,
    /// Close the `${...` written back verbatim for an unset variable.
    Close,
    /// `${V?msg}` / `${V:?msg}` failed; the buffer is the message.
    Require { name: &'a str, unset: bool },
    /// `${V#p}`, `${V##p}`, `${V%p}`, `${V%%p}`; the buffer is the pattern.
    Trim { value: &'a str, op: char },
    /// The pattern of `${V/p/r}`; `value` is `None` when writing it back
    /// verbatim for an unset variable.
    ReplacePattern { all: bool, value: Option<&'a str> },
    /// The replacement of `${V//p/r}`; the buffer is the replacement.
    ReplaceAll { value: &'a str, glob: Glob },
    /// Write the rest of the value after a streamed `${V/p/r}` replacement.
    Suffix(&'a str),
    /// An error that waits until the argument has been lexed, because
    /// BuildKit reports errors inside the argument first.
    Fail(String),
}

/// One level of nesting: the outermost word, a `${...}` argument, or a
/// double-quoted string.
struct Frame<'a> {
    /// The terminator of a `${...}` argument (`}` or `/`).
    stop: Option<u8>,
    /// A double-quoted string rather than a word.
    quote: bool,
    /// BuildKit switches raw escapes per argument: patterns keep them,
    /// `${V:-...}` defaults drop them.
    raw_escapes: bool,
    sink: Sink,
    buf: String,
    then: Then<'a>,
}

/// Fields being split out of the top-level word.
#[derive(Default)]
struct Words {
    done: Vec<String>,
    cur: String,
}

impl Words {
    /// Text that is never split: escaped characters and quoted strings.
    fn add_raw(&mut self, s: &str) {
        self.cur.push_str(s);
    }

    /// Text that is split on unquoted whitespace: plain characters and
    /// expansion results.
    fn add_split(&mut self, s: &str) {
        let mut rest = s;
        while !rest.is_empty() {
            match rest.char_indices().find(|&(_, c)| c.is_whitespace()) {
                Some((i, c)) => {
                    self.cur.push_str(&rest[..i]);
                    if !self.cur.is_empty() {
                        self.done.push(std::mem::take(&mut self.cur));
                    }
                    rest = &rest[i + c.len_utf8()..];
                }
                None => {
                    self.cur.push_str(rest);
                    break;
                }
            }
        }
    }

    fn finish(mut self) -> Vec<String> {
        if !self.cur.is_empty() {
            self.done.push(self.cur);
        }
        self.done
    }
}

#[derive(Default)]
struct Capture {
    matched: BTreeSet<String>,
    unmatched: BTreeSet<String>,
}

/// One run of the lexer over one input.
struct Machine<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    env: &'a dyn Env,
    escape: char,
    escape_byte: Option<u8>,
    raw_quotes: bool,
    skip_unset: bool,
    process_quotes: bool,
    frames: Vec<Frame<'a>>,
    want_word: bool,
    result: String,
    words: Option<Words>,
    capture: Option<Capture>,
    /// Bytes written so far, to stop runaway expansions.
    produced: usize,
}

/// Go's `string(rune)` of a missing character (EOF) is U+FFFD.
const EOF_CHAR: char = '\u{FFFD}';

/// The most output one run may produce. `${a//x/${a//x/...}}` doubles its
/// size with every level when `a=xx`; BuildKit would exhaust memory, so
/// this limit, and its error, are ours. 16 MiB is far past any real use
/// (Linux refuses a single environment string over 128 KiB, so no RUN
/// could even receive such a value) while keeping the worst word at about
/// 60 ms: at 256 MiB a fuzzer-found word took a second.
const MAX_OUTPUT: usize = 1 << 24;

/// The error for exceeding [`MAX_OUTPUT`] (not a BuildKit message).
const TOO_LARGE: &str = "expansion result exceeds 16 MiB";

impl<'a> Machine<'a> {
    fn run(&mut self) -> Result<(), String> {
        loop {
            let idx = self.frames.len() - 1;
            if self.frames[idx].quote {
                self.quote_step(idx)?;
            } else if self.word_step(idx)? {
                return Ok(());
            }
            if self.produced > MAX_OUTPUT {
                return Err(self.fail(TOO_LARGE.into()));
            }
        }
    }

    fn peek(&self) -> Option<char> {
        let b = *self.bytes.get(self.pos)?;
        if b < 0x80 {
            Some(b as char)
        } else {
            self.src[self.pos..].chars().next()
        }
    }

    fn next_char(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Lexes one token of a word frame; true when the outermost word is done.
    fn word_step(&mut self, idx: usize) -> Result<bool, String> {
        let stop = self.frames[idx].stop;
        let Some(c) = self.peek() else {
            return match stop {
                None => Ok(true),
                Some(s) => Err(self.fail(format!(
                    "unexpected end of statement while looking for matching {}",
                    s as char
                ))),
            };
        };
        if stop == Some(c as u8) && c.is_ascii() {
            self.pos += 1;
            self.complete()?;
            return Ok(false);
        }
        match c {
            '$' => {
                self.pos += 1;
                self.dollar(idx)?;
            }
            '\'' if self.process_quotes => self.single_quote(idx)?,
            '"' if self.process_quotes => {
                self.pos += 1;
                let sink = self.forward_sink(idx, false);
                let raw_escapes = self.frames[idx].raw_escapes;
                self.frames.push(Frame {
                    stop: None,
                    quote: true,
                    raw_escapes,
                    sink,
                    buf: String::new(),
                    then: Then::Done,
                });
                if self.raw_quotes {
                    self.emit(idx + 1, false, "\"");
                }
            }
            c if c == self.escape => {
                self.pos += c.len_utf8();
                if self.frames[idx].raw_escapes {
                    self.emit_char(idx, false, c);
                }
                // An escape at the very end is dropped; the next step then
                // sees the end of input.
                if let Some(e) = self.next_char() {
                    self.emit_char(idx, false, e);
                }
            }
            _ => {
                let end = self.plain_run(stop, true);
                if end > self.pos {
                    let run = &self.src[self.pos..end];
                    self.pos = end;
                    self.emit(idx, true, run);
                } else {
                    self.pos += c.len_utf8();
                    self.emit_char(idx, true, c);
                }
            }
        }
        Ok(false)
    }

    /// The end of the run of characters without special meaning at the
    /// cursor, so they can be copied in one go.
    fn plain_run(&self, stop: Option<u8>, word: bool) -> usize {
        let quotes = word && self.process_quotes;
        let mut i = self.pos;
        while let Some(&b) = self.bytes.get(i) {
            let special = (b >= 0x80 && self.escape_byte.is_none())
                || b == b'$'
                || Some(b) == self.escape_byte
                || Some(b) == stop
                || (b == b'"' && (quotes || !word))
                || (b == b'\'' && quotes);
            if special {
                break;
            }
            i += 1;
        }
        i
    }

    /// Lexes one token of a double-quoted string.
    fn quote_step(&mut self, idx: usize) -> Result<(), String> {
        let Some(c) = self.peek() else {
            return Err(self.fail(
                "unexpected end of statement while looking for matching double-quote".into(),
            ));
        };
        match c {
            '"' => {
                self.pos += 1;
                if self.raw_quotes {
                    self.emit(idx, false, "\"");
                }
                self.frames.pop();
            }
            '$' => {
                self.pos += 1;
                self.dollar(idx)?;
            }
            c if c == self.escape => {
                self.pos += c.len_utf8();
                if self.frames[idx].raw_escapes {
                    self.emit_char(idx, false, c);
                }
                // Only `"`, `$` and the escape itself can be escaped; before
                // anything else the escape stays. BuildKit quirk: with raw
                // escapes it is then written twice.
                match self.peek() {
                    None => {}
                    Some(n) if n == '"' || n == '$' || n == self.escape => {
                        self.pos += n.len_utf8();
                        self.emit_char(idx, false, n);
                    }
                    Some(_) => self.emit_char(idx, false, c),
                }
            }
            _ => {
                let end = self.plain_run(None, false);
                if end > self.pos {
                    let run = &self.src[self.pos..end];
                    self.pos = end;
                    self.emit(idx, false, run);
                } else {
                    self.pos += c.len_utf8();
                    self.emit_char(idx, false, c);
                }
            }
        }
        Ok(())
    }

    /// A single-quoted string: everything up to the next `'` is literal.
    fn single_quote(&mut self, idx: usize) -> Result<(), String> {
        let start = self.pos + 1;
        let Some(len) = self.bytes[start..].iter().position(|&b| b == b'\'') else {
            self.pos = self.bytes.len();
            return Err(self.fail(
                "unexpected end of statement while looking for matching single-quote".into(),
            ));
        };
        let end = start + len;
        self.pos = end + 1;
        let text = if self.raw_quotes {
            &self.src[start - 1..end + 1]
        } else {
            &self.src[start..end]
        };
        self.emit(idx, false, text);
        Ok(())
    }

    /// A name after `$` or `${`: a run of digits, one special parameter
    /// character, or letters, digits and `_` (Unicode classes, as in Go).
    fn name(&mut self) -> &'a str {
        let start = self.pos;
        match self.peek() {
            Some(c) if is_go_digit(c) => {
                while let Some(c) = self.peek().filter(|&c| is_go_digit(c)) {
                    self.pos += c.len_utf8();
                }
            }
            Some(c @ ('@' | '*' | '#' | '?' | '-' | '$' | '!' | '0')) => self.pos += c.len_utf8(),
            _ => {
                while let Some(c) = self
                    .peek()
                    .filter(|&c| c == '_' || is_go_letter(c) || is_go_digit(c))
                {
                    self.pos += c.len_utf8();
                }
            }
        }
        &self.src[start..self.pos]
    }

    fn lookup(&mut self, name: &str) -> Option<&'a str> {
        let value = self.env.get(name);
        if let Some(capture) = &mut self.capture {
            let set = if value.is_some() {
                &mut capture.matched
            } else {
                &mut capture.unmatched
            };
            if !set.contains(name) {
                set.insert(name.to_string());
            }
        }
        value
    }

    /// Handles what follows a `$` met in frame `idx`.
    fn dollar(&mut self, idx: usize) -> Result<(), String> {
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                self.emit(idx, true, "$");
                return Ok(());
            }
            match self.lookup(name) {
                Some(value) => self.emit(idx, true, value),
                None if self.skip_unset => {
                    self.emit(idx, true, "$");
                    self.emit(idx, true, name);
                }
                None => {}
            }
            return Ok(());
        }
        self.pos += 1;
        match self.peek() {
            None => return Err(self.fail("syntax error: missing '}'".into())),
            Some('{' | '}' | ':') => return Err(self.fail("syntax error: bad substitution".into())),
            Some(_) => {}
        }
        let name = self.name();
        match self.next_char() {
            Some('}') => {
                match self.lookup(name) {
                    Some(value) => self.emit(idx, true, value),
                    None if self.skip_unset => {
                        self.emit(idx, true, "${");
                        self.emit(idx, true, name);
                        self.emit(idx, true, "}");
                    }
                    None => {}
                }
                Ok(())
            }
            Some(':') => {
                let op = self.next_char();
                self.modifier(idx, name, true, op)
            }
            Some(op @ ('+' | '-' | '?' | '#' | '%')) => self.modifier(idx, name, false, Some(op)),
            Some('/') => self.replace(idx, name),
            other => Err(self.fail(format!(
                "unsupported modifier ({}) in substitution",
                other.unwrap_or(EOF_CHAR)
            ))),
        }
    }

    /// `${name<op>word}` or, with `colon`, `${name:<op>word}`.
    fn modifier(
        &mut self,
        idx: usize,
        name: &'a str,
        colon: bool,
        op: Option<char>,
    ) -> Result<(), String> {
        let mut chs = String::with_capacity(3);
        if colon {
            chs.push(':');
        }
        chs.push(op.unwrap_or(EOF_CHAR));
        let pattern = matches!(op, Some('#' | '%'));
        if colon && pattern {
            return Err(self.fail(format!("unsupported modifier ({chs}) in substitution")));
        }
        let value = self.lookup(name);
        if value.is_none() && self.skip_unset {
            self.emit(idx, true, "${");
            self.emit(idx, true, name);
            self.emit(idx, true, &chs);
            let sink = self.forward_sink(idx, true);
            self.push_arg(b'}', pattern, sink, Then::Close);
            return Ok(());
        }
        let null = match value {
            None => true,
            Some(v) => colon && v.is_empty(),
        };
        let v = value.unwrap_or("");
        match op {
            Some('-') if null => {
                let sink = self.forward_sink(idx, true);
                self.push_arg(b'}', false, sink, Then::Done);
            }
            Some('+') if !null => {
                let sink = self.forward_sink(idx, true);
                self.push_arg(b'}', false, sink, Then::Done);
            }
            Some('-' | '?') if !null => {
                self.emit(idx, true, v);
                self.push_arg(b'}', false, Sink::Discard, Then::Done);
            }
            Some('+') => self.push_arg(b'}', false, Sink::Discard, Then::Done),
            Some('?') => self.push_arg(
                b'}',
                false,
                Sink::Own,
                Then::Require {
                    name,
                    unset: value.is_none(),
                },
            ),
            Some(op @ ('#' | '%')) => {
                self.push_arg(b'}', true, Sink::Own, Then::Trim { value: v, op })
            }
            _ => {
                let message = format!("unsupported modifier ({chs}) in substitution");
                self.push_arg(b'}', false, Sink::Discard, Then::Fail(message));
            }
        }
        Ok(())
    }

    /// `${name/pattern/replacement}` or `${name//pattern/replacement}`.
    fn replace(&mut self, idx: usize, name: &'a str) -> Result<(), String> {
        let all = self.peek() == Some('/');
        if all {
            self.pos += 1;
        }
        let value = self.lookup(name);
        if value.is_none() && self.skip_unset {
            // BuildKit quirk: `//` is written back as a single `/`.
            self.emit(idx, true, "${");
            self.emit(idx, true, name);
            self.emit(idx, true, "/");
            let sink = self.forward_sink(idx, true);
            self.push_arg(b'/', true, sink, Then::ReplacePattern { all, value: None });
        } else {
            let value = Some(value.unwrap_or(""));
            self.push_arg(b'/', true, Sink::Own, Then::ReplacePattern { all, value });
        }
        Ok(())
    }

    fn push_arg(&mut self, stop: u8, raw_escapes: bool, sink: Sink, then: Then<'a>) {
        self.frames.push(Frame {
            stop: Some(stop),
            quote: false,
            raw_escapes,
            sink,
            buf: String::new(),
            then,
        });
    }

    /// The sink for a child of frame `parent` whose output is part of
    /// `parent`'s output.
    fn forward_sink(&self, parent: usize, split: bool) -> Sink {
        match self.frames[parent].sink {
            Sink::Own => Sink::Forward {
                target: parent,
                split,
            },
            forward @ Sink::Forward { .. } => forward,
            Sink::Discard => Sink::Discard,
        }
    }

    /// Writes `text` produced by frame `from`; `split` says whether, in the
    /// top frame, it may be split into fields.
    fn emit(&mut self, from: usize, split: bool, text: &str) {
        let (target, split) = match self.frames[from].sink {
            Sink::Own => (from, split),
            Sink::Forward { target, split } => (target, split),
            Sink::Discard => return,
        };
        self.produced += text.len();
        if target == 0 {
            if self.want_word {
                self.result.push_str(text);
            }
            if let Some(words) = &mut self.words {
                if split {
                    words.add_split(text)
                } else {
                    words.add_raw(text)
                }
            }
        } else {
            self.frames[target].buf.push_str(text);
        }
    }

    fn emit_char(&mut self, from: usize, split: bool, c: char) {
        let mut buf = [0u8; 4];
        self.emit(from, split, c.encode_utf8(&mut buf));
    }

    /// The `${...}` argument on top of the stack met its terminator.
    fn complete(&mut self) -> Result<(), String> {
        let frame = self.frames.pop().expect("argument frame");
        let parent = self.frames.len() - 1;
        match frame.then {
            Then::Top | Then::Done => {}
            Then::Close => self.emit(parent, true, "}"),
            Then::Require { name, unset } => {
                let message = if !frame.buf.is_empty() {
                    frame.buf.as_str()
                } else if unset {
                    "is not allowed to be unset"
                } else {
                    "is not allowed to be empty"
                };
                return Err(self.fail(format!("{name}: {message}")));
            }
            Then::Trim { value, op } => {
                let out = trim(value, &frame.buf, op).map_err(|e| self.fail(e))?;
                self.emit(parent, true, &out);
            }
            Then::ReplacePattern { value: None, .. } => {
                self.emit(parent, true, "/");
                let sink = self.forward_sink(parent, true);
                self.push_arg(b'}', true, sink, Then::Close);
            }
            Then::ReplacePattern {
                all,
                value: Some(value),
            } => {
                let pattern = frame.buf;
                match Glob::compile(&pattern, true) {
                    Err(e) => {
                        let message = format!("invalid pattern ({pattern}) in substitution: {e}");
                        self.push_arg(b'}', true, Sink::Discard, Then::Fail(message));
                    }
                    Ok(glob) if all => {
                        self.push_arg(b'}', true, Sink::Own, Then::ReplaceAll { value, glob })
                    }
                    // The match does not depend on the replacement, so the
                    // replacement can be streamed between the two halves.
                    Ok(glob) => match glob.find(value, 0, false) {
                        Some((start, end)) => {
                            self.emit(parent, true, &value[..start]);
                            let sink = self.forward_sink(parent, true);
                            self.push_arg(b'}', true, sink, Then::Suffix(&value[end..]));
                        }
                        None => {
                            self.emit(parent, true, value);
                            self.push_arg(b'}', true, Sink::Discard, Then::Done);
                        }
                    },
                }
            }
            Then::ReplaceAll { value, glob } => {
                let out = glob
                    .replace_all(value, &frame.buf)
                    .ok_or_else(|| self.fail(TOO_LARGE.into()))?;
                self.emit(parent, true, &out);
            }
            Then::Suffix(rest) => self.emit(parent, true, rest),
            Then::Fail(message) => return Err(self.fail(message)),
        }
        if self.produced > MAX_OUTPUT {
            return Err(self.fail(TOO_LARGE.into()));
        }
        Ok(())
    }

    /// Finishes an error the way it leaves BuildKit's recursion: every
    /// enclosing `${...}` that is cut off by the end of input replaces it
    /// with its own "missing" message, so the outermost one wins.
    fn fail(&self, reason: String) -> String {
        if self.pos < self.bytes.len() {
            return reason;
        }
        match self.frames.iter().find_map(|f| f.stop) {
            Some(b'/') => "syntax error: missing '/' in ${}".into(),
            Some(_) => "syntax error: missing '}'".into(),
            None => reason,
        }
    }
}

/// `${V#p}` / `${V##p}` (`op` `#`) and `${V%p}` / `${V%%p}` (`op` `%`);
/// `word` is the pattern with the doubled operator still in front.
fn trim(value: &str, word: &str, op: char) -> Result<String, String> {
    let (greedy, pattern) = match word.strip_prefix(op) {
        Some(rest) => (true, rest),
        None => (false, word),
    };
    let invalid = |p: &str, e: String| format!("invalid pattern ({p}) in substitution: {e}");
    if op == '#' {
        let glob = Glob::compile(pattern, greedy).map_err(|e| invalid(pattern, e))?;
        return Ok(match glob.find(value, 0, true) {
            Some((_, end)) => value[end..].to_string(),
            None => value.to_string(),
        });
    }
    // Like BuildKit, find the shortest or longest suffix as a prefix of the
    // reversed value; errors therefore name the reversed pattern.
    let pattern = reverse_pattern(pattern);
    let glob = Glob::compile(&pattern, greedy).map_err(|e| invalid(&pattern, e))?;
    let reversed: String = value.chars().rev().collect();
    let kept = match glob.find(&reversed, 0, true) {
        Some((_, end)) => &reversed[end..],
        None => &reversed[..],
    };
    Ok(kept.chars().rev().collect())
}

/// Reverses a pattern but keeps each `\x` pair in order.
fn reverse_pattern(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = vec!['\0'; chars.len()];
    let last = chars.len().wrapping_sub(1);
    let mut i = 0;
    while i < chars.len() {
        let at = last - i;
        if chars[i] == '\\' && i != last {
            out[at - 1] = '\\';
            out[at] = chars[i + 1];
            i += 2;
        } else {
            out[at] = chars[i];
            i += 1;
        }
    }
    out.into_iter().collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tok {
    Lit(char),
    /// `?`: any character but a newline (Go's `.`).
    Any,
    /// `*`: any run of characters without a newline (Go's `.*` or `.*?`).
    Star,
}

/// A shell pattern as BuildKit compiles it: `*`, `?`, and `\*`, `\?`, `\\`
/// escapes; `[` is an ordinary character.
struct Glob {
    toks: Vec<Tok>,
    greedy: bool,
}

/// A pending entry of the matcher's closure walk.
enum Visit {
    Node(usize),
    Loop(usize),
}

impl Glob {
    fn compile(pattern: &str, greedy: bool) -> Result<Glob, String> {
        let mut chars = pattern.chars().peekable();
        // BuildKit quirk: the pattern is read with text/scanner too.
        chars.next_if_eq(&'\u{FEFF}');
        let mut toks = Vec::new();
        while let Some(c) = chars.next() {
            let tok = match c {
                // Adjacent stars match exactly what one does, and merging
                // them keeps the matcher linear.
                '*' if toks.last() == Some(&Tok::Star) => continue,
                '*' => Tok::Star,
                '?' => Tok::Any,
                // `\}` and `\/` only protected the terminator of `${...}`.
                '\\' if matches!(chars.peek(), Some('}' | '/')) => continue,
                '\\' => match chars.next() {
                    Some(e @ ('*' | '?' | '\\')) => Tok::Lit(e),
                    other => {
                        return Err(format!("invalid escape '\\{}'", other.unwrap_or(EOF_CHAR)));
                    }
                },
                c => Tok::Lit(c),
            };
            toks.push(tok);
        }
        Ok(Glob { toks, greedy })
    }

    /// The leftmost match at or after byte `from` (only at `from` when
    /// `anchored`), with the priorities of Go's leftmost-first regexp
    /// engine; a Pike VM, so linear in the haystack.
    fn find(&self, hay: &str, from: usize, anchored: bool) -> Option<(usize, usize)> {
        let end = self.toks.len();
        let mut seen = vec![0usize; end + 1];
        let mut stack = Vec::new();
        let mut clist: Vec<(usize, usize)> = Vec::new();
        let mut nlist: Vec<(usize, usize)> = Vec::new();
        let mut generation = 1;
        self.add(&mut clist, &mut seen, generation, &mut stack, 0, from);
        let mut found = None;
        let mut pos = from;
        loop {
            let c = hay[pos..].chars().next();
            generation += 1;
            nlist.clear();
            for &(pc, start) in &clist {
                if pc == end {
                    // Lower-priority threads can no longer win.
                    found = Some((start, pos));
                    break;
                }
                let Some(c) = c else { continue };
                let next = match self.toks[pc] {
                    Tok::Lit(l) if l == c => pc + 1,
                    Tok::Any if c != '\n' => pc + 1,
                    Tok::Star if c != '\n' => pc,
                    _ => continue,
                };
                self.add(&mut nlist, &mut seen, generation, &mut stack, next, start);
            }
            let Some(c) = c else { break };
            pos += c.len_utf8();
            if !anchored && found.is_none() {
                self.add(&mut nlist, &mut seen, generation, &mut stack, 0, pos);
            }
            std::mem::swap(&mut clist, &mut nlist);
            if clist.is_empty() {
                break;
            }
        }
        found
    }

    /// Adds the threads reachable from `pc` without consuming input, in
    /// priority order; iterative so long patterns cannot overflow.
    fn add(
        &self,
        list: &mut Vec<(usize, usize)>,
        seen: &mut [usize],
        generation: usize,
        stack: &mut Vec<Visit>,
        pc: usize,
        start: usize,
    ) {
        stack.push(Visit::Node(pc));
        while let Some(visit) = stack.pop() {
            let pc = match visit {
                Visit::Loop(pc) => {
                    list.push((pc, start));
                    continue;
                }
                Visit::Node(pc) => pc,
            };
            if seen[pc] == generation {
                continue;
            }
            seen[pc] = generation;
            if self.toks.get(pc) != Some(&Tok::Star) {
                list.push((pc, start));
            } else if self.greedy {
                list.push((pc, start));
                stack.push(Visit::Node(pc + 1));
            } else {
                stack.push(Visit::Loop(pc));
                stack.push(Visit::Node(pc + 1));
            }
        }
    }

    /// Go's `Regexp.ReplaceAllString`, including its handling of empty
    /// matches and `$0` / `${0}` in the replacement.
    /// `None` when the result would exceed [`MAX_OUTPUT`].
    fn replace_all(&self, value: &str, repl: &str) -> Option<String> {
        let mut out = String::with_capacity(value.len());
        let mut last_end = 0;
        let mut search = 0;
        while search <= value.len() {
            let Some((start, end)) = self.find(value, search, false) else {
                break;
            };
            out.push_str(&value[last_end..start]);
            // Go skips an empty match right after the previous match.
            if end > last_end || start == 0 {
                expand_template(&mut out, repl, &value[start..end]);
                if out.len() > MAX_OUTPUT {
                    return None;
                }
            }
            last_end = end;
            let width = value[search..].chars().next().map_or(0, char::len_utf8);
            if search + width > end {
                search += width;
            } else if search + 1 > end {
                search += 1;
            } else {
                search = end;
            }
        }
        out.push_str(&value[last_end..]);
        Some(out)
    }
}

/// Go's `Regexp.expand` for a pattern without groups: `$$` is `$`, `$0` and
/// `${0}` are the match, any other `$name` or `${name}` is empty, and a `$`
/// not followed by a name stays.
fn expand_template(out: &mut String, template: &str, matched: &str) {
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('$') {
            out.push('$');
            rest = r;
            continue;
        }
        let (brace, body) = match rest.strip_prefix('{') {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let len = body
            .find(|c: char| !(c == '_' || is_go_letter(c) || is_go_digit(c)))
            .unwrap_or(body.len());
        if len == 0 || (brace && !body[len..].starts_with('}')) {
            out.push('$');
            continue;
        }
        if &body[..len] == "0" {
            out.push_str(matched);
        }
        rest = &body[len + usize::from(brace)..];
    }
    out.push_str(rest);
}

/// Go's `unicode.IsLetter`.
fn is_go_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        in_table(LETTER, c)
    }
}

/// Go's `unicode.IsDigit` (category Nd).
fn is_go_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        in_table(DIGIT, c)
    }
}

fn in_table(table: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Go's `%q` (`strconv.Quote`) of `s`. Unassigned code points, which Go
/// escapes too, are written as they are.
fn go_quote(s: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        let printable = if c.is_ascii() {
            (' '..='~').contains(&c)
        } else {
            !in_table(NOT_PRINTABLE, c)
        };
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ if printable => out.push(c),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

// Generated from Unicode 15.0.0 (the version Go's `unicode` package uses)
// with Python's unicodedata2 15.0.0: maximal runs of code points >= U+0080
// in the named categories.

/// Unicode 15.0 general category L above U+007F, as inclusive ranges.
#[rustfmt::skip]
const LETTER: &[(u32, u32)] = &[
    (0xAA, 0xAA), (0xB5, 0xB5), (0xBA, 0xBA), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x2C1),
    (0x2C6, 0x2D1), (0x2E0, 0x2E4), (0x2EC, 0x2EC), (0x2EE, 0x2EE), (0x370, 0x374),
    (0x376, 0x377), (0x37A, 0x37D), (0x37F, 0x37F), (0x386, 0x386), (0x388, 0x38A),
    (0x38C, 0x38C), (0x38E, 0x3A1), (0x3A3, 0x3F5), (0x3F7, 0x481), (0x48A, 0x52F),
    (0x531, 0x556), (0x559, 0x559), (0x560, 0x588), (0x5D0, 0x5EA), (0x5EF, 0x5F2),
    (0x620, 0x64A), (0x66E, 0x66F), (0x671, 0x6D3), (0x6D5, 0x6D5), (0x6E5, 0x6E6),
    (0x6EE, 0x6EF), (0x6FA, 0x6FC), (0x6FF, 0x6FF), (0x710, 0x710), (0x712, 0x72F),
    (0x74D, 0x7A5), (0x7B1, 0x7B1), (0x7CA, 0x7EA), (0x7F4, 0x7F5), (0x7FA, 0x7FA),
    (0x800, 0x815), (0x81A, 0x81A), (0x824, 0x824), (0x828, 0x828), (0x840, 0x858),
    (0x860, 0x86A), (0x870, 0x887), (0x889, 0x88E), (0x8A0, 0x8C9), (0x904, 0x939),
    (0x93D, 0x93D), (0x950, 0x950), (0x958, 0x961), (0x971, 0x980), (0x985, 0x98C),
    (0x98F, 0x990), (0x993, 0x9A8), (0x9AA, 0x9B0), (0x9B2, 0x9B2), (0x9B6, 0x9B9),
    (0x9BD, 0x9BD), (0x9CE, 0x9CE), (0x9DC, 0x9DD), (0x9DF, 0x9E1), (0x9F0, 0x9F1),
    (0x9FC, 0x9FC), (0xA05, 0xA0A), (0xA0F, 0xA10), (0xA13, 0xA28), (0xA2A, 0xA30),
    (0xA32, 0xA33), (0xA35, 0xA36), (0xA38, 0xA39), (0xA59, 0xA5C), (0xA5E, 0xA5E),
    (0xA72, 0xA74), (0xA85, 0xA8D), (0xA8F, 0xA91), (0xA93, 0xAA8), (0xAAA, 0xAB0),
    (0xAB2, 0xAB3), (0xAB5, 0xAB9), (0xABD, 0xABD), (0xAD0, 0xAD0), (0xAE0, 0xAE1),
    (0xAF9, 0xAF9), (0xB05, 0xB0C), (0xB0F, 0xB10), (0xB13, 0xB28), (0xB2A, 0xB30),
    (0xB32, 0xB33), (0xB35, 0xB39), (0xB3D, 0xB3D), (0xB5C, 0xB5D), (0xB5F, 0xB61),
    (0xB71, 0xB71), (0xB83, 0xB83), (0xB85, 0xB8A), (0xB8E, 0xB90), (0xB92, 0xB95),
    (0xB99, 0xB9A), (0xB9C, 0xB9C), (0xB9E, 0xB9F), (0xBA3, 0xBA4), (0xBA8, 0xBAA),
    (0xBAE, 0xBB9), (0xBD0, 0xBD0), (0xC05, 0xC0C), (0xC0E, 0xC10), (0xC12, 0xC28),
    (0xC2A, 0xC39), (0xC3D, 0xC3D), (0xC58, 0xC5A), (0xC5D, 0xC5D), (0xC60, 0xC61),
    (0xC80, 0xC80), (0xC85, 0xC8C), (0xC8E, 0xC90), (0xC92, 0xCA8), (0xCAA, 0xCB3),
    (0xCB5, 0xCB9), (0xCBD, 0xCBD), (0xCDD, 0xCDE), (0xCE0, 0xCE1), (0xCF1, 0xCF2),
    (0xD04, 0xD0C), (0xD0E, 0xD10), (0xD12, 0xD3A), (0xD3D, 0xD3D), (0xD4E, 0xD4E),
    (0xD54, 0xD56), (0xD5F, 0xD61), (0xD7A, 0xD7F), (0xD85, 0xD96), (0xD9A, 0xDB1),
    (0xDB3, 0xDBB), (0xDBD, 0xDBD), (0xDC0, 0xDC6), (0xE01, 0xE30), (0xE32, 0xE33),
    (0xE40, 0xE46), (0xE81, 0xE82), (0xE84, 0xE84), (0xE86, 0xE8A), (0xE8C, 0xEA3),
    (0xEA5, 0xEA5), (0xEA7, 0xEB0), (0xEB2, 0xEB3), (0xEBD, 0xEBD), (0xEC0, 0xEC4),
    (0xEC6, 0xEC6), (0xEDC, 0xEDF), (0xF00, 0xF00), (0xF40, 0xF47), (0xF49, 0xF6C),
    (0xF88, 0xF8C), (0x1000, 0x102A), (0x103F, 0x103F), (0x1050, 0x1055), (0x105A, 0x105D),
    (0x1061, 0x1061), (0x1065, 0x1066), (0x106E, 0x1070), (0x1075, 0x1081), (0x108E, 0x108E),
    (0x10A0, 0x10C5), (0x10C7, 0x10C7), (0x10CD, 0x10CD), (0x10D0, 0x10FA), (0x10FC, 0x1248),
    (0x124A, 0x124D), (0x1250, 0x1256), (0x1258, 0x1258), (0x125A, 0x125D), (0x1260, 0x1288),
    (0x128A, 0x128D), (0x1290, 0x12B0), (0x12B2, 0x12B5), (0x12B8, 0x12BE), (0x12C0, 0x12C0),
    (0x12C2, 0x12C5), (0x12C8, 0x12D6), (0x12D8, 0x1310), (0x1312, 0x1315), (0x1318, 0x135A),
    (0x1380, 0x138F), (0x13A0, 0x13F5), (0x13F8, 0x13FD), (0x1401, 0x166C), (0x166F, 0x167F),
    (0x1681, 0x169A), (0x16A0, 0x16EA), (0x16F1, 0x16F8), (0x1700, 0x1711), (0x171F, 0x1731),
    (0x1740, 0x1751), (0x1760, 0x176C), (0x176E, 0x1770), (0x1780, 0x17B3), (0x17D7, 0x17D7),
    (0x17DC, 0x17DC), (0x1820, 0x1878), (0x1880, 0x1884), (0x1887, 0x18A8), (0x18AA, 0x18AA),
    (0x18B0, 0x18F5), (0x1900, 0x191E), (0x1950, 0x196D), (0x1970, 0x1974), (0x1980, 0x19AB),
    (0x19B0, 0x19C9), (0x1A00, 0x1A16), (0x1A20, 0x1A54), (0x1AA7, 0x1AA7), (0x1B05, 0x1B33),
    (0x1B45, 0x1B4C), (0x1B83, 0x1BA0), (0x1BAE, 0x1BAF), (0x1BBA, 0x1BE5), (0x1C00, 0x1C23),
    (0x1C4D, 0x1C4F), (0x1C5A, 0x1C7D), (0x1C80, 0x1C88), (0x1C90, 0x1CBA), (0x1CBD, 0x1CBF),
    (0x1CE9, 0x1CEC), (0x1CEE, 0x1CF3), (0x1CF5, 0x1CF6), (0x1CFA, 0x1CFA), (0x1D00, 0x1DBF),
    (0x1E00, 0x1F15), (0x1F18, 0x1F1D), (0x1F20, 0x1F45), (0x1F48, 0x1F4D), (0x1F50, 0x1F57),
    (0x1F59, 0x1F59), (0x1F5B, 0x1F5B), (0x1F5D, 0x1F5D), (0x1F5F, 0x1F7D), (0x1F80, 0x1FB4),
    (0x1FB6, 0x1FBC), (0x1FBE, 0x1FBE), (0x1FC2, 0x1FC4), (0x1FC6, 0x1FCC), (0x1FD0, 0x1FD3),
    (0x1FD6, 0x1FDB), (0x1FE0, 0x1FEC), (0x1FF2, 0x1FF4), (0x1FF6, 0x1FFC), (0x2071, 0x2071),
    (0x207F, 0x207F), (0x2090, 0x209C), (0x2102, 0x2102), (0x2107, 0x2107), (0x210A, 0x2113),
    (0x2115, 0x2115), (0x2119, 0x211D), (0x2124, 0x2124), (0x2126, 0x2126), (0x2128, 0x2128),
    (0x212A, 0x212D), (0x212F, 0x2139), (0x213C, 0x213F), (0x2145, 0x2149), (0x214E, 0x214E),
    (0x2183, 0x2184), (0x2C00, 0x2CE4), (0x2CEB, 0x2CEE), (0x2CF2, 0x2CF3), (0x2D00, 0x2D25),
    (0x2D27, 0x2D27), (0x2D2D, 0x2D2D), (0x2D30, 0x2D67), (0x2D6F, 0x2D6F), (0x2D80, 0x2D96),
    (0x2DA0, 0x2DA6), (0x2DA8, 0x2DAE), (0x2DB0, 0x2DB6), (0x2DB8, 0x2DBE), (0x2DC0, 0x2DC6),
    (0x2DC8, 0x2DCE), (0x2DD0, 0x2DD6), (0x2DD8, 0x2DDE), (0x2E2F, 0x2E2F), (0x3005, 0x3006),
    (0x3031, 0x3035), (0x303B, 0x303C), (0x3041, 0x3096), (0x309D, 0x309F), (0x30A1, 0x30FA),
    (0x30FC, 0x30FF), (0x3105, 0x312F), (0x3131, 0x318E), (0x31A0, 0x31BF), (0x31F0, 0x31FF),
    (0x3400, 0x4DBF), (0x4E00, 0xA48C), (0xA4D0, 0xA4FD), (0xA500, 0xA60C), (0xA610, 0xA61F),
    (0xA62A, 0xA62B), (0xA640, 0xA66E), (0xA67F, 0xA69D), (0xA6A0, 0xA6E5), (0xA717, 0xA71F),
    (0xA722, 0xA788), (0xA78B, 0xA7CA), (0xA7D0, 0xA7D1), (0xA7D3, 0xA7D3), (0xA7D5, 0xA7D9),
    (0xA7F2, 0xA801), (0xA803, 0xA805), (0xA807, 0xA80A), (0xA80C, 0xA822), (0xA840, 0xA873),
    (0xA882, 0xA8B3), (0xA8F2, 0xA8F7), (0xA8FB, 0xA8FB), (0xA8FD, 0xA8FE), (0xA90A, 0xA925),
    (0xA930, 0xA946), (0xA960, 0xA97C), (0xA984, 0xA9B2), (0xA9CF, 0xA9CF), (0xA9E0, 0xA9E4),
    (0xA9E6, 0xA9EF), (0xA9FA, 0xA9FE), (0xAA00, 0xAA28), (0xAA40, 0xAA42), (0xAA44, 0xAA4B),
    (0xAA60, 0xAA76), (0xAA7A, 0xAA7A), (0xAA7E, 0xAAAF), (0xAAB1, 0xAAB1), (0xAAB5, 0xAAB6),
    (0xAAB9, 0xAABD), (0xAAC0, 0xAAC0), (0xAAC2, 0xAAC2), (0xAADB, 0xAADD), (0xAAE0, 0xAAEA),
    (0xAAF2, 0xAAF4), (0xAB01, 0xAB06), (0xAB09, 0xAB0E), (0xAB11, 0xAB16), (0xAB20, 0xAB26),
    (0xAB28, 0xAB2E), (0xAB30, 0xAB5A), (0xAB5C, 0xAB69), (0xAB70, 0xABE2), (0xAC00, 0xD7A3),
    (0xD7B0, 0xD7C6), (0xD7CB, 0xD7FB), (0xF900, 0xFA6D), (0xFA70, 0xFAD9), (0xFB00, 0xFB06),
    (0xFB13, 0xFB17), (0xFB1D, 0xFB1D), (0xFB1F, 0xFB28), (0xFB2A, 0xFB36), (0xFB38, 0xFB3C),
    (0xFB3E, 0xFB3E), (0xFB40, 0xFB41), (0xFB43, 0xFB44), (0xFB46, 0xFBB1), (0xFBD3, 0xFD3D),
    (0xFD50, 0xFD8F), (0xFD92, 0xFDC7), (0xFDF0, 0xFDFB), (0xFE70, 0xFE74), (0xFE76, 0xFEFC),
    (0xFF21, 0xFF3A), (0xFF41, 0xFF5A), (0xFF66, 0xFFBE), (0xFFC2, 0xFFC7), (0xFFCA, 0xFFCF),
    (0xFFD2, 0xFFD7), (0xFFDA, 0xFFDC), (0x10000, 0x1000B), (0x1000D, 0x10026),
    (0x10028, 0x1003A), (0x1003C, 0x1003D), (0x1003F, 0x1004D), (0x10050, 0x1005D),
    (0x10080, 0x100FA), (0x10280, 0x1029C), (0x102A0, 0x102D0), (0x10300, 0x1031F),
    (0x1032D, 0x10340), (0x10342, 0x10349), (0x10350, 0x10375), (0x10380, 0x1039D),
    (0x103A0, 0x103C3), (0x103C8, 0x103CF), (0x10400, 0x1049D), (0x104B0, 0x104D3),
    (0x104D8, 0x104FB), (0x10500, 0x10527), (0x10530, 0x10563), (0x10570, 0x1057A),
    (0x1057C, 0x1058A), (0x1058C, 0x10592), (0x10594, 0x10595), (0x10597, 0x105A1),
    (0x105A3, 0x105B1), (0x105B3, 0x105B9), (0x105BB, 0x105BC), (0x10600, 0x10736),
    (0x10740, 0x10755), (0x10760, 0x10767), (0x10780, 0x10785), (0x10787, 0x107B0),
    (0x107B2, 0x107BA), (0x10800, 0x10805), (0x10808, 0x10808), (0x1080A, 0x10835),
    (0x10837, 0x10838), (0x1083C, 0x1083C), (0x1083F, 0x10855), (0x10860, 0x10876),
    (0x10880, 0x1089E), (0x108E0, 0x108F2), (0x108F4, 0x108F5), (0x10900, 0x10915),
    (0x10920, 0x10939), (0x10980, 0x109B7), (0x109BE, 0x109BF), (0x10A00, 0x10A00),
    (0x10A10, 0x10A13), (0x10A15, 0x10A17), (0x10A19, 0x10A35), (0x10A60, 0x10A7C),
    (0x10A80, 0x10A9C), (0x10AC0, 0x10AC7), (0x10AC9, 0x10AE4), (0x10B00, 0x10B35),
    (0x10B40, 0x10B55), (0x10B60, 0x10B72), (0x10B80, 0x10B91), (0x10C00, 0x10C48),
    (0x10C80, 0x10CB2), (0x10CC0, 0x10CF2), (0x10D00, 0x10D23), (0x10E80, 0x10EA9),
    (0x10EB0, 0x10EB1), (0x10F00, 0x10F1C), (0x10F27, 0x10F27), (0x10F30, 0x10F45),
    (0x10F70, 0x10F81), (0x10FB0, 0x10FC4), (0x10FE0, 0x10FF6), (0x11003, 0x11037),
    (0x11071, 0x11072), (0x11075, 0x11075), (0x11083, 0x110AF), (0x110D0, 0x110E8),
    (0x11103, 0x11126), (0x11144, 0x11144), (0x11147, 0x11147), (0x11150, 0x11172),
    (0x11176, 0x11176), (0x11183, 0x111B2), (0x111C1, 0x111C4), (0x111DA, 0x111DA),
    (0x111DC, 0x111DC), (0x11200, 0x11211), (0x11213, 0x1122B), (0x1123F, 0x11240),
    (0x11280, 0x11286), (0x11288, 0x11288), (0x1128A, 0x1128D), (0x1128F, 0x1129D),
    (0x1129F, 0x112A8), (0x112B0, 0x112DE), (0x11305, 0x1130C), (0x1130F, 0x11310),
    (0x11313, 0x11328), (0x1132A, 0x11330), (0x11332, 0x11333), (0x11335, 0x11339),
    (0x1133D, 0x1133D), (0x11350, 0x11350), (0x1135D, 0x11361), (0x11400, 0x11434),
    (0x11447, 0x1144A), (0x1145F, 0x11461), (0x11480, 0x114AF), (0x114C4, 0x114C5),
    (0x114C7, 0x114C7), (0x11580, 0x115AE), (0x115D8, 0x115DB), (0x11600, 0x1162F),
    (0x11644, 0x11644), (0x11680, 0x116AA), (0x116B8, 0x116B8), (0x11700, 0x1171A),
    (0x11740, 0x11746), (0x11800, 0x1182B), (0x118A0, 0x118DF), (0x118FF, 0x11906),
    (0x11909, 0x11909), (0x1190C, 0x11913), (0x11915, 0x11916), (0x11918, 0x1192F),
    (0x1193F, 0x1193F), (0x11941, 0x11941), (0x119A0, 0x119A7), (0x119AA, 0x119D0),
    (0x119E1, 0x119E1), (0x119E3, 0x119E3), (0x11A00, 0x11A00), (0x11A0B, 0x11A32),
    (0x11A3A, 0x11A3A), (0x11A50, 0x11A50), (0x11A5C, 0x11A89), (0x11A9D, 0x11A9D),
    (0x11AB0, 0x11AF8), (0x11C00, 0x11C08), (0x11C0A, 0x11C2E), (0x11C40, 0x11C40),
    (0x11C72, 0x11C8F), (0x11D00, 0x11D06), (0x11D08, 0x11D09), (0x11D0B, 0x11D30),
    (0x11D46, 0x11D46), (0x11D60, 0x11D65), (0x11D67, 0x11D68), (0x11D6A, 0x11D89),
    (0x11D98, 0x11D98), (0x11EE0, 0x11EF2), (0x11F02, 0x11F02), (0x11F04, 0x11F10),
    (0x11F12, 0x11F33), (0x11FB0, 0x11FB0), (0x12000, 0x12399), (0x12480, 0x12543),
    (0x12F90, 0x12FF0), (0x13000, 0x1342F), (0x13441, 0x13446), (0x14400, 0x14646),
    (0x16800, 0x16A38), (0x16A40, 0x16A5E), (0x16A70, 0x16ABE), (0x16AD0, 0x16AED),
    (0x16B00, 0x16B2F), (0x16B40, 0x16B43), (0x16B63, 0x16B77), (0x16B7D, 0x16B8F),
    (0x16E40, 0x16E7F), (0x16F00, 0x16F4A), (0x16F50, 0x16F50), (0x16F93, 0x16F9F),
    (0x16FE0, 0x16FE1), (0x16FE3, 0x16FE3), (0x17000, 0x187F7), (0x18800, 0x18CD5),
    (0x18D00, 0x18D08), (0x1AFF0, 0x1AFF3), (0x1AFF5, 0x1AFFB), (0x1AFFD, 0x1AFFE),
    (0x1B000, 0x1B122), (0x1B132, 0x1B132), (0x1B150, 0x1B152), (0x1B155, 0x1B155),
    (0x1B164, 0x1B167), (0x1B170, 0x1B2FB), (0x1BC00, 0x1BC6A), (0x1BC70, 0x1BC7C),
    (0x1BC80, 0x1BC88), (0x1BC90, 0x1BC99), (0x1D400, 0x1D454), (0x1D456, 0x1D49C),
    (0x1D49E, 0x1D49F), (0x1D4A2, 0x1D4A2), (0x1D4A5, 0x1D4A6), (0x1D4A9, 0x1D4AC),
    (0x1D4AE, 0x1D4B9), (0x1D4BB, 0x1D4BB), (0x1D4BD, 0x1D4C3), (0x1D4C5, 0x1D505),
    (0x1D507, 0x1D50A), (0x1D50D, 0x1D514), (0x1D516, 0x1D51C), (0x1D51E, 0x1D539),
    (0x1D53B, 0x1D53E), (0x1D540, 0x1D544), (0x1D546, 0x1D546), (0x1D54A, 0x1D550),
    (0x1D552, 0x1D6A5), (0x1D6A8, 0x1D6C0), (0x1D6C2, 0x1D6DA), (0x1D6DC, 0x1D6FA),
    (0x1D6FC, 0x1D714), (0x1D716, 0x1D734), (0x1D736, 0x1D74E), (0x1D750, 0x1D76E),
    (0x1D770, 0x1D788), (0x1D78A, 0x1D7A8), (0x1D7AA, 0x1D7C2), (0x1D7C4, 0x1D7CB),
    (0x1DF00, 0x1DF1E), (0x1DF25, 0x1DF2A), (0x1E030, 0x1E06D), (0x1E100, 0x1E12C),
    (0x1E137, 0x1E13D), (0x1E14E, 0x1E14E), (0x1E290, 0x1E2AD), (0x1E2C0, 0x1E2EB),
    (0x1E4D0, 0x1E4EB), (0x1E7E0, 0x1E7E6), (0x1E7E8, 0x1E7EB), (0x1E7ED, 0x1E7EE),
    (0x1E7F0, 0x1E7FE), (0x1E800, 0x1E8C4), (0x1E900, 0x1E943), (0x1E94B, 0x1E94B),
    (0x1EE00, 0x1EE03), (0x1EE05, 0x1EE1F), (0x1EE21, 0x1EE22), (0x1EE24, 0x1EE24),
    (0x1EE27, 0x1EE27), (0x1EE29, 0x1EE32), (0x1EE34, 0x1EE37), (0x1EE39, 0x1EE39),
    (0x1EE3B, 0x1EE3B), (0x1EE42, 0x1EE42), (0x1EE47, 0x1EE47), (0x1EE49, 0x1EE49),
    (0x1EE4B, 0x1EE4B), (0x1EE4D, 0x1EE4F), (0x1EE51, 0x1EE52), (0x1EE54, 0x1EE54),
    (0x1EE57, 0x1EE57), (0x1EE59, 0x1EE59), (0x1EE5B, 0x1EE5B), (0x1EE5D, 0x1EE5D),
    (0x1EE5F, 0x1EE5F), (0x1EE61, 0x1EE62), (0x1EE64, 0x1EE64), (0x1EE67, 0x1EE6A),
    (0x1EE6C, 0x1EE72), (0x1EE74, 0x1EE77), (0x1EE79, 0x1EE7C), (0x1EE7E, 0x1EE7E),
    (0x1EE80, 0x1EE89), (0x1EE8B, 0x1EE9B), (0x1EEA1, 0x1EEA3), (0x1EEA5, 0x1EEA9),
    (0x1EEAB, 0x1EEBB), (0x20000, 0x2A6DF), (0x2A700, 0x2B739), (0x2B740, 0x2B81D),
    (0x2B820, 0x2CEA1), (0x2CEB0, 0x2EBE0), (0x2F800, 0x2FA1D), (0x30000, 0x3134A),
    (0x31350, 0x323AF),
];

/// Unicode 15.0 general category Nd above U+007F, as inclusive ranges.
#[rustfmt::skip]
const DIGIT: &[(u32, u32)] = &[
    (0x660, 0x669), (0x6F0, 0x6F9), (0x7C0, 0x7C9), (0x966, 0x96F), (0x9E6, 0x9EF),
    (0xA66, 0xA6F), (0xAE6, 0xAEF), (0xB66, 0xB6F), (0xBE6, 0xBEF), (0xC66, 0xC6F),
    (0xCE6, 0xCEF), (0xD66, 0xD6F), (0xDE6, 0xDEF), (0xE50, 0xE59), (0xED0, 0xED9),
    (0xF20, 0xF29), (0x1040, 0x1049), (0x1090, 0x1099), (0x17E0, 0x17E9), (0x1810, 0x1819),
    (0x1946, 0x194F), (0x19D0, 0x19D9), (0x1A80, 0x1A89), (0x1A90, 0x1A99), (0x1B50, 0x1B59),
    (0x1BB0, 0x1BB9), (0x1C40, 0x1C49), (0x1C50, 0x1C59), (0xA620, 0xA629), (0xA8D0, 0xA8D9),
    (0xA900, 0xA909), (0xA9D0, 0xA9D9), (0xA9F0, 0xA9F9), (0xAA50, 0xAA59), (0xABF0, 0xABF9),
    (0xFF10, 0xFF19), (0x104A0, 0x104A9), (0x10D30, 0x10D39), (0x11066, 0x1106F),
    (0x110F0, 0x110F9), (0x11136, 0x1113F), (0x111D0, 0x111D9), (0x112F0, 0x112F9),
    (0x11450, 0x11459), (0x114D0, 0x114D9), (0x11650, 0x11659), (0x116C0, 0x116C9),
    (0x11730, 0x11739), (0x118E0, 0x118E9), (0x11950, 0x11959), (0x11C50, 0x11C59),
    (0x11D50, 0x11D59), (0x11DA0, 0x11DA9), (0x11F50, 0x11F59), (0x16A60, 0x16A69),
    (0x16AC0, 0x16AC9), (0x16B50, 0x16B59), (0x1D7CE, 0x1D7FF), (0x1E140, 0x1E149),
    (0x1E2F0, 0x1E2F9), (0x1E4F0, 0x1E4F9), (0x1E950, 0x1E959), (0x1FBF0, 0x1FBF9),
];

/// Assigned code points above U+007F that Go's `strconv.IsPrint` rejects (categories Cc, Cf, Co, Cs, Z).
#[rustfmt::skip]
const NOT_PRINTABLE: &[(u32, u32)] = &[
    (0x80, 0xA0), (0xAD, 0xAD), (0x600, 0x605), (0x61C, 0x61C), (0x6DD, 0x6DD), (0x70F, 0x70F),
    (0x890, 0x891), (0x8E2, 0x8E2), (0x1680, 0x1680), (0x180E, 0x180E), (0x2000, 0x200F),
    (0x2028, 0x202F), (0x205F, 0x2064), (0x2066, 0x206F), (0x3000, 0x3000), (0xD800, 0xF8FF),
    (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD),
    (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD),
];
