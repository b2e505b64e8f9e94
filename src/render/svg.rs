//! Inline SVG pictures for the HTML report: horizontal bar charts as plain
//! strings, with no script, no external asset and no font file.
//!
//! Every chart carries a `<title>` and a `<desc>` (read by screen readers),
//! writes each bar's value as text next to it, and marks bars of note with a
//! thick dashed outline as well as a colour, so a chart printed in black and white
//! says what it says in colour. Every text is XML-escaped; the report's
//! template embeds the string as is.

use std::fmt::Write as _;

/// How a bar is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarStyle {
    Plain,
    /// Worth attention (overdue, failing): red, with a dashed outline.
    Bad,
    /// Close to attention (due soon, high): amber.
    Warn,
    /// No judgement (no period, info): grey.
    Muted,
}

impl BarStyle {
    fn fill(self) -> &'static str {
        match self {
            BarStyle::Plain => "#0969da",
            BarStyle::Bad => "#cf222e",
            BarStyle::Warn => "#9a6700",
            BarStyle::Muted => "#8c959f",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: usize,
    pub style: BarStyle,
    /// Written after the value, e.g. `overdue`.
    pub note: Option<String>,
}

const WIDTH: usize = 560;
const LABEL_WIDTH: usize = 220;
const BAR_SPACE: usize = 250;
const ROW: usize = 22;
const TOP: usize = 8;

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Shortens a label to fit the label column.
fn clip(label: &str) -> String {
    const MAX: usize = 34;
    if label.chars().count() <= MAX {
        label.to_owned()
    } else {
        let mut short: String = label.chars().take(MAX - 1).collect();
        short.push('…');
        short
    }
}

/// A horizontal bar chart. `id` must be unique in the page (it names the
/// title and description for `aria-labelledby`).
pub fn bar_chart(id: &str, title: &str, description: &str, bars: &[Bar]) -> String {
    let id = escape(id);
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let height = TOP * 2 + ROW * bars.len().max(1);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" aria-labelledby=\"{id}-title {id}-desc\">\
<title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(description),
    );
    if bars.is_empty() {
        let _ = write!(
            svg,
            "<text x=\"4\" y=\"{}\" font-size=\"12\" font-family=\"sans-serif\">nothing to show</text>",
            TOP + 15
        );
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = TOP + i * ROW;
        let length = if bar.value == 0 {
            0
        } else {
            (bar.value * BAR_SPACE / max).max(2)
        };
        // A bar of note also has a thick dashed outline: visible without colour.
        let outline = if bar.style == BarStyle::Bad {
            "stroke-width=\"2\" stroke-dasharray=\"4 2\""
        } else {
            "stroke-width=\"0.5\""
        };
        let fill = bar.style.fill();
        let mut value = bar.value.to_string();
        if let Some(note) = &bar.note {
            value.push(' ');
            value.push_str(note);
        }
        let _ = write!(
            svg,
            "<g><text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\" font-family=\"sans-serif\">{}</text>\
<rect x=\"{}\" y=\"{}\" width=\"{length}\" height=\"{}\" fill=\"{fill}\" stroke=\"#1b1f24\" {}/>\
<text x=\"{}\" y=\"{}\" font-size=\"12\" font-family=\"sans-serif\">{}</text></g>",
            LABEL_WIDTH - 6,
            y + 15,
            escape(&clip(&bar.label)),
            LABEL_WIDTH,
            y + 3,
            ROW - 6,
            if length == 0 { "stroke-width=\"0\"" } else { outline },
            LABEL_WIDTH + length + 6,
            y + 15,
            escape(&value),
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_values_are_written() {
        let svg = bar_chart(
            "x",
            "a <b> & \"c\"",
            "d",
            &[Bar {
                label: "</svg><script>".into(),
                value: 3,
                style: BarStyle::Bad,
                note: Some("overdue".into()),
            }],
        );
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("<title id=\"x-title\">a &lt;b&gt; &amp; &quot;c&quot;</title>"));
        assert!(svg.contains(">3 overdue</text>"));
        assert!(svg.contains("stroke-dasharray"));
        assert!(
            !svg.contains("url("),
            "no reference the page checks could take for an asset"
        );
        assert_eq!(svg.matches("<svg").count(), 1);
    }
}
