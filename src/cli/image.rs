//! `msmigrate image`: the local image store (pull, load, import, ls, rm,
//! save), shown the way `docker image` shows Docker's.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use miette::{IntoDiagnostic, WrapErr};
use msmigrate::builder::archive;
use msmigrate::builder::registry::{self, Platform, Reporter};
use msmigrate::builder::store::{self, Removed, Store};

use super::Outcome;

/// Manage the local image store that `msmigrate build` reads and writes.
///
/// The store is content-addressed and is itself an OCI image layout; it
/// lives in `$XDG_CACHE_HOME/msmigrate/store` (else
/// `~/.cache/msmigrate/store`) unless `--store` names another directory.
/// Image IDs and sizes are the ones Docker 20.10 reports for the same image.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  msmigrate image pull debian:bookworm-slim\n  docker save busybox:latest | msmigrate image load\n  msmigrate image import rootfs.tar base:1\n  msmigrate image ls\n  msmigrate image save base:1 -o base.tar && docker load -i base.tar"
)]
pub struct Args {
    /// The store directory.
    #[arg(long, global = true, value_name = "DIR")]
    store: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Pull an image from a registry over the OCI distribution API, as
    /// `docker pull` does.
    ///
    /// Docker Hub's token flow and the credentials of
    /// `$DOCKER_CONFIG/config.json` (else `~/.docker/config.json`) are used;
    /// digests are verified and blobs already in the store are not fetched
    /// again. MSMIGRATE_REGISTRY_MIRRORS=host,… lists Docker Hub mirrors and
    /// MSMIGRATE_INSECURE_REGISTRIES=host[:port],… the registries allowed
    /// plain HTTP besides loopback (each defaults to the `registry-mirrors`
    /// or `insecure-registries` of /etc/docker/daemon.json).
    /// MSMIGRATE_OFFLINE=1 refuses to pull.
    Pull {
        /// `name[:tag]` or `name@sha256:…` (`debian` is
        /// `docker.io/library/debian:latest`).
        reference: String,
        /// The platform to take from a multi-platform image, `os/arch[/variant]`.
        #[arg(long, value_name = "PLATFORM", default_value = "linux/amd64")]
        platform: String,
        /// Print only the image's name, no progress.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Load images from a docker-archive (`docker save` output) or an OCI
    /// archive; gzip layers are accepted and every digest is verified.
    Load {
        /// The archive (standard input when absent).
        #[arg(short, long, value_name = "FILE")]
        input: Option<PathBuf>,
    },
    /// Make an image from a root filesystem tar (plain or gzip), as
    /// `docker import` does.
    Import {
        /// The tar (`-` for standard input).
        rootfs: PathBuf,
        /// The name to give the image (`name:tag`).
        name: Option<String>,
    },
    /// List the images, as `docker image ls`.
    #[command(alias = "list")]
    Ls {
        /// Output format: `text` for people, `json` for tools (one object
        /// per image and tag with id, repository, tag, created, size).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Show full image IDs.
        #[arg(long)]
        no_trunc: bool,
    },
    /// Remove images by name or ID: a name is untagged, and the image goes
    /// when no name is left.
    #[command(alias = "remove")]
    Rm {
        /// Names or IDs (a unique ID prefix is enough).
        #[arg(required = true)]
        images: Vec<String>,
        /// Remove an image by ID even when several names point at it.
        #[arg(short, long)]
        force: bool,
    },
    /// Write an image as one tar that is both a docker-archive (`docker load`)
    /// and an OCI layout (skopeo, umoci).
    Save {
        /// Name or ID of the image.
        image: String,
        /// The file to write (standard output when absent).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Delete blobs and layers no image uses.
    Prune,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(args: Args) -> miette::Result<Outcome> {
    let root = args.store.unwrap_or_else(Store::default_root);
    let store = Store::open(&root).into_diagnostic()?;
    match args.command {
        Command::Pull {
            reference,
            platform,
            quiet,
        } => pull(&store, &reference, &platform, quiet),
        Command::Load { input } => load(&store, input),
        Command::Import { rootfs, name } => import(&store, rootfs, name),
        Command::Ls { format, no_trunc } => ls(&store, format, no_trunc),
        Command::Rm { images, force } => rm(&store, &images, force),
        Command::Save { image, output } => save(&store, &image, output),
        Command::Prune => {
            let freed = store.gc(&[]).into_diagnostic()?;
            println!("Total reclaimed space: {}", archive::human_size(freed));
            Ok(Outcome::Clean)
        }
    }
}

fn pull(store: &Store, reference: &str, platform: &str, quiet: bool) -> miette::Result<Outcome> {
    if registry::offline() {
        return Err(miette::miette!(
            help = format!("load it instead: `docker save {reference} | msmigrate image load`"),
            "MSMIGRATE_OFFLINE=1: not pulling {reference}"
        ));
    }
    let platform = Platform::parse(platform).map_err(|e| miette::miette!("{e}"))?;
    let parsed = registry::Reference::parse(reference).map_err(|e| miette::miette!("{e}"))?;
    let mut stderr_progress;
    let mut silent = registry::NoProgress;
    let progress: &mut dyn registry::PullProgress = if quiet {
        &mut silent
    } else {
        stderr_progress = Reporter::stderr();
        &mut stderr_progress
    };
    if !quiet {
        let what = parsed.tag.as_deref().unwrap_or("latest");
        let what = parsed.digest.as_ref().map_or(what, |d| d.0.as_str());
        // Docker names the repository without Docker Hub's domain.
        let from = if parsed.is_docker_hub() {
            parsed.repository.clone()
        } else {
            format!("{}/{}", parsed.registry, parsed.repository)
        };
        let _ = writeln!(io::stderr(), "{what}: Pulling from {from}");
    }
    let pulled = registry::Client::new(registry::Settings::from_env())
        .pull(store, &parsed, &platform, progress)
        .map_err(|e| miette::miette!("{e}"))?;
    let mut out = io::stdout().lock();
    if !quiet {
        let familiar = store::familiar_name(&pulled.name);
        let status = if pulled.fetched_blobs == 0 {
            format!("Image is up to date for {familiar}")
        } else {
            format!(
                "Downloaded newer image for {familiar} ({} blobs, {})",
                pulled.fetched_blobs,
                archive::human_size(pulled.fetched_bytes)
            )
        };
        writeln!(out, "Status: {status}").into_diagnostic()?;
        writeln!(out, "Image ID: {}", pulled.image.id).into_diagnostic()?;
    }
    writeln!(out, "{}", pulled.name).into_diagnostic()?;
    Ok(Outcome::Clean)
}

fn load(store: &Store, input: Option<PathBuf>) -> miette::Result<Outcome> {
    let loaded = match &input {
        Some(path) if path.as_os_str() != "-" => {
            let file = File::open(path)
                .into_diagnostic()
                .wrap_err_with(|| format!("cannot read {}", path.display()))?;
            archive::load(store, io::BufReader::new(file))
        }
        _ => archive::load(store, io::stdin().lock()),
    }
    .into_diagnostic()
    .wrap_err("cannot load the images")?;
    let mut out = io::stdout().lock();
    for (tags, image) in &loaded {
        if tags.is_empty() {
            writeln!(out, "Loaded image ID: {}", image.id).into_diagnostic()?;
        }
        for tag in tags {
            writeln!(out, "Loaded image: {tag}").into_diagnostic()?;
        }
    }
    Ok(Outcome::Clean)
}

fn import(store: &Store, rootfs: PathBuf, name: Option<String>) -> miette::Result<Outcome> {
    let image = if rootfs.as_os_str() == "-" {
        archive::import_rootfs(store, io::stdin().lock(), name.as_deref())
    } else {
        let file = File::open(&rootfs)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot read {}", rootfs.display()))?;
        archive::import_rootfs(store, io::BufReader::new(file), name.as_deref())
    }
    .into_diagnostic()
    .wrap_err_with(|| format!("cannot import {}", rootfs.display()))?;
    println!("{}", image.id);
    Ok(Outcome::Clean)
}

fn ls(store: &Store, format: Format, no_trunc: bool) -> miette::Result<Outcome> {
    let images = store.list().into_diagnostic()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let mut rows: Vec<[String; 5]> = Vec::new();
    let mut json = Vec::new();
    for (tags, image) in &images {
        let created = image
            .config
            .created
            .as_deref()
            .and_then(archive::parse_rfc3339)
            .unwrap_or(0);
        let id = if no_trunc {
            image.id.0.clone()
        } else {
            image.short_id().to_string()
        };
        let pairs: Vec<(String, String)> = if tags.is_empty() {
            vec![("<none>".to_string(), "<none>".to_string())]
        } else {
            tags.iter().map(|t| store::split_repo_tag(t)).collect()
        };
        for (repo, tag) in pairs {
            json.push(serde_json::json!({
                "id": image.id,
                "repository": repo,
                "tag": tag,
                "created": image.config.created,
                "size": image.docker_size(),
            }));
            rows.push([
                repo,
                tag,
                id.clone(),
                format!("{} ago", human_duration(now - created)),
                archive::human_size(image.docker_size()),
            ]);
        }
    }
    let mut out = io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &json).into_diagnostic()?;
            writeln!(out).into_diagnostic()?;
        }
        Format::Text => {
            let header = ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"].map(String::from);
            write_table(&mut out, std::iter::once(&header).chain(&rows)).into_diagnostic()?;
        }
    }
    Ok(Outcome::Clean)
}

/// Columns as Go's tabwriter pads them for the docker CLI: each as wide as
/// its widest cell plus 3, at least 10; the last one unpadded.
fn write_table<'a>(
    out: &mut impl Write,
    rows: impl Iterator<Item = &'a [String; 5]> + Clone,
) -> io::Result<()> {
    let mut widths = [0usize; 5];
    for row in rows.clone() {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let width = (widths[i] + 3).max(10);
                line.push_str(&format!("{cell:<width$}"));
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// go-units' `HumanDuration`, which `docker image ls` shows as "… ago".
fn human_duration(secs: i64) -> String {
    let secs = secs.max(0);
    let minutes = secs / 60;
    let hours = (secs as f64 / 3600.0).round() as i64;
    if secs < 1 {
        "Less than a second".to_string()
    } else if secs == 1 {
        "1 second".to_string()
    } else if secs < 60 {
        format!("{secs} seconds")
    } else if minutes == 1 {
        "About a minute".to_string()
    } else if minutes < 60 {
        format!("{minutes} minutes")
    } else if hours == 1 {
        "About an hour".to_string()
    } else if hours < 48 {
        format!("{hours} hours")
    } else if hours < 24 * 7 * 2 {
        format!("{} days", hours / 24)
    } else if hours < 24 * 30 * 2 {
        format!("{} weeks", hours / 24 / 7)
    } else if hours < 24 * 365 * 2 {
        format!("{} months", hours / 24 / 30)
    } else {
        format!("{} years", secs / 3600 / 24 / 365)
    }
}

fn rm(store: &Store, images: &[String], force: bool) -> miette::Result<Outcome> {
    let mut out = io::stdout().lock();
    let mut failed = None;
    for name in images {
        match store.remove(name, force) {
            Ok(events) => {
                for event in events {
                    match event {
                        Removed::Untagged(tag) => writeln!(out, "Untagged: {tag}"),
                        Removed::Deleted(id) => writeln!(out, "Deleted: {id}"),
                    }
                    .into_diagnostic()?;
                }
            }
            // Like docker rmi: report, go on with the others, fail at the end.
            Err(e) => {
                let report = miette::Report::msg(e.to_string());
                let _ = writeln!(io::stderr(), "{report:?}");
                failed = Some(e);
            }
        }
    }
    match failed {
        Some(_) => Err(miette::miette!("some images could not be removed")),
        None => Ok(Outcome::Clean),
    }
}

fn save(store: &Store, reference: &str, output: Option<PathBuf>) -> miette::Result<Outcome> {
    let image = store
        .resolve(reference)
        .into_diagnostic()?
        .ok_or_else(|| miette::miette!("no such image: {reference}"))?;
    // A name keeps its tag in the archive; an ID saves the image untagged.
    let tags: Vec<String> = match store::normalize_name(reference) {
        Ok(full)
            if store
                .list()
                .into_diagnostic()?
                .iter()
                .any(|(t, i)| i.id == image.id && t.contains(&store::familiar_name(&full))) =>
        {
            vec![reference.to_string()]
        }
        _ => Vec::new(),
    };
    match output {
        Some(path) if path.as_os_str() != "-" => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let temp = dir.join(format!(
                ".{}.msmigrate-{}.tmp",
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                std::process::id()
            ));
            let result = (|| -> io::Result<()> {
                let mut file = BufWriter::new(File::create(&temp)?);
                archive::write_archive(store, &image, &tags, &mut file)?;
                file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
                std::fs::rename(&temp, &path)
            })();
            if result.is_err() {
                let _ = std::fs::remove_file(&temp);
            }
            result
                .into_diagnostic()
                .wrap_err_with(|| format!("cannot write {}", path.display()))?;
        }
        _ => {
            let stdout = io::stdout();
            archive::write_archive(store, &image, &tags, BufWriter::new(stdout.lock()))
                .into_diagnostic()?;
        }
    }
    Ok(Outcome::Clean)
}
