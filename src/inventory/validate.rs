//! From what the files say to a checked [`Inventory`].
//!
//! Deserialization already rejected unknown keys and wrong types. This pass
//! checks what serde cannot: names defined twice across files, references to
//! undeclared environments, services, stores and secrets, dates, periods and
//! file modes. It reports every problem it finds, not just the first.

use crate::diag::Code;
use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::civil::Date;
use rayon::prelude::*;

use super::model::*;
use super::period::{parse_period, PERIOD_HELP};
use super::raw::{RawDocument, RawInstance};
use super::yaml::Positions;
use crate::diag::{did_you_mean, InputError};
use crate::source::Location;
use crate::ypath;

/// One parsed file, waiting for validation.
pub struct ParsedFile {
    pub path: Arc<str>,
    pub document: RawDocument,
    pub positions: Positions,
}

pub fn validate(files: Vec<ParsedFile>, now: Date) -> Result<Inventory, Vec<InputError>> {
    let mut v = Validator {
        errors: Vec::new(),
        now,
    };
    let names = v.collect_names(&files);
    let mut inventory = Inventory {
        files: files.iter().map(|f| Arc::clone(&f.path)).collect(),
        ..Inventory::default()
    };
    v.settings(&files, &mut inventory);
    v.sources(&files, &names, &mut inventory);
    // Files validate independently against the names of all of them, and
    // each file's raw document is freed by the thread that read it: freeing
    // a large inventory is too slow to leave to one thread at the end.
    let parts: Vec<(Inventory, Vec<InputError>)> = files
        .into_par_iter()
        .map(|file| {
            let mut part_validator = Validator {
                errors: Vec::new(),
                now,
            };
            let mut part = Inventory::default();
            part_validator.file(&file, &names, &mut part);
            (part, part_validator.errors)
        })
        .collect();
    // Parts merge in file order. Two definitions of a name in different
    // places were reported above, and an inventory with errors is never
    // returned; the same file named twice defines the same items twice.
    let mut environments = Vec::new();
    let mut services = Vec::new();
    let mut identities = Vec::new();
    let mut stores = Vec::new();
    let mut secrets = Vec::new();
    let mut env_vars = Vec::new();
    for (part, mut errors) in parts {
        v.errors.append(&mut errors);
        environments.push(part.environments);
        services.push(part.services);
        identities.push(part.identities);
        stores.push(part.stores);
        secrets.push(part.secrets);
        env_vars.push(part.env_vars);
        inventory.reads.extend(part.reads);
        inventory.waivers.extend(part.waivers);
    }
    inventory.environments = merge_sorted(environments);
    inventory.services = merge_sorted(services);
    inventory.identities = merge_sorted(identities);
    inventory.stores = merge_sorted(stores);
    inventory.secrets = merge_sorted(secrets);
    inventory.env_vars = merge_sorted(env_vars);
    v.link_env_vars(&mut inventory);
    apply_store_encryption(&mut inventory);
    if v.errors.is_empty() {
        Ok(inventory)
    } else {
        Err(v.errors)
    }
}

/// One map of the items of every file. Each file's map is sorted already,
/// so collecting their entries sorts runs, not items, and builds the tree
/// once (merging one map into another rebuilds it each time).
fn merge_sorted<T>(parts: Vec<BTreeMap<String, T>>) -> BTreeMap<String, T> {
    let mut parts = parts.into_iter().filter(|part| !part.is_empty());
    match (parts.next(), parts.next()) {
        (None, _) => BTreeMap::new(),
        (Some(only), None) => only,
        (Some(first), Some(second)) => first
            .into_iter()
            .chain(second)
            .chain(parts.flatten())
            .collect(),
    }
}

/// Every name each section defines, with where it was first defined.
#[derive(Default)]
struct Names {
    environments: BTreeMap<String, Location>,
    services: BTreeMap<String, Location>,
    identities: BTreeMap<String, Location>,
    stores: BTreeMap<String, Location>,
    secrets: BTreeMap<String, Location>,
    env_vars: BTreeMap<String, Location>,
}

/// The sections that define names, and what one of their items is called.
const SECTIONS: [(&str, &str); 6] = [
    ("environments", "environment"),
    ("services", "service"),
    ("identities", "identity"),
    ("stores", "store"),
    ("secrets", "secret"),
    ("env_vars", "env var"),
];

/// A name one file defines (`SECTIONS[section]`), where, and what is wrong
/// with the name itself.
struct FileName<'a> {
    section: usize,
    name: &'a String,
    here: Location,
    errors: Vec<InputError>,
}

/// The names `file` defines, in section order.
fn file_names(file: &ParsedFile) -> Vec<FileName<'_>> {
    let doc = &file.document;
    let keys: [Vec<&String>; 6] = [
        doc.environments.keys().collect(),
        doc.services.keys().collect(),
        doc.identities.keys().collect(),
        doc.stores.keys().collect(),
        doc.secrets.keys().collect(),
        doc.env_vars.keys().collect(),
    ];
    let mut out = Vec::with_capacity(keys.iter().map(Vec::len).sum());
    for (section, names) in keys.into_iter().enumerate() {
        let (key, what) = SECTIONS[section];
        for name in names {
            let here = file.positions.key(&ypath![key, name]);
            let mut errors = Vec::new();
            if name.trim().is_empty() {
                errors.push(
                    InputError::new(Code::EmptyName, format!("a {what} has an empty name"))
                        .at(here.clone())
                        .help("give it a name"),
                );
            }
            if key == "environments"
                && !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            {
                errors.push(
                    InputError::new(
                        Code::InvalidName,
                        format!("environment name `{name}` has characters other than letters, digits, `-`, `_` and `.`"),
                    )
                    .at(here.clone())
                    .help("rename the environment, e.g. `production` or `eu-staging`"),
                );
            }
            out.push(FileName {
                section,
                name,
                here,
                errors,
            });
        }
    }
    out
}

struct Validator {
    errors: Vec<InputError>,
    now: Date,
}

impl Validator {
    fn collect_names(&mut self, files: &[ParsedFile]) -> Names {
        // Each file's names and their positions are found in parallel; the
        // registry is then filled in file order, so "first defined" and the
        // order of errors do not depend on threads.
        let per_file: Vec<Vec<FileName<'_>>> = files.par_iter().map(file_names).collect();
        let mut names = Names::default();
        for (file, entries) in files.iter().zip(per_file) {
            let doc = &file.document;
            if doc.version != 1 {
                self.errors.push(
                    InputError::new(
                        Code::UnsupportedVersion,
                        format!("inventory version `{}` is not supported", doc.version),
                    )
                    .at(file.positions.value(&ypath!["version"]))
                    .help("set `version: 1`"),
                );
            }
            for FileName {
                section,
                name,
                here,
                mut errors,
            } in entries
            {
                self.errors.append(&mut errors);
                let (section, what) = SECTIONS[section];
                let seen = match section {
                    "environments" => &mut names.environments,
                    "services" => &mut names.services,
                    "identities" => &mut names.identities,
                    "stores" => &mut names.stores,
                    "secrets" => &mut names.secrets,
                    _ => &mut names.env_vars,
                };
                match seen.get(name) {
                    Some(first) if first.file != here.file || first.line != here.line => {
                        self.errors.push(
                            InputError::new(
                                Code::DuplicateName,
                                format!("{what} `{name}` is defined more than once"),
                            )
                            .at(here)
                            .related(first.clone(), "first defined")
                            .help(format!(
                                "keep one definition of `{name}` under `{section}:`, or rename one"
                            )),
                        );
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(name.clone(), here);
                    }
                }
            }
        }
        names
    }

    /// `settings:`, which one file may write.
    fn settings(&mut self, files: &[ParsedFile], inventory: &mut Inventory) {
        let mut settings_file: Option<Location> = None;
        for file in files {
            let Some(iam) = file.document.settings.as_ref().and_then(|s| s.iam.as_ref()) else {
                continue;
            };
            let here = file.positions.key(&ypath!["settings"]);
            if let Some(first) = &settings_file {
                self.errors.push(
                    InputError::new(
                        Code::DuplicateSettings,
                        "`settings` is written in more than one file",
                    )
                    .at(here)
                    .related(first.clone(), "first written here")
                    .help("keep `settings:` in one inventory file"),
                );
                continue;
            }
            settings_file = Some(here);
            let pos = &file.positions;
            if let Some(text) = &iam.access_key_max_age {
                if let Some(p) = self.period(text, || {
                    pos.value(&ypath!["settings", "iam", "access_key_max_age"])
                }) {
                    inventory.settings.access_key_max_age_days = p.days;
                }
            }
            if let Some(text) = &iam.unused_credentials_max {
                if let Some(p) = self.period(text, || {
                    pos.value(&ypath!["settings", "iam", "unused_credentials_max"])
                }) {
                    inventory.settings.unused_credentials_max_days = p.days;
                }
            }
        }
    }

    /// `sources:` of every file, resolved against each file's directory. The
    /// repository may be named once; the lists add up across files.
    fn sources(&mut self, files: &[ParsedFile], names: &Names, inventory: &mut Inventory) {
        let mut repository_file: Option<Location> = None;
        for file in files {
            let Some(raw) = &file.document.sources else {
                continue;
            };
            let pos = &file.positions;
            let base = std::path::Path::new(&*file.path)
                .parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default();
            if let Some(written) = &raw.repository {
                let here = pos.value(&ypath!["sources", "repository"]);
                if let Some(first) = &repository_file {
                    self.errors.push(
                        InputError::new(
                            Code::DuplicateSourcesRepository,
                            "`sources.repository` is written in more than one file",
                        )
                        .at(here)
                        .related(first.clone(), "first written here")
                        .help("name the repository in one inventory file"),
                    );
                } else {
                    repository_file = Some(here.clone());
                    inventory.sources.repository =
                        self.source_path(&base, written, true, "repository", here);
                }
            }
            for (index, written) in raw.env_example.iter().enumerate() {
                let here = pos.value(&ypath!["sources", "env_example", index]);
                inventory.sources.env_example.extend(self.source_path(
                    &base,
                    written,
                    false,
                    "`.env.example` file",
                    here,
                ));
            }
            for (index, written) in raw.code.iter().enumerate() {
                let here = pos.value(&ypath!["sources", "code", index]);
                inventory.sources.code.extend(self.source_path(
                    &base,
                    written,
                    true,
                    "code directory",
                    here,
                ));
            }
            for (index, compose) in raw.compose.iter().enumerate() {
                let here = pos.value(&ypath!["sources", "compose", index, "file"]);
                let file_path = self.source_path(&base, &compose.file, false, "compose file", here);
                if let Some(environment) = &compose.environment {
                    self.reference(
                        &names.environments,
                        environment,
                        "environment",
                        "environments",
                        "a compose source",
                        || pos.value(&ypath!["sources", "compose", index, "environment"]),
                    );
                }
                for (compose_name, service) in &compose.services {
                    self.reference(
                        &names.services,
                        service,
                        "service",
                        "services",
                        &format!("compose service `{compose_name}`"),
                        || {
                            pos.value(&ypath![
                                "sources",
                                "compose",
                                index,
                                "services",
                                compose_name
                            ])
                        },
                    );
                }
                if let Some(file_path) = file_path {
                    inventory.sources.compose.push(ComposeSource {
                        file: file_path,
                        environment: compose.environment.clone(),
                        services: compose.services.clone(),
                    });
                }
            }
        }
    }

    /// Resolves a path named under `sources:` and checks that it exists as a
    /// directory (`dir`) or a file.
    fn source_path(
        &mut self,
        base: &std::path::Path,
        written: &str,
        dir: bool,
        what: &str,
        at: Location,
    ) -> Option<SourcePath> {
        let path = base.join(written);
        let problem = match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() == dir => None,
            Ok(_) if dir => Some("is not a directory"),
            Ok(_) => Some("is not a file"),
            Err(_) => Some("does not exist"),
        };
        if let Some(problem) = problem {
            self.errors.push(
                InputError::new(
                    Code::MissingSource,
                    format!("the {what} `{written}` {problem}"),
                )
                .at(at)
                .help(format!(
                    "paths under `sources:` are relative to the inventory file (here `{}`); fix the path or remove it",
                    path.display()
                )),
            );
            return None;
        }
        Some(SourcePath {
            written: written.to_owned(),
            path,
            location: at,
        })
    }

    /// Checks that `name` is one of `defined`; returns whether it is.
    fn reference(
        &mut self,
        defined: &BTreeMap<String, Location>,
        name: &str,
        what: &str,
        section: &str,
        referrer: &str,
        at: impl FnOnce() -> Location,
    ) -> bool {
        if defined.contains_key(name) {
            return true;
        }
        let help = match did_you_mean(name, defined.keys().map(String::as_str)) {
            Some(close) => {
                format!("did you mean `{close}`? Otherwise declare `{name}` under `{section}:`")
            }
            None => format!("declare `{name}` under `{section}:` or fix the name"),
        };
        self.errors.push(
            InputError::new(
                Code::UnknownReference,
                format!("{referrer} names {what} `{name}`, which is not declared"),
            )
            .at(at())
            .help(help),
        );
        false
    }

    fn period(&mut self, text: &str, at: impl FnOnce() -> Location) -> Option<Period> {
        match parse_period(text) {
            Ok(period) => Some(period),
            Err(problem) => {
                self.errors.push(
                    InputError::new(Code::InvalidPeriod, problem)
                        .at(at())
                        .help(PERIOD_HELP),
                );
                None
            }
        }
    }

    fn date(&mut self, text: &str, what: &str, at: impl FnOnce() -> Location) -> Option<Date> {
        let parsed = if text.len() == 10 {
            text.parse::<Date>().ok()
        } else {
            None
        };
        let Some(date) = parsed else {
            self.errors.push(
                InputError::new(Code::InvalidDate, format!("{what} `{text}` is not a date"))
                    .at(at())
                    .help("write dates as `YYYY-MM-DD`, e.g. `2026-01-31`"),
            );
            return None;
        };
        if date > self.now {
            self.errors.push(
                InputError::new(
                    Code::DateInFuture,
                    format!(
                        "{what} `{text}` is after the evaluation date `{}`",
                        self.now
                    ),
                )
                .at(at())
                .help("fix the date, or pass `--now` with the date the check should assume"),
            );
            return None;
        }
        Some(date)
    }

    fn file(&mut self, file: &ParsedFile, names: &Names, inventory: &mut Inventory) {
        let doc = &file.document;
        let pos = &file.positions;
        self.waivers(file, names, inventory);

        for (name, raw) in &doc.environments {
            inventory
                .environments
                .entry(name.clone())
                .or_insert_with(|| Environment {
                    name: name.clone(),
                    tier: raw.tier,
                    description: raw.description.clone(),
                    location: pos.key(&ypath!["environments", name]),
                });
        }

        for (name, raw) in &doc.services {
            inventory
                .services
                .entry(name.clone())
                .or_insert_with(|| Service {
                    name: name.clone(),
                    kind: raw.kind,
                    public_facing: raw.public_facing,
                    description: raw.description.clone(),
                    location: pos.key(&ypath!["services", name]),
                });
        }

        for (name, raw) in &doc.stores {
            inventory
                .stores
                .entry(name.clone())
                .or_insert_with(|| Store {
                    name: name.clone(),
                    description: raw.description.clone(),
                    encryption: raw.encryption.clone(),
                    location: pos.key(&ypath!["stores", name]),
                });
        }

        for (name, raw) in &doc.identities {
            let referrer = format!("identity `{name}`");
            if let Some(service) = &raw.service {
                self.reference(
                    &names.services,
                    service,
                    "service",
                    "services",
                    &referrer,
                    || pos.value(&ypath!["identities", name, "service"]),
                );
            }
            let rotation = raw.rotation.as_deref().and_then(|text| {
                self.period(text, || pos.value(&ypath!["identities", name, "rotation"]))
            });
            for (k, secret) in raw.credentials.iter().enumerate() {
                self.reference(
                    &names.secrets,
                    secret,
                    "credential",
                    "secrets",
                    &referrer,
                    || pos.value(&ypath!["identities", name, "credentials", k]),
                );
            }
            if let Some(account) = raw.aws.as_ref().and_then(|a| a.account.as_ref()) {
                if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
                    self.errors.push(
                        InputError::new(
                            Code::InvalidAwsAccount,
                            format!("AWS account `{account}` of identity `{name}` is not a 12-digit account id"),
                        )
                        .at(pos.value(&ypath!["identities", name, "aws", "account"]))
                        .help("write the account id as a quoted 12-digit string, e.g. `account: \"123456789012\"`"),
                    );
                }
            }
            inventory
                .identities
                .entry(name.clone())
                .or_insert_with(|| Identity {
                    name: name.clone(),
                    kind: raw.kind,
                    description: raw.description.clone(),
                    access: raw.access.clone(),
                    scope: raw.scope.clone(),
                    allow: raw.allow.clone(),
                    service: raw.service.clone(),
                    credentials: raw.credentials.clone(),
                    rotation,
                    aws: raw.aws.as_ref().map(|a| AwsIdentity {
                        account: a.account.clone(),
                        name: a.name.clone(),
                        arn: a.arn.clone(),
                    }),
                    location: pos.key(&ypath!["identities", name]),
                });
        }

        for (id, raw) in &doc.secrets {
            let referrer = format!("secret `{id}`");
            let base = ypath!["secrets", id];
            let period = raw
                .rotation
                .as_ref()
                .and_then(|r| r.period.as_deref())
                .and_then(|text| {
                    self.period(text, || {
                        pos.value(&ypath!["secrets", id, "rotation", "period"])
                    })
                });
            if let Some(readers) = &raw.readers {
                for (i, reader) in readers.iter().enumerate() {
                    self.reference(
                        &names.services,
                        reader,
                        "reader",
                        "services",
                        &referrer,
                        || pos.value(&ypath!["secrets", id, "readers", i]),
                    );
                }
            }
            let mut instances = BTreeMap::new();
            for (env, raw_instance) in &raw.instances {
                let at = pos.key(&ypath!["secrets", id, "instances", env]);
                self.reference(
                    &names.environments,
                    env,
                    "environment",
                    "environments",
                    &referrer,
                    || at.clone(),
                );
                if let Some(mut instance) = self.instance(id, env, raw_instance, names, pos, at) {
                    let secret_name = raw.name.as_deref().unwrap_or(id);
                    instance.value = raw_instance.value.as_ref().and_then(|value| {
                        self.value_source(file, id, env, secret_name, &instance, value)
                    });
                    instances.insert(env.clone(), Box::new(instance));
                }
            }
            let format = raw
                .format
                .as_ref()
                .and_then(|format| self.value_format(file, id, format));
            inventory
                .secrets
                .entry(id.clone())
                .or_insert_with(|| Secret {
                    id: id.clone(),
                    name: raw.name.clone().unwrap_or_else(|| id.clone()),
                    description: raw.description.clone(),
                    classification: raw.classification,
                    category: raw.category,
                    owner: raw.owner.clone().filter(|o| !o.trim().is_empty()),
                    scope: raw.scope.as_ref().map(|s| Scope {
                        level: s.level,
                        name: s.name.clone(),
                    }),
                    risk: raw.risk.clone(),
                    rotation: Rotation {
                        period,
                        method: raw.rotation.as_ref().and_then(|r| r.method),
                        breaks: raw
                            .rotation
                            .as_ref()
                            .map(|r| r.breaks.clone())
                            .unwrap_or_default(),
                        notes: raw.rotation.as_ref().and_then(|r| r.notes.clone()),
                    },
                    never_log: raw.never_log,
                    readers: raw.readers.clone(),
                    instances,
                    format,
                    location: pos.key(&base),
                });
        }

        for (i, raw) in doc.reads.iter().enumerate() {
            let referrer = "a read".to_owned();
            let service_ok = self.reference(
                &names.services,
                &raw.service,
                "service",
                "services",
                &referrer,
                || pos.value(&ypath!["reads", i, "service"]),
            );
            for (k, env) in raw.environments.iter().enumerate() {
                self.reference(
                    &names.environments,
                    env,
                    "environment",
                    "environments",
                    &referrer,
                    || pos.value(&ypath!["reads", i, "environments", k]),
                );
            }
            if raw.secrets.is_empty() {
                self.errors.push(
                    InputError::new(
                        Code::EmptyRead,
                        format!("read by `{}` lists no secrets", raw.service),
                    )
                    .at(pos.value(&ypath!["reads", i]))
                    .help(
                        "list the secrets the service reads under `secrets:`, or remove the entry",
                    ),
                );
            }
            for (k, secret) in raw.secrets.iter().enumerate() {
                let at = pos.value(&ypath!["reads", i, "secrets", k]);
                let secret_ok = self.reference(
                    &names.secrets,
                    secret,
                    "secret",
                    "secrets",
                    &referrer,
                    || at.clone(),
                );
                if service_ok && secret_ok {
                    inventory.reads.push(Read {
                        service: raw.service.clone(),
                        secret: secret.clone(),
                        environments: raw.environments.clone(),
                        location: at,
                    });
                }
            }
        }

        for (name, raw) in &doc.env_vars {
            let referrer = format!("env var `{name}`");
            for (k, env) in raw.required_in.iter().enumerate() {
                self.reference(
                    &names.environments,
                    env,
                    "environment",
                    "environments",
                    &referrer,
                    || pos.value(&ypath!["env_vars", name, "required_in", k]),
                );
            }
            for (k, service) in raw.services.iter().enumerate() {
                self.reference(
                    &names.services,
                    service,
                    "service",
                    "services",
                    &referrer,
                    || pos.value(&ypath!["env_vars", name, "services", k]),
                );
            }
            if let Some(secret) = &raw.secret {
                self.reference(
                    &names.secrets,
                    secret,
                    "secret",
                    "secrets",
                    &referrer,
                    || pos.value(&ypath!["env_vars", name, "secret"]),
                );
            }
            inventory
                .env_vars
                .entry(name.clone())
                .or_insert_with(|| EnvVar {
                    name: name.clone(),
                    default: raw.default.as_ref().map(|d| d.0.clone()),
                    required: raw.required,
                    required_in: raw.required_in.clone(),
                    purpose: raw.purpose.clone(),
                    category: raw.category.clone(),
                    secret: raw.secret.clone(),
                    services: raw.services.clone(),
                    location: pos.key(&ypath!["env_vars", name]),
                });
        }
    }

    /// Waivers: every field present and well-formed, every name declared.
    /// Whether the rule exists is only known once rules are loaded
    /// (`crate::waivers::check_rules`).
    fn waivers(&mut self, file: &ParsedFile, names: &Names, inventory: &mut Inventory) {
        let pos = &file.positions;
        for (i, raw) in file.document.waivers.iter().enumerate() {
            let at = pos.key(&ypath!["waivers", i, "rule"]);
            let referrer = format!("waiver of `{}`", raw.rule.trim());
            let mut ok = true;
            for (key, value) in [
                ("rule", &raw.rule),
                ("reason", &raw.reason),
                ("owner", &raw.owner),
            ] {
                if value.trim().is_empty() {
                    ok = false;
                    self.errors.push(
                        InputError::new(Code::EmptyField, format!("waiver has an empty `{key}`"))
                            .at(pos.value(&ypath!["waivers", i, key]))
                            .help(match key {
                                "rule" => "name the rule whose finding is accepted, as findings print it",
                                "reason" => "say why the risk is accepted: a waiver without a reason hides it",
                                _ => "name the team or person who accepted the risk and answers for it",
                            }),
                    );
                }
            }
            let entity = self.entity_ref(&raw.entity, &referrer, names, || {
                pos.value(&ypath!["waivers", i, "entity"])
            });
            let principal = raw.principal.as_deref().and_then(|text| {
                self.entity_ref(text, &referrer, names, || {
                    pos.value(&ypath!["waivers", i, "principal"])
                })
            });
            if raw.principal.is_some() && principal.is_none() {
                ok = false;
            }
            if let Some(env) = &raw.environment {
                ok &= self.reference(
                    &names.environments,
                    env,
                    "environment",
                    "environments",
                    &referrer,
                    || pos.value(&ypath!["waivers", i, "environment"]),
                );
            }
            let text = raw.expires.trim();
            let expires = match text.parse::<Date>() {
                Ok(date) if text.len() == 10 => Some(date),
                _ => {
                    self.errors.push(
                        InputError::new(Code::InvalidDate, format!("waiver expiry `{text}` is not a date"))
                            .at(pos.value(&ypath!["waivers", i, "expires"]))
                            .help("write the last day the waiver applies as `YYYY-MM-DD`, e.g. `expires: 2027-03-31`"),
                    );
                    None
                }
            };
            if let (true, Some(entity), Some(expires)) = (ok, entity, expires) {
                inventory.waivers.push(Waiver {
                    rule: raw.rule.trim().to_owned(),
                    entity,
                    environment: raw.environment.clone(),
                    principal,
                    reason: raw.reason.trim().to_owned(),
                    owner: raw.owner.trim().to_owned(),
                    expires,
                    location: at,
                });
            }
        }
    }

    /// Parses an entity uid a waiver names and checks the item is declared.
    fn entity_ref(
        &mut self,
        text: &str,
        referrer: &str,
        names: &Names,
        at: impl Fn() -> Location,
    ) -> Option<EntityRef> {
        let Some(entity) = EntityRef::parse(text) else {
            self.errors.push(
                InputError::new(Code::InvalidEntity, format!("{referrer} names `{text}`, which is not an entity"))
                    .at(at())
                    .help("write it as findings print it, `Type::\"id\"`, e.g. `Secret::\"JWT_SECRET\"` (the quotes may be left out)"),
            );
            return None;
        };
        let Some((_, section)) = EntityRef::KINDS
            .iter()
            .find(|(kind, _)| *kind == entity.kind)
        else {
            let kinds = EntityRef::KINDS.map(|(kind, _)| kind);
            let help = match did_you_mean(&entity.kind, kinds) {
                Some(close) => format!("did you mean `{close}::\"{}\"`?", entity.id),
                None => format!(
                    "use one of the types {}",
                    kinds.map(|k| format!("`{k}`")).join(", ")
                ),
            };
            self.errors.push(
                InputError::new(
                    Code::InvalidEntity,
                    format!(
                        "{referrer} names entity type `{}`, which does not exist",
                        entity.kind
                    ),
                )
                .at(at())
                .help(help),
            );
            return None;
        };
        let (defined, what) = match *section {
            "secrets" => (&names.secrets, "secret"),
            "env_vars" => (&names.env_vars, "env var"),
            "services" => (&names.services, "service"),
            "identities" => (&names.identities, "identity"),
            _ => (&names.environments, "environment"),
        };
        self.reference(defined, &entity.id, what, section, referrer, at)
            .then_some(entity)
    }

    fn instance(
        &mut self,
        id: &str,
        env: &str,
        raw: &RawInstance,
        names: &Names,
        pos: &Positions,
        at: Location,
    ) -> Option<Instance> {
        let referrer = format!("instance `{id}` in `{env}`");
        let path = |key: &str| ypath!["secrets", id, "instances", env, key];
        if let Some(store) = &raw.store {
            self.reference(&names.stores, store, "store", "stores", &referrer, || {
                pos.value(&path("store"))
            });
        }
        let last_rotated = raw
            .last_rotated
            .as_deref()
            .and_then(|text| self.date(text, "last_rotated", || pos.value(&path("last_rotated"))));

        if matches!(raw.backend, Backend::File | Backend::DockerSecret) && raw.file.is_none() {
            self.errors.push(
                InputError::new(
                    Code::MissingFile,
                    format!("{referrer} is stored in a file but does not say which"),
                )
                .at(pos.value(&path("backend")))
                .help("add `file: { path: /run/secrets/NAME, mode: \"0600\" }`"),
            );
        }
        let mode = raw
            .file
            .as_ref()
            .and_then(|f| f.mode.as_deref())
            .and_then(|text| {
                let digits = text.trim_start_matches("0o");
                match u32::from_str_radix(digits, 8) {
                    Ok(mode) if mode <= 0o7777 && !digits.is_empty() => Some(mode),
                    _ => {
                        self.errors.push(
                            InputError::new(
                                Code::InvalidFileMode,
                                format!("file mode `{text}` is not an octal permission"),
                            )
                            .at(pos.value(&ypath!["secrets", id, "instances", env, "file", "mode"]))
                            .help("write the mode as a quoted octal string, e.g. `mode: \"0600\"`"),
                        );
                        None
                    }
                }
            });

        let declared = raw.encryption.as_ref().map(|e| e.trim().to_owned());
        if raw.backend == Backend::PlaintextDbColumn {
            if let Some(mechanism) = declared
                .as_deref()
                .filter(|e| !e.eq_ignore_ascii_case("none"))
            {
                self.errors.push(
                    InputError::new(
                        Code::ContradictoryEncryption,
                        format!("{referrer} is a plaintext column but declares encryption `{mechanism}`"),
                    )
                    .at(pos.value(&path("encryption")))
                    .help("use `backend: encrypted_db_column` if the column is encrypted, or `encryption: none`"),
                );
            }
        }
        let encryption_declared = declared.as_deref().is_some_and(|e| !e.is_empty());
        let encryption = match declared {
            Some(e) if e.eq_ignore_ascii_case("none") => "none".to_owned(),
            Some(e) if !e.is_empty() => e,
            // A named store decides later (`apply_store_encryption`).
            _ => default_encryption(raw.backend).to_owned(),
        };
        Some(Instance {
            environment: env.to_owned(),
            backend: raw.backend,
            env_var: raw.env_var.clone(),
            file: raw.file.as_ref().map(|f| SecretFile {
                path: f.path.clone(),
                mode,
                owner: f.owner.clone(),
            }),
            reference: raw.reference.clone(),
            store: raw.store.clone(),
            encryption,
            encryption_declared,
            last_rotated,
            fingerprint: raw.fingerprint.clone().filter(|f| !f.is_empty()),
            value: None,
            notes: raw.notes.clone(),
            location: at,
        })
    }

    /// An instance's `value:`: exactly one place, a valid variable name, a
    /// path resolved against the inventory file.
    fn value_source(
        &mut self,
        file: &ParsedFile,
        id: &str,
        env: &str,
        secret_name: &str,
        instance: &Instance,
        raw: &super::raw::RawValueSource,
    ) -> Option<ValueSource> {
        let pos = &file.positions;
        let path = |key: &str| ypath!["secrets", id, "instances", env, "value", key];
        let here = pos.key(&ypath!["secrets", id, "instances", env, "value"]);
        let referrer = format!("the value of instance `{id}` in `{env}`");
        let given: Vec<&str> = [
            ("env", raw.env.is_some()),
            ("file", raw.file.is_some()),
            ("dotenv", raw.dotenv.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, set)| set.then_some(key))
        .collect();
        if given.len() != 1 {
            let what = if given.is_empty() {
                "names no place".to_owned()
            } else {
                format!(
                    "names {} places ({})",
                    given.len(),
                    given
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            self.errors.push(
                InputError::new(Code::InvalidValueSource, format!("{referrer} {what}"))
                    .at(here)
                    .help("give exactly one of `env: VAR`, `file: PATH` or `dotenv: PATH` (with an optional `key:`)"),
            );
            return None;
        }
        if raw.key.is_some() && raw.dotenv.is_none() {
            self.errors.push(
                InputError::new(
                    Code::InvalidValueSource,
                    format!("{referrer} has a `key` but no `dotenv` file"),
                )
                .at(pos.key(&path("key")))
                .help("`key` names the variable in a `.env` file: use it with `dotenv: PATH`, or remove it"),
            );
            return None;
        }
        let valid_name = |name: &str| {
            let mut chars = name.chars();
            matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        let base = std::path::Path::new(&*file.path)
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        let bad_name = |v: &mut Self, name: &str, key: &str| {
            v.errors.push(
                InputError::new(
                    Code::InvalidValueSource,
                    format!("{referrer} names variable `{name}`, which is not a variable name"),
                )
                .at(pos.value(&path(key)))
                .help("a variable name has only letters, digits and `_`, and does not start with a digit, e.g. `DB_PASSWORD`"),
            );
        };
        let empty_path = |v: &mut Self, key: &str| {
            v.errors.push(
                InputError::new(
                    Code::InvalidValueSource,
                    format!("{referrer} has an empty `{key}` path"),
                )
                .at(pos.value(&path(key)))
                .help("write the path of the file, e.g. `/run/secrets/db_password` or `../.env`"),
            );
        };
        let kind = if let Some(name) = &raw.env {
            if !valid_name(name) {
                bad_name(self, name, "env");
                return None;
            }
            ValueSourceKind::Env(name.clone())
        } else if let Some(written) = &raw.file {
            if written.trim().is_empty() {
                empty_path(self, "file");
                return None;
            }
            ValueSourceKind::File {
                written: written.clone(),
                path: base.join(written),
            }
        } else {
            let written = raw.dotenv.clone().unwrap_or_default();
            if written.trim().is_empty() {
                empty_path(self, "dotenv");
                return None;
            }
            let key = raw
                .key
                .clone()
                .or_else(|| instance.env_var.clone())
                .unwrap_or_else(|| secret_name.to_owned());
            if !valid_name(&key) {
                let at = if raw.key.is_some() { "key" } else { "dotenv" };
                bad_name(self, &key, at);
                return None;
            }
            ValueSourceKind::Dotenv {
                path: base.join(&written),
                written,
                key,
            }
        };
        Some(ValueSource {
            kind,
            location: here,
        })
    }

    /// A secret's `format:`: a pattern that compiles, lengths that agree.
    fn value_format(
        &mut self,
        file: &ParsedFile,
        id: &str,
        raw: &super::raw::RawFormat,
    ) -> Option<ValueFormat> {
        let pos = &file.positions;
        let mut ok = true;
        let pattern = raw.pattern.as_ref().and_then(|text| {
            match regex::bytes::RegexBuilder::new(&format!("^(?:{text})$"))
                .size_limit(1 << 20)
                .build()
            {
                Ok(pattern) => Some(pattern),
                Err(err) => {
                    ok = false;
                    let problem = match err {
                        regex::Error::Syntax(text) => text
                            .lines()
                            .rev()
                            .find(|l| l.starts_with("error:"))
                            .map_or_else(|| "syntax error".to_owned(), |l| l.trim_start_matches("error:").trim().to_owned()),
                        regex::Error::CompiledTooBig(_) => "it compiles too big".to_owned(),
                        _ => "it cannot be compiled".to_owned(),
                    };
                    self.errors.push(
                        InputError::new(
                            Code::InvalidFormatPattern,
                            format!("format pattern `{text}` of secret `{id}` is not a valid regular expression: {problem}"),
                        )
                        .at(pos.value(&ypath!["secrets", id, "format", "pattern"]))
                        .help("write a regular expression the whole value must match, e.g. `pattern: \"[0-9a-f]{64}\"` (quote it in YAML)"),
                    );
                    None
                }
            }
        });
        if let (Some(min), Some(max)) = (raw.min_length, raw.max_length) {
            if min > max {
                ok = false;
                self.errors.push(
                    InputError::new(
                        Code::InvalidFormat,
                        format!("format of secret `{id}` has `min_length` {min} above `max_length` {max}"),
                    )
                    .at(pos.value(&ypath!["secrets", id, "format", "min_length"]))
                    .help("make `min_length` at most `max_length`, or remove one of them"),
                );
            }
        }
        ok.then(|| ValueFormat {
            pattern_text: raw.pattern.clone(),
            pattern,
            min_length: raw.min_length,
            max_length: raw.max_length,
            location: pos.key(&ypath!["secrets", id, "format"]),
        })
    }

    /// An env var that an instance delivers carries that secret, even when
    /// the `env_vars` entry forgot to say so; rules on secret env vars must
    /// not depend on the user remembering both places.
    ///
    /// This and [`apply_store_encryption`] walk every instance of the
    /// inventory, which a large one has scattered across memory: done by one
    /// thread they took about 10 ms at 10,000 secrets, so both run in
    /// parallel.
    fn link_env_vars(&mut self, inventory: &mut Inventory) {
        // (env var, secret) for every instance that names an env var, sorted
        // so that the secrets delivering one variable are neighbours.
        let mut delivered: Vec<(&str, &str)> = inventory
            .secrets
            .par_iter()
            .flat_map_iter(|(_, secret)| {
                secret
                    .instances
                    .values()
                    .filter_map(|instance| instance.env_var.as_deref())
                    .map(|var| (var, secret.id.as_str()))
            })
            .collect();
        delivered.par_sort_unstable();
        delivered.dedup();
        inventory
            .env_vars
            .par_iter_mut()
            .filter(|(_, var)| var.secret.is_none())
            .for_each(|(name, var)| {
                let start = delivered.partition_point(|(v, _)| *v < name.as_str());
                if let [(v, only), rest @ ..] = &delivered[start..] {
                    let alone = rest.first().is_none_or(|(next, _)| next != v);
                    if v == name && alone {
                        var.secret = Some((*only).to_owned());
                    }
                }
            });
    }
}

/// An instance that names a store, says nothing about encryption and whose
/// backend does not decide it is encrypted as its store is (stores may be defined in another file, so this
/// runs after every file is read).
fn apply_store_encryption(inventory: &mut Inventory) {
    let stores = &inventory.stores;
    inventory.secrets.par_iter_mut().for_each(|(_, secret)| {
        for instance in secret.instances.values_mut() {
            // A declared mechanism, or a backend that is plaintext by nature
            // (a plaintext column stays plaintext on an encrypted disk), wins.
            if instance.encryption_declared || instance.encryption != "unknown" {
                continue;
            }
            if let Some(store) = instance.store.as_ref().and_then(|s| stores.get(s)) {
                instance.encryption = if store.encryption.trim().eq_ignore_ascii_case("none") {
                    "none".to_owned()
                } else {
                    store.encryption.trim().to_owned()
                };
            }
        }
    });
}

/// What "encrypted at rest" means for a backend when the inventory is silent.
fn default_encryption(backend: Backend) -> &'static str {
    match backend {
        Backend::PlaintextDbColumn | Backend::Image | Backend::BuildArg | Backend::Dotenv => "none",
        Backend::AwsSecretsManager
        | Backend::GcpSecretManager
        | Backend::AzureKeyVault
        | Backend::Vault
        | Backend::CiSecret
        | Backend::PasswordManager => "provider-managed",
        Backend::HashedDbColumn => "one-way-hash",
        Backend::EnvVar
        | Backend::File
        | Backend::DockerSecret
        | Backend::PlatformEnv
        | Backend::EncryptedDbColumn
        | Backend::LocalEncrypted => "unknown",
    }
}
