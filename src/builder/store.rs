//! The content-addressed local store: blobs, images and their tags, the
//! extracted trees of layers, and a small key→value table for the build cache.
//!
//! The store directory is itself an OCI image layout, so skopeo and umoci
//! read it as `oci:DIR:docker.io/library/alpine:latest`:
//!
//! ```text
//! oci-layout
//! index.json               images: one manifest descriptor per tag (full name in
//!                          org.opencontainers.image.ref.name), or none for an untagged image
//! blobs/sha256/<hex>       configs, manifests and uncompressed layer tars (digest = diff ID)
//! layers/<hex>/info.json   tar size and Docker's size of a layer, so listing never re-reads tars
//! layers/<hex>/root/       the extracted tree (written by the layer module)
//! layers/<hex>/.complete   written last, when the tree is whole
//! diffid/<hex>             compressed blob digest → diff ID, for blobs verified before
//! cache/<hex>              build-cache values
//! tmp/                     temporary files, renamed into place
//! lock                     flock'ed while the tag index changes
//! ```
//!
//! Every write goes through a temporary file and a rename, so a reader never
//! sees half a file and a crash leaves at most garbage in `tmp/`.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::oci::{Descriptor, Digest, ImageConfig, Index, Manifest, media};

/// The annotation holding a tag's full name in the store's index.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// One layer of an image: its diff ID (the digest of the uncompressed tar,
/// which is also its blob's digest here), the tar's size, and the size
/// Docker reports for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRecord {
    /// sha256 of the uncompressed tar.
    pub diff_id: Digest,
    /// Bytes of the tar.
    pub size: u64,
    /// What Docker 20.10 (overlay2) reports for the layer: see
    /// [`super::archive::docker_size_of_layer`].
    pub docker_size: u64,
}

/// An image in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    /// sha256 of the config blob: Docker's image ID.
    pub id: Digest,
    /// Digest of the OCI manifest in the store.
    pub manifest: Digest,
    /// The config, parsed (the blob `id` names holds its exact bytes).
    pub config: ImageConfig,
    /// The layers, base first.
    pub layers: Vec<LayerRecord>,
}

impl StoredImage {
    /// The size `docker image ls` shows: the sum of the layers' sizes.
    pub fn docker_size(&self) -> u64 {
        self.layers.iter().map(|l| l.docker_size).sum()
    }

    /// The 12-hex short ID.
    pub fn short_id(&self) -> &str {
        let hex = self.id.hex();
        &hex[..hex.len().min(12)]
    }
}

/// What [`Store::remove`] did, in the order Docker prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removed {
    /// A tag was removed (familiar form: `alpine:latest`).
    Untagged(String),
    /// The image itself is gone.
    Deleted(Digest),
}

/// The local store.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Store {
    /// `$XDG_CACHE_HOME/msmigrate/store`, else `~/.cache/msmigrate/store`.
    pub fn default_root() -> PathBuf {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                let home = std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from("/"));
                home.join(".cache")
            });
        cache.join("msmigrate").join("store")
    }

    /// Opens the store at `root`, creating its layout when missing.
    pub fn open(root: &Path) -> io::Result<Store> {
        let store = Store {
            root: root.to_path_buf(),
        };
        for dir in ["blobs/sha256", "layers", "diffid", "cache", "tmp"] {
            fs::create_dir_all(root.join(dir)).map_err(|e| {
                annotate(e, format!("cannot create the store at {}", root.display()))
            })?;
        }
        if !root.join("oci-layout").exists() {
            store.write_atomic(
                &root.join("oci-layout"),
                br#"{"imageLayoutVersion":"1.0.0"}"#,
            )?;
        }
        if !root.join("index.json").exists() {
            let _lock = store.lock()?;
            if !root.join("index.json").exists() {
                store.write_index(&empty_index())?;
            }
        }
        Ok(store)
    }

    /// The store's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A directory on the store's filesystem for files that are then renamed
    /// into the store.
    pub fn temp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// A fresh path in [`Store::temp_dir`] (nothing is created).
    pub fn temp_path(&self, what: &str) -> PathBuf {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        self.temp_dir()
            .join(format!("{what}-{}-{n}", std::process::id()))
    }

    /// Where the blob `d` lives.
    pub fn blob_path(&self, d: &Digest) -> PathBuf {
        self.root.join("blobs/sha256").join(d.hex())
    }

    /// True when the blob `d` is present.
    pub fn has_blob(&self, d: &Digest) -> bool {
        self.blob_path(d).is_file()
    }

    /// Reads the blob `d`, checked against its digest: a damaged blob is
    /// removed (so it is fetched or made again) and reported.
    pub fn read_blob(&self, d: &Digest) -> io::Result<Vec<u8>> {
        let data = fs::read(self.blob_path(d))
            .map_err(|e| annotate(e, format!("blob {d} is missing from the store")))?;
        if Digest::of(&data) != *d {
            let _ = fs::remove_file(self.blob_path(d));
            return Err(damaged(d));
        }
        Ok(data)
    }

    /// True when blob `d` is present with `size` bytes: the cheap check for
    /// a truncated blob, made before a cached result is trusted.
    pub fn blob_intact(&self, d: &Digest, size: u64) -> bool {
        fs::metadata(self.blob_path(d)).is_ok_and(|m| m.is_file() && m.len() == size)
    }

    /// Hashes blob `d`: true when it matches its digest. A damaged blob is
    /// removed, so the next use fetches or rebuilds it.
    pub fn verify_blob(&self, d: &Digest) -> io::Result<bool> {
        let path = self.blob_path(d);
        if !path.is_file() {
            return Ok(false);
        }
        if digest_file(&path)? == *d {
            return Ok(true);
        }
        let _ = fs::remove_file(&path);
        Ok(false)
    }

    /// Like [`Store::resolve`], for a build that needs the image whole: an
    /// image whose manifest, config or layer blobs are damaged or missing
    /// is `None` (its bad blobs removed), so the caller fetches it again.
    pub fn resolve_usable(&self, reference: &str) -> io::Result<Option<StoredImage>> {
        let image = match self.resolve(reference) {
            Ok(Some(image)) => image,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => return Ok(None),
            other => return other,
        };
        for layer in &image.layers {
            if !self.blob_intact(&layer.diff_id, layer.size) {
                let _ = fs::remove_file(self.blob_path(&layer.diff_id));
                return Ok(None);
            }
        }
        Ok(Some(image))
    }

    /// Stores `data`; storing the same bytes twice is a no-op.
    pub fn put_blob(&self, data: &[u8]) -> io::Result<Digest> {
        let digest = Digest::of(data);
        if !self.has_blob(&digest) {
            self.write_atomic(&self.blob_path(&digest), data)?;
        }
        Ok(digest)
    }

    /// Streams `reader` into the store, hashing on the way; returns the
    /// digest and the byte count.
    pub fn put_blob_from(&self, reader: &mut dyn Read) -> io::Result<(Digest, u64)> {
        let temp = self.temp_path("blob");
        let limit = SizeLimit::for_dir(&self.root)?;
        let mut reader = limit.reader(reader, "the blob".to_string());
        let result = (|| {
            let mut file = File::create(&temp)?;
            let mut hasher = Sha256::new();
            let mut buf = vec![0u8; 256 * 1024];
            let mut size = 0u64;
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                hasher.update(&buf[..n]);
                file.write_all(&buf[..n])?;
                size += n as u64;
            }
            file.sync_all()?;
            let digest = Digest::from_hasher(hasher);
            self.install(&temp, &self.blob_path(&digest))?;
            Ok((digest, size))
        })();
        let _ = fs::remove_file(&temp);
        result
    }

    /// Moves the finished file `path` into the store (copies it when it is
    /// on another filesystem). When `expected` is given the content must
    /// have that digest, or nothing is stored and an error is returned.
    pub fn put_blob_file(&self, path: &Path, expected: Option<&Digest>) -> io::Result<Digest> {
        let digest = digest_file(path)?;
        if let Some(want) = expected
            && *want != digest
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}: digest mismatch: expected {want}, got {digest}",
                    path.display()
                ),
            ));
        }
        self.adopt_file(path, &digest)?;
        Ok(digest)
    }

    /// Moves `path`, whose content the caller has hashed to `digest`, into
    /// the store.
    pub(crate) fn adopt_file(&self, path: &Path, digest: &Digest) -> io::Result<()> {
        let target = self.blob_path(digest);
        if target.is_file() {
            let _ = fs::remove_file(path);
            return Ok(());
        }
        File::open(path)?.sync_all()?;
        match fs::rename(path, &target) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EXDEV) => {
                let mut src = File::open(path)?;
                let (copied, _) = self.put_blob_from(&mut src)?;
                if copied != *digest {
                    return Err(io::Error::other(format!(
                        "{} changed while it was stored",
                        path.display()
                    )));
                }
                let _ = fs::remove_file(path);
            }
            Err(e) => {
                return Err(annotate(
                    e,
                    format!("cannot move {} into the store", path.display()),
                ));
            }
        }
        Ok(())
    }

    /// Stores a finished layer tar (moved in like [`Store::put_blob_file`])
    /// and records its sizes; returns its record.
    pub fn put_layer_file(&self, path: &Path) -> io::Result<LayerRecord> {
        let size = fs::metadata(path)?.len();
        let docker_size = super::archive::docker_size_of_layer(File::open(path)?)?;
        let diff_id = self.put_blob_file(path, None)?;
        let record = LayerRecord {
            diff_id,
            size,
            docker_size,
        };
        self.write_layer_info(&record)?;
        Ok(record)
    }

    /// The record of a stored layer blob, from its side file, or computed
    /// from the tar (and saved) when the side file is missing.
    pub fn layer_record(&self, diff_id: &Digest) -> io::Result<LayerRecord> {
        let info = self.layer_base(diff_id).join("info.json");
        if let Ok(bytes) = fs::read(&info)
            && let Ok(record) = serde_json::from_slice::<LayerRecord>(&bytes)
            && record.diff_id == *diff_id
        {
            return Ok(record);
        }
        let path = self.blob_path(diff_id);
        let file = File::open(&path)
            .map_err(|e| annotate(e, format!("layer {diff_id} is missing from the store")))?;
        let size = file.metadata()?.len();
        let docker_size = super::archive::docker_size_of_layer(file)?;
        let record = LayerRecord {
            diff_id: diff_id.clone(),
            size,
            docker_size,
        };
        self.write_layer_info(&record)?;
        Ok(record)
    }

    /// The diff ID recorded for a compressed blob digest (one this store
    /// decompressed and verified before).
    pub fn diff_id_of(&self, compressed: &Digest) -> Option<Digest> {
        let text = fs::read_to_string(self.root.join("diffid").join(compressed.hex())).ok()?;
        Digest::parse(text.trim())
    }

    /// Records that the compressed blob `compressed` decompresses to `diff_id`.
    pub fn record_diff_id(&self, compressed: &Digest, diff_id: &Digest) -> io::Result<()> {
        self.write_atomic(
            &self.root.join("diffid").join(compressed.hex()),
            diff_id.0.as_bytes(),
        )
    }

    fn write_layer_info(&self, record: &LayerRecord) -> io::Result<()> {
        let base = self.layer_base(&record.diff_id);
        fs::create_dir_all(&base)?;
        let info = base.join("info.json");
        if info.exists() {
            return Ok(());
        }
        self.write_atomic(
            &info,
            &serde_json::to_vec(record).map_err(io::Error::other)?,
        )
    }

    fn layer_base(&self, diff_id: &Digest) -> PathBuf {
        self.root.join("layers").join(diff_id.hex())
    }

    /// Where the extracted tree of a layer lives (`layers/<hex>/root`).
    pub fn layer_dir(&self, diff_id: &Digest) -> PathBuf {
        self.layer_base(diff_id).join("root")
    }

    /// True when the layer's tree was extracted completely.
    pub fn layer_complete(&self, diff_id: &Digest) -> bool {
        self.layer_base(diff_id).join(".complete").exists()
    }

    /// Marks the layer's tree as complete (call after it is fully written).
    pub fn mark_layer_complete(&self, diff_id: &Digest) -> io::Result<()> {
        let base = self.layer_base(diff_id);
        fs::create_dir_all(&base)?;
        self.write_atomic(&base.join(".complete"), b"")
    }

    /// Stores an image whose config is serialized here (compact JSON in the
    /// struct's field order, so equal configs give equal IDs).
    pub fn put_image(
        &self,
        config: &ImageConfig,
        layers: &[LayerRecord],
    ) -> io::Result<StoredImage> {
        let bytes = serde_json::to_vec(config).map_err(io::Error::other)?;
        self.put_image_raw(&bytes, layers)
    }

    /// Stores an image from its config's exact bytes (an imported config
    /// keeps fields [`ImageConfig`] does not model, and Docker's image ID is
    /// the digest of those bytes). The layer blobs must already be stored.
    /// The image is listed untagged until [`Store::tag`] names it.
    pub fn put_image_raw(
        &self,
        config_bytes: &[u8],
        layers: &[LayerRecord],
    ) -> io::Result<StoredImage> {
        let config: ImageConfig = serde_json::from_slice(config_bytes).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("invalid image config: {e}"),
            )
        })?;
        let diff_ids: Vec<&Digest> = layers.iter().map(|l| &l.diff_id).collect();
        if config.rootfs.diff_ids.iter().collect::<Vec<_>>() != diff_ids {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the config's rootfs.diff_ids do not match the image's layers",
            ));
        }
        for layer in layers {
            if !self.has_blob(&layer.diff_id) {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("layer {} is not in the store", layer.diff_id),
                ));
            }
            self.write_layer_info(layer)?;
        }
        let id = self.put_blob(config_bytes)?;
        let manifest = Manifest {
            schema_version: 2,
            media_type: Some(media::OCI_MANIFEST.to_string()),
            config: descriptor(media::OCI_CONFIG, id.clone(), config_bytes.len() as u64),
            layers: layers
                .iter()
                .map(|l| descriptor(media::OCI_LAYER, l.diff_id.clone(), l.size))
                .collect(),
        };
        let manifest_bytes = serde_json::to_vec(&manifest).map_err(io::Error::other)?;
        let manifest_digest = self.put_blob(&manifest_bytes)?;
        let image = StoredImage {
            id,
            manifest: manifest_digest,
            config,
            layers: layers.to_vec(),
        };
        let _lock = self.lock()?;
        let mut index = self.read_index()?;
        if !index.manifests.iter().any(|d| d.digest == image.manifest) {
            index.manifests.push(descriptor(
                media::OCI_MANIFEST,
                image.manifest.clone(),
                manifest_bytes.len() as u64,
            ));
            self.write_index(&index)?;
        }
        Ok(image)
    }

    /// Names `image` (`alpine` is stored as `docker.io/library/alpine:latest`).
    /// A tag that named another image moves; that image stays, untagged when
    /// it has no other tag (as Docker's `<none>`).
    pub fn tag(&self, name: &str, image: &StoredImage) -> io::Result<()> {
        let full = normalize_name(name)?;
        let _lock = self.lock()?;
        let mut index = self.read_index()?;
        let size = match index.manifests.iter().find(|d| d.digest == image.manifest) {
            Some(d) => d.size,
            None => fs::metadata(self.blob_path(&image.manifest))
                .map_err(|e| annotate(e, format!("image {} is not in the store", image.id)))?
                .len(),
        };
        // The previous holder of the name keeps an untagged entry.
        if let Some(pos) = index
            .manifests
            .iter()
            .position(|d| ref_name(d) == Some(full.as_str()))
        {
            let old = index.manifests.remove(pos);
            if old.digest != image.manifest
                && !index.manifests.iter().any(|d| d.digest == old.digest)
            {
                index
                    .manifests
                    .push(descriptor(media::OCI_MANIFEST, old.digest, old.size));
            }
        }
        index
            .manifests
            .retain(|d| !(d.digest == image.manifest && ref_name(d).is_none()));
        let mut entry = descriptor(media::OCI_MANIFEST, image.manifest.clone(), size);
        entry.annotations.insert(REF_NAME.to_string(), full);
        index.manifests.push(entry);
        self.write_index(&index)
    }

    /// Finds an image by name (`alpine`, `alpine:3.19`, `docker.io/library/alpine:3.19`)
    /// or by ID (`sha256:<hex>`, the hex, or a unique prefix of it), as
    /// Docker does: names first.
    pub fn resolve(&self, reference: &str) -> io::Result<Option<StoredImage>> {
        Ok(match self.find(reference)? {
            Some(manifest) => Some(self.load_image(&manifest)?),
            None => None,
        })
    }

    /// The manifest digest `reference` names.
    fn find(&self, reference: &str) -> io::Result<Option<Digest>> {
        let index = self.read_index()?;
        if let Ok(full) = normalize_name(reference)
            && let Some(d) = index
                .manifests
                .iter()
                .find(|d| ref_name(d) == Some(full.as_str()))
        {
            return Ok(Some(d.digest.clone()));
        }
        let prefix = reference.strip_prefix("sha256:").unwrap_or(reference);
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let prefix = prefix.to_ascii_lowercase();
        // One manifest per image ID: ours is a function of the config.
        let mut found: BTreeMap<Digest, Digest> = BTreeMap::new();
        for d in &index.manifests {
            let id = self.config_digest(&d.digest)?;
            if id.hex().starts_with(&prefix) {
                found.insert(id, d.digest.clone());
            }
        }
        match found.len() {
            0 => Ok(None),
            1 => Ok(found.into_values().next()),
            n => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("image ID prefix {reference} is ambiguous: it matches {n} images"),
            )),
        }
    }

    fn config_digest(&self, manifest: &Digest) -> io::Result<Digest> {
        Ok(self.read_manifest(manifest)?.config.digest)
    }

    fn read_manifest(&self, manifest: &Digest) -> io::Result<Manifest> {
        serde_json::from_slice(&self.read_blob(manifest)?).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("manifest {manifest} in the store: {e}"),
            )
        })
    }

    /// Reads an image back from its manifest.
    pub fn load_image(&self, manifest: &Digest) -> io::Result<StoredImage> {
        let m = self.read_manifest(manifest)?;
        let config_bytes = self.read_blob(&m.config.digest)?;
        let config: ImageConfig = serde_json::from_slice(&config_bytes).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("config {} in the store: {e}", m.config.digest),
            )
        })?;
        let layers = m
            .layers
            .iter()
            .map(|l| self.layer_record(&l.digest))
            .collect::<io::Result<Vec<_>>>()?;
        Ok(StoredImage {
            id: m.config.digest,
            manifest: manifest.clone(),
            config,
            layers,
        })
    }

    /// Every image with its tags (familiar form, sorted), newest first as
    /// `docker image ls` lists them, then by tag.
    pub fn list(&self) -> io::Result<Vec<(Vec<String>, StoredImage)>> {
        let index = self.read_index()?;
        let mut by_manifest: BTreeMap<Digest, Vec<String>> = BTreeMap::new();
        for d in &index.manifests {
            let tags = by_manifest.entry(d.digest.clone()).or_default();
            if let Some(name) = ref_name(d) {
                tags.push(familiar_name(name));
            }
        }
        let mut out = Vec::new();
        for (manifest, mut tags) in by_manifest {
            tags.sort();
            out.push((tags, self.load_image(&manifest)?));
        }
        out.sort_by(|a, b| {
            b.1.config
                .created
                .cmp(&a.1.config.created)
                .then_with(|| a.0.cmp(&b.0))
                .then_with(|| a.1.id.cmp(&b.1.id))
        });
        Ok(out)
    }

    /// Removes a tag, and the image when no tag is left. By ID, an image with
    /// several tags is removed only with `force` (all its tags go), as
    /// `docker rmi`. Blobs stay until [`Store::gc`].
    pub fn remove(&self, reference: &str, force: bool) -> io::Result<Vec<Removed>> {
        let _lock = self.lock()?;
        let mut index = self.read_index()?;
        let by_name = normalize_name(reference).ok().and_then(|full| {
            index
                .manifests
                .iter()
                .find(|d| ref_name(d) == Some(full.as_str()))
                .map(|d| (full, d.digest.clone()))
        });
        let mut events = Vec::new();
        let manifest = match by_name {
            Some((full, manifest)) => {
                index
                    .manifests
                    .retain(|d| ref_name(d) != Some(full.as_str()));
                events.push(Removed::Untagged(familiar_name(&full)));
                manifest
            }
            None => {
                drop(_lock);
                let Some(manifest) = self.find(reference)? else {
                    return Err(io::Error::new(
                        io::ErrorKind::NotFound,
                        format!("no such image: {reference}"),
                    ));
                };
                return self.remove_by_id(&manifest, reference, force);
            }
        };
        if !index.manifests.iter().any(|d| d.digest == manifest) {
            events.push(Removed::Deleted(self.config_digest(&manifest)?));
        }
        self.write_index(&index)?;
        Ok(events)
    }

    fn remove_by_id(
        &self,
        manifest: &Digest,
        reference: &str,
        force: bool,
    ) -> io::Result<Vec<Removed>> {
        let _lock = self.lock()?;
        let mut index = self.read_index()?;
        let names: Vec<String> = index
            .manifests
            .iter()
            .filter(|d| d.digest == *manifest)
            .filter_map(|d| ref_name(d).map(str::to_string))
            .collect();
        if names.len() > 1 && !force {
            return Err(io::Error::other(format!(
                "unable to delete {reference}: the image is referenced in multiple repositories ({}); remove the tags or force",
                names
                    .iter()
                    .map(|n| familiar_name(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        index.manifests.retain(|d| d.digest != *manifest);
        self.write_index(&index)?;
        let mut events: Vec<Removed> = names
            .iter()
            .map(|n| Removed::Untagged(familiar_name(n)))
            .collect();
        events.push(Removed::Deleted(self.config_digest(manifest)?));
        Ok(events)
    }

    /// Deletes the blobs and layer records no image in the index reaches
    /// (build-cache values are kept, and so are the blobs they name when
    /// `keep` lists them). Returns the number of bytes freed.
    pub fn gc(&self, keep: &[Digest]) -> io::Result<u64> {
        let _lock = self.lock()?;
        let index = self.read_index()?;
        let mut live: std::collections::BTreeSet<String> =
            keep.iter().map(|d| d.hex().to_string()).collect();
        for d in &index.manifests {
            live.insert(d.digest.hex().to_string());
            let m = self.read_manifest(&d.digest)?;
            live.insert(m.config.digest.hex().to_string());
            live.extend(m.layers.iter().map(|l| l.digest.hex().to_string()));
        }
        let mut freed = 0;
        for entry in fs::read_dir(self.root.join("blobs/sha256"))? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !live.contains(&name) {
                freed += entry.metadata().map(|m| m.len()).unwrap_or(0);
                fs::remove_file(entry.path())?;
            }
        }
        for entry in fs::read_dir(self.root.join("layers"))? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !live.contains(&name) {
                remove_tree(&entry.path())?;
            }
        }
        Ok(freed)
    }

    /// The build-cache value stored under `key`.
    pub fn cache_get(&self, key: &Digest) -> io::Result<Option<Vec<u8>>> {
        match fs::read(self.root.join("cache").join(key.hex())) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Stores a build-cache value under `key` (replacing any).
    pub fn cache_put(&self, key: &Digest, value: &[u8]) -> io::Result<()> {
        self.write_atomic(&self.root.join("cache").join(key.hex()), value)
    }

    /// Writes `data` to `path` through a synced temporary file and a rename.
    pub fn write_atomic(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        let temp = self.temp_path("write");
        let result = (|| {
            let mut file = File::create(&temp)?;
            file.write_all(data)?;
            file.sync_all()?;
            fs::rename(&temp, path)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result.map_err(|e| annotate(e, format!("cannot write {}", path.display())))
    }

    /// Renames a synced temporary file to `target` unless it already exists.
    fn install(&self, temp: &Path, target: &Path) -> io::Result<()> {
        if target.is_file() {
            return Ok(());
        }
        fs::rename(temp, target)
            .map_err(|e| annotate(e, format!("cannot write {}", target.display())))
    }

    fn read_index(&self) -> io::Result<Index> {
        let path = self.root.join("index.json");
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(empty_index()),
            Err(e) => return Err(e),
        };
        serde_json::from_slice(&bytes).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        })
    }

    fn write_index(&self, index: &Index) -> io::Result<()> {
        let mut index = index.clone();
        // A stable order keeps the file deterministic whatever the history.
        index.manifests.sort_by(|a, b| {
            ref_name(a)
                .cmp(&ref_name(b))
                .then_with(|| a.digest.cmp(&b.digest))
        });
        let bytes = serde_json::to_vec(&index).map_err(io::Error::other)?;
        self.write_atomic(&self.root.join("index.json"), &bytes)
    }

    /// Takes the store's lock until the guard is dropped.
    fn lock(&self) -> io::Result<nix::fcntl::Flock<File>> {
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.root.join("lock"))?;
        nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive).map_err(|(_, errno)| {
            annotate(io::Error::from(errno), "cannot lock the store".to_string())
        })
    }
}

fn empty_index() -> Index {
    Index {
        schema_version: 2,
        media_type: Some(media::OCI_INDEX.to_string()),
        manifests: Vec::new(),
    }
}

fn descriptor(media_type: &str, digest: Digest, size: u64) -> Descriptor {
    Descriptor {
        media_type: media_type.to_string(),
        digest,
        size,
        annotations: BTreeMap::new(),
        platform: None,
    }
}

fn ref_name(d: &Descriptor) -> Option<&str> {
    d.annotations.get(REF_NAME).map(String::as_str)
}

fn remove_tree(path: &Path) -> io::Result<()> {
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// How many bytes one layer may take once decompressed or extracted:
/// `MSMIGRATE_MAX_LAYER_SIZE` when set (`64MiB`, `2G`, plain bytes), else
/// what the filesystem holding the store has free, minus a margin. A layer
/// larger than that is refused with a clear error before it fills the disk,
/// which is what a decompression bomb or a tar header claiming a petabyte
/// would otherwise do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeLimit {
    /// The most bytes allowed.
    pub bytes: u64,
    /// True when the number comes from `MSMIGRATE_MAX_LAYER_SIZE`.
    pub from_env: bool,
}

/// The environment variable that caps a layer's size.
pub const MAX_LAYER_SIZE_ENV: &str = "MSMIGRATE_MAX_LAYER_SIZE";

impl SizeLimit {
    /// The limit for writing below `dir`.
    pub fn for_dir(dir: &Path) -> io::Result<SizeLimit> {
        if let Ok(text) = std::env::var(MAX_LAYER_SIZE_ENV) {
            let bytes = parse_size(&text).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "{MAX_LAYER_SIZE_ENV}={text:?} is not a size (examples: 512MiB, 20G, 1048576)"
                    ),
                )
            })?;
            return Ok(SizeLimit {
                bytes,
                from_env: true,
            });
        }
        let free = nix::sys::statvfs::statvfs(dir)
            .map(|s| s.blocks_available().saturating_mul(s.fragment_size()))
            .unwrap_or(u64::MAX);
        Ok(SizeLimit {
            bytes: free - (free / 10).min(256 << 20),
            from_env: false,
        })
    }

    /// An error when `total` bytes (of `what`) exceed the limit.
    pub fn check(&self, total: u64, what: &dyn std::fmt::Display) -> io::Result<()> {
        if total <= self.bytes {
            return Ok(());
        }
        let limit = super::archive::human_size(self.bytes);
        let why = if self.from_env {
            format!("the limit of {limit} set by {MAX_LAYER_SIZE_ENV}")
        } else {
            format!("the {limit} free for the store (set {MAX_LAYER_SIZE_ENV} to choose a limit)")
        };
        Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("{what} is larger than {why}"),
        ))
    }

    /// `inner`, failing once more than the limit has been read from it.
    pub fn reader<R: Read>(self, inner: R, what: String) -> LimitedReader<R> {
        LimitedReader {
            inner,
            limit: self,
            read: 0,
            what,
        }
    }
}

/// A reader that stops with an error past a [`SizeLimit`].
pub struct LimitedReader<R> {
    inner: R,
    limit: SizeLimit,
    read: u64,
    what: String,
}

impl<R: Read> Read for LimitedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.limit.check(self.read, &self.what)?;
        Ok(n)
    }
}

/// `512MiB`, `20G`, `1.5GB`, `1048576`: binary multiples, as Docker's
/// memory sizes.
fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return None,
    };
    let bytes = number * (1u64 << shift) as f64;
    (bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

/// The sha256 of a file's content.
pub fn digest_file(path: &Path) -> io::Result<Digest> {
    let mut file =
        File::open(path).map_err(|e| annotate(e, format!("cannot open {}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(Digest::from_hasher(hasher))
}

fn damaged(d: &Digest) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "blob {d} in the store is damaged (its content has another digest); it was removed, so pull or build the image again"
        ),
    )
}

/// Adds context to an I/O error, keeping its kind.
pub(crate) fn annotate(e: io::Error, context: String) -> io::Error {
    io::Error::new(e.kind(), format!("{context}: {e}"))
}

/// Docker's normalized form of an image name: `alpine` →
/// `docker.io/library/alpine:latest`, `me/app:1` → `docker.io/me/app:1`,
/// `localhost:5000/app` → `localhost:5000/app:latest`. Digests
/// (`name@sha256:…`) are kept as given. Invalid names are refused with
/// Docker's reasons.
pub fn normalize_name(name: &str) -> io::Result<String> {
    let invalid = |why: &str| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("invalid reference format {name:?}: {why}"),
        )
    };
    if name.is_empty() {
        return Err(invalid("empty name"));
    }
    let (rest, digest) = match name.split_once('@') {
        Some((r, d)) => {
            if Digest::parse(d).is_none() {
                return Err(invalid("bad digest"));
            }
            (r, Some(d))
        }
        None => (name, None),
    };
    // The tag is after the last colon that follows the last slash.
    let (repo, tag) = match rest.rfind(':') {
        Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    if let Some(tag) = tag {
        let ok = !tag.is_empty()
            && tag.len() <= 128
            && tag.bytes().enumerate().all(|(i, b)| {
                b.is_ascii_alphanumeric() || b == b'_' || (i > 0 && (b == b'.' || b == b'-'))
            });
        if !ok {
            return Err(invalid("bad tag"));
        }
    }
    let mut parts: Vec<&str> = repo.split('/').collect();
    let domain = if parts.len() > 1
        && (parts[0].contains(['.', ':'])
            || parts[0] == "localhost"
            || parts[0].bytes().any(|b| b.is_ascii_uppercase()))
    {
        let d = parts.remove(0);
        if d.is_empty()
            || !d
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        {
            return Err(invalid("bad registry host"));
        }
        d.to_string()
    } else {
        "docker.io".to_string()
    };
    if parts
        .iter()
        .any(|p| p.bytes().any(|b| b.is_ascii_uppercase()))
    {
        return Err(invalid("repository name must be lowercase"));
    }
    if parts.is_empty() || !parts.iter().all(|p| valid_path_component(p)) {
        return Err(invalid("bad repository name"));
    }
    if domain == "docker.io" && parts.len() == 1 {
        parts.insert(0, "library");
    }
    let mut out = format!("{domain}/{}", parts.join("/"));
    match (tag, digest) {
        (Some(t), _) => {
            out.push(':');
            out.push_str(t);
        }
        (None, None) => out.push_str(":latest"),
        (None, Some(_)) => {}
    }
    if let Some(d) = digest {
        out.push('@');
        out.push_str(d);
    }
    if out.len() > 255 + 129 {
        return Err(invalid("name too long"));
    }
    Ok(out)
}

/// `[a-z0-9]+` separated by `.`, `_`, `__` or runs of `-`.
fn valid_path_component(p: &str) -> bool {
    let b = p.as_bytes();
    if b.is_empty() || !b[0].is_ascii_alphanumeric() || !b[b.len() - 1].is_ascii_alphanumeric() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_lowercase() || b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !(b[i].is_ascii_lowercase() || b[i].is_ascii_digit()) {
            i += 1;
        }
        let sep = &p[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// The form Docker shows a normalized name in: `docker.io/library/alpine:latest`
/// → `alpine:latest`, `docker.io/me/app:1` → `me/app:1`.
pub fn familiar_name(full: &str) -> String {
    let short = full.strip_prefix("docker.io/").unwrap_or(full);
    let short = short
        .strip_prefix("library/")
        .filter(|s| !s.contains('/'))
        .unwrap_or(short);
    short.to_string()
}

/// Splits a familiar name into repository and tag (`<none>` when absent).
pub fn split_repo_tag(familiar: &str) -> (String, String) {
    let without_digest = familiar.split('@').next().unwrap_or(familiar);
    match without_digest.rfind(':') {
        Some(i) if !without_digest[i..].contains('/') => (
            without_digest[..i].to_string(),
            without_digest[i + 1..].to_string(),
        ),
        _ => (without_digest.to_string(), "<none>".to_string()),
    }
}
