//! The only module that knows YAML.
//!
//! Two parsers look at each file, for two different jobs:
//! - `yaml-rust2`'s event parser records where every key and value starts, so
//!   that problems found *after* deserialization (a dangling reference, a bad
//!   date, a duplicate name) and findings can point at a line too. serde_yaml
//!   keeps no positions for values that deserialize successfully.
//! - `serde_yaml` turns the text into the typed [`super::raw`] model and
//!   reports type errors, unknown keys and syntax errors with a position.
//!
//! A well-formed file of plain mappings, lists and scalars (nearly every
//! inventory) is read in one pass instead: [`fast`] feeds yaml-rust2's events
//! to serde and to the position recorder at once, and hands anything unusual
//! or wrong back to the two-parser path, so that serde_yaml still decides
//! every error message and every construct the fast reader does not know.
//!
//! Swapping the YAML crate means rewriting this file only: the rest of the
//! crate sees [`parse`], [`Positions`] and [`InputError`]s.

use crate::diag::Code;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde::de::DeserializeOwned;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::diag::{did_you_mean, InputError};

mod fast;
mod lines;
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

type Table = foldhash::HashMap<Vec<PathSeg>, (usize, usize)>;

/// Where the keys and values of one file start.
///
/// Recording every node of a large inventory costs more than parsing it, and
/// only a few positions are needed when nothing is wrong: where each item
/// (environment, service, secret, instance, read, env var) is defined, for
/// findings. Those "anchors" are recorded while parsing. Any other position
/// (for an error) comes from a second, complete pass over the text, made the
/// first time one is asked for.
#[derive(Debug)]
pub struct Positions {
    file: Arc<str>,
    text: Arc<str>,
    anchor_keys: Table,
    anchor_values: Table,
    full: OnceLock<(Table, Table)>,
}

impl Positions {
    /// The position of the key that ends `path`, or of the nearest ancestor
    /// that has one, so a location is always available.
    pub fn key(&self, path: &YamlPath) -> Location {
        if let Some(&(line, col)) = self.anchor_keys.get(path) {
            return Location::new(&self.file, line, col);
        }
        let (keys, values) = self.full();
        for len in (0..=path.len()).rev() {
            let prefix = &path[..len];
            if let Some(&(line, col)) = keys.get(prefix).or_else(|| values.get(prefix)) {
                return Location::new(&self.file, line, col);
            }
        }
        Location::file_start(&self.file)
    }

    /// The position of the value at `path` (falls back like [`Self::key`]).
    pub fn value(&self, path: &YamlPath) -> Location {
        if let Some(&(line, col)) = self.anchor_values.get(path) {
            return Location::new(&self.file, line, col);
        }
        match self.full().1.get(path) {
            Some(&(line, col)) => Location::new(&self.file, line, col),
            None => self.key(path),
        }
    }

    fn new(file: &Arc<str>, text: &Arc<str>, locator: Locator) -> Self {
        Positions {
            file: Arc::clone(file),
            text: Arc::clone(text),
            anchor_keys: locator.keys,
            anchor_values: locator.values,
            full: OnceLock::new(),
        }
    }

    fn full(&self) -> &(Table, Table) {
        self.full.get_or_init(|| {
            let mut locator = Locator::new(&self.file, Record::Everything);
            // The text parsed once already; a failure here cannot happen, and
            // would only leave positions at their fallbacks.
            let _ = Parser::new_from_str(&self.text).load(&mut locator, true);
            (locator.keys, locator.values)
        })
    }
}

/// For the fuzz target: `None` where the line reader gives up on `text`,
/// otherwise whether it reads the events and positions yaml-rust2 reads.
#[doc(hidden)]
pub fn line_reader_agrees(text: &str) -> Option<Result<(), String>> {
    lines::agrees_with_yaml_rust2(text)
}

/// Parses one YAML file into `T`, returning the positions of its nodes.
pub fn parse<T: DeserializeOwned>(
    file: &Arc<str>,
    text: &Arc<str>,
) -> Result<(T, Positions), Vec<InputError>> {
    // Nearly every file is well formed: read it in one pass.
    if let Some((value, locator)) = fast::read::<T>(text, || Locator::new(file, Record::Anchors)) {
        return Ok((value, Positions::new(file, text, locator)));
    }
    // Locate first. yaml-rust2 reports syntax errors where they are (serde_yaml
    // may instead stumble on a type error the broken syntax caused), counts
    // documents, and finds duplicate keys with both places.
    let mut locator = Locator::new(file, Record::Anchors);
    let mut parser = Parser::new_from_str(text);
    if let Err(scan) = parser.load(&mut locator, true) {
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
        return Err(vec![InputError::new(
            Code::YamlSyntax,
            format!("cannot parse YAML: {}", scan.info()),
        )
        .at(location)
        .help(
            "fix the YAML syntax here; check indentation (spaces, not tabs) and quoting",
        )]);
    }
    if locator.documents.is_empty() {
        return Err(vec![InputError::new(
            Code::EmptyFile,
            format!("inventory file `{file}` has no content"),
        )
        .at(Location::file_start(file))
        .help("add `version: 1` and at least one section, or remove the file")]);
    }
    if let Some(&(line, col)) = locator.documents.get(1) {
        return Err(vec![InputError::new(
            Code::MultipleDocuments,
            "an inventory file holds one YAML document, but a second one starts here",
        )
        .at(Location::new(file, line, col))
        .help("move the second document into a file of its own (a directory of inventory files is read as one inventory)")]);
    }
    if !locator.duplicates.is_empty() {
        return Err(std::mem::take(&mut locator.duplicates));
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
        ("unknown field `", Code::UnknownField, "key"),
        ("unknown variant `", Code::UnknownValue, "value"),
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

/// Which positions a pass records.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Record {
    Anchors,
    Everything,
}

/// A path pattern; `None` matches any segment.
type Pattern = &'static [Option<&'static str>];

/// Keys recorded in the fast pass: every item of a section, instances, and
/// each waiver's `rule` (findings about a waiver point at it).
const ANCHOR_KEYS: [Pattern; 3] = [
    &[None, None],
    &[Some("secrets"), None, Some("instances"), None],
    &[Some("waivers"), None, Some("rule")],
];
/// Values recorded in the fast pass: the version, and each secret of a read.
const ANCHOR_VALUES: [Pattern; 2] = [
    &[Some("version")],
    &[Some("reads"), None, Some("secrets"), None],
];

/// Mappings up to this size find duplicate keys by scanning; larger ones
/// (a section of thousands of secrets) keep an index.
const SCAN_LIMIT: usize = 16;

/// A key as the locator keeps it. Nearly every key is a short field name,
/// which a `SmolStr` holds without allocating; hundreds of thousands of
/// keys are read in a large inventory.
type Key = smol_str::SmolStr;

enum Frame {
    Mapping {
        /// The key whose value is being read, if any.
        current: Option<(Key, (usize, usize))>,
        /// Keys already read, with their positions.
        seen: Vec<(Key, (usize, usize))>,
        index: Option<foldhash::HashMap<Key, usize>>,
    },
    Sequence {
        index: usize,
    },
}

/// Records positions from yaml-rust2's event stream, and finds duplicate keys.
struct Locator {
    file: Arc<str>,
    record: Record,
    stack: Vec<Frame>,
    keys: Table,
    values: Table,
    duplicates: Vec<InputError>,
    /// Where each document's root node starts.
    documents: Vec<(usize, usize)>,
    awaiting_root: bool,
    document_start: (usize, usize),
}

impl Locator {
    fn new(file: &Arc<str>, record: Record) -> Self {
        Self {
            file: Arc::clone(file),
            record,
            stack: Vec::new(),
            keys: Table::default(),
            values: Table::default(),
            duplicates: Vec::new(),
            documents: Vec::new(),
            awaiting_root: false,
            document_start: (1, 1),
        }
    }

    /// The path of the node being read, plus `last` if given.
    fn path(&self, last: Option<&str>) -> Vec<PathSeg> {
        let mut path = Vec::with_capacity(self.stack.len() + 1);
        for frame in &self.stack {
            match frame {
                Frame::Mapping {
                    current: Some((key, _)),
                    ..
                } => path.push(PathSeg::Key(key.as_str().to_owned())),
                Frame::Mapping { current: None, .. } => {}
                Frame::Sequence { index } => path.push(PathSeg::Index(*index)),
            }
        }
        if let Some(last) = last {
            path.push(PathSeg::Key(last.to_owned()));
        }
        path
    }

    /// Whether the current path (plus `last`) matches one of `patterns`,
    /// without building it.
    fn matches(&self, patterns: &[Pattern], last: Option<&str>) -> bool {
        if self.record == Record::Everything {
            return true;
        }
        // Called for every node: walk the stack instead of collecting it.
        let segments = || {
            self.stack
                .iter()
                .filter_map(|frame| match frame {
                    Frame::Mapping {
                        current: Some((key, _)),
                        ..
                    } => Some(Some(key.as_str())),
                    Frame::Mapping { current: None, .. } => None,
                    Frame::Sequence { .. } => Some(None),
                })
                .chain(last.map(Some))
        };
        // Only the innermost mapping can be without a current key (it is
        // the one whose key is being read), so the depth is known without
        // a walk, and most nodes are deeper than any pattern.
        let open = matches!(
            self.stack.last(),
            Some(Frame::Mapping { current: None, .. })
        );
        let depth = self.stack.len() + usize::from(last.is_some()) - usize::from(open);
        debug_assert_eq!(depth, segments().count());
        patterns.iter().any(|pattern| {
            pattern.len() == depth
                && pattern
                    .iter()
                    .zip(segments())
                    .all(|(want, have)| want.is_none() || *want == have)
        })
    }

    /// Whether the next node is a mapping key.
    fn expecting_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame::Mapping { current: None, .. })
        )
    }

    /// Called after a complete value: the parent moves to its next entry.
    fn value_done(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Mapping {
                current,
                seen,
                index,
            }) => {
                if let Some(entry) = current.take() {
                    if let Some(index) = index {
                        index.insert(entry.0.clone(), seen.len());
                    }
                    seen.push(entry);
                    if index.is_none() && seen.len() > SCAN_LIMIT {
                        *index = Some(
                            seen.iter()
                                .enumerate()
                                .map(|(i, (k, _))| (k.clone(), i))
                                .collect(),
                        );
                    }
                }
            }
            Some(Frame::Sequence { index }) => *index += 1,
            None => {}
        }
    }

    fn start_value(&mut self, pos: (usize, usize)) {
        if self.matches(&ANCHOR_VALUES, None) {
            let path = self.path(None);
            self.values.insert(path, pos);
        }
    }

    fn key(&mut self, text: &str, pos: (usize, usize)) {
        if self.matches(&ANCHOR_KEYS, Some(text)) {
            let path = self.path(Some(text));
            self.keys.insert(path, pos);
        }
        let Some(Frame::Mapping {
            current,
            seen,
            index,
        }) = self.stack.last_mut()
        else {
            return;
        };
        let first = match index {
            Some(index) => index.get(text).map(|&i| seen[i].1),
            None => seen.iter().find(|(k, _)| k == text).map(|(_, p)| *p),
        };
        *current = Some((Key::new(text), pos));
        if let Some((line, col)) = first {
            self.duplicates.push(
                InputError::new(
                    Code::DuplicateKey,
                    format!("key `{text}` appears twice in the same mapping"),
                )
                .at(Location::new(&self.file, pos.0, pos.1))
                .related(Location::new(&self.file, line, col), "first written")
                .help("each name may be defined once; remove or rename one of them"),
            );
        }
    }

    /// The byte offset of the first quote on the line after the last node
    /// recorded, for an unterminated-quote error.
    fn last_quote_start(&self, text: &str) -> Option<usize> {
        let (line, _) = self.values.values().chain(self.keys.values()).max()?;
        let from: usize = text
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum();
        text[from..].find(['"', '\'']).map(|i| from + i)
    }
}

impl MarkedEventReceiver for Locator {
    fn on_event(&mut self, event: Event, mark: Marker) {
        self.observe(&event, mark);
    }
}

impl Locator {
    /// Takes in the next event of the stream (the push parser's
    /// [`MarkedEventReceiver::on_event`], and the fast reader's pull loop).
    fn observe(&mut self, event: &Event, mark: Marker) {
        self.observe_at(event, mark.line(), mark.col());
    }

    /// [`Self::observe`], for an event at `line` (from 1) and `col` (in
    /// characters, from 0) as yaml-rust2's markers count them.
    fn observe_at(&mut self, event: &Event, line: usize, col: usize) {
        let pos = (line, col + 1);
        match event {
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
                    matches!(event, Event::Scalar(text, ..) if text == "~" || text.is_empty());
                if !empty || self.documents.len() == 1 {
                    // An explicit `---` is the clearer place to point at.
                    self.documents.push(self.document_start.min(pos));
                }
            }
            _ => {}
        }
        match event {
            Event::Scalar(text, ..) if self.expecting_key() => self.key(text, pos),
            Event::Alias(..) if self.expecting_key() => self.key("<alias>", pos),
            Event::Scalar(..) | Event::Alias(..) => {
                self.start_value(pos);
                self.value_done();
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if self.expecting_key() {
                    // A complex key; positions under it are not needed.
                    self.key("<complex key>", pos);
                } else {
                    self.start_value(pos);
                }
                self.stack.push(match event {
                    Event::MappingStart(..) => Frame::Mapping {
                        current: None,
                        seen: Vec::new(),
                        index: None,
                    },
                    _ => Frame::Sequence { index: 0 },
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.value_done();
            }
            _ => {}
        }
    }
}

// ---- A generic tree, for YAML files secretary reads but does not define ----

/// A YAML node and where it starts, for files whose shape secretary does not
/// own (compose files). Scalars may be secrets: they are held in
/// [`Zeroizing`](zeroize::Zeroizing) strings and `Debug` shows only their length.
#[derive(Clone, Debug)]
pub struct Node {
    /// 1-based line and column.
    pub line: usize,
    pub column: usize,
    pub value: NodeValue,
}

#[derive(Clone, Debug)]
pub enum NodeValue {
    Scalar(Scalar),
    Sequence(Vec<Node>),
    /// Entries in file order; keys are usually scalars.
    Mapping(Vec<(Node, Node)>),
}

/// A scalar's text, and whether it was written plain (unquoted), so `~`,
/// `null` and an empty plain scalar can be told from the string `"null"`.
#[derive(Clone)]
pub struct Scalar {
    pub text: zeroize::Zeroizing<String>,
    pub plain: bool,
}

impl std::fmt::Debug for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<scalar of {} bytes>", self.text.len())
    }
}

impl Node {
    /// The scalar's text (`None` for collections and null).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Scalar(s) if !self.is_null() => Some(s.text.as_str()),
            _ => None,
        }
    }

    /// A plain `~`, `null`, `Null`, `NULL` or empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, NodeValue::Scalar(s)
            if s.plain && matches!(s.text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// A mapping's entries with scalar keys, with YAML merge keys (`<<: *x`)
    /// applied: explicit keys win over merged ones. Empty for other nodes.
    pub fn entries(&self) -> Vec<(&str, &Node)> {
        self.pairs()
            .into_iter()
            .filter_map(|(k, v)| Some((k.as_str()?, v)))
            .collect()
    }

    /// [`Self::entries`] with the key nodes (for their positions).
    pub fn pairs(&self) -> Vec<(&Node, &Node)> {
        let NodeValue::Mapping(pairs) = &self.value else {
            return Vec::new();
        };
        let mut out: Vec<(&Node, &Node)> = Vec::new();
        let mut merged: Vec<(&Node, &Node)> = Vec::new();
        for (key, value) in pairs {
            if key.as_str() == Some("<<") {
                let sources: Vec<&Node> = match &value.value {
                    NodeValue::Sequence(items) => items.iter().collect(),
                    _ => vec![value],
                };
                for source in sources {
                    merged.extend(source.pairs());
                }
            } else {
                out.push((key, value));
            }
        }
        for (key, value) in merged {
            if !out.iter().any(|(k, _)| k.as_str() == key.as_str()) {
                out.push((key, value));
            }
        }
        out
    }

    /// The value of `key` in a mapping (merge keys applied).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .into_iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    /// A sequence's items (empty for other nodes).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            NodeValue::Sequence(items) => items,
            _ => &[],
        }
    }

    pub fn location(&self, file: &Arc<str>) -> Location {
        Location::new(file, self.line, self.column)
    }

    /// What kind of node this is, for messages.
    pub fn kind(&self) -> &'static str {
        match &self.value {
            NodeValue::Scalar(_) if self.is_null() => "null",
            NodeValue::Scalar(_) => "a scalar",
            NodeValue::Sequence(_) => "a list",
            NodeValue::Mapping(_) => "a mapping",
        }
    }
}

/// Parses a YAML file of any shape into a [`Node`] tree (the first
/// document; aliases resolved). `what` names the file's kind in messages
/// (`compose file`). Syntax errors and duplicate keys are located.
pub fn parse_tree(file: &Arc<str>, text: &str, what: &str) -> Result<Node, Vec<InputError>> {
    let mut builder = TreeBuilder {
        file: Arc::clone(file),
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        errors: Vec::new(),
    };
    if let Err(scan) = Parser::new_from_str(text).load(&mut builder, false) {
        let mark = scan.marker();
        return Err(vec![InputError::new(
            Code::YamlSyntax,
            format!("cannot parse {what}: {}", scan.info()),
        )
        .at(Location::new(file, mark.line(), mark.col() + 1))
        .help(
            "fix the YAML syntax here; check indentation (spaces, not tabs) and quoting",
        )]);
    }
    if !builder.errors.is_empty() {
        return Err(builder.errors);
    }
    match builder.root {
        Some(root) if !root.is_null() => Ok(root),
        _ => Err(vec![InputError::new(
            Code::EmptyFile,
            format!("{what} `{file}` has no content"),
        )
        .at(Location::file_start(file))
        .help("point `sources:` at the right file, or remove the entry")]),
    }
}

enum Partial {
    Sequence(Node, usize),
    /// The mapping so far, its anchor, and a key waiting for its value.
    Mapping(Node, usize, Option<Node>),
}

struct TreeBuilder {
    file: Arc<str>,
    stack: Vec<Partial>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    errors: Vec<InputError>,
}

impl TreeBuilder {
    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Partial::Sequence(seq, _)) => {
                if let NodeValue::Sequence(items) = &mut seq.value {
                    items.push(node);
                }
            }
            Some(Partial::Mapping(map, _, pending)) => match pending.take() {
                None => {
                    if let (Some(key), NodeValue::Mapping(pairs)) = (node.as_str(), &map.value) {
                        if key != "<<" {
                            if let Some((first, _)) =
                                pairs.iter().find(|(k, _)| k.as_str() == Some(key))
                            {
                                self.errors.push(
                                    InputError::new(
                                        Code::DuplicateKey,
                                        format!("key `{key}` appears twice in the same mapping"),
                                    )
                                    .at(node.location(&self.file))
                                    .related(first.location(&self.file), "first written")
                                    .help("each key may appear once per mapping; remove or rename one"),
                                );
                            }
                        }
                    }
                    *pending = Some(node);
                }
                Some(key) => {
                    if let NodeValue::Mapping(pairs) = &mut map.value {
                        pairs.push((key, node));
                    }
                }
            },
        }
    }
}

impl MarkedEventReceiver for TreeBuilder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let (line, column) = (mark.line(), mark.col() + 1);
        let node = |value| Node {
            line,
            column,
            value,
        };
        match event {
            Event::Scalar(text, style, anchor, _) => {
                let plain = matches!(style, yaml_rust2::scanner::TScalarStyle::Plain);
                let scalar = Scalar {
                    text: zeroize::Zeroizing::new(text),
                    plain,
                };
                self.finish(node(NodeValue::Scalar(scalar)), anchor);
            }
            Event::Alias(id) => {
                let mut aliased = self.anchors.get(&id).cloned().unwrap_or(Node {
                    line,
                    column,
                    value: NodeValue::Scalar(Scalar {
                        text: zeroize::Zeroizing::new(String::new()),
                        plain: true,
                    }),
                });
                // Point at the alias where it is used.
                aliased.line = line;
                aliased.column = column;
                self.finish(aliased, 0);
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Partial::Sequence(
                node(NodeValue::Sequence(Vec::new())),
                anchor,
            )),
            Event::MappingStart(anchor, _) => self.stack.push(Partial::Mapping(
                node(NodeValue::Mapping(Vec::new())),
                anchor,
                None,
            )),
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Partial::Sequence(done, anchor)) | Some(Partial::Mapping(done, anchor, _)) => {
                    self.finish(done, anchor)
                }
                None => {}
            },
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

    #[test]
    fn tree_keeps_positions_merges_and_hides_values() {
        let file: Arc<str> = "c.yaml".into();
        let text =
            "x: &base\n  A: \"CANARY-1\"\n  B: 2\ny:\n  <<: *base\n  B: 3\n  C: ~\nz: [1, 2]\n";
        let root = parse_tree(&file, text, "compose file").unwrap();
        let y = root.get("y").unwrap();
        assert_eq!(y.get("A").unwrap().as_str(), Some("CANARY-1"));
        assert_eq!(y.get("B").unwrap().as_str(), Some("3"));
        assert!(y.get("C").unwrap().is_null());
        assert_eq!(root.get("z").unwrap().items().len(), 2);
        assert_eq!(root.get("z").unwrap().line, 8);
        assert!(!format!("{root:?}").contains("CANARY"));
        let errors = parse_tree(&file, "a: 1\na: 2\n", "compose file").unwrap_err();
        assert_eq!(errors[0].code.as_str(), "duplicate-key");
        let errors = parse_tree(&file, "a: [1\n", "compose file").unwrap_err();
        assert_eq!(errors[0].code.as_str(), "yaml-syntax");
    }
}
