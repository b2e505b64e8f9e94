//! What went wrong while deserializing, as data: the reader's error type
//! records the pieces serde hands to its `de::Error` hooks (which key, which
//! accepted names, what kind of value was found) and the reader adds where,
//! so messages and hints are built from fields, not from another library's
//! wording. A value's text is never kept: a string that was found is only
//! "a string" (a type error on a field could otherwise echo a pasted secret).

use std::fmt;
use std::sync::Arc;

use serde::de::{self, Expected, Unexpected};
use yaml_rust2::ScanError;

use crate::diag::{did_you_mean, Code, InputError};
use crate::source::Location;

/// What the readers of events return: a value, or why they stopped.
pub(super) type Result<T> = std::result::Result<T, Stop>;

/// Why the reader stopped.
#[derive(Debug)]
pub(super) enum Stop {
    /// Not an error in the file: the line reader does not read this
    /// construct, and yaml-rust2's parser reads the file instead.
    GiveUp,
    /// The file does not fit the model; `at` is the line (from 1) and column
    /// (from 1) of the node that failed, and whether it failed as a key.
    Problem(Problem, Option<At>),
    /// yaml-rust2 cannot parse the text.
    Syntax(ScanError),
    /// The text is beyond a limit, at line (from 1) and column (from 0).
    Limit(Limit, usize, usize),
}

/// A limit of the event stream (see [`super::events`]) that a text went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Limit {
    Depth,
    Aliases,
    AliasInsideItsAnchor,
}

impl Limit {
    /// The error for this limit, crossed at `location`.
    pub(super) fn into_input_error(self, location: Location) -> InputError {
        use super::{MAX_DEPTH, MAX_REPLAYED_FLOOR, MAX_REPLAY_FACTOR};
        let (message, hint) = match self {
            Limit::Depth => (
                format!("YAML nested more than {MAX_DEPTH} levels deep"),
                "flatten the structure; no secretary file needs this depth".to_owned(),
            ),
            Limit::Aliases => (
                format!(
                    "YAML aliases repeat more than {MAX_REPLAYED_FLOOR} nodes plus \
                     {MAX_REPLAY_FACTOR} per node of the file"
                ),
                "write the repeated blocks out, or alias fewer nested anchors".to_owned(),
            ),
            Limit::AliasInsideItsAnchor => (
                "a YAML alias refers to the node that contains it".to_owned(),
                "an alias must name a node that ends before it".to_owned(),
            ),
        };
        InputError::new(Code::YamlLimit, message)
            .at(location)
            .help(hint)
    }
}

/// Where a problem is, found by the reader as it goes.
#[derive(Debug)]
pub(super) struct At {
    /// Line (from 1) and column (from 1) of the node that failed.
    pub(super) line: usize,
    pub(super) column: usize,
    /// The path of the node, or of the mapping for a key, as serde writes
    /// paths (`secrets.A.readers[0]`; empty at the root).
    pub(super) path: String,
    /// The line of the key holding the node (for a key: the key of its
    /// mapping), where a check of the whole item would report.
    pub(super) holder_line: usize,
}

/// Where an event starts, as the reader sees it: line from 1, column in
/// characters from 0.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Mark {
    pub(super) line: usize,
    pub(super) col: usize,
}

/// A value as serde describes it in a type error, without its text.
#[derive(Debug)]
pub(super) enum Found {
    /// A string (or character, or bytes): never shown.
    Str,
    /// Anything else, as serde's [`Unexpected`] words it ("map",
    /// "boolean `true`", "integer `5`", "unit value").
    Other(String),
}

impl From<Unexpected<'_>> for Found {
    fn from(unexpected: Unexpected<'_>) -> Self {
        match unexpected {
            Unexpected::Str(_) | Unexpected::Char(_) | Unexpected::Bytes(_) => Found::Str,
            other => Found::Other(other.to_string()),
        }
    }
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::Str => f.write_str("a string"),
            Found::Other(what) => f.write_str(what),
        }
    }
}

#[derive(Debug)]
pub(super) enum Problem {
    UnknownField {
        given: String,
        expected: Vec<String>,
    },
    UnknownVariant {
        given: String,
        expected: Vec<String>,
    },
    MissingField(String),
    DuplicateField(String),
    InvalidType {
        found: Found,
        expected: String,
    },
    InvalidValue {
        found: Found,
        expected: String,
    },
    /// Any other message a `Deserialize` impl makes up.
    Custom(String),
    /// A tag other than YAML's own (`!!str`, `!!int`...), written as it was.
    Tag(String),
    /// A consequence of a problem already recorded: stops the reader, and
    /// is not shown.
    Told,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::GiveUp => f.write_str("the fast YAML reader gave up"),
            Stop::Problem(problem, _) => write!(f, "{problem:?}"),
            Stop::Syntax(scan) => write!(f, "{scan}"),
            Stop::Limit(limit, ..) => write!(f, "{limit:?}"),
        }
    }
}

impl std::error::Error for Stop {}

fn problem(problem: Problem) -> Stop {
    Stop::Problem(problem, None)
}

fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

impl de::Error for Stop {
    fn custom<T: fmt::Display>(message: T) -> Self {
        problem(Problem::Custom(message.to_string()))
    }

    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        problem(Problem::InvalidType {
            found: unexpected.into(),
            expected: expected.to_string(),
        })
    }

    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        problem(Problem::InvalidValue {
            found: unexpected.into(),
            expected: expected.to_string(),
        })
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        problem(Problem::UnknownVariant {
            given: variant.to_owned(),
            expected: names(expected),
        })
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        problem(Problem::UnknownField {
            given: field.to_owned(),
            expected: names(expected),
        })
    }

    fn missing_field(field: &'static str) -> Self {
        problem(Problem::MissingField(field.to_owned()))
    }

    fn duplicate_field(field: &'static str) -> Self {
        problem(Problem::DuplicateField(field.to_owned()))
    }
}

impl Problem {
    /// The error shown for this problem in `file`, `at` its place and path
    /// if known (else at the start of the file).
    pub(super) fn into_input_error(self, file: &Arc<str>, at: Option<&At>) -> InputError {
        let (path, location) = match at {
            Some(at) => (at.path.as_str(), Location::new(file, at.line, at.column)),
            None => ("", Location::file_start(file)),
        };
        let in_path = match path {
            "" => String::new(),
            path => format!(" in `{path}`"),
        };
        let (code, message, hint) = match self {
            Problem::UnknownField { given, expected } => {
                let hint = unknown_hint(&given, &expected);
                (
                    Code::UnknownField,
                    format!("unknown key `{given}`{in_path}"),
                    hint,
                )
            }
            // The value itself is not shown: a secret pasted into the wrong
            // key would be printed. The hint names an accepted value only.
            Problem::UnknownVariant { given, expected } => {
                let hint = unknown_hint(&given, &expected);
                (Code::UnknownValue, format!("unknown value{in_path}"), hint)
            }
            Problem::MissingField(field) => (
                Code::MissingField,
                format!("missing key `{field}`{in_path}"),
                format!("add `{field}:` here; `secretary schema` lists every key"),
            ),
            Problem::InvalidType { found, expected } => (
                Code::WrongType,
                format!("invalid type: {found}, expected {expected}{in_path}"),
                "see `secretary schema` for the expected type of this key".to_owned(),
            ),
            Problem::InvalidValue { found, expected } => (
                Code::WrongType,
                format!("invalid value: {found}, expected {expected}{in_path}"),
                "see `secretary schema` for the expected type of this key".to_owned(),
            ),
            Problem::DuplicateField(field) => (
                Code::DuplicateKey,
                format!("duplicate field `{field}`{in_path}"),
                "each key may appear once per mapping; remove or rename one".to_owned(),
            ),
            Problem::Told => (
                Code::YamlSyntax,
                format!("cannot parse YAML{in_path}"),
                "fix the problems listed above".to_owned(),
            ),
            Problem::Tag(tag) => (
                Code::YamlTag,
                format!("unsupported YAML tag `{tag}`{in_path}"),
                "remove the tag; a secretary file needs none (quote a value to keep it a string)"
                    .to_owned(),
            ),
            Problem::Custom(message) => {
                let message = redact_quoted_strings(&message);
                if message.contains("duplicate") {
                    (
                        Code::DuplicateKey,
                        format!("{message}{in_path}"),
                        "each key may appear once per mapping; remove or rename one".to_owned(),
                    )
                } else {
                    let full = if path.is_empty() {
                        message
                    } else {
                        format!("{path}: {message}")
                    };
                    (
                        Code::YamlSyntax,
                        format!("cannot parse YAML: {full}"),
                        "fix the YAML syntax at this position; check indentation and quoting"
                            .to_owned(),
                    )
                }
            }
        };
        InputError::new(code, message).at(location).help(hint)
    }
}

/// The hint for an unknown key or value: the accepted name it is closest
/// to, or all of them.
pub(super) fn unknown_hint<S: AsRef<str>>(given: &str, options: &[S]) -> String {
    match did_you_mean(given, options.iter().map(AsRef::as_ref)) {
        _ if given == "<<" => {
            "YAML merge keys (`<<`) are not supported; write the keys out".to_owned()
        }
        Some(close) => format!("did you mean `{close}`?"),
        None if options.is_empty() => "remove it; `secretary schema` lists every key".to_owned(),
        None => format!(
            "use one of {}",
            options
                .iter()
                .map(|o| format!("`{}`", o.as_ref()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Replaces every `string "…"` in a message with `a string`.
pub(super) fn redact_quoted_strings(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find("string \"") {
        out.push_str(&rest[..start]);
        out.push_str("a string");
        let after = &rest[start + "string \"".len()..];
        match after.find('"') {
            Some(end) => rest = &after[end + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}
