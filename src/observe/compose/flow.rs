//! Flow collections that continue at or left of their key's indentation.
//!
//! Docker (Go yaml.v3) and PyYAML accept
//!
//! ```yaml
//! services:
//!   api:
//!     command: [
//!       "serve",
//!     ]
//! ```
//!
//! where yaml-rust2 refuses the `]` ("invalid indentation"): inside a flow
//! collection, YAML 1.2 asks every line to be indented more than the
//! enclosing block, and yaml-rust2 enforces it. For compose files only
//! (the inventory's reader is ours to define), a file that fails to parse
//! is parsed again with each line that starts inside an open flow
//! collection indented one column past the collection's opening bracket
//! (quotes and comments are skipped; line breaks inside a flow collection
//! fold, so no value changes). Nothing moves from one line to another, and
//! the columns of nodes on padded lines are moved back, so positions are
//! the file's. If the second parse fails too, its errors are reported when
//! they are on later lines than the first parse's (the file's real
//! problem, past the flow collections Docker accepts), at the file's
//! columns; otherwise the first parse's errors stand as they are.

use std::sync::Arc;

use crate::diag::InputError;
use crate::inventory::yaml::tree::{parse_tree, Node, NodeValue};

/// [`parse_tree`] for a compose file, accepting flow collections that
/// continue left of their key (see the module documentation).
pub fn parse_compose(file: &Arc<str>, text: &str) -> Result<Option<Node>, Vec<InputError>> {
    let first = parse_tree(file, text, "compose file");
    let Err(errors) = first else {
        return first;
    };
    if !errors.iter().all(|e| e.code.as_str() == "yaml-syntax") {
        return Err(errors);
    }
    let Some((padded, shifts)) = reindent(text) else {
        return Err(errors);
    };
    match parse_tree(file, &padded, "compose file") {
        Ok(mut root) => {
            if let Some(root) = root.as_mut() {
                unshift(root, &shifts);
            }
            Ok(root)
        }
        // An error the re-indented text still has, past the first one, is
        // the real one (Docker would report it too): at the file's column.
        Err(mut again) => {
            let first = errors
                .iter()
                .filter_map(|e| e.location.as_ref())
                .map(|l| l.line)
                .min();
            let later = again
                .iter()
                .filter_map(|e| e.location.as_ref())
                .all(|l| first.is_some_and(|first| l.line > first));
            if !later {
                return Err(errors);
            }
            for error in &mut again {
                if let Some(at) = error.location.as_mut() {
                    let shift = shifts.get(at.line.wrapping_sub(1)).copied().unwrap_or(0);
                    if at.column > shift {
                        at.column -= shift;
                    }
                }
            }
            Err(again)
        }
    }
}

/// Moves the columns of nodes on padded lines back to the file's.
fn unshift(node: &mut Node, shifts: &[usize]) {
    let shift = shifts.get(node.line.wrapping_sub(1)).copied().unwrap_or(0);
    if node.column > shift {
        node.column -= shift;
    }
    match &mut node.value {
        NodeValue::Scalar(_) => {}
        NodeValue::Sequence(items) => items.iter_mut().for_each(|n| unshift(n, shifts)),
        NodeValue::Mapping(pairs) => pairs.iter_mut().for_each(|(k, v)| {
            unshift(k, shifts);
            unshift(v, shifts);
        }),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    Single,
    Double,
}

/// `text` with every line that starts inside an open flow collection
/// indented past the outermost opening bracket, and the spaces added to
/// each line (0-based); `None` when no line needed it.
pub fn reindent(text: &str) -> Option<(String, Vec<usize>)> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut shifts = Vec::new();
    let mut depth = 0usize;
    // The column a continuation line must reach (outermost bracket + 1).
    let mut required = 0usize;
    let mut quote: Option<Quote> = None;
    // Lines more indented than this are a block scalar's content.
    let mut block_scalar: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let blank = line.trim().is_empty();
        if let Some(parent) = block_scalar {
            if blank || indent > parent {
                out.push_str(line);
                shifts.push(0);
                continue;
            }
            block_scalar = None;
        }
        let shift = if depth > 0 && !blank && indent < required {
            required - indent
        } else {
            0
        };
        out.extend(std::iter::repeat_n(' ', shift));
        out.push_str(line);
        shifts.push(shift);
        let bytes = line.as_bytes();
        // Where a value may start in block context: after the indentation
        // and any `- `, and after `: `.
        let mut node_start = indent;
        while bytes.get(node_start) == Some(&b'-')
            && bytes
                .get(node_start + 1)
                .is_none_or(u8::is_ascii_whitespace)
        {
            node_start += 1;
            while bytes.get(node_start) == Some(&b' ') {
                node_start += 1;
            }
        }
        let mut i = 0;
        let mut value_start = node_start;
        // The column of the node a block scalar here would belong to.
        let mut parent = indent;
        while i < bytes.len() {
            let c = bytes[i];
            match quote {
                Some(Quote::Double) => {
                    match c {
                        b'\\' => i += 1,
                        b'"' => quote = None,
                        _ => {}
                    }
                    i += 1;
                    continue;
                }
                Some(Quote::Single) => {
                    if c == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 1;
                        } else {
                            quote = None;
                        }
                    }
                    i += 1;
                    continue;
                }
                None => {}
            }
            let after_space = i == 0 || bytes[i - 1].is_ascii_whitespace();
            if c == b'#' && after_space {
                break;
            }
            if depth > 0 {
                // Flow context: a scalar starts after an indicator or space.
                let prev = bytes[..i].iter().rev().find(|b| !b.is_ascii_whitespace());
                let starts = prev.is_none_or(|p| b"[{,:?".contains(p));
                match c {
                    b'"' | b'\'' if starts => quote = Some(quote_of(c)),
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => depth -= 1,
                    _ => {}
                }
            } else if i < value_start {
                // Indentation or a sequence dash.
            } else if i == value_start {
                match c {
                    b'"' | b'\'' => quote = Some(quote_of(c)),
                    b'[' | b'{' => {
                        depth = 1;
                        required = i + shift + 1;
                    }
                    b'|' | b'>' if only_header(&bytes[i + 1..]) => {
                        block_scalar = Some(parent);
                        break;
                    }
                    _ => {}
                }
            } else if c == b':' && bytes.get(i + 1).is_none_or(u8::is_ascii_whitespace) {
                // A block key: its value starts after the spaces.
                parent = node_start;
                value_start = i + 1;
                while bytes.get(value_start) == Some(&b' ') {
                    value_start += 1;
                }
                node_start = value_start;
            }
            i += 1;
        }
    }
    shifts.iter().any(|s| *s > 0).then_some((out, shifts))
}

fn quote_of(c: u8) -> Quote {
    if c == b'"' {
        Quote::Double
    } else {
        Quote::Single
    }
}

/// A block scalar header's rest: chomping/indentation indicators, then
/// nothing but a comment.
fn only_header(rest: &[u8]) -> bool {
    let rest = rest
        .iter()
        .skip_while(|c| matches!(c, b'+' | b'-' | b'1'..=b'9'))
        .copied()
        .collect::<Vec<u8>>();
    let trimmed = rest.trim_ascii_start();
    trimmed.is_empty() || (trimmed[0] == b'#' && trimmed.len() < rest.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Option<Node>, Vec<InputError>> {
        parse_compose(&Arc::from("c.yml"), text)
    }

    fn strings(node: &Node) -> Vec<String> {
        node.items()
            .iter()
            .map(|n| n.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn flow_collections_may_close_at_their_keys_indentation() {
        let text = "services:
  api:
    command: [
      \"serve\", # a comment with ] and [
      '--name=]x[',
    \"--port\", 80
    ]
    environment: {
      A: \"}\", B: '{'
  }
    labels: [a, [b,
  c], {d: [e,
 f]}]
  web:
    command: [x]
    entrypoint: |
      [ -f x ] && {
    healthcheck:
      test: [
      CMD, \"curl\"
      ]
";
        // yaml-rust2 alone refuses it.
        assert!(parse_tree(&Arc::from("c.yml"), text, "compose file").is_err());
        let root = parse(text).unwrap().unwrap();
        let api = root.get("services").unwrap().get("api").unwrap();
        let command = api.get("command").unwrap();
        assert_eq!(
            strings(command),
            vec!["serve", "--name=]x[", "--port", "80"]
        );
        // Positions are the file's: `--port` is on line 6, column 5.
        assert_eq!((command.items()[2].line, command.items()[2].column), (6, 5));
        assert_eq!((command.line, command.column), (3, 14));
        let env = api.get("environment").unwrap();
        assert_eq!(env.get("A").unwrap().as_str(), Some("}"));
        assert_eq!(env.get("B").unwrap().as_str(), Some("{"));
        let b = api.get("environment").unwrap().get("B").unwrap();
        assert_eq!((b.line, b.column), (9, 18));
        let labels = api.get("labels").unwrap().items();
        assert_eq!(strings(&labels[1]), vec!["b", "c"]);
        assert_eq!(strings(labels[2].get("d").unwrap()), vec!["e", "f"]);
        let web = root.get("services").unwrap().get("web").unwrap();
        assert_eq!(
            web.get("entrypoint").unwrap().as_str(),
            Some("[ -f x ] && {\n")
        );
        let test = web.get("healthcheck").unwrap().get("test").unwrap();
        assert_eq!(strings(test), vec!["CMD", "curl"]);
    }

    #[test]
    fn other_errors_keep_their_own_position() {
        // An unclosed flow collection, and a bad indentation elsewhere.
        for (text, line) in [
            ("services:\n  api:\n    command: [\n  a,\n", 5),
            (
                "services:\n  api:\n    command: [\n    x\n    ]\n   bad: 1\n",
                6,
            ),
            ("a: [\n 1\n]\nb:\n  c: 1\n d: 2\n", 6),
            ("a: 'x\nb: [\n]\n", 0),
        ] {
            let errors = parse(text).unwrap_err();
            assert_eq!(errors[0].code.as_str(), "yaml-syntax", "{text}");
            let at = errors[0].location.as_ref().unwrap();
            if line > 0 {
                assert_eq!(at.line, line, "{text}");
            }
        }
        // The flow collection Docker accepts is not the error; the
        // unclosed `{` after it is.
        let text = "x: [\n]\ny: {\n";
        let direct = parse_tree(&Arc::from("c.yml"), text, "compose file").unwrap_err();
        assert_eq!(direct[0].location.as_ref().unwrap().line, 2);
        let errors = parse(text).unwrap_err();
        assert_eq!(errors[0].location.as_ref().unwrap().line, 4);
    }

    #[test]
    fn reindent_leaves_a_valid_file_alone() {
        assert!(reindent("a: [1,\n    2]\nb: |\n  [\nc: '['\n").is_none());
        assert!(reindent("a: it's [\nb: 1\n").is_none());
    }
}
