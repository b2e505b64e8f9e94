//! The value flags of `check`, `report` and `docs` (`--env`,
//! `--fingerprint-key-env`, `--fingerprints`): which environments' values to
//! read on this machine, the key their fingerprints are made with, and the
//! fingerprint files of other environments to merge.

use secretary::diag::Code;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use zeroize::Zeroizing;

use secretary::diag::{did_you_mean, InputError};
use secretary::inventory::Inventory;
use secretary::observe::values::fingerprint::{key_location, FingerprintFile, FingerprintKey};
use secretary::observe::values::{self, ObservedValue, ValueObservation};
use secretary::read;
use secretary::render::view::{FingerprintFileEvidence, ValuesEvidence};
use secretary::source::{FileKind, Location, SourceTexts};

#[derive(Args, Debug, Clone, Default)]
pub struct ValueArgs {
    /// Observe environment NAME on this machine: read its instances' values (`value:`) and look at its secret files; repeatable
    #[arg(long = "env", value_name = "NAME", help_heading = "Values")]
    pub env: Vec<String>,
    /// The environment variable holding the key for value fingerprints (HMAC-SHA256); without it, a random key for this run
    #[arg(long, value_name = "VAR", help_heading = "Values")]
    pub fingerprint_key_env: Option<String>,
    /// Merge a fingerprint file from `secretary fingerprint` (another environment's values); repeatable
    #[arg(long = "fingerprints", value_name = "FILE", help_heading = "Values")]
    pub fingerprints: Vec<PathBuf>,
    /// Leave out the notes about the run as a whole (a random fingerprint
    /// key, an environment without value sources): set by `policies test`,
    /// whose cases are not runs a user configures.
    #[arg(skip)]
    pub quiet: bool,
}

/// The environment names of `--env`, checked against the inventory.
pub fn environments(
    names: &[String],
    inventory: &Inventory,
) -> Result<Vec<String>, Vec<InputError>> {
    let mut errors = Vec::new();
    let mut selected: Vec<String> = Vec::new();
    for name in names {
        if inventory.environments.contains_key(name) {
            if !selected.contains(name) {
                selected.push(name.clone());
            }
            continue;
        }
        let help = match did_you_mean(name, inventory.environments.keys().map(String::as_str)) {
            Some(close) => format!("did you mean `--env {close}`?"),
            None => format!(
                "the inventory's environments are {}",
                list(inventory.environments.keys())
            ),
        };
        errors.push(
            InputError::new(
                Code::UnknownEnvironment,
                format!("`--env {name}` names an environment the inventory does not declare"),
            )
            .help(help),
        );
    }
    if errors.is_empty() {
        Ok(selected)
    } else {
        Err(errors)
    }
}

fn list<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// The key named by `--fingerprint-key-env`: its variable must be set and
/// not empty.
pub fn key_from_env(var: &str) -> Result<FingerprintKey, InputError> {
    match std::env::var_os(var) {
        Some(value) if !value.is_empty() => Ok(FingerprintKey::new(Zeroizing::new(
            value.into_encoded_bytes(),
        ))),
        Some(_) => Err(InputError::new(
            Code::MissingFingerprintKey,
            format!("`--fingerprint-key-env {var}` names a variable that is empty"),
        )
        .help(format!(
            "set `{var}` to the shared fingerprint key (e.g. from a CI secret; `openssl rand -hex 32` makes one)"
        ))),
        None => Err(InputError::new(
            Code::MissingFingerprintKey,
            format!("`--fingerprint-key-env {var}` names a variable that is not set"),
        )
        .help(format!(
            "set `{var}` to the shared fingerprint key (e.g. from a CI secret; `openssl rand -hex 32` makes one)"
        ))),
    }
}

/// The value observation `args` ask for: none, values read for `--env`,
/// fingerprints merged from `--fingerprints`, or both.
pub fn observe(
    args: &ValueArgs,
    inventory: &Inventory,
    defaults: &secretary::heuristics::defaults::PublishedDefaults,
    texts: &mut SourceTexts,
) -> Result<Option<ValueObservation>, Vec<InputError>> {
    if args.env.is_empty() && args.fingerprints.is_empty() {
        return Ok(None);
    }
    let selected = environments(&args.env, inventory)?;
    let key = match &args.fingerprint_key_env {
        Some(var) => Some(key_from_env(var).map_err(|e| vec![e])?),
        None if !selected.is_empty() => {
            let key = FingerprintKey::random().map_err(|problem| {
                vec![InputError::new(Code::NoRandomKey, problem)
                    .help("pass `--fingerprint-key-env VAR` with a key")]
            })?;
            let note = InputError::new(
                Code::RandomFingerprintKey,
                "no `--fingerprint-key-env`: value fingerprints use a random key for this run, so they compare only within it",
            )
            .help("to compare values with other runs or environments, pass `--fingerprint-key-env VAR` with a shared key");
            if !args.quiet {
                eprint!("{}", note.render(texts).replacen("error[", "warning[", 1));
            }
            Some(key)
        }
        None => None,
    };
    for env in &selected {
        let declared = inventory
            .secrets
            .values()
            .filter_map(|s| s.instances.get(env))
            .any(|i| i.value.is_some());
        if !declared && !args.quiet {
            let note = InputError::new(
                Code::NoValueSources,
                format!("`--env {env}`: no instance in `{env}` says where its value lives, so no value is read"),
            )
            .help("add `value: {env: VAR}` (or `file:` / `dotenv:`) to the instances of this environment");
            eprint!("{}", note.render(texts).replacen("error[", "warning[", 1));
        }
    }
    let mut observation = match &key {
        Some(key) if !selected.is_empty() => values::observe(
            inventory,
            &selected,
            key,
            &|name| std::env::var_os(name),
            defaults,
        ),
        _ => ValueObservation::default(),
    };
    if let Some(key) = &key {
        observation.key_id = key.id().to_owned();
        observation.random_key = key.is_random();
    }
    merge(
        &mut observation,
        key.as_ref(),
        &args.fingerprints,
        inventory,
        texts,
    )?;
    Ok(Some(observation))
}

/// Adds the fingerprint files to `observation`, checking that every file was
/// made with this run's key (or, without one, the first file's), names an
/// environment of the inventory not already observed, and names only
/// secrets with an instance there.
fn merge(
    observation: &mut ValueObservation,
    key: Option<&FingerprintKey>,
    paths: &[PathBuf],
    inventory: &Inventory,
    texts: &mut SourceTexts,
) -> Result<(), Vec<InputError>> {
    let mut errors = Vec::new();
    // The first file of each environment, and the first file's key.
    let mut seen: BTreeMap<String, Location> = BTreeMap::new();
    let mut first_key: Option<Location> = None;
    for path in paths {
        let display: Arc<str> = Arc::from(secretary::source::portable_path(path));
        let text = match read::read_text(path, read::Kind::Fingerprints) {
            Ok(text) => text,
            Err(err) => {
                errors.push(
                    InputError::new(
                        Code::CannotReadFingerprintFile,
                        format!("cannot read fingerprint file `{display}`: {err}"),
                    )
                    .help("write it with `secretary fingerprint --env NAME -o FILE`, or check the path"),
                );
                continue;
            }
        };
        // Recorded for the report's digest; never quoted: the file given
        // may not be a fingerprint file (see `FileKind`).
        texts.insert(&display, text.as_str(), FileKind::Fingerprints);
        let file = match FingerprintFile::parse(&display, &text) {
            Ok(file) => file,
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        let at = |k: &str| key_location(&display, &text, k);
        // Keys: this run's, else the first file's.
        match (key, &first_key) {
            (Some(key), _) if file.key_id != key.id() => {
                let why = if key.is_random() {
                    "this run has no `--fingerprint-key-env`, so its key is random".to_owned()
                } else {
                    format!("this run's key has id `{}`", key.id())
                };
                errors.push(
                    InputError::new(
                        Code::FingerprintKeyMismatch,
                        format!(
                            "fingerprint file `{display}` was made with key `{}`, but {why}",
                            file.key_id
                        ),
                    )
                    .at(at("key_id"))
                    .help("fingerprints made with different keys cannot be compared: make every file and this run use the same `--fingerprint-key-env` key"),
                );
                continue;
            }
            (None, Some(first)) if file.key_id != observation.key_id => {
                errors.push(
                    InputError::new(
                        Code::FingerprintKeyMismatch,
                        format!(
                            "fingerprint file `{display}` was made with key `{}`, another than the first file's `{}`",
                            file.key_id, observation.key_id
                        ),
                    )
                    .at(at("key_id"))
                    .related(first.clone(), "first key")
                    .help("fingerprints made with different keys cannot be compared: write every file with the same `--fingerprint-key-env` key"),
                );
                continue;
            }
            (None, None) => {
                observation.key_id = file.key_id.clone();
                first_key = Some(at("key_id"));
            }
            _ => {}
        }
        let env = &file.environment;
        if !inventory.environments.contains_key(env) {
            let help = match did_you_mean(env, inventory.environments.keys().map(String::as_str)) {
                Some(close) => format!(
                    "did you mean `{close}`? Otherwise declare `{env}` under `environments:`"
                ),
                None => format!(
                    "the inventory's environments are {}",
                    list(inventory.environments.keys())
                ),
            };
            errors.push(
                InputError::new(
                    Code::UnknownEnvironment,
                    format!("fingerprint file `{display}` is for environment `{env}`, which the inventory does not declare"),
                )
                .at(at("environment"))
                .help(help),
            );
            continue;
        }
        if observation.read_environments.contains(env) {
            errors.push(
                InputError::new(
                    Code::DuplicateFingerprintEnvironment,
                    format!("fingerprint file `{display}` is for `{env}`, whose values this run reads itself (`--env {env}`)"),
                )
                .at(at("environment"))
                .help(format!("drop `--env {env}` or this file: each environment's values come from one place")),
            );
            continue;
        }
        if let Some(first) = seen.get(env) {
            errors.push(
                InputError::new(
                    Code::DuplicateFingerprintEnvironment,
                    format!("fingerprint file `{display}` is for `{env}`, like an earlier file"),
                )
                .at(at("environment"))
                .related(first.clone(), "first file for it")
                .help("pass one fingerprint file per environment"),
            );
            continue;
        }
        seen.insert(env.clone(), at("environment"));
        let mut file_ok = true;
        let named = file
            .fingerprints
            .keys()
            .chain(file.missing.iter())
            .chain(file.empty.iter())
            .collect::<std::collections::BTreeSet<_>>();
        for secret in named {
            let problem = match inventory.secrets.get(secret) {
                None => Some(match did_you_mean(secret, inventory.secrets.keys().map(String::as_str)) {
                    Some(close) => (format!("names secret `{secret}`, which the inventory does not declare"), format!("did you mean `{close}`? Write the file again with `secretary fingerprint` from the current inventory")),
                    None => (format!("names secret `{secret}`, which the inventory does not declare"), "write the file again with `secretary fingerprint` from the current inventory".to_owned()),
                }),
                Some(s) if !s.instances.contains_key(env) => Some((
                    format!("names secret `{secret}`, which has no instance in `{env}`"),
                    "write the file again with `secretary fingerprint` from the current inventory".to_owned(),
                )),
                Some(_) => None,
            };
            if let Some((message, help)) = problem {
                file_ok = false;
                errors.push(
                    InputError::new(
                        Code::UnknownFingerprintSecret,
                        format!("fingerprint file `{display}` {message}"),
                    )
                    .at(at(secret))
                    .help(help),
                );
            }
        }
        if !file_ok {
            continue;
        }
        observation
            .merged_environments
            .insert(env.clone(), Arc::clone(&display));
        let source = format!("fingerprint file `{display}`");
        for (secret, fingerprint) in &file.fingerprints {
            observation.instances.insert(
                (secret.clone(), env.clone()),
                ObservedValue {
                    source: source.clone(),
                    found: true,
                    facts: None,
                    fingerprint: Some(fingerprint.clone()),
                },
            );
        }
        for secret in &file.empty {
            observation.instances.insert(
                (secret.clone(), env.clone()),
                ObservedValue {
                    source: source.clone(),
                    found: true,
                    facts: Some(values::ValueFacts {
                        length: 0,
                        empty: true,
                        placeholder: None,
                        format: None,
                        published_default: false,
                    }),
                    fingerprint: None,
                },
            );
        }
        for secret in &file.missing {
            observation.instances.insert(
                (secret.clone(), env.clone()),
                ObservedValue {
                    source: source.clone(),
                    found: false,
                    facts: None,
                    fingerprint: None,
                },
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// What the run observed of values, for the report's audit evidence.
pub fn evidence(observation: Option<&ValueObservation>) -> Option<ValuesEvidence> {
    observation.map(|values| ValuesEvidence {
        read: values.read_environments.iter().cloned().collect(),
        key_id: values.key_id.clone(),
        random_key: values.random_key,
        fingerprint_files: values
            .merged_environments
            .iter()
            .map(|(environment, file)| FingerprintFileEvidence {
                environment: environment.clone(),
                file: file.to_string(),
                sha256: String::new(),
            })
            .collect(),
    })
}

/// Values that could not be read, as errors for stderr: such a run exits 2.
pub fn gap_errors(observation: &ValueObservation) -> Vec<InputError> {
    observation
        .gaps
        .iter()
        .map(|gap| {
            let what = if gap.secret.is_empty() {
                format!("placeholder values not verified: {}", gap.problem)
            } else {
                format!(
                    "the value of `{}` in `{}` ({}) is not verified: {}",
                    gap.secret, gap.environment, gap.source, gap.problem
                )
            };
            InputError::new(Code::ValueNotVerified, what)
                .at(gap.location.clone())
                .help("make the value readable by this run (permissions, path, a valid `.env` file), then run again")
        })
        .collect()
}
