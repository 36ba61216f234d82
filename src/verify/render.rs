//! The verify report for people and tools: a text table, JSON, a markdown
//! PR comment (size table, the flow as Mermaid, the differences) and a
//! self-contained HTML page (stage graph and per-layer sizes as inline SVG).

use std::fmt::Write as _;

use super::Report;
use crate::builder::archive::human_size;

/// `+1.2MB (+3.4%)` relative to `base`.
pub fn delta(size: u64, base: u64) -> String {
    let d = size as i128 - base as i128;
    let sign = if d < 0 { "-" } else { "+" };
    let pct = if base == 0 {
        0.0
    } else {
        d as f64 * 100.0 / base as f64
    };
    format!("{sign}{} ({pct:+.1}%)", human_size(d.unsigned_abs() as u64))
}

/// Rows of the size table: (image, size, delta vs the legacy final image).
fn size_rows(r: &Report) -> Vec<(String, String, String)> {
    let base = r.legacy.final_image.size;
    let mut rows = Vec::new();
    for b in &r.legacy.builder_images {
        rows.push((
            format!(
                "legacy builder {}",
                b.tag.as_deref().unwrap_or("(untagged)")
            ),
            human_size(b.size),
            delta(b.size, base),
        ));
    }
    rows.push((
        format!(
            "legacy final {}",
            r.legacy.final_image.tag.as_deref().unwrap_or("")
        ),
        human_size(base),
        String::new(),
    ));
    rows.push((
        "multi-stage final".to_string(),
        human_size(r.multistage.final_image.size),
        delta(r.multistage.final_image.size, base),
    ));
    match &r.multistage.with_fixes {
        Some(f) => rows.push((
            "multi-stage with fixes".to_string(),
            human_size(f.size),
            delta(f.size, base),
        )),
        None => rows.push((
            "multi-stage with fixes".to_string(),
            "n/a".to_string(),
            String::new(),
        )),
    }
    rows
}

/// The stderr summary: one line.
pub fn summary(r: &Report) -> String {
    let unexpected = r.differences.iter().filter(|d| !d.expected).count();
    format!(
        "{}: the multi-stage image is {} the legacy one ({} engine, legacy flow by {}; {} difference{}, {} unexpected; {} bloat finding{})",
        r.details.dir,
        if r.equivalent {
            "equivalent to"
        } else {
            "NOT equivalent to"
        },
        r.engine,
        r.legacy.method,
        r.differences.len(),
        if r.differences.len() == 1 { "" } else { "s" },
        unexpected,
        r.bloat.len(),
        if r.bloat.len() == 1 { "" } else { "s" },
    )
}

/// The text table and lists.
pub fn text(r: &Report) -> String {
    let mut out = String::new();
    let rows = size_rows(r);
    let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(5).max(5);
    let _ = writeln!(out, "{:<w$}  {:>10}  vs legacy final", "image", "size");
    for (name, size, d) in &rows {
        let _ = writeln!(out, "{name:<w$}  {size:>10}  {d}");
    }
    let _ = writeln!(
        out,
        "\nbuild time: legacy {:.1}s, multi-stage {:.1}s{}",
        r.timings.legacy_seconds,
        r.timings.multistage_seconds,
        r.timings
            .with_fixes_seconds
            .map(|s| format!(", with fixes {s:.1}s"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "equivalent: {}",
        if r.equivalent { "yes" } else { "no" }
    );
    write_differences(&mut out, "", &r.differences);
    for t in &r.targets {
        let _ = writeln!(
            out,
            "\nalso {} (--target {}): legacy {}, multi-stage {}, equivalent: {}",
            t.image,
            t.target.as_deref().unwrap_or("(last stage)"),
            human_size(t.legacy.size),
            human_size(t.multistage.size),
            if t.equivalent { "yes" } else { "no" }
        );
        write_differences(&mut out, "  ", &t.differences);
    }
    if !r.bloat.is_empty() {
        let _ = writeln!(out, "\nbloat in the multi-stage final image:");
        for b in &r.bloat {
            let _ = writeln!(
                out,
                "  {} {} {:>10}  {}",
                b.rule,
                b.name,
                human_size(b.bytes),
                b.message
            );
        }
    }
    for f in &r.details.fixes {
        let _ = writeln!(out, "fix: {f}");
    }
    for n in &r.details.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

/// The differences, `indent`ed, with their explanations.
fn write_differences(out: &mut String, indent: &str, differences: &[super::tree::Difference]) {
    if differences.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{indent}differences (legacy → multi-stage):");
    for d in differences {
        let _ = writeln!(
            out,
            "{indent}  {} {} {}{}",
            if d.expected { "~" } else { "!" },
            d.kind,
            d.path,
            if d.expected { " (expected)" } else { "" }
        );
        let _ = writeln!(
            out,
            "{indent}      legacy:      {}",
            d.legacy.as_deref().unwrap_or("(absent)")
        );
        let _ = writeln!(
            out,
            "{indent}      multi-stage: {}",
            d.multistage.as_deref().unwrap_or("(absent)")
        );
        let _ = writeln!(out, "{indent}      why: {}", d.explanation);
    }
}

/// The JSON report.
pub fn json(r: &Report) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default()
}

/// A markdown PR comment.
pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### msmigrate verify: {}\n",
        if r.equivalent {
            "✅ equivalent"
        } else {
            "❌ differences found"
        }
    );
    let _ = writeln!(
        out,
        "Engine: `{}` · legacy flow: `{}` · build time: legacy {:.1}s, multi-stage {:.1}s\n",
        r.engine, r.legacy.method, r.timings.legacy_seconds, r.timings.multistage_seconds
    );
    let _ = writeln!(out, "| image | size | vs legacy final |\n|---|---:|---:|");
    for (name, size, d) in size_rows(r) {
        let _ = writeln!(out, "| {name} | {size} | {d} |");
    }
    let _ = writeln!(out, "\n```mermaid\n{}```\n", r.details.mermaid);
    if r.differences.is_empty() {
        let _ = writeln!(
            out,
            "No differences: same files, owners, modes, contents and runtime config."
        );
    } else {
        let _ = writeln!(
            out,
            "<details><summary>{} difference(s)</summary>\n\n```diff",
            r.differences.len()
        );
        for d in &r.differences {
            let _ = writeln!(out, "@@ {} {} @@", d.kind, d.path);
            if let Some(l) = &d.legacy {
                let _ = writeln!(out, "- {l}");
            }
            if let Some(m) = &d.multistage {
                let _ = writeln!(out, "+ {m}");
            }
            let _ = writeln!(out, "# {}", d.explanation);
        }
        let _ = writeln!(out, "```\n</details>\n");
    }
    if !r.bloat.is_empty() {
        let _ = writeln!(
            out,
            "\n| rule | path | bytes | added by |\n|---|---|---:|---|"
        );
        for b in &r.bloat {
            let _ = writeln!(
                out,
                "| {} {} | `{}` | {} | `{}` |",
                b.rule,
                b.name,
                b.path,
                b.bytes,
                b.instruction
                    .replace('|', "\\|")
                    .lines()
                    .next()
                    .unwrap_or("")
            );
        }
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The stage graph: a box per stage, arrows for FROM and COPY --from.
fn stage_svg(r: &Report) -> String {
    let stages = &r.details.stages;
    let (bw, bh, gap) = (220, 56, 60);
    let width = (stages.len().max(1) * (bw + gap)) as i64;
    let mut svg = format!(
        "<svg id=\"stage-graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{}\" role=\"img\" aria-label=\"stage graph\">",
        bh + 80
    );
    svg.push_str("<defs><marker id=\"arrow\" markerWidth=\"10\" markerHeight=\"10\" refX=\"9\" refY=\"3\" orient=\"auto\"><path d=\"M0,0 L9,3 L0,6 z\" fill=\"#555\"/></marker></defs>");
    for (i, (name, role, from)) in stages.iter().enumerate() {
        let x = i * (bw + gap) + 10;
        let fill = if role == "runtime" {
            "#d6f5d6"
        } else {
            "#dde8f8"
        };
        let _ = write!(
            svg,
            "<g class=\"stage\"><rect x=\"{x}\" y=\"20\" width=\"{bw}\" height=\"{bh}\" rx=\"6\" fill=\"{fill}\" stroke=\"#446\"/><text x=\"{}\" y=\"42\" font-size=\"13\" font-family=\"sans-serif\" text-anchor=\"middle\">{}</text><text x=\"{}\" y=\"62\" font-size=\"11\" font-family=\"sans-serif\" text-anchor=\"middle\" fill=\"#444\">{} · FROM {}</text></g>",
            x + bw / 2,
            esc(name),
            x + bw / 2,
            esc(role),
            esc(from)
        );
        if i > 0 {
            let from_idx = stages.iter().position(|s| &s.0 == from);
            let copies = r
                .details
                .artifacts
                .iter()
                .any(|a| i + 1 == stages.len() && a.0 != *name);
            if from_idx.is_some() || copies {
                let x0 = x - gap + 2;
                let label = if from_idx.is_some() {
                    "FROM"
                } else {
                    "COPY --from"
                };
                let _ = write!(
                    svg,
                    "<line x1=\"{x0}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#555\" marker-end=\"url(#arrow)\"/><text x=\"{}\" y=\"{}\" font-size=\"10\" font-family=\"sans-serif\" text-anchor=\"middle\">{label}</text>",
                    x - 2,
                    x0 + gap / 2,
                    20 + bh / 2 - 6,
                    y = 20 + bh / 2
                );
            }
        }
    }
    let _ = write!(
        svg,
        "<text x=\"10\" y=\"{}\" font-size=\"11\" font-family=\"sans-serif\">artifacts: {}</text>",
        bh + 50,
        esc(&r
            .details
            .artifacts
            .iter()
            .map(|(s, src, dest)| format!("{s}:{src} → {dest}"))
            .collect::<Vec<_>>()
            .join(", "))
    );
    svg.push_str("</svg>");
    svg
}

/// Horizontal bars: each layer's size, both final images.
fn layer_svg(r: &Report) -> String {
    let rows: Vec<(&str, usize, &super::LayerSize)> = r
        .details
        .legacy_layers
        .iter()
        .enumerate()
        .map(|(i, l)| ("legacy", i, l))
        .chain(
            r.details
                .multistage_layers
                .iter()
                .enumerate()
                .map(|(i, l)| ("multi-stage", i, l)),
        )
        .collect();
    let max = rows.iter().map(|r| r.2.size).max().unwrap_or(1).max(1);
    let h = 22;
    let mut svg = format!(
        "<svg id=\"layer-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"{}\" role=\"img\" aria-label=\"layer sizes\">",
        rows.len() * h + 10
    );
    for (n, (image, i, l)) in rows.iter().enumerate() {
        let y = n * h + 5;
        let w = ((l.size as f64 / max as f64) * 380.0).round() as u64;
        let color = if *image == "legacy" {
            "#e0a040"
        } else {
            "#40a060"
        };
        let label: String = l
            .instruction
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(60)
            .collect();
        let _ = write!(
            svg,
            "<g class=\"layer\"><text x=\"0\" y=\"{}\" font-size=\"11\" font-family=\"monospace\">{image} #{i}</text><rect x=\"110\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\" font-size=\"11\" font-family=\"monospace\">{} {}</text></g>",
            y + 14,
            w.max(1),
            h - 6,
            120 + w,
            y + 14,
            human_size(l.size),
            esc(&label)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A self-contained HTML page (no external resources).
pub fn html(r: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>msmigrate verify: {}</title><style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 10px;text-align:right}}td:first-child,th:first-child{{text-align:left}}.ok{{color:#080}}.bad{{color:#b00}}pre{{background:#f6f6f6;padding:1em;overflow:auto}}</style></head><body>\n",
        esc(&r.details.dir)
    );
    let _ = writeln!(
        out,
        "<h1>msmigrate verify</h1><p id=\"verdict\" class=\"{}\">{}</p><p>engine: {} · legacy flow: {} · build time: legacy {:.1}s, multi-stage {:.1}s</p>",
        if r.equivalent { "ok" } else { "bad" },
        if r.equivalent {
            "Equivalent: the multi-stage image equals the legacy image."
        } else {
            "Not equivalent: the images differ."
        },
        r.engine,
        r.legacy.method,
        r.timings.legacy_seconds,
        r.timings.multistage_seconds
    );
    out.push_str("<h2>Sizes</h2><table id=\"sizes\"><tr><th>image</th><th>size</th><th>vs legacy final</th></tr>");
    for (name, size, d) in size_rows(r) {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&name),
            size,
            d
        );
    }
    out.push_str("</table>\n<h2>Stage graph</h2>");
    out.push_str(&stage_svg(r));
    out.push_str("\n<h2>Layer sizes</h2>");
    out.push_str(&layer_svg(r));
    let _ = write!(
        out,
        "\n<h2>Differences ({})</h2><ul id=\"differences\">",
        r.differences.len()
    );
    for d in &r.differences {
        let _ = write!(
            out,
            "<li><code>{} {}</code>: {} → {}<br><small>{}</small></li>",
            d.kind,
            esc(&d.path),
            esc(d.legacy.as_deref().unwrap_or("(absent)")),
            esc(d.multistage.as_deref().unwrap_or("(absent)")),
            esc(&d.explanation)
        );
    }
    let _ = write!(
        out,
        "</ul>\n<h2>Bloat ({})</h2><ul id=\"bloat\">",
        r.bloat.len()
    );
    for b in &r.bloat {
        let _ = write!(out, "<li>{} {}: {}</li>", b.rule, b.name, esc(&b.message));
    }
    let _ = write!(
        out,
        "</ul>\n<h2>Multi-stage Dockerfile</h2><pre>{}</pre>\n</body></html>\n",
        esc(&r.details.dockerfile)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_are_signed() {
        assert_eq!(delta(500, 1000), "-500B (-50.0%)");
        assert_eq!(delta(1500, 1000), "+500B (+50.0%)");
    }
}
