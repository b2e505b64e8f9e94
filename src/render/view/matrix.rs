//! The secrets × environments matrix: for each secret (a row) and each
//! environment (a column), where the instance lives, its rotation state and
//! its age, or nothing when the secret has no instance there.
//!
//! The state is a word as well as a colour, so the matrix survives printing
//! in black and white.

use jiff::civil::Date;
use serde::Serialize;

use crate::inventory::model::{serde_name, Instance, Inventory, Secret};

/// Days before its due date from which a rotation is "due soon".
pub const DUE_SOON_DAYS: i64 = 30;

#[derive(Debug, Serialize)]
pub struct Matrix {
    /// The columns: environment names in the inventory's order.
    pub environments: Vec<String>,
    pub rows: Vec<MatrixRow>,
}

#[derive(Debug, Serialize)]
pub struct MatrixRow {
    pub secret: String,
    pub classification: String,
    /// The rotation period as written, if any.
    pub period: Option<String>,
    /// One per column; `None` where the secret has no instance.
    pub cells: Vec<Option<MatrixCell>>,
}

#[derive(Debug, Serialize)]
pub struct MatrixCell {
    pub backend: String,
    pub store: Option<String>,
    pub state: RotationState,
    /// The state in words: `ok`, `due soon`, `overdue`, `no period`, `not recorded`.
    pub state_text: &'static str,
    /// Days since the last rotation, when recorded.
    pub age_days: Option<i64>,
    pub next_due: Option<String>,
    /// Days from `now` to `next_due`; negative when overdue.
    pub days_until_due: Option<i64>,
}

/// An instance's rotation state at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RotationState {
    Ok,
    DueSoon,
    Overdue,
    /// The secret declares no rotation period.
    NoPeriod,
    /// A period, but no `last_rotated` on the instance.
    NotRecorded,
}

impl RotationState {
    pub fn text(self) -> &'static str {
        match self {
            RotationState::Ok => "ok",
            RotationState::DueSoon => "due soon",
            RotationState::Overdue => "overdue",
            RotationState::NoPeriod => "no period",
            RotationState::NotRecorded => "not recorded",
        }
    }
}

/// An instance's state, age and due date at `now`.
pub(super) struct Rotated {
    pub state: RotationState,
    pub age_days: Option<i64>,
    pub next_due: Option<Date>,
    pub days_until_due: Option<i64>,
    pub period_days: Option<i64>,
}

pub(super) fn rotated(secret: &Secret, instance: &Instance, now: Date) -> Rotated {
    let period_days = secret.rotation.period.as_ref().map(|p| p.days);
    let age_days = instance
        .last_rotated
        .map(|last| (now - last).get_days() as i64);
    let next_due = match (instance.last_rotated, period_days) {
        (Some(last), Some(days)) => last.checked_add(jiff::Span::new().days(days)).ok(),
        _ => None,
    };
    let days_until_due = next_due.map(|due| (due - now).get_days() as i64);
    let state = match (period_days, days_until_due) {
        (None, _) => RotationState::NoPeriod,
        (Some(_), None) => RotationState::NotRecorded,
        (Some(_), Some(days)) if days < 0 => RotationState::Overdue,
        (Some(_), Some(days)) if days <= DUE_SOON_DAYS => RotationState::DueSoon,
        _ => RotationState::Ok,
    };
    Rotated {
        state,
        age_days,
        next_due,
        days_until_due,
        period_days,
    }
}

/// Environments in the inventory's declaration order.
pub(super) fn environment_order(inventory: &Inventory) -> Vec<String> {
    let mut environments: Vec<_> = inventory.environments.values().collect();
    environments.sort_by(|a, b| (&a.location, &a.name).cmp(&(&b.location, &b.name)));
    environments.into_iter().map(|e| e.name.clone()).collect()
}

/// Secrets in the inventory's declaration order.
pub(super) fn secret_order(inventory: &Inventory) -> Vec<&Secret> {
    let mut secrets: Vec<&Secret> = inventory.secrets.values().collect();
    secrets.sort_by(|a, b| (&a.location, &a.id).cmp(&(&b.location, &b.id)));
    secrets
}

pub(super) fn matrix(inventory: &Inventory, now: Date) -> Matrix {
    let environments = environment_order(inventory);
    let rows = secret_order(inventory)
        .into_iter()
        .map(|secret| MatrixRow {
            secret: secret.id.clone(),
            classification: serde_name(&secret.classification),
            period: secret.rotation.period.as_ref().map(|p| p.text.clone()),
            cells: environments
                .iter()
                .map(|env| {
                    let instance = secret.instances.get(env)?;
                    let r = rotated(secret, instance, now);
                    Some(MatrixCell {
                        backend: serde_name(&instance.backend),
                        store: instance.store.clone(),
                        state: r.state,
                        state_text: r.state.text(),
                        age_days: r.age_days,
                        next_due: r.next_due.map(|d| d.to_string()),
                        days_until_due: r.days_until_due,
                    })
                })
                .collect(),
        })
        .collect();
    Matrix { environments, rows }
}
