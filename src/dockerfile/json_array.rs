//! The JSON (exec) form of instruction arguments, read the way BuildKit does.
//!
//! BuildKit hands the argument text to Go's `encoding/json` decoder, which
//! reads the first JSON value and ignores whatever follows it. We mirror that
//! decoder rather than use serde_json because its edge cases decide between
//! exec form, a fallback to shell form, and a hard error: trailing text after
//! `]` is accepted, lone UTF-16 surrogates become U+FFFD instead of failing,
//! and nesting deeper than Go's limit is a syntax error, not a crash.

use std::ops::Range;

/// Go's `encoding/json` nesting limit.
const MAX_DEPTH: usize = 10_000;

/// What the argument text turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum JsonArray {
    /// Not a JSON array: BuildKit falls back to shell form.
    NotJson,
    /// A valid JSON array holding something other than strings: an error.
    NotStrings,
    /// A JSON array of strings: each decoded string with the byte range of
    /// its literal (quotes included) in the input.
    Strings(Vec<(String, Range<usize>)>),
}

/// Reads `text` as BuildKit's `parseJSON` does. Leading Unicode whitespace is
/// skipped; the array must start right there.
pub fn parse(text: &str) -> JsonArray {
    let start = text.len() - text.trim_start().len();
    let mut r = Reader {
        b: text.as_bytes(),
        i: start,
        text,
    };
    if r.peek() != Some(b'[') {
        return JsonArray::NotJson;
    }
    r.i += 1;
    match r.array_body() {
        Ok((items, all_strings)) if all_strings => JsonArray::Strings(items),
        Ok(_) => JsonArray::NotStrings,
        Err(()) => JsonArray::NotJson,
    }
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
    text: &'a str,
}

type Syntax<T> = Result<T, ()>;

/// Decoded strings with the byte ranges of their literals.
type Items = Vec<(String, Range<usize>)>;

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// JSON whitespace only (space, tab, CR, LF), as Go's scanner.
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: u8) -> Syntax<()> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(())
        }
    }

    /// The elements of the top-level array, after its `[`.
    fn array_body(&mut self) -> Syntax<(Items, bool)> {
        let mut items = Vec::new();
        let mut all_strings = true;
        self.ws();
        if self.peek() == Some(b']') {
            return Ok((items, true));
        }
        loop {
            self.ws();
            if self.peek() == Some(b'"') {
                let start = self.i;
                let s = self.string()?;
                items.push((s, start..self.i));
            } else {
                self.skip_value(1)?;
                all_strings = false;
            }
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => return Ok((items, all_strings)),
                _ => return Err(()),
            }
        }
    }

    /// Validates one value of any type without recursion (so hostile nesting
    /// cannot overflow the stack). `depth` is the nesting already entered.
    fn skip_value(&mut self, depth: usize) -> Syntax<()> {
        let mut stack: Vec<u8> = Vec::new();
        'value: loop {
            self.ws();
            match self.peek().ok_or(())? {
                open @ (b'[' | b'{') => {
                    self.i += 1;
                    self.ws();
                    let close = if open == b'[' { b']' } else { b'}' };
                    if self.peek() == Some(close) {
                        self.i += 1;
                    } else {
                        stack.push(open);
                        if depth + stack.len() > MAX_DEPTH {
                            return Err(());
                        }
                        if open == b'{' {
                            self.key()?;
                        }
                        continue 'value;
                    }
                }
                b'"' => {
                    self.string()?;
                }
                b't' => self.literal("true")?,
                b'f' => self.literal("false")?,
                b'n' => self.literal("null")?,
                b'-' | b'0'..=b'9' => self.number()?,
                _ => return Err(()),
            }
            // A value ended: close containers until one wants another value.
            loop {
                let Some(&top) = stack.last() else {
                    return Ok(());
                };
                self.ws();
                match (top, self.peek()) {
                    (_, Some(b',')) => {
                        self.i += 1;
                        if top == b'{' {
                            self.ws();
                            self.key()?;
                        }
                        continue 'value;
                    }
                    (b'[', Some(b']')) | (b'{', Some(b'}')) => {
                        self.i += 1;
                        stack.pop();
                    }
                    _ => return Err(()),
                }
            }
        }
    }

    /// An object key and its colon.
    fn key(&mut self) -> Syntax<()> {
        if self.peek() != Some(b'"') {
            return Err(());
        }
        self.string()?;
        self.ws();
        self.expect(b':')
    }

    fn literal(&mut self, word: &str) -> Syntax<()> {
        if self.b[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(())
        } else {
            Err(())
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Syntax<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(()),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(());
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(());
            }
        }
        Ok(())
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let h = self.b.get(at..at + 4)?;
        let s = std::str::from_utf8(h).ok()?;
        if !s.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(s, 16).ok()
    }

    /// A string literal starting at `"`, decoded as Go decodes it.
    fn string(&mut self) -> Syntax<String> {
        self.i += 1;
        let mut out = String::new();
        let mut run = self.i; // start of the pending unescaped run
        loop {
            let c = self.peek().ok_or(())?;
            match c {
                b'"' => {
                    out.push_str(&self.text[run..self.i]);
                    self.i += 1;
                    return Ok(out);
                }
                0x00..=0x1f => return Err(()),
                b'\\' => {
                    out.push_str(&self.text[run..self.i]);
                    let e = *self.b.get(self.i + 1).ok_or(())?;
                    self.i += 2;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let u = self.hex4(self.i).ok_or(())?;
                            self.i += 4;
                            out.push(self.unicode_escape(u));
                        }
                        _ => return Err(()),
                    }
                    run = self.i;
                }
                _ => self.i += 1,
            }
        }
    }

    /// Completes a `\uXXXX` escape; a surrogate pair is joined only when the
    /// low half follows immediately, otherwise it becomes U+FFFD.
    fn unicode_escape(&mut self, u: u32) -> char {
        if (0xD800..0xDC00).contains(&u)
            && self.b.get(self.i) == Some(&b'\\')
            && self.b.get(self.i + 1) == Some(&b'u')
            && let Some(low) = self.hex4(self.i + 2)
            && (0xDC00..0xE000).contains(&low)
        {
            self.i += 6;
            let c = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
            return char::from_u32(c).unwrap_or('\u{FFFD}');
        }
        char::from_u32(u).unwrap_or('\u{FFFD}')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(s: &str) -> Vec<String> {
        match parse(s) {
            JsonArray::Strings(v) => v.into_iter().map(|(s, _)| s).collect(),
            other => panic!("{s:?} gave {other:?}"),
        }
    }

    #[test]
    fn trailing_text_after_the_array_is_ignored_like_go_decoder() {
        assert_eq!(strings(r#"["a"] x"#), ["a"]);
        assert_eq!(strings(r#"[]]"#), Vec::<String>::new());
    }

    #[test]
    fn syntax_errors_fall_back_to_shell_form() {
        for s in [
            r#"["a",]"#,
            r#"["a" "b"]"#,
            "['a']",
            r#"["a""#,
            "[",
            r#"["\x"]"#,
            "[01]",
        ] {
            assert_eq!(parse(s), JsonArray::NotJson, "{s}");
        }
    }

    #[test]
    fn valid_non_strings_are_an_error() {
        for s in [
            "[1]",
            r#"["a", null]"#,
            r#"[["a"]]"#,
            r#"[{"k": [1, {}]}]"#,
            "[-0.5e+3]",
        ] {
            assert_eq!(parse(s), JsonArray::NotStrings, "{s}");
        }
    }

    #[test]
    fn surrogates_decode_like_go() {
        assert_eq!(strings(r#"["\ud83d\ude00"]"#), ["😀"]);
        assert_eq!(strings(r#"["\ud800"]"#), ["\u{FFFD}"]);
        assert_eq!(strings(r#"["\ud800\u0041"]"#), ["\u{FFFD}A"]);
        assert_eq!(strings(r#"["\udc00x"]"#), ["\u{FFFD}x"]);
    }

    #[test]
    fn deep_nesting_is_a_syntax_error_not_a_crash() {
        let deep = format!("[{}{}]", "[".repeat(20_000), "]".repeat(20_000));
        assert_eq!(parse(&deep), JsonArray::NotJson);
    }
}
