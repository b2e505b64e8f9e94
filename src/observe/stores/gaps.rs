//! The parts of the secret stores that could not be read, as error
//! findings (`stores-not-verified`): a region whose `ListSecrets` was
//! denied is not a region without secrets, so a check that could not look
//! never passes. The command line also prints each gap on stderr and exits 2.

use std::sync::Arc;

use crate::entities::{uid, INVENTORY_ID};
use crate::findings::{Finding, Severity};
use crate::source::Location;

use super::Stores;

/// The rule id of findings for store checks that could not run.
pub const STORES_NOT_VERIFIED: &str = "stores-not-verified";

/// One error finding per gap of `stores`.
pub fn gap_findings(stores: &Stores) -> Vec<Finding> {
    stores
        .not_collected
        .iter()
        .map(|gap| {
            let what = match &gap.item {
                Some(item) => format!("the readers of `{item}`"),
                None => gap.store.affects().to_owned(),
            };
            let message = format!(
                "not verified in `{}`: {what} ({} failed: {}; it needs `{}`)",
                gap.region, gap.call, gap.problem, gap.permission
            );
            // Located at the store of the region, as IAM findings are at the account.
            let at: Arc<str> = Arc::from(format!(
                "aws:{}:{}{}",
                gap.store.service(),
                gap.region,
                gap.item
                    .as_deref()
                    .map(|item| format!(":{item}"))
                    .unwrap_or_default()
            ));
            Finding::new(
                STORES_NOT_VERIFIED,
                Severity::Error,
                message,
                Location::file_start(&at),
            )
            .entity(uid("Inventory", INVENTORY_ID))
            .remediation(format!(
                "grant `{}` (see the read-only IAM policy in the README) or fix the cause, then run again",
                gap.permission
            ))
        })
        .collect()
}
