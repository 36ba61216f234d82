//! How BuildKit splits one logical line into name, flags and arguments.
//!
//! Each instruction has its own argument grammar in BuildKit
//! (`parser/line_parsers.go`): whitespace lists for FROM, key/value pairs for
//! ENV, "maybe JSON" for RUN, and so on. These functions reproduce each one,
//! quirks included (see the notes on [`extract_flags`] and
//! [`parse_health_config`]), and also report where every piece came from as a
//! byte range into the logical line, which the parser maps back to the file.

use std::ops::Range;

use super::ast::Keyword;
use super::json_array::{self, JsonArray};

/// An instruction split the way BuildKit's `newNodeFromLine` splits it, with
/// byte ranges into the logical line.
#[derive(Debug)]
pub(crate) struct RawNode {
    /// The text this node was split from (BuildKit's `Original`).
    pub line_range: Range<usize>,
    pub name: String,
    pub name_range: Range<usize>,
    pub keyword: Keyword,
    pub flags: Vec<(String, Range<usize>)>,
    pub args: Vec<(String, Range<usize>)>,
    pub json: bool,
    pub sub: Option<Box<RawNode>>,
}

/// A piece of text BuildKit produced and the byte range it came from.
type Piece = (String, Range<usize>);

/// Go's `unicode.IsSpace`: the Unicode White_Space property, like Rust's.
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// `[\t\v\f\r ]`, BuildKit's `reWhitespace`/`tokenWhitespace`.
fn is_token_space(b: u8) -> bool {
    matches!(b, b'\t' | 0x0b | 0x0c | b'\r' | b' ')
}

/// Go's `unicode.IsSpace(rune(b))` applied to a single byte, which is how
/// BuildKit's byte-wise loops look at text: besides ASCII whitespace the
/// Latin-1 code points U+0085 and U+00A0 count, so the UTF-8 continuation
/// bytes 0x85 and 0xA0 do too.
fn is_space_byte(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0)
}

/// Go's `strings.TrimSpace`, returning the trimmed range of `s`.
fn trim_range(s: &str, base: usize) -> (&str, usize) {
    let left = s.trim_start_matches(is_space);
    let start = base + (s.len() - left.len());
    (left.trim_end_matches(is_space), start)
}

/// Splits `line` (at offset `base` of the logical line) and parses its
/// arguments. This is BuildKit's `newNodeFromLine`.
pub(crate) fn node_from_line(line: &str, base: usize, escape: char) -> Result<RawNode, String> {
    let (trimmed, tbase) = trim_range(line, base);
    let name_len = trimmed
        .bytes()
        .position(is_token_space)
        .unwrap_or(trimmed.len());
    let name = &trimmed[..name_len];
    let keyword = Keyword::from_name(name);
    let mut flags = Vec::new();
    let mut args_text = "";
    let mut args_base = tbase + trimmed.len();
    if name_len < trimmed.len() {
        let after = trimmed[name_len..]
            .trim_start_matches(|c: char| c.is_ascii() && is_token_space(c as u8));
        let after_base = tbase + (trimmed.len() - after.len());
        let (rest, flag_words) = extract_flags(after, after_base);
        flags = flag_words;
        if let Some((text, at)) = rest {
            let (t, b) = trim_range(text, at);
            args_text = t;
            args_base = b;
        }
    }
    let mut node = RawNode {
        line_range: base..base + line.len(),
        name: name.to_string(),
        name_range: tbase..tbase + name_len,
        keyword,
        flags,
        args: Vec::new(),
        json: false,
        sub: None,
    };
    let (rest, at) = (args_text, args_base);
    match keyword {
        Keyword::Add | Keyword::Copy | Keyword::Volume => {
            (node.args, node.json) = maybe_json_to_list(rest, at)?;
        }
        Keyword::Cmd | Keyword::Entrypoint | Keyword::Run | Keyword::Shell => {
            (node.args, node.json) = maybe_json(rest, at)?;
        }
        Keyword::Arg => node.args = parse_words(rest, at, escape),
        Keyword::Env => node.args = parse_name_val(rest, at, escape, "ENV")?,
        Keyword::Label => node.args = parse_name_val(rest, at, escape, "LABEL")?,
        Keyword::Expose | Keyword::From => node.args = whitespace_delimited(rest, at),
        Keyword::Healthcheck => (node.args, node.json) = parse_health_config(rest, at)?,
        Keyword::Maintainer | Keyword::Stopsignal | Keyword::User | Keyword::Workdir => {
            if !rest.is_empty() {
                node.args.push((rest.to_string(), at..at + rest.len()));
            }
        }
        Keyword::Onbuild => {
            if !rest.is_empty() {
                let sub = node_from_line(rest, at, escape)?;
                // BuildKit's ONBUILD node holds the wrapped instruction as a
                // child of an otherwise empty node, so its argument chain is
                // one empty value.
                node.args.push((String::new(), at..at));
                node.sub = Some(Box::new(sub));
            }
        }
        // BuildKit keeps unknown instructions with one empty argument; they
        // are rejected later, when the instruction is dispatched.
        Keyword::Unknown => node.args.push((String::new(), at..at)),
    }
    Ok(node)
}

/// BuildKit's `extractBuilderFlags`: leading `--flag` words. It walks bytes,
/// not characters, and appends each byte as a Latin-1 rune, so non-ASCII text
/// inside a flag comes out re-encoded ("é" becomes "Ã©"), and 0x85/0xA0
/// bytes split words. Quotes are removed and `\` escapes the next byte; a
/// bare `--` ends the flags. Returns the rest of the line (text and offset)
/// and the flags.
fn extract_flags(line: &str, base: usize) -> (Option<(&str, usize)>, Vec<Piece>) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let b = line.as_bytes();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut word_start = 0;
    let mut quote = 0u8;
    let mut blank_ok = false;
    let rest_at = |pos: usize| -> Option<(&str, usize)> {
        // The rest starts at a byte boundary Go chose; it is a char boundary
        // except after a 0xA0/0x85 continuation byte taken as a space.
        let mut p = pos;
        while !line.is_char_boundary(p) {
            p += 1;
        }
        Some((&line[p..], base + p))
    };
    let mut pos = 0;
    while pos <= b.len() {
        let ch = b.get(pos).copied().unwrap_or(0);
        if phase == Phase::Spaces {
            if pos == b.len() {
                break;
            }
            if is_space_byte(ch) {
                pos += 1;
                continue;
            }
            if ch != b'-' || pos + 1 == b.len() || b[pos + 1] != b'-' {
                return (rest_at(pos), words);
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if pos == b.len() {
            if word != "--" && (blank_ok || !word.is_empty()) {
                words.push((word, base + word_start..base + pos));
            }
            break;
        }
        if phase == Phase::Word {
            if is_space_byte(ch) {
                phase = Phase::Spaces;
                if word == "--" {
                    return (rest_at(pos), words);
                }
                if blank_ok || !word.is_empty() {
                    words.push((std::mem::take(&mut word), base + word_start..base + pos));
                }
                word.clear();
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == b'\'' || ch == b'"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                pos += 1;
                continue;
            }
            let mut c = ch;
            if ch == b'\\' {
                if pos + 1 == b.len() {
                    pos += 1;
                    continue;
                }
                pos += 1;
                c = b[pos];
            }
            word.push(c as char);
            pos += 1;
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
            pos += 1;
            continue;
        }
        let mut c = ch;
        if ch == b'\\' {
            if pos + 1 == b.len() {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            c = b[pos];
        }
        word.push(c as char);
        pos += 1;
    }
    (None, words)
}

/// BuildKit's `parseWords`: whitespace-separated words where quotes group
/// and are kept, and the escape character protects the next character (and
/// is kept too, except at the very end).
pub(crate) fn parse_words(rest: &str, base: usize, escape: char) -> Vec<(String, Range<usize>)> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut word = String::new();
    let mut start = 0;
    let mut chars = rest.char_indices().peekable();
    let end = rest.len();
    loop {
        let Some((pos, ch)) = chars.next() else {
            if phase != Phase::Spaces && (blank_ok || !word.is_empty()) {
                words.push((word, base + start..base + end));
            }
            break;
        };
        if phase == Phase::Spaces {
            if is_space(ch) {
                continue;
            }
            phase = Phase::Word;
            start = pos;
        }
        if phase == Phase::Word {
            if is_space(ch) {
                phase = Phase::Spaces;
                if blank_ok || !word.is_empty() {
                    words.push((std::mem::take(&mut word), base + start..base + pos));
                }
                blank_ok = false;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            let mut c = ch;
            if ch == escape {
                match chars.next() {
                    // An escape at the very end is dropped.
                    None => continue,
                    Some((_, next)) => {
                        word.push(ch);
                        c = next;
                    }
                }
            }
            word.push(c);
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
        }
        let mut c = ch;
        if ch == escape && quote != '\'' {
            match chars.next() {
                None => {
                    phase = Phase::Word;
                    continue;
                }
                Some((_, next)) => {
                    word.push(ch);
                    c = next;
                }
            }
        }
        word.push(c);
    }
    words
}

/// BuildKit's `parseNameVal` (ENV, LABEL): `KEY=value ...` pairs, or the
/// legacy `KEY value` form when the first word has no `=`. The AST holds keys
/// and values alternately, values with their quotes.
fn parse_name_val(
    rest: &str,
    base: usize,
    escape: char,
    key: &str,
) -> Result<Vec<(String, Range<usize>)>, String> {
    let words = parse_words(rest, base, escape);
    let Some(first) = words.first() else {
        return Ok(Vec::new());
    };
    if !first.0.contains('=') {
        let Some(split) = rest.bytes().position(is_token_space) else {
            return Err(format!("{key} must have two arguments"));
        };
        let value_at = split
            + rest[split..]
                .bytes()
                .take_while(|&b| is_token_space(b))
                .count();
        return Ok(vec![
            (rest[..split].to_string(), base..base + split),
            (
                rest[value_at..].to_string(),
                base + value_at..base + rest.len(),
            ),
        ]);
    }
    let mut out = Vec::with_capacity(words.len() * 2);
    for (word, range) in words {
        let Some(eq) = word.find('=') else {
            return Err(format!(
                "Syntax error - can't find = in {}. Must be of the form: name=value",
                go_quote(&word)
            ));
        };
        // A word's text equals its source slice (parse_words keeps every
        // character except a final escape), so offsets carry over.
        let at = range.start + eq;
        out.push((word[..eq].to_string(), range.start..at));
        out.push((word[eq + 1..].to_string(), at + 1..range.end.max(at + 1)));
    }
    Ok(out)
}

/// BuildKit's `parseStringsWhitespaceDelimited` (FROM, EXPOSE, and the shell
/// form of COPY/ADD/VOLUME): split on runs of `[\t\v\f\r ]`.
fn whitespace_delimited(rest: &str, base: usize) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    if rest.is_empty() {
        return out;
    }
    let b = rest.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        if is_token_space(b[i]) {
            out.push((rest[start..i].to_string(), base + start..base + i));
            while i < b.len() && is_token_space(b[i]) {
                i += 1;
            }
            start = i;
        } else {
            i += 1;
        }
    }
    out.push((rest[start..].to_string(), base + start..base + rest.len()));
    out
}

const NOT_STRINGS: &str = "when using JSON array syntax, arrays must be comprised of strings only";

/// Arguments plus whether they were in JSON form.
type Args = (Vec<(String, Range<usize>)>, bool);

/// Tries the JSON form; `Ok(None)` means "not JSON, fall back".
fn json_form(rest: &str, base: usize) -> Result<Option<Args>, String> {
    match json_array::parse(rest) {
        JsonArray::Strings(items) => {
            let args = items
                .into_iter()
                .map(|(s, r)| (s, base + r.start..base + r.end))
                .collect();
            Ok(Some((args, true)))
        }
        JsonArray::NotStrings => Err(NOT_STRINGS.to_string()),
        JsonArray::NotJson => Ok(None),
    }
}

/// BuildKit's `parseMaybeJSON` (RUN, CMD, ENTRYPOINT, SHELL): JSON array, or
/// the whole text as one argument.
fn maybe_json(rest: &str, base: usize) -> Result<Args, String> {
    if rest.is_empty() {
        return Ok((Vec::new(), false));
    }
    Ok(json_form(rest, base)?
        .unwrap_or_else(|| (vec![(rest.to_string(), base..base + rest.len())], false)))
}

/// BuildKit's `parseMaybeJSONToList` (COPY, ADD, VOLUME): JSON array, or a
/// whitespace-delimited list.
fn maybe_json_to_list(rest: &str, base: usize) -> Result<Args, String> {
    Ok(json_form(rest, base)?.unwrap_or_else(|| (whitespace_delimited(rest, base), false)))
}

/// BuildKit's `parseHealthConfig`: a type word (`CMD`, `NONE`) and then a
/// "maybe JSON" command. The type ends at the first byte Go's byte-wise
/// `unicode.IsSpace(rune(b))` accepts, 0x85 and 0xA0 included.
fn parse_health_config(rest: &str, base: usize) -> Result<Args, String> {
    let b = rest.as_bytes();
    let sep = b.iter().position(|&c| is_space_byte(c)).unwrap_or(b.len());
    if sep == 0 {
        return Ok((Vec::new(), false));
    }
    let next = sep + b[sep..].iter().take_while(|&&c| is_space_byte(c)).count();
    let typ = String::from_utf8_lossy(&b[..sep]).into_owned();
    let mut cmd_at = next;
    while !rest.is_char_boundary(cmd_at) {
        cmd_at += 1;
    }
    let (cmd, json) = maybe_json(&rest[cmd_at..], base + cmd_at)?;
    let mut args = vec![(typ, base..base + sep)];
    args.extend(cmd);
    Ok((args, json))
}

/// Go's `%q`: a double-quoted string with Go escapes, as BuildKit's error
/// messages print words.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if c == ' ' || !(c.is_control() || c.is_whitespace() || is_format(c)) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Unicode format characters Go's `IsPrint` rejects (the common ones).
fn is_format(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}' | '\u{180e}'
        | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}
