//! Input errors: what went wrong, where, and what to do about it.
//!
//! Every problem with the user's input (inventory, policies, flags) becomes an
//! [`InputError`]. Loaders collect all the problems they find rather than
//! stopping at the first, so a user fixes a file in one pass. The wording
//! follows Cedar's style guide: lowercase, user input in backticks, advice in a
//! separate `help`.
//!
//! An input error never contains a secret value: loaders only ever quote names,
//! keys, paths and the serde/YAML parser messages, and the YAML parser is never
//! asked to quote a scalar in a position where a secret value could stand (see
//! `inventory::yaml`).

use std::fmt::Write as _;

use crate::source::{Location, SourceTexts};

/// One problem with the user's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// A stable kebab-case code, e.g. `unknown-field`.
    pub code: &'static str,
    pub message: String,
    pub location: Option<Location>,
    /// Another place that matters, e.g. where a duplicate was first defined.
    pub related: Option<Box<(Location, String)>>,
    pub help: Option<String>,
}

impl InputError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            location: None,
            related: None,
            help: None,
        }
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    pub fn at_opt(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, location: Location, note: impl Into<String>) -> Self {
        self.related = Some(Box::new((location, note.into())));
        self
    }

    /// Renders the error for a terminal or a log, quoting the offending line
    /// when its text is known.
    pub fn render(&self, texts: &SourceTexts) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "error[{}]: {}", self.code, self.message);
        if let Some(location) = &self.location {
            let _ = writeln!(out, "  --> {location}");
            if let Some(line) = texts.line(location) {
                let gutter = location.line.to_string();
                let pad = " ".repeat(gutter.len());
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{gutter} | {line}");
                // In a redacted line the column may point into hidden text:
                // the caret then stops at the `…`.
                let width = line.chars().count().max(1);
                let caret_pad: String = line
                    .chars()
                    .take(location.column.saturating_sub(1).min(width - 1))
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let _ = writeln!(out, "{pad} | {caret_pad}^");
            }
        }
        if let Some((location, note)) = self.related.as_deref() {
            let _ = writeln!(out, "  = note: {note} at {location}");
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  = help: {help}");
        }
        out
    }
}

/// Suggests the closest of `candidates` to `input`, if one is close enough to
/// be a plausible typo.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(input, c), c))
        .filter(|(distance, c)| *distance <= 3.min(c.len().max(input.len()) / 2 + 1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let fields = ["severity", "message", "control", "id"];
        assert_eq!(did_you_mean("severty", fields), Some("severity"));
        assert_eq!(did_you_mean("controls", fields), Some("control"));
        assert_eq!(did_you_mean("zzzzzzzz", fields), None);
    }

    #[test]
    fn renders_location_snippet_and_help() {
        let file: std::sync::Arc<str> = "inv.yaml".into();
        let mut texts = SourceTexts::default();
        texts.insert(
            &file,
            "version: 1\nsecrets:\n  X: {clasification: critical}\n",
        );
        let redacted = {
            let mut t = SourceTexts::default();
            t.insert_redacted(
                &file,
                "version: 1\nsecrets:\n  X: {clasification: critical}\n",
            );
            t
        };
        let err = InputError::new("unknown-field", "unknown field `clasification`")
            .at(Location::new(&file, 3, 7))
            .help("did you mean `classification`?");
        let text = err.render(&texts);
        assert!(text.contains("--> inv.yaml:3:7"), "{text}");
        assert!(
            text.contains("3 |   X: {clasification: critical}"),
            "{text}"
        );
        assert!(
            text.contains("= help: did you mean `classification`?"),
            "{text}"
        );
        let text = err.render(&redacted);
        assert!(text.contains("3 |   X: …"), "{text}");
    }
}
