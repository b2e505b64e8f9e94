//! One compose service's settings, read into what it receives
//! ([`Received`]), the values written for it ([`Assignment`]), its
//! `env_file`s ([`EnvFileRef`]) and its `profiles`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::interpolate::{self, interpolated};
use super::{invalid, Assignment, Channel, EnvFileRef, Gap, Received};
use crate::diag::{Code, InputError};
use crate::heuristics::defaults::PublishedDefaults;
use crate::inventory::yaml::tree::{Node, NodeValue};
use crate::{heuristics, observe::dotenv};

/// A top-level `secrets:` definition.
#[derive(Debug, Clone, Default)]
pub struct SecretDefinition {
    /// `file:` as written.
    pub file: Option<String>,
    /// `environment:`: the host variable the value comes from.
    pub environment: Option<String>,
}

/// What a service's own settings give it (before `extends`).
#[derive(Debug, Default, Clone)]
pub struct Settings {
    pub receives: Vec<Received>,
    pub assignments: Vec<Assignment>,
    pub env_files: Vec<EnvFileRef>,
    pub profiles: Vec<String>,
}

pub struct ServiceReader<'a> {
    pub file: &'a Arc<str>,
    /// The directory of the file it is written in (paths are relative to it).
    pub dir: &'a Path,
    /// That directory relative to the first compose file's (for
    /// [`EnvFileRef::path`]).
    pub relative_dir: &'a Path,
    pub name: &'a str,
    pub secrets: &'a BTreeMap<String, SecretDefinition>,
    pub settings: Settings,
    pub errors: &'a mut Vec<InputError>,
    pub gaps: &'a mut Vec<Gap>,
    /// The published defaults assignments are compared with.
    pub defaults: &'a PublishedDefaults,
}

impl ServiceReader<'_> {
    /// Reads the service's mapping `body` into [`Self::settings`].
    pub fn read(&mut self, body: &Node) {
        self.environment(body.get("environment"));
        self.env_files(body.get("env_file"));
        self.secrets(body.get("secrets"));
        self.volumes(body.get("volumes"));
        self.profiles(body.get("profiles"));
        self.interpolations(body);
    }

    fn receive(&mut self, channel: Channel, via: &'static str, node: &Node) {
        self.receive_with(channel, via, node, None, None);
    }

    fn receive_with(
        &mut self,
        channel: Channel,
        via: &'static str,
        node: &Node,
        host_path: Option<String>,
        secret: Option<String>,
    ) {
        self.settings.receives.push(Received {
            channel,
            via,
            location: node.location(self.file),
            host_path,
            secret,
        });
    }

    fn assign(&mut self, variable: &str, value: &str, node: &Node) {
        // `POSTGRES_PASSWORD_FILE: /run/secrets/x` names where a value is, not a value.
        let reference = ["_FILE", "_PATH", "_DIR"]
            .iter()
            .any(|suffix| variable.to_ascii_uppercase().ends_with(suffix))
            || value.starts_with("/run/secrets/");
        let literal = !value.trim().is_empty() && !interpolated(value) && !reference;
        let defaults = self.defaults;
        // A written default password is a credential too, a known one.
        let credential = heuristics::credential_in_value(value)
            || heuristics::defaults::default_password(defaults, value);
        self.settings.assignments.push(Assignment {
            service: self.name.to_owned(),
            variable: variable.to_owned(),
            location: node.location(self.file),
            literal,
            placeholder: heuristics::placeholder_value(value),
            delivers: interpolate::delivers(value),
            credential,
            published_default: (literal || credential)
                && heuristics::defaults::compose_literal(defaults, value),
            verdict: heuristics::classify(variable, Some(value), false),
            file: (reference
                && !interpolated(value)
                && (variable.to_ascii_uppercase().ends_with("_FILE")
                    || value.starts_with("/run/secrets/")))
            .then(|| value.trim().to_owned()),
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

    /// `env_file:` as a path, a list of paths or of `{path, required}`
    /// (`required` defaults to true). Each one is recorded; a missing
    /// required one is a gap (Docker refuses to start: "env file ... not
    /// found"); a missing optional one is skipped, as in compose.
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
                NodeValue::Scalar(_) => (entry.as_str(), Some(true)),
                NodeValue::Mapping(_) => (
                    entry.get("path").and_then(Node::as_str),
                    match entry.get("required") {
                        None => Some(true),
                        Some(flag) => yaml_bool(flag),
                    },
                ),
                NodeValue::Sequence(_) => (None, Some(true)),
            };
            let (Some(path), Some(required)) = (path, required) else {
                self.errors.push(invalid(
                    self.file,
                    entry,
                    format!(
                        "an `env_file` entry of service `{}` must be a path or `{{path, required}}` (`required` true or false), but it is {}",
                        self.name,
                        entry.kind()
                    ),
                    "write `env_file: .env` or `env_file: [{path: .env, required: false}]`",
                ));
                continue;
            };
            let resolved = self.dir.join(path);
            let mut record = EnvFileRef {
                path: crate::source::portable_path(&self.relative_dir.join(path)),
                required,
                found: false,
            };
            let read = crate::read::read_text(&resolved, crate::read::Kind::Dotenv);
            // A fresh clone has the example of an env file, never the file:
            // the example's keys are the ones the file will give.
            let read = match read {
                Err(error) if error.is_not_found() => match example_beside(&resolved) {
                    Some(example) => crate::read::read_text(&example, crate::read::Kind::Dotenv),
                    None => Err(error),
                },
                read => read,
            };
            let text = match read {
                Ok(text) => zeroize::Zeroizing::new(text),
                Err(error) => {
                    record.found = !error.is_not_found();
                    self.settings.env_files.push(record);
                    // `required: false` excuses a missing file, as in
                    // compose, never one that is there but cannot be read.
                    if error.is_not_found() && required {
                        self.gaps.push(Gap {
                            location: entry.location(self.file),
                            problem: format!(
                                "env file `{}` of service `{}` not found (Docker refuses to start the service); create it, or mark it `required: false`",
                                resolved.display(),
                                self.name
                            ),
                        });
                    } else if !error.is_not_found() {
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
            record.found = resolved.exists();
            self.settings.env_files.push(record);
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

    /// `secrets:` short (`- name`) or long (`{source, target, uid, gid,
    /// mode}`): mounted at `target` when absolute, else at
    /// `/run/secrets/<target>`, else at `/run/secrets/<source>`.
    fn secrets(&mut self, node: Option<&Node>) {
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
            let target = target.filter(|t| !t.is_empty()).unwrap_or(source);
            let path = if target.starts_with('/') {
                target.to_owned()
            } else {
                format!("/run/secrets/{target}")
            };
            let definition = self.secrets.get(source).cloned().unwrap_or_default();
            self.receive_with(
                Channel::File(path),
                "secrets",
                item,
                definition.file.clone(),
                Some(source.to_owned()),
            );
            if let Some(var) = definition.environment {
                self.receive_with(
                    Channel::Env(var),
                    "secrets",
                    item,
                    None,
                    Some(source.to_owned()),
                );
            }
        }
    }

    /// Files mounted with `volumes:` (short `src:target[:mode]` or long
    /// `{type, source, target}`): a bind mount of a secret file is a
    /// mounted secret. The host side is kept for a bind mount (a short
    /// source starting with `.`, `/` or `~`, or a long `type: bind`).
    fn volumes(&mut self, node: Option<&Node>) {
        for item in node.map(Node::items).unwrap_or_default() {
            let (source, target) = match &item.value {
                NodeValue::Scalar(_) => {
                    let Some(text) = item.as_str() else { continue };
                    let mut parts = text.splitn(3, ':');
                    let first = parts.next();
                    match parts.next() {
                        Some(target) => (
                            first
                                .filter(|s| s.starts_with(['.', '/', '~']))
                                .map(str::to_owned),
                            Some(target.to_owned()),
                        ),
                        None => (None, None), // an anonymous volume
                    }
                }
                NodeValue::Mapping(_) => (
                    item.get("source")
                        .and_then(Node::as_str)
                        .filter(|_| item.get("type").and_then(Node::as_str) == Some("bind"))
                        .map(str::to_owned),
                    item.get("target").and_then(Node::as_str).map(str::to_owned),
                ),
                NodeValue::Sequence(_) => (None, None),
            };
            if let Some(target) = target.filter(|t| t.starts_with('/')) {
                self.receive_with(Channel::File(target), "volumes", item, source, None);
            }
        }
    }

    /// `profiles:`, a list of names (a service with profiles is read too).
    fn profiles(&mut self, node: Option<&Node>) {
        let Some(node) = node.filter(|n| !n.is_null()) else {
            return;
        };
        let names: Option<Vec<String>> = match &node.value {
            NodeValue::Sequence(items) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect(),
            _ => None,
        };
        match names {
            Some(names) => self.settings.profiles.extend(names),
            None => self.errors.push(invalid(
                self.file,
                node,
                format!(
                    "`profiles` of service `{}` must be a list of names, but it is {}",
                    self.name,
                    node.kind()
                ),
                "write `profiles: [debug]`",
            )),
        }
    }

    /// Every `${VAR}` and `$VAR` in the service's string values (keys are
    /// not interpolated), and each `${VAR:-default}` default as an
    /// assignment of `VAR`. An invalid template is an error, as in Docker.
    fn interpolations(&mut self, node: &Node) {
        match &node.value {
            NodeValue::Scalar(_) => {
                let Some(text) = node.as_str() else { return };
                let found = match interpolate::parse(text) {
                    Ok(found) => found,
                    Err(_) => {
                        self.errors.push(
                            InputError::new(
                                Code::ComposeInvalid,
                                format!(
                                    "a value of service `{}` has an invalid interpolation (Docker refuses it: \"invalid interpolation format\")",
                                    self.name
                                ),
                            )
                            .at(node.location(self.file))
                            .help("write `${NAME}`, `${NAME:-default}`, `${NAME:?message}` or `${NAME:+alternate}`, and `$$` for a literal `$`"),
                        );
                        return;
                    }
                };
                for found in found {
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

/// A YAML 1.1 / 1.2 boolean as compose accepts it.
fn yaml_bool(node: &Node) -> Option<bool> {
    match node.as_str()? {
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// The example of the env file `path` in the same directory
/// ([`dotenv::example_for`]: `.env.production.sample` for
/// `.env.production`, or the directory's only env example).
fn example_beside(path: &Path) -> Option<std::path::PathBuf> {
    let name = path.file_name()?.to_str()?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let candidates: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    dotenv::example_for(name, &candidates).map(Path::to_path_buf)
}
