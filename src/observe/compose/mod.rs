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
//! [`dotenv`](crate::observe::dotenv); a missing required one is a gap, as
//! Docker refuses to start), and through interpolation ([`interpolate`]:
//! every form of the compose spec) anywhere in its string values. It
//! receives a docker secret through `secrets:` (short form: mounted at
//! `/run/secrets/<name>`; long form `{source, target, uid, gid, mode}`),
//! and with it the variable a top-level secret definition reads
//! (`environment:`). A file bind-mounted with `volumes:` is received at its
//! target path too. Services with `profiles:` are read like the others.
//! `include:` and `extends:` are followed ([`project`], with their bounds);
//! flow collections that close left of their key parse as in Docker
//! ([`flow`]); merge keys (`<<: [*a, *b]`) are applied by the tree.
//!
//! Nothing here keeps a value: an assignment is recorded as facts (is it a
//! literal, is it a placeholder) and the text is dropped with the parsed
//! tree. `env_file` values are read only to learn their keys. A malformed
//! compose file is bad input (exit 2); a file that cannot be read is a gap.

use crate::diag::Code;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::diag::InputError;
use crate::heuristics::defaults::PublishedDefaults;
use crate::inventory::model::{ComposeSource, Inventory};
use crate::inventory::yaml::tree::{Node, NodeValue};
use crate::source::Location;

pub mod code;
pub mod facts;
mod flow;
pub mod interpolate;
mod project;
mod service;

pub use interpolate::{interpolations, Interpolation};
pub use project::{MAX_COMPOSE_FILES, MAX_EXTENDS_CHAIN};
use service::SecretDefinition;

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
    /// `profiles:` as written (a service with profiles is read like any other).
    pub profiles: Vec<String>,
    /// Each `env_file:` entry, in order, found or not.
    pub env_files: Vec<EnvFileRef>,
}

/// One `env_file:` entry of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFileRef {
    /// As written, relative to the directory of the first compose file
    /// (the one `sources.compose` or `init --from` names): for an entry in
    /// an included or extended file, that file's directory is prefixed.
    pub path: String,
    /// False for `{path, required: false}`.
    pub required: bool,
    /// The file exists (readable or not: one that cannot be read is a gap).
    pub found: bool,
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
    /// The host side, as written: for `volumes`, a bind mount's source
    /// (`./certs/tls.key`; `None` for a named volume); for `secrets`, the
    /// top-level secret's `file:` (`None` when it has none).
    pub host_path: Option<String>,
    /// For `secrets` (both the mounted file and the variable of a secret
    /// defined with `environment:`): the compose secret's name, i.e. the
    /// long form's `source`.
    pub secret: Option<String>,
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
    /// Empty or a well-known placeholder ([`crate::heuristics::placeholder_value`]).
    pub placeholder: bool,
    /// `Some(VAR)` when the whole value is one interpolation of `VAR`
    /// (`${VAR}`, `$VAR`, `${VAR:-x}`, `${VAR-x}`, `${VAR:?x}`,
    /// `${VAR?x}`; not `${VAR:+x}`): the variable is a new name for the
    /// host's `VAR` ([`interpolate::delivers`]).
    pub delivers: Option<String>,
    /// The value holds a credential: a connection string or URL with a
    /// written password, a JDBC/ADO `password=`
    /// ([`crate::heuristics::credential_in_value`]), even when other parts of it
    /// are interpolated; or a written password that is a published default
    /// or a placeholder ([`crate::heuristics::defaults::default_password`]).
    pub credential: bool,
    /// The value Docker runs with is a well-known published default
    /// ([`crate::heuristics::defaults::compose_literal`]), or embeds one as its
    /// password.
    pub published_default: bool,
    /// What the name and the written value say together
    /// ([`crate::heuristics::classify`]): the value is judged
    /// here, where it is read, so that it need not be kept.
    pub verdict: crate::heuristics::Verdict,
    /// The path a reference names (`POSTGRES_PASSWORD_FILE:
    /// /run/secrets/db_password`: a `*_FILE` variable or a `/run/secrets/`
    /// value, without interpolation): where a value is, never a value.
    pub file: Option<String>,
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
        let file: Arc<str> = Arc::from(crate::source::portable_path(&source.file.path));
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
    let Some(root) = flow::parse_compose(file, text)? else {
        return Err(vec![InputError::new(
            Code::EmptyFile,
            format!("compose file `{file}` has no content"),
        )
        .at(Location::file_start(file))
        .help("point `sources:` at the right file, or remove the entry")]);
    };
    if !matches!(root.value, NodeValue::Mapping(_)) {
        return Err(vec![invalid(
            file,
            &root,
            format!("a compose file is a mapping, but this is {}", root.kind()),
            "start the file with `services:`",
        )]);
    }
    project::read(file, root, source, defaults, gaps)
}

/// Whether `text` is a compose file, by content (for `init --from`, which
/// is given files of any name): a YAML mapping with `services:` (a mapping
/// or empty) or `include:`, and only the compose specification's top-level
/// keys (`x-*` extensions too). An inventory (`environments:`, `reads:`...),
/// a Kubernetes manifest or a file that does not parse is not one.
pub fn looks_like_compose(text: &str) -> bool {
    let file: Arc<str> = Arc::from("<text>");
    let Ok(Some(root)) = flow::parse_compose(&file, text) else {
        return false;
    };
    let NodeValue::Mapping(pairs) = &root.value else {
        return false;
    };
    let mut marked = false;
    for (key, value) in pairs {
        let Some(key) = key.as_str() else {
            return false;
        };
        if !(crate::inventory::COMPOSE_KEYS.contains(&key) || key.starts_with("x-") || key == "<<")
        {
            return false;
        }
        marked |= match key {
            "services" => value.is_null() || matches!(value.value, NodeValue::Mapping(_)),
            "include" => matches!(value.value, NodeValue::Sequence(_)),
            _ => false,
        };
    }
    marked
}

/// Top-level `secrets:`: name -> its `file:` and `environment:`.
fn secret_definitions(
    file: &Arc<str>,
    root: &Node,
    errors: &mut Vec<InputError>,
) -> BTreeMap<String, SecretDefinition> {
    let mut out = BTreeMap::new();
    let Some(secrets) = root.get("secrets").filter(|n| !n.is_null()) else {
        return out;
    };
    if !matches!(secrets.value, NodeValue::Mapping(_)) {
        errors.push(invalid(
            file,
            secrets,
            format!("`secrets` must be a mapping, but it is {}", secrets.kind()),
            "write each secret as `name: {file: PATH}` or `name: {environment: VAR}`",
        ));
    }
    for (name, definition) in secrets.entries() {
        let text = |key| {
            definition
                .get(key)
                .and_then(Node::as_str)
                .map(str::to_owned)
        };
        out.insert(
            name.to_owned(),
            SecretDefinition {
                file: text("file"),
                environment: text("environment"),
            },
        );
    }
    out
}

pub(crate) fn invalid(file: &Arc<str>, node: &Node, message: String, help: &str) -> InputError {
    InputError::new(Code::ComposeInvalid, message)
        .at(node.location(file))
        .help(help.to_owned())
}

#[cfg(test)]
mod tests;
