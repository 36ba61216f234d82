//! The plan of each runtime COPY/ADD: which of its sources held checkout
//! content and which held artifacts, and where each artifact comes from
//! (a container path, a file the script wrote, an archive a container
//! streamed), composed with `docker cp`'s and COPY's semantics.

use super::*;

impl Converter<'_> {
    /// Works out which sources of a runtime COPY/ADD are artifacts.
    pub(super) fn plan_copy(
        &mut self,
        rt: &Source,
        index: usize,
        instr: &Instruction,
        context: &str,
        host: &HostFs,
        ignore: &Option<IgnoreSource>,
    ) -> Option<CopyPlan> {
        if instr.args.len() < 2 {
            return None;
        }
        let (sources, dest) = instr.args.split_at(instr.args.len() - 1);
        let dest = dest[0].text.clone();
        let mut plan = CopyPlan {
            kept: Vec::new(),
            host_files: Vec::new(),
            made_dest: None,
            kept_unchanged: true,
            add: instr.keyword == Keyword::Add,
            dest: dest.clone(),
            pieces: Vec::new(),
        };
        for word in sources {
            if word.text.starts_with("<<") || word.text.contains("://") {
                plan.kept.push(word.text.clone());
                continue;
            }
            let expanded = match rt.model.expand(index, &word.text) {
                Ok(e) => e.word,
                Err(e) => {
                    self.file_diag(Severity::Error, "expansion", e.message, rt, word.span);
                    plan.kept.push(word.text.clone());
                    continue;
                }
            };
            let Some(path) = hostfs::normalize(&join(context, expanded.trim_start_matches('/')))
            else {
                plan.kept.push(word.text.clone());
                continue;
            };
            let literal: Vec<&str> = path
                .split('/')
                .take_while(|s| !s.contains(['*', '?', '[']))
                .collect();
            self.check_host_reads(host, &literal.join("/"), "the runtime build", false);
            let origin_of = |l: usize| layer_origin(host, l);
            if expanded.contains(['*', '?', '[']) {
                self.plan_glob(&mut plan, rt, word, &path, context, host, ignore);
                continue;
            }
            match host.resolve(&path) {
                Resolution::Checkout | Resolution::Missing => plan.kept.push(word.text.clone()),
                Resolution::Layer { layer, rel } => {
                    if self.ignore_fate(rt, word.span, ignore, context, &path, &origin_of(layer))
                        == Fate::Hidden
                    {
                        // The legacy COPY found nothing there; keep it as written.
                        plan.kept.push(word.text.clone());
                        continue;
                    }
                    plan.kept_unchanged = false;
                    self.piece(&mut plan, host, layer, &rel, &dest, false);
                }
                Resolution::Mixed {
                    checkout,
                    base,
                    layers,
                    created,
                } => {
                    // A directory the script only made, copied with
                    // `--chown`/`--chmod`: the legacy COPY created its
                    // destination with those flags, where the pieces
                    // below would leave it an implicit parent (root's).
                    if base.is_none()
                        && !checkout
                        && (instr.flag("chown").is_some() || instr.flag("chmod").is_some())
                    {
                        plan.made_dest = Some(HostFile {
                            host_path: path.clone(),
                            dest: dest.clone(),
                            content: None,
                            mode: 0o755,
                        });
                    }
                    if let Some((layer, rel)) = base {
                        plan.kept_unchanged = false;
                        self.piece(&mut plan, host, layer, &rel, &dest, false);
                    }
                    for rel in created {
                        plan.kept_unchanged = false;
                        plan.host_files.push(HostFile {
                            host_path: join(&path, &rel),
                            dest: join_dest(&dest, &rel),
                            content: None,
                            mode: 0o755,
                        });
                    }
                    if checkout {
                        if relative_to(&rt.path, &path).is_some() {
                            self.file_diag(
                                Severity::Warning,
                                "copies-own-dockerfile",
                                format!(
                                    "this copies `{}` itself into the image, so the image will hold the converted text",
                                    rt.path
                                ),
                                rt,
                                instr.span,
                            );
                        }
                        plan.kept.push(word.text.clone());
                    } else {
                        plan.kept_unchanged = false;
                    }
                    for (layer, rel) in layers {
                        let at = join(&path, &rel);
                        if self.ignore_fate(rt, word.span, ignore, context, &at, &origin_of(layer))
                            != Fate::Hidden
                        {
                            self.piece(&mut plan, host, layer, &rel, &dest, true);
                        }
                    }
                }
            }
        }
        if plan.pieces.is_empty() && plan.kept_unchanged {
            return None;
        }
        Some(plan)
    }

    /// Plans a source with wildcards (`path`, in the setup directory):
    /// the artifacts it matches, the artifact directory it matches inside,
    /// and whether the checkout still has matches of it.
    #[allow(clippy::too_many_arguments)]
    fn plan_glob(
        &mut self,
        plan: &mut CopyPlan,
        rt: &Source,
        word: &crate::dockerfile::Word,
        path: &str,
        context: &str,
        host: &HostFs,
        ignore: &Option<IgnoreSource>,
    ) {
        let dest = plan.dest.clone();
        let matches: Vec<usize> = (0..host.layers.len())
            .filter(|&l| glob::path_matches(path, &host.layers[l].host) && !host.layers[l].merged)
            .collect();
        if matches.is_empty() {
            // A glob inside an artifact directory (`target/*.war`
            // after `docker cp c:/app/target .`) matches the same
            // names inside the container directory.
            let literal: Vec<&str> = path
                .split('/')
                .take_while(|s| !s.contains(['*', '?', '[']))
                .collect();
            let dir = literal.join("/");
            let rest = path[dir.len()..].trim_start_matches('/').to_string();
            if let Resolution::Layer { layer, rel } = host.resolve(&dir)
                && matches!(host.layers[layer].origin, Origin::Container { .. })
            {
                let origin = layer_origin(host, layer);
                let inside = join_abs(&origin, &join(&rel, &rest));
                self.file_diag(
                    Severity::Info,
                    "glob-in-artifact",
                    format!(
                        "`{}` matches inside the artifact `{origin}`: the glob is kept, as `{inside}` in the stage",
                        word.text
                    ),
                    rt,
                    word.span,
                );
                plan.kept_unchanged = false;
                self.piece(plan, host, layer, &join(&rel, &rest), &dest, false);
                if glob_matches_checkout(self.dir, path) {
                    plan.kept.push(word.text.clone());
                }
                return;
            }
            plan.kept.push(word.text.clone());
            return;
        }
        for l in matches {
            let at = host.layers[l].host.clone();
            if self.ignore_fate(rt, word.span, ignore, context, &at, &layer_origin(host, l))
                != Fate::Hidden
            {
                self.piece(plan, host, l, "", &dest, false);
            }
        }
        if glob_matches_checkout(self.dir, path) {
            plan.kept.push(word.text.clone());
        } else {
            plan.kept_unchanged = false;
        }
    }

    /// Adds the hand-off of `layer` to `plan`: with `below`, the layer sits
    /// at `rel` under a directory source and lands at `dest/rel`; without,
    /// the source is the part `rel` inside the layer.
    fn piece(
        &mut self,
        plan: &mut CopyPlan,
        host: &HostFs,
        layer: usize,
        rel: &str,
        dest: &str,
        below: bool,
    ) {
        let l = &host.layers[layer];
        let (c, root) = match &l.origin {
            Origin::Container { container, path } => (self.reps[*container], path.clone()),
            Origin::Checkout(original) => {
                // A checkout file moved on the host: copy it from its original place.
                plan.kept_unchanged = false;
                plan.kept.push(if below {
                    original.clone()
                } else {
                    join(original, rel)
                });
                return;
            }
            Origin::Archive { container, entries } => {
                plan.kept_unchanged = false;
                let at = self
                    .trace
                    .commands
                    .get(l.step)
                    .map(|c| c.at)
                    .unwrap_or_default();
                if !plan.add || below || !rel.is_empty() {
                    self.script_diag(
                        Severity::Error,
                        "archive-bytes",
                        format!(
                            "the runtime build copies `{}`, the archive this container streams out, as a file; its bytes (timestamps, compression) cannot be reproduced by a stage",
                            l.host
                        ),
                        at,
                        Some("ADD the archive (which unpacks it), or copy the unpacked tree out instead".to_string()),
                    );
                    return;
                }
                // ADD unpacks a local archive into its destination: each
                // member lands there under its path in the archive, with
                // the modes and owners the archive carried, which are the
                // container's.
                for (source, inner) in entries {
                    plan.pieces.push(Piece {
                        container: self.reps[*container],
                        source: source.clone(),
                        root: source.clone(),
                        dest: join_dest(dest, inner),
                        host_path: l.host.clone(),
                        needs_staging: false,
                        known_dir: true,
                        from_archive: true,
                        post: Vec::new(),
                    });
                }
                return;
            }
            Origin::Written { content, mode, at } => {
                plan.kept_unchanged = false;
                if content.is_none() {
                    self.script_diag(
                        Severity::Error,
                        "unknown-content",
                        format!(
                            "the script writes `{}` here with content that cannot be known statically, and the runtime build reads it",
                            l.host
                        ),
                        *at,
                        Some("write the file in a Dockerfile step instead, or keep it in the checkout".to_string()),
                    );
                }
                plan.host_files.push(HostFile {
                    host_path: l.host.clone(),
                    dest: if below {
                        join_dest(dest, rel)
                    } else {
                        dest.to_string()
                    },
                    content: Some(content.clone().unwrap_or_default()),
                    mode: *mode,
                });
                return;
            }
        };
        let (source, dest_path) = if below {
            (root.clone(), join_dest(dest, rel))
        } else {
            (join_abs(&root, rel), dest.to_string())
        };
        // Only a whole artifact renamed on the host can land under another
        // name; a directory lands as its contents either way.
        let renamed = basename(&l.host) != basename(&source);
        // A host step on a path inside the artifact shows it is a directory.
        let inner_step = l.post.iter().any(|step| {
            step.words
                .iter()
                .any(|w| matches!(w, StepWord::Path(rel) if !rel.is_empty()))
        });
        let known_dir = l.kind == Kind::Dir || l.merged || inner_step;
        let needs_staging = rel.is_empty() && !below && renamed && !known_dir;
        plan.pieces.push(Piece {
            container: c,
            source,
            root,
            dest: dest_path,
            host_path: l.host.clone(),
            needs_staging,
            known_dir: below || (rel.is_empty() && known_dir),
            from_archive: false,
            post: l.post.clone(),
        });
    }
}

pub(super) struct CopyPlan {
    /// Sources that stay (context content), as written or rewritten.
    pub(super) kept: Vec<String>,
    /// Files and directories the script made on the host, copied after
    /// the artifacts.
    pub(super) host_files: Vec<HostFile>,
    /// The source directory itself, when the script only made it and the
    /// COPY's flags apply to the destination it creates: copied first.
    pub(super) made_dest: Option<HostFile>,
    /// True when `kept` is exactly the original sources.
    pub(super) kept_unchanged: bool,
    /// The destination as written.
    pub(super) dest: String,
    /// The instruction is ADD (which unpacks local archives).
    pub(super) add: bool,
    /// Artifact hand-offs.
    pub(super) pieces: Vec<Piece>,
}

pub(super) struct Piece {
    pub(super) container: usize,
    /// Absolute path in the producer.
    pub(super) source: String,
    /// The artifact's root in the producer, which post-processing paths are
    /// relative to.
    pub(super) root: String,
    /// Destination in the runtime stage.
    pub(super) dest: String,
    /// Where the host had it.
    pub(super) host_path: String,
    /// The host name differs from the container name: lay it out first.
    pub(super) needs_staging: bool,
    /// The artifact is known to be a directory (or to sit in one).
    pub(super) known_dir: bool,
    /// A member of an archive the runtime's ADD unpacked: the owners are
    /// the archive's, so they are kept.
    pub(super) from_archive: bool,
    /// Host post-processing to redo in the producer.
    pub(super) post: Vec<PostStep>,
}

/// The path a layer's content has where it comes from: its container
/// path, its checkout path, the host path the script wrote, or an archive's
/// first entry.
fn layer_origin(host: &HostFs, l: usize) -> String {
    match &host.layers[l].origin {
        Origin::Container { path, .. } => path.clone(),
        Origin::Checkout(p) => p.clone(),
        Origin::Written { .. } => host.layers[l].host.clone(),
        Origin::Archive { entries, .. } => entries.first().map(|e| e.0.clone()).unwrap_or_default(),
    }
}
