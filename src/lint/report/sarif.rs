//! `--format sarif`: SARIF 2.1.0 with everything GitHub code scanning reads:
//! the rules with their docs, regions with lines and columns (code points,
//! `columnKind: unicodeCodePoints`), labels as related locations, fixes as
//! SARIF fixes, and `partialFingerprints`.
//!
//! `primaryLocationLineHash` is `<hash>:<n>`, GitHub's own shape: the first
//! 16 hex digits of the SHA-256 of the rule id and the finding's first line
//! with whitespace normalized, and n, counting from 1, telling apart the
//! findings of one rule on identical lines of a file. It does not change
//! when lines are added above a finding, so alerts do not churn.
//!
//! Relative paths are URI references against `%SRCROOT%`, the directory
//! msmigrate ran in; absolute paths become `file:` URIs.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use super::{RenderOptions, TOOL_URI, fingerprint_keys, hash_hex, snippet};
use crate::lint::finding::{LineIndex, Report, RuleMeta, Severity};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation; 1],
    original_uri_base_ids: BTreeMap<&'static str, BaseLocation>,
    artifacts: Vec<Artifact>,
    results: Vec<SarifResult<'a>>,
    column_kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    semantic_version: &'a str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    category: &'static str,
    tags: Vec<&'static str>,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
}

#[derive(Serialize)]
struct BaseLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<String>,
    description: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    location: ArtifactLocation,
    roles: [&'static str; 1],
    source_language: &'static str,
    length: usize,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location<'a>>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<Fix<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation,
    region: Region<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context_region: Option<ContextRegion<'a>>,
}

/// The whole lines around a result's region, for viewers without the
/// checkout.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContextRegion<'a> {
    start_line: usize,
    end_line: usize,
    snippet: Snippet<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region<'a> {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Snippet<'a>>,
}

#[derive(Serialize)]
struct Snippet<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fix<'a> {
    description: Text,
    artifact_changes: [ArtifactChange<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region<'a>,
    inserted_content: InsertedContent<'a>,
}

#[derive(Serialize)]
struct InsertedContent<'a> {
    text: &'a str,
}

pub(super) fn render(
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let rules = rules(report);
    let rule_index = |id: &str| rules.iter().position(|r| r.id == id).unwrap_or(0);

    let mut artifacts = Vec::new();
    let mut results = Vec::new();
    for (index, file) in report.files.iter().enumerate() {
        let mut location = artifact_location(&file.path);
        artifacts.push(Artifact {
            location: location.clone(),
            roles: ["analysisTarget"],
            source_language: "dockerfile",
            length: file.source.len(),
        });
        location.index = Some(index);
        let region = |range: &crate::lint::finding::Range, with_snippet: bool| Region {
            start_line: range.start.line,
            start_column: range.start.column,
            end_line: range.end.line,
            end_column: range.end.column,
            snippet: with_snippet
                .then(|| snippet(&file.source, range))
                .flatten()
                .map(|text| Snippet { text }),
        };
        let keys = fingerprint_keys(file);
        let lines = LineIndex::new(&file.source);
        for (f, (text, occurrence)) in file.findings.iter().zip(keys) {
            let physical = |range, primary: bool| PhysicalLocation {
                artifact_location: location.clone(),
                region: region(range, true),
                context_region: primary
                    .then(|| context_region(&file.source, &lines, range))
                    .flatten(),
            };
            results.push(SarifResult {
                rule_id: &f.rule,
                rule_index: rule_index(&f.rule),
                level: level(f.severity),
                message: Text {
                    text: sentence(&f.message),
                },
                locations: [Location {
                    id: None,
                    physical_location: physical(&f.range, true),
                    message: None,
                }],
                related_locations: f
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(i, label)| Location {
                        id: Some(i + 1),
                        physical_location: physical(&label.range, false),
                        message: Some(Text {
                            text: sentence(&label.message),
                        }),
                    })
                    .collect(),
                partial_fingerprints: BTreeMap::from([(
                    "primaryLocationLineHash",
                    format!("{}:{}", hash_hex(&[&f.rule, &text], 16), occurrence + 1),
                )]),
                fixes: f
                    .fix
                    .iter()
                    .map(|fix| Fix {
                        description: Text {
                            text: sentence(&fix.description),
                        },
                        artifact_changes: [ArtifactChange {
                            artifact_location: location.clone(),
                            replacements: fix
                                .edits
                                .iter()
                                .map(|e| Replacement {
                                    deleted_region: region(&e.range, false),
                                    inserted_content: InsertedContent {
                                        text: &e.replacement,
                                    },
                                })
                                .collect(),
                        }],
                    })
                    .collect(),
            });
        }
    }

    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "msmigrate",
                    version: options.tool_version,
                    semantic_version: options.tool_version,
                    information_uri: TOOL_URI,
                    rules,
                },
            },
            invocations: [Invocation {
                execution_successful: true,
            }],
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                BaseLocation {
                    uri: options.src_root.as_deref().map(directory_uri),
                    description: Text {
                        text: "The directory msmigrate ran in.".to_string(),
                    },
                },
            )]),
            artifacts,
            results,
            column_kind: "unicodeCodePoints",
        }],
    };
    super::write_json(out, &log)
}

/// The whole lines a region touches, when that is more than the region
/// (SARIF wants a proper superset, or nothing).
fn context_region<'a>(
    source: &'a str,
    lines: &LineIndex,
    range: &crate::lint::finding::Range,
) -> Option<ContextRegion<'a>> {
    let (start_line, end_line) = (range.start.line, range.end.line.max(range.start.line));
    let start = lines.line_start(start_line)?;
    let end = lines.line_start(end_line + 1).unwrap_or(source.len());
    if start > range.span.start || end < range.span.end || end - start <= range.span.len() {
        return None;
    }
    Some(ContextRegion {
        start_line,
        end_line,
        snippet: Snippet {
            text: &source[start..end],
        },
    })
}

/// The rules that ran, plus any rule a finding names that is not among
/// them (so every result has a `ruleIndex`).
fn rules(report: &Report) -> Vec<Rule> {
    let mut rules: Vec<Rule> = report.rules.iter().map(rule).collect();
    for (_, f) in super::findings(report) {
        if !rules.iter().any(|r| r.id == f.rule) {
            rules.push(rule(&RuleMeta {
                id: f.rule.clone(),
                name: f.name.clone(),
                severity: f.severity,
                category: f.category,
                summary: f.name.replace('-', " "),
                why: String::new(),
                fix: String::new(),
                help_uri: String::new(),
            }));
        }
    }
    rules
}

fn rule(meta: &RuleMeta) -> Rule {
    let summary = sentence(&meta.summary);
    let why = sentence(&meta.why);
    let fix = sentence(&meta.fix);
    let full = [summary.as_str(), why.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let mut text = full.clone();
    let mut markdown = summary.clone();
    if !why.is_empty() {
        markdown.push_str(&format!("\n\n**Why:** {why}"));
    }
    if !fix.is_empty() {
        text.push_str(&format!("\n\nFix: {fix}"));
        markdown.push_str(&format!("\n\n**Fix:** {fix}"));
    }
    if !meta.help_uri.is_empty() {
        markdown.push_str(&format!(
            "\n\n[{} {}]({})",
            meta.id, meta.name, meta.help_uri
        ));
    }
    Rule {
        id: meta.id.clone(),
        name: meta.name.clone(),
        short_description: Text { text: summary },
        full_description: Text { text: full },
        help: Help { text, markdown },
        help_uri: (!meta.help_uri.is_empty()).then(|| meta.help_uri.clone()),
        default_configuration: Configuration {
            level: level(meta.severity),
        },
        properties: RuleProperties {
            category: meta.category.as_str(),
            tags: vec![meta.category.as_str(), "dockerfile"],
            problem_severity: match meta.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info | Severity::Style => "recommendation",
            },
        },
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "note",
    }
}

/// SARIF asks for messages that are sentences: ending with a period.
fn sentence(s: &str) -> String {
    let s = s.trim_end();
    if s.is_empty() || s.ends_with(['.', '!', '?']) {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// The artifact location of a reported path: a relative URI reference
/// against `%SRCROOT%`, or a `file:` URI for an absolute path.
fn artifact_location(path: &str) -> ArtifactLocation {
    let path = path.replace('\\', "/");
    let bytes = path.as_bytes();
    let windows_drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if path.starts_with('/') || windows_drive {
        let rooted = if windows_drive {
            format!("/{path}")
        } else {
            path
        };
        return ArtifactLocation {
            uri: format!("file://{}", encode_path(&rooted, true)),
            uri_base_id: None,
            index: None,
        };
    }
    let mut relative = path.as_str();
    while let Some(rest) = relative.strip_prefix("./") {
        relative = rest;
    }
    ArtifactLocation {
        uri: encode_path(relative, false),
        uri_base_id: Some(SRCROOT),
        index: None,
    }
}

/// A `file:` URI for a directory, ending with `/` as SARIF requires.
fn directory_uri(dir: &str) -> String {
    let mut uri = artifact_location(dir).uri;
    if !uri.starts_with("file:") {
        // Not absolute: the best a consumer can do is resolve it itself.
        uri = format!("file:///{uri}");
    }
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Percent-encodes what a URI path cannot hold. `:` is encoded in relative
/// references, where it would read as a scheme in the first segment.
fn encode_path(path: &str, keep_colon: bool) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            )
            || (keep_colon && b == b':');
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
