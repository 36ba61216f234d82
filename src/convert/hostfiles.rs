//! What the output makes of the script's own host work: the `host-files`
//! stage that writes the files the script wrote and the directories it only
//! created, and the RUN lines that replay host steps on artifacts.

use crate::flow::hostfs::{PostStep, StepWord};

use super::join_abs;

/// A file the script wrote on the host, or a directory it only created,
/// which the output makes in its `host-files` stage.
#[derive(Debug, Clone)]
pub(super) struct HostFile {
    /// Where the host had it (relative to the setup directory).
    pub host_path: String,
    /// Destination in the runtime stage.
    pub dest: String,
    /// The file's content (None for a directory).
    pub content: Option<String>,
    /// Its permission bits.
    pub mode: u32,
}

/// The path a host file has in the `host-files` stage.
pub(super) fn host_file_source(host_path: &str) -> String {
    format!("/host/{host_path}")
}

/// A replayed host step as a RUN line: shell form when every word is
/// plain, so it reads as a person would write it; exec form otherwise.
pub(super) fn post_step_line(step: &PostStep, root: &str) -> String {
    let words: Vec<String> = step
        .words
        .iter()
        .map(|w| match w {
            StepWord::Lit(l) => l.clone(),
            StepWord::Path(rel) => join_abs(root, rel),
        })
        .collect();
    let plain = |w: &String| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c))
    };
    if words.iter().all(plain) {
        format!("RUN {}", words.join(" "))
    } else {
        format!("RUN {}", serde_json::to_string(&words).unwrap_or_default())
    }
}

/// A word quoted for `sh` (single quotes).
fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `text` as a printf format that prints it exactly.
fn printf_format(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '%' => out.push_str("%%"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\{:03o}", c as u32))
            }
            c => out.push(c),
        }
    }
    // A leading `-` would be read as an option.
    if let Some(rest) = out.strip_prefix('-') {
        out = format!("\\055{rest}");
    }
    out
}

/// The RUN line that makes the host files in the `host-files` stage.
pub(super) fn host_files_run(files: &[HostFile]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut dirs: Vec<String> = Vec::new();
    for f in files {
        let path = host_file_source(&f.host_path);
        let dir = if f.content.is_some() {
            path.rsplit_once('/')
                .map_or("/".to_string(), |(d, _)| d.to_string())
        } else {
            path.clone()
        };
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    parts.push(format!(
        "mkdir -p {}",
        dirs.iter()
            .map(|d| sh_quote(d))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    for f in files {
        let path = sh_quote(&host_file_source(&f.host_path));
        if let Some(content) = &f.content {
            parts.push(format!(
                "printf {} > {path}",
                sh_quote(&printf_format(content))
            ));
        }
        parts.push(format!("chmod {:o} {path}", f.mode));
    }
    format!("RUN {}", parts.join(" \\\n    && "))
}
