//! Host post-processing (`chmod`, `strip`) replayed on the artifacts: RUN
//! lines at the end of the producing stage when every runtime saw the same
//! steps, else a `post` stage per runtime.

use super::*;

impl Converter<'_> {
    /// Host post-processing each runtime saw on each producer, as RUN
    /// lines; reports the steps replayed with a tool the stage must have.
    pub(super) fn post_processing(
        &mut self,
        group: &[RuntimePlan],
    ) -> Vec<BTreeMap<usize, Vec<String>>> {
        let post_by: Vec<BTreeMap<usize, Vec<String>>> = group
            .iter()
            .map(|p| {
                let mut post: BTreeMap<usize, Vec<String>> = BTreeMap::new();
                for piece in p.plans.iter().flat_map(|(_, plan)| &plan.pieces) {
                    let lines = post.entry(piece.container).or_default();
                    for step in &piece.post {
                        let line = post_step_line(step, &piece.root);
                        if !lines.contains(&line) {
                            lines.push(line);
                        }
                    }
                }
                post
            })
            .collect();
        let mut replayed: Vec<(Location, String)> = Vec::new();
        for step in group
            .iter()
            .flat_map(|p| p.plans.iter().flat_map(|(_, plan)| &plan.pieces))
            .flat_map(|piece| &piece.post)
        {
            if step.tool != "chmod" && !replayed.iter().any(|(at, _)| *at == step.at) {
                replayed.push((step.at, step.tool.clone()));
            }
        }
        for (at, tool) in replayed {
            self.script_diag(
                Severity::Info,
                "replayed-on-artifact",
                format!("this host step is replayed, with all its options, in the stage that produced the artifact; that stage's image must provide `{tool}`"),
                at,
                None,
            );
        }
        post_by
    }

    /// The stage each runtime copies container `c`'s files from, with the
    /// post-processing it saw applied: into the producing stage (`reference`)
    /// when shared, else in a stage of its own.
    pub(super) fn post_process(
        &mut self,
        g: &Group,
        c: usize,
        mut reference: String,
        non_root: bool,
        e: &mut Emission,
    ) {
        // Post-processing every runtime saw goes into the stage; where
        // the runtimes saw different steps, each gets a stage of its own.
        let users: Vec<usize> = (0..g.needs.len())
            .filter(|&r| g.needs[r].contains(&c))
            .collect();
        let lists: Vec<Vec<String>> = users
            .iter()
            .map(|&r| g.post_by[r].get(&c).cloned().unwrap_or_default())
            .collect();
        let shared = lists.windows(2).all(|w| w[0] == w[1]);
        if shared && !lists[0].is_empty() {
            let block: String = lists[0].iter().map(|l| format!("\n{l}")).collect();
            match e
                .sections
                .iter_mut()
                .find(|s| stage_declares(s, &reference))
            {
                Some(section) => {
                    let at = stage_end(section, &reference);
                    section.insert_str(at, &block);
                }
                None => {
                    // An image the script did not build: derive a stage.
                    let name = self.unique_name(&format!("{}-post", stage_base(&reference)));
                    e.sections
                        .push(format!("FROM {reference} AS {name}{block}"));
                    e.stage_infos.push(StageInfo {
                        name: Some(name.clone()),
                        role: "post",
                        from: reference.clone(),
                    });
                    reference = name;
                }
            }
        }
        for (&r, lines) in users.iter().zip(&lists) {
            let mut own = reference.clone();
            if !shared && !lines.is_empty() {
                let name = self.unique_name(&format!("{}-post", stage_base(&reference)));
                let block: String = lines.iter().map(|l| format!("\n{l}")).collect();
                e.sections
                    .push(format!("FROM {reference} AS {name}{block}"));
                e.stage_infos.push(StageInfo {
                    name: Some(name.clone()),
                    role: "post",
                    from: reference.clone(),
                });
                own = name;
            }
            e.producers.insert(
                (r, c),
                Producer {
                    reference: own,
                    non_root,
                },
            );
        }
    }
}

fn stage_declares(section: &str, name: &str) -> bool {
    section.lines().any(|l| {
        let lower = l.trim().to_lowercase();
        lower.starts_with("from ") && lower.ends_with(&format!(" as {}", name.to_lowercase()))
    })
}

/// The byte offset in `section` where the stage `name` ends (before the
/// next FROM, or at the end, after trailing blank lines are skipped).
fn stage_end(section: &str, name: &str) -> usize {
    let mut offset = 0;
    let mut in_stage = false;
    let mut end = section.trim_end().len();
    for line in section.split_inclusive('\n') {
        let lower = line.trim().to_lowercase();
        if lower.starts_with("from ") {
            if in_stage {
                end = section[..offset].trim_end().len();
                break;
            }
            in_stage = lower.ends_with(&format!(" as {}", name.to_lowercase()));
        }
        offset += line.len();
    }
    end
}
