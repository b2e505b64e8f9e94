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
//! line) go to serde and to the duplicate-key finder ([`locate`]) at once.
//! Positions travel with the values, in [`Spanned`] fields, so that
//! problems found *after* deserialization (a dangling reference, a bad
//! date, a duplicate name) and findings can point at a line too. What does
//! not fit the model is reported from serde's error data ([`error`]) at the
//! node that failed, with the path the reader was at; syntax errors are
//! yaml-rust2's, and a second document, an empty file or a repeated key is
//! found on the same pass. serde_yaml reads no file: it
//! stays only as the reference the tests and the fuzz target compare with,
//! and as the writer of `init`'s YAML.
//!
//! Files whose shape secretary does not define (compose files) are read
//! from the same stream into a generic [`tree`] of positioned nodes.
//!
//! This module is a leaf: it knows YAML and [`InputError`]s, not inventories
//! or compose files. Swapping the YAML crate means rewriting this module
//! only: the rest of the crate sees [`parse`], [`Spanned`], [`tree`] and
//! [`InputError`]s.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use yaml_rust2::ScanError;

use crate::diag::{Code, InputError};
use crate::source::Location;
#[cfg(doc)]
use crate::source::Spanned;

mod error;
mod events;
mod fast;
mod lines;
mod locate;
pub mod tree;

use locate::Locator;

/// How deep mappings and sequences may nest. Inventories nest six levels,
/// compose files about ten; deserializing and building a tree recurse once
/// per level, and a debug build overflows its stack near a thousand.
pub const MAX_DEPTH: usize = 64;
/// Events an alias may replay in any file, however small.
pub const MAX_REPLAYED_FLOOR: usize = 100_000;
/// Further events aliases may replay per event read from the text.
pub const MAX_REPLAY_FACTOR: usize = 10;

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
#[derive(Debug, Clone)]
pub struct Stepped {
    pub error: InputError,
    pub holder_line: usize,
}

/// Parses one YAML file into `T`, returning the problems the reader
/// stepped over. With any problem, `T` holds placeholders where they were:
/// it may be validated, so that one run lists every independent problem,
/// but never used.
pub fn parse<T: DeserializeOwned>(
    file: &Arc<str>,
    text: &str,
) -> Result<(T, Vec<Stepped>), Vec<InputError>> {
    let body = admit(file, text)?;
    refuse_tab_indentation(file, body)?;
    match fast::read::<T>(body, || Locator::new(file)) {
        fast::Read::Done(value, recovered) => {
            let problems = recovered
                .into_iter()
                .map(|(problem, at)| Stepped {
                    error: problem.into_input_error(file, Some(&at)),
                    holder_line: at.holder_line,
                })
                .collect();
            Ok((value, problems))
        }
        fast::Read::Failed(problems) => Err(problems
            .into_iter()
            .map(|(problem, at)| problem.into_input_error(file, at.as_ref()))
            .collect()),
        fast::Read::Syntax(scan, last_line) => {
            Err(vec![syntax_error(file, body, &scan, last_line)])
        }
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
    // Nearly every file has no tab at all: one vectorized search settles it.
    if !text.as_bytes().contains(&b'\t') {
        return Ok(());
    }
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

/// The error for a text yaml-rust2 cannot parse, after a node that
/// started on `last_line`.
fn syntax_error(
    file: &Arc<str>,
    text: &str,
    scan: &ScanError,
    last_line: Option<usize>,
) -> InputError {
    let mark = scan.marker();
    let mut location = Location::new(file, mark.line(), mark.col() + 1);
    // An unterminated quote is found at the end of the file; the quote
    // that opened it, the first from the line of the last node read, is
    // the place to fix.
    if let (true, Some(line)) = (scan.info().contains("quoted scalar"), last_line) {
        let from: usize = text
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum();
        if let Some(quote) = text[from..].find(['"', '\'']) {
            location = Location::from_offset(file, text, from + quote);
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
    fn spanned_values_carry_where_they_and_their_keys_start() {
        use crate::source::Spanned;
        use std::collections::BTreeMap;
        #[derive(serde::Deserialize)]
        struct Doc {
            secrets: BTreeMap<Spanned<String>, Secret>,
        }
        #[derive(serde::Deserialize)]
        struct Secret {
            owner: Spanned<String>,
            readers: Vec<Spanned<String>>,
            instances: Spanned<BTreeMap<String, u32>>,
        }
        let file: Arc<str> = "a.yaml".into();
        let text =
            "secrets:\n  JWT:\n    owner: me\n    readers: [a, b]\n    instances:\n      x: 1\n";
        let (doc, _): (Doc, _) = parse(&file, &Arc::from(text)).unwrap();
        let (id, secret) = doc.secrets.iter().next().unwrap();
        let place = |l: Location| (l.line, l.column);
        assert_eq!(place(id.at(&file)), (2, 3));
        assert_eq!(place(id.key_at(&file)), (2, 3));
        assert_eq!(place(secret.owner.at(&file)), (3, 12));
        assert_eq!(place(secret.owner.key_at(&file)), (3, 5));
        assert_eq!(place(secret.readers[1].at(&file)), (4, 18));
        assert_eq!(place(secret.readers[1].key_at(&file)), (4, 18));
        assert_eq!(place(secret.instances.key_at(&file)), (5, 5));
        assert_eq!((id.as_str(), secret.owner.as_str()), ("JWT", "me"));
    }

    #[test]
    fn problems_carry_the_path_the_reader_was_at() {
        let file: Arc<str> = "a.yaml".into();
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            a: std::collections::BTreeMap<String, Vec<bool>>,
        }
        let text = "a:\n  x: [true]\n  y: [true, 5]\n";
        let (_, problems) = parse::<T>(&file, &Arc::from(text)).unwrap();
        let error = &problems[0].error;
        assert!(error.message.ends_with("in `a.y[1]`"), "{}", error.message);
        assert_eq!(error.location.as_ref().unwrap().line, 3);
        assert_eq!(problems[0].holder_line, 3);
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
        let (_, errors) = parse::<T>(&file, &Arc::from("flag: \"CANARY-hunter2\"\n")).unwrap();
        let text = format!("{errors:?}");
        assert!(!text.contains("CANARY"), "{text}");
        assert_eq!(errors[0].error.code.as_str(), "wrong-type");
    }
}
