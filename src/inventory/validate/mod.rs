//! From what the files say to a checked [`Inventory`].
//!
//! Deserialization already rejected unknown keys and wrong types. This pass
//! checks what serde cannot: names defined twice across files, references to
//! undeclared environments, services, stores and secrets, dates, periods and
//! file modes. It reports every problem it finds, not just the first.

//!
//! One module per concern: [`names`] collects what every file defines,
//! [`settings`] reads `settings:` and `sources:`, [`system`] `system:`,
//! [`items`] environments,
//! services, stores and identities, [`secrets`] secrets and instances,
//! [`values`] value sources and formats, [`reads`] reads and env vars,
//! [`waivers`] waivers. This module runs them and merges the files.

mod items;
mod names;
mod reads;
mod secrets;
mod settings;
mod system;
pub use settings::rule_settings;
mod values;
mod waivers;

use names::Names;

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::civil::Date;
use rayon::prelude::*;

use super::model::*;
use super::period::{parse_period, PERIOD_HELP};
use super::raw::RawDocument;
use super::yaml::Stepped;
use crate::diag::{did_you_mean, Code, InputError};
use crate::source::{Location, Spanned};

/// The earliest date an inventory may hold. An earlier one is a typo or
/// a placeholder (`0000-01-01` would make a secret 740,000 days old): no
/// secret managed today was rotated before 1970, and no waiver of a tool
/// run today expired then.
pub const EARLIEST_DATE: Date = jiff::civil::date(1970, 1, 1);

/// The error for a date before [`EARLIEST_DATE`], to be located.
fn too_early(what: &str, text: &str, help: &str) -> InputError {
    InputError::new(
        Code::InvalidDate,
        format!("{what} `{text}` is before {EARLIEST_DATE}, which is not plausible"),
    )
    .help(help.to_owned())
}

/// One parsed file, waiting for validation.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    pub path: Arc<str>,
    /// The directory the file's relative paths resolve against; `None`:
    /// the file's own directory. A rule test's case gives its workspace.
    pub base: Option<std::path::PathBuf>,
    pub document: RawDocument,
    /// Problems the reader stepped over; `document` holds placeholders
    /// where they were (see [`crate::inventory::yaml::parse`]).
    pub problems: Vec<Stepped>,
}

impl ParsedFile {
    /// The directory the file's relative paths resolve against.
    pub fn dir(&self) -> std::path::PathBuf {
        match &self.base {
            Some(base) => base.clone(),
            None => std::path::Path::new(&*self.path)
                .parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default(),
        }
    }
}

/// Validates the files as one inventory. Problems the reader stepped over
/// come first; validation still runs, so that one run lists every
/// independent problem, but its errors at the line of a stepped-over
/// problem, or of the key holding it, are dropped: they are about the
/// placeholder (an item with a misspelt key "names no place", say).
pub fn validate(mut files: Vec<ParsedFile>, now: Date) -> Result<Inventory, Vec<InputError>> {
    let stepped: Vec<Stepped> = files
        .iter_mut()
        .flat_map(|file| std::mem::take(&mut file.problems))
        .collect();
    let result = validate_documents(files, now);
    if stepped.is_empty() {
        return result;
    }
    let mut placeholder_lines = std::collections::HashSet::new();
    for problem in &stepped {
        if let Some(at) = &problem.error.location {
            placeholder_lines.insert((Arc::clone(&at.file), at.line));
            placeholder_lines.insert((Arc::clone(&at.file), problem.holder_line));
        }
    }
    let independent = result.err().unwrap_or_default().into_iter().filter(|e| {
        e.location
            .as_ref()
            .is_none_or(|at| !placeholder_lines.contains(&(Arc::clone(&at.file), at.line)))
    });
    Err(stepped
        .into_iter()
        .map(|s| s.error)
        .chain(independent)
        .collect())
}

fn validate_documents(files: Vec<ParsedFile>, now: Date) -> Result<Inventory, Vec<InputError>> {
    let mut v = Validator {
        errors: Vec::new(),
        now,
    };
    let names = v.collect_names(&files);
    let mut inventory = Inventory {
        files: files.iter().map(|f| Arc::clone(&f.path)).collect(),
        dir: files.first().map(ParsedFile::dir).unwrap_or_default(),
        ..Inventory::default()
    };
    v.settings(&files, &mut inventory);
    v.sources(&files, &names, &mut inventory);
    v.system(&files, &names, &mut inventory);
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

/// The values of a list, without their positions.
fn values(list: &[Spanned<String>]) -> Vec<String> {
    list.iter().map(|item| item.value.clone()).collect()
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

struct Validator {
    errors: Vec<InputError>,
    now: Date,
}

impl Validator {
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

    /// A past date (`last_rotated`): a `YYYY-MM-DD` date from
    /// [`EARLIEST_DATE`] to the evaluation date.
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
        if date < EARLIEST_DATE {
            self.errors.push(
                too_early(what, text, "fix the year; if the date is unknown, rotate the secret and write that day's date")
                    .at(at()),
            );
            return None;
        }
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
    /// Everything one file defines, checked against the names of all files.
    fn file(&mut self, file: &ParsedFile, names: &Names, inventory: &mut Inventory) {
        self.waivers(file, names, inventory);
        self.environments(file, inventory);
        self.services(file, inventory);
        self.stores(file, inventory);
        self.identities(file, names, inventory);
        self.secrets(file, names, inventory);
        self.reads(file, names, inventory);
        self.env_vars(file, names, inventory);
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
        | Backend::LocalEncrypted
        // A `String` parameter is plaintext, a `SecureString` KMS-encrypted.
        | Backend::AwsSsmParameter => "unknown",
    }
}
