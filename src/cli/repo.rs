//! Secret files, the repository and `.env.example` files: the flag that
//! selects this machine's environments (`--env`), and their gathering.
//!
//! The repository and `.env.example` files are observed whenever the
//! inventory names them under `sources:`; secret files' modes and owners
//! only for the environments named with `--env` (this machine's).

use clap::Args;

use secretary::diag::{did_you_mean, InputError};
use secretary::inventory::Inventory;
use secretary::observe::{env_example, files, git, Observations};

/// Flags for observing secret files on this machine.
///
/// `--env` is the same selection the values observation uses; until the two
/// branches merge, it is defined here (see the issue 5 notes).
#[derive(Args, Debug, Clone)]
pub struct RepoArgs {
    /// Observe the secrets of environment NAME on this machine: secret files' mode and owner (repeatable)
    #[arg(long = "env", value_name = "NAME", help_heading = "Observation")]
    pub env: Vec<String>,
}

/// Adds the secret files of `--env` environments, the repository and the
/// `.env.example` files to `observations`.
pub fn gather(
    args: &RepoArgs,
    inventory: &Inventory,
    observations: &mut Observations,
) -> Result<(), Vec<InputError>> {
    let mut errors = Vec::new();
    for name in &args.env {
        if !inventory.environments.contains_key(name) {
            let help = match did_you_mean(name, inventory.environments.keys().map(String::as_str)) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "name one of the inventory's environments: {}",
                    inventory
                        .environments
                        .keys()
                        .map(|e| format!("`{e}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            errors.push(
                InputError::new(
                    "unknown-environment",
                    format!("`--env {name}` names an environment the inventory does not declare"),
                )
                .help(help),
            );
        }
    }
    match env_example::observe(&inventory.sources.env_example) {
        Ok(observed) => observations.env_example = observed,
        Err(mut problems) => errors.append(&mut problems),
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if !args.env.is_empty() {
        observations.files = Some(files::observe(inventory, &args.env));
    }
    observations.repository = git::observe(inventory);
    Ok(())
}

/// What could not be observed, as errors for stderr: such a run exits 2.
pub fn gap_errors(observations: &Observations) -> Vec<InputError> {
    let mut errors = Vec::new();
    if let Some(repository) = &observations.repository {
        if let Err(problem) = &repository.scan {
            errors.push(
                InputError::new(
                    "repository-not-verified",
                    format!("cannot ask git about the repository `{}`: {problem}; not verified: which secret files and `.env` files are committed or not ignored", repository.root),
                )
                .at(repository.location.clone())
                .help("install git (and put it on PATH) and make `sources.repository` a git work tree, or remove `sources.repository`"),
            );
        }
    }
    for file in observations.files.iter().flat_map(|f| &f.files) {
        if let files::FileState::Unreadable(problem) = &file.state {
            errors.push(
                InputError::new(
                    "files-not-verified",
                    format!(
                        "cannot read the metadata of `{}` ({problem}); not verified: its mode and owner",
                        file.written
                    ),
                )
                .at(file.location.clone())
                .help("run the check as a user who may read the file's directory, or fix the path"),
            );
        }
    }
    errors
}
