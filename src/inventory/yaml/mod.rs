//! The only module that knows YAML.
//!
//! Every YAML text passes through [`admit`] before any parser sees it: the
//! one place for limits on a text as a whole (control characters, a byte
//! order mark). Every parser here then takes the one event stream of
//! [`events`], which replays aliases and holds the limits on nesting
//! ([`MAX_DEPTH`]) and on alias expansion ([`MAX_REPLAYED_FLOOR`],
//! [`MAX_REPLAY_FACTOR`]) before anything recurses.
//!
//! An inventory file is read in one pass by [`fast`]: the stream's events
//! (from yaml-rust2, or from [`lines`] for a file written one entry per
//! line) go to serde and to the position recorder ([`locate`]) at once.
//! Positions are kept so that problems found *after* deserialization (a
//! dangling reference, a bad date, a duplicate name) and findings can point
//! at a line too. What does not fit the model is reported from serde's
//! error data ([`error`]) at the node that failed; syntax errors are
//! yaml-rust2's, and a second document, an empty file or a repeated key is
//! found by the recorder on the same pass. serde_yaml reads no file: it
//! stays only as the reference the tests and the fuzz target compare with,
//! and as the writer of `init`'s YAML.
//!
//! Files whose shape secretary does not define (compose files) are read
//! from the same stream into a generic [`tree`] of positioned nodes.
//!
//! This module is a leaf: it knows YAML and [`InputError`]s, not inventories
//! or compose files. Swapping the YAML crate means rewriting this module
//! only: the rest of the crate sees [`parse`], [`Positions`], [`tree`] and
//! [`InputError`]s.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use yaml_rust2::ScanError;

use crate::diag::{Code, InputError};
use crate::source::Location;

mod error;
mod events;
mod fast;
mod lines;
mod locate;
pub mod tree;

pub use locate::Positions;
use locate::{Locator, Record};

/// How deep mappings and sequences may nest. Inventories nest six levels,
/// compose files about ten; deserializing and building a tree recurse once
/// per level, and a debug build overflows its stack near a thousand.
pub const MAX_DEPTH: usize = 64;
/// Events an alias may replay in any file, however small.
pub const MAX_REPLAYED_FLOOR: usize = 100_000;
/// Further events aliases may replay per event read from the text.
pub const MAX_REPLAY_FACTOR: usize = 10;

/// A path into a YAML document: mapping keys and sequence indices.
pub type YamlPath = [PathSeg];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}

impl From<&str> for PathSeg {
    fn from(key: &str) -> Self {
        PathSeg::Key(key.to_owned())
    }
}

impl From<&String> for PathSeg {
    fn from(key: &String) -> Self {
        PathSeg::Key(key.clone())
    }
}

impl From<usize> for PathSeg {
    fn from(index: usize) -> Self {
        PathSeg::Index(index)
    }
}

/// Builds a [`YamlPath`] from keys and indices: `ypath!["secrets", name, "owner"]`.
#[macro_export]
macro_rules! ypath {
    ($($seg:expr),* $(,)?) => {
        [$($crate::inventory::yaml::PathSeg::from($seg)),*]
    };
}

/// For the fuzz target: `None` where the line reader gives up on `text`,
/// otherwise whether it reads the events and positions yaml-rust2 reads.
#[doc(hidden)]
pub fn line_reader_agrees(text: &str) -> Option<Result<(), String>> {
    lines::agrees_with_yaml_rust2(text)
}

/// The door every YAML text passes through before it is parsed, and so
/// the place for limits on a text as a whole. A byte order mark at the
/// start is dropped (editors write one, and it is not part of the first
/// key); a control character anywhere is refused where it is, since no
/// YAML reader agrees on what it means and it is never wanted in these
/// files (a NUL byte from a bad copy, say).
fn admit<'t>(file: &Arc<str>, text: &'t str) -> Result<&'t str, Vec<InputError>> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(at) = first_control_character(body) {
        let character = body[at..].chars().next().unwrap_or_default();
        return Err(vec![InputError::new(
            Code::ControlCharacter,
            format!(
                "control character U+{:04X} in the text",
                u32::from(character)
            ),
        )
        .at(Location::from_offset(file, body, at))
        .help(
            "remove it: a YAML file holds printable text, tabs and line breaks only",
        )]);
    }
    Ok(body)
}

/// A problem the reader stepped over, and the line of the key holding the
/// node it is in: a check of that item would report there, about the
/// placeholder, not about the file.
#[derive(Debug)]
pub struct Stepped {
    pub error: InputError,
    pub holder_line: usize,
}

/// Parses one YAML file into `T`, returning the positions of its nodes and
/// the problems the reader stepped over. With any problem, `T` holds
/// placeholders where they were: it may be validated, so that one run
/// lists every independent problem, but never used.
pub fn parse<T: DeserializeOwned>(
    file: &Arc<str>,
    text: &Arc<str>,
) -> Result<(T, Positions, Vec<Stepped>), Vec<InputError>> {
    let body = admit(file, text)?;
    let text: Arc<str> = if body.len() == text.len() {
        Arc::clone(text)
    } else {
        Arc::from(body)
    };
    refuse_tab_indentation(file, &text)?;
    match fast::read::<T>(&text, || Locator::new(file, Record::Anchors)) {
        fast::Read::Done(value, locator, recovered) => {
            let positions = Positions::new(file, &text, locator);
            let problems = recovered
                .into_iter()
                .map(|(problem, at)| {
                    let (path, location) = positions.error_at(at);
                    let holder = positions.holder_line(at);
                    Stepped {
                        error: problem.into_input_error(&path, location),
                        holder_line: holder,
                    }
                })
                .collect();
            Ok((value, positions, problems))
        }
        fast::Read::Failed(problems, locator) => {
            let positions = Positions::new(file, &text, locator);
            Err(problems
                .into_iter()
                .map(|(problem, at)| {
                    let (path, location) = match at {
                        Some(at) => positions.error_at(at),
                        None => (String::new(), Location::file_start(file)),
                    };
                    problem.into_input_error(&path, location)
                })
                .collect())
        }
        fast::Read::Syntax(scan) => Err(vec![syntax_error(file, &text, &scan)]),
        fast::Read::Limit(limit, line, col) => Err(vec![limit.into_input_error(Location::new(
            file,
            line,
            col + 1,
        ))]),
        fast::Read::Malformed(locator) => Err(malformed(file, locator)),
        // Only the line reader gives up, and `read` then uses the parser.
        fast::Read::GaveUp => Err(vec![InputError::new(
            Code::YamlSyntax,
            "cannot parse YAML: the reader stopped early",
        )
        .at(Location::file_start(file))
        .help("report this file as a secretary bug")]),
    }
}

/// Refuses a tab in the indentation of a line, blank lines included.
///
/// YAML 1.2 takes a tab on a blank line, or after the indentation of a
/// block scalar, as white space, and yaml-rust2 follows it; libyaml (and
/// the readers built on it: PyYAML, Go's yaml, so docker compose) refuses
/// it. An inventory is read by those tools too, so secretary refuses what
/// they refuse rather than accept a file they cannot read.
fn refuse_tab_indentation(file: &Arc<str>, text: &str) -> Result<(), Vec<InputError>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let indentation = line.len() - line.trim_start_matches([' ', '\t']).len();
        if let Some(tab) = line[..indentation].find('\t') {
            return Err(vec![InputError::new(
                Code::YamlSyntax,
                "cannot parse YAML: a tab in the indentation of a line",
            )
            .at(Location::from_offset(file, text, offset + tab))
            .help(
                "YAML does not allow a tab here: indent and separate with spaces",
            )]);
        }
        offset += line.len();
    }
    Ok(())
}

/// The error for a text yaml-rust2 cannot parse.
fn syntax_error(file: &Arc<str>, text: &str, scan: &ScanError) -> InputError {
    let mark = scan.marker();
    let mut location = Location::new(file, mark.line(), mark.col() + 1);
    // An unterminated quote is found at the end of the file; the quote
    // that opened it is the place to fix.
    if scan.info().contains("quoted scalar") {
        if let Some(start) = Locator::everything(file, text).last_quote_start(text) {
            location = Location::from_offset(file, text, start);
        }
    }
    // A tab is reported where the scalar before it started; point at the tab.
    if scan.info().contains("found a tab") {
        if let Some(tab) = text.get(mark.index()..).and_then(|rest| rest.find('\t')) {
            location = Location::from_offset(file, text, mark.index() + tab);
        }
    }
    InputError::new(
        Code::YamlSyntax,
        format!("cannot parse YAML: {}", scan.info()),
    )
    .at(location)
    .help("fix the YAML syntax here; check indentation (spaces, not tabs) and quoting")
}

/// The errors for a text that parses but is not one document, or repeats
/// a key in a mapping.
fn malformed(file: &Arc<str>, mut locator: Locator) -> Vec<InputError> {
    if locator.documents.is_empty() {
        return vec![InputError::new(
            Code::EmptyFile,
            format!("inventory file `{file}` has no content"),
        )
        .at(Location::file_start(file))
        .help("add `version: 1` and at least one section, or remove the file")];
    }
    if let Some(&(line, col)) = locator.documents.get(1) {
        return vec![InputError::new(
            Code::MultipleDocuments,
            "an inventory file holds one YAML document, but a second one starts here",
        )
        .at(Location::new(file, line, col))
        .help("move the second document into a file of its own (a directory of inventory files is read as one inventory)")];
    }
    std::mem::take(&mut locator.duplicates)
}

/// The byte offset of the first character no YAML reader here takes: a C0
/// control other than tab, line feed and carriage return, DEL, a C1
/// control, a byte order mark after the start, or a noncharacter.
///
/// This runs over every byte of every file, so the ASCII part is checked in
/// chunks the compiler can vectorize, and characters are decoded only when
/// a chunk has one.
pub(super) fn first_control_character(text: &str) -> Option<usize> {
    let control = |b: u8| (b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r') || b == 0x7f;
    let ascii_clean = text
        .as_bytes()
        .chunks(64)
        .all(|chunk| !chunk.iter().fold(false, |bad, &b| bad | control(b)));
    if ascii_clean && text.is_ascii() {
        return None;
    }
    text.char_indices()
        .find(|&(_, c)| {
            (c.is_ascii() && control(c as u8))
                || matches!(
                    c,
                    '\u{80}'..='\u{9f}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                )
        })
        .map(|(at, _)| at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_key_and_value_positions() {
        let file: Arc<str> = "a.yaml".into();
        let text = "version: 1\nsecrets:\n  JWT:\n    owner: me\n    readers: [a, b]\n";
        let (_, pos, _): (serde_yaml::Value, _, _) = parse(&file, &Arc::from(text)).unwrap();
        assert_eq!(pos.key(&ypath!["secrets", "JWT"]).line, 3);
        assert_eq!(pos.key(&ypath!["secrets", "JWT"]).column, 3);
        assert_eq!(pos.value(&ypath!["secrets", "JWT", "owner"]).line, 4);
        assert_eq!(pos.value(&ypath!["secrets", "JWT", "owner"]).column, 12);
        assert_eq!(
            pos.value(&ypath!["secrets", "JWT", "readers", 1usize])
                .column,
            18
        );
        // Unknown paths fall back to the nearest known ancestor.
        assert_eq!(pos.key(&ypath!["secrets", "JWT", "nope"]).line, 3);
    }

    #[test]
    fn duplicate_keys_name_both_places() {
        let file: Arc<str> = "a.yaml".into();
        let text = "secrets:\n  A: 1\n  B: 2\n  A: 3\n";
        let errors = parse::<serde_yaml::Value>(&file, &Arc::from(text)).unwrap_err();
        assert_eq!(errors[0].code.as_str(), "duplicate-key");
        assert_eq!(errors[0].location.as_ref().unwrap().line, 4);
        assert_eq!(errors[0].related.as_ref().unwrap().0.line, 2);
    }

    #[test]
    fn type_errors_never_echo_string_values() {
        let file: Arc<str> = "a.yaml".into();
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            flag: bool,
        }
        let (_, _, errors) = parse::<T>(&file, &Arc::from("flag: \"CANARY-hunter2\"\n")).unwrap();
        let text = format!("{errors:?}");
        assert!(!text.contains("CANARY"), "{text}");
        assert_eq!(errors[0].error.code.as_str(), "wrong-type");
    }
}
