//! Every rule's own examples run as tests: each `examples:` case must be
//! flagged on exactly the listed lines, the docs' bad example must be flagged
//! and the good one must not. The README's rule table must match the rules.

use std::collections::BTreeMap;
use std::path::Path;

use msmigrate::lint::config::Config;
use msmigrate::lint::matchers::Matcher;
use msmigrate::lint::rules::{self, Rule};
use msmigrate::lint::{LintOptions, Linter};

fn linter() -> Linter {
    Linter::builtin().expect("the embedded rules load")
}

/// Lints `text` as `file` in a fresh directory holding `files`, and returns
/// the lines `rule` flags.
fn flagged_lines(
    linter: &Linter,
    rule: &Rule,
    file: &str,
    text: &str,
    files: &BTreeMap<String, String>,
    target: Option<&str>,
    config: Option<&str>,
) -> Vec<usize> {
    let dir = tempdir(&rule.id);
    for (name, content) in files {
        std::fs::write(dir.join(name), content).unwrap();
    }
    std::fs::write(dir.join(file), text).unwrap();
    let config = config
        .map(|c| Config::parse("example config", c).expect("example config parses"))
        .unwrap_or_default();
    let options = LintOptions {
        target: target.map(str::to_string),
        config,
    };
    let path = dir.join(file).display().to_string();
    let linted = linter.lint(&path, Some(&dir), text, &options);
    std::fs::remove_dir_all(&dir).ok();
    let mut lines: Vec<usize> = linted
        .findings
        .iter()
        .filter(|f| f.rule == rule.id)
        .map(|f| f.range.start.line)
        .collect();
    lines.sort();
    lines
}

fn tempdir(tag: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "msmigrate-rule-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_rule_example_flags_exactly_its_lines() {
    let linter = linter();
    let mut failures = Vec::new();
    let mut cases = 0;
    for rule in linter.rules() {
        for (n, ex) in rule.examples.iter().enumerate() {
            cases += 1;
            let file = ex.file.as_deref().unwrap_or("Dockerfile");
            let got = flagged_lines(
                &linter,
                rule,
                file,
                &ex.dockerfile,
                &ex.files,
                ex.target.as_deref(),
                ex.config.as_deref(),
            );
            let mut want = ex.lines.clone();
            want.sort();
            if got != want {
                failures.push(format!(
                    "{} example {}: flagged lines {got:?}, expected {want:?}",
                    rule.id,
                    n + 1
                ));
            }
        }
    }
    assert!(cases >= 40, "only {cases} examples");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_docs_bad_is_flagged_and_good_is_clean() {
    let linter = linter();
    let mut failures = Vec::new();
    for rule in linter.rules() {
        // Rules measured on built images are tested by tests/verify.rs.
        if matches!(rule.matcher, Matcher::ImageEvidence {}) {
            continue;
        }
        // Rules that look at the directory or settings borrow them from the
        // first example that has them.
        let with_env = rule
            .examples
            .iter()
            .find(|e| !e.files.is_empty() || e.config.is_some());
        let files = with_env.map(|e| e.files.clone()).unwrap_or_default();
        let config = with_env.and_then(|e| e.config.as_deref());
        let file = with_env
            .and_then(|e| e.file.as_deref())
            .unwrap_or("Dockerfile");
        let bad = flagged_lines(&linter, rule, file, &rule.docs.bad, &files, None, config);
        if bad.is_empty() {
            failures.push(format!("{}: the docs' bad example is not flagged", rule.id));
        }
        let good_files = BTreeMap::new();
        let good = flagged_lines(
            &linter,
            rule,
            "Dockerfile",
            &rule.docs.good,
            &good_files,
            None,
            config,
        );
        if !good.is_empty() {
            failures.push(format!(
                "{}: the docs' good example is flagged on lines {good:?}",
                rule.id
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn there_are_at_least_twenty_rules_with_unique_ids_and_names() {
    let linter = linter();
    assert!(linter.rules().len() >= 20);
    let ids: std::collections::BTreeSet<_> = linter.rules().iter().map(|r| &r.id).collect();
    assert_eq!(ids.len(), linter.rules().len());
    for rule in linter.rules() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("rules")
            .join(format!("{}-{}.yaml", rule.id, rule.name));
        assert!(
            file.is_file(),
            "{} must live in {}",
            rule.id,
            file.display()
        );
    }
}

#[test]
fn readme_rule_table_is_current() {
    let readme_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let begin = "<!-- rules:begin (generated from rules/*.yaml; MSMIGRATE_BLESS=1 cargo test --test lint_rules regenerates) -->\n";
    let end = "<!-- rules:end -->";
    let table = rules::markdown_table(linter().rules());
    let (Some(b), Some(e)) = (readme.find(begin), readme.find(end)) else {
        panic!("README.md lacks the rule table markers");
    };
    let current = &readme[b + begin.len()..e];
    if current != table {
        if std::env::var_os("MSMIGRATE_BLESS").is_some() {
            let updated = format!("{}{}{}", &readme[..b + begin.len()], table, &readme[e..]);
            std::fs::write(&readme_path, updated).unwrap();
        } else {
            panic!(
                "README.md's rule table is stale; run MSMIGRATE_BLESS=1 cargo test --test lint_rules"
            );
        }
    }
}

#[test]
fn a_bad_rule_file_is_an_error_with_a_span() {
    let text = "id: MS999\nname: Bad_Name\nseverity: warning\ncategory: bloat\nmessage: x\nmatch: {kind: base-tag}\ndocs: {what: a, why: b, bad: c, good: d, fix: e}\n";
    let err = rules::parse_rule("bad.yaml", text).unwrap_err();
    assert!(err.to_string().contains("not kebab-case"), "{err}");
    let text = "id: MS999\nname: x\nseverity: warning\ncategory: bloat\nmessage: '{nope}'\nmatch: {kind: base-tag}\ndocs: {what: a, why: b, bad: c, good: d, fix: e}\n";
    let err = rules::parse_rule("bad.yaml", text).unwrap_err();
    assert!(err.to_string().contains("`{nope}`"), "{err}");
    let text = "id: MS999\nname: x\nseverity: warning\ncategory: bloat\nmessage: m\nmatch: {kind: base-tag, extra: 1}\ndocs: {what: a, why: b, bad: c, good: d, fix: e}\n";
    let err = rules::parse_rule("bad.yaml", text).unwrap_err();
    assert!(err.to_string().contains("unknown field"), "{err}");
}

/// verify's measured-bloat findings are documented as rules: the codes and
/// names it emits are rule files.
#[test]
fn verify_bloat_codes_are_documented_rules() {
    let linter = linter();
    for r in msmigrate::verify::bloat::RULES {
        let rule = linter
            .rule(r.code)
            .unwrap_or_else(|| panic!("{} has no rule file", r.code));
        assert_eq!(rule.name, r.name, "{}", r.code);
        assert!(
            matches!(rule.matcher, Matcher::ImageEvidence {}),
            "{}",
            r.code
        );
    }
}
