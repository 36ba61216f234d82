//! `.dockerignore` files read and matched as Docker does.
//!
//! Reading follows moby's `ignorefile.ReadAll`: a UTF-8 BOM is dropped,
//! lines starting with `#` are comments, patterns are trimmed, cleaned like
//! Go's `filepath.Clean`, and a leading `/` is dropped (`!` kept in front).
//! Matching follows `patternmatcher.MatchesOrParentMatches`: patterns are
//! tried in order, a pattern applies to a path when it matches the path or
//! one of its parent directories, and the last one that applies decides
//! (`!` patterns re-include). Wildcards are those of the pattern compiler:
//! `*` and `?` stay within a path segment, `**` crosses segments, `[...]`
//! is a character class (`^` negates), `\` escapes; a leading `**` followed
//! only by literal text is a plain suffix test, as in patternmatcher.

/// One compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// The cleaned pattern as Docker keeps it, without `!`.
    pub text: String,
    /// A `!` pattern: re-includes what it matches.
    pub exclusion: bool,
    /// The 1-based line of the ignore file it comes from.
    pub line: usize,
    tokens: Vec<Tok>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Lit(char),
    /// `*`: any run of characters other than `/`.
    Star,
    /// `?`: one character other than `/`.
    One,
    /// `[...]`: one character in (or, negated, not in) the ranges.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    /// `**` followed by more pattern: `(.*/)?`.
    Dirs,
    /// `**` at the end, or a leading `**` of a suffix test: `.*`.
    Any,
}

/// The patterns of one ignore file, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    /// The patterns.
    pub patterns: Vec<Pattern>,
}

/// Go's `filepath.Clean` for slash-separated paths.
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            p => out.push(p),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

impl Pattern {
    /// Compiles a cleaned pattern (without `!`).
    fn new(text: &str, exclusion: bool, line: usize) -> Pattern {
        Pattern {
            text: text.to_string(),
            exclusion,
            line,
            tokens: compile(text),
        }
    }

    /// True when the pattern matches `path` itself.
    fn matches(&self, path: &str) -> bool {
        let s: Vec<char> = path.chars().collect();
        match_at(&self.tokens, 0, &s, 0, false)
    }

    /// True when the pattern matches `path` or one of its parent directories.
    fn applies(&self, path: &str) -> bool {
        if self.matches(path) {
            return true;
        }
        let mut at = 0;
        while let Some(i) = path[at..].find('/') {
            if self.matches(&path[..at + i]) {
                return true;
            }
            at += i + 1;
        }
        false
    }

    /// True when the pattern may match some path strictly below `dir`.
    fn may_match_below(&self, dir: &str) -> bool {
        let mut s: Vec<char> = dir.chars().collect();
        if !dir.is_empty() {
            s.push('/');
        }
        match_at(&self.tokens, 0, &s, 0, true)
    }
}

/// The patternmatcher's compilation, as tokens; see the module docs.
fn compile(pattern: &str) -> Vec<Tok> {
    let chars: Vec<char> = pattern.chars().collect();
    // A leading `**` followed by literal text only is a suffix test.
    if chars.len() >= 2 && chars[0] == '*' && chars[1] == '*' {
        let rest = &chars[2..];
        if !rest
            .iter()
            .any(|c| matches!(c, '*' | '?' | '[' | ']' | '\\'))
        {
            return match rest.split_first() {
                Some(('/', tail)) => {
                    let mut t = vec![Tok::Dirs];
                    t.extend(tail.iter().map(|&c| Tok::Lit(c)));
                    t
                }
                _ => {
                    let mut t = vec![Tok::Any];
                    t.extend(rest.iter().map(|&c| Tok::Lit(c)));
                    t
                }
            };
        }
    }
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                tokens.push(if i >= chars.len() {
                    Tok::Any
                } else {
                    Tok::Dirs
                });
                continue;
            }
            '*' => tokens.push(Tok::Star),
            '?' => tokens.push(Tok::One),
            '\\' if i + 1 < chars.len() => {
                i += 1;
                tokens.push(Tok::Lit(chars[i]));
            }
            '[' => {
                let mut j = i + 1;
                let negated = chars.get(j) == Some(&'^');
                if negated {
                    j += 1;
                }
                let mut ranges = Vec::new();
                let mut closed = false;
                while j < chars.len() {
                    let mut c = chars[j];
                    if c == ']' {
                        closed = true;
                        break;
                    }
                    if c == '\\' && j + 1 < chars.len() {
                        j += 1;
                        c = chars[j];
                    }
                    if chars.get(j + 1) == Some(&'-') && chars.get(j + 2).is_some_and(|&e| e != ']')
                    {
                        ranges.push((c, chars[j + 2]));
                        j += 3;
                    } else {
                        ranges.push((c, c));
                        j += 1;
                    }
                }
                if closed {
                    tokens.push(Tok::Class { negated, ranges });
                    i = j + 1;
                    continue;
                }
                // An unclosed class is a bad pattern, which matches nothing.
                return vec![Tok::Class {
                    negated: false,
                    ranges: Vec::new(),
                }];
            }
            c => tokens.push(Tok::Lit(c)),
        }
        i += 1;
    }
    tokens
}

/// Matches `tokens[t..]` against `s[i..]`. With `prefix`, succeeds when all
/// of `s` is consumed with pattern left that can match more (the pattern
/// may match some extension of `s`).
fn match_at(tokens: &[Tok], t: usize, s: &[char], i: usize, prefix: bool) -> bool {
    if prefix && i == s.len() && t < tokens.len() {
        return true;
    }
    let Some(tok) = tokens.get(t) else {
        return i == s.len();
    };
    match tok {
        Tok::Lit(c) => s.get(i) == Some(c) && match_at(tokens, t + 1, s, i + 1, prefix),
        Tok::One => {
            s.get(i).is_some_and(|&c| c != '/') && match_at(tokens, t + 1, s, i + 1, prefix)
        }
        Tok::Class { negated, ranges } => {
            s.get(i)
                .is_some_and(|&c| ranges.iter().any(|&(a, b)| a <= c && c <= b) != *negated)
                && match_at(tokens, t + 1, s, i + 1, prefix)
        }
        Tok::Star => {
            let mut j = i;
            loop {
                if match_at(tokens, t + 1, s, j, prefix) {
                    return true;
                }
                if j >= s.len() || s[j] == '/' {
                    return false;
                }
                j += 1;
            }
        }
        Tok::Any => (i..=s.len()).any(|j| match_at(tokens, t + 1, s, j, prefix)),
        Tok::Dirs => {
            // Nothing, or any text ending in `/`.
            match_at(tokens, t + 1, s, i, prefix)
                || (i..s.len())
                    .filter(|&j| s[j] == '/')
                    .any(|j| match_at(tokens, t + 1, s, j + 1, prefix))
        }
    }
}

impl Rules {
    /// Reads an ignore file's text as moby's `ignorefile.ReadAll` does.
    pub fn parse(text: &str) -> Rules {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut patterns = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            if raw.starts_with('#') {
                continue;
            }
            let mut p = raw.trim();
            if p.is_empty() {
                continue;
            }
            let exclusion = p.starts_with('!');
            if exclusion {
                p = p[1..].trim();
            }
            let mut cleaned = if p.is_empty() {
                String::new()
            } else {
                clean(p)
            };
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
            if exclusion && cleaned.is_empty() {
                continue; // Docker rejects `!` alone; nothing to follow
            }
            patterns.push(Pattern::new(&cleaned, exclusion, n + 1));
        }
        Rules { patterns }
    }

    /// The rules of `<dir>/.dockerignore`, if the file exists.
    pub fn read(path: &std::path::Path) -> Option<Rules> {
        let bytes = std::fs::read(path).ok()?;
        Some(Rules::parse(&String::from_utf8_lossy(&bytes)))
    }

    /// True when `path` (relative to the context, cleaned) is left out of
    /// the context.
    pub fn excluded(&self, path: &str) -> bool {
        if path.is_empty() || path == "." {
            return false; // Docker never excludes the context itself
        }
        let mut matched = false;
        for p in &self.patterns {
            if p.exclusion != matched {
                continue;
            }
            if p.applies(path) {
                matched = !p.exclusion;
            }
        }
        matched
    }

    /// The first pattern that may give some path strictly below `dir` a
    /// different fate than `dir` itself has, if any.
    pub fn may_differ_below(&self, dir: &str) -> Option<&Pattern> {
        let here = self.excluded(dir);
        self.patterns
            .iter()
            .find(|p| p.exclusion == here && p.may_match_below(dir) && !p.applies(dir))
    }

    /// True when some pattern applies to `dir` or may match below it.
    pub fn touches(&self, dir: &str) -> bool {
        self.patterns
            .iter()
            .any(|p| p.applies(dir) || p.may_match_below(dir))
    }

    /// The last pattern that decides `path`'s fate, for messages.
    pub fn deciding(&self, path: &str) -> Option<&Pattern> {
        let mut matched = false;
        let mut last = None;
        for p in &self.patterns {
            if p.exclusion != matched {
                continue;
            }
            if p.applies(path) {
                matched = !p.exclusion;
                last = Some(p);
            }
        }
        last
    }

    /// The same rules for a context `prefix` levels down: each pattern
    /// re-rooted under `prefix`.
    pub fn under(&self, prefix: &str) -> Vec<String> {
        self.patterns
            .iter()
            .filter(|p| !p.text.starts_with(".."))
            .map(|p| {
                let text = if p.text == "." {
                    prefix.to_string()
                } else {
                    format!("{prefix}/{}", p.text)
                };
                if p.exclusion {
                    format!("!{text}")
                } else {
                    text
                }
            })
            .collect()
    }

    /// The pattern lines as Docker keeps them.
    pub fn lines(&self) -> Vec<String> {
        self.patterns
            .iter()
            .map(|p| {
                if p.exclusion {
                    format!("!{}", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Rules {
        Rules::parse(text)
    }

    #[test]
    fn reading_cleans_patterns_like_ignorefile() {
        let r = rules("\u{feff}# comment\n  /bin/  \n!./keep/../keep.md\n\n ./a//b\n");
        assert_eq!(r.lines(), vec!["bin", "!keep.md", "a/b"]);
        assert_eq!(r.patterns[1].line, 3);
    }

    #[test]
    fn parents_match_and_the_last_pattern_wins() {
        let r = rules("dist\n*.md\n!README.md\n");
        assert!(r.excluded("dist"));
        assert!(r.excluded("dist/app/x.js"));
        assert!(r.excluded("NOTES.md"));
        assert!(!r.excluded("README.md"));
        assert!(!r.excluded("docs/NOTES.md")); // `*` stays in one segment
        assert!(!r.excluded("src/main.go"));
    }

    #[test]
    fn double_stars_cross_segments() {
        let r = rules("**/*.map\n");
        assert!(r.excluded("app.map"));
        assert!(r.excluded("a/b/app.map"));
        let r = rules("out/**\n");
        assert!(!r.excluded("out"));
        assert!(r.excluded("out/x"));
        let r = rules("**\n!bin\n");
        assert!(r.excluded("src"));
        assert!(!r.excluded("bin/app"));
        // A leading `**` before literal text is a plain suffix test.
        let r = rules("**.log\n");
        assert!(r.excluded("x/debug.log"));
    }

    #[test]
    fn classes_and_escapes() {
        let r = rules("app-[0-9]\nx[^a]y\nstar\\*\n");
        assert!(r.excluded("app-7"));
        assert!(!r.excluded("app-x"));
        assert!(r.excluded("xby"));
        assert!(!r.excluded("xay"));
        assert!(r.excluded("star*"));
        assert!(!r.excluded("starx"));
    }

    #[test]
    fn what_may_differ_below_a_directory() {
        let r = rules("dist/*.map\n");
        assert!(r.may_differ_below("dist").is_some());
        assert!(r.may_differ_below("src").is_none());
        let r = rules("**/*.map\n");
        assert!(r.may_differ_below("dist").is_some());
        let r = rules("dist\n");
        assert!(r.may_differ_below("dist").is_none());
        let r = rules("*\n!dist/app\n");
        assert!(r.may_differ_below("dist").is_some());
        assert!(r.may_differ_below("other").is_none());
    }

    #[test]
    fn rules_move_under_a_prefix() {
        let r = rules("*.md\n!README.md\n");
        assert_eq!(r.under("runner"), vec!["runner/*.md", "!runner/README.md"]);
    }
}
