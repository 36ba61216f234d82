//! Talking to the real Docker engine (the 20.10 client at /usr/bin/docker
//! unless MSMIGRATE_DOCKER says otherwise): builds, exported filesystems,
//! configs and sizes, for the tests that compare with it.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::Command;

use sha2::{Digest, Sha256};

pub fn docker_bin() -> String {
    std::env::var("MSMIGRATE_DOCKER").unwrap_or_else(|_| "/usr/bin/docker".to_string())
}

pub fn docker(args: &[&str]) -> Result<Vec<u8>, String> {
    docker_with(args, false)
}

/// Runs docker with the classic builder, or with BuildKit when `buildkit`
/// (what a Dockerfile-specific `.dockerignore` needs).
pub fn docker_with(args: &[&str], buildkit: bool) -> Result<Vec<u8>, String> {
    let out = Command::new(docker_bin())
        .args(args)
        .env("DOCKER_BUILDKIT", if buildkit { "1" } else { "0" })
        .output()
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "docker {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(out.stdout)
}

pub fn engine_ready() -> Result<(), String> {
    docker(&["info", "--format", "{{.ServerVersion}}"])?;
    docker(&["image", "inspect", "busybox:latest"])
        .map_err(|_| "base images missing: run scripts/e2e-images".to_string())?;
    Ok(())
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("msmigrate-e2e-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Path → description of every entry of the image's exported filesystem.
pub fn filesystem(image: &str) -> Result<BTreeMap<String, String>, String> {
    // An image without CMD or ENTRYPOINT needs a command to be created
    // (it never runs).
    let created = docker(&["create", image]).or_else(|_| docker(&["create", image, "none"]))?;
    let id = String::from_utf8_lossy(&created).trim().to_string();
    let tar = docker(&["export", &id]);
    let _ = docker(&["rm", "-f", &id]);
    let tar = tar?;
    let mut archive = tar::Archive::new(tar.as_slice());
    let mut entries = BTreeMap::new();
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let header = entry.header().clone();
        let path = entry
            .path()
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .trim_end_matches('/')
            .to_string();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).map_err(|e| e.to_string())?;
        let link = entry
            .link_name()
            .ok()
            .flatten()
            .map(|l| l.to_string_lossy().into_owned())
            .unwrap_or_default();
        entries.insert(
            path,
            format!(
                "{:?} mode={:o} uid={} gid={} size={} sha256={} link={link}",
                header.entry_type(),
                header.mode().unwrap_or(0),
                header.uid().unwrap_or(0),
                header.gid().unwrap_or(0),
                content.len(),
                Sha256::digest(&content)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            ),
        );
    }
    Ok(entries)
}

/// The runtime config fields the convert comparison looks at.
pub const CONVERT_FIELDS: &[&str] = &[
    "Cmd",
    "Entrypoint",
    "Env",
    "WorkingDir",
    "User",
    "ExposedPorts",
    "Labels",
    "Volumes",
];

/// The runtime config fields the builder comparison looks at.
pub const BUILD_FIELDS: &[&str] = &[
    "Cmd",
    "Entrypoint",
    "Env",
    "WorkingDir",
    "User",
    "ExposedPorts",
    "Labels",
    "Volumes",
    "StopSignal",
    "Healthcheck",
    "Shell",
    "OnBuild",
];

/// The image's config fields, as `docker image inspect` shows them.
pub fn runtime_config(image: &str, fields: &[&str]) -> Result<String, String> {
    let format: Vec<String> = fields
        .iter()
        .map(|f| format!("{f}={{{{json .Config.{f}}}}}"))
        .collect();
    let out = docker(&["image", "inspect", "--format", &format.join(" "), image])?;
    Ok(String::from_utf8_lossy(&out).trim().to_string())
}

/// The size `docker image ls` shows, in bytes.
pub fn docker_size(image: &str) -> Result<u64, String> {
    let out = docker(&["image", "inspect", "--format", "{{.Size}}", image])?;
    String::from_utf8_lossy(&out)
        .trim()
        .parse()
        .map_err(|e| format!("size of {image}: {e}"))
}

pub fn differences(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Vec<String> {
    differences_named(a, b, "legacy", "converted")
}

/// Every path that differs between two filesystems, naming the sides.
pub fn differences_named(
    a: &BTreeMap<String, String>,
    b: &BTreeMap<String, String>,
    left: &str,
    right: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    for (path, l) in a {
        match b.get(path) {
            None => out.push(format!(
                "only in {left_name}: {path} {l}",
                left_name = left,
                l = l
            )),
            Some(r) if r != l => {
                out.push(format!("{path}:\n    {left:<9} {l}\n    {right:<9} {r}"))
            }
            _ => {}
        }
    }
    for (path, r) in b {
        if !a.contains_key(path) {
            out.push(format!("only in {right}: {path} {r}"));
        }
    }
    out
}
