//! Every reporter over hand-built reports: `testdata/lint/report/<case>/`
//! holds `case.yaml` (files, findings located by the text they cover) and
//! one expected output per format. `MSMIGRATE_BLESS=1` rewrites the
//! expected outputs, for reviewing as a diff. Structural checks follow: the
//! JSON formats parse, SARIF passes Microsoft's SARIF Multitool
//! (`MSMIGRATE_REQUIRE_SARIF=1`), rdjson passes reviewdog's format as a JSON
//! schema, and GitHub commands are escaped as `@actions/core` does.
//!
//! The reports are built here, not by the lint engine, so these tests pin
//! the reporters alone.

use std::path::{Path, PathBuf};
use std::process::Command;

use msmigrate::dockerfile::Span;
use msmigrate::lint::finding::{
    Category, Edit, Finding, Fix, Label, LintedFile, Range, Report, RuleMeta, Severity,
};
use msmigrate::lint::report::{Format, RenderOptions, render};
use serde::Deserialize;

const FORMATS: [(Format, &str); 9] = [
    (Format::Text, "text.txt"),
    (Format::Json, "json.json"),
    (Format::Sarif, "sarif.json"),
    (Format::Rdjson, "rdjson.json"),
    (Format::Rdjsonl, "rdjsonl.jsonl"),
    (Format::Github, "github.txt"),
    (Format::Checkstyle, "checkstyle.xml"),
    (Format::Codeclimate, "codeclimate.json"),
    (Format::Markdown, "markdown.md"),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    rules: Vec<CaseRule>,
    files: Vec<CaseFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseRule {
    id: String,
    name: String,
    severity: Severity,
    category: Category,
    summary: String,
    why: String,
    fix: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    path: String,
    source: String,
    #[serde(default)]
    findings: Vec<CaseFinding>,
}

#[derive(Deserialize)]
struct CaseFinding {
    rule: String,
    message: String,
    #[serde(flatten)]
    at: Locator,
    #[serde(default)]
    labels: Vec<CaseLabel>,
    help: Option<String>,
    fix: Option<CaseFix>,
}

/// Where a range is: the `nth` (1-based) occurrence of `at` (or the empty
/// range just before `before`), searched on `line` when given.
#[derive(Deserialize)]
struct Locator {
    at: Option<String>,
    before: Option<String>,
    line: Option<usize>,
    nth: Option<usize>,
}

#[derive(Deserialize)]
struct CaseLabel {
    message: String,
    #[serde(flatten)]
    at: Locator,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFix {
    description: String,
    edits: Vec<CaseEdit>,
}

#[derive(Deserialize)]
struct CaseEdit {
    replacement: String,
    #[serde(flatten)]
    at: Locator,
}

impl Locator {
    fn range(&self, source: &str) -> Range {
        let (needle, empty) = match (&self.at, &self.before) {
            (Some(at), None) => (at.as_str(), false),
            (None, Some(before)) => (before.as_str(), true),
            _ => panic!("a range needs exactly one of `at` and `before`"),
        };
        let (from, to) = match self.line {
            Some(line) => {
                let start: usize = source
                    .split_inclusive('\n')
                    .take(line - 1)
                    .map(str::len)
                    .sum();
                let len = source[start..]
                    .find('\n')
                    .map_or(source.len() - start, |i| i + 1);
                (start, start + len)
            }
            None => (0, source.len()),
        };
        let nth = self.nth.unwrap_or(1);
        let start = source[from..to]
            .match_indices(needle)
            .nth(nth - 1)
            .unwrap_or_else(|| panic!("{needle:?} (#{nth}) not found"))
            .0
            + from;
        let end = if empty { start } else { start + needle.len() };
        Range::locate(source, Span::new(start, end))
    }
}

fn load(case: &Path) -> Report {
    let text = std::fs::read_to_string(case.join("case.yaml")).unwrap();
    let case: Case = serde_yaml::from_str(&text).unwrap();
    let rules: Vec<RuleMeta> = case
        .rules
        .into_iter()
        .map(|r| RuleMeta {
            help_uri: format!(
                "https://github.com/msmigrate/msmigrate/blob/main/README.md#{}",
                r.id.to_ascii_lowercase()
            ),
            id: r.id,
            name: r.name,
            severity: r.severity,
            category: r.category,
            summary: r.summary,
            why: r.why,
            fix: r.fix,
        })
        .collect();
    let files = case
        .files
        .into_iter()
        .map(|file| {
            let source = file.source;
            let findings = file
                .findings
                .into_iter()
                .map(|f| {
                    let rule = rules
                        .iter()
                        .find(|r| r.id == f.rule)
                        .unwrap_or_else(|| panic!("unknown rule {}", f.rule));
                    Finding {
                        rule: rule.id.clone(),
                        name: rule.name.clone(),
                        severity: rule.severity,
                        category: rule.category,
                        message: f.message,
                        range: f.at.range(&source),
                        labels: f
                            .labels
                            .into_iter()
                            .map(|l| Label {
                                range: l.at.range(&source),
                                message: l.message,
                            })
                            .collect(),
                        help: f.help,
                        fix: f.fix.map(|fix| Fix {
                            description: fix.description,
                            edits: fix
                                .edits
                                .into_iter()
                                .map(|e| Edit {
                                    range: e.at.range(&source),
                                    replacement: e.replacement,
                                })
                                .collect(),
                        }),
                    }
                })
                .collect();
            LintedFile {
                path: file.path,
                source,
                findings,
            }
        })
        .collect();
    Report { files, rules }
}

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/lint/report");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.yaml").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 2, "expected the findings and clean cases");
    dirs
}

fn options() -> RenderOptions {
    RenderOptions::new("0.1.0")
}

fn rendered(format: Format, report: &Report) -> String {
    let mut out = Vec::new();
    render(format, report, &options(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn snapshots() {
    let bless = std::env::var_os("MSMIGRATE_BLESS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for case in cases() {
        let report = load(&case);
        for (format, name) in FORMATS {
            let got = rendered(format, &report);
            let path = case.join(name);
            if bless {
                std::fs::write(&path, &got).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&path).unwrap_or_default();
            if got != expected {
                failures.push(format!(
                    "== {}\n-- expected\n{expected}-- got\n{got}",
                    path.display()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} snapshot(s) differ (MSMIGRATE_BLESS=1 rewrites them):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn findings_case() -> Report {
    load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/lint/report/findings"))
}

#[test]
fn json_formats_parse() {
    for case in cases() {
        let report = load(&case);
        let total: usize = report.files.iter().map(|f| f.findings.len()).sum();
        for format in [Format::Json, Format::Codeclimate] {
            let value: serde_json::Value =
                serde_json::from_str(&rendered(format, &report)).unwrap();
            assert_eq!(value.as_array().unwrap().len(), total, "{format:?}");
        }
        let rdjson: serde_json::Value =
            serde_json::from_str(&rendered(Format::Rdjson, &report)).unwrap();
        assert_eq!(rdjson["diagnostics"].as_array().unwrap().len(), total);
        let lines = rendered(Format::Rdjsonl, &report);
        assert_eq!(lines.lines().count(), total);
        for line in lines.lines() {
            let diagnostic: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(diagnostic["source"]["name"], "msmigrate");
        }
    }
}

#[test]
fn json_round_trips_message_and_positions() {
    let report = findings_case();
    let value: serde_json::Value = serde_json::from_str(&rendered(Format::Json, &report)).unwrap();
    let secret = value
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "MS140")
        .unwrap();
    let finding = &report.files[0].findings[1];
    assert_eq!(secret["message"], finding.message.as_str());
    // Characters, not bytes: `ENV GREETING="héllo wörld ☕" ` is 29 of them.
    assert_eq!(secret["line"], 8);
    assert_eq!(secret["column"], 30);
    assert_eq!(secret["end_column"], 46);
}

#[test]
fn rdjson_counts_columns_in_bytes() {
    let report = findings_case();
    let value: serde_json::Value =
        serde_json::from_str(&rendered(Format::Rdjson, &report)).unwrap();
    let secret = &value["diagnostics"][1];
    assert_eq!(secret["code"]["value"], "MS140");
    // é, ö are 2 bytes and ☕ is 3: 29 characters, 33 bytes.
    assert_eq!(secret["location"]["range"]["start"]["column"], 34);
}

#[test]
fn github_commands_are_escaped() {
    let report = findings_case();
    let out = rendered(Format::Github, &report);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        6,
        "one command per finding, no raw line breaks"
    );
    let secret = lines.iter().find(|l| l.contains("MS140")).unwrap();
    assert!(secret.starts_with(
        "::error file=Dockerfile,line=8,col=30,endLine=8,endColumn=46,title=MS140 secret-in-env::"
    ));
    let message = secret
        .split_once("::")
        .unwrap()
        .1
        .split_once("::")
        .unwrap()
        .1;
    assert_eq!(
        message,
        "API_TOKEN looks like a secret: 100%25 visible in \"docker history\", <&> 'layers' | a, b\
         %0Asecond line%0A%0Ahelp: Pass it with RUN --mount=type=secret,id=api_token instead."
    );
    let pip = lines.iter().find(|l| l.contains("MS111")).unwrap();
    assert!(
        pip.starts_with("::notice file=services/wéb app%2Cv2/Dockerfile,line=2,col=1,endLine=3,"),
        "{pip}"
    );
    assert!(rendered(Format::Github, &load_clean()).is_empty());
}

fn load_clean() -> Report {
    load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/lint/report/clean"))
}

#[test]
fn checkstyle_escapes_attributes() {
    let out = rendered(Format::Checkstyle, &findings_case());
    assert!(out.contains(
        r#"message="API_TOKEN looks like a secret: 100% visible in &quot;docker history&quot;, &lt;&amp;&gt; &apos;layers&apos; | a, b&#10;second line""#
    ));
    assert!(out.contains(r#"<file name="clean/Dockerfile"/>"#));
    // Well-formed XML, when Python is here to say so.
    if let Some(python) = python3() {
        let dir = tempdir("checkstyle");
        let path = dir.join("out.xml");
        std::fs::write(&path, &out).unwrap();
        let status = Command::new(python)
            .args([
                "-c",
                "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])",
            ])
            .arg(&path)
            .status()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(status.success(), "checkstyle output is not well-formed XML");
    }
}

#[test]
fn codeclimate_fingerprints_are_unique_and_stable() {
    let report = findings_case();
    let value: serde_json::Value =
        serde_json::from_str(&rendered(Format::Codeclimate, &report)).unwrap();
    let mut prints: Vec<&str> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    let n = prints.len();
    prints.sort();
    prints.dedup();
    assert_eq!(prints.len(), n, "fingerprints must be unique");

    // Lines added above a finding do not change its fingerprint.
    let mut moved = report.clone();
    let file = &mut moved.files[0];
    let shift = "# a new comment\n";
    file.source.insert_str(0, shift);
    for f in &mut file.findings {
        f.range = Range::locate(
            &file.source,
            Span::new(
                f.range.span.start + shift.len(),
                f.range.span.end + shift.len(),
            ),
        );
    }
    let moved: serde_json::Value =
        serde_json::from_str(&rendered(Format::Codeclimate, &moved)).unwrap();
    assert_eq!(moved[0]["fingerprint"], value[0]["fingerprint"]);
    assert_eq!(moved[0]["location"]["lines"]["begin"], 7);
}

#[test]
fn sarif_is_consistent() {
    let report = findings_case();
    let sarif: serde_json::Value = serde_json::from_str(&rendered(Format::Sarif, &report)).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert!(location["region"]["startColumn"].as_u64().unwrap() >= 1);
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.is_ascii() && !uri.contains(' '), "{uri}");
    }
    let uris: Vec<&str> = run["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["location"]["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        uris,
        [
            "Dockerfile",
            "services/w%C3%A9b%20app,v2/Dockerfile",
            "clean/Dockerfile"
        ]
    );
}

#[test]
fn text_colors_only_when_asked() {
    let report = findings_case();
    assert!(!rendered(Format::Text, &report).contains('\x1b'));
    let mut colored = Vec::new();
    let options = RenderOptions {
        color: true,
        ..options()
    };
    render(Format::Text, &report, &options, &mut colored).unwrap();
    assert!(String::from_utf8(colored).unwrap().contains('\x1b'));
}

/// Runs `scripts/<script>` on every case's rendering in `format`; required
/// when `require_var` is 1, skipped loudly otherwise.
fn validate_with(script: &str, formats: &[(Format, &str)], require_var: &str, available: bool) {
    let required = std::env::var_os(require_var).is_some_and(|v| v == "1");
    if !required && !available {
        eprintln!("*** SKIPPED: {script} (set {require_var}=1 to require it) ***");
        return;
    }
    let dir = tempdir(script);
    let mut paths = Vec::new();
    for case in cases() {
        for (format, ext) in formats {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            let path = dir.join(format!("{name}.{ext}"));
            std::fs::write(&path, rendered(*format, &load(&case))).unwrap();
            paths.push(path);
        }
    }
    let output = Command::new(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scripts")
            .join(script),
    )
    .args(&paths)
    .output()
    .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "{script} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn sarif_passes_the_multitool() {
    validate_with(
        "validate-sarif",
        &[(Format::Sarif, "sarif")],
        "MSMIGRATE_REQUIRE_SARIF",
        false,
    );
}

#[test]
fn rdjson_matches_reviewdogs_format() {
    let available = python3().is_some_and(|p| {
        Command::new(p)
            .args(["-c", "import jsonschema"])
            .status()
            .is_ok_and(|s| s.success())
    });
    validate_with(
        "validate-rdjson",
        &[(Format::Rdjson, "rdjson"), (Format::Rdjsonl, "rdjsonl")],
        "MSMIGRATE_REQUIRE_RDJSON",
        available,
    );
}

fn python3() -> Option<&'static str> {
    Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
        .then_some("python3")
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "msmigrate-lint-report-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
