//! `msmigrate image pull`: references as Docker reads them
//! (`testdata/builder/registry/references.txt`), the token flow and hostile
//! answers against a small HTTP/1.1 server written here (always run), and a
//! real registry: Debian's `docker-registry` on 127.0.0.1 with images pushed
//! by the real Docker, whose image IDs must come back unchanged.
//!
//! The registry part needs root, `/usr/bin/docker` with `busybox:latest`
//! (scripts/e2e-images) and `/usr/bin/docker-registry` (Debian's
//! `docker-registry` package); without them it skips loudly, and fails under
//! MSMIGRATE_REQUIRE_DOCKER=1.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use msmigrate::builder::oci::Digest;
use msmigrate::builder::registry::{Reference, base64_encode};

// ---------------------------------------------------------------------------
// References
// ---------------------------------------------------------------------------

#[test]
fn references_parse_as_docker_does() {
    let table =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/builder/registry/references.txt");
    let text = std::fs::read_to_string(&table).unwrap();
    let mut n = 0;
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let f: Vec<&str> = line.split(" | ").map(str::trim).collect();
        let got = Reference::parse(f[0]);
        match f.len() {
            2 => {
                let e = got.expect_err(line).to_string();
                assert!(e.contains(f[1]), "{}: error {e:?} lacks {:?}", f[0], f[1]);
            }
            6 => {
                let r = got.unwrap_or_else(|e| panic!("{}: {e}", f[0]));
                let row = [
                    r.registry.as_str(),
                    r.api_host(),
                    &r.repository,
                    &r.reference(),
                    &r.store_name(),
                ];
                assert_eq!(row, f[1..], "{}", f[0]);
            }
            _ => panic!("{}: malformed line {line:?}", table.display()),
        }
        n += 1;
    }
    assert!(n >= 10);
}

// ---------------------------------------------------------------------------
// A tiny HTTP/1.1 server
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Request {
    path: String,
    headers: BTreeMap<String, String>,
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn reply(status: u16, body: &[u8]) -> Reply {
    Reply {
        status,
        headers: Vec::new(),
        body: body.to_vec(),
    }
}

impl Reply {
    fn with(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// Serves `handler` on a free loopback port, one request per connection,
/// and records every request. A TLS handshake (the client tries HTTPS
/// first) or junk is dropped.
struct Server {
    port: u16,
    log: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    fn start(handler: Arc<Handler>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let log2 = log.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let handler = handler.clone();
                let log = log2.clone();
                std::thread::spawn(move || serve_one(conn, &*handler, &log));
            }
        });
        Server { port, log }
    }

    fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }
}

fn serve_one(conn: TcpStream, handler: &Handler, log: &Mutex<Vec<Request>>) {
    conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    match reader.fill_buf() {
        Ok(b) if !b.is_empty() && b[0].is_ascii_uppercase() => {}
        _ => return,
    }
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let req = Request { path, headers };
    log.lock().unwrap().push(req.clone());
    let r = handler(&req);
    let mut out = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        r.status,
        r.body.len()
    );
    for (k, v) in &r.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut conn = conn;
    let _ = conn.write_all(out.as_bytes());
    let _ = conn.write_all(&r.body);
    let _ = conn.flush();
}

// ---------------------------------------------------------------------------
// A small image, made here
// ---------------------------------------------------------------------------

struct TestImage {
    config: Vec<u8>,
    layer_gz: Vec<u8>,
    manifest: Vec<u8>,
}

fn sha(data: &[u8]) -> Digest {
    Digest::of(data)
}

fn test_image(content: &[u8]) -> TestImage {
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_mode(0o644);
    h.set_size(content.len() as u64);
    h.set_mtime(0);
    tar.append_data(&mut h, "hello.txt", content).unwrap();
    let tar = tar.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).unwrap();
    let layer_gz = gz.finish().unwrap();
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","config":{{"Cmd":["/hello"]}},"rootfs":{{"type":"layers","diff_ids":["{}"]}}}}"#,
        sha(&tar)
    )
    .into_bytes();
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{{"mediaType":"application/vnd.docker.container.image.v1+json","size":{},"digest":"{}"}},"layers":[{{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":{},"digest":"{}"}}]}}"#,
        config.len(),
        sha(&config),
        layer_gz.len(),
        sha(&layer_gz)
    )
    .into_bytes();
    TestImage {
        config,
        layer_gz,
        manifest,
    }
}

fn msmigrate(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_msmigrate"));
    cmd.args(args);
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "DOCKER_CONFIG",
        "MSMIGRATE_OFFLINE",
    ] {
        cmd.env_remove(var);
    }
    // Set (empty) so that the machine's /etc/docker/daemon.json is not read.
    cmd.env("MSMIGRATE_REGISTRY_MIRRORS", "")
        .env("MSMIGRATE_INSECURE_REGISTRIES", "")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        flat(&out.stderr)
    )
}

/// Standard error with miette's wrapping undone.
fn flat(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .lines()
        .map(|l| {
            l.trim_start()
                .trim_start_matches(['|', 'x', '×', '│'])
                .trim()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn image_id_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Image ID: ").map(str::to_string))
        .unwrap_or_else(|| panic!("no image ID:\n{}", text(out)))
}

// ---------------------------------------------------------------------------
// The token flow, redirects and hostile answers (no Docker needed)
// ---------------------------------------------------------------------------

#[test]
fn token_flow_credentials_and_cross_host_redirect() {
    let image = Arc::new(test_image(b"hello from the token test\n"));
    let token_hits = Arc::new(Mutex::new(0usize));
    // The "CDN" the layer is redirected to, on another port: another origin.
    let cdn_image = image.clone();
    let cdn = Server::start(Arc::new(move |req: &Request| {
        if req
            .path
            .starts_with(&format!("/cdn/{}", sha(&cdn_image.layer_gz).hex()))
        {
            reply(200, &cdn_image.layer_gz)
        } else {
            reply(404, b"")
        }
    }));
    let cdn_port = cdn.port;
    let port_cell = Arc::new(Mutex::new(0u16));
    let (img, hits, port_of) = (image.clone(), token_hits.clone(), port_cell.clone());
    let registry = Server::start(Arc::new(move |req: &Request| {
        let port = *port_of.lock().unwrap();
        let path = req.path.as_str();
        // Hostile answers first: no authentication needed.
        if path.starts_with("/v2/test/loop/") {
            return reply(302, b"").with("Location", path);
        }
        if path.starts_with("/v2/test/huge/") {
            return reply(200, b"{}").with("X-Junk", &"x".repeat(200_000));
        }
        if path.starts_with("/token") {
            *hits.lock().unwrap() += 1;
            let good = format!("Basic {}", base64_encode(b"alice:s3cret"));
            let scope_ok = path.contains("service=test-registry")
                && (path.contains("scope=repository%3Atest%2Fimg%3Apull")
                    || path.contains("scope=repository%3Atest%2Fbad%3Apull")
                    || path.contains("scope=repository%3Alibrary%2Ftiny%3Apull"));
            return if req.headers.get("authorization") == Some(&good) && scope_ok {
                reply(200, br#"{"access_token":"tok-123","expires_in":300,"issued_at":"2024-01-01T00:00:00Z"}"#)
            } else {
                reply(401, br#"{"details":"bad credentials"}"#)
            };
        }
        let repo = ["test/img", "test/bad", "library/tiny"]
            .into_iter()
            .find(|r| path.starts_with(&format!("/v2/{r}/")));
        let Some(repo) = repo else {
            return reply(404, br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}"#);
        };
        if req.headers.get("authorization").map(String::as_str) != Some("Bearer tok-123") {
            return reply(401, br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#).with(
                "WWW-Authenticate",
                &format!(
                    r#"Bearer realm="http://127.0.0.1:{port}/token",service="test-registry",scope="repository:{repo}:pull""#
                ),
            );
        }
        let rest = &path[format!("/v2/{repo}/").len()..];
        let manifest_digest = sha(&img.manifest);
        if rest == "manifests/1"
            || rest == "manifests/latest"
            || rest == format!("manifests/{manifest_digest}")
        {
            return reply(200, &img.manifest).with(
                "Content-Type",
                "application/vnd.docker.distribution.manifest.v2+json",
            );
        }
        if rest == format!("blobs/{}", sha(&img.config)) {
            return reply(200, &img.config);
        }
        if rest == format!("blobs/{}", sha(&img.layer_gz)) {
            if repo == "test/bad" {
                let mut wrong = img.layer_gz.clone();
                let mid = wrong.len() / 2;
                wrong[mid] ^= 0xff;
                return reply(200, &wrong);
            }
            return reply(307, b"").with(
                "Location",
                &format!(
                    "http://127.0.0.1:{cdn_port}/cdn/{}?sig=abc",
                    sha(&img.layer_gz).hex()
                ),
            );
        }
        reply(
            404,
            br#"{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}"#,
        )
    }));
    *port_cell.lock().unwrap() = registry.port;
    let host = format!("127.0.0.1:{}", registry.port);

    let tmp = tempdir("token");
    let good_config = tmp.join("good");
    std::fs::create_dir_all(&good_config).unwrap();
    std::fs::write(
        good_config.join("config.json"),
        format!(
            r#"{{"auths":{{"{host}":{{"auth":"{}"}}}}}}"#,
            base64_encode(b"alice:s3cret")
        ),
    )
    .unwrap();
    let bad_config = tmp.join("bad");
    std::fs::create_dir_all(&bad_config).unwrap();
    std::fs::write(
        bad_config.join("config.json"),
        format!(
            r#"{{"auths":{{"http://{host}/v2/":{{"auth":"{}"}}}}}}"#,
            base64_encode(b"alice:wrong")
        ),
    )
    .unwrap();
    let store = tmp.join("store");
    let store_s = store.to_str().unwrap();
    let good = good_config.to_str().unwrap();
    let reference = format!("{host}/test/img:1");

    // The right credentials: token once, then manifest, config and the
    // redirected layer.
    let out = msmigrate(
        &["image", "pull", "--store", store_s, &reference],
        &[("DOCKER_CONFIG", good)],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(image_id_line(&out), sha(&image.config).0, "{}", text(&out));
    assert_eq!(
        *token_hits.lock().unwrap(),
        1,
        "the token is fetched once and reused"
    );
    let cdn_requests = cdn.requests();
    assert_eq!(cdn_requests.len(), 1, "{cdn_requests:?}");
    assert!(
        !cdn_requests[0].headers.contains_key("authorization"),
        "the redirect to another origin carried Authorization: {cdn_requests:?}"
    );
    assert!(
        registry
            .requests()
            .iter()
            .any(|r| r.path.contains("/manifests/1")
                && r.headers
                    .get("accept")
                    .is_some_and(|a| a.contains("application/vnd.oci.image.index.v1+json")
                        && a.contains("application/vnd.docker.distribution.manifest.v2+json"))),
        "the manifest request lacks the Accept list"
    );
    // The image is usable by name.
    let ls = msmigrate(
        &["image", "ls", "--store", store_s, "--format", "json"],
        &[],
    );
    assert!(
        String::from_utf8_lossy(&ls.stdout).contains(&format!("{host}/test/img")),
        "{}",
        text(&ls)
    );

    // Pulled again: nothing is fetched but the manifest.
    let before = cdn.requests().len();
    let out = msmigrate(
        &["image", "pull", "--store", store_s, &reference],
        &[("DOCKER_CONFIG", good)],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Image is up to date"),
        "{}",
        text(&out)
    );
    assert_eq!(cdn.requests().len(), before);

    // By digest, into a fresh store.
    let store2 = tmp.join("store2");
    let by_digest = format!("{host}/test/img@{}", sha(&image.manifest));
    let out = msmigrate(
        &[
            "image",
            "pull",
            "--store",
            store2.to_str().unwrap(),
            &by_digest,
        ],
        &[("DOCKER_CONFIG", good)],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(image_id_line(&out), sha(&image.config).0);
    // A digest the registry's manifest does not have.
    let wrong = format!("{host}/test/img@sha256:{}", "ab".repeat(32));
    let out = msmigrate(
        &["image", "pull", "--store", store2.to_str().unwrap(), &wrong],
        &[("DOCKER_CONFIG", good)],
    );
    assert!(!out.status.success());

    // Wrong credentials, and none: refused, saying why.
    let out = msmigrate(
        &[
            "image",
            "pull",
            "--store",
            tmp.join("s3").to_str().unwrap(),
            &reference,
        ],
        &[("DOCKER_CONFIG", bad_config.to_str().unwrap())],
    );
    assert!(!out.status.success());
    let err = flat(&out.stderr);
    assert!(
        err.contains("refused the credentials of alice"),
        "{}",
        text(&out)
    );
    let out = msmigrate(
        &[
            "image",
            "pull",
            "--store",
            tmp.join("s3").to_str().unwrap(),
            &reference,
        ],
        &[("DOCKER_CONFIG", tmp.join("none").to_str().unwrap())],
    );
    assert!(!out.status.success());
    assert!(
        flat(&out.stderr).contains("refused anonymous access"),
        "{}",
        text(&out)
    );

    // A corrupted layer is a digest error, and nothing is stored.
    let store4 = tmp.join("store4");
    let out = msmigrate(
        &[
            "image",
            "pull",
            "--store",
            store4.to_str().unwrap(),
            &format!("{host}/test/bad:1"),
        ],
        &[("DOCKER_CONFIG", good)],
    );
    assert!(!out.status.success());
    assert!(
        flat(&out.stderr).contains("digest mismatch"),
        "{}",
        text(&out)
    );
    assert!(
        !store4
            .join("blobs/sha256")
            .join(sha(&image.config).hex())
            .exists()
            || {
                // The config may be stored; the image must not be.
                let ls = msmigrate(
                    &[
                        "image",
                        "ls",
                        "--store",
                        store4.to_str().unwrap(),
                        "--format",
                        "json",
                    ],
                    &[],
                );
                String::from_utf8_lossy(&ls.stdout).trim() == "[]"
            }
    );

    // Hostile answers end in errors, not hangs or panics.
    for (repo, want) in [("test/loop", "redirects"), ("test/huge", "too large")] {
        let out = msmigrate(
            &[
                "image",
                "pull",
                "--store",
                tmp.join("s5").to_str().unwrap(),
                &format!("{host}/{repo}:1"),
            ],
            &[],
        );
        assert!(!out.status.success(), "{}", text(&out));
        let err = flat(&out.stderr);
        assert!(
            err.contains(want) && !err.contains("panicked"),
            "{repo}: {}",
            text(&out)
        );
    }

    // A Docker Hub name through a mirror (the test server), with the
    // mirror's credentials; the image is stored under its Hub name.
    let store6 = tmp.join("store6");
    let out = msmigrate(
        &["image", "pull", "--store", store6.to_str().unwrap(), "tiny"],
        &[
            ("DOCKER_CONFIG", good),
            ("MSMIGRATE_REGISTRY_MIRRORS", &format!("http://{host}")),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("docker.io/library/tiny:latest"),
        "{}",
        text(&out)
    );
    // Plain HTTP to a mirror that is not loopback nor listed is refused.
    let out = msmigrate(
        &["image", "pull", "--store", store6.to_str().unwrap(), "tiny"],
        &[("MSMIGRATE_REGISTRY_MIRRORS", "http://mirror.invalid")],
    );
    assert!(!out.status.success());
    assert!(
        flat(&out.stderr).contains("MSMIGRATE_INSECURE_REGISTRIES"),
        "{}",
        text(&out)
    );

    // Offline: refused before any request.
    let n = registry.requests().len();
    let out = msmigrate(
        &[
            "image",
            "pull",
            "--store",
            tmp.join("s7").to_str().unwrap(),
            &reference,
        ],
        &[("MSMIGRATE_OFFLINE", "1")],
    );
    assert!(!out.status.success());
    assert_eq!(registry.requests().len(), n);

    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn unreachable_registry_suggests_docker_save() {
    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tmp = tempdir("unreachable");
    let out = msmigrate(
        &[
            "image",
            "pull",
            "--store",
            tmp.join("s").to_str().unwrap(),
            &format!("127.0.0.1:{port}/x:1"),
        ],
        &[],
    );
    assert!(!out.status.success());
    let err = flat(&out.stderr);
    assert!(
        err.contains("cannot reach the registry") && err.contains("msmigrate image load"),
        "{}",
        text(&out)
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

fn tempdir(what: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("msmigrate-registry-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---------------------------------------------------------------------------
// A real registry (Debian's docker-registry) fed by the real Docker
// ---------------------------------------------------------------------------

const DOCKER: &str = "/usr/bin/docker";
const REGISTRY: &str = "/usr/bin/docker-registry";

fn docker(args: &[&str]) -> Result<String, String> {
    let out = Command::new(DOCKER)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{DOCKER}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "docker {}: {}",
            args.join(" "),
            flat(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Why the registry test cannot run, if it cannot.
fn registry_missing() -> Option<String> {
    if !Path::new(REGISTRY).exists() {
        return Some(format!(
            "{REGISTRY} is missing (apt-get install docker-registry)"
        ));
    }
    if let Err(e) = docker(&["info", "--format", "{{.ServerVersion}}"]) {
        return Some(e);
    }
    if docker(&["image", "inspect", "busybox:latest"]).is_err() {
        return Some("busybox:latest is missing: run scripts/e2e-images".to_string());
    }
    None
}

/// The registry process, stopped on drop.
struct Registry {
    child: Child,
    port: u16,
    data: PathBuf,
    log: PathBuf,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Registry {
    fn start(dir: &Path) -> Registry {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let data = dir.join("data");
        std::fs::create_dir_all(&data).unwrap();
        let config = dir.join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
                data.display()
            ),
        )
        .unwrap();
        let log = dir.join("registry.log");
        let child = Command::new(REGISTRY)
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("registry.out")).unwrap())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let registry = Registry {
            child,
            port,
            data,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if ureq::get(&format!("http://127.0.0.1:{port}/v2/"))
                .call()
                .is_ok()
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "docker-registry did not start: {}",
                std::fs::read_to_string(&registry.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        registry
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// GET requests for blobs so far, from the access log.
    fn blob_gets(&self) -> usize {
        let mut log = std::fs::read_to_string(&self.log).unwrap_or_default();
        log.push_str(
            &std::fs::read_to_string(self.log.with_file_name("registry.out")).unwrap_or_default(),
        );
        log.lines()
            .filter(|l| l.contains("\"GET /v2/") && l.contains("/blobs/sha256:"))
            .count()
    }

    fn upload_blob(&self, repo: &str, data: &[u8]) -> Digest {
        let digest = sha(data);
        let resp = ureq::post(&self.url(&format!("/v2/{repo}/blobs/uploads/")))
            .send_empty()
            .unwrap();
        let location = resp
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let location = if location.starts_with('/') {
            self.url(&location)
        } else {
            location
        };
        let sep = if location.contains('?') { '&' } else { '?' };
        ureq::put(&format!("{location}{sep}digest={digest}"))
            .header("Content-Type", "application/octet-stream")
            .send(data)
            .unwrap();
        digest
    }

    fn put_manifest(&self, repo: &str, tag: &str, media_type: &str, body: &[u8]) {
        ureq::put(&self.url(&format!("/v2/{repo}/manifests/{tag}")))
            .header("Content-Type", media_type)
            .send(body)
            .unwrap_or_else(|e| panic!("PUT manifest {tag}: {e}"));
    }

    fn get_manifest(&self, repo: &str, tag: &str) -> Vec<u8> {
        ureq::get(&self.url(&format!("/v2/{repo}/manifests/{tag}")))
            .header(
                "Accept",
                "application/vnd.docker.distribution.manifest.v2+json",
            )
            .call()
            .unwrap()
            .into_body()
            .read_to_vec()
            .unwrap()
    }
}

#[test]
fn local_registry_with_images_pushed_by_docker() {
    if let Some(why) = registry_missing() {
        if std::env::var("MSMIGRATE_REQUIRE_DOCKER").as_deref() == Ok("1") {
            panic!(
                "the registry test needs Docker and docker-registry (MSMIGRATE_REQUIRE_DOCKER=1): {why}"
            );
        }
        eprintln!("\n*** SKIPPED the local-registry pull test: {why} ***\n");
        return;
    }
    let tmp = tempdir("local");
    let registry = Registry::start(&tmp);
    let host = format!("127.0.0.1:{}", registry.port);
    let repo = "test/busybox";
    let pushed = format!("{host}/{repo}:1");
    docker(&["tag", "busybox:latest", &pushed]).unwrap();
    let push = docker(&["push", &pushed]);
    let _ = docker(&["rmi", &pushed]);
    let push = push.unwrap();
    let expected_id =
        docker(&["image", "inspect", "--format", "{{.Id}}", "busybox:latest"]).unwrap();
    let manifest_bytes = registry.get_manifest(repo, "1");
    let manifest_digest = sha(&manifest_bytes);
    assert!(
        push.contains(&manifest_digest.0),
        "push output lacks {manifest_digest}: {push}"
    );

    let store = tmp.join("store");
    let store_s = store.to_str().unwrap();
    let pull = |store: &str, reference: &str, extra: &[&str]| {
        let mut args = vec!["image", "pull", "--store", store];
        args.extend_from_slice(extra);
        args.push(reference);
        msmigrate(&args, &[])
    };

    // By tag: the image ID is Docker's.
    let out = pull(store_s, &pushed, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(image_id_line(&out), expected_id, "{}", text(&out));

    // Again: no blob is fetched.
    let gets = registry.blob_gets();
    assert!(
        gets >= 2,
        "the access log shows no blob GETs: {}",
        std::fs::read_to_string(&registry.log).unwrap_or_default()
    );
    let out = pull(store_s, &pushed, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Image is up to date"),
        "{}",
        text(&out)
    );
    assert_eq!(registry.blob_gets(), gets, "a second pull fetched blobs");

    // By digest, into a fresh store.
    let out = pull(
        tmp.join("s2").to_str().unwrap(),
        &format!("{host}/{repo}@{manifest_digest}"),
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(image_id_line(&out), expected_id);

    // A multi-arch index made by hand: a fake arm64 image (its own config,
    // busybox's layer), an attestation manifest, then the amd64 one.
    let manifest: serde_json::Value = serde_json::from_slice(&manifest_bytes).unwrap();
    let layer = manifest["layers"][0].clone();
    let config: serde_json::Value = serde_json::from_str(
        &docker(&[
            "image",
            "inspect",
            "--format",
            "{{json .RootFS}}",
            "busybox:latest",
        ])
        .unwrap(),
    )
    .unwrap();
    let arm_config = serde_json::to_vec(&serde_json::json!({
        "architecture": "arm64", "variant": "v8", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": config["Layers"]},
    }))
    .unwrap();
    let arm_config_digest = registry.upload_blob(repo, &arm_config);
    let arm_manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": arm_config.len(), "digest": arm_config_digest},
        "layers": [layer],
    }))
    .unwrap();
    registry.put_manifest(
        repo,
        "arm64",
        "application/vnd.docker.distribution.manifest.v2+json",
        &arm_manifest,
    );
    let entry = |bytes: &[u8], platform: serde_json::Value, annotations: serde_json::Value| {
        serde_json::json!({
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "digest": sha(bytes), "size": bytes.len(),
            "platform": platform, "annotations": annotations,
        })
    };
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            entry(&arm_manifest, serde_json::json!({"os": "linux", "architecture": "arm64", "variant": "v8"}), serde_json::json!({})),
            entry(&arm_manifest, serde_json::json!({"os": "unknown", "architecture": "unknown"}),
                  serde_json::json!({"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": sha(&manifest_bytes)})),
            entry(&manifest_bytes, serde_json::json!({"os": "linux", "architecture": "amd64"}), serde_json::json!({})),
        ],
    }))
    .unwrap();
    registry.put_manifest(
        repo,
        "multi",
        "application/vnd.oci.image.index.v1+json",
        &index,
    );
    let multi = format!("{host}/{repo}:multi");
    let out = pull(tmp.join("s3").to_str().unwrap(), &multi, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        image_id_line(&out),
        expected_id,
        "linux/amd64 must be chosen"
    );
    let out = pull(
        tmp.join("s3").to_str().unwrap(),
        &multi,
        &["--platform", "linux/arm64"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        image_id_line(&out),
        sha(&arm_config).0,
        "--platform linux/arm64"
    );
    let out = pull(
        tmp.join("s3").to_str().unwrap(),
        &multi,
        &["--platform", "linux/s390x"],
    );
    assert!(!out.status.success());
    assert!(
        flat(&out.stderr).contains("no linux/s390x image"),
        "{}",
        text(&out)
    );

    // A blob corrupted in the registry's storage: a digest error.
    let layer_digest = Digest(layer["digest"].as_str().unwrap().to_string());
    let hex = layer_digest.hex();
    let data = registry
        .data
        .join("docker/registry/v2/blobs/sha256")
        .join(&hex[..2])
        .join(hex)
        .join("data");
    let original = std::fs::read(&data).unwrap();
    let mut corrupt = original.clone();
    for b in corrupt.iter_mut().skip(original.len() / 2).take(64) {
        *b ^= 0x5a;
    }
    std::fs::write(&data, &corrupt).unwrap();
    let out = pull(tmp.join("s4").to_str().unwrap(), &pushed, &[]);
    std::fs::write(&data, &original).unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        flat(&out.stderr).contains("digest mismatch"),
        "{}",
        text(&out)
    );

    drop(registry);
    let _ = std::fs::remove_dir_all(&tmp);
}
