//! `msmigrate build`: build an image with the embedded builder, no daemon.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use miette::IntoDiagnostic;
use msmigrate::builder::build::{self, BuildOptions, Progress, Step};
use msmigrate::builder::store::{Store, StoredImage};
use msmigrate::builder::{archive, sandbox};
use msmigrate::dockerfile::SourceDiagnostic;

use super::Outcome;

/// Build an image from a Dockerfile with the embedded builder: no Docker
/// daemon, nothing to install.
///
/// It follows `docker build`: stages, build args, --target, the build cache
/// (keyed as BuildKit keys it; --no-cache to skip it), .dockerignore and
/// `<Dockerfile>.dockerignore`. RUN executes in a sandbox of Linux
/// namespaces over overlayfs, with no network unless --network host; as an
/// ordinary user the build is rootless, in a user namespace (subordinate IDs
/// from /etc/subuid through newuidmap). Independent stages build in
/// parallel (MSMIGRATE_BUILD_JOBS=N caps them). Base images come from the
/// local store, else the local Docker engine, else a registry (load them
/// with `docker save alpine:3.19 | msmigrate image load`).
///
/// Limits: MSMIGRATE_RUN_TIMEOUT (one RUN, e.g. 10m),
/// MSMIGRATE_MAX_LAYER_SIZE (one layer, e.g. 20GiB; default the free space).
/// Ctrl-C stops the build cleanly (exit code 130).
///
/// The image lands in the local store (tag it with -t) and, with --output,
/// in a file: `docker-archive:FILE` (loads with `docker load`; it is also an
/// OCI layout), `oci-archive:FILE` (the same tar) or `oci:DIR`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  msmigrate build -t app:dev .\n  msmigrate build -f Dockerfile.build --target build --build-arg VERSION=1.2 .\n  msmigrate build --output docker-archive:app.tar . && docker load -i app.tar\n\nSOURCE_DATE_EPOCH fixes every timestamp the builder writes, so two builds of the\nsame inputs give the same image ID.\n\nExit codes:\n  0  built\n  2  the Dockerfile, a step or the environment failed"
)]
pub struct Args {
    /// The build context directory.
    context: PathBuf,

    /// The Dockerfile (default: CONTEXT/Dockerfile).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Option<PathBuf>,

    /// Name and tag the image in the store (repeatable).
    #[arg(short = 't', long = "tag", value_name = "NAME:TAG")]
    tags: Vec<String>,

    /// The stage to build.
    #[arg(long, value_name = "STAGE")]
    target: Option<String>,

    /// A build argument, `KEY=VALUE` (or `KEY` to take it from the environment).
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    build_args: Vec<String>,

    /// Run every step instead of reusing cached results.
    #[arg(long)]
    no_cache: bool,

    /// The network of RUN steps: none (default) or host.
    #[arg(long, value_name = "MODE", default_value = "none")]
    network: String,

    /// The target platform; only the machine's own (linux/amd64) can run RUN.
    #[arg(long, value_name = "PLATFORM")]
    platform: Option<String>,

    /// Also write the image: docker-archive:FILE, oci-archive:FILE or oci:DIR.
    #[arg(short = 'o', long, value_name = "TYPE:DEST")]
    output: Option<String>,

    /// The local image store (default: $XDG_CACHE_HOME/msmigrate/store).
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,

    /// Print only the image ID.
    #[arg(short = 'q', long)]
    quiet: bool,
}

/// Step lines in BuildKit's plain style on stderr. Steps of stages that
/// build in parallel interleave; a step's end line repeats its `#n` and its
/// `[stage n/m]` label.
struct Lines {
    quiet: bool,
    n: usize,
    /// `#n` of the steps started and not yet done, by label and text.
    open: BTreeMap<(String, String), usize>,
    sink: std::io::Stderr,
    null: std::io::Sink,
}

impl Progress for Lines {
    fn start(&mut self, label: &str, text: &str) {
        self.n += 1;
        self.open
            .insert((label.to_string(), text.to_string()), self.n);
        if !self.quiet {
            let _ = writeln!(self.sink, "#{} {label} {text}", self.n);
        }
    }

    fn done(&mut self, step: &Step) {
        // Metadata steps have no start line: they get a number of their own.
        let n = match self.open.remove(&(step.label.clone(), step.text.clone())) {
            Some(n) => n,
            None => {
                self.n += 1;
                self.n
            }
        };
        if self.quiet {
            return;
        }
        let state = if step.cached {
            "CACHED".to_string()
        } else {
            format!("DONE {:.1}s", step.duration.as_secs_f64())
        };
        let _ = writeln!(self.sink, "#{n} {} {} {state}", step.label, step.text);
    }

    fn log(&mut self) -> &mut dyn Write {
        // -q keeps RUN output out of the way too.
        if self.quiet {
            &mut self.null
        } else {
            &mut self.sink
        }
    }
}

pub fn run(args: Args) -> miette::Result<Outcome> {
    // First, while the process is still single-threaded: every mount the
    // build makes lives in a private namespace and vanishes with it.
    sandbox::enter_private_mounts().map_err(|e| {
        miette::miette!(
            help = "the embedded builder needs root, or unprivileged user namespaces for a rootless build",
            "{e}"
        )
    })?;
    if let Some(p) = &args.platform
        && p != "linux/amd64"
    {
        return Err(miette::miette!(
            "--platform {p}: only linux/amd64 can be built on this machine"
        ));
    }
    let network_host = match args.network.as_str() {
        "none" | "default" => false,
        "host" => true,
        other => return Err(miette::miette!("--network {other}: use none or host")),
    };
    let mut build_args = BTreeMap::new();
    for a in &args.build_args {
        match a.split_once('=') {
            Some((k, v)) => {
                build_args.insert(k.to_string(), v.to_string());
            }
            None => {
                if let Ok(v) = std::env::var(a) {
                    build_args.insert(a.clone(), v);
                }
            }
        }
    }
    let dockerfile = args
        .file
        .clone()
        .unwrap_or_else(|| args.context.join("Dockerfile"));
    let store =
        Store::open(&args.store.clone().unwrap_or_else(Store::default_root)).into_diagnostic()?;
    let options = BuildOptions {
        dockerfile: dockerfile.clone(),
        context: args.context.clone(),
        target: args.target.clone(),
        build_args,
        no_cache: args.no_cache,
        network_host,
        source_date_epoch: std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|v| v.parse().ok()),
    };
    let mut progress = Lines {
        quiet: args.quiet,
        n: 0,
        open: BTreeMap::new(),
        sink: std::io::stderr(),
        null: std::io::sink(),
    };
    let output = build::build(&store, &options, &mut progress).map_err(|e| match e.span {
        Some(span) => {
            let text = String::from_utf8_lossy(&std::fs::read(&dockerfile).unwrap_or_default())
                .into_owned();
            miette::Report::new(SourceDiagnostic::new(
                &dockerfile.display().to_string(),
                &text,
                span,
                e.message.clone(),
                "this step",
                None,
            ))
        }
        None => miette::miette!("{}", e.message),
    })?;
    for tag in &args.tags {
        store.tag(tag, &output.image).into_diagnostic()?;
    }
    if let Some(out) = &args.output {
        write_output(&store, &output.image, &args.tags, out)?;
    }
    if args.quiet {
        writeln!(std::io::stdout(), "{}", output.image.id).into_diagnostic()?;
    } else {
        let tagged = if args.tags.is_empty() {
            String::new()
        } else {
            format!(", tagged {}", args.tags.join(", "))
        };
        let _ = writeln!(
            std::io::stderr(),
            "built {} ({} as docker image ls shows it){tagged}",
            output.image.id,
            archive::human_size(output.image.docker_size()),
        );
    }
    Ok(Outcome::Clean)
}

fn write_output(
    store: &Store,
    image: &StoredImage,
    tags: &[String],
    spec: &str,
) -> miette::Result<()> {
    let (kind, dest) = spec.split_once(':').ok_or_else(|| {
        miette::miette!("--output {spec}: expected TYPE:DEST, e.g. docker-archive:image.tar")
    })?;
    match kind {
        "docker-archive" | "oci-archive" => {
            let path = Path::new(dest);
            let tmp = path.with_extension("msmigrate-tmp");
            let result = (|| -> std::io::Result<()> {
                let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
                archive::write_archive(store, image, tags, &mut file)?;
                file.flush()?;
                file.get_ref().sync_all()?;
                std::fs::rename(&tmp, path)
            })();
            if result.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            result.into_diagnostic()
        }
        "oci" => archive::write_oci_layout(store, image, tags, Path::new(dest)).into_diagnostic(),
        other => Err(miette::miette!(
            "--output {other}: use docker-archive:FILE, oci-archive:FILE or oci:DIR"
        )),
    }
}
