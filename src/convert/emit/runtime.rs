//! Each runtime's own Dockerfile, edited: build args merged with the
//! builders', sources re-rooted to the shared context, stages renamed,
//! COPY/ADD of artifacts rewritten to `COPY --from`, global ARGs hoisted.

use super::layout::Layout;
use super::*;

impl Converter<'_> {
    /// Runtime `r` of the group (`p`) as stages of the output.
    pub(super) fn emit_runtime(&mut self, g: &Group, r: usize, p: RuntimePlan, e: &mut Emission) {
        let build = &g.builds[r];
        let rt = &p.src;
        let args = self.runtime_args(&p.args, &e.builder_args);
        e.target_args.push(args);
        let rt_prefix = relative_to(&build.context, &g.context).unwrap_or_default();
        let mut plans = p.plans;
        e.views.push(View {
            context: build.context.clone(),
            ignore: p.ignore.clone(),
            reads: reads_of(rt, Some(&plans)),
            mount: false,
            stage: Some((rt.path.clone(), rt.text.clone())),
            at: None,
        });
        if r > 0 && rt.file.escape != g.first_escape {
            self.file_diag(
                Severity::Error,
                "escape-mismatch",
                "the runtime Dockerfiles use different escape characters".to_string(),
                rt,
                Span::default(),
            );
        }
        let mut edits = Edits::default();
        if !rt_prefix.is_empty() {
            reroot_runtime(rt, &rt_prefix, &mut plans, &mut edits);
        }
        rename_stages(rt, &g.renames[r], &mut edits);
        let mut layout = Layout::default();
        for (i, plan) in &plans {
            let lines = self.copy_lines(r, rt, *i, plan, &mut layout, e);
            edits.replace(rt.file.instructions[*i].span, lines.join("\n"));
        }
        let mut body = self.layout_stages(r, p.build, &layout, e);
        let stages = rt.model.stages();
        let first_from = stages.first().map_or(0, |s| s.span.start);
        self.hoist_global_args(g, r, rt, first_from, e);
        body.push_str(
            edits
                .apply(&rt.text, Span::new(first_from, rt.text.len()))
                .trim_end(),
        );
        e.bodies.push(body);
        for s in stages {
            let from = match s.base {
                crate::dockerfile::model::Source::Stage(b) => g.renames[r].get(&b).cloned(),
                _ => None,
            };
            e.runtime_infos.push(StageInfo {
                name: g.renames[r]
                    .get(&s.index)
                    .cloned()
                    .or_else(|| s.name.clone()),
                role: "runtime",
                from: from.unwrap_or_else(|| s.base_name.clone()),
            });
        }
    }

    /// The build args of a runtime's image: the runtime's and the builders'.
    fn runtime_args(
        &mut self,
        own: &BTreeMap<String, String>,
        builder_args: &BTreeMap<String, (String, Location)>,
    ) -> BTreeMap<String, String> {
        let mut args = own.clone();
        for (k, (v, at)) in builder_args {
            if let Some(old) = args.insert(k.clone(), v.clone())
                && &old != v
            {
                self.script_diag(
                    Severity::Error,
                    "conflicting-build-arg",
                    format!("`--build-arg {k}` differs between the builds (`{old}` and `{v}`)"),
                    *at,
                    Some("give the ARG a default in the Dockerfile instead".to_string()),
                );
            }
        }
        args
    }

    /// The lines replacing the planned COPY/ADD `i` of runtime `r`: what it
    /// keeps from the context, then a `COPY --from` per artifact and per
    /// file the script made on the host.
    fn copy_lines(
        &mut self,
        r: usize,
        rt: &Source,
        i: usize,
        plan: &CopyPlan,
        layout: &mut Layout,
        e: &mut Emission,
    ) -> Vec<String> {
        let instr = &rt.file.instructions[i];
        let mut lines = Vec::new();
        if !plan.kept.is_empty() {
            if plan.kept_unchanged {
                lines.push(rt.text[instr.span.start..instr.span.end].to_string());
            } else {
                lines.push(copy_line(
                    &instr.name,
                    &flag_texts(instr, false),
                    &plan.kept,
                    &plan.dest,
                ));
            }
        }
        if let Some(made) = &plan.made_dest {
            self.host_file_copies(instr, std::slice::from_ref(made), layout, &mut lines, e);
        }
        for piece in &plan.pieces {
            let Some(producer) = e.producers.get(&(r, piece.container)) else {
                continue;
            };
            let producer = producer.clone();
            let line = self.artifact_copy(rt, instr, piece, &producer, layout, e);
            lines.push(line);
        }
        if !plan.host_files.is_empty() {
            self.host_file_copies(instr, &plan.host_files, layout, &mut lines, e);
        }
        lines
    }

    /// The global ARGs of runtime `r` (before its first FROM), hoisted to
    /// the one global scope of the output; a different ARG of the same
    /// name is a conflict.
    fn hoist_global_args(
        &mut self,
        g: &Group,
        r: usize,
        rt: &Source,
        first_from: usize,
        e: &mut Emission,
    ) {
        for line in preamble_args(rt, first_from) {
            let (name, _) = arg_name_value(&line);
            match e.global_args.get(&name) {
                Some((other, from)) if *other != line => {
                    let span = rt
                        .file
                        .instructions
                        .iter()
                        .find(|i| {
                            i.keyword == Keyword::Arg && rt.text[i.span.start..i.span.end] == *line
                        })
                        .map_or_else(Span::default, |i| i.span);
                    self.file_diag(
                        Severity::Error,
                        "conflicting-global-arg",
                        format!(
                            "the global `ARG {name}` differs from the one of `{}` (`{other}`); the merged Dockerfile has one global scope",
                            g.builds[*from].dockerfile
                        ),
                        rt,
                        span,
                    );
                }
                Some(_) => {}
                None => {
                    e.global_args.insert(name, (line.clone(), r));
                    e.hoisted.push(line);
                }
            }
        }
    }

    /// ADD of an artifact: ADD extracts local tar archives, COPY --from
    /// does not.
    pub(super) fn add_of_artifact(&mut self, rt: &Source, instr: &Instruction, piece: &Piece) {
        if is_archive(&piece.host_path) {
            self.file_diag(
                Severity::Error,
                "add-extracts-archive",
                format!(
                    "ADD extracts the archive `{}` into `{}`; COPY --from would copy the archive file itself, and the tree cannot be made without running `tar` in a stage whose image is not known to have it",
                    piece.host_path, piece.dest
                ),
                rt,
                instr.span,
            );
        } else if !piece.known_dir {
            self.file_diag(
                Severity::Warning,
                "add-of-artifact",
                format!(
                    "ADD would extract `{}` if it were a tar archive; it is converted to COPY --from, assuming it is not one",
                    piece.host_path
                ),
                rt,
                instr.span,
            );
        }
    }
}

/// The runtime's own context sources, re-rooted to the shared context
/// (`prefix` is the runtime's context inside it).
fn reroot_runtime(rt: &Source, prefix: &str, plans: &mut [(usize, CopyPlan)], edits: &mut Edits) {
    let planned: BTreeSet<usize> = plans.iter().map(|(i, _)| *i).collect();
    for (i, instr) in rt.file.instructions.iter().enumerate() {
        if planned.contains(&i) {
            continue;
        }
        for w in context_sources(instr) {
            edits.replace(w.span, join(prefix, w.text.trim_start_matches("./")));
        }
    }
    for (_, plan) in plans {
        if plan.kept.is_empty() {
            continue;
        }
        for k in &mut plan.kept {
            if !k.starts_with("<<") && !k.contains("://") {
                *k = join(prefix, k.trim_start_matches("./"));
            }
        }
        plan.kept_unchanged = false;
    }
}

/// Stage names and the references to renamed stages.
fn rename_stages(rt: &Source, renames: &BTreeMap<usize, String>, edits: &mut Edits) {
    let stages = rt.model.stages();
    for (&s, name) in renames {
        let stage = &stages[s];
        match stage.name_span {
            Some(span) => edits.replace(span, name.clone()),
            None => {
                let from = &rt.file.instructions[stage.instruction];
                let end = from.args.last().map_or(from.span.end, |w| w.span.end);
                edits.insert(end, format!(" AS {name}"));
            }
        }
    }
    for e in rt.model.edges() {
        if let crate::dockerfile::model::Source::Stage(s) = e.source
            && !e.via_onbuild
            && let Some(name) = renames.get(&s)
        {
            let original = stages[s].name.as_deref().unwrap_or_default();
            if e.reference.eq_ignore_ascii_case(original)
                || e.reference.chars().all(|c| c.is_ascii_digit())
            {
                edits.replace(e.span, name.clone());
            }
        }
    }
}

/// The name of an `ARG NAME[=value]` line.
fn arg_name_value(line: &str) -> (String, Option<String>) {
    let rest = line.trim_start()[3..].trim();
    match rest.split_once('=') {
        Some((k, v)) => (k.trim().to_string(), Some(v.to_string())),
        None => (rest.to_string(), None),
    }
}

fn is_archive(path: &str) -> bool {
    [
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
    ]
    .iter()
    .any(|e| path.ends_with(e))
}
