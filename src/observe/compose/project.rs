//! A compose file with what it pulls in: `include:` and `extends:`, as
//! Docker Compose reads them.
//!
//! - `include:` is a list of paths, or of `{path}` where `path` is a path
//!   or a list of paths merged in order (a later file's service overrides
//!   an earlier one's). The included files' services (and top-level
//!   `secrets:`) join the project, before the including file's own.
//!   A service defined in two files that are not one path list (included
//!   and defined again, or included twice) is an error, as in Docker.
//!   `project_directory` and `env_file` of an entry are not read: paths in
//!   an included file are taken relative to that file, which is compose's
//!   default for `project_directory`.
//! - `extends:` is `{service, file}` (`file` optional) or a service name
//!   in the same file; chains are followed. The extending service gets
//!   everything the extended one receives (environment, env_file, secrets,
//!   volumes and interpolations add up); where both set something, the
//!   extending service's setting wins. A cycle is an error naming the file
//!   and line.
//!
//! Paths are relative to the file that names them. A missing included or
//! extended file is a gap (Docker refuses to start); one that is malformed
//! is an error. Bounds: at most [`MAX_COMPOSE_FILES`] files are read per
//! compose file named (each one once, however often it is included), and
//! an `extends` chain has at most [`MAX_EXTENDS_CHAIN`] links, so an
//! include bomb or a long chain stops with an error naming the limit.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use super::service::{SecretDefinition, ServiceReader, Settings};
use super::{flow, invalid, ComposeFile, ComposeService, Gap};
use crate::diag::{Code, InputError};
use crate::heuristics::defaults::PublishedDefaults;
use crate::inventory::model::ComposeSource;
use crate::inventory::yaml::tree::{Node, NodeValue};
use crate::source::Location;

/// The most files read for one compose file named (itself included),
/// through `include:` and `extends: {file}`.
pub const MAX_COMPOSE_FILES: usize = 64;

/// The most links in one `extends:` chain.
pub const MAX_EXTENDS_CHAIN: usize = 32;

/// One parsed file of the project.
struct Parsed {
    /// As messages name it.
    file: Arc<str>,
    /// Its identity (the canonical path when it exists).
    key: PathBuf,
    dir: PathBuf,
    /// `dir` relative to the first file's directory.
    relative_dir: PathBuf,
    root: Node,
}

struct Project<'a> {
    cache: HashMap<PathBuf, Rc<Parsed>>,
    secrets: BTreeMap<String, SecretDefinition>,
    resolved: HashMap<(PathBuf, String), Settings>,
    errors: Vec<InputError>,
    gaps: &'a mut Vec<Gap>,
    /// The published defaults assignments are compared with.
    defaults: &'a PublishedDefaults,
    /// `include` entries numbered so far.
    groups: usize,
}

fn key_of(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Reads the first file (`root`, already parsed) and everything it pulls in.
pub(super) fn read(
    file: &Arc<str>,
    root: Node,
    source: &ComposeSource,
    defaults: &PublishedDefaults,
    gaps: &mut Vec<Gap>,
) -> Result<ComposeFile, Vec<InputError>> {
    let dir = Path::new(file.as_ref())
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let first = Rc::new(Parsed {
        file: Arc::clone(file),
        key: key_of(&source.file.path),
        dir,
        relative_dir: PathBuf::new(),
        root,
    });
    let mut project = Project {
        cache: HashMap::from([(first.key.clone(), Rc::clone(&first))]),
        secrets: BTreeMap::new(),
        resolved: HashMap::new(),
        errors: Vec::new(),
        gaps,
        defaults,
        groups: 0,
    };
    let mut order = Vec::new();
    let mut visited = BTreeSet::from([first.key.clone()]);
    project.includes(first, 0, &mut vec![], &mut visited, &mut order);
    // Top-level secrets of every file; the including file's win.
    for (parsed, _) in order.iter().rev() {
        for (name, definition) in
            super::secret_definitions(&parsed.file, &parsed.root, &mut project.errors)
        {
            project.secrets.entry(name).or_insert(definition);
        }
    }
    let mut observed = ComposeFile {
        file: Arc::clone(file),
        environment: source.environment.clone(),
        services: Vec::new(),
        assignments: Vec::new(),
    };
    let mut groups = HashMap::new();
    for (parsed, group) in &order {
        project.services(parsed, *group, source, &mut observed, &mut groups);
    }
    // Each service's assignments once (an `extends` chain may read a file
    // twice); `FOO: ${FOO:-x}` writes two values at one place (the
    // interpolation and its default), told apart by their facts.
    let mut seen = BTreeSet::new();
    observed.assignments.retain(|a| {
        seen.insert((
            a.location.file.clone(),
            a.location.line,
            a.location.column,
            a.service.clone(),
            a.variable.clone(),
            (a.literal, a.placeholder, a.credential, a.published_default),
        ))
    });
    if project.errors.is_empty() {
        Ok(observed)
    } else {
        Err(project.errors)
    }
}

impl Project<'_> {
    /// Reads the file at `path` once (named `written` at `at` for gaps).
    fn load(
        &mut self,
        path: &Path,
        relative_dir: PathBuf,
        at: &Location,
        what: &str,
    ) -> Option<Rc<Parsed>> {
        let key = key_of(path);
        if let Some(parsed) = self.cache.get(&key) {
            return Some(Rc::clone(parsed));
        }
        let file: Arc<str> = Arc::from(crate::source::portable_path(path));
        if self.cache.len() >= MAX_COMPOSE_FILES {
            self.errors.push(
                InputError::new(
                    Code::ComposeInvalid,
                    format!(
                        "reading `{file}` would read more than {MAX_COMPOSE_FILES} compose files through `include` and `extends` (the limit)"
                    ),
                )
                .at(at.clone())
                .help("include each file once, and merge files that only pass others along"),
            );
            return None;
        }
        let text = match crate::read::read_text(path, crate::read::Kind::Compose) {
            Ok(text) => zeroize::Zeroizing::new(text),
            Err(error) => {
                let problem = if error.is_not_found() {
                    format!("{what} `{file}` not found (Docker refuses to start the project)")
                } else {
                    format!("cannot read {what} `{file}`: {error}")
                };
                self.gaps.push(Gap {
                    location: at.clone(),
                    problem,
                });
                return None;
            }
        };
        let root = match flow::parse_compose(&file, &text) {
            Ok(Some(root)) => root,
            // An empty file has no services.
            Ok(None) => Node {
                line: 1,
                column: 1,
                value: NodeValue::Mapping(Vec::new()),
            },
            Err(mut errors) => {
                self.errors.append(&mut errors);
                return None;
            }
        };
        if !matches!(root.value, NodeValue::Mapping(_)) {
            self.errors.push(invalid(
                &file,
                &root,
                format!("a compose file is a mapping, but this is {}", root.kind()),
                "start the file with `services:`",
            ));
            return None;
        }
        let parsed = Rc::new(Parsed {
            file,
            key: key.clone(),
            dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            relative_dir,
            root,
        });
        self.cache.insert(key, Rc::clone(&parsed));
        Some(parsed)
    }

    /// `parsed`'s included files (depth first, each once), then `parsed`,
    /// appended to `order` with its group: the files of one `include`
    /// entry's path list share one and override each other's services.
    fn includes(
        &mut self,
        parsed: Rc<Parsed>,
        group: usize,
        stack: &mut Vec<PathBuf>,
        visited: &mut BTreeSet<PathBuf>,
        order: &mut Vec<(Rc<Parsed>, usize)>,
    ) {
        stack.push(parsed.key.clone());
        let entries = match parsed.root.get("include").filter(|n| !n.is_null()) {
            None => Vec::new(),
            Some(node) if matches!(node.value, NodeValue::Sequence(_)) => {
                node.items().iter().collect()
            }
            Some(node) => {
                self.errors.push(invalid(
                    &parsed.file,
                    node,
                    format!("`include` must be a list, but it is {}", node.kind()),
                    "list the files: `include: [other.yml]` or `- path: other.yml`",
                ));
                Vec::new()
            }
        };
        for entry in entries {
            let paths: Option<Vec<&Node>> = match &entry.value {
                NodeValue::Scalar(_) => Some(vec![entry]),
                NodeValue::Mapping(_) => match entry.get("path") {
                    Some(path) if matches!(path.value, NodeValue::Sequence(_)) => {
                        Some(path.items().iter().collect())
                    }
                    Some(path) => Some(vec![path]),
                    None => None,
                },
                NodeValue::Sequence(_) => None,
            };
            let paths: Option<Vec<&str>> =
                paths.and_then(|p| p.into_iter().map(Node::as_str).collect());
            let Some(paths) = paths else {
                self.errors.push(invalid(
                    &parsed.file,
                    entry,
                    "an `include` entry must be a path or `{path: ...}` with a path or a list of paths".to_owned(),
                    "write `- other.yml` or `- path: [base.yml, override.yml]`",
                ));
                continue;
            };
            let at = entry.location(&parsed.file);
            self.groups += 1;
            let entry_group = self.groups;
            for path in paths {
                let full = parsed.dir.join(path);
                let key = key_of(&full);
                if stack.contains(&key) {
                    self.errors.push(invalid(
                        &parsed.file,
                        entry,
                        format!("`{}` includes itself (through `include`)", full.display()),
                        "remove the `include` entry that closes the cycle",
                    ));
                    continue;
                }
                if !visited.insert(key) {
                    continue;
                }
                let relative = parsed.relative_dir.join(path);
                let relative = relative.parent().map(Path::to_path_buf).unwrap_or_default();
                if let Some(child) = self.load(&full, relative, &at, "included file") {
                    self.includes(child, entry_group, stack, visited, order);
                }
            }
        }
        stack.pop();
        order.push((parsed, group));
    }

    /// The services of one file into `observed`. A service already there
    /// from an earlier file of the same `include` path list (`group`) is
    /// overridden; one from another file is an error, as in Docker.
    fn services(
        &mut self,
        parsed: &Rc<Parsed>,
        group: usize,
        source: &ComposeSource,
        observed: &mut ComposeFile,
        groups: &mut HashMap<String, usize>,
    ) {
        let Some(services) = parsed.root.get("services").filter(|n| !n.is_null()) else {
            return;
        };
        if !matches!(services.value, NodeValue::Mapping(_)) {
            self.errors.push(invalid(
                &parsed.file,
                services,
                format!(
                    "`services` must be a mapping, but it is {}",
                    services.kind()
                ),
                "write each service as `name:` followed by its settings",
            ));
            return;
        }
        for (key, body) in services.pairs() {
            let Some(name) = key.as_str() else { continue };
            if !self.is_service(parsed, name, body) {
                continue;
            }
            let mut settings = self.resolve(parsed, name, body, &mut Vec::new());
            observed
                .assignments
                .extend(settings.assignments.iter().cloned());
            if let Some(earlier) = observed.services.iter().position(|s| s.name == name) {
                if groups.get(name) != Some(&group) {
                    let first = observed.services[earlier].location.clone();
                    self.errors.push(
                        invalid(
                            &parsed.file,
                            key,
                            format!("service `{name}` is defined twice: in an included file and again here (Docker refuses it)"),
                            "keep one definition; to change an included service, list an override file in the same `include` entry: `- path: [base.yml, override.yml]`",
                        )
                        .related(first, "first defined"),
                    );
                    continue;
                }
                let earlier = observed.services.remove(earlier);
                settings = merge(
                    settings,
                    Settings {
                        receives: earlier.receives,
                        assignments: Vec::new(),
                        env_files: earlier.env_files,
                        profiles: earlier.profiles,
                    },
                    name,
                );
            }
            groups.insert(name.to_owned(), group);
            observed.services.push(ComposeService {
                name: name.to_owned(),
                inventory_name: source.service_for(name).to_owned(),
                location: key.location(&parsed.file),
                receives: settings.receives,
                profiles: settings.profiles,
                env_files: settings.env_files,
            });
        }
    }

    fn is_service(&mut self, parsed: &Parsed, name: &str, body: &Node) -> bool {
        if body.is_null() || matches!(body.value, NodeValue::Mapping(_)) {
            return true;
        }
        self.errors.push(invalid(
            &parsed.file,
            body,
            format!(
                "service `{name}` must be a mapping, but it is {}",
                body.kind()
            ),
            "give the service its settings (`image:`, `environment:`, ...) as a mapping",
        ));
        false
    }

    /// A service's settings with its `extends` chain applied (each
    /// service read once). `chain`: the services extending this one.
    fn resolve(
        &mut self,
        parsed: &Rc<Parsed>,
        name: &str,
        body: &Node,
        chain: &mut Vec<(PathBuf, String)>,
    ) -> Settings {
        let key = (parsed.key.clone(), name.to_owned());
        if let Some(done) = self.resolved.get(&key) {
            return done.clone();
        }
        let mut reader = ServiceReader {
            file: &parsed.file,
            dir: &parsed.dir,
            relative_dir: &parsed.relative_dir,
            name,
            secrets: &self.secrets,
            settings: Settings::default(),
            errors: &mut self.errors,
            gaps: self.gaps,
            defaults: self.defaults,
        };
        reader.read(body);
        let mut settings = reader.settings;
        settings
            .receives
            .sort_by_key(|r| (r.location.line, r.location.column));
        if let Some(extends) = body.get("extends").filter(|n| !n.is_null()) {
            chain.push(key.clone());
            if let Some(base) = self.extended(parsed, name, extends, chain) {
                settings = merge(settings, base, name);
            }
            chain.pop();
        }
        let mut seen = BTreeSet::new();
        settings.receives.retain(|r| seen.insert(r.channel.clone()));
        self.resolved.insert(key, settings.clone());
        settings
    }

    /// The settings of the service `extends` names.
    fn extended(
        &mut self,
        parsed: &Rc<Parsed>,
        name: &str,
        extends: &Node,
        chain: &mut Vec<(PathBuf, String)>,
    ) -> Option<Settings> {
        let (file, service) = match &extends.value {
            NodeValue::Scalar(_) => (None, extends.as_str()),
            NodeValue::Mapping(_) => (
                extends.get("file").and_then(Node::as_str),
                extends.get("service").and_then(Node::as_str),
            ),
            NodeValue::Sequence(_) => (None, None),
        };
        let Some(service) = service else {
            self.errors.push(invalid(
                &parsed.file,
                extends,
                format!("`extends` of service `{name}` must name a service"),
                "write `extends: base` or `extends: {file: common.yml, service: base}`",
            ));
            return None;
        };
        let at = extends.location(&parsed.file);
        let base = match file {
            None => Rc::clone(parsed),
            Some(path) => {
                let relative = parsed.relative_dir.join(path);
                let relative = relative.parent().map(Path::to_path_buf).unwrap_or_default();
                self.load(&parsed.dir.join(path), relative, &at, "extended file")?
            }
        };
        let Some(body) = base.root.get("services").and_then(|s| s.get(service)) else {
            self.errors.push(invalid(
                &parsed.file,
                extends,
                format!(
                    "service `{name}` extends `{service}`, but `{}` has no service `{service}`",
                    base.file
                ),
                "name a service the file defines under `services:`",
            ));
            return None;
        };
        if chain.iter().any(|(k, s)| *k == base.key && s == service) {
            let names: Vec<&str> = chain.iter().map(|(_, s)| s.as_str()).collect();
            self.errors.push(invalid(
                &parsed.file,
                extends,
                format!(
                    "service `{name}` extends itself through `extends`: {} -> {service}",
                    names.join(" -> ")
                ),
                "remove the `extends` that closes the cycle",
            ));
            return None;
        }
        if chain.len() >= MAX_EXTENDS_CHAIN {
            self.errors.push(
                InputError::new(
                    Code::ComposeInvalid,
                    format!("an `extends` chain is longer than {MAX_EXTENDS_CHAIN} services (the limit)"),
                )
                .at(at)
                .help("extend a common base service directly instead of through a chain"),
            );
            return None;
        }
        if !self.is_service(&base, service, body) {
            return None;
        }
        Some(self.resolve(&base, service, body, chain))
    }
}

/// `over` applied on top of `base`, as compose merges services: what
/// either receives adds up, `over`'s wins where both set the same thing.
/// What `base` assigns is assigned to `service` (the one extending it),
/// still at the place it is written.
fn merge(mut over: Settings, base: Settings, service: &str) -> Settings {
    let explicit: BTreeSet<&str> = over
        .receives
        .iter()
        .filter(|r| r.via == "environment")
        .filter_map(|r| match &r.channel {
            super::Channel::Env(name) => Some(name.as_str()),
            super::Channel::File(_) => None,
        })
        .collect();
    let inherited: Vec<_> = base
        .assignments
        .into_iter()
        .filter(|a| !explicit.contains(a.variable.as_str()))
        .map(|mut a| {
            a.service = service.to_owned();
            a
        })
        .collect();
    over.assignments.extend(inherited);
    over.receives.extend(base.receives);
    let mut seen = BTreeSet::new();
    over.receives.retain(|r| seen.insert(r.channel.clone()));
    let mut env_files = base.env_files;
    env_files.extend(over.env_files);
    let mut seen = BTreeSet::new();
    env_files.retain(|e| seen.insert(e.path.clone()));
    over.env_files = env_files;
    let mut profiles = base.profiles;
    profiles.extend(over.profiles);
    let mut seen = BTreeSet::new();
    profiles.retain(|p| seen.insert(p.clone()));
    over.profiles = profiles;
    over
}
