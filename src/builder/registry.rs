//! Pulling images from registries over the OCI distribution API, into the
//! store, with a blocking HTTP client (ureq).
//!
//! A pull resolves the reference (`busybox` is
//! `docker.io/library/busybox:latest`, served by `registry-1.docker.io`),
//! fetches the manifest with an `Accept` list of the OCI and Docker types,
//! resolves an index to one platform (linux/amd64 unless told otherwise,
//! attestation manifests skipped), then fetches the config and the layers.
//! Every digest is computed over the bytes received, never taken from a
//! header; a reference by digest must match the manifest's. Layers are
//! streamed to a temporary file while both the compressed stream and the
//! decompressed tar are hashed, so a layer is never held in memory; the tar's
//! digest must be the config's diff ID. The store keeps layers uncompressed,
//! as `archive::load` does, and remembers which compressed digest gave which
//! diff ID, so a blob already there is never fetched again.
//!
//! Authentication follows the registry's `WWW-Authenticate` challenge:
//! `Bearer` asks the named token service (anonymously, or with HTTP Basic
//! credentials from `$DOCKER_CONFIG/config.json`, else
//! `~/.docker/config.json`, `auths.<registry>.auth`); tokens are cached per
//! registry and scope until `expires_in`. `Basic` sends the credentials
//! directly. Redirects (blob downloads usually go to a CDN) are followed by
//! hand, at most [`MAX_REDIRECTS`], and `Authorization` never goes to
//! another origin.
//!
//! Settings, from the environment:
//! - `MSMIGRATE_REGISTRY_MIRRORS=host[:port],…`: Docker Hub mirrors, tried
//!   in order before `registry-1.docker.io` (a `http://` prefix asks for
//!   plain HTTP, which the insecure rule below must allow);
//! - `MSMIGRATE_INSECURE_REGISTRIES=host[:port],…`: registries that may be
//!   reached over plain HTTP. Loopback (`127.0.0.0/8`, `::1`, `localhost`)
//!   always may. HTTPS is tried first, as Docker does.
//! - when a variable is unset, the `registry-mirrors` and
//!   `insecure-registries` of Docker's `/etc/docker/daemon.json` are used.
//! - `MSMIGRATE_OFFLINE=1`: nothing is pulled ([`offline`]).

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::oci::{Descriptor, Digest, ImageConfig, Index, Manifest, PlatformSpec, media};
use super::store::{self, LayerRecord, Store, StoredImage};

/// Redirects followed for one request.
pub const MAX_REDIRECTS: usize = 10;
/// Largest manifest or index accepted (the distribution spec lets registries
/// refuse bigger ones too).
const MAX_MANIFEST: u64 = 4 << 20;
/// Largest config blob accepted.
const MAX_CONFIG: u64 = 64 << 20;
/// Largest token or error answer read.
const MAX_SMALL: u64 = 1 << 20;
/// Most layers an image may have.
const MAX_LAYERS: usize = 1000;
/// Most nested indexes followed.
const MAX_INDEX_DEPTH: usize = 4;
/// What the Accept header asks for on manifests.
const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// What kind of failure a pull met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The reference or platform is malformed.
    InvalidReference,
    /// The registry could not be reached (DNS, connection, TLS, timeout).
    Unreachable,
    /// The registry or its token service refused access.
    Unauthorized,
    /// The repository, tag or blob does not exist.
    NotFound,
    /// Content did not match its digest (or a diff ID).
    DigestMismatch,
    /// Something this client does not handle (schema 1, zstd, other hashes).
    Unsupported,
    /// The registry answered something that breaks the protocol.
    Protocol,
    /// The local store failed.
    Io,
}

/// A pull failure, with a message meant for people.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

fn store_err(e: io::Error) -> Error {
    Error::new(ErrorKind::Io, format!("local store: {e}"))
}

fn protocol(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Protocol, message)
}

/// True when `MSMIGRATE_OFFLINE=1`: nothing may be pulled.
pub fn offline() -> bool {
    std::env::var("MSMIGRATE_OFFLINE").is_ok_and(|v| v == "1")
}

// ---------------------------------------------------------------------------
// References and platforms
// ---------------------------------------------------------------------------

/// An image reference, normalized as Docker does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `docker.io`, `ghcr.io`, `127.0.0.1:5000`.
    pub registry: String,
    /// `library/busybox`.
    pub repository: String,
    /// The tag (`latest` when neither tag nor digest was given).
    pub tag: Option<String>,
    /// The digest, which wins over the tag.
    pub digest: Option<Digest>,
}

impl Reference {
    /// Parses `name[:tag][@sha256:…]` with Docker's defaults.
    pub fn parse(text: &str) -> Result<Reference, Error> {
        let full = store::normalize_name(text)
            .map_err(|e| Error::new(ErrorKind::InvalidReference, e.to_string()))?;
        let (name, digest) = match full.split_once('@') {
            Some((n, d)) => (
                n,
                Some(Digest::parse(d).ok_or_else(|| {
                    Error::new(ErrorKind::InvalidReference, format!("{text}: bad digest"))
                })?),
            ),
            None => (full.as_str(), None),
        };
        let (registry, rest) = name.split_once('/').ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidReference,
                format!("{text}: no repository"),
            )
        })?;
        let (repository, tag) = match rest.rsplit_once(':') {
            Some((r, t)) => (r, Some(t.to_string())),
            None => (rest, None),
        };
        Ok(Reference {
            registry: registry.to_string(),
            repository: repository.to_string(),
            tag,
            digest,
        })
    }

    /// What the manifest is fetched by: the digest, else the tag.
    pub fn reference(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.0.clone(),
            (None, Some(t)) => t.clone(),
            (None, None) => "latest".to_string(),
        }
    }

    /// The name the image is stored under: `registry/repo@digest` for a
    /// digest reference, else `registry/repo:tag`.
    pub fn store_name(&self) -> String {
        match &self.digest {
            Some(d) => format!("{}/{}@{d}", self.registry, self.repository),
            None => format!("{}/{}:{}", self.registry, self.repository, self.reference()),
        }
    }

    /// The host that serves the registry's API (`registry-1.docker.io` for
    /// Docker Hub).
    pub fn api_host(&self) -> &str {
        if self.is_docker_hub() {
            "registry-1.docker.io"
        } else {
            &self.registry
        }
    }

    /// True for Docker Hub.
    pub fn is_docker_hub(&self) -> bool {
        matches!(
            self.registry.as_str(),
            "docker.io" | "index.docker.io" | "registry-1.docker.io"
        )
    }
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&store::familiar_name(&self.store_name()))
    }
}

/// A platform to resolve an index to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// `linux`.
    pub os: String,
    /// `amd64`.
    pub architecture: String,
    /// `v8`, `v7`.
    pub variant: Option<String>,
}

impl Default for Platform {
    fn default() -> Platform {
        Platform {
            os: "linux".to_string(),
            architecture: "amd64".to_string(),
            variant: None,
        }
    }
}

impl Platform {
    /// Parses `os/arch[/variant]` (`linux/arm64/v8`).
    pub fn parse(text: &str) -> Result<Platform, Error> {
        let parts: Vec<&str> = text.split('/').collect();
        let ok = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        if !(2..=3).contains(&parts.len()) || !parts.iter().all(|p| ok(p)) {
            return Err(Error::new(
                ErrorKind::InvalidReference,
                format!("--platform {text}: expected os/arch[/variant], e.g. linux/arm64"),
            ));
        }
        Ok(Platform {
            os: parts[0].to_string(),
            architecture: parts[1].to_string(),
            variant: parts.get(2).map(|v| v.to_string()),
        })
    }

    /// How well an index entry fits: `None` when it does not, otherwise
    /// higher is better (an exact variant over a missing one).
    fn fit(&self, spec: &PlatformSpec) -> Option<u8> {
        if spec.os != self.os || spec.architecture != self.architecture {
            return None;
        }
        // arm64 without a variant is v8, as containerd's platforms package
        // normalizes it.
        let norm = |v: Option<&str>| match (self.architecture.as_str(), v) {
            ("arm64", None) => Some("v8".to_string()),
            (_, v) => v.map(str::to_string),
        };
        let want = norm(self.variant.as_deref());
        let have = norm(spec.variant.as_deref());
        match (&want, &have) {
            (Some(w), Some(h)) if w == h => Some(2),
            (Some(_), _) => None,
            (None, None) => Some(2),
            (None, Some(_)) => Some(1),
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// The entry of an index that `platform` selects, skipping attestation
/// manifests (BuildKit's, annotated and with platform unknown/unknown).
pub fn choose_manifest<'a>(index: &'a Index, platform: &Platform) -> Option<&'a Descriptor> {
    let mut best: Option<(u8, &Descriptor)> = None;
    for entry in &index.manifests {
        if entry
            .annotations
            .get("vnd.docker.reference.type")
            .is_some_and(|t| t == "attestation-manifest")
        {
            continue;
        }
        let Some(spec) = &entry.platform else {
            continue;
        };
        if let Some(score) = platform.fit(spec)
            && best.is_none_or(|(b, _)| score > b)
        {
            best = Some((score, entry));
        }
    }
    best.map(|(_, d)| d)
}

// ---------------------------------------------------------------------------
// Settings and credentials
// ---------------------------------------------------------------------------

/// Mirrors and insecure registries.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Docker Hub mirrors, as written (`host[:port]` or a URL).
    pub mirrors: Vec<String>,
    /// Registries plain HTTP is allowed for, besides loopback.
    pub insecure: Vec<String>,
}

#[derive(Deserialize, Default)]
struct DaemonJson {
    #[serde(rename = "registry-mirrors", default)]
    registry_mirrors: Vec<String>,
    #[serde(rename = "insecure-registries", default)]
    insecure_registries: Vec<String>,
}

impl Settings {
    /// From `MSMIGRATE_REGISTRY_MIRRORS` and `MSMIGRATE_INSECURE_REGISTRIES`,
    /// each falling back to Docker's `/etc/docker/daemon.json` when unset.
    pub fn from_env() -> Settings {
        let daemon: DaemonJson = fs::read("/etc/docker/daemon.json")
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let list = |var: &str, fallback: Vec<String>| match std::env::var(var) {
            Ok(v) => v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            Err(_) => fallback,
        };
        Settings {
            mirrors: list("MSMIGRATE_REGISTRY_MIRRORS", daemon.registry_mirrors),
            insecure: list("MSMIGRATE_INSECURE_REGISTRIES", daemon.insecure_registries),
        }
    }

    /// True when `authority` (`host[:port]`) may be reached over plain HTTP.
    pub fn allows_http(&self, authority: &str) -> bool {
        let host = host_of(authority);
        host == "localhost"
            || host == "::1"
            || host
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback())
            || self.insecure.iter().any(|i| {
                let i = i
                    .trim_start_matches("http://")
                    .trim_start_matches("https://")
                    .trim_end_matches('/');
                i == authority || i == host
            })
    }
}

/// The host part of `host[:port]` (`[::1]:5000` → `::1`).
fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match authority.rsplit_once(':') {
        Some((h, port)) if !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => authority,
    }
}

/// A user name and password for a registry.
#[derive(Clone)]
struct Credentials {
    user: String,
    password: String,
    /// The file they came from, for messages.
    source: PathBuf,
}

#[derive(Deserialize)]
struct DockerConfig {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
}

#[derive(Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
fn docker_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker/config.json"))
}

/// The credentials `config.json` holds for `registry` (a registry name or
/// an API host). Keys may be URLs (`https://index.docker.io/v1/`).
fn credentials_for(registry: &str) -> Option<Credentials> {
    let path = docker_config_path()?;
    let bytes = fs::read(&path).ok()?;
    let config: DockerConfig = serde_json::from_slice(&bytes).ok()?;
    let hub = |h: &str| {
        matches!(
            h,
            "docker.io" | "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com"
        )
    };
    let wanted = |key: &str| {
        let host = key
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or("");
        host == registry || (hub(host) && hub(registry))
    };
    let mut keys: Vec<&String> = config.auths.keys().filter(|k| wanted(k)).collect();
    keys.sort();
    for key in keys {
        let entry = &config.auths[key];
        if let Some(auth) = &entry.auth
            && let Some(decoded) = base64_decode(auth)
            && let Ok(text) = String::from_utf8(decoded)
            && let Some((user, password)) = text.split_once(':')
        {
            return Some(Credentials {
                user: user.to_string(),
                password: password.trim_end_matches('\n').to_string(),
                source: path.clone(),
            });
        }
        if let (Some(user), Some(password)) = (&entry.username, &entry.password) {
            return Some(Credentials {
                user: user.clone(),
                password: password.clone(),
                source: path.clone(),
            });
        }
    }
    None
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard (or URL-safe) base64, padding optional, whitespace ignored.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------
// URLs and challenges
// ---------------------------------------------------------------------------

/// An absolute http(s) URL, split as far as redirects need.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Url {
    https: bool,
    /// `host[:port]`.
    authority: String,
    /// Path and query, starting with `/`.
    path: String,
}

impl Url {
    fn parse(text: &str) -> Option<Url> {
        let (https, rest) = if let Some(r) = text.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = text.strip_prefix("http://") {
            (false, r)
        } else {
            return None;
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..end];
        let path = rest[end..].split('#').next().unwrap_or("");
        let path = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        };
        let valid = !authority.is_empty()
            && authority
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
            && path.bytes().all(|b| b.is_ascii_graphic());
        valid.then(|| Url {
            https,
            authority: authority.to_ascii_lowercase(),
            path,
        })
    }

    /// The target of a `Location` header.
    fn join(&self, location: &str) -> Option<Url> {
        let location = location.trim();
        if location.starts_with("http://") || location.starts_with("https://") {
            return Url::parse(location);
        }
        // Any other scheme (`ftp:`, `file:`) is refused, not taken as a path.
        let first = location.find(['/', '?', '#']).unwrap_or(location.len());
        if location[..first].contains(':') {
            return None;
        }
        let scheme = if self.https { "https:" } else { "http:" };
        if location.starts_with("//") {
            return Url::parse(&format!("{scheme}{location}"));
        }
        let path = if location.starts_with('/') {
            location.to_string()
        } else {
            let base = self.path.split('?').next().unwrap_or("/");
            let dir = &base[..base.rfind('/').map_or(0, |i| i + 1)];
            format!("{dir}{location}")
        };
        Url::parse(&format!("{scheme}//{}{path}", self.authority))
    }

    fn same_origin(&self, other: &Url) -> bool {
        self.https == other.https && self.authority == other.authority
    }
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}{}", self.authority, self.path)
    }
}

/// A `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// `bearer` or `basic`, lowercased.
    pub scheme: String,
    /// Parameters with lowercased names (`realm`, `service`, `scope`).
    pub params: HashMap<String, String>,
}

/// Parses one `WWW-Authenticate` value: `Bearer realm="…",service="…"`.
/// Malformed input gives what could be read, never a panic.
pub fn parse_challenge(value: &str) -> Option<Challenge> {
    let value = value.trim();
    let (scheme, mut rest) = match value.find(char::is_whitespace) {
        Some(i) => (&value[..i], value[i..].trim_start()),
        None => (value, ""),
    };
    if scheme.is_empty() {
        return None;
    }
    let mut params = HashMap::new();
    while !rest.is_empty() {
        rest = rest.trim_start_matches([',', ' ', '\t']);
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq].trim().to_ascii_lowercase();
        rest = rest[eq + 1..].trim_start();
        let mut val = String::new();
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            val.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => val.push(c),
                }
            }
            rest = &quoted[end..];
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            val = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        if !key.is_empty() {
            params.insert(key, val);
        }
    }
    Some(Challenge {
        scheme: scheme.to_ascii_lowercase(),
        params,
    })
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Progress
// ---------------------------------------------------------------------------

/// Receives what a pull does, for display.
pub trait PullProgress {
    /// A line of status (`resolving`, the digest of the manifest).
    fn status(&mut self, _message: &str) {}
    /// A blob starts downloading.
    fn blob_start(&mut self, _digest: &Digest, _size: u64) {}
    /// Bytes of the current blob arrived.
    fn blob_advance(&mut self, _bytes: u64) {}
    /// A blob is in the store: downloaded (`fetched`) or already there.
    fn blob_done(&mut self, _digest: &Digest, _fetched: bool) {}
}

/// Shows nothing.
pub struct NoProgress;

impl PullProgress for NoProgress {}

/// Shows a pull as Docker does: one line per blob, a live bar on a
/// terminal, plain lines otherwise. Color only on a terminal without
/// `NO_COLOR`.
pub struct Reporter<W: Write> {
    out: W,
    tty: bool,
    color: bool,
    current: Option<Bar>,
}

struct Bar {
    label: String,
    total: u64,
    done: u64,
    drawn: Option<Instant>,
}

impl Reporter<io::Stderr> {
    /// On standard error, with a bar when it is a terminal.
    pub fn stderr() -> Reporter<io::Stderr> {
        let tty = io::stderr().is_terminal();
        Reporter::new(io::stderr(), tty)
    }
}

impl<W: Write> Reporter<W> {
    /// On `out`; `tty` chooses bars over plain lines.
    pub fn new(out: W, tty: bool) -> Reporter<W> {
        let color = tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Reporter {
            out,
            tty,
            color,
            current: None,
        }
    }

    fn draw(&mut self) {
        let Some(bar) = &mut self.current else { return };
        if bar
            .drawn
            .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        bar.drawn = Some(Instant::now());
        const WIDTH: u64 = 40;
        let filled = (bar.done.min(bar.total) * WIDTH)
            .checked_div(bar.total)
            .unwrap_or(0);
        let mut line = String::new();
        for i in 0..WIDTH {
            line.push(match i.cmp(&filled) {
                std::cmp::Ordering::Less => '=',
                std::cmp::Ordering::Equal => '>',
                std::cmp::Ordering::Greater => ' ',
            });
        }
        let _ = write!(
            self.out,
            "\r\x1b[2K{}: Downloading [{line}] {}/{}",
            bar.label,
            super::archive::human_size(bar.done),
            super::archive::human_size(bar.total)
        );
        let _ = self.out.flush();
    }
}

fn short(digest: &Digest) -> String {
    digest.hex().chars().take(12).collect()
}

impl<W: Write> PullProgress for Reporter<W> {
    fn status(&mut self, message: &str) {
        let _ = writeln!(self.out, "{message}");
    }

    fn blob_start(&mut self, digest: &Digest, size: u64) {
        self.current = Some(Bar {
            label: short(digest),
            total: size,
            done: 0,
            drawn: None,
        });
        if self.tty {
            self.draw();
        } else {
            let _ = writeln!(
                self.out,
                "{}: Downloading {}",
                short(digest),
                super::archive::human_size(size)
            );
        }
    }

    fn blob_advance(&mut self, bytes: u64) {
        if let Some(bar) = &mut self.current {
            bar.done += bytes;
        }
        if self.tty {
            self.draw();
        }
    }

    fn blob_done(&mut self, digest: &Digest, fetched: bool) {
        self.current = None;
        let what = if fetched {
            "Pull complete"
        } else {
            "Already exists"
        };
        let what = if self.color {
            format!("\x1b[32m{what}\x1b[0m")
        } else {
            what.to_string()
        };
        let clear = if self.tty { "\r\x1b[2K" } else { "" };
        let _ = writeln!(self.out, "{clear}{}: {what}", short(digest));
        let _ = self.out.flush();
    }
}

// ---------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------

/// Where a repository is served from: the registry or one of its mirrors.
#[derive(Debug, Clone)]
struct Endpoint {
    /// `host[:port]`.
    authority: String,
    /// Plain HTTP asked for by the settings (`http://mirror`).
    force_http: bool,
    /// True for a mirror (failures fall through to the next endpoint).
    mirror: bool,
}

struct Token {
    header: String,
    expires: Instant,
}

type Response = ureq::http::Response<ureq::Body>;

/// A registry client: one HTTP agent, the settings, and the token cache.
pub struct Client {
    agent: ureq::Agent,
    settings: Settings,
    /// (authority, scope) → Authorization header value.
    tokens: HashMap<(String, String), Token>,
    /// Authorities found to speak plain HTTP.
    plain: Vec<String>,
}

/// What a pull did.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The image in the store.
    pub image: StoredImage,
    /// The name it is stored under (`docker.io/library/busybox:latest`).
    pub name: String,
    /// Digest of what the reference names: the index when there was one.
    pub digest: Digest,
    /// Digest of the image manifest used.
    pub manifest: Digest,
    /// Blobs downloaded (configs and layers; 0 when all were in the store).
    pub fetched_blobs: usize,
    /// Bytes downloaded for them.
    pub fetched_bytes: u64,
    /// The endpoint that served the image (`registry-1.docker.io`, a mirror).
    pub endpoint: String,
}

/// Pulls `reference` into `store`, with the settings of the environment.
pub fn pull(
    store: &Store,
    reference: &str,
    platform: &Platform,
    progress: &mut dyn PullProgress,
) -> Result<Pulled, Error> {
    let reference = Reference::parse(reference)?;
    Client::new(Settings::from_env()).pull(store, &reference, platform, progress)
}

impl Client {
    /// A client with `settings`.
    pub fn new(settings: Settings) -> Client {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_response_header_size(64 * 1024)
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(120)))
            .timeout_per_read(Some(Duration::from_secs(120)))
            .user_agent(concat!("msmigrate/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent: ureq::Agent::new_with_config(config),
            settings,
            tokens: HashMap::new(),
            plain: Vec::new(),
        }
    }

    fn endpoints(&self, reference: &Reference) -> Result<Vec<Endpoint>, Error> {
        let mut out = Vec::new();
        if reference.is_docker_hub() {
            for m in &self.settings.mirrors {
                let (force_http, rest) = match m.strip_prefix("http://") {
                    Some(r) => (true, r),
                    None => (false, m.strip_prefix("https://").unwrap_or(m)),
                };
                let authority = rest.split('/').next().unwrap_or("").to_ascii_lowercase();
                if Url::parse(&format!("https://{authority}/")).is_none() {
                    return Err(Error::new(
                        ErrorKind::InvalidReference,
                        format!("registry mirror {m:?} is not host[:port]"),
                    ));
                }
                if force_http && !self.settings.allows_http(&authority) {
                    return Err(Error::new(
                        ErrorKind::InvalidReference,
                        format!(
                            "registry mirror {m} is plain HTTP: list {authority} in MSMIGRATE_INSECURE_REGISTRIES to allow it"
                        ),
                    ));
                }
                out.push(Endpoint {
                    authority,
                    force_http,
                    mirror: true,
                });
            }
        }
        out.push(Endpoint {
            authority: reference.api_host().to_string(),
            force_http: false,
            mirror: false,
        });
        Ok(out)
    }

    /// Pulls `reference` into `store`.
    pub fn pull(
        &mut self,
        store: &Store,
        reference: &Reference,
        platform: &Platform,
        progress: &mut dyn PullProgress,
    ) -> Result<Pulled, Error> {
        self.pull_from_endpoints(store, reference, platform, progress)
            .map_err(|mut e| {
                if e.kind == ErrorKind::Unreachable {
                    e.message = format!(
                        "{}; without a network, load the image from Docker instead: `docker save {reference} | msmigrate image load`",
                        e.message
                    );
                }
                e
            })
    }

    fn pull_from_endpoints(
        &mut self,
        store: &Store,
        reference: &Reference,
        platform: &Platform,
        progress: &mut dyn PullProgress,
    ) -> Result<Pulled, Error> {
        let scope = format!("repository:{}:pull", reference.repository);
        let mut failures: Vec<String> = Vec::new();
        let mut found = None;
        for ep in self.endpoints(reference)? {
            match self.manifest(&ep, reference, &reference.reference(), &scope) {
                Ok(m) => {
                    found = Some((ep, m));
                    break;
                }
                Err(e) if ep.mirror => failures.push(format!("mirror {}: {e}", ep.authority)),
                Err(mut e) => {
                    if !failures.is_empty() {
                        e.message = format!("{}; {}", e.message, failures.join("; "));
                    }
                    return Err(e);
                }
            }
        }
        let Some((ep, (mut bytes, mut content_type, top))) = found else {
            return Err(protocol("no registry endpoint"));
        };
        if let Some(want) = &reference.digest
            && *want != top
        {
            return Err(Error::new(
                ErrorKind::DigestMismatch,
                format!("{reference}: the registry sent a manifest with digest {top}"),
            ));
        }
        let mut manifest_digest = top.clone();
        let mut depth = 0;
        let manifest: Manifest = loop {
            match manifest_kind(&content_type, &bytes)? {
                Kind::Manifest => {
                    break serde_json::from_slice(&bytes).map_err(|e| {
                        protocol(format!("manifest {manifest_digest} of {reference}: {e}"))
                    })?;
                }
                Kind::Index => {
                    depth += 1;
                    if depth > MAX_INDEX_DEPTH {
                        return Err(protocol(format!("{reference}: indexes nested too deeply")));
                    }
                    let index: Index = serde_json::from_slice(&bytes).map_err(|e| {
                        protocol(format!("index {manifest_digest} of {reference}: {e}"))
                    })?;
                    let entry = choose_manifest(&index, platform).ok_or_else(|| {
                        let mut have: Vec<String> = index
                            .manifests
                            .iter()
                            .filter_map(|m| m.platform.as_ref())
                            .filter(|p| p.os != "unknown")
                            .map(|p| match &p.variant {
                                Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
                                None => format!("{}/{}", p.os, p.architecture),
                            })
                            .collect();
                        have.dedup();
                        Error::new(
                            ErrorKind::NotFound,
                            format!(
                                "{reference}: no {platform} image in the index (it has: {})",
                                if have.is_empty() {
                                    "none".to_string()
                                } else {
                                    have.join(", ")
                                }
                            ),
                        )
                    })?;
                    let want = checked(&entry.digest)?;
                    let (b, c, got) = self.manifest(&ep, reference, &want.0, &scope)?;
                    if got != want {
                        return Err(Error::new(
                            ErrorKind::DigestMismatch,
                            format!(
                                "{reference}: the {platform} manifest should be {want}, the registry sent {got}"
                            ),
                        ));
                    }
                    (bytes, content_type, manifest_digest) = (b, c, got);
                }
            }
        };
        progress.status(&format!("Digest: {top}"));
        let config_desc = &manifest.config;
        if config_desc.media_type != media::OCI_CONFIG
            && config_desc.media_type != media::DOCKER_CONFIG
        {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "{reference} is not a container image (its config is {})",
                    config_desc.media_type
                ),
            ));
        }
        if manifest.layers.len() > MAX_LAYERS {
            return Err(protocol(format!(
                "{reference}: {} layers is more than an image may have",
                manifest.layers.len()
            )));
        }
        let config_digest = checked(&config_desc.digest)?;
        let mut fetched_blobs = 0;
        let mut fetched_bytes = 0;
        let config_bytes = if store.has_blob(&config_digest) {
            store.read_blob(&config_digest).map_err(store_err)?
        } else {
            if config_desc.size > MAX_CONFIG {
                return Err(protocol(format!(
                    "{reference}: a config of {} bytes is not believable",
                    config_desc.size
                )));
            }
            let resp = self.blob(&ep, reference, &config_digest, &scope)?;
            let bytes = read_limited(resp, config_desc.size.max(1), "config")?;
            let got = Digest::of(&bytes);
            if got != config_digest || bytes.len() as u64 != config_desc.size {
                return Err(Error::new(
                    ErrorKind::DigestMismatch,
                    format!(
                        "config of {reference}: digest mismatch: expected {config_digest} ({} bytes), got {got} ({} bytes)",
                        config_desc.size,
                        bytes.len()
                    ),
                ));
            }
            fetched_blobs += 1;
            fetched_bytes += bytes.len() as u64;
            bytes
        };
        let config: ImageConfig = serde_json::from_slice(&config_bytes)
            .map_err(|e| protocol(format!("config of {reference}: {e}")))?;
        if config.rootfs.diff_ids.len() != manifest.layers.len() {
            return Err(protocol(format!(
                "{reference}: the config lists {} diff IDs for {} layers",
                config.rootfs.diff_ids.len(),
                manifest.layers.len()
            )));
        }
        let mut records: Vec<LayerRecord> = Vec::new();
        for (layer, diff_id) in manifest.layers.iter().zip(&config.rootfs.diff_ids) {
            let digest = checked(&layer.digest)?;
            let diff_id = checked(diff_id)?;
            let cached = store.has_blob(&diff_id)
                && (digest == diff_id || store.diff_id_of(&digest).as_ref() == Some(&diff_id));
            if !cached {
                progress.blob_start(&digest, layer.size);
                let resp = self.blob(&ep, reference, &digest, &scope)?;
                store_layer(store, resp, &digest, layer.size, &diff_id, progress)?;
                fetched_blobs += 1;
                fetched_bytes += layer.size;
            }
            progress.blob_done(&digest, !cached);
            records.push(store.layer_record(&diff_id).map_err(store_err)?);
        }
        let image = store
            .put_image_raw(&config_bytes, &records)
            .map_err(store_err)?;
        let name = reference.store_name();
        store.tag(&name, &image).map_err(store_err)?;
        Ok(Pulled {
            image,
            name,
            digest: top,
            manifest: manifest_digest,
            fetched_blobs,
            fetched_bytes,
            endpoint: ep.authority,
        })
    }

    /// GETs a manifest: its bytes, content type and digest.
    fn manifest(
        &mut self,
        ep: &Endpoint,
        reference: &Reference,
        by: &str,
        scope: &str,
    ) -> Result<(Vec<u8>, String, Digest), Error> {
        let path = format!("/v2/{}/manifests/{by}", reference.repository);
        let resp = self.get(ep, &path, Some(MANIFEST_ACCEPT), scope)?;
        if resp.status() != 200 {
            return Err(failure(resp, &format!("manifest {by} of {reference}"), ep));
        }
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let bytes = read_limited(resp, MAX_MANIFEST, "manifest")?;
        let digest = Digest::of(&bytes);
        Ok((bytes, content_type, digest))
    }

    /// GETs a blob, ready to stream.
    fn blob(
        &mut self,
        ep: &Endpoint,
        reference: &Reference,
        digest: &Digest,
        scope: &str,
    ) -> Result<Response, Error> {
        let path = format!("/v2/{}/blobs/{digest}", reference.repository);
        let resp = self.get(ep, &path, None, scope)?;
        if resp.status() != 200 {
            return Err(failure(resp, &format!("blob {digest} of {reference}"), ep));
        }
        Ok(resp)
    }

    /// GETs `path` from the endpoint, answering one authentication
    /// challenge, and choosing the scheme (HTTPS, or plain HTTP where
    /// allowed once HTTPS failed).
    fn get(
        &mut self,
        ep: &Endpoint,
        path: &str,
        accept: Option<&str>,
        scope: &str,
    ) -> Result<Response, Error> {
        let plain_known = ep.force_http || self.plain.contains(&ep.authority);
        let first = if plain_known { "http" } else { "https" };
        let url = |scheme: &str| {
            Url::parse(&format!("{scheme}://{}{path}", ep.authority))
                .ok_or_else(|| protocol(format!("bad registry URL {scheme}://{}", ep.authority)))
        };
        match self.get_authorized(ep, &url(first)?, accept, scope) {
            Err(e)
                if e.kind == ErrorKind::Unreachable
                    && !plain_known
                    && self.settings.allows_http(&ep.authority) =>
            {
                let result = self.get_authorized(ep, &url("http")?, accept, scope);
                if result.is_ok() {
                    self.plain.push(ep.authority.clone());
                }
                result.map_err(|e2| match e2.kind {
                    ErrorKind::Unreachable => {
                        Error::new(e2.kind, format!("{e2} (over HTTPS: {e})"))
                    }
                    _ => e2,
                })
            }
            other => other,
        }
    }

    fn get_authorized(
        &mut self,
        ep: &Endpoint,
        url: &Url,
        accept: Option<&str>,
        scope: &str,
    ) -> Result<Response, Error> {
        let key = (ep.authority.clone(), scope.to_string());
        let mut auth = self
            .tokens
            .get(&key)
            .filter(|t| t.expires > Instant::now())
            .map(|t| t.header.clone());
        let mut answered = false;
        loop {
            let resp = self.send(url, auth.as_deref(), accept, &ep.authority)?;
            if resp.status() != 401 || answered {
                return Ok(resp);
            }
            let challenges: Vec<Challenge> = resp
                .headers()
                .get_all("www-authenticate")
                .iter()
                .take(16)
                .filter_map(|v| v.to_str().ok())
                .filter_map(parse_challenge)
                .collect();
            let Some(challenge) = challenges
                .iter()
                .find(|c| c.scheme == "bearer")
                .or_else(|| challenges.iter().find(|c| c.scheme == "basic"))
            else {
                return Ok(resp);
            };
            answered = true;
            let token = self.authorize(ep, challenge, scope)?;
            auth = Some(token.header.clone());
            self.tokens.insert(key.clone(), token);
        }
    }

    /// Answers a challenge: a bearer token from the token service, or the
    /// Basic credentials.
    fn authorize(
        &mut self,
        ep: &Endpoint,
        challenge: &Challenge,
        scope: &str,
    ) -> Result<Token, Error> {
        let creds = credentials_for(&ep.authority);
        let basic = |c: &Credentials| {
            format!(
                "Basic {}",
                base64_encode(format!("{}:{}", c.user, c.password).as_bytes())
            )
        };
        if challenge.scheme == "basic" {
            let c = creds.ok_or_else(|| {
                Error::new(
                    ErrorKind::Unauthorized,
                    format!(
                        "{} asks for a user name and password, and {} has none for it (run `docker login {}`)",
                        ep.authority,
                        docker_config_path()
                            .map(|p| p.display().to_string())
                            .unwrap_or_else(|| "~/.docker/config.json".to_string()),
                        ep.authority
                    ),
                )
            })?;
            return Ok(Token {
                header: basic(&c),
                expires: Instant::now() + Duration::from_secs(24 * 3600),
            });
        }
        let realm = challenge
            .params
            .get("realm")
            .and_then(|r| Url::parse(r))
            .ok_or_else(|| {
                protocol(format!(
                    "{} sent a bearer challenge without a usable realm",
                    ep.authority
                ))
            })?;
        if !realm.https && !self.settings.allows_http(&realm.authority) {
            return Err(protocol(format!(
                "{} sends tokens over plain HTTP ({realm}); list {} in MSMIGRATE_INSECURE_REGISTRIES to allow it",
                ep.authority, realm.authority
            )));
        }
        let mut query = Vec::new();
        if let Some(service) = challenge.params.get("service") {
            query.push(format!("service={}", url_encode(service)));
        }
        let scopes = challenge
            .params
            .get("scope")
            .cloned()
            .unwrap_or_else(|| scope.to_string());
        for s in scopes.split_whitespace() {
            query.push(format!("scope={}", url_encode(s)));
        }
        let mut token_url = realm.clone();
        if !query.is_empty() {
            let sep = if token_url.path.contains('?') {
                '&'
            } else {
                '?'
            };
            token_url.path = format!("{}{sep}{}", token_url.path, query.join("&"));
        }
        let auth = creds.as_ref().map(basic);
        let resp = self.send(&token_url, auth.as_deref(), None, &realm.authority)?;
        let status = resp.status().as_u16();
        if status == 401 || status == 403 {
            let who = match &creds {
                Some(c) => format!("the credentials of {} in {}", c.user, c.source.display()),
                None => "anonymous access".to_string(),
            };
            return Err(Error::new(
                ErrorKind::Unauthorized,
                format!(
                    "the token service {} refused {who} to {}",
                    realm, ep.authority
                ),
            ));
        }
        if status != 200 {
            return Err(failure(resp, &format!("token from {realm}"), ep));
        }
        #[derive(Deserialize)]
        struct Answer {
            #[serde(default)]
            token: Option<String>,
            #[serde(default)]
            access_token: Option<String>,
            #[serde(default)]
            expires_in: Option<u64>,
        }
        let body = read_limited(resp, MAX_SMALL, "token")?;
        let answer: Answer = serde_json::from_slice(&body)
            .map_err(|e| protocol(format!("token from {realm}: {e}")))?;
        let token = answer
            .access_token
            .or(answer.token)
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| protocol(format!("the token service {realm} sent no token")))?;
        // The spec's default lifetime is 60 s; never trust an absurd one.
        let lifetime = answer.expires_in.unwrap_or(60).clamp(1, 24 * 3600);
        Ok(Token {
            header: format!("Bearer {token}"),
            expires: Instant::now() + Duration::from_secs(lifetime),
        })
    }

    /// Sends a GET, following redirects by hand: `Authorization` goes only
    /// to `url`'s own origin, and HTTPS never turns into plain HTTP unless
    /// the target is allowed it.
    fn send(
        &self,
        url: &Url,
        auth: Option<&str>,
        accept: Option<&str>,
        registry: &str,
    ) -> Result<Response, Error> {
        let mut current = url.clone();
        for _ in 0..=MAX_REDIRECTS {
            let mut req = self.agent.get(current.to_string());
            if let Some(a) = auth
                && current.same_origin(url)
            {
                req = req.header("Authorization", a);
            }
            if let Some(a) = accept {
                req = req.header("Accept", a);
            }
            let resp = req
                .call()
                .map_err(|e| transport_error(&current, registry, e))?;
            let status = resp.status().as_u16();
            if !matches!(status, 301 | 302 | 303 | 307 | 308) {
                return Ok(resp);
            }
            let next = resp
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .and_then(|l| current.join(l))
                .ok_or_else(|| {
                    protocol(format!("{current}: redirect without a usable Location"))
                })?;
            if current.https && !next.https && !self.settings.allows_http(&next.authority) {
                return Err(protocol(format!(
                    "{current} redirects to plain HTTP ({next}), which is not allowed"
                )));
            }
            current = next;
        }
        Err(protocol(format!(
            "{url}: more than {MAX_REDIRECTS} redirects"
        )))
    }
}

/// Which parser a manifest needs.
enum Kind {
    Manifest,
    Index,
}

/// By Content-Type, then by the body's mediaType, then by its shape.
fn manifest_kind(content_type: &str, body: &[u8]) -> Result<Kind, Error> {
    let by_type = |t: &str| match t {
        media::OCI_MANIFEST | media::DOCKER_MANIFEST => Some(Kind::Manifest),
        media::OCI_INDEX | media::DOCKER_MANIFEST_LIST => Some(Kind::Index),
        _ => None,
    };
    if content_type.starts_with("application/vnd.docker.distribution.manifest.v1") {
        return Err(Error::new(
            ErrorKind::Unsupported,
            "the registry only has a schema 1 manifest, which Docker no longer supports",
        ));
    }
    if let Some(k) = by_type(content_type) {
        return Ok(k);
    }
    let probe: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| protocol(format!("manifest: {e}")))?;
    if let Some(k) = probe
        .get("mediaType")
        .and_then(|m| m.as_str())
        .and_then(by_type)
    {
        return Ok(k);
    }
    if probe.get("schemaVersion").and_then(|v| v.as_u64()) == Some(1) {
        return Err(Error::new(
            ErrorKind::Unsupported,
            "the registry only has a schema 1 manifest, which Docker no longer supports",
        ));
    }
    if probe.get("manifests").is_some() {
        Ok(Kind::Index)
    } else if probe.get("config").is_some() && probe.get("layers").is_some() {
        Ok(Kind::Manifest)
    } else {
        Err(protocol(format!(
            "the registry sent something that is not a manifest (Content-Type {content_type:?})"
        )))
    }
}

/// A digest from the network, validated before it names a file.
fn checked(d: &Digest) -> Result<Digest, Error> {
    Digest::parse(&d.0).ok_or_else(|| {
        let shown: String = d.0.chars().take(80).collect();
        Error::new(
            ErrorKind::Unsupported,
            format!("digest {shown:?}: only sha256 digests are supported"),
        )
    })
}

fn transport_error(url: &Url, registry: &str, e: ureq::Error) -> Error {
    match e {
        ureq::Error::Io(_)
        | ureq::Error::Timeout(_)
        | ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::Tls(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::Protocol(_)
        | ureq::Error::ConnectProxyFailed(_) => Error::new(
            ErrorKind::Unreachable,
            format!("cannot reach the registry {registry} ({url}: {e})"),
        ),
        ureq::Error::LargeResponseHeader(..) => {
            protocol(format!("{url}: the response headers are too large"))
        }
        e => protocol(format!("{url}: {e}")),
    }
}

/// Reads a whole body of at most `limit` bytes.
fn read_limited(resp: Response, limit: u64, what: &str) -> Result<Vec<u8>, Error> {
    let too_large = || protocol(format!("the {what} is larger than {limit} bytes"));
    // ureq's limit errors once it is reached, so one more byte is allowed
    // and the check is done here.
    let bytes = resp
        .into_body()
        .into_with_config()
        .limit(limit + 1)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => too_large(),
            e => Error::new(ErrorKind::Unreachable, format!("reading the {what}: {e}")),
        })?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The error for an unexpected status, with the registry's own message.
fn failure(resp: Response, what: &str, ep: &Endpoint) -> Error {
    let status = resp.status().as_u16();
    let body = read_limited(resp, 8 * 1024, "error").unwrap_or_default();
    #[derive(Deserialize)]
    struct Errors {
        #[serde(default)]
        errors: Vec<ErrorEntry>,
    }
    #[derive(Deserialize)]
    struct ErrorEntry {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    let detail = match serde_json::from_slice::<Errors>(&body) {
        Ok(e) if !e.errors.is_empty() => e
            .errors
            .iter()
            .map(|x| format!("{}: {}", x.code, x.message))
            .collect::<Vec<_>>()
            .join("; "),
        _ => String::from_utf8_lossy(&body).into_owned(),
    };
    let detail: String = detail
        .chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect();
    let detail = if detail.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", detail.trim())
    };
    let kind = match status {
        404 => ErrorKind::NotFound,
        401 | 403 => ErrorKind::Unauthorized,
        _ => ErrorKind::Protocol,
    };
    let hint = match status {
        401 | 403 => format!(
            " (log in with `docker login {}`, or check the name)",
            ep.authority
        ),
        429 => " (the registry's rate limit; try later, log in, or use a mirror)".to_string(),
        _ => String::new(),
    };
    Error::new(
        kind,
        format!("{what}: {} answered {status}{detail}{hint}", ep.authority),
    )
}

/// Counts, caps and hashes what a blob download reads.
struct Hashing<'a, R: Read> {
    inner: R,
    hasher: Sha256,
    count: u64,
    limit: u64,
    progress: &'a mut dyn PullProgress,
}

impl<R: Read> Read for Hashing<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.count >= self.limit {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("the blob is longer than its {} bytes", self.limit),
                )),
            };
        }
        let room = (self.limit - self.count).min(buf.len() as u64) as usize;
        let n = self.inner.read(&mut buf[..room])?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        self.progress.blob_advance(n as u64);
        Ok(n)
    }
}

/// Streams a layer blob into the store: the compressed bytes are hashed
/// and checked against `digest` and `size`, the tar (decompressed when
/// gzip) is written to a temporary file, hashed and checked against
/// `diff_id`, then renamed into the store, and the compressed digest →
/// diff ID pair is recorded.
fn store_layer(
    store: &Store,
    resp: Response,
    digest: &Digest,
    size: u64,
    diff_id: &Digest,
    progress: &mut dyn PullProgress,
) -> Result<(), Error> {
    let temp = store.temp_path("pull");
    let result = write_layer(store, resp, digest, size, diff_id, progress, &temp);
    let _ = fs::remove_file(&temp);
    result
}

fn write_layer(
    store: &Store,
    resp: Response,
    digest: &Digest,
    size: u64,
    diff_id: &Digest,
    progress: &mut dyn PullProgress,
    temp: &Path,
) -> Result<(), Error> {
    let mut src = Hashing {
        inner: resp.into_body().into_reader(),
        hasher: Sha256::new(),
        count: 0,
        limit: size,
        progress,
    };
    let mut out = File::create(temp).map_err(store_err)?;
    let mut head = Vec::with_capacity(4);
    let fetch_err =
        |e: io::Error| Error::new(ErrorKind::Unreachable, format!("blob {digest}: {e}"));
    (&mut src)
        .take(4)
        .read_to_end(&mut head)
        .map_err(fetch_err)?;
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!("layer {digest} is zstd-compressed, which is not supported"),
        ));
    }
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let mut tar_hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    // A decoding failure is reported only after the whole blob is hashed:
    // corrupt bytes are a digest mismatch first.
    let mut decode_error: Option<io::Error> = None;
    let limit = store::SizeLimit::for_dir(store.root()).map_err(store_err)?;
    {
        let reader: Box<dyn Read + '_> = if gzip {
            Box::new(flate2::read::MultiGzDecoder::new(
                (&head[..]).chain(&mut src),
            ))
        } else {
            Box::new((&head[..]).chain(&mut src))
        };
        let mut reader = limit.reader(reader, format!("layer {digest}"));
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    tar_hasher.update(&buf[..n]);
                    out.write_all(&buf[..n]).map_err(store_err)?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    decode_error = Some(e);
                    break;
                }
            }
        }
    }
    // Whatever the decoder left (trailing bytes, or all of it after an
    // error) still counts toward the digest.
    if let Err(e) = io::copy(&mut src, &mut io::sink()) {
        return Err(fetch_err(e));
    }
    let got = Digest::from_hasher(std::mem::take(&mut src.hasher));
    if got != *digest || src.count != size {
        return Err(Error::new(
            ErrorKind::DigestMismatch,
            format!(
                "blob {digest}: digest mismatch: received {} bytes with digest {got}, expected {size} bytes",
                src.count
            ),
        ));
    }
    if let Some(e) = decode_error {
        if e.kind() == io::ErrorKind::FileTooLarge {
            return Err(store_err(e));
        }
        return Err(protocol(format!(
            "layer {digest}: bad compressed data: {e}"
        )));
    }
    let got_diff = Digest::from_hasher(tar_hasher);
    if got_diff != *diff_id {
        return Err(Error::new(
            ErrorKind::DigestMismatch,
            format!(
                "layer {digest}: diff ID mismatch: the config says {diff_id}, the layer is {got_diff}"
            ),
        ));
    }
    out.sync_all().map_err(store_err)?;
    drop(out);
    if gzip {
        store.record_diff_id(digest, diff_id).map_err(store_err)?;
    }
    store.adopt_file(temp, diff_id).map_err(store_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        for s in ["", "a", "ab", "abc", "user:pass", "ünïcode:p@ss"] {
            assert_eq!(
                base64_decode(&base64_encode(s.as_bytes())).unwrap(),
                s.as_bytes()
            );
        }
        assert_eq!(base64_encode(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64_decode("dXNlcjpwYXNz").unwrap(), b"user:pass");
        assert!(base64_decode("not*base64").is_none());
    }

    #[test]
    fn challenges() {
        let c = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/debian:pull""#,
        )
        .unwrap();
        assert_eq!(c.scheme, "bearer");
        assert_eq!(c.params["realm"], "https://auth.docker.io/token");
        assert_eq!(c.params["service"], "registry.docker.io");
        assert_eq!(c.params["scope"], "repository:library/debian:pull");
        let c = parse_challenge(r#"Basic realm="a \"q\", b""#).unwrap();
        assert_eq!(c.params["realm"], r#"a "q", b"#);
        let c = parse_challenge("Bearer realm=x, scope=y").unwrap();
        assert_eq!(c.params["realm"], "x");
        assert_eq!(c.params["scope"], "y");
        // Garbage never panics.
        for junk in [
            "",
            "=",
            "Bearer =",
            "Bearer realm=\"",
            "Bearer ,,,=,\"",
            "é é=é",
        ] {
            let _ = parse_challenge(junk);
        }
    }

    #[test]
    fn url_joins() {
        let base = Url::parse("https://reg.example:5000/v2/a/blobs/sha256:1?x=1").unwrap();
        assert_eq!(
            base.join("https://cdn.example/b?sig=2")
                .unwrap()
                .to_string(),
            "https://cdn.example/b?sig=2"
        );
        assert_eq!(
            base.join("/c").unwrap().to_string(),
            "https://reg.example:5000/c"
        );
        assert_eq!(
            base.join("d").unwrap().to_string(),
            "https://reg.example:5000/v2/a/blobs/d"
        );
        assert_eq!(
            base.join("//other/e").unwrap().to_string(),
            "https://other/e"
        );
        assert!(base.join("ftp://x/").is_none());
        assert!(base.join("https://user@host/").is_none());
        assert!(!base.same_origin(&Url::parse("https://reg.example:5001/").unwrap()));
    }

    #[test]
    fn loopback_is_insecure_ok() {
        let s = Settings {
            mirrors: vec![],
            insecure: vec!["reg.lan:5000".into(), "other.lan".into()],
        };
        for ok in [
            "127.0.0.1:5000",
            "127.1.2.3",
            "localhost:1",
            "[::1]:5000",
            "reg.lan:5000",
            "other.lan:80",
        ] {
            assert!(s.allows_http(ok), "{ok}");
        }
        for no in [
            "reg.lan:5001",
            "example.com",
            "128.0.0.1:5000",
            "localhost.evil.com",
        ] {
            assert!(!s.allows_http(no), "{no}");
        }
    }
}
