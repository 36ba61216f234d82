//! What the matchers see of one file: the syntax tree, the semantic model,
//! each stage's role, and the RUN commands parsed as shell (once, on first
//! use).

use std::cell::OnceCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::data::Data;
use super::shell::{self, Command, PackageOp};
use crate::dockerfile::model::{EdgeKind, Model, Source, StageRole};
use crate::dockerfile::{Dockerfile, Instruction, Keyword};

/// A stage's role for linting. Without `--target`, every named stage that no
/// other stage uses is a target someone builds with `--target`, so it ships
/// like the last stage does; only unnamed dead stages are unused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Its filesystem is the image.
    Final,
    /// Built only for what other stages take from it.
    Builder,
    /// Never built.
    Unused,
}

/// What a lint run knows besides the file: rule data and settings.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    /// Rule data.
    pub data: &'a Data,
    /// Registries base images may come from (empty: any).
    pub trusted: &'a [String],
    /// The build scripts of directories, read once per run.
    pub dirs: &'a DirCache,
}

/// One file under lint.
pub struct Ctx<'a> {
    /// The path shown in findings.
    pub path: &'a str,
    /// The directory holding the file, when it is on disk.
    pub dir: Option<&'a Path>,
    /// The syntax tree.
    pub df: &'a Dockerfile,
    /// The semantic model for the chosen target.
    pub model: &'a Model,
    /// Rule data.
    pub data: &'a Data,
    /// Registries base images may come from (empty: any).
    pub trusted: &'a [String],
    /// The build scripts of directories, read once per run.
    pub dirs: &'a DirCache,
    roles: Vec<Role>,
    commands: Vec<OnceCell<Vec<Command>>>,
    ops: Vec<OnceCell<Vec<PackageOp>>>,
    /// Per instruction, whether its SHELL is a POSIX one.
    posix_shells: OnceCell<Vec<bool>>,
}

impl<'a> Ctx<'a> {
    /// The context of `df` built for `target` (`None`: no `--target`).
    pub fn new(
        path: &'a str,
        dir: Option<&'a Path>,
        df: &'a Dockerfile,
        model: &'a Model,
        env: Env<'a>,
        explicit_target: bool,
    ) -> Ctx<'a> {
        let Env {
            data,
            trusted,
            dirs,
        } = env;
        let roles = roles(model, explicit_target);
        let n = df.instructions.len();
        Ctx {
            path,
            dir,
            df,
            model,
            data,
            trusted,
            dirs,
            roles,
            commands: (0..n).map(|_| OnceCell::new()).collect(),
            ops: (0..n).map(|_| OnceCell::new()).collect(),
            posix_shells: OnceCell::new(),
        }
    }

    /// The role of stage `stage`.
    pub fn role(&self, stage: usize) -> Role {
        self.roles.get(stage).copied().unwrap_or(Role::Unused)
    }

    /// True when stage `stage` has one of `roles` (empty: any).
    pub fn role_in(&self, stage: usize, roles: &[Role]) -> bool {
        roles.is_empty() || roles.contains(&self.role(stage))
    }

    /// The instruction at `index`.
    pub fn instruction(&self, index: usize) -> &'a Instruction {
        &self.df.instructions[index]
    }

    /// A stage's instructions after its FROM, with their indices.
    pub fn stage_instructions(
        &self,
        stage: usize,
    ) -> impl Iterator<Item = (usize, &'a Instruction)> + 'a {
        let df = self.df;
        self.model.stages()[stage]
            .commands
            .clone()
            .map(move |i| (i, &df.instructions[i]))
    }

    /// A stage's name for messages: `build`, or `#2` when unnamed.
    pub fn stage_label(&self, stage: usize) -> String {
        match &self.model.stages()[stage].name {
            Some(n) => n.clone(),
            None => format!("#{stage}"),
        }
    }

    /// The commands of RUN instruction `index` (empty for other instructions).
    pub fn commands(&self, index: usize) -> &[Command] {
        self.commands[index].get_or_init(|| {
            let instr = &self.df.instructions[index];
            if instr.keyword != Keyword::Run {
                return Vec::new();
            }
            let vars = self.model.env_at(index);
            let posix = self
                .posix_shells
                .get_or_init(|| shell::posix_shells(self.df))
                .get(index)
                .copied()
                .unwrap_or(true);
            shell::commands_of(self.df, instr, posix, &|name| {
                vars.value(name).map(str::to_string)
            })
        })
    }

    /// What package managers do in RUN instruction `index`.
    pub fn package_ops(&self, index: usize) -> &[PackageOp] {
        self.ops[index].get_or_init(|| shell::package_ops(self.commands(index)))
    }

    /// The stages that take files from `stage` with `COPY --from`, with the
    /// COPY instruction indices.
    pub fn copies_from(&self, stage: usize) -> Vec<(usize, usize)> {
        self.model
            .edges()
            .iter()
            .filter(|e| e.kind == EdgeKind::CopyFrom && e.source == Source::Stage(stage))
            .map(|e| (e.stage, e.instruction))
            .collect()
    }

    /// The value a variable has when instruction `index` runs.
    pub fn var_at(&self, index: usize, name: &str) -> Option<String> {
        self.model.env_at(index).value(name).map(str::to_string)
    }
}

fn roles(model: &Model, explicit_target: bool) -> Vec<Role> {
    let mut roles = direct_roles(model, explicit_target);
    // A stage a final stage is built FROM ships too: its files are the
    // final image's lower layers.
    for stage in 0..roles.len() {
        if roles[stage] != Role::Final {
            continue;
        }
        let mut at = stage;
        let mut hops = 0;
        while let Source::Stage(parent) = &model.stages()[at].base {
            if *parent >= at || hops > roles.len() {
                break;
            }
            roles[*parent] = Role::Final;
            at = *parent;
            hops += 1;
        }
    }
    roles
}

fn direct_roles(model: &Model, explicit_target: bool) -> Vec<Role> {
    let stages = model.stages();
    if explicit_target || stages.is_empty() {
        return (0..stages.len())
            .map(|i| match model.role(i) {
                StageRole::Final => Role::Final,
                StageRole::Builder => Role::Builder,
                StageRole::Unused => Role::Unused,
            })
            .collect();
    }
    let mut used = vec![false; stages.len()];
    for edge in model.edges() {
        if let Source::Stage(s) = edge.source
            && s != edge.stage
        {
            used[s] = true;
        }
    }
    let last = stages.len() - 1;
    let mut roles: Vec<Role> = (0..stages.len())
        .map(|i| {
            // `--target NAME` picks the last stage of that name.
            let targetable = stages[i]
                .name
                .as_deref()
                .and_then(|n| model.stage_named(n))
                .is_some_and(|s| s.index == i);
            if i == last || (!used[i] && targetable) {
                Role::Final
            } else {
                Role::Unused
            }
        })
        .collect();
    // Everything a final stage needs is a builder; walk the edges backwards
    // until nothing changes (stage graphs are small).
    let mut changed = true;
    while changed {
        changed = false;
        for edge in model.edges() {
            if let Source::Stage(s) = edge.source
                && roles[edge.stage] != Role::Unused
                && roles[s] == Role::Unused
            {
                roles[s] = Role::Builder;
                changed = true;
            }
        }
    }
    roles
}

/// A build script beside a Dockerfile: a `*.sh` or a Makefile that mentions
/// docker.
#[derive(Debug)]
pub struct Script {
    /// Its file name.
    pub name: String,
    /// Its text.
    pub text: String,
}

/// The build scripts of each directory, read once per run however many
/// Dockerfiles the directory holds (a corpus directory of hundreds of
/// Dockerfiles would otherwise be listed once per file).
#[derive(Debug, Default, Clone)]
pub struct DirCache(Arc<Mutex<HashMap<PathBuf, Arc<Vec<Script>>>>>);

impl DirCache {
    /// The scripts in `dir`, sorted by name.
    pub fn scripts(&self, dir: &Path) -> Arc<Vec<Script>> {
        if let Some(found) = self.lock().get(dir) {
            return found.clone();
        }
        let scripts = Arc::new(read_scripts(dir));
        self.lock().insert(dir.to_path_buf(), scripts.clone());
        scripts
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Arc<Vec<Script>>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn read_scripts(dir: &Path) -> Vec<Script> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut scripts: Vec<Script> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            // The name first: a stat per entry would cost more than the lint.
            let is_script = name.ends_with(".sh")
                || matches!(name.as_str(), "Makefile" | "makefile" | "GNUmakefile");
            if !is_script {
                return None;
            }
            // Scripts are small; a huge file is not a build script.
            let meta = std::fs::metadata(entry.path()).ok()?;
            if !meta.is_file() || meta.len() > 1 << 20 {
                return None;
            }
            let text = std::fs::read_to_string(entry.path()).ok()?;
            text.contains("docker").then_some(Script { name, text })
        })
        .collect();
    scripts.sort_by(|a, b| a.name.cmp(&b.name));
    scripts
}
