//! The only module that knows YAML.
//!
//! Every YAML text passes through [`admit`] before any parser sees it: the
//! one place for limits on a text (its size, how deep it nests).
//!
//! An inventory file is read in one pass by [`fast`]: yaml-rust2's events
//! (or [`lines`]'s, for a file written one entry per line) go to serde and
//! to the position recorder ([`locate`]) at once. Positions are kept so that
//! problems found *after* deserialization (a dangling reference, a bad date,
//! a duplicate name) and findings can point at a line too. What does not fit
//! the model is reported from serde's error data ([`error`]) at the node
//! that failed; syntax errors are yaml-rust2's, and a second document, an
//! empty file or a repeated key is found by the recorder on the same pass.
//!
//! Constructs the reader does not read as serde_yaml does (anchors and
//! aliases, tags, numbers other than unsigned decimals, tabs and control
//! characters) still go to serde_yaml, whose error messages
//! [`from_serde_error`] turns into [`InputError`]s.
//!
//! Files whose shape secretary does not define (compose files) are read by
//! the same parser into a generic [`tree`] of positioned nodes.
//!
//! This module is a leaf: it knows YAML and [`InputError`]s, not inventories
//! or compose files. Swapping the YAML crate means rewriting this module
//! only: the rest of the crate sees [`parse`], [`Positions`], [`tree`] and
//! [`InputError`]s.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use yaml_rust2::parser::Parser;
use yaml_rust2::ScanError;

use crate::diag::{Code, InputError};
use crate::source::Location;

mod error;
mod fast;
mod lines;
mod locate;
pub mod tree;

pub use locate::Positions;
use locate::{Locator, Record};

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
/// the place for limits on a text as a whole.
fn admit<'t>(_file: &Arc<str>, text: &'t str) -> Result<&'t str, Vec<InputError>> {
    Ok(text)
}

/// Parses one YAML file into `T`, returning the positions of its nodes.
pub fn parse<T: DeserializeOwned>(
    file: &Arc<str>,
    text: &Arc<str>,
) -> Result<(T, Positions), Vec<InputError>> {
    admit(file, text)?;
    // Nearly every file is well formed: read it in one pass.
    match fast::read::<T>(text, || Locator::new(file, Record::Anchors)) {
        fast::Read::Done(value, locator) => {
            return Ok((value, Positions::new(file, text, locator)))
        }
        fast::Read::Failed(problem, at, locator) => {
            let positions = Positions::new(file, text, locator);
            let (path, location) = match at {
                Some(at) => positions.error_at(at),
                None => (String::new(), Location::file_start(file)),
            };
            return Err(vec![problem.into_input_error(&path, location)]);
        }
        fast::Read::Syntax(scan) => return Err(vec![syntax_error(file, text, &scan)]),
        fast::Read::Malformed(locator) => return Err(malformed(file, locator)),
        fast::Read::GiveUp => {}
    }
    // Locate first. yaml-rust2 reports syntax errors where they are (serde_yaml
    // may instead stumble on a type error the broken syntax caused), counts
    // documents, and finds duplicate keys with both places.
    let mut locator = Locator::new(file, Record::Anchors);
    let mut parser = Parser::new_from_str(text);
    if let Err(scan) = parser.load(&mut locator, true) {
        return Err(vec![syntax_error(file, text, &scan)]);
    }
    if locator.documents.len() != 1 || !locator.duplicates.is_empty() {
        return Err(malformed(file, locator));
    }
    let positions = Positions::new(file, text, locator);
    match serde_yaml::from_str::<T>(text) {
        Ok(value) => Ok((value, positions)),
        Err(error) => {
            let mut input_error = from_serde_error(file, &error);
            // libyaml refuses tabs in many places (a blank line of spaces and
            // a tab, after a value) and says only that a character cannot
            // start a token: name the character.
            let at_tab = error.location().is_some_and(|l| {
                text.lines()
                    .nth(l.line().saturating_sub(1))
                    .and_then(|line| line.chars().nth(l.column().saturating_sub(1)))
                    == Some('\t')
            });
            if at_tab {
                input_error = input_error
                    .help("YAML does not allow a tab here: indent and separate with spaces");
            }
            Err(vec![input_error])
        }
    }
}

/// The error for a text yaml-rust2 cannot parse.
fn syntax_error(file: &Arc<str>, text: &str, scan: &ScanError) -> InputError {
    let mark = scan.marker();
    let mut location = Location::new(file, mark.line(), mark.col() + 1);
    // An unterminated quote is found at the end of the file; the quote
    // that opened it is the place to fix.
    if scan.info().contains("quoted scalar") {
        let mut everything = Locator::new(file, Record::Everything);
        let _ = Parser::new_from_str(text).load(&mut everything, true);
        if let Some(start) = everything.last_quote_start(text) {
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

/// Turns a serde_yaml error into an [`InputError`] with a position, a stable
/// code and a hint. Quoted string values are redacted from the message: a
/// type error on a field could otherwise echo a secret someone pasted there.
fn from_serde_error(file: &Arc<str>, error: &serde_yaml::Error) -> InputError {
    let location = error
        .location()
        .map(|l| Location::new(file, l.line(), l.column()))
        .unwrap_or_else(|| Location::file_start(file));
    let full = error.to_string();
    // serde_yaml appends " at line L column C"; the location says it already.
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_owned(),
        None => full.clone(),
    };
    let message = error::redact_quoted_strings(&message);
    let (path, detail) = match message.split_once(": ") {
        Some((path, detail)) if !path.contains(' ') => (Some(path.to_owned()), detail.to_owned()),
        _ => (None, message.clone()),
    };
    let in_path = path
        .as_deref()
        .map(|p| format!(" in `{p}`"))
        .unwrap_or_default();

    for (prefix, code, what) in [
        ("unknown field `", Code::UnknownField, "key"),
        ("unknown variant `", Code::UnknownValue, "value"),
    ] {
        let Some(rest) = detail.strip_prefix(prefix) else {
            continue;
        };
        let (given, expected) = rest.split_once('`').unwrap_or((rest, ""));
        // serde lists the accepted names: "expected one of `a`, `b`".
        let options: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let hint = error::unknown_hint(given, &options);
        return InputError::new(code, format!("unknown {what} `{given}`{in_path}"))
            .at(location)
            .help(hint);
    }
    if let Some(field) = detail
        .strip_prefix("missing field `")
        .and_then(|r| r.split_once('`'))
        .map(|(f, _)| f)
    {
        return InputError::new(
            Code::MissingField,
            format!("missing key `{field}`{in_path}"),
        )
        .at(location)
        .help(format!(
            "add `{field}:` here; `secretary schema` lists every key"
        ));
    }
    if detail.starts_with("invalid type") || detail.starts_with("invalid value") {
        return InputError::new(Code::WrongType, format!("{detail}{in_path}"))
            .at(location)
            .help("see `secretary schema` for the expected type of this key");
    }
    if detail.contains("duplicate") {
        return InputError::new(Code::DuplicateKey, format!("{detail}{in_path}"))
            .at(location)
            .help("each key may appear once per mapping; remove or rename one");
    }
    InputError::new(Code::YamlSyntax, format!("cannot parse YAML: {message}"))
        .at(location)
        .help("fix the YAML syntax at this position; check indentation and quoting")
}

/// Whether libyaml, under serde_yaml, reads the characters of `text` as
/// yaml-rust2 does. libyaml refuses control characters anywhere (a vertical
/// tab in a comment, say) and takes NEL, LS and PS for line breaks, as YAML
/// 1.1 did; yaml-rust2 reads all of these as ordinary characters. libyaml
/// also refuses a tab in many places yaml-rust2 takes it as white space (a
/// blank line of spaces and a tab, found by the fuzz target; after a value;
/// after a comma in a flow collection). A text with any of them, with a tab
/// anywhere, or with a byte order mark or noncharacter, takes the slow path.
///
/// This runs over every byte of every file, so the ASCII part is checked in
/// chunks the compiler can vectorize, and characters are decoded only when
/// the text is not all ASCII.
pub(super) fn same_characters(text: &str) -> bool {
    let bytes = text.as_bytes();
    let control =
        |bad: bool, &b: &u8| bad | ((b < 0x20) & (b != b'\n') & (b != b'\r')) | (b == 0x7f);
    if bytes
        .chunks(64)
        .any(|chunk| chunk.iter().fold(false, control))
    {
        return false;
    }
    text.is_ascii()
        || !text.chars().any(|c| {
            matches!(
                c,
                '\u{80}'
                    ..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_key_and_value_positions() {
        let file: Arc<str> = "a.yaml".into();
        let text = "version: 1\nsecrets:\n  JWT:\n    owner: me\n    readers: [a, b]\n";
        let (_, pos): (serde_yaml::Value, _) = parse(&file, &Arc::from(text)).unwrap();
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
        let errors = parse::<T>(&file, &Arc::from("flag: \"CANARY-hunter2\"\n")).unwrap_err();
        let text = format!("{errors:?}");
        assert!(!text.contains("CANARY"), "{text}");
        assert_eq!(errors[0].code.as_str(), "wrong-type");
    }
}
