//! Changing the user's files (`convert --write`, `lint --fix`): all or
//! nothing, never outside the directory the user named, mode and owner
//! kept, and with a way back (`--backup` keeps `FILE.orig`).
//!
//! Every new content is first written to a synced temporary file beside its
//! target; only when all are ready are they renamed into place. Ctrl-C and
//! SIGTERM are held off from the first temporary file to the last rename:
//! one that arrives before the renames start removes the temporary files
//! and leaves the tree as it was; one that arrives during them lets them
//! finish. Either way the process then exits with 130.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use miette::{IntoDiagnostic, WrapErr, miette};

/// The suffix of `--backup` copies.
pub const BACKUP_SUFFIX: &str = ".orig";

struct Staged {
    temp: PathBuf,
    target: PathBuf,
}

/// A set of file writes that land together.
pub struct Writes {
    backup: bool,
    staged: Vec<Staged>,
    signals: Option<HeldSignals>,
}

impl Writes {
    /// No writes yet; with `backup`, each replaced file is kept as
    /// `FILE.orig`.
    pub fn new(backup: bool) -> Writes {
        Writes {
            backup,
            staged: Vec::new(),
            signals: None,
        }
    }

    /// Prepares `path` (inside `root`) to hold `content`. A symlink is
    /// followed so the link stays a link, but only to a file inside `root`.
    pub fn stage(&mut self, root: &Path, path: &Path, content: &[u8]) -> miette::Result<()> {
        let target = confine(root, path)?;
        if self.signals.is_none() {
            self.signals = Some(HeldSignals::hold());
        }
        let dir = target.parent().unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = dir.join(format!(
            ".{name}.msmigrate-{}-{}.tmp",
            std::process::id(),
            self.staged.len()
        ));
        // Recorded before it exists, so a failure below still removes it.
        self.staged.push(Staged {
            temp: temp.clone(),
            target: target.clone(),
        });
        write_temp(&temp, &target, content)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot write {}", target.display()))
    }

    /// Renames every staged file into place (after its backup); returns the
    /// files written. Nothing is changed when a signal came first.
    pub fn commit(mut self) -> miette::Result<Vec<PathBuf>> {
        if self.signals.as_ref().is_some_and(HeldSignals::arrived) {
            self.discard();
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                b"msmigrate: interrupted; no file was changed\n",
            );
            std::process::exit(130);
        }
        let mut written = Vec::new();
        let mut result = Ok(());
        for staged in std::mem::take(&mut self.staged) {
            let step = (|| -> std::io::Result<()> {
                if self.backup && staged.target.exists() {
                    backup(&staged.target)?;
                }
                fs::rename(&staged.temp, &staged.target)
            })();
            match step {
                Ok(()) => written.push(staged.target),
                Err(e) => {
                    let _ = fs::remove_file(&staged.temp);
                    result = Err(e)
                        .into_diagnostic()
                        .wrap_err_with(|| format!("cannot write {}", staged.target.display()));
                    // Those not yet renamed are dropped below.
                    break;
                }
            }
        }
        self.discard();
        if self.signals.take().is_some_and(|s| s.release()) {
            std::process::exit(130);
        }
        result.map(|()| written)
    }

    fn discard(&mut self) {
        for staged in self.staged.drain(..) {
            let _ = fs::remove_file(&staged.temp);
        }
    }
}

impl Drop for Writes {
    fn drop(&mut self) {
        self.discard();
        if let Some(signals) = self.signals.take()
            && signals.release()
        {
            std::process::exit(130);
        }
    }
}

/// `path` made absolute and checked to stay inside `root`: lexically (no
/// `..` out of it) and, for a symlink, by where it points.
fn confine(root: &Path, path: &Path) -> miette::Result<PathBuf> {
    let root = fs::canonicalize(root)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot resolve {}", root.display()))?;
    let full = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().into_diagnostic()?.join(path)
    };
    let lexical = normalize(&full);
    // The file's directory must resolve inside the root (its parents may
    // be symlinks); the file itself may be a symlink to a file inside.
    let parent = lexical.parent().unwrap_or(Path::new("/"));
    let parent = fs::canonicalize(parent)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot resolve {}", parent.display()))?;
    let mut target = parent.join(lexical.file_name().unwrap_or_default());
    if fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_symlink()) {
        target = fs::canonicalize(&target).map_err(|e| {
            miette!(
                "{} is a symlink that does not resolve ({e}); not written",
                path.display()
            )
        })?;
        if !target.is_file() {
            return Err(miette!(
                "{} is a symlink to {}, which is not a regular file; not written",
                path.display(),
                target.display()
            ));
        }
    }
    if !target.starts_with(&root) {
        return Err(miette!(
            help = "run msmigrate on a directory that contains the file",
            "refusing to write {}: it is outside {}",
            target.display(),
            root.display()
        ));
    }
    Ok(target)
}

/// `..` and `.` folded without touching the filesystem.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Writes `content` to the new file `temp` with `target`'s mode and owner.
fn write_temp(temp: &Path, target: &Path, content: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp)?;
    file.write_all(content)?;
    if let Ok(meta) = fs::metadata(target) {
        file.set_permissions(meta.permissions())?;
        // Only root can give a file away; for others it is theirs already.
        if unsafe { libc::geteuid() } == 0 {
            std::os::unix::fs::fchown(&file, Some(meta.uid()), Some(meta.gid()))?;
        }
    }
    file.sync_all()
}

/// Keeps `target`'s current content as `target.orig` (replacing an older
/// backup atomically).
fn backup(target: &Path) -> std::io::Result<()> {
    let mut name = target.as_os_str().to_owned();
    name.push(BACKUP_SUFFIX);
    let backup = PathBuf::from(name);
    let mut temp = backup.as_os_str().to_owned();
    temp.push(format!(".msmigrate-{}.tmp", std::process::id()));
    let temp = PathBuf::from(temp);
    let _ = fs::remove_file(&temp);
    fs::hard_link(target, &temp).or_else(|_| fs::copy(target, &temp).map(|_| ()))?;
    fs::rename(&temp, &backup)
}

/// SIGINT and SIGTERM recorded instead of acted on, while files are written.
struct HeldSignals {
    flag: Arc<AtomicBool>,
    ids: Vec<signal_hook::SigId>,
}

impl HeldSignals {
    fn hold() -> HeldSignals {
        let flag = Arc::new(AtomicBool::new(false));
        let ids = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM]
            .into_iter()
            .filter_map(|s| signal_hook::flag::register(s, Arc::clone(&flag)).ok())
            .collect();
        HeldSignals { flag, ids }
    }

    fn arrived(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// Restores the signals' handling; true when one arrived meanwhile.
    fn release(self) -> bool {
        for id in self.ids {
            signal_hook::low_level::unregister(id);
        }
        // signal-hook's handler stays installed; without an action it would
        // swallow the signal, so the default (terminate) is emulated again.
        let always = Arc::new(AtomicBool::new(true));
        for s in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            let _ = signal_hook::flag::register_conditional_default(s, Arc::clone(&always));
        }
        self.flag.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_dots() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(normalize(Path::new("/a/../../x")), PathBuf::from("/x"));
    }
}
