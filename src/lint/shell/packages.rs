//! Package managers and build tools recognized in commands: which one, what
//! it does, with which packages and options.
//!
//! Each tool's command line is scanned with the list of its options that
//! take a value, so `apt-get -o Dpkg::Options::=--force-confold install x`
//! or `pip install -r requirements.txt -i URL x` never mistake an option's
//! value for a package.

use super::walk::basename;
use super::{Arg, Command};
use crate::dockerfile::Span;

/// A package manager or build tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Manager {
    /// `apt-get`, `apt`, `aptitude`.
    Apt,
    Apk,
    Yum,
    /// `dnf`, `tdnf`.
    Dnf,
    Microdnf,
    Zypper,
    /// `pip`, `pip3`, `pip3.12`, `python -m pip`.
    Pip,
    /// `uv`, also `uv pip`.
    Uv,
    Poetry,
    Pipenv,
    /// `conda`, `mamba`, `micromamba`.
    Conda,
    Npm,
    Yarn,
    Pnpm,
    Bun,
    Gem,
    /// `bundle`.
    Bundler,
    Go,
    Cargo,
    /// `mvn`, `mvnw`.
    Maven,
    /// `gradle`, `gradlew`.
    Gradle,
    Dotnet,
    Composer,
    /// `make`, `gmake`.
    Make,
}

impl Manager {
    /// The lower-case name rules and data files use: `apt`, `pip`, `maven`.
    pub fn name(self) -> &'static str {
        match self {
            Manager::Apt => "apt",
            Manager::Apk => "apk",
            Manager::Yum => "yum",
            Manager::Dnf => "dnf",
            Manager::Microdnf => "microdnf",
            Manager::Zypper => "zypper",
            Manager::Pip => "pip",
            Manager::Uv => "uv",
            Manager::Poetry => "poetry",
            Manager::Pipenv => "pipenv",
            Manager::Conda => "conda",
            Manager::Npm => "npm",
            Manager::Yarn => "yarn",
            Manager::Pnpm => "pnpm",
            Manager::Bun => "bun",
            Manager::Gem => "gem",
            Manager::Bundler => "bundler",
            Manager::Go => "go",
            Manager::Cargo => "cargo",
            Manager::Maven => "maven",
            Manager::Gradle => "gradle",
            Manager::Dotnet => "dotnet",
            Manager::Composer => "composer",
            Manager::Make => "make",
        }
    }
}

/// What a package manager or build tool does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Installs packages or dependencies (`apt-get install`, `npm ci`,
    /// `go install`, `dotnet restore`, `mvn dependency:go-offline`).
    Install,
    /// Removes packages (`apt-get purge`, `apk del`, `npm prune`).
    Remove,
    /// Refreshes the package index (`apt-get update`, `apk update`,
    /// `zypper refresh`, `dnf makecache`).
    Update,
    /// Upgrades installed packages (`apt-get upgrade`, `yum update`,
    /// `npm update`).
    Upgrade,
    /// Cleans the manager's cache (`apt-get clean`, `yum clean all`,
    /// `npm cache clean`, `pip cache purge`, `yarn cache clean`).
    Clean,
    /// Builds (`go build`, `cargo build`, `mvn package`, `gradle build`,
    /// `dotnet publish`, `npm run build`, `make`).
    Build,
}

/// A package named on a command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The name without version or extras (`flask` for `flask[async]==3.0`);
    /// local paths and URLs as written; the raw word when it cannot be
    /// known (`$PKGS`).
    pub name: String,
    /// The pinned version or constraint: `1.2` for `x=1.2`, `x==1.2`,
    /// `x@1.2`, `gem install x -v 1.2`; `>=1` for `x>=1`; `~1.2` for apk's
    /// `x~1.2`; `None` when unpinned.
    pub version: Option<String>,
    /// The word naming it.
    pub span: Span,
}

/// One package-manager or build-tool invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageOp {
    /// The tool.
    pub manager: Manager,
    /// What it does.
    pub action: Action,
    /// The packages named (install, remove, upgrade only).
    pub packages: Vec<Package>,
    /// Index of the command in the slice given to [`package_ops`].
    pub command: usize,
    /// The options as written: `--no-install-recommends`, `-qy`,
    /// `--no-cache`. An option whose value is the next word is one entry
    /// joined with a space: `--virtual .build-deps`, `-o Dpkg::Options::=x`.
    pub flags: Vec<String>,
}

impl PackageOp {
    /// True when one of `names` was given: exactly, as `--name=value`,
    /// as `--name value`, or (single letters) inside a cluster like `-qy`.
    pub fn has_flag(&self, names: &[&str]) -> bool {
        self.flags.iter().any(|f| {
            names.iter().any(|n| {
                f == n
                    || f.strip_prefix(n).is_some_and(|r| r.starts_with(['=', ' ']))
                    || (n.len() == 2
                        && n.starts_with('-')
                        && f.len() > 2
                        && !f.starts_with("--")
                        && f[1..].chars().all(|c| c.is_ascii_alphabetic())
                        && f[1..].contains(&n[1..]))
            })
        })
    }

    /// The value of the first of `names` given with one (`--target DIR`,
    /// `--target=DIR`, `-tDIR`).
    pub fn flag_value(&self, names: &[&str]) -> Option<&str> {
        self.flags.iter().find_map(|f| {
            names.iter().find_map(|n| {
                let rest = f.strip_prefix(n)?;
                if let Some(v) = rest.strip_prefix([' ', '=']) {
                    return Some(v);
                }
                let short = n.len() == 2 && !n.starts_with("--");
                (short && !rest.is_empty() && !rest.starts_with(|c: char| c.is_ascii_alphabetic()))
                    .then_some(rest)
            })
        })
    }
}

/// What package managers and build tools do in these commands, in order.
/// Commands that are not a recognized tool or subcommand give nothing.
pub fn package_ops(commands: &[Command]) -> Vec<PackageOp> {
    commands
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let (manager, args) = identify(c)?;
            let (action, packages, flags) = classify(manager, args)?;
            Some(PackageOp {
                manager,
                action,
                packages,
                command: i,
                flags,
            })
        })
        .collect()
}

/// The tool a command runs, and the arguments that belong to it.
fn identify(c: &Command) -> Option<(Manager, &[Arg])> {
    let args = c.args.as_slice();
    let name = c.name.as_str();
    let m = match name {
        "apt-get" | "apt" | "aptitude" => Manager::Apt,
        "apk" => Manager::Apk,
        "yum" => Manager::Yum,
        "dnf" | "tdnf" => Manager::Dnf,
        "microdnf" => Manager::Microdnf,
        "zypper" => Manager::Zypper,
        "uv" => {
            if args
                .iter()
                .find(|a| !a.text().starts_with('-'))
                .map(Arg::text)
                == Some("pip")
            {
                let at = args.iter().position(|a| a.text() == "pip")?;
                return Some((Manager::Uv, &args[at..]));
            }
            Manager::Uv
        }
        "poetry" => Manager::Poetry,
        "pipenv" => Manager::Pipenv,
        "conda" | "mamba" | "micromamba" => Manager::Conda,
        "npm" => Manager::Npm,
        "yarn" => Manager::Yarn,
        "pnpm" => Manager::Pnpm,
        "bun" => Manager::Bun,
        "gem" => Manager::Gem,
        "bundle" | "bundler" => Manager::Bundler,
        "go" => Manager::Go,
        "cargo" => Manager::Cargo,
        "mvn" | "mvnw" => Manager::Maven,
        "gradle" | "gradlew" => Manager::Gradle,
        "dotnet" => Manager::Dotnet,
        "composer" | "composer.phar" => Manager::Composer,
        "make" | "gmake" => Manager::Make,
        "php" => {
            let first = args.first()?;
            if matches!(basename(first.text()), "composer" | "composer.phar") {
                return Some((Manager::Composer, &args[1..]));
            }
            return None;
        }
        _ if is_versioned(name, "pip") => Manager::Pip,
        _ if is_versioned(name, "python") => {
            // `python3 -m pip ...`: options may come before `-m`.
            let m = args.iter().position(|a| a.text() == "-m")?;
            let module = args.get(m + 1)?;
            if !is_versioned(module.text(), "pip") {
                return None;
            }
            return Some((Manager::Pip, &args[m + 2..]));
        }
        _ => return None,
    };
    Some((m, args))
}

/// `pip`, `pip3`, `pip3.12` for `base` "pip".
fn is_versioned(name: &str, base: &str) -> bool {
    name.strip_prefix(base)
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// How a tool's options are written.
struct Spec {
    /// Options that take the next word as their value (single letters may
    /// also have it attached: `-ofoo`).
    value: &'static [&'static str],
    /// Single-letter options can be clustered (`-qy`); otherwise an option
    /// is one word (`-ldflags`, `-DskipTests`, `-pl`).
    clusters: bool,
}

const APT: Spec = Spec {
    value: &[
        "-o",
        "--option",
        "-t",
        "--target-release",
        "--default-release",
        "-c",
        "--config-file",
        "-a",
        "--host-architecture",
    ],
    clusters: true,
};
const APK: Spec = Spec {
    value: &[
        "-X",
        "--repository",
        "-p",
        "--root",
        "-t",
        "--virtual",
        "--arch",
        "--keys-dir",
        "--repositories-file",
        "--cache-dir",
        "--cache-max-age",
        "--progress-fd",
        "--wait",
    ],
    clusters: true,
};
const RPM: Spec = Spec {
    value: &[
        "-c",
        "--config",
        "-d",
        "--debuglevel",
        "-e",
        "--errorlevel",
        "-x",
        "--exclude",
        "-R",
        "--randomwait",
        "--installroot",
        "--releasever",
        "--enablerepo",
        "--disablerepo",
        "--repo",
        "--repoid",
        "--setopt",
        "--forcearch",
        "--downloaddir",
        "--destdir",
        "--color",
        "--comment",
        "--advisory",
    ],
    clusters: true,
};
const ZYPPER: Spec = Spec {
    value: &[
        "-R",
        "--root",
        "-D",
        "--reposd-dir",
        "-C",
        "--cache-dir",
        "-c",
        "--config",
        "-t",
        "--type",
        "-r",
        "--repo",
        "--from",
        "-p",
        "--plus-repo",
    ],
    clusters: true,
};
const PIP: Spec = Spec {
    value: &[
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-e",
        "--editable",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--trusted-host",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--only-binary",
        "--no-binary",
        "--src",
        "--upgrade-strategy",
        "--progress-bar",
        "--cache-dir",
        "--log",
        "--proxy",
        "--retries",
        "--timeout",
        "--exists-action",
        "--cert",
        "--client-cert",
        "--global-option",
        "-C",
        "--config-settings",
        "--install-option",
        "--report",
        "--python",
        "--root-user-action",
        "--index-strategy",
        "--extra",
        "-p",
    ],
    clusters: true,
};
const UV: Spec = Spec {
    value: &[
        "-p",
        "--python",
        "--extra",
        "--group",
        "--only-group",
        "--directory",
        "--project",
        "--package",
        "--index",
        "--default-index",
        "--index-url",
        "--extra-index-url",
        "-r",
        "--requirements",
        "-c",
        "--constraints",
        "--with",
        "--cache-dir",
    ],
    clusters: true,
};
const POETRY: Spec = Spec {
    value: &[
        "--only",
        "--with",
        "--without",
        "-E",
        "--extras",
        "-C",
        "--directory",
        "-P",
        "--project",
        "-G",
        "--group",
        "--source",
    ],
    clusters: true,
};
const PIPENV: Spec = Spec {
    value: &[
        "--python",
        "-r",
        "--requirements",
        "--categories",
        "--extra-pip-args",
    ],
    clusters: true,
};
const CONDA: Spec = Spec {
    value: &[
        "-n",
        "--name",
        "-c",
        "--channel",
        "-p",
        "--prefix",
        "--file",
        "--solver",
    ],
    clusters: true,
};
const NPM: Spec = Spec {
    value: &[
        "--prefix",
        "--registry",
        "--cache",
        "--omit",
        "--include",
        "--tag",
        "-w",
        "--workspace",
        "--loglevel",
        "--userconfig",
        "--only",
        "--location",
        "--install-strategy",
    ],
    clusters: true,
};
const YARN: Spec = Spec {
    value: &[
        "--cwd",
        "--modules-folder",
        "--cache-folder",
        "--network-timeout",
        "--mutex",
        "--registry",
        "--global-folder",
    ],
    clusters: true,
};
const PNPM: Spec = Spec {
    value: &[
        "-C",
        "--dir",
        "-F",
        "--filter",
        "--store-dir",
        "--registry",
        "--reporter",
        "--virtual-store-dir",
    ],
    clusters: true,
};
const BUN: Spec = Spec {
    value: &["--cwd", "--backend", "--cache-dir", "--registry"],
    clusters: true,
};
const GEM: Spec = Spec {
    value: &[
        "-v",
        "--version",
        "-i",
        "--install-dir",
        "-n",
        "--bindir",
        "-s",
        "--source",
        "-P",
        "--trust-policy",
        "--platform",
        "-g",
        "--file",
    ],
    clusters: true,
};
const BUNDLER: Spec = Spec {
    value: &[
        "--jobs",
        "-j",
        "--retry",
        "--path",
        "--without",
        "--with",
        "--gemfile",
        "--binstubs",
    ],
    clusters: true,
};
const GO: Spec = Spec {
    value: &[
        "-o",
        "-ldflags",
        "-gcflags",
        "-asmflags",
        "-tags",
        "-mod",
        "-p",
        "-C",
        "-modfile",
        "-overlay",
        "-pkgdir",
        "-buildmode",
        "-compiler",
        "-installsuffix",
        "-toolexec",
        "-pgo",
        "-exec",
        "-coverpkg",
        "-covermode",
    ],
    clusters: false,
};
const CARGO: Spec = Spec {
    value: &[
        "-p",
        "--package",
        "--bin",
        "--features",
        "-F",
        "--target",
        "--target-dir",
        "-j",
        "--jobs",
        "--manifest-path",
        "--profile",
        "--version",
        "--vers",
        "--git",
        "--branch",
        "--tag",
        "--rev",
        "--path",
        "--root",
        "--registry",
        "--index",
        "-Z",
        "--config",
        "--color",
        "--example",
        "--exclude",
    ],
    clusters: true,
};
const MAVEN: Spec = Spec {
    value: &[
        "-f",
        "--file",
        "-s",
        "--settings",
        "-gs",
        "--global-settings",
        "-P",
        "--activate-profiles",
        "-pl",
        "--projects",
        "-rf",
        "--resume-from",
        "-T",
        "--threads",
        "-l",
        "--log-file",
        "-b",
        "--builder",
        "-D",
        "--define",
        "-t",
        "--toolchains",
        "-gt",
    ],
    clusters: false,
};
const GRADLE: Spec = Spec {
    value: &[
        "-x",
        "--exclude-task",
        "-p",
        "--project-dir",
        "-c",
        "--settings-file",
        "-g",
        "--gradle-user-home",
        "-I",
        "--init-script",
        "-D",
        "--system-prop",
        "-P",
        "--project-prop",
        "--console",
        "--warning-mode",
        "--max-workers",
        "-b",
        "--build-file",
        "--priority",
    ],
    clusters: false,
};
const DOTNET: Spec = Spec {
    value: &[
        "-c",
        "--configuration",
        "-o",
        "--output",
        "-r",
        "--runtime",
        "-f",
        "--framework",
        "-s",
        "--source",
        "-v",
        "--verbosity",
        "--version",
        "-a",
        "--arch",
        "--os",
        "--configfile",
        "--property",
        "--tool-path",
        "--add-source",
        "-p",
        "--project",
        "--launch-profile",
    ],
    clusters: false,
};
const COMPOSER: Spec = Spec {
    value: &["-d", "--working-dir"],
    clusters: true,
};
const MAKE: Spec = Spec {
    value: &[
        "-C",
        "--directory",
        "-f",
        "--file",
        "--makefile",
        "-I",
        "--include-dir",
        "-o",
        "--old-file",
        "-W",
        "--what-if",
    ],
    clusters: true,
};

fn spec(m: Manager) -> &'static Spec {
    match m {
        Manager::Apt => &APT,
        Manager::Apk => &APK,
        Manager::Yum | Manager::Dnf | Manager::Microdnf => &RPM,
        Manager::Zypper => &ZYPPER,
        Manager::Pip => &PIP,
        Manager::Uv => &UV,
        Manager::Poetry => &POETRY,
        Manager::Pipenv => &PIPENV,
        Manager::Conda => &CONDA,
        Manager::Npm => &NPM,
        Manager::Yarn => &YARN,
        Manager::Pnpm => &PNPM,
        Manager::Bun => &BUN,
        Manager::Gem => &GEM,
        Manager::Bundler => &BUNDLER,
        Manager::Go => &GO,
        Manager::Cargo => &CARGO,
        Manager::Maven => &MAVEN,
        Manager::Gradle => &GRADLE,
        Manager::Dotnet => &DOTNET,
        Manager::Composer => &COMPOSER,
        Manager::Make => &MAKE,
    }
}

/// A command line split into options and operands.
struct Scan<'a> {
    flags: Vec<String>,
    /// (option, its value and the value's span) for options with a value.
    valued: Vec<(String, String, Span)>,
    operands: Vec<&'a Arg>,
}

impl Scan<'_> {
    /// The value of the last of `names` given.
    fn value(&self, names: &[&str]) -> Option<&str> {
        self.valued
            .iter()
            .rev()
            .find(|(o, _, _)| names.contains(&o.as_str()))
            .map(|(_, v, _)| v.as_str())
    }

    /// Packages named by the values of options `names` (`pip -e .`).
    fn valued_packages(&self, names: &[&str]) -> Vec<Package> {
        self.valued
            .iter()
            .filter(|(o, _, _)| names.contains(&o.as_str()))
            .map(|(_, v, span)| Package {
                name: v.clone(),
                version: None,
                span: *span,
            })
            .collect()
    }
}

fn scan<'a>(args: &'a [Arg], spec: &Spec) -> Scan<'a> {
    let mut s = Scan {
        flags: Vec::new(),
        valued: Vec::new(),
        operands: Vec::new(),
    };
    let mut i = 0;
    let mut options = true;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        // What `xargs` appends.
        if arg.value.is_none() && arg.raw.is_empty() {
            continue;
        }
        let v = arg.text();
        if !options || arg.value.is_none() || !v.starts_with('-') || v.len() < 2 {
            s.operands.push(arg);
            continue;
        }
        if v == "--" {
            options = false;
            continue;
        }
        let (name, attached) = match v.split_once('=') {
            Some((n, val)) if n.starts_with("--") => (n, Some(val)),
            _ => (v, None),
        };
        let takes_value = spec.value.contains(&name);
        if let Some(val) = attached {
            if takes_value {
                s.valued.push((name.to_string(), val.to_string(), arg.span));
            }
            s.flags.push(v.to_string());
        } else if takes_value {
            match args.get(i) {
                Some(next) => {
                    s.valued
                        .push((v.to_string(), next.text().to_string(), next.span));
                    s.flags.push(format!("{v} {}", next.text()));
                    i += 1;
                }
                None => s.flags.push(v.to_string()),
            }
        } else if spec.clusters && !v.starts_with("--") {
            // `-qy`, `-ofoo`, `-o foo` at the end of a cluster (`-yo foo`).
            let letters = &v[1..];
            let valued = letters.char_indices().find(|&(_, c)| {
                let mut buf = [0u8; 8];
                buf[0] = b'-';
                let n = c.encode_utf8(&mut buf[1..]).len();
                std::str::from_utf8(&buf[..=n]).is_ok_and(|o| spec.value.contains(&o))
            });
            match valued {
                Some((k, c)) if k + c.len_utf8() == letters.len() && args.get(i).is_some() => {
                    let next = &args[i];
                    s.valued
                        .push((format!("-{c}"), next.text().to_string(), next.span));
                    s.flags.push(format!("{v} {}", next.text()));
                    i += 1;
                }
                Some((k, c)) => {
                    let val = &letters[k + c.len_utf8()..];
                    s.valued.push((format!("-{c}"), val.to_string(), arg.span));
                    s.flags.push(v.to_string());
                }
                None => s.flags.push(v.to_string()),
            }
        } else {
            s.flags.push(v.to_string());
        }
    }
    s
}

type Parse = fn(&str) -> (String, Option<String>);

fn classify(m: Manager, args: &[Arg]) -> Option<(Action, Vec<Package>, Vec<String>)> {
    use Action::*;
    let s = scan(args, spec(m));
    let ops: Vec<&str> = s.operands.iter().map(|a| a.text()).collect();
    let op = |i: usize| ops.get(i).copied().unwrap_or("");
    let pk = |from: usize, parse: Parse| -> Vec<Package> {
        s.operands
            .get(from..)
            .unwrap_or_default()
            .iter()
            .map(|a| {
                let (name, version) = if a.value.is_some() {
                    parse(a.text())
                } else {
                    (a.raw.clone(), None)
                };
                Package {
                    name,
                    version,
                    span: a.span,
                }
            })
            .collect()
    };
    let (action, packages) = match m {
        Manager::Apt => match op(0) {
            "install" | "reinstall" | "build-dep" => (Install, pk(1, split_apt)),
            "remove" | "purge" | "autoremove" | "autopurge" => (Remove, pk(1, split_apt)),
            "update" => (Update, vec![]),
            "upgrade" | "dist-upgrade" | "full-upgrade" | "safe-upgrade" => {
                (Upgrade, pk(1, split_apt))
            }
            "clean" | "autoclean" => (Clean, vec![]),
            _ => return None,
        },
        Manager::Apk => match op(0) {
            "add" => (Install, pk(1, split_apk)),
            "del" => (Remove, pk(1, split_apk)),
            "update" => (Update, vec![]),
            "upgrade" => (Upgrade, pk(1, split_apk)),
            "cache" if matches!(op(1), "clean" | "purge") => (Clean, vec![]),
            _ => return None,
        },
        Manager::Yum | Manager::Dnf | Manager::Microdnf => match (op(0), op(1)) {
            ("install" | "in" | "reinstall" | "localinstall" | "groupinstall", _) => {
                (Install, pk(1, split_rpm))
            }
            ("group" | "groups" | "module", "install") => (Install, pk(2, split_rpm)),
            ("remove" | "erase" | "rm" | "autoremove" | "groupremove", _) => {
                (Remove, pk(1, split_rpm))
            }
            ("group" | "groups" | "module", "remove") => (Remove, pk(2, split_rpm)),
            (
                "update" | "upgrade" | "up" | "update-minimal" | "upgrade-minimal" | "distro-sync",
                _,
            ) => (Upgrade, pk(1, split_rpm)),
            ("makecache" | "check-update", _) => (Update, vec![]),
            ("clean", _) => (Clean, vec![]),
            _ => return None,
        },
        Manager::Zypper => match op(0) {
            "in" | "install" | "si" | "source-install" => (Install, pk(1, split_apk)),
            "rm" | "remove" => (Remove, pk(1, split_apk)),
            "ref" | "refresh" => (Update, vec![]),
            "up" | "update" | "dup" | "dist-upgrade" | "patch" => (Upgrade, pk(1, split_apk)),
            "clean" | "cc" => (Clean, vec![]),
            _ => return None,
        },
        Manager::Pip => pip(&s, op(0), op(1), &pk)?,
        Manager::Uv => match (op(0), op(1)) {
            ("pip", _) => pip(&s, op(1), op(2), &|from, parse| pk(from + 1, parse))?,
            ("sync", _) => (Install, vec![]),
            ("add", _) => (Install, pk(1, split_pip)),
            ("tool", "install") => (Install, pk(2, split_pip)),
            ("remove", _) => (Remove, pk(1, split_pip)),
            ("cache", "clean" | "prune") => (Clean, vec![]),
            ("build", _) => (Build, vec![]),
            _ => return None,
        },
        Manager::Poetry => match (op(0), op(1)) {
            ("install" | "sync", _) => (Install, vec![]),
            ("add", _) => (Install, pk(1, split_poetry)),
            ("remove", _) => (Remove, pk(1, split_poetry)),
            ("update", _) => (Upgrade, pk(1, split_poetry)),
            ("build", _) => (Build, vec![]),
            ("cache", "clear") => (Clean, vec![]),
            _ => return None,
        },
        Manager::Pipenv => match op(0) {
            "install" | "sync" => (Install, pk(1, split_pip)),
            "uninstall" => (Remove, pk(1, split_pip)),
            "update" | "upgrade" => (Upgrade, pk(1, split_pip)),
            _ => return None,
        },
        Manager::Conda => match op(0) {
            "install" | "create" => (Install, pk(1, split_conda)),
            "remove" | "uninstall" => (Remove, pk(1, split_conda)),
            "update" | "upgrade" => (Upgrade, pk(1, split_conda)),
            "clean" => (Clean, vec![]),
            _ => return None,
        },
        Manager::Npm => match (op(0), op(1)) {
            (
                "install" | "i" | "in" | "ins" | "inst" | "insta" | "instal" | "isnt" | "isnta"
                | "isntal" | "isntall" | "add" | "ci" | "clean-install" | "ic" | "install-clean"
                | "isntall-clean" | "install-ci-test" | "cit" | "install-test" | "it",
                _,
            ) => (Install, pk(1, split_npm)),
            ("uninstall" | "unlink" | "remove" | "rm" | "r" | "un", _) => {
                (Remove, pk(1, split_npm))
            }
            ("prune", _) => (Remove, pk(1, split_npm)),
            ("update" | "up" | "upgrade" | "udpate", _) => (Upgrade, pk(1, split_npm)),
            ("cache", "clean" | "clear" | "rm") => (Clean, vec![]),
            ("run" | "run-script" | "rum" | "urn", script) if script.starts_with("build") => {
                (Build, vec![])
            }
            _ => return None,
        },
        Manager::Yarn => match (op(0), op(1)) {
            ("" | "install", _) => (Install, vec![]),
            ("add", _) => (Install, pk(1, split_npm)),
            ("global", "add") => (Install, pk(2, split_npm)),
            ("global", "remove") => (Remove, pk(2, split_npm)),
            ("remove", _) => (Remove, pk(1, split_npm)),
            ("upgrade" | "up", _) => (Upgrade, pk(1, split_npm)),
            ("workspaces", "focus") => (Install, vec![]),
            ("cache", "clean") => (Clean, vec![]),
            ("run", script) | (script, _) if script.starts_with("build") => (Build, vec![]),
            _ => return None,
        },
        Manager::Pnpm => match (op(0), op(1)) {
            ("install" | "i" | "fetch" | "deploy", _) => (Install, vec![]),
            ("add", _) => (Install, pk(1, split_npm)),
            ("remove" | "rm" | "uninstall" | "un", _) => (Remove, pk(1, split_npm)),
            ("prune", _) => (Remove, vec![]),
            ("update" | "up" | "upgrade", _) => (Upgrade, pk(1, split_npm)),
            ("store", "prune") => (Clean, vec![]),
            ("run", script) | (script, _) if script.starts_with("build") => (Build, vec![]),
            _ => return None,
        },
        Manager::Bun => match (op(0), op(1)) {
            ("install" | "i", _) => (Install, vec![]),
            ("add" | "a", _) => (Install, pk(1, split_npm)),
            ("remove" | "rm", _) => (Remove, pk(1, split_npm)),
            ("update", _) => (Upgrade, pk(1, split_npm)),
            ("pm", "cache") if op(2) == "rm" => (Clean, vec![]),
            ("run", script) | (script, _) if script.starts_with("build") => (Build, vec![]),
            _ => return None,
        },
        Manager::Gem => {
            let mut packages = pk(1, split_gem);
            if let Some(v) = s.value(&["-v", "--version"]) {
                for p in packages.iter_mut().filter(|p| p.version.is_none()) {
                    p.version = Some(v.to_string());
                }
            }
            match op(0) {
                "install" | "i" => (Install, packages),
                "uninstall" => (Remove, packages),
                "update" => (Upgrade, packages),
                "cleanup" => (Clean, vec![]),
                _ => return None,
            }
        }
        Manager::Bundler => match op(0) {
            "" | "install" => (Install, vec![]),
            "update" => (Upgrade, pk(1, split_none)),
            "clean" => (Clean, vec![]),
            _ => return None,
        },
        Manager::Go => match (op(0), op(1)) {
            ("build", _) => (Build, vec![]),
            ("install" | "get", _) => (Install, pk(1, split_at)),
            ("mod", "download") => (Install, vec![]),
            ("clean", _) => (Clean, vec![]),
            _ => return None,
        },
        Manager::Cargo => match op(0) {
            "build" | "b" => (Build, vec![]),
            "install" => {
                let mut packages = pk(1, split_at);
                if let Some(v) = s.value(&["--version", "--vers"]) {
                    for p in packages.iter_mut().filter(|p| p.version.is_none()) {
                        p.version = Some(v.to_string());
                    }
                }
                packages.extend(s.valued_packages(&["--path"]));
                (Install, packages)
            }
            "fetch" => (Install, vec![]),
            "uninstall" => (Remove, pk(1, split_none)),
            "clean" => (Clean, vec![]),
            _ => return None,
        },
        Manager::Maven => {
            let mut action = None;
            for goal in &ops {
                let a = if *goal == "clean" {
                    Clean
                } else if goal.starts_with("dependency:") {
                    Install
                } else {
                    Build
                };
                // Building outranks fetching, which outranks cleaning.
                action = Some(match (action, a) {
                    (Some(Build), _) | (_, Build) => Build,
                    (Some(Install), _) | (_, Install) => Install,
                    _ => Clean,
                });
            }
            (action?, vec![])
        }
        Manager::Gradle => {
            let tasks: Vec<&str> = ops
                .iter()
                .copied()
                .filter(|t| !matches!(*t, "help" | "tasks" | "wrapper" | "properties" | "projects"))
                .collect();
            if tasks.is_empty() {
                return None;
            }
            let action = if tasks.iter().all(|t| *t == "clean") {
                Clean
            } else {
                Build
            };
            (action, vec![])
        }
        Manager::Dotnet => match (op(0), op(1)) {
            ("build" | "publish" | "pack" | "msbuild", _) => (Build, vec![]),
            ("restore", _) => (Install, vec![]),
            ("add", "package") => {
                let mut packages = pk(2, split_none);
                if let Some(v) = s.value(&["-v", "--version"]) {
                    for p in &mut packages {
                        p.version = Some(v.to_string());
                    }
                }
                (Install, packages)
            }
            ("tool", "install" | "update") => {
                let mut packages = pk(2, split_none);
                if let Some(v) = s.value(&["--version"]) {
                    for p in &mut packages {
                        p.version = Some(v.to_string());
                    }
                }
                (Install, packages)
            }
            ("tool", "uninstall") | ("remove", "package") => (Remove, pk(2, split_none)),
            ("nuget", "locals") => (Clean, vec![]),
            _ => return None,
        },
        Manager::Composer => match op(0) {
            "install" => (Install, vec![]),
            "require" => (Install, pk(1, split_composer)),
            "update" | "upgrade" => (Upgrade, pk(1, split_composer)),
            "remove" => (Remove, pk(1, split_composer)),
            "clear-cache" | "clearcache" | "cc" => (Clean, vec![]),
            _ => return None,
        },
        Manager::Make => {
            // Operands that are variable assignments or `-j N` counts are
            // not targets.
            let targets: Vec<&str> = ops
                .iter()
                .copied()
                .filter(|t| !t.contains('=') && !t.chars().all(|c| c.is_ascii_digit()))
                .collect();
            let action = if targets.contains(&"install") {
                Install
            } else if !targets.is_empty()
                && targets
                    .iter()
                    .all(|t| matches!(*t, "clean" | "distclean" | "mrproper"))
            {
                Clean
            } else {
                Build
            };
            (action, vec![])
        }
    };
    Some((action, packages, s.flags))
}

/// pip's subcommands (also under `uv pip`). `pk` takes operands from an
/// index relative to the subcommand.
fn pip(
    s: &Scan,
    sub: &str,
    next: &str,
    pk: &dyn Fn(usize, Parse) -> Vec<Package>,
) -> Option<(Action, Vec<Package>)> {
    Some(match sub {
        "install" => {
            let mut packages = pk(1, split_pip);
            packages.extend(s.valued_packages(&["-e", "--editable"]));
            (Action::Install, packages)
        }
        "uninstall" => (Action::Remove, pk(1, split_pip)),
        "wheel" => (Action::Build, vec![]),
        "cache" if matches!(next, "purge" | "remove") => (Action::Clean, vec![]),
        _ => return None,
    })
}

fn split_none(w: &str) -> (String, Option<String>) {
    (w.to_string(), None)
}

/// Splits at the first of `seps`; a leading `=` of the rest is dropped.
fn split_first(w: &str, seps: &[char]) -> (String, Option<String>) {
    match w.find(seps) {
        Some(i) if i > 0 => {
            let rest = &w[i..];
            let version = match rest.strip_prefix('=') {
                Some(v) if !v.starts_with(['<', '>', '~', '=']) => v,
                _ => rest,
            };
            (w[..i].to_string(), Some(version.to_string()))
        }
        _ => (w.to_string(), None),
    }
}

fn is_path_or_url(w: &str) -> bool {
    w.starts_with(['.', '/', '~'])
        || w.contains("://")
        || w.ends_with(".deb")
        || w.ends_with(".rpm")
}

/// apt: `pkg=1.2`, `pkg/bookworm-backports` (a release, not a version).
fn split_apt(w: &str) -> (String, Option<String>) {
    if is_path_or_url(w) {
        return split_none(w);
    }
    let (name, version) = match w.split_once('=') {
        Some((n, v)) if !n.is_empty() => (n, Some(v.to_string())),
        _ => (w, None),
    };
    let name = name.split_once('/').map_or(name, |(n, _)| n);
    (name.to_string(), version)
}

/// apk and zypper: `pkg=1.2`, `pkg~1.2`, `pkg>=1`, apk's `pkg@edge`.
fn split_apk(w: &str) -> (String, Option<String>) {
    let (mut name, version) = split_first(w, &['=', '<', '>', '~']);
    if let Some(at) = name.find('@').filter(|&i| i > 0) {
        name.truncate(at);
    }
    (name, version)
}

/// rpm: `name-version[-release]`: the first `-` followed by a digit from
/// which every further `-` is followed by a digit too, so
/// `java-11-openjdk-devel` is a name and `nginx-1.20.1` a pin.
fn split_rpm(w: &str) -> (String, Option<String>) {
    if is_path_or_url(w) || w.contains(['*', ' ']) {
        return split_none(w);
    }
    let b = w.as_bytes();
    for (i, _) in w.match_indices('-') {
        if i == 0 || !b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            continue;
        }
        let rest = &w[i + 1..];
        let all_numeric = rest
            .match_indices('-')
            .all(|(j, _)| rest.as_bytes().get(j + 1).is_some_and(u8::is_ascii_digit));
        if all_numeric {
            return (w[..i].to_string(), Some(rest.to_string()));
        }
    }
    split_none(w)
}

/// pip: `x==1.2`, `x>=1,<2`, `x[extra]==1`, `x~=1.0`; paths and URLs as
/// written.
fn split_pip(w: &str) -> (String, Option<String>) {
    if is_path_or_url(w) || w.contains('/') || w.ends_with(".whl") || w.ends_with(".tar.gz") {
        return split_none(w);
    }
    let end = w
        .find(['[', '=', '<', '>', '!', '~', ';', ' ', '@'])
        .unwrap_or(w.len());
    let name = w[..end].trim().to_string();
    let mut rest = &w[end..];
    if rest.starts_with('[') {
        rest = rest.find(']').map_or("", |i| &rest[i + 1..]);
    }
    let rest = rest.split(';').next().unwrap_or("").trim();
    let version = if let Some(v) = rest.strip_prefix("===") {
        Some(v.to_string())
    } else if let Some(v) = rest.strip_prefix("==") {
        Some(v.to_string())
    } else if rest.starts_with(['<', '>', '!', '~']) {
        Some(rest.to_string())
    } else {
        None
    };
    (name, version)
}

/// npm and yarn: `x@1.2`, `@scope/x@^1`.
fn split_npm(w: &str) -> (String, Option<String>) {
    let from = usize::from(w.starts_with('@'));
    match w[from..].find('@') {
        Some(i) if !w.contains("://") => {
            let at = from + i;
            (w[..at].to_string(), Some(w[at + 1..].to_string()))
        }
        _ => split_none(w),
    }
}

/// `module@version` (go install, cargo install).
fn split_at(w: &str) -> (String, Option<String>) {
    match w.rsplit_once('@') {
        Some((n, v)) if !n.is_empty() => (n.to_string(), Some(v.to_string())),
        _ => split_none(w),
    }
}

/// gem: `name:version`.
fn split_gem(w: &str) -> (String, Option<String>) {
    match w.split_once(':') {
        Some((n, v)) if !n.is_empty() => (n.to_string(), Some(v.to_string())),
        _ => split_none(w),
    }
}

/// poetry add: `x@^1.2`, `x==1.2`.
fn split_poetry(w: &str) -> (String, Option<String>) {
    if w.contains('@') && !w.contains("://") {
        return split_at(w);
    }
    split_pip(w)
}

/// conda: `python=3.11`, `numpy>=1.2`, `x==1`.
fn split_conda(w: &str) -> (String, Option<String>) {
    let (name, version) = split_first(w, &['=', '<', '>', '!']);
    (
        name,
        version.map(|v| v.strip_prefix('=').map_or(v.clone(), str::to_string)),
    )
}

/// composer: `vendor/pkg:^1.0`.
fn split_composer(w: &str) -> (String, Option<String>) {
    split_gem(w)
}
