//! Source wildcards: Go's `path/filepath.Match`, as BuildKit matches COPY
//! and ADD sources (`*`, `?`, `[...]` with `^` negation and ranges, `\`
//! escapes; no `**`, and a leading `.` is not special). `*`, `?` and
//! classes never match `/`: BuildKit matches a source component by
//! component, so a class has no separator to match.
//!
//! The one matcher of these semantics: the builder matches a source path
//! component by component with [`matches`], the converter whole paths with
//! [`path_matches`]. `.dockerignore` patterns ([`super::ignore`]) and the
//! shell's patterns follow other rules and have matchers of their own.

/// True when `name` has wildcards (BuildKit's `containsWildcards`: a `\`
/// escapes the next byte).
pub fn has_wildcards(name: &[u8]) -> bool {
    let mut i = 0;
    while i < name.len() {
        match name[i] {
            b'\\' => i += 1,
            b'*' | b'?' | b'[' => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// A malformed pattern (Go's `filepath.ErrBadPattern`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadPattern;

/// Go's `filepath.Match(pattern, name)`.
pub fn matches(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = name.chars().collect();
    // Validate the whole pattern first, as Go reports a bad pattern even
    // when an earlier part already fails to match.
    validate(&p)?;
    Ok(match_from(&p, 0, &s, 0))
}

/// Go's `filepath.Match` of a whole path, a malformed pattern matching
/// nothing (the builder reports it as an error instead, with [`matches`]).
pub fn path_matches(pattern: &str, path: &str) -> bool {
    matches(pattern, path).unwrap_or(false)
}

fn validate(p: &[char]) -> Result<(), BadPattern> {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '\\' => {
                if i + 1 >= p.len() {
                    return Err(BadPattern);
                }
                i += 2;
            }
            '[' => {
                i = class_end(p, i)?.1;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// Parses the class at `p[at] == '['`: its ranges, negation, and the index
/// after `]`.
#[allow(clippy::type_complexity)]
fn class_end(p: &[char], at: usize) -> Result<(Vec<(char, char)>, usize, bool), BadPattern> {
    let mut i = at + 1;
    let negated = p.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let Some(&c) = p.get(i) else {
            return Err(BadPattern);
        };
        if c == ']' && !first {
            return Ok((ranges, i + 1, negated));
        }
        first = false;
        let (lo, next) = class_char(p, i)?;
        i = next;
        let mut hi = lo;
        if p.get(i) == Some(&'-') {
            let (h, next) = class_char(p, i + 1)?;
            hi = h;
            i = next;
        }
        ranges.push((lo, hi));
    }
}

fn class_char(p: &[char], i: usize) -> Result<(char, usize), BadPattern> {
    match p.get(i) {
        None | Some('-') | Some(']') => Err(BadPattern),
        Some('\\') => p.get(i + 1).map(|&c| (c, i + 2)).ok_or(BadPattern),
        Some(&c) => Ok((c, i + 1)),
    }
}

fn match_from(p: &[char], pi: usize, s: &[char], si: usize) -> bool {
    let Some(&c) = p.get(pi) else {
        return si == s.len();
    };
    match c {
        '*' => {
            let mut j = si;
            loop {
                if match_from(p, pi + 1, s, j) {
                    return true;
                }
                if j >= s.len() || s[j] == '/' {
                    return false;
                }
                j += 1;
            }
        }
        '?' => s.get(si).is_some_and(|&x| x != '/') && match_from(p, pi + 1, s, si + 1),
        '[' => {
            let Ok((ranges, next, negated)) = class_end(p, pi) else {
                return false;
            };
            s.get(si).is_some_and(|&x| {
                x != '/' && ranges.iter().any(|&(a, b)| a <= x && x <= b) != negated
            }) && match_from(p, next, s, si + 1)
        }
        '\\' => {
            p.get(pi + 1).is_some_and(|&e| s.get(si) == Some(&e))
                && match_from(p, pi + 2, s, si + 1)
        }
        c => s.get(si) == Some(&c) && match_from(p, pi + 1, s, si + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_filepath_match() {
        assert!(matches("*.txt", "a.txt").unwrap());
        assert!(matches("*", ".hidden").unwrap());
        assert!(matches("a?c", "abc").unwrap());
        assert!(matches("[a-c]x", "bx").unwrap());
        assert!(!matches("[^a-c]x", "bx").unwrap());
        assert!(matches("arr[[]0].txt", "arr[0].txt").unwrap());
        assert!(matches("star\\*", "star*").unwrap());
        assert!(matches("[", "x").is_err());
        assert!(!has_wildcards(b"plain\\*"));
        assert!(has_wildcards(b"a*"));
    }

    #[test]
    fn paths_match_within_segments() {
        assert!(path_matches("target/*.jar", "target/app.jar"));
        assert!(!path_matches("target/*.jar", "target/sub/app.jar"));
        assert!(!path_matches("target/?", "target/a/"));
        assert!(path_matches("bin/app-[0-9]", "bin/app-7"));
        assert!(!path_matches("bin/app-[0-9]", "bin/app-10"));
    }

    /// Where the converter's former matcher differed from Go's.
    #[test]
    fn go_semantics_where_the_converter_differed() {
        // `!` is no negation in Go: it is a member of the class.
        assert!(!path_matches("[!a]b", "cb"));
        assert!(path_matches("[!a]b", "!b"));
        // `\` escapes the next character.
        assert!(path_matches("a\\*b", "a*b"));
        assert!(!path_matches("a\\*b", "axb"));
        // A malformed pattern matches nothing (it was taken literally).
        assert!(!path_matches("lib[", "lib["));
        assert!(!path_matches("[]a]", "a"));
        assert!(!path_matches("[a-]", "a"));
        assert!(!path_matches("x\\", "x\\"));
        // `?` and a class match one character, not one byte.
        assert!(path_matches("caf?", "café"));
        assert!(path_matches("[é]", "é"));
        // A class never matches the separator (it was split off first).
        assert!(!path_matches("a[/]b", "a/b"));
    }
}
