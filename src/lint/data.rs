//! The knowledge rules are parameterized with, kept as YAML data beside the
//! rules (`rules/data/*.yaml`): which packages are build tools per package
//! format, and which SDK images pair with which runtime images.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::rules::{LoadError, yaml_error};

/// All data files, merged.
#[derive(Debug, Clone, Default)]
pub struct Data {
    /// Package sets by name (`build-tools`), each by package format.
    pub package_sets: BTreeMap<String, PackageSet>,
    /// SDK images and the runtime images that replace them.
    pub image_pairs: Vec<ImagePair>,
    /// Names of widely used images, for the shadowing check.
    pub well_known_images: Vec<String>,
}

/// Glob patterns of package names per package format: `deb` (apt), `apk`,
/// `rpm` (yum, dnf, microdnf, zypper), `pip`, `npm`, `gem`.
pub type PackageSet = BTreeMap<String, Vec<String>>;

/// An SDK image and what to ship instead.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImagePair {
    /// The SDK repository, normalized (`golang`, `mcr.microsoft.com/dotnet/sdk`).
    pub sdk: String,
    /// Only tags matching one of these globs are SDKs (default: all).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Tags matching one of these globs are runtimes already (`*-jre*`).
    #[serde(default)]
    pub except_tags: Vec<String>,
    /// What to use instead; `{version}` is the SDK tag's leading version.
    pub runtimes: Vec<String>,
    /// Why the runtime is enough.
    pub note: String,
}

fn parse(name: &str, text: &str) -> Result<DataFile, LoadError> {
    serde_yaml::from_str(text).map_err(|e| yaml_error(name, text, &e))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DataFile {
    #[serde(default)]
    package_sets: BTreeMap<String, PackageSet>,
    #[serde(default)]
    image_pairs: Vec<ImagePair>,
    #[serde(default)]
    well_known_images: Vec<String>,
}

impl Data {
    /// The data compiled into the binary.
    pub fn builtin() -> Result<Data, LoadError> {
        let mut data = Data::default();
        for (name, text, json) in super::rules::builtin_data() {
            let file = match serde_json::from_str::<DataFile>(json) {
                Ok(file) => file,
                Err(_) => parse(&format!("rules/data/{name}"), text)?,
            };
            data.merge(file);
        }
        Ok(data)
    }

    /// Merges one data file in.
    pub fn add(&mut self, name: &str, text: &str) -> Result<(), LoadError> {
        self.merge(parse(name, text)?);
        Ok(())
    }

    fn merge(&mut self, file: DataFile) {
        for (set, formats) in file.package_sets {
            let entry = self.package_sets.entry(set).or_default();
            for (format, patterns) in formats {
                entry.entry(format).or_default().extend(patterns);
            }
        }
        self.image_pairs.extend(file.image_pairs);
        self.well_known_images.extend(file.well_known_images);
    }

    /// The first pattern of set `set` matching package `name` of `format`.
    pub fn package_in_set(&self, set: &str, format: &str, name: &str) -> Option<&str> {
        let patterns = self.package_sets.get(set)?.get(format)?;
        patterns
            .iter()
            .find(|p| glob_match(p, name))
            .map(String::as_str)
    }

    /// The pair whose SDK is `repository:tag`, if it is one.
    pub fn sdk_pair(&self, repository: &str, tag: &str) -> Option<&ImagePair> {
        self.image_pairs.iter().find(|p| {
            p.sdk == repository
                && (p.tags.is_empty() || p.tags.iter().any(|t| glob_match(t, tag)))
                && !p.except_tags.iter().any(|t| glob_match(t, tag))
        })
    }
}

/// Shell-style glob (`*`, `?`, `[0-9]`, `[!a-z]`) matched against the
/// whole text.
///
/// Not Go's `filepath.Match` ([`crate::dockerfile::glob`], for COPY
/// sources): here `*` crosses `/` (rule data such as `/var/lib/apt*` covers
/// `/var/lib/apt/lists`), `!` negates a class and `\` is no escape.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Classic two-pointer matching with one backtrack point for `*`.
    let (mut pi, mut ti) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                backtrack = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some('?') => {
                pi += 1;
                ti += 1;
                continue;
            }
            Some('[') => {
                if let Some((matched, next)) = match_class(&p, pi, t[ti]) {
                    if matched {
                        pi = next;
                        ti += 1;
                        continue;
                    }
                } else if t[ti] == '[' {
                    pi += 1;
                    ti += 1;
                    continue;
                }
            }
            Some(&c) if c == t[ti] => {
                pi += 1;
                ti += 1;
                continue;
            }
            _ => {}
        }
        match backtrack {
            Some((star, at)) => {
                pi = star + 1;
                ti = at + 1;
                backtrack = Some((star, at + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Matches `c` against the class starting at `p[at] == '['`: whether it
/// matched and where the pattern goes on; `None` for an unclosed class.
fn match_class(p: &[char], at: usize, c: char) -> Option<(bool, usize)> {
    let mut i = at + 1;
    let negate = matches!(p.get(i), Some('!') | Some('^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() && (p[i] != ']' || first) {
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            matched |= p[i] <= c && c <= p[i + 2];
            i += 3;
        } else {
            matched |= p[i] == c;
            i += 1;
        }
    }
    (i < p.len()).then_some((matched != negate, i + 1))
}

/// An image reference split into its normalized repository (no
/// `docker.io/`, no `library/`) and its tag (`latest` when absent, empty
/// with a digest only).
pub fn split_image(reference: &str) -> (String, String, bool) {
    let (name, digest) = match reference.split_once('@') {
        Some((n, _)) => (n, true),
        None => (reference, false),
    };
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match name[slash..].rfind(':') {
        Some(i) => (&name[..slash + i], Some(&name[slash + i + 1..])),
        None => (name, None),
    };
    let mut repo = repo.to_ascii_lowercase();
    for prefix in ["docker.io/", "index.docker.io/", "registry-1.docker.io/"] {
        if let Some(rest) = repo.strip_prefix(prefix) {
            repo = rest.to_string();
        }
    }
    if let Some(rest) = repo.strip_prefix("library/") {
        repo = rest.to_string();
    }
    let tag = match tag {
        Some(t) => t.to_string(),
        None if digest => String::new(),
        None => "latest".to_string(),
    };
    (repo, tag, digest)
}

/// The leading version of a tag: `11` of `11-jdk-slim`, `3.10` of
/// `3.10-bookworm`; `None` for `latest` or a codename.
pub fn tag_version(tag: &str) -> Option<&str> {
    let end = tag
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(tag.len());
    let v = tag[..end].trim_end_matches('.');
    (!v.is_empty() && v.starts_with(|c: char| c.is_ascii_digit())).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*-dev", "libssl-dev"));
        assert!(!glob_match("*-dev", "libssl-dev1"));
        assert!(glob_match("openjdk-*-jdk", "openjdk-17-jdk"));
        assert!(glob_match("gcc", "gcc"));
        assert!(glob_match("g?c*", "gcc-12"));
        assert!(!glob_match("gcc", "gcc-12"));
        assert!(glob_match("gcc-[0-9]*", "gcc-12"));
        assert!(!glob_match("gcc-[0-9]*", "gcc-doc"));
        assert!(glob_match("[!a]b", "cb"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
    }

    #[test]
    fn images() {
        assert_eq!(
            split_image("golang"),
            ("golang".into(), "latest".into(), false)
        );
        assert_eq!(
            split_image("docker.io/library/python:3.10"),
            ("python".into(), "3.10".into(), false)
        );
        assert_eq!(
            split_image("localhost:5000/app@sha256:ab"),
            ("localhost:5000/app".into(), String::new(), true)
        );
        assert_eq!(
            split_image("mcr.microsoft.com/dotnet/sdk:8.0"),
            ("mcr.microsoft.com/dotnet/sdk".into(), "8.0".into(), false)
        );
        assert_eq!(tag_version("11-jdk-slim"), Some("11"));
        assert_eq!(tag_version("3.10"), Some("3.10"));
        assert_eq!(tag_version("latest"), None);
    }

    #[test]
    fn builtin_data_loads() {
        let data = Data::builtin().unwrap();
        assert!(
            data.package_in_set("build-tools", "deb", "build-essential")
                .is_some()
        );
        assert!(data.sdk_pair("golang", "1.22").is_some());
        assert!(data.sdk_pair("openjdk", "11-jre-slim").is_none());
    }
}
