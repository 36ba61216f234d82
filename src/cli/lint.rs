//! `msmigrate lint`: lint Dockerfiles for bloat and stage-graph mistakes.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use miette::{IntoDiagnostic, WrapErr};
use msmigrate::lint::config::Config;
use msmigrate::lint::finding::{LintedFile, Report, Severity};
use msmigrate::lint::report::{self, Format, RenderOptions};
use msmigrate::lint::{LintOptions, Linter, fix};
use rayon::prelude::*;

use super::Outcome;
use super::output::{self, Color};
use super::writes::Writes;

/// Lint Dockerfiles for bloat and stage-graph mistakes.
///
/// msmigrate knows which stage ships: build tools, SDK base images, package
/// caches and sources are flagged in the final stage (and in the stages it is
/// built FROM), never in builder stages. Without --target, the last stage and
/// every named stage no other stage uses count as final.
///
/// With no PATH, the current directory is walked for Dockerfile,
/// Dockerfile.*, *.Dockerfile and Containerfile (skipping .git, target and
/// node_modules). A directory PATH is walked the same way; `-` reads
/// standard input.
///
/// Suppress a finding with `# msmigrate ignore=MS101` above the instruction,
/// or `# msmigrate global ignore=MS101` anywhere in the file; `# hadolint
/// ignore=DL3009` and BuildKit's `# check=skip=…` work for the rules that
/// match theirs. Project settings live in .msmigrate.yaml, found upward from
/// each file: ignored, severity, failure-threshold, rules, trusted-registries.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  msmigrate lint                         lint every Dockerfile under the current directory\n  msmigrate lint Dockerfile --target app  lint as built with --target app\n  msmigrate lint --format sarif > lint.sarif\n  msmigrate lint --fix                   apply the safe fixes\n  msmigrate rule MS101                   explain a rule\n\nExit codes:\n  0  nothing at or above the failure threshold\n  1  findings at or above the threshold (or, with --diff, fixes to apply)\n  2  usage error, unreadable file or bad configuration"
)]
pub struct Args {
    /// Dockerfiles or directories to lint (`-` for standard input); default: the current directory.
    paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,

    /// The stage that is built (`docker build --target`): it and the stages it is built FROM ship.
    #[arg(long, value_name = "STAGE")]
    target: Option<String>,

    /// Findings at or above this severity make the exit code 1.
    #[arg(long, short = 't', value_enum, value_name = "SEVERITY")]
    failure_threshold: Option<Threshold>,

    /// A rule (id or name) not to run; repeatable.
    #[arg(long, value_name = "RULE")]
    ignore: Vec<String>,

    /// A directory of extra rule files (`*.yaml`); repeatable.
    #[arg(long, value_name = "DIR")]
    rules: Vec<PathBuf>,

    /// The settings file to use instead of the .msmigrate.yaml found upward from each file.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Apply the safe fixes to the files (atomically), then report what is left.
    #[arg(long, conflicts_with = "diff")]
    fix: bool,

    /// With --fix: keep each changed file as `FILE.orig`.
    #[arg(long, requires = "fix")]
    backup: bool,

    /// Show the safe fixes as a unified diff instead of applying them.
    #[arg(long)]
    diff: bool,

    /// The path to show for standard input.
    #[arg(long, value_name = "PATH", default_value = "-")]
    stdin_filename: String,
}

/// `--failure-threshold` values.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Threshold {
    Error,
    Warning,
    Info,
    Style,
    /// Never fail because of findings.
    None,
}

/// One file to lint.
struct Input {
    /// Shown in findings.
    display: String,
    /// On disk (`None`: standard input).
    path: Option<PathBuf>,
    /// The directory `--fix` may write in: the one walked, or the named
    /// file's own.
    root: PathBuf,
}

pub fn run(args: Args, color: Color) -> miette::Result<Outcome> {
    let inputs = collect_inputs(&args)?;
    let stdin_text = if inputs.iter().any(|i| i.path.is_none()) {
        let bytes = output::read_input(Path::new("-"))?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    } else {
        None
    };

    let configs = Configs::new(&args)?;
    let cli_threshold = args.failure_threshold.map(|t| match t {
        Threshold::Error => Some(Severity::Error),
        Threshold::Warning => Some(Severity::Warning),
        Threshold::Info => Some(Severity::Info),
        Threshold::Style => Some(Severity::Style),
        Threshold::None => None,
    });
    // The fixed text of a file is written after every file is linted, all
    // files together (see `writes`).
    let lint_one = |input: &Input| -> miette::Result<(LintedFile, bool, usize, Option<String>)> {
        let (linter, options) = configs.for_file(input.path.as_deref())?;
        let text = match &input.path {
            Some(p) => {
                let bytes = std::fs::read(p)
                    .into_diagnostic()
                    .wrap_err_with(|| format!("cannot read {}", p.display()))?;
                String::from_utf8_lossy(&bytes).into_owned()
            }
            None => stdin_text.clone().unwrap_or_default(),
        };
        let dir = input.path.as_deref().and_then(Path::parent).map(|d| {
            if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            }
        });
        let mut linted = linter.lint(&input.display, dir, &text, &options);
        let mut fixed = 0;
        let mut fixed_text = None;
        if args.fix && input.path.is_some() {
            let (new_text, n) = fix::apply(&linted);
            if n > 0 {
                fixed = n;
                linted = linter.lint(&input.display, dir, &new_text, &options);
                fixed_text = Some(new_text);
            }
        }
        // Each file fails by its own settings' threshold.
        let threshold = cli_threshold.unwrap_or(Some(
            options.config.failure_threshold.unwrap_or(Severity::Info),
        ));
        let fails = linted
            .findings
            .iter()
            .any(|f| threshold.is_some_and(|t| f.severity <= t));
        Ok((linted, fails, fixed, fixed_text))
    };
    // One file (a pre-commit run) is linted on this thread: starting a
    // thread pool would cost more than the lint.
    let results: Vec<_> = if inputs.len() == 1 {
        inputs.iter().map(lint_one).collect()
    } else {
        inputs.par_iter().map(lint_one).collect()
    };

    let mut files = Vec::new();
    let mut failing = false;
    let mut writes = Writes::new(args.backup);
    let mut results_ok = Vec::new();
    for (input, r) in inputs.iter().zip(results) {
        let (linted, fails, fixed, fixed_text) = r?;
        if let (Some(path), Some(text)) = (&input.path, &fixed_text) {
            writes.stage(&input.root, path, text.as_bytes())?;
        }
        results_ok.push((linted, fails, fixed));
    }
    writes.commit()?;
    let mut stderr = std::io::stderr().lock();
    for (linted, fails, fixed) in results_ok {
        failing |= fails;
        if fixed > 0 {
            let _ = writeln!(
                stderr,
                "fixed {fixed} finding{} in {}",
                plural(fixed),
                linted.path
            );
        }
        files.push(linted);
    }
    drop(stderr);

    if args.diff {
        return show_diffs(&files);
    }

    let report = Report {
        files,
        rules: configs.enabled_rules(),
    };
    let mut options = RenderOptions::new(env!("CARGO_PKG_VERSION"));
    options.color = output::use_color_stdout(color);
    options.src_root = std::env::current_dir()
        .ok()
        .map(|d| d.display().to_string());
    let mut out = std::io::stdout().lock();
    report::render(args.format, &report, &options, &mut out).into_diagnostic()?;
    out.flush().into_diagnostic()?;
    Ok(if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Prints the fixes as unified diffs; exit 1 when there is any.
fn show_diffs(files: &[LintedFile]) -> miette::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let mut any = false;
    for file in files {
        let (fixed, n) = fix::apply(file);
        if n == 0 {
            continue;
        }
        any = true;
        let diff = similar::TextDiff::from_lines(&file.source, &fixed);
        write!(
            out,
            "{}",
            diff.unified_diff()
                .header(&format!("a/{}", file.path), &format!("b/{}", file.path))
        )
        .into_diagnostic()?;
    }
    Ok(if any {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// True for the names Docker tooling treats as Dockerfiles.
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || (lower.starts_with("dockerfile.") && !lower.ends_with(".dockerignore"))
        || lower.starts_with("containerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
}

fn collect_inputs(args: &Args) -> miette::Result<Vec<Input>> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input {
                display: args.stdin_filename.clone(),
                path: None,
                root: PathBuf::from("."),
            });
        } else if path.is_dir() {
            let mut found = Vec::new();
            let walker = walkdir::WalkDir::new(&path)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0
                        || !(e.file_type().is_dir()
                            && matches!(
                                e.file_name().to_str(),
                                Some(".git" | "target" | "node_modules")
                            ))
                });
            for entry in walker {
                let entry = entry
                    .into_diagnostic()
                    .wrap_err("cannot walk the directory")?;
                if entry.file_type().is_file()
                    && entry.file_name().to_str().is_some_and(is_dockerfile_name)
                {
                    found.push(entry.into_path());
                }
            }
            inputs.extend(found.into_iter().map(|p| Input {
                display: display_path(&p),
                path: Some(p),
                root: path.clone(),
            }));
        } else if path.exists() {
            let root = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            inputs.push(Input {
                display: display_path(&path),
                path: Some(path),
                root,
            });
        } else {
            return Err(miette::miette!(
                "{}: no such file or directory",
                path.display()
            ));
        }
    }
    Ok(inputs)
}

/// A path as findings show it: relative, `/`-separated, without `./`.
fn display_path(path: &Path) -> String {
    let shown = path.display().to_string().replace('\\', "/");
    shown.strip_prefix("./").unwrap_or(&shown).to_string()
}

/// A linter with the rules of one configuration, and that configuration.
type Loaded = (Arc<Linter>, Config);

/// The linters and settings per configuration file, built once each.
struct Configs<'a> {
    args: &'a Args,
    explicit: Option<Loaded>,
    by_file: Mutex<HashMap<Option<PathBuf>, Loaded>>,
    base: Linter,
}

impl<'a> Configs<'a> {
    fn new(args: &'a Args) -> miette::Result<Configs<'a>> {
        let mut base = Linter::builtin().map_err(|e| miette::Report::new(*e))?;
        for dir in &args.rules {
            base.add_rules_dir(dir)
                .map_err(|e| miette::Report::new(*e))?;
        }
        let explicit = match &args.config {
            Some(path) => Some(Self::build(&base, args, Some(path))?),
            None => None,
        };
        Ok(Configs {
            args,
            explicit,
            by_file: Mutex::new(HashMap::new()),
            base,
        })
    }

    fn build(
        base: &Linter,
        args: &Args,
        path: Option<&Path>,
    ) -> miette::Result<(Arc<Linter>, Config)> {
        let mut config = match path {
            Some(p) => Config::load(p).map_err(|e| miette::Report::new(*e))?,
            None => Config::default(),
        };
        let mut linter = base.clone();
        for dir in &config.rules {
            linter
                .add_rules_dir(dir)
                .map_err(|e| miette::Report::new(*e))?;
        }
        // The command line adds to the file's ignores.
        config.ignored.extend(args.ignore.iter().cloned());
        Ok((Arc::new(linter), config))
    }

    /// The linter and options for a file (`None`: standard input, which uses
    /// the current directory's settings).
    fn for_file(&self, file: Option<&Path>) -> miette::Result<(Arc<Linter>, LintOptions)> {
        let wrap = |(linter, config): &(Arc<Linter>, Config)| {
            (
                linter.clone(),
                LintOptions {
                    target: self.args.target.clone(),
                    config: config.clone(),
                },
            )
        };
        if let Some(e) = &self.explicit {
            return Ok(wrap(e));
        }
        let dir = match file.and_then(Path::parent) {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        let found = Config::find(&dir);
        let mut cache = self.by_file.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = cache.get(&found) {
            return Ok(wrap(entry));
        }
        let entry = Self::build(&self.base, self.args, found.as_deref())?;
        let result = wrap(&entry);
        cache.insert(found, entry);
        Ok(result)
    }

    fn enabled_rules(&self) -> Vec<msmigrate::lint::finding::RuleMeta> {
        match &self.explicit {
            Some((linter, config)) => linter.enabled_rules(config),
            None => {
                let cache = self.by_file.lock().unwrap_or_else(|p| p.into_inner());
                let mut rules: Vec<_> = cache
                    .values()
                    .flat_map(|(l, c)| l.enabled_rules(c))
                    .collect();
                if rules.is_empty() {
                    rules = self.base.enabled_rules(&Config::default());
                }
                rules.sort_by(|a, b| a.id.cmp(&b.id));
                rules.dedup_by(|a, b| a.id == b.id);
                rules
            }
        }
    }
}
