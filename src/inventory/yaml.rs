//! The only module that knows YAML.
//!
//! Two parsers look at each file, for two different jobs:
//! - `serde_yaml` turns the text into the typed [`super::raw`] model and
//!   reports type errors, unknown keys and syntax errors with a position;
//! - `yaml-rust2`'s event parser records where every key and value starts, so
//!   that problems found *after* deserialization (a dangling reference, a bad
//!   date, a duplicate name) and findings can point at a line too. serde_yaml
//!   keeps no positions for values that deserialize successfully.
//!
//! Swapping the YAML crate means rewriting this file only: the rest of the
//! crate sees [`parse`], [`Positions`] and [`InputError`]s.

use std::collections::HashMap;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::diag::{did_you_mean, InputError};
use crate::source::Location;

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

/// Where each key and value of one file starts.
#[derive(Debug, Default)]
pub struct Positions {
    file: Arc<str>,
    keys: HashMap<Vec<PathSeg>, (usize, usize)>,
    values: HashMap<Vec<PathSeg>, (usize, usize)>,
}

impl Positions {
    /// The position of the key that ends `path`, or of the nearest ancestor
    /// that has one, so a location is always available.
    pub fn key(&self, path: &YamlPath) -> Location {
        self.lookup(&self.keys, path)
    }

    /// The position of the value at `path` (falls back like [`Self::key`]).
    pub fn value(&self, path: &YamlPath) -> Location {
        match self.values.get(path) {
            Some(&(line, col)) => Location::new(&self.file, line, col),
            None => self.key(path),
        }
    }

    fn lookup(&self, map: &HashMap<Vec<PathSeg>, (usize, usize)>, path: &YamlPath) -> Location {
        for len in (0..=path.len()).rev() {
            let prefix = &path[..len];
            if let Some(&(line, col)) = map.get(prefix).or_else(|| self.values.get(prefix)) {
                return Location::new(&self.file, line, col);
            }
        }
        Location::file_start(&self.file)
    }
}

/// Parses one YAML file into `T`, returning the positions of its nodes.
pub fn parse<T: DeserializeOwned>(
    file: &Arc<str>,
    text: &str,
) -> Result<(T, Positions), Vec<InputError>> {
    // Locate first. yaml-rust2 reports syntax errors where they are (serde_yaml
    // may instead stumble on a type error the broken syntax caused), counts
    // documents, and finds duplicate keys with both places.
    let mut locator = Locator::new(file);
    let mut parser = Parser::new_from_str(text);
    if let Err(scan) = parser.load(&mut locator, true) {
        let mark = scan.marker();
        let mut location = Location::new(file, mark.line(), mark.col() + 1);
        // An unterminated quote is found at the end of the file; the quote
        // that opened it is the place to fix.
        if scan.info().contains("quoted scalar") {
            if let Some(start) = locator.last_quote_start(text) {
                location = Location::from_offset(file, text, start);
            }
        }
        // A tab is reported where the scalar before it started; point at the tab.
        if scan.info().contains("found a tab") {
            if let Some(tab) = text.get(mark.index()..).and_then(|rest| rest.find('\t')) {
                location = Location::from_offset(file, text, mark.index() + tab);
            }
        }
        return Err(vec![InputError::new(
            "yaml-syntax",
            format!("cannot parse YAML: {}", scan.info()),
        )
        .at(location)
        .help(
            "fix the YAML syntax here; check indentation (spaces, not tabs) and quoting",
        )]);
    }
    if locator.documents.is_empty() {
        return Err(vec![InputError::new(
            "empty-file",
            format!("inventory file `{file}` has no content"),
        )
        .at(Location::file_start(file))
        .help("add `version: 1` and at least one section, or remove the file")]);
    }
    if let Some(&(line, col)) = locator.documents.get(1) {
        return Err(vec![InputError::new(
            "multiple-documents",
            "an inventory file holds one YAML document, but a second one starts here",
        )
        .at(Location::new(file, line, col))
        .help("move the second document into a file of its own (a directory of inventory files is read as one inventory)")]);
    }
    if !locator.duplicates.is_empty() {
        return Err(std::mem::take(&mut locator.duplicates));
    }
    match serde_yaml::from_str::<T>(text) {
        Ok(value) => Ok((value, locator.positions)),
        Err(error) => Err(vec![from_serde_error(file, &error)]),
    }
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
    let message = redact_quoted_strings(&message);
    let (path, detail) = match message.split_once(": ") {
        Some((path, detail)) if !path.contains(' ') => (Some(path.to_owned()), detail.to_owned()),
        _ => (None, message.clone()),
    };
    let in_path = path
        .as_deref()
        .map(|p| format!(" in `{p}`"))
        .unwrap_or_default();

    for (prefix, code, what) in [
        ("unknown field `", "unknown-field", "key"),
        ("unknown variant `", "unknown-value", "value"),
    ] {
        let Some(rest) = detail.strip_prefix(prefix) else {
            continue;
        };
        let (given, expected) = rest.split_once('`').unwrap_or((rest, ""));
        // serde lists the accepted names: "expected one of `a`, `b`".
        let options: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let hint = match did_you_mean(given, options.iter().copied()) {
            _ if given == "<<" => {
                "YAML merge keys (`<<`) are not supported; write the keys out".to_owned()
            }
            Some(close) => format!("did you mean `{close}`?"),
            None if options.is_empty() => {
                "remove it; `secretary schema` lists every key".to_owned()
            }
            None => format!(
                "use one of {}",
                options
                    .iter()
                    .map(|o| format!("`{o}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        return InputError::new(code, format!("unknown {what} `{given}`{in_path}"))
            .at(location)
            .help(hint);
    }
    if let Some(field) = detail
        .strip_prefix("missing field `")
        .and_then(|r| r.split_once('`'))
        .map(|(f, _)| f)
    {
        return InputError::new("missing-field", format!("missing key `{field}`{in_path}"))
            .at(location)
            .help(format!(
                "add `{field}:` here; `secretary schema` lists every key"
            ));
    }
    if detail.starts_with("invalid type") || detail.starts_with("invalid value") {
        return InputError::new("wrong-type", format!("{detail}{in_path}"))
            .at(location)
            .help("see `secretary schema` for the expected type of this key");
    }
    if detail.contains("duplicate") {
        return InputError::new("duplicate-key", format!("{detail}{in_path}"))
            .at(location)
            .help("each key may appear once per mapping; remove or rename one");
    }
    InputError::new("yaml-syntax", format!("cannot parse YAML: {message}"))
        .at(location)
        .help("fix the YAML syntax at this position; check indentation and quoting")
}

fn redact_quoted_strings(message: &str) -> String {
    // serde describes unexpected strings as: string "value"
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

enum Frame {
    Mapping {
        current_key: Option<PathSeg>,
        seen: HashMap<String, (usize, usize)>,
    },
    Sequence {
        index: usize,
    },
}

/// Records positions from yaml-rust2's event stream.
struct Locator {
    file: Arc<str>,
    stack: Vec<Frame>,
    positions: Positions,
    duplicates: Vec<InputError>,
    /// Where each document's root node starts.
    documents: Vec<(usize, usize)>,
    awaiting_root: bool,
    document_start: (usize, usize),
}

impl Locator {
    fn new(file: &Arc<str>) -> Self {
        Self {
            file: Arc::clone(file),
            stack: Vec::new(),
            positions: Positions {
                file: Arc::clone(file),
                ..Positions::default()
            },
            duplicates: Vec::new(),
            documents: Vec::new(),
            awaiting_root: false,
            document_start: (1, 1),
        }
    }

    /// The byte offset of the last quote that opens a scalar after the last
    /// complete node, for an unterminated-quote error.
    fn last_quote_start(&self, text: &str) -> Option<usize> {
        let (line, _) = self
            .positions
            .values
            .values()
            .chain(self.positions.keys.values())
            .max()?;
        let from: usize = text
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum();
        text[from..].find(['"', '\'']).map(|i| from + i)
    }

    fn path(&self) -> Vec<PathSeg> {
        let mut path = Vec::with_capacity(self.stack.len());
        for frame in &self.stack {
            match frame {
                Frame::Mapping {
                    current_key: Some(key),
                    ..
                } => path.push(key.clone()),
                Frame::Mapping {
                    current_key: None, ..
                } => {}
                Frame::Sequence { index } => path.push(PathSeg::Index(*index)),
            }
        }
        path
    }

    /// Whether the next node is a mapping key.
    fn expecting_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame::Mapping {
                current_key: None,
                ..
            })
        )
    }

    /// Called after a complete value: the parent moves to its next entry.
    fn value_done(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Mapping { current_key, .. }) => *current_key = None,
            Some(Frame::Sequence { index }) => *index += 1,
            None => {}
        }
    }

    fn start_value(&mut self, mark: Marker) {
        let path = self.path();
        self.positions
            .values
            .insert(path, (mark.line(), mark.col() + 1));
    }
}

impl MarkedEventReceiver for Locator {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let pos = (mark.line(), mark.col() + 1);
        match &event {
            Event::DocumentStart => {
                self.awaiting_root = true;
                self.document_start = pos;
            }
            Event::Scalar(..)
            | Event::MappingStart(..)
            | Event::SequenceStart(..)
            | Event::Alias(..)
                if self.awaiting_root =>
            {
                self.awaiting_root = false;
                // A document of comments only is one null scalar.
                let empty =
                    matches!(&event, Event::Scalar(text, ..) if text == "~" || text.is_empty());
                if !empty || self.documents.len() == 1 {
                    // An explicit `---` is the clearer place to point at.
                    self.documents.push(self.document_start.min(pos));
                }
            }
            _ => {}
        }
        match event {
            Event::Scalar(text, ..) if self.expecting_key() => {
                let mut path = self.path();
                path.push(PathSeg::Key(text.clone()));
                let file = Arc::clone(&self.file);
                if let Some(Frame::Mapping { current_key, seen }) = self.stack.last_mut() {
                    if let Some(&(line, col)) = seen.get(&text) {
                        self.duplicates.push(
                            InputError::new(
                                "duplicate-key",
                                format!("key `{text}` appears twice in the same mapping"),
                            )
                            .at(Location::new(&file, pos.0, pos.1))
                            .related(Location::new(&file, line, col), "first written")
                            .help("each name may be defined once; remove or rename one of them"),
                        );
                    } else {
                        seen.insert(text.clone(), pos);
                    }
                    *current_key = Some(PathSeg::Key(text));
                }
                self.positions.keys.insert(path, pos);
            }
            Event::Scalar(..) | Event::Alias(..) => {
                if self.expecting_key() {
                    // An alias used as a key: give it a placeholder name.
                    if let Some(Frame::Mapping { current_key, .. }) = self.stack.last_mut() {
                        *current_key = Some(PathSeg::Key("<alias>".into()));
                    }
                    return;
                }
                self.start_value(mark);
                self.value_done();
            }
            Event::MappingStart(..) => {
                if self.expecting_key() {
                    // A complex key; positions under it are not needed.
                    if let Some(Frame::Mapping { current_key, .. }) = self.stack.last_mut() {
                        *current_key = Some(PathSeg::Key("<complex key>".into()));
                    }
                } else {
                    self.start_value(mark);
                }
                self.stack.push(Frame::Mapping {
                    current_key: None,
                    seen: HashMap::new(),
                });
            }
            Event::SequenceStart(..) => {
                if !self.expecting_key() {
                    self.start_value(mark);
                }
                self.stack.push(Frame::Sequence { index: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.value_done();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_key_and_value_positions() {
        let file: Arc<str> = "a.yaml".into();
        let text = "version: 1\nsecrets:\n  JWT:\n    owner: me\n    readers: [a, b]\n";
        let (_, pos): (serde_yaml::Value, _) = parse(&file, text).unwrap();
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
        let errors = parse::<serde_yaml::Value>(&file, text).unwrap_err();
        assert_eq!(errors[0].code, "duplicate-key");
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
        let errors = parse::<T>(&file, "flag: \"CANARY-hunter2\"\n").unwrap_err();
        let text = format!("{errors:?}");
        assert!(!text.contains("CANARY"), "{text}");
        assert_eq!(errors[0].code, "wrong-type");
    }
}
