//! `msmigrate convert`: turn a builder-pattern setup into one multi-stage
//! Dockerfile.

use std::io::Write;
use std::path::{Path, PathBuf};

use miette::{IntoDiagnostic, WrapErr};
use msmigrate::convert::{self, Conversion, Severity, Status};
use msmigrate::lint::finding::{LintedFile, Report};
use msmigrate::lint::{LintOptions, Linter};
use msmigrate::script::bash::{self, DirFiles};
use msmigrate::script::make;

use super::Outcome;
use super::output::FileDiagnostic;
use super::writes::{BACKUP_SUFFIX, Writes};

/// Convert a builder-pattern setup (a builder Dockerfile, a script that runs
/// `docker build`, `docker create`/`run` and `docker cp`, and a runtime
/// Dockerfile) into one equivalent multi-stage Dockerfile.
///
/// The driver script is evaluated statically (nothing is run): its docker
/// calls and host commands are replayed to find which files the runtime
/// build reads from the builder. The result goes to standard output and a
/// summary to standard error. What cannot be resolved is reported with the
/// script line it comes from; no path is ever guessed.
///
/// Exit codes: 0 converted (or nothing to convert), 1 partial or unsupported
/// (or, with --check, a convertible setup exists), 2 usage or I/O error.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  msmigrate convert ./builder-pattern\n  msmigrate convert --diff .\n  msmigrate convert --write --stage-name build .\n  msmigrate convert --format json . | jq .artifacts"
)]
pub struct Args {
    /// The directory holding the setup (the script is assumed to run from it).
    dir: PathBuf,

    /// The driver, relative to DIR: a shell script or a Makefile (default:
    /// `build.sh`, else the one `*.sh` file that calls docker, else a
    /// Makefile that calls docker).
    #[arg(long)]
    script: Option<PathBuf>,

    /// For a Makefile driver: the target `make` would be run with (default:
    /// the Makefile's default goal).
    #[arg(long, value_name = "TARGET")]
    make_target: Option<String>,

    /// Positional arguments the script is run with (`$1`, `$2`...).
    #[arg(long = "arg", value_name = "VALUE")]
    args: Vec<String>,

    /// Name for the builder stage (default: derived from its image tag).
    #[arg(long)]
    stage_name: Option<String>,

    /// Replace the runtime Dockerfile in place (atomically) instead of
    /// printing the result.
    /// The diff of what changed is printed, so `patch -R -p1` undoes it.
    #[arg(long, conflicts_with_all = ["diff", "check"])]
    write: bool,

    /// With --write: keep each replaced file as `FILE.orig`.
    #[arg(long, requires = "write")]
    backup: bool,

    /// Show a unified diff against the current runtime Dockerfile.
    #[arg(long, conflicts_with = "check")]
    diff: bool,

    /// Write nothing; exit 1 when a convertible setup exists (for pre-commit).
    #[arg(long)]
    check: bool,

    /// Output format: `text` (the Dockerfile or diff) or `json` (a report).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Directories never searched for drivers.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    "vendor",
    ".venv",
    "dist",
    "build",
];

/// The drivers of the setups in `dir`: `build.sh`, else each `*.sh` that
/// calls docker, else a Makefile that does.
fn drivers_in(dir: &Path) -> miette::Result<Vec<PathBuf>> {
    if dir.join("build.sh").is_file() {
        return Ok(vec![PathBuf::from("build.sh")]);
    }
    let mut found = Vec::new();
    let entries = std::fs::read_dir(dir)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let path = entry.into_diagnostic()?.path();
        if path.extension().is_some_and(|e| e == "sh")
            && std::fs::read_to_string(&path).is_ok_and(|t| t.contains("docker"))
        {
            found.push(PathBuf::from(path.file_name().unwrap_or_default()));
        }
    }
    found.sort();
    if found.is_empty() {
        for name in ["GNUmakefile", "makefile", "Makefile"] {
            if std::fs::read_to_string(dir.join(name)).is_ok_and(|t| t.contains("docker")) {
                return Ok(vec![PathBuf::from(name)]);
            }
        }
    }
    Ok(found)
}

/// True when `dir` holds a Dockerfile (`Dockerfile*`, `*.Dockerfile`).
fn has_dockerfile(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            let name = e.file_name().to_string_lossy().to_lowercase();
            name.starts_with("dockerfile") || name.ends_with(".dockerfile")
        })
}

/// The directory a driver runs from. A script beside the Dockerfiles runs
/// from its own directory; one kept apart (`scripts/build.sh`) runs from
/// the nearest ancestor, up to `root`, that holds Dockerfiles, the way
/// `./scripts/build.sh` is run from a repository's top.
fn setup_root(root: &Path, script_dir: &Path) -> PathBuf {
    if has_dockerfile(script_dir) {
        return script_dir.to_path_buf();
    }
    let mut dir = script_dir;
    while dir != root {
        let Some(parent) = dir.parent() else { break };
        if has_dockerfile(parent) {
            return parent.to_path_buf();
        }
        dir = parent;
    }
    script_dir.to_path_buf()
}

/// Every setup in the tree under `root`: (setup directory, driver relative
/// to it). A setup is a directory whose driver calls docker.
fn find_setups(root: &Path) -> miette::Result<Vec<(PathBuf, PathBuf)>> {
    let mut setups = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .max_depth(6)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_type().is_dir()
                    && SKIPPED_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
        });
    for entry in walker {
        let entry = entry
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot read {}", root.display()))?;
        if entry.file_type().is_dir() {
            for driver in drivers_in(entry.path())? {
                let setup = setup_root(root, entry.path());
                let script = entry
                    .path()
                    .strip_prefix(&setup)
                    .unwrap_or(Path::new(""))
                    .join(&driver);
                setups.push((setup, script));
            }
        }
    }
    if setups.is_empty() {
        return Err(miette::miette!(
            help = "name the driver with --script",
            "no build script or Makefile that calls docker under {}",
            root.display()
        ));
    }
    Ok(setups)
}

/// Makefiles by name: `Makefile`, `makefile`, `GNUmakefile`, `*.mk`.
fn is_makefile(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    matches!(name.as_str(), "Makefile" | "makefile" | "GNUmakefile") || name.ends_with(".mk")
}

pub fn run(args: Args) -> miette::Result<Outcome> {
    let root = &args.dir;
    if !root.is_dir() {
        return Err(miette::miette!("{} is not a directory", root.display()));
    }
    let setups = match &args.script {
        Some(s) => vec![(root.clone(), s.clone())],
        None => match find_setups(root) {
            // A tree without any builder-pattern setup passes the check: the
            // pre-commit hook runs on every repository.
            Err(_) if args.check => {
                let _ = writeln!(
                    std::io::stderr(),
                    "nothing to convert: no build script or Makefile that calls docker under {}",
                    root.display()
                );
                return Ok(Outcome::Clean);
            }
            found => found?,
        },
    };
    let several = setups.len() > 1;
    let mut outcome = Outcome::Clean;
    let mut reports = Vec::new();
    // Every file of every setup lands together, or none does.
    let mut writes = Writes::new(args.backup);
    let mut notes = Vec::new();
    for (dir, script) in &setups {
        if several {
            let _ = writeln!(std::io::stderr(), "== {}", dir.join(script).display());
        }
        for conversion in convert_one(&args, dir, script, several, &mut writes, &mut notes)? {
            if matches!(
                conversion_outcome(&conversion.conversion, args.check),
                Outcome::Findings
            ) {
                outcome = Outcome::Findings;
            }
            reports.push(conversion);
        }
    }
    writes.commit()?;
    for note in notes {
        let _ = write!(std::io::stderr(), "{note}");
    }
    if args.format == Format::Json {
        let mut stdout = std::io::stdout().lock();
        if reports.len() != 1 {
            serde_json::to_writer_pretty(&mut stdout, &reports).into_diagnostic()?;
        } else {
            serde_json::to_writer_pretty(&mut stdout, &reports[0]).into_diagnostic()?;
        }
        writeln!(stdout).into_diagnostic()?;
    }
    Ok(outcome)
}

fn conversion_outcome(c: &Conversion, check: bool) -> Outcome {
    match (c.status, check) {
        (Status::Converted | Status::Partial, true) => Outcome::Findings,
        (Status::Converted | Status::NothingToConvert, _) => Outcome::Clean,
        _ => Outcome::Findings,
    }
}

/// Converts the setup in `dir` driven by `script`, prints its text output
/// (for the JSON format the caller prints the reports) and writes with
/// `--write`.
/// A conversion with the lint findings of the Dockerfile it emits: what
/// `--format json` prints.
#[derive(serde::Serialize)]
struct Reported {
    #[serde(flatten)]
    conversion: Conversion,
    /// The findings of `msmigrate lint` on the output (null without one).
    lint: serde_json::Value,
}

/// Lints an emitted Dockerfile. The directory is not given: its legacy
/// script would make the output look like part of a builder-pattern setup.
fn lint_output(c: &Conversion) -> Option<LintedFile> {
    let out = c.output.as_ref()?;
    let linter = Linter::builtin().ok()?;
    let path = c.dockerfile.as_deref().unwrap_or("Dockerfile");
    Some(linter.lint(path, None, out, &LintOptions::default()))
}

fn convert_one(
    args: &Args,
    dir: &Path,
    script: &Path,
    several: bool,
    writes: &mut Writes,
    notes: &mut Vec<String>,
) -> miette::Result<Vec<Reported>> {
    let script_text = std::fs::read(dir.join(script))
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot read {}", dir.join(script).display()))?;
    let script_text = String::from_utf8_lossy(&script_text);
    let options = bash::Options {
        args: args.args.clone(),
        ..Default::default()
    };
    let script_name = script.to_string_lossy().into_owned();
    let files = DirFiles(dir.to_path_buf());
    let trace = if is_makefile(script) {
        let make_options = make::MakeOptions {
            target: args.make_target.clone(),
            shell: options,
            ..Default::default()
        };
        make::evaluate(&script_name, &script_text, &files, &make_options)
    } else {
        bash::evaluate(&format!("./{script_name}"), &script_text, &files, &options)
    };
    let conversions = convert::convert(
        dir,
        &trace,
        &convert::Options {
            stage_name: args.stage_name.clone(),
        },
    );
    // Several runtime images from one setup: label each output too.
    let several = several || conversions.len() > 1;
    let mut done = Vec::new();
    for mut conversion in conversions {
        if args.write
            && conversion.status == Status::Converted
            && let (Some(out), Some(df)) = (&conversion.output, &conversion.dockerfile)
        {
            writes.stage(&args.dir, &dir.join(df), out.as_bytes())?;
            conversion.files_written.push(df.clone());
            if let Some(ignore) = &conversion.dockerignore {
                writes.stage(
                    &args.dir,
                    &dir.join(&ignore.path),
                    ignore.content.as_bytes(),
                )?;
                conversion.files_written.push(ignore.path.clone());
            }
        }
        render_diagnostics(dir, &conversion);
        let linted = lint_output(&conversion);
        let mut stdout = std::io::stdout().lock();
        match args.format {
            Format::Json => {}
            Format::Text => {
                summarize(&conversion);
                if let Some(linted) = &linted {
                    summarize_lint(linted);
                }
                if let Some(out) = &conversion.output {
                    if args.diff || (args.write && !conversion.files_written.is_empty()) {
                        let current = conversion
                            .dockerfile
                            .as_ref()
                            .and_then(|d| std::fs::read_to_string(dir.join(d)).ok())
                            .unwrap_or_default();
                        let name = conversion.dockerfile.clone().unwrap_or_default();
                        let diff = similar::TextDiff::from_lines(current.as_str(), out.as_str());
                        write!(
                            stdout,
                            "{}",
                            diff.unified_diff()
                                .header(&format!("a/{name}"), &format!("b/{name}"))
                        )
                        .into_diagnostic()?;
                        if let Some(ignore) = &conversion.dockerignore {
                            let current =
                                std::fs::read_to_string(dir.join(&ignore.path)).unwrap_or_default();
                            let diff = similar::TextDiff::from_lines(
                                current.as_str(),
                                ignore.content.as_str(),
                            );
                            let name = &ignore.path;
                            write!(
                                stdout,
                                "{}",
                                diff.unified_diff()
                                    .header(&format!("a/{name}"), &format!("b/{name}"))
                            )
                            .into_diagnostic()?;
                        }
                    } else if !args.write && !args.check {
                        if several {
                            let name = conversion.dockerfile.as_deref().unwrap_or("Dockerfile");
                            writeln!(stdout, "# msmigrate: {}", dir.join(name).display())
                                .into_diagnostic()?;
                        }
                        write!(stdout, "{out}").into_diagnostic()?;
                    }
                }
            }
        }
        if args.write && !conversion.files_written.is_empty() {
            let mut note = format!("wrote {}", conversion.files_written.join(", "));
            if args.backup {
                note.push_str(&format!(" (the old files are kept as *{BACKUP_SUFFIX})"));
            }
            note.push_str("; build with:\n");
            for cmd in build_commands(dir, &conversion) {
                note.push_str(&format!("  {cmd}\n"));
            }
            notes.push(note);
        }
        let lint = linted.map_or(serde_json::Value::Null, |file| {
            msmigrate::lint::report::json_value(&Report {
                files: vec![file],
                rules: Vec::new(),
            })
        });
        done.push(Reported { conversion, lint });
    }
    Ok(done)
}

/// What still bloats (or is wrong with) the emitted Dockerfile.
fn summarize_lint(file: &LintedFile) {
    let mut err = std::io::stderr().lock();
    if file.findings.is_empty() {
        let _ = writeln!(err, "  lint: no findings in the emitted Dockerfile");
        return;
    }
    let _ = writeln!(
        err,
        "  lint: {} finding(s) in the emitted Dockerfile (msmigrate rule ID explains one):",
        file.findings.len()
    );
    for f in &file.findings {
        let _ = writeln!(
            err,
            "    line {}: {} {} {}",
            f.range.start.line,
            f.rule,
            f.severity.as_str(),
            f.message
        );
    }
}

/// The flow as people read it, on standard error.
fn summarize(c: &Conversion) {
    let mut err = std::io::stderr().lock();
    let status = match c.status {
        Status::Converted => "converted",
        Status::Partial => "partially converted",
        Status::Unsupported => "not converted",
        Status::NothingToConvert => "nothing to convert",
    };
    let _ = writeln!(err, "msmigrate: {status}");
    for s in &c.stages {
        let _ = writeln!(
            err,
            "  stage {:<24} {:<9} from {}",
            s.name.as_deref().unwrap_or("-"),
            s.role,
            s.from
        );
    }
    for a in &c.artifacts {
        let _ = writeln!(
            err,
            "  artifact {} from {} -> {}",
            a.source, a.from_stage, a.dest
        );
    }
    for t in c.targets.iter().filter(|t| t.target.is_some()) {
        let _ = writeln!(
            err,
            "  image {} is --target {} (was built from {})",
            t.image.as_deref().unwrap_or("(untagged)"),
            t.target.as_deref().unwrap_or_default(),
            t.replaces
        );
    }
    if let Some(i) = &c.dockerignore {
        let _ = writeln!(
            err,
            "  needs {} (BuildKit reads it instead of {}; --write writes it):",
            i.path, i.replaces
        );
        for line in i.content.lines() {
            let _ = writeln!(err, "    {line}");
        }
    }
}

/// The commands that build the converted images: one per runtime image
/// (with `--target` where the Dockerfile holds several).
fn build_commands(dir: &Path, c: &Conversion) -> Vec<String> {
    let context = match c.context.as_deref() {
        None | Some(".") => dir.to_path_buf(),
        Some(ctx) => dir.join(ctx),
    };
    let file = dir.join(c.dockerfile.as_deref().unwrap_or("Dockerfile"));
    // A Dockerfile-specific ignore file is read by BuildKit only.
    let prefix = if c.dockerignore.is_some() {
        "DOCKER_BUILDKIT=1 "
    } else {
        ""
    };
    c.targets
        .iter()
        .map(|t| {
            let mut cmd = format!("{prefix}docker build -f {}", file.display());
            if let Some(target) = &t.target {
                cmd.push_str(&format!(" --target {target}"));
            }
            for (k, v) in &t.build_args {
                cmd.push_str(&format!(" --build-arg {k}={v}"));
            }
            if let Some(image) = &t.image {
                cmd.push_str(&format!(" -t {image}"));
            }
            cmd.push_str(&format!(" {}", context.display()));
            cmd
        })
        .collect()
}

fn render_diagnostics(dir: &Path, c: &Conversion) {
    for d in &c.diagnostics {
        let source = std::fs::read_to_string(dir.join(&d.file)).unwrap_or_default();
        let severity = match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        };
        let report = FileDiagnostic::new(
            d.code,
            &d.message,
            &d.file,
            source,
            d.span,
            severity,
            d.help.clone(),
        );
        let _ = writeln!(std::io::stderr(), "{:?}", miette::Report::new(report));
    }
}
