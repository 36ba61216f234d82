//! The `msmigrate` binary's contract: exit codes, output formats and that
//! hostile input ends in a diagnostic, never a panic.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn msmigrate(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_msmigrate"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // The binary may stop reading early (it fails fast), so a write error here is fine.
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn json_output_is_the_conformance_contract() {
    let o = msmigrate(
        &["parse", "--format", "json", "-"],
        b"FROM x AS y\nONBUILD RUN echo on\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["cmd"], "from");
    assert_eq!(v[0]["value"], serde_json::json!(["x", "AS", "y"]));
    assert_eq!(v[1]["sub_cmd"], "run");
    assert_eq!(v[1]["value"], serde_json::json!(["echo on"]));
    let keys: Vec<_> = v[0].as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 9, "fields: {keys:?}");
}

#[test]
fn text_output_is_a_tree() {
    let o = msmigrate(&["parse", "-"], b"# escape=`\nCOPY --from=build /a /b\n");
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("directive escape=`"), "{out}");
    assert!(out.contains("flag  --from=build"), "{out}");
}

#[test]
fn rejected_input_exits_2_with_a_labelled_span() {
    let o = msmigrate(&["parse", "-"], b"FROM a\nRUN <<EOF\necho never ends\n");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("unterminated heredoc"), "{err}");
    assert!(err.contains("-:2:1"), "no location in: {err}");
    assert!(
        err.contains("heredoc `EOF` starts here"),
        "no label in: {err}"
    );
}

#[test]
fn hostile_input_never_panics() {
    let mut garbage = Vec::new();
    let mut x: u32 = 0x1234_5678;
    for _ in 0..200_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        garbage.push(x as u8);
    }
    let long_line = format!("FROM a\nRUN {}\n", "x".repeat(10 << 20)).into_bytes();
    let invalid_utf8 = b"FROM \xff\xfe\nRUN \xc3\x28 <<EOF\n\xa0\nEOF\n".to_vec();
    for (what, input) in [
        ("garbage", garbage),
        ("10 MB line", long_line),
        ("invalid UTF-8", invalid_utf8),
    ] {
        let o = msmigrate(&["parse", "--format", "json", "-"], &input);
        assert!(
            matches!(o.status.code(), Some(0 | 2)),
            "{what}: {:?} {}",
            o.status,
            stderr(&o)
        );
        assert!(!stderr(&o).contains("panicked"), "{what}: {}", stderr(&o));
        assert!(
            stderr(&o).len() < 10_000,
            "{what}: the diagnostic must not print the whole input"
        );
    }
}

#[test]
fn missing_file_is_an_io_error() {
    let o = msmigrate(&["parse", "/nonexistent/Dockerfile"], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read /nonexistent/Dockerfile"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn usage_errors_exit_2_and_help_documents_exit_codes() {
    let o = msmigrate(&["parse", "--format", "yaml", "x"], b"");
    assert_eq!(o.status.code(), Some(2));
    let help = msmigrate(&["--help"], b"");
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(
        text.contains("Exit codes:") && text.contains("2  usage error"),
        "{text}"
    );
}

#[test]
fn convert_reports_json_and_check_exits_1_for_a_convertible_setup() {
    let seed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/convert/java-seed/input"
    );
    let o = msmigrate(&["convert", "--format", "json", seed], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["status"], "converted");
    assert_eq!(v["artifacts"][0]["source"], "/app/HelloWorld.jar");
    let check = msmigrate(&["convert", "--check", seed], b"");
    assert_eq!(check.status.code(), Some(1));
    assert!(
        check.stdout.is_empty(),
        "--check must not print the Dockerfile"
    );
}

#[test]
fn convert_finds_every_setup_in_a_tree() {
    let tree = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/convert");
    let o = msmigrate(&["convert", "--format", "json", tree], b"");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let reports = v.as_array().expect("one report per setup");
    // At least one report per setup; a builder feeding several runtime
    // images gives one per image.
    let setups = std::fs::read_dir(tree).unwrap().count();
    assert!(
        reports.len() > setups,
        "{} reports for {setups} setups",
        reports.len()
    );
    // Some setups are unsupported on purpose, so the tree as a whole exits 1.
    assert_eq!(o.status.code(), Some(1));
}
