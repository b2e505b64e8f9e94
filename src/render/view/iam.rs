//! The AWS account's IAM state as report tables, when the run has IAM data
//! (`--iam`, `--iam-snapshot`, `--aws-snapshot`): users with console access,
//! MFA and each access key's age and last use; roles and groups; every
//! identity with full administrator access and the statement that grants
//! it; and each inventory AWS identity's declared `allow` list next to the
//! actions it is actually granted.
//!
//! IAM findings judge the account; these tables show it, so an auditor can
//! see what was checked. They are built from the observation's snapshot
//! (`observe::iam`) with the same grant and matching code as the rules
//! (`grants`, `facts::declaring_identity`), never from a second reading.

use jiff::civil::Date;
use serde::Serialize;

use crate::inventory::model::{IdentityKind, Inventory};
use crate::observe::iam::facts::{days_since, declaring_identity};
use crate::observe::iam::grants::{beyond_allow, role_statements, user_statements, AllowStatement};
use crate::observe::iam::Snapshot;

/// The IAM section of the report.
#[derive(Debug, Serialize)]
pub struct IamTables {
    /// Whether the run had IAM data; without it every list is empty.
    pub checked: bool,
    /// The flags that give the run IAM data.
    pub enabled_by: &'static [&'static str],
    pub account: Option<String>,
    pub users: Vec<IamUserRow>,
    pub roles: Vec<IamRoleRow>,
    pub groups: Vec<IamGroupRow>,
    /// Identities granted `*` on `*`, one row per granting statement.
    pub admins: Vec<AdminRow>,
    /// The inventory's AWS identities: declared `allow` against granted.
    pub identities: Vec<IdentityGrantRow>,
}

#[derive(Debug, Serialize)]
pub struct IamUserRow {
    pub name: String,
    pub arn: String,
    /// Console password enabled: `yes`, `no` or `unknown`.
    pub console: &'static str,
    pub password_last_used: Option<String>,
    /// MFA device active: `yes`, `no` or `unknown`.
    pub mfa: &'static str,
    /// `None` when the keys could not be read.
    pub keys: Option<Vec<KeyRow>>,
    pub groups: Vec<String>,
    /// Attached managed policy names and inline policy names.
    pub policies: Vec<String>,
    /// The inventory identity that declares this user.
    pub declared_by: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct KeyRow {
    pub slot: u8,
    pub status: String,
    pub created: Option<String>,
    pub age_days: Option<i64>,
    /// `never` when the key was never used.
    pub last_used: String,
    pub last_used_days: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct IamRoleRow {
    pub name: String,
    pub arn: String,
    pub policies: Vec<String>,
    pub last_used: Option<String>,
    pub declared_by: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct IamGroupRow {
    pub name: String,
    pub members: Vec<String>,
    pub policies: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct AdminRow {
    /// `user` or `role`.
    pub kind: &'static str,
    pub name: String,
    /// The statement and policy that grant it (`statement #1 of managed
    /// policy `AdministratorAccess``).
    pub through: String,
}

#[derive(Debug, Serialize)]
pub struct IdentityGrantRow {
    /// The inventory identity's name.
    pub identity: String,
    /// `user NAME` or `role NAME` in the account; `None`: not found.
    pub principal: Option<String>,
    pub allow: Vec<String>,
    /// Every action its policies allow, sorted (`* (NotAction)` for a
    /// `NotAction` statement).
    pub granted: Vec<String>,
    /// The granted actions no `allow` entry covers.
    pub beyond_allow: Vec<String>,
    pub location: String,
}

const ENABLED_BY: &[&str] = &["--iam", "--iam-snapshot FILE", "--aws-snapshot FILE"];

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

fn date_of(time: &Option<String>) -> Option<String> {
    time.as_ref().map(|t| t.get(..10).unwrap_or(t).to_owned())
}

fn policy_names(snapshot: &Snapshot, attached: &[String], inline: &[String]) -> Vec<String> {
    let mut names: Vec<String> = attached
        .iter()
        .map(|arn| {
            snapshot
                .policies
                .iter()
                .find(|p| &p.arn == arn)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| arn.rsplit('/').next().unwrap_or(arn).to_owned())
        })
        .collect();
    names.extend(inline.iter().map(|n| format!("{n} (inline)")));
    names
}

fn granted(statements: &[AllowStatement]) -> Vec<String> {
    let mut actions: Vec<String> = statements
        .iter()
        .flat_map(|s| {
            if s.not_action {
                vec!["* (NotAction)".to_owned()]
            } else {
                s.actions.clone()
            }
        })
        .collect();
    actions.sort();
    actions.dedup();
    actions
}

fn excess(statements: &[AllowStatement], allow: &[String]) -> Vec<String> {
    let mut actions: Vec<String> = beyond_allow(statements, allow)
        .into_iter()
        .map(|e| e.action)
        .collect();
    actions.dedup();
    actions
}

/// The IAM tables of `snapshot` (none: "not checked") as of `now`.
pub fn tables(inventory: &Inventory, snapshot: Option<&Snapshot>, now: Date) -> IamTables {
    let Some(snapshot) = snapshot else {
        return IamTables {
            checked: false,
            enabled_by: ENABLED_BY,
            account: None,
            users: Vec::new(),
            roles: Vec::new(),
            groups: Vec::new(),
            admins: Vec::new(),
            identities: Vec::new(),
        };
    };
    let account = snapshot.account_id.as_deref();
    let mut admins = Vec::new();
    let mut declared: Vec<(String, String, Vec<AllowStatement>)> = Vec::new();
    let users = snapshot
        .users
        .iter()
        .map(|user| {
            let statements = user_statements(snapshot, &user.name);
            admins.extend(
                statements
                    .iter()
                    .filter(|s| s.full_admin())
                    .map(|s| AdminRow {
                        kind: "user",
                        name: user.name.clone(),
                        through: s.describe(),
                    }),
            );
            let declared_by = declaring_identity(inventory, account, true, &user.name, &user.arn)
                .map(|i| i.name.clone());
            if let Some(identity) = &declared_by {
                declared.push((identity.clone(), format!("user {}", user.name), statements));
            }
            let inline: Vec<String> = user
                .inline_policies
                .iter()
                .map(|p| p.name.clone())
                .collect();
            IamUserRow {
                name: user.name.clone(),
                arn: user.arn.clone(),
                console: yes_no(user.password.as_ref().map(|p| p.enabled)),
                password_last_used: user.password.as_ref().and_then(|p| date_of(&p.last_used)),
                mfa: yes_no(user.mfa_active),
                keys: user.access_keys.as_ref().map(|keys| {
                    keys.iter()
                        .map(|key| KeyRow {
                            slot: key.slot,
                            status: key.status.clone(),
                            created: date_of(&key.created),
                            age_days: days_since(key.created.as_deref(), now),
                            last_used: date_of(&key.last_used).unwrap_or_else(|| "never".into()),
                            last_used_days: days_since(key.last_used.as_deref(), now),
                        })
                        .collect()
                }),
                groups: user.groups.clone(),
                policies: policy_names(snapshot, &user.attached_policies, &inline),
                declared_by,
            }
        })
        .collect();
    let roles = snapshot
        .roles
        .iter()
        .map(|role| {
            let statements = role_statements(snapshot, &role.name);
            admins.extend(
                statements
                    .iter()
                    .filter(|s| s.full_admin())
                    .map(|s| AdminRow {
                        kind: "role",
                        name: role.name.clone(),
                        through: s.describe(),
                    }),
            );
            let declared_by = declaring_identity(inventory, account, false, &role.name, &role.arn)
                .map(|i| i.name.clone());
            if let Some(identity) = &declared_by {
                declared.push((identity.clone(), format!("role {}", role.name), statements));
            }
            let inline: Vec<String> = role
                .inline_policies
                .iter()
                .map(|p| p.name.clone())
                .collect();
            IamRoleRow {
                name: role.name.clone(),
                arn: role.arn.clone(),
                policies: policy_names(snapshot, &role.attached_policies, &inline),
                last_used: date_of(&role.last_used),
                declared_by,
            }
        })
        .collect();
    let groups = snapshot
        .groups
        .iter()
        .map(|group| {
            let inline: Vec<String> = group
                .inline_policies
                .iter()
                .map(|p| p.name.clone())
                .collect();
            IamGroupRow {
                name: group.name.clone(),
                members: snapshot
                    .users
                    .iter()
                    .filter(|u| u.groups.contains(&group.name))
                    .map(|u| u.name.clone())
                    .collect(),
                policies: policy_names(snapshot, &group.attached_policies, &inline),
            }
        })
        .collect();
    let mut identities: Vec<_> = inventory
        .identities
        .values()
        .filter(|i| {
            i.aws.is_some() || matches!(i.kind, IdentityKind::AwsIamUser | IdentityKind::AwsIamRole)
        })
        .collect();
    identities.sort_by(|a, b| (&a.location, &a.name).cmp(&(&b.location, &b.name)));
    let identities = identities
        .into_iter()
        .map(|identity| {
            let found = declared.iter().find(|(name, _, _)| name == &identity.name);
            IdentityGrantRow {
                identity: identity.name.clone(),
                principal: found.map(|(_, principal, _)| principal.clone()),
                allow: identity.allow.clone(),
                granted: found.map(|(_, _, s)| granted(s)).unwrap_or_default(),
                beyond_allow: found
                    .map(|(_, _, s)| excess(s, &identity.allow))
                    .unwrap_or_default(),
                location: identity.location.to_string(),
            }
        })
        .collect();
    IamTables {
        checked: true,
        enabled_by: ENABLED_BY,
        account: snapshot.account_id.clone(),
        users,
        roles,
        groups,
        admins,
        identities,
    }
}
