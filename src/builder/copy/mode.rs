//! `--chmod` values: octal (every BuildKit) or symbolic like chmod(1)
//! (`u+x,go-w`, `a=rX`; Dockerfile frontend 1.14 and later).

use super::CopyError;

/// A parsed `--chmod`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Chmod {
    /// Octal: replaces the permission bits (`0777`); setuid, setgid and
    /// sticky bits of the source are kept, as fsutil's copier does.
    Octal(u32),
    /// Symbolic clauses applied in order.
    Symbolic(Vec<Clause>),
}

/// One `who op perms` clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Clause {
    who: u32,
    op: u8,
    perms: u32,
    /// `X`: execute only for directories or files with some execute bit.
    cond_exec: bool,
}

impl Chmod {
    /// Parses a `--chmod` value.
    pub(super) fn parse(text: &str) -> Result<Chmod, CopyError> {
        let bad = || CopyError::new(format!("invalid chmod parameter {text:?}"));
        if !text.is_empty() && text.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            let n = u32::from_str_radix(text, 8).map_err(|_| bad())?;
            if n > 0o7777 {
                return Err(bad());
            }
            return Ok(Chmod::Octal(n));
        }
        let mut clauses = Vec::new();
        for part in text.split(',') {
            let b = part.as_bytes();
            let mut i = 0;
            let mut who = 0;
            while let Some(&c) = b.get(i) {
                who |= match c {
                    b'u' => 0o4700,
                    b'g' => 0o2070,
                    b'o' => 0o1007,
                    b'a' => 0o7777,
                    _ => break,
                };
                i += 1;
            }
            if who == 0 {
                who = 0o7777;
            }
            let mut any = false;
            while let Some(&op) = b.get(i) {
                if !matches!(op, b'+' | b'-' | b'=') {
                    return Err(bad());
                }
                i += 1;
                let (mut perms, mut cond_exec) = (0, false);
                while let Some(&c) = b.get(i) {
                    perms |= match c {
                        b'r' => 0o444,
                        b'w' => 0o222,
                        b'x' => 0o111,
                        b'X' => {
                            cond_exec = true;
                            0
                        }
                        b's' => 0o6000,
                        b't' => 0o1000,
                        _ => break,
                    };
                    i += 1;
                }
                clauses.push(Clause {
                    who,
                    op,
                    perms,
                    cond_exec,
                });
                any = true;
            }
            if !any || i != b.len() {
                return Err(bad());
            }
        }
        Ok(Chmod::Symbolic(clauses))
    }

    /// The mode (`07777` bits) a file of mode `mode` gets.
    pub(super) fn apply(&self, mode: u32, is_dir: bool) -> u32 {
        match self {
            Chmod::Octal(n) => (mode & !0o777) | (n & 0o777),
            Chmod::Symbolic(clauses) => {
                let mut m = mode & 0o7777;
                for c in clauses {
                    let mut perms = c.perms;
                    if c.cond_exec && (is_dir || m & 0o111 != 0) {
                        perms |= 0o111;
                    }
                    let bits = perms & c.who;
                    match c.op {
                        b'+' => m |= bits,
                        b'-' => m &= !bits,
                        _ => m = (m & !(c.who & 0o7777)) | bits,
                    }
                }
                m
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_and_symbolic() {
        assert_eq!(Chmod::parse("600").unwrap().apply(0o4755, false), 0o4600);
        assert_eq!(Chmod::parse("u+x,go-w").unwrap().apply(0o666, false), 0o744);
        assert_eq!(Chmod::parse("a=rX").unwrap().apply(0o700, true), 0o555);
        assert_eq!(Chmod::parse("a=rX").unwrap().apply(0o600, false), 0o444);
        assert!(Chmod::parse("999").is_err());
        assert!(Chmod::parse("u+q").is_err());
    }
}
