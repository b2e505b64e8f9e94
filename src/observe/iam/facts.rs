//! An IAM snapshot (and the inventory's AWS identities) as Cedar entities and
//! `observe` facts.
//!
//! Cedar compares; secretary computes what Cedar cannot: ages and days
//! unused from the snapshot's times and `--now`, each key's maximum age (the
//! owning identity's `rotation`, else `settings.iam.access_key_max_age`),
//! the actions granted beyond an identity's `allow` list
//! ([`crate::observe::iam::grants`]), and drift in both directions. An
//! attribute is left out when the part of the snapshot it comes from was not
//! collected, so no rule can read missing data as a clean account: those
//! checks are reported as not verified instead ([`gap_findings`]).
//!
//! Findings about an IAM item point at the inventory identity that declares
//! it; an undeclared item has no place in the inventory, so its location is
//! its ARN (`arn:aws:iam::123456789012:user/bob:1:1`), the same for a live
//! check and for a snapshot file, so both print the same findings.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::entities::data::{boolean, entity_ref, long, set, string, AttrsBuilder, EntityData};
use jiff::civil::Date;
use jiff::Timestamp;

use super::grants::{self, AllowStatement};
use super::snapshot::{self, AccessKey, Section, Snapshot};
use crate::entities::{uid, Action, Fact};
use crate::findings::{Finding, Severity};
use crate::inventory::model::{Identity, IdentityKind, Inventory};
use crate::source::Location;

/// The IAM chunk: its entities and facts.
#[derive(Clone)]
pub struct IamChunk {
    pub entities: Vec<EntityData>,
    pub facts: Vec<Fact>,
}

/// What kind of IAM identity an inventory identity is declared as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expected {
    User,
    Role,
    Either,
}

/// An inventory identity that names an IAM user or role of this account.
struct Declared<'a> {
    identity: &'a Identity,
    name: String,
    arn: Option<&'a str>,
    expected: Expected,
}

fn declared_identities<'a>(inventory: &'a Inventory, account: Option<&str>) -> Vec<Declared<'a>> {
    let mut out = Vec::new();
    for identity in inventory.identities.values() {
        let aws = identity.aws.as_ref();
        let by_kind = match identity.kind {
            IdentityKind::AwsIamUser => Some(Expected::User),
            IdentityKind::AwsIamRole => Some(Expected::Role),
            _ => None,
        };
        if aws.is_none() && by_kind.is_none() {
            continue;
        }
        let arn = aws.and_then(|a| a.arn.as_deref());
        let declared_account = aws
            .and_then(|a| a.account.clone())
            .or_else(|| arn.and_then(snapshot::account_of_arn));
        if let (Some(declared), Some(account)) = (declared_account.as_deref(), account) {
            if declared != account {
                continue; // another account's identity
            }
        }
        let expected = by_kind.unwrap_or(match arn {
            Some(arn) if arn.contains(":user/") => Expected::User,
            Some(arn) if arn.contains(":role/") => Expected::Role,
            _ => Expected::Either,
        });
        let name = aws
            .and_then(|a| a.name.clone())
            .or_else(|| arn.and_then(|a| a.rsplit('/').next()).map(str::to_owned))
            .unwrap_or_else(|| identity.name.clone());
        out.push(Declared {
            identity,
            name,
            arn,
            expected,
        });
    }
    out
}

fn find<'d, 'a>(
    declared: &'d [Declared<'a>],
    kind: Expected,
    name: &str,
    arn: &str,
) -> Option<&'d Declared<'a>> {
    let fits = |d: &&Declared<'_>| d.expected == kind || d.expected == Expected::Either;
    declared
        .iter()
        .filter(fits)
        .find(|d| d.arn == Some(arn))
        .or_else(|| {
            declared
                .iter()
                .filter(fits)
                .find(|d| d.arn.is_none() && d.name.eq_ignore_ascii_case(name))
        })
}

/// The inventory identity that declares the IAM user (`user`) or role
/// named `name` with ARN `arn` in `account`, if any: the same matching the
/// IAM checks use, for other observations of the account's principals.
pub fn declaring_identity<'a>(
    inventory: &'a Inventory,
    account: Option<&str>,
    user: bool,
    name: &str,
    arn: &str,
) -> Option<&'a Identity> {
    let declared = declared_identities(inventory, account);
    let kind = if user { Expected::User } else { Expected::Role };
    find(&declared, kind, name, arn).map(|d| d.identity)
}

/// Whole days from `time` to `now` (never negative).
pub fn days_since(time: Option<&str>, now: Date) -> Option<i64> {
    let date = time?
        .parse::<Timestamp>()
        .ok()?
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let days = date.until(now).ok()?.get_days();
    Some(i64::from(days).max(0))
}

/// The account's uid id: its number, or `unknown` when no ARN told it.
pub fn account_id(snapshot: &Snapshot) -> String {
    snapshot
        .account_id
        .clone()
        .unwrap_or_else(|| "unknown".to_owned())
}

fn arn_location(arn: &str) -> Location {
    Location::file_start(&Arc::<str>::from(arn))
}

/// The location of findings about the account as a whole.
pub fn account_location(snapshot: &Snapshot) -> Location {
    arn_location(&format!("arn:aws:iam::{}:root", account_id(snapshot)))
}

fn excess_attrs(
    attrs: &mut AttrsBuilder,
    identity: Option<&Identity>,
    statements: &[AllowStatement],
    collected: bool,
) {
    let Some(identity) = identity.filter(|i| !i.allow.is_empty() && collected) else {
        return;
    };
    let excess = grants::beyond_allow(statements, &identity.allow);
    let actions: BTreeSet<&str> = excess.iter().map(|e| e.action.as_str()).collect();
    let detail: Vec<String> = excess
        .iter()
        .map(|e| format!("`{}` ({} of {})", e.action, e.statement, e.policy))
        .collect();
    attrs
        .set("beyond_allow", set(actions.into_iter().map(string)))
        .set("beyond_allow_detail", string(detail.join("; ")));
}

/// Builds the IAM entities and facts of `snapshot` against `inventory`.
pub fn build(inventory: &Inventory, snapshot: &Snapshot, now: Date) -> IamChunk {
    let settings = &inventory.settings;
    let account = account_id(snapshot);
    let account_uid = uid("AwsAccount", &account);
    let declared = declared_identities(inventory, snapshot.account_id.as_deref());
    let has_report = snapshot.has(Section::CredentialReport);
    let has_details = snapshot.has(Section::AuthorizationDetails);
    let mut entities = Vec::new();
    let mut facts = Vec::new();
    let mut found: BTreeSet<&str> = BTreeSet::new();
    let fact = |resource: cedar_policy::EntityUid, location: Location| Fact {
        action: Action::Observe,
        principal: account_uid.clone(),
        resource: resource.clone(),
        environment: None,
        subject: resource,
        environment_name: None,
        counterpart: None,
        location,
        observed: None,
    };

    for user in &snapshot.users {
        let user_uid = uid("IamUser", &user.name);
        let owner = find(&declared, Expected::User, &user.name, &user.arn);
        if let Some(d) = owner {
            found.insert(d.identity.name.as_str());
        }
        let identity = owner.map(|d| d.identity);
        let location = identity
            .map(|i| i.location.clone())
            .unwrap_or_else(|| arn_location(&user.arn));
        let mut attrs = AttrsBuilder::default();
        attrs
            .set("name", string(&user.name))
            .set("arn", string(&user.arn))
            .set("declared", boolean(identity.is_some()))
            .opt(
                "identity",
                identity.map(|i| entity_ref("Identity", &i.name)),
            )
            .set(
                "unused_max_days",
                long(settings.unused_credentials_max_days),
            );
        if has_report {
            if let Some(password) = &user.password {
                attrs.set("password_enabled", boolean(password.enabled));
                if password.enabled {
                    let since = password
                        .last_used
                        .as_deref()
                        .or(password.last_changed.as_deref())
                        .or(user.created.as_deref());
                    attrs.opt("password_days_unused", days_since(since, now).map(long));
                }
            }
            attrs.opt("mfa_active", user.mfa_active.map(boolean));
            if let Some(keys) = &user.access_keys {
                let active = keys.iter().filter(|k| k.active()).count() as i64;
                attrs.set("active_key_count", long(active));
            }
        }
        if has_details {
            let direct: Vec<String> = user
                .attached_policies
                .iter()
                .map(|arn| arn.rsplit('/').next().unwrap_or(arn).to_owned())
                .chain(
                    user.inline_policies
                        .iter()
                        .map(|p| format!("{} (inline)", p.name)),
                )
                .collect();
            attrs.set("direct_policies", set(direct.iter().map(string)));
        }
        excess_attrs(
            &mut attrs,
            identity,
            &grants::user_statements(snapshot, &user.name),
            has_details,
        );
        entities.push(attrs.entity(user_uid.clone()));
        facts.push(fact(user_uid.clone(), location.clone()));

        if has_report {
            for key in user.access_keys.iter().flatten() {
                let (entity, key_uid) = access_key(
                    key,
                    &user.name,
                    identity,
                    settings.access_key_max_age_days,
                    settings.unused_credentials_max_days,
                    now,
                );
                entities.push(entity);
                facts.push(fact(key_uid, location.clone()));
            }
        }
    }

    for role in &snapshot.roles {
        let role_uid = uid("IamRole", &role.name);
        let owner = find(&declared, Expected::Role, &role.name, &role.arn);
        if let Some(d) = owner {
            found.insert(d.identity.name.as_str());
        }
        let identity = owner.map(|d| d.identity);
        let location = identity
            .map(|i| i.location.clone())
            .unwrap_or_else(|| arn_location(&role.arn));
        let mut attrs = AttrsBuilder::default();
        attrs
            .set("name", string(&role.name))
            .set("arn", string(&role.arn))
            .set("declared", boolean(identity.is_some()))
            .set(
                "service_linked",
                boolean(role.arn.contains(":role/aws-service-role/")),
            )
            .opt(
                "identity",
                identity.map(|i| entity_ref("Identity", &i.name)),
            );
        excess_attrs(
            &mut attrs,
            identity,
            &grants::role_statements(snapshot, &role.name),
            has_details,
        );
        entities.push(attrs.entity(role_uid.clone()));
        facts.push(fact(role_uid, location));
    }

    if has_details {
        policies(snapshot, &mut entities, &mut facts, &fact);
    }

    // The account: root credentials, password policy, drift.
    let mut attrs = AttrsBuilder::default();
    attrs.set("id", string(&account));
    if let Some(root) = &snapshot.root {
        let known = has_report || root.access_keys_present.is_some();
        if known {
            attrs.set("root_access_key", boolean(root.has_access_key()));
        }
        attrs.opt("root_mfa_active", root.mfa_active.map(boolean));
    }
    if snapshot.has(Section::PasswordPolicy) {
        let policy = snapshot.password_policy.as_ref();
        attrs
            .set("password_policy", boolean(policy.is_some()))
            .set(
                "min_password_length",
                long(policy.and_then(|p| p.minimum_password_length).unwrap_or(0)),
            )
            .set(
                "password_reuse_prevention",
                long(
                    policy
                        .and_then(|p| p.password_reuse_prevention)
                        .unwrap_or(0),
                ),
            );
    }
    // Missing identities can only be told when the users and roles were listed.
    let missing: Vec<&Declared<'_>> = if has_details {
        declared
            .iter()
            .filter(|d| !found.contains(d.identity.name.as_str()))
            .collect()
    } else {
        Vec::new()
    };
    attrs.set(
        "missing_identities",
        set(missing
            .iter()
            .map(|d| entity_ref("Identity", &d.identity.name))),
    );
    entities.push(attrs.entity(account_uid.clone()));
    facts.push(fact(account_uid.clone(), account_location(snapshot)));
    for d in &declared {
        facts.push(fact(
            uid("Identity", &d.identity.name),
            d.identity.location.clone(),
        ));
    }
    IamChunk { entities, facts }
}

fn access_key(
    key: &AccessKey,
    user: &str,
    identity: Option<&Identity>,
    default_max_age: i64,
    unused_max: i64,
    now: Date,
) -> (EntityData, cedar_policy::EntityUid) {
    let key_uid = uid("IamAccessKey", &format!("{user}#{}", key.slot));
    let (max_age, source) = match identity.and_then(|i| i.rotation.as_ref().map(|r| (i, r))) {
        Some((identity, rotation)) => (
            rotation.days,
            format!("the rotation of identity `{}`", identity.name),
        ),
        None => (
            default_max_age,
            "settings.iam.access_key_max_age".to_owned(),
        ),
    };
    let mut attrs = AttrsBuilder::default();
    attrs
        .set("user", entity_ref("IamUser", user))
        .set("slot", long(i64::from(key.slot)))
        .set("active", boolean(key.active()))
        .set("max_age_days", long(max_age))
        .set("max_age_source", string(source))
        .set("unused_max_days", long(unused_max))
        .opt(
            "age_days",
            days_since(key.created.as_deref(), now).map(long),
        )
        .opt(
            "days_unused",
            days_since(key.last_used.as_deref().or(key.created.as_deref()), now).map(long),
        )
        .set("used", boolean(key.last_used.is_some()));
    (attrs.entity(key_uid.clone()), key_uid)
}

fn policies(
    snapshot: &Snapshot,
    entities: &mut Vec<EntityData>,
    facts: &mut Vec<Fact>,
    fact: &dyn Fn(cedar_policy::EntityUid, Location) -> Fact,
) {
    // Who each managed policy is attached to, for messages.
    let mut attached_to: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut inline = Vec::new();
    for user in &snapshot.users {
        for arn in &user.attached_policies {
            attached_to
                .entry(arn)
                .or_default()
                .push(format!("user `{}`", user.name));
        }
        for p in &user.inline_policies {
            inline.push((
                format!("user/{}/{}", user.name, p.name),
                p,
                format!("user `{}`", user.name),
                user.arn.as_str(),
            ));
        }
    }
    for group in &snapshot.groups {
        for arn in &group.attached_policies {
            attached_to
                .entry(arn)
                .or_default()
                .push(format!("group `{}`", group.name));
        }
        for p in &group.inline_policies {
            inline.push((
                format!("group/{}/{}", group.name, p.name),
                p,
                format!("group `{}`", group.name),
                group.arn.as_str(),
            ));
        }
    }
    for role in &snapshot.roles {
        for arn in &role.attached_policies {
            attached_to
                .entry(arn)
                .or_default()
                .push(format!("role `{}`", role.name));
        }
        for p in &role.inline_policies {
            inline.push((
                format!("role/{}/{}", role.name, p.name),
                p,
                format!("role `{}`", role.name),
                role.arn.as_str(),
            ));
        }
    }
    let admin = |document: &serde_json::Value, label: &str| {
        grants::allow_statements(document, label)
            .into_iter()
            .find(AllowStatement::full_admin)
            .map(|s| s.statement)
    };
    for policy in &snapshot.policies {
        let holders = attached_to.get(policy.arn.as_str());
        let attached = policy.attachment_count > 0 || holders.is_some();
        let id = uid("IamPolicy", &policy.arn);
        let mut attrs = AttrsBuilder::default();
        let admin_statement = admin(&policy.document, &policy.name);
        attrs
            .set("name", string(&policy.name))
            .set("arn", string(&policy.arn))
            .set(
                "kind",
                string(if policy.aws_managed {
                    "aws_managed"
                } else {
                    "customer_managed"
                }),
            )
            .set("attached", boolean(attached))
            .set(
                "attached_to",
                string(
                    holders
                        .map(|h| h.join(", "))
                        .unwrap_or_else(|| "none".to_owned()),
                ),
            )
            .set("full_admin", boolean(admin_statement.is_some()))
            .opt("admin_statement", admin_statement.map(string));
        entities.push(attrs.entity(id.clone()));
        facts.push(fact(id, arn_location(&policy.arn)));
    }
    for (key, policy, holder, holder_arn) in inline {
        let id = uid("IamPolicy", &key);
        let admin_statement = admin(&policy.document, &policy.name);
        let mut attrs = AttrsBuilder::default();
        attrs
            .set("name", string(&policy.name))
            .set(
                "arn",
                string(format!("{holder_arn} (inline `{}`)", policy.name)),
            )
            .set("kind", string("inline"))
            .set("attached", boolean(true))
            .set("attached_to", string(holder))
            .set("full_admin", boolean(admin_statement.is_some()))
            .opt("admin_statement", admin_statement.map(string));
        entities.push(attrs.entity(id.clone()));
        facts.push(fact(id, arn_location(holder_arn)));
    }
}

/// One `error` finding per part of the snapshot that could not be
/// collected: the checks that need it are not verified, and the run fails.
pub fn gap_findings(snapshot: &Snapshot) -> Vec<Finding> {
    let entity = uid("AwsAccount", &account_id(snapshot));
    snapshot
        .not_collected
        .iter()
        .map(|gap| {
            let message = format!(
                "not verified: {} ({} failed: {}; it needs `{}`)",
                gap.section.affects(),
                gap.call,
                gap.problem,
                gap.permission
            );
            Finding::new(NOT_VERIFIED, Severity::Error, message, account_location(snapshot))
                .entity(entity.clone())
                .remediation(format!(
                    "grant `{}` (see the read-only IAM policy in docs/src/live-iam.md) or fix the cause, then run again",
                    gap.permission
                ))
        })
        .collect()
}

/// The rule id of findings for checks that could not run.
pub const NOT_VERIFIED: &str = "iam-not-verified";
