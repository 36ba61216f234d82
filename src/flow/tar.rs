//! `tar` command lines in every spelling scripts use: old-style bundled
//! letters (`tar czf - .`), short clusters (`-cf -`, `-c -f -`), long
//! options (`--create --file=-`), `-C DIR` anywhere, compression letters,
//! `--strip-components`. A line with an option that would change what is
//! archived or unpacked (`--exclude`, `--transform`, `--owner`...) is not
//! understood rather than half understood.

/// What the command does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TarMode {
    /// `-c`: writes an archive.
    Create,
    /// `-x`: unpacks one.
    Extract,
    /// `-t`: lists one.
    List,
}

/// A parsed `tar` command line (the words after `tar`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tar {
    /// The mode.
    pub mode: TarMode,
    /// `-f`: the archive (`-` or absent: standard input or output).
    pub file: Option<String>,
    /// `-C`: the directory in effect for the members (for `-x`: where it unpacks).
    pub dir: Option<String>,
    /// The member operands, in order.
    pub members: Vec<String>,
    /// `--strip-components`.
    pub strip_components: usize,
    /// `z`, `j`, `J` or `--gzip`...: compressed.
    pub compressed: bool,
}

/// Options that change nothing the archive holds or the unpacked files are.
const HARMLESS_LONG: &[&str] = &[
    "--verbose",
    "--numeric-owner",
    "--preserve-permissions",
    "--same-permissions",
    "--no-same-owner",
    "--same-owner",
    "--gzip",
    "--gunzip",
    "--bzip2",
    "--xz",
    "--auto-compress",
    "--totals",
    "--overwrite",
    "--keep-old-files",
    "--no-overwrite-dir",
    "--warning=no-unknown-keyword",
];

/// Parses the words after `tar`. None when the line uses something not
/// modelled or is not a tar command line at all.
pub fn parse(args: &[String]) -> Option<Tar> {
    let mut mode = None;
    let mut file = None;
    let mut dir: Option<String> = None;
    let mut dir_changed_after_member = false;
    let mut members: Vec<String> = Vec::new();
    let mut strip_components = 0;
    let mut compressed = false;
    let mut words = args.iter().peekable();
    // Old style: the first word is a bundle of letters without a dash,
    // whose arguments follow in order.
    let mut pending: Vec<char> = Vec::new();
    if let Some(first) = words.peek()
        && !first.starts_with('-')
        && !first.is_empty()
        && first.chars().all(|c| c.is_ascii_alphabetic())
    {
        let first = words.next()?;
        for c in first.chars() {
            letter(c, &mut mode, &mut compressed, &mut pending)?;
        }
    }
    for p in std::mem::take(&mut pending) {
        let v = words.next()?.clone();
        apply_valued(
            p,
            v,
            &mut file,
            &mut dir,
            &members,
            &mut dir_changed_after_member,
        );
    }
    while let Some(w) = words.next() {
        if let Some(long) = w.strip_prefix("--") {
            if long.is_empty() {
                members.extend(words.by_ref().cloned());
                break;
            }
            let (key, value) = match long.split_once('=') {
                Some((k, v)) => (k, Some(v.to_string())),
                None => (long, None),
            };
            let mut take = || value.clone().or_else(|| words.next().cloned());
            match key {
                "create" => mode = Some(TarMode::Create),
                "extract" | "get" => mode = Some(TarMode::Extract),
                "list" => mode = Some(TarMode::List),
                "file" => file = Some(take()?),
                "directory" => {
                    dir_changed_after_member |= !members.is_empty();
                    dir = Some(take()?);
                }
                "strip-components" => strip_components = take()?.parse().ok()?,
                "gzip" | "gunzip" | "bzip2" | "xz" | "zstd" | "auto-compress" => compressed = true,
                _ if HARMLESS_LONG.contains(&w.as_str()) => {}
                _ => return None,
            }
            continue;
        }
        if let Some(cluster) = w.strip_prefix('-').filter(|c| !c.is_empty()) {
            let chars: Vec<char> = cluster.chars().collect();
            let mut i = 0;
            while i < chars.len() {
                let c = chars[i];
                let mut valued = Vec::new();
                letter(c, &mut mode, &mut compressed, &mut valued)?;
                if !valued.is_empty() {
                    // The value is the rest of the cluster, or the next word.
                    let rest: String = chars[i + 1..].iter().collect();
                    let v = if rest.is_empty() {
                        words.next()?.clone()
                    } else {
                        rest
                    };
                    apply_valued(
                        c,
                        v,
                        &mut file,
                        &mut dir,
                        &members,
                        &mut dir_changed_after_member,
                    );
                    break;
                }
                i += 1;
            }
            continue;
        }
        members.push(w.clone());
    }
    if dir_changed_after_member {
        return None;
    }
    Some(Tar {
        mode: mode?,
        file,
        dir,
        members,
        strip_components,
        compressed,
    })
}

/// One option letter: sets the mode or a switch, or asks for a value.
fn letter(
    c: char,
    mode: &mut Option<TarMode>,
    compressed: &mut bool,
    valued: &mut Vec<char>,
) -> Option<()> {
    match c {
        'c' => *mode = Some(TarMode::Create),
        'x' => *mode = Some(TarMode::Extract),
        't' => *mode = Some(TarMode::List),
        'z' | 'j' | 'J' | 'a' => *compressed = true,
        'v' | 'p' | 'o' | 'k' => {}
        'f' | 'C' => valued.push(c),
        _ => return None,
    }
    Some(())
}

fn apply_valued(
    c: char,
    v: String,
    file: &mut Option<String>,
    dir: &mut Option<String>,
    members: &[String],
    dir_changed_after_member: &mut bool,
) {
    if c == 'f' {
        *file = Some(v);
    } else {
        *dir_changed_after_member |= !members.is_empty();
        *dir = Some(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &str) -> Option<Tar> {
        let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        parse(&words)
    }

    #[test]
    fn every_spelling_of_a_stream_to_stdout() {
        for line in [
            "-cf - -C /app/build .",
            "-C /app/build -cf - .",
            "cf - -C /app/build .",
            "-c -f - -C /app/build .",
            "--create --file=- --directory=/app/build .",
            "--create --file - --directory /app/build .",
            "-c -f- -C/app/build .",
        ] {
            let t = p(line).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(t.mode, TarMode::Create, "{line}");
            assert_eq!(t.file.as_deref(), Some("-"), "{line}");
            assert_eq!(t.dir.as_deref(), Some("/app/build"), "{line}");
            assert_eq!(t.members, vec!["."], "{line}");
            assert!(!t.compressed, "{line}");
        }
    }

    #[test]
    fn compression_members_and_strip() {
        let t = p("czf - -C /app dist").unwrap();
        assert!(t.compressed);
        assert_eq!(t.members, vec!["dist"]);
        let t = p("-xzf - -C out --strip-components=1").unwrap();
        assert_eq!(t.mode, TarMode::Extract);
        assert_eq!(t.strip_components, 1);
        assert_eq!(t.dir.as_deref(), Some("out"));
        let t = p("-xjvf a.tbz").unwrap();
        assert_eq!(t.file.as_deref(), Some("a.tbz"));
        let t = p("--extract --file=a.tar.xz --xz --strip-components 2").unwrap();
        assert_eq!(t.strip_components, 2);
        assert!(t.compressed);
    }

    #[test]
    fn what_would_change_the_result_is_not_understood() {
        assert!(p("-cf - --exclude=*.o .").is_none());
        assert!(p("-cf - --transform=s/a/b/ .").is_none());
        assert!(p("-cf - a -C other b").is_none());
        assert!(p("-hcf - .").is_none());
        assert!(p("-f x").is_none()); // no mode
    }
}
