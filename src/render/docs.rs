//! Docs that never drift: the content between
//! `<!-- secretary:begin NAME -->` and `<!-- secretary:end NAME -->` in a
//! markdown file is replaced by the table `NAME` (a markdown template of the
//! report, see [`super::templates::DOCS_TABLES`]).
//!
//! Markers must stand alone on their line. Markers inside fenced code blocks
//! (```` ``` ```` or `~~~`) are text, so documents can show the syntax. An
//! unknown name, a nested begin, an end without its begin or a begin without
//! its end is an input error at the marker's line. This module only
//! transforms text; reading, writing and diffing files is the command line's.

use crate::diag::Code;
use std::sync::Arc;

use crate::diag::{did_you_mean, InputError};
use crate::source::Location;

use super::templates::DOCS_TABLES;

enum Marker<'a> {
    Begin(&'a str),
    End(&'a str),
    /// `<!-- secretary:something -->` that is neither.
    Unknown(&'a str),
}

fn marker(line: &str) -> Option<Marker<'_>> {
    let inner = line
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim();
    let directive = inner.strip_prefix("secretary:")?;
    let (word, name) = directive
        .split_once(char::is_whitespace)
        .map(|(w, n)| (w, n.trim()))
        .unwrap_or((directive, ""));
    Some(match word {
        "begin" => Marker::Begin(name),
        "end" => Marker::End(name),
        _ => Marker::Unknown(word),
    })
}

/// The opening of a fenced code block: its character and length.
fn fence(line: &str) -> Option<(char, usize)> {
    let trimmed = line.trim_start();
    let c = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = trimmed.chars().take_while(|x| *x == c).count();
    (n >= 3).then_some((c, n))
}

/// Replaces every marked block of `text` with `render(NAME)`. All problems
/// of the file are reported together.
pub fn update(
    file: &Arc<str>,
    text: &str,
    render: &mut dyn FnMut(&str) -> Result<String, InputError>,
) -> Result<String, Vec<InputError>> {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out = String::with_capacity(text.len());
    let mut errors = Vec::new();
    let mut open: Option<(String, usize)> = None;
    let mut in_fence: Option<(char, usize)> = None;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let at = || Location::new(file, number, line.len() - line.trim_start().len() + 1);
        if open.is_none() {
            if let Some((c, n)) = in_fence {
                if fence(line).is_some_and(|(c2, n2)| c2 == c && n2 >= n)
                    && line.trim().chars().all(|x| x == c)
                {
                    in_fence = None;
                }
                out.push_str(line);
                continue;
            }
            if let Some(opening) = fence(line) {
                in_fence = Some(opening);
                out.push_str(line);
                continue;
            }
        }
        match (marker(line), &open) {
            (None, None) => out.push_str(line),
            (None, Some(_)) => {} // stale content, replaced at the end marker
            (Some(Marker::Unknown(word)), _) => {
                errors.push(
                    InputError::new(
                        Code::UnknownDocsMarker,
                        format!("`secretary:{word}` is not a docs marker"),
                    )
                    .at(at())
                    .help("write `<!-- secretary:begin NAME -->` … `<!-- secretary:end NAME -->`"),
                );
                if open.is_none() {
                    out.push_str(line);
                }
            }
            (Some(Marker::Begin(name)), None) => {
                if !DOCS_TABLES.contains(&name) {
                    let help = match did_you_mean(name, DOCS_TABLES.iter().copied()) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => format!(
                            "the tables are {}",
                            DOCS_TABLES
                                .iter()
                                .map(|t| format!("`{t}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    errors.push(
                        InputError::new(
                            Code::UnknownDocsTable,
                            format!("there is no docs table `{name}`"),
                        )
                        .at(at())
                        .help(help),
                    );
                }
                out.push_str(line);
                open = Some((name.to_owned(), number));
            }
            (Some(Marker::Begin(name)), Some((outer, outer_line))) => {
                errors.push(
                    InputError::new(
                        Code::NestedDocsMarker,
                        format!("`secretary:begin {name}` inside the block `{outer}`"),
                    )
                    .at(at())
                    .related(Location::new(file, *outer_line, 1), "the block opens here")
                    .help(format!(
                        "close `{outer}` with `<!-- secretary:end {outer} -->` first; blocks do not nest"
                    )),
                );
            }
            (Some(Marker::End(name)), None) => {
                errors.push(
                    InputError::new(
                        Code::UnbalancedDocsMarker,
                        format!("`secretary:end {name}` has no `secretary:begin {name}` before it"),
                    )
                    .at(at())
                    .help(format!(
                        "add `<!-- secretary:begin {name} -->` where the table starts, or remove this line"
                    )),
                );
                out.push_str(line);
            }
            (Some(Marker::End(name)), Some((outer, outer_line))) => {
                if name != outer {
                    errors.push(
                        InputError::new(
                            Code::UnbalancedDocsMarker,
                            format!("`secretary:end {name}` closes the block `{outer}`"),
                        )
                        .at(at())
                        .related(Location::new(file, *outer_line, 1), "the block opens here")
                        .help(format!("write `<!-- secretary:end {outer} -->`")),
                    );
                } else if DOCS_TABLES.contains(&name) {
                    match render(name) {
                        Ok(table) => {
                            out.push_str(eol);
                            let table = table.trim();
                            if !table.is_empty() {
                                for table_line in table.lines() {
                                    out.push_str(table_line.trim_end());
                                    out.push_str(eol);
                                }
                                out.push_str(eol);
                            }
                        }
                        Err(error) => errors.push(error),
                    }
                }
                out.push_str(line);
                open = None;
            }
        }
    }
    if let Some((name, line)) = open {
        errors.push(
            InputError::new(
                Code::UnbalancedDocsMarker,
                format!("`secretary:begin {name}` is never closed"),
            )
            .at(Location::new(file, line, 1))
            .help(format!(
                "add `<!-- secretary:end {name} -->` after the table"
            )),
        );
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Result<String, Vec<InputError>> {
        update(&Arc::from("doc.md"), text, &mut |name| {
            Ok(format!("| {name} |\n| --- |\n"))
        })
    }

    #[test]
    fn blocks_are_replaced_and_the_rest_kept() {
        let text =
            "# Doc\n<!-- secretary:begin secrets -->\nold\n<!-- secretary:end secrets -->\ntail\n";
        assert_eq!(
            run(text).unwrap(),
            "# Doc\n<!-- secretary:begin secrets -->\n\n| secrets |\n| --- |\n\n<!-- secretary:end secrets -->\ntail\n"
        );
        let once = run(text).unwrap();
        assert_eq!(run(&once).unwrap(), once, "updating is idempotent");
    }

    #[test]
    fn crlf_files_stay_crlf() {
        let text =
            "a\r\n<!-- secretary:begin checklist -->\r\n<!-- secretary:end checklist -->\r\n";
        let out = run(text).unwrap();
        assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
    }

    #[test]
    fn markers_in_code_fences_are_text() {
        let text = "```md\n<!-- secretary:begin nope -->\n```\n";
        assert_eq!(run(text).unwrap(), text);
    }

    #[test]
    fn problems_are_located() {
        let codes = |text: &str| -> Vec<(&'static str, usize)> {
            run(text)
                .unwrap_err()
                .iter()
                .map(|e| (e.code.as_str(), e.location.as_ref().unwrap().line))
                .collect()
        };
        assert_eq!(
            codes("x\n<!-- secretary:begin secret -->\n<!-- secretary:end secret -->\n"),
            [("unknown-docs-table", 2)]
        );
        assert_eq!(
            codes("<!-- secretary:begin secrets -->\n<!-- secretary:begin findings -->\n<!-- secretary:end secrets -->\n"),
            [("nested-docs-marker", 2)]
        );
        assert_eq!(
            codes("\n\n<!-- secretary:end secrets -->\n"),
            [("unbalanced-docs-marker", 3)]
        );
        assert_eq!(
            codes("<!-- secretary:begin secrets -->\nstale\n"),
            [("unbalanced-docs-marker", 1)]
        );
        assert_eq!(
            codes("<!-- secretary:begin secrets -->\n<!-- secretary:end findings -->\n"),
            [("unbalanced-docs-marker", 2)]
        );
    }
}
