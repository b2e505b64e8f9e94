//! Compose files (`sources.compose`): which service receives which
//! variable and which docker secret, and where a value is written into the
//! file itself; with the source code ([`code`], `sources.code`), which
//! variables programs read.
//!
//! Their facts ([`facts`]): each secret a compose service receives is an
//! observed `read` fact in its secret's chunk, and compose services, values
//! written into compose files and variables the code reads are `scan`
//! facts in a chunk of their own. A compose file or a code directory that
//! cannot be read is a `compose-not-verified` or `code-not-verified` error
//! finding.
//!
//! A service receives a variable through `environment:` (map or list form;
//! `KEY=VALUE`, or a bare `KEY` passed through from the host), through
//! `env_file:` (a path, a list, or `{path, required}`; read with
//! [`dotenv`]), and through interpolation (`${VAR}`,
//! `${VAR:-default}`, `$VAR`) anywhere in its string values. It receives a
//! docker secret through `secrets:` (short form: mounted at
//! `/run/secrets/<name>`; long form `{source, target}`), and with it the
//! variable a top-level secret definition reads (`environment:`). A file
//! bind-mounted with `volumes:` is received at its target path too.
//!
//! Nothing here keeps a value: an assignment is recorded as facts (is it a
//! literal, is it a placeholder) and the text is dropped with the parsed
//! tree. `env_file` values are read only to learn their keys. A malformed
//! compose file is bad input (exit 2); a file that cannot be read is a gap.

use crate::diag::Code;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::diag::InputError;
use crate::inventory::model::{ComposeSource, Inventory};
use crate::inventory::yaml::tree::{parse_tree, Node, NodeValue};
use crate::observe::heuristics::defaults::PublishedDefaults;
use crate::observe::{dotenv, heuristics};
use crate::source::Location;

pub mod code;
pub mod facts;

/// Every compose file the inventory names, observed.
#[derive(Debug, Default, Clone)]
pub struct Compose {
    pub files: Vec<ComposeFile>,
    /// What could not be read (an unreadable compose file, a missing
    /// required `env_file`).
    pub gaps: Vec<Gap>,
}

/// Something named that could not be observed.
#[derive(Debug, Clone)]
pub struct Gap {
    pub location: Location,
    pub problem: String,
}

#[derive(Debug, Clone)]
pub struct ComposeFile {
    /// The file as messages name it.
    pub file: Arc<str>,
    /// The environment it deploys (`None`: every environment).
    pub environment: Option<String>,
    pub services: Vec<ComposeService>,
    /// Variables given a value in the file, in file order.
    pub assignments: Vec<Assignment>,
}

#[derive(Debug, Clone)]
pub struct ComposeService {
    /// The name in the compose file.
    pub name: String,
    /// The inventory service it is (`sources.compose[].services` maps names).
    pub inventory_name: String,
    pub location: Location,
    /// What it receives, first occurrence of each, in file order.
    pub receives: Vec<Received>,
}

/// How a value reaches a service.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Channel {
    /// An environment variable (by name).
    Env(String),
    /// A file mounted in the container (by path).
    File(String),
}

#[derive(Debug, Clone)]
pub struct Received {
    pub channel: Channel,
    /// `environment`, `env_file`, `interpolation`, `secrets` or `volumes`.
    pub via: &'static str,
    pub location: Location,
}

/// A variable given a value in the compose file: facts about the value,
/// never the value.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// The compose service it is written under.
    pub service: String,
    pub variable: String,
    pub location: Location,
    /// Non-empty, without interpolation, and not a path (`*_FILE`, `*_PATH`,
    /// `*_DIR`, `/run/secrets/...`): the file itself holds the value.
    pub literal: bool,
    /// Empty or a well-known placeholder ([`heuristics::placeholder_value`]).
    pub placeholder: bool,
    /// The value holds a credential: a connection string or URL with a
    /// written password, a JDBC/ADO `password=`
    /// ([`heuristics::credential_in_value`]), even when other parts of it
    /// are interpolated; or a written password that is a published default
    /// or a placeholder ([`heuristics::defaults::default_password`]).
    pub credential: bool,
    /// The value Docker runs with is a well-known published default
    /// ([`heuristics::defaults::compose_literal`]), or embeds one as its
    /// password.
    pub published_default: bool,
}

/// Reads every `sources.compose` file of `inventory`. Malformed files are
/// errors (every one reported); unreadable ones are gaps.
pub fn observe(
    inventory: &Inventory,
    defaults: &PublishedDefaults,
) -> Result<Compose, Vec<InputError>> {
    let mut compose = Compose::default();
    let mut errors = Vec::new();
    for source in &inventory.sources.compose {
        let file: Arc<str> = Arc::from(source.file.path.display().to_string());
        let text = match crate::read::read_text(&source.file.path, crate::read::Kind::Compose) {
            Ok(text) => zeroize::Zeroizing::new(text),
            Err(error) => {
                compose.gaps.push(Gap {
                    location: source.file.location.clone(),
                    problem: format!("cannot read compose file `{file}`: {error}"),
                });
                continue;
            }
        };
        match read_file(&file, &text, source, defaults, &mut compose.gaps) {
            Ok(observed) => compose.files.push(observed),
            Err(mut problems) => errors.append(&mut problems),
        }
    }
    if errors.is_empty() {
        Ok(compose)
    } else {
        Err(errors)
    }
}

/// Reads one compose file's text.
pub fn read_file(
    file: &Arc<str>,
    text: &str,
    source: &ComposeSource,
    defaults: &PublishedDefaults,
    gaps: &mut Vec<Gap>,
) -> Result<ComposeFile, Vec<InputError>> {
    let Some(root) = parse_tree(file, text, "compose file")? else {
        return Err(vec![InputError::new(
            Code::EmptyFile,
            format!("compose file `{file}` has no content"),
        )
        .at(Location::file_start(file))
        .help("point `sources:` at the right file, or remove the entry")]);
    };
    let mut errors = Vec::new();
    if !matches!(root.value, NodeValue::Mapping(_)) {
        return Err(vec![invalid(
            file,
            &root,
            format!("a compose file is a mapping, but this is {}", root.kind()),
            "start the file with `services:`",
        )]);
    }
    let dir = Path::new(file.as_ref())
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();

    // Top-level secret definitions: name -> the variable it reads, if any.
    let mut secret_vars: BTreeMap<String, Option<String>> = BTreeMap::new();
    if let Some(secrets) = root.get("secrets").filter(|n| !n.is_null()) {
        if !matches!(secrets.value, NodeValue::Mapping(_)) {
            errors.push(invalid(
                file,
                secrets,
                format!("`secrets` must be a mapping, but it is {}", secrets.kind()),
                "write each secret as `name: {file: PATH}` or `name: {environment: VAR}`",
            ));
        }
        for (name, definition) in secrets.entries() {
            let var = definition
                .get("environment")
                .and_then(Node::as_str)
                .map(str::to_owned);
            secret_vars.insert(name.to_owned(), var);
        }
    }

    let mut observed = ComposeFile {
        file: Arc::clone(file),
        environment: source.environment.clone(),
        services: Vec::new(),
        assignments: Vec::new(),
    };
    let Some(services) = root.get("services").filter(|n| !n.is_null()) else {
        if errors.is_empty() {
            return Ok(observed);
        }
        return Err(errors);
    };
    if !matches!(services.value, NodeValue::Mapping(_)) {
        errors.push(invalid(
            file,
            services,
            format!(
                "`services` must be a mapping, but it is {}",
                services.kind()
            ),
            "write each service as `name:` followed by its settings",
        ));
        return Err(errors);
    }
    for (key, body) in services.pairs() {
        let Some(name) = key.as_str() else { continue };
        let mut service = ServiceReader {
            file,
            dir: &dir,
            name,
            receives: Vec::new(),
            assignments: Vec::new(),
            defaults,
            errors: &mut errors,
            gaps,
        };
        if !body.is_null() && !matches!(body.value, NodeValue::Mapping(_)) {
            service.errors.push(invalid(
                file,
                body,
                format!(
                    "service `{name}` must be a mapping, but it is {}",
                    body.kind()
                ),
                "give the service its settings (`image:`, `environment:`, ...) as a mapping",
            ));
            continue;
        }
        service.environment(body.get("environment"));
        service.env_files(body.get("env_file"));
        service.secrets(body.get("secrets"), &secret_vars);
        service.volumes(body.get("volumes"));
        service.interpolations(body);
        let ServiceReader {
            mut receives,
            assignments,
            ..
        } = service;
        // First occurrence of each channel, in file order.
        let mut seen = std::collections::BTreeSet::new();
        receives.sort_by_key(|r| (r.location.line, r.location.column));
        receives.retain(|r| seen.insert(r.channel.clone()));
        observed.services.push(ComposeService {
            name: name.to_owned(),
            inventory_name: source.service_for(name).to_owned(),
            location: key.location(file),
            receives,
        });
        observed.assignments.extend(assignments);
    }
    if errors.is_empty() {
        Ok(observed)
    } else {
        Err(errors)
    }
}

fn invalid(file: &Arc<str>, node: &Node, message: String, help: &str) -> InputError {
    InputError::new(Code::ComposeInvalid, message)
        .at(node.location(file))
        .help(help.to_owned())
}

struct ServiceReader<'a> {
    file: &'a Arc<str>,
    dir: &'a Path,
    name: &'a str,
    receives: Vec<Received>,
    assignments: Vec<Assignment>,
    /// The published defaults assignments are compared with.
    defaults: &'a PublishedDefaults,
    errors: &'a mut Vec<InputError>,
    gaps: &'a mut Vec<Gap>,
}

impl ServiceReader<'_> {
    fn receive(&mut self, channel: Channel, via: &'static str, node: &Node) {
        self.receives.push(Received {
            channel,
            via,
            location: node.location(self.file),
        });
    }

    fn assign(&mut self, variable: &str, value: &str, node: &Node) {
        let interpolated = !interpolations(value).is_empty() || value.contains("$$");
        // `POSTGRES_PASSWORD_FILE: /run/secrets/x` names where a value is, not a value.
        let reference = ["_FILE", "_PATH", "_DIR"]
            .iter()
            .any(|suffix| variable.to_ascii_uppercase().ends_with(suffix))
            || value.starts_with("/run/secrets/");
        let literal = !value.trim().is_empty() && !interpolated && !reference;
        let defaults = self.defaults;
        // A written default password is a credential too, a known one.
        let credential = heuristics::credential_in_value(value)
            || heuristics::defaults::default_password(defaults, value);
        self.assignments.push(Assignment {
            service: self.name.to_owned(),
            variable: variable.to_owned(),
            location: node.location(self.file),
            literal,
            placeholder: heuristics::placeholder_value(value),
            credential,
            published_default: (literal || credential)
                && heuristics::defaults::compose_literal(defaults, value),
        });
    }

    fn environment(&mut self, node: Option<&Node>) {
        let Some(node) = node.filter(|n| !n.is_null()) else {
            return;
        };
        match &node.value {
            NodeValue::Mapping(_) => {
                for (key, value) in node.pairs() {
                    let Some(name) = key.as_str() else { continue };
                    self.receive(Channel::Env(name.to_owned()), "environment", key);
                    if let Some(text) = value.as_str() {
                        self.assign(name, text, value);
                    }
                }
            }
            NodeValue::Sequence(items) => {
                for item in items {
                    let Some(text) = item.as_str() else {
                        self.errors.push(invalid(
                            self.file,
                            item,
                            format!(
                                "an `environment` list entry must be `KEY=VALUE` or `KEY`, but it is {}",
                                item.kind()
                            ),
                            "write the entry as a string, e.g. `- PORT=8080`",
                        ));
                        continue;
                    };
                    match text.split_once('=') {
                        Some((name, value)) => {
                            self.receive(Channel::Env(name.trim().to_owned()), "environment", item);
                            self.assign(name.trim(), value, item);
                        }
                        None => {
                            self.receive(Channel::Env(text.trim().to_owned()), "environment", item)
                        }
                    }
                }
            }
            NodeValue::Scalar(_) => self.errors.push(invalid(
                self.file,
                node,
                format!(
                    "`environment` of service `{}` must be a mapping or a list, but it is {}",
                    self.name,
                    node.kind()
                ),
                "write `KEY: value` entries or a list of `KEY=VALUE`",
            )),
        }
    }

    fn env_files(&mut self, node: Option<&Node>) {
        let Some(node) = node.filter(|n| !n.is_null()) else {
            return;
        };
        let entries: Vec<&Node> = match &node.value {
            NodeValue::Sequence(items) => items.iter().collect(),
            _ => vec![node],
        };
        for entry in entries {
            let (path, required) = match &entry.value {
                NodeValue::Scalar(_) => (entry.as_str(), true),
                NodeValue::Mapping(_) => (
                    entry.get("path").and_then(Node::as_str),
                    entry.get("required").and_then(Node::as_str) != Some("false"),
                ),
                NodeValue::Sequence(_) => (None, true),
            };
            let Some(path) = path else {
                self.errors.push(invalid(
                    self.file,
                    entry,
                    format!(
                        "an `env_file` entry of service `{}` must be a path or `{{path, required}}`, but it is {}",
                        self.name,
                        entry.kind()
                    ),
                    "write `env_file: .env` or `env_file: [{path: .env, required: false}]`",
                ));
                continue;
            };
            let resolved = self.dir.join(path);
            let text = match crate::read::read_text(&resolved, crate::read::Kind::Dotenv) {
                Ok(text) => zeroize::Zeroizing::new(text),
                Err(error) => {
                    // `required: false` excuses a missing file, as in
                    // compose, never one that is there but cannot be read.
                    if required || !error.is_not_found() {
                        self.gaps.push(Gap {
                            location: entry.location(self.file),
                            problem: format!(
                                "cannot read env_file `{}` of service `{}`: {error}",
                                resolved.display(),
                                self.name
                            ),
                        });
                    }
                    continue;
                }
            };
            let keys: Vec<String> = dotenv::parse(&text)
                .entries
                .into_iter()
                .map(|e| e.key)
                .collect();
            for key in keys {
                self.receive(Channel::Env(key), "env_file", entry);
            }
        }
    }

    fn secrets(&mut self, node: Option<&Node>, definitions: &BTreeMap<String, Option<String>>) {
        let Some(node) = node.filter(|n| !n.is_null()) else {
            return;
        };
        if !matches!(node.value, NodeValue::Sequence(_)) {
            self.errors.push(invalid(
                self.file,
                node,
                format!(
                    "`secrets` of service `{}` must be a list, but it is {}",
                    self.name,
                    node.kind()
                ),
                "list the secrets: `- name` or `- {source: name, target: path}`",
            ));
            return;
        }
        for item in node.items() {
            let (source, target) = match &item.value {
                NodeValue::Scalar(_) => (item.as_str(), None),
                NodeValue::Mapping(_) => (
                    item.get("source").and_then(Node::as_str),
                    item.get("target").and_then(Node::as_str),
                ),
                NodeValue::Sequence(_) => (None, None),
            };
            let Some(source) = source else {
                self.errors.push(invalid(
                    self.file,
                    item,
                    format!(
                        "a `secrets` entry of service `{}` must be a name or `{{source, target}}`",
                        self.name
                    ),
                    "write `- name` or `- {source: name, target: path}`",
                ));
                continue;
            };
            let target = target.unwrap_or(source);
            let path = if target.starts_with('/') {
                target.to_owned()
            } else {
                format!("/run/secrets/{target}")
            };
            self.receive(Channel::File(path), "secrets", item);
            if let Some(Some(var)) = definitions.get(source) {
                self.receive(Channel::Env(var.clone()), "secrets", item);
            }
        }
    }

    /// Files mounted with `volumes:` (short `src:target[:mode]` or long
    /// `{source, target}`): a bind mount of a secret file is a mounted secret.
    fn volumes(&mut self, node: Option<&Node>) {
        for item in node.map(Node::items).unwrap_or_default() {
            let target = match &item.value {
                NodeValue::Scalar(_) => item
                    .as_str()
                    .and_then(|text| text.split(':').nth(1))
                    .map(str::to_owned),
                NodeValue::Mapping(_) => {
                    item.get("target").and_then(Node::as_str).map(str::to_owned)
                }
                NodeValue::Sequence(_) => None,
            };
            if let Some(target) = target.filter(|t| t.starts_with('/')) {
                self.receive(Channel::File(target), "volumes", item);
            }
        }
    }

    /// Every `${VAR}` and `$VAR` in the service's string values (keys are
    /// not interpolated), and each `${VAR:-default}` default as an
    /// assignment of `VAR`.
    fn interpolations(&mut self, node: &Node) {
        match &node.value {
            NodeValue::Scalar(_) => {
                let Some(text) = node.as_str() else { return };
                for found in interpolations(text) {
                    self.receive(Channel::Env(found.name.clone()), "interpolation", node);
                    if let Some(default) = &found.default {
                        self.assign(&found.name, default, node);
                    }
                }
            }
            NodeValue::Sequence(items) => {
                for item in items {
                    self.interpolations(item);
                }
            }
            NodeValue::Mapping(_) => {
                for (_, value) in node.pairs() {
                    self.interpolations(value);
                }
            }
        }
    }
}

/// One `${NAME...}` or `$NAME` in a string.
#[derive(Debug, PartialEq, Eq)]
pub struct Interpolation {
    pub name: String,
    /// The default of `${NAME:-default}` / `${NAME-default}`, as written.
    pub default: Option<String>,
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The interpolations in `text`, as compose reads them (`$$` is a literal `$`).
pub fn interpolations(text: &str) -> Vec<Interpolation> {
    let mut found = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '$' {
            i += 1;
            continue;
        }
        match chars.get(i + 1) {
            Some('$') => i += 2,
            Some('{') => {
                // Find the matching brace (defaults may nest).
                let mut depth = 1;
                let mut j = i + 2;
                while j < chars.len() && depth > 0 {
                    match chars[j] {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    j += 1;
                }
                let end = if depth == 0 { j - 1 } else { j };
                let inner: String = chars[i + 2..end].iter().collect();
                let name: String = inner.chars().take_while(|c| is_name_char(*c)).collect();
                if name.chars().next().is_some_and(is_name_start) {
                    let rest = &inner[name.len()..];
                    let default = rest
                        .strip_prefix(":-")
                        .or_else(|| rest.strip_prefix('-'))
                        .map(str::to_owned);
                    // A nested default may interpolate in turn.
                    if let Some(default) = &default {
                        found.extend(interpolations(default));
                    }
                    found.push(Interpolation {
                        name,
                        default: default.filter(|d| interpolations(d).is_empty()),
                    });
                }
                i = j;
            }
            Some(c) if is_name_start(*c) => {
                let name: String = chars[i + 1..]
                    .iter()
                    .take_while(|c| is_name_char(**c))
                    .collect();
                i += 1 + name.chars().count();
                found.push(Interpolation {
                    name,
                    default: None,
                });
            }
            _ => i += 1,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(String, Option<String>)> {
        interpolations(text)
            .into_iter()
            .map(|i| (i.name, i.default))
            .collect()
    }

    #[test]
    fn finds_every_interpolation_form() {
        assert_eq!(names("${A}"), vec![("A".into(), None)]);
        assert_eq!(
            names("x ${B:-dflt} $C_1/$$D ${E-x}"),
            vec![
                ("B".into(), Some("dflt".into())),
                ("C_1".into(), None),
                ("E".into(), Some("x".into()))
            ]
        );
        assert_eq!(names("${F:?must be set}"), vec![("F".into(), None)]);
        assert_eq!(
            names("${G:-${H}}"),
            vec![("H".into(), None), ("G".into(), None)]
        );
        assert!(names("$$ $1 ${} plain").is_empty());
    }
}
