//! Emission of one group of runtime images as one Dockerfile, in steps:
//! the stage names ([`super::names`]), the host post-processing each
//! runtime saw ([`post`]), the shared build context, the producers' stages
//! ([`producer`]), each runtime's own stages with its COPY/ADD rewritten
//! ([`runtime`], with the stages that lay artifacts and host files out,
//! [`layout`]), and the assembled text with its targets.

mod layout;
mod post;
mod producer;
mod runtime;

use super::*;

/// What a producing container turns into in the output.
#[derive(Clone)]
struct Producer {
    /// The name COPY --from uses (a stage name or an image reference).
    reference: String,
    /// Its files may be owned by a user other than root (it ends as
    /// another user, or changes owners), so copies of them are made root's
    /// as the legacy host hand-off did.
    non_root: bool,
}

/// What the emission of a group reads: settled before its first stage is
/// written.
struct Group {
    /// The runtime builds, in script order.
    builds: Vec<ImageBuild>,
    /// Several runtime images: each one's final stage is named.
    fan_out: bool,
    /// Per runtime, its stages renamed in the output.
    renames: Vec<BTreeMap<usize, String>>,
    /// Per runtime, its final stage.
    finals: Vec<usize>,
    /// Per runtime, the post-processing lines it saw on each producer.
    post_by: Vec<BTreeMap<usize, Vec<String>>>,
    /// Per runtime, the producers (representative containers) it reads from.
    needs: Vec<BTreeSet<usize>>,
    /// The producers of the whole group.
    needed: BTreeSet<usize>,
    /// The one build context, relative to the setup directory.
    context: String,
    /// The parser directives of the first runtime Dockerfile, as written.
    directives: String,
    /// The escape character of the first runtime Dockerfile.
    first_escape: char,
}

/// What the emission of a group builds up, step by step.
#[derive(Default)]
struct Emission {
    /// Producer and post-processing stages, in order.
    sections: Vec<String>,
    /// Global ARG lines, for the top of the output.
    hoisted: Vec<String>,
    /// The stages of the output before the runtimes' own.
    stage_infos: Vec<StageInfo>,
    /// The builders' build args, each with where it was first given.
    builder_args: BTreeMap<String, (String, Location)>,
    /// What each stage read from its own build context.
    views: Vec<View>,
    /// Per (runtime, container), the stage its files come from.
    producers: BTreeMap<(usize, usize), Producer>,
    /// VOLUMEs of the images containers ran build work in.
    volumes: BTreeMap<usize, Vec<(String, String)>>,
    /// Each runtime's stages, as text.
    bodies: Vec<String>,
    /// The artifact hand-offs.
    artifacts: Vec<Artifact>,
    /// Per runtime, the build args of its image.
    target_args: Vec<BTreeMap<String, String>>,
    /// The runtimes' own stages.
    runtime_infos: Vec<StageInfo>,
    /// The global ARGs hoisted so far, with the runtime they come from.
    global_args: BTreeMap<String, (String, usize)>,
}

impl Converter<'_> {
    /// One Dockerfile for a group of runtime images: the producers' stages
    /// once, then each runtime's stages; with several images, each one's
    /// final stage is named (from its tag) for `docker build --target`.
    pub(super) fn convert_group(
        &mut self,
        group: Vec<RuntimePlan>,
        options: &Options,
    ) -> Result<Conversion, Status> {
        self.used_names.clear();
        let builds: Vec<ImageBuild> = group
            .iter()
            .map(|p| self.flow.builds[p.build].clone())
            .collect();
        let (renames, finals) = self.group_stage_names(&group, &builds);
        let post_by = self.post_processing(&group);
        let needed: BTreeSet<usize> = group.iter().flat_map(|p| p.needed.clone()).collect();
        let context = self.shared_context(&builds, &needed);
        let mut directives = String::new();
        for d in &group[0].src.file.directives {
            directives.push_str(&group[0].src.text[d.span.start..d.span.end]);
            directives.push('\n');
        }
        let g = Group {
            fan_out: group.len() > 1,
            builds,
            renames,
            finals,
            post_by,
            needs: group.iter().map(|p| p.needed.clone()).collect(),
            needed,
            context,
            directives,
            first_escape: group[0].src.file.escape,
        };
        let mut e = Emission::default();
        // Producer stages, once for the group.
        for &c in &g.needed {
            self.emit_producer(&g, c, options, &mut e)?;
        }
        // Each runtime's Dockerfile, edited.
        for (r, p) in group.into_iter().enumerate() {
            self.emit_runtime(&g, r, p, &mut e);
        }
        Ok(self.assemble(g, e))
    }

    /// One Dockerfile, one context: the common ancestor of the runtimes'
    /// contexts, the builders' contexts and the bind mounts of run stages.
    fn shared_context(&self, builds: &[ImageBuild], needed: &BTreeSet<usize>) -> String {
        let mut contexts: Vec<String> = builds.iter().map(|b| b.context.clone()).collect();
        for &c in needed {
            let container = &self.flow.containers[c];
            if let ImageRef::Build(b) = container.image {
                contexts.push(self.flow.builds[b].context.clone());
            }
            if let Some(run) = container.run.as_ref().filter(|_| !container.reads_only) {
                for m in &run.mounts {
                    if let Some(h) = m.source.as_lit().and_then(|s| hostfs::normalize(&s)) {
                        contexts.push(h);
                    }
                }
            }
        }
        contexts
            .iter()
            .skip(1)
            .fold(contexts[0].clone(), |acc, c| common_ancestor(&acc, c))
    }

    /// Assemble: directives, global ARGs, producer stages, runtimes; then
    /// the ignore file and the targets.
    fn assemble(&mut self, g: Group, e: Emission) -> Conversion {
        let Emission {
            sections,
            hoisted,
            mut stage_infos,
            views,
            bodies,
            artifacts,
            target_args,
            runtime_infos,
            ..
        } = e;
        stage_infos.extend(runtime_infos);
        let builds = &g.builds;
        let context = &g.context;
        let first = &builds[0];
        let mut out = g.directives.clone();
        let mut seen = BTreeSet::new();
        let mut args_block = String::new();
        for line in &hoisted {
            if seen.insert(line.clone()) {
                args_block.push_str(line);
                args_block.push('\n');
            }
        }
        if !args_block.is_empty() {
            out.push_str(&args_block);
            out.push('\n');
        }
        for s in &sections {
            out.push_str(s.trim_end());
            out.push_str("\n\n");
        }
        out.push_str(&bodies.join("\n\n"));
        out.push('\n');

        let ignore_file = self.merged_ignore(&views, context, &first.dockerfile);
        let targets: Vec<Target> = builds
            .iter()
            .enumerate()
            .map(|(r, b)| Target {
                image: b.tags.first().cloned(),
                target: (g.fan_out || b.target.is_some())
                    .then(|| g.renames[r].get(&g.finals[r]).cloned())
                    .flatten()
                    .or_else(|| b.target.clone()),
                replaces: b.dockerfile.clone(),
                build_args: target_args[r].clone(),
            })
            .collect();
        let last = builds.len() - 1;
        Conversion {
            status: Status::Converted,
            output: Some(out),
            dockerfile: Some(first.dockerfile.clone()),
            context: Some(if context.is_empty() {
                ".".to_string()
            } else {
                context.clone()
            }),
            target_image: builds[last].tags.first().cloned(),
            build_args: target_args[last].clone(),
            stages: stage_infos,
            artifacts,
            targets,
            dockerignore: ignore_file,
            diagnostics: Vec::new(),
            files_written: Vec::new(),
        }
    }
}

/// The flags of an instruction as written, without `--from` when `drop_from`.
fn flag_texts(instr: &Instruction, drop_from: bool) -> Vec<String> {
    instr
        .flags
        .iter()
        .filter(|f| !(drop_from && f.name() == "from"))
        .map(|f| f.text.clone())
        .collect()
}

fn copy_line(name: &str, flags: &[String], sources: &[String], dest: &str) -> String {
    let mut line = name.to_string();
    for f in flags {
        line.push(' ');
        line.push_str(f);
    }
    let needs_json = sources
        .iter()
        .chain([&dest.to_string()])
        .any(|s| s.contains(char::is_whitespace));
    if needs_json {
        let mut all: Vec<String> = sources.to_vec();
        all.push(dest.to_string());
        line.push(' ');
        line.push_str(&serde_json::to_string(&all).unwrap_or_default());
        return line;
    }
    for s in sources {
        line.push(' ');
        line.push_str(s);
    }
    line.push(' ');
    line.push_str(dest);
    line
}

/// The ARG instructions before the first FROM, as written.
fn preamble_args(src: &Source, first_from: usize) -> Vec<String> {
    src.file
        .instructions
        .iter()
        .filter(|i| i.span.end <= first_from && i.keyword == Keyword::Arg)
        .map(|i| src.text[i.span.start..i.span.end].to_string())
        .collect()
}

/// The common ancestor directory of two relative paths ("" for the root).
fn common_ancestor(a: &str, b: &str) -> String {
    let common: Vec<&str> = a
        .split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y && !x.is_empty())
        .map(|(x, _)| x)
        .collect();
    common.join("/")
}
