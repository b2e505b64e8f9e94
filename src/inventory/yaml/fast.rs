//! One pass over a file: events to serde and to the position recorder.
//!
//! This reader pulls events from the [`Stream`] (aliases replayed, limits
//! checked), shows each to the [`Locator`] and feeds it to serde in the
//! same step, so a file is parsed once. The events come from [`Lines`] for
//! a file written one entry per line (nearly every inventory), and from
//! yaml-rust2's parser for any other file or where `Lines` gives up.
//!
//! Scalars are typed as serde_yaml types them (YAML 1.2's core schema:
//! `null` and `~`, `true`/`True`/`TRUE`, decimal, `0x`, `0o` and `0b`
//! integers with a sign, floats with `.inf` and `.nan`, and a leading zero
//! making digits a string), so a file reads as it did when serde_yaml read
//! it. Of tags, only YAML's own (`!!str`, `!!int`...) are taken. A file
//! that does not fit `T` is reported from serde's error data, at the node
//! that failed; a syntax error, an empty file, a second document or a
//! repeated key from the same pass.

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Expected, IntoDeserializer, Unexpected, Visitor,
};
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;
use yaml_rust2::ScanError;

use super::error::{At, Limit, Mark, Problem, Result, Stop};
use super::events::{Positioned, Source, Stream};
use super::lines::Lines;
use super::Locator;

/// What [`read`] made of a file.
pub(super) enum Read<T> {
    /// The file, its positions, and the problems the reader stepped over
    /// (see [`Reader::recover`]): with any, the value holds placeholders.
    Done(T, Locator, Vec<(Problem, At)>),
    /// A well-formed file of one document that does not fit `T`: the
    /// problems stepped over, then the one that stopped the reader (and
    /// where it is), and the positions of the whole file.
    Failed(Vec<(Problem, Option<At>)>, Locator),
    /// yaml-rust2 cannot parse the text.
    Syntax(ScanError),
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

/// Reads `text` into `T`, recording positions in a locator made by
/// `locator` as it goes.
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
    match read {
        Err(Stop::GiveUp) => Read::GaveUp,
        Err(Stop::Syntax(scan)) => Read::Syntax(scan),
        Err(Stop::Limit(limit, line, col)) => Read::Limit(limit, line, col),
        _ if locator.documents.len() != 1 || !locator.duplicates.is_empty() => {
            Read::Malformed(locator)
        }
        Ok(value) => Read::Done(value, locator, recovered),
        Err(Stop::Problem(problem, at)) => {
            let mut problems: Vec<_> = recovered.into_iter().map(|(p, at)| (p, Some(at))).collect();
            if !matches!(problem, Problem::Told) {
                problems.push((problem, at));
            }
            Read::Failed(problems, locator)
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
        if let Stop::Problem(problem, _) = problem.at(mark, key) {
            self.recovered.push((
                problem,
                At {
                    line: mark.line,
                    column: mark.col + 1,
                    key,
                    mapping: mark.mapping,
                },
            ));
        }
        self.skip_after(first)
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
        let (event, line, col) = self.peeked.as_ref().ok_or(Stop::GiveUp)?;
        Ok(Mark {
            line: *line,
            col: *col,
            mapping: matches!(event, Event::MappingStart(..)),
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
        let value = T::deserialize(&mut *self).map_err(|e| e.at(mark, false))?;
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

/// The suffix of one of YAML's own tags (`!!str`: `str`), or `None` for
/// any other tag.
fn core_tag(tag: &Tag) -> Option<&str> {
    let core = matches!(tag.handle.as_str(), "!!" | "tag:yaml.org,2002:");
    let known = matches!(
        tag.suffix.as_str(),
        "str" | "int" | "bool" | "null" | "float" | "map" | "seq"
    );
    (core && known).then_some(tag.suffix.as_str())
}

/// What a scalar is, by YAML 1.2's core schema as serde_yaml applies it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Typed {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    /// An integer beyond 64 bits, which nothing in these files takes.
    TooLarge,
    Str,
}

/// Types a scalar: a quoted scalar, or one tagged `!!str`, is a string; a
/// plain one (or one with another core tag) is whatever its text says.
fn typed(text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Typed {
    let plain = match tag.and_then(core_tag) {
        Some("str") => false,
        Some(_) => true,
        None => style == TScalarStyle::Plain,
    };
    if !plain {
        return Typed::Str;
    }
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Typed::Null;
    }
    match text {
        "true" | "True" | "TRUE" => return Typed::Bool(true),
        "false" | "False" | "FALSE" => return Typed::Bool(false),
        _ => {}
    }
    if let Some(number) = integer(text) {
        return number;
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !leading_zero_digits(text)
    {
        return Typed::TooLarge;
    }
    if !leading_zero_digits(text) {
        if let Some(float) = float(text) {
            return Typed::Float(float);
        }
    }
    Typed::Str
}

/// An integer with an optional sign, in decimal or with a `0x`, `0o` or
/// `0b` prefix. Digits with a leading zero are a string (YAML 1.2).
fn integer(text: &str) -> Option<Typed> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if unsigned.starts_with(['+', '-']) || leading_zero_digits(text) {
        return None;
    }
    let (digits, radix) = match unsigned.get(..2) {
        Some("0x") => (&unsigned[2..], 16),
        Some("0o") => (&unsigned[2..], 8),
        Some("0b") => (&unsigned[2..], 2),
        _ => (unsigned, 10),
    };
    if digits.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if !negative {
        return Some(Typed::Unsigned(magnitude));
    }
    0i64.checked_sub_unsigned(magnitude).map(Typed::Signed)
}

/// Digits with a leading zero (`0755`, `-01`): a string in YAML 1.2.
fn leading_zero_digits(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    digits.len() > 1 && digits.starts_with('0') && digits[1..].bytes().all(|b| b.is_ascii_digit())
}

/// A finite float as Rust reads it, or YAML's `.inf` and `.nan`.
fn float(text: &str) -> Option<f64> {
    let unsigned = match text.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => text,
    };
    match unsigned {
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    unsigned.parse::<f64>().ok().filter(|f| f.is_finite())
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
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.next_is_empty()? {
            self.next()?;
            return visitor.visit_seq(Empty);
        }
        let mark = self.peek_at()?;
        match self.next()? {
            Event::SequenceStart(..) => visitor.visit_seq(Items { reader: self }),
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
            Event::MappingStart(..) => visitor.visit_map(Entries {
                reader: self,
                fields: None,
            }),
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
        match self.next()? {
            Event::MappingStart(..) => {
                let before = self.recovered.len();
                let read = visitor.visit_map(Entries {
                    reader: &mut *self,
                    fields: Some(fields),
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
                    read => read,
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
            event => Err(mismatch(&event, &visitor)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }
}

/// The items of a sequence whose start was consumed.
struct Items<'r, 'l, E> {
    reader: &'r mut Reader<'l, E>,
}

impl<'de, E: Source> de::SeqAccess<'de> for Items<'_, '_, E> {
    type Error = Stop;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>> {
        if matches!(self.reader.peek()?, Event::SequenceEnd) {
            self.reader.next()?;
            return Ok(None);
        }
        let mark = self.reader.peek_at()?;
        seed.deserialize(&mut *self.reader)
            .map(Some)
            .map_err(|e| e.at(mark, false))
    }
}

/// The entries of a mapping whose start was consumed; for a struct, the
/// names of its fields, so that an unknown key can be stepped over.
struct Entries<'r, 'l, E> {
    reader: &'r mut Reader<'l, E>,
    fields: Option<&'static [&'static str]>,
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
                    return seed
                        .deserialize(&mut *self.reader)
                        .map(Some)
                        .map_err(|e| e.at(mark, true));
                }
            }
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value> {
        let mark = self.reader.peek_at()?;
        seed.deserialize(&mut *self.reader)
            .map_err(|e| e.at(mark, false))
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

#[cfg(test)]
mod tests;
