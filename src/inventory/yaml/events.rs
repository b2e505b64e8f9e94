//! The one stream of YAML events that every reader in this module takes.
//!
//! Events come from yaml-rust2's pull parser, or from
//! [`Lines`](super::lines::Lines) for a file
//! written one entry per line. [`Stream`] adds what a parser leaves to its
//! caller, so that the inventory reader, the position recorder and the
//! generic tree of compose files all get it the same way:
//!
//! - **Aliases are replayed.** An anchored node's events are logged as they
//!   are read, and an alias replays them (the first at the alias, so an
//!   error points where the alias is used). An alias inside a logged node is
//!   logged as an alias and expanded when replayed, so memory grows with the
//!   text, not with the expansion.
//! - **Limits hold before anything recurses.** Deserializing and building a
//!   tree recurse once per level of nesting, so the stream refuses a node
//!   nested deeper than [`MAX_DEPTH`] levels (a debug build overflows its
//!   stack near a thousand). Replays may emit at most [`MAX_REPLAYED_FLOOR`]
//!   events plus [`MAX_REPLAY_FACTOR`] per event of the text: a "billion
//!   laughs" file of nested aliases stops there instead of exhausting
//!   memory, while a compose file that reuses a block in every service stays
//!   far below it.

use foldhash::HashMap;
use yaml_rust2::parser::{Event, Parser};

use super::error::{Limit, Result, Stop};
use super::{MAX_DEPTH, MAX_REPLAYED_FLOOR, MAX_REPLAY_FACTOR};

/// An event and where it starts: line (from 1) and column (in characters,
/// from 0), as yaml-rust2's markers count them.
pub(super) type Positioned = (Event, usize, usize);

/// Where a [`Stream`] gets its events.
pub(super) trait Source {
    fn next_event(&mut self) -> Result<Positioned>;
}

impl Source for Parser<std::str::Chars<'_>> {
    fn next_event(&mut self) -> Result<Positioned> {
        match self.next_token() {
            Ok((event, mark)) => Ok((event, mark.line(), mark.col())),
            // yaml-rust2's scanner has a nesting limit of its own for flow
            // collections, which it may reach while looking ahead for a key
            // before the stream's limit is: the same limit to the user.
            Err(scan) if scan.info().contains("recursion limit") => {
                let mark = scan.marker();
                Err(Stop::Limit(Limit::Depth, mark.line(), mark.col()))
            }
            Err(scan) => Err(Stop::Syntax(scan)),
        }
    }
}

/// A node whose events are being logged: its anchor, the index of its first
/// event in the log, and the depth it started at.
struct Open {
    anchor: usize,
    start: usize,
    depth: usize,
}

/// The events of `S`, with aliases replayed and limits checked.
pub(super) struct Stream<S> {
    source: S,
    /// Events read from the source since the outermost open anchor began.
    log: Vec<Positioned>,
    open: Vec<Open>,
    /// Each complete anchored node: the range of its events in `log`.
    anchors: HashMap<usize, std::ops::Range<usize>>,
    /// Replays in progress, innermost last: the next event and the end.
    replays: Vec<std::ops::Range<usize>>,
    /// Nesting of the events emitted, replays included.
    depth: usize,
    read: usize,
    replayed: usize,
}

impl<S: Source> Stream<S> {
    pub(super) fn new(source: S) -> Self {
        Stream {
            source,
            log: Vec::new(),
            open: Vec::new(),
            anchors: HashMap::default(),
            replays: Vec::new(),
            depth: 0,
            read: 0,
            replayed: 0,
        }
    }

    /// The next event, aliases replayed.
    pub(super) fn next_event(&mut self) -> Result<Positioned> {
        let (mut event, line, col) = self.next_unreplayed()?;
        // An alias replays its node, whose first event stands where the
        // alias does.
        while let Event::Alias(anchor) = event {
            let Some(range) = self.anchors.get(&anchor).cloned() else {
                // yaml-rust2 refuses an unknown anchor, so this is an alias
                // inside the node it names, which would repeat forever.
                return Err(Stop::Limit(Limit::AliasInsideItsAnchor, line, col));
            };
            self.replays.push(range);
            event = self.next_unreplayed()?.0;
        }
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(Stop::Limit(Limit::Depth, line, col));
                }
            }
            Event::MappingEnd | Event::SequenceEnd => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        Ok((event, line, col))
    }

    /// The next event of a replay in progress, or else of the source; an
    /// alias comes back as it is.
    fn next_unreplayed(&mut self) -> Result<Positioned> {
        while let Some(range) = self.replays.last_mut() {
            let Some(index) = range.next() else {
                self.replays.pop();
                continue;
            };
            self.replayed += 1;
            if self.replayed > MAX_REPLAYED_FLOOR + MAX_REPLAY_FACTOR * self.read {
                let (_, line, col) = self.log[index];
                return Err(Stop::Limit(Limit::Aliases, line, col));
            }
            return Ok(self.log[index].clone());
        }
        let positioned = self.source.next_event()?;
        self.read += 1;
        self.log_event(&positioned);
        Ok(positioned)
    }

    /// Logs an event of the source while an anchored node is open, and
    /// opens and closes anchored nodes. When the source is read, every
    /// replay is complete, so the depth of the events emitted so far is the
    /// source's depth too.
    fn log_event(&mut self, positioned: &Positioned) {
        let (anchor, opens, closes) = match &positioned.0 {
            Event::Scalar(_, _, anchor, _) => (*anchor, false, false),
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                (*anchor, true, false)
            }
            Event::MappingEnd | Event::SequenceEnd => (0, false, true),
            _ => (0, false, false),
        };
        // Nearly every event: no anchor on it, none open.
        if anchor == 0 && self.open.is_empty() {
            return;
        }
        if anchor > 0 {
            self.open.push(Open {
                anchor,
                start: self.log.len(),
                depth: self.depth,
            });
        }
        self.log.push(positioned.clone());
        let after = if opens {
            self.depth + 1
        } else if closes {
            self.depth.saturating_sub(1)
        } else {
            self.depth
        };
        // A node is complete when the stream is back at the depth it
        // started at: a scalar at once, a collection at its end.
        while self.open.last().is_some_and(|open| open.depth == after) {
            if let Some(open) = self.open.pop() {
                self.anchors.insert(open.anchor, open.start..self.log.len());
            }
        }
    }
}
