//! Word expansion: fields, strings, patterns, command substitution.

use super::DIVISION_BY_ZERO;
use super::ast::{Sub, WP, Word};
use super::builtin::unknown_value;
use super::command::prints_nothing;
use super::eval::Eval;
use super::glob::{brace_expand, has_glob};
use super::state::{Fields, seg_value};
use crate::script::trace::{Part, Unknown, Value};

// ---------------------------------------------------------------------------
// Word expansion
// ---------------------------------------------------------------------------

impl<'f> Eval<'f> {
    /// A word's fields: brace expansion, expansions, field splitting. The
    /// flag is true when how many fields there are is not known.
    pub(super) fn expand_fields(&mut self, w: &Word) -> (Vec<Value>, bool) {
        self.expand_fields_globs(w, true)
    }

    pub(super) fn expand_fields_globs(&mut self, w: &Word, note_globs: bool) -> (Vec<Value>, bool) {
        let mut alternatives = Vec::new();
        brace_expand(w.parts.clone(), &mut alternatives);
        let mut out = Vec::new();
        let mut uncertain = false;
        for parts in alternatives {
            let mut f = Fields::new(true);
            self.expand_into(&parts, &mut f);
            let (fields, u) = f.finish();
            uncertain |= u;
            for segs in fields {
                let v = seg_value(&segs);
                if note_globs && has_glob(&segs) {
                    self.note(format!("glob `{v}` kept literal (not expanded)"), w.at);
                    // It stands for as many words as there are matching files.
                    uncertain = true;
                }
                out.push(v);
            }
        }
        (out, uncertain)
    }

    /// A word expanded without field splitting (assignments, redirection
    /// targets, `case` subjects, here-documents).
    pub(super) fn expand_string(&mut self, w: &Word) -> Value {
        seg_value(&self.expand_pattern(w))
    }

    /// Like [`Eval::expand_string`], keeping which segments are unquoted
    /// (active in a pattern).
    pub(super) fn expand_pattern(&mut self, w: &Word) -> Vec<(Part, bool)> {
        let mut f = Fields::new(false);
        self.expand_into(&w.parts, &mut f);
        let (fields, _) = f.finish();
        fields.into_iter().flatten().collect()
    }

    pub(super) fn expand_into(&mut self, parts: &[WP], f: &mut Fields) {
        for p in parts {
            match p {
                WP::Lit(s, q) => f.lit(s, *q, false),
                WP::Fixed(part) => f.part(part.clone(), true),
                WP::Tilde(user, at) => {
                    let v = if user.is_empty() {
                        self.home(*at)
                    } else {
                        unknown_value(&format!("~{user}"), "home directory of another user", *at)
                    };
                    f.lit("", true, true);
                    for part in v.parts {
                        f.part(part, true);
                    }
                }
                WP::Param(param, q) => self.expand_param(param, *q, f),
                WP::Sub(sub, q) => {
                    let part = self.command_subst(sub);
                    if *q {
                        f.lit("", true, true);
                    }
                    f.part(part, *q);
                }
                WP::Arith(w, q) => {
                    let part = match self.arith_word(w) {
                        Ok(n) => Part::Lit(n.to_string()),
                        Err(reason) => {
                            if reason == DIVISION_BY_ZERO {
                                self.note(
                                    format!("`{}`: {reason}; bash abandons this command", w.text),
                                    w.at,
                                );
                                self.aborting = true;
                            }
                            Part::Unknown(Unknown {
                                text: w.text.clone(),
                                reason,
                                at: w.at,
                            })
                        }
                    };
                    f.part(part, *q);
                }
                WP::ProcSub(sub) => {
                    let _ = self.captured_run(sub);
                    let reason = "process substitution (a path to a pipe)".to_string();
                    f.part(
                        Part::Unknown(Unknown {
                            text: sub.text.clone(),
                            reason,
                            at: sub.at,
                        }),
                        true,
                    );
                }
            }
        }
    }

    /// Runs the body of a substitution as bash does: in a subshell, output
    /// captured. Returns the index of its last recorded command.
    pub(super) fn captured_run(&mut self, sub: &Sub) -> std::ops::Range<usize> {
        let start = self.trace.commands.len();
        let saved_pipe = self.pipeline.take();
        let saved_redirects = std::mem::take(&mut self.inherited);
        self.captured += 1;
        self.subshell(|e| e.run_body(&sub.body));
        self.captured -= 1;
        self.pipeline = saved_pipe;
        self.inherited = saved_redirects;
        self.sub_status = Some(self.sh.status);
        start..self.trace.commands.len()
    }

    /// `$(...)`: what its commands print on the normal path. Computed when
    /// every command that prints is pure with known inputs (`dirname`,
    /// `pwd`, `echo`) and the others print nothing (`cd`); else the output
    /// of the last command that prints, symbolically.
    pub(super) fn command_subst(&mut self, sub: &Sub) -> Part {
        if let Some(w) = &sub.read_file {
            let v = self.expand_string(w);
            let path = self.resolve(&v);
            if let Some(p) = path.as_lit()
                && !self.maybe_written(&p)
                && let Some(text) = self.files.read(&p)
            {
                return Part::Lit(text.trim_end_matches('\n').to_string());
            }
            let reason = format!("contents of `{path}`, not readable statically");
            return Part::Unknown(Unknown {
                text: sub.text.clone(),
                reason,
                at: sub.at,
            });
        }
        let cond = self.cond;
        let level = self.captured + 1;
        let range = self.captured_run(sub);
        let commands = &self.trace.commands;
        // This substitution's own commands (not those of nested ones).
        let own: Vec<usize> = range
            .filter(|&i| self.levels.get(i) == Some(&level))
            .collect();
        let normal: Vec<usize> = own
            .iter()
            .copied()
            .filter(|&i| commands[i].condition == cond)
            .collect();
        // In a pipeline only the last command's output comes out.
        let printing: Vec<usize> = normal
            .iter()
            .copied()
            .filter(|&i| match commands[i].pipeline {
                Some((id, pos)) => !normal.iter().any(
                    |&j| matches!(commands[j].pipeline, Some((jd, jp)) if jd == id && jp > pos),
                ),
                None => true,
            })
            .collect();
        let mut out = String::new();
        for &i in &printing {
            match self.pure.get(&i) {
                Some(text) => out.push_str(text),
                None if prints_nothing(&commands[i]) => {}
                None => return Part::Output(i),
            }
        }
        match (printing.is_empty(), own.last()) {
            // Only commands that may not run: their output, symbolically.
            (true, Some(&last)) if !normal.contains(&last) => Part::Output(last),
            _ => Part::Lit(out.trim_end_matches('\n').to_string()),
        }
    }
}
