//! The observation flags shared by `check`, `report` and `docs`, and the
//! gathering of [`Observations`] once the inventory is known to be valid.
//!
//! Each kind of observation adds its flags as a flattened group to
//! [`ObserveArgs`] and its gathering to [`gather`]; every command that
//! judges an inventory then picks it up.

use clap::Args;

use secretary::diag::InputError;
use secretary::inventory::Inventory;
use secretary::observe::Observations;
use secretary::source::SourceTexts;

#[derive(Args, Debug, Clone)]
pub struct ObserveArgs {
    #[command(flatten)]
    pub iam: super::iam::CheckIamArgs,
    #[command(flatten)]
    pub values: super::values::ValueArgs,
}

/// Gathers what `args` ask to observe for `inventory`. Runs after the
/// inventory loaded cleanly, and reads the AWS account last, once every
/// local observation worked: a typo never costs a round of IAM calls.
pub fn gather(
    args: &ObserveArgs,
    inventory: &Inventory,
    defaults: &secretary::heuristics::defaults::PublishedDefaults,
    texts: &mut SourceTexts,
) -> Result<Observations, Vec<InputError>> {
    let mut errors = Vec::new();
    let mut observations = Observations::default();
    // Values of `--env` environments, and fingerprint files of others.
    match super::values::observe(&args.values, inventory, defaults, texts) {
        Ok(values) => observations.values = values,
        Err(mut problems) => errors.append(&mut problems),
    }
    // Secret files (`--env`), the repository and `.env.example` files.
    if let Err(mut problems) =
        super::repo::gather(&args.values.env, inventory, defaults, &mut observations)
    {
        errors.append(&mut problems);
    }
    // Compose files and code named under `sources:` (issue 5).
    errors.extend(super::compose::observe(
        inventory,
        defaults,
        &mut observations,
    ));
    if errors.is_empty() {
        match super::aws::observe(&args.iam, inventory, texts) {
            Some(Ok((iam, stores))) => {
                observations.iam = Some(iam);
                observations.stores = stores;
            }
            Some(Err(mut problems)) => errors.append(&mut problems),
            None => match super::iam::observe(&args.iam, texts) {
                Ok(iam) => observations.iam = iam,
                Err(mut problems) => errors.append(&mut problems),
            },
        }
    }
    if errors.is_empty() {
        Ok(observations)
    } else {
        Err(errors)
    }
}

/// What could not be observed, as errors for stderr: such a run exits 2.
pub fn not_verified(observations: &Observations) -> Vec<InputError> {
    let mut errors = Vec::new();
    if let Some(iam) = &observations.iam {
        errors.extend(super::iam::gap_errors(iam));
    }
    if let Some(stores) = &observations.stores {
        errors.extend(super::aws::gap_errors(stores));
    }
    if let Some(values) = &observations.values {
        errors.extend(super::values::gap_errors(values));
    }
    errors.extend(super::repo::gap_errors(observations));
    errors.extend(super::compose::gap_errors(observations));
    errors
}
