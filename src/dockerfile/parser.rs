//! The line-level Dockerfile parser, a faithful port of BuildKit's `Parse`.
//!
//! BuildKit reads a Dockerfile as physical lines: parser directives at the
//! top, comments, then logical lines assembled from continuations (comment
//! and blank lines inside a continuation are skipped), and for RUN/COPY/ADD
//! the heredoc bodies that follow. The order of those checks is observable
//! (a blank line ends the directives; a `\` alone on a line starts an
//! instruction), so this module keeps BuildKit's order step for step.
//! What it adds is positions: every logical line remembers which source bytes
//! each of its pieces came from, so the AST can carry real spans.

use std::ops::Range;

use super::ast::*;
use super::error::ParseError;
use super::line_parsers::{RawNode, node_from_line};
use super::shell::{Lexer, NoEnv};

/// BuildKit reads lines with Go's `bufio.Scanner`, whose buffer holds at most
/// 64 KiB; a longer line stops the scan.
const MAX_LINE: usize = 64 * 1024;

/// Parses Dockerfile text exactly as BuildKit's parser does.
pub fn parse(text: &str) -> Result<Dockerfile, ParseError> {
    Parser::new(text).run()
}

/// Parses bytes, decoding invalid UTF-8 lossily first.
pub fn parse_bytes(bytes: &[u8]) -> Result<Dockerfile, ParseError> {
    parse(&String::from_utf8_lossy(bytes))
}

/// Physical lines with their line endings, as BuildKit's `scanLines` yields
/// them, including the scanner's line-length limit.
struct Lines<'a> {
    src: &'a str,
    pos: usize,
    too_long: Option<usize>,
}

impl Lines<'_> {
    fn next(&mut self) -> Option<Range<usize>> {
        if self.pos >= self.src.len() || self.too_long.is_some() {
            return None;
        }
        let start = self.pos;
        let rest = &self.src.as_bytes()[start..];
        let (end, fits) = match memchr(b'\n', rest) {
            Some(i) => (start + i + 1, i < MAX_LINE),
            // Without a newline the scanner must also see EOF in the buffer.
            None => (self.src.len(), rest.len() < MAX_LINE),
        };
        if !fits {
            self.too_long = Some(start);
            return None;
        }
        self.pos = end;
        Some(start..end)
    }
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// The escape character and directive state (BuildKit's `directives`).
struct Directives {
    escape: char,
    done: bool,
    found: Vec<Directive>,
}

impl Directives {
    /// BuildKit's `possibleParserDirective`: a directive must match
    /// `^#\s*name\s*=\s*value\s*$` with a known name, and only until the first
    /// line that is not one.
    fn check_line(&mut self, token: &str, span: Span) -> Result<(), ParseError> {
        if self.done {
            return Ok(());
        }
        let Some((name, value)) = match_directive(token) else {
            self.done = true;
            return Ok(());
        };
        let name = name.to_ascii_lowercase();
        if name == "check" {
            // BuildKit v0.12 (the parser msmigrate conforms to) does not know
            // `check`, so the line ends the directive block there; lint still
            // needs its value, so it is recorded.
            self.done = true;
            self.found.push(Directive {
                name,
                value: value.to_string(),
                span,
            });
            return Ok(());
        }
        if !matches!(name.as_str(), "escape" | "syntax") {
            self.done = true;
            return Ok(());
        }
        if self.found.iter().any(|d| d.name == name) {
            return Err(ParseError::new(
                format!("only one {name} parser directive can be used"),
                span,
            )
            .with_label("repeated here"));
        }
        if name == "escape" {
            self.escape = match value {
                "\\" => '\\',
                "`" => '`',
                _ => {
                    return Err(ParseError::new(
                        format!("invalid escape token '{value}' does not match ` or \\"),
                        span,
                    )
                    .with_help("use `# escape=\\` (the default) or `# escape=``"));
                }
            };
        }
        self.found.push(Directive {
            name,
            value: value.to_string(),
            span,
        });
        Ok(())
    }
}

/// Go regexp `\s`: `[\t\n\f\r ]`.
fn is_re_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ')
}

/// Matches `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`.
fn match_directive(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix('#')?.trim_start_matches(is_re_space);
    let name_len = rest
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map_or(rest.len(), |(i, _)| i);
    if name_len == 0 {
        return None;
    }
    let (name, rest) = rest.split_at(name_len);
    let after_eq = rest.trim_start_matches(is_re_space).strip_prefix('=')?;
    let value = after_eq
        .trim_start_matches(is_re_space)
        .trim_end_matches(is_re_space);
    if !value.is_empty() {
        return Some((name, value));
    }
    // `.+?` needs one character: the regex backtracks into the spaces and
    // takes the last one.
    let last = after_eq.chars().last()?;
    Some((name, &after_eq[after_eq.len() - last.len_utf8()..]))
}

/// A logical line and where each of its pieces came from.
struct Logical {
    text: String,
    /// (offset in `text`, offset in the source) for each appended piece.
    pieces: Vec<(usize, usize)>,
}

impl Logical {
    fn push(&mut self, piece: &str, source_at: usize) {
        self.pieces.push((self.text.len(), source_at));
        self.text.push_str(piece);
    }

    fn map(&self, pos: usize, prefer_previous: bool) -> usize {
        let i = self
            .pieces
            .partition_point(|&(l, _)| if prefer_previous { l < pos } else { l <= pos });
        match i.checked_sub(1).map(|i| self.pieces[i]) {
            Some((l, s)) => s + (pos - l),
            None => self.pieces.first().map_or(0, |&(_, s)| s),
        }
    }

    fn span(&self, r: &Range<usize>) -> Span {
        if r.is_empty() {
            let at = self.map(r.start, false);
            return Span::new(at, at);
        }
        Span::new(self.map(r.start, false), self.map(r.end, true))
    }
}

struct Parser<'a> {
    src: &'a str,
    lines: Lines<'a>,
    directives: Directives,
}

/// Strips trailing `\r` and `\n`, as BuildKit's `trimNewline`.
fn trim_newline(s: &str) -> &str {
    s.trim_end_matches(['\r', '\n'])
}

/// BuildKit's `isComment`: the first non-space character is `#`.
fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// BuildKit's `trimContinuationCharacter`: the regex
/// `([^E])E[ \t]*$|^E[ \t]*$`. An escape preceded by another escape is not a
/// continuation ("a \\" ends the line).
fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    let body = line.trim_end_matches([' ', '\t']);
    if let Some(before) = body.strip_suffix(escape)
        && !before.ends_with(escape)
    {
        return (before, false);
    }
    (line, true)
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Parser {
            src,
            lines: Lines {
                src,
                pos: 0,
                too_long: None,
            },
            directives: Directives {
                escape: '\\',
                done: false,
                found: Vec::new(),
            },
        }
    }

    /// BuildKit's `processLine`: trims the line ending (and, for the first
    /// line of an instruction, leading space), checks for a directive and
    /// blanks out comments. Returns the token and its source offset.
    fn process_line(
        &mut self,
        range: Range<usize>,
        strip_left: bool,
    ) -> Result<(&'a str, usize), ParseError> {
        let raw = trim_newline(&self.src[range.clone()]);
        let token = if strip_left { raw.trim_start() } else { raw };
        let at = range.start + (raw.len() - token.len());
        self.directives
            .check_line(token, Span::new(at, at + token.len()))?;
        if is_comment(token) {
            return Ok(("", at));
        }
        Ok((token, at))
    }

    fn run(mut self) -> Result<Dockerfile, ParseError> {
        let mut instructions = Vec::new();
        let mut warnings = Vec::new();
        let mut comments: Vec<String> = Vec::new();
        let mut current_line = 0usize;

        while let Some(mut range) = self.lines.next() {
            if current_line == 0 && self.src[range.clone()].starts_with('\u{feff}') {
                range.start += '\u{feff}'.len_utf8();
            }
            let raw = &self.src[range.clone()];
            let directives_before = self.directives.found.len();
            let (token, token_at) = self.process_line(range.clone(), true)?;
            if is_comment(raw) && self.directives.found.len() == directives_before {
                // BuildKit drops the line's first byte (usually the `#`).
                let mut chars = raw.chars();
                chars.next();
                let comment = chars.as_str().trim();
                if comment.is_empty() {
                    comments.clear();
                } else {
                    comments.push(comment.to_string());
                }
            }
            current_line += 1;
            let start_line = current_line;
            let (first, mut end_of_line) = trim_continuation(token, self.directives.escape);
            if end_of_line && first.is_empty() {
                continue;
            }
            let mut logical = Logical {
                text: String::new(),
                pieces: Vec::new(),
            };
            logical.push(first, token_at);
            let mut last_end = range.end;
            let mut empty_continuation: Option<Span> = None;

            while !end_of_line {
                let Some(next) = self.lines.next() else { break };
                let (token, token_at) = self.process_line(next.clone(), false)?;
                current_line += 1;
                last_end = next.end;
                if is_comment(&self.src[next.clone()]) {
                    continue;
                }
                if token.trim_start().is_empty() {
                    empty_continuation.get_or_insert(Span::new(next.start, next.start));
                    continue;
                }
                let (piece, eol) = trim_continuation(token, self.directives.escape);
                logical.push(piece, token_at);
                end_of_line = eol;
            }

            let line_span = Span::new(token_at, trim_end_at(self.src, last_end));
            let raw_node = node_from_line(&logical.text, 0, self.directives.escape)
                .map_err(|message| ParseError::new(message, line_span))?;
            if let Some(span) = empty_continuation {
                warnings.push(Warning {
                    message: "Empty continuation line".to_string(),
                    span,
                });
            }

            let mut heredocs = Vec::new();
            if can_contain_heredoc(&raw_node) && logical.text.contains("<<") {
                let found =
                    heredocs_from_line(&logical.text).map_err(|m| ParseError::new(m, line_span))?;
                for (name, file_descriptor, chomp, expand) in found {
                    let body_start = last_end;
                    let mut terminated = false;
                    let mut content_end = body_start;
                    while let Some(next) = self.lines.next() {
                        current_line += 1;
                        last_end = next.end;
                        let mut candidate = trim_newline(&self.src[next.clone()]);
                        if chomp {
                            candidate = candidate.trim_start_matches('\t');
                        }
                        if candidate == name {
                            terminated = true;
                            break;
                        }
                        content_end = next.end;
                    }
                    if !terminated {
                        return Err(ParseError::new("unterminated heredoc", line_span)
                            .with_label(format!("heredoc `{name}` starts here"))
                            .with_help(format!(
                                "end the heredoc with a line holding only `{name}`"
                            )));
                    }
                    heredocs.push(Heredoc {
                        name,
                        file_descriptor,
                        expand,
                        chomp,
                        content: self.src[body_start..content_end].to_string(),
                        span: Span::new(body_start, trim_end_at(self.src, last_end)),
                    });
                }
            }

            let mut instruction = build_instruction(raw_node, &logical, start_line, current_line);
            instruction.span = Span::new(token_at, trim_end_at(self.src, last_end));
            instruction.heredocs = heredocs;
            instruction.comments = std::mem::take(&mut comments);
            instructions.push(instruction);
        }

        if instructions.is_empty() {
            let end = self.src.find('\n').unwrap_or(self.src.len());
            return Err(
                ParseError::new("file with no instructions", Span::new(0, end))
                    .with_label("no instruction in this file"),
            );
        }
        if let Some(at) = self.lines.too_long {
            let end = at + self.src[at..].find('\n').unwrap_or(self.src.len() - at);
            return Err(ParseError::new(
                format!(
                    "dockerfile line greater than max allowed size of {}",
                    MAX_LINE - 1
                ),
                Span::new(at, end.min(at + 80)),
            )
            .with_label("this line is too long"));
        }
        Ok(Dockerfile {
            source: self.src.to_string(),
            escape: self.directives.escape,
            directives: self.directives.found,
            instructions,
            warnings,
        })
    }
}

/// The offset `end` moved back over a trailing line ending.
fn trim_end_at(src: &str, end: usize) -> usize {
    let s = &src[..end];
    s.trim_end_matches(['\r', '\n']).len()
}

fn build_instruction(
    node: RawNode,
    logical: &Logical,
    start_line: usize,
    end_line: usize,
) -> Instruction {
    let to_words = |v: Vec<(String, Range<usize>)>| -> Vec<Word> {
        v.into_iter()
            .map(|(text, r)| Word {
                text,
                span: logical.span(&r),
            })
            .collect()
    };
    let flags = node
        .flags
        .into_iter()
        .map(|(text, r)| Flag {
            text,
            span: logical.span(&r),
        })
        .collect();
    let onbuild = node
        .sub
        .map(|sub| Box::new(build_instruction(*sub, logical, start_line, end_line)));
    let name_span = logical.span(&node.name_range);
    let original = logical.text[node.line_range.clone()].to_string();
    Instruction {
        name: node.name,
        keyword: node.keyword,
        name_span,
        flags,
        args: to_words(node.args),
        json: node.json,
        heredocs: Vec::new(),
        onbuild,
        original,
        start_line,
        end_line,
        span: name_span,
        comments: Vec::new(),
    }
}

/// BuildKit's `canContainHeredoc`: RUN, COPY and ADD in shell form, also when
/// wrapped in ONBUILD.
fn can_contain_heredoc(node: &RawNode) -> bool {
    let node = match (&node.keyword, &node.sub) {
        (Keyword::Onbuild, Some(sub)) => sub,
        _ => node,
    };
    matches!(node.keyword, Keyword::Run | Keyword::Copy | Keyword::Add) && !node.json
}

/// BuildKit's `heredocsFromLine`: lex the whole line as shell words (quotes
/// and escapes kept, unset variables left alone) and take each word that
/// looks like `[n]<<[-]WORD`. A line that does not lex has no heredocs.
/// Returns (name, file descriptor, chomp, expand) per heredoc.
fn heredocs_from_line(line: &str) -> Result<Vec<(String, u64, bool, bool)>, String> {
    let lexer = Lexer {
        escape: '\\',
        raw_quotes: true,
        raw_escapes: true,
        skip_unset_env: true,
    };
    let words = lexer.process_words(line, &NoEnv).unwrap_or_default();
    let mut out = Vec::new();
    for word in words {
        if let Some(h) = parse_heredoc(&word)? {
            out.push(h);
        }
    }
    Ok(out)
}

/// Matches `^(\d*)<<(-?)([^<]*)$` and lexes the delimiter: it must be one
/// word; it is "quoted" (no expansion) when lexing with and without raw
/// quotes keeps a different number of quote characters.
fn parse_heredoc(word: &str) -> Result<Option<(String, u64, bool, bool)>, String> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let Some(rest) = word[digits..].strip_prefix("<<") else {
        return Ok(None);
    };
    let (chomp, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    if rest.is_empty() || rest.contains('<') {
        return Ok(None);
    }
    // Go's ParseUint saturates on overflow (and its error is ignored); no
    // digits at all give 0.
    let fd = match word[..digits].parse::<u64>() {
        Ok(n) => n,
        Err(_) if digits > 0 => u64::MAX,
        Err(_) => 0,
    };
    let mut lexer = Lexer {
        escape: '\\',
        raw_quotes: false,
        raw_escapes: false,
        skip_unset_env: true,
    };
    let words = lexer.process_words(rest, &NoEnv).map_err(|e| e.message)?;
    if words.len() != 1 {
        return Ok(None);
    }
    lexer.raw_quotes = true;
    let raw = lexer.process_words(rest, &NoEnv).map_err(|e| e.message)?;
    if raw.len() != words.len() {
        return Err(format!(
            "internal lexing of heredoc produced inconsistent results: {rest}"
        ));
    }
    let quotes = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
    let expand = quotes(&words[0]) == quotes(&raw[0]);
    Ok(Some((
        words.into_iter().next().unwrap_or_default(),
        fd,
        chomp,
        expand,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(file: &Dockerfile, span: Span) -> &str {
        &file.source[span.start..span.end]
    }

    #[test]
    fn spans_point_at_flags_and_words() {
        let f =
            parse("FROM golang:1.22 AS build\nCOPY --from=build --chown=a:b /src /dst\n").unwrap();
        let from = &f.instructions[0];
        assert_eq!(at(&f, from.name_span), "FROM");
        let words: Vec<_> = from.args.iter().map(|w| at(&f, w.span)).collect();
        assert_eq!(words, ["golang:1.22", "AS", "build"]);
        let copy = &f.instructions[1];
        assert_eq!(at(&f, copy.flags[1].span), "--chown=a:b");
        assert_eq!(copy.flags[1].name(), "chown");
        assert_eq!(copy.flags[1].value(), Some("a:b"));
        assert_eq!(at(&f, copy.args[1].span), "/dst");
        assert_eq!(at(&f, copy.span), "COPY --from=build --chown=a:b /src /dst");
    }

    #[test]
    fn spans_follow_continuations_and_skip_comment_lines() {
        let src = "RUN apt-get update \\\n  # a comment\n  && apt-get install -y gcc\nENV A=1 B=\"two words\"\n";
        let f = parse(src).unwrap();
        let run = &f.instructions[0];
        assert_eq!(
            run.original,
            "RUN apt-get update   && apt-get install -y gcc"
        );
        let arg = run.args[0].span;
        assert_eq!(&src[arg.start..arg.start + 7], "apt-get");
        assert!(src[..arg.end].ends_with("install -y gcc"));
        let env = &f.instructions[1];
        let words: Vec<_> = env.args.iter().map(|w| at(&f, w.span)).collect();
        assert_eq!(words, ["A", "1", "B", "\"two words\""]);
    }

    #[test]
    fn json_form_spans_cover_string_literals() {
        let f = parse("CMD [ \"a\", \"b c\" ]\n").unwrap();
        let words: Vec<_> = f.instructions[0]
            .args
            .iter()
            .map(|w| at(&f, w.span))
            .collect();
        assert_eq!(words, ["\"a\"", "\"b c\""]);
    }

    #[test]
    fn onbuild_wraps_an_instruction_with_its_own_spans() {
        let f = parse("ONBUILD COPY --from=x a b\n").unwrap();
        let sub = f.instructions[0].onbuild.as_deref().unwrap();
        assert_eq!(sub.keyword, Keyword::Copy);
        assert_eq!(at(&f, sub.flags[0].span), "--from=x");
        assert_eq!(sub.original, "COPY --from=x a b");
    }

    #[test]
    fn directives_are_recorded_and_set_the_escape() {
        let f = parse("# syntax=docker/dockerfile:1\n# escape=`\nRUN a `\n  b\n").unwrap();
        assert_eq!(f.escape, '`');
        assert_eq!(f.directive("syntax").unwrap().value, "docker/dockerfile:1");
        assert_eq!(f.instructions[0].original, "RUN a   b");
    }

    #[test]
    fn errors_point_at_the_instruction() {
        let src = "FROM a\nENV onlykey\n";
        let e = parse(src).unwrap_err();
        assert_eq!(e.message(), "ENV must have two arguments");
        assert_eq!(&src[e.span().start..e.span().end], "ENV onlykey");
    }

    #[test]
    fn long_lines_fail_like_go_scanner() {
        let ok = format!("FROM a\nRUN {}\n", "x".repeat(MAX_LINE - 5));
        assert!(parse(&ok).is_ok());
        let long = format!("FROM a\nRUN {}\n", "x".repeat(MAX_LINE - 4));
        assert_eq!(
            parse(&long).unwrap_err().message(),
            "dockerfile line greater than max allowed size of 65535"
        );
    }
}
