//! Secret files, the repository and `.env.example` files: their gathering.
//!
//! The repository and `.env.example` files are observed whenever the
//! inventory names them under `sources:`; secret files' modes and owners
//! only for the environments named with `--env` (this machine's).

use secretary::diag::Code;
use secretary::diag::InputError;
use secretary::inventory::Inventory;
use secretary::observe::repository::{env_example, files, git};
use secretary::observe::Observations;

/// Adds the secret files of `--env` environments, the repository and the
/// `.env.example` files to `observations`.
/// `env` are the environments of `--env`, already checked to exist (see
/// `super::values`).
pub fn gather(
    env: &[String],
    inventory: &Inventory,
    defaults: &secretary::heuristics::defaults::PublishedDefaults,
    observations: &mut Observations,
) -> Result<(), Vec<InputError>> {
    let mut errors = Vec::new();
    match env_example::observe(&inventory.sources.env_example, defaults) {
        Ok(observed) => observations.env_example = observed,
        Err(mut problems) => errors.append(&mut problems),
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if !env.is_empty() {
        observations.files = Some(files::observe(inventory, env));
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
                    Code::RepositoryNotVerified,
                    format!("cannot ask git about the repository `{}`: {problem}; not verified: which secret files and `.env` files are committed or not ignored", repository.root),
                )
                .at(repository.location.clone())
                .help("install git (and put it on PATH) and make `sources.repository` a git work tree, or remove `sources.repository`"),
            );
        }
    }
    for file in observations.files.iter().flat_map(|f| &f.files) {
        if let Some((problem, help)) = file.state.not_verified() {
            errors.push(
                InputError::new(
                    Code::FilesNotVerified,
                    format!(
                        "cannot read the mode and owner of `{}` ({problem}); not verified: who may read it",
                        file.written
                    ),
                )
                .at(file.location.clone())
                .help(help),
            );
        }
    }
    errors
}
