//! The parts of the secret stores that could not be read, as error
//! findings (`stores-not-verified`): a region whose `ListSecrets` was
//! denied is not a region without secrets, so a check that could not look
//! never passes. The command line also prints each gap on stderr and exits 2.

use std::sync::Arc;

use crate::entities::{uid, INVENTORY_ID};
use crate::findings::{Finding, Severity};
use crate::source::Location;

use super::{StoreGap, Stores};

/// What `gap` leaves unverified, for messages.
pub fn unverified(gap: &StoreGap) -> String {
    match (&gap.item, gap.call.as_str()) {
        (Some(item), "ListSecretVersionIds") => {
            format!("the date of the current value of `{item}`")
        }
        (Some(item), _) => format!("the readers of `{item}`"),
        (None, _) => gap.store.affects().to_owned(),
    }
}

/// The rule id of findings for store checks that could not run.
pub const STORES_NOT_VERIFIED: &str = "stores-not-verified";

/// One error finding per gap of `stores`.
pub fn gap_findings(stores: &Stores) -> Vec<Finding> {
    stores
        .not_collected
        .iter()
        .map(|gap| {
            let what = unverified(gap);
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
                "grant `{}` (see the read-only IAM policy in docs/src/live-iam.md) or fix the cause, then run again",
                gap.permission
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::stores::StoreKind;

    #[test]
    fn each_gap_is_an_error_finding_naming_the_call_and_permission() {
        let stores = Stores {
            regions: Vec::new(),
            not_collected: vec![
                StoreGap::new(
                    "eu-west-1",
                    StoreKind::SecretsManager,
                    "GetResourcePolicy",
                    Some("prod/db"),
                    "AccessDeniedException: no".to_owned(),
                ),
                StoreGap::new(
                    "eu-west-1",
                    StoreKind::SecretsManager,
                    "ListSecretVersionIds",
                    Some("prod/db"),
                    "ThrottlingException: slow".to_owned(),
                ),
                StoreGap::new(
                    "us-east-1",
                    StoreKind::Ssm,
                    "DescribeParameters",
                    None,
                    "x".to_owned(),
                ),
            ],
        };
        let findings = gap_findings(&stores);
        assert_eq!(findings.len(), 3);
        assert!(findings
            .iter()
            .all(|f| f.rule == STORES_NOT_VERIFIED && f.severity == Severity::Error));
        assert!(findings[0].message.contains("the readers of `prod/db`"));
        assert!(findings[0]
            .message
            .contains("`secretsmanager:GetResourcePolicy`"));
        assert!(findings[1]
            .message
            .contains("the date of the current value"));
        assert!(findings[2].message.contains("SSM parameter dates"));
        assert!(findings[2].message.contains("`ssm:DescribeParameters`"));
    }
}
