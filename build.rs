//! Embeds `rules/*.yaml` and `rules/data/*.yaml` in the binary, so the
//! linter needs no files at run time and `--rules DIR` only adds to them.
//!
//! Each file is embedded twice: as written, and converted to JSON here.
//! Loading reads the JSON (serde_json is an order of magnitude faster than
//! a YAML parser, which matters for a pre-commit run on one file) and goes
//! back to the YAML only to point at an error.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    println!("cargo:rerun-if-changed={}", root.display());
    let out_dir = std::env::var("OUT_DIR").unwrap();
    let mut out = String::new();
    for (konst, dir) in [("RULES", root.clone()), ("DATA", root.join("data"))] {
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "yaml") && p.is_file());
        files.sort();
        writeln!(out, "pub const {konst}: &[(&str, &str, &str)] = &[").unwrap();
        for path in files {
            println!("cargo:rerun-if-changed={}", path.display());
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            // A file that is not YAML is embedded without JSON; loading then
            // reports the error with its span.
            let json = serde_yaml::from_str::<serde_json::Value>(&text)
                .map(|v| v.to_string())
                .unwrap_or_default();
            let json_path = Path::new(&out_dir).join(format!("{konst}-{name}.json"));
            std::fs::write(&json_path, json).unwrap();
            writeln!(
                out,
                "    ({name:?}, include_str!({:?}), include_str!({:?})),",
                path.display().to_string(),
                json_path.display().to_string()
            )
            .unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    std::fs::write(Path::new(&out_dir).join("embedded_rules.rs"), out).unwrap();
}
