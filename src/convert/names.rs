//! Names of the output's stages: derived from image tags and Dockerfile
//! names, unique in the output, and the renames a group of runtimes needs
//! so their stages do not clash.

use super::*;

impl Converter<'_> {
    /// A stage name not used yet, derived from `wanted`.
    pub(super) fn unique_name(&mut self, wanted: &str) -> String {
        let mut name = wanted.to_string();
        let mut n = 2;
        while self.used_names.contains(&name) {
            name = format!("{wanted}-{n}");
            n += 1;
        }
        self.used_names.insert(name.clone());
        name
    }

    /// The stage names of a group: the targets first (they are what people
    /// type), then the runtimes' own names, renamed where they clash.
    /// Returns, per runtime, the stages it renames and its final stage.
    pub(super) fn group_stage_names(
        &mut self,
        group: &[RuntimePlan],
        builds: &[ImageBuild],
    ) -> (Vec<BTreeMap<usize, String>>, Vec<usize>) {
        let fan_out = group.len() > 1;
        let mut renames: Vec<BTreeMap<usize, String>> = vec![BTreeMap::new(); group.len()];
        let mut finals = Vec::new();
        for (r, p) in group.iter().enumerate() {
            let last = p
                .src
                .model
                .target()
                .unwrap_or(p.src.model.stages().len().saturating_sub(1));
            finals.push(last);
            if fan_out {
                let name = self.unique_name(&target_wanted(&builds[r]));
                renames[r].insert(last, name);
            }
        }
        for (r, p) in group.iter().enumerate() {
            for s in p.src.model.stages() {
                if renames[r].contains_key(&s.index) {
                    continue;
                }
                if let Some(n) = &s.name {
                    if self.used_names.contains(n) {
                        let renamed = self.unique_name(n);
                        renames[r].insert(s.index, renamed);
                    } else {
                        self.used_names.insert(n.clone());
                    }
                }
            }
            // Stages referred to by index move when stages come before
            // them: name them.
            for e in p.src.model.edges() {
                if let crate::dockerfile::model::Source::Stage(s) = e.source
                    && e.reference.chars().all(|c| c.is_ascii_digit())
                    && !renames[r].contains_key(&s)
                    && p.src.model.stages()[s].name.is_none()
                {
                    let name = self.unique_name(&format!("stage-{s}"));
                    renames[r].insert(s, name);
                }
            }
        }
        (renames, finals)
    }
}

/// The stage name a runtime image's target gets: from its tag, else from
/// its Dockerfile's name (`Dockerfile.api`, `api.Dockerfile`, `api/Dockerfile`).
fn target_wanted(build: &ImageBuild) -> String {
    if let Some(tag) = build.tags.first() {
        return stage_name_from_tag(tag);
    }
    let name = basename(&build.dockerfile);
    let lower = name.to_lowercase();
    let stem = if let Some(rest) = lower.strip_prefix("dockerfile.") {
        rest.to_string()
    } else if let Some(rest) = lower.strip_suffix(".dockerfile") {
        rest.to_string()
    } else {
        let parent = build.dockerfile.rsplit_once('/').map_or("", |(p, _)| p);
        basename(parent).to_string()
    };
    stage_name_from_tag(if stem.is_empty() { "runtime" } else { &stem })
}

/// A stage name from an image tag: `org/app:build` gives `app-build`,
/// `app:latest` gives `app`.
pub fn stage_name_from_tag(tag: &str) -> String {
    // Parts the script computes (`⟨$VERSION⟩`, `$(#3)`) are not names a
    // person would read; only the literal text counts.
    let mut known = String::new();
    let mut rest = tag;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('⟨') {
            rest = r.split_once('⟩').map_or("", |(_, after)| after);
        } else if let Some(r) = rest.strip_prefix("$(#") {
            rest = r.split_once(')').map_or("", |(_, after)| after);
        } else {
            let c = rest.chars().next().unwrap_or_default();
            known.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    let tag = known.as_str();
    let last = tag.rsplit('/').next().unwrap_or(tag);
    let (repo, version) = last.split_once(':').unwrap_or((last, ""));
    let raw = if version.is_empty() || version == "latest" {
        repo.to_string()
    } else {
        format!("{repo}-{version}")
    };
    let mut name: String = raw
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    // Runs of separators left by dropped parts collapse.
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    let name = name
        .trim_matches(|c| matches!(c, '-' | '_' | '.'))
        .to_string();
    if name.is_empty() {
        return "build".to_string();
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return format!("build-{name}");
    }
    name
}

/// A name usable as a prefix for derived stages (`registry/img:1` → `img-1`).
pub(super) fn stage_base(reference: &str) -> String {
    stage_name_from_tag(reference)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_names_come_from_tags() {
        assert_eq!(
            stage_name_from_tag("alexellis2/href-counter:build"),
            "href-counter-build"
        );
        assert_eq!(stage_name_from_tag("app:latest"), "app");
        assert_eq!(
            stage_name_from_tag("registry:5000/x/9lives:1.0"),
            "build-9lives-1.0"
        );
        // Unknown parts never leak into a name.
        assert_eq!(stage_name_from_tag("x-⟨$1⟩-⟨$2⟩:⟨$TAG⟩"), "x");
        assert_eq!(stage_name_from_tag("app-build:$(#3)"), "app-build");
        assert_eq!(stage_name_from_tag("⟨$IMAGE⟩"), "build");
        assert_eq!(stage_name_from_tag("⟨$REPO⟩/api:⟨$V⟩-dev"), "api-dev");
    }
}
