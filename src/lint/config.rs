//! `.msmigrate.yaml`: project settings for lint, found upward from each
//! linted file. Strict: an unknown key or a bad value is an error with a span
//! into the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::finding::Severity;
use super::rules::{LoadError, yaml_error};
use crate::dockerfile::{SourceDiagnostic, Span};

/// The config file's name.
pub const FILE_NAME: &str = ".msmigrate.yaml";

/// The settings.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Rule ids or names never reported.
    #[serde(default)]
    pub ignored: Vec<String>,
    /// Severity per rule id or name.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Findings at or above this fail the run (exit 1). Default: info.
    #[serde(default)]
    pub failure_threshold: Option<Severity>,
    /// More rule directories, relative to the config file.
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    /// Registries base images may come from (`docker.io`, `*.gcr.io`);
    /// empty: any.
    #[serde(default)]
    pub trusted_registries: Vec<String>,
    /// Where the file was read from (not a key).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

impl Config {
    /// Parses a config text; `name` is shown in errors.
    pub fn parse(name: &str, text: &str) -> Result<Config, LoadError> {
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        serde_yaml::from_str(text).map_err(|e| yaml_error(name, text, &e))
    }

    /// Reads the config at `path`.
    pub fn load(path: &Path) -> Result<Config, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Box::new(SourceDiagnostic::new(
                &path.display().to_string(),
                "",
                Span::default(),
                format!("cannot read {}: {e}", path.display()),
                "",
                None,
            ))
        })?;
        let mut config = Config::parse(&path.display().to_string(), &text)?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.rules = config.rules.iter().map(|r| base.join(r)).collect();
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// The nearest config file in `dir` or its parents.
    pub fn find(dir: &Path) -> Option<PathBuf> {
        let mut at = Some(dir);
        while let Some(d) = at {
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                return Some(candidate);
            }
            at = d.parent();
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_keys() {
        let err = Config::parse("c.yaml", "ignored: [MS101]\nignore: [MS102]\n").unwrap_err();
        assert!(err.to_string().contains("unknown field `ignore`"), "{err}");
        let ok = Config::parse(
            "c.yaml",
            "failure-threshold: warning\nseverity: {MS101: error}\n",
        )
        .unwrap();
        assert_eq!(ok.failure_threshold, Some(Severity::Warning));
        assert_eq!(ok.severity["MS101"], Severity::Error);
    }
}
