//! The events of a YAML file written one entry per line, without a general
//! YAML scanner.
//!
//! yaml-rust2's scanner looks at every character through a buffered
//! look-ahead, and at 10,000 secrets it was a third of all the work of a
//! check. Inventories, and the files the bench generates, are almost always
//! written in a small part of YAML: block mappings and sequences, one entry
//! per line, single-line scalars and single-line flow collections. Lines of
//! that shape can be read one at a time with a handful of string searches.
//!
//! This reader produces exactly the events, and the positions of the events
//! the reader uses (where a node or a document starts), that yaml-rust2
//! produces for the same text, and gives up on the first line of any other shape: a
//! multi-line scalar, a block scalar, an empty value, an anchor, a tag, a
//! document marker, an escape in a double-quoted string, a tab or a carriage
//! return anywhere, a key longer than yaml-rust2 allows. Giving up only means
//! the file is read again by yaml-rust2. The tests compare the two event
//! streams on every YAML file in the repository and on edge cases.

use std::collections::VecDeque;

use yaml_rust2::parser::Event;
use yaml_rust2::scanner::TScalarStyle;

use super::error::Result;
use super::error::Stop::GiveUp;

mod agree;
pub(super) use agree::agrees_with_yaml_rust2;

pub(super) use super::events::Positioned;
use super::events::Source;

/// Open block collections, by the column of their entries.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Block {
    Mapping(usize),
    Sequence(usize),
}

impl Block {
    fn indent(self) -> usize {
        match self {
            Block::Mapping(indent) | Block::Sequence(indent) => indent,
        }
    }

    fn end(self) -> Event {
        match self {
            Block::Mapping(_) => Event::MappingEnd,
            Block::Sequence(_) => Event::SequenceEnd,
        }
    }
}

/// A key or a `-` whose value starts on a later line.
#[derive(Debug, Clone, Copy)]
struct Pending {
    /// The column of the mapping or sequence the entry belongs to.
    indent: usize,
    /// A mapping's value may be a sequence at the mapping's own column.
    in_mapping: bool,
}

impl Source for Lines<'_> {
    fn next_event(&mut self) -> Result<Positioned> {
        self.next_line_event()
    }
}

/// Flow collections nested deeper than this on one line are left to the
/// parser.
const LINE_FLOW_DEPTH: usize = 8;

/// yaml-rust2 refuses a simple key that runs past 1024 characters.
const LONGEST_KEY: usize = 1000;

/// The events of one text, produced a line at a time.
pub(super) struct Lines<'t> {
    lines: std::str::Split<'t, char>,
    /// The number of the last line read.
    line: usize,
    blocks: Vec<Block>,
    pending: Option<Pending>,
    queue: VecDeque<Positioned>,
    started: bool,
    finished: bool,
}

impl<'t> Lines<'t> {
    /// `None` for a text with a character this reader never handles: a
    /// tab, a carriage return, or a control character (which
    /// [`super::admit`] refuses before a file gets here; the fuzz target
    /// calls this reader directly).
    pub(super) fn new(text: &'t str) -> Option<Self> {
        if text.bytes().any(|b| b == b'\t' || b == b'\r')
            || super::first_control_character(text).is_some()
        {
            return None;
        }
        Some(Lines {
            lines: text.split('\n'),
            line: 0,
            blocks: Vec::new(),
            pending: None,
            queue: VecDeque::new(),
            started: false,
            finished: false,
        })
    }

    fn next_line_event(&mut self) -> Result<Positioned> {
        while self.queue.is_empty() {
            if self.finished {
                return Err(GiveUp);
            }
            match self.lines.next() {
                Some(text) => {
                    self.line += 1;
                    self.read_line(text)?;
                }
                None => self.finish()?,
            }
        }
        self.queue.pop_front().ok_or(GiveUp)
    }

    fn push(&mut self, event: Event, col: usize) {
        self.queue.push_back((event, self.line, col));
    }

    fn finish(&mut self) -> Result<()> {
        if self.pending.is_some() || !self.started {
            return Err(GiveUp);
        }
        while let Some(block) = self.blocks.pop() {
            self.push(block.end(), 0);
        }
        self.push(Event::DocumentEnd, 0);
        self.push(Event::StreamEnd, 0);
        self.finished = true;
        Ok(())
    }

    fn read_line(&mut self, text: &'t str) -> Result<()> {
        let content = text.trim_start_matches(' ');
        let indent = text.len() - content.len();
        if content.is_empty() || content.starts_with('#') {
            return Ok(());
        }
        let line = Line::new(text);
        let entry = is_sequence_entry(content);
        if !self.started {
            // The document is one block mapping at the first column.
            if indent != 0 || entry {
                return Err(GiveUp);
            }
            self.started = true;
            self.push(Event::StreamStart, 0);
            // yaml-rust2 puts the start of an implicit document where its
            // root mapping starts.
            let colon = line.col(find_key_end(content).ok_or(GiveUp)?);
            self.push(Event::DocumentStart, colon);
            return self.open_mapping(&line, indent);
        }
        if let Some(pending) = self.pending.take() {
            // The value of the last key or `-` is a block on this line.
            let nested = indent > pending.indent;
            let indentless = pending.in_mapping && indent == pending.indent && entry;
            if !nested && !indentless {
                return Err(GiveUp); // an empty value, which is null
            }
            if entry {
                // yaml-rust2 marks a sequence at its mapping's column where
                // its first item starts, after the dash.
                let mark = if indentless {
                    let item = indent + 1 + line.spaces_from(indent + 1);
                    if item == text.len() || text[item..].starts_with('#') {
                        return Err(GiveUp);
                    }
                    line.col(item)
                } else {
                    indent
                };
                self.push(Event::SequenceStart(0, None), mark);
                self.blocks.push(Block::Sequence(indent));
                return self.sequence_entry(&line, indent);
            }
            return self.open_mapping(&line, indent);
        }
        while let Some(&block) = self.blocks.last() {
            if block.indent() <= indent {
                break;
            }
            self.blocks.pop();
            self.push(block.end(), indent);
        }
        match self.blocks.last().copied() {
            Some(Block::Sequence(at)) if at == indent && entry => {
                self.sequence_entry(&line, indent)
            }
            Some(Block::Sequence(at)) if at == indent => {
                // A sequence at its mapping's column ends at the next key.
                self.blocks.pop();
                self.push(Event::SequenceEnd, indent);
                match self.blocks.last() {
                    Some(Block::Mapping(at)) if *at == indent => self.mapping_entry(&line, indent),
                    _ => Err(GiveUp),
                }
            }
            Some(Block::Mapping(at)) if at == indent && !entry => self.mapping_entry(&line, indent),
            _ => Err(GiveUp),
        }
    }

    /// `- value` at `dash`.
    fn sequence_entry(&mut self, line: &Line<'t>, dash: usize) -> Result<()> {
        let after = dash + 1;
        let start = after + line.spaces_from(after);
        let rest = &line.text[start..];
        if rest.is_empty() || rest.starts_with('#') {
            self.pending = Some(Pending {
                indent: dash,
                in_mapping: false,
            });
            return Ok(());
        }
        if is_sequence_entry(rest) {
            return Err(GiveUp); // `- - x`
        }
        if !rest.starts_with(['{', '[']) && find_key_end(rest).is_some() {
            // `- key: value`: a mapping whose keys line up after the dash.
            return self.open_mapping(line, start);
        }
        self.block_value(line, start)
    }

    /// A block mapping whose first entry starts at byte `start`. yaml-rust2
    /// marks its start at the `:` of the first key, where its scanner
    /// learns that the key was one.
    fn open_mapping(&mut self, line: &Line<'t>, start: usize) -> Result<()> {
        let colon = start + find_key_end(&line.text[start..]).ok_or(GiveUp)?;
        self.push(Event::MappingStart(0, None), line.col(colon));
        self.blocks.push(Block::Mapping(line.col(start)));
        self.mapping_entry(line, start)
    }

    /// `key: value` starting at byte `start` of the line.
    fn mapping_entry(&mut self, line: &Line<'t>, start: usize) -> Result<()> {
        let rest = &line.text[start..];
        let key_end = find_key_end(rest).ok_or(GiveUp)?;
        let (key, style) = key_scalar(&rest[..key_end])?;
        self.push(Event::Scalar(key, style, 0, None), line.col(start));
        let after = start + key_end + 1;
        let value = after + line.spaces_from(after);
        let tail = &line.text[value..];
        if tail.is_empty() || tail.starts_with('#') {
            self.pending = Some(Pending {
                indent: self.blocks.last().map_or(0, |b| b.indent()),
                in_mapping: true,
            });
            return Ok(());
        }
        if value == after {
            return Err(GiveUp); // `key:value` is not a key
        }
        self.block_value(line, value)
    }

    /// A scalar or a flow collection that ends the line.
    fn block_value(&mut self, line: &Line<'t>, start: usize) -> Result<()> {
        let rest = &line.text[start..];
        let end = match rest.as_bytes()[0] {
            b'[' | b'{' => start + self.flow(line, start, 1)?,
            b'"' | b'\'' => {
                let (value, style, len) = quoted(rest)?;
                self.push(Event::Scalar(value, style, 0, None), line.col(start));
                start + len
            }
            _ => {
                let value = block_plain(rest)?;
                self.push(
                    Event::Scalar(value.to_owned(), TScalarStyle::Plain, 0, None),
                    line.col(start),
                );
                return Ok(());
            }
        };
        let tail = &line.text[end..];
        let comment = tail.trim_start_matches(' ');
        if comment.is_empty() || (comment.starts_with('#') && comment.len() < tail.len()) {
            Ok(())
        } else {
            Err(GiveUp)
        }
    }

    /// A flow collection at byte `start`, which must close on the line,
    /// nested `depth` flow collections deep. Returns its length.
    fn flow(&mut self, line: &Line<'t>, start: usize, depth: usize) -> Result<usize> {
        // This reader recurses per level; deeper flow collections (never
        // seen in an inventory) are left to the parser, whose stream limits
        // depth before anything recurses.
        if depth > LINE_FLOW_DEPTH {
            return Err(GiveUp);
        }
        let text = line.text;
        let bytes = text.as_bytes();
        let mapping = bytes[start] == b'{';
        let close = if mapping { b'}' } else { b']' };
        self.push(
            if mapping {
                Event::MappingStart(0, None)
            } else {
                Event::SequenceStart(0, None)
            },
            line.col(start),
        );
        let mut at = start + 1;
        let mut first = true;
        loop {
            at += line.spaces_from(at);
            match bytes.get(at) {
                Some(&b) if b == close && first => break,
                Some(_) => {}
                None => return Err(GiveUp),
            }
            first = false;
            let key = at;
            at = self.flow_node(line, at, depth)?;
            if mapping {
                if at - key >= LONGEST_KEY {
                    return Err(GiveUp);
                }
                // `key: value`, with the space yaml-rust2 needs after a plain key.
                if bytes.get(at) != Some(&b':') || bytes.get(at + 1) != Some(&b' ') {
                    return Err(GiveUp);
                }
                at += 1;
                at += line.spaces_from(at);
                at = self.flow_node(line, at, depth)?;
            }
            at += line.spaces_from(at);
            match bytes.get(at) {
                Some(b',') => {
                    at += 1;
                    at += line.spaces_from(at);
                    // A trailing comma is left to yaml-rust2.
                    if bytes.get(at) == Some(&close) {
                        return Err(GiveUp);
                    }
                }
                Some(&b) if b == close => break,
                _ => return Err(GiveUp),
            }
        }
        self.push(
            if mapping {
                Event::MappingEnd
            } else {
                Event::SequenceEnd
            },
            line.col(at),
        );
        Ok(at + 1 - start)
    }

    /// One node inside a flow collection at byte `start`; returns the byte
    /// after it.
    fn flow_node(&mut self, line: &Line<'t>, start: usize, depth: usize) -> Result<usize> {
        let rest = &line.text[start..];
        match rest.as_bytes().first() {
            Some(b'[' | b'{') => Ok(start + self.flow(line, start, depth + 1)?),
            Some(b'"' | b'\'') => {
                let (value, style, len) = quoted(rest)?;
                self.push(Event::Scalar(value, style, 0, None), line.col(start));
                Ok(start + len)
            }
            Some(_) => {
                let len = rest
                    .find([',', '[', ']', '{', '}', ':', '#'])
                    .unwrap_or(rest.len());
                let value = rest[..len].trim_end_matches(' ');
                // yaml-rust2 refuses a word `-` that a flow indicator ends
                // (`[x -]`, `{k: x -}`), found by the fuzz target; a dash
                // after a space is left to it.
                if !plain_start(value) || value.contains(" -") {
                    return Err(GiveUp);
                }
                self.push(
                    Event::Scalar(value.to_owned(), TScalarStyle::Plain, 0, None),
                    line.col(start),
                );
                Ok(start + value.len())
            }
            None => Err(GiveUp),
        }
    }
}

/// One line's text, and how to turn its byte offsets into yaml-rust2's
/// columns (characters).
struct Line<'t> {
    text: &'t str,
    ascii: bool,
}

impl<'t> Line<'t> {
    fn new(text: &'t str) -> Self {
        Line {
            text,
            ascii: text.is_ascii(),
        }
    }

    fn col(&self, byte: usize) -> usize {
        if self.ascii {
            byte
        } else {
            self.text[..byte].chars().count()
        }
    }

    fn spaces_from(&self, byte: usize) -> usize {
        self.text.as_bytes()[byte..]
            .iter()
            .take_while(|&&b| b == b' ')
            .count()
    }
}

fn is_sequence_entry(content: &str) -> bool {
    content == "-" || content.starts_with("- ")
}

/// Where the `:` of `key: ...` (or `key:` at the end of the line) is, for a
/// single-line key; `None` when `content` is not a mapping entry this
/// reader knows.
fn find_key_end(content: &str) -> Option<usize> {
    let bytes = content.as_bytes();
    let end = match bytes.first()? {
        b'"' | b'\'' => {
            let (_, _, len) = quoted(content).ok()?;
            (bytes.get(len) == Some(&b':')).then_some(len)?
        }
        _ => {
            let mut search = 0;
            loop {
                let colon = search + content[search..].find(':')?;
                match bytes.get(colon + 1) {
                    None | Some(b' ') => break colon,
                    _ => search = colon + 1,
                }
            }
        }
    };
    let after = &content[end + 1..];
    let valid_after = after.is_empty() || after.starts_with(' ');
    (valid_after && end < LONGEST_KEY).then_some(end)
}

/// The key before the `:` found by [`find_key_end`].
fn key_scalar(key: &str) -> Result<(String, TScalarStyle)> {
    if key.starts_with(['"', '\'']) {
        let (value, style, len) = quoted(key)?;
        return if len == key.len() {
            Ok((value, style))
        } else {
            Err(GiveUp)
        };
    }
    let value = key.trim_end_matches(' ');
    // Flow indicators and comments in a key are left to yaml-rust2. These
    // run for every line of a large inventory: one pass over the bytes.
    let mut previous = b'x';
    for &b in value.as_bytes() {
        if matches!(b, b'{' | b'}' | b'[' | b']' | b',') || (b == b'#' && previous == b' ') {
            return Err(GiveUp);
        }
        previous = b;
    }
    if !plain_start(value) {
        return Err(GiveUp);
    }
    Ok((value.to_owned(), TScalarStyle::Plain))
}

/// A plain scalar that ends the line (before a comment).
fn block_plain(rest: &str) -> Result<&str> {
    let bytes = rest.as_bytes();
    let mut end = bytes.len();
    for (at, &b) in bytes.iter().enumerate() {
        let next = bytes.get(at + 1).copied();
        match (b, next) {
            (b' ', Some(b'#')) => {
                end = at;
                break;
            }
            // `a: b: c` is an error, and `a: b:` a key: yaml-rust2's to report.
            (b':', Some(b' ') | None) => return Err(GiveUp),
            _ => {}
        }
    }
    let value = rest[..end].trim_end_matches(' ');
    if !plain_start(value) || value.ends_with(':') {
        return Err(GiveUp);
    }
    Ok(value)
}

/// Whether a plain scalar may start as `value` does: not empty, and not with
/// a character that means something else in YAML.
fn plain_start(value: &str) -> bool {
    value.bytes().next().is_some_and(|b| {
        !matches!(
            b,
            b'-' | b'?'
                | b':'
                | b','
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'#'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
        )
    })
}

/// A quoted scalar at the start of `text`, closed on the same line: its
/// value, style and length in bytes. Double-quoted escapes are left to
/// yaml-rust2.
fn quoted(text: &str) -> Result<(String, TScalarStyle, usize)> {
    let bytes = text.as_bytes();
    match bytes.first() {
        Some(b'"') => {
            let close = 1 + text[1..].find(['"', '\\']).ok_or(GiveUp)?;
            if bytes[close] == b'\\' {
                return Err(GiveUp);
            }
            Ok((
                text[1..close].to_owned(),
                TScalarStyle::DoubleQuoted,
                close + 1,
            ))
        }
        Some(b'\'') => {
            let mut value = String::new();
            let mut at = 1;
            loop {
                let quote = at + text[at..].find('\'').ok_or(GiveUp)?;
                value.push_str(&text[at..quote]);
                if bytes.get(quote + 1) == Some(&b'\'') {
                    value.push('\'');
                    at = quote + 2;
                } else {
                    return Ok((value, TScalarStyle::SingleQuoted, quote + 1));
                }
            }
        }
        _ => Err(GiveUp),
    }
}
