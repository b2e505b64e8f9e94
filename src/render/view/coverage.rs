//! The score and the facts behind each checklist item: "N of M checklist
//! items pass", and which facts an item could not judge because the
//! inventory leaves a value `unknown`.
//!
//! The score counts every item except the not-applicable ones (no fact to
//! judge): not-checked, incomplete and disabled items are in M and never in
//! N, so observing less can never raise the score. A waived item (every
//! finding of it waived) counts as passing: a waiver is an owned, dated
//! acceptance on the ledger, and the item is shown as "pass with waivers".
//!
//! An "unknown" fact is defined per built-in rule, as simple as the rule
//! reads it (see [`unknown_facts`]); user rules have none, so their items
//! are never incomplete.

use std::collections::BTreeMap;

use serde::Serialize;

use super::checklist::{ChecklistItem, ChecklistStatus, Unknown};
use crate::inventory::model::Inventory;
use crate::inventory::raw::{Classification, Tier};

/// Unknown facts by rule id:
///
/// - `unencrypted-at-rest`: an instance in scope of the rule (a secret that
///   is not public, in an environment that is not development) with
///   `encryption: unknown`;
/// - `rotation-overdue`: an instance outside development of a secret with a
///   rotation period but no `last_rotated`, whose age, and so whether it is
///   overdue, is unknown.
///
/// Development environments are left out of both, as the rules exempt them
/// or the audit does not ask for their evidence.
pub(super) fn unknown_facts(inventory: &Inventory) -> BTreeMap<&'static str, Unknown> {
    let mut encryption = 0;
    let mut rotation = 0;
    for secret in inventory.secrets.values() {
        for (env, instance) in &secret.instances {
            let development = inventory
                .environments
                .get(env)
                .is_some_and(|e| e.tier == Tier::Development);
            if instance.encryption == "unknown"
                && !development
                && secret.classification != Classification::Public
            {
                encryption += 1;
            }
            if secret.rotation.period.is_some() && instance.last_rotated.is_none() && !development {
                rotation += 1;
            }
        }
    }
    let mut unknown = BTreeMap::new();
    if encryption > 0 {
        unknown.insert(
            "unencrypted-at-rest",
            Unknown {
                count: encryption,
                what: "instances with encryption `unknown`",
            },
        );
    }
    if rotation > 0 {
        unknown.insert(
            "rotation-overdue",
            Unknown {
                count: rotation,
                what: "instances outside development with a rotation period but no `last_rotated`",
            },
        );
    }
    unknown
}

/// "N of M checklist items pass", with the count of each state.
#[derive(Debug, Serialize)]
pub struct Score {
    /// N: items that pass (waived items included).
    pub pass: usize,
    /// M: every item except the not-applicable ones.
    pub total: usize,
    /// Of N, the items that pass only because findings are waived.
    pub waived: usize,
    pub fail: usize,
    pub incomplete: usize,
    pub not_checked: usize,
    pub disabled: usize,
    /// Items with no fact to judge: outside M.
    pub not_applicable: usize,
}

pub(super) fn score(items: &[ChecklistItem]) -> Score {
    let count = |status: ChecklistStatus| items.iter().filter(|i| i.status == status).count();
    let waived = count(ChecklistStatus::Waived);
    let not_applicable = count(ChecklistStatus::NotApplicable);
    Score {
        pass: count(ChecklistStatus::Pass) + waived,
        total: items.len() - not_applicable,
        waived,
        fail: count(ChecklistStatus::Fail),
        incomplete: count(ChecklistStatus::Incomplete),
        not_checked: count(ChecklistStatus::NotChecked),
        disabled: count(ChecklistStatus::Disabled),
        not_applicable,
    }
}
