//! The stages a runtime copies from besides its producers: `artifacts`, a
//! `scratch` stage laying artifacts out as the host had them (where the
//! host name differs from the container name and the artifact is not known
//! to be a directory, this reproduces both the file and the directory case
//! of `docker cp` exactly), and `host-files`, which makes the files the
//! script wrote on the host.

use super::*;

/// The layout stages of one runtime, filled in as its COPY/ADD are
/// rewritten.
#[derive(Default)]
pub(super) struct Layout {
    /// The `COPY --from` lines of the `artifacts` stage.
    staging: Vec<String>,
    /// The `artifacts` stage's name, once one is needed.
    staging_name: Option<String>,
    /// The `host-files` stage's name, once one is needed.
    host_files_name: Option<String>,
    /// The files the `host-files` stage makes.
    host_files: Vec<HostFile>,
}

impl Converter<'_> {
    /// The `COPY --from` of one artifact (`piece`) of the runtime's
    /// `instr`, from the stage `producer` (through the `artifacts` stage
    /// when it needs laying out).
    pub(super) fn artifact_copy(
        &mut self,
        rt: &Source,
        instr: &Instruction,
        piece: &Piece,
        producer: &Producer,
        layout: &mut Layout,
        e: &mut Emission,
    ) -> String {
        let mut flags = flag_texts(instr, true);
        if producer.non_root && !piece.from_archive && instr.flag("chown").is_none() {
            flags.push("--chown=0:0".to_string());
        }
        let (from, source) = if piece.needs_staging {
            let stage = match &layout.staging_name {
                Some(n) => n.clone(),
                None => {
                    let n = self.unique_name("artifacts");
                    layout.staging_name = Some(n.clone());
                    n
                }
            };
            let host_path = format!("/{}", piece.host_path);
            layout.staging.push(format!(
                "COPY --from={} {} {}",
                producer.reference, piece.source, host_path
            ));
            (stage, host_path)
        } else {
            (producer.reference.clone(), piece.source.clone())
        };
        flags.push(format!("--from={from}"));
        if instr.keyword == Keyword::Add && !piece.from_archive {
            self.add_of_artifact(rt, instr, piece);
        }
        let volume = e.volumes.get(&piece.container).and_then(|v| {
            v.iter().find(|(path, _)| {
                relative_to(
                    piece.root.trim_start_matches('/'),
                    path.trim_start_matches('/'),
                )
                .is_some()
            })
        });
        if let Some((path, file)) = volume {
            self.file_diag(
                Severity::Error,
                "volume-discards-output",
                format!(
                    "`{file}` declares `VOLUME {path}`: the container wrote `{}` into a volume, and a build step's changes under a VOLUME are not kept, so no stage can hand it over",
                    piece.root
                ),
                rt,
                instr.span,
            );
        }
        let line = copy_line("COPY", &flags, std::slice::from_ref(&source), &piece.dest);
        e.artifacts.push(Artifact {
            from_stage: from,
            source,
            dest: piece.dest.clone(),
        });
        line
    }

    /// The `COPY --from=<host-files>` lines of the files the script made on
    /// the host that `instr` reads.
    pub(super) fn host_file_copies(
        &mut self,
        instr: &Instruction,
        files: &[HostFile],
        layout: &mut Layout,
        lines: &mut Vec<String>,
        e: &mut Emission,
    ) {
        let stage = match &layout.host_files_name {
            Some(n) => n.clone(),
            None => {
                let n = self.unique_name("host-files");
                layout.host_files_name = Some(n.clone());
                n
            }
        };
        let mut flags = flag_texts(instr, true);
        flags.push(format!("--from={stage}"));
        for hf in files {
            let source = host_file_source(&hf.host_path);
            lines.push(copy_line(
                "COPY",
                &flags,
                std::slice::from_ref(&source),
                &hf.dest,
            ));
            e.artifacts.push(Artifact {
                from_stage: stage.clone(),
                source,
                dest: hf.dest.clone(),
            });
            if !layout
                .host_files
                .iter()
                .any(|h: &HostFile| h.host_path == hf.host_path)
            {
                layout.host_files.push(hf.clone());
            }
        }
    }

    /// The text of runtime `r`'s layout stages (`host-files`, then
    /// `artifacts`), which come before its own stages; `build` is its index
    /// in the flow's builds.
    pub(super) fn layout_stages(
        &mut self,
        r: usize,
        build: usize,
        layout: &Layout,
        e: &mut Emission,
    ) -> String {
        let mut body = String::new();
        if let Some(name) = &layout.host_files_name {
            let base = e
                .producers
                .iter()
                .filter(|((pr, _), _)| *pr == r)
                .map(|(_, p)| p.reference.clone())
                .next()
                .unwrap_or_else(|| "busybox".to_string());
            body.push_str(&format!(
                "# Files the build script made on the host.\nFROM {base} AS {name}\nUSER root\n{}\n\n",
                host_files_run(&layout.host_files)
            ));
            e.stage_infos.push(StageInfo {
                name: Some(name.clone()),
                role: "host-files",
                from: base.clone(),
            });
            let at = self.flow.builds[build].at;
            self.script_diag(
                Severity::Info,
                "host-files-stage",
                format!("the files the script writes on the host are made in stage `{name}`, whose base `{base}` must provide `sh`, `mkdir`, `printf` and `chmod`"),
                at,
                None,
            );
        }
        if let Some(name) = &layout.staging_name {
            body.push_str(&format!("# The artifacts laid out as the build script left them on the host.\nFROM scratch AS {name}\n"));
            for line in &layout.staging {
                body.push_str(line);
                body.push('\n');
            }
            body.push('\n');
            e.stage_infos.push(StageInfo {
                name: Some(name.clone()),
                role: "artifacts",
                from: "scratch".to_string(),
            });
        }
        body
    }
}
