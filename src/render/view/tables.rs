//! The inventory's tables in the view: secrets by classification, env vars
//! by category, identities, encryption layers, never-log secrets and the
//! rotation calendar. Rows keep the inventory's declaration order, so a
//! document reads like the inventory it describes.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::Serialize;

use crate::inventory::model::{serde_name, Inventory, Secret};

#[derive(Debug, Serialize)]
pub struct SecretGroup {
    pub classification: String,
    pub secrets: Vec<SecretRow>,
}

#[derive(Debug, Serialize)]
pub struct SecretRow {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub classification: String,
    pub category: Option<String>,
    pub owner: Option<String>,
    pub risk: Option<String>,
    pub never_log: bool,
    pub readers: Option<Vec<String>>,
    pub rotation: RotationView,
    pub instances: Vec<InstanceRow>,
    pub location: String,
}

#[derive(Debug, Serialize)]
pub struct RotationView {
    pub period: Option<String>,
    pub period_days: Option<i64>,
    pub method: Option<String>,
    pub breaks: Vec<String>,
    /// In words: `quarterly; manual, restart required`.
    pub summary: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct InstanceRow {
    pub environment: String,
    pub backend: String,
    pub store: Option<String>,
    pub encryption: String,
    pub env_var: Option<String>,
    pub file: Option<String>,
    pub file_mode: Option<String>,
    /// How the value reaches the service: the env var, else the file path.
    pub delivery: Option<String>,
    pub reference: Option<String>,
    pub last_rotated: Option<String>,
    pub next_due: Option<String>,
    /// Days from `now` to `next_due`; negative when overdue.
    pub days_until_due: Option<i64>,
    pub overdue: bool,
    pub location: String,
}

#[derive(Debug, Serialize)]
pub struct EnvVarGroup {
    pub category: String,
    pub vars: Vec<EnvVarRow>,
}

#[derive(Debug, Serialize)]
pub struct EnvVarRow {
    pub name: String,
    /// The default as written; always `None` for a variable that carries a secret.
    pub default: Option<String>,
    pub has_default: bool,
    /// True when a default exists but is not shown because the variable carries a secret.
    pub default_redacted: bool,
    pub required: bool,
    pub required_in: Vec<String>,
    pub purpose: Option<String>,
    pub secret: Option<String>,
    pub carries_secret: bool,
    pub services: Vec<String>,
    pub location: String,
}

#[derive(Debug, Serialize)]
pub struct IdentityRow {
    pub name: String,
    pub kind: String,
    pub description: Option<String>,
    pub access: Option<String>,
    pub scope: Option<String>,
    pub allow: Vec<String>,
    pub service: Option<String>,
    pub credentials: Vec<String>,
    pub rotation: Option<String>,
    pub aws_account: Option<String>,
    pub aws_arn: Option<String>,
    pub location: String,
}

#[derive(Debug, Serialize)]
pub struct EncryptionRow {
    /// A declared store's name, or a backend's for instances outside any store.
    pub layer: String,
    pub kind: LayerKind,
    pub description: Option<String>,
    /// The mechanisms, `none`, `provider-managed` or `unknown`, sorted.
    pub mechanisms: Vec<String>,
    pub unencrypted: bool,
    /// Secret ids stored there.
    pub secrets: Vec<String>,
}

/// What an encryption layer is: a declared store, or a backend holding
/// instances outside any store (stores sort first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LayerKind {
    Store,
    Backend,
}

#[derive(Debug, Serialize)]
pub struct NeverLogRow {
    pub id: String,
    pub name: String,
    pub classification: String,
    pub env_vars: Vec<String>,
    pub files: Vec<String>,
    pub risk: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RotationDue {
    pub overdue: Vec<DueRow>,
    pub within_30_days: Vec<DueRow>,
    /// Due in 31 to 90 days.
    pub within_90_days: Vec<DueRow>,
}

#[derive(Debug, Serialize)]
pub struct DueRow {
    pub secret: String,
    pub environment: String,
    pub owner: Option<String>,
    pub last_rotated: String,
    pub next_due: String,
    pub days_until_due: i64,
}

fn rotation_view(secret: &Secret) -> RotationView {
    let rotation = &secret.rotation;
    let method = rotation.method.as_ref().map(serde_name);
    let breaks: Vec<String> = rotation
        .breaks
        .iter()
        .map(|b| serde_name(b).replace('_', " "))
        .collect();
    let mut how: Vec<String> = method.iter().cloned().collect();
    how.extend(breaks.iter().cloned());
    let mut parts: Vec<String> = rotation.period.iter().map(|p| p.text.clone()).collect();
    if !how.is_empty() {
        parts.push(how.join(", "));
    }
    RotationView {
        period: rotation.period.as_ref().map(|p| p.text.clone()),
        period_days: rotation.period.as_ref().map(|p| p.days),
        method,
        breaks,
        summary: (!parts.is_empty()).then(|| parts.join("; ")),
    }
}

/// When an instance is next due: last rotation plus the period.
fn next_due(secret: &Secret, last_rotated: Option<Date>, now: Date) -> Option<(Date, i64)> {
    let period = secret.rotation.period.as_ref()?;
    let due = last_rotated?
        .checked_add(jiff::Span::new().days(period.days))
        .ok()?;
    let days = (due - now).get_days() as i64;
    Some((due, days))
}

pub(super) fn secrets(inventory: &Inventory, now: Date) -> Vec<SecretGroup> {
    let mut by_class: BTreeMap<_, Vec<&Secret>> = BTreeMap::new();
    for secret in inventory.secrets.values() {
        by_class
            .entry(secret.classification)
            .or_default()
            .push(secret);
    }
    by_class
        .into_iter()
        .map(|(classification, mut secrets)| {
            secrets.sort_by(|a, b| (&a.location, &a.id).cmp(&(&b.location, &b.id)));
            SecretGroup {
                classification: serde_name(&classification),
                secrets: secrets
                    .into_iter()
                    .map(|s| secret_row(inventory, s, now))
                    .collect(),
            }
        })
        .collect()
}

fn secret_row(inventory: &Inventory, secret: &Secret, now: Date) -> SecretRow {
    // Environments in the order the inventory declares them.
    let mut ordered: Vec<_> = secret.instances.values().collect();
    ordered.sort_by_key(|i| {
        (
            inventory
                .environments
                .get(&i.environment)
                .map(|e| e.location.clone()),
            i.environment.clone(),
        )
    });
    let instances = ordered
        .into_iter()
        .map(|instance| {
            let due = next_due(secret, instance.last_rotated, now);
            let file = instance.file.as_ref().map(|f| f.path.clone());
            InstanceRow {
                environment: instance.environment.clone(),
                backend: serde_name(&instance.backend),
                store: instance.store.clone(),
                encryption: instance.encryption.clone(),
                env_var: instance.env_var.clone(),
                file_mode: instance
                    .file
                    .as_ref()
                    .and_then(|f| f.mode)
                    .map(|m| format!("{m:04o}")),
                delivery: instance.env_var.clone().or_else(|| file.clone()),
                file,
                reference: instance.reference.clone(),
                last_rotated: instance.last_rotated.map(|d| d.to_string()),
                next_due: due.map(|(d, _)| d.to_string()),
                days_until_due: due.map(|(_, days)| days),
                overdue: due.is_some_and(|(_, days)| days < 0),
                location: instance.location.to_string(),
            }
        })
        .collect();
    SecretRow {
        id: secret.id.clone(),
        name: secret.name.clone(),
        description: secret.description.clone(),
        classification: serde_name(&secret.classification),
        category: secret.category.as_ref().map(serde_name),
        owner: secret.owner.clone(),
        risk: secret.risk.clone(),
        never_log: secret.never_log,
        readers: secret.readers.clone(),
        rotation: rotation_view(secret),
        instances,
        location: secret.location.to_string(),
    }
}

/// The env vars that some secret's instance delivers, whether or not the
/// variable's `secret` link could be inferred.
fn secret_env_vars(inventory: &Inventory) -> BTreeMap<&str, &str> {
    let mut names = BTreeMap::new();
    for secret in inventory.secrets.values() {
        for instance in secret.instances.values() {
            if let Some(name) = &instance.env_var {
                names.entry(name.as_str()).or_insert(secret.id.as_str());
            }
        }
    }
    names
}

pub(super) fn env_vars(inventory: &Inventory) -> Vec<EnvVarGroup> {
    let delivered = secret_env_vars(inventory);
    let mut groups: BTreeMap<&str, Vec<&crate::inventory::model::EnvVar>> = BTreeMap::new();
    for var in inventory.env_vars.values() {
        groups
            .entry(var.category.as_deref().unwrap_or("Other"))
            .or_default()
            .push(var);
    }
    let mut groups: Vec<(&str, Vec<_>)> = groups.into_iter().collect();
    for (_, vars) in &mut groups {
        vars.sort_by(|a, b| (&a.location, &a.name).cmp(&(&b.location, &b.name)));
    }
    // Categories in the order the inventory first uses them, as documents list them.
    groups.sort_by(|a, b| (&a.1[0].location, a.0).cmp(&(&b.1[0].location, b.0)));
    groups
        .into_iter()
        .map(|(category, vars)| EnvVarGroup {
            category: category.to_owned(),
            vars: vars
                .into_iter()
                .map(|var| {
                    let secret = var
                        .secret
                        .clone()
                        .or_else(|| delivered.get(var.name.as_str()).map(|s| (*s).to_owned()));
                    let carries_secret = secret.is_some();
                    EnvVarRow {
                        name: var.name.clone(),
                        default: if carries_secret {
                            None
                        } else {
                            var.default.clone()
                        },
                        has_default: var.default.is_some(),
                        default_redacted: carries_secret && var.default.is_some(),
                        required: var.required,
                        required_in: var.required_in.clone(),
                        purpose: var.purpose.clone(),
                        secret,
                        carries_secret,
                        services: var.services.clone(),
                        location: var.location.to_string(),
                    }
                })
                .collect(),
        })
        .collect()
}

pub(super) fn identities(inventory: &Inventory) -> Vec<IdentityRow> {
    let mut identities: Vec<_> = inventory.identities.values().collect();
    identities.sort_by(|a, b| (&a.location, &a.name).cmp(&(&b.location, &b.name)));
    identities
        .into_iter()
        .map(|identity| IdentityRow {
            name: identity.name.clone(),
            kind: serde_name(&identity.kind),
            description: identity.description.clone(),
            access: identity.access.clone(),
            scope: identity.scope.clone(),
            allow: identity.allow.clone(),
            service: identity.service.clone(),
            credentials: identity.credentials.clone(),
            rotation: identity.rotation.as_ref().map(|p| p.text.clone()),
            aws_account: identity.aws.as_ref().and_then(|a| a.account.clone()),
            aws_arn: identity.aws.as_ref().and_then(|a| a.arn.clone()),
            location: identity.location.to_string(),
        })
        .collect()
}

pub(super) fn encryption(inventory: &Inventory) -> Vec<EncryptionRow> {
    // (kind, layer) -> (mechanisms, secrets)
    let mut layers: BTreeMap<(LayerKind, String), (BTreeSet<String>, BTreeSet<String>)> =
        BTreeMap::new();
    for store in inventory.stores.values() {
        layers
            .entry((LayerKind::Store, store.name.clone()))
            .or_default()
            .0
            .insert(store.encryption.clone());
    }
    for secret in inventory.secrets.values() {
        for instance in secret.instances.values() {
            let key = match &instance.store {
                Some(store) => (LayerKind::Store, store.clone()),
                None => (LayerKind::Backend, serde_name(&instance.backend)),
            };
            let entry = layers.entry(key).or_default();
            entry.0.insert(instance.encryption.clone());
            entry.1.insert(secret.id.clone());
        }
    }
    layers
        .into_iter()
        .map(|((kind, layer), (mechanisms, secrets))| {
            let mechanisms: Vec<String> = mechanisms.into_iter().collect();
            EncryptionRow {
                description: if kind == LayerKind::Store {
                    inventory
                        .stores
                        .get(&layer)
                        .and_then(|s| s.description.clone())
                } else {
                    None
                },
                kind,
                unencrypted: mechanisms.iter().any(|m| m == "none"),
                mechanisms,
                secrets: secrets.into_iter().collect(),
                layer,
            }
        })
        .collect()
}

pub(super) fn never_log(inventory: &Inventory) -> Vec<NeverLogRow> {
    let mut secrets: Vec<&Secret> = inventory.secrets.values().filter(|s| s.never_log).collect();
    secrets.sort_by(|a, b| {
        (a.classification, &a.location, &a.id).cmp(&(b.classification, &b.location, &b.id))
    });
    secrets
        .into_iter()
        .map(|secret| {
            let mut env_vars: BTreeSet<String> = secret
                .instances
                .values()
                .filter_map(|i| i.env_var.clone())
                .collect();
            env_vars.extend(
                inventory
                    .env_vars
                    .values()
                    .filter(|v| v.secret.as_deref() == Some(secret.id.as_str()))
                    .map(|v| v.name.clone()),
            );
            let files: BTreeSet<String> = secret
                .instances
                .values()
                .filter_map(|i| i.file.as_ref().map(|f| f.path.clone()))
                .collect();
            NeverLogRow {
                id: secret.id.clone(),
                name: secret.name.clone(),
                classification: serde_name(&secret.classification),
                env_vars: env_vars.into_iter().collect(),
                files: files.into_iter().collect(),
                risk: secret.risk.clone(),
                description: secret.description.clone(),
            }
        })
        .collect()
}

pub(super) fn rotation_due(inventory: &Inventory, now: Date) -> RotationDue {
    let mut due = RotationDue {
        overdue: Vec::new(),
        within_30_days: Vec::new(),
        within_90_days: Vec::new(),
    };
    for secret in inventory.secrets.values() {
        for instance in secret.instances.values() {
            let Some((next, days)) = next_due(secret, instance.last_rotated, now) else {
                continue;
            };
            let row = DueRow {
                secret: secret.id.clone(),
                environment: instance.environment.clone(),
                owner: secret.owner.clone(),
                last_rotated: instance
                    .last_rotated
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                next_due: next.to_string(),
                days_until_due: days,
            };
            match days {
                ..0 => due.overdue.push(row),
                0..=30 => due.within_30_days.push(row),
                31..=90 => due.within_90_days.push(row),
                _ => {}
            }
        }
    }
    for list in [
        &mut due.overdue,
        &mut due.within_30_days,
        &mut due.within_90_days,
    ] {
        list.sort_by(|a, b| {
            (&a.next_due, &a.secret, &a.environment).cmp(&(&b.next_due, &b.secret, &b.environment))
        });
    }
    due
}
