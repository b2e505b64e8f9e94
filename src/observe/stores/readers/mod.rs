//! Who can really read each secret: the principals that IAM policies and
//! each secret's resource policy let call `secretsmanager:GetSecretValue` on
//! a Secrets Manager secret, or `ssm:GetParameter*` on a parameter.
//!
//! The evaluation is conservative, so that a reader may be over-counted and
//! never hidden:
//!
//! - conditions are ignored: a conditional `Allow` grants, a conditional
//!   `Deny` takes nothing away;
//! - only an unconditional `Deny` naming its actions and resources
//!   subtracts, and only where it matches every read action of the store;
//! - `NotAction` and `NotResource` in an `Allow` count as everything, and a
//!   `Deny` written with them subtracts nothing;
//! - permission boundaries, session policies and SCPs are not read (each can
//!   only take access away);
//! - a managed policy whose document was not collected grants everything.
//!
//! Action names match as IAM matches them (wildcards, case-insensitive);
//! resources match case-sensitively ([`grants::matches_resource`]).
//!
//! A principal whose grant covers every secret of a store (`*`, or
//! `arn:aws:secretsmanager:*:*:secret:*`) is a *broad* reader: it is
//! reported once, not once per secret, since admin, SSO and break-glass roles
//! read everything by design.

use std::collections::BTreeMap;

use serde_json::Value;

use super::snapshot::{Parameter, StoreKind, StoredSecret, Stores};
use crate::observe::iam::grants::{self, strings};
use crate::observe::iam::snapshot::{account_of_arn, InlinePolicy, Snapshot};

/// A principal that may read secrets.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Principal {
    pub kind: PrincipalKind,
    /// The user's or role's name, the account id, or `*`.
    pub name: String,
    /// The principal's ARN (`arn:aws:iam::123456789012:root` for an account, `*` for anyone).
    pub arn: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalKind {
    User,
    Role,
    /// Another account named by a resource policy: any principal it allows.
    Account,
    /// `Principal: "*"` (or `NotPrincipal`) in a resource policy.
    Anyone,
}

impl Principal {
    /// How messages name it, e.g. "role `deployer`".
    pub fn label(&self) -> String {
        match self.kind {
            PrincipalKind::User => format!("user `{}`", self.name),
            PrincipalKind::Role => format!("role `{}`", self.name),
            PrincipalKind::Account => format!("account `{}` (cross-account)", self.name),
            PrincipalKind::Anyone => "anyone (`Principal: *`)".to_owned(),
        }
    }
}

/// Why a principal may read: the first policy statement that lets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub principal: Principal,
    /// e.g. "inline policy `read` of role `api`", "the resource policy of secret `db`".
    pub policy: String,
    /// The statement's `Sid` in backquotes, or `#N` (1-based) without one.
    pub statement: String,
}

/// The readers of one store's items.
#[derive(Debug, Default)]
pub struct Readers {
    /// Per item ARN, the principals that may read it, broad readers left out,
    /// in principal order.
    pub by_item: BTreeMap<String, Vec<Grant>>,
    /// Principals that may read every item of a store, with the grant that
    /// says so, once each.
    pub broad: Vec<(StoreKind, Grant)>,
}

/// The read actions of a store: a statement grants reading when one of its
/// actions matches one of them, and a `Deny` takes reading away only when
/// it matches all of them.
fn read_actions(store: StoreKind) -> &'static [&'static str] {
    match store {
        StoreKind::SecretsManager => &["secretsmanager:GetSecretValue"],
        StoreKind::Ssm => &[
            "ssm:GetParameter",
            "ssm:GetParameters",
            "ssm:GetParametersByPath",
        ],
    }
}

/// A pattern list, or everything (`NotAction`, `NotResource`, `*` principal).
#[derive(Debug, Clone)]
enum Patterns {
    Everything,
    Only(Vec<String>),
}

/// One statement of a policy document, as far as reading matters.
#[derive(Debug, Clone)]
struct Statement {
    allow: bool,
    actions: Patterns,
    resources: Patterns,
    /// `Deny` with `NotAction`/`NotResource`, or with a condition: it may not
    /// apply, so it subtracts nothing.
    uncertain: bool,
    /// Resource policies only: who the statement is about.
    principals: Vec<Principal>,
    policy: String,
    sid: String,
}

fn statements(document: &Value, policy: &str, account: Option<&str>) -> Vec<Statement> {
    let items = match document.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    };
    items
        .into_iter()
        .enumerate()
        .filter_map(|(index, s)| {
            let allow = match s.get("Effect").and_then(Value::as_str) {
                Some("Allow") => true,
                Some("Deny") => false,
                _ => return None,
            };
            let negated = s.get("NotAction").is_some() || s.get("NotResource").is_some();
            let actions = match s.get("NotAction") {
                Some(_) => Patterns::Everything,
                None => Patterns::Only(strings(s.get("Action"))),
            };
            let resources = match s.get("NotResource") {
                Some(_) => Patterns::Everything,
                None => Patterns::Only(strings(s.get("Resource"))),
            };
            let principals = if s.get("NotPrincipal").is_some() {
                vec![anyone()]
            } else {
                principals(s.get("Principal"), account)
            };
            Some(Statement {
                allow,
                actions,
                resources,
                uncertain: negated || s.get("Condition").is_some(),
                principals,
                policy: policy.to_owned(),
                sid: s
                    .get("Sid")
                    .and_then(Value::as_str)
                    .filter(|sid| !sid.is_empty())
                    .map(|sid| format!("`{sid}`"))
                    .unwrap_or_else(|| format!("#{}", index + 1)),
            })
        })
        .collect()
}

fn anyone() -> Principal {
    Principal {
        kind: PrincipalKind::Anyone,
        name: "*".to_owned(),
        arn: "*".to_owned(),
    }
}

/// The AWS principals of a resource policy statement. The account's own
/// root (`arn:aws:iam::SELF:root`) delegates to the account's IAM policies,
/// which the identity side reads, so it adds no reader; AWS service
/// principals are AWS itself.
fn principals(value: Option<&Value>, account: Option<&str>) -> Vec<Principal> {
    let aws = match value {
        Some(Value::String(s)) if s == "*" => return vec![anyone()],
        Some(Value::Object(map)) => strings(map.get("AWS")),
        _ => return Vec::new(),
    };
    aws.into_iter()
        .filter_map(|text| {
            if text == "*" {
                return Some(anyone());
            }
            let (id, arn) = if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
                (text.clone(), format!("arn:aws:iam::{text}:root"))
            } else {
                (account_of_arn(&text)?, text.clone())
            };
            let resource = arn.rsplit(':').next().unwrap_or_default();
            let name = resource.rsplit('/').next().unwrap_or_default().to_owned();
            let kind = if resource == "root" {
                if Some(id.as_str()) == account {
                    return None;
                }
                return Some(Principal {
                    kind: PrincipalKind::Account,
                    name: id,
                    arn,
                });
            } else if resource.starts_with("role/") {
                PrincipalKind::Role
            } else if resource.starts_with("user/") {
                PrincipalKind::User
            } else {
                // A session, a federated user: counted as its account.
                return Some(Principal {
                    kind: PrincipalKind::Account,
                    name: id,
                    arn,
                });
            };
            Some(Principal { kind, name, arn })
        })
        .collect()
}

impl Statement {
    /// Whether it lets (or, for a `Deny`, stops) reading `arn` in `store`.
    fn reads(&self, store: StoreKind, arn: &str) -> bool {
        self.reads_store(store) && self.covers(arn)
    }

    /// Whether its actions read `store` (an Allow: one read action; a
    /// Deny: every one).
    fn reads_store(&self, store: StoreKind) -> bool {
        let actions = read_actions(store);
        match &self.actions {
            Patterns::Everything => true,
            Patterns::Only(patterns) if self.allow => actions
                .iter()
                .any(|a| patterns.iter().any(|p| grants::matches(p, a))),
            Patterns::Only(patterns) => actions
                .iter()
                .all(|a| patterns.iter().any(|p| grants::matches(p, a))),
        }
    }

    fn covers(&self, arn: &str) -> bool {
        match &self.resources {
            Patterns::Everything => true,
            Patterns::Only(patterns) => patterns.iter().any(|p| grants::matches_resource(p, arn)),
        }
    }

    /// Whether it subtracts: an unconditional, plainly written `Deny`.
    fn denies(&self) -> bool {
        !self.allow && !self.uncertain
    }
}

/// The statements of a principal's identity policies.
fn identity_statements(
    snapshot: &Snapshot,
    inline: &[InlinePolicy],
    attached: &[String],
    owner: &str,
    out: &mut Vec<Statement>,
) {
    for policy in inline {
        out.extend(statements(
            &policy.document,
            &format!("inline policy `{}` of {owner}", policy.name),
            None,
        ));
    }
    for arn in attached {
        match snapshot.policies.iter().find(|p| &p.arn == arn) {
            Some(policy) => out.extend(statements(
                &policy.document,
                &format!("managed policy `{}`", policy.name),
                None,
            )),
            // Attached but its document is unknown: assume the worst.
            None => out.push(Statement {
                allow: true,
                actions: Patterns::Everything,
                resources: Patterns::Everything,
                uncertain: false,
                principals: Vec::new(),
                policy: format!("managed policy `{arn}` (document not collected)"),
                sid: "#1".to_owned(),
            }),
        }
    }
}

/// Every user and role of `snapshot` with its identity policies' statements.
fn principals_with_statements(snapshot: &Snapshot) -> Vec<(Principal, Vec<Statement>)> {
    let mut out = Vec::new();
    for user in &snapshot.users {
        let mut list = Vec::new();
        let owner = format!("user `{}`", user.name);
        identity_statements(
            snapshot,
            &user.inline_policies,
            &user.attached_policies,
            &owner,
            &mut list,
        );
        for group_name in &user.groups {
            if let Some(group) = snapshot.groups.iter().find(|g| &g.name == group_name) {
                identity_statements(
                    snapshot,
                    &group.inline_policies,
                    &group.attached_policies,
                    &format!("group `{group_name}`"),
                    &mut list,
                );
            }
        }
        out.push((
            Principal {
                kind: PrincipalKind::User,
                name: user.name.clone(),
                arn: user.arn.clone(),
            },
            list,
        ));
    }
    for role in &snapshot.roles {
        let mut list = Vec::new();
        identity_statements(
            snapshot,
            &role.inline_policies,
            &role.attached_policies,
            &format!("role `{}`", role.name),
            &mut list,
        );
        out.push((
            Principal {
                kind: PrincipalKind::Role,
                name: role.name.clone(),
                arn: role.arn.clone(),
            },
            list,
        ));
    }
    out
}

/// An ARN no name-scoped pattern matches: a statement covering it covers
/// every item of the store in that region.
fn probe_arn(store: StoreKind, region: &str, account: &str) -> String {
    match store {
        StoreKind::SecretsManager => {
            format!("arn:aws:secretsmanager:{region}:{account}:secret:\u{1}secretary-probe-\u{1}")
        }
        StoreKind::Ssm => format!("arn:aws:ssm:{region}:{account}:parameter/\u{1}secretary-probe"),
    }
}

/// One item to find readers for.
struct Item<'a> {
    store: StoreKind,
    arn: &'a str,
    name: &'a str,
    resource_policy: Option<&'a Value>,
}

fn items(stores: &Stores) -> Vec<Item<'_>> {
    let mut out = Vec::new();
    for region in &stores.regions {
        for secret in region.secrets_manager.iter().flatten() {
            let StoredSecret {
                name,
                arn,
                resource_policy,
                ..
            } = secret;
            out.push(Item {
                store: StoreKind::SecretsManager,
                arn,
                name,
                resource_policy: resource_policy.as_ref(),
            });
        }
        for parameter in region.ssm.iter().flatten() {
            let Parameter { name, arn, .. } = parameter;
            out.push(Item {
                store: StoreKind::Ssm,
                arn,
                name,
                resource_policy: None,
            });
        }
    }
    out
}

/// The readers of every item of `stores`, from the IAM state in `iam`
/// (identity policies, when its authorization details were collected) and
/// each secret's resource policy.
///
/// Identity policies are read statement by statement, not item by item: a
/// resource pattern can only match the items whose ARN starts with its
/// literal prefix (up to the first wildcard), a range of the items sorted by
/// ARN. At 5,000 secrets and 300 roles, asking every statement about every
/// item took 4 s; the ranges make it a few milliseconds. `analyse_reference`
/// (tests) asks every pair and must agree.
pub fn analyse(iam: Option<&Snapshot>, stores: &Stores) -> Readers {
    let account = iam.and_then(|s| s.account_id.clone());
    let identities = identities(iam);
    let broad = broad_readers(&identities, stores, account.as_deref());
    let mut items = items(stores);
    items.sort_by(|a, b| a.arn.cmp(b.arn));
    // Per item (index into `items`), the identity grants, first statement first.
    let mut grants: Vec<BTreeMap<Principal, Grant>> = vec![BTreeMap::new(); items.len()];
    for (principal, list) in &identities {
        for store in [StoreKind::SecretsManager, StoreKind::Ssm] {
            if broad.contains_key(&(store, principal.clone())) {
                continue;
            }
            let matched = |statement: &Statement| -> Vec<usize> {
                let mut out = Vec::new();
                match &statement.resources {
                    Patterns::Everything => {
                        out.extend((0..items.len()).filter(|&i| items[i].store == store))
                    }
                    Patterns::Only(patterns) => {
                        for pattern in patterns {
                            let (from, to) = candidates(&items, pattern);
                            out.extend((from..to).filter(|&i| {
                                items[i].store == store
                                    && grants::matches_resource(pattern, items[i].arn)
                            }));
                        }
                    }
                }
                out
            };
            let denied: std::collections::BTreeSet<usize> = list
                .iter()
                .filter(|s| s.denies() && s.reads_store(store))
                .flat_map(matched)
                .collect();
            for statement in list.iter().filter(|s| s.allow && s.reads_store(store)) {
                for index in matched(statement) {
                    if denied.contains(&index) {
                        continue;
                    }
                    grants[index]
                        .entry(principal.clone())
                        .or_insert_with(|| Grant {
                            principal: principal.clone(),
                            policy: statement.policy.clone(),
                            statement: statement.sid.clone(),
                        });
                }
            }
        }
    }
    let mut readers = Readers::default();
    for (item, mut grants) in items.iter().zip(grants) {
        add_resource_policy(item, &mut grants, &broad, account.as_deref());
        if !grants.is_empty() {
            readers
                .by_item
                .insert(item.arn.to_owned(), grants.into_values().collect());
        }
    }
    readers.broad = broad
        .into_iter()
        .map(|((store, _), grant)| (store, grant))
        .collect();
    readers
}

/// The range of `items` (sorted by ARN) whose ARN starts with `pattern`'s
/// literal prefix: the only ones it can match.
fn candidates(items: &[Item<'_>], pattern: &str) -> (usize, usize) {
    let prefix = &pattern[..pattern.find(['*', '?']).unwrap_or(pattern.len())];
    let from = items.partition_point(|i| i.arn < prefix);
    let to = from + items[from..].partition_point(|i| i.arn.starts_with(prefix));
    (from, to)
}

/// Every user and role with its statements, when the authorization details
/// were collected (none otherwise: the IAM gap says so).
fn identities(iam: Option<&Snapshot>) -> Vec<(Principal, Vec<Statement>)> {
    iam.filter(|s| s.has(crate::observe::iam::Section::AuthorizationDetails))
        .map(principals_with_statements)
        .unwrap_or_default()
}

/// The principals that may read every item of a store: a statement that
/// covers the store's probe ARN in every region read covers every item.
fn broad_readers(
    identities: &[(Principal, Vec<Statement>)],
    stores: &Stores,
    account: Option<&str>,
) -> BTreeMap<(StoreKind, Principal), Grant> {
    let account = account.unwrap_or("*");
    let regions: Vec<&str> = stores.regions.iter().map(|r| r.region.as_str()).collect();
    let mut broad = BTreeMap::new();
    for store in [StoreKind::SecretsManager, StoreKind::Ssm] {
        for (principal, list) in identities {
            let statement = list.iter().find(|s| {
                s.allow
                    && regions
                        .iter()
                        .all(|r| s.reads(store, &probe_arn(store, r, account)))
            });
            if let Some(statement) = statement {
                broad.insert(
                    (store, principal.clone()),
                    Grant {
                        principal: principal.clone(),
                        policy: statement.policy.clone(),
                        statement: statement.sid.clone(),
                    },
                );
            }
        }
    }
    broad
}

/// Applies `item`'s resource policy to its identity `grants`: its
/// unconditional Denies take readers away, its Allows add principals.
fn add_resource_policy(
    item: &Item<'_>,
    grants: &mut BTreeMap<Principal, Grant>,
    broad: &BTreeMap<(StoreKind, Principal), Grant>,
    account: Option<&str>,
) {
    let Some(document) = item.resource_policy else {
        return;
    };
    let policy = statements(
        document,
        &format!("the resource policy of secret `{}`", item.name),
        account,
    );
    let denied = |principal: &Principal| {
        policy.iter().any(|s| {
            s.denies()
                && s.reads(item.store, item.arn)
                && s.principals
                    .iter()
                    .any(|p| p.kind == PrincipalKind::Anyone || p == principal)
        })
    };
    grants.retain(|principal, _| !denied(principal));
    for statement in policy
        .iter()
        .filter(|s| s.allow && s.reads(item.store, item.arn))
    {
        for principal in &statement.principals {
            if grants.contains_key(principal)
                || broad.contains_key(&(item.store, principal.clone()))
                || denied(principal)
            {
                continue;
            }
            grants.insert(
                principal.clone(),
                Grant {
                    principal: principal.clone(),
                    policy: statement.policy.clone(),
                    statement: statement.sid.clone(),
                },
            );
        }
    }
}

/// [`analyse`] the plain way, every statement asked about every item: the
/// reference the indexed version must agree with.
#[cfg(test)]
fn analyse_reference(iam: Option<&Snapshot>, stores: &Stores) -> Readers {
    let account = iam.and_then(|s| s.account_id.clone());
    let identities = identities(iam);
    let broad = broad_readers(&identities, stores, account.as_deref());
    let mut readers = Readers::default();
    for item in &items(stores) {
        let mut grants: BTreeMap<Principal, Grant> = BTreeMap::new();
        for (principal, list) in &identities {
            if broad.contains_key(&(item.store, principal.clone()))
                || list
                    .iter()
                    .any(|s| s.denies() && s.reads(item.store, item.arn))
            {
                continue;
            }
            if let Some(statement) = list
                .iter()
                .find(|s| s.allow && s.reads(item.store, item.arn))
            {
                grants.insert(
                    principal.clone(),
                    Grant {
                        principal: principal.clone(),
                        policy: statement.policy.clone(),
                        statement: statement.sid.clone(),
                    },
                );
            }
        }
        add_resource_policy(item, &mut grants, &broad, account.as_deref());
        if !grants.is_empty() {
            readers
                .by_item
                .insert(item.arn.to_owned(), grants.into_values().collect());
        }
    }
    readers.broad = broad
        .into_iter()
        .map(|((store, _), grant)| (store, grant))
        .collect();
    readers
}

#[cfg(test)]
mod tests;
