//! `msmigrate rule`: the documentation of the lint rules.

use std::io::Write;

use miette::IntoDiagnostic;
use msmigrate::lint::Linter;
use msmigrate::lint::rules::{self, Rule};

use super::Outcome;

/// Explain a lint rule, or list them all.
///
/// With an id (MS101) or a name (build-toolchain-in-final-stage), prints what
/// the rule flags, why it matters, a bad and a good example, and the fix.
/// Without one, lists every rule.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  msmigrate rule MS101\n  msmigrate rule sdk-base-in-final-stage\n  msmigrate rule --format markdown > RULES.md"
)]
pub struct Args {
    /// The rule's id or name; omit to list all rules.
    rule: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    /// For reading in a terminal.
    Text,
    /// The rule files' data as JSON.
    Json,
    /// Markdown: the README's rule table, or one rule's page.
    Markdown,
}

pub fn run(args: Args) -> miette::Result<Outcome> {
    let linter = Linter::builtin().map_err(|e| miette::Report::new(*e))?;
    let selected: Vec<&Rule> = match &args.rule {
        Some(id) => vec![linter.rule(id).ok_or_else(|| {
            miette::miette!(
                help = "`msmigrate rule` lists every rule",
                "no rule is called `{id}`"
            )
        })?],
        None => linter.rules().iter().collect(),
    };
    let mut out = std::io::stdout().lock();
    match (args.format, &args.rule) {
        (Format::Json, _) => {
            let metas: Vec<_> = selected.iter().map(|r| rule_json(r)).collect();
            serde_json::to_writer_pretty(&mut out, &metas).into_diagnostic()?;
            writeln!(out).into_diagnostic()?;
        }
        (Format::Markdown, None) => {
            write!(out, "{}", rules::markdown_table(linter.rules())).into_diagnostic()?
        }
        (Format::Markdown, Some(_)) => {
            write!(out, "{}", rules::markdown_page(selected[0])).into_diagnostic()?
        }
        (Format::Text, None) => {
            for r in &selected {
                writeln!(
                    out,
                    "{}  {:<8} {:<12} {}",
                    r.id,
                    r.severity.as_str(),
                    r.category.as_str(),
                    r.name
                )
                .into_diagnostic()?;
            }
        }
        (Format::Text, Some(_)) => {
            write!(out, "{}", rules::text_page(selected[0])).into_diagnostic()?
        }
    }
    Ok(Outcome::Clean)
}

fn rule_json(rule: &Rule) -> serde_json::Value {
    serde_json::json!({
        "id": rule.id,
        "name": rule.name,
        "severity": rule.severity,
        "category": rule.category,
        "message": rule.message,
        "matcher": rule.matcher.kind(),
        "hadolint": rule.hadolint,
        "buildkit": rule.buildkit,
        "docs": {
            "what": rule.docs.what.trim(),
            "why": rule.docs.why.trim(),
            "bad": rule.docs.bad,
            "good": rule.docs.good,
            "fix": rule.docs.fix.trim(),
        },
    })
}
