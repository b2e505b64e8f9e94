//! The nesting bound of a template, checked before minijinja compiles it:
//! no block or expression deeper than [`MAX_TEMPLATE_DEPTH`] (the size cap
//! is [`crate::read::TEMPLATE_CAP`], applied when the file is read).
//!
//! minijinja's parser stops nested brackets and blocks itself at 150 levels
//! ("template exceeds maximum recursion limits"), but not chains:
//! `{{ 1 + 1 + … }}`, `{{ x.a.a.a… }}`, `{{ x|f|f|f… }}` or `{{ f(1)(1)… }}`
//! parse into a tree as deep as the chain is long, and compiling it recursed
//! until the stack overflowed (about 4,000 links of a chain in a debug
//! build, on the main thread's 8 MiB: about 2 KiB per level). The text is
//! measured with [`crate::depth::Meter`]: each block (`{% if %}` …
//! `{% endif %}`) and each bracket is a level, and every operator, call and
//! subscript counts (no precedence classes), so the bound over-counts and
//! never under-counts. It is below minijinja's own limit, so a template too
//! deep is always told with this module's message, its line and the limit;
//! the deepest built-in template measures 12.

use std::sync::Arc;

use crate::depth::Meter;
use crate::diag::{Code, InputError};
use crate::source::Location;

/// The deepest a template may nest blocks, brackets and operators.
pub const MAX_TEMPLATE_DEPTH: usize = 100;

/// The depth of `text`, as the bound measures it.
pub fn depth(text: &str) -> usize {
    scan(text, usize::MAX).0
}

/// Checks `text`, the template shown as `display`, against the bound.
pub fn check(display: &Arc<str>, text: &str) -> Result<(), InputError> {
    match scan(text, MAX_TEMPLATE_DEPTH).1 {
        None => Ok(()),
        Some(offset) => Err(InputError::new(
            Code::TemplateTooDeep,
            format!(
                "template nests deeper than {MAX_TEMPLATE_DEPTH} levels of blocks, brackets and operators"
            ),
        )
        .at(Location::from_offset(display, text, offset))
        .help(format!(
            "the limit is {MAX_TEMPLATE_DEPTH}: split the expression with `{{% set %}}`, or the template with `{{% include %}}`"
        ))),
    }
}

/// The blocks a template opens with a tag of this name and closes with
/// `end<name>`.
const BLOCKS: [&str; 9] = [
    "if",
    "for",
    "macro",
    "call",
    "filter",
    "with",
    "autoescape",
    "block",
    "set",
];

/// The deepest point of `text` up to the first token that takes it past
/// `limit`, and that token's byte offset.
fn scan(text: &str, limit: usize) -> (usize, Option<usize>) {
    let bytes = text.as_bytes();
    let mut meter = Meter::new();
    let mut deepest = meter.depth();
    let mut i = 0;
    while i < bytes.len() {
        let opener = (bytes[i] == b'{')
            .then(|| bytes.get(i + 1).copied())
            .flatten();
        match opener {
            Some(b'#') => {
                i = text[i..].find("#}").map_or(bytes.len(), |end| i + end + 2);
                continue;
            }
            Some(kind @ (b'{' | b'%')) => {
                let start = i;
                let mut tag = Tag::new(text, i + 2, kind);
                let word = if kind == b'%' { tag.first_word() } else { "" };
                let set_block = word == "set" && !tag.assigns();
                let opens = BLOCKS.contains(&word) && (word != "set" || set_block);
                if word.starts_with("end") {
                    meter.close();
                }
                if opens {
                    meter.open();
                }
                // The tag's expression is a group inside its block.
                meter.open();
                let crossed = tag.measure(&mut meter, &mut deepest, limit);
                meter.close();
                deepest = deepest.max(meter.depth());
                if crossed.is_some() || meter.depth() > limit {
                    return (deepest, crossed.or(Some(start)));
                }
                i = tag.end;
                if word == "raw" {
                    i = skip_raw(text, i);
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    (deepest, None)
}

/// One `{{ … }}` or `{% … %}` tag, read from just after its opening.
struct Tag<'t> {
    text: &'t str,
    start: usize,
    /// `{` for an expression, `%` for a statement.
    kind: u8,
    /// Just past the closing `}}` or `%}`, once measured.
    end: usize,
}

impl<'t> Tag<'t> {
    fn new(text: &'t str, start: usize, kind: u8) -> Self {
        Self {
            text,
            start,
            kind,
            end: text.len(),
        }
    }

    /// The tag's first word (`if`, `endfor`, ...), after any `-` or `+`.
    fn first_word(&self) -> &'t str {
        let rest = self.text[self.start..].trim_start_matches(['-', '+']);
        let rest = rest.trim_start();
        let len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        &rest[..len]
    }

    /// Whether a `set` tag assigns (`{% set x = 1 %}`), rather than opening
    /// a block (`{% set x %}…{% endset %}`).
    fn assigns(&self) -> bool {
        let bytes = self.text.as_bytes();
        let mut i = self.start;
        while i + 1 < bytes.len() && !(bytes[i] == b'%' && bytes[i + 1] == b'}') {
            match bytes[i] {
                b'\'' | b'"' => i = skip_string(bytes, i),
                b'=' if bytes.get(i + 1) != Some(&b'=') => return true,
                _ => {}
            }
            i += 1;
        }
        false
    }

    /// Feeds the tag's tokens to `meter` up to its closing; the offset of the
    /// token that takes it past `limit`, if one does.
    fn measure(&mut self, meter: &mut Meter, deepest: &mut usize, limit: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let close = if self.kind == b'{' { b'}' } else { b'%' };
        let mut open_brackets = 0usize;
        // Whether the last token ended an operand: a bracket after one is a
        // call or a subscript (`f(x)(y)`, `x[0][0]`), which nests.
        let mut after_operand = false;
        let mut i = self.start;
        while i < bytes.len() {
            let token = i;
            let mut operand = false;
            match bytes[i] {
                b if b == close && open_brackets == 0 && bytes.get(i + 1) == Some(&b'}') => {
                    self.end = i + 2;
                    return None;
                }
                b'\'' | b'"' => {
                    i = skip_string(bytes, i);
                    operand = true;
                }
                b'(' | b'[' | b'{' => {
                    if after_operand && bytes[i] != b'{' {
                        meter.operator(0);
                    }
                    open_brackets += 1;
                    meter.open();
                }
                b')' | b']' | b'}' => {
                    open_brackets = open_brackets.saturating_sub(1);
                    meter.close();
                    operand = true;
                }
                b if b.is_ascii_whitespace() => operand = after_operand,
                b',' | b':' => meter.separator(),
                b'*' | b'/' | b'=' | b'!' | b'<' | b'>'
                    if matches!(bytes.get(i + 1), Some(b'*' | b'/' | b'=')) =>
                {
                    i += 1;
                    meter.operator(0);
                }
                b'+' | b'-' | b'*' | b'/' | b'%' | b'~' | b'<' | b'>' | b'|' | b'.' => {
                    meter.operator(0)
                }
                b if b.is_ascii_alphabetic() || b == b'_' => {
                    while i + 1 < bytes.len()
                        && (bytes[i + 1].is_ascii_alphanumeric() || bytes[i + 1] == b'_')
                    {
                        i += 1;
                    }
                    if matches!(
                        &self.text[token..=i],
                        "and" | "or" | "not" | "in" | "is" | "if" | "else"
                    ) {
                        meter.operator(0);
                    } else {
                        operand = true;
                    }
                }
                b if b.is_ascii_digit() => operand = true,
                _ => {}
            }
            after_operand = operand;
            *deepest = (*deepest).max(meter.depth());
            if meter.depth() > limit {
                return Some(token);
            }
            i += 1;
        }
        self.end = bytes.len();
        None
    }
}

/// The index of the quote that closes the string opening at `start`.
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() && bytes[i] != quote {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    i.min(bytes.len())
}

/// Just past the `{% endraw %}` after a `{% raw %}` ending at `from`: what
/// is between is text, not template syntax.
fn skip_raw(text: &str, from: usize) -> usize {
    let mut at = from;
    while let Some(found) = text[at..].find("{%") {
        let tag = at + found + 2;
        let word = Tag::new(text, tag, b'%').first_word();
        if word == "endraw" {
            return tag;
        }
        at = tag;
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_templates_are_far_below_the_bound() {
        for (name, text) in super::super::templates::BUILTIN {
            let deepest = depth(text);
            assert!(deepest <= MAX_TEMPLATE_DEPTH / 4, "{name}: {deepest}");
        }
    }

    #[test]
    fn blocks_brackets_and_chains_count() {
        let flat = depth("a {{ x }} b {% if y %}c{% endif %}");
        assert!(flat <= 4, "{flat}");
        let n = 30;
        let blocks = format!("{}x{}", "{% if a %}".repeat(n), "{% endif %}".repeat(n));
        assert!(depth(&blocks) > n);
        let chain = format!("{{{{ 1{} }}}}", " + 1".repeat(n));
        assert!(depth(&chain) > n);
        let filters = format!("{{{{ x{} }}}}", "|string".repeat(n));
        assert!(depth(&filters) > n);
        let calls = format!("{{{{ f{} }}}}", "(1)".repeat(n));
        assert!(depth(&calls) > n);
        let subscripts = format!("{{{{ x{} }}}}", "[0]".repeat(n));
        assert!(depth(&subscripts) > n);
        // Assignments open no block; a block `set` does.
        let sets = "{% set a = 1 %}".repeat(n);
        assert!(depth(&sets) <= 4);
        let set_blocks = format!("{}x{}", "{% set a %}".repeat(n), "{% endset %}".repeat(n));
        assert!(depth(&set_blocks) > n);
    }

    #[test]
    fn strings_comments_and_raw_text_do_not_count() {
        let n = 300;
        let text = format!(
            "{{# {} #}}{{{{ \"{}\" }}}}{{% raw %}}{}{{% endraw %}}{{{{ '}}}}' }}}}",
            "{{ (".repeat(n),
            "((".repeat(n),
            "{{ ((((".repeat(n)
        );
        assert!(depth(&text) <= 4, "{}", depth(&text));
    }

    #[test]
    fn too_deep_is_told_at_its_line() {
        let file: Arc<str> = Arc::from("t.md");
        let text = format!("line one\n{{{{ 1{} }}}}\n", " + 1".repeat(200));
        let error = check(&file, &text).unwrap_err();
        assert_eq!(error.code, Code::TemplateTooDeep);
        assert_eq!(error.location.unwrap().line, 2);
        assert!(check(&file, "{{ 1 + 1 }}").is_ok());
    }
}
