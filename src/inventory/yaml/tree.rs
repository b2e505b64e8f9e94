//! A generic YAML tree with positions, for files secretary reads but does not
//! define (compose files): the same yaml-rust2 parser as the inventory, built
//! into nodes instead of deserialized.

use std::sync::Arc;

use yaml_rust2::parser::{Event, Parser};

use super::error::Stop;
use super::events::Stream;

use crate::diag::{Code, InputError};
use crate::source::Location;

/// A YAML node and where it starts, for files whose shape secretary does not
/// own (compose files). Scalars may be secrets: they are held in
/// [`Zeroizing`](zeroize::Zeroizing) strings and `Debug` shows only their length.
#[derive(Clone, Debug)]
pub struct Node {
    /// 1-based line and column.
    pub line: usize,
    pub column: usize,
    pub value: NodeValue,
}

#[derive(Clone, Debug)]
pub enum NodeValue {
    Scalar(Scalar),
    Sequence(Vec<Node>),
    /// Entries in file order; keys are usually scalars.
    Mapping(Vec<(Node, Node)>),
}

/// A scalar's text, and whether it was written plain (unquoted), so `~`,
/// `null` and an empty plain scalar can be told from the string `"null"`.
#[derive(Clone)]
pub struct Scalar {
    pub text: zeroize::Zeroizing<String>,
    pub plain: bool,
}

impl std::fmt::Debug for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<scalar of {} bytes>", self.text.len())
    }
}

impl Node {
    /// The scalar's text (`None` for collections and null).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Scalar(s) if !self.is_null() => Some(s.text.as_str()),
            _ => None,
        }
    }

    /// A plain `~`, `null`, `Null`, `NULL` or empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, NodeValue::Scalar(s)
            if s.plain && matches!(s.text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// A mapping's entries with scalar keys, with YAML merge keys (`<<: *x`,
    /// `<<: [*a, *b]`) applied. Empty for other nodes.
    pub fn entries(&self) -> Vec<(&str, &Node)> {
        self.pairs()
            .into_iter()
            .filter_map(|(k, v)| Some((k.as_str()?, v)))
            .collect()
    }

    /// [`Self::entries`] with the key nodes (for their positions), as the
    /// YAML merge key type says: the mapping's own keys win over merged
    /// ones, and an earlier mapping of a `<<` list wins over a later one;
    /// merged mappings have their own `<<` applied first. Own keys come
    /// first, in file order, then merged ones.
    pub fn pairs(&self) -> Vec<(&Node, &Node)> {
        let NodeValue::Mapping(pairs) = &self.value else {
            return Vec::new();
        };
        let mut out: Vec<(&Node, &Node)> = Vec::new();
        let mut sources: Vec<&Node> = Vec::new();
        for (key, value) in pairs {
            if key.as_str() == Some("<<") && key.plain() {
                match &value.value {
                    NodeValue::Sequence(items) => sources.extend(items.iter()),
                    _ => sources.push(value),
                }
            } else {
                out.push((key, value));
            }
        }
        if sources.is_empty() {
            return out;
        }
        let mut seen: std::collections::HashSet<&str> =
            out.iter().filter_map(|(k, _)| k.as_str()).collect();
        for source in sources {
            for (key, value) in source.pairs() {
                if key.as_str().is_none_or(|k| seen.insert(k)) {
                    out.push((key, value));
                }
            }
        }
        out
    }

    /// Written without quotes (a quoted `"<<"` is an ordinary key).
    fn plain(&self) -> bool {
        matches!(&self.value, NodeValue::Scalar(s) if s.plain)
    }

    /// The value of `key` in a mapping (merge keys applied).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .into_iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    /// A sequence's items (empty for other nodes).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            NodeValue::Sequence(items) => items,
            _ => &[],
        }
    }

    pub fn location(&self, file: &Arc<str>) -> Location {
        Location::new(file, self.line, self.column)
    }

    /// What kind of node this is, for messages.
    pub fn kind(&self) -> &'static str {
        match &self.value {
            NodeValue::Scalar(_) if self.is_null() => "null",
            NodeValue::Scalar(_) => "a scalar",
            NodeValue::Sequence(_) => "a list",
            NodeValue::Mapping(_) => "a mapping",
        }
    }
}

/// Parses a YAML file of any shape into a [`Node`] tree (the first
/// document; aliases resolved), or `None` for a file with no content (only
/// comments, or a null). `what` names the file's kind in syntax errors
/// (`compose file`). Syntax errors and duplicate keys are located.
pub fn parse_tree(
    file: &Arc<str>,
    text: &str,
    what: &str,
) -> Result<Option<Node>, Vec<InputError>> {
    let text = super::admit(file, text)?;
    let mut builder = TreeBuilder {
        file: Arc::clone(file),
        stack: Vec::new(),
        root: None,
        errors: Vec::new(),
    };
    let mut stream = Stream::new(Parser::new_from_str(text));
    loop {
        match stream.next_event() {
            Ok((Event::StreamEnd, ..)) => break,
            Ok((event, line, col)) => builder.on_event(event, line, col + 1),
            Err(Stop::Limit(limit, line, col)) => {
                return Err(vec![limit.into_input_error(Location::new(
                    file,
                    line,
                    col + 1,
                ))])
            }
            Err(Stop::Syntax(scan)) => {
                let mark = scan.marker();
                return Err(vec![InputError::new(
                    Code::YamlSyntax,
                    format!("cannot parse {what}: {}", scan.info()),
                )
                .at(Location::new(file, mark.line(), mark.col() + 1))
                .help(
                    "fix the YAML syntax here; check indentation (spaces, not tabs) and quoting",
                )]);
            }
            // The parser's stream neither gives up nor finds problems.
            Err(Stop::GiveUp | Stop::Problem(..)) => break,
        }
    }
    if !builder.errors.is_empty() {
        return Err(builder.errors);
    }
    Ok(builder.root.filter(|root| !root.is_null()))
}

enum Partial {
    Sequence(Node),
    /// The mapping so far, and a key waiting for its value.
    Mapping(Node, Option<Node>),
}

struct TreeBuilder {
    file: Arc<str>,
    stack: Vec<Partial>,
    root: Option<Node>,
    errors: Vec<InputError>,
}

impl TreeBuilder {
    fn finish(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Partial::Sequence(seq)) => {
                if let NodeValue::Sequence(items) = &mut seq.value {
                    items.push(node);
                }
            }
            Some(Partial::Mapping(map, pending)) => match pending.take() {
                None => {
                    if let (Some(key), NodeValue::Mapping(pairs)) = (node.as_str(), &map.value) {
                        if key != "<<" {
                            if let Some((first, _)) =
                                pairs.iter().find(|(k, _)| k.as_str() == Some(key))
                            {
                                self.errors.push(
                                    InputError::new(
                                        Code::DuplicateKey,
                                        format!("key `{key}` appears twice in the same mapping"),
                                    )
                                    .at(node.location(&self.file))
                                    .related(first.location(&self.file), "first written")
                                    .help("each key may appear once per mapping; remove or rename one"),
                                );
                            }
                        }
                    }
                    *pending = Some(node);
                }
                Some(key) => {
                    if let NodeValue::Mapping(pairs) = &mut map.value {
                        pairs.push((key, node));
                    }
                }
            },
        }
    }
}

impl TreeBuilder {
    /// Takes the next event (aliases come replayed) at `line` and `column`
    /// (both from 1).
    fn on_event(&mut self, event: Event, line: usize, column: usize) {
        let node = |value| Node {
            line,
            column,
            value,
        };
        match event {
            Event::Scalar(text, style, ..) => {
                let plain = matches!(style, yaml_rust2::scanner::TScalarStyle::Plain);
                let scalar = Scalar {
                    text: zeroize::Zeroizing::new(text),
                    plain,
                };
                self.finish(node(NodeValue::Scalar(scalar)));
            }
            Event::SequenceStart(..) => self
                .stack
                .push(Partial::Sequence(node(NodeValue::Sequence(Vec::new())))),
            Event::MappingStart(..) => self
                .stack
                .push(Partial::Mapping(node(NodeValue::Mapping(Vec::new())), None)),
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Partial::Sequence(done)) | Some(Partial::Mapping(done, _)) => {
                    self.finish(done)
                }
                None => {}
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_keeps_positions_merges_and_hides_values() {
        let file: Arc<str> = "c.yaml".into();
        let text =
            "x: &base\n  A: \"CANARY-1\"\n  B: 2\ny:\n  <<: *base\n  B: 3\n  C: ~\nz: [1, 2]\n";
        let root = parse_tree(&file, text, "compose file").unwrap().unwrap();
        let y = root.get("y").unwrap();
        assert_eq!(y.get("A").unwrap().as_str(), Some("CANARY-1"));
        assert_eq!(y.get("B").unwrap().as_str(), Some("3"));
        assert!(y.get("C").unwrap().is_null());
        assert_eq!(root.get("z").unwrap().items().len(), 2);
        assert_eq!(root.get("z").unwrap().line, 8);
        assert!(!format!("{root:?}").contains("CANARY"));
        assert!(parse_tree(&file, "# nothing\n", "compose file")
            .unwrap()
            .is_none());
        let errors = parse_tree(&file, "a: 1\na: 2\n", "compose file").unwrap_err();
        assert_eq!(errors[0].code.as_str(), "duplicate-key");
        let errors = parse_tree(&file, "a: [1\n", "compose file").unwrap_err();
        assert_eq!(errors[0].code.as_str(), "yaml-syntax");
    }

    #[test]
    fn merge_keys_follow_the_yaml_merge_type() {
        let file: Arc<str> = "c.yaml".into();
        let text = "\
x-a: &a { K: a, A: a, N: a }
x-b: &b { K: b, B: b, N: b }
x-c: &c
  <<: *a
  C: c
services:
  one:
    <<: [*a, *b]
    K: own
  two:
    <<: [*b, *a]
  three:
    environment:
      <<: *c
      N: own
  four:
    \"<<\": *a
";
        let root = parse_tree(&file, text, "compose file").unwrap().unwrap();
        let services = root.get("services").unwrap();
        let value = |service: &str, key: &str| {
            let node = services.get(service).unwrap();
            let node = node.get("environment").unwrap_or(node);
            node.get(key).and_then(Node::as_str).map(str::to_owned)
        };
        // Own keys win; an earlier mapping of the list wins.
        assert_eq!(value("one", "K").as_deref(), Some("own"));
        assert_eq!(value("one", "N").as_deref(), Some("a"));
        assert_eq!(value("one", "B").as_deref(), Some("b"));
        assert_eq!(value("two", "K").as_deref(), Some("b"));
        assert_eq!(value("two", "A").as_deref(), Some("a"));
        // A merged mapping's own merge applies (nested), inside `environment`.
        assert_eq!(value("three", "A").as_deref(), Some("a"));
        assert_eq!(value("three", "C").as_deref(), Some("c"));
        assert_eq!(value("three", "N").as_deref(), Some("own"));
        // Each key once; merged nodes keep the anchor's position.
        let keys: Vec<&str> = services
            .get("one")
            .unwrap()
            .entries()
            .iter()
            .map(|(k, _)| *k)
            .collect();
        assert_eq!(keys, vec!["K", "A", "N", "B"]);
        assert_eq!(services.get("one").unwrap().get("B").unwrap().line, 2);
        // A quoted `"<<"` is an ordinary key.
        assert!(services.get("four").unwrap().get("A").is_none());
    }
}
