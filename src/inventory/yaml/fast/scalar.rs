//! How a scalar is typed, as serde_yaml types it (YAML 1.2's core schema:
//! `null` and `~`, `true`/`True`/`TRUE`, decimal, `0x`, `0o` and `0b`
//! integers with a sign, floats with `.inf` and `.nan`, and a leading zero
//! making digits a string), so a file reads as it did when serde_yaml read
//! it. Of tags, only YAML's own (`!!str`, `!!int`...) are taken.

use yaml_rust2::parser::Tag;
use yaml_rust2::scanner::TScalarStyle;

/// The suffix of one of YAML's own tags (`!!str`: `str`), or `None` for
/// any other tag.
pub(super) fn core_tag(tag: &Tag) -> Option<&str> {
    let core = matches!(tag.handle.as_str(), "!!" | "tag:yaml.org,2002:");
    let known = matches!(
        tag.suffix.as_str(),
        "str" | "int" | "bool" | "null" | "float" | "map" | "seq"
    );
    (core && known).then_some(tag.suffix.as_str())
}

/// What a scalar is, by YAML 1.2's core schema as serde_yaml applies it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Typed {
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
pub(super) fn typed(text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Typed {
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
