//! The secret stores part of an AWS snapshot (format version 2): per
//! region, the Secrets Manager secrets and the SSM parameters of the
//! account, as metadata only.
//!
//! No value is ever read: the collection calls `ListSecrets`,
//! `GetResourcePolicy`, `ListSecretVersionIds` and `DescribeParameters`,
//! whose answers hold names, dates, key ids, tags and policies, never a
//! secret. Dates are RFC 3339 in UTC, as in the IAM part.
//!
//! A part that could not be read is absent (`null`) and named in
//! `not_collected`, never an empty list: a region whose `ListSecrets` was
//! denied is not a region without secrets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The secret stores of one account, per region.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stores {
    /// One entry per region read, sorted by region.
    #[serde(default)]
    pub regions: Vec<RegionStores>,
    /// What could not be read, and why.
    #[serde(default)]
    pub not_collected: Vec<StoreGap>,
}

/// The stores of one region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionStores {
    /// e.g. `eu-west-1`.
    pub region: String,
    /// The Secrets Manager secrets (`ListSecrets`); `null` when not collected.
    pub secrets_manager: Option<Vec<StoredSecret>>,
    /// The SSM parameters (`DescribeParameters`): every `SecureString`, and
    /// the `String` and `StringList` parameters an instance references;
    /// `null` when not collected.
    pub ssm: Option<Vec<Parameter>>,
}

/// One Secrets Manager secret, from `ListSecrets` (and, for its resource
/// policy and current version, `GetResourcePolicy` and
/// `ListSecretVersionIds`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredSecret {
    pub name: String,
    pub arn: String,
    /// `RotationEnabled`; `null` when the answer did not say.
    #[serde(default)]
    pub rotation_enabled: Option<bool>,
    /// The rotation interval in days (`RotationRules.AutomaticallyAfterDays`,
    /// or the longest interval of a `ScheduleExpression`).
    #[serde(default)]
    pub rotation_days: Option<i64>,
    /// `RotationRules.ScheduleExpression` as AWS wrote it.
    #[serde(default)]
    pub rotation_schedule: Option<String>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub last_rotated: Option<String>,
    /// Changed for any edit (a tag, a description): never a rotation date.
    #[serde(default)]
    pub last_changed: Option<String>,
    /// AWS records the day only.
    #[serde(default)]
    pub last_accessed: Option<String>,
    #[serde(default)]
    pub next_rotation: Option<String>,
    /// The creation date of the `AWSCURRENT` version (`ListSecretVersionIds`),
    /// read only when rotation is not configured; `null` otherwise or when
    /// not collected.
    #[serde(default)]
    pub current_version_created: Option<String>,
    /// `KmsKeyId`; `null` means the AWS-managed key `aws/secretsmanager`.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The AWS service that manages the secret (e.g. `rds`), if any.
    #[serde(default)]
    pub owning_service: Option<String>,
    /// The secret's resource policy (decoded JSON); `null` when it has
    /// none or when it was not collected (then `not_collected` names it).
    #[serde(default)]
    pub resource_policy: Option<Value>,
}

/// One SSM parameter, from `DescribeParameters`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    pub name: String,
    /// `arn:aws:ssm:REGION:ACCOUNT:parameter/NAME` (built from the answer's
    /// `ARN`, or from the region, the account and the name).
    pub arn: String,
    /// `String`, `StringList` or `SecureString`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The KMS key of a `SecureString` (`alias/aws/ssm` is AWS-managed).
    #[serde(default)]
    pub key_id: Option<String>,
    #[serde(default)]
    pub last_modified: Option<String>,
    #[serde(default)]
    pub version: Option<i64>,
    /// The parameter's policies (expiration, notifications), as AWS wrote them.
    #[serde(default)]
    pub policies: Vec<String>,
}

/// A part of the stores that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreGap {
    pub region: String,
    /// `secrets_manager` or `ssm`.
    pub store: StoreKind,
    /// The call that failed, e.g. `ListSecrets`.
    pub call: String,
    /// The permission it needs, e.g. `secretsmanager:ListSecrets`.
    pub permission: String,
    /// For a per-secret call: the secret's name.
    #[serde(default)]
    pub item: Option<String>,
    /// What went wrong (the AWS error code and message, or the timeout).
    pub problem: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreKind {
    SecretsManager,
    Ssm,
}

impl StoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::SecretsManager => "secrets_manager",
            StoreKind::Ssm => "ssm",
        }
    }

    /// The IAM service prefix of its actions.
    pub fn service(self) -> &'static str {
        match self {
            StoreKind::SecretsManager => "secretsmanager",
            StoreKind::Ssm => "ssm",
        }
    }

    /// What cannot be verified without it, for messages.
    pub fn affects(self) -> &'static str {
        match self {
            StoreKind::SecretsManager => {
                "Secrets Manager rotation, use, encryption, undeclared secrets and readers"
            }
            StoreKind::Ssm => "SSM parameter dates, encryption, undeclared parameters and readers",
        }
    }
}

impl StoreGap {
    pub fn new(
        region: &str,
        store: StoreKind,
        call: &str,
        item: Option<&str>,
        problem: String,
    ) -> StoreGap {
        StoreGap {
            region: region.to_owned(),
            store,
            call: call.to_owned(),
            permission: format!("{}:{call}", store.service()),
            item: item.map(str::to_owned),
            problem,
        }
    }
}

impl Stores {
    /// Sorts every list so that the same account state gives the same bytes.
    pub fn normalize(&mut self) {
        self.regions.sort_by(|a, b| a.region.cmp(&b.region));
        for region in &mut self.regions {
            if let Some(secrets) = &mut region.secrets_manager {
                secrets.sort_by(|a, b| a.name.cmp(&b.name).then(a.arn.cmp(&b.arn)));
            }
            if let Some(parameters) = &mut region.ssm {
                parameters.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
        self.not_collected.sort_by(|a, b| {
            (&a.region, a.store, &a.call, &a.item, &a.problem)
                .cmp(&(&b.region, b.store, &b.call, &b.item, &b.problem))
        });
    }

    /// The region entry for `region`.
    pub fn region(&self, region: &str) -> Option<&RegionStores> {
        self.regions.iter().find(|r| r.region == region)
    }
}
