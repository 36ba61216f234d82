//! The local store and the archive formats: round trips, determinism,
//! Docker's layer size on hand-built tars, hostile archives, and — when an
//! engine is there — the real Docker 20.10 as the oracle for image IDs,
//! sizes and diff IDs.
//!
//! The Docker part runs when `/usr/bin/docker` reaches a daemon (or
//! MSMIGRATE_REQUIRE_DOCKER=1, which turns a missing engine into a failure)
//! and needs the base images of `scripts/e2e-images`.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use msmigrate::builder::archive::{self, docker_size_of_layer, human_size};
use msmigrate::builder::oci::{Digest, History, ImageConfig, RootFs};
use msmigrate::builder::store::{self, LayerRecord, Removed, Store, StoredImage};

// ---------------------------------------------------------------------------
// Hand-built tars
// ---------------------------------------------------------------------------

enum E<'a> {
    Dir(&'a str),
    File(&'a str, Vec<u8>, u32),
    Link(&'a str, &'a str),
    Sym(&'a str, &'a str),
    Char(&'a str),
}

fn tar_of(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        match e {
            E::Dir(p) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                b.append_data(&mut h, p, std::io::empty()).unwrap();
            }
            E::File(p, data, mode) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(*mode);
                h.set_size(data.len() as u64);
                b.append_data(&mut h, p, &data[..]).unwrap();
            }
            E::Link(p, target) => {
                h.set_entry_type(tar::EntryType::Link);
                h.set_mode(0o644);
                h.set_size(0);
                b.append_link(&mut h, p, target).unwrap();
            }
            E::Sym(p, target) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_mode(0o777);
                h.set_size(0);
                b.append_link(&mut h, p, target).unwrap();
            }
            E::Char(p) => {
                h.set_entry_type(tar::EntryType::Char);
                h.set_mode(0o600);
                h.set_size(0);
                h.set_device_major(1).unwrap();
                h.set_device_minor(3).unwrap();
                b.append_data(&mut h, p, std::io::empty()).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// The two layers of research note 0.1 #3 (Docker reported 8001 for them),
/// plus a 1125-byte file in a third layer, which lands on a rounding tie in
/// `docker image ls` ("1.12kB" or "1.13kB").
fn research_layers() -> Vec<Vec<u8>> {
    vec![
        tar_of(&[
            E::Dir("etc/"),
            E::File("etc/a", bytes(1000, 1), 0o755),
            E::Link("etc/b", "etc/a"),
            E::Sym("etc/s", "a"),
            E::File("big", bytes(5000, 2), 0o644),
        ]),
        tar_of(&[
            E::File(".wh.big", Vec::new(), 0o600),
            E::File("c", bytes(2000, 3), 0o644),
        ]),
        tar_of(&[E::File("tie", bytes(1125, 4), 0o644)]),
    ]
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("msmigrate-store-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn put_layer(store: &Store, tar: &[u8]) -> LayerRecord {
    let diff_id = store.put_blob(tar).unwrap();
    store.layer_record(&diff_id).unwrap()
}

fn image_of(store: &Store, layers: &[Vec<u8>], cmd: &str) -> StoredImage {
    let records: Vec<LayerRecord> = layers.iter().map(|l| put_layer(store, l)).collect();
    let mut config = ImageConfig {
        created: Some("2024-01-02T03:04:05Z".to_string()),
        architecture: "amd64".to_string(),
        os: "linux".to_string(),
        rootfs: RootFs {
            kind: "layers".to_string(),
            diff_ids: records.iter().map(|r| r.diff_id.clone()).collect(),
        },
        ..ImageConfig::default()
    };
    config.config.cmd = Some(vec![cmd.to_string()]);
    config.config.env = Some(vec!["PATH=/bin".to_string()]);
    config.history = records
        .iter()
        .map(|_| History {
            created_by: Some(format!("COPY {cmd}")),
            ..History::default()
        })
        .collect();
    store.put_image(&config, &records).unwrap()
}

// ---------------------------------------------------------------------------
// Docker's size
// ---------------------------------------------------------------------------

#[test]
fn docker_size_counts_like_overlay2_directory_size() {
    let sizes: Vec<u64> = research_layers()
        .iter()
        .map(|l| docker_size_of_layer(&l[..]).unwrap())
        .collect();
    assert_eq!(sizes, [6001, 2000, 1125]);

    let cases: Vec<(&str, Vec<u8>, u64)> = vec![
        ("empty tar", tar_of(&[]), 0),
        (
            "directories only",
            tar_of(&[E::Dir("a/"), E::Dir("a/b/")]),
            0,
        ),
        (
            "hardlink group counted once",
            tar_of(&[
                E::File("a", bytes(10, 0), 0o644),
                E::Link("b", "a"),
                E::Link("c", "b"),
            ]),
            10,
        ),
        (
            "symlink counts its target",
            tar_of(&[E::Sym("l", "/usr/lib/x86_64")]),
            15,
        ),
        (
            "devices and whiteouts count nothing",
            tar_of(&[
                E::Char("dev/null"),
                E::File("x/.wh.y", vec![], 0o600),
                E::File(".wh..wh..opq", vec![], 0o600),
            ]),
            0,
        ),
        (
            "later entry replaces earlier",
            tar_of(&[
                E::File("a", bytes(100, 0), 0o644),
                E::File("a", bytes(7, 0), 0o644),
            ]),
            7,
        ),
        (
            "file over a directory drops its subtree",
            tar_of(&[
                E::Dir("d/"),
                E::File("d/x", bytes(50, 0), 0o644),
                E::File("d", bytes(3, 0), 0o644),
            ]),
            3,
        ),
        (
            "replaced link target keeps the old inode",
            tar_of(&[
                E::File("a", bytes(10, 0), 0o644),
                E::Link("b", "a"),
                E::File("a", bytes(4, 0), 0o644),
            ]),
            14,
        ),
        (
            "link to nothing in the layer",
            tar_of(&[E::Link("b", "missing")]),
            0,
        ),
        (
            "dot-slash names are the same path",
            tar_of(&[E::File("./a", bytes(9, 0), 0o644), E::Link("a2", "a")]),
            9,
        ),
    ];
    for (name, tar, want) in cases {
        assert_eq!(docker_size_of_layer(&tar[..]).unwrap(), want, "{name}");
    }
}

#[test]
fn human_size_is_go_units_precision_3() {
    for (n, want) in [
        (0, "0B"),
        (42, "42B"),
        (999, "999B"),
        (1000, "1kB"),
        (1230, "1.23kB"),
        (1125, "1.12kB"),
        (8001, "8kB"),
        (1_985_556, "1.99MB"),
        (7_860_000, "7.86MB"),
        (999_499, "999kB"),
        (999_999, "1e+03kB"),
        (12_345_678_901, "12.3GB"),
    ] {
        assert_eq!(human_size(n), want, "{n}");
    }
}

#[test]
fn names_normalize_like_docker() {
    for (name, full, familiar) in [
        ("alpine", "docker.io/library/alpine:latest", "alpine:latest"),
        (
            "alpine:3.19",
            "docker.io/library/alpine:3.19",
            "alpine:3.19",
        ),
        ("me/app", "docker.io/me/app:latest", "me/app:latest"),
        (
            "docker.io/library/busybox:1",
            "docker.io/library/busybox:1",
            "busybox:1",
        ),
        (
            "localhost:5000/x/y:v1.0",
            "localhost:5000/x/y:v1.0",
            "localhost:5000/x/y:v1.0",
        ),
        (
            "quay.io/a_b/c-d__e",
            "quay.io/a_b/c-d__e:latest",
            "quay.io/a_b/c-d__e:latest",
        ),
    ] {
        assert_eq!(store::normalize_name(name).unwrap(), full, "{name}");
        assert_eq!(store::familiar_name(full), familiar, "{name}");
    }
    for bad in [
        "",
        "Alpine",
        "a:",
        "a:-x",
        "a//b",
        "-a",
        "a@sha256:12",
        "a:b:c",
    ] {
        assert!(
            store::normalize_name(bad).is_err(),
            "{bad:?} should be refused"
        );
    }
}

// ---------------------------------------------------------------------------
// Store
// ---------------------------------------------------------------------------

#[test]
fn store_blobs_tags_resolve_and_remove() {
    let dir = temp_dir("tags");
    let store = Store::open(&dir).unwrap();
    assert!(dir.join("oci-layout").is_file() && dir.join("index.json").is_file());

    let d = store.put_blob(b"hello").unwrap();
    assert_eq!(store.put_blob(b"hello").unwrap(), d);
    assert_eq!(store.read_blob(&d).unwrap(), b"hello");
    let (d2, n) = store.put_blob_from(&mut &b"hello"[..]).unwrap();
    assert_eq!((d2, n), (d.clone(), 5));
    let temp = store.temp_dir().join("x");
    std::fs::write(&temp, b"other").unwrap();
    let err = store.put_blob_file(&temp, Some(&d)).unwrap_err();
    assert!(err.to_string().contains("digest mismatch"), "{err}");
    assert!(
        store
            .put_blob_file(&temp, Some(&Digest::of(b"other")))
            .is_ok()
    );
    assert!(!temp.exists());

    let layers = research_layers();
    let one = image_of(&store, &layers[..1], "one");
    let two = image_of(&store, &layers, "two");
    assert_eq!(two.docker_size(), 6001 + 2000 + 1125);
    assert_eq!(two.id, Digest::of(&store.read_blob(&two.id).unwrap()));

    // Untagged images are listed as <none>.
    assert_eq!(store.list().unwrap().len(), 2);
    store.tag("demo", &one).unwrap();
    store.tag("demo:2", &two).unwrap();
    store.tag("reg.local:5000/demo/x:2", &two).unwrap();
    assert_eq!(store.resolve("demo:latest").unwrap().unwrap().id, one.id);
    assert_eq!(
        store
            .resolve("docker.io/library/demo:2")
            .unwrap()
            .unwrap()
            .id,
        two.id
    );
    assert_eq!(store.resolve(&two.id.0).unwrap().unwrap().id, two.id);
    assert_eq!(
        store.resolve(&two.id.hex()[..5]).unwrap().unwrap().id,
        two.id
    );
    assert!(store.resolve("nothere").unwrap().is_none());
    let list = store.list().unwrap();
    let tags_of = |id: &Digest| list.iter().find(|(_, i)| i.id == *id).unwrap().0.clone();
    assert_eq!(tags_of(&two.id), ["demo:2", "reg.local:5000/demo/x:2"]);

    // Moving a tag leaves the old image untagged.
    store.tag("demo", &two).unwrap();
    let list = store.list().unwrap();
    assert_eq!(
        list.iter().find(|(_, i)| i.id == one.id).unwrap().0,
        Vec::<String>::new()
    );

    // By ID with several names: refused without force.
    assert!(store.remove(two.short_id(), false).is_err());
    assert_eq!(
        store.remove("demo:2", false).unwrap(),
        [Removed::Untagged("demo:2".to_string())]
    );
    assert_eq!(
        store.remove(two.short_id(), true).unwrap(),
        [
            Removed::Untagged("demo:latest".to_string()),
            Removed::Untagged("reg.local:5000/demo/x:2".to_string()),
            Removed::Deleted(two.id.clone()),
        ]
    );
    assert_eq!(
        store.remove(&one.id.0, false).unwrap(),
        [Removed::Deleted(one.id.clone())]
    );
    assert!(store.list().unwrap().is_empty());
    assert!(store.remove("demo", false).is_err());
    assert!(store.gc(&[]).unwrap() > 0);
    assert!(!store.has_blob(&two.id));

    // The cache table and layer markers.
    let key = Digest::of(b"key");
    assert_eq!(store.cache_get(&key).unwrap(), None);
    store.cache_put(&key, b"v1").unwrap();
    store.cache_put(&key, b"v2").unwrap();
    assert_eq!(store.cache_get(&key).unwrap().as_deref(), Some(&b"v2"[..]));
    assert!(!store.layer_complete(&d));
    store.mark_layer_complete(&d).unwrap();
    assert!(store.layer_complete(&d));
    assert!(
        store
            .layer_dir(&d)
            .ends_with(format!("layers/{}/root", d.hex()))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ambiguous_id_prefix_is_an_error() {
    let dir = temp_dir("ambiguous");
    let store = Store::open(&dir).unwrap();
    let layer = research_layers().remove(0);
    let ids: Vec<Digest> = (0..40)
        .map(|i| image_of(&store, std::slice::from_ref(&layer), &format!("c{i}")).id)
        .collect();
    let (a, b) = ids
        .iter()
        .enumerate()
        .flat_map(|(i, a)| ids[i + 1..].iter().map(move |b| (a, b)))
        .find(|(a, b)| a.hex()[..1] == b.hex()[..1])
        .expect("40 IDs share a first hex digit");
    let err = store.resolve(&a.hex()[..1]).unwrap_err();
    assert!(err.to_string().contains("ambiguous"), "{err}");
    assert_eq!(store.resolve(&b.0).unwrap().unwrap().id, *b);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// Archives
// ---------------------------------------------------------------------------

fn archive_of(store: &Store, image: &StoredImage, tags: &[&str]) -> Vec<u8> {
    let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
    let mut out = Vec::new();
    archive::write_archive(store, image, &tags, &mut out).unwrap();
    out
}

fn entry_names(tar: &[u8]) -> Vec<String> {
    let mut a = tar::Archive::new(tar);
    a.entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect()
}

#[test]
fn archive_round_trip_and_determinism() {
    let (da, db) = (temp_dir("rt-a"), temp_dir("rt-b"));
    let (a, b) = (Store::open(&da).unwrap(), Store::open(&db).unwrap());
    let image = image_of(&a, &research_layers(), "rt");
    a.tag("rt:1", &image).unwrap();
    let tar1 = archive_of(&a, &image, &["rt:1", "other/rt"]);
    let tar2 = archive_of(&a, &image, &["rt:1", "other/rt"]);
    assert_eq!(tar1, tar2, "two writes differ");
    let names = entry_names(&tar1);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    for want in [
        "oci-layout",
        "index.json",
        "manifest.json",
        "repositories",
        "blobs/sha256/",
    ] {
        assert!(
            names
                .iter()
                .any(|n| n.trim_end_matches('/') == want.trim_end_matches('/')),
            "{want} missing: {names:?}"
        );
    }

    let loaded = archive::load(&b, &tar1[..]).unwrap();
    assert_eq!(loaded.len(), 1);
    let (tags, got) = &loaded[0];
    assert_eq!(tags, &["rt:1", "other/rt:latest"]);
    assert_eq!(got.id, image.id);
    assert_eq!(got.manifest, image.manifest);
    assert_eq!(got.layers, image.layers);
    assert_eq!(b.resolve("other/rt").unwrap().unwrap().id, image.id);
    // Written again from the second store: byte-identical.
    assert_eq!(archive_of(&b, got, &["rt:1", "other/rt"]), tar1);

    // The directory form holds the same files.
    let dir = temp_dir("rt-layout");
    archive::write_oci_layout(
        &a,
        &image,
        &["rt:1".to_string(), "other/rt".to_string()],
        &dir,
    )
    .unwrap();
    let mut tar = tar::Archive::new(&tar1[..]);
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().into_owned();
        if entry.header().entry_type().is_file() {
            let mut want = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut want).unwrap();
            assert_eq!(
                std::fs::read(dir.join(&path)).unwrap(),
                want,
                "{}",
                path.display()
            );
        }
    }
    for d in [da, db, dir] {
        let _ = std::fs::remove_dir_all(d);
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn config_json(diff_ids: &[Digest]) -> Vec<u8> {
    // Fields ImageConfig does not model must survive: the ID is their digest.
    serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux", "docker_version": "20.10.24",
        "container_config": {"Hostname": "x", "Cmd": ["sh"]},
        "config": {"Cmd": ["sh"], "Volumes": null, "Entrypoint": null},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "created": "2024-01-02T03:04:05.123456789Z"
    }))
    .unwrap()
}

fn raw_tar(files: &[(&str, &[u8])], symlinks: &[(&str, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (p, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        b.append_data(&mut h, p, *data).unwrap();
    }
    for (p, target) in symlinks {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        b.append_link(&mut h, p, target).unwrap();
    }
    b.into_inner().unwrap()
}

#[test]
fn loads_docker_20_10_save_format() {
    let layers = research_layers();
    let diff_ids: Vec<Digest> = layers.iter().map(|l| Digest::of(l)).collect();
    let cfg = config_json(&[
        diff_ids[0].clone(),
        diff_ids[1].clone(),
        diff_ids[0].clone(),
    ]);
    let cfg_name = format!("{}.json", Digest::of(&cfg).hex());
    let manifest = serde_json::to_vec(&serde_json::json!([{
        "Config": cfg_name, "RepoTags": ["old:save"],
        "Layers": ["l1/layer.tar", "l2/layer.tar", "l3/layer.tar"]
    }]))
    .unwrap();
    let gz = gzip(&layers[1]);
    // Layers before manifest.json, a gzip layer, and a repeated layer saved
    // as a symlink, as 20.10 writes it.
    let input = raw_tar(
        &[
            ("l1/layer.tar", &layers[0]),
            ("l2/layer.tar", &gz),
            ("l1/VERSION", b"1.0"),
            (&cfg_name, &cfg),
            ("manifest.json", &manifest),
        ],
        &[("l3/layer.tar", "../l1/layer.tar")],
    );
    let dir = temp_dir("save2010");
    let store = Store::open(&dir).unwrap();
    let loaded = archive::load(&store, &input[..]).unwrap();
    let (tags, image) = &loaded[0];
    assert_eq!(tags, &["old:save"]);
    assert_eq!(
        image.id,
        Digest::of(&cfg),
        "the config is stored byte for byte"
    );
    assert_eq!(image.docker_size(), 6001 + 2000 + 6001);
    assert_eq!(
        store.read_blob(&diff_ids[1]).unwrap(),
        layers[1],
        "the layer is stored uncompressed"
    );

    // A layer that is not what the config says is refused.
    let bad_cfg = config_json(&[
        diff_ids[1].clone(),
        diff_ids[1].clone(),
        diff_ids[0].clone(),
    ]);
    let bad = raw_tar(
        &[
            ("l1/layer.tar", &layers[0]),
            ("l2/layer.tar", &gz),
            ("c.json", &bad_cfg),
        ],
        &[("l3/layer.tar", "../l1/layer.tar")],
    );
    let mut with_manifest = bad[..bad.len() - 1024].to_vec();
    with_manifest.extend(raw_tar(
        &[(
            "manifest.json",
            br#"[{"Config":"c.json","Layers":["l1/layer.tar","l2/layer.tar","l3/layer.tar"]}]"#,
        )],
        &[],
    ));
    let err = archive::load(&store, &with_manifest[..]).unwrap_err();
    assert!(err.to_string().contains("diff ID mismatch"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn loads_oci_archive_with_nested_index() {
    let layers = research_layers();
    let gz = gzip(&layers[0]);
    let cfg = config_json(&[Digest::of(&layers[0])]);
    let desc = |mt: &str, data: &[u8]| serde_json::json!({"mediaType": mt, "digest": Digest::of(data), "size": data.len()});
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": desc("application/vnd.oci.image.config.v1+json", &cfg),
        "layers": [desc("application/vnd.oci.image.layer.v1.tar+gzip", &gz)]
    }))
    .unwrap();
    let mut arm = desc("application/vnd.oci.image.manifest.v1+json", b"not here");
    arm["platform"] = serde_json::json!({"architecture": "arm64", "os": "linux"});
    let mut amd = desc("application/vnd.oci.image.manifest.v1+json", &manifest);
    amd["platform"] = serde_json::json!({"architecture": "amd64", "os": "linux"});
    let nested =
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [arm, amd]}))
            .unwrap();
    let mut top = desc("application/vnd.oci.image.index.v1+json", &nested);
    top["annotations"] = serde_json::json!({"io.containerd.image.name": "docker.io/library/multi:1", "org.opencontainers.image.ref.name": "1"});
    let index =
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [top]})).unwrap();
    let blob = |d: &[u8]| format!("blobs/sha256/{}", Digest::of(d).hex());
    let (b1, b2, b3, b4) = (blob(&gz), blob(&cfg), blob(&manifest), blob(&nested));
    let input = raw_tar(
        &[
            (&b1, &gz),
            (&b2, &cfg),
            (&b3, &manifest),
            (&b4, &nested),
            ("index.json", &index),
            ("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#),
        ],
        &[],
    );
    let dir = temp_dir("oci");
    let store = Store::open(&dir).unwrap();
    let loaded = archive::load(&store, &input[..]).unwrap();
    assert_eq!(loaded[0].0, ["multi:1"]);
    assert_eq!(loaded[0].1.id, Digest::of(&cfg));
    assert_eq!(loaded[0].1.layers[0].diff_id, Digest::of(&layers[0]));

    // A blob whose content is not its name is refused.
    let mut tampered = gz.clone();
    let last = tampered.len() - 9;
    tampered[last] ^= 1;
    let input = raw_tar(
        &[
            (&b1, &tampered),
            (&b2, &cfg),
            (&b3, &manifest),
            (&b4, &nested),
            ("index.json", &index),
        ],
        &[],
    );
    let store2 = Store::open(&dir.join("2")).unwrap();
    let err = archive::load(&store2, &input[..]).unwrap_err();
    assert!(err.to_string().contains("mismatch"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hostile_archives_are_errors_not_panics() {
    let dir = temp_dir("fuzz");
    let store = Store::open(&dir).unwrap();
    let image = image_of(&store, &research_layers(), "fuzz");
    let good = archive_of(&store, &image, &["fuzz:1"]);
    let fresh = Store::open(&dir.join("fresh")).unwrap();
    // Truncations inside headers, inside blobs, and before the manifests.
    let mut cuts: Vec<usize> = (0..good.len()).step_by(good.len() / 97 + 1).collect();
    cuts.extend([1, 511, 512, 513, good.len() - 2048]);
    for cut in cuts {
        let _ = archive::load(&fresh, &good[..cut]);
        let _ = docker_size_of_layer(&good[..cut]);
    }
    // Flipped bytes and garbage.
    let mut seed = 0x2545_f491_u64;
    for _ in 0..60 {
        let mut bad = good.clone();
        for _ in 0..8 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let i = (seed as usize) % bad.len();
            bad[i] = (seed >> 32) as u8;
        }
        let _ = archive::load(&fresh, &bad[..]);
        let _ = docker_size_of_layer(&bad[..]);
    }
    for junk in [
        &b""[..],
        b"\x1f\x8b\x08garbage",
        &[0u8; 4096],
        &[0xffu8; 1500],
    ] {
        assert!(archive::load(&fresh, junk).is_err());
        let _ = docker_size_of_layer(junk);
        let _ = archive::import_rootfs(&fresh, junk, None);
    }
    // JSON that parses but lies.
    for manifest in [
        &br#"[{"Config":"../../etc/passwd","Layers":[]}]"#[..],
        br#"{}"#,
        br#"[{"Config":"x","Layers":["/"]}]"#,
    ] {
        let input = raw_tar(
            &[("manifest.json", manifest), ("x", b"{}")],
            &[("loop", "loop")],
        );
        assert!(archive::load(&fresh, &input[..]).is_err());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn import_rootfs_makes_one_layer_image() {
    let dir = temp_dir("import");
    let store = Store::open(&dir).unwrap();
    let layer = research_layers().remove(0);
    let plain = archive::import_rootfs(&store, &layer[..], Some("imp:1")).unwrap();
    let gz = archive::import_rootfs(&store, &gzip(&layer)[..], None).unwrap();
    assert_eq!(plain.layers[0].diff_id, Digest::of(&layer));
    assert_eq!(gz.layers[0].diff_id, plain.layers[0].diff_id);
    assert_eq!(plain.config.config.cmd, None);
    assert_eq!(
        (plain.config.architecture.as_str(), plain.config.os.as_str()),
        ("amd64", "linux")
    );
    assert_eq!(plain.config.history.len(), 1);
    assert_eq!(store.resolve("imp:1").unwrap().unwrap().id, plain.id);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rfc3339_round_trips() {
    for (text, secs) in [
        ("1970-01-01T00:00:00Z", 0),
        ("2024-02-29T23:59:59Z", 1_709_251_199),
        ("2000-03-01T00:00:00Z", 951_868_800),
    ] {
        assert_eq!(archive::rfc3339(secs), text);
        assert_eq!(archive::parse_rfc3339(text), Some(secs));
    }
    assert_eq!(
        archive::parse_rfc3339("2024-02-29T23:59:59.999999999+01:00"),
        Some(1_709_251_199 - 3600)
    );
    assert_eq!(archive::parse_rfc3339("yesterday"), None);
}

#[test]
fn cli_import_ls_save_rm() {
    let dir = temp_dir("cli");
    let store_dir = dir.join("store");
    let rootfs = dir.join("rootfs.tar");
    std::fs::write(&rootfs, &research_layers()[0]).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let three_days_ago = (now.as_secs() - 73 * 3600).to_string();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_msmigrate"))
            .arg("image")
            .args(args)
            .arg("--store")
            .arg(&store_dir)
            .env("SOURCE_DATE_EPOCH", &three_days_ago)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (
            out.status.code(),
            text,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, id, _) = run(&["import", rootfs.to_str().unwrap(), "base:1"]);
    assert_eq!(code, Some(0));
    let (code, table, _) = run(&["ls"]);
    assert_eq!(code, Some(0));
    let short = &id.trim()["sha256:".len()..][..12];
    assert_eq!(
        table,
        format!(
            "REPOSITORY   TAG       IMAGE ID       CREATED      SIZE\nbase         1         {short}   3 days ago   6kB\n"
        )
    );
    let saved = dir.join("base.tar");
    assert_eq!(
        run(&["save", "base:1", "-o", saved.to_str().unwrap()]).0,
        Some(0)
    );
    assert_eq!(
        run(&["rm", "base:1"]).1,
        format!("Untagged: base:1\nDeleted: {}\n", id.trim())
    );
    assert_eq!(
        run(&["load", "-i", saved.to_str().unwrap()]).1,
        "Loaded image: base:1\n"
    );
    let (code, _, err) = run(&["rm", "nothere"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no such image: nothere"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// Docker 20.10 as the oracle
// ---------------------------------------------------------------------------

const DOCKER: &str = "/usr/bin/docker";

fn docker(args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new(DOCKER)
        .args(args)
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .map_err(|e| format!("cannot run {DOCKER}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "docker {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(out.stdout)
}

fn docker_text(args: &[&str]) -> String {
    String::from_utf8(docker(args).unwrap())
        .unwrap()
        .trim()
        .to_string()
}

fn docker_stdin(args: &[&str], input: &[u8]) -> String {
    let mut child = Command::new(DOCKER)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "docker {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// True when the engine and the base images are there; a loud skip (or a
/// failure under MSMIGRATE_REQUIRE_DOCKER=1) otherwise.
fn engine() -> bool {
    let why = match docker(&["info", "--format", "{{.ServerVersion}}"]) {
        Err(e) => e,
        Ok(_) => match docker(&["image", "inspect", "busybox:latest"]) {
            Ok(_) => return true,
            Err(_) => "base images missing: run scripts/e2e-images".to_string(),
        },
    };
    if std::env::var("MSMIGRATE_REQUIRE_DOCKER").as_deref() == Ok("1") {
        panic!("Docker is required (MSMIGRATE_REQUIRE_DOCKER=1): {why}");
    }
    eprintln!("\n*** SKIPPED Docker oracle tests of the store: {why} ***\n");
    false
}

/// A unique repository for this run, removed at the end.
struct Scratch {
    repo: String,
}

impl Scratch {
    fn new(what: &str) -> Scratch {
        Scratch {
            repo: format!("msmigrate-store-test/{what}-{}", std::process::id()),
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Ok(out) = docker(&["image", "ls", "-q", "--no-trunc", &self.repo]) {
            for id in String::from_utf8_lossy(&out)
                .lines()
                .collect::<std::collections::BTreeSet<_>>()
            {
                let _ = docker(&["rmi", "-f", id]);
            }
        }
    }
}

fn inspect(reference: &str, format: &str) -> String {
    docker_text(&["image", "inspect", "--format", format, reference])
}

#[test]
fn docker_save_loads_with_dockers_id_and_size() {
    if !engine() {
        return;
    }
    let dir = temp_dir("docker-save");
    let store = Store::open(&dir).unwrap();
    // busybox (one layer) and a classic-builder image over it with a
    // whiteout, a hardlink, a symlink and an empty layer.
    let scratch = Scratch::new("multi");
    let ctx = dir.join("ctx");
    std::fs::create_dir_all(&ctx).unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        "FROM busybox:latest\nRUN echo hello > /a && ln /a /b && ln -s /a /c && mkdir -p /d/e\nRUN rm /a /bin/ls && rm -rf /d && mkdir /d\nENV X=1\n",
    )
    .unwrap();
    let tag = format!("{}:1", scratch.repo);
    docker(&[
        "build",
        "--network=none",
        "-q",
        "-t",
        &tag,
        ctx.to_str().unwrap(),
    ])
    .unwrap();
    for reference in ["busybox:latest", tag.as_str()] {
        let saved = docker(&["save", reference]).unwrap();
        let loaded = archive::load(&store, &saved[..]).unwrap();
        assert_eq!(loaded.len(), 1);
        let (tags, image) = &loaded[0];
        assert_eq!(tags, &[reference.to_string()]);
        assert_eq!(
            image.id.0,
            inspect(reference, "{{.Id}}"),
            "{reference}: image ID"
        );
        assert_eq!(
            image.docker_size().to_string(),
            inspect(reference, "{{.Size}}"),
            "{reference}: size"
        );
        eprintln!(
            "{reference}: ID {} size {} ({})",
            image.id,
            image.docker_size(),
            human_size(image.docker_size())
        );
        let diff_ids: Vec<String> = image.layers.iter().map(|l| l.diff_id.0.clone()).collect();
        assert_eq!(
            format!("[{}]", diff_ids.join(" ")),
            inspect(reference, "{{.RootFS.Layers}}")
        );
    }
    // Back out of our store into Docker: the same image again.
    let image = store.resolve(&tag).unwrap().unwrap();
    docker(&["rmi", &tag]).unwrap();
    docker_stdin(&["load"], &archive_of(&store, &image, &[&tag]));
    assert_eq!(inspect(&tag, "{{.Id}}"), image.id.0);
    assert_eq!(inspect(&tag, "{{.Size}}"), image.docker_size().to_string());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn docker_loads_our_archive_with_our_id_and_size() {
    if !engine() {
        return;
    }
    let dir = temp_dir("docker-load");
    let store = Store::open(&dir).unwrap();
    let scratch = Scratch::new("ours");
    let image = image_of(
        &store,
        &research_layers(),
        &format!("c{}", std::process::id()),
    );
    let tag = format!("{}:1", scratch.repo);
    let tar = archive_of(&store, &image, &[&tag]);
    let path = dir.join("image.tar");
    std::fs::write(&path, &tar).unwrap();
    let out = docker_text(&["load", "-i", path.to_str().unwrap()]);
    assert!(out.contains(&tag), "{out}");
    assert_eq!(inspect(&tag, "{{.Id}}"), image.id.0);
    assert_eq!(inspect(&tag, "{{.Size}}"), (6001 + 2000 + 1125).to_string());
    assert_eq!(image.docker_size(), 9126);
    let listed = docker_text(&["image", "ls", "--format", "{{.Size}}", &tag]);
    assert_eq!(listed, human_size(image.docker_size()));
    // The 1125-byte layer alone: Go's rounding of the 1.125kB tie.
    let tie = image_of(&store, &research_layers()[2..], "tie");
    let tie_tag = format!("{}:tie", scratch.repo);
    docker_stdin(&["load"], &archive_of(&store, &tie, &[&tie_tag]));
    assert_eq!(
        docker_text(&["image", "ls", "--format", "{{.Size}}", &tie_tag]),
        human_size(1125)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn docker_import_gives_our_diff_id() {
    if !engine() {
        return;
    }
    let dir = temp_dir("docker-import");
    let store = Store::open(&dir).unwrap();
    let scratch = Scratch::new("import");
    let layer = research_layers().remove(0);
    let path = dir.join("rootfs.tar");
    std::fs::write(&path, &layer).unwrap();
    let tag = format!("{}:1", scratch.repo);
    docker(&["import", path.to_str().unwrap(), &tag]).unwrap();
    let ours = archive::import_rootfs(&store, &layer[..], Some("imported:1")).unwrap();
    assert_eq!(
        inspect(&tag, "{{.RootFS.Layers}}"),
        format!("[{}]", ours.layers[0].diff_id)
    );
    assert_eq!(inspect(&tag, "{{.Size}}"), ours.docker_size().to_string());
    let _ = std::fs::remove_dir_all(&dir);
}
