//! The audit evidence: what the report was made from (inventory and policy
//! files with their SHA-256 digests, the IAM snapshot, the secret stores,
//! the values observed, the rule packs and their commits) and the waiver
//! ledger.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{generated_at, tool, Tool, ViewContext, WaiverView};
use crate::findings::{Report, Severity};
use crate::inventory::model::Inventory;
use crate::policy::RuleSet;
use crate::source::{hex, SourceTexts};

/// Which values a run observed, for the audit evidence: environments read
/// on this machine, the fingerprint key's id and the merged fingerprint files.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ValuesEvidence {
    /// Environments whose values were read in this run (`--env`).
    pub read: Vec<String>,
    /// The id of the fingerprint key (never the key).
    pub key_id: String,
    /// Whether the key was random, for this run only.
    pub random_key: bool,
    /// Fingerprint files merged (`--fingerprints`), by environment.
    pub fingerprint_files: Vec<FingerprintFileEvidence>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FingerprintFileEvidence {
    pub environment: String,
    pub file: String,
    /// SHA-256 of the file as read (filled in by [`build`]).
    pub sha256: String,
}

/// Where an IAM snapshot came from, for the audit evidence.
#[derive(Debug, Clone, Serialize)]
pub struct IamEvidence {
    pub account: String,
    pub collected_at: String,
    pub source: String,
}

/// Which secret stores a run read, for the audit evidence.
#[derive(Debug, Clone, Serialize)]
pub struct StoresEvidence {
    /// The regions read, sorted.
    pub regions: Vec<String>,
    /// Secrets Manager secrets and SSM parameters read.
    pub secrets: usize,
    pub parameters: usize,
    /// The snapshot file, or `live account`.
    pub source: String,
}

#[derive(Debug, Serialize)]
pub struct Evidence {
    pub generated_at: Option<String>,
    pub now: String,
    pub tool: Tool,
    pub inventory_files: Vec<FileDigest>,
    pub policy_files: Vec<FileDigest>,
    /// SHA-256 of the `sha256sum`-style lines `<hex>  <file>\n` of every
    /// policy file, sorted by file name.
    pub policy_set_sha256: String,
    pub iam: IamView,
    /// The secret stores read; `None`: not checked.
    pub stores: Option<StoresEvidence>,
    /// Values observed; `None`: not checked.
    pub values: Option<ValuesEvidence>,
    /// The rule packs, each with its source, commit and files' SHA-256.
    pub packs: Vec<crate::packs::Pack>,
    pub waivers: Vec<WaiverView>,
    /// The rule settings in force: rules re-graded or switched off.
    pub overrides: Vec<OverrideView>,
}

/// A rule setting in force, as the report lists it.
#[derive(Debug, Serialize)]
pub struct OverrideView {
    pub rule: String,
    pub from: Severity,
    /// `None`: switched off.
    pub to: Option<Severity>,
    pub reason: String,
    pub owner: String,
    pub location: String,
}

#[derive(Debug, Serialize)]
pub struct FileDigest {
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Serialize)]
pub struct IamView {
    pub checked: bool,
    pub account: Option<String>,
    pub collected_at: Option<String>,
    pub source: Option<String>,
}

pub(super) fn evidence(
    inventory: &Inventory,
    report: &Report,
    rules: &RuleSet,
    texts: &SourceTexts,
    context: &ViewContext,
) -> Evidence {
    let digest = |file: &str| FileDigest {
        file: file.to_owned(),
        sha256: texts.sha256(file).unwrap_or_default(),
    };
    let inventory_files = inventory.files.iter().map(|f| digest(f)).collect();
    // The packs' settings files change verdicts as much as their rules do.
    let policy_names: BTreeSet<&str> = rules
        .rules
        .values()
        .map(|r| &*r.location.file)
        .chain(rules.pack_settings.iter().map(|s| &*s.location.file))
        .collect();
    let policy_files: Vec<FileDigest> = policy_names.into_iter().map(digest).collect();
    let listing: String = policy_files
        .iter()
        .map(|f| format!("{}  {}\n", f.sha256, f.file))
        .collect();
    let policy_set_sha256 = {
        use sha2::Digest;
        hex(&sha2::Sha256::digest(listing.as_bytes()))
    };
    let waivers = report
        .waivers
        .iter()
        .map(|w| WaiverView {
            rule: w.rule.clone(),
            entity: w.entity.to_string(),
            environment: w.environment.clone(),
            principal: w.principal.as_ref().map(ToString::to_string),
            reason: w.reason.clone(),
            owner: w.owner.clone(),
            expires: w.expires.to_string(),
            location: format!("{}:{}", w.location.file, w.location.line),
            state: w.state,
            matched: w.matched,
        })
        .collect();
    let overrides = rules
        .overrides
        .iter()
        .map(|o| OverrideView {
            rule: o.setting.rule.clone(),
            from: o.from,
            to: o.to(),
            reason: o.setting.reason.clone(),
            owner: o.setting.owner.clone(),
            location: format!("{}:{}", o.setting.location.file, o.setting.location.line),
        })
        .collect();
    Evidence {
        overrides,
        generated_at: generated_at(context.generated_at),
        now: context.now.to_string(),
        tool: tool(),
        inventory_files,
        policy_files,
        policy_set_sha256,
        iam: match &context.iam {
            Some(iam) => IamView {
                checked: true,
                account: Some(iam.account.clone()),
                collected_at: Some(iam.collected_at.clone()),
                source: Some(iam.source.clone()),
            },
            None => IamView {
                checked: false,
                account: None,
                collected_at: None,
                source: None,
            },
        },
        stores: context.stores.clone(),
        values: context.values.clone().map(|mut values| {
            for file in &mut values.fingerprint_files {
                file.sha256 = texts.sha256(&file.file).unwrap_or_default();
            }
            values
        }),
        packs: context.packs.clone(),
        waivers,
    }
}
