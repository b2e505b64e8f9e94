//! `secretary fingerprint`: reads one environment's secret values where the
//! inventory says they live (`value:`) and writes their keyed fingerprints,
//! for `check --fingerprints` in a job that sees every environment's file
//! but no environment's values.
//!
//! Exit codes: 0 every value was read; 1 some declared value was not found
//! or is empty (the file is written and lists them under `missing` and
//! `empty`, as `check` would report `secret-value-missing` and
//! `secret-value-empty`); 2 bad input, or a value that could not be read (no
//! file is written: a partial list would pass for a complete one).
//!
//! The file is the one output that holds fingerprints, so `-o FILE` writes
//! it 0600 (`write::Access::Private`), and never over a file the run reads
//! (the inventory, a value file, a `.env` file, …).

use secretary::diag::Code;
use std::path::PathBuf;

use clap::Args;

use super::args::{resolve_now, HiddenColorArgs};
use super::write::{write, Access, Inputs, Output};
use super::Outcome;
use secretary::diag::InputError;
use secretary::observe::values;
use secretary::observe::values::fingerprint::{FingerprintFile, FingerprintKey, FILE_VERSION};
use secretary::source::SourceTexts;

#[derive(Args, Debug)]
pub struct FingerprintArgs {
    /// Inventory files or directories of them [default: secretary.yaml]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The environment whose values are on this machine
    #[arg(long = "env", value_name = "NAME", required = true)]
    pub env: String,
    /// The environment variable holding the shared fingerprint key (the same in every environment's job); without it, a random key for this file only
    #[arg(long, value_name = "VAR")]
    pub fingerprint_key_env: Option<String>,
    /// Write the fingerprints to FILE (atomically) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Validate dates in the inventory as of this date (YYYY-MM-DD) instead of today
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    #[command(flatten)]
    pub color: HiddenColorArgs,
}

pub fn run(args: FingerprintArgs) -> Outcome {
    let printer = super::output::Printer::plain();
    let mut texts = SourceTexts::default();
    let now = match resolve_now(args.now.as_deref()) {
        Ok(now) => now,
        Err(error) => {
            printer.errors(&[error], &texts);
            return Outcome::BadInput;
        }
    };
    let paths = super::args::inventory_paths(args.paths);
    let inventory = match secretary::inventory::load(&paths, now, &mut texts) {
        Ok(inventory) => inventory,
        Err(errors) => {
            printer.errors(&errors, &texts);
            return Outcome::BadInput;
        }
    };
    let mut errors = Vec::new();
    let environment = match super::values::environments(std::slice::from_ref(&args.env), &inventory)
    {
        Ok(mut selected) => selected.pop(),
        Err(mut problems) => {
            errors.append(&mut problems);
            None
        }
    };
    // Without a shared key the file is still useful on its own (values
    // reused across secrets of this environment show in it), but it cannot
    // be merged with another environment's: say so.
    let key = match &args.fingerprint_key_env {
        Some(var) => super::values::key_from_env(var),
        None => FingerprintKey::random()
            .map_err(|problem| {
                InputError::new(Code::NoRandomKey, problem)
                    .help("pass `--fingerprint-key-env VAR` with a key")
            })
            .inspect(|_| {
                printer.warnings(
                    &[InputError::new(
                        Code::RandomFingerprintKey,
                        "no `--fingerprint-key-env`: these fingerprints use a random key, so no other file or run can be compared with them",
                    )
                    .help("to merge fingerprint files of several environments, give every job the same key with `--fingerprint-key-env VAR`")],
                    &texts,
                );
            }),
    };
    let key = match key {
        Ok(key) => Some(key),
        Err(error) => {
            errors.push(error);
            None
        }
    };
    let (Some(environment), Some(key)) = (environment, key) else {
        printer.errors(&errors, &texts);
        return Outcome::BadInput;
    };
    let observation = values::observe(
        &inventory,
        std::slice::from_ref(&environment),
        &key,
        &|name| std::env::var_os(name),
        secretary::heuristics::defaults::PublishedDefaults::builtin(),
    );
    let gaps = super::values::gap_errors(&observation);
    if !gaps.is_empty() {
        printer.errors(&gaps, &texts);
        return Outcome::BadInput;
    }
    let mut file = FingerprintFile {
        version: FILE_VERSION,
        environment: environment.clone(),
        key_id: key.id().to_owned(),
        fingerprints: Default::default(),
        missing: Default::default(),
        empty: Default::default(),
    };
    for ((secret, _), value) in observation.instances {
        match value.fingerprint {
            Some(fingerprint) => {
                file.fingerprints.insert(secret, fingerprint);
            }
            None if value.found => {
                file.empty.insert(secret);
            }
            None => {
                file.missing.insert(secret);
            }
        }
    }
    if file.fingerprints.is_empty() && file.missing.is_empty() {
        printer.warnings(
            &[InputError::new(
                Code::NoValueSources,
                format!("no secret declares where its value lives in `{environment}`"),
            )
            .help("add `value: {env: VAR}` (or `file:` / `dotenv:`) to the instances of this environment")],
            &texts,
        );
    }
    let json = file.to_json();
    match &args.output {
        Some(path) => {
            let output = Output {
                path: path.clone(),
                bytes: json.into_bytes(),
                access: Access::Private,
                replace: true,
            };
            let inputs = Inputs::of_run(&texts, &inventory);
            if let Err(errors) = write(&[output], &inputs) {
                printer.errors(&errors, &texts);
                return Outcome::BadInput;
            }
        }
        None => printer.stdout(json.as_bytes()),
    }
    if !file.empty.is_empty() {
        let empty: Vec<String> = file.empty.iter().map(|s| format!("`{s}`")).collect();
        printer.warnings(
            &[InputError::new(
                Code::ValueEmpty,
                format!("empty value in `{environment}` for {}", empty.join(", ")),
            )
            .help("store real values where the instances' `value:` says")],
            &texts,
        );
    }
    if file.missing.is_empty() && file.empty.is_empty() {
        Outcome::Compliant
    } else if file.missing.is_empty() {
        Outcome::Findings
    } else {
        let missing: Vec<String> = file.missing.iter().map(|s| format!("`{s}`")).collect();
        printer.warnings(
            &[InputError::new(
                Code::ValueMissing,
                format!(
                    "no value found in `{environment}` for {}",
                    missing.join(", ")
                ),
            )
            .help(
                "provide the values where the instances' `value:` says, or correct the inventory",
            )],
            &texts,
        );
        Outcome::Findings
    }
}
