//! `msmigrate lint`: a stage-aware linter for bloat and stage-graph mistakes.
//!
//! Rules are data (`rules/*.yaml`) naming one of a small set of matchers
//! ([`matchers::Matcher`]); the matchers run over the front end's semantic
//! model, with RUN commands parsed as shell ([`shell`]). Suppression comments
//! and `.msmigrate.yaml` then decide what is reported, and every reporter
//! renders the same [`finding::Report`].

pub mod config;
mod context;
pub mod data;
pub mod finding;
pub mod fix;
pub mod matchers;
pub mod report;
pub mod rules;
pub mod shell;
mod suppress;

use std::collections::BTreeSet;
use std::path::Path;

use config::Config;
use context::Ctx;
use data::Data;
use finding::{Edit, Finding, Label, LineIndex, LintedFile, RuleMeta};
use matchers::{Hit, Matcher};
use rules::{LoadError, Rule};
use suppress::Dialect;

use crate::dockerfile::model::{BuildOptions, Model};
use crate::dockerfile::{self, Span};

/// The rules and data a lint run uses.
#[derive(Debug, Clone)]
pub struct Linter {
    rules: Vec<Rule>,
    data: Data,
    dirs: context::DirCache,
}

/// What to lint for.
#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// `--target`: the stage that ships; `None` means the last stage and
    /// every named stage no other stage uses.
    pub target: Option<String>,
    /// Settings from `.msmigrate.yaml` and the command line.
    pub config: Config,
}

impl Linter {
    /// The rules and data compiled into the binary.
    pub fn builtin() -> Result<Linter, LoadError> {
        Ok(Linter {
            rules: rules::builtin()?,
            data: Data::builtin()?,
            dirs: context::DirCache::default(),
        })
    }

    /// Adds (or replaces, by id) the rules in `dir`.
    pub fn add_rules_dir(&mut self, dir: &Path) -> Result<(), LoadError> {
        rules::load_dir(dir, &mut self.rules)
    }

    /// Every rule, sorted by id.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// A rule by id (any case) or name.
    pub fn rule(&self, id_or_name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| names_rule(r, id_or_name))
    }

    /// The rules `config` leaves enabled, as reporters describe them.
    pub fn enabled_rules(&self, config: &Config) -> Vec<RuleMeta> {
        self.rules
            .iter()
            .filter(|r| !ignored(config, r))
            .map(|r| {
                let mut meta = r.meta();
                meta.severity = severity_of(config, r);
                meta
            })
            .collect()
    }

    /// Lints one file. `dir` is the directory holding it on disk (for the
    /// rules that look at its neighbours).
    pub fn lint(
        &self,
        path: &str,
        dir: Option<&Path>,
        source: &str,
        options: &LintOptions,
    ) -> LintedFile {
        let mut findings = self.lint_findings(path, dir, source, options);
        findings.sort_by(|a, b| {
            (a.range.span.start, a.range.span.end, &a.rule).cmp(&(
                b.range.span.start,
                b.range.span.end,
                &b.rule,
            ))
        });
        findings.dedup();
        LintedFile {
            path: path.to_string(),
            source: source.to_string(),
            findings,
        }
    }

    fn lint_findings(
        &self,
        path: &str,
        dir: Option<&Path>,
        source: &str,
        options: &LintOptions,
    ) -> Vec<Finding> {
        let config = &options.config;
        let df = match dockerfile::parse(source) {
            Ok(df) => df,
            Err(e) => {
                let span = e.span();
                return self.build_error(config, source, span, e.message().to_string(), e.help());
            }
        };
        let model = Model::build(
            &df,
            &BuildOptions {
                target: options.target.clone(),
                ..BuildOptions::default()
            },
        );
        if let Some(e) = model.errors().first() {
            let span = e.span().unwrap_or_default();
            return self.build_error(
                config,
                &df.source,
                span,
                e.message().to_string(),
                e.help_text(),
            );
        }
        let env = context::Env {
            data: &self.data,
            trusted: &config.trusted_registries,
            dirs: &self.dirs,
        };
        let explicit_target = options.target.as_deref().is_some_and(|t| !t.is_empty());
        let ctx = Ctx::new(path, dir, &df, &model, env, explicit_target);
        let mut raised: Vec<(&Rule, Hit)> = Vec::new();
        for rule in self.rules.iter().filter(|r| !ignored(config, r)) {
            for hit in rule.matcher.run(&ctx) {
                raised.push((rule, hit));
            }
        }

        // Suppressions: drop what they cover, remember which codes worked.
        let pragmas = suppress::pragmas(&df);
        let mut used: BTreeSet<(usize, usize)> = BTreeSet::new();
        raised.retain(|(rule, hit)| {
            let mut keep = true;
            for (pi, pragma) in pragmas.iter().enumerate() {
                let in_scope = pragma.scope.is_none_or(|s| {
                    s.start <= hit.span.start && hit.span.start < s.end.max(s.start + 1)
                });
                if !in_scope {
                    continue;
                }
                for (ci, code) in pragma.codes.iter().enumerate() {
                    if pragma_names(pragma.dialect, &code.text, rule) {
                        used.insert((pi, ci));
                        keep = false;
                    }
                }
            }
            keep
        });
        let index = LineIndex::new(&df.source);
        let mut findings: Vec<Finding> = raised
            .into_iter()
            .map(|(rule, hit)| self.finding(config, &index, rule, hit))
            .collect();

        if let Some(rule) = self
            .rules
            .iter()
            .find(|r| matches!(r.matcher, Matcher::UnusedSuppression {}) && !ignored(config, r))
        {
            for (pi, pragma) in pragmas.iter().enumerate() {
                if pragma.dialect != Dialect::Msmigrate {
                    continue;
                }
                for (ci, code) in pragma.codes.iter().enumerate() {
                    if used.contains(&(pi, ci)) {
                        continue;
                    }
                    // An id of a rule the config turned off suppresses
                    // nothing now, but is not wrong.
                    if self
                        .rules
                        .iter()
                        .any(|r| names_rule(r, &code.text) && ignored(config, r))
                    {
                        continue;
                    }
                    let mut hit = Hit {
                        span: code.span,
                        ..Hit::default()
                    };
                    hit.vars.insert("rule", code.text.clone());
                    hit.vars.insert(
                        "pragma",
                        df.source[pragma.line.start..pragma.line.end]
                            .trim()
                            .to_string(),
                    );
                    hit.fix = Some(remove_code(&df.source, pragma, ci));
                    findings.push(self.finding(config, &index, rule, hit));
                }
            }
        }
        findings
    }

    /// A file that does not parse or would not build: one finding of the
    /// build-error rule (when enabled).
    fn build_error(
        &self,
        config: &Config,
        source: &str,
        span: Span,
        message: String,
        help: Option<&str>,
    ) -> Vec<Finding> {
        let Some(rule) = self
            .rules
            .iter()
            .find(|r| matches!(r.matcher, Matcher::BuildError {}) && !ignored(config, r))
        else {
            return Vec::new();
        };
        let mut hit = Hit {
            span,
            help: help.map(str::to_string),
            ..Hit::default()
        };
        hit.vars.insert("error", message);
        vec![self.finding(config, &LineIndex::new(source), rule, hit)]
    }

    fn finding(&self, config: &Config, index: &LineIndex, rule: &Rule, hit: Hit) -> Finding {
        let locate = |span: Span| index.range(span);
        Finding {
            rule: rule.id.clone(),
            name: rule.name.clone(),
            severity: severity_of(config, rule),
            category: rule.category,
            message: rule.render_message(&hit.vars),
            range: locate(hit.span),
            labels: hit
                .labels
                .into_iter()
                .map(|(span, message)| Label {
                    range: locate(span),
                    message,
                })
                .collect(),
            help: Some(hit.help.unwrap_or_else(|| rule.docs.fix.trim().to_string())),
            fix: hit.fix.map(|(description, edits)| finding::Fix {
                description,
                edits: edits
                    .into_iter()
                    .map(|(span, replacement)| Edit {
                        range: locate(span),
                        replacement,
                    })
                    .collect(),
            }),
        }
    }
}

/// True when `text` is the rule's id (any case) or name.
fn names_rule(rule: &Rule, text: &str) -> bool {
    rule.id.eq_ignore_ascii_case(text) || rule.name == text
}

/// True when a pragma code of `dialect` covers `rule`.
fn pragma_names(dialect: Dialect, code: &str, rule: &Rule) -> bool {
    match dialect {
        Dialect::Msmigrate => names_rule(rule, code),
        Dialect::Hadolint => rule.hadolint.iter().any(|h| h.eq_ignore_ascii_case(code)),
        Dialect::Buildkit => {
            !rule.buildkit.is_empty()
                && (code == "all" || rule.buildkit.iter().any(|b| b.eq_ignore_ascii_case(code)))
        }
    }
}

fn ignored(config: &Config, rule: &Rule) -> bool {
    config.ignored.iter().any(|i| names_rule(rule, i))
}

fn severity_of(config: &Config, rule: &Rule) -> finding::Severity {
    config
        .severity
        .iter()
        .find(|(k, _)| names_rule(rule, k))
        .map_or(rule.severity, |(_, s)| *s)
}

/// The edit that removes code `index` from a pragma: the whole comment line
/// when it is the only code, else the code and one comma.
fn remove_code(
    source: &str,
    pragma: &suppress::Pragma,
    index: usize,
) -> (String, Vec<(Span, String)>) {
    let code = &pragma.codes[index];
    if pragma.codes.len() == 1 {
        let end = if source[pragma.line.end..].starts_with("\r\n") {
            pragma.line.end + 2
        } else if source[pragma.line.end..].starts_with('\n') {
            pragma.line.end + 1
        } else {
            pragma.line.end
        };
        return (
            "remove the suppression comment".to_string(),
            vec![(Span::new(pragma.line.start, end), String::new())],
        );
    }
    let span = if index + 1 < pragma.codes.len() {
        Span::new(code.span.start, pragma.codes[index + 1].span.start)
    } else {
        Span::new(pragma.codes[index - 1].span.end, code.span.end)
    };
    (
        format!("remove `{}` from the suppression", code.text),
        vec![(span, String::new())],
    )
}
