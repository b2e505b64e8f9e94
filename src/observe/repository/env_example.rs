//! `.env.example` files (`sources.env_example`): which variables they list,
//! and whether any value in them looks like a real secret.
//!
//! Each file is parsed with [`dotenv`]; a value is looked at once
//! ([`heuristics`]) and dropped (wiped) before anything is returned,
//! so the observation holds names, line numbers and verdicts only. A line
//! that is not `KEY=value` is bad input, reported by file and line number,
//! never by its text.

use crate::diag::Code;
use std::sync::Arc;

use crate::diag::InputError;
use crate::inventory::model::SourcePath;
use crate::source::Location;

use crate::{heuristics, observe::dotenv};

/// Every `.env.example` file the inventory names.
#[derive(Debug, Default, Clone)]
pub struct Observation {
    pub files: Vec<ExampleFile>,
}

#[derive(Debug, Clone)]
pub struct ExampleFile {
    /// The path as reports show it.
    pub display: Arc<str>,
    pub vars: Vec<ExampleVar>,
}

/// One variable of an example file (its last assignment, as a program
/// loading the file would see it).
#[derive(Debug, Clone)]
pub struct ExampleVar {
    pub name: String,
    pub line: usize,
    /// The value looks like a real secret (never the value itself).
    pub real_looking: bool,
    /// Name and value say it holds a secret ([`heuristics::classify`]).
    pub secret: bool,
    /// The value is a published default an example should not ship
    /// ([`heuristics::defaults::example_value`]).
    pub published_default: bool,
}

impl ExampleFile {
    pub fn location(&self, var: &ExampleVar) -> Location {
        Location::new(&self.display, var.line, 1)
    }
}

impl Observation {
    /// Whether any example file lists `name`.
    pub fn lists(&self, name: &str) -> bool {
        self.files
            .iter()
            .any(|f| f.vars.iter().any(|v| v.name == name))
    }
}

/// Reads and parses every file; all problems are reported together.
/// Values are compared with `defaults` (published default credentials).
pub fn observe(
    sources: &[SourcePath],
    defaults: &heuristics::defaults::PublishedDefaults,
) -> Result<Option<Observation>, Vec<InputError>> {
    if sources.is_empty() {
        return Ok(None);
    }
    let mut errors = Vec::new();
    let mut files = Vec::new();
    for source in sources {
        let display: Arc<str> = Arc::from(crate::source::portable_path(&super::git::normalize(
            &source.path,
        )));
        let text = match crate::read::read_text(&source.path, crate::read::Kind::EnvExample) {
            Ok(text) => zeroize::Zeroizing::new(text),
            Err(crate::read::ReadError::NotUtf8 { .. }) => {
                errors.push(
                    InputError::new(
                        Code::UnreadableEnvExample,
                        format!("`{display}` is not UTF-8 text"),
                    )
                    .at(source.location.clone())
                    .help("save the `.env.example` file as UTF-8"),
                );
                continue;
            }
            Err(error) => {
                errors.push(
                    InputError::new(
                        Code::UnreadableEnvExample,
                        format!("`{display}` cannot be read: {}", describe(&error)),
                    )
                    .at(source.location.clone())
                    .help("check the file's permissions, or fix `sources.env_example`"),
                );
                continue;
            }
        };
        let parsed = dotenv::parse(&text);
        drop(text);
        for bad in &parsed.malformed {
            errors.push(
                InputError::new(
                    Code::MalformedEnvExample,
                    format!("line {} of `{display}` cannot be read: {}", bad.line, bad.problem),
                )
                .at(Location::new(&display, bad.line, 1))
                .help("write one `NAME=placeholder` per line (`#` starts a comment), or remove the line"),
            );
        }
        let mut vars: Vec<ExampleVar> = Vec::new();
        for entry in &parsed.entries {
            let var = ExampleVar {
                name: entry.key.clone(),
                line: entry.line,
                real_looking: heuristics::real_looking_value(&entry.value),
                secret: heuristics::classify(&entry.key, Some(&entry.value), false)
                    == heuristics::Verdict::Secret,
                published_default: heuristics::defaults::example_value(defaults, &entry.value),
            };
            // The last assignment wins, as when the file is loaded.
            match vars.iter_mut().find(|v| v.name == var.name) {
                Some(earlier) => *earlier = var,
                None => vars.push(var),
            }
        }
        drop(parsed);
        vars.sort_by_key(|v| v.line);
        files.push(ExampleFile { display, vars });
    }
    if errors.is_empty() {
        Ok(Some(Observation { files }))
    } else {
        Err(errors)
    }
}

/// A read error as messages show it: the kind of an OS error (its text
/// was not shown here before), the reason for a refusal.
fn describe(error: &crate::read::ReadError) -> String {
    match error {
        crate::read::ReadError::Io(io) => io.kind().to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(dir: &std::path::Path, text: &str) -> SourcePath {
        let path = dir.join(".env.example");
        std::fs::write(&path, text).unwrap();
        SourcePath {
            written: ".env.example".to_owned(),
            path,
            location: Location::file_start(&Arc::from("inventory.yaml")),
        }
    }

    #[test]
    fn keeps_names_lines_and_verdicts_but_no_value() {
        let dir = tempfile::tempdir().unwrap();
        let text = "A=changeme\nB=sk_live_CANARYabcdefgh12\nA=ghp_CANARYabcdefgh1234\n";
        let observed = observe(
            &[source(dir.path(), text)],
            heuristics::defaults::PublishedDefaults::builtin(),
        )
        .unwrap()
        .unwrap();
        let vars = &observed.files[0].vars;
        let summary: Vec<(&str, usize, bool)> = vars
            .iter()
            .map(|v| (v.name.as_str(), v.line, v.real_looking))
            .collect();
        // The last assignment of `A` wins, as when the file is loaded.
        assert_eq!(summary, vec![("B", 2, true), ("A", 3, true)]);
        assert!(observed.lists("A") && !observed.lists("C"));
        assert!(!format!("{observed:?}").contains("CANARY"));
    }

    #[test]
    fn malformed_lines_are_errors_without_their_text() {
        let dir = tempfile::tempdir().unwrap();
        let errors = observe(
            &[source(dir.path(), "OK=1\nnot a line CANARY\n")],
            heuristics::defaults::PublishedDefaults::builtin(),
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code.as_str(), "malformed-env-example");
        assert_eq!(errors[0].location.as_ref().map(|l| l.line), Some(2));
        assert!(!format!("{errors:?}").contains("CANARY"));
    }
}
