//! The secret stores as Cedar entities and facts, matched with the
//! inventory.
//!
//! An instance with backend `aws_secrets_manager` or `aws_ssm_parameter`
//! is matched to a store item by its `reference`: an ARN (a Secrets Manager
//! ARN may leave out AWS's six-character suffix), or a name, looked up in
//! the instance's `region`, else in every region read. A matched instance
//! gets `store_*` attributes ([`instance_attrs`]), and the store's date of
//! its current value replaces the declared `last_rotated`, so
//! `rotation-overdue` judges what the store says:
//!
//! - Secrets Manager: `LastRotatedDate` when rotation is configured, else
//!   the creation date of the `AWSCURRENT` version, else the secret's
//!   creation date (the oldest the current value can be). Never
//!   `LastChangedDate`: a tag or a description changes it;
//! - SSM: `LastModifiedDate`.
//!
//! When the store gives no date the instance says so (`store_date_known`)
//! and keeps its declared date, never a fresh one.
//!
//! The account's own items are judged in a chunk of their own, by the
//! `AwsAccount` principal (`observe`): every Secrets Manager secret and
//! `SecureString` parameter (`StoreItem`, for undeclared ones), each
//! principal that may read a matched secret its `readers` do not allow
//! (`StoreAccess`), and each principal that may read every secret of a
//! store (`StoreReader`). Reads that IAM allows to a service's identity also
//! become `read` facts ([`observed_reads`]), so rules about reads judge
//! live access as well as declared reads.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use cedar_policy::EntityUid;
use jiff::civil::Date;
use jiff::Timestamp;

use super::readers::{Grant, PrincipalKind, Readers};
use super::snapshot::{Parameter, StoreKind, StoredSecret, Stores};
use crate::entities::data::{
    boolean, entity_ref, entity_set, long, set, string, AttrValue, AttrsBuilder, EntityData,
};
use crate::entities::{instance_uid, uid, Action, Fact, Observed, ObservedSource};
use crate::inventory::model::{Backend, Identity, Instance, Inventory};
use crate::observe::iam::facts::{account_id, days_since, declaring_identity};
use crate::observe::iam::Snapshot;
use crate::source::Location;

/// What the stores add to the plan.
#[derive(Default)]
pub struct StoreFacts {
    /// The account's items, judged in a chunk of their own.
    pub entities: Vec<EntityData>,
    pub facts: Vec<Fact>,
    /// Observed attributes of matched instances.
    pub instance_attrs: Vec<(EntityUid, Vec<(&'static str, AttrValue)>)>,
    /// The store's date of each matched instance's current value, by
    /// (secret id, environment).
    pub rotated: BTreeMap<(String, String), Date>,
    /// Reads IAM allows to a service's identity, with the secret's id.
    pub reads: Vec<(String, Fact)>,
}

/// A store item an instance names.
#[derive(Clone, Copy)]
enum Item<'a> {
    Secret(&'a StoredSecret),
    Parameter(&'a Parameter),
}

impl<'a> Item<'a> {
    fn arn(self) -> &'a str {
        match self {
            Item::Secret(s) => &s.arn,
            Item::Parameter(p) => &p.arn,
        }
    }
}

/// How an instance's reference resolved.
enum Lookup<'a> {
    Found(Item<'a>),
    /// Every region it could be in was read: it does not exist.
    Missing,
    /// A region it could be in was not read (or its store not collected).
    Unknown(Option<String>),
}

/// A Secrets Manager ARN without AWS's `-xxxxxx` suffix.
fn without_suffix(arn: &str) -> &str {
    match arn.rsplit_once('-') {
        Some((head, tail))
            if tail.len() == 6 && tail.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            head
        }
        _ => arn,
    }
}

fn lookup<'a>(stores: &'a Stores, instance: &Instance) -> Option<Lookup<'a>> {
    let store = match instance.backend {
        Backend::AwsSecretsManager => StoreKind::SecretsManager,
        Backend::AwsSsmParameter => StoreKind::Ssm,
        _ => return None,
    };
    let reference = instance.reference.as_deref()?.trim();
    let by_arn = reference.starts_with("arn:");
    let region = if by_arn {
        reference.split(':').nth(3).map(str::to_owned)
    } else {
        instance.region.clone()
    };
    let regions: Vec<_> = match &region {
        Some(region) => match stores.region(region) {
            Some(entry) => vec![entry],
            None => return Some(Lookup::Unknown(Some(region.clone()))),
        },
        None => stores.regions.iter().collect(),
    };
    let mut unknown = false;
    for entry in regions {
        let found = match store {
            StoreKind::SecretsManager => match &entry.secrets_manager {
                None => {
                    unknown = true;
                    None
                }
                Some(secrets) => secrets
                    .iter()
                    .find(|s| {
                        if by_arn {
                            s.arn == reference || without_suffix(&s.arn) == reference
                        } else {
                            s.name == reference
                        }
                    })
                    .map(Item::Secret),
            },
            StoreKind::Ssm => match &entry.ssm {
                None => {
                    unknown = true;
                    None
                }
                Some(parameters) => parameters
                    .iter()
                    .find(|p| {
                        if by_arn {
                            p.arn == reference
                        } else {
                            p.name == reference
                        }
                    })
                    .map(Item::Parameter),
            },
        };
        if let Some(item) = found {
            return Some(Lookup::Found(item));
        }
    }
    Some(if unknown || stores.regions.is_empty() {
        Lookup::Unknown(region)
    } else {
        Lookup::Missing
    })
}

fn date_of(time: Option<&str>) -> Option<Date> {
    Some(
        time?
            .parse::<Timestamp>()
            .ok()?
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date(),
    )
}

/// Whether a KMS key id names the AWS-managed key of the store.
fn aws_managed_key(key: Option<&str>, store: StoreKind) -> bool {
    let alias = match store {
        StoreKind::SecretsManager => "alias/aws/secretsmanager",
        StoreKind::Ssm => "alias/aws/ssm",
    };
    key.is_none_or(|k| k == alias || k.ends_with(&format!(":{alias}")))
}

/// The `store_*` attributes of a matched instance, and the store's date of
/// its current value.
fn matched_attrs(
    item: Item<'_>,
    declared: Option<Date>,
    now: Date,
    unused_max_days: i64,
) -> (Vec<(&'static str, AttrValue)>, Option<Date>) {
    let mut attrs = vec![("store_found", boolean(true))];
    let observed = match item {
        Item::Secret(secret) => {
            attrs.push(("store_item", string(&secret.name)));
            // An answer without `RotationEnabled` is a secret without rotation.
            let enabled = secret.rotation_enabled.unwrap_or(false);
            attrs.push(("store_rotation_enabled", boolean(enabled)));
            if let Some(days) = secret.rotation_days {
                attrs.push(("store_rotation_days", long(days)));
            }
            let since = secret
                .last_accessed
                .as_deref()
                .or(secret.created.as_deref());
            if let Some(days) = days_since(since, now) {
                attrs.push(("store_days_unused", long(days)));
                attrs.push(("store_unused_max_days", long(unused_max_days)));
            }
            let kms = if aws_managed_key(secret.kms_key_id.as_deref(), StoreKind::SecretsManager) {
                "aws-managed"
            } else {
                "customer-managed"
            };
            attrs.push(("store_kms", string(kms)));
            enabled
                .then(|| date_of(secret.last_rotated.as_deref()))
                .flatten()
                .or_else(|| date_of(secret.current_version_created.as_deref()))
                .or_else(|| date_of(secret.created.as_deref()))
        }
        Item::Parameter(parameter) => {
            attrs.push(("store_item", string(&parameter.name)));
            let kms = if parameter.kind != "SecureString" {
                "none"
            } else if aws_managed_key(parameter.key_id.as_deref(), StoreKind::Ssm) {
                "aws-managed"
            } else {
                "customer-managed"
            };
            attrs.push(("store_kms", string(kms)));
            date_of(parameter.last_modified.as_deref())
        }
    };
    attrs.push(("store_date_known", boolean(observed.is_some())));
    if let (Some(declared), Some(observed)) = (declared, observed) {
        let drift = i64::from(declared.until(observed).map(|s| s.get_days()).unwrap_or(0));
        attrs.push(("store_date_drift_days", long(drift.abs())));
        attrs.push(("declared_last_rotated", string(declared.to_string())));
    }
    (attrs, observed)
}

fn arn_location(arn: &str) -> Location {
    Location::file_start(&Arc::<str>::from(arn))
}

/// The inventory identity of a principal, when it is a user or role of
/// the account.
fn identity_of<'a>(
    inventory: &'a Inventory,
    iam: Option<&Snapshot>,
    grant: &Grant,
) -> Option<&'a Identity> {
    let user = match grant.principal.kind {
        PrincipalKind::User => true,
        PrincipalKind::Role => false,
        _ => return None,
    };
    let account = iam.and_then(|s| s.account_id.as_deref());
    declaring_identity(
        inventory,
        account,
        user,
        &grant.principal.name,
        &grant.principal.arn,
    )
}

fn reader_label(grant: &Grant, identity: Option<&Identity>) -> String {
    match identity {
        Some(identity) => format!("{} (identity `{}`)", grant.principal.label(), identity.name),
        None if matches!(
            grant.principal.kind,
            PrincipalKind::User | PrincipalKind::Role
        ) =>
        {
            format!("{} (undeclared)", grant.principal.label())
        }
        None => grant.principal.label(),
    }
}

fn grant_text(grant: &Grant) -> String {
    format!("statement {} of {}", grant.statement, grant.policy)
}

/// Builds the stores' entities and facts, and what they add to the
/// inventory's instances, as of `now`. `iam` is the account's IAM state,
/// for who can read each secret (none: readers are not judged).
pub fn build(
    inventory: &Inventory,
    stores: &Stores,
    iam: Option<&Snapshot>,
    readers: &Readers,
    now: Date,
) -> StoreFacts {
    let settings = &inventory.settings.stores;
    let account = iam.map(account_id).unwrap_or_else(|| "unknown".to_owned());
    let account_uid = uid("AwsAccount", &account);
    let mut out = StoreFacts::default();
    // The principal of this chunk's facts (the IAM chunk holds its own).
    out.entities.push(
        AttrsBuilder::default()
            .set("id", string(&account))
            .set("missing_identities", set(std::iter::empty()))
            .entity(account_uid.clone()),
    );
    let observe = |resource: EntityUid, subject: EntityUid, location: Location| Fact {
        action: Action::Observe,
        principal: account_uid.clone(),
        resource,
        environment: None,
        subject,
        environment_name: None,
        counterpart: None,
        location,
        observed: None,
    };

    // Instances: match, attributes, dates; and which secret each item holds.
    let mut declared_arns: BTreeSet<&str> = BTreeSet::new();
    let mut holders: BTreeMap<&str, Vec<(&str, &str, &Location)>> = BTreeMap::new();
    for secret in inventory.secrets.values() {
        for (env, instance) in &secret.instances {
            let Some(found) = lookup(stores, instance) else {
                continue;
            };
            let key = instance_uid(&secret.id, env);
            match found {
                Lookup::Found(item) => {
                    declared_arns.insert(item.arn());
                    holders.entry(item.arn()).or_default().push((
                        secret.id.as_str(),
                        env.as_str(),
                        &instance.location,
                    ));
                    let (attrs, observed) =
                        matched_attrs(item, instance.last_rotated, now, settings.unused_max_days);
                    if let Some(date) = observed {
                        out.rotated.insert((secret.id.clone(), env.clone()), date);
                    }
                    out.instance_attrs.push((key, attrs));
                }
                Lookup::Missing => out
                    .instance_attrs
                    .push((key, vec![("store_found", boolean(false))])),
                Lookup::Unknown(Some(region)) if stores.region(&region).is_none() => out
                    .instance_attrs
                    .push((key, vec![("store_region_not_read", string(region))])),
                // Not collected: the gap says so and the run fails.
                Lookup::Unknown(_) => {}
            }
        }
    }

    // Every secret and SecureString of the account: for undeclared ones.
    for region in &stores.regions {
        let secrets = region.secrets_manager.iter().flatten().map(|s| {
            (
                StoreKind::SecretsManager,
                &s.name,
                &s.arn,
                true,
                s.owning_service.as_deref(),
                settings.in_scope(
                    &s.name,
                    s.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                ),
            )
        });
        let parameters = region.ssm.iter().flatten().map(|p| {
            (
                StoreKind::Ssm,
                &p.name,
                &p.arn,
                p.kind == "SecureString",
                None,
                settings.in_scope(&p.name, std::iter::empty()),
            )
        });
        for (store, name, arn, secure, owner, in_scope) in secrets.chain(parameters) {
            let id = uid("StoreItem", arn);
            let mut attrs = AttrsBuilder::default();
            attrs
                .set("store", string(store.as_str()))
                .set("name", string(name))
                .set("arn", string(arn))
                .set("region", string(&region.region))
                .set("secure", boolean(secure))
                .set("in_scope", boolean(in_scope))
                .set("declared", boolean(declared_arns.contains(arn.as_str())))
                .opt("owning_service", owner.map(string));
            out.entities.push(attrs.entity(id.clone()));
            out.facts.push(observe(id.clone(), id, arn_location(arn)));
        }
    }

    // Who may read what.
    let mut reads: BTreeMap<(String, String, String), Fact> = BTreeMap::new();
    let mut observed_read = |service: &str, secret_id: &str, env: &str, location: &Location| {
        let declared = inventory.reads.iter().any(|r| {
            r.service == service
                && r.secret == secret_id
                && (r.environments.is_empty() || r.environments.iter().any(|x| x == env))
        });
        let principal = uid("Service", service);
        let resource = uid("Secret", secret_id);
        reads
            .entry((secret_id.to_owned(), service.to_owned(), env.to_owned()))
            .or_insert_with(|| Fact {
                action: Action::Read,
                principal: principal.clone(),
                resource: resource.clone(),
                environment: Some(uid("Environment", env)),
                subject: resource,
                environment_name: Some(env.to_owned()),
                counterpart: Some(principal),
                location: location.clone(),
                observed: Some(Observed {
                    declared,
                    source: ObservedSource::Iam,
                }),
            });
    };
    for (arn, grants) in &readers.by_item {
        for &(secret_id, env, location) in holders.get(arn.as_str()).into_iter().flatten() {
            let Some(secret) = inventory.secrets.get(secret_id) else {
                continue;
            };
            for grant in grants {
                let identity = identity_of(inventory, iam, grant);
                let service = identity.and_then(|i| i.service.as_deref());
                if let Some(service) = service {
                    observed_read(service, secret_id, env, location);
                }
                let Some(allowed) = &secret.readers else {
                    continue;
                };
                let id = uid(
                    "StoreAccess",
                    &format!("{}|{}@{env}", grant.principal.arn, secret_id),
                );
                let mut attrs = AttrsBuilder::default();
                attrs
                    .set("reader", string(reader_label(grant, identity)))
                    .set("principal_arn", string(&grant.principal.arn))
                    .set("declared", boolean(identity.is_some()))
                    .opt(
                        "identity",
                        identity.map(|i| entity_ref("Identity", &i.name)),
                    )
                    .opt("service", service.map(|s| entity_ref("Service", s)))
                    .set("item", string(arn))
                    .set("secret_id", string(secret_id))
                    .set("environment", entity_ref("Environment", env))
                    .set(
                        "allowed_readers",
                        entity_set("Service", allowed.iter().map(String::as_str)),
                    )
                    .set("grant", string(grant_text(grant)));
                out.entities.push(attrs.entity(id.clone()));
                out.facts.push(Fact {
                    environment_name: Some(env.to_owned()),
                    counterpart: service.map(|s| uid("Service", s)),
                    ..observe(id, uid("Secret", secret_id), location.clone())
                });
            }
        }
    }

    // Broad readers: once per principal, all stores together.
    let mut broad: BTreeMap<&str, (&Grant, BTreeSet<&str>)> = BTreeMap::new();
    for (store, grant) in &readers.broad {
        broad
            .entry(grant.principal.arn.as_str())
            .or_insert_with(|| (grant, BTreeSet::new()))
            .1
            .insert(store.as_str());
    }
    for (arn, (grant, store_names)) in broad {
        let identity = identity_of(inventory, iam, grant);
        if let Some(service) = identity.and_then(|i| i.service.as_deref()) {
            for (secret_id, env, location) in holders.values().flatten() {
                observed_read(service, secret_id, env, location);
            }
        }
        let id = uid("StoreReader", arn);
        let mut attrs = AttrsBuilder::default();
        attrs
            .set("reader", string(reader_label(grant, identity)))
            .set("principal_arn", string(arn))
            .set("declared", boolean(identity.is_some()))
            .opt(
                "identity",
                identity.map(|i| entity_ref("Identity", &i.name)),
            )
            .set("stores", set(store_names.into_iter().map(string)))
            .set("grant", string(grant_text(grant)))
            .set(
                "privileged",
                boolean(identity.is_some_and(|i| i.privileged.is_some())),
            )
            .opt(
                "privileged_reason",
                identity.and_then(|i| i.privileged.as_ref()).map(string),
            );
        out.entities.push(attrs.entity(id.clone()));
        let location = identity
            .map(|i| i.location.clone())
            .unwrap_or_else(|| arn_location(arn));
        out.facts.push(observe(id.clone(), id, location));
    }
    out.reads = reads
        .into_iter()
        .map(|((secret, _, _), fact)| (secret, fact))
        .collect();
    out
}
