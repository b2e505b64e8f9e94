//! Which store items a live collection reads in full (resource policy and
//! current version), and which `String` parameters and regions it reads:
//! what the inventory answers for (`settings.stores`) and what its
//! instances reference.

use std::collections::BTreeSet;

use super::snapshot::StoredSecret;
use crate::inventory::model::{Backend, Inventory, StoreSettings};

/// Which store items the inventory answers for.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The secrets whose resource policy and versions are read.
    pub settings: StoreSettings,
    /// The `String`/`StringList` parameters kept; `None`: all of them.
    pub parameters: Option<BTreeSet<String>>,
    /// Regions the inventory's AWS store instances name (`region:`, or an
    /// ARN's): read as well as `--region`'s, so that a check never leaves
    /// a declared secret unread for want of a flag.
    pub regions: BTreeSet<String>,
    /// The Secrets Manager names and ARNs instances reference: read in full
    /// even outside `settings`, since who can read a declared secret is
    /// judged whatever the scope (a resource policy left unread would hide
    /// its readers).
    pub secrets: BTreeSet<String>,
}

impl Scope {
    /// The scope of `inventory`: its `settings.stores`, and the names its
    /// `aws_ssm_parameter` instances reference (an ARN's name, with and
    /// without the leading `/` AWS drops from it).
    pub fn of(inventory: &Inventory) -> Scope {
        let mut names = BTreeSet::new();
        let instances = inventory
            .secrets
            .values()
            .flat_map(|s| s.instances.values());
        let regions = instances
            .clone()
            .filter(|i| {
                matches!(
                    i.backend,
                    Backend::AwsSecretsManager | Backend::AwsSsmParameter
                )
            })
            .filter_map(|i| {
                let by_arn = i
                    .reference
                    .as_deref()
                    .filter(|r| r.starts_with("arn:"))
                    .and_then(|r| r.split(':').nth(3))
                    .filter(|r| !r.is_empty());
                by_arn.map(str::to_owned).or_else(|| i.region.clone())
            })
            .collect();
        for instance in instances.filter(|i| i.backend == Backend::AwsSsmParameter) {
            let Some(reference) = instance.reference.as_deref() else {
                continue;
            };
            match reference.split_once(":parameter/") {
                Some((_, name)) if reference.starts_with("arn:") => {
                    names.insert(name.to_owned());
                    names.insert(format!("/{name}"));
                }
                _ => {
                    names.insert(reference.to_owned());
                }
            }
        }
        let secrets = inventory
            .secrets
            .values()
            .flat_map(|s| s.instances.values())
            .filter(|i| i.backend == Backend::AwsSecretsManager)
            .filter_map(|i| i.reference.as_deref())
            .map(|r| r.trim().to_owned())
            .collect();
        Scope {
            settings: inventory.settings.stores.clone(),
            parameters: Some(names),
            regions,
            secrets,
        }
    }

    /// Whether `secret`'s resource policy and versions are read: it is in
    /// `settings`' scope, or an instance references it (by name, ARN, or
    /// ARN without AWS's six-character suffix).
    pub fn reads_in_full(&self, secret: &StoredSecret) -> bool {
        let referenced = || {
            self.secrets.contains(&secret.name)
                || self.secrets.contains(&secret.arn)
                || secret
                    .arn
                    .rsplit_once('-')
                    .is_some_and(|(head, _)| self.secrets.contains(head))
        };
        self.settings.in_scope(
            &secret.name,
            secret.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        ) || referenced()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn secret(name: &str, tags: &[(&str, &str)]) -> StoredSecret {
        StoredSecret {
            name: name.to_owned(),
            arn: format!("arn:aws:secretsmanager:eu-west-1:123456789012:secret:{name}-AbCdEf"),
            rotation_enabled: None,
            rotation_days: None,
            rotation_schedule: None,
            created: None,
            last_rotated: None,
            last_changed: None,
            last_accessed: None,
            next_rotation: None,
            current_version_created: None,
            kms_key_id: None,
            tags: tags
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
            owning_service: None,
            resource_policy: None,
        }
    }

    #[test]
    fn referenced_secrets_are_read_in_full_outside_the_scope() {
        let scope = Scope {
            settings: StoreSettings {
                prefixes: vec!["prod/".to_owned()],
                tags: vec![("team".to_owned(), "pay".to_owned())],
                unused_max_days: 90,
            },
            secrets: BTreeSet::from([
                "legacy/db".to_owned(),
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shared/key".to_owned(),
            ]),
            ..Scope::default()
        };
        assert!(scope.reads_in_full(&secret("prod/a", &[])));
        assert!(scope.reads_in_full(&secret("x", &[("team", "pay")])));
        assert!(scope.reads_in_full(&secret("legacy/db", &[])));
        assert!(scope.reads_in_full(&secret("shared/key", &[])));
        assert!(!scope.reads_in_full(&secret("other/x", &[("team", "ops")])));
        // No scope at all: everything.
        assert!(Scope::default().reads_in_full(&secret("other/x", &[])));
    }
}
