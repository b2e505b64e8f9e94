//! One pass over a file that is almost certainly well formed.
//!
//! Parsing a file with serde_yaml and then again with yaml-rust2 (for
//! positions and duplicate keys) was half of the work of a large check. This
//! reader makes one pass instead: it pulls YAML events, shows each to the
//! [`Locator`] and feeds it to serde in the same step. The events come from
//! [`Lines`] for a file written one entry per line (nearly every inventory),
//! and from yaml-rust2's parser for any other file or where `Lines` gives up.
//!
//! It reads only what it can read exactly as serde_yaml does (plain
//! mappings, sequences and scalars, with serde_yaml's rules for nulls,
//! booleans and integers). A file that does not fit `T` is reported from
//! serde's error data, at the node that failed; a syntax error, an empty
//! file, a second document or a repeated key from the same pass. The reader
//! gives up only on what it does not read (an anchor, an alias, a tag, a
//! float, a signed or prefixed integer, a tab or control character), and
//! [`super::parse`] then hands the file to serde_yaml. The tests compare
//! both readers on every inventory the repository ships and on inputs
//! chosen to sit on the edges of these rules.

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Expected, IntoDeserializer, Unexpected, Visitor,
};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;
use yaml_rust2::ScanError;

use super::error::{At, Mark, Problem, Result, Stop};
use super::lines::{Lines, Positioned};
use super::{same_characters, Locator};

/// What [`read`] made of a file.
pub(super) enum Read<T> {
    /// The file, and its positions.
    Done(T, Locator),
    /// A well-formed file of one document that does not fit `T`: the first
    /// problem, where it is, and the positions of the whole file.
    Failed(Problem, Option<At>, Locator),
    /// yaml-rust2 cannot parse the text.
    Syntax(ScanError),
    /// The text parses, but is not one document or repeats a key: the
    /// locator holds what it found.
    Malformed(Locator),
    /// The file needs the slow path (see the module docs).
    GiveUp,
}

/// Reads `text` into `T`, recording positions in a locator made by
/// `locator` as it goes.
///
/// Files written one entry per line are read by [`Lines`]; any other file,
/// or one `Lines` gives up on, by yaml-rust2's parser.
pub(super) fn read<T: DeserializeOwned>(text: &str, locator: impl Fn() -> Locator) -> Read<T> {
    if !same_characters(text) {
        return Read::GiveUp;
    }
    if let Some(lines) = Lines::new(text) {
        // `Lines` is only sure to read a good file as yaml-rust2 does: any
        // other verdict is yaml-rust2's to give.
        if let read @ Read::Done(..) = read_from(lines, locator()) {
            return read;
        }
    }
    read_from(Parser::new_from_str(text), locator())
}

fn read_from<T: DeserializeOwned>(events: impl Events, mut locator: Locator) -> Read<T> {
    let mut reader = Reader {
        events,
        locator: &mut locator,
        peeked: None,
        ended: false,
    };
    // Whatever stops the reader, the locator sees the whole stream: a syntax
    // error, a second document or a repeated key anywhere comes first.
    let read = match reader.document() {
        Ok(value) => Ok(value),
        Err(Stop::Syntax(scan)) => return Read::Syntax(scan),
        Err(stop) => match reader.drain() {
            Ok(rest_readable) => Err((stop, rest_readable)),
            Err(Stop::Syntax(scan)) => return Read::Syntax(scan),
            Err(_) => return Read::GiveUp,
        },
    };
    if locator.documents.len() != 1 || !locator.duplicates.is_empty() {
        return Read::Malformed(locator);
    }
    match read {
        Ok(value) => Read::Done(value, locator),
        // serde_yaml parses the whole document before it deserializes: the
        // first problem is the file's only if serde_yaml could parse the rest.
        Err((Stop::Problem(problem, at), true)) => Read::Failed(problem, at, locator),
        Err(_) => Read::GiveUp,
    }
}

/// Where a [`Reader`] gets its events: each with the line (from 1) and
/// column (in characters, from 0) it starts at.
pub(super) trait Events {
    fn next_event(&mut self) -> Result<Positioned>;
}

impl Events for Parser<std::str::Chars<'_>> {
    fn next_event(&mut self) -> Result<Positioned> {
        let (event, mark) = self.next_token().map_err(Stop::Syntax)?;
        Ok((event, mark.line(), mark.col()))
    }
}

impl Events for Lines<'_> {
    fn next_event(&mut self) -> Result<Positioned> {
        Lines::next_event(self)
    }
}

struct Reader<'l, E> {
    events: E,
    locator: &'l mut Locator,
    peeked: Option<Positioned>,
    /// The end of the stream was consumed.
    ended: bool,
}

impl<E: Events> Reader<'_, E> {
    /// The event after the ones consumed, without consuming it.
    fn peek(&mut self) -> Result<&Event> {
        let peeked = match self.peeked.take() {
            Some(peeked) => peeked,
            None => self.events.next_event()?,
        };
        Ok(&self.peeked.insert(peeked).0)
    }

    /// Consumes the next event; the locator sees every event once, in order.
    fn next(&mut self) -> Result<Event> {
        let event = self.next_any()?;
        if refused(&event) {
            Err(Stop::GiveUp)
        } else {
            Ok(event)
        }
    }

    /// [`Self::next`], for any event.
    fn next_any(&mut self) -> Result<Event> {
        let (event, line, col) = match self.peeked.take() {
            Some(peeked) => peeked,
            None => self.events.next_event()?,
        };
        self.locator.observe_at(&event, line, col);
        self.ended = matches!(event, Event::StreamEnd);
        Ok(event)
    }

    /// Where the next node starts, for an error in it.
    #[inline]
    fn peek_at(&mut self) -> Result<Mark> {
        self.peek()?;
        match &self.peeked {
            Some((event, line, col)) => Ok(Mark {
                line: *line,
                col: *col,
                mapping: matches!(event, Event::MappingStart(..)),
            }),
            None => Err(Stop::GiveUp),
        }
    }

    /// Consumes the rest of the stream, after an error; whether all of it
    /// is made of what the reader reads as serde_yaml does.
    fn drain(&mut self) -> Result<bool> {
        let mut readable = true;
        while !self.ended {
            readable &= !refused(&self.next_any()?);
        }
        Ok(readable)
    }

    fn expect(&mut self, wanted: &Event) -> Result<()> {
        if self.next()? == *wanted {
            Ok(())
        } else {
            Err(Stop::GiveUp)
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

    /// The next event, which must be a scalar: its text and whether it was plain.
    fn scalar(&mut self) -> Result<(String, bool)> {
        match self.next()? {
            Event::Scalar(text, style, ..) => Ok((text, style == TScalarStyle::Plain)),
            _ => Err(Stop::GiveUp),
        }
    }

    /// A plain scalar serde_yaml reads as null (`visit_none` for options).
    fn next_is_null(&mut self) -> Result<bool> {
        Ok(matches!(self.peek()?, Event::Scalar(text, TScalarStyle::Plain, ..) if is_null(text)))
    }

    /// A plain empty scalar, which serde_yaml reads as an empty mapping or list.
    fn next_is_empty(&mut self) -> Result<bool> {
        Ok(matches!(self.peek()?, Event::Scalar(text, TScalarStyle::Plain, ..) if text.is_empty()))
    }
}

/// Whether the reader leaves `event` to serde_yaml.
#[inline]
fn refused(event: &Event) -> bool {
    match event {
        // Anchors, aliases and tags are rare in inventories and are where
        // YAML readers differ most: serde_yaml reads them.
        Event::Alias(_)
        | Event::Nothing
        | Event::Scalar(_, _, 1.., _)
        | Event::Scalar(_, _, _, Some(_))
        | Event::SequenceStart(1.., _)
        | Event::SequenceStart(_, Some(_))
        | Event::MappingStart(1.., _)
        | Event::MappingStart(_, Some(_)) => true,
        // A plain scalar may start with an indicator in YAML 1.2
        // (`:x`, `?x`, `-x`), which yaml-rust2 follows; libyaml follows
        // YAML 1.1 and may refuse it (found by the fuzz target).
        Event::Scalar(text, TScalarStyle::Plain, ..) if text.starts_with([':', '?', '-']) => true,
        _ => false,
    }
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn as_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Decimal digits with no sign and no leading zero: the integers both
/// readers agree on. (serde_yaml also reads `0x`, `0o`, `0b` and `+`; those
/// take the slow path.)
fn as_plain_u64(text: &str) -> Option<u64> {
    let digits = text.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = text.len() > 1 && text.starts_with('0');
    if text.is_empty() || !digits || leading_zero {
        return None;
    }
    text.parse().ok()
}

/// Whether serde_yaml could read a plain scalar as something other than a
/// string: a signed or prefixed integer, or anything Rust reads as a float
/// (which covers `1e3`, `.5`, `inf` and `nan`; YAML's `.inf` and `.nan` too).
/// Errs on the side of the slow path: `0755` is a string to both readers.
fn may_be_number(text: &str) -> bool {
    let unsigned = text.trim_start_matches(['+', '-']);
    unsigned.len() != text.len()
        || ["0x", "0o", "0b"].iter().any(|p| text.starts_with(p))
        || unsigned.starts_with('.')
        || text.parse::<f64>().is_ok()
}

/// The type error serde_yaml reports where `event` is found and `expected`
/// was wanted, or a give-up where the kind of a plain scalar is not certain.
fn mismatch(event: &Event, expected: &dyn Expected) -> Stop {
    let found = match event {
        Event::MappingStart(..) => Unexpected::Map,
        Event::SequenceStart(..) => Unexpected::Seq,
        Event::Scalar(text, TScalarStyle::Plain, ..) => {
            if is_null(text) {
                Unexpected::Unit
            } else if let Some(boolean) = as_bool(text) {
                Unexpected::Bool(boolean)
            } else if let Some(number) = as_plain_u64(text) {
                Unexpected::Unsigned(number)
            } else if may_be_number(text) {
                return Stop::GiveUp;
            } else {
                Unexpected::Str(text)
            }
        }
        Event::Scalar(text, ..) => Unexpected::Str(text),
        _ => return Stop::GiveUp,
    };
    de::Error::invalid_type(found, expected)
}

macro_rules! give_up {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
                Err(Stop::GiveUp)
            }
        )*
    };
}

macro_rules! unsigned {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
                match self.next()? {
                    Event::Scalar(text, TScalarStyle::Plain, ..) if as_plain_u64(&text).is_some() => {
                        visitor.visit_u64(as_plain_u64(&text).ok_or(Stop::GiveUp)?)
                    }
                    event => Err(mismatch(&event, &visitor)),
                }
            }
        )*
    };
}

impl<'de, E: Events> de::Deserializer<'de> for &mut Reader<'_, E> {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.peek()? {
            Event::MappingStart(..) => self.deserialize_map(visitor),
            Event::SequenceStart(..) => self.deserialize_seq(visitor),
            _ => match self.scalar()? {
                (text, false) => visitor.visit_string(text),
                (text, true) if is_null(&text) => visitor.visit_unit(),
                (text, true) => match (as_bool(&text), as_plain_u64(&text)) {
                    (Some(boolean), _) => visitor.visit_bool(boolean),
                    (_, Some(number)) => visitor.visit_u64(number),
                    _ if may_be_number(&text) => Err(Stop::GiveUp),
                    _ => visitor.visit_string(text),
                },
            },
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.next()? {
            Event::Scalar(text, TScalarStyle::Plain, ..) if as_bool(&text).is_some() => {
                visitor.visit_bool(as_bool(&text).ok_or(Stop::GiveUp)?)
            }
            event => Err(mismatch(&event, &visitor)),
        }
    }

    unsigned!(deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64);
    // Nothing in the inventory is signed, fractional or binary.
    give_up!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_f32 deserialize_f64 deserialize_char deserialize_bytes deserialize_byte_buf);

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // serde_yaml reads any scalar as a string when a string is wanted,
        // `123` and `null` included.
        match self.next()? {
            Event::Scalar(text, ..) => visitor.visit_string(text),
            event => Err(mismatch(&event, &visitor)),
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
        match self.scalar()? {
            (text, true) if is_null(&text) => visitor.visit_unit(),
            _ => Err(Stop::GiveUp),
        }
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
        match self.next()? {
            Event::SequenceStart(..) => visitor.visit_seq(Items { reader: self }),
            event => Err(mismatch(&event, &visitor)),
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
        match self.next()? {
            Event::MappingStart(..) => visitor.visit_map(Entries { reader: self }),
            event => Err(mismatch(&event, &visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        // Only unit variants, written as a scalar: `tier: production`.
        let (text, _) = self.scalar()?;
        visitor.visit_enum(text.into_deserializer())
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }
}

/// The items of a sequence whose start was consumed.
struct Items<'r, 'l, E> {
    reader: &'r mut Reader<'l, E>,
}

impl<'de, E: Events> de::SeqAccess<'de> for Items<'_, '_, E> {
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

/// The entries of a mapping whose start was consumed.
struct Entries<'r, 'l, E> {
    reader: &'r mut Reader<'l, E>,
}

impl<'de, E: Events> de::MapAccess<'de> for Entries<'_, '_, E> {
    type Error = Stop;

    fn next_key_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>> {
        match self.reader.peek()? {
            Event::MappingEnd => {
                self.reader.next()?;
                Ok(None)
            }
            // Keys are scalars here; a mapping or list as a key takes the slow path.
            Event::Scalar(..) => {
                let mark = self.reader.peek_at()?;
                seed.deserialize(&mut *self.reader)
                    .map(Some)
                    .map_err(|e| e.at(mark, true))
            }
            _ => Err(Stop::GiveUp),
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
        Err(Stop::GiveUp)
    }
}

#[cfg(test)]
mod tests;
