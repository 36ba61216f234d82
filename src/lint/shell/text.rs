//! Text handed to the shell parser, with the source bytes each of its bytes
//! came from.
//!
//! The parser never sees the Dockerfile itself: continuations are joined,
//! JSON strings decoded, quotes removed and variables expanded first. Every
//! one of those steps keeps a per-byte origin, so a span found in the parsed
//! text (however deeply nested: `sh -c` inside a heredoc) maps back to the
//! exact bytes of `Dockerfile::source`.

use std::ops::Range;

use crate::dockerfile::Span;

/// Where one byte of a [`Mapped`] text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Origin {
    /// First source byte.
    pub start: usize,
    /// One past the last source byte: more than `start + 1` when the byte
    /// stands for an escape (`\"`) or an expansion (`$X`).
    pub end: usize,
    /// The byte came from an unquoted expansion, so it is subject to field
    /// splitting.
    pub split: bool,
}

/// A text and the origin of each of its bytes.
#[derive(Debug, Clone, Default)]
pub(super) struct Mapped {
    pub text: String,
    origins: Vec<Origin>,
    /// Where an empty range at the end of the text points.
    end: usize,
    /// An unquoted expansion was appended, perhaps an empty one.
    split_seen: bool,
}

impl Mapped {
    /// An empty text whose end points at `at`.
    pub fn empty(at: usize) -> Mapped {
        Mapped {
            text: String::new(),
            origins: Vec::new(),
            end: at,
            split_seen: false,
        }
    }

    /// `s`, written verbatim at source offset `at`.
    pub fn literal(s: &str, at: usize) -> Mapped {
        let mut m = Mapped::empty(at);
        m.push_literal(s, at);
        m
    }

    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// Appends `s`, which is written verbatim at source offset `at`.
    pub fn push_literal(&mut self, s: &str, at: usize) {
        self.text.push_str(s);
        self.origins.extend((0..s.len()).map(|i| Origin {
            start: at + i,
            end: at + i + 1,
            split: false,
        }));
        self.end = at + s.len();
    }

    /// Appends `s`, which stands for the source bytes `span` as a whole (an
    /// escape sequence or an expansion).
    pub fn push_for(&mut self, s: &str, span: Span, split: bool) {
        self.text.push_str(s);
        self.origins.extend((0..s.len()).map(|_| Origin {
            start: span.start,
            end: span.end,
            split,
        }));
        self.end = span.end;
        self.split_seen |= split;
    }

    /// Appends the bytes `r` of `from`, keeping their origins.
    pub fn push_from(&mut self, from: &Mapped, r: Range<usize>) {
        let Some(s) = from.text.get(r.clone()) else {
            return;
        };
        self.text.push_str(s);
        let origins = &from.origins[r.clone()];
        self.split_seen |= origins.iter().any(|o| o.split);
        self.origins.extend_from_slice(origins);
        self.end = from.span(r).end;
    }

    /// Appends `s`, standing for the bytes `r` of `from` as a whole.
    pub fn push_for_range(&mut self, s: &str, from: &Mapped, r: Range<usize>, split: bool) {
        let span = from.span(r);
        self.push_for(s, span, split);
    }

    /// The source span of the bytes `r` of the text.
    pub fn span(&self, r: Range<usize>) -> Span {
        let at = |i: usize| self.origins.get(i).map_or(self.end, |o| o.start);
        if r.start >= r.end || r.start >= self.origins.len() {
            let p = at(r.start);
            return Span::new(p, p);
        }
        let last = (r.end - 1).min(self.origins.len() - 1);
        let (a, b) = (self.origins[r.start], self.origins[last]);
        Span::new(a.start.min(b.start), a.end.max(b.end))
    }

    /// The bytes `r` of the text as a text of their own.
    pub fn slice(&self, r: Range<usize>) -> Mapped {
        let Some(s) = self.text.get(r.clone()) else {
            return Mapped::empty(self.span(r).start);
        };
        let origins = self.origins[r.clone()].to_vec();
        Mapped {
            text: s.to_string(),
            split_seen: origins.iter().any(|o| o.split),
            origins,
            end: self.span(r).end,
        }
    }

    /// True when byte `i` came from an unquoted expansion.
    pub fn splits_at(&self, i: usize) -> bool {
        self.origins.get(i).is_some_and(|o| o.split)
    }

    /// True when an unquoted expansion went into the text (it may have
    /// been empty), so the text is subject to field splitting.
    pub fn has_split(&self) -> bool {
        self.split_seen
    }
}

/// BuildKit's `trimContinuationCharacter`: strips a trailing escape (and the
/// blanks after it) unless the escape is itself escaped. Returns the kept
/// text and whether the logical line ends here.
fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    let body = line.trim_end_matches([' ', '\t']);
    if let Some(before) = body.strip_suffix(escape)
        && !before.ends_with(escape)
    {
        return (before, false);
    }
    (line, true)
}

/// The shell text of a shell-form instruction whose arguments start at
/// source offset `start`: the physical lines from there joined as BuildKit
/// joins them (continuations removed, comment and blank lines inside the
/// continuation dropped). `expected` is the text the Dockerfile parser
/// recorded; the result is cut to it, or, should the two ever disagree,
/// is `expected` mapped onto `fallback` as a whole.
pub(super) fn logical_text(
    src: &str,
    start: usize,
    escape: char,
    expected: &str,
    fallback: Span,
) -> Mapped {
    let mut m = Mapped::empty(start);
    let mut pos = start;
    if !src.is_char_boundary(start) {
        pos = src.len() + 1;
    }
    let mut first = true;
    while pos <= src.len() {
        let line_end = src[pos..].find('\n').map_or(src.len(), |i| pos + i);
        let line = src[pos..line_end].trim_end_matches(['\r', '\n']);
        let next = line_end + 1;
        if !first && (line.trim_start().starts_with('#') || line.trim_start().is_empty()) {
            pos = next;
            continue;
        }
        first = false;
        let (piece, end_of_line) = trim_continuation(line, escape);
        m.push_literal(piece, pos);
        if end_of_line || m.len() >= expected.len() {
            break;
        }
        pos = next;
    }
    if m.text.starts_with(expected) {
        m.slice(0..expected.len())
    } else {
        let mut m = Mapped::empty(fallback.end);
        m.push_for(expected, fallback, false);
        m
    }
}

/// Decodes the JSON string literal written at `span` of `src` (quotes
/// included), mapping each decoded byte to the bytes that wrote it.
pub(super) fn json_string(src: &str, span: Span) -> Option<Mapped> {
    let lit = src.get(span.start..span.end)?;
    let body = lit.strip_prefix('"')?.strip_suffix('"')?;
    let base = span.start + 1;
    let mut m = Mapped::empty(base);
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            m.push_literal(&body[i..i + c.len_utf8()], base + i);
            continue;
        }
        let (_, e) = chars.next()?;
        let decoded = match e {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let hex = |chars: &mut std::iter::Peekable<std::str::CharIndices>| {
                    let mut v = 0u32;
                    for _ in 0..4 {
                        v = v * 16 + chars.next()?.1.to_digit(16)?;
                    }
                    Some(v)
                };
                let hi = hex(&mut chars)?;
                let code = if (0xD800..0xDC00).contains(&hi) && body[i..].len() >= 12 {
                    let rest = &body[i + 6..];
                    if rest.starts_with("\\u") {
                        chars.next();
                        chars.next();
                        let lo = hex(&mut chars)?;
                        0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)
                    } else {
                        hi
                    }
                } else {
                    hi
                };
                char::from_u32(code).unwrap_or('\u{FFFD}')
            }
            _ => return None,
        };
        let end = chars.peek().map_or(body.len(), |&(j, _)| j);
        let mut buf = [0u8; 4];
        m.push_for(
            decoded.encode_utf8(&mut buf),
            Span::new(base + i, base + end),
            false,
        );
    }
    m.end = base + body.len();
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_continuations_and_maps_back() {
        let src = "RUN a \\\n  # c\n\n  b\n";
        let m = logical_text(src, 4, '\\', "a   b", Span::new(4, 17));
        assert_eq!(m.text, "a   b");
        let s = m.span(4..5);
        assert_eq!(&src[s.start..s.end], "b");
        let s = m.span(0..5);
        assert_eq!(&src[s.start..s.end], "a \\\n  # c\n\n  b");
    }

    #[test]
    fn json_escapes_map_to_their_source() {
        let src = r#"["a\"b\u00e9"]"#;
        let m = json_string(src, Span::new(1, src.len() - 1)).unwrap();
        assert_eq!(m.text, "a\"bé");
        let s = m.span(1..2);
        assert_eq!(&src[s.start..s.end], "\\\"");
    }
}
