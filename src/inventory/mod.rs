//! Stage 1: load the inventory.
//!
//! Reads one or more YAML files or directories of them, deserializes each
//! ([`yaml`]), and validates the whole into an [`Inventory`] ([`validate`]).
//! It depends on no other stage; everything downstream reads the plain
//! [`model`] types.

pub mod model;
pub mod period;
pub mod raw;
pub mod validate;
pub mod yaml;

use crate::diag::Code;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;
use rayon::prelude::*;

pub use model::Inventory;

use crate::diag::InputError;
use crate::source::{FileKind, SourceTexts};

/// Unicode `White_Space` (what `str::trim` removes), as regex escapes both
/// ECMA-262 (editors) and Rust's regex read the same way.
macro_rules! white_space {
    () => {
        r"[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*"
    };
}

/// The JSON Schema pattern of a period: exactly the texts [`period::parse_period`]
/// accepts. Around the period, the Unicode white space `str::trim` removes;
/// a named period; or a number (leading zeros allowed) and its unit, from 1
/// day to 100 years: 1–36500 `d`, 1–5214 `w`, 1–100 `y`. A test checks the
/// two agree on every number up to 40000 of each unit.
pub const PERIOD_PATTERN: &str = concat!(
    "^",
    white_space!(),
    "(daily|weekly|monthly|quarterly|yearly|annually",
    "|0*([1-9][0-9]{0,3}|[12][0-9]{4}|3[0-5][0-9]{3}|36[0-4][0-9]{2}|36500)d",
    "|0*([1-9][0-9]{0,2}|[1-4][0-9]{3}|5[01][0-9]{2}|520[0-9]|521[0-4])w",
    "|0*([1-9][0-9]?|100)y)",
    white_space!(),
    "$"
);

/// The pattern of a date (`last_rotated`, a waiver's `expires`) in the JSON
/// Schema; with `format: date`, a validator also rejects `2026-02-30`. The
/// loader further requires a date from 2000 on, and a past one for
/// `last_rotated`, which a schema cannot say.
pub const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// Where the JSON Schema of this version is published: the file
/// `docs/src/inventory.schema.json` at this version's tag (a test keeps it
/// equal to `secretary schema`). `secretary init` points the
/// `yaml-language-server` modeline at it, so an editor validates an
/// inventory against the schema of the secretary that wrote it.
pub const SCHEMA_URL: &str = concat!(
    "https://raw.githubusercontent.com/secretary-rs/secretary/v",
    env!("CARGO_PKG_VERSION"),
    "/docs/src/inventory.schema.json"
);

/// The JSON Schema of an inventory file, for editors and `secretary schema`.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(raw::RawDocument)).unwrap_or_default()
}

/// The inventory files a set of paths names: files as given, directories
/// walked for `*.yaml` / `*.yml` in sorted order (so that "defined first"
/// means the same thing on every machine). Symbolic links in a directory
/// are followed; a loop or a link to nothing is an error, never skipped
/// ([`crate::read::walk`]).
pub fn inventory_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Vec<InputError>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.is_dir() {
            let (found, problems) = crate::read::walk(path, is_yaml);
            errors.extend(problems.into_iter().map(|problem| {
                InputError::new(
                    Code::UnreadablePath,
                    format!(
                        "cannot read `{}` in inventory directory `{}`: {}",
                        problem.path.display(),
                        path.display(),
                        problem.problem
                    ),
                )
                .help("fix the path or its permissions, or move it out of the inventory directory")
            }));
            if found.is_empty() {
                errors.push(
                    InputError::new(
                        Code::EmptyInventoryDirectory,
                        format!("directory `{}` contains no `.yaml` or `.yml` files", path.display()),
                    )
                    .help("point at an inventory file or a directory of them; `secretary init` writes a starter"),
                );
            }
            files.extend(found);
        } else if path.exists() || path.is_symlink() {
            // Not a directory: read as a file, which refuses what is not a
            // regular one (a FIFO, a device, a dangling link) by name.
            files.push(path.clone());
        } else {
            errors.push(
                InputError::new(
                    Code::MissingPath,
                    format!("inventory path `{}` does not exist", path.display()),
                )
                .help("check the path, or run `secretary init` to write a starter inventory"),
            );
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// Loads and validates the inventory in `paths`. The texts of every file read
/// are recorded in `texts` so that errors can be shown with a snippet.
pub fn load(
    paths: &[PathBuf],
    now: Date,
    texts: &mut SourceTexts,
) -> Result<Inventory, Vec<InputError>> {
    validate::validate(parse_files(paths, texts)?, now)
}

/// Reads and parses the inventory files in `paths`, not yet validated.
pub fn parse_files(
    paths: &[PathBuf],
    texts: &mut SourceTexts,
) -> Result<Vec<validate::ParsedFile>, Vec<InputError>> {
    let files = inventory_files(paths)?;
    let mut read = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for path in files {
        let display: Arc<str> = Arc::from(crate::source::portable_path(&path));
        match crate::read::read_text(&path, crate::read::Kind::Inventory) {
            // One copy of the text, shared by the error snippets and the
            // positions: a large inventory is tens of megabytes.
            Ok(text) => read.push((display, Arc::<str>::from(text))),
            Err(crate::read::ReadError::NotUtf8 { line, column }) => errors.push(
                InputError::new(
                    Code::NotUtf8,
                    format!("inventory file `{display}` is not UTF-8 text"),
                )
                .at(crate::source::Location::new(&display, line, column))
                .help("save the file as UTF-8"),
            ),
            Err(err) => errors.push(
                InputError::new(
                    Code::UnreadableFile,
                    format!("cannot read inventory file `{display}`: {err}"),
                )
                .help("check the path and its permissions"),
            ),
        }
    }
    for (display, text) in &read {
        // A compose file read as an inventory is quoted as compose files
        // are (never): its lines may hold values.
        let kind = match compose_file_line(text) {
            Some(_) => FileKind::Compose,
            None => FileKind::Inventory,
        };
        texts.insert(display, Arc::clone(text), kind);
    }
    // Files parse independently; large inventories are split across many.
    let results: Vec<_> = read
        .par_iter()
        .map(|(display, text)| parse_shared(display, text))
        .collect();
    drop(read);
    let mut parsed = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(file) => parsed.push(file),
            Err(mut file_errors) => errors.append(&mut file_errors),
        }
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(errors)
    }
}

/// The rule settings of a rule pack's `secretary-rules.yaml` (read as
/// `display`): the inventory's `settings.rules`, shipped with the rules.
pub fn rule_settings(
    display: &Arc<str>,
    text: &str,
) -> Result<Vec<model::RuleSetting>, Vec<InputError>> {
    let (raw, stepped) = yaml::parse::<raw::RawRulesFile>(display, text)?;
    if !stepped.is_empty() {
        return Err(stepped.into_iter().map(|s| s.error).collect());
    }
    let (settings, errors) = validate::rule_settings(display, &raw.rules);
    if errors.is_empty() {
        Ok(settings)
    } else {
        Err(errors)
    }
}

/// Parses one file's text. Exposed for the fuzz target.
pub fn parse_text(path: &Arc<str>, text: &str) -> Result<validate::ParsedFile, Vec<InputError>> {
    parse_shared(path, &Arc::from(text))
}

fn parse_shared(path: &Arc<str>, text: &Arc<str>) -> Result<validate::ParsedFile, Vec<InputError>> {
    if text.trim().is_empty() {
        return Err(vec![InputError::new(
            Code::EmptyFile,
            format!("inventory file `{path}` is empty"),
        )
        .at(crate::source::Location::file_start(path))
        .help("add `version: 1` and at least one section, or remove the file")]);
    }
    let (document, problems) = yaml::parse::<raw::RawDocument>(path, text).map_err(|errors| {
        // A directory inventory often sits beside (or holds) the project's
        // compose file; its errors would read as inventory mistakes.
        match compose_file_line(text) {
            Some(line) => vec![InputError::new(
                Code::NotAnInventory,
                format!("`{path}` is a compose file, not an inventory file"),
            )
            .at(crate::source::Location::new(path, line, 1))
            .help(
                "point `check` at the inventory file (or keep inventory files in a directory of \
                 their own), and list the compose file under `sources.compose` to compare it",
            )],
            None => errors,
        }
    })?;
    Ok(validate::ParsedFile {
        path: Arc::clone(path),
        base: None,
        document,
        problems,
    })
}

/// The top-level keys of the compose specification (besides `x-*`): the
/// compose reader's too, kept here because the inventory may not import it.
pub const COMPOSE_KEYS: [&str; 9] = [
    "version", "name", "services", "include", "networks", "volumes", "configs", "secrets", "models",
];

/// The line of `services:` (or `include:`) when `text` reads as a compose
/// file: every top-level key is one of the compose specification's, one of
/// them is `services` or `include`, and no `version: 1` says inventory.
/// Only asked of a file that failed to read as an inventory, to name it
/// rightly.
fn compose_file_line(text: &str) -> Option<usize> {
    let mut marker = None;
    for (index, line) in text.lines().enumerate() {
        if line.starts_with([' ', '\t', '#', '-']) || line.trim().is_empty() {
            continue;
        }
        let (key, value) = line.split_once(':')?;
        let key = key.trim().trim_matches(['"', '\'']);
        if key == "version" && value.trim() == "1" {
            return None;
        }
        if !(COMPOSE_KEYS.contains(&key) || key.starts_with("x-")) {
            return None;
        }
        if marker.is_none() && matches!(key, "services" | "include") {
            marker = Some(index + 1);
        }
    }
    marker
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_files_are_told_from_inventories() {
        assert_eq!(
            compose_file_line("name: shop\nx-env: &env\n  A: 1\nservices:\n  db:\n    image: pg\n"),
            Some(4)
        );
        assert_eq!(
            compose_file_line("version: \"3.8\"\nservices:\n  a: {}\n"),
            Some(2)
        );
        assert_eq!(compose_file_line("include:\n  - a.yml\n"), Some(1));
        // An inventory, even one with only compose-like keys.
        assert_eq!(
            compose_file_line("version: 1\nservices:\n  api: {}\n"),
            None
        );
        assert_eq!(compose_file_line("environments: {}\nservices: {}\n"), None);
        assert_eq!(compose_file_line("networks: {}\n"), None);
        assert_eq!(compose_file_line("[1, 2]\n"), None);
    }

    fn load_texts(files: &[(&str, &str)]) -> Result<Inventory, Vec<InputError>> {
        let parsed = files
            .iter()
            .map(|(name, text)| parse_text(&Arc::from(*name), text))
            .collect::<Result<Vec<_>, _>>()?;
        validate::validate(parsed, "2026-11-23".parse().unwrap())
    }

    #[test]
    fn env_var_delivering_one_secret_is_linked_to_it() {
        let inventory = load_texts(&[(
            "a.yaml",
            "version: 1\nenvironments: { prod: { tier: production } }\nsecrets:\n  JWT:\n    classification: critical\n    instances:\n      prod: { backend: env_var, env_var: JWT_SECRET }\nenv_vars:\n  JWT_SECRET: { default: dev }\n  PORT: { default: 3000 }\n",
        )])
        .unwrap();
        assert_eq!(
            inventory.env_vars["JWT_SECRET"].secret.as_deref(),
            Some("JWT")
        );
        assert_eq!(inventory.env_vars["PORT"].secret, None);
        assert_eq!(inventory.env_vars["PORT"].default.as_deref(), Some("3000"));
    }

    #[test]
    fn env_var_delivering_two_secrets_is_linked_to_neither() {
        // `SHARED` is delivered by two secrets (and twice by one of them);
        // its neighbours in name order by one secret each.
        let inventory = load_texts(&[(
            "a.yaml",
            "version: 1\nenvironments: { dev: { tier: development }, prod: { tier: production } }\nsecrets:\n  A:\n    classification: critical\n    instances:\n      dev: { backend: env_var, env_var: SHARED }\n      prod: { backend: env_var, env_var: SHARED }\n  B:\n    classification: critical\n    instances:\n      prod: { backend: env_var, env_var: SHARED }\n  C:\n    classification: critical\n    instances:\n      prod: { backend: env_var, env_var: SHARE }\n  D:\n    classification: critical\n    instances:\n      prod: { backend: env_var, env_var: SHARED_TOO }\nenv_vars:\n  SHARE: {}\n  SHARED: {}\n  SHARED_TOO: {}\n  DECLARED: { secret: B }\n",
        )])
        .unwrap();
        let linked = |name: &str| inventory.env_vars[name].secret.as_deref();
        assert_eq!(linked("SHARED"), None);
        assert_eq!(linked("SHARE"), Some("C"));
        assert_eq!(linked("SHARED_TOO"), Some("D"));
        assert_eq!(linked("DECLARED"), Some("B"));
    }

    #[test]
    fn an_instance_is_encrypted_as_its_store_even_one_defined_in_another_file() {
        let inventory = load_texts(&[
            (
                "a.yaml",
                "version: 1\nenvironments: { prod: { tier: production } }\nsecrets:\n  A:\n    classification: critical\n    instances:\n      prod: { backend: encrypted_db_column, store: cache }\n  B:\n    classification: critical\n    instances:\n      prod: { backend: encrypted_db_column, store: db }\n  C:\n    classification: critical\n    instances:\n      prod: { backend: encrypted_db_column, store: cache, encryption: AES-256-GCM }\n",
            ),
            (
                "b.yaml",
                "version: 1\nstores:\n  cache: { encryption: \" None \" }\n  db: { encryption: \" Fernet \" }\n",
            ),
        ])
        .unwrap();
        let encryption = |id: &str| inventory.secrets[id].instances["prod"].encryption.clone();
        assert_eq!(encryption("A"), "none");
        assert_eq!(encryption("B"), "Fernet");
        assert_eq!(encryption("C"), "AES-256-GCM");
    }

    #[test]
    fn a_name_defined_in_two_files_names_both() {
        let errors = load_texts(&[
            ("a.yaml", "version: 1\nservices:\n  api: { kind: api }\n"),
            (
                "b.yaml",
                "version: 1\n\nservices:\n  api: { kind: worker }\n",
            ),
        ])
        .unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        let error = &errors[0];
        assert_eq!(error.code.as_str(), "duplicate-name");
        assert_eq!(error.location.as_ref().unwrap().to_string(), "b.yaml:4:3");
        assert_eq!(error.related.as_ref().unwrap().0.to_string(), "a.yaml:3:3");
    }

    #[test]
    fn every_problem_is_reported_in_one_run() {
        let errors = load_texts(&[(
            "a.yaml",
            "version: 1\nsecrets:\n  A:\n    classification: critical\n    readers: [nope]\n    rotation: { period: 3m }\n    instances:\n      prod: { backend: env_var, last_rotated: 2026-02-30 }\n",
        )])
        .unwrap_err();
        let codes: Vec<&str> = errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "invalid-period",
                "unknown-reference",
                "unknown-reference",
                "invalid-date"
            ],
            "{errors:#?}"
        );
    }
}
