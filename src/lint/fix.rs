//! Applying the safe fixes of a lint run to a file's text.

use super::finding::LintedFile;

/// The file's text with every fix applied. Fixes whose edits overlap an
/// edit already taken are skipped (the next run applies them), so the
/// result is always well-formed. Returns the new text and how many fixes
/// were applied.
pub fn apply(file: &LintedFile) -> (String, usize) {
    let mut edits: Vec<(usize, usize, &str, usize)> = Vec::new();
    let mut applied = 0;
    for (n, finding) in file.findings.iter().enumerate() {
        let Some(fix) = &finding.fix else { continue };
        let overlaps = fix.edits.iter().any(|e| {
            edits.iter().any(|&(s, end, _, _)| {
                let (a, b) = (e.range.span.start, e.range.span.end);
                // Two insertions at one point conflict too.
                (a < end && s < b) || (a == s && (a == b || s == end))
            })
        });
        if overlaps {
            continue;
        }
        for e in &fix.edits {
            edits.push((e.range.span.start, e.range.span.end, &e.replacement, n));
        }
        applied += 1;
    }
    edits.sort_by_key(|&(s, e, _, n)| (s, e, n));
    let source = &file.source;
    let mut out = String::with_capacity(source.len());
    let mut at = 0;
    for (start, end, text, _) in edits {
        if start < at || end > source.len() {
            continue;
        }
        out.push_str(&source[at..start]);
        out.push_str(text);
        at = end;
    }
    out.push_str(&source[at..]);
    (out, applied)
}
