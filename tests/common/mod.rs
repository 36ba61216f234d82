//! What the convert tests share: running a `testdata/convert/<case>`.

use std::path::Path;

use msmigrate::convert::{self, Conversion};
use msmigrate::script::bash::{self, DirFiles};
use msmigrate::script::make;

/// Converts `<case>/input` with the options in `<case>/options`
/// (`stage-name=NAME` and `arg=VALUE` lines), as the CLI would.
pub fn convert_case(case: &Path) -> Vec<Conversion> {
    let input = case.join("input");
    let mut options = convert::Options::default();
    let mut bash_options = bash::Options::default();
    for line in std::fs::read_to_string(case.join("options"))
        .unwrap_or_default()
        .lines()
    {
        match line.split_once('=') {
            Some(("stage-name", v)) => options.stage_name = Some(v.to_string()),
            Some(("arg", v)) => bash_options.args.push(v.to_string()),
            Some(("script", _)) => {}
            _ => panic!("{}: unknown option line {line:?}", case.display()),
        }
    }
    let script_path = driver(case);
    let trace = match std::fs::read_to_string(input.join(&script_path)) {
        Ok(script) => bash::evaluate(
            &format!("./{script_path}"),
            &script,
            &DirFiles(input.clone()),
            &bash_options,
        ),
        Err(_) => {
            // A Makefile driver.
            let text = std::fs::read_to_string(input.join("Makefile")).unwrap();
            let options = make::MakeOptions {
                shell: bash_options,
                ..Default::default()
            };
            make::evaluate("Makefile", &text, &DirFiles(input.clone()), &options)
        }
    };
    convert::convert(&input, &trace, &options)
}

/// The case's driver script relative to its input: `build.sh`, or the
/// `script=PATH` line of `<case>/options`.
pub fn driver(case: &Path) -> String {
    std::fs::read_to_string(case.join("options"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("script=").map(str::to_string))
        .unwrap_or_else(|| "build.sh".to_string())
}
