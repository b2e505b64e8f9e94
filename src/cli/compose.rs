//! Gathering what the inventory's `sources.compose` and `sources.code` name.
//! Both are observed whenever the inventory names them; no flag is needed.
//! Their texts are never recorded for snippets: a compose file may hold a
//! secret value on the very line an error or finding points at.

use secretary::diag::Code;
use secretary::diag::InputError;
use secretary::heuristics::defaults::PublishedDefaults;
use secretary::inventory::Inventory;
use secretary::observe::compose::{self, code};
use secretary::observe::Observations;

/// Reads the compose files and scans the code the inventory names into
/// `observations`; malformed compose files are returned as errors.
pub fn observe(
    inventory: &Inventory,
    defaults: &PublishedDefaults,
    observations: &mut Observations,
) -> Vec<InputError> {
    let mut errors = Vec::new();
    if !inventory.sources.compose.is_empty() {
        match compose::observe(inventory, defaults) {
            Ok(observed) => observations.compose = Some(observed),
            Err(mut problems) => errors.append(&mut problems),
        }
    }
    if !inventory.sources.code.is_empty() {
        observations.code = Some(code::observe(inventory));
    }
    errors
}

/// What could not be read, as errors for stderr.
pub fn gap_errors(observations: &Observations) -> Vec<InputError> {
    let gaps = observations
        .compose
        .iter()
        .flat_map(|c| c.gaps.iter().map(|g| (Code::ComposeNotVerified, g)))
        .chain(
            observations
                .code
                .iter()
                .flat_map(|c| c.gaps.iter().map(|g| (Code::CodeNotVerified, g))),
        );
    gaps.map(|(code, gap)| {
        InputError::new(code, gap.problem.clone())
            .at(gap.location.clone())
            .help("make the file readable or fix the path under `sources:`, then run again")
    })
    .collect()
}
