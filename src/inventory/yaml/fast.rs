//! One pass over a file: events to serde and to the duplicate-key finder.
//!
//! This reader pulls events from the [`Stream`] (aliases replayed, limits
//! checked), shows each to the [`Locator`] and feeds it to serde in the
//! same step, so a file is parsed once. The events come from [`Lines`] for
//! a file written one entry per line (nearly every inventory), and from
//! yaml-rust2's parser for any other file or where `Lines` gives up.
//!
//! Positions travel with the values: a [`Spanned`](crate::source::Spanned)
//! field is handed where its node and its key start. Scalars are typed as
//! serde_yaml types them ([`scalar`]). A file that does not fit `T` is
//! reported from serde's error data, at the node that failed and with the
//! path the reader keeps as it goes (keys and indices), without a second
//! look at the text; a syntax error, an empty file, a second document or a
//! repeated key from the same pass.

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Expected, IntoDeserializer, Unexpected, Visitor,
};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;
use yaml_rust2::ScanError;

use super::error::{At, Limit, Mark, Problem, Result, Stop};
use super::events::{Positioned, Source, Stream};
use super::lines::Lines;
use super::locate::{Key, Locator};
use crate::source::SPANNED;
use scalar::{core_tag, typed, Typed};

/// What [`read`] made of a file.
pub(super) enum Read<T> {
    /// The file and the problems the reader stepped over (see
    /// [`Reader::recover`]): with any, the value holds placeholders.
    Done(T, Vec<(Problem, At)>),
    /// A well-formed file of one document that does not fit `T`: the
    /// problems stepped over, then the one that stopped the reader (and
    /// where it is).
    Failed(Vec<(Problem, Option<At>)>),
    /// yaml-rust2 cannot parse the text; the last line a node started on
    /// before the error, if any.
    Syntax(ScanError, Option<usize>),
    /// The text goes past a limit of the event stream, at a line (from 1)
    /// and column (from 0).
    Limit(Limit, usize, usize),
    /// The text parses, but is not one document or repeats a key: the
    /// locator holds what it found.
    Malformed(Locator),
    /// The line reader met a line it does not read. Only [`Lines`] gives
    /// up, and [`read`] then reads the file with yaml-rust2's parser.
    GaveUp,
}

/// Reads `text` into `T`, finding repeated keys and documents with a
/// locator made by `locator` as it goes.
///
/// Files written one entry per line are read by [`Lines`]; any other file,
/// or one `Lines` gives up on, by yaml-rust2's parser.
pub(super) fn read<T: DeserializeOwned>(text: &str, locator: impl Fn() -> Locator) -> Read<T> {
    if let Some(lines) = Lines::new(text) {
        // `Lines` is only sure to read a good file as yaml-rust2 does: any
        // other verdict is yaml-rust2's to give.
        if let read @ Read::Done(..) = read_from(lines, locator()) {
            return read;
        }
    }
    read_from(Parser::new_from_str(text), locator())
}

fn read_from<T: DeserializeOwned>(source: impl Source, mut locator: Locator) -> Read<T> {
    let mut reader = Reader {
        events: Stream::new(source),
        locator: &mut locator,
        peeked: None,
        ended: false,
        recovered: Vec::new(),
        path: Vec::new(),
        value_key: None,
        root_line: 1,
        last_line: None,
    };
    // Whatever stops the reader, the locator sees the whole stream: a syntax
    // error, a limit, a second document or a repeated key anywhere comes
    // first.
    let read = match reader.document() {
        Ok(value) => Ok(value),
        // The stream itself stopped: nothing after it can be read.
        Err(stop @ (Stop::Syntax(_) | Stop::Limit(..) | Stop::GiveUp)) => Err(stop),
        Err(stop) => match reader.drain() {
            Ok(()) => Err(stop),
            Err(after) => Err(after),
        },
    };
    let recovered = std::mem::take(&mut reader.recovered);
    let last_line = reader.last_line;
    match read {
        Err(Stop::GiveUp) => Read::GaveUp,
        Err(Stop::Syntax(scan)) => Read::Syntax(scan, last_line),
        Err(Stop::Limit(limit, line, col)) => Read::Limit(limit, line, col),
        _ if locator.documents.len() != 1 || !locator.duplicates.is_empty() => {
            Read::Malformed(locator)
        }
        Ok(value) => Read::Done(value, recovered),
        Err(Stop::Problem(problem, at)) => {
            let mut problems: Vec<_> = recovered.into_iter().map(|(p, at)| (p, Some(at))).collect();
            if !matches!(problem, Problem::Told) {
                problems.push((problem, at));
            }
            Read::Failed(problems)
        }
    }
}

struct Reader<'l, S> {
    events: Stream<S>,
    locator: &'l mut Locator,
    peeked: Option<Positioned>,
    /// The end of the stream was consumed.
    ended: bool,
    /// Problems stepped over so far, in the order met.
    recovered: Vec<(Problem, At)>,
    /// The keys and indices down to the node being read, each with the
    /// line where it starts (the key, or the list item).
    path: Vec<(Segment, usize)>,
    /// Where the key whose value is next starts, for a [`Spanned`](crate::source::Spanned) value.
    value_key: Option<Mark>,
    /// The line the document's root node starts on.
    root_line: usize,
    /// The last line a node started on, for a syntax error.
    last_line: Option<usize>,
}

/// A step of a path: a mapping key or a list index.
enum Segment {
    Key(Key),
    Index(usize),
}

impl<S: Source> Reader<'_, S> {
    /// Steps over a problem in the node at `mark`, whose first event is
    /// `first` (consumed): records the problem, skips the rest of the node,
    /// and lets the caller hand serde a placeholder, so that one run reports
    /// every independent problem of a file (issue 13, family 8). Only what
    /// has an obvious placeholder is stepped over: an unknown key (skipped
    /// with its value), a scalar, list or map of the wrong kind, and an
    /// unknown name; anything else stops the reader as before.
    fn recover(&mut self, problem: Stop, mark: Mark, key: bool, first: &Event) -> Result<()> {
        let first_key = self.first_key(first)?;
        if let Stop::Problem(problem, _) = problem {
            let at = self.at(mark, key, first_key);
            self.recovered.push((problem, at));
        }
        self.skip_after(first)
    }

    /// For a mapping whose start, `first`, was just consumed: where its
    /// first key starts.
    fn first_key(&mut self, first: &Event) -> Result<Option<Mark>> {
        match first {
            Event::MappingStart(..) => self.peek_at().map(Some),
            _ => Ok(None),
        }
    }

    /// Where a problem in the node at `mark` is, as the path stands (the
    /// node's own path, or for a `key`, its mapping's). yaml-rust2 marks a
    /// block mapping at the colon of its first key, after the key on the
    /// same line: a problem is shown at the key, where a reader looks.
    fn at(&self, mark: Mark, key: bool, first_key: Option<Mark>) -> At {
        let shown = match first_key {
            Some(first) if first.line == mark.line && first.col < mark.col => first,
            _ => mark,
        };
        let held = if key {
            self.path.len()
        } else {
            self.path.len().saturating_sub(1)
        };
        let holder_line = held
            .checked_sub(1)
            .map_or(self.root_line, |i| self.path[i].1);
        let mut path = String::new();
        for (segment, _) in &self.path {
            let dot = if path.is_empty() { "" } else { "." };
            path += &match segment {
                Segment::Key(key) => format!("{dot}{key}"),
                Segment::Index(index) => format!("[{index}]"),
            };
        }
        At {
            line: shown.line,
            column: shown.col + 1,
            path,
            holder_line,
        }
    }

    /// Reads the node at `mark`, a step (`segment`, starting on `line`)
    /// down the path.
    fn within<T>(
        &mut self,
        segment: Segment,
        line: usize,
        mark: Mark,
        read: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        self.path.push((segment, line));
        let read = read(self).map_err(|e| self.locate(e, mark, false, None));
        self.path.pop();
        read
    }

    /// `stop`, placed at the node at `mark` if it has no place yet: the
    /// innermost node that sees a problem pass through it is the one that
    /// failed.
    fn locate(&self, stop: Stop, mark: Mark, key: bool, first_key: Option<Mark>) -> Stop {
        match stop {
            Stop::Problem(problem, None) => {
                Stop::Problem(problem, Some(self.at(mark, key, first_key)))
            }
            stop => stop,
        }
    }

    /// Skips the rest of a node whose first event, `first`, was consumed.
    fn skip_after(&mut self, first: &Event) -> Result<()> {
        if matches!(first, Event::MappingStart(..) | Event::SequenceStart(..)) {
            let mut depth = 1usize;
            while depth > 0 {
                match self.next()? {
                    Event::MappingStart(..) | Event::SequenceStart(..) => depth += 1,
                    Event::MappingEnd | Event::SequenceEnd => depth -= 1,
                    Event::StreamEnd => break,
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// The event after the ones consumed, without consuming it.
    fn peek(&mut self) -> Result<&Event> {
        let peeked = match self.peeked.take() {
            Some(peeked) => peeked,
            None => self.events.next_event()?,
        };
        Ok(&self.peeked.insert(peeked).0)
    }

    /// Consumes the next event; the locator sees every event once, in order.
    /// A tag other than YAML's own is a problem of the node it is on.
    fn next(&mut self) -> Result<Event> {
        let (event, line, col) = match self.peeked.take() {
            Some(peeked) => peeked,
            None => self.events.next_event()?,
        };
        self.locator.observe_at(&event, line, col);
        self.ended = matches!(event, Event::StreamEnd);
        if matches!(
            event,
            Event::Scalar(..) | Event::MappingStart(..) | Event::SequenceStart(..)
        ) {
            self.last_line = self.last_line.max(Some(line));
        }
        match &event {
            Event::Scalar(.., Some(tag))
            | Event::SequenceStart(_, Some(tag))
            | Event::MappingStart(_, Some(tag))
                if core_tag(tag).is_none() =>
            {
                Err(problem(Problem::Tag(format!(
                    "{}{}",
                    tag.handle, tag.suffix
                ))))
            }
            _ => Ok(event),
        }
    }

    /// Where the next node starts, for an error in it.
    #[inline]
    fn peek_at(&mut self) -> Result<Mark> {
        self.peek()?;
        let (_, line, col) = self.peeked.as_ref().ok_or(Stop::GiveUp)?;
        Ok(Mark {
            line: *line,
            col: *col,
        })
    }

    /// Consumes the rest of the stream, after an error, so that the
    /// locator sees it all.
    fn drain(&mut self) -> Result<()> {
        while !self.ended {
            if let Err(stop @ (Stop::Syntax(_) | Stop::Limit(..) | Stop::GiveUp)) = self.next() {
                return Err(stop);
            }
        }
        Ok(())
    }

    fn expect(&mut self, wanted: &Event) -> Result<()> {
        match self.next()? {
            event if event == *wanted => Ok(()),
            // yaml-rust2 always starts a stream and a document; anything else
            // here is a second document (or none), which the locator saw.
            _ => Err(problem(Problem::Custom("not one YAML document".to_owned()))),
        }
    }

    /// A stream of exactly one document.
    fn document<T: DeserializeOwned>(&mut self) -> Result<T> {
        self.expect(&Event::StreamStart)?;
        self.expect(&Event::DocumentStart)?;
        let mark = self.peek_at()?;
        self.root_line = mark.line;
        let value = T::deserialize(&mut *self).map_err(|e| self.locate(e, mark, false, None))?;
        self.expect(&Event::DocumentEnd)?;
        self.expect(&Event::StreamEnd)?;
        Ok(value)
    }

    /// Whether the next node is a scalar read as null (`visit_none` for
    /// options).
    fn next_is_null(&mut self) -> Result<bool> {
        Ok(matches!(self.peek()?, Event::Scalar(text, style, _, tag)
            if typed(text, *style, tag.as_ref()) == Typed::Null))
    }

    /// A plain empty scalar, which serde_yaml reads as an empty mapping or list.
    fn next_is_empty(&mut self) -> Result<bool> {
        Ok(
            matches!(self.peek()?, Event::Scalar(text, TScalarStyle::Plain, _, None) if text.is_empty()),
        )
    }
}

fn problem(problem: Problem) -> Stop {
    Stop::Problem(problem, None)
}

/// The type error for `event` where `expected` was wanted.
fn mismatch(event: &Event, expected: &dyn Expected) -> Stop {
    let found = match event {
        Event::MappingStart(..) => Unexpected::Map,
        Event::SequenceStart(..) => Unexpected::Seq,
        Event::Scalar(text, style, _, tag) => match typed(text, *style, tag.as_ref()) {
            Typed::Null => Unexpected::Unit,
            Typed::Bool(boolean) => Unexpected::Bool(boolean),
            Typed::Unsigned(number) => Unexpected::Unsigned(number),
            Typed::Signed(number) => Unexpected::Signed(number),
            Typed::Float(number) => Unexpected::Float(number),
            Typed::TooLarge => Unexpected::Other("an integer beyond 64 bits"),
            Typed::Str => Unexpected::Str(text),
        },
        _ => Unexpected::Other("the end of a collection"),
    };
    de::Error::invalid_type(found, expected)
}

/// Methods for unsigned integers: a number is handed on (the visitor checks
/// its range); anything else is stepped over with a placeholder zero.
macro_rules! unsigned {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
                let mark = self.peek_at()?;
                let event = self.next()?;
                if let Event::Scalar(text, style, _, tag) = &event {
                    if let Typed::Unsigned(number) = typed(text, *style, tag.as_ref()) {
                        return visitor.visit_u64(number);
                    }
                }
                self.recover(mismatch(&event, &visitor), mark, false, &event)?;
                visitor.visit_u64(0)
            }
        )*
    };
}

/// Methods for scalar types: read as `deserialize_any` reads a scalar, so
/// the visitor takes the value or names what it found.
macro_rules! any_scalar {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
                self.deserialize_any(visitor)
            }
        )*
    };
}

impl<'de, S: Source> de::Deserializer<'de> for &mut Reader<'_, S> {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.peek()? {
            Event::MappingStart(..) => self.deserialize_map(visitor),
            Event::SequenceStart(..) => self.deserialize_seq(visitor),
            _ => match self.next()? {
                Event::Scalar(text, style, _, tag) => match typed(&text, style, tag.as_ref()) {
                    Typed::Null => visitor.visit_unit(),
                    Typed::Bool(boolean) => visitor.visit_bool(boolean),
                    Typed::Unsigned(number) => visitor.visit_u64(number),
                    Typed::Signed(number) => visitor.visit_i64(number),
                    Typed::Float(number) => visitor.visit_f64(number),
                    Typed::Str => visitor.visit_string(text),
                    Typed::TooLarge => Err(mismatch(&Event::Scalar(text, style, 0, tag), &visitor)),
                },
                event => Err(mismatch(&event, &visitor)),
            },
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let mark = self.peek_at()?;
        match self.next()? {
            Event::Scalar(text, style, _, tag) => match typed(&text, style, tag.as_ref()) {
                Typed::Bool(boolean) => visitor.visit_bool(boolean),
                _ => {
                    let event = Event::Scalar(text, style, 0, tag);
                    self.recover(mismatch(&event, &visitor), mark, false, &event)?;
                    visitor.visit_bool(false)
                }
            },
            event => {
                self.recover(mismatch(&event, &visitor), mark, false, &event)?;
                visitor.visit_bool(false)
            }
        }
    }

    unsigned!(deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64);

    any_scalar!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_f32 deserialize_f64 deserialize_char deserialize_bytes deserialize_byte_buf);

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // serde_yaml reads any scalar as a string when a string is wanted,
        // `123` and `null` included.
        let mark = self.peek_at()?;
        match self.next()? {
            Event::Scalar(text, ..) => visitor.visit_string(text),
            event => {
                self.recover(mismatch(&event, &visitor), mark, false, &event)?;
                visitor.visit_string(String::new())
            }
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.next_is_null()? {
            self.next()?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if name == SPANNED {
            let at = self.peek_at()?;
            let key = self.value_key.take().unwrap_or(at);
            let pack = |mark: Mark| (mark.line as u64) << 32 | (mark.col as u64 + 1);
            return visitor.visit_seq(Span {
                reader: self,
                parts: [pack(at), pack(key)],
                next: 0,
            });
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.next_is_empty()? {
            self.next()?;
            return visitor.visit_seq(Empty);
        }
        let mark = self.peek_at()?;
        match self.next()? {
            Event::SequenceStart(..) => visitor.visit_seq(Items {
                reader: self,
                index: 0,
            }),
            event => {
                self.recover(mismatch(&event, &visitor), mark, false, &event)?;
                visitor.visit_seq(Empty)
            }
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.next_is_empty()? {
            self.next()?;
            return visitor.visit_map(Empty);
        }
        let mark = self.peek_at()?;
        match self.next()? {
            Event::MappingStart(..) => {
                let first_key = self.peek_at()?;
                visitor
                    .visit_map(Entries {
                        reader: &mut *self,
                        fields: None,
                        key: None,
                    })
                    .map_err(|e| self.locate(e, mark, false, Some(first_key)))
            }
            event => {
                self.recover(mismatch(&event, &visitor), mark, false, &event)?;
                visitor.visit_map(Empty)
            }
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        if self.next_is_empty()? {
            self.next()?;
            return visitor.visit_map(Empty);
        }
        // A struct of the wrong kind is not stepped over: an empty one would
        // only add "missing key" errors that are not the file's.
        let mark = self.peek_at()?;
        match self.next()? {
            Event::MappingStart(..) => {
                let first_key = self.peek_at()?;
                let before = self.recovered.len();
                let read = visitor.visit_map(Entries {
                    reader: &mut *self,
                    fields: Some(fields),
                    key: None,
                });
                // A key missing where an unknown key was stepped over is
                // most likely that key, misspelt: one mistake, told once.
                let misspelt = self.recovered[before..]
                    .iter()
                    .any(|(problem, _)| matches!(problem, Problem::UnknownField { .. }));
                match read {
                    Err(Stop::Problem(Problem::MissingField(_), _)) if misspelt => {
                        Err(Stop::Problem(Problem::Told, None))
                    }
                    read => read.map_err(|e| self.locate(e, mark, false, Some(first_key))),
                }
            }
            event => Err(mismatch(&event, &visitor)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        // Only unit variants, written as a scalar: `tier: production`. An
        // unknown name is stepped over with the first variant in its place.
        let mark = self.peek_at()?;
        match self.next()? {
            Event::Scalar(text, ..) if variants.contains(&text.as_str()) || variants.is_empty() => {
                visitor.visit_enum(text.into_deserializer())
            }
            Event::Scalar(text, ..) => {
                let event = Event::Scalar(String::new(), TScalarStyle::Plain, 0, None);
                let unknown = de::Error::unknown_variant(&text, variants);
                self.recover(unknown, mark, false, &event)?;
                visitor.visit_enum(variants[0].into_deserializer())
            }
            event => {
                let first_key = self.first_key(&event)?;
                Err(self.locate(mismatch(&event, &visitor), mark, false, first_key))
            }
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }
}

/// The items of a sequence whose start was consumed.
struct Items<'r, 'l, E> {
    reader: &'r mut Reader<'l, E>,
    index: usize,
}

impl<'de, E: Source> de::SeqAccess<'de> for Items<'_, '_, E> {
    type Error = Stop;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>> {
        if matches!(self.reader.peek()?, Event::SequenceEnd) {
            self.reader.next()?;
            return Ok(None);
        }
        let mark = self.reader.peek_at()?;
        self.reader.value_key = None;
        self.index += 1;
        let segment = Segment::Index(self.index - 1);
        self.reader
            .within(segment, mark.line, mark, |reader| seed.deserialize(reader))
            .map(Some)
    }
}

/// The entries of a mapping whose start was consumed; for a struct, the
/// names of its fields, so that an unknown key can be stepped over.
struct Entries<'r, 'l, E> {
    reader: &'r mut Reader<'l, E>,
    fields: Option<&'static [&'static str]>,
    /// The key whose value is next, and where it starts.
    key: Option<(Key, Mark)>,
}

impl<'de, E: Source> de::MapAccess<'de> for Entries<'_, '_, E> {
    type Error = Stop;

    fn next_key_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>> {
        loop {
            match self.reader.peek()? {
                Event::MappingEnd => {
                    self.reader.next()?;
                    return Ok(None);
                }
                Event::Scalar(key, ..)
                    if self
                        .fields
                        .is_some_and(|fields| !fields.contains(&key.as_str())) =>
                {
                    // The struct denies unknown keys: step over this one and
                    // its value, and read on.
                    let fields = self.fields.unwrap_or_default();
                    let mark = self.reader.peek_at()?;
                    let Event::Scalar(key, ..) = self.reader.next()? else {
                        continue;
                    };
                    let unknown = de::Error::unknown_field(&key, fields);
                    self.reader.recover(unknown, mark, true, &Event::Nothing)?;
                    let value = self.reader.next()?;
                    self.reader.skip_after(&value)?;
                }
                _ => {
                    let mark = self.reader.peek_at()?;
                    self.reader.value_key = None;
                    let key = seed
                        .deserialize(&mut *self.reader)
                        .map_err(|e| self.reader.locate(e, mark, true, None))?;
                    let text = self.reader.locator.current_key().cloned();
                    self.key = Some((text.unwrap_or(Key::new_static("<complex key>")), mark));
                    return Ok(Some(key));
                }
            }
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value> {
        let mark = self.reader.peek_at()?;
        let (key, at) = self.key.take().unwrap_or_default();
        self.reader.value_key = Some(at);
        self.reader
            .within(Segment::Key(key), at.line, mark, |reader| {
                seed.deserialize(reader)
            })
    }
}

/// A [`Spanned`](crate::source::Spanned) value's parts: where its node starts, where its key
/// starts, then the value.
struct Span<'r, 'l, E> {
    reader: &'r mut Reader<'l, E>,
    parts: [u64; 2],
    next: usize,
}

impl<'de, E: Source> de::SeqAccess<'de> for Span<'_, '_, E> {
    type Error = Stop;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>> {
        self.next += 1;
        match self.parts.get(self.next - 1) {
            Some(&part) => seed
                .deserialize(IntoDeserializer::<Stop>::into_deserializer(part))
                .map(Some),
            None if self.next == 3 => seed.deserialize(&mut *self.reader).map(Some),
            None => Ok(None),
        }
    }
}

/// An empty mapping or list written as nothing (`secrets:`).
struct Empty;

impl<'de> de::SeqAccess<'de> for Empty {
    type Error = Stop;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, _: S) -> Result<Option<S::Value>> {
        Ok(None)
    }
}

impl<'de> de::MapAccess<'de> for Empty {
    type Error = Stop;

    fn next_key_seed<S: DeserializeSeed<'de>>(&mut self, _: S) -> Result<Option<S::Value>> {
        Ok(None)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, _: S) -> Result<S::Value> {
        Err(problem(Problem::Custom("a value without a key".to_owned())))
    }
}

mod scalar;
#[cfg(test)]
mod tests;
