//! Rules as data: one YAML file per rule (`rules/MS###-name.yaml`), embedded
//! in the binary, plus any the user adds with `--rules DIR`.
//!
//! A rule names one of the engine's matchers and parameterizes it; the
//! message is a template filled from what the matcher found. Loading is
//! strict: an unknown key, a bad id or a message placeholder the matcher
//! never fills is an error with a span into the rule file.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::finding::{Category, RuleMeta, Severity};
use super::matchers::Matcher;
use crate::dockerfile::{SourceDiagnostic, Span};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// Where the README documents every rule; SARIF and the markdown reporter
/// link each rule to its anchor there.
pub const DOCS_URL: &str = "https://github.com/msmigrate/msmigrate/blob/main/README.md";

/// One rule, as loaded.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// `MS###`.
    pub id: String,
    /// Kebab-case name of the bad pattern.
    pub name: String,
    /// Default severity.
    pub severity: Severity,
    /// Category.
    pub category: Category,
    /// The message template: `{name}` placeholders are filled by the matcher.
    pub message: String,
    /// hadolint rules this one covers: `# hadolint ignore=DL…` suppresses it.
    #[serde(default)]
    pub hadolint: Vec<String>,
    /// BuildKit check names this one covers: `# check=skip=…` suppresses it.
    #[serde(default)]
    pub buildkit: Vec<String>,
    /// What to look for.
    #[serde(rename = "match")]
    pub matcher: Matcher,
    /// Documentation for people.
    pub docs: Docs,
    /// Dockerfiles with the lines the rule must flag; run as tests.
    #[serde(default)]
    pub examples: Vec<Example>,
}

/// A rule's documentation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Docs {
    /// What the rule flags, one sentence.
    pub what: String,
    /// Why it matters.
    pub why: String,
    /// A Dockerfile the rule flags.
    pub bad: String,
    /// The same Dockerfile fixed: the rule is silent.
    pub good: String,
    /// How to fix it.
    pub fix: String,
}

/// A test case of a rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// The Dockerfile.
    pub dockerfile: String,
    /// The 1-based lines the rule must flag, and no others.
    pub lines: Vec<usize>,
    /// `--target`, when the case is about a target.
    #[serde(default)]
    pub target: Option<String>,
    /// Name of the Dockerfile (default `Dockerfile`).
    #[serde(default)]
    pub file: Option<String>,
    /// Other files beside it, for rules that look at the directory.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// A `.msmigrate.yaml` to lint with, for rules that depend on settings.
    #[serde(default)]
    pub config: Option<String>,
}

impl Rule {
    /// The metadata reporters show.
    pub fn meta(&self) -> RuleMeta {
        RuleMeta {
            id: self.id.clone(),
            name: self.name.clone(),
            severity: self.severity,
            category: self.category,
            summary: self.docs.what.trim().to_string(),
            why: self.docs.why.trim().to_string(),
            fix: self.docs.fix.trim().to_string(),
            help_uri: format!("{DOCS_URL}#{}", self.id.to_ascii_lowercase()),
        }
    }

    /// Fills the message template from `vars`; an unknown placeholder is
    /// left as written (loading already rejected those).
    pub fn render_message(&self, vars: &BTreeMap<&'static str, String>) -> String {
        fill_template(&self.message, |key| vars.get(key).cloned())
    }
}

/// Replaces `{key}` with `lookup(key)`; `{{` and `}}` are literal braces.
pub fn fill_template(template: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if let Some(end) = tail.strip_prefix('{').and_then(|t| t.find('}')) {
            let key = &tail[1..1 + end];
            match lookup(key) {
                Some(v) => out.push_str(&v),
                None => out.push_str(&tail[..end + 2]),
            }
            rest = &tail[end + 2..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// The placeholders a template uses.
fn placeholders(template: &str) -> Vec<&str> {
    let mut keys = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            rest = after;
            continue;
        }
        match tail[1..].find('}') {
            Some(end) => {
                keys.push(&tail[1..1 + end]);
                rest = &tail[end + 2..];
            }
            None => break,
        }
    }
    keys
}

/// A rule file that could not be loaded.
pub type LoadError = Box<SourceDiagnostic>;

/// Parses one rule file. `name` is shown in errors.
pub fn parse_rule(name: &str, text: &str) -> Result<Rule, LoadError> {
    parse_rule_with(name, text, None)
}

/// Parses a rule from its JSON form when given (see `build.rs`), falling
/// back to the YAML `text` for anything the JSON does not give cleanly.
fn parse_rule_with(name: &str, text: &str, json: Option<&str>) -> Result<Rule, LoadError> {
    let from_json = json.and_then(|j| serde_json::from_str::<Rule>(j).ok());
    let rule: Rule = match from_json {
        Some(rule) => rule,
        None => serde_yaml::from_str(text).map_err(|e| yaml_error(name, text, &e))?,
    };
    let at = |key: &str| key_span(text, key);
    let fail = |span: Span, msg: String| -> LoadError {
        Box::new(SourceDiagnostic::new(name, text, span, msg, "here", None))
    };
    let valid_id = rule.id.len() == 5
        && rule.id.starts_with("MS")
        && rule.id[2..].bytes().all(|b| b.is_ascii_digit());
    if !valid_id {
        return Err(fail(
            at("id"),
            format!("rule id `{}` is not of the form MS###", rule.id),
        ));
    }
    let kebab = !rule.name.is_empty()
        && rule
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !rule.name.starts_with('-')
        && !rule.name.ends_with('-');
    if !kebab {
        return Err(fail(
            at("name"),
            format!("rule name `{}` is not kebab-case", rule.name),
        ));
    }
    let offered = rule.matcher.placeholders();
    for key in placeholders(&rule.message) {
        if !offered.contains(&key) {
            return Err(fail(
                at("message"),
                format!(
                    "the message uses `{{{key}}}`, which the `{}` matcher does not provide (it provides: {})",
                    rule.matcher.kind(),
                    offered.join(", ")
                ),
            ));
        }
    }
    if let Err(msg) = rule.matcher.validate() {
        return Err(fail(at("match"), msg));
    }
    Ok(rule)
}

/// The span of a top-level `key:` in a YAML text, or the first line.
fn key_span(text: &str, key: &str) -> Span {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with(key) && line[key.len()..].starts_with(':') {
            return Span::new(offset, offset + line.trim_end().len());
        }
        offset += line.len();
    }
    Span::new(0, text.find('\n').unwrap_or(text.len()))
}

/// A YAML error as a diagnostic pointing where serde_yaml stopped.
pub fn yaml_error(name: &str, text: &str, e: &serde_yaml::Error) -> LoadError {
    let start = e.location().map_or(0, |l| l.index()).min(text.len());
    let end = text[start..]
        .char_indices()
        .nth(1)
        .map_or(text.len(), |(i, _)| start + i);
    let message = e.to_string();
    // serde_yaml appends " at line X column Y"; the snippet already shows it.
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    Box::new(SourceDiagnostic::new(
        name,
        text,
        Span::new(start, end),
        message,
        "here",
        None,
    ))
}

/// The rules compiled into the binary, sorted by id.
pub fn builtin() -> Result<Vec<Rule>, LoadError> {
    let mut rules = Vec::new();
    for (name, text, json) in embedded::RULES {
        rules.push(parse_rule_with(&format!("rules/{name}"), text, Some(json))?);
    }
    check_unique(&mut rules)?;
    Ok(rules)
}

/// The embedded data files: file name, YAML text and its JSON form.
pub fn builtin_data() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    embedded::DATA.iter().copied()
}

/// Loads every `*.yaml` in `dir` (not recursively) and adds them to
/// `rules`; a rule with an id already present replaces it.
pub fn load_dir(dir: &Path, rules: &mut Vec<Rule>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, &e))?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml") && p.is_file())
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| io_error(&path, &e))?;
        let rule = parse_rule(&path.display().to_string(), &text)?;
        rules.retain(|r| r.id != rule.id);
        rules.push(rule);
    }
    check_unique(rules)
}

fn io_error(path: &Path, e: &std::io::Error) -> LoadError {
    Box::new(SourceDiagnostic::new(
        &path.display().to_string(),
        "",
        Span::default(),
        format!("cannot read rules from {}: {e}", path.display()),
        "",
        None,
    ))
}

fn check_unique(rules: &mut [Rule]) -> Result<(), LoadError> {
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    for pair in rules.windows(2) {
        if pair[0].name == pair[1].name {
            return Err(Box::new(SourceDiagnostic::new(
                &pair[1].id,
                "",
                Span::default(),
                format!(
                    "rules {} and {} have the same name `{}`",
                    pair[0].id, pair[1].id, pair[0].name
                ),
                "",
                None,
            )));
        }
    }
    Ok(())
}

/// The README's rule table: one row per rule, linking to its section.
pub fn markdown_table(rules: &[Rule]) -> String {
    let mut out = String::from(
        "| Rule | Name | Severity | Category | What it flags |\n|---|---|---|---|---|\n",
    );
    for r in rules {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} |\n",
            r.id,
            r.name,
            r.severity.as_str(),
            r.category.as_str(),
            r.docs.what.trim().replace('|', "\\|").replace('\n', " ")
        ));
    }
    out
}

/// One rule's documentation as markdown.
pub fn markdown_page(rule: &Rule) -> String {
    format!(
        "### {id}: `{name}`\n\n{severity}, {category}.{aliases}\n\n{what}\n\n**Why:** {why}\n\n**Bad:**\n\n```dockerfile\n{bad}```\n\n**Good:**\n\n```dockerfile\n{good}```\n\n**Fix:** {fix}\n",
        id = rule.id,
        name = rule.name,
        severity = rule.severity.as_str(),
        category = rule.category.as_str(),
        aliases = aliases(rule).map_or(String::new(), |a| format!(" Also suppressed by {a}.")),
        what = rule.docs.what.trim(),
        why = rule.docs.why.trim(),
        bad = rule.docs.bad,
        good = rule.docs.good,
        fix = rule.docs.fix.trim(),
    )
}

/// One rule's documentation for a terminal.
pub fn text_page(rule: &Rule) -> String {
    let indent = |t: &str| t.lines().map(|l| format!("    {l}\n")).collect::<String>();
    let mut out = format!(
        "{} {} ({}, {})\n\n{}\n\nWhy:\n{}\nBad:\n{}\nGood:\n{}\nFix:\n{}",
        rule.id,
        rule.name,
        rule.severity.as_str(),
        rule.category.as_str(),
        rule.docs.what.trim(),
        indent(rule.docs.why.trim()),
        indent(&rule.docs.bad),
        indent(&rule.docs.good),
        indent(rule.docs.fix.trim()),
    );
    if let Some(a) = aliases(rule) {
        out.push_str(&format!("\nAlso suppressed by {a}.\n"));
    }
    out
}

fn aliases(rule: &Rule) -> Option<String> {
    let mut parts: Vec<String> = rule
        .hadolint
        .iter()
        .map(|h| format!("`# hadolint ignore={h}`"))
        .collect();
    parts.extend(rule.buildkit.iter().map(|b| format!("`# check=skip={b}`")));
    (!parts.is_empty()).then(|| parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_and_escape() {
        let out = fill_template("a {x} {{y}} {z}", |k| (k == "x").then(|| "1".to_string()));
        assert_eq!(out, "a 1 {y} {z}");
        assert_eq!(placeholders("a {x} {{y}} {z}"), vec!["x", "z"]);
    }
}

#[cfg(test)]
mod embedded_tests {
    use super::*;

    /// The fast path is taken: every embedded rule and data file loads from
    /// its JSON form, so start-up never parses YAML.
    #[test]
    fn embedded_json_forms_load() {
        for (name, _, json) in embedded::RULES {
            if let Err(e) = serde_json::from_str::<Rule>(json) {
                panic!("{name}: {e}");
            }
        }
    }
}
