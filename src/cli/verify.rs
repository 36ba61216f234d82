//! `msmigrate verify`: prove the migration on a real build and report what it
//! saves.

use std::io::Write;
use std::path::PathBuf;

use miette::{IntoDiagnostic, miette};
use msmigrate::builder::sandbox;
use msmigrate::builder::store::Store;
use msmigrate::verify::{self, Engine, render};

use super::Outcome;

/// Build the legacy builder-pattern flow and the converted multi-stage
/// Dockerfile, and prove they give the same final image.
///
/// The legacy script runs as-is in a scratch copy of DIR (DIR is never
/// touched) with msmigrate first on its PATH as `docker`: on the embedded
/// engine that shim builds, creates, runs and copies with the embedded
/// builder (root, or rootless in a user namespace); with `--engine docker` it passes every call to
/// the real docker CLI. When the script cannot run on the embedded engine,
/// its reconstructed flow is replayed instead (the report says which). The
/// converted Dockerfile is built with the same store and cache; the two
/// final images are compared file by file (type, mode, owner, size,
/// content, link target; mtimes ignored) and by runtime config. Sizes are
/// the numbers `docker image ls` shows; the final image's layers are
/// scanned for measured bloat (toolchains, package caches, sources, .git,
/// tests, docs), attributed to the instruction that added them.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  msmigrate verify testdata/convert/java-seed/input\n  msmigrate verify . --format markdown > comment.md\n  msmigrate verify . --engine docker --with-fixes --report verify.html\n\nExit codes:\n  0  equivalent\n  1  the images differ\n  2  error (the setup does not convert, a build failed...)"
)]
pub struct Args {
    /// The builder-pattern setup directory.
    dir: PathBuf,

    /// The engine: embedded (msmigrate's builder, default) or docker (the
    /// docker CLI: a local dockerd, DOCKER_HOST or a remote BuildKit).
    #[arg(long, value_enum, default_value_t = EngineArg::Embedded)]
    engine: EngineArg,

    /// Output format: text (table), json or markdown (a PR comment).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Also write a self-contained HTML report (stage graph, layer sizes).
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,

    /// Also build with the lint fixes and the SDK→runtime base applied (when
    /// the runtime image exists) and report that size.
    #[arg(long)]
    with_fixes: bool,

    /// The driver script or Makefile, relative to DIR (default: build.sh,
    /// the one *.sh that calls docker, or a Makefile).
    #[arg(long, value_name = "FILE")]
    script: Option<PathBuf>,

    /// The make goal, for a Makefile driver.
    #[arg(long, value_name = "TARGET")]
    make_target: Option<String>,

    /// A positional argument of the script (repeatable).
    #[arg(long = "arg", value_name = "VALUE")]
    args: Vec<String>,

    /// The builder stage's name, as `convert --stage-name`.
    #[arg(long, value_name = "NAME")]
    stage_name: Option<String>,

    /// Verify this multi-stage Dockerfile (relative to DIR) instead of the
    /// one `convert` emits.
    #[arg(long, value_name = "FILE")]
    dockerfile: Option<PathBuf>,

    /// The embedded engine's store (default: $XDG_CACHE_HOME/msmigrate/store).
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,

    /// The docker CLI for --engine docker.
    #[arg(long, value_name = "PATH", default_value = "/usr/bin/docker")]
    docker: PathBuf,

    /// Keep the scratch directory (printed on stderr).
    #[arg(long)]
    keep: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum EngineArg {
    Embedded,
    Docker,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
    Markdown,
}

pub fn run(args: Args) -> miette::Result<Outcome> {
    let engine = match args.engine {
        EngineArg::Embedded => Engine::Embedded,
        EngineArg::Docker => Engine::Docker,
    };
    if engine == Engine::Embedded {
        // First, while the process is single-threaded.
        sandbox::enter_private_mounts().map_err(|e| {
            miette!(
                help = "the embedded engine needs root or unprivileged user namespaces; \
                        --engine docker uses a Docker daemon instead",
                "{e}"
            )
        })?;
    }
    let exe = std::env::current_exe()
        .into_diagnostic()
        .map_err(|e| miette!("cannot find the msmigrate binary: {e}"))?;
    let options = verify::Options {
        dir: args.dir.clone(),
        engine,
        script: args.script.clone(),
        make_target: args.make_target.clone(),
        args: args.args.clone(),
        stage_name: args.stage_name.clone(),
        dockerfile: args.dockerfile.clone(),
        store: args.store.clone().unwrap_or_else(Store::default_root),
        with_fixes: args.with_fixes,
        docker: args.docker.clone(),
        exe,
        keep: args.keep,
    };
    let report = verify::verify(&options)?;
    let _ = writeln!(std::io::stderr(), "{}", render::summary(&report));
    let text = match args.format {
        Format::Text => render::text(&report),
        Format::Json => format!("{}\n", render::json(&report)),
        Format::Markdown => render::markdown(&report),
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .into_diagnostic()?;
    if let Some(path) = &args.report {
        super::output::write_atomically(path, render::html(&report).as_bytes())?;
    }
    Ok(if report.equivalent {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}
