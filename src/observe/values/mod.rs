//! Secret values, read where the inventory says they live (`value:` on an
//! instance) for the environments a run names (`check --env NAME`), and
//! turned into facts at once: found or not, length, empty, placeholder,
//! whether it matches the secret's `format`, and a keyed fingerprint
//! ([`fingerprint`], also merged from other machines with `--fingerprints`).
//!
//! The facts become `value_*` attributes of the inventory's own
//! `SecretInstance` entities, so they are plain data of [`crate::entities`]
//! ([`ObservedValue`], [`ValueFacts`]), filled in here; fingerprints are
//! compared there and never become attributes. A value that could not be
//! read is a `value-not-verified` error finding ([`gap_findings`]).
//!
//! A value is held in a [`Zeroizing`] buffer only while its facts are
//! derived, then wiped. Nothing here keeps, returns or quotes any part of a
//! value: facts are numbers and booleans, descriptions name variables, files
//! and lines. Fingerprints are compared by [`crate::entities`] and never
//! become attributes.
//!
//! Environment variables are read through a lookup function the caller
//! passes, so this module reads the process environment only for the names
//! the inventory gives.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::entities::{uid, INVENTORY_ID};
use crate::findings::{Finding, Severity};
use crate::heuristics::defaults::PublishedDefaults;
use crate::heuristics::values::{marker_value, trivial_value};
use crate::inventory::model::{Inventory, Secret, ValueFormat, ValueSourceKind};
use crate::observe::dotenv;
use crate::source::Location;
use fingerprint::FingerprintKey;

pub use crate::entities::values::{ObservedValue, ValueFacts};

pub mod fingerprint;

/// The rule id of findings for values that could not be read.
pub const NOT_VERIFIED: &str = "value-not-verified";

/// Everything learnt about values in one run.
#[derive(Debug, Default)]
pub struct ValueObservation {
    /// Environments whose values were read on this machine (`--env`).
    pub read_environments: BTreeSet<String>,
    /// Environments whose fingerprints came from files (`--fingerprints`),
    /// with the file.
    pub merged_environments: BTreeMap<String, Arc<str>>,
    /// The id of the key every observed fingerprint was made with.
    pub key_id: String,
    /// Whether that key was made up for this run (no `--fingerprint-key-env`).
    pub random_key: bool,
    /// By (secret id, environment).
    pub instances: BTreeMap<(String, String), ObservedValue>,
    /// Values that could not be read: each becomes an error finding.
    pub gaps: Vec<ValueGap>,
}

/// A value that could not be read.
#[derive(Debug, Clone)]
pub struct ValueGap {
    pub secret: String,
    pub environment: String,
    pub source: String,
    /// What went wrong (an I/O error, a malformed `.env` line by number).
    pub problem: String,
    pub location: Location,
}

/// One error finding per value that could not be read: such a value is
/// not verified, never passed.
pub fn gap_findings(values: &ValueObservation) -> Vec<Finding> {
    values
        .gaps
        .iter()
        .map(|gap| {
            let (entity, message) = if gap.secret.is_empty() {
                (
                    uid("Inventory", INVENTORY_ID),
                    format!("not verified: placeholder values ({})", gap.problem),
                )
            } else {
                (
                    uid("Secret", &gap.secret),
                    format!(
                        "not verified: the value of `{}` in `{}` ({}): {}",
                        gap.secret, gap.environment, gap.source, gap.problem
                    ),
                )
            };
            Finding::new(NOT_VERIFIED, Severity::Error, message, gap.location.clone())
                .entity(entity)
                .environment((!gap.environment.is_empty()).then(|| gap.environment.clone()))
                .remediation(
                    "make the value readable by this run (permissions, path, a valid `.env` file), then run again"
                        .to_owned(),
                )
        })
        .collect()
}

/// Looks up a process environment variable.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<OsString>;

/// Reads the values of every instance in `environments` that names a
/// `value:` source, and derives their facts with `key` and `defaults`
/// (published default credentials).
pub fn observe(
    inventory: &Inventory,
    environments: &[String],
    key: &FingerprintKey,
    env: EnvLookup<'_>,
    defaults: &PublishedDefaults,
) -> ValueObservation {
    let mut observation = ValueObservation {
        read_environments: environments.iter().cloned().collect(),
        key_id: key.id().to_owned(),
        ..ValueObservation::default()
    };
    let examples = Examples::read(inventory, &mut observation.gaps);
    let mut dotenv_files: HashMap<PathBuf, Result<dotenv::Parsed, String>> = HashMap::new();
    for secret in inventory.secrets.values() {
        for environment in environments {
            let Some(instance) = secret.instances.get(environment) else {
                continue;
            };
            let Some(source) = &instance.value else {
                continue;
            };
            let read = match &source.kind {
                ValueSourceKind::Env(name) => Read::from_env(name, env),
                ValueSourceKind::File { written, path } => Read::from_file(written, path),
                ValueSourceKind::Dotenv { written, path, key } => {
                    let parsed = dotenv_files
                        .entry(path.clone())
                        .or_insert_with(|| read_dotenv(path));
                    Read::from_dotenv(written, path, key, parsed)
                }
            };
            let gap_location = read.location.clone().unwrap_or(source.location.clone());
            match read.outcome {
                Outcome::Found(value) => {
                    let names = variable_names(secret, instance, &source.kind);
                    let facts = facts(&value, secret.format.as_ref(), &examples, &names, defaults);
                    // An empty value is no value to compare: `secret-value-empty`
                    // reports it, and two empty values are not a reuse.
                    let fingerprint = (!facts.empty).then(|| key.fingerprint(&value));
                    // `value` is wiped here.
                    drop(value);
                    observation.instances.insert(
                        (secret.id.clone(), environment.clone()),
                        ObservedValue {
                            source: read.source,
                            found: true,
                            facts: Some(facts),
                            fingerprint,
                        },
                    );
                }
                Outcome::NotFound => {
                    observation.instances.insert(
                        (secret.id.clone(), environment.clone()),
                        ObservedValue {
                            source: read.source,
                            found: false,
                            facts: None,
                            fingerprint: None,
                        },
                    );
                }
                Outcome::Unreadable(problem) => observation.gaps.push(ValueGap {
                    secret: secret.id.clone(),
                    environment: environment.clone(),
                    source: read.source,
                    problem,
                    location: gap_location,
                }),
            }
        }
    }
    observation
}

enum Outcome {
    Found(Zeroizing<Vec<u8>>),
    NotFound,
    Unreadable(String),
}

struct Read {
    source: String,
    /// Where the value (or the problem) is, when it is in a file we can point at.
    location: Option<Location>,
    outcome: Outcome,
}

impl Read {
    fn from_env(name: &str, env: EnvLookup<'_>) -> Read {
        let outcome = match env(name) {
            Some(value) => Outcome::Found(Zeroizing::new(value.into_encoded_bytes())),
            None => Outcome::NotFound,
        };
        Read {
            source: format!("env var `{name}`"),
            location: None,
            outcome,
        }
    }

    fn from_file(written: &str, path: &Path) -> Read {
        let outcome = match crate::read::read_capped(path, crate::read::Kind::Value) {
            Ok(bytes) => {
                let mut bytes = Zeroizing::new(bytes);
                // Files written by `echo` or an editor end with one newline that
                // is not part of the value.
                if bytes.ends_with(b"\r\n") {
                    let n = bytes.len() - 2;
                    bytes.truncate(n);
                } else if bytes.ends_with(b"\n") {
                    let n = bytes.len() - 1;
                    bytes.truncate(n);
                }
                Outcome::Found(bytes)
            }
            Err(err) if err.is_not_found() => Outcome::NotFound,
            Err(err) => Outcome::Unreadable(format!("cannot read `{}`: {err}", path.display())),
        };
        Read {
            source: format!("file `{written}`"),
            location: None,
            outcome,
        }
    }

    fn from_dotenv(
        written: &str,
        path: &Path,
        key: &str,
        parsed: &Result<dotenv::Parsed, String>,
    ) -> Read {
        let file: Arc<str> = Arc::from(crate::source::portable_path(path));
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(problem) if problem.is_empty() => {
                return Read {
                    source: format!("`{key}` in `{written}`"),
                    location: None,
                    outcome: Outcome::NotFound,
                }
            }
            Err(problem) => {
                return Read {
                    source: format!("`{key}` in `{written}`"),
                    location: Some(Location::file_start(&file)),
                    outcome: Outcome::Unreadable(problem.clone()),
                }
            }
        };
        if let Some(bad) = parsed.malformed.first() {
            // A line that cannot be read may be the one that sets `key`.
            return Read {
                source: format!("`{key}` in `{written}`"),
                location: Some(Location::new(&file, bad.line, 1)),
                outcome: Outcome::Unreadable(format!(
                    "line {} of `{written}` is not `KEY=value`: {}",
                    bad.line, bad.problem
                )),
            };
        }
        match parsed.get(key) {
            Some(entry) => Read {
                source: format!("`{key}` in `{written}` line {}", entry.line),
                location: Some(Location::new(&file, entry.line, 1)),
                outcome: Outcome::Found(Zeroizing::new(entry.value.as_bytes().to_vec())),
            },
            None => Read {
                source: format!("`{key}` in `{written}`"),
                location: None,
                outcome: Outcome::NotFound,
            },
        }
    }
}

/// Reads and parses a `.env` file. `Err("")` when it does not exist.
fn read_dotenv(path: &Path) -> Result<dotenv::Parsed, String> {
    match crate::read::read_capped(path, crate::read::Kind::Dotenv) {
        Ok(bytes) => {
            let bytes = Zeroizing::new(bytes);
            match std::str::from_utf8(&bytes) {
                Ok(text) => Ok(dotenv::parse(text)),
                Err(err) => Err(format!(
                    "cannot read `{}`: {}",
                    path.display(),
                    crate::read::not_utf8(&bytes, err.valid_up_to())
                )),
            }
        }
        Err(err) if err.is_not_found() => Err(String::new()),
        Err(err) => Err(format!("cannot read `{}`: {err}", path.display())),
    }
}

/// The names a value goes by, to find its example in `.env.example` files.
fn variable_names<'a>(
    secret: &'a Secret,
    instance: &'a crate::inventory::model::Instance,
    kind: &'a ValueSourceKind,
) -> Vec<&'a str> {
    let mut names = Vec::new();
    if let Some(var) = &instance.env_var {
        names.push(var.as_str());
    }
    match kind {
        ValueSourceKind::Env(name) => names.push(name),
        ValueSourceKind::Dotenv { key, .. } => names.push(key),
        ValueSourceKind::File { .. } => {}
    }
    names.push(&secret.name);
    names.dedup();
    names
}

/// The example values of `sources.env_example` files, by variable name.
struct Examples {
    /// Variable name to (file as written, example value).
    values: HashMap<String, Vec<(String, Zeroizing<String>)>>,
}

impl Examples {
    fn read(inventory: &Inventory, gaps: &mut Vec<ValueGap>) -> Examples {
        let mut values: HashMap<String, Vec<(String, Zeroizing<String>)>> = HashMap::new();
        for source in &inventory.sources.env_example {
            let text = match crate::read::read_text(&source.path, crate::read::Kind::EnvExample) {
                Ok(text) => Zeroizing::new(text),
                Err(err) => {
                    gaps.push(ValueGap {
                        secret: String::new(),
                        environment: String::new(),
                        source: format!("`{}`", source.written),
                        problem: format!(
                            "cannot read `{}` to compare values with its examples: {err}",
                            source.path.display()
                        ),
                        location: source.location.clone(),
                    });
                    continue;
                }
            };
            for entry in dotenv::parse(&text).entries {
                if entry.value.trim().is_empty() {
                    continue;
                }
                values
                    .entry(entry.key)
                    .or_default()
                    .push((source.written.clone(), entry.value));
            }
        }
        Examples { values }
    }

    /// The example file whose example for one of `names` is `value`.
    fn matching<'n>(&self, names: &[&'n str], value: &[u8]) -> Option<(&'n str, &str)> {
        names.iter().find_map(|name| {
            self.values.get(*name).and_then(|examples| {
                examples
                    .iter()
                    .find(|(_, example)| example.as_bytes() == value)
                    .map(|(file, _)| (*name, file.as_str()))
            })
        })
    }
}

/// The facts of one value.
fn facts(
    value: &[u8],
    format: Option<&ValueFormat>,
    examples: &Examples,
    names: &[&str],
    defaults: &PublishedDefaults,
) -> ValueFacts {
    let text = std::str::from_utf8(value).ok();
    let length = match text {
        Some(text) => text.chars().count() as u64,
        None => value.len() as u64,
    };
    let empty = text.is_some_and(|t| t.trim().is_empty()) || value.is_empty();
    let placeholder = if empty {
        None
    } else if let Some((name, file)) = examples.matching(names, value) {
        Some(format!("the example value of `{name}` in `{file}`"))
    } else if text.is_some_and(|t| marker_value(t) || trivial_value(t)) {
        Some("a well-known placeholder".to_owned())
    } else {
        None
    };
    // A placeholder is reported as one (`secret-value-placeholder`), not
    // again as a published default.
    let published_default = !empty
        && placeholder.is_none()
        && text.is_some_and(|t| defaults.matches_value_or_password(t).is_some());
    let format = format.map(|format| check_format(value, length, format));
    ValueFacts {
        length,
        empty,
        placeholder,
        format,
        published_default,
    }
}

/// Whether a value of `length` characters fits `format`; the problem in
/// words otherwise (lengths and the pattern as written, never the value).
fn check_format(value: &[u8], length: u64, format: &ValueFormat) -> Result<(), String> {
    if let Some(min) = format.min_length {
        if length < min {
            return Err(format!(
                "has {length} characters, fewer than the {min} its format requires"
            ));
        }
    }
    if let Some(max) = format.max_length {
        if length > max {
            return Err(format!(
                "has {length} characters, more than the {max} its format allows"
            ));
        }
    }
    if let (Some(pattern), Some(text)) = (&format.pattern, &format.pattern_text) {
        if !pattern.is_match(value) {
            return Err(format!("does not match its format pattern `{text}`"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(pattern: Option<&str>, min: Option<u64>, max: Option<u64>) -> ValueFormat {
        ValueFormat {
            pattern_text: pattern.map(str::to_owned),
            pattern: pattern.map(|p| regex::bytes::Regex::new(&format!("^(?:{p})$")).unwrap()),
            min_length: min,
            max_length: max,
            location: Location::file_start(&Arc::from("x")),
        }
    }

    fn no_examples() -> Examples {
        Examples {
            values: HashMap::new(),
        }
    }

    #[test]
    fn facts_of_values() {
        let hex = format(Some("[0-9a-f]{64}"), None, None);
        let good = "ab".repeat(32);
        let f = facts(
            good.as_bytes(),
            Some(&hex),
            &no_examples(),
            &[],
            PublishedDefaults::builtin(),
        );
        assert_eq!(f.length, 64);
        assert_eq!(f.format, Some(Ok(())));
        assert!(f.placeholder.is_none() && !f.empty);
        let f = facts(
            b"changeme",
            Some(&hex),
            &no_examples(),
            &[],
            PublishedDefaults::builtin(),
        );
        assert_eq!(f.placeholder.as_deref(), Some("a well-known placeholder"));
        let problem = f.format.unwrap().unwrap_err();
        assert!(problem.contains("does not match"), "{problem}");
        assert!(!problem.contains("changeme"));
        let f = facts(b"", None, &no_examples(), &[], PublishedDefaults::builtin());
        assert!(f.empty && f.placeholder.is_none() && f.format.is_none());
        let short = format(None, Some(10), Some(12));
        assert!(facts(
            b"abc",
            Some(&short),
            &no_examples(),
            &[],
            PublishedDefaults::builtin()
        )
        .format
        .unwrap()
        .unwrap_err()
        .contains("fewer than the 10"));
        assert!(facts(
            b"0123456789abc",
            Some(&short),
            &no_examples(),
            &[],
            PublishedDefaults::builtin()
        )
        .format
        .unwrap()
        .unwrap_err()
        .contains("more than the 12"));
        // Characters, not bytes.
        assert_eq!(
            facts(
                "é".as_bytes(),
                None,
                &no_examples(),
                &[],
                PublishedDefaults::builtin()
            )
            .length,
            1
        );
    }

    #[test]
    fn debug_strings_never_hold_a_value() {
        let dir = tempfile::tempdir().unwrap();
        let canary_file = "canary-file-value-Q7x2Lm9Zr4";
        let canary_env = "canary-env-value-H3d6Kp0Wy5";
        let canary_dotenv = "canary-dotenv-value-F9a4Re1Ux8";
        std::fs::write(dir.path().join("secret.txt"), canary_file).unwrap();
        std::fs::write(
            dir.path().join(".env"),
            format!("B={canary_dotenv}\nbad line {canary_dotenv}\n"),
        )
        .unwrap();
        let inventory_path = dir.path().join("inventory.yaml");
        std::fs::write(
            &inventory_path,
            "version: 1\nenvironments: { production: { tier: production } }\nsecrets:\n  A:\n    classification: critical\n    format: { min_length: 64 }\n    instances:\n      production: { backend: file, file: { path: /x }, value: { file: secret.txt } }\n  B:\n    classification: critical\n    instances:\n      production: { backend: dotenv, value: { dotenv: .env } }\n  C:\n    classification: critical\n    instances:\n      production: { backend: env_var, value: { env: C } }\n",
        )
        .unwrap();
        let mut texts = crate::source::SourceTexts::default();
        let now = "2026-11-23".parse().unwrap();
        let inventory = crate::inventory::load(&[inventory_path], now, &mut texts).unwrap();
        let key = FingerprintKey::new(Zeroizing::new(b"k".to_vec()));
        let env = |name: &str| (name == "C").then(|| OsString::from(canary_env));
        let observation = observe(
            &inventory,
            &["production".to_owned()],
            &key,
            &env,
            PublishedDefaults::builtin(),
        );
        assert_eq!(observation.instances.len(), 2);
        assert_eq!(observation.gaps.len(), 1, "the malformed .env line");
        let debug = format!("{observation:?}");
        for canary in [canary_file, canary_env, canary_dotenv] {
            assert!(!debug.contains(canary), "{debug}");
        }
        let facts = observation.instances[&("A".to_owned(), "production".to_owned())]
            .facts
            .clone()
            .unwrap();
        assert_eq!(facts.length, canary_file.len() as u64);
        assert!(matches!(facts.format, Some(Err(_))));
    }

    #[test]
    fn example_values_are_placeholders() {
        let examples = Examples {
            values: [(
                "API_KEY".to_owned(),
                vec![(
                    ".env.example".to_owned(),
                    Zeroizing::new("sk-realistic-demo-9f8e7d".to_owned()),
                )],
            )]
            .into(),
        };
        let f = facts(
            b"sk-realistic-demo-9f8e7d",
            None,
            &examples,
            &["API_KEY"],
            PublishedDefaults::builtin(),
        );
        assert_eq!(
            f.placeholder.as_deref(),
            Some("the example value of `API_KEY` in `.env.example`")
        );
        let f = facts(
            b"sk-realistic-demo-9f8e7d",
            None,
            &examples,
            &["OTHER"],
            PublishedDefaults::builtin(),
        );
        assert!(f.placeholder.is_none());
    }
}
