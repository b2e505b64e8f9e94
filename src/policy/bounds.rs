//! Bounds on a rule file, checked before Cedar's parser sees it: no larger
//! than [`crate::read::POLICY_CAP`] (a file on disk is refused unread; this
//! checks a text given otherwise), and no statement deeper than
//! [`MAX_POLICY_DEPTH`].
//!
//! Cedar's parser recurses for every level of an expression, about ten
//! calls per bracket, and so do its validator and evaluator and the walks of
//! a policy's JSON form here: a rule 150 brackets deep aborted the process
//! with a stack overflow, and so did a chain of 600 `||`. The depth is
//! measured on the text (see [`crate::depth`]): brackets, and runs of
//! operators of one precedence, outside strings and comments, statement by
//! statement. The deepest built-in rule measures 13.
//!
//! Measured in a debug build, the worst case: loading takes up to 60 KiB of
//! stack per level (a record literal; a bracket about 56 KiB, an operator
//! about 15 KiB), so [`load`](super::load) runs on a stack of
//! [`POLICY_STACK_BYTES`] (grown on the calling thread), about nine times
//! what a rule at the bound needs. Evaluation runs on rayon's pool, whose
//! threads the binary gives [`EVALUATION_STACK_BYTES`](crate::evaluate::EVALUATION_STACK_BYTES)
//! (8 MiB, as a Linux main thread), where every kind of rule at the bound
//! evaluates in a debug build (`tests/hostile_policies.rs`). (The 2 MiB of rayon's
//! default threads is not enough for every kind of rule at the bound in a
//! debug build; a one-chunk run used to evaluate on the main thread, so this
//! went unnoticed until the Windows build, whose main thread has 1 MiB, ran
//! under Wine.) Release builds need less stack for every level.

use std::sync::Arc;

use crate::depth::Meter;
use crate::diag::{Code, InputError};
use crate::source::Location;

/// The deepest expression a rule may hold, in levels of brackets and
/// operators (see [`crate::depth`]).
pub const MAX_POLICY_DEPTH: usize = 64;

/// The stack the rules load on (32 MiB). Only the part a load uses is ever
/// touched: a rule at [`MAX_POLICY_DEPTH`] needs under 4 MiB in a debug
/// build.
pub const POLICY_STACK_BYTES: usize = 32 << 20;

/// The depth of the deepest statement of `text`, as the bound measures it.
pub fn depth(text: &str) -> usize {
    scan(text, usize::MAX).0
}

/// Checks `text`, the content of rule file `display`, against both bounds.
pub(super) fn check(display: &Arc<str>, text: &str) -> Result<(), InputError> {
    let cap = crate::read::POLICY_CAP;
    if text.len() as u64 > cap {
        return Err(InputError::new(
            Code::PolicyTooLarge,
            format!(
                "policy file `{display}` has {} bytes, more than the limit of {cap}",
                text.len()
            ),
        )
        .at(Location::file_start(display))
        .help("split the rules into several `.cedar` files in one `--policies` directory"));
    }
    match deepest_offset(text) {
        None => Ok(()),
        Some(offset) => Err(InputError::new(
            Code::PolicyTooDeep,
            format!(
                "policy nests deeper than {MAX_POLICY_DEPTH} levels of brackets and operators"
            ),
        )
        .at(Location::from_offset(display, text, offset))
        .help(format!(
            "the limit is {MAX_POLICY_DEPTH}: split the condition into several rules, or test a set (`[\"a\", \"b\"].contains(resource.name)`) instead of a long chain of `||`"
        ))),
    }
}

/// The byte offset of the token that takes a statement of `text` past
/// [`MAX_POLICY_DEPTH`], if one does.
fn deepest_offset(text: &str) -> Option<usize> {
    scan(text, MAX_POLICY_DEPTH).1
}

/// The deepest statement of `text` up to the first token that takes one past
/// `limit`, and that token's byte offset.
fn scan(text: &str, limit: usize) -> (usize, Option<usize>) {
    let mut deepest = 0;
    let bytes = text.as_bytes();
    let mut meter = Meter::new();
    // Whether the last token ended an operand: a `-` after one subtracts,
    // anywhere else it negates.
    let mut after_operand = false;
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let pair = |second: u8| bytes.get(i + 1) == Some(&second);
        let mut operand = false;
        match bytes[i] {
            b'/' if pair(b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b if b.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                operand = true;
            }
            b'[' if after_operand => {
                // An index after an operand (`resource["a"]`) nests like a
                // `.` (calls cannot chain: a method's `(` follows its `.`).
                meter.operator(MEMBER);
                meter.open();
            }
            b'(' | b'[' | b'{' => meter.open(),
            b')' | b']' | b'}' => {
                meter.close();
                operand = true;
            }
            b',' => meter.separator(),
            b':' if pair(b':') => i += 1, // a path: `Action::"read"`
            b':' => meter.separator(),
            b';' => meter.end(),
            b'|' | b'&' if pair(bytes[i]) => {
                i += 1;
                meter.operator(if bytes[i] == b'|' { OR } else { AND });
            }
            b'=' | b'!' | b'<' | b'>' if pair(b'=') => {
                i += 1;
                meter.operator(RELATION);
            }
            b'<' | b'>' => meter.operator(RELATION),
            b'!' => meter.operator(UNARY),
            b'-' if !after_operand => meter.operator(UNARY),
            b'+' | b'-' => meter.operator(SUM),
            b'*' => meter.operator(PRODUCT),
            b'.' => meter.operator(MEMBER),
            b if b.is_ascii_alphanumeric() || b == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                match &text[start..i] {
                    "if" => meter.operator(IF),
                    "then" | "else" => meter.boundary(OR),
                    "has" | "like" | "in" | "is" => meter.operator(RELATION),
                    _ => operand = true,
                }
                i -= 1;
            }
            _ => {}
        }
        deepest = deepest.max(meter.depth());
        if meter.depth() > limit {
            return (deepest, Some(start));
        }
        after_operand = operand;
        i += 1;
    }
    (deepest, None)
}

// Cedar's precedence classes, loosest first.
const IF: usize = 0;
const OR: usize = 1;
const AND: usize = 2;
const RELATION: usize = 3;
const SUM: usize = 4;
const PRODUCT: usize = 5;
const UNARY: usize = 6;
const MEMBER: usize = 7;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_rules_are_far_below_the_bound() {
        for (name, text) in super::super::BUILTIN_FILES {
            let (deepest, crossed) = scan(text, MAX_POLICY_DEPTH);
            assert_eq!(crossed, None, "{name}");
            assert!(deepest <= MAX_POLICY_DEPTH / 4, "{name}: {deepest}");
        }
    }

    #[test]
    fn brackets_and_chains_past_the_bound_are_found_where_they_cross_it() {
        let n = MAX_POLICY_DEPTH;
        let parens = format!(
            "forbid(principal, action, resource) when {{ {}true{} }};",
            "(".repeat(n),
            ")".repeat(n)
        );
        let offset = deepest_offset(&parens).expect("too deep");
        assert_eq!(&parens[offset..offset + 1], "(");
        let chain = format!(
            "forbid(principal, action, resource) when {{ {} }};",
            vec!["1 == 1"; n].join(" || ")
        );
        assert!(deepest_offset(&chain).is_some());
        let members = format!(
            "forbid(principal, action, resource) when {{ resource{} }};",
            ".a".repeat(n)
        );
        assert!(deepest_offset(&members).is_some());
        let indexes = format!(
            "forbid(principal, action, resource) when {{ resource{} }};",
            "[\"a\"]".repeat(n)
        );
        assert!(deepest_offset(&indexes).is_some());
        // A long chain of one loose operator counts once per link, not
        // for every operator inside the links.
        let alternatives = format!(
            "forbid(principal, action, resource) when {{ {} }};",
            vec!["resource.name == \"x\""; n / 2].join(" || ")
        );
        assert_eq!(deepest_offset(&alternatives), None);
        // Brackets in strings and comments do not count.
        let quoted = format!(
            "// {}\n@id(\"{}\")\nforbid(principal, action, resource) when {{ resource.name == \"{}\" }};",
            "(".repeat(2 * n),
            "[".repeat(2 * n),
            "(\\\"".repeat(2 * n)
        );
        assert_eq!(deepest_offset(&quoted), None);
        // Many statements are measured one by one.
        let many = "forbid(principal, action, resource) when { (((true))) };\n".repeat(1000);
        assert_eq!(deepest_offset(&many), None);
    }
}
