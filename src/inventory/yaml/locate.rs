//! Where the keys and values of one file start, recorded from yaml-rust2's
//! event stream, and the duplicate keys and documents found on the way.

use std::sync::{Arc, OnceLock};

use yaml_rust2::parser::{Event, Parser};

use super::error::At;
use super::events::Stream;
use super::PathSeg;
use super::YamlPath;
use crate::diag::{Code, InputError};
use crate::source::Location;

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

    pub(super) fn new(file: &Arc<str>, text: &Arc<str>, locator: Locator) -> Self {
        Positions {
            file: Arc::clone(file),
            text: Arc::clone(text),
            anchor_keys: locator.keys,
            anchor_values: locator.values,
            full: OnceLock::new(),
        }
    }

    /// The path and place of an error in the node at `at`. The path is
    /// the node's, or the mapping's for a key, written as serde writes
    /// paths (`secrets.A.readers[0]`; empty at the root). A block mapping
    /// is shown at its first key, not at the colon yaml-rust2 marks.
    pub(super) fn error_at(&self, at: At) -> (String, Location) {
        let pos = (at.line, at.column);
        let mut location = Location::new(&self.file, at.line, at.column);
        if at.mapping {
            let first_key = self
                .full()
                .0
                .values()
                .filter(|&&(line, col)| line == at.line && col < at.column)
                .max();
            let colon = self
                .text
                .lines()
                .nth(at.line.saturating_sub(1))
                .and_then(|line| line.chars().nth(at.column.saturating_sub(1)))
                == Some(':');
            if let (Some(&(line, col)), true) = (first_key, colon) {
                location = Location::new(&self.file, line, col);
            }
        }
        (self.path_at(pos, at.key), location)
    }

    /// The path of the mapping holding the key at `pos` (`key`), or of the
    /// node at `pos`.
    fn segments_at(&self, pos: (usize, usize), key: bool) -> &[PathSeg] {
        let (keys, values) = self.full();
        let table = if key { keys } else { values };
        let Some(path) = table
            .iter()
            .filter(|(_, &at)| at == pos)
            .map(|(path, _)| path)
            .max_by_key(|path| path.len())
        else {
            return &[];
        };
        if key {
            &path[..path.len().saturating_sub(1)]
        } else {
            &path[..]
        }
    }

    fn path_at(&self, pos: (usize, usize), key: bool) -> String {
        let mut out = String::new();
        for segment in self.segments_at(pos, key) {
            match segment {
                PathSeg::Key(key) if out.is_empty() => out.push_str(key),
                PathSeg::Key(key) => {
                    out.push('.');
                    out.push_str(key);
                }
                PathSeg::Index(index) => out.push_str(&format!("[{index}]")),
            }
        }
        out
    }

    /// The line of the key that holds the node at `at` (for a key: the
    /// key of its mapping), where a check of the whole item would report.
    pub(super) fn holder_line(&self, at: At) -> usize {
        let path = self.segments_at((at.line, at.column), at.key);
        let holder = if at.key {
            path
        } else {
            &path[..path.len().saturating_sub(1)]
        };
        self.key(holder).line
    }

    fn full(&self) -> &(Table, Table) {
        self.full.get_or_init(|| {
            let locator = Locator::everything(&self.file, &self.text);
            (locator.keys, locator.values)
        })
    }
}

/// Which positions a pass records.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Record {
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
pub(super) struct Locator {
    file: Arc<str>,
    record: Record,
    stack: Vec<Frame>,
    keys: Table,
    values: Table,
    pub(super) duplicates: Vec<InputError>,
    /// Where each document's root node starts.
    pub(super) documents: Vec<(usize, usize)>,
    awaiting_root: bool,
    document_start: (usize, usize),
}

impl Locator {
    pub(super) fn new(file: &Arc<str>, record: Record) -> Self {
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
    pub(super) fn last_quote_start(&self, text: &str) -> Option<usize> {
        let (line, _) = self.values.values().chain(self.keys.values()).max()?;
        let from: usize = text
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum();
        text[from..].find(['"', '\'']).map(|i| from + i)
    }
}

impl Locator {
    /// Every position in `text`, read from the same event stream as the
    /// first pass, up to the first error if there is one (the text was
    /// read once already, so a failure only leaves positions at their
    /// fallbacks).
    pub(super) fn everything(file: &Arc<str>, text: &str) -> Self {
        let mut locator = Locator::new(file, Record::Everything);
        let mut stream = Stream::new(Parser::new_from_str(text));
        while let Ok((event, line, col)) = stream.next_event() {
            locator.observe_at(&event, line, col);
            if event == Event::StreamEnd {
                break;
            }
        }
        locator
    }

    /// Takes in the next event of the stream, at `line` (from 1) and `col`
    /// (in characters, from 0) as yaml-rust2's markers count them.
    pub(super) fn observe_at(&mut self, event: &Event, line: usize, col: usize) {
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
