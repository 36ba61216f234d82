//! The ignore files of a conversion: what each legacy build's
//! `.dockerignore` hid from it, and, when contexts are merged, the
//! `<dockerfile>.dockerignore` that gives each stage the view its own
//! context gave it.

use super::*;

/// An ignore file the output needs next to it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IgnoreFile {
    /// `<dockerfile>.dockerignore`, relative to the setup directory.
    pub path: String,
    /// The ignore file BuildKit reads it instead of.
    pub replaces: String,
    /// Its text.
    pub content: String,
}

/// An ignore file of the setup, read.
#[derive(Debug, Clone)]
pub(super) struct IgnoreSource {
    /// Relative to the setup directory.
    pub(super) path: String,
    pub(super) rules: Rules,
}

/// What a runtime source saw of an artifact through `.dockerignore`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fate {
    Visible,
    Hidden,
    Partly,
}

/// What one stage of the output read from its own build context.
pub(super) struct View {
    /// The context directory, relative to the setup directory.
    pub(super) context: String,
    /// Its ignore file (`None`: everything visible, as for a bind mount).
    pub(super) ignore: Option<IgnoreSource>,
    /// The sources it read, relative to the context (globs allowed).
    pub(super) reads: Vec<String>,
    /// A bind mount of a `docker run`, now copied in.
    pub(super) mount: bool,
    /// The Dockerfile (path, text) the stage comes from.
    pub(super) stage: Option<(String, String)>,
    /// For a bind mount: where the script mounts it.
    pub(super) at: Option<Location>,
}

/// At most this many checkout entries are compared when checking ignore files.
const WALK_LIMIT: usize = 50_000;

impl Converter<'_> {
    /// The ignore file a build of `dockerfile` with `context` reads: the
    /// Dockerfile's own `<name>.dockerignore` (BuildKit, Docker's default
    /// builder) when there is one, else the context's `.dockerignore`.
    pub(super) fn ignore_of(&self, dockerfile: &str, context: &str) -> Option<IgnoreSource> {
        let own = format!("{dockerfile}.dockerignore");
        let shared = join(context, ".dockerignore");
        [own, shared].into_iter().find_map(|path| {
            Rules::read(&self.dir.join(&path)).map(|rules| IgnoreSource { path, rules })
        })
    }

    /// Checks a runtime source holding an artifact against the legacy
    /// build's ignore file: what it hid, the legacy runtime never saw.
    pub(super) fn ignore_fate(
        &mut self,
        rt: &Source,
        span: Span,
        ignore: &Option<IgnoreSource>,
        context: &str,
        path: &str,
        origin: &str,
    ) -> Fate {
        let Some(ig) = ignore else {
            return Fate::Visible;
        };
        let Some(rel) = relative_to(path, context) else {
            return Fate::Visible;
        };
        if ig.rules.excluded(&rel) {
            if let Some(p) = ig.rules.may_differ_below(&rel) {
                let message = format!(
                    "`{}` (line {}, `{}`) hides `{rel}` but re-includes some of it; which files of the artifact `{origin}` the legacy build saw is not known here",
                    ig.path, p.line, p.text
                );
                self.file_diag(Severity::Error, "ignored-artifact-part", message, rt, span);
                return Fate::Partly;
            }
            let line = ig.rules.deciding(&rel).map_or(0, |p| p.line);
            let message = format!(
                "`{}` (line {line}) hides `{rel}` from this build, so the legacy build never saw the artifact `{origin}` there",
                ig.path
            );
            self.file_diag(Severity::Info, "ignored-artifact", message, rt, span);
            return Fate::Hidden;
        }
        if let Some(p) = ig.rules.may_differ_below(&rel) {
            let message = format!(
                "`{}` (line {}, `{}`) may hide part of the artifact `{origin}` at `{rel}`, whose content is not known here; COPY --from copies all of it",
                ig.path, p.line, p.text
            );
            self.file_diag(Severity::Error, "ignored-artifact-part", message, rt, span);
            return Fate::Partly;
        }
        Fate::Visible
    }

    /// The ignore file the merged build needs, if the shared context's own
    /// would show a stage other files than its own context did.
    pub(super) fn merged_ignore(
        &mut self,
        views: &[View],
        context: &str,
        dockerfile: &str,
    ) -> Option<IgnoreFile> {
        let current = self.ignore_of(dockerfile, context);
        let current_rules = current
            .as_ref()
            .map(|c| c.rules.clone())
            .unwrap_or_default();
        let mut budget = WALK_LIMIT;
        if views.iter().all(|v| {
            self.view_mismatch(v, context, &current_rules, &mut budget)
                .is_none()
        }) {
            return None;
        }
        // Outer contexts first; an inner one starts from everything visible
        // (`!dir`) and adds its own patterns under its directory. Stages
        // reading with `COPY` come before bind mounts at the same depth.
        let mut order: Vec<&View> = Vec::new();
        for v in views {
            let same = |o: &&View| {
                o.context == v.context
                    && o.ignore.as_ref().map(|i| &i.path) == v.ignore.as_ref().map(|i| &i.path)
            };
            if !order.iter().any(same) {
                order.push(v);
            }
        }
        order.sort_by_key(|v| {
            (
                v.context.split('/').filter(|s| !s.is_empty()).count(),
                v.mount,
            )
        });
        let mut lines: Vec<String> = Vec::new();
        for v in &order {
            let Some(prefix) = relative_to(&v.context, context) else {
                continue;
            };
            if !prefix.is_empty() && Rules::parse(&lines.join("\n")).touches(&prefix) {
                lines.push(format!("!{prefix}"));
            } else if prefix.is_empty() && v.mount && v.ignore.is_none() && !lines.is_empty() {
                // A bind mount of the whole context showed the container
                // everything: re-include it all (a reader that needs a path
                // hidden shows up as a mismatch below).
                lines.push("!*".to_string());
            }
            if let Some(ig) = &v.ignore {
                lines.extend(if prefix.is_empty() {
                    ig.rules.lines()
                } else {
                    ig.rules.under(&prefix)
                });
            }
        }
        let merged = Rules::parse(&lines.join("\n"));
        let mut budget = WALK_LIMIT;
        for v in views {
            let Some(path) = self.view_mismatch(v, context, &merged, &mut budget) else {
                continue;
            };
            let shown = match &v.ignore {
                Some(ig) if ig.rules.excluded(&path) => format!("hid it (`{}`)", ig.path),
                Some(ig) => format!("showed it (`{}`)", ig.path),
                None => "showed it".to_string(),
            };
            let ctx = if v.context.is_empty() {
                "."
            } else {
                &v.context
            };
            if v.mount {
                let message = format!(
                    "the bind mount `{ctx}` showed the container `{path}`, but the merged build context's ignore rules hide it from the stage's COPY"
                );
                if let Some(at) = v.at {
                    self.script_diag(
                        Severity::Error,
                        "mount-sees-ignored-files",
                        message,
                        at,
                        None,
                    );
                }
            } else if let Some((file, text)) = &v.stage {
                self.diagnostics.push(Diagnostic {
                    severity: Severity::Error,
                    code: "dockerignore-conflict",
                    message: format!(
                        "one ignore file cannot give every stage its own view of `{}`: this stage's context `{ctx}` {shown}, another stage's does not",
                        join(&v.context, &path)
                    ),
                    file: file.clone(),
                    span: Some(Span::new(0, text.lines().next().map_or(0, str::len))),
                    line: Some(1),
                    column: Some(1),
                    help: Some("give the stages' contexts the same .dockerignore patterns".to_string()),
                });
            }
        }
        if merged.lines() == current_rules.lines() {
            return None;
        }
        let path = format!("{dockerfile}.dockerignore");
        let replaces = current
            .map(|c| c.path)
            .unwrap_or_else(|| join(context, ".dockerignore"));
        let mut content = format!(
            "# Written by msmigrate for {dockerfile}: BuildKit reads this file instead of\n# {replaces}, so each stage sees the files its own build context showed it.\n"
        );
        for l in &lines {
            content.push_str(l);
            content.push('\n');
        }
        Some(IgnoreFile {
            path,
            replaces,
            content,
        })
    }

    /// The first path (relative to the view's context) that a stage read
    /// and whose fate under `rules` (of the shared `context`) differs from
    /// the one its own context gave it. Walks the checkout, at most
    /// `budget` entries in all.
    fn view_mismatch(
        &self,
        v: &View,
        context: &str,
        rules: &Rules,
        budget: &mut usize,
    ) -> Option<String> {
        let prefix = relative_to(&v.context, context)?;
        let fate = |p: &str| v.ignore.as_ref().is_some_and(|i| i.rules.excluded(p));
        for read in &v.reads {
            let literal: Vec<&str> = read
                .split('/')
                .take_while(|s| !s.contains(['*', '?', '[']))
                .collect();
            let Some(root) = hostfs::normalize(&literal.join("/")) else {
                continue;
            };
            let base = self.dir.join(&v.context);
            for entry in walkdir::WalkDir::new(base.join(&root))
                .follow_links(false)
                .into_iter()
                .filter_map(Result::ok)
            {
                if *budget == 0 {
                    return None;
                }
                *budget -= 1;
                let Ok(rel) = entry.path().strip_prefix(&base) else {
                    continue;
                };
                let rel = rel.to_string_lossy().replace('\\', "/");
                if rel.is_empty() {
                    continue;
                }
                if fate(&rel) != rules.excluded(&join(&prefix, &rel)) {
                    return Some(rel);
                }
            }
        }
        None
    }
}
