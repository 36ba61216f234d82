//! One test per entry of the command table.

use super::*;
use crate::script::{Arg, Condition, Location, Redirect};

fn cmd(line: &str) -> Command {
    cmd_in(line, ".")
}

fn cmd_in(line: &str, cwd: &str) -> Command {
    let mut words: Vec<&str> = line.split_whitespace().collect();
    let mut redirects = Vec::new();
    while words.len() >= 2 && [">", ">>"].contains(&words[words.len() - 2]) {
        let target = words.pop().unwrap();
        let op = words.pop().unwrap();
        redirects.insert(
            0,
            Redirect {
                fd: 1,
                op: op.to_string(),
                target: Value::lit(target),
            },
        );
    }
    Command {
        argv: words
            .iter()
            .map(|w| Arg {
                value: Value::lit(*w),
                at: Location::default(),
            })
            .collect(),
        env: Vec::new(),
        redirects,
        cwd: Value::lit(cwd),
        pipeline: None,
        captured: false,
        condition: Condition::Always,
        at: Location::default(),
    }
}

fn ops(line: &str) -> Vec<Op> {
    match classify(&cmd(line)) {
        Effect::Ops(o) => o,
        other => panic!("{line}: {other:?}"),
    }
}

fn touches(line: &str) -> Vec<String> {
    match classify(&cmd(line)) {
        Effect::Unknown { touches, .. } => touches,
        other => panic!("{line}: {other:?}"),
    }
}

#[test]
fn inert_commands_change_nothing() {
    for line in [
        "echo hello",
        "printf %s x",
        "test -f a",
        "[ -d out ]",
        "git rev-parse HEAD",
        "git describe --tags",
        "docker images",
        "sudo docker ps",
        "chown -R 1000 out",
        "date +%s",
        "tar -tf a.tar",
        "gzip -c a",
        "sed s/a/b/ file",
        "tar -cf - -C out .",
    ] {
        assert_eq!(classify(&cmd(line)), Effect::Inert, "{line}");
    }
}

#[test]
fn mkdir_rm_rmdir() {
    assert_eq!(
        ops("mkdir -p out/bin"),
        vec![Op::Mkdir {
            path: "out/bin".into(),
            parents: true
        }]
    );
    assert_eq!(
        ops("mkdir out"),
        vec![Op::Mkdir {
            path: "out".into(),
            parents: false
        }]
    );
    assert_eq!(
        ops("rm -rf out dist"),
        vec![
            Op::Remove { path: "out".into() },
            Op::Remove {
                path: "dist".into()
            }
        ]
    );
    assert_eq!(ops("rmdir out"), vec![Op::Remove { path: "out".into() }]);
    // Outside the setup directory: nothing a build reads.
    assert_eq!(classify(&cmd("rm -rf /tmp/x")), Effect::Inert);
    assert!(matches!(
        classify(&cmd("mkdir -m 700 out")),
        Effect::Unknown { .. }
    ));
}

#[test]
fn cp_mv_and_their_options() {
    assert_eq!(
        ops("cp -r a b"),
        vec![Op::Copy {
            src: "a".into(),
            dst: "b".into(),
            contents: false
        }]
    );
    assert_eq!(
        ops("cp -a a/. b"),
        vec![Op::Copy {
            src: "a".into(),
            dst: "b".into(),
            contents: true
        }]
    );
    assert_eq!(
        ops("mv -f a sub/b"),
        vec![Op::Move {
            src: "a".into(),
            dst: "sub/b".into()
        }]
    );
    // Several sources, or an option not modelled: unknown, touching the operands.
    assert!(touches("cp a b dir/").contains(&"dir".to_string()));
    assert!(touches("cp -L a b").contains(&"b".to_string()));
    assert!(touches("cp --parents a b").contains(&"b".to_string()));
}

#[test]
fn cwd_resolves_operands() {
    let c = cmd_in("mkdir -p bin", "sub");
    assert_eq!(
        classify(&c),
        Effect::Ops(vec![Op::Mkdir {
            path: "sub/bin".into(),
            parents: true
        }])
    );
}

#[test]
fn ln_touch_chmod() {
    assert_eq!(
        ops("ln -s ../a b"),
        vec![Op::Symlink {
            link: "b".into(),
            target: "../a".into()
        }]
    );
    assert!(matches!(classify(&cmd("ln a b")), Effect::Unknown { .. }));
    assert_eq!(
        ops("touch out/x"),
        vec![Op::Touch {
            path: "out/x".into()
        }]
    );
    assert_eq!(
        ops("chmod 755 app"),
        vec![Op::Chmod {
            mode: "755".into(),
            path: "app".into(),
            recursive: false
        }]
    );
    assert_eq!(
        ops("chmod -R u+x bin"),
        vec![Op::Chmod {
            mode: "u+x".into(),
            path: "bin".into(),
            recursive: true
        }]
    );
    assert_eq!(
        ops("chmod -x bin"),
        vec![Op::Chmod {
            mode: "-x".into(),
            path: "bin".into(),
            recursive: false
        }]
    );
    assert!(matches!(
        classify(&cmd("chmod --reference=a b")),
        Effect::Unknown { .. }
    ));
}

#[test]
fn symbolic_and_octal_modes() {
    assert_eq!(apply_mode("755", 0o644, false), Some(0o755));
    assert_eq!(apply_mode("0600", 0o644, false), Some(0o600));
    assert_eq!(apply_mode("u+x", 0o644, false), Some(0o744));
    assert_eq!(apply_mode("+x", 0o644, false), Some(0o755));
    assert_eq!(apply_mode("go-r", 0o644, false), Some(0o600));
    assert_eq!(apply_mode("a=rX", 0o744, false), Some(0o555));
    assert_eq!(apply_mode("a=rX", 0o644, false), Some(0o444));
    assert_eq!(apply_mode("u=rw,go=r", 0o777, false), Some(0o644));
    assert_eq!(apply_mode("u+s", 0o755, false), Some(0o4755));
    assert_eq!(apply_mode("bogus", 0o644, false), None);
    assert_eq!(apply_mode("u*x", 0o644, false), None);
}

#[test]
fn redirections_write_files_with_known_content() {
    assert_eq!(
        ops("echo version 1 > out/extra.txt"),
        vec![Op::Write {
            path: "out/extra.txt".into(),
            content: Some("version 1\n".into()),
            append: false
        }]
    );
    assert_eq!(
        ops("printf %s-%s a b >> log"),
        vec![Op::Write {
            path: "log".into(),
            content: Some("a-b".into()),
            append: true
        }]
    );
    // Output of a command that is not modelled: the content is not known.
    assert_eq!(
        ops("date > stamp"),
        vec![Op::Write {
            path: "stamp".into(),
            content: None,
            append: false
        }]
    );
    assert_eq!(
        ops("tee a.txt"),
        vec![Op::Write {
            path: "a.txt".into(),
            content: None,
            append: false
        }]
    );
    assert_eq!(classify(&cmd("echo x > /dev/null")), Effect::Inert);
}

#[test]
fn echo_and_printf_output() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(echo(&s(&["-n", "a", "b"])), Some("a b".into()));
    assert_eq!(echo(&s(&["-e", "a\\n"])), None);
    assert_eq!(printf(&s(&["%s\\n", "a", "b"])), Some("a\nb\n".into()));
    assert_eq!(printf(&s(&["100%%"])), Some("100%".into()));
    assert_eq!(printf(&s(&["%d", "007"])), Some("7".into()));
    assert_eq!(printf(&s(&["%x", "1"])), None);
}

#[test]
fn tar_on_the_host() {
    assert_eq!(
        ops("tar -xf dist.tar -C out"),
        vec![Op::Untar {
            archive: Some("dist.tar".into()),
            dir: "out".into()
        }]
    );
    assert_eq!(
        ops("tar xzf a.tgz"),
        vec![Op::Untar {
            archive: Some("a.tgz".into()),
            dir: "".into()
        }]
    );
    assert_eq!(
        ops("tar -czf dist.tgz -C out ."),
        vec![Op::Write {
            path: "dist.tgz".into(),
            content: None,
            append: false
        }]
    );
    assert!(matches!(
        classify(&cmd("tar -xf a.tar --strip-components=1")),
        Effect::Unknown { .. }
    ));
}

#[test]
fn transformations_keep_every_option() {
    let Effect::Transform(t) = classify(&cmd("strip --strip-debug out/hello")) else {
        panic!()
    };
    assert_eq!(t.tool, "strip");
    assert_eq!(
        t.words,
        vec![
            Word::Lit("strip".into()),
            Word::Lit("--strip-debug".into()),
            Word::Path("out/hello".into())
        ]
    );
    let Effect::Transform(t) = classify(&cmd("strip -R .comment a b")) else {
        panic!()
    };
    assert_eq!(
        t.words
            .iter()
            .filter(|w| matches!(w, Word::Path(_)))
            .count(),
        2
    );
    assert!(t.words.contains(&Word::Lit(".comment".into())));
    let Effect::Transform(t) = classify(&cmd("sed -i -e s/a/b/ conf/app.ini")) else {
        panic!()
    };
    assert_eq!(t.words.last(), Some(&Word::Path("conf/app.ini".into())));
    let Effect::Transform(t) = classify(&cmd("sed -i s/a/b/ x")) else {
        panic!()
    };
    assert_eq!(
        t.words,
        vec![
            Word::Lit("sed".into()),
            Word::Lit("-i".into()),
            Word::Lit("s/a/b/".into()),
            Word::Path("x".into())
        ]
    );
    assert!(matches!(
        classify(&cmd("upx --best app")),
        Effect::Transform(_)
    ));
    assert!(matches!(
        classify(&cmd("objcopy --only-keep-debug a a.dbg")),
        Effect::Unknown { .. }
    ));
    assert!(matches!(
        classify(&cmd("strip -o b a")),
        Effect::Unknown { .. }
    ));
    assert!(touches("gzip app").contains(&"app".to_string()));
}

#[test]
fn unknown_commands_touch_operands_and_cwd() {
    let t = touches("npm install --prefix web");
    assert!(t.contains(&"web".to_string()));
    assert!(t.contains(&String::new()), "the working directory: {t:?}");
    let t = match classify(&cmd_in("make all", "src")) {
        Effect::Unknown { touches, .. } => touches,
        o => panic!("{o:?}"),
    };
    assert!(t.contains(&"src".to_string()));
    assert!(touches("git checkout v1").contains(&String::new()));
    assert!(touches("wget -O x.tgz http://example.com/x.tgz").contains(&"x.tgz".to_string()));
}

#[test]
fn prefixes_are_seen_through() {
    assert_eq!(
        ops("sudo mkdir -p out"),
        vec![Op::Mkdir {
            path: "out".into(),
            parents: true
        }]
    );
    assert_eq!(
        ops("env A=1 /bin/mkdir out"),
        vec![Op::Mkdir {
            path: "out".into(),
            parents: false
        }]
    );
}

#[test]
fn commands_that_ignore_stdin_let_the_stream_pass_to_the_next() {
    for name in IGNORES_STDIN {
        assert!(ignores_stdin(name), "{name}");
    }
    // Anything that may read the stream takes it.
    for name in ["tar", "cat", "sh", "gzip", "read", "tee", "dd"] {
        assert!(!ignores_stdin(name), "{name}");
    }
}
