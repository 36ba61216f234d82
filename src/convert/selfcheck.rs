//! The check an output passes before it is called converted.
//!
//! The converter's word must be trustworthy, so the emitted Dockerfile is
//! read back as BuildKit would read it, against the checkout it will be
//! built from:
//!
//! - it parses, and its `--target` and build args resolve;
//! - every `--from` names a stage of the file or an image;
//! - every path it reads from the context exists in the checkout and is
//!   not hidden by the ignore file that applies.
//!
//! A failure is an error diagnostic in the emitted file, so the status
//! drops to partial with the reason.

use std::collections::BTreeMap;
use std::path::Path;

use crate::dockerfile::model::{BuildOptions, EdgeKind, Model, Source};
use crate::dockerfile::{self, Keyword, glob};

use super::ignore::Rules;
use super::{Conversion, Diagnostic, Severity, line_col};

/// Checks `conversion`'s output against the checkout in `dir`; returns the
/// problems found.
pub fn check(dir: &Path, conversion: &Conversion) -> Vec<Diagnostic> {
    let (Some(output), Some(path)) = (&conversion.output, &conversion.dockerfile) else {
        return Vec::new();
    };
    let context = conversion.context.as_deref().unwrap_or(".");
    let mut out = Vec::new();
    let mut diag = |message: String, at: usize| {
        let (line, column) = line_col(output, at);
        out.push(Diagnostic {
            severity: Severity::Error,
            code: "self-check",
            message,
            file: path.clone(),
            span: None,
            line: Some(line),
            column: Some(column),
            help: Some(
                "this is a converter bug or a setup it does not model; the output is kept for review".to_string(),
            ),
        });
    };
    let file = match dockerfile::parse(output) {
        Ok(f) => f,
        Err(e) => {
            diag(
                format!("the emitted Dockerfile does not parse: {}", e.message()),
                e.span().start,
            );
            return out;
        }
    };
    let targets: Vec<(Option<String>, BTreeMap<String, String>)> = if conversion.targets.is_empty()
    {
        vec![(None, conversion.build_args.clone())]
    } else {
        conversion
            .targets
            .iter()
            .map(|t| (t.target.clone(), t.build_args.clone()))
            .collect()
    };
    let ignore = match &conversion.dockerignore {
        Some(i) => Some(Rules::parse(&i.content)),
        None => Rules::read(&dir.join(context).join(".dockerignore")),
    };
    // One model that builds every stage answers for all targets at once: a
    // target only selects which stages are reached, and `TARGETSTAGE` is the
    // one value it changes. A conversion has a target per runtime image, and
    // a model per target made the check quadratic in a script with many
    // builds; so one model per set of build args, unless the file reads
    // `TARGETSTAGE`.
    let per_target = output.contains("TARGETSTAGE");
    let mut groups: BTreeMap<BTreeMap<String, String>, Vec<Option<String>>> = BTreeMap::new();
    for (target, build_args) in targets {
        groups.entry(build_args).or_default().push(target);
    }
    let mut builds: Vec<(Option<String>, BTreeMap<String, String>, Vec<String>)> = Vec::new();
    for (build_args, targets) in groups {
        if per_target || targets.len() == 1 {
            builds.extend(
                targets
                    .into_iter()
                    .map(|t| (t, build_args.clone(), Vec::new())),
            );
        } else {
            let names = targets.into_iter().flatten().collect();
            builds.push((None, build_args, names));
        }
    }
    for (target, build_args, also) in builds {
        let all_stages = !also.is_empty();
        let model = Model::build(
            &file,
            &BuildOptions {
                build_args,
                target: target.clone(),
                all_stages,
                ..Default::default()
            },
        );
        if let Some(e) = model.error() {
            diag(
                format!(
                    "the emitted Dockerfile does not build{}: {}",
                    target
                        .map(|t| format!(" with --target {t}"))
                        .unwrap_or_default(),
                    e.message()
                ),
                e.span().map_or(0, |s| s.start),
            );
            continue;
        }
        for t in also.iter().filter(|t| model.stage_named(t).is_none()) {
            diag(
                format!(
                    "the emitted Dockerfile does not build with --target {t}: no stage has that name"
                ),
                0,
            );
        }
        let reached = |s: usize| all_stages || model.is_reachable(s);
        let stage_names: Vec<String> = model
            .stages()
            .iter()
            .filter_map(|s| s.name.clone())
            .collect();
        for e in model.edges() {
            if e.kind == EdgeKind::CopyFrom
                && let Source::Image(reference) = &e.source
                && looks_like_stage(reference)
                && !stage_names
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(reference))
            {
                diag(
                    format!("`--from={reference}` names no stage of the emitted Dockerfile"),
                    e.span.start,
                );
            }
        }
        for (i, instr) in file.instructions.iter().enumerate() {
            if !matches!(instr.keyword, Keyword::Copy | Keyword::Add)
                || instr.flag("from").is_some()
            {
                continue;
            }
            if model.stage_of(i).is_some_and(|s| !reached(s)) {
                continue;
            }
            let Some((_, sources)) = instr.args.split_last() else {
                continue;
            };
            for w in sources {
                if w.text.starts_with("<<") || w.text.contains("://") {
                    continue;
                }
                let Ok(expanded) = model.expand(i, &w.text) else {
                    continue;
                };
                let rel = expanded.word.trim_start_matches('/').to_string();
                let full = join_rel(context, &rel);
                if let Some(problem) = context_problem(dir, context, &rel, &full, ignore.as_ref()) {
                    diag(format!("`{}` {problem}", w.text), w.span.start);
                }
            }
        }
    }
    out
}

/// A `--from` value that can only be meant as a stage: an image reference
/// has a tag, a digest or a registry path; a bare word that is no stage
/// would be pulled from Docker Hub as `library/NAME`, which the converter
/// never means.
fn looks_like_stage(reference: &str) -> bool {
    !reference.contains([':', '/', '@'])
}

fn join_rel(context: &str, rel: &str) -> String {
    let context = context.trim_start_matches("./");
    if context.is_empty() || context == "." {
        rel.to_string()
    } else if rel.is_empty() || rel == "." {
        context.to_string()
    } else {
        format!("{context}/{rel}")
    }
}

/// Why a context source would not be found on a clean checkout, if it would not.
fn context_problem(
    dir: &Path,
    context: &str,
    rel: &str,
    full: &str,
    ignore: Option<&Rules>,
) -> Option<String> {
    let normalized = crate::flow::hostfs::normalize(rel).unwrap_or_default();
    if rel.contains(['*', '?', '[']) {
        let pattern = crate::flow::hostfs::normalize(full).unwrap_or_default();
        let found = walk_matches(dir, &pattern, ignore, context);
        return (!found).then(|| "matches nothing in the checkout".to_string());
    }
    let on_disk = dir.join(full);
    if std::fs::symlink_metadata(&on_disk).is_err() {
        return Some(
            "is not in the checkout, so the build would fail with \"not found\"".to_string(),
        );
    }
    if !normalized.is_empty()
        && let Some(rules) = ignore
        && rules.excluded(&normalized)
    {
        return Some("is hidden by the ignore file, so the build would not find it".to_string());
    }
    None
}

/// True when some checkout path matches `pattern` (a path relative to the
/// setup directory with glob segments) and is not ignored.
fn walk_matches(dir: &Path, pattern: &str, ignore: Option<&Rules>, context: &str) -> bool {
    let depth = pattern.split('/').count();
    let prefix = context.trim_start_matches("./").trim_start_matches('.');
    for entry in walkdir::WalkDir::new(dir)
        .min_depth(1)
        .max_depth(depth)
        .into_iter()
        .flatten()
    {
        let Ok(rel) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let rel = rel.to_string_lossy();
        if !glob::path_matches(pattern, &rel) {
            continue;
        }
        let in_context = rel
            .strip_prefix(prefix)
            .map(|r| r.trim_start_matches('/').to_string())
            .unwrap_or_else(|| rel.to_string());
        if ignore.is_some_and(|r| r.excluded(&in_context)) {
            continue;
        }
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conversion(output: &str) -> Conversion {
        Conversion {
            output: Some(output.to_string()),
            dockerfile: Some("Dockerfile".to_string()),
            context: Some(".".to_string()),
            ..Conversion::empty(super::super::Status::Converted)
        }
    }

    fn checkout() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "msmigrate-selfcheck-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(dir.join("src/main.c"), "").unwrap();
        std::fs::write(dir.join("secret.txt"), "").unwrap();
        std::fs::write(dir.join(".dockerignore"), "secret.txt\n").unwrap();
        dir
    }

    #[test]
    fn a_sound_output_passes() {
        let dir = checkout();
        let c = conversion(
            "FROM gcc:13 AS build\nCOPY src /src\nCOPY src/*.c /x/\n\nFROM busybox:1\nCOPY --from=build /src /app\n",
        );
        assert!(check(&dir, &c).is_empty(), "{:?}", check(&dir, &c));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn missing_ignored_and_unknown_stage_are_caught() {
        let dir = checkout();
        let c = conversion(
            "FROM busybox:1\nCOPY bin /out\nCOPY secret.txt /\nCOPY --from=builder /a /b\nCOPY src/*.go /x/\n",
        );
        let found: Vec<String> = check(&dir, &c).into_iter().map(|d| d.message).collect();
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].contains("`--from=builder`"), "{found:?}");
        assert!(
            found
                .iter()
                .any(|m| m.starts_with("`bin` is not in the checkout"))
        );
        assert!(
            found
                .iter()
                .any(|m| m.starts_with("`secret.txt` is hidden"))
        );
        assert!(
            found
                .iter()
                .any(|m| m.starts_with("`src/*.go` matches nothing"))
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_bad_target_or_syntax_is_caught() {
        let dir = checkout();
        let mut c = conversion("FROM busybox:1 AS app\n");
        c.targets.push(super::super::Target {
            image: None,
            target: Some("nope".to_string()),
            replaces: "Dockerfile".to_string(),
            build_args: BTreeMap::new(),
        });
        assert_eq!(check(&dir, &c).len(), 1);
        let c = conversion("FROM busybox:1\nCOPY a\nFROM\n");
        assert!(!check(&dir, &c).is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }
}
