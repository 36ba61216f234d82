//! Image archives in and out of the store, and Docker's size of a layer.
//!
//! - [`write_archive`] writes one tar that is both an OCI image layout and a
//!   docker-archive, so `docker load` (20.10 and later), skopeo and umoci all
//!   read it; [`write_oci_layout`] writes the same files to a directory.
//! - [`load`] reads `docker save` output (20.10's `<id>/layer.tar` form and
//!   the newer combined form) and OCI archives, verifying every digest.
//! - [`import_rootfs`] is `docker import`.
//! - [`docker_size_of_layer`] is the number `docker image ls` adds up.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::oci::{Descriptor, Digest, History, ImageConfig, Index, Manifest, RootFs, media};
use super::store::{self, Store, StoredImage, annotate};

/// The annotation naming an image fully in an OCI layout (containerd, Docker ≥ 25).
const CONTAINERD_NAME: &str = "io.containerd.image.name";

/// Largest JSON document read from an archive; anything bigger is not a
/// manifest or config but a broken or hostile input.
const MAX_JSON: u64 = 64 << 20;

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

// ---------------------------------------------------------------------------
// Docker's size of a layer
// ---------------------------------------------------------------------------

/// What a path holds after a layer tar is applied to an empty directory.
enum Node {
    Dir,
    /// An inode, as an index into the sizes.
    Inode(usize),
}

/// The size Docker 20.10 (overlay2) records for a layer: `directory.Size` of
/// the layer's diff directory once the tar is applied. That is the sum of
/// `lstat` sizes of everything that is not a directory, each inode once:
/// regular files count their bytes, symlinks the length of their target,
/// hardlinks once per group, whiteouts (0:0 character devices) and other
/// devices nothing. Data a later layer deletes still counts here. Entries
/// are applied as Docker does: a later entry replaces an earlier one at the
/// same path (a non-directory over a directory removes its subtree).
pub fn docker_size_of_layer(tar: impl Read) -> io::Result<u64> {
    let mut archive = tar::Archive::new(tar);
    let mut paths: BTreeMap<String, Node> = BTreeMap::new();
    let mut sizes: Vec<u64> = Vec::new();
    for entry in archive
        .entries()
        .map_err(|e| annotate(e, "layer tar".to_string()))?
    {
        let entry = entry.map_err(|e| annotate(e, "layer tar".to_string()))?;
        let Some(path) = clean_path(&entry.path_bytes()) else {
            continue;
        };
        if path.is_empty() {
            continue; // the root itself
        }
        let kind = entry.header().entry_type();
        let name = path.rsplit('/').next().unwrap_or(&path);
        if name == ".wh..wh..opq" {
            continue; // becomes an xattr on the parent
        }
        if let Some(hidden) = name.strip_prefix(".wh.") {
            let parent = path.rfind('/').map(|i| &path[..i + 1]).unwrap_or("");
            replace(
                &mut paths,
                &format!("{parent}{hidden}"),
                new_inode(&mut sizes, 0),
            );
            continue;
        }
        let node = match kind {
            tar::EntryType::Directory => {
                if matches!(paths.get(&path), Some(Node::Dir)) {
                    continue;
                }
                Node::Dir
            }
            tar::EntryType::Link => {
                let target = entry.link_name_bytes().and_then(|t| clean_path(&t));
                match target.and_then(|t| paths.get(&t)) {
                    Some(Node::Inode(i)) => Node::Inode(*i),
                    // Docker fails on a link to nothing in the layer; a
                    // layer that made it this far counts it as nothing.
                    _ => continue,
                }
            }
            tar::EntryType::Symlink => {
                let len = entry.link_name_bytes().map(|t| t.len()).unwrap_or(0) as u64;
                new_inode(&mut sizes, len)
            }
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                new_inode(&mut sizes, entry.size())
            }
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                new_inode(&mut sizes, 0)
            }
            // PAX and GNU long-name headers are consumed by the reader;
            // anything else Docker skips.
            _ => continue,
        };
        replace(&mut paths, &path, node);
    }
    let mut seen = vec![false; sizes.len()];
    let mut total = 0u64;
    for node in paths.values() {
        if let Node::Inode(i) = node
            && !seen[*i]
        {
            seen[*i] = true;
            total += sizes[*i];
        }
    }
    Ok(total)
}

fn new_inode(sizes: &mut Vec<u64>, size: u64) -> Node {
    sizes.push(size);
    Node::Inode(sizes.len() - 1)
}

/// Puts `node` at `path`, removing what was there (with its subtree).
fn replace(paths: &mut BTreeMap<String, Node>, path: &str, node: Node) {
    if matches!(paths.get(path), Some(Node::Dir)) {
        let prefix = format!("{path}/");
        let doomed: Vec<String> = paths
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            paths.remove(&k);
        }
    }
    paths.insert(path.to_string(), node);
}

/// A tar path made relative and clean (`./a//b/` → `a/b`); `None` when it
/// climbs out of the root or is not UTF-8 (kept byte-exact would not help:
/// only its identity matters, and lossy conversion could merge two names).
fn clean_path(raw: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(raw).ok()?;
    let mut parts: Vec<&str> = Vec::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// One entry of a docker-archive's `manifest.json`.
#[derive(Serialize, Deserialize)]
struct ArchiveManifest {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers")]
    layers: Vec<String>,
}

/// The small files of an archive, by path; blobs are streamed from the store.
struct Layout {
    files: BTreeMap<String, Vec<u8>>,
    blobs: Vec<Digest>,
}

fn layout(store: &Store, image: &StoredImage, tags: &[String]) -> io::Result<Layout> {
    let mut names = Vec::new();
    for tag in tags {
        let full = store::normalize_name(tag)?;
        if full.contains('@') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{tag}: cannot tag an archive by digest"),
            ));
        }
        if !names.contains(&full) {
            names.push(full);
        }
    }
    let manifest_size = fs::metadata(store.blob_path(&image.manifest))
        .map_err(|e| annotate(e, format!("image {} is not in the store", image.id)))?
        .len();
    let manifest_desc = |full: Option<&String>| {
        let mut annotations = BTreeMap::new();
        if let Some(full) = full {
            annotations.insert(CONTAINERD_NAME.to_string(), full.clone());
            let (_, tag) = store::split_repo_tag(full);
            annotations.insert(store::REF_NAME.to_string(), tag);
        }
        Descriptor {
            media_type: media::OCI_MANIFEST.to_string(),
            digest: image.manifest.clone(),
            size: manifest_size,
            annotations,
            platform: None,
        }
    };
    let manifests = if names.is_empty() {
        vec![manifest_desc(None)]
    } else {
        names.iter().map(|n| manifest_desc(Some(n))).collect()
    };
    let index = Index {
        schema_version: 2,
        media_type: Some(media::OCI_INDEX.to_string()),
        manifests,
    };
    let familiar: Vec<String> = names.iter().map(|n| store::familiar_name(n)).collect();
    let docker = vec![ArchiveManifest {
        config: format!("blobs/sha256/{}", image.id.hex()),
        repo_tags: Some(familiar.clone()),
        layers: image
            .layers
            .iter()
            .map(|l| format!("blobs/sha256/{}", l.diff_id.hex()))
            .collect(),
    }];
    let mut files = BTreeMap::new();
    files.insert(
        "oci-layout".to_string(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    );
    files.insert(
        "index.json".to_string(),
        serde_json::to_vec(&index).map_err(io::Error::other)?,
    );
    files.insert(
        "manifest.json".to_string(),
        serde_json::to_vec(&docker).map_err(io::Error::other)?,
    );
    if let Some(top) = image.layers.last()
        && !familiar.is_empty()
    {
        let mut repos: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for name in &familiar {
            let (repo, tag) = store::split_repo_tag(name);
            repos
                .entry(repo)
                .or_default()
                .insert(tag, top.diff_id.hex().to_string());
        }
        files.insert(
            "repositories".to_string(),
            serde_json::to_vec(&repos).map_err(io::Error::other)?,
        );
    }
    let mut blobs = vec![image.manifest.clone(), image.id.clone()];
    blobs.extend(image.layers.iter().map(|l| l.diff_id.clone()));
    blobs.sort();
    blobs.dedup();
    for blob in &blobs {
        if !store.has_blob(blob) {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("blob {blob} is missing from the store"),
            ));
        }
    }
    Ok(Layout { files, blobs })
}

/// What an entry of a written archive holds.
enum Content<'a> {
    Dir,
    Data(&'a [u8]),
    Blob(&'a Digest),
}

/// Writes `image` as one tar that is both an OCI image layout (`oci-layout`,
/// `index.json`, `blobs/sha256/*`) and a docker-archive (`manifest.json`
/// pointing at the same blobs, `repositories`). Entries are sorted and have
/// fixed times, owners and modes, so the same image gives the same bytes.
pub fn write_archive(
    store: &Store,
    image: &StoredImage,
    tags: &[String],
    out: impl Write,
) -> io::Result<()> {
    let layout = layout(store, image, tags)?;
    ensure_intact(store, image, &layout.blobs)?;
    let mut tar = tar::Builder::new(out);
    tar.mode(tar::HeaderMode::Deterministic);
    let mut entries: Vec<(String, Content)> = vec![
        ("blobs/".to_string(), Content::Dir),
        ("blobs/sha256/".to_string(), Content::Dir),
    ];
    for blob in &layout.blobs {
        entries.push((format!("blobs/sha256/{}", blob.hex()), Content::Blob(blob)));
    }
    for (name, data) in &layout.files {
        entries.push((name.clone(), Content::Data(data)));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, content) in entries {
        let mut header = tar::Header::new_ustar();
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        match content {
            Content::Data(data) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(0o644);
                header.set_size(data.len() as u64);
                tar.append_data(&mut header, &name, data)?;
            }
            Content::Blob(blob) => {
                let file = File::open(store.blob_path(blob))?;
                let size = file.metadata()?.len();
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(0o644);
                header.set_size(size);
                // `take` keeps the entry exactly as long as its header says.
                tar.append_data(&mut header, &name, file.take(size))?;
            }
            Content::Dir => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(0o755);
                header.set_size(0);
                tar.append_data(&mut header, &name, io::empty())?;
            }
        }
    }
    tar.into_inner()?.flush()
}

/// Checks every blob of an export against its digest. A damaged layer is
/// rebuilt from its extracted tree when that gives back the same digest
/// (layers this builder made do); otherwise the error says the image must
/// be pulled or built again.
fn ensure_intact(store: &Store, image: &StoredImage, blobs: &[Digest]) -> io::Result<()> {
    for blob in blobs {
        if store.verify_blob(blob)? {
            continue;
        }
        let is_layer = image.layers.iter().any(|l| l.diff_id == *blob);
        if is_layer && store.layer_complete(blob) {
            let temp = store.temp_path("repair");
            let rebuilt = File::create(&temp).and_then(|mut out| {
                super::layer::write_diff(
                    &store.layer_dir(blob),
                    &mut out,
                    &super::layer::DiffOptions::default(),
                )
            });
            if rebuilt.is_ok_and(|info| info.diff_id == *blob)
                && store.put_blob_file(&temp, Some(blob)).is_ok()
            {
                continue;
            }
            let _ = fs::remove_file(&temp);
        }
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "blob {blob} of image {} is damaged or missing in the store (removed); \
                 pull the image again, or rebuild it with --no-cache",
                image.short_id()
            ),
        ));
    }
    Ok(())
}

/// Writes the files of [`write_archive`] into the directory `dir` (an OCI
/// image layout that `docker load` would also read once tarred). Blobs
/// already there are kept; `index.json` and `manifest.json` describe this
/// image only.
pub fn write_oci_layout(
    store: &Store,
    image: &StoredImage,
    tags: &[String],
    dir: &Path,
) -> io::Result<()> {
    let layout = layout(store, image, tags)?;
    ensure_intact(store, image, &layout.blobs)?;
    let blobs = dir.join("blobs/sha256");
    fs::create_dir_all(&blobs)
        .map_err(|e| annotate(e, format!("cannot create {}", blobs.display())))?;
    for blob in &layout.blobs {
        let target = blobs.join(blob.hex());
        if target.is_file() && store::digest_file(&target)? == *blob {
            continue;
        }
        let temp = dir.join(format!(".tmp-{}", blob.hex()));
        let _ = fs::remove_file(&temp);
        if fs::hard_link(store.blob_path(blob), &temp).is_err() {
            fs::copy(store.blob_path(blob), &temp)?;
        }
        fs::rename(&temp, &target)?;
    }
    for (name, data) in &layout.files {
        let target = dir.join(name);
        let temp = dir.join(format!(".tmp-{name}"));
        fs::write(&temp, data)?;
        fs::rename(&temp, &target)
            .map_err(|e| annotate(e, format!("cannot write {}", target.display())))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

/// A regular file of the input archive, spooled to the store's temp dir.
struct Spooled {
    path: PathBuf,
    digest: Digest,
}

/// The input archive, unpacked into temporary files (an archive read from a
/// pipe can put `manifest.json` after the layers, so nothing can be decided
/// before the end).
struct Spool {
    dir: PathBuf,
    files: HashMap<String, Spooled>,
    /// name → (target, is a symlink); hardlink targets are root-relative.
    links: HashMap<String, (String, bool)>,
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

impl Spool {
    fn read(store: &Store, input: impl Read) -> io::Result<Spool> {
        let dir = store.temp_path("load");
        fs::create_dir_all(&dir)?;
        let mut spool = Spool {
            dir,
            files: HashMap::new(),
            links: HashMap::new(),
        };
        let input = checked_tar(input, "the image archive")?;
        let mut archive = tar::Archive::new(input);
        let bad = |e: io::Error| annotate(e, "cannot read the image archive".to_string());
        for (n, entry) in archive.entries().map_err(bad)?.enumerate() {
            let mut entry = entry.map_err(bad)?;
            let Some(name) = clean_path(&entry.path_bytes()) else {
                continue;
            };
            let link = || {
                entry
                    .link_name_bytes()
                    .and_then(|t| String::from_utf8(t.into_owned()).ok())
            };
            match entry.header().entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    let path = spool.dir.join(n.to_string());
                    let mut file = File::create(&path)?;
                    let mut hasher = Sha256::new();
                    let mut buf = vec![0u8; 256 * 1024];
                    loop {
                        let k = entry.read(&mut buf).map_err(bad)?;
                        if k == 0 {
                            break;
                        }
                        hasher.update(&buf[..k]);
                        file.write_all(&buf[..k])?;
                    }
                    spool.files.insert(
                        name,
                        Spooled {
                            path,
                            digest: Digest::from_hasher(hasher),
                        },
                    );
                }
                tar::EntryType::Symlink => {
                    if let Some(t) = link() {
                        spool.links.insert(name, (t, true));
                    }
                }
                tar::EntryType::Link => {
                    if let Some(t) = link() {
                        spool.links.insert(name, (t, false));
                    }
                }
                _ => {}
            }
        }
        Ok(spool)
    }

    /// The file `name` names, through links.
    fn get(&self, name: &str) -> io::Result<&Spooled> {
        let mut current = clean_path(name.as_bytes())
            .ok_or_else(|| invalid(format!("{name}: path leaves the archive")))?;
        for _ in 0..32 {
            if let Some(f) = self.files.get(&current) {
                return Ok(f);
            }
            let Some((target, symlink)) = self.links.get(&current) else {
                return Err(invalid(format!("{name} is missing from the archive")));
            };
            let joined = if *symlink && !target.starts_with('/') {
                match current.rfind('/') {
                    Some(i) => format!("{}/{target}", &current[..i]),
                    None => target.clone(),
                }
            } else {
                target.clone()
            };
            current = clean_path(joined.as_bytes())
                .ok_or_else(|| invalid(format!("{name}: link leaves the archive")))?;
        }
        Err(invalid(format!("{name}: too many levels of links")))
    }

    fn json<T: serde::de::DeserializeOwned>(&self, name: &str) -> io::Result<T> {
        let file = self.get(name)?;
        let bytes = read_small(&file.path, name)?;
        serde_json::from_slice(&bytes).map_err(|e| invalid(format!("{name}: {e}")))
    }

    fn blob(&self, d: &Digest) -> io::Result<&Spooled> {
        let name = format!("blobs/sha256/{}", d.hex());
        let file = self.get(&name)?;
        if file.digest != *d {
            return Err(invalid(format!(
                "{name}: digest mismatch: the content is {}",
                file.digest
            )));
        }
        Ok(file)
    }
}

fn read_small(path: &Path, name: &str) -> io::Result<Vec<u8>> {
    let file = File::open(path)?;
    if file.metadata()?.len() > MAX_JSON {
        return Err(invalid(format!("{name} is too large for a JSON document")));
    }
    let mut bytes = Vec::new();
    file.take(MAX_JSON).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads `docker save` output (Docker 20.10's `<id>/layer.tar` form and the
/// newer combined form) or an OCI archive (`index.json`, nested indexes
/// resolved to linux/amd64), verifies every digest and diff ID, stores the
/// images with uncompressed layers, and tags them. Returns each image with
/// its tags (familiar form).
pub fn load(store: &Store, input: impl Read) -> io::Result<Vec<(Vec<String>, StoredImage)>> {
    let spool = Spool::read(store, input)?;
    let mut out: Vec<(Vec<String>, StoredImage)> = Vec::new();
    if spool.get("manifest.json").is_ok() {
        let entries: Vec<ArchiveManifest> = spool.json("manifest.json")?;
        for entry in entries {
            let config_file = spool.get(&entry.config)?;
            let config_bytes = read_small(&config_file.path, &entry.config)?;
            let image = import_image(
                store,
                &spool,
                &config_bytes,
                &entry
                    .layers
                    .iter()
                    .map(|l| (l.as_str(), None))
                    .collect::<Vec<_>>(),
            )?;
            out.push((entry.repo_tags.unwrap_or_default(), image));
        }
    } else if spool.get("index.json").is_ok() {
        let index: Index = spool.json("index.json")?;
        for desc in &index.manifests {
            let mut tags = Vec::new();
            if let Some(name) = desc.annotations.get(CONTAINERD_NAME) {
                tags.push(name.clone());
            } else if let Some(name) = desc.annotations.get(store::REF_NAME)
                && name.contains([':', '/'])
            {
                tags.push(name.clone());
            }
            let manifest = resolve_manifest(&spool, desc, 0)?;
            let config_file = spool.blob(&manifest.config.digest)?;
            let config_bytes = read_small(&config_file.path, "config")?;
            let layers: Vec<(String, Option<&Descriptor>)> = manifest
                .layers
                .iter()
                .map(|l| (format!("blobs/sha256/{}", l.digest.hex()), Some(l)))
                .collect();
            let refs: Vec<(&str, Option<&Descriptor>)> =
                layers.iter().map(|(p, d)| (p.as_str(), *d)).collect();
            let image = import_image(store, &spool, &config_bytes, &refs)?;
            match out.iter_mut().find(|(_, i)| i.manifest == image.manifest) {
                Some((t, _)) => t.extend(tags),
                None => out.push((tags, image)),
            }
        }
    } else {
        return Err(invalid(
            "not a docker-archive or OCI archive: no manifest.json or index.json",
        ));
    }
    for (tags, image) in &mut out {
        let mut familiar = Vec::new();
        for tag in tags.iter() {
            store.tag(tag, image)?;
            let name = store::familiar_name(&store::normalize_name(tag)?);
            if !familiar.contains(&name) {
                familiar.push(name);
            }
        }
        *tags = familiar;
    }
    Ok(out)
}

/// The image manifest a top-level descriptor leads to, through nested
/// indexes (the linux/amd64 entry of each).
fn resolve_manifest(spool: &Spool, desc: &Descriptor, depth: usize) -> io::Result<Manifest> {
    if depth > 8 {
        return Err(invalid("image indexes nested too deeply"));
    }
    let file = spool.blob(&desc.digest)?;
    let bytes = read_small(&file.path, &desc.digest.0)?;
    let is_index =
        desc.media_type == media::OCI_INDEX || desc.media_type == media::DOCKER_MANIFEST_LIST || {
            let probe: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| invalid(format!("{}: {e}", desc.digest)))?;
            probe.get("manifests").is_some()
        };
    if !is_index {
        return serde_json::from_slice(&bytes)
            .map_err(|e| invalid(format!("manifest {}: {e}", desc.digest)));
    }
    let index: Index = serde_json::from_slice(&bytes)
        .map_err(|e| invalid(format!("index {}: {e}", desc.digest)))?;
    let amd64 = index.manifests.iter().find(|m| {
        m.platform
            .as_ref()
            .is_some_and(|p| p.os == "linux" && p.architecture == "amd64")
    });
    let chosen = match amd64 {
        Some(m) => m,
        None if index.manifests.len() == 1 => &index.manifests[0],
        None => {
            return Err(invalid(format!(
                "index {} has no linux/amd64 image",
                desc.digest
            )));
        }
    };
    resolve_manifest(spool, chosen, depth + 1)
}

/// Stores one image of an archive: each layer decompressed when needed, its
/// diff ID checked against the config, then the config and our manifest.
fn import_image(
    store: &Store,
    spool: &Spool,
    config_bytes: &[u8],
    layers: &[(&str, Option<&Descriptor>)],
) -> io::Result<StoredImage> {
    let config: ImageConfig = serde_json::from_slice(config_bytes)
        .map_err(|e| invalid(format!("invalid image config: {e}")))?;
    if config.rootfs.diff_ids.len() != layers.len() {
        return Err(invalid(format!(
            "the config lists {} diff IDs for {} layers",
            config.rootfs.diff_ids.len(),
            layers.len()
        )));
    }
    let mut records = Vec::new();
    for ((name, desc), diff_id) in layers.iter().zip(&config.rootfs.diff_ids) {
        if Digest::parse(&diff_id.0).is_none() {
            return Err(invalid(format!("invalid diff ID {diff_id}")));
        }
        let file = spool.get(name)?;
        if let Some(desc) = desc
            && desc.digest != file.digest
        {
            return Err(invalid(format!(
                "{name}: digest mismatch: expected {}, got {}",
                desc.digest, file.digest
            )));
        }
        // Verified whether or not the store has the blob: the archive's
        // layer must be what its config says.
        let plain = !is_compressed(&file.path)?;
        if plain
            || store.diff_id_of(&file.digest).as_ref() != Some(diff_id)
            || !store.has_blob(diff_id)
        {
            let temp = store.temp_path("layer");
            let result = decompress_to(&file.path, &temp, name).and_then(|got| {
                let got = got.unwrap_or_else(|| file.digest.clone());
                if got != *diff_id {
                    return Err(invalid(format!(
                        "{name}: diff ID mismatch: the config says {diff_id}, the layer is {got}"
                    )));
                }
                if !plain {
                    store.record_diff_id(&file.digest, diff_id)?;
                }
                if store.has_blob(diff_id) {
                    return Ok(());
                }
                if !temp.exists() {
                    // A copy of the spooled file, which may serve another
                    // image of the archive too.
                    fs::copy(&file.path, &temp)?;
                }
                store.adopt_file(&temp, diff_id)
            });
            let _ = fs::remove_file(&temp);
            result?;
        }
        records.push(store.layer_record(diff_id)?);
    }
    store.put_image_raw(config_bytes, &records)
}

fn is_compressed(path: &Path) -> io::Result<bool> {
    let mut head = [0u8; 4];
    let n = File::open(path)?.read(&mut head)?;
    Ok(head[..n].starts_with(&[0x1f, 0x8b]) || head[..n].starts_with(&[0x28, 0xb5, 0x2f, 0xfd]))
}

/// When `src` is compressed, writes it decompressed to `dst` and returns
/// the digest of the result; `None` when it is a plain tar.
fn decompress_to(src: &Path, dst: &Path, name: &str) -> io::Result<Option<Digest>> {
    let mut reader = BufReader::new(File::open(src)?);
    let head = reader.fill_buf()?;
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Err(invalid(format!("{name}: zstd layers are not supported")));
    }
    if !head.starts_with(&[0x1f, 0x8b]) {
        return Ok(None);
    }
    let limit = store::SizeLimit::for_dir(dst.parent().unwrap_or(Path::new(".")))?;
    let mut decoder = limit.reader(flate2::read::MultiGzDecoder::new(reader), name.to_string());
    let mut out = File::create(dst)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = decoder.read(&mut buf).map_err(|e| match e.kind() {
            io::ErrorKind::FileTooLarge => e,
            _ => annotate(e, format!("{name}: bad gzip data")),
        })?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])?;
    }
    out.sync_all()?;
    Ok(Some(Digest::from_hasher(hasher)))
}

// ---------------------------------------------------------------------------
// docker import
// ---------------------------------------------------------------------------

/// `docker import`: the tar (gzip accepted) becomes the single layer of an
/// image with a minimal config (amd64, linux, no Cmd) and one history
/// entry; its diff ID is the digest of the uncompressed tar, as Docker's.
/// Tagged with `tag` when given. The creation time is `SOURCE_DATE_EPOCH`
/// when set, else now.
pub fn import_rootfs(store: &Store, tar: impl Read, tag: Option<&str>) -> io::Result<StoredImage> {
    if let Some(tag) = tag {
        store::normalize_name(tag)?;
    }
    let mut reader = BufReader::new(tar);
    let head = reader.fill_buf()?;
    if head.is_empty() {
        return Err(invalid("the root filesystem tar is empty"));
    }
    let (diff_id, _) = if head.starts_with(&[0x1f, 0x8b]) {
        store.put_blob_from(&mut checked_tar(
            flate2::read::MultiGzDecoder::new(reader),
            "the root filesystem",
        )?)?
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || head.starts_with(b"BZh")
        || head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z'])
    {
        return Err(invalid(
            "only plain and gzip-compressed tars can be imported",
        ));
    } else {
        store.put_blob_from(&mut checked_tar(reader, "the root filesystem")?)?
    };
    let layer = store.layer_record(&diff_id)?;
    let created = rfc3339(source_date_epoch().unwrap_or_else(now));
    let config = ImageConfig {
        created: Some(created.clone()),
        architecture: "amd64".to_string(),
        os: "linux".to_string(),
        rootfs: RootFs {
            kind: "layers".to_string(),
            diff_ids: vec![diff_id],
        },
        history: vec![History {
            created: Some(created),
            comment: Some("Imported from -".to_string()),
            ..History::default()
        }],
        ..ImageConfig::default()
    };
    let image = store.put_image(&config, &[layer])?;
    if let Some(tag) = tag {
        store.tag(tag, &image)?;
    }
    Ok(image)
}

/// `reader` with its first tar block checked (its checksum, as tar
/// readers check it), so that a file that is no tar gets a plain message
/// rather than the tar reader's complaint about whatever the file holds.
fn checked_tar<R: Read>(mut reader: R, what: &str) -> io::Result<impl Read> {
    let mut head = Vec::with_capacity(512);
    (&mut reader).take(512).read_to_end(&mut head)?;
    if head.len() < 512 {
        return Err(invalid(format!(
            "{what} is not a tar archive ({} bytes, less than one tar header)",
            head.len()
        )));
    }
    if head.iter().any(|&b| b != 0) {
        let field: String = head[148..156]
            .iter()
            .map(|&b| b as char)
            .filter(|c| c.is_ascii_digit())
            .collect();
        let stored = i64::from_str_radix(&field, 8).ok();
        let in_field = |i: usize| (148..156).contains(&i);
        let unsigned: i64 = (0..512)
            .map(|i| if in_field(i) { 32 } else { i64::from(head[i]) })
            .sum();
        let signed: i64 = (0..512)
            .map(|i| {
                if in_field(i) {
                    32
                } else {
                    i64::from(head[i] as i8)
                }
            })
            .sum();
        if stored != Some(unsigned) && stored != Some(signed) {
            return Err(invalid(format!(
                "{what} is not a tar archive (its first block is not a tar header)"
            )));
        }
    }
    Ok(io::Cursor::new(head).chain(reader))
}

fn source_date_epoch() -> Option<i64> {
    std::env::var("SOURCE_DATE_EPOCH").ok()?.trim().parse().ok()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Unix seconds as RFC 3339 in UTC (`2024-05-01T12:00:00Z`).
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Parses RFC 3339 (`2024-05-01T12:00:00.123456789+02:00`) to Unix seconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let off = num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60;
            if *sign == b'+' { off } else { -off }
        }
        _ => return None,
    };
    // Days from civil (inverse of the algorithm in `rfc3339`).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + s - offset)
}

/// A size as the docker CLI shows it (go-units `HumanSizeWithPrecision(size,
/// 3)`): SI units and Go's `%.3g`, so `7.86MB`, `1.23kB`, `42B`, and the
/// odd `1e+03kB` Go prints for 999,500 to 999,999 bytes.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1000.0 && unit < UNITS.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    format!("{}{}", go_format_g3(size), UNITS[unit])
}

/// Go's `%.3g` for a non-negative value below 1000 (ties round to even, as
/// Go's and Rust's exact formatting both do).
fn go_format_g3(v: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    let sci = format!("{v:.2e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if !(-4..3).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{}e{sign}{:02}", trim(mantissa), exp.abs());
    }
    let decimals = (2 - exp).max(0) as usize;
    trim(&format!("{v:.decimals$}"))
}
