//! Span-based text edits, so converted Dockerfiles keep everything the user
//! wrote (comments, spacing, order) except what the conversion changes.

use crate::dockerfile::Span;

/// A set of replacements over one source text.
#[derive(Debug, Default, Clone)]
pub struct Edits {
    edits: Vec<(Span, String)>,
}

impl Edits {
    /// Replaces `span` with `text`.
    pub fn replace(&mut self, span: Span, text: impl Into<String>) {
        self.edits.push((span, text.into()));
    }

    /// Inserts `text` at `at`.
    pub fn insert(&mut self, at: usize, text: impl Into<String>) {
        self.edits.push((Span::new(at, at), text.into()));
    }

    /// The edited text of `source[range]`. Edits outside the range are
    /// ignored; overlapping edits keep the first.
    pub fn apply(&self, source: &str, range: Span) -> String {
        let mut edits: Vec<&(Span, String)> = self
            .edits
            .iter()
            .filter(|(s, _)| s.start >= range.start && s.end <= range.end)
            .collect();
        edits.sort_by_key(|(s, _)| (s.start, s.end));
        let mut out = String::with_capacity(range.len() + 64);
        let mut at = range.start;
        for (span, text) in edits {
            if span.start < at {
                continue;
            }
            out.push_str(&source[at..span.start]);
            out.push_str(text);
            at = span.end;
        }
        out.push_str(&source[at..range.end]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_in_order_within_the_range() {
        let src = "FROM a\nCOPY x /y\n";
        let mut e = Edits::default();
        e.replace(Span::new(12, 13), "z");
        e.insert(6, " AS b");
        assert_eq!(
            e.apply(src, Span::new(0, src.len())),
            "FROM a AS b\nCOPY z /y\n"
        );
        assert_eq!(e.apply(src, Span::new(7, src.len())), "COPY z /y\n");
    }
}
