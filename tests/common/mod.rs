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
            _ => panic!("{}: unknown option line {line:?}", case.display()),
        }
    }
    let trace = match std::fs::read_to_string(input.join("build.sh")) {
        Ok(script) => bash::evaluate(
            "./build.sh",
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
