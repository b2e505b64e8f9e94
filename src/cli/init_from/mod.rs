//! `secretary init --from FILE...`: a starting inventory from what a team
//! already has: compose files and env files (`.env.example`), told apart by
//! their content, never their extension ([`kinds`]).
//!
//! - services: every compose service, its kind guessed from its name (else
//!   `other`), `public_facing: true` when it receives browser-bundle
//!   variables and is no database or cache;
//! - env vars: every variable a compose service receives or an env file
//!   lists, with the secret it delivers and the services receiving it;
//! - secrets ([`collect`]): one per value: a host variable judged a secret
//!   ([`judge`]), whatever names services give it, and every secret file
//!   services mount (a compose secret, a file under `/run/secrets/`, a key
//!   file), classified `critical` (the conservative choice), with one
//!   instance per environment inferred from the file names
//!   (`docker-compose.prod.yml` → production), else `development`;
//! - reads: what each compose service receives;
//! - sources: the input files, so the next `check` compares them again.
//!
//! Every guess is a `review:` on its entry ([`render`]): the first `check`
//! reports one `inventory-review-pending` (info) per entry, and nothing of
//! init's own making besides. No value is ever written but a non-secret
//! default from an env file, redacted ([`redact`]).

mod collect;
mod judge;
mod kinds;
mod redact;
mod render;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use secretary::diag::{Code, InputError};
use secretary::inventory::model::{ComposeSource, SourcePath};
use secretary::observe::{compose, dotenv};
use secretary::source::Location;

use collect::{Example, Found};
use kinds::InputKind;

/// `path` relative to `dir` when inside it, else absolute.
fn relative_to(path: &Path, dir: &Path) -> String {
    let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (path_abs, dir_abs) = (absolute(path), absolute(dir));
    match path_abs.strip_prefix(&dir_abs) {
        Ok(relative) => secretary::source::portable_path(relative),
        Err(_) => secretary::source::portable_path(&path_abs),
    }
}

/// One input, read and told apart.
struct Input {
    path: PathBuf,
    display: Arc<str>,
    kind: InputKind,
    text: zeroize::Zeroizing<String>,
}

/// Reads every input and tells compose files from env files by content.
fn read_inputs(from: &[PathBuf], errors: &mut Vec<InputError>) -> Vec<Input> {
    let mut inputs = Vec::new();
    for path in from {
        let display: Arc<str> = Arc::from(secretary::source::portable_path(path));
        // The larger cap of the two kinds: the kind is known once read.
        let unreadable = |error: secretary::read::ReadError| {
            InputError::new(
                Code::UnreadableFile,
                format!("cannot read `{display}`: {error}"),
            )
            .help("check the path given to `--from`")
        };
        let text = match secretary::read::read_text(path, secretary::read::Kind::Compose) {
            Ok(text) => zeroize::Zeroizing::new(text),
            Err(error) => {
                errors.push(unreadable(error));
                continue;
            }
        };
        let kind = kinds::sniff(&text);
        // An env file has the smaller cap: the error names it, as for any env file.
        if kind != Some(InputKind::Compose) && text.len() as u64 > secretary::read::DOTENV_CAP {
            if let Err(error) = secretary::read::read_text(path, secretary::read::Kind::Dotenv) {
                errors.push(unreadable(error));
                continue;
            }
        }
        let Some(kind) = kind else {
            errors.push(
                InputError::new(
                    Code::UnknownInputKind,
                    format!(
                        "`{display}` is neither a compose file (no top-level `services:` or `include:`) nor an env file (`KEY=value` lines)"
                    ),
                )
                .at(Location::file_start(&display))
                .help("give `--from` compose files and `.env`-style files only"),
            );
            continue;
        };
        inputs.push(Input {
            path: path.clone(),
            display,
            kind,
            text,
        });
    }
    inputs
}

/// Reads the inputs and renders the inventory's text, with warnings.
pub fn generate(from: &[PathBuf], output: &Path) -> Result<(String, Vec<String>), Vec<InputError>> {
    let out_dir = match output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut found = Found::default();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let inputs = read_inputs(from, &mut errors);

    // Env files first: an example may stand in for a missing `env_file`.
    let mut examples = Vec::new();
    for input in inputs.iter().filter(|i| i.kind == InputKind::Dotenv) {
        found
            .environments
            .extend(kinds::environment_of(&input.path));
        let parsed = dotenv::parse(&input.text);
        found.env_file(&parsed);
        for bad in &parsed.malformed {
            warnings.push(format!(
                "{}:{}: skipped a line that is not `KEY=value` ({})",
                input.display, bad.line, bad.problem
            ));
        }
        examples.push(Example {
            path: input.path.clone(),
            keys: parsed.entries.iter().map(|e| e.key.clone()).collect(),
        });
        found.env_files.push(relative_to(&input.path, &out_dir));
    }
    for input in inputs.iter().filter(|i| i.kind == InputKind::Compose) {
        let environment = kinds::environment_of(&input.path);
        found.environments.extend(environment);
        let source = ComposeSource {
            file: SourcePath {
                written: input.display.to_string(),
                path: input.path.clone(),
                location: Location::file_start(&input.display),
            },
            environment: environment.map(str::to_owned),
            services: BTreeMap::new(),
        };
        let mut gaps = Vec::new();
        match compose::read_file(
            &input.display,
            &input.text,
            &source,
            secretary::heuristics::defaults::PublishedDefaults::builtin(),
            &mut gaps,
        ) {
            Ok(observed) => {
                warnings.extend(gaps.into_iter().map(|g| g.problem));
                warnings.extend(found.compose(&observed, &examples));
                found
                    .compose_files
                    .push((relative_to(&input.path, &out_dir), environment));
            }
            Err(mut problems) => errors.append(&mut problems),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if found.environments.is_empty() {
        found.environments.insert("development");
    }
    Ok((render::render(&found), warnings))
}
