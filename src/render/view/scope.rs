//! The report's header: the scope of the audit (the inventory's `system:`),
//! the title it gives the report, empty sign-off fields for the reviewer to
//! fill in on paper, and the evidence digest that ties a signature to the
//! exact inventory and rules judged.

use serde::Serialize;

use super::evidence::Evidence;
use crate::inventory::model::Inventory;

/// The title of a report whose inventory names no system.
pub const DEFAULT_TITLE: &str = "Secrets compliance report";

#[derive(Debug, Serialize)]
pub struct ScopeView {
    /// "Secrets compliance report: NAME", or the default title.
    pub title: String,
    /// `system.name`.
    pub name: Option<String>,
    pub description: Option<String>,
    pub owners: Vec<String>,
    /// The environments the audit covers; empty means every declared one.
    pub environments_in_scope: Vec<String>,
    /// Every declared environment, for "all environments" when
    /// `environments_in_scope` is empty.
    pub environments: Vec<String>,
    pub reviewer: Option<String>,
    /// Empty fields to fill in when signing.
    pub sign_off: SignOff,
    /// The policy set's SHA-256 (as in the audit evidence).
    pub policy_set_sha256: String,
    /// SHA-256 of the `sha256sum`-style lines `<hex>  <file>\n` of every
    /// inventory file, in load order.
    pub inventory_sha256: String,
}

/// The sign-off fields, empty: filled in by hand on the printed report.
#[derive(Debug, Serialize)]
pub struct SignOff {
    pub reviewer: Option<String>,
    pub date: Option<String>,
    pub decision: Option<String>,
}

pub(super) fn scope(inventory: &Inventory, evidence: &Evidence) -> ScopeView {
    let system = inventory.system.as_ref();
    let name = system.and_then(|s| s.name.clone());
    let listing: String = evidence
        .inventory_files
        .iter()
        .map(|f| format!("{}  {}\n", f.sha256, f.file))
        .collect();
    let inventory_sha256 = {
        use sha2::Digest;
        crate::source::hex(&sha2::Sha256::digest(listing.as_bytes()))
    };
    ScopeView {
        title: match &name {
            Some(name) => format!("{DEFAULT_TITLE}: {name}"),
            None => DEFAULT_TITLE.to_owned(),
        },
        name,
        description: system.and_then(|s| s.description.clone()),
        owners: system.map(|s| s.owners.clone()).unwrap_or_default(),
        environments_in_scope: system
            .map(|s| s.environments_in_scope.clone())
            .unwrap_or_default(),
        environments: inventory.environments.keys().cloned().collect(),
        reviewer: system.and_then(|s| s.reviewer.clone()),
        sign_off: SignOff {
            reviewer: None,
            date: None,
            decision: None,
        },
        policy_set_sha256: evidence.policy_set_sha256.clone(),
        inventory_sha256,
    }
}
