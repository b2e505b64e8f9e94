//! Compose interpolation, as the compose specification (and compose-go,
//! which Docker uses) reads it: `$$` is a literal `$`; `$NAME` and
//! `${NAME}` substitute `NAME` (`[A-Za-z_][A-Za-z0-9_]*`); `${NAME:-x}` /
//! `${NAME-x}` give a default when `NAME` is unset or empty / unset;
//! `${NAME:?msg}` / `${NAME?msg}` refuse to start when it is unset or empty /
//! unset; `${NAME:+x}` / `${NAME+x}` give `x` when it is set and non-empty /
//! set. The argument may interpolate in turn (`${A:-${B}}`); the braces close
//! as compose-go closes them, counting only `${` as an opening. A `$`
//! followed by anything else (`$1`, `$ `) is kept as written. A `${` that
//! is not one of these forms (`${}`, `${1}`, `${A:x}`, no closing `}`) is
//! an invalid template: Docker refuses the file ("invalid interpolation
//! format").
//!
//! Works on bytes, so no text can make it panic: every delimiter is ASCII.

use std::ops::Range;

/// What follows the name inside `${NAME...}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `:-`: the argument when unset or empty.
    DefaultIfEmpty,
    /// `-`: the argument when unset.
    DefaultIfUnset,
    /// `:?`: an error when unset or empty.
    ErrorIfEmpty,
    /// `?`: an error when unset.
    ErrorIfUnset,
    /// `:+`: the argument when set and non-empty.
    AlternateIfNonEmpty,
    /// `+`: the argument when set.
    AlternateIfSet,
}

impl Operator {
    fn parse(text: &str) -> Option<(Self, usize)> {
        Some(match text.as_bytes() {
            [b':', b'-', ..] => (Self::DefaultIfEmpty, 2),
            [b':', b'?', ..] => (Self::ErrorIfEmpty, 2),
            [b':', b'+', ..] => (Self::AlternateIfNonEmpty, 2),
            [b'-', ..] => (Self::DefaultIfUnset, 1),
            [b'?', ..] => (Self::ErrorIfUnset, 1),
            [b'+', ..] => (Self::AlternateIfSet, 1),
            _ => return None,
        })
    }

    /// Whether the value is the variable's own value when it is set and
    /// non-empty (not an alternate).
    pub fn keeps_value(self) -> bool {
        !matches!(self, Self::AlternateIfNonEmpty | Self::AlternateIfSet)
    }
}

/// One `${NAME...}` or `$NAME` in a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolation {
    pub name: String,
    /// The default of `${NAME:-default}` / `${NAME-default}`, as written,
    /// when it holds no interpolation itself.
    pub default: Option<String>,
    pub operator: Option<Operator>,
    /// Bytes of the whole `$...` in the text given to [`parse`] (nested
    /// ones too).
    pub span: Range<usize>,
}

/// A `${` that compose refuses, at byte `offset` of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidTemplate {
    pub offset: usize,
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn name_len(bytes: &[u8]) -> usize {
    if !bytes.first().copied().is_some_and(is_name_start) {
        return 0;
    }
    bytes.iter().take_while(|c| is_name_char(**c)).count()
}

/// The byte after `${` ... `}` closing the `${` at the start of `bytes`,
/// counting `${` as the only opening (as compose-go does).
fn closing(bytes: &[u8]) -> Option<usize> {
    let mut open = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'}' {
            open -= 1;
            if open == 0 {
                return Some(i);
            }
        } else if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

/// The interpolations in `text`, nested ones (in arguments) before the one
/// that holds them; or the first invalid `${`.
pub fn parse(text: &str) -> Result<Vec<Interpolation>, InvalidTemplate> {
    let mut found = Vec::new();
    parse_into(text, 0, &mut found)?;
    Ok(found)
}

fn parse_into(
    text: &str,
    base: usize,
    found: &mut Vec<Interpolation>,
) -> Result<(), InvalidTemplate> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'$') => i += 2,
            Some(b'{') => {
                let invalid = InvalidTemplate { offset: base + i };
                let close = i + closing(&bytes[i..]).ok_or(invalid.clone())?;
                // All of these are ASCII positions, so char boundaries.
                let inner = &text[i + 2..close];
                let len = name_len(inner.as_bytes());
                if len == 0 {
                    return Err(invalid);
                }
                let name = &inner[..len];
                let rest = &inner[len..];
                let (operator, argument, skip) = if rest.is_empty() {
                    (None, None, 0)
                } else {
                    let (operator, skip) = Operator::parse(rest).ok_or(invalid)?;
                    (Some(operator), Some(&rest[skip..]), skip)
                };
                let before = found.len();
                if let Some(argument) = argument {
                    parse_into(argument, base + i + 2 + len + skip, found)?;
                }
                let nested = found.len() > before;
                let default = match operator {
                    Some(Operator::DefaultIfEmpty | Operator::DefaultIfUnset) if !nested => {
                        argument.map(str::to_owned)
                    }
                    _ => None,
                };
                found.push(Interpolation {
                    name: name.to_owned(),
                    default,
                    operator,
                    span: base + i..base + close + 1,
                });
                i = close + 1;
            }
            Some(_) => {
                let len = name_len(&bytes[i + 1..]);
                if len > 0 {
                    found.push(Interpolation {
                        name: text[i + 1..i + 1 + len].to_owned(),
                        default: None,
                        operator: None,
                        span: base + i..base + i + 1 + len,
                    });
                }
                i += 1 + len;
            }
            None => i += 1,
        }
    }
    Ok(())
}

/// The interpolations in `text`, ignoring an invalid template (see
/// [`parse`] for the error).
pub fn interpolations(text: &str) -> Vec<Interpolation> {
    let mut found = Vec::new();
    // On error, what was found before it is kept.
    let _ = parse_into(text, 0, &mut found);
    found
}

/// The host variable `text` is just a new name for: the whole text is one
/// `$VAR` or `${VAR}` (or `${VAR:-x}`, `${VAR-x}`, `${VAR:?x}`,
/// `${VAR?x}`), not an alternate (`${VAR:+x}`) nor part of a longer string.
pub fn delivers(text: &str) -> Option<String> {
    let found = parse(text).ok()?;
    let outer = found.last()?;
    (outer.span == (0..text.len()) && outer.operator.is_none_or(Operator::keeps_value))
        .then(|| outer.name.clone())
}

/// Whether `text` is interpolated: it holds a substitution or a `$$`.
pub fn interpolated(text: &str) -> bool {
    !interpolations(text).is_empty() || text.contains("$$")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(String, Option<String>)> {
        parse(text)
            .unwrap()
            .into_iter()
            .map(|i| (i.name, i.default))
            .collect()
    }

    #[test]
    fn every_form_of_the_spec() {
        assert_eq!(names("${A}"), vec![("A".into(), None)]);
        assert_eq!(
            names("x ${B:-dflt} $C_1/$$D ${E-x}"),
            vec![
                ("B".into(), Some("dflt".into())),
                ("C_1".into(), None),
                ("E".into(), Some("x".into()))
            ]
        );
        for (text, operator) in [
            ("${F:?must be set}", Operator::ErrorIfEmpty),
            ("${F?must be set}", Operator::ErrorIfUnset),
            ("${F:+alt}", Operator::AlternateIfNonEmpty),
            ("${F+alt}", Operator::AlternateIfSet),
            ("${F:-}", Operator::DefaultIfEmpty),
            ("${F-}", Operator::DefaultIfUnset),
        ] {
            let found = parse(text).unwrap();
            assert_eq!(found.len(), 1, "{text}");
            assert_eq!(found[0].name, "F");
            assert_eq!(found[0].operator, Some(operator), "{text}");
            assert_eq!(found[0].span, 0..text.len());
        }
        // Arguments interpolate in turn; compose-go closes on `}` counting
        // only `${` as an opening.
        assert_eq!(
            names("${G:-${H}}"),
            vec![("H".into(), None), ("G".into(), None)]
        );
        assert_eq!(names("${G:-{x}}}"), vec![("G".into(), Some("{x".into()))]);
        // `$$` escapes; `$` before anything else is kept.
        assert!(names("$$ $1 $ $- $$${X}").len() == 1);
        assert!(names("$$A $$ {A}").is_empty());
        assert_eq!(names("$A$B"), vec![("A".into(), None), ("B".into(), None)]);
        assert_eq!(names("x$"), vec![]);
    }

    #[test]
    fn invalid_templates_are_refused_with_their_offset() {
        for (text, offset) in [
            ("${}", 0),
            ("ab ${1X}", 3),
            ("${A:x}", 0),
            ("${A", 0),
            ("é${A B}", 2),
            ("${A:-${}}", 5),
            ("${A.B}", 0),
            ("${", 0),
        ] {
            assert_eq!(
                parse(text),
                Err(InvalidTemplate { offset }),
                "{text} should be invalid"
            );
        }
        // Unicode around and inside arguments: no panic, right spans.
        assert_eq!(parse("ü${É:-ö}"), Err(InvalidTemplate { offset: 2 }));
        assert_eq!(names("ü$Äx"), vec![]);
        let found = parse("ü${E:-ö}ß").unwrap();
        assert_eq!(found[0].span, 2..10);
        assert_eq!(found[0].default.as_deref(), Some("ö"));
    }

    #[test]
    fn delivers_only_a_whole_value_of_one_variable() {
        for (text, var) in [
            ("${DB_PASSWORD}", Some("DB_PASSWORD")),
            ("$DB_PASSWORD", Some("DB_PASSWORD")),
            ("${DB_PASSWORD:-x}", Some("DB_PASSWORD")),
            ("${DB_PASSWORD-x}", Some("DB_PASSWORD")),
            ("${DB_PASSWORD:?set it}", Some("DB_PASSWORD")),
            ("${DB_PASSWORD?set it}", Some("DB_PASSWORD")),
            ("${A:-${B}}", Some("A")),
            ("${DB_PASSWORD:+x}", None),
            ("${DB_PASSWORD+x}", None),
            ("pre${A}", None),
            ("${A}${B}", None),
            ("${A} ", None),
            ("$$A", None),
            ("literal", None),
            ("", None),
            ("${", None),
        ] {
            assert_eq!(delivers(text).as_deref(), var, "{text}");
        }
    }
}
