//! The repeated keys and the documents of one file, found from the event
//! stream in the reader's one pass. Positions of values are not kept here:
//! they travel with the values (see [`crate::source::Spanned`]).

use std::sync::Arc;

use yaml_rust2::parser::Event;

use crate::diag::{Code, InputError};
use crate::source::Location;

/// Mappings up to this size find duplicate keys by scanning; larger ones
/// (a section of thousands of secrets) keep an index.
const SCAN_LIMIT: usize = 16;

/// A key as the locator keeps it. Nearly every key is a short field name,
/// which a `SmolStr` holds without allocating; hundreds of thousands of
/// keys are read in a large inventory.
pub(super) type Key = smol_str::SmolStr;

enum Frame {
    Mapping {
        /// The key whose value is being read, if any.
        current: Option<(Key, (usize, usize))>,
        /// Keys already read, with their positions.
        seen: Vec<(Key, (usize, usize))>,
        index: Option<foldhash::HashMap<Key, usize>>,
    },
    Sequence,
}

/// Finds repeated keys and counts documents, from yaml-rust2's event stream.
pub(super) struct Locator {
    file: Arc<str>,
    stack: Vec<Frame>,
    pub(super) duplicates: Vec<InputError>,
    /// Where each document's root node starts.
    pub(super) documents: Vec<(usize, usize)>,
    awaiting_root: bool,
    document_start: (usize, usize),
}

impl Locator {
    pub(super) fn new(file: &Arc<str>) -> Self {
        Self {
            file: Arc::clone(file),
            stack: Vec::new(),
            duplicates: Vec::new(),
            documents: Vec::new(),
            awaiting_root: false,
            document_start: (1, 1),
        }
    }

    /// The key just read in the innermost mapping, if its value is next.
    pub(super) fn current_key(&self) -> Option<&Key> {
        match self.stack.last() {
            Some(Frame::Mapping {
                current: Some((key, _)),
                ..
            }) => Some(key),
            _ => None,
        }
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
        if let Some(Frame::Mapping {
            current,
            seen,
            index,
        }) = self.stack.last_mut()
        {
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
    }

    fn key(&mut self, text: &str, pos: (usize, usize)) {
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
            Event::Scalar(..) | Event::Alias(..) => self.value_done(),
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if self.expecting_key() {
                    self.key("<complex key>", pos);
                }
                self.stack.push(match event {
                    Event::MappingStart(..) => Frame::Mapping {
                        current: None,
                        seen: Vec::new(),
                        index: None,
                    },
                    _ => Frame::Sequence,
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
