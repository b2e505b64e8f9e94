//! Where each policy of a Cedar file starts.
//!
//! Cedar's public API does not expose a parsed policy's position, and rules
//! need one for `file:line` in errors and `policies list`. Cedar statements
//! end with `;` outside strings and comments, so finding those is enough.
//!
//! Locations are counted from a known one before them, never from the
//! file's start again: a file of 5,000 rules would otherwise be scanned
//! 5,000 times, a cost quadratic in its rules.

use crate::source::Location;

/// Byte offsets of the first token of each statement in `text`, annotations
/// included.
pub fn statement_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    let mut i = 0;
    let mut in_statement = false;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b if b.is_ascii_whitespace() => {}
            b'"' => {
                if !in_statement {
                    starts.push(i);
                    in_statement = true;
                }
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b';' => in_statement = false,
            _ => {
                if !in_statement {
                    starts.push(i);
                    in_statement = true;
                }
            }
        }
        i += 1;
    }
    starts
}

/// The byte offset in `statement` of the `has` test of `attr` (`has attr`
/// or `has "attr"`), outside comments and strings.
pub fn find_has(statement: &str, attr: &str) -> Option<usize> {
    let bytes = statement.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'h' if statement[i..].starts_with("has") && (i == 0 || !is_word(bytes[i - 1])) => {
                let rest = &statement[i + 3..];
                let after = rest.trim_start();
                if rest.len() > after.len() {
                    let name = after.strip_prefix('"').unwrap_or(after);
                    if name
                        .strip_prefix(attr)
                        .is_some_and(|tail| !tail.bytes().next().is_some_and(is_word))
                    {
                        return Some(i);
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The locations of `offsets` (in increasing order) in `text`, the content
/// of `file`, found in one pass.
pub fn locate_all(file: &std::sync::Arc<str>, text: &str, offsets: &[usize]) -> Vec<Location> {
    let start = Location::file_start(file);
    let mut known = (0, start);
    offsets
        .iter()
        .map(|&offset| {
            let location = locate_after(&known.1, known.0, text, offset);
            known = (offset, location.clone());
            location
        })
        .collect()
}

/// The location of byte `offset` of `text`, counted from `known`, the
/// location of the earlier byte `known_offset`.
pub fn locate_after(known: &Location, known_offset: usize, text: &str, offset: usize) -> Location {
    let offset = offset.min(text.len());
    if offset < known_offset || known_offset > text.len() {
        return Location::from_offset(&known.file, text, offset);
    }
    let between = &text.as_bytes()[known_offset..offset];
    let Some(last_newline) = between.iter().rposition(|&b| b == b'\n') else {
        let column = known.column + String::from_utf8_lossy(between).chars().count();
        return Location::new(&known.file, known.line, column);
    };
    let line = known.line + between.iter().filter(|&&b| b == b'\n').count();
    let column = String::from_utf8_lossy(&between[last_newline + 1..])
        .chars()
        .count()
        + 1;
    Location::new(&known.file, line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_statement_starts_past_comments_and_strings() {
        let text = "// a comment; with a semicolon\n@id(\"a;b\")\nforbid(principal, action, resource);\n\n  @id(\"c\") forbid(principal, action, resource);\n";
        let starts = statement_starts(text);
        assert_eq!(starts.len(), 2);
        assert!(text[starts[0]..].starts_with("@id(\"a;b\")"));
        assert!(text[starts[1]..].starts_with("@id(\"c\")"));
    }

    #[test]
    fn locations_counted_from_known_ones_match_those_from_the_start() {
        let file: std::sync::Arc<str> = "f.cedar".into();
        let text = "// é\n@id(\"a\")\nforbid(principal, action, resource);\n  é @id(\"b\") forbid(principal, action, resource);\n";
        let offsets: Vec<usize> = (0..=text.len())
            .filter(|&o| text.is_char_boundary(o))
            .collect();
        let one_pass = locate_all(&file, text, &offsets);
        for (offset, location) in offsets.iter().zip(&one_pass) {
            assert_eq!(
                *location,
                Location::from_offset(&file, text, *offset),
                "{offset}"
            );
        }
    }
}
